"""Associative left/right learning with reversal (the experiment proposed in the talk).

Two tones are two mossy-fibre patterns. The microzone's Purkinje cells form a "left" and a
"right" group, each with its own DCN cells (the two motor outputs). During acquisition the
olive teaches the left group whenever tone A plays and the right group for tone B: LTD at the
PF synapses of A-driven granule cells onto left Purkinje cells makes left PCs pause for A,
which disinhibits the left DCN ("move left"). Reversal then teaches the opposite mapping; the
old memory fades through PF-alone LTP while the new one forms through LTD. Tones are
interleaved in a seeded random order; all trials run in one ``Network.run`` with the PF→PC
weights recorded at every trial start.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import brian2 as b2
import numpy as np
from brian2 import ms, pA, second

from engramlab.circuits.microzone import CerebellarMicrozone, MicrozoneConfig
from engramlab.models._params import check_int, check_quantity, flatten_params, param
from engramlab.models.nuclei import NucleiParams
from engramlab.models.plasticity import PFPlasticityParams
from engramlab.models.timing import SpectralTimingParams
from engramlab.results import Result, run_metadata

__all__ = ["AssociativeConfig", "associative_circuit", "run_associative"]


@dataclass(frozen=True)
class AssociativeConfig:
    """Trial schedule of the tone → left/right task."""

    trials: int = param(60, "acquisition trials (tones A and B interleaved)")
    reversal_trials: int = param(80, "trials with the mapping reversed (A → right, B → left)")
    isi: b2.Quantity = param(250 * ms, "tone onset → teaching (olive) signal")
    trial_period: b2.Quantity = param(1 * second, "trial start to trial start")
    cs_onset: b2.Quantity = param(200 * ms, "tone onset after the trial start")
    seed: int = param(0, "seed of the tone order")

    def __post_init__(self) -> None:
        o = "AssociativeConfig"
        check_int(o, "trials", self.trials, 1)
        check_int(o, "reversal_trials", self.reversal_trials, 0)
        check_quantity(o, "isi", self.isi, ms, 0, None, low_open=True)
        check_quantity(o, "trial_period", self.trial_period, ms, 0, None, low_open=True)
        check_quantity(o, "cs_onset", self.cs_onset, ms, 0, None)
        check_int(o, "seed", self.seed, 0, 2**32 - 1)


def associative_circuit(**changes: Any) -> MicrozoneConfig:
    """The default microzone of the task: tones A and B, 16 PCs, 2 DCN cells (left, right).

    Reversal needs the old mapping to be *undone*, which only PF-alone LTP can do, so the task
    uses a 3:1 LTD:LTP ratio (eyeblink conditioning: 6:1); measured at 12:1, a reversal reached
    only 70 % correct in 80 trials.
    """
    plasticity = PFPlasticityParams(eligibility="kernel", bounds="soft", w0=60 * pA, w_max=120 * pA,
                                    a_plus=0.1 * pA, ltd_ltp_ratio=3.0)
    # the choice compares the left and right DCN cells, so it needs no strong absolute DCN burst:
    # the moderate Purkinje→DCN gain (8 PCs per DCN cell, ~13 Hz at rest)
    nuclei = NucleiParams(w_pc=400 * pA, I_e=170 * pA)
    # nothing to time here (the teacher comes at a fixed delay): fast-recruiting, symmetric
    # windows (τ 30–900 ms) put every tone-driven granule cell inside the kernel's look-back
    timing = SpectralTimingParams(tau_min=30 * ms, tau_max=900 * ms, gain_min=6.0, gain_max=9.0,
                                  inh_gain=1.5, inh_ratio=3.0)
    base: dict[str, Any] = dict(cs_lines={"A": 20, "B": 20}, m=16, n_dcn=2, plasticity=plasticity,
                                nuclei=nuclei, timing=timing)
    base.update(changes)
    return MicrozoneConfig(**base)


def run_associative(circuit: MicrozoneConfig | None = None, protocol: AssociativeConfig | None = None,
                    report: Any = None) -> Result:
    """Run acquisition then reversal in one network run and return a Result.

    Returns
    -------
    Result
        Arrays: spikes, ``trial_start``, ``trial_tone`` (0 A, 1 B), ``trial_taught`` (0 left,
        1 right), ``trial_phase`` (0 acquisition, 1 reversal), ``granule_counts`` (spikes per
        trial per granule cell during the tone), ``weights_by_trial`` (mean PF→PC weight of
        A-only and B-only granule cells onto the left and right groups at each trial start:
        shape (trials + 1, 2 tones, 2 sides), A), ``weights_initial``/``weights_final``.
    """
    circuit = circuit or associative_circuit()
    protocol = protocol or AssociativeConfig()
    if set(circuit.cs_lines) != {"A", "B"}:
        raise ValueError(f"the associative task needs tones 'A' and 'B' in cs_lines, got "
                         f"{sorted(circuit.cs_lines)}")
    if circuit.n_dcn != 2 or circuit.m % 2:
        raise ValueError("the associative task needs an even m and n_dcn = 2 (left, right)")
    period = float(protocol.trial_period)
    onset = float(protocol.cs_onset)
    isi = float(protocol.isi)
    cs_dur = isi + float(circuit.us_duration)
    if onset + cs_dur + 0.2 > period:
        raise ValueError("AssociativeConfig: cs_onset + ISI + US + 200 ms must fit in trial_period")
    rng = np.random.default_rng([protocol.seed, 21])
    total = protocol.trials + protocol.reversal_trials
    tones = np.concatenate([rng.permutation(np.arange(protocol.trials) % 2),
                            rng.permutation(np.arange(protocol.reversal_trials) % 2)]).astype(np.int8)
    phase = np.concatenate([np.zeros(protocol.trials), np.ones(protocol.reversal_trials)]).astype(np.int8)
    taught = np.where(phase == 0, tones, 1 - tones).astype(np.int8)
    half = circuit.m // 2
    groups = (tuple(range(half)), tuple(range(half, circuit.m)))

    t0 = time.perf_counter()
    zone = CerebellarMicrozone(circuit, record_weights_every=period, trial_period=period)
    build_s = time.perf_counter() - t0
    for k in range(total):
        zone.add_trial(period, "AB"[tones[k]], onset, cs_dur, groups[taught[k]], isi)
    t1 = time.perf_counter()
    rec = zone.run(report=report)
    run_s = time.perf_counter() - t1

    lines_a, lines_b = rec.cs_line_sets["A"], rec.cs_line_sets["B"]
    has_a = np.isin(rec.mf_to_granule, lines_a).any(1)
    has_b = np.isin(rec.mf_to_granule, lines_b).any(1)
    only = (has_a & ~has_b, has_b & ~has_a)
    # weight history: (synapses, samples) -> mean over A-only / B-only cells onto each side
    syn_i = np.asarray(zone.pf_purkinje.i)
    syn_j = np.asarray(zone.pf_purkinje.j)
    hist = rec.weight_history
    snapshots = hist.shape[1] if hist.size else 0
    summary = np.zeros((snapshots + 1, 2, 2))
    for tone in range(2):
        for side in range(2):
            mask = only[tone][syn_i] & ((syn_j >= half) == bool(side))
            if hist.size:
                summary[:snapshots, tone, side] = hist[mask].mean(0)
            summary[snapshots, tone, side] = rec.weights[only[tone]][:, groups[side]].mean()
    starts = np.array([tr.start for tr in zone.trials])
    t_g, i_g = rec.spikes["granule"]
    counts = np.zeros((total, circuit.r), dtype=np.int16)
    k_of = np.searchsorted(starts, t_g, side="right") - 1
    rel = t_g - starts[k_of] - onset
    inside = (rel >= 0) & (rel < cs_dur)
    np.add.at(counts, (k_of[inside], i_g[inside]), 1)

    arrays: dict[str, np.ndarray] = {}
    for pop, (t, i) in rec.spikes.items():
        arrays[f"spikes_{pop}_t"] = t
        arrays[f"spikes_{pop}_i"] = i.astype(np.int32)
    arrays.update(trial_start=starts, trial_tone=tones, trial_taught=taught, trial_phase=phase,
                  granule_counts=counts, weights_by_trial=summary,
                  granule_tone_only=np.stack(only), weights_initial=rec.weights_initial,
                  weights_final=rec.weights)
    c_values, c_units = flatten_params(circuit)
    p_values, p_units = flatten_params(protocol)
    params: dict[str, Any] = {f"circuit.{k}": v for k, v in c_values.items()}
    params.update({f"protocol.{k}": v for k, v in p_values.items()})
    params.update(cs_duration=cs_dur, left_pcs=list(groups[0]), right_pcs=list(groups[1]))
    units = {f"circuit.{k}": u for k, u in c_units.items()}
    units.update({f"protocol.{k}": u for k, u in p_units.items()})
    metadata = run_metadata(circuit.seed, protocol="associative",
                            device=circuit.device, timings=dict(zone.timings), protocol_seed=protocol.seed,
                            target=circuit.target, build_seconds=build_s, run_seconds=run_s,
                            biological_seconds=rec.duration)
    return Result("associative", arrays, params, metadata, units)
