"""Helpers shared by the subcommands: printing tables, writing a results folder's summary and report."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engramlab.results import format_value, write_table

__all__ = ["finish_run", "format_value", "prepare_out", "print_table", "write_table"]


def prepare_out(out: str | Path) -> Path:
    """Check an output folder, then clear the complete results it holds; :func:`finish_run` writes the new ones.

    See :func:`engramlab.api.check_out`: the folder is new, empty, or holds exactly the files of
    one complete results folder (its manifest's). Those files are removed, so the new results
    replace the old as a whole instead of mixing with them (a theory run written over a
    simulation's folder left its ``result.npz`` beside the new figures).
    """
    from engramlab.api import check_out
    from engramlab.folders import clear_results

    folder = check_out(out)
    assert folder is not None
    clear_results(folder)
    return folder


def print_table(title: str, rows: Mapping[str, Any]) -> None:
    """Print ``rows`` as an aligned two-column table."""
    print(title)
    width = max((len(k) for k in rows), default=0)
    for key, value in rows.items():
        print(f"  {key:<{width}}  {format_value(value)}")


def finish_run(out: str | Path, title: str, intro: str, figures: list[tuple[str, str]],
               summary: Mapping[str, Any], quiet: bool = False) -> Path:
    """Write summary.json, report.json, report.html and, last, manifest.json of a results folder.

    The figures are already in ``out``. The manifest (written after everything else) marks the
    folder complete for ``engramlab report``; a run killed before it leaves a folder that
    ``report`` refuses.
    """
    from engramlab.folders import new_run_id, write_manifest_file
    from engramlab.report import build_report, write_manifest
    from engramlab.results import write_summary

    folder = Path(out)
    run_id = new_run_id()
    record = dict(summary)
    record["metadata"] = dict(record.get("metadata") or {}, run_id=run_id)
    write_summary(folder, record)
    write_manifest(folder, title, intro, figures)
    page = build_report(folder)
    write_manifest_file(folder, run_id, "report")
    if not quiet:
        print(f"report: {page}  (open it in a browser; works offline)")
    return page
