"""What every teaching lab shares: its settings (quick, output folder), and its closing report.

A lab is a jupytext "percent" script under ``labs/`` that runs both as a script
(``engramlab lab run N``) and as a notebook (``engramlab lab notebook N``, or
``engramlab lab run N --notebook``). Its first code cell is tagged ``parameters`` (the papermill
convention) and holds ``QUICK`` and ``OUT``; the notebook writer replaces that cell, and on a
script's command line ``--quick``/``--out`` win over it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["LabSettings", "exercise", "finish", "load_exercises", "settings"]

#: what each exercise cell measured, by exercise number; :func:`finish` writes it to summary.json
#: under ``exercises``, where the lab's solutions notebook checks it
_EXERCISES: dict[str, dict[str, Any]] = {}

#: settings given by ``engramlab lab run`` (which may itself run inside a Jupyter kernel, where
#: ``sys.argv`` is the kernel's): they win over the parameters cell and over ``sys.argv``
_COMMAND: dict[str, Any] = {}

#: a hidden file marking a folder as a lab's results: a lab run that stopped before
#: :func:`finish` (an error, a kernel restart) leaves this lab's files and no manifest; the next
#: run may replace them (results folders of anything else are never replaced)
LAB_MARKER = ".engramlab-lab"


@dataclass(frozen=True)
class LabSettings:
    """``quick``: the small, fast version (CI, a first look); ``out``: the lab's results folder."""

    quick: bool
    out: str


def _in_kernel() -> bool:
    """True inside a Jupyter kernel, whose ``sys.argv`` is the kernel's, not the lab's.

    (Importing ipykernel is not enough: jupyter_client imports it to find kernels.)
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def settings(quick: bool, out: str) -> LabSettings:
    """The lab's settings from its parameters cell, overridden by a script's ``--quick``/``--out``.

    The output folder is checked (and marked incomplete) before the lab computes anything.
    """
    from engramlab.commands._common import prepare_out
    from engramlab.errors import ConfigTypeError

    if not isinstance(quick, bool):
        raise ConfigTypeError("QUICK", f"must be True or False, got {quick!r}")
    if not isinstance(out, str | Path) or not str(out):
        raise ConfigTypeError("OUT", f"must be a folder path, got {out!r}")
    if _COMMAND:
        quick = bool(_COMMAND.get("quick")) or quick
        out = _COMMAND.get("out") or out
    elif not _in_kernel():
        parser = argparse.ArgumentParser(add_help=False)
        parser.add_argument("--quick", action="store_true")
        parser.add_argument("--out", default=None)
        args, _ = parser.parse_known_args()
        quick = quick or args.quick
        out = args.out or out
    _adopt_unfinished(Path(out))
    folder = prepare_out(out)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / LAB_MARKER).write_text("a teaching lab's results (engramlab.labkit)\n")
    _EXERCISES.clear()  # a new lab starts (several labs may run in one process)
    return LabSettings(quick=quick, out=str(Path(out)))


def _adopt_unfinished(folder: Path) -> None:
    """Let a lab re-run into its own folder after a run that stopped before :func:`finish`.

    Such a folder holds the lab's marker and no manifest; listing its files in a manifest makes
    it "one engramlab run" again, which the output check accepts and the new run replaces.
    """
    from engramlab.folders import MANIFEST, new_run_id, write_manifest_file

    if (folder / LAB_MARKER).is_file() and not (folder / MANIFEST).is_file():
        write_manifest_file(folder, new_run_id(), "lab")


def exercise(number: int, prediction: Any, **measured: Any) -> dict[str, Any]:
    """Print a student's prediction beside what the run measured, and keep the measurement.

    A predict-then-run exercise cell sets ``prediction`` (``None`` until the student writes
    one), runs the change and calls this with the numbers that answer it. Never raises on a
    wrong or missing prediction: a lab always runs to its end.
    """
    from engramlab.results import format_value

    said = "(none yet: write it in the cell, then run it again)" if prediction is None else repr(prediction)
    print(f"Exercise {number}: you predicted {said}")
    for key, value in measured.items():
        print(f"  measured {key}: {format_value(value)}")
    _EXERCISES[str(number)] = dict(measured)
    return dict(measured)


def finish(out: str, title: str, intro: str, figures: list[tuple[str, str]],
           summary: dict[str, Any], quick: bool | None = None) -> None:
    """Write summary.json and report.html (with the lab's metadata) and say where they are.

    The exercises' measurements (:func:`exercise`) go under ``exercises``; ``quick`` (the
    lab's setting) under ``quick``, which the solutions notebooks check before their answers.
    """
    from engramlab.commands._common import finish_run
    from engramlab.results import run_metadata

    if _EXERCISES:
        summary = dict(summary, exercises=dict(sorted(_EXERCISES.items(), key=lambda kv: int(kv[0]))))
        _EXERCISES.clear()
    if quick is not None:
        summary = dict(summary, quick=bool(quick))
    summary = dict(summary, metadata=run_metadata(summary.get("seed"), lab=title))
    finish_run(out, title, intro, figures, summary)


def load_exercises(lab_out: str | Path) -> dict[str, dict[str, Any]]:
    """What a quick lab run's exercise cells measured (its summary.json ``exercises``), for its solutions.

    The solutions' answers are quick-size numbers: a folder written without ``--quick``, without
    exercises, or with no summary is refused in one line naming ``LAB_OUT``.
    """
    import json

    from engramlab.errors import ConfigError

    path = Path(lab_out) / "summary.json"
    if not path.is_file():
        raise ConfigError("LAB_OUT", f"{str(lab_out)!r} has no summary.json: run the lab first "
                                     "(engramlab lab run N --quick)")
    summary = json.loads(path.read_text())
    if summary.get("quick") is not True:
        raise ConfigError("LAB_OUT", f"{str(lab_out)!r} was not run with --quick; the answers are checked at "
                                     "the quick size")
    if not summary.get("exercises"):
        raise ConfigError("LAB_OUT", f"{str(lab_out)!r} holds no exercise measurements")
    return dict(summary["exercises"])
