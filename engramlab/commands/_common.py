"""Helpers shared by the subcommands: printing tables, writing a results folder's summary and report."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engramlab.results import format_value, write_table

__all__ = ["finish_run", "format_value", "print_table", "write_table"]


def print_table(title: str, rows: Mapping[str, Any]) -> None:
    """Print ``rows`` as an aligned two-column table."""
    print(title)
    width = max((len(k) for k in rows), default=0)
    for key, value in rows.items():
        print(f"  {key:<{width}}  {format_value(value)}")


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
