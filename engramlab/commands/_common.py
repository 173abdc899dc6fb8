"""Helpers shared by the subcommands: printing tables, writing summaries."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engramlab.results import atomic_write

__all__ = ["format_value", "print_table", "write_table"]


def format_value(value: Any) -> str:
    """Short human form of a summary value."""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, int) and value.bit_length() > 64:
        return f"2^{value.bit_length() - 1}" if value & (value - 1) == 0 else f"{float(value):.6g}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {format_value(v)}" for k, v in value.items())
    return str(value)


def print_table(title: str, rows: Mapping[str, Any]) -> None:
    """Print ``rows`` as an aligned two-column table."""
    print(title)
    width = max(len(k) for k in rows)
    for key, value in rows.items():
        print(f"  {key:<{width}}  {format_value(value)}")


def write_table(path: str | Path, title: str, rows: Mapping[str, Any]) -> Path:
    """Save ``rows`` as a Markdown table, atomically."""
    lines = [f"# {title}", "", "| quantity | value |", "|---|---|"]
    lines += [f"| {k} | {format_value(v)} |" for k, v in rows.items()]
    text = "\n".join(lines) + "\n"
    return atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))
