"""One benchmark configuration of the cerebellar SDM, run in its own process.

    python benchmarks/bench_sdm.py '{"engine": "brian2", "device": "cpp_standalone", "r": 100000}'

prints one JSON line: wall time split into build / compile / simulate, neuron-steps and
synaptic events per second of simulation, and peak memory. Every engine runs the ideal regime
(synchronous volleys, one regular Purkinje cell per line), the network NEST and bare Brian2 can
also express; the realistic regime's speed is issue work of its own. Engines:

* ``brian2``: engramlab's CerebellarSDM (device ``runtime`` with ``target`` numpy/cython, or
  ``cpp_standalone`` with ``threads`` OpenMP threads);
* ``nest``: the same network written for NEST 3 (iaf_psc_exp cells with the same constants,
  the same mossy-fibre schedule and connectivity, static PF→PC synapses: NEST has no
  climbing-fibre-gated LTD, so both engines are timed on the read phase; the granular layer is
  reset between slots by running slot by slot);
* ``plain``: the yardstick for "Brian2 standalone throughput for a network of its size": the
  same populations, connectivity and mossy-fibre schedule written as the simplest Brian2
  standalone script (current-based LIF cells, static synapses, the same per-slot granule reset;
  no plasticity, eligibility or MLI balance), so engramlab's overhead over bare Brian2 shows as a ratio;
* ``numpy``: engramlab.analysis.sdm.NeuronSDM on the same hard locations (the maths alone).

Schedule: ``patterns`` random 64-bit addresses, each read once (the read phase) — or written
then read (``phase="write_read"``, brian2 only).
"""

from __future__ import annotations

import json
import resource
import sys
import time

import numpy as np
from _yardstick import simulate_seconds


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _schedule(cfg: dict) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(cfg.get("seed", 0))
    pats = rng.integers(0, 2, size=(cfg["patterns"], cfg["n"])).astype(bool)
    return pats, pats.copy()


def bench_brian2(cfg: dict) -> dict:
    from engramlab.circuits.cerebellum import CerebellarSDM, CerebellumConfig, mossy_granule_pairs
    from engramlab.models.mossy import n_lines
    from engramlab.protocols.sdm_memory import design_circuit

    if cfg.get("profile"):
        from engramlab.circuits import _device
        _device.PROFILE = True
    t0 = time.perf_counter()
    circuit = CerebellumConfig.ideal(n=cfg["n"], r=cfg["r"], m=cfg["m"], d=cfg.get("d"),
                                     design_patterns=cfg["patterns"],
                                     device=cfg.get("device", "runtime"), target=cfg.get("target", "cython"),
                                     threads=cfg.get("threads", 0), seed=cfg.get("seed", 0))
    circuit = design_circuit(circuit)
    net = CerebellarSDM(circuit)
    addresses, values = _schedule(cfg)
    net.rest(1)
    if cfg.get("phase", "read") == "write_read":
        for a, v in zip(addresses, values, strict=True):
            net.write(a, v)
    for a in addresses:
        net.read(a)
    build = time.perf_counter() - t0
    compile_s = 0.0
    if circuit.device == "runtime":
        import brian2 as b2
        t1 = time.perf_counter()
        net.network.run(0 * b2.ms, namespace={})  # code generation and compilation only
        compile_s = time.perf_counter() - t1
    t2 = time.perf_counter()
    rec = net.run()
    wall = time.perf_counter() - t2
    if circuit.device == "cpp_standalone":
        compile_s = net.timings["compile"] + net.timings["run_call"]
        simulate = simulate_seconds(net.timings)
    else:
        simulate = wall
    pre, _ = mossy_granule_pairs(circuit, net.selected, net.targets)
    fanout = np.bincount(pre, minlength=n_lines(cfg["n"], "onoff"))
    mf_i = rec.spikes["mossy"][1]
    events = (float(fanout[mf_i].sum()) + rec.spikes["granule"][0].size * cfg["m"]
              + rec.spikes["olive"][0].size + rec.spikes["purkinje"][0].size)
    neurons = n_lines(cfg["n"], "onoff") + cfg["r"] + 3 * cfg["m"]
    steps = round(rec.duration / float(circuit.dt))
    profile = ({name: float(sec) for name, sec in net.network.profiling_info}
               if cfg.get("profile") else {})
    return dict(profile_s=profile, build_s=build, compile_s=compile_s, simulate_s=simulate, biological_s=rec.duration,
                neurons=neurons, steps=steps, synaptic_events=events,
                synapses=int(fanout.sum() + cfg["r"] * cfg["m"] + 2 * cfg["m"]),
                granule_spikes=int(rec.spikes["granule"][0].size))


