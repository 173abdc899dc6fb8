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


def finish_run(out: str | Path, title: str, intro: str, figures: list[tuple[str, str]],
               summary: Mapping[str, Any], quiet: bool = False) -> Path:
    """Write summary.json, report.json and the self-contained report.html of a results folder."""
    from engramlab.report import build_report, write_manifest
    from engramlab.results import write_summary

    folder = Path(out)
    write_summary(folder, summary)
    write_manifest(folder, title, intro, figures)
    page = build_report(folder)
    if not quiet:
        print(f"report: {page}  (open it in a browser; works offline)")
    return page


def progress(quiet: bool) -> Any:
    """A Brian2 ``report`` callback drawing a progress bar with ETA on stderr (None if quiet)."""
    if quiet:
        return None
    import sys

    def report(elapsed: Any, completed: float, start: Any, duration: Any) -> None:
        width = 30
        done = round(width * completed)
        secs = float(elapsed)
        eta = f"{secs * (1 - completed) / completed:5.1f} s" if completed > 0 else "    ?"
        bar = "#" * done + "." * (width - done)
        sys.stderr.write(f"\r  [{bar}] {completed:4.0%} of {float(duration):.1f} s biology · "
                         f"{secs:5.1f} s elapsed · ETA {eta}")
        if completed >= 1:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return report
