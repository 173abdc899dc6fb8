"""Results folders written as a unit: staged, then renamed into place, with a manifest written last.

A run never writes into its target folder directly. It fills a hidden sibling
``.<name>.partial-<pid>-<random>`` and, when every file is there, writes ``manifest.json``
(the run id, the files) and renames the staged folder into place (moving an older results
folder aside first and deleting it after). A run that is interrupted or killed leaves the
target as it was; a killed re-run can therefore never mix two runs in one folder. Readers
(``engramlab report``, ``export``, :func:`engramlab.load`) check the manifest: a folder without
one, or whose summary names another run, is refused.

Nothing here imports Brian2.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np

from engramlab.errors import ConfigError, EngramlabError

__all__ = ["MANIFEST", "POINT_DONE", "SWEEP_FILE", "OutputError", "add_to_manifest", "atomic_write",
           "atomic_write_json", "cache_folder", "check_complete", "check_own_files", "check_target", "clear_results",
           "dir_mode", "file_mode", "invalidate", "new_run_id", "staged_folder", "to_jsonable", "write_manifest_file"]

MANIFEST = "manifest.json"
#: the file that marks a folder as a sweep's (written first by ``engramlab sweep``)
SWEEP_FILE = "sweep.json"
#: the file a sweep writes into a point's folder once the point is saved (after its manifest)
POINT_DONE = "done.json"
_STAGE_RE = re.compile(r"^\.(?P<name>.+)\.(partial|old)-(?P<pid>\d+)-[0-9a-z_]+$")


class OutputError(EngramlabError):
    """Results could not be written (disk full, no permission, …): nothing was left half-written."""


def _umask() -> int:
    # read it where the kernel reports it: os.umask(0) would briefly change it for every thread
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # pragma: no cover - systems without /proc
    os.umask(mask)
    return mask


def file_mode() -> int:
    """Permissions of a new results file: 0666 less the process umask (as ``open`` would give)."""
    return 0o666 & ~_umask()


def dir_mode() -> int:
    """Permissions of a new results folder: 0777 less the process umask."""
    return 0o777 & ~_umask()


def cache_folder(variable: str, name: str) -> Path | None:
    """A cache's folder: ``$variable`` if set (``off``: None, no cache), else ``$XDG_CACHE_HOME/engramlab/name``.

    ``$XDG_CACHE_HOME`` defaults to ``~/.cache``.
    """
    setting = os.environ.get(variable, "")
    if setting.lower() == "off":
        return None
    if setting:
        return Path(setting).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "engramlab" / name


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
    # named before it is created (as in staged_folder): a signal just after creation still removes it
    tmp = str(dest.parent / f".{dest.name}.{uuid.uuid4().hex}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        # created 0600; results get the permissions the umask allows, like open()
        os.chmod(tmp, file_mode())
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


def new_run_id() -> str:
    """A fresh identifier for one run's folder."""
    return uuid.uuid4().hex[:12]


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def check_target(path: Path) -> None:
    """Refuse a target that exists and holds anything but one complete engramlab run.

    A folder is replaced as a whole, so it must be empty, or hold exactly the files its
    ``manifest.json`` lists: anything else (a thesis, an older results folder without a
    manifest, files added by hand) is never deleted.
    """
    if not path.exists():
        return
    if not path.is_dir():
        raise ConfigError("out", f"{str(path)!r} is a file, not a folder")
    if (path / SWEEP_FILE).is_file():  # a sweep's folder lists its files too: never replace it by one run
        raise ConfigError("out", f"{str(path)!r} holds a sweep ({SWEEP_FILE}); a run would replace all its "
                                 "points: choose a new or empty folder")
    present = [f for f in _files(path) if f != MANIFEST]
    if not present:
        return
    listed = _listed(path)
    foreign = [f for f in present if f not in listed]
    if foreign:
        raise ConfigError("out", f"{str(path)!r} holds files that are not part of one engramlab run "
                                 f"({', '.join(foreign[:3])}{', …' if len(foreign) > 3 else ''}); choose a new or "
                                 "empty folder: a results folder is replaced as a whole")


