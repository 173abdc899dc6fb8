"""Choosing Brian2's device for one circuit: runtime (numpy/cython target) or cpp_standalone.

Brian2 has one global device per process. A circuit built for ``cpp_standalone`` generates one
C++ program for its whole schedule; a circuit built afterwards (on either device) starts the
device afresh, so only the most recently built standalone circuit can still re-run its binary.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import brian2 as b2
from brian2.devices.cpp_standalone.device import CPPStandaloneDevice
from brian2.devices.device import all_devices

from engramlab.errors import ConfigError, RunInterrupted

DEVICES = ("runtime", "cpp_standalone")


def _mend_brian2_interrupt_handler() -> None:
    """Give Brian2's Ctrl+C handler a callable to fall back on.

    Brian2 wraps the SIGINT handler it finds at import and calls it for a Ctrl+C outside a run;
    when that was SIG_IGN or SIG_DFL (a background job, some embeddings) the call itself fails
    (``'Handlers' object is not callable``).
    """
    handler = getattr(b2, "_int_handler", None)
    previous = getattr(handler, "previous_handler", None)
    if handler is not None and not callable(previous):
        handler.previous_handler = signal.default_int_handler


_mend_brian2_interrupt_handler()

#: Collect Brian2's per-code-object run times (``network.profiling_info``) in every run; the
#: benchmarks switch it on to show where the time goes. Off by default: it adds a timer call
#: around every code object in every step.
PROFILE = False


def select_device(device: str, *, target: str = "auto", threads: int = 0,
                  build_dir: str | None = None) -> str | None:
    """Make ``device`` the active Brian2 device for a circuit about to be built.

    Parameters
    ----------
    device : {"runtime", "cpp_standalone"}
        Where the circuit runs.
    target : {"numpy", "cython", "auto"}
        Code-generation target of the runtime device (ignored for standalone).
    threads : int
        OpenMP threads of the standalone program (0: no OpenMP).
    build_dir : str, optional
        Project directory of the standalone program (kept). Default: a fresh temporary
        directory, deleted when the process exits.

    Returns
    -------
    str or None
        The standalone project directory, or None on the runtime device.
    """
    if device not in DEVICES:
        raise ConfigError("device", f"must be one of {', '.join(DEVICES)}, got {device!r}")
    current = b2.get_device()
    if isinstance(current, CPPStandaloneDevice):
        # forget the previous standalone program (its objects, arrays and code)
        current.reinit()
    elif device == "cpp_standalone":
        # the standalone device is a process-wide singleton: if an earlier circuit built a
        # program on it and the runtime device was made active since, forget that program too
        standalone = all_devices["cpp_standalone"]
        if getattr(standalone, "has_been_run", False):
            standalone.reinit()
    if device == "runtime":
        b2.set_device("runtime")
        b2.prefs.codegen.target = target
        return None
    directory = build_dir
    if directory is None:
        # a program we name ourselves is ours to delete: its static arrays run to gigabytes for
        # large networks; it must outlive the circuit's re-runs, so it goes when the process ends
        directory = tempfile.mkdtemp(prefix="engramlab_standalone_")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
    b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = threads
    return directory


@contextlib.contextmanager
def stop_on_interrupt(state: dict[str, bool]) -> Iterator[None]:
    """While a network runs, Ctrl+C asks Brian2 to stop after the current step; a second one aborts.

    Replaces Brian2's own handler for the duration (it calls the previous handler, which fails
    when that is SIG_IGN or SIG_DFL, and it lets a stopped run look like a finished one). Only
    the main thread can handle signals; elsewhere nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        if state.get("interrupted"):
            raise KeyboardInterrupt
        state["interrupted"] = True
        b2.Network._globally_stopped = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        # a handler installed from C reads back as None: restore Python's default then
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)


def run_network(network: b2.Network, duration: b2.Quantity, build_dir: str | None,
                report: object = None) -> dict[str, float]:
    """Run ``network`` for ``duration`` on the active device; return wall-time parts (seconds).

    On the runtime device this is ``network.run``. Under cpp_standalone (``build_dir`` given) the
    run is recorded into the program, which is then generated, compiled and executed here, so a
    circuit calls this once with its whole schedule.

    Raises :class:`RunInterrupted` when the simulation stopped before ``duration`` (Ctrl+C or
    any other early stop), so a truncated run can never be taken for a finished one.
    """
    state: dict[str, bool] = {}
    t_start = float(network.t)
    t0 = time.perf_counter()
    with stop_on_interrupt(state):
        network.run(duration, report=None if build_dir is not None else report, namespace={},
                    profile=True if PROFILE else None)
        timings = {"run_call": time.perf_counter() - t0}
        if build_dir is None:
            timings["simulate"] = timings["run_call"]
            reached = float(network.t) - t_start
        else:
            t1 = time.perf_counter()
            try:
                b2.device.build(directory=build_dir, compile=True, run=True, debug=False)
            except RuntimeError:
                if state.get("interrupted"):
                    raise RunInterrupted("interrupted (Ctrl+C) while the compiled program ran: "
                                         "nothing was saved") from None
                raise
            total = time.perf_counter() - t1
            simulated = float(getattr(b2.device, "_last_run_time", 0.0) or 0.0)
            timings.update(build_and_run=total, simulate=simulated, compile=max(0.0, total - simulated))
            reached = float(duration)
    b2.Network._globally_stopped = False
    expected = float(duration)
    if state.get("interrupted") or reached < expected * (1 - 1e-9) - 1e-12:
        raise RunInterrupted(f"interrupted at {reached:.3g} s of {expected:.3g} s of biology "
                             "(Ctrl+C): nothing was saved")
    return timings
