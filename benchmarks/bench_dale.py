"""The Dale's-law spiking Hopfield networks (pattern completion) in engramlab and in bare Brian2.

One configuration per process (prints one ``RESULT {...}`` line)::

    python benchmarks/bench_dale.py '{"engine": "engramlab"}'   # engramlab's DaleHopfield
    python benchmarks/bench_dale.py '{"engine": "plain"}'       # the same network, bare Brian2

Both run the default ``engramlab run pattern-completion`` network (N = 200 excitatory LIF memory
cells and their Poisson interneurons per cued pattern; 9 loads × 2 trials × 10 cues = 180
networks side by side, 7.2 M excitatory synapses; seed 0) as one cpp_standalone program, with the
arguments the protocol passes to :class:`~engramlab.circuits.dale_hopfield.DaleHopfield`,
captured before it is built. The plain script is what a Brian2 user would write for it (magic
network, ``run()``, default names, no program cache, no progress reports).
"""

from __future__ import annotations

import tempfile
import time
from typing import Any

import numpy as np
from _yardstick import circuit_arguments, main, simulate_seconds


def _circuit_arguments(cfg: dict) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """What ``run_pattern_completion`` passes to DaleHopfield (captured, nothing is simulated)."""
    import engramlab.protocols.pattern_completion as pc

    return circuit_arguments(pc, "DaleHopfield", lambda: pc.run_pattern_completion(
        pc.PatternCompletionConfig(seed=cfg.get("seed", 0), device="cpp_standalone")))


def _counts(n_exc: int, n_inh: int, ee: int, ei: int, exc_spikes: int, duration: float, dt: float
            ) -> dict[str, float]:
    # interneuron spikes are not recorded (in either engine): their events onto the memory cells
    # are left out; memory-cell spikes reach their recurrent and interneuron targets
    events = exc_spikes * (ee + ei) / n_exc
    steps = (n_exc + n_inh) * duration / dt
    return {"neuron_steps": steps, "synaptic_events": float(events)}


def bench_engramlab(cfg: dict) -> dict:
    from engramlab.circuits.dale_hopfield import DaleHopfield

    args, kwargs = _circuit_arguments(cfg)
    t0 = time.perf_counter()
    net = DaleHopfield(*args, **kwargs)
    build = time.perf_counter() - t0
    net.run()
    p = net.params
    duration = float(p.cue + p.settle)
    simulate = simulate_seconds(net.timings)
    spikes = int(net.monitor.num_spikes)
    return dict(build_s=build, compile_s=float(net.timings.get("compile", 0.0)), simulate_s=simulate,
                biological_s=duration, memory_spikes=spikes, synapses=len(net.ee) + len(net.ei) + len(net.ie),
                **_counts(len(net.exc), len(net.inh), len(net.ee), len(net.ei), spikes, duration, float(p.dt)))


def bench_plain(cfg: dict) -> dict:
    import brian2 as b2

    from engramlab.models.dale_hopfield import dale_weights

    (weights, cues, params), kwargs = _circuit_arguments(cfg)
    t0 = time.perf_counter()
    b2.set_device("cpp_standalone", directory=tempfile.mkdtemp(prefix="plain_dale_"), build_on_run=True)
    b2.defaultclock.dt = params.dt
    b2.seed(kwargs["seed"])
    n = weights[0].shape[0]
    n_inh = max(1, round(params.interneuron_ratio * n))
    blocks = [(k, c) for k in range(len(weights)) for c in range(np.atleast_2d(cues[k]).shape[0])]
    nb = len(blocks)
    tau_e, tau_i, tau_u = float(params.tau_exc), float(params.tau_inh), float(params.interneuron_tau)
    scale = 4 * params.signal / (tau_e * float(params.design_rate))
    g_i = float(params.interneuron_gain)
    drive, cue_drive, cue_end, tau_m, noise = (params.drive, params.cue_drive, params.cue,  # noqa: F841
                                               params.tau_m, params.noise)
    tau_exc, tau_inh, tau_int, gain, n_exc = (params.tau_exc, params.tau_inh,  # noqa: F841
                                              params.interneuron_tau, params.interneuron_gain, n)
    exc = b2.NeuronGroup(nb * n, """
        dv/dt = (-v + drive + I_e - I_i + cue_drive * cue_cell * int(t < cue_end)) / tau_m
                + noise * sqrt(2 / tau_m) * xi : 1 (unless refractory)
        dI_e/dt = -I_e / tau_exc : 1
        dI_i/dt = -I_i / tau_inh : 1
        cue_cell : 1 (constant)
        """, threshold="v > 1", reset="v = 0", refractory=params.refractory, method="euler")
    inh = b2.NeuronGroup(nb * n_inh, "du/dt = -u / tau_int : 1\nrate = gain * clip(u, 0, inf) : Hz",
                         threshold="rand() < rate * dt", method="exact")
    pre_all, post_all, w_all, g_rows, cue_rows = [], [], [], [], []
    for b, (k, c) in enumerate(blocks):
        w_plus, mean_w = dale_weights(weights[k])
        post, pre = np.nonzero(np.ones_like(w_plus, dtype=bool))
        pre_all.append(pre + b * n)
        post_all.append(post + b * n)
        w_all.append(scale * w_plus[post, pre])
        g_rows.append(params.inhibition_balance * scale * tau_e * mean_w * (n - 1) / (tau_i * n_inh * g_i * tau_u))
        cue_rows.append(np.atleast_2d(cues[k])[c] > 0)
    exc.cue_cell = np.concatenate(cue_rows).astype(float)
    exc.v = "rand()"
    ee = b2.Synapses(exc, exc, "w : 1 (constant)", on_pre="I_e_post += w")
    ee.connect(i=np.concatenate(pre_all), j=np.concatenate(post_all))
    ee.w = np.concatenate(w_all)
    blk = np.repeat(np.arange(nb), n * n_inh)
    e_idx = np.tile(np.repeat(np.arange(n), n_inh), nb) + blk * n
    i_idx = np.tile(np.tile(np.arange(n_inh), n), nb) + blk * n_inh
    ei = b2.Synapses(exc, inh, on_pre="u_post += 1.0 / n_exc")
    ei.connect(i=e_idx, j=i_idx)
    ie = b2.Synapses(inh, exc, "g : 1 (constant)", on_pre="I_i_post += g")
    ie.connect(i=i_idx, j=e_idx)
    ie.g = np.concatenate(g_rows)[e_idx]
    monitor = b2.SpikeMonitor(exc)
    build = time.perf_counter() - t0
    duration = params.cue + params.settle
    t1 = time.perf_counter()
    b2.run(duration)
    wall = time.perf_counter() - t1
    simulate = float(b2.device._last_run_time)
    spikes = int(monitor.num_spikes)
    return dict(build_s=build, compile_s=wall - simulate, simulate_s=simulate, biological_s=float(duration),
                memory_spikes=spikes, synapses=len(ee) + len(ei) + len(ie),
                **_counts(len(exc), len(inh), len(ee), len(ei), spikes, float(duration), float(params.dt)))


if __name__ == "__main__":
    main({"engramlab": bench_engramlab, "plain": bench_plain})