def bench_nest(cfg: dict) -> dict:
    import nest
    from nest.lib.hl_api_types import nestkernel

    from engramlab.circuits.cerebellum import CerebellumConfig, draw_hard_locations, mossy_granule_pairs
    from engramlab.models.granule import GranuleParams, volley_weight
    from engramlab.models.mossy import active_lines, n_lines
    from engramlab.protocols.sdm_memory import design_circuit

    t0 = time.perf_counter()
    circuit = CerebellumConfig.ideal(n=cfg["n"], r=cfg["r"], m=cfg["m"], d=cfg.get("d"),
                                     design_patterns=cfg["patterns"],
                                     seed=cfg.get("seed", 0), target="numpy")
    circuit = design_circuit(circuit)
    # the same hard locations and wiring as engramlab (drawn by the same code, not simulated)
    pre, post = mossy_granule_pairs(circuit, *draw_hard_locations(circuit))
    g, p = circuit.granule, circuit.purkinje
    dt_ms = float(circuit.dt) * 1e3
    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": dt_ms, "local_num_threads": max(1, cfg.get("threads", 1)),
                          "print_time": False})
    lines = n_lines(cfg["n"], "onoff")
    addresses, _ = _schedule(cfg)
    slot = float(circuit.slot) * 1e3
    times: list[list[float]] = [[] for _ in range(lines)]
    for k, a in enumerate(addresses):
        t = (k + 1) * slot + float(circuit.volley_time) * 1e3
        for line in active_lines(a, "onoff"):
            times[line].append(round(t, 1))
    mf = nest.Create("spike_generator", lines)
    for line in range(lines):
        mf[line].set(spike_times=[max(dt_ms, x) for x in times[line]])
    grc = nest.Create("iaf_psc_exp", cfg["r"], params=dict(
        C_m=float(g.C) * 1e12, tau_m=float(g.tau_m) * 1e3, E_L=float(g.E_L) * 1e3, V_th=float(g.V_th) * 1e3,
        V_reset=float(g.V_reset) * 1e3, t_ref=float(g.refractory) * 1e3, tau_syn_ex=float(g.tau_exc) * 1e3,
        tau_syn_in=float(g.tau_inh) * 1e3, I_e=0.0, V_m=float(g.E_L) * 1e3))
    pc = nest.Create("iaf_psc_exp", cfg["m"], params=dict(
        C_m=float(p.C) * 1e12, tau_m=float(p.C / p.g_L) * 1e3, E_L=float(p.E_L) * 1e3, V_th=float(p.V_th) * 1e3,
        V_reset=float(p.V_reset) * 1e3, t_ref=float(p.refractory) * 1e3, tau_syn_ex=float(p.tau_pf) * 1e3,
        tau_syn_in=float(p.tau_pf) * 1e3, I_e=float(p.I_e) * 1e12))
    dcn = nest.Create("iaf_psc_exp", cfg["m"])
    w_mf = float(volley_weight(GranuleParams(), circuit.threshold_inputs, circuit.dt)) * 1e12
    first_mf, first_grc = mf[0].global_id, grc[0].global_id
    nest.Connect(np.asarray(pre) + first_mf, np.asarray(post) + first_grc, "one_to_one",
                 syn_spec={"weight": np.full(len(pre), w_mf), "delay": np.full(len(pre), 1.0)})
    # PF→PC: one synapse per pair carrying the net (PF − lumped MLI) current, as in engramlab
    w_net = 0.0  # unlearned: PF excitation and MLI inhibition cancel
    nest.Connect(grc, pc, "all_to_all",
                 syn_spec={"weight": w_net + 1e-9, "delay": float(circuit.plasticity.delay_pf) * 1e3})
    nest.Connect(pc, dcn, "one_to_one", syn_spec={"weight": -float(circuit.nuclei.w_pc) * 1e12,
                                                   "delay": float(circuit.nuclei.delay_pc) * 1e3})
    rec_g = nest.Create("spike_recorder")
    rec_p = nest.Create("spike_recorder")
    nest.Connect(grc, rec_g)
    nest.Connect(pc, rec_p)
    build = time.perf_counter() - t0
    duration = (len(addresses) + 1) * slot
    t1 = time.perf_counter()
    nest.Prepare()
    compile_s = time.perf_counter() - t1
    t2 = time.perf_counter()
    # engramlab returns the granular layer to rest at every slot start; NEST has no scheduled
    # state reset, so run slot by slot and reset between runs (the cost is part of simulate_s)
    rest = float(g.E_L) * 1e3
    # The reset goes through the kernel's low-level status call: NodeCollection.set first asks every
    # node whether it is local (~0.1 s per call at r = 1e4, ~1 s at 1e5), which timed PyNEST, not
    # NEST. Both calls set the same state; granule spikes are identical pair for pair.
    reset = [{"V_m": rest}]
    for _ in range(len(addresses) + 1):
        if cfg.get("nest_reset") == "NodeCollection.set":  # the old, slow path (for comparison only)
            grc.set(V_m=rest)
        else:
            nestkernel.llapi_set_nc_status(grc._datum, reset)  # (synaptic currents have decayed by then)
        nest.Run(slot)
    nest.Cleanup()
    simulate = time.perf_counter() - t2
    g_spikes = rec_g.get("n_events")
    if cfg.get("spikes_out"):  # for checking that two reset paths give the same spikes
        ev = rec_g.get("events")
        np.savez(cfg["spikes_out"], senders=np.asarray(ev["senders"]), times=np.asarray(ev["times"]))
    p_spikes = rec_p.get("n_events")
    mf_spikes = sum(len(x) for x in times)
    fanout = np.bincount(pre, minlength=lines)
    events = float(sum(fanout[line] * len(times[line]) for line in range(lines))) + g_spikes * cfg["m"] + p_spikes
    return dict(build_s=build, compile_s=compile_s, simulate_s=simulate, biological_s=duration / 1e3,
                neurons=lines + cfg["r"] + 2 * cfg["m"], steps=round(duration / dt_ms), synaptic_events=events,
                synapses=int(len(pre) + cfg["r"] * cfg["m"] + cfg["m"]), granule_spikes=int(g_spikes),
                mossy_spikes=mf_spikes)


