"""A standalone program reads its scalar parameters at start-up: another value compiles nothing.

Issue 17 asks that every parameter that does not change a network's structure be a run-time
value of the compiled program. A tiny network is compiled, then run again with other values of
a neuron constant and a synaptic constant: no file is recompiled, and the recorded values are
the closed-form ones for the new parameters (so the program really read them, not stale or zero
values). Each protocol's generated code for two values of one of its parameters is compared in
tests/test_program_cache.py.
"""

from typing import Any

import numpy as np
import pytest


def _run(tau_ms: float, w: float, v0: float, v_init: float, delay_ms: float, ref_ms: float
         ) -> tuple[dict[str, float], Any]:
    """A neuron relaxing from ``v_init`` to ``v0`` (τ), kicked by ``w`` at 1 ms + ``delay_ms``; and a
    driven neuron firing every ``ref_ms`` (refractory period, then at once above threshold)."""
    import brian2 as b2

    from engramlab.circuits import _device as D

    build_dir = D.select_device("cpp_standalone")
    try:
        source = b2.SpikeGeneratorGroup(1, [0], [1.0] * b2.ms, name="kicker")
        cell = b2.NeuronGroup(1, """dv/dt = (v0 - v) / tau : 1
                                    x : 1""", method="exact", name="relaxing",
                              namespace={"tau": tau_ms * b2.ms, "v0": v0})
        cell.v = v_init  # an initial value: Brian2 writes it into main.cpp unless it is made data
        kick = b2.Synapses(source, cell, on_pre="x_post += w", namespace={"w": w}, delay=delay_ms * b2.ms,
                           name="kick")
        kick.connect()
        monitor = b2.StateMonitor(cell, ["v", "x"], record=0, name="relaxing_state")
        # v rises by 1 per step: it crosses 0.5 on the first step it is free to integrate
        driven = b2.NeuronGroup(1, "dv/dt = 1 / dt_drive : 1 (unless refractory)", threshold="v > 0.5",
                                reset="v = 0", refractory=ref_ms * b2.ms, method="euler", name="driven",
                                namespace={"dt_drive": 0.1 * b2.ms})
        spikes = b2.SpikeMonitor(driven, name="driven_spikes")
        net = b2.Network(source, cell, kick, monitor, driven, spikes)
        timings = D.run_network(net, 10 * b2.ms, build_dir)
        return timings, (np.asarray(monitor.t), np.asarray(monitor.v[0]), np.asarray(monitor.x[0]),
                         np.asarray(spikes.t))
    finally:
        D.select_device("runtime")


def test_other_constants_initial_values_and_delays_compile_nothing_and_are_used(tmp_path, monkeypatch):
    monkeypatch.setenv("ENGRAMLAB_PROGRAM_CACHE", str(tmp_path))
    runs = [(10.0, 0.25, 1.0, 0.5, 2.0, 1.0), (4.0, 0.5, 2.0, -1.0, 3.0, 2.5)]
    first, recorded_first = _run(*runs[0])
    second, recorded_second = _run(*runs[1])
    assert first["compiled_code_objects"] > 0
    assert second["compiled_sources"] == 0, "another τ, v₀, w, initial v, delay or refractory period recompiled"
    for (tau_ms, w, v0, v_init, delay_ms, ref_ms), (t, v, x, fired) in zip(
            runs, (recorded_first, recorded_second), strict=True):
        # closed form: v(t) = v₀ + (v_init − v₀) e^(−t/τ); the kick lands at 1 ms + delay
        np.testing.assert_allclose(v, v0 + (v_init - v0) * np.exp(-t / (tau_ms * 1e-3)), rtol=1e-9, atol=1e-12)
        assert set(np.unique(x)) == {0.0, w}
        assert t[np.argmax(x > 0)] == pytest.approx((1.0 + delay_ms) * 1e-3, abs=0.15e-3)
        # free again ref_ms after a spike, and v crosses threshold in that same step: one spike every ref_ms
        np.testing.assert_allclose(np.diff(fired), ref_ms * 1e-3, atol=1e-9)


def test_only_finite_scalars_leave_the_code():
    """Booleans, arrays, non-finite values, functions stay constants of the code; numbers keep their unit and type."""
    import brian2 as b2
    from brian2.units.fundamentalunits import DIMENSIONLESS

    from engramlab.circuits._run_time_constants import _scalar

    assert _scalar(True) is None and _scalar(np.bool_(False)) is None
    assert _scalar(np.ones(3)) is None and _scalar(np.ones(3) * b2.mV) is None
    assert _scalar(float("inf")) is None and _scalar(np.nan * b2.ms) is None
    assert _scalar(b2.TimedArray([1.0, 2.0], dt=b2.ms)) is None and _scalar("tau") is None
    number, dim, dtype = _scalar(7 * b2.pF)
    assert number == pytest.approx(7e-12) and dim == b2.pF.dim and dtype == np.float64
    assert _scalar(3)[2] == np.int64 and _scalar(np.int32(3))[0] == 3
    assert _scalar(0.5)[1] is DIMENSIONLESS


def test_names_brian2_resolves_before_a_namespace_stay_where_they_are():
    """Brian2 resolves its constants, units and functions before a group's namespace: a namespace
    entry named ``e`` or ``ms`` never applied, and turning it into a group variable would make it."""
    from engramlab.circuits._run_time_constants import _movable

    assert _movable("tau") and _movable("C") and _movable("w_max")
    assert not any(_movable(name) for name in ("e", "pi", "ms", "mV", "exp", "_private"))
