"""Shared by the engramlab-vs-bare-Brian2 benchmarks (bench_pool, bench_grid, bench_dale, bench_microzone,
bench_cerebellum).

Each benchmark runs a protocol's circuit twice in separate processes: through engramlab, and as
the same network written as a plain Brian2 script. Both get the protocol's own inputs, captured
here from the arguments the protocol passes to its circuit class (nothing is simulated).
"""

from __future__ import annotations

import json
import resource
import sys
from collections.abc import Callable
from typing import Any


class _Captured(Exception):
    pass


def circuit_arguments(module: Any, circuit: str, run: Callable[[], Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The arguments ``run()`` passes to ``module.<circuit>``, captured before the circuit is built."""
    captured: dict[str, Any] = {}

    def capture(*args: Any, **kwargs: Any) -> None:
        captured.update(args=args, kwargs=kwargs)
        raise _Captured

    original = getattr(module, circuit)
    setattr(module, circuit, capture)
    try:
        run()
    except _Captured:
        pass
    finally:
        setattr(module, circuit, original)
    if not captured:
        raise RuntimeError(f"the protocol never built {circuit}")
    return captured["args"], captured["kwargs"]


def capture_at(owner: type, method: str, read: Callable[..., dict[str, Any]], run: Callable[[], Any]
               ) -> dict[str, Any]:
    """What ``read(self, *args)`` returns at the first call of ``owner.<method>`` while ``run()`` runs.

    That call raises instead of running, so nothing after it (a simulation) happens; the method
    is restored afterwards.
    """
    captured: dict[str, Any] = {}

    def capture(self: Any, *args: Any, **kwargs: Any) -> None:
        captured.update(read(self, *args))
        raise _Captured

    original = getattr(owner, method)
    setattr(owner, method, capture)
    try:
        run()
    except _Captured:
        pass
    finally:
        setattr(owner, method, original)
    if not captured:
        raise RuntimeError(f"the protocol never called {owner.__name__}.{method}")
    return captured


def plain_run(duration: Any, monitors: dict[str, Any]) -> dict[str, Any]:
    """``brian2.run`` for the caller (its magic network collects the caller's local objects).

    Returns ``compile_s`` (the build's wall time beyond the simulation), ``simulate_s`` and the
    spike count of every monitor in ``monitors``.
    """
    import time

    import brian2 as b2

    t0 = time.perf_counter()
    b2.run(duration, level=1)
    wall = time.perf_counter() - t0
    simulate = float(b2.device._last_run_time)
    return {"compile_s": wall - simulate, "simulate_s": simulate,
            "spikes": {name: int(m.num_spikes) for name, m in monitors.items()}}


def simulate_seconds(timings: dict[str, float]) -> float:
    """The processor seconds of an engramlab circuit's simulation loop, like :func:`plain_run`'s.

    engramlab's ``timings["simulate"]`` is the loop's wall-clock time since 2026-12-05 (Brian2's
    ``_last_run_time``, which plain runs report, is processor time, ``std::clock``, or wall time
    with OpenMP threads); the benchmarks compare like with like. Alone on a core the two agree
    (quick SDM: 7.4436 against 7.4426 s).
    """
    return float(timings.get("simulate_processor", timings["simulate"]))


def main(engines: dict[str, Callable[[dict], dict]]) -> None:
    """Run the engine named in the JSON config (argv[1]); print one ``RESULT {...}`` line."""
    cfg = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    if cfg.get("link_fast_math"):
        # what a Brian2 user does to flush subnormals in a standalone program: link with
        # -ffast-math, whose start-up file (GCC's crtfastmath.o) sets the MXCSR flags that
        # engramlab's programs set since 2026-12-05 (engramlab/circuits/_subnormals.py)
        import brian2 as b2

        b2.prefs.codegen.cpp.extra_link_args = [*b2.prefs.codegen.cpp.extra_link_args, "-ffast-math"]
    out = engines[cfg.get("engine", "engramlab")](cfg)
    out["neuron_steps_per_s"] = out["neuron_steps"] / out["simulate_s"]
    out["synaptic_events_per_s"] = out["synaptic_events"] / out["simulate_s"]
    out.update(config=cfg, peak_memory_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print("RESULT " + json.dumps(out))
