"""The attractor grid modules (foraging's mechanism) in engramlab and in a bare Brian2 script.

One configuration per process (prints one ``RESULT {...}`` line)::

    python benchmarks/bench_grid.py '{"engine": "engramlab"}'   # engramlab's GridAttractorCircuit
    python benchmarks/bench_grid.py '{"engine": "plain", "duration": "600 s"}'

Both run the default foraging protocol's network (3 modules of 60 × 52 Poisson-spiking neurons
on a twisted torus, purely inhibitory shifted coupling, velocity as the only time-varying input;
40 place cells reading the recorded grid neurons' spikes, each learning its weights at one plateau;
seed 0) as one cpp_standalone program,
with the same inputs: the arguments the foraging protocol passes to
:class:`~engramlab.circuits.grid_attractor.GridAttractorCircuit`, captured before it is built.
The plain script is what a Brian2 user would write for that network (magic network, ``run()``,
default names, no program cache, no progress reports).
"""

from __future__ import annotations

import math
import tempfile
import time
from typing import Any

import numpy as np
from _yardstick import circuit_arguments, main, simulate_seconds


def _circuit_arguments(cfg: dict) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """What ``run_foraging`` passes to GridAttractorCircuit (captured, nothing is simulated)."""
    from brian2 import second

    import engramlab.protocols.foraging as foraging
    from engramlab.models._params import parse_quantity

    duration = parse_quantity(cfg.get("duration", "600 s"), second, "duration")
    return circuit_arguments(foraging, "GridAttractorCircuit", lambda: foraging.run_foraging(
        foraging.ForagingConfig(duration=duration, seed=cfg.get("seed", 0), device="cpp_standalone")))


def _counts(n_total: int, n_place: int, synapses: int, place_synapses: int, grid_spikes: int, duration: float,
            dt: float) -> dict[str, float]:
    # every sheet neuron's spike reaches its recurrent targets: synapses / neurons on average
    events = grid_spikes * synapses / n_total
    return {"neuron_steps": (n_total + n_place) * duration / dt, "synaptic_events": float(events),
            "place_synapses": place_synapses}


def bench_engramlab(cfg: dict) -> dict:
    from engramlab.circuits.grid_attractor import GridAttractorCircuit

    args, kwargs = _circuit_arguments(cfg)
    t0 = time.perf_counter()
    circuit = GridAttractorCircuit(*args, **kwargs)
    build = time.perf_counter() - t0
    circuit.run()
    duration = float(circuit.duration)
    # spikes of the whole sheet (the circuit's monitors hold the recorded neurons only)
    n_total = len(circuit.grid)
    recorded_spikes = sum(int(m.num_spikes) for k, m in circuit.monitors.items() if k.startswith("grid"))
    counts = _counts(n_total, len(circuit.place), len(circuit.recurrent), len(circuit.to_place),
                     recorded_spikes * n_total // (circuit.modules * circuit.rec), duration,
                     float(kwargs["dt"]))
    return dict(build_s=build, compile_s=float(circuit.timings.get("compile", 0.0)),
                simulate_s=simulate_seconds(circuit.timings), biological_s=duration,
                recorded_grid_spikes=recorded_spikes, place_spikes=int(circuit.monitors["place"].num_spikes),
                **counts)


