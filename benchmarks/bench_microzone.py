"""The conditioning microzone (eyeblink's mechanism) in engramlab and in a bare Brian2 script.

One configuration per process (prints one ``RESULT {...}`` line)::

    python benchmarks/bench_microzone.py '{"engine": "engramlab"}'   # engramlab's CerebellarMicrozone
    python benchmarks/bench_microzone.py '{"engine": "plain"}'       # the same network, bare Brian2
    python benchmarks/bench_microzone.py '{"engine": "plain", "link_fast_math": true}'  # flushes subnormals

Both run the default ``engramlab run eyeblink`` schedule (ISI 250 ms, 100 acquisition trials with
probes, 10 lesion trials; seed 0) as one cpp_standalone program: 100 Poisson mossy lines, 400
unipolar brush cells with 10-stage ON/OFF cascades, 2,000 granule cells with a 9-stage (q = 8) eligibility
chain, 16 Purkinje cells with 32,000 plastic PF→PC synapses (CF-gated LTD, PF LTP, a 0/1 gate per
trial), 16 olive cells, 4 DCN cells and the nucleo-olivary inhibition. The inputs are the
protocol's own: connectivity, brush-cell time constants, starting potentials, mossy and olive
spike lists and both per-trial gates, read from an engramlab microzone built (not run) on the
runtime device.

The plain script is what a Brian2 user would write for that network: the magic network,
``run()``, default object names, two synapse groups onto the granule cells (mossy and brush-cell
axons) where engramlab merges them into one through a relay group (so that a new seed compiles
nothing), spike lists without engramlab's padding, no program cache, no progress reports. Both
record every population's spikes. The ratio of their simulate times is what engramlab's
construction costs at run time.
"""

from __future__ import annotations

import tempfile
import time
from typing import Any

import numpy as np
from _yardstick import capture_at, main, plain_run, simulate_seconds


def _protocol(cfg: dict, device: str) -> tuple[Any, Any]:
    from engramlab.circuits.microzone import MicrozoneConfig
    from engramlab.protocols.eyeblink import EyeblinkConfig

    circuit = MicrozoneConfig(seed=cfg.get("seed", 0), device=device, target="numpy")
    return circuit, EyeblinkConfig(trials=cfg.get("trials", 100))


def _inputs(cfg: dict) -> dict[str, Any]:
    """Everything the eyeblink protocol hands its microzone, read before anything is simulated."""
    import brian2 as b2

    from engramlab.circuits.microzone import CerebellarMicrozone
    from engramlab.protocols.eyeblink import run_eyeblink

    def read(zone: Any, duration: float, report: Any = None) -> dict[str, Any]:
        mossy, olive_in = zone.mossy, zone.olive_layer.input
        gate_pf, gate_out = zone.molecular.gate, zone.output.synapses.namespace["output_gate"]
        return dict(
            config=zone.config, duration=duration, mf_to_granule=zone.mf_to_granule.copy(),
            ubc_line=zone.ubc_line.copy(), ubc_tau=zone.ubc_tau.copy(), ubc_frac=zone.ubc_frac.copy(),
            purkinje_v=np.asarray(zone.purkinje.v_).copy(), nuclei_v=np.asarray(zone.nuclei.v_).copy(),
            mossy_i=np.asarray(mossy._neuron_index).copy(), mossy_t=np.asarray(mossy._spike_time).copy(),
            olive_i=np.asarray(olive_in._neuron_index).copy(), olive_t=np.asarray(olive_in._spike_time).copy(),
            gate_pf=(np.asarray(gate_pf.values).copy(), float(gate_pf.dt)),
            gate_out=(np.asarray(gate_out.values).copy(), float(gate_out.dt)))

    # the capture never runs the network it builds: Brian2 would warn about every object in it
    b2.BrianLogger.suppress_name("unused_brian_object")
    return capture_at(CerebellarMicrozone, "_simulate", read, lambda: run_eyeblink(*_protocol(cfg, "runtime")))


