"""The memory-neuron pool (navigation's mechanism) in engramlab and in a bare Brian2 script.

One configuration per process (prints one ``RESULT {...}`` line)::

    python benchmarks/bench_pool.py '{"engine": "engramlab"}'   # engramlab's MemoryPoolCircuit
    python benchmarks/bench_pool.py '{"engine": "plain"}'       # the same network, bare Brian2

Both run the default navigation walk (grid10x10, ``environments`` × ``steps`` steps of ``pool.step``,
seed 0) as one cpp_standalone program with the same input tables: 256 Poisson grid cells, 40
context and 64 LEC cells, 8,192 EIF memory neurons in 512 ensembles (one excitatory
conductance per ensemble, linked into its members), 20 interneurons, 64 prediction neurons and
the one-shot writes. The plain script is what a Brian2 user would write for that network: the
magic network, ``run()``, default object names, no program cache and no progress reports. So
the ratio of their simulate times is what engramlab's construction costs at run time.
"""

from __future__ import annotations

import tempfile
import time
from typing import Any

import numpy as np
from _yardstick import circuit_arguments, main, simulate_seconds


def _tables(cfg: dict) -> dict[str, Any]:
    """The inputs ``run_navigation`` passes to MemoryPoolCircuit (captured, nothing is simulated)."""
    import engramlab.protocols.navigation as navigation

    args, kwargs = circuit_arguments(navigation, "MemoryPoolCircuit", lambda: navigation.run_navigation(
        navigation.NavigationConfig(steps=cfg.get("steps", 1000), environments=cfg.get("environments", 2),
                                    seed=cfg.get("seed", 0), device="cpp_standalone",
                                    # nothing simulated before the pool's arguments are captured
                                    grid=navigation.NavigationGridParams(path_integration="off"))))
    grid, context, lec, writer, params = args
    return {"params": params, "grid": grid, "context": context, "lec": lec, "writer": writer,
            "seed": kwargs["seed"]}


def _counts(t: dict[str, Any], spikes: dict[str, int], duration: float) -> dict[str, float]:
    """Neuron-steps and synaptic events (spikes × fan-out) of the run."""
    p = t["params"]
    n_grid, n_ctx, n_lec = t["grid"].shape[1], t["context"].shape[1], t["lec"].shape[1]
    neurons = n_grid + n_ctx + n_lec + p.slots + p.pool + p.interneurons + n_lec
    steps = duration / float(p.dt)
    # LEC cells are not recorded (in either engine): their one-to-one events onto the prediction
    # neurons (~64 × 5 per step) are left out
    events = ((spikes["grid"] + spikes["context"]) * p.slots + spikes["memory"] * (p.interneurons + n_lec)
              + spikes["interneuron"] * p.pool)
    return {"neuron_steps": neurons * steps, "synaptic_events": float(events)}


def bench_engramlab(cfg: dict) -> dict:
    from engramlab.circuits.memory_pool import MemoryPoolCircuit

    t = _tables(cfg)
    p = t["params"]
    t0 = time.perf_counter()
    circuit = MemoryPoolCircuit(t["grid"], t["context"], t["lec"], t["writer"], p, seed=t["seed"],
                                device="cpp_standalone")
    build = time.perf_counter() - t0
    spikes = circuit.run()
    duration = t["grid"].shape[0] * float(p.step)
    counts = {k: int(v[0].size) for k, v in spikes.items()}
    simulate = simulate_seconds(circuit.timings)
    return dict(build_s=build, compile_s=float(circuit.timings.get("compile", 0.0)), simulate_s=simulate,
                biological_s=duration, spikes=counts, **_counts(t, counts, duration))


