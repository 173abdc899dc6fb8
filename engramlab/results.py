"""Writing results safely: atomic files, JSON summaries, figures, and run metadata.

Nothing here imports Brian2, so analysis code and tests can read and write results on their own.
Every file is written to a temporary name in the same folder and renamed into place, so an
interrupted run never leaves a half-written result behind.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "Result",
    "atomic_write",
    "atomic_write_json",
    "package_versions",
    "run_metadata",
    "save_figure",
    "to_jsonable",
    "write_summary",
]

_VERSIONED_PACKAGES = ("engramlab", "brian2", "numpy", "scipy", "matplotlib", "networkx")


def atomic_write(path: str | os.PathLike[str], write: Callable[[IO[bytes]], object]) -> Path:
    """Write a file atomically: ``write`` fills a temporary file that is then renamed to ``path``.

    Parameters
    ----------
    path : path-like
        Destination; its folder is created if needed.
    write : callable
        Called with a binary file object open for writing.

    Returns
    -------
    Path
        The destination.
    """
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return dest


def to_jsonable(obj: Any) -> Any:
    """Convert NumPy scalars/arrays, paths and tuples to plain JSON types (NaN/inf become None)."""
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | float):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def atomic_write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Write ``data`` as indented JSON, atomically."""
    text = json.dumps(to_jsonable(data), indent=2, sort_keys=False, allow_nan=False) + "\n"
    return atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))


def write_summary(out_dir: str | os.PathLike[str], summary: Mapping[str, Any]) -> Path:
    """Write ``summary.json`` (a command's key numbers) in ``out_dir``."""
    return atomic_write_json(Path(out_dir) / "summary.json", summary)


def save_figure(
    fig: Figure, out_dir: str | os.PathLike[str], name: str, formats: tuple[str, ...] = ("png", "svg")
) -> list[Path]:
    """Save a Matplotlib figure as ``name.<fmt>`` for each format, atomically."""
    paths = []
    for fmt in formats:
        def write(fh: IO[bytes], fmt: str = fmt) -> None:
            fig.savefig(fh, format=fmt, dpi=150)
        paths.append(atomic_write(Path(out_dir) / f"{name}.{fmt}", write))
    return paths


def package_versions() -> dict[str, str | None]:
    """Installed versions of engramlab and its main dependencies (without importing them)."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in _VERSIONED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _git_revision() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        res = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    rev = res.stdout.strip()
    return rev if res.returncode == 0 and rev else None


def run_metadata(seed: int | None = None, **extra: Any) -> dict[str, Any]:
    """Metadata stored with every result: time, seed, package versions, git revision."""
    meta: dict[str, Any] = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": seed,
        "versions": package_versions(),
        "git_revision": _git_revision(),
        "platform": platform.platform(),
    }
    meta.update(extra)
    return meta


# ----------------------------------------------------------------------------------------------
# Result: what a protocol returns
# ----------------------------------------------------------------------------------------------


class Result:
    """What a protocol returns: NumPy arrays, SI-float parameters and metadata (no Brian2).

    Saved as ``<name>.npz`` (the arrays) plus ``<name>.json`` (protocol, parameters, metadata,
    array index), each written atomically; :meth:`load` reads them back.

    Parameters
    ----------
    protocol : str
        Name of the protocol that produced it (e.g. ``"sdm_memory"``).
    arrays : dict of str to ndarray
        Spike times/indices, schedules, weights ...
    params : dict
        Parameters as plain JSON values (quantities as SI floats, with units in ``units``).
    metadata : dict
        Seed, package versions, git revision, timings.
    units : dict of str to str, optional
        SI unit of each quantity parameter.
    """

    def __init__(self, protocol: str, arrays: Mapping[str, np.ndarray], params: Mapping[str, Any],
                 metadata: Mapping[str, Any], units: Mapping[str, str] | None = None) -> None:
        self.protocol = protocol
        self.arrays = {k: np.asarray(v) for k, v in arrays.items()}
        self.params = dict(params)
        self.metadata = dict(metadata)
        self.units = dict(units or {})

    def __getitem__(self, key: str) -> np.ndarray:
        return self.arrays[key]

    def __contains__(self, key: object) -> bool:
        return key in self.arrays

    def save(self, out_dir: str | os.PathLike[str], name: str = "result") -> tuple[Path, Path]:
        """Write ``<name>.npz`` and ``<name>.json`` atomically into ``out_dir``."""
        out = Path(out_dir)
        def write_npz(fh: IO[bytes]) -> None:
            np.savez_compressed(fh, **self.arrays)  # type: ignore[arg-type]
        npz = atomic_write(out / f"{name}.npz", write_npz)
        sidecar = {
            "protocol": self.protocol,
            "params": self.params,
            "units": self.units,
            "metadata": self.metadata,
            "arrays": {k: {"shape": list(v.shape), "dtype": str(v.dtype)} for k, v in self.arrays.items()},
        }
        js = atomic_write_json(out / f"{name}.json", sidecar)
        return npz, js

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Result:
        """Read a result saved by :meth:`save` (give the .npz, the .json or the stem)."""
        p = Path(path)
        stem = p.with_suffix("") if p.suffix in (".npz", ".json") else p
        meta = json.loads(stem.with_suffix(".json").read_text())
        with np.load(stem.with_suffix(".npz"), allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        return cls(meta["protocol"], arrays, meta["params"], meta["metadata"], meta.get("units"))