def bench_plain(cfg: dict) -> dict:
    import brian2 as b2

    from engramlab.models.grid_attractor import recurrent_synapses, sheet

    args, kwargs = _circuit_arguments(cfg)
    velocity, rate_dt, gains, orientations, order, initial_drive, params, plateau_times, place = args
    t0 = time.perf_counter()
    b2.set_device("cpp_standalone", directory=tempfile.mkdtemp(prefix="plain_grid_"), build_on_run=True)
    b2.defaultclock.dt = kwargs["dt"]
    b2.seed(kwargs["seed"])
    modules = len(gains)
    pos, e = sheet(params)
    n = pos.shape[0]
    rec = params.recorded
    vel_x = b2.TimedArray(np.ascontiguousarray(velocity[:, 0]), dt=rate_dt)  # noqa: F841 (named in equations)
    vel_y = b2.TimedArray(np.ascontiguousarray(velocity[:, 1]), dt=rate_dt)  # noqa: F841
    tau, R, tau_elig = params.tau, params.rate_scale, place.tau_elig  # noqa: F841
    grid = b2.NeuronGroup(modules * n, """
        dg/dt = -g / tau : 1
        ex : 1 (constant)
        ey : 1 (constant)
        alpha : 1 (constant)
        rate = R * clip(1 + alpha * (ex * vel_x(t) + ey * vel_y(t)) + g, 0, 100) : Hz
        delig/dt = -elig / tau_elig : 1
        """, threshold="rand() < rate * dt", reset="elig += 1", method="exact")
    ex_parts, ey_parts = [], []
    for m in range(modules):
        c, s = math.cos(orientations[m]), math.sin(orientations[m])
        em = e[order[m]]
        ex_parts.append(c * em[:, 0] + s * em[:, 1])
        ey_parts.append(-s * em[:, 0] + c * em[:, 1])
    grid.ex = np.concatenate(ex_parts)
    grid.ey = np.concatenate(ey_parts)
    grid.alpha = np.repeat(gains, n)
    grid.g = np.concatenate([initial_drive[m][order[m]] for m in range(modules)])
    pre, post, w_rec = recurrent_synapses(params)
    rank = np.argsort(order, axis=1)
    recurrent = b2.Synapses(grid, grid, "w : 1 (constant)", on_pre="g_post += w")
    recurrent.connect(i=np.concatenate([rank[m][pre] + m * n for m in range(modules)]),
                      j=np.concatenate([rank[m][post] + m * n for m in range(modules)]))
    recurrent.w = np.tile(w_rec / float(params.rate_scale * params.tau), modules)
    tau_m, tau_syn, eta, step = place.tau_m, place.tau_syn, place.eta, 50 * b2.ms  # noqa: F841
    place_cells = b2.NeuronGroup(plateau_times.size, "dv/dt = (I - v) / tau_m : 1 (unless refractory)\n"
                                 "dI/dt = -I / tau_syn : 1\nt_plateau : second (constant)", threshold="v > 1",
                                 reset="v = 0", refractory=place.refractory, method="exact")
    place_cells.t_plateau = plateau_times * b2.second
    to_place = b2.Synapses(grid, place_cells, "w : 1", on_pre="I_post += w")
    recorded = np.concatenate([m * n + np.arange(rec) for m in range(modules)])
    to_place.connect(i=np.tile(recorded, plateau_times.size), j=np.repeat(np.arange(plateau_times.size), recorded.size))
    to_place.run_regularly("w = w + int(abs(t - t_plateau_post) < step / 2) * (eta * elig_pre - w)", dt=step,
                           when="start")
    # locals, not a container: the magic network collects the objects named in this frame
    mon_grid0 = b2.SpikeMonitor(grid[0:rec])
    mon_grid1 = b2.SpikeMonitor(grid[n:n + rec])
    mon_grid2 = b2.SpikeMonitor(grid[2 * n:2 * n + rec])
    mon_place = b2.SpikeMonitor(place_cells)
    if modules != 3:
        raise SystemExit("the plain script monitors 3 modules (the default)")
    build = time.perf_counter() - t0
    duration = velocity.shape[0] * rate_dt
    t1 = time.perf_counter()
    b2.run(duration)
    wall = time.perf_counter() - t1
    simulate = float(b2.device._last_run_time)
    recorded_spikes = int(mon_grid0.num_spikes + mon_grid1.num_spikes + mon_grid2.num_spikes)
    counts = _counts(len(grid), len(place_cells), len(recurrent), len(to_place),
                     recorded_spikes * len(grid) // (modules * rec), float(duration), float(kwargs["dt"]))
    return dict(build_s=build, compile_s=wall - simulate, simulate_s=simulate, biological_s=float(duration),
                recorded_grid_spikes=recorded_spikes, place_spikes=int(mon_place.num_spikes), **counts)


if __name__ == "__main__":
    main({"engramlab": bench_engramlab, "plain": bench_plain})
