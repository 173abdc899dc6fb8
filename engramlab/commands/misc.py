"""``engramlab lab``, ``report``, ``params`` and ``export``."""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import re
import runpy
import sys
from pathlib import Path
from typing import Any

__all__ = ["export_cmd", "lab_list", "lab_run", "labs_dir", "params_cmd", "params_rows", "report_cmd"]


def labs_dir() -> Path:
    """The ``labs/`` folder of the source tree (labs ship with the repository, not the wheel)."""
    import engramlab

    here = Path(engramlab.__file__).resolve().parent.parent / "labs"
    if not here.is_dir():
        raise ValueError(f"labs folder not found at {here}: labs run from a source checkout "
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
    """Print the available labs."""
    for number, (path, title) in _labs().items():
        print(f"{number:>2}  {title}   ({path.name})")
    print("\nRun one with: engramlab lab run N [--quick] [--out DIR]")
    return 0


def lab_run(args: argparse.Namespace) -> int:
    """Run lab N as a script (each lab writes figures, summary.json and report.html)."""
    labs = _labs()
    if args.number not in labs:
        raise ValueError(f"no lab {args.number}; available: {', '.join(map(str, labs))}")
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
    """Rebuild report.html of a results folder."""
    from engramlab.report import build_report

    page = build_report(args.folder)
    print(f"report: {page}")
    return 0


def _attribute_docs(cls: type) -> dict[str, str]:
    """Descriptions of the ``Attributes`` section of a numpydoc class docstring."""
    doc = inspect.getdoc(cls) or ""
    out: dict[str, str] = {}
    lines = doc.splitlines()
    current = None
    for line in lines:
        m = re.match(r"^(\w+)(?:, (\w+))? : ", line)
        if m:
            current = [m.group(1)] + ([m.group(2)] if m.group(2) else [])
            for name in current:
                out[name] = ""
        elif current and line.startswith("    "):
            for name in current:
                out[name] = (out[name] + " " + line.strip()).strip()
        elif not line.strip():
            continue
        else:
            current = None
    return out


def params_rows(obj: Any, prefix: str = "") -> list[tuple[str, str, str]]:
    """(key, default with unit, meaning and source) for every field of a parameter dataclass."""
    rows: list[tuple[str, str, str]] = []
    fallback = _attribute_docs(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            rows += params_rows(value, f"{key}.")
            continue
        doc = str(f.metadata.get("doc", "")) or fallback.get(f.name, "")
        rows.append((key, str(value), doc))
    return rows


def params_cmd(args: argparse.Namespace) -> int:
    """Print every parameter of a protocol's circuit and schedule."""
    if args.protocol == "sdm":
        from engramlab.circuits.cerebellum import CerebellumConfig
        from engramlab.protocols.sdm_memory import SDMMemoryConfig
        circuit, protocol = CerebellumConfig(), SDMMemoryConfig()
    elif args.protocol == "eyeblink":
        from engramlab.circuits.microzone import MicrozoneConfig
        from engramlab.protocols.eyeblink import EyeblinkConfig
        circuit, protocol = MicrozoneConfig(), EyeblinkConfig()
    elif args.protocol == "associative":
        from engramlab.protocols.associative import AssociativeConfig, associative_circuit
        circuit, protocol = associative_circuit(), AssociativeConfig()
    else:  # argparse restricts the choices
        raise ValueError(f"unknown protocol {args.protocol!r}")
    rows = params_rows(circuit) + params_rows(protocol, "protocol.")
    width = max(len(k) for k, _, _ in rows)
    vwidth = min(24, max(len(v) for _, v, _ in rows))
    print(f"Parameters of `engramlab run {args.protocol}` (set with --config FILE.toml or --set KEY=VALUE)")
    for key, value, doc in rows:
        print(f"  {key:<{width}}  {value:<{vwidth}}  {doc}")
    return 0


def export_cmd(args: argparse.Namespace) -> int:
    """Export the spike trains of a saved Result as CSV or a Neo block."""
    from engramlab.export import spikes_to_csv, spikes_to_neo
    from engramlab.results import Result

    folder = Path(args.folder)
    source = folder / "result.npz" if folder.is_dir() else folder
    if not source.exists():
        raise ValueError(f"no result.npz in {str(folder)!r}")
    result = Result.load(source)
    out = Path(args.out) if args.out else source.parent
    if args.format == "csv":
        path = spikes_to_csv(result, out / "spikes.csv")
    else:
        path = spikes_to_neo(result, out / "spikes_neo.pkl")
    print(f"spikes: {path}")
    return 0
