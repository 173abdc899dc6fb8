"""``engramlab lab``, ``report``, ``params`` and ``export``."""

from __future__ import annotations

import argparse
import os
import re
import runpy
import sys
from pathlib import Path

from engramlab.errors import ConfigError, EngramlabError

__all__ = ["export_cmd", "lab_list", "lab_notebook_cmd", "lab_run", "labs_dir", "params_cmd", "report_cmd"]


def labs_dir() -> Path:
    """The ``labs/`` folder of the source tree (labs ship with the repository, not the wheel)."""
    import engramlab

    here = Path(engramlab.__file__).resolve().parent.parent / "labs"
    if not here.is_dir():
        raise EngramlabError(f"labs folder not found at {here}: labs run from a source checkout "
                             "(git clone + make demo / pip install -e .)")
    return here


def _labs() -> dict[int, tuple[Path, str]]:
    out: dict[int, tuple[Path, str]] = {}
    for path in sorted(labs_dir().glob("lab*_*.py")):  # labs/solutions/ is not globbed
        m = re.match(r"lab(\d+)_", path.name)
        if not m:
            continue
        title = path.stem
        for line in path.read_text().splitlines():
            if line.startswith("# # "):
                title = line[4:].strip()
                break
        out[int(m.group(1))] = (path, title)
    return out


def lab_list(args: argparse.Namespace) -> int:
    """Print the available labs, and the protocol each is built on (from the registry)."""
    from engramlab import registry

    on = {registry.get(name).lab: name for name in registry.names() if registry.get(name).lab is not None}
    for number, (path, title) in _labs().items():
        uses = f", protocol {on[number]}" if number in on else ""
        print(f"{number:>2}  {title}   ({path.name}{uses})")
    print("\nRun one with: engramlab lab run N [--quick] [--notebook] [--out DIR]; "
          "as a notebook to open in Jupyter: engramlab lab notebook N")
    return 0


def _lab(number: int) -> tuple[Path, str]:
    labs = _labs()
    if number not in labs:
        raise ConfigError("lab", f"{number} does not exist; available: {', '.join(map(str, labs))}")
    return labs[number]


def _check_lab_out(out: str | None) -> None:
    """``--out`` of a lab: not empty text, not a file (a folder of other files is refused when the lab starts)."""
    if out is None:
        return
    if not str(out).strip():
        raise ConfigError("--out", "is empty; give a folder, or leave --out out (results/labs/<lab>)")
    if Path(out).exists() and not Path(out).is_dir():
        raise ConfigError("--out", f"{str(out)!r} is a file, not a folder")


def lab_notebook_cmd(args: argparse.Namespace) -> int:
    """Write lab N as a Jupyter notebook (its settings cell set from ``--quick`` and ``--out``)."""
    from engramlab.notebooks import lab_notebook, write_notebook

    path, title = _lab(args.number)
    _check_lab_out(args.out)
    dest = Path(args.to) if args.to else Path(f"{path.stem}.ipynb")
    if dest.suffix != ".ipynb":
        raise ConfigError("--to", f"must name an .ipynb file, got {str(dest)!r}")
    if dest.is_dir():
        raise ConfigError("--to", f"{str(dest)!r} is a folder; name the notebook file")
    if dest.exists() and not args.force:
        raise ConfigError("--to", f"{str(dest)!r} exists (it may hold a student's predictions); "
                                  "choose another file or add --force")
    out = Path(args.out or f"results/labs/{path.stem}")
    # Jupyter starts the kernel in the notebook's folder: the path is written relative to it
    relative = os.path.relpath(out.resolve(), dest.resolve().parent)
    write_notebook(lab_notebook(path, args.quick, relative), dest)
    print(f"lab {args.number} ({title}) written to {dest}; open it with `jupyter lab {dest}` "
          f"(figures and report.html go to {out})")
    return 0


def _run_as_notebook(number: int, path: Path, quick: bool, out: str | None, solutions_too: bool) -> int:
    """Execute lab N as a notebook on a fresh kernel; the executed notebook is saved in its folder.

    ``solutions_too``: then execute its solutions notebook (``labs/solutions/labN_solutions.py``),
    which checks the answers against what the lab's exercise cells measured.
    """
    from engramlab.folders import add_to_manifest
    from engramlab.labkit import LAB_MARKER
    from engramlab.notebooks import NotebookFailed, execute_notebook, lab_notebook, script_notebook, write_notebook

    solutions = path.parent / "solutions" / f"lab{number}_solutions.py"
    if solutions_too and not solutions.is_file():
        raise ConfigError("--solutions", f"lab {number} has no solutions notebook ({solutions.name})")
    folder = Path(out or f"results/labs/{path.stem}").resolve()
    nb = lab_notebook(path, quick, str(folder))
    try:
        execute_notebook(nb, Path.cwd())
    except NotebookFailed:
        if (folder / LAB_MARKER).is_file():  # the lab's own folder: keep the traceback for the student
            write_notebook(nb, folder / f"{path.stem}.failed.ipynb")
        raise
    write_notebook(nb, folder / f"{path.stem}.ipynb")
    add_to_manifest(folder, (f"{path.stem}.ipynb",))  # the executed notebook belongs to the run
    print(f"lab {number}: executed notebook in {folder / f'{path.stem}.ipynb'}")
    if solutions_too:
        snb = script_notebook(solutions, {"LAB_OUT": str(folder)}, "the lab's results folder to check")
        try:
            execute_notebook(snb, Path.cwd())
        finally:
            write_notebook(snb, folder / solutions.with_suffix(".ipynb").name)
            add_to_manifest(folder, (solutions.with_suffix(".ipynb").name,))
        print(f"lab {number}: solutions checked, {folder / solutions.with_suffix('.ipynb').name}")
    return 0