def _counts(c: Any, spikes: dict[str, int], duration: float) -> dict[str, float]:
    """Neuron-steps and synaptic events (spikes × fan-out) of the run (the relay group not counted)."""
    neurons = c.n_mf + c.ubc.n + c.r + 2 * c.m + c.n_dcn
    # a mossy line reaches its UBCs (n_ubc / n_mf on average) and the granule cells that sample it
    # (r·k / (n_mf + n_ubc) per input axon); UBC axons the same; granule → every Purkinje cell;
    # Purkinje → its DCN cell; olive → its climbing fibre; DCN → its olive cells
    per_axon = c.r * c.k / (c.n_mf + c.ubc.n)
    events = (spikes["mossy"] * (c.ubc.n / c.n_mf + per_axon) + spikes["ubc"] * per_axon
              + spikes["granule"] * c.m + spikes["purkinje"] + spikes["olive"]
              + spikes["nuclei"] * c.m / c.n_dcn)
    return {"neuron_steps": neurons * duration / float(c.dt), "synaptic_events": float(events)}


def bench_engramlab(cfg: dict) -> dict:
    import engramlab.circuits.microzone as microzone
    from engramlab.protocols.eyeblink import run_eyeblink

    zones: list[Any] = []
    original = microzone.CerebellarMicrozone._simulate

    def keep(self: Any, duration: float, report: Any = None) -> None:
        zones.append(self)
        original(self, duration, report)

    microzone.CerebellarMicrozone._simulate = keep  # type: ignore[method-assign]
    try:
        run_eyeblink(*_protocol(cfg, "cpp_standalone"))
    finally:
        microzone.CerebellarMicrozone._simulate = original  # type: ignore[method-assign]
    zone = zones[0]
    spikes = {name: int(m.num_spikes) for name, m in zone.monitors.items()}
    duration = float(zone.network.t)
    return dict(compile_s=float(zone.timings.get("compile", 0.0)), simulate_s=simulate_seconds(zone.timings),
                biological_s=duration, spikes=spikes, **_counts(zone.config, spikes, duration))


