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
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engramlab.errors import ConfigError, EngramlabError

__all__ = ["MANIFEST", "OutputError", "check_complete", "check_target", "dir_mode", "file_mode", "new_run_id",
           "staged_folder", "write_manifest_file"]

MANIFEST = "manifest.json"
_STAGE_RE = re.compile(r"^\.(?P<name>.+)\.(partial|old)-(?P<pid>\d+)-[0-9a-z_]+$")


class OutputError(EngramlabError):
    """Results could not be written (disk full, no permission, …): nothing was left half-written."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """Permissions of a new results file: 0666 less the process umask (as ``open`` would give)."""
    return 0o666 & ~_umask()


def dir_mode() -> int:
    """Permissions of a new results folder: 0777 less the process umask."""
    return 0o777 & ~_umask()


def new_run_id() -> str:
    """A fresh identifier for one run's folder."""
    return uuid.uuid4().hex[:12]


def _is_results_folder(path: Path) -> bool:
    return any((path / name).is_file() for name in (MANIFEST, "result.json", "summary.json", "report.json"))


def check_target(path: Path) -> None:
    """Refuse a target that exists and is something other than an (empty or) engramlab results folder."""
    if not path.exists():
        return
    if not path.is_dir():
        raise ConfigError("out", f"{str(path)!r} is a file, not a folder")
    if any(path.iterdir()) and not _is_results_folder(path):
        raise ConfigError("out", f"{str(path)!r} holds other files and is not an engramlab results folder; "
                                 "choose a new or empty folder (it would be replaced as a whole)")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clean_stale(parent: Path, name: str) -> None:
    """Delete staged or moved-aside folders of ``name`` left by runs whose process has died."""
    for p in parent.glob(f".{name}.*-*"):
        m = _STAGE_RE.match(p.name)
        if m and m.group("name") == name and p.is_dir() and not _pid_alive(int(m.group("pid"))):
            shutil.rmtree(p, ignore_errors=True)


def write_manifest_file(folder: Path, run_id: str, kind: str) -> Path:
    """Write ``manifest.json`` (run id, kind, every file) last, atomically."""
    from engramlab.results import atomic_write_json

    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()
                   and not p.name.startswith(".") and p.name != MANIFEST)
    return atomic_write_json(folder / MANIFEST, {
        "run_id": run_id, "kind": kind, "complete": True,
        "created": datetime.now(UTC).isoformat(timespec="seconds"), "files": files})


@contextlib.contextmanager
def staged_folder(target: str | os.PathLike[str], kind: str = "run") -> Iterator[tuple[Path, str]]:
    """Yield ``(staging folder, run id)``; on success write the manifest and rename into ``target``.

    On any exception (a full disk, an interrupt) the staged folder is deleted and ``target`` is
    left as it was. An ``OSError`` becomes an :class:`OutputError` naming the folder.
    """
    dest = Path(target)
    check_target(dest)
    parent = dest.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _clean_stale(parent, dest.name)
        stage = Path(tempfile.mkdtemp(prefix=f".{dest.name}.partial-{os.getpid()}-", dir=parent))
        os.chmod(stage, dir_mode())
    except OSError as exc:
        raise OutputError(f"cannot write results to {str(dest)!r}: {exc.strerror or exc}") from exc
    run_id = new_run_id()
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
    if (path / "summary.json").is_file():
        summary = read_json(path / "summary.json")
        meta = summary.get("metadata")
        run_id = meta.get("run_id") if isinstance(meta, dict) else None
        if run_id is not None and run_id != manifest.get("run_id"):
            raise ConfigError(str(path), "mixes two runs: summary.json and manifest.json name different runs")
    return dict(manifest)