def bench_plain(cfg: dict) -> dict:
    import tempfile

    import brian2 as b2

    from engramlab.circuits.cerebellum import CerebellumConfig, draw_hard_locations, mossy_granule_pairs
    from engramlab.models.granule import volley_weight
    from engramlab.models.mossy import active_lines, n_lines
    from engramlab.protocols.sdm_memory import design_circuit

    t0 = time.perf_counter()
    circuit = CerebellumConfig.ideal(n=cfg["n"], r=cfg["r"], m=cfg["m"], d=cfg.get("d"),
                                     design_patterns=cfg["patterns"],
                                     seed=cfg.get("seed", 0), target="numpy")
    circuit = design_circuit(circuit)
    # the same hard locations and wiring as engramlab (drawn by the same code, not simulated)
    pre, post = mossy_granule_pairs(circuit, *draw_hard_locations(circuit))
    build_dir = tempfile.mkdtemp(prefix="plain_")
    b2.set_device("cpp_standalone", directory=build_dir, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = cfg.get("threads", 0)
    g, p = circuit.granule, circuit.purkinje
    addresses, _ = _schedule(cfg)
    phase = cfg.get("phase", "read")
    presentations = list(addresses) * (2 if phase == "write_read" else 1)
    slot = float(circuit.slot)
    idx, times = [], []
    for k, a in enumerate(presentations):
        lines = active_lines(a, "onoff")
        idx.append(lines)
        times.append(np.full(lines.size, (k + 1) * slot + float(circuit.volley_time)))
    lines = n_lines(cfg["n"], "onoff")
    mf = b2.SpikeGeneratorGroup(lines, np.concatenate(idx), np.concatenate(times) * b2.second, dt=circuit.dt)
    lif = """dv/dt = (g_L*(E_L - v) + I + I_e) / C : volt (unless refractory)
             dI/dt = -I / tau_s : amp"""
    grc = b2.NeuronGroup(cfg["r"], lif, threshold="v > V_th", reset="v = V_reset", refractory=g.refractory,
                         method="exact", dt=circuit.dt,
                         namespace=dict(g_L=g.g_L, E_L=g.E_L, C=g.C, tau_s=g.tau_exc, I_e=0 * b2.amp,
                                        V_th=g.V_th, V_reset=g.V_reset))
    grc.v = g.E_L
    # the same per-slot return to rest as engramlab (otherwise residual depolarisation lowers the
    # effective threshold and ~18x more granule cells fire: a different network)
    rest = grc.run_regularly("v = E_L\nI = 0*amp", dt=circuit.slot, when="start")
    pc = b2.NeuronGroup(cfg["m"], lif, threshold="v > V_th", reset="v = V_reset", refractory=p.refractory,
                        method="exact", dt=circuit.dt,
                        namespace=dict(g_L=p.g_L, E_L=p.E_L, C=p.C, tau_s=p.tau_pf, I_e=p.I_e,
                                       V_th=p.V_th, V_reset=p.V_reset))
    pc.v = p.E_L
    dcn = b2.NeuronGroup(cfg["m"], lif, threshold="v > V_th", reset="v = V_reset", refractory=p.refractory,
                         method="exact", dt=circuit.dt,
                         namespace=dict(g_L=p.g_L, E_L=p.E_L, C=p.C, tau_s=p.tau_pf, I_e=p.I_e,
                                        V_th=p.V_th, V_reset=p.V_reset))
    s_mf = b2.Synapses(mf, grc, on_pre="I_post += w", delay=circuit.mossy.delay,
                       namespace={"w": volley_weight(g, circuit.threshold_inputs, circuit.dt)})
    s_mf.connect(i=pre, j=post)
    s_pf = b2.Synapses(grc, pc, "w : amp", on_pre="I_post += w", delay=circuit.plasticity.delay_pf)
    s_pf.connect()
    s_pf.w = 0 * b2.amp
    s_pd = b2.Synapses(pc, dcn, on_pre="I_post -= w", namespace={"w": circuit.nuclei.w_pc},
                       delay=circuit.nuclei.delay_pc)
    s_pd.connect(j="i")
    monitors = [b2.SpikeMonitor(x) for x in (mf, grc, pc, dcn)]
    net = b2.Network(mf, grc, rest, pc, dcn, s_mf, s_pf, s_pd, *monitors)
    duration = (len(presentations) + 1) * slot
    net.run(duration * b2.second)
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    b2.device.build(directory=build_dir, compile=True, run=True)
    total = time.perf_counter() - t1
    simulate = float(b2.device._last_run_time)
    mf_i = np.asarray(monitors[0].i)
    fanout = np.bincount(pre, minlength=lines)
    g_spikes = monitors[1].num_spikes
    events = float(fanout[mf_i].sum()) + g_spikes * cfg["m"] + monitors[2].num_spikes
    return dict(build_s=build, compile_s=total - simulate, simulate_s=simulate, biological_s=duration,
                neurons=lines + cfg["r"] + 2 * cfg["m"], steps=round(duration / float(circuit.dt)),
                synaptic_events=events, synapses=int(fanout.sum() + cfg["r"] * cfg["m"] + cfg["m"]),
                granule_spikes=int(g_spikes))


def bench_numpy(cfg: dict) -> dict:
    from engramlab.analysis.sdm import NeuronSDM, optimal_radius

    t0 = time.perf_counter()
    d = cfg.get("d") or optimal_radius(cfg["n"], cfg["patterns"], cfg["r"])
    mem = NeuronSDM.random(cfg["n"], cfg["r"], value_dim=cfg["m"], radius=min(d, cfg["n"] - 1), seed=cfg.get("seed", 0))
    addresses, values = _schedule(cfg)
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    for a, v in zip(addresses, values, strict=True):
        mem.write(a, v)
    mem.read(addresses)
    simulate = time.perf_counter() - t1
    return dict(build_s=build, compile_s=0.0, simulate_s=simulate, biological_s=None, neurons=cfg["r"],
                steps=None, synaptic_events=None, synapses=cfg["r"] * cfg["m"], granule_spikes=None)


def main() -> None:
    cfg = {"n": 64, "m": 64, "patterns": 100, "seed": 0}
    cfg.update(json.loads(sys.argv[1]))
    engine = cfg.get("engine", "brian2")
    out = {"brian2": bench_brian2, "nest": bench_nest, "plain": bench_plain, "numpy": bench_numpy}[engine](cfg)
    out.update(config=cfg, peak_memory_mb=_peak_mb())
    if out.get("steps") and out.get("simulate_s"):
        out["neuron_steps_per_s"] = out["neurons"] * out["steps"] / out["simulate_s"]
        out["synaptic_events_per_s"] = out["synaptic_events"] / out["simulate_s"]
    print("RESULT " + json.dumps(out))


if __name__ == "__main__":
    main()
