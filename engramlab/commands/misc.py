"""``engramlab lab``, ``report``, ``params`` and ``export``."""

from __future__ import annotations

import argparse
import re
import runpy
import sys
from pathlib import Path

from engramlab.errors import ConfigError, EngramlabError

__all__ = ["export_cmd", "lab_list", "lab_run", "labs_dir", "params_cmd", "report_cmd"]


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
    for path in sorted(labs_dir().glob("lab*_*.py")):
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
    print("\nRun one with: engramlab lab run N [--quick] [--out DIR]")
    return 0


def lab_run(args: argparse.Namespace) -> int:
    """Run lab N as a script (each lab writes figures, summary.json and report.html)."""
    labs = _labs()
    if args.number not in labs:
        raise ConfigError("lab", f"{args.number} does not exist; available: {', '.join(map(str, labs))}")
    path, title = labs[args.number]
    argv = [str(path)] + (["--quick"] if args.quick else []) + (["--out", args.out] if args.out else [])
    old_argv, old_path = sys.argv, list(sys.path)
    sys.argv = argv
    sys.path.insert(0, str(path.parent))
    try:
        print(f"lab {args.number}: {title}")
        runpy.run_path(str(path), run_name="__main__")
    finally:
        sys.argv, sys.path[:] = old_argv, old_path
    return 0


def report_cmd(args: argparse.Namespace) -> int:
    """Rebuild a results folder's report.

    A folder holding a protocol's Result is redrawn from its data by the protocol's registry
    entry (summary, figures and page); any other engramlab folder (a lab, a sweep, a theory
    run) has its page rebuilt from the files it holds.
    """
    from engramlab.folders import check_complete, invalidate, read_json, write_manifest_file
    from engramlab.report import build_report
    from engramlab.results import Result

    folder = Path(args.folder)
    manifest = check_complete(folder)  # refuses interrupted, half-written or mixed folders
    protocol = read_json(folder / "result.json").get("protocol") if (folder / "result.json").is_file() else None
    if protocol is not None and manifest.get("kind") in ("run", "part"):
        page = Result.load(folder).redraw(folder)
    else:
        invalidate(folder)
        page = build_report(folder)
        write_manifest_file(folder, str(manifest["run_id"]), str(manifest.get("kind", "report")))
    print(f"report: {page}")
    return 0


def params_cmd(args: argparse.Namespace) -> int:
    """Print every parameter of a protocol's circuit and schedule (from the registry)."""
    from engramlab import api

    print(api.params(args.protocol))
    return 0


def export_cmd(args: argparse.Namespace) -> int:
    """Export the spike trains of a saved Result as CSV or a Neo block, or the whole run as NWB."""
    from engramlab.export import spikes_to_csv, spikes_to_neo
    from engramlab.folders import add_to_manifest
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
    out = Path(args.out) if args.out else source.parent
    if out.exists() and not out.is_dir():
        raise ConfigError("--out", f"{str(out)!r} is a file, not a folder")
    if args.format == "csv":
        path = spikes_to_csv(result, out / "spikes.csv")
    elif args.format == "neo":
        path = spikes_to_neo(result, out / "spikes_neo.pkl")
    else:
        from engramlab.nwb import result_to_nwb
        path = result_to_nwb(result, out / "run.nwb")
    if out.resolve() == source.parent.resolve() and not args.force:
        add_to_manifest(out)  # the export is part of the run now: replaced with it, never mixed
    print(f"{'run' if args.format == 'nwb' else 'spikes'}: {path}")
    return 0
