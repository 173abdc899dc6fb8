r"""Spikes of the cerebellar SDM held against the SDM equations, number by number.

Reads a ``sdm_memory`` :class:`~engramlab.results.Result` (plain arrays; no Brian2) and
computes the five checks of the cerebellum ↔ SDM mapping:

1. active granule cells per presentation vs r·p(d) (or r·2^{-k}) with the binomial spread;
2. measured overlaps |A(q) ∩ A(p)| vs the exact expected circle (or Jaeckel) intersection;
3. learned PF→PC weight changes vs the counters of the NumPy neuron SDM fed the same
   activation sets (2:1 LTD:LTP → Δw = −a₊ · counter exactly);
4. the Purkinje read-out vs the NumPy SDM on identical hard locations and vs the pattern-view
   read; bit accuracy vs query noise;
5. normalised overlap weights vs softmax(β cos) with β fitted to the spikes.

The Purkinje read-out: each PC fires tonically with period T; the read's PF volley advances
or delays its spikes, and the phase shift Δ (spikes gained, :func:`spikes.phase_shift`) is its
rate change resolved below one spike. A stored 1 lowers the PC's drive (LTD), so the read bit
is 1 when the PC lost at least half a time step of phase: the rate fell below the unlearned
baseline, the majority threshold of Kanerva's read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engramlab.analysis import attention, sdm
from engramlab.analysis.spikes import counts_per_window, phase_shift, spike_trains, tonic_period
from engramlab.errors import ConfigError
from engramlab.results import Result
from engramlab.schedules import SLOT_KINDS

__all__ = ["OverlapStats", "SDMAnalysis", "analyse_sdm", "sdm_summary"]

REST, WRITE, READ = SLOT_KINDS["rest"], SLOT_KINDS["write"], SLOT_KINDS["read"]


@dataclass(frozen=True)
class OverlapStats:
    """Measured vs expected granule-cell overlaps, grouped by query–pattern distance.

    Pairs are (read, the stored pattern it was derived from), so ``dv`` is the query noise.

    Attributes
    ----------
    dv : ndarray of int
        Distances with at least one (query, source pattern) pair.
    mean, pairs : ndarray
        Mean measured overlap and number of pairs at each distance.
    expected : ndarray
        Expected overlap from the exact intersection formula (NaN if none applies).
    se : ndarray
        Binomial standard error of the mean, sqrt(r π (1 − π) / pairs), π = expected / r.
    z : ndarray
        (mean − expected) / se.
    """

    dv: NDArray[np.int64]
    mean: NDArray[np.float64]
    pairs: NDArray[np.int64]
    expected: NDArray[np.float64]
    se: NDArray[np.float64]
    z: NDArray[np.float64]


@dataclass
class SDMAnalysis:
    """Everything computed from one ``sdm`` result (see module docstring)."""

    n: int
    r: int
    m: int
    scheme: str
    activation: str
    radius: int | None
    k: int | None
    patterns: int
    seed: int
    active: NDArray[np.bool_]
    max_spikes_per_cell: int
    active_counts: NDArray[np.int64]
    active_expected: float
    active_sd: float
    overlap: OverlapStats
    counters: NDArray[np.int64]
    weight_change: NDArray[np.float64]
    weight_scale: float
    ltd_ltp_ratio: float
    weight_counter_max_error: float
    weights_clipped: int
    period: float
    shifts: NDArray[np.float64]
    spike_bits: NDArray[np.bool_]
    numpy_sums: NDArray[np.int64]
    numpy_bits: NDArray[np.bool_]
    numpy_active_agreement: float
    pattern_sums: NDArray[np.float64]
    pattern_bits: NDArray[np.bool_]
    read_noise: NDArray[np.int64]
    read_target: NDArray[np.bool_]
    noise_levels: NDArray[np.int64]
    accuracy_spikes: NDArray[np.float64]
    accuracy_numpy: NDArray[np.float64]
    accuracy_pattern: NDArray[np.float64]
    numpy_agreement: float
    attention_dv: NDArray[np.int64]
    attention_cos: NDArray[np.float64]
    attention_measured: NDArray[np.float64]
    attention_softmax: NDArray[np.float64]
    attention_theory: NDArray[np.float64]
    beta_fit: float
    beta_theory: float
    softmax_weight_error: float
    beta_fit_note: str | None
    pc_baseline_hz: float
    dcn_baseline_hz: float
    dcn_read_hz: NDArray[np.float64]
    extra: dict[str, Any] = field(default_factory=dict)


def _param(result: Result, key: str) -> Any:
    try:
        return result.params[key]
    except KeyError:
        raise ConfigError("result", f"is missing parameter {key!r}; is it an sdm result?") from None


def analyse_sdm(result: Result) -> SDMAnalysis:
    """Run all five spikes-vs-equations checks on an ``sdm`` result."""
    if result.protocol not in ("sdm", "sdm_memory"):  # sdm_memory: results saved before 0.2
        raise ConfigError("result", f"must come from the sdm protocol, got {result.protocol!r}")
    p = result.params
    n, r, m = (int(_param(result, f"circuit.{key}")) for key in ("n", "r", "m"))
    scheme = str(_param(result, "circuit.scheme"))
    activation = str(_param(result, "circuit.activation"))
    radius = p.get("radius")
    if scheme == "kanerva" and radius is None:
        raise ConfigError("result", "lacks the Kanerva radius (params['radius'])")
    k = int(_param(result, "circuit.k")) if scheme == "granule" else None
    slot = float(_param(result, "circuit.slot"))
    dt = float(_param(result, "circuit.dt"))
    kind = result["slot_kind"]
    start = result["slot_start"]
    pattern_of = result["slot_pattern"]
    noise_of = result["slot_noise"]
    addresses, values = result["pattern_address"], result["pattern_value"]
    selected, targets = result["selected"], result["targets"]

    # 1. granule activity per presentation --------------------------------------------------
    counts = counts_per_window(result["spikes_granule_t"], result["spikes_granule_i"], start, slot, r)
    active = counts > 0
    presented = kind != REST
    active_counts = active[presented].sum(1)
    if scheme == "granule":
        p_active = 2.0 ** -k  # type: ignore[operator]
    elif activation == "topk":
        p_active = float(p["top_k"]) / r
    else:
        p_active = float(sdm.ball_fraction(n, int(radius)))  # type: ignore[arg-type]
    active_expected = r * p_active
    active_sd = float(np.sqrt(r * p_active * (1 - p_active)))

    # 2. overlaps vs distance -------------------------------------------------------------------
    write_slot = {int(pattern_of[s]): s for s in np.flatnonzero(kind == WRITE)}
    reads = np.flatnonzero(kind == READ)
    write_sets = np.array([active[write_slot[mu]] for mu in range(addresses.shape[0])])
    read_sets = active[reads]
    # Each read is paired with the pattern it was derived from: at a given distance the pairs
    # then involve distinct random patterns and are independent binomial draws (pairing every
    # read with every stored pattern would reuse each write set many times and correlate them).
    source = pattern_of[reads]
    overlaps = np.sum(read_sets & write_sets[source], axis=1)
    dists = sdm.hamming_distances(result["slot_address"][reads], addresses)[np.arange(reads.size), source]
    overlap = _overlap_stats(overlaps, dists, n, r, scheme, activation, radius, k)

    # 3. weights vs counters --------------------------------------------------------------------
    ref = _reference_memory(n, r, m, scheme, activation, radius, k, selected, targets, p)
    counter_mem = _reference_memory(n, r, m, scheme, activation, radius, k, selected, targets, p)
    for mu in range(addresses.shape[0]):
        counter_mem.write_active(write_sets[mu], values[mu])
        ref.write(addresses[mu], values[mu])
    dw = result["weights_final"] - result["weights_initial"]
    c = counter_mem.counters.astype(float)
    scale = float(-(c.ravel() @ dw.ravel()) / (c.ravel() @ c.ravel())) if np.any(c) else float("nan")
    a_plus = float(_param(result, "circuit.plasticity.a_plus"))
    max_err = float(np.max(np.abs(dw + a_plus * c))) if dw.size else 0.0
    w_max = float(_param(result, "circuit.plasticity.w_max"))
    clipped = int(np.sum((result["weights_final"] <= 0) | (result["weights_final"] >= w_max)))

    # 4. Purkinje read-out ------------------------------------------------------------------------
    pc_trains = spike_trains(result["spikes_purkinje_t"], result["spikes_purkinje_i"], m)
    rest_slots = np.flatnonzero(kind == REST)
    if rest_slots.size == 0:
        raise ConfigError("protocol.rest_slots", "must be >= 1: the Purkinje baseline is measured in rest slots")
    t_rest_from = float(start[rest_slots[0]])
    t_rest_to = float(start[rest_slots[-1]] + slot)
    readout_note = None
    try:
        period = tonic_period(pc_trains, t_rest_from, t_rest_to, dt)
    except ConfigError:  # silent Purkinje cells: nothing to read a pause from
        period = float("nan")
        readout_note = "no read-out: the Purkinje cells fired no two spikes in the rest slots"
    arrival = (float(_param(result, "circuit.volley_time")) + float(_param(result, "circuit.mossy.delay"))
               + float(_param(result, "circuit.plasticity.delay_pf")))
    if np.isfinite(period):
        shifts = np.array([[phase_shift(pc_trains[j], start[s] + arrival, start[s] + slot, period)
                            for j in range(m)] for s in reads])
    else:
        shifts = np.full((reads.size, m), np.nan)
    spike_bits = shifts < -0.5 * dt / period
    queries = result["slot_address"][reads]
    numpy_sums = ref.read_sum(queries) if reads.size else np.zeros((0, m), dtype=np.int64)
    numpy_bits = numpy_sums > 0
    numpy_active = ref.active(queries) if reads.size else np.zeros((0, r), bool)
    act_agree = float(np.mean(numpy_active == read_sets)) if reads.size else float("nan")
    pattern_sums, pattern_bits = _pattern_view(addresses, values, queries, n, r, scheme,
                                               activation, radius, k)
    read_noise = noise_of[reads].astype(np.int64)
    read_target = values[pattern_of[reads]]
    levels = np.unique(read_noise)
    acc_s = np.array([np.mean(spike_bits[read_noise == v] == read_target[read_noise == v]) for v in levels])
    acc_n = np.array([np.mean(numpy_bits[read_noise == v] == read_target[read_noise == v]) for v in levels])
    acc_p = np.array([np.mean(pattern_bits[read_noise == v] == read_target[read_noise == v]) for v in levels])
    agreement = float(np.mean(spike_bits == numpy_bits)) if reads.size else float("nan")

    # 5. attention ----------------------------------------------------------------------------
    att = _attention(overlap, n, scheme, radius, k)

    # rates --------------------------------------------------------------------------------
    rest_time = rest_slots.size * slot
    pc_rest = counts_per_window(result["spikes_purkinje_t"], result["spikes_purkinje_i"],
                                start[rest_slots], slot, m)
    dcn_rest = counts_per_window(result["spikes_nuclei_t"], result["spikes_nuclei_i"],
                                 start[rest_slots], slot, m)
    dcn_read = counts_per_window(result["spikes_nuclei_t"], result["spikes_nuclei_i"],
                                 start[reads], slot, m) / slot

    return SDMAnalysis(
        n=n, r=r, m=m, scheme=scheme, activation=activation, radius=radius, k=k,
        patterns=int(addresses.shape[0]), seed=int(_param(result, "circuit.seed")),
        active=active, max_spikes_per_cell=int(counts.max()) if counts.size else 0,
        active_counts=active_counts, active_expected=active_expected, active_sd=active_sd,
        overlap=overlap, counters=counter_mem.counters, weight_change=dw, weight_scale=scale,
        ltd_ltp_ratio=float(_param(result, "circuit.plasticity.ltd_ltp_ratio")),
        weight_counter_max_error=max_err, weights_clipped=clipped, period=period, shifts=shifts,
        spike_bits=spike_bits, numpy_sums=numpy_sums, numpy_bits=numpy_bits,
        numpy_active_agreement=act_agree, pattern_sums=pattern_sums, pattern_bits=pattern_bits,
        read_noise=read_noise, read_target=read_target, noise_levels=levels,
        accuracy_spikes=acc_s, accuracy_numpy=acc_n, accuracy_pattern=acc_p,
        numpy_agreement=agreement, **att,
        pc_baseline_hz=float(pc_rest.sum() / (m * rest_time)),
        dcn_baseline_hz=float(dcn_rest.sum() / (m * rest_time)), dcn_read_hz=dcn_read,
        extra={"readout_note": readout_note} if readout_note else {},
    )


def _reference_memory(n: int, r: int, m: int, scheme: str, activation: str, radius: Any,
                      k: int | None, selected: NDArray[np.bool_], targets: NDArray[np.bool_],
                      params: dict[str, Any]) -> sdm.NeuronSDM:
    """The NumPy neuron SDM on the circuit's own hard locations."""
    if scheme == "granule":
        return sdm.NeuronSDM(targets, m, radius=0, selected=selected)
    if activation == "topk":
        return sdm.NeuronSDM(targets, m, top_k=int(params["top_k"]))
    return sdm.NeuronSDM(targets, m, radius=int(radius))


