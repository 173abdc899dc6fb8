"""Run one independent piece of a protocol in a second process while this one goes on.

A compiled (cpp_standalone) program runs on one core. When a protocol simulates two networks
that do not feed each other — navigation's attractor path integration and its memory pool — the
second core can run one while this process builds and runs the other. :func:`start_beside`
calls a module-level function in a new Python process (``python -m engramlab.beside``: it
imports only the function's module, never the caller's script, so a script or notebook without
a ``__main__`` guard is safe) and returns a :class:`Beside` handle; :meth:`Beside.result` waits
for it and returns what it returned (or raises what it raised, here). The child's randomness is
its own seed's, so its spikes are those it would give in this process.

The child ends with this process: SIGTERM from the kernel when the parent dies (Linux), and
:meth:`Beside.cancel` (called when the caller's own part fails or is interrupted) sends it
SIGTERM, which it turns into ``KeyboardInterrupt`` so that a compiled program it is running is
killed by :func:`subprocess.call` on the way out. Where a second process cannot help or is not
wanted — one core, or inside a daemonic worker process (Dask's) — the function runs here, at
:meth:`Beside.result`.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

from engramlab.resources import usable_cores

__all__ = ["Beside", "BesideFailed", "can_run_beside", "die_with_parent", "run_here_only", "start_beside"]

T = TypeVar("T")


class BesideFailed(RuntimeError):
    """The second process ended without a result (killed, or its error could not be sent back)."""


def die_with_parent(parent: int) -> None:
    """Worker initialiser: end this worker when the process that started it goes away.

    On Linux the kernel sends SIGTERM when the parent dies (``prctl(PR_SET_PDEATHSIG)``); as a
    portable fallback a daemon thread checks every second that the parent is still there.
    Used by sweep workers and by :class:`Beside`'s child.
    """
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="engramlab-parent-watch").start()


_HERE_ONLY = False


def run_here_only() -> None:
    """From now on this process runs every call here (a sweep's worker: the cores are in use)."""
    global _HERE_ONLY
    _HERE_ONLY = True


def can_run_beside() -> bool:
    """True when a second process can run beside this one.

    Two or more cores this process may use (its CPU affinity, e.g. a Slurm allocation), and not a
    daemon (Dask's workers) or a sweep's worker.
    """
    return usable_cores() >= 2 and not _HERE_ONLY and not multiprocessing.current_process().daemon


class Beside(Generic[T]):
    """A function call running in a second Python process.

    With ``here``, or where a second process cannot help, the call is deferred to :meth:`result`.
    As a context manager it is cancelled when its block raises (``with start_beside(...) as b:``
    … ``b.result()``).
    """

    def __init__(self, function: Callable[..., T], *args: Any, here: bool = False, nice: int = 0) -> None:
        if isinstance(nice, bool) or not isinstance(nice, int) or not 0 <= nice <= 19:
            raise ValueError(f"nice must be an integer in [0, 19], got {nice!r}")
        self._function, self._args = function, args
        self._collected = False
        self._process: subprocess.Popen[bytes] | None = None
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        if here or not can_run_beside():
            return
        self._folder = tempfile.TemporaryDirectory(prefix="engramlab_beside_")
        folder = Path(self._folder.name)
        (folder / "call.pickle").write_bytes(pickle.dumps((function, args), protocol=pickle.HIGHEST_PROTOCOL))
        # a session of its own, so cancel() reaches the compiler or program it runs as well
        self._process = subprocess.Popen([sys.executable, "-m", "engramlab.beside", str(folder), str(os.getpid()),
                                          str(nice)], start_new_session=True)

    @property
    def pid(self) -> int | None:
        """The child's process id (None: the call runs here)."""
        return None if self._process is None else self._process.pid

    @property
    def in_another_process(self) -> bool:
        """Whether the call runs in a second process (else it runs here, at :meth:`result`)."""
        return self._process is not None

    def result(self) -> T:
        """Wait for the call and return its value; its exception is raised here. Once only."""
        if self._collected:  # else a second call would silently run the function again, here
            raise RuntimeError("Beside.result() was already called (or the call was cancelled)")
        self._collected = True
        if self._folder is None:
            return self._function(*self._args)
        process, folder = self._process, Path(self._folder.name)
        assert process is not None
        try:
            status = process.wait()
            answer = folder / "answer.pickle"
            if not answer.is_file():
                raise BesideFailed(f"the second process ({getattr(self._function, '__name__', 'a call')}) ended "
                                   f"with status {status} and no result (killed?)")
            kind, value, told = pickle.loads(answer.read_bytes())
        except BaseException:
            self.cancel()
            raise
        self._close()
        if kind == "error":
            value.add_note(f"in the second process:\n{told}")
            raise value
        return value

    def __enter__(self) -> Beside[T]:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: Any) -> None:
        """Leaving the ``with`` block by an exception (the caller's own part failed) stops the child."""
        if kind is not None:
            self.cancel()

    def cancel(self) -> None:
        """Stop the child and everything it started (``make``, the compiler, its program) now.

        SIGTERM to its process group (the child unwinds), then SIGKILL to the group after 10 s;
        its result is forgotten.
        """
        self._collected = True
        process = self._process
        if process is not None and process.poll() is None:
            for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, None)):
                try:
                    os.killpg(process.pid, sig)
                except ProcessLookupError:  # already gone
                    break
                try:
                    process.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if process is not None and process.poll() is not None:
            try:  # whatever it started and left (its group), once it has gone
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self._close()

    def _close(self) -> None:
        folder, self._folder = self._folder, None
        self._process = None
        if folder is not None:
            folder.cleanup()