def lab_run(args: argparse.Namespace) -> int:
    """Run lab N as a script, or with ``--notebook`` as a notebook on a fresh kernel.

    Each lab writes figures, summary.json and report.html.
    """
    path, title = _lab(args.number)
    _check_lab_out(args.out)
    if getattr(args, "notebook", False):
        if getattr(args, "solutions", False) and not args.quick:
            raise ConfigError("--solutions", "needs --quick: the answers are checked at the quick size")
        print(f"lab {args.number}: {title} (as a notebook)")
        return _run_as_notebook(args.number, path, args.quick, args.out, getattr(args, "solutions", False))
    if getattr(args, "solutions", False):
        raise ConfigError("--solutions", "needs --notebook (the solutions run as a notebook after the lab)")
    from engramlab import labkit

    # the settings go to the lab directly: this command may itself run inside a Jupyter kernel,
    # whose sys.argv the lab must not read
    old_argv, old_command = sys.argv, dict(labkit._COMMAND)
    sys.argv = [str(path)]
    labkit._COMMAND.update(quick=bool(args.quick), out=args.out)
    try:
        print(f"lab {args.number}: {title}")
        runpy.run_path(str(path), run_name="__main__")
    finally:
        sys.argv = old_argv
        labkit._COMMAND.clear()
        labkit._COMMAND.update(old_command)
    return 0


def report_cmd(args: argparse.Namespace) -> int:
    """Rebuild a results folder's report.

    A folder holding a protocol's Result is redrawn from its data by the protocol's registry
    entry (summary, figures and page); any other engramlab folder (a lab, a sweep, a theory
    run) has its page rebuilt from the files it holds.
    """
    from engramlab.folders import check_complete, check_own_files, invalidate, read_json, write_manifest_file
    from engramlab.report import build_report
    from engramlab.results import Result

    folder = Path(args.folder)
    manifest = check_complete(folder)  # refuses interrupted, half-written or mixed folders
    check_own_files(folder, manifest)  # the manifest written again must not claim a user's own files
    protocol = read_json(folder / "result.json").get("protocol") if (folder / "result.json").is_file() else None
    if protocol is not None and manifest.get("kind") in ("run", "part"):
        page = Result.load(folder).redraw(folder)
    else:
        invalidate(folder)
        try:
            page = build_report(folder)
        finally:  # written again whether the page could be built or not: the files are the run's
            write_manifest_file(folder, str(manifest["run_id"]), str(manifest.get("kind", "report")))
    print(f"report: {page}")
    return 0


def params_cmd(args: argparse.Namespace) -> int:
    """Print every parameter of a protocol's circuit and schedule (from the registry)."""
    from engramlab import api

    print(api.params(args.protocol))
    return 0


#: the file each export format writes
_EXPORT_FILES = {"csv": "spikes.csv", "neo": "spikes_neo.pkl", "nwb": "run.nwb"}


def export_cmd(args: argparse.Namespace) -> int:
    """Export the spike trains of a saved Result as CSV or a Neo block, or the whole run as NWB."""
    from engramlab.export import populations, spikes_to_csv, spikes_to_neo
    from engramlab.folders import add_to_manifest, check_complete, check_own_files
    from engramlab.results import Result

    folder = Path(args.folder)
    source = folder / "result.npz" if folder.is_dir() else folder
    series = folder.is_dir() and not source.exists() and (folder / "result.json").exists()
    if series:  # a series folder: result.json names its parts, each in a sub-folder
        source = folder / "result.json"
    if not source.exists():
        raise ConfigError(str(folder), "has no result.npz: not a results folder of one run")
    # the run's folder must be complete (``--force``: results written before manifests existed)
    result = Result.load(source, check=not args.force)
    if result.parts and args.format != "nwb":
        raise ConfigError(str(folder), f"is a series of {len(result.parts)} runs: export one part "
                                       f"({folder / next(iter(result.parts))}) as {args.format}, or the whole "
                                       "series with --format nwb")
    if args.out is not None and not str(args.out).strip():
        raise ConfigError("--out", "is empty; give a folder, or leave --out out to export into the run's folder")
    out = Path(args.out) if args.out else source.parent
    if out.exists() and not out.is_dir():
        raise ConfigError("--out", f"{str(out)!r} is a file, not a folder")
    own = out.resolve() == source.parent.resolve()
    if own and not args.force:  # before writing anything, however the run was named (folder or result.npz)
        check_own_files(out, check_complete(out), (_EXPORT_FILES[args.format],))
    if not own and out.is_dir() and any(out.iterdir()) and not args.force:
        raise ConfigError("--out", f"{str(out)!r} holds files: export into the run's own folder, a new or empty "
                                   "one, or give --force")
    if args.format != "nwb" and not populations(result):  # a series reached here only as nwb (above)
        raise ConfigError(str(folder), f"has no spike trains to export as {args.format} (its result holds no "
                                       "spikes_<population>_t arrays)")
    target = out / _EXPORT_FILES[args.format]
    if args.format == "csv":
        path = spikes_to_csv(result, target)
    elif args.format == "neo":
        path = spikes_to_neo(result, target)
    else:
        from engramlab.nwb import result_to_nwb
        path = result_to_nwb(result, target)
    if own and not args.force:
        add_to_manifest(out, (path.name,))  # the export is part of the run now: replaced with it, never mixed
    print(f"{'run' if args.format == 'nwb' else 'spikes'}: {path}")
    return 0
