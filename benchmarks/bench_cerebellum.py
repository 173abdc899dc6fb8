"""The realistic cerebellar SDM (continual learning's network) in engramlab and in a bare Brian2 script.

One configuration per process (prints one ``RESULT {...}`` line)::

    python benchmarks/bench_cerebellum.py '{"engine": "engramlab"}'             # CerebellarSDM
    python benchmarks/bench_cerebellum.py '{"engine": "plain", "quick": true}'  # bare Brian2

``protocol`` (default ``"continual"``) names the protocol whose network and schedule are run; its
other settings come from ``set`` (a dict, as ``engramlab.run`` takes them) and ``quick``. The
circuit, its schedule and its inputs are those the protocol builds, read from a
:class:`~engramlab.circuits.cerebellum.CerebellarSDM` built (not run) on the runtime device: the
configuration, the slot list, the hard locations (mossy→granule pairs), the mossy and climbing-fibre
spike lists, the per-slot plasticity gate and the starting potentials. The engramlab engine
builds a cpp_standalone CerebellarSDM from that configuration and schedule alone (the circuit,
not the protocol's analysis or its MLP baselines, which share the cores with it in a real run).

The plain script is what a Brian2 user would write for the realistic regime (burst-coded mossy
fibres with Poisson background, Golgi cells closing a Top-K loop, Purkinje cells sharing one
parallel-fibre input per output line with membrane noise, burst-eligibility PF→PC plasticity,
noisy DCN cells): the magic network, ``run()``, default names, spike lists without engramlab's
padding, no program cache, no progress reports. Both record every population's spikes.
"""

from __future__ import annotations

import tempfile
import time
from typing import Any

import numpy as np
from _yardstick import capture_at, main, plain_run, simulate_seconds


def _inputs(cfg: dict) -> dict[str, Any]:
    """The protocol's CerebellarSDM and its inputs, read when it is about to simulate (runtime, numpy)."""
    import brian2 as b2

    import engramlab as el
    from engramlab.circuits.cerebellum import CerebellarSDM

    def read(net: Any, duration: float, report: Any = None) -> dict[str, Any]:
        gate = net.molecular.gate
        return dict(
            config=net.config, slots=list(net._slots), duration=duration,
            mf_pre=np.asarray(net.mf_granule.i).copy(), mf_post=np.asarray(net.mf_granule.j).copy(),
            mf_weight=float(net.mf_weight), golgi_weight=float(net.golgi_weight),
            jump=float(net.granule_golgi.namespace["jump"]) if net.config.golgi_cells else 0.0,
            purkinje_v=np.asarray(net.purkinje.v_).copy(), nuclei_v=np.asarray(net.nuclei.v_).copy(),
            dcn_pre=np.asarray(net.output.synapses.i).copy(), dcn_post=np.asarray(net.output.synapses.j).copy(),
            mossy_i=np.asarray(net.mossy._neuron_index).copy(), mossy_t=np.asarray(net.mossy._spike_time).copy(),
            olive_i=np.asarray(net.olive._neuron_index).copy(), olive_t=np.asarray(net.olive._spike_time).copy(),
            gate=(np.asarray(gate.values).copy(), float(gate.dt)))

    # the capture never runs the network it builds: Brian2 would warn about every object in it
    b2.BrianLogger.suppress_name("unused_brian_object")
    settings = {**cfg.get("set", {}), "device": "runtime", "target": "numpy"}
    return capture_at(CerebellarSDM, "_simulate", read,
                      lambda: el.run(cfg.get("protocol", "continual"), settings, quick=cfg.get("quick", False)))


def _counts(x: dict[str, Any], spikes: dict[str, int], duration: float) -> dict[str, float]:
    """Neuron-steps and synaptic events (spikes × fan-out) of the run."""
    c = x["config"]
    lines = int(x["mossy_i"].max()) + 1 if x["mossy_i"].size else 0
    cpo, per_line = c.purkinje_per_dcn, c.dcn_per_line
    n_go = c.effective_n_golgi if c.golgi_cells else 0
    neurons = lines + c.r + n_go + c.m + c.m * cpo + c.m + c.m * per_line
    # PF spikes reach one shared input per line; a complex spike reaches cpo Purkinje cells and the
    # line's shared input; every Purkinje spike reaches its line's DCN cells
    events = (spikes["mossy"] * x["mf_pre"].size / max(lines, 1) + spikes["granule"] * (c.m + n_go)
              + spikes.get("golgi", 0) * c.r + spikes["olive"] * (cpo + 1) + spikes["purkinje"] * per_line)
    return {"neuron_steps": neurons * duration / float(c.dt), "synaptic_events": float(events)}