def _listed(path: Path) -> set[str]:
    """The files ``path``'s manifest lists; none when it has no readable manifest."""
    try:
        data = json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError):
        return set()
    return {str(f) for f in data.get("files", [])} if isinstance(data, dict) else set()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clean_stale(parent: Path, name: str) -> None:
    """Tidy what runs that died left of ``name``: staged folders go; a moved-aside old folder comes back.

    A run killed between moving the old folder aside and renaming its new one into place
    leaves ``.<name>.old-…`` and no ``<name>``: the old results are restored, not deleted.
    """
    for p in sorted(parent.glob(f".{name}.*-*")):
        m = _STAGE_RE.match(p.name)
        if not (m and m.group("name") == name and p.is_dir()) or _pid_alive(int(m.group("pid"))):
            continue
        if ".old-" in p.name and not (parent / name).exists():
            os.rename(p, parent / name)
        else:
            shutil.rmtree(p, ignore_errors=True)


def write_manifest_file(folder: Path, run_id: str, kind: str) -> Path:
    """Write ``manifest.json`` (run id, kind, every file with its size) last, atomically."""
    files = [f for f in _files(folder) if f != MANIFEST]
    return atomic_write_json(folder / MANIFEST, {
        "run_id": run_id, "kind": kind, "complete": True,
        "created": datetime.now(UTC).isoformat(timespec="seconds"), "files": files,
        "sizes": {f: (folder / f).stat().st_size for f in files}})


def invalidate(folder: str | os.PathLike[str]) -> None:
    """Remove ``manifest.json`` before writing into ``folder`` in place.

    Until a new one is written last, readers see the folder as incomplete, never as the old run.
    """
    with contextlib.suppress(FileNotFoundError):
        (Path(folder) / MANIFEST).unlink()


