"""Small helpers shared by the teaching labs (argument parsing, output folder, report)."""

from __future__ import annotations

import argparse
from typing import Any


def lab_args(name: str, description: str) -> argparse.Namespace:
    """``--quick`` and ``--out`` for a lab script."""
    parser = argparse.ArgumentParser(prog=name, description=description)
    parser.add_argument("--quick", action="store_true", help="small and fast (CI, a first look)")
    parser.add_argument("--out", default=f"results/labs/{name}", help="output folder")
    args, _ = parser.parse_known_args()
    from engramlab.commands._common import prepare_out

    prepare_out(args.out).mkdir(parents=True, exist_ok=True)  # checked before the lab computes anything
    return args


def finish(out: str, title: str, intro: str, figures: list[tuple[str, str]],
           summary: dict[str, Any]) -> None:
    """Write summary.json and report.html and say where they are."""
    from engramlab.commands._common import finish_run
    from engramlab.results import run_metadata

    summary = dict(summary, metadata=run_metadata(summary.get("seed"), lab=title))
    finish_run(out, title, intro, figures, summary)