def start_beside(function: Callable[..., T], *args: Any, nice: int = 0) -> Beside[T]:
    """Start ``function(*args)`` in a second process (``function`` and ``args`` must pickle).

    ``nice`` (0–19) lowers the second process's CPU priority, and that of the compiler and
    program it starts, so that where both processes want the two cores at once (both compiling)
    this one gets them first; where they do not, the lower priority costs nothing.
    """
    return Beside(function, *args, nice=nice)


def _lower_priority(nice: int) -> None:
    """Raise this process's nice value by ``nice`` (inherited by what it starts).

    On Linux with autogroup scheduling (``/proc/sys/kernel/sched_autogroup_enabled``), nice
    values only rank processes within one session's group, and the child runs in a session of
    its own: its group's nice value (``/proc/self/autogroup``, see sched(7)) is set to ``nice``
    too. Without autogroup only the process's nice value changes; on Windows nothing does.
    """
    if nice <= 0:
        return
    try:
        os.nice(nice)
    except (AttributeError, OSError):  # Windows has no nice
        return
    group = Path("/proc/self/autogroup")
    if not group.is_file():  # not Linux, or a kernel without autogroup: the process's nice is enough
        return
    # The kernel refuses an unprivileged change of any group's nice value within ~100 ms of the
    # previous one, machine-wide (EAGAIN, kernel/sched/autogroup.c): two runs starting at once.
    for _attempt in range(20):
        try:
            group.write_text(str(nice))  # a new session's group starts at 0
            return
        except BlockingIOError:
            time.sleep(0.1)
        except OSError as error:
            print(f"engramlab: the second process keeps its session group's CPU priority ({error})",
                  file=sys.stderr)
            return
    print("engramlab: the second process keeps its session group's CPU priority (the kernel refused "
          "for 2 s)", file=sys.stderr)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _child(folder: Path, parent: int, nice: int) -> int:
    """The child: run the pickled call, write ``(kind, value, traceback)`` atomically."""
    die_with_parent(parent)
    _lower_priority(nice)
    signal.signal(signal.SIGTERM, _interrupt)
    function, args = pickle.loads((folder / "call.pickle").read_bytes())
    try:
        outcome: tuple[str, Any, str] = ("value", function(*args), "")
    except Exception as error:  # handed to the parent, raised there
        outcome = ("error", error, traceback.format_exc())
    try:
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # an exception that does not pickle: its text instead
        data = pickle.dumps(("error", BesideFailed(repr(outcome[1])), outcome[2]))
    partial = folder / "answer.pickle.part"
    partial.write_bytes(data)
    partial.replace(folder / "answer.pickle")
    return 0


if __name__ == "__main__":
    sys.exit(_child(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
