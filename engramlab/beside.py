"""Run one independent piece of a protocol in a second process while this one goes on.

A compiled (cpp_standalone) program runs on one core. When a protocol simulates two networks
that do not feed each other — navigation's attractor path integration and its memory pool — the
second core can run one while this process builds and runs the other. :func:`start_beside`
calls a module-level function in a freshly spawned process and returns a :class:`Beside`
handle; :meth:`Beside.result` waits for it and returns what it returned (or raises what it
raised, here). The child's randomness is its own seed's, so its spikes are those it would give
in this process.

The child ends with this process: SIGTERM from the kernel when the parent dies (Linux), and
:meth:`Beside.cancel` (called when the caller's own part fails or is interrupted) sends it
SIGTERM, which it turns into ``KeyboardInterrupt`` so that a compiled program it is running is
killed by :func:`subprocess.call` on the way out. Where a second process cannot help or is not
allowed — one core, or inside a daemonic worker process (Dask's), which may not have
children — the function runs here, at :meth:`Beside.result`.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Generic, TypeVar

__all__ = ["Beside", "can_run_beside", "die_with_parent", "start_beside"]

T = TypeVar("T")


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


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


def _child_start(parent: int) -> None:
    """Initialiser of the child: die with the parent; SIGTERM unwinds (kills a running program)."""
    die_with_parent(parent)
    signal.signal(signal.SIGTERM, _interrupt)


def can_run_beside() -> bool:
    """True when a second process can run beside this one: two or more cores, and not a daemon."""
    return (os.cpu_count() or 1) >= 2 and not multiprocessing.current_process().daemon


class Beside(Generic[T]):
    """A function call running in a spawned process.

    With ``here``, or where a second process cannot help, the call is deferred to :meth:`result`.
    """

    def __init__(self, function: Callable[..., T], *args: Any, here: bool = False) -> None:
        self._function, self._args = function, args
        self._pool: ProcessPoolExecutor | None = None
        self._future: Future[T] | None = None
        if not here and can_run_beside():
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_child_start, initargs=(os.getpid(),))
            self._future = self._pool.submit(function, *args)

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs (None: deferred, or ended)."""
        processes = list(getattr(self._pool, "_processes", None) or {})  # no public handle
        return int(processes[0]) if processes else None

    @property
    def in_another_process(self) -> bool:
        """Whether the call runs in a second process (else it runs here, at :meth:`result`)."""
        return self._future is not None

    def result(self) -> T:
        """Wait for the call and return its value; its exception is raised here. Once only."""
        if self._future is None:
            return self._function(*self._args)
        try:
            value = self._future.result()
        except BaseException:
            self.cancel()
            raise
        self._close(wait=True)
        return value

    def cancel(self) -> None:
        """Stop the child now (SIGTERM) and forget its result; nothing if it already ended."""
        if self._pool is None:
            return
        for process in list(getattr(self._pool, "_processes", {}).values()):  # no public handle
            if process.is_alive():
                process.terminate()
        self._close(wait=False)

    def _close(self, wait: bool) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=True)


def start_beside(function: Callable[..., T], *args: Any) -> Beside[T]:
    """Start ``function(*args)`` in a second process (``function`` and ``args`` must pickle)."""
    return Beside(function, *args)