def bench_plain(cfg: dict) -> dict:
    import brian2 as b2
    from brian2 import amp, second

    from engramlab.models.plasticity import eligibility_state
    from engramlab.models.ubc import ubc_equations, ubc_gain

    x = _inputs(cfg)
    c = x["config"]
    g, u, pk, pl, io, dcn = c.granule, c.ubc, c.purkinje, c.plasticity, c.olive, c.nuclei
    if float(pk.noise) > 0 or float(dcn.noise) > 0 or float(dcn.mf_eta) > 0:
        raise SystemExit("the plain script has the default microzone (no membrane noise, no mossy→DCN site)")
    t0 = time.perf_counter()
    b2.set_device("cpp_standalone", directory=tempfile.mkdtemp(prefix="plain_microzone_"), build_on_run=True)
    b2.defaultclock.dt = c.dt
    b2.seed(c.seed)

    mossy = b2.SpikeGeneratorGroup(c.n_mf, x["mossy_i"], x["mossy_t"] * second)
    # unipolar brush cells: an ON and an OFF cascade per cell, driven by their mossy line
    gain = ubc_gain(u, x["ubc_frac"], float(c.cs_rate), float(c.mf_background))
    ubc = b2.NeuronGroup(u.n, ubc_equations(u.stages), threshold="v > V_th", reset="v = V_reset",
                         refractory=u.refractory, method="exponential_euler",
                         namespace=dict(C=u.C, g_L=u.g_L, E_L=u.E_L, V_th=u.V_th, V_reset=u.V_reset,
                                        off_ratio=u.off_ratio))
    q_on = gain * float(u.rheobase) / (float(c.cs_rate) * x["ubc_tau"])
    ubc.tau_on = x["ubc_tau"] * second
    ubc.q_on = q_on * amp
    ubc.q_off = u.off_gain * q_on / u.off_ratio * amp
    ubc.v = u.E_L
    mf_ubc = b2.Synapses(mossy, ubc, on_pre="a1_post += q_on_post\nb1_post += q_off_post", delay=c.mf_delay)
    mf_ubc.connect(i=x["ubc_line"], j=np.arange(u.n))

    # granule cells with the gamma-kernel eligibility chain (engramlab's exact propagator)
    elig = eligibility_state(pl, c.dt)
    granule = b2.NeuronGroup(c.r, b2.Equations("""
        dv/dt = (g_L*(E_L - v) + I_mf) / C : volt (unless refractory)
        dI_mf/dt = -I_mf / tau_exc : amp
        """) + elig.equations, threshold="v > V_th", reset="v = V_reset\n" + elig.reset,
        refractory=g.refractory, method="exact",
        namespace=dict(C=g.C, g_L=g.g_L, E_L=g.E_L, V_th=g.V_th, V_reset=g.V_reset, tau_exc=g.tau_exc,
                       **elig.namespace))
    granule.run_regularly(elig.update, when="groups")
    granule.v = g.E_L
    rows = np.repeat(np.arange(c.r), c.k)
    inputs = x["mf_to_granule"].ravel()
    from_mf = inputs < c.n_mf
    mf_granule = b2.Synapses(mossy, granule, on_pre="I_mf_post += w_mf", delay=c.mf_delay,
                             namespace={"w_mf": c.w_mf})
    mf_granule.connect(i=inputs[from_mf], j=rows[from_mf])
    ubc_granule = b2.Synapses(ubc, granule, on_pre="I_mf_post += w_ubc", delay=c.mf_delay,
                              namespace={"w_ubc": u.w_out})
    ubc_granule.connect(i=inputs[~from_mf] - c.n_mf, j=rows[~from_mf])

    # olive: US and spontaneous kicks in, nucleo-olivary inhibition
    olive_input = b2.SpikeGeneratorGroup(2 * c.m, x["olive_i"], x["olive_t"] * second)
    olive = b2.NeuronGroup(c.m, """
        dv/dt = (g_L*(E_L - v) + I_us - I_no) / C : volt (unless refractory)
        dI_us/dt = -I_us / tau_us : amp
        dI_no/dt = -I_no / tau_no : amp
        """, threshold="v > V_th", reset="v = V_reset", refractory=io.refractory, method="exact",
        namespace=dict(C=io.C, g_L=io.g_L, E_L=io.E_L, V_th=io.V_th, V_reset=io.V_reset, tau_us=io.tau_us,
                       tau_no=io.tau_no))
    olive.v = io.E_L
    us_olive = b2.Synapses(olive_input, olive, "w : amp (constant)", on_pre="I_us_post += w")
    us_olive.connect(i=np.arange(2 * c.m), j=np.tile(np.arange(c.m), 2))
    us_olive.w = np.concatenate([np.full(c.m, float(io.w_us)), np.full(c.m, float(io.w_spont))]) * amp

    # Purkinje cells: tonic, PF EPSCs and lumped MLI inhibition, complex spikes from the climbing fibre
    purkinje = b2.NeuronGroup(c.m, """
        dv/dt = (g_L*(E_L - v) + I_e + I_pf - I_mli) / C : volt (unless refractory)
        dI_pf/dt = -I_pf / tau_pf : amp
        dI_mli/dt = -I_mli / tau_pf : amp
        cf : 1
        """, threshold="v > V_th", reset="v = V_reset", refractory=pk.refractory,
        events={"complex": "cf > 0.5"}, method="exact",
        namespace=dict(C=pk.C, g_L=pk.g_L, E_L=pk.E_L, V_th=pk.V_th, V_reset=pk.V_reset, I_e=pk.I_e,
                       tau_pf=pk.tau_pf, v_floor=pk.v_floor, cf_kick=pk.cf_kick))
    purkinje.run_on_event("complex", "cf = 0; v = clip(v + cf_kick, v_floor, V_th + cf_kick)")
    purkinje.run_regularly("v = clip(v, v_floor, 1*volt)", when="after_groups")
    purkinje.v = x["purkinje_v"] * b2.volt
    plasticity_gate = b2.TimedArray(x["gate_pf"][0], dt=x["gate_pf"][1] * second)
    pf_purkinje = b2.Synapses(granule, purkinje, "w : amp", on_pre="""
        I_pf_post += w
        I_mli_post += w0
        w = clip(w + a_plus * (w_max - w) / (w_max - w0) * plasticity_gate(t), 0*amp, w_max)
        """, on_post="w = clip(w - a_minus * elig_pre * w / w0 * plasticity_gate(t), 0*amp, w_max)",
        on_event={"pre": "spike", "post": "complex"}, delay={"pre": pl.delay_pf},
        namespace=dict(w0=pl.w0, w_max=pl.w_max, a_plus=pl.a_plus, a_minus=pl.a_minus,
                       plasticity_gate=plasticity_gate))
    pf_purkinje.connect()
    pf_purkinje.w = pl.w0
    climbing_fibre = b2.Synapses(olive, purkinje, on_pre="cf_post += 1", delay=pl.delay_cf)
    climbing_fibre.connect(j="i")

    # DCN cells, each inhibited by its Purkinje group (a 0/1 gate per trial: the lesion), inhibiting the olive
    nuclei = b2.NeuronGroup(c.n_dcn, """
        dv/dt = (g_L*(E_L - v) + I_e - I_pc) / C : volt (unless refractory)
        dI_pc/dt = -I_pc / tau_pc : amp
        """, threshold="v > V_th", reset="v = V_reset", refractory=dcn.refractory, method="exact",
        namespace=dict(C=dcn.C, g_L=dcn.g_L, E_L=dcn.E_L, V_th=dcn.V_th, V_reset=dcn.V_reset, I_e=dcn.I_e,
                       tau_pc=dcn.tau_pc))
    nuclei.v = x["nuclei_v"] * b2.volt
    output_gate = b2.TimedArray(x["gate_out"][0], dt=x["gate_out"][1] * second)
    per_dcn = c.pcs_per_dcn
    purkinje_nuclei = b2.Synapses(purkinje, nuclei, on_pre="I_pc_post += w_pc * output_gate(t)",
                                  delay=dcn.delay_pc, namespace={"w_pc": dcn.w_pc / per_dcn,
                                                                 "output_gate": output_gate})
    purkinje_nuclei.connect(i=np.arange(c.m), j=np.arange(c.m) // per_dcn)
    nuclei_olive = b2.Synapses(nuclei, olive, on_pre="I_no_post += w_no", delay=io.delay_no,
                               namespace={"w_no": io.w_no})
    nuclei_olive.connect(i=np.arange(c.m) // per_dcn, j=np.arange(c.m))

    # locals, not a container: the magic network collects the objects named in this frame
    mon_mossy, mon_ubc, mon_granule = b2.SpikeMonitor(mossy), b2.SpikeMonitor(ubc), b2.SpikeMonitor(granule)
    mon_purkinje, mon_olive, mon_nuclei = b2.SpikeMonitor(purkinje), b2.SpikeMonitor(olive), b2.SpikeMonitor(nuclei)
    build = time.perf_counter() - t0
    out = plain_run(x["duration"] * second, {"mossy": mon_mossy, "ubc": mon_ubc, "granule": mon_granule,
                                            "purkinje": mon_purkinje, "olive": mon_olive, "nuclei": mon_nuclei})
    return dict(build_s=build, biological_s=x["duration"], **out, **_counts(c, out["spikes"], x["duration"]))


if __name__ == "__main__":
    main({"engramlab": bench_engramlab, "plain": bench_plain})