def clear_results(folder: str | os.PathLike[str]) -> None:
    """Remove a complete results folder's files (those its manifest lists), then the manifest.

    Only for a folder :func:`check_target` accepted: nothing but those files is in it. Sub-folders
    left empty go too; the folder itself stays.
    """
    path = Path(folder)
    manifest = path / MANIFEST
    if not manifest.is_file():
        return
    listed = _listed(path)
    manifest.unlink()  # first: a folder being cleared is never read as complete
    inside = path.resolve()
    for name in listed:
        target = (path / str(name)).resolve()
        if target == inside or inside not in target.parents:  # a manifest naming files elsewhere: never
            continue
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            target.unlink()
    for sub in sorted((p for p in path.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        with contextlib.suppress(OSError):
            sub.rmdir()  # only when empty


def check_own_files(folder: str | os.PathLike[str], manifest: dict[str, Any], added: tuple[str, ...] = ()) -> None:
    """Refuse to re-list a folder holding files that are neither its run's nor ``added`` by the caller.

    Re-listing them would make a user's own file (notes added by hand) part of the run, to be
    deleted when a new run replaces the folder.
    """
    path = Path(folder)
    listed = {str(f) for f in manifest.get("files", [])} | set(added) | {MANIFEST}
    if path.parent.name == "points" and (path.parent.parent / SWEEP_FILE).is_file():
        listed.add(POINT_DONE)  # a sweep point's marker, written after the point's own manifest
    foreign = [f for f in _files(path) if f not in listed]
    if foreign:
        raise ConfigError(str(path), f"holds files that are not part of its run ({', '.join(foreign[:3])}"
                                     f"{', …' if len(foreign) > 3 else ''}): move them out first, or the run's "
                                     "manifest would claim them")


def add_to_manifest(folder: str | os.PathLike[str], added: tuple[str, ...] = ()) -> None:
    """Re-list a complete folder's files after the caller added ``added`` (e.g. an export of its spikes)."""
    path = Path(folder)
    manifest = check_complete(path)
    check_own_files(path, manifest, added)
    write_manifest_file(path, str(manifest["run_id"]), str(manifest.get("kind", "run")))


@contextlib.contextmanager
def staged_folder(target: str | os.PathLike[str], kind: str = "run") -> Iterator[tuple[Path, str]]:
    """Yield ``(staging folder, run id)``; on success write the manifest and rename into ``target``.

    On any exception (a full disk, an interrupt) the staged folder is deleted and ``target`` is
    left as it was. An ``OSError`` becomes an :class:`OutputError` naming the folder.
    """
    dest = Path(target)
    check_target(dest)
    parent = dest.parent
    # named before it is created, so that a SIGTERM or Ctrl+C landing just after the folder
    # appears still removes it (with tempfile.mkdtemp the name came back only after; a signal in
    # that gap, or in the chmod after it, left a staged folder behind: seen once in CI, 2026-12-06)
    stage = parent / f".{dest.name}.partial-{os.getpid()}-{uuid.uuid4().hex}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _clean_stale(parent, dest.name)
        os.mkdir(stage, 0o700)
        os.chmod(stage, dir_mode())
        run_id = new_run_id()
    except BaseException as exc:
        shutil.rmtree(stage, ignore_errors=True)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write results to {str(dest)!r}: {exc.strerror or exc}") from exc
        raise
    try:
        yield stage, run_id
        write_manifest_file(stage, run_id, kind)
        if dest.exists():
            old = parent / f".{dest.name}.old-{os.getpid()}-{run_id}"
            os.rename(dest, old)
            os.rename(stage, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(stage, dest)
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        raise OutputError(f"cannot write results to {str(dest)!r}: {exc.strerror or exc}") from exc
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def read_json(path: Path, expect: type = dict) -> Any:
    """Read a JSON file of engramlab's, with errors that name the file."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(str(path), "does not exist") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), f"is not valid JSON ({exc})") from None
    except OSError as exc:
        raise ConfigError(str(path), f"cannot be read ({exc.strerror or exc})") from None
    if not isinstance(data, expect):
        raise ConfigError(str(path), f"must hold a JSON {'object' if expect is dict else expect.__name__}, "
                                     f"got {type(data).__name__}")
    return data


def check_complete(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of a complete results folder; :class:`ConfigError` for anything else.

    Complete means: ``manifest.json`` exists and says so, every file it lists exists, and the
    summary (when there is one) was written by the same run.
    """
    path = Path(folder)
    if not path.is_dir():
        raise ConfigError(str(path), "is not a folder")
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise ConfigError(str(path), "has no manifest.json: not a complete engramlab results folder "
                                     "(interrupted, or written by an older engramlab); run it again")
    manifest = read_json(manifest_path)
    if manifest.get("complete") is not True or not isinstance(manifest.get("files"), list):
        raise ConfigError(str(manifest_path), "does not describe a complete run")
    missing = [f for f in manifest["files"] if not (path / str(f)).is_file()]
    if missing:
        raise ConfigError(str(path), f"is incomplete: {', '.join(missing[:5])} missing")
    sizes = manifest.get("sizes") if isinstance(manifest.get("sizes"), dict) else {}
    changed = [f for f, size in sizes.items() if (path / f).is_file() and (path / f).stat().st_size != size]
    if changed:
        raise ConfigError(str(path), f"mixes two runs: {', '.join(changed[:5])} changed after the run wrote it")
    for name in ("summary.json", "result.json"):
        if (path / name).is_file():
            meta = read_json(path / name).get("metadata")
            run_id = meta.get("run_id") if isinstance(meta, dict) else None
            if run_id != manifest.get("run_id"):
                raise ConfigError(str(path), f"mixes two runs: {name} and manifest.json name different runs")
    return dict(manifest)