def bench_engramlab(cfg: dict) -> dict:
    from engramlab.circuits.cerebellum import SLOT_KINDS, CerebellarSDM

    x = _inputs(cfg)
    t0 = time.perf_counter()
    net = CerebellarSDM(x["config"].replace(device="cpp_standalone", target="auto"))
    for kind, address, value in x["slots"]:  # the protocol's schedule, through the public calls
        if kind == SLOT_KINDS["write"]:
            net.write(address, value)
        elif kind == SLOT_KINDS["read"]:
            net.read(address)
        else:
            net.rest()
    build = time.perf_counter() - t0
    net.run()
    spikes = {name: int(m.num_spikes) for name, m in net.monitors.items()}
    duration = float(net.network.t)
    return dict(build_s=build, compile_s=float(net.timings.get("compile", 0.0)),
                simulate_s=simulate_seconds(net.timings), biological_s=duration, spikes=spikes,
                **_counts(x, spikes, duration))


def bench_plain(cfg: dict) -> dict:
    import brian2 as b2
    from brian2 import amp, ms, second

    x = _inputs(cfg)
    c = x["config"]
    g, go, pk, pl, dcn = c.granule, c.golgi, c.purkinje, c.plasticity, c.nuclei
    if not (c.golgi_cells and pl.eligibility == "burst" and c.purkinje_per_dcn > 1
            and float(go.w_mf) == 0 and not c.reset_granule):
        raise SystemExit("the plain script writes the realistic regime (continual's, or the SDM's) only")
    t0 = time.perf_counter()
    b2.set_device("cpp_standalone", directory=tempfile.mkdtemp(prefix="plain_cerebellum_"), build_on_run=True)
    b2.defaultclock.dt = c.dt
    b2.seed(c.seed)
    lines = int(x["mossy_i"].max()) + 1
    mossy = b2.SpikeGeneratorGroup(lines, x["mossy_i"], x["mossy_t"] * second)

    # granule cells with a Golgi IPSC and the burst eligibility (size and time of the last PF burst)
    granule = b2.NeuronGroup(c.r, """
        dv/dt = (g_L*(E_L - v) + I_mf - I_go) / C : volt (unless refractory)
        dI_mf/dt = -I_mf / tau_exc : amp
        dI_go/dt = -I_go / tau_inh : amp
        n_burst : 1
        t_burst : second
        """, threshold="v > V_th", reset="""v = V_reset
        n_burst = n_burst * int(t - t_burst < eligibility_window) + 1
        t_burst = t""", refractory=g.refractory, method="exact",
        namespace=dict(C=g.C, g_L=g.g_L, E_L=g.E_L, V_th=g.V_th, V_reset=g.V_reset, tau_exc=g.tau_exc,
                       tau_inh=g.tau_inh, eligibility_window=pl.window))
    granule.v = g.E_L
    mf_granule = b2.Synapses(mossy, granule, on_pre="I_mf_post += w_mf", delay=c.mossy.delay,
                             namespace={"w_mf": x["mf_weight"] * amp})
    mf_granule.connect(i=x["mf_pre"], j=x["mf_post"])

    # Golgi cells: every granule spike depolarises every Golgi cell; every Golgi spike inhibits every granule cell
    n_go = c.effective_n_golgi
    golgi = b2.NeuronGroup(n_go, "dv/dt = g_L*(E_L - v)/C : volt (unless refractory)", threshold="v > V_th",
                           reset="v = V_reset", refractory=go.refractory, method="exact",
                           namespace=dict(C=go.C, g_L=go.g_L, E_L=go.E_L, V_th=go.V_th, V_reset=go.V_reset))
    golgi.v = go.E_L
    granule_golgi = b2.Synapses(granule, golgi, on_pre="v_post += jump", delay=go.delay_grc,
                                namespace={"jump": x["jump"] * b2.volt})
    granule_golgi.connect()
    golgi_granule = b2.Synapses(golgi, granule, on_pre="I_go_post += w_inh", delay=go.delay_inh,
                                namespace={"w_inh": x["golgi_weight"] / n_go * amp})
    golgi_granule.connect()

    # one shared parallel-fibre input per output line, read by its Purkinje cells (linked variables)
    olive = b2.SpikeGeneratorGroup(c.m, x["olive_i"], x["olive_t"] * second)
    pf_input = b2.NeuronGroup(c.m, """dI_pf/dt = -I_pf / tau_pf : amp
                                      dI_mli/dt = -I_mli / tau_pf : amp
                                      cf : 1""", events={"complex": "cf > 0.5"}, method="exact",
                              namespace={"tau_pf": pk.tau_pf})
    pf_input.run_on_event("complex", "cf = 0")
    cpo = c.purkinje_per_dcn
    # white membrane noise (Euler-Maruyama) when the regime has it, else exact integration
    pk_noise, pk_method = (" + sigma_v*sqrt(2/tau_m)*xi", "euler") if float(pk.noise) > 0 else ("", "exact")
    dcn_noise, dcn_method = (" + sigma_v*sqrt(2/tau_m)*xi", "euler") if float(dcn.noise) > 0 else ("", "exact")
    purkinje = b2.NeuronGroup(c.m * cpo, f"""
        dv/dt = (g_L*(E_L - v) + I_e + I_pf - I_mli) / C{pk_noise} : volt (unless refractory)
        I_pf : amp (linked)
        I_mli : amp (linked)
        cf : 1
        """, threshold="v > V_th", reset="v = V_reset", refractory=pk.refractory,
        events={"complex": "cf > 0.5"}, method=pk_method,
        namespace=dict(C=pk.C, g_L=pk.g_L, E_L=pk.E_L, V_th=pk.V_th, V_reset=pk.V_reset, I_e=pk.I_e,
                       v_floor=pk.v_floor, cf_kick=pk.cf_kick, sigma_v=pk.noise, tau_m=pk.C / pk.g_L))
    purkinje.run_on_event("complex", "cf = 0; v = clip(v + cf_kick, v_floor, V_th + cf_kick)")
    purkinje.run_regularly("v = clip(v, v_floor, 1*volt)", when="after_groups")
    line = np.arange(c.m * cpo) // cpo
    purkinje.I_pf = b2.linked_var(pf_input, "I_pf", index=line)
    purkinje.I_mli = b2.linked_var(pf_input, "I_mli", index=line)
    purkinje.v = x["purkinje_v"] * b2.volt
    plasticity_gate = b2.TimedArray(x["gate"][0], dt=x["gate"][1] * second)
    elig = ("n_burst_pre * int(t - t_burst_pre - delay_pf >= 0*ms)"
            " * int(t - t_burst_pre - delay_pf < eligibility_window)")
    # additive steps clipped to [0, w_max] ("hard" bounds), or steps scaled by the distance to them
    ltp, ltd = ("a_plus * (w_max - w) / (w_max - w0)", f"a_minus * {elig} * w / w0") if pl.bounds == "soft" \
        else ("a_plus", f"a_minus * {elig}")
    pf_purkinje = b2.Synapses(granule, pf_input, "w : amp", on_pre=f"""
        I_pf_post += w
        I_mli_post += w0
        w = clip(w + {ltp} * plasticity_gate(t), 0*amp, w_max)
        """, on_post=f"w = clip(w - {ltd} * plasticity_gate(t), 0*amp, w_max)",
        on_event={"pre": "spike", "post": "complex"}, delay={"pre": pl.delay_pf},
        namespace=dict(w0=pl.w0, w_max=pl.w_max, a_plus=pl.a_plus, a_minus=pl.a_minus, delay_pf=pl.delay_pf,
                       eligibility_window=pl.window, plasticity_gate=plasticity_gate, ms=ms))
    pf_purkinje.connect()
    pf_purkinje.w = pl.w0
    climbing_fibre = b2.Synapses(olive, purkinje, on_pre="cf_post += 1", delay=pl.delay_cf)
    climbing_fibre.connect(i=line, j=np.arange(c.m * cpo))
    climbing_fibre_pf = b2.Synapses(olive, pf_input, on_pre="cf_post += 1", delay=pl.delay_cf)
    climbing_fibre_pf.connect(j="i")

    # noisy DCN cells, each inhibited by every Purkinje cell of its line
    nuclei = b2.NeuronGroup(c.m * c.dcn_per_line, f"""
        dv/dt = (g_L*(E_L - v) + I_e - I_pc) / C{dcn_noise} : volt (unless refractory)
        dI_pc/dt = -I_pc / tau_pc : amp
        """, threshold="v > V_th", reset="v = V_reset", refractory=dcn.refractory, method=dcn_method,
        namespace=dict(C=dcn.C, g_L=dcn.g_L, E_L=dcn.E_L, V_th=dcn.V_th, V_reset=dcn.V_reset, I_e=dcn.I_e,
                       tau_pc=dcn.tau_pc, sigma_v=dcn.noise, tau_m=dcn.C / dcn.g_L))
    nuclei.v = x["nuclei_v"] * b2.volt
    purkinje_nuclei = b2.Synapses(purkinje, nuclei, on_pre="I_pc_post += w_pc", delay=dcn.delay_pc,
                                  namespace={"w_pc": dcn.w_pc / cpo})
    purkinje_nuclei.connect(i=x["dcn_pre"], j=x["dcn_post"])

    # locals, not a container: the magic network collects the objects named in this frame
    mon_mossy, mon_granule, mon_golgi = b2.SpikeMonitor(mossy), b2.SpikeMonitor(granule), b2.SpikeMonitor(golgi)
    mon_olive, mon_purkinje, mon_nuclei = b2.SpikeMonitor(olive), b2.SpikeMonitor(purkinje), b2.SpikeMonitor(nuclei)
    build = time.perf_counter() - t0
    out = plain_run(x["duration"] * second, {"mossy": mon_mossy, "granule": mon_granule, "golgi": mon_golgi,
                                            "olive": mon_olive, "purkinje": mon_purkinje, "nuclei": mon_nuclei})
    return dict(build_s=build, biological_s=x["duration"], **out, **_counts(x, out["spikes"], x["duration"]))

if __name__ == "__main__":
    main({"engramlab": bench_engramlab, "plain": bench_plain})