def bench_plain(cfg: dict) -> dict:
    import brian2 as b2
    from brian2 import Hz, ms

    t = _tables(cfg)
    p = t["params"]
    t0 = time.perf_counter()
    b2.set_device("cpp_standalone", directory=tempfile.mkdtemp(prefix="plain_pool_"), build_on_run=True)
    b2.defaultclock.dt = p.dt
    b2.seed(t["seed"])
    slots = t["grid"].shape[0]
    half = p.step / 2
    lec_halves = np.zeros((2 * slots, t["lec"].shape[1]))
    lec_halves[1::2] = t["lec"]
    plateau_halves = np.full(2 * slots, -1.0)
    plateau_halves[1::2] = t["writer"]
    grid_table = b2.TimedArray(t["grid"] * p.grid_rate_gain * Hz, dt=p.step)  # noqa: F841 (named in the equations)
    context_table = b2.TimedArray(t["context"] * Hz, dt=p.step)  # noqa: F841 (named in the equations)
    lec_table = b2.TimedArray(lec_halves * Hz, dt=half)  # noqa: F841 (named in the equations)
    plateau_target = b2.TimedArray(plateau_halves, dt=half)  # noqa: F841 (named in the equations)
    write_ends = b2.TimedArray(np.concatenate([[-1.0], t["writer"].astype(float)]), dt=p.step)  # noqa: F841 (named in the equations)
    tau_elig, quarter, ensemble = p.tau_elig, p.step / 4, p.ensemble  # noqa: F841 (used in equations)
    trace = "rate = {}(t, i) : Hz\ndelig/dt = -elig / tau_elig : 1"
    grid = b2.NeuronGroup(t["grid"].shape[1], trace.format("grid_table"), threshold="rand() < rate * dt",
                          reset="elig += 1", method="exact")
    context = b2.NeuronGroup(t["context"].shape[1], trace.format("context_table"),
                             threshold="rand() < rate * dt", reset="elig += 1", method="exact")
    lec = b2.NeuronGroup(t["lec"].shape[1], trace.format("lec_table"), threshold="rand() < rate * dt",
                         reset="elig += 1", method="exact")
    tau_e = p.tau_e  # noqa: F841
    key_input = b2.NeuronGroup(p.slots, "dg_e/dt = -g_e / tau_e : siemens", method="exact")
    g_L, E_L, delta_T, V_T, E_e, E_i, C = p.g_L, p.E_L, p.delta_T, p.V_T, p.E_e, p.E_i, p.C  # noqa: F841
    tau_i, noise, plateau, V_reset = p.tau_i, p.noise, p.plateau, p.V_reset  # noqa: F841
    memory = b2.NeuronGroup(p.pool, """
        dv/dt = (g_L * (E_L - v) + g_L * delta_T * exp((v - V_T) / delta_T) + g_e * (E_e - v)
                 + g_i * (E_i - v) + I_plateau + I_noise) / C : volt (unless refractory)
        I_noise : amp
        g_e : siemens (linked)
        dg_i/dt = -g_i / tau_i : siemens
        I_plateau = plateau * int(abs(plateau_target(t) - i // ensemble) < 0.5) : amp
        """, threshold="v > V_T + 5 * delta_T", reset="v = V_reset", refractory=p.refractory,
        method="exponential_euler")
    memory.g_e = b2.linked_var(key_input, "g_e", index=np.arange(p.pool) // p.ensemble)
    memory.run_regularly("I_noise = noise * sqrt(2 * g_L * C / dt) * randn()", when="start")
    memory.v = p.E_L
    g_key, key_eta = p.g_key, p.key_eta  # noqa: F841
    write_key = "w = w + int(abs(write_ends(t + quarter) - j) < 0.5) * (key_eta * elig_pre - w)"
    keys = []
    for source in (grid, context):
        syn = b2.Synapses(source, key_input, "w : 1", on_pre="g_e_post += g_key * w")
        syn.connect()
        syn.run_regularly(write_key, dt=p.step, when="start")
        keys.append(syn)
    tau_m, tau_s = 10 * ms, 5 * ms  # noqa: F841
    inter = b2.NeuronGroup(p.interneurons, "dv/dt = (I - v) / tau_m : 1\ndI/dt = -I / tau_s : 1",
                           threshold="v > 1", reset="v = 0", method="exact")
    to_inh = b2.Synapses(memory, inter, "w : 1 (constant)", on_pre="I_post += w")
    to_inh.connect()
    to_inh.w = p.w_mem_inh
    g_inh = p.g_inh  # noqa: F841
    from_inh = b2.Synapses(inter, memory, on_pre="g_i_post += g_inh")
    from_inh.connect()
    tau_u, gain, value_eta = p.prediction_tau, p.readout_gain, p.value_eta  # noqa: F841
    prediction = b2.NeuronGroup(t["lec"].shape[1], """
        du/dt = -u / tau_u : 1
        dteach/dt = -teach / tau_elig : 1
        rate = gain * u : Hz
        """, threshold="rand() < rate * dt", method="exact")
    teach = b2.Synapses(lec, prediction, on_pre="teach_post += 1")
    teach.connect(j="i")
    values = b2.Synapses(memory, prediction, "w : 1", on_pre="u_post += w")
    values.connect()
    write_value = "w = w + int(abs(write_ends(t + quarter) - i // ensemble) < 0.5) * (value_eta * teach_post - w)"
    values.run_regularly(write_value, dt=p.step, when="start")
    # locals, not a dict: the magic network collects the objects named in this frame
    mon_grid, mon_context, mon_memory = b2.SpikeMonitor(grid), b2.SpikeMonitor(context), b2.SpikeMonitor(memory)
    mon_inter, mon_prediction = b2.SpikeMonitor(inter), b2.SpikeMonitor(prediction)
    build = time.perf_counter() - t0
    duration = slots * p.step
    t1 = time.perf_counter()
    b2.run(duration)
    wall = time.perf_counter() - t1
    simulate = float(b2.device._last_run_time)
    monitors = {"grid": mon_grid, "context": mon_context, "memory": mon_memory, "interneuron": mon_inter,
                "prediction": mon_prediction}
    counts = {k: int(m.num_spikes) for k, m in monitors.items()}
    return dict(build_s=build, compile_s=wall - simulate, simulate_s=simulate, biological_s=float(duration),
                spikes=counts, **_counts(t, counts, float(duration)))


if __name__ == "__main__":
    main({"engramlab": bench_engramlab, "plain": bench_plain})