def _expected_overlap(dv: NDArray[np.int64], n: int, r: int, scheme: str, activation: str,
                      radius: Any, k: int | None) -> NDArray[np.float64]:
    if scheme == "granule":
        return np.asarray(sdm.jaeckel_intersection(n, int(k), dv, r))  # type: ignore[arg-type]
    if activation == "topk":
        return np.full(dv.shape, np.nan)  # no closed form for k-winners-take-all
    return np.asarray(sdm.expected_intersection(n, int(radius), dv, r))


def _overlap_stats(overlaps: NDArray[np.int64], dists: NDArray[np.int64], n: int, r: int,
                   scheme: str, activation: str, radius: Any, k: int | None) -> OverlapStats:
    dv = np.unique(dists)
    mean = np.array([overlaps[dists == v].mean() for v in dv])
    pairs = np.array([np.sum(dists == v) for v in dv])
    expected = _expected_overlap(dv, n, r, scheme, activation, radius, k)
    pi = expected / r
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(r * pi * (1 - pi) / pairs)
        z = np.where(se > 0, (mean - expected) / se, np.where(mean == expected, 0.0, np.inf))
    return OverlapStats(dv, mean, pairs, expected, se, z)


def _pattern_view(addresses: NDArray[np.bool_], values: NDArray[np.bool_], queries: NDArray[np.bool_],
                  n: int, r: int, scheme: str, activation: str, radius: Any, k: int | None
                  ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Pattern-view read: Σ_μ w_μ (2 v_μ − 1) with w_μ the expected intersection; bit = sum > 0."""
    if queries.shape[0] == 0:
        return np.zeros((0, values.shape[1])), np.zeros((0, values.shape[1]), bool)
    dist = sdm.hamming_distances(queries, addresses)
    table = _expected_overlap(np.arange(n + 1), n, r, scheme, activation, radius, k)
    if np.all(np.isnan(table)):  # top-k: use the radius ball as the pattern view
        table = np.asarray(sdm.expected_intersection(n, int(radius), np.arange(n + 1), r))
    w = table[dist]
    sums = w @ np.where(values, 1.0, -1.0)
    return sums, sums > 0


def _attention(ov: OverlapStats, n: int, scheme: str, radius: Any, k: int | None) -> dict[str, Any]:
    """Normalised measured overlap per distance vs softmax(β cos) with β fitted on the spikes."""
    span = 2 * int(radius) if scheme == "kanerva" else n // 2
    reach = int(radius) if scheme == "kanerva" else max(2, n // (2 * int(k)))  # type: ignore[arg-type]
    keep = (ov.dv <= span) & (ov.mean > 0)
    dv, meas = ov.dv[keep], ov.mean[keep]
    cos = np.asarray(sdm.hamming_to_cosine(dv, n))
    near = dv < reach
    note = None
    if np.unique(cos[near]).size >= 2:
        beta, _ = sdm.beta_regression(cos[near], meas[near], "ols")
    elif np.unique(cos).size >= 2:
        beta, _ = sdm.beta_regression(cos, meas, "ols")
    else:  # a legitimate run whose fit is undefined: report NaN and say why
        beta = float("nan")
        note = (f"β undefined: granule cells were shared at {np.unique(dv).size} query distance(s) only "
                "(a slope needs two)")
    if scheme == "kanerva":
        beta_theory = sdm.fit_beta(n, int(radius), dv_max=max(1, min(int(radius) - 1, n)))
        theory = np.asarray(sdm.expected_intersection(n, int(radius), dv))
    else:
        theory = np.asarray(sdm.jaeckel_intersection(n, int(k), dv))  # type: ignore[arg-type]
        try:
            beta_theory, _ = sdm.beta_regression(cos, theory, "ols")
        except ConfigError:  # the Jaeckel overlap is non-zero at one distance only: no slope
            beta_theory = float("nan")
    measured = meas / meas.sum() if meas.size else meas
    theory = theory / theory.sum() if theory.size and theory.sum() > 0 else theory
    if np.isfinite(beta):
        soft = attention.softmax(cos, beta)
        err = attention.max_abs_difference(measured[dv <= reach], soft[dv <= reach])
    else:
        soft, err = np.full(cos.shape, np.nan), float("nan")
    return dict(attention_dv=dv, attention_cos=cos, attention_measured=measured,
                attention_softmax=soft, attention_theory=theory, beta_fit=float(beta),
                beta_theory=float(beta_theory), softmax_weight_error=float(err), beta_fit_note=note)


def _by_noise(levels: NDArray[np.int64], values: NDArray[np.float64]) -> dict[int, float]:
    return {int(v): float(x) for v, x in zip(levels, values, strict=True)}


def sdm_summary(a: SDMAnalysis) -> dict[str, Any]:
    """The key numbers of an SDM run (the ``summary.json`` of ``engramlab run sdm``)."""
    ov = a.overlap
    testable = np.isfinite(ov.expected) & (ov.expected >= 5)
    max_z = float(np.max(np.abs(ov.z[testable]))) if np.any(testable) else None
    low_noise = a.read_noise <= 5
    return {
        "n": a.n,
        "r": a.r,
        "m": a.m,
        "d" if a.scheme == "kanerva" else "k": a.radius if a.scheme == "kanerva" else a.k,
        "scheme": a.scheme,
        "activation": a.activation,
        "patterns": a.patterns,
        "seed": a.seed,
        "bit_accuracy_by_noise": _by_noise(a.noise_levels, a.accuracy_spikes),
        "bit_accuracy_noise_le_5": float(np.mean(a.spike_bits[low_noise] == a.read_target[low_noise]))
        if np.any(low_noise) else None,
        "numpy_bit_accuracy_by_noise": _by_noise(a.noise_levels, a.accuracy_numpy),
        "numpy_agreement": a.numpy_agreement,
        "activation_agreement": a.numpy_active_agreement,
        "overlap_max_z": max_z,
        "overlap_distances_tested": int(np.count_nonzero(testable)),
        "softmax_weight_error": a.softmax_weight_error,
        "beta_fit": a.beta_fit,
        **({"beta_fit_note": a.beta_fit_note} if a.beta_fit_note else {}),
        **a.extra,
        "beta_theory": a.beta_theory,
        "active_mean": float(a.active_counts.mean()) if a.active_counts.size else None,
        "active_expected": a.active_expected,
        "active_sd_measured": float(a.active_counts.std()) if a.active_counts.size else None,
        "active_sd_binomial": a.active_sd,
        "max_spikes_per_granule_cell": a.max_spikes_per_cell,
        "weight_scale_pA_per_count": a.weight_scale * 1e12,
        "weight_counter_max_error_pA": a.weight_counter_max_error * 1e12,
        "weights_clipped": a.weights_clipped,
        "purkinje_period_ms": a.period * 1e3,
        "purkinje_baseline_hz": a.pc_baseline_hz,
        "dcn_baseline_hz": a.dcn_baseline_hz,
    }


def _g(x: Any) -> str:
    return "undefined" if x is None or (isinstance(x, float) and not np.isfinite(x)) else f"{x:.3g}"


def sdm_table(s: Mapping[str, Any]) -> dict[str, Any]:
    """The lines of ``summary.md`` and of ``engramlab run sdm``'s printed table."""
    what = f"radius d = {s['d']}" if s.get("scheme") == "kanerva" else f"k = {s.get('k')}"
    table: dict[str, Any] = {
        "n, r, m": f"{s['n']}, {s['r']}, {s['m']}",
        "scheme": f"{s['scheme']} ({what}), {s['activation']}",
        "patterns written": s["patterns"],
        "active granule cells (mean / expected)": f"{s['active_mean']:.1f} / {s['active_expected']:.1f}",
        "bit accuracy, queries <= 5 bits off": s["bit_accuracy_noise_le_5"],
        "agreement with NumPy SDM (all reads)": s["numpy_agreement"],
        "overlap max |z| (expected >= 5)": s["overlap_max_z"],
        "weights = -a+ × counters, max error (pA)": s["weight_counter_max_error_pA"],
        "beta fitted to spikes / theory": f"{_g(s['beta_fit'])} / {_g(s['beta_theory'])}",
        "softmax weight error (d_v <= d)": s["softmax_weight_error"],
        "Purkinje / DCN baseline (Hz)": f"{s['purkinje_baseline_hz']:.1f} / {s['dcn_baseline_hz']:.1f}",
    }
    if s.get("wall_seconds") is not None and s.get("biological_seconds") is not None:
        table["wall time (s) / biology (s)"] = f"{s['wall_seconds']:.1f} / {s['biological_seconds']:.2f}"
    return table


#: the numbers compared across pattern sets by ``repeats``
REPEAT_KEYS = ("bit_accuracy_noise_le_5", "numpy_agreement", "activation_agreement", "overlap_max_z",
               "softmax_weight_error", "beta_fit")


def repeat_summary(results: Sequence[Result]) -> dict[str, Any]:
    """Key numbers of every pattern set of a series (one Result each), with their mean and SD."""
    rows = [r.summary for r in results]
    out: dict[str, Any] = {"protocol_seeds": [int(r.params["protocol.seed"]) for r in results],
                           "rerun_seconds": [r.metadata.get("timings", {}).get("rerun") for r in results]}
    for key in REPEAT_KEYS:
        values = [np.nan if row[key] is None else float(row[key]) for row in rows]
        out[key] = values
        out[f"{key}_mean"] = float(np.mean(values))
        out[f"{key}_sd"] = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    return {"repeats": out}
