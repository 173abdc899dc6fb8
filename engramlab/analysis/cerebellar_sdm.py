r"""Spikes of the cerebellar SDM held against the SDM equations, number by number.

Reads a ``sdm`` :class:`~engramlab.results.Result` (plain arrays; no Brian2) and computes
(its summary, table and repeat comparison are in :mod:`engramlab.analysis.sdm_summary`):

1. active granule cells per presentation vs r·p(d) (or r·2^{-k}), and the measured active sets
   against the ideal ones (the Hamming ball, the top-k nearest, or Jaeckel's all-match set) of
   the presented address: ``activation_jaccard`` (|A ∩ B| / |A ∪ B|, counted over active cells);
2. measured overlaps |A(q) ∩ A(p)| vs the exact expected circle (or Jaeckel) intersection;
3. learned PF→PC weight changes vs the counters of the NumPy SDM fed the measured activation
   sets, weighted by each cell's spikes in the write (a *consistency check*: at 2:1 LTD:LTP
   the plasticity rule makes Δw = −a₊ · counter, so agreement is arithmetic, not a finding);
4. the read-out, decoded from the circuit's own output: spike counts of each output line's DCN
   cell (``readout = "dcn"``) or Purkinje cells (``"purkinje"``) in the read window against
   the same window in rest slots; in the ideal regime also the phase shift of the noiseless
   Purkinje pacemaker (``"purkinje_phase"``). ``numpy_agreement``: decoded bits vs the NumPy
   SDM read on the activation sets the spikes produced;
5. attention, out of sample: β predicted by the equations from (n, d) without looking at
   spikes (``beta_theory``), and ``attention_kl`` = mean over reads of KL(normalised spike
   overlaps with every stored pattern ‖ softmax(β_theory · cos)). β fitted to the measured
   overlaps and the softmax error on the same distances (``beta_fit``,
   ``softmax_weight_error``) are kept and labelled *in-sample*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engramlab.analysis import attention, sdm
from engramlab.analysis.readout import decode_bits, isi_cv, window_counts
from engramlab.analysis.readout_limits import count_window_scan, psychometric_fit
from engramlab.analysis.sdm.geometry import SOFT_MAX_N
from engramlab.analysis.spikes import counts_per_window, phase_shift, spike_trains, tonic_period
from engramlab.errors import ConfigError
from engramlab.results import Result
from engramlab.schedules import SLOT_KINDS

__all__ = ["OverlapStats", "SDMAnalysis", "analyse_sdm"]

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
    blurred, z_blurred : ndarray
        Kanerva scheme: the overlap a *blurred* ball implies (:func:`sdm.soft_intersection` with
        each cell's measured firing probability against its distance from the presented address,
        a fit of the blur from the same presentations), and its z-score; NaN otherwise.
    """

    dv: NDArray[np.int64]
    mean: NDArray[np.float64]
    pairs: NDArray[np.int64]
    expected: NDArray[np.float64]
    se: NDArray[np.float64]
    z: NDArray[np.float64]
    blurred: NDArray[np.float64]
    z_blurred: NDArray[np.float64]


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
    regime: str
    readout: str
    noise: dict[str, float]
    active: NDArray[np.bool_]
    spikes_per_cell: NDArray[np.int64]
    max_spikes_per_cell: int
    active_counts: NDArray[np.int64]
    active_expected: float
    active_sd: float
    activation_jaccard: float
    fire_distance: NDArray[np.int64]
    fire_probability: NDArray[np.float64]
    edge_refire: tuple[float, float]
    overlap: OverlapStats
    counters: NDArray[np.float64]
    weight_change: NDArray[np.float64]
    weight_scale: float
    ltd_ltp_ratio: float
    weight_counter_max_error: float
    weights_clipped: int
    read_slots: NDArray[np.int64]
    read_noise: NDArray[np.int64]
    read_target: NDArray[np.bool_]
    noise_levels: NDArray[np.int64]
    dcn_counts: NDArray[np.int64]
    dcn_baseline_count: float
    purkinje_counts: NDArray[np.int64]
    purkinje_baseline_count: float
    dcn_bits: NDArray[np.bool_]
    purkinje_bits: NDArray[np.bool_]
    phase_bits: NDArray[np.bool_] | None
    shifts: NDArray[np.float64] | None
    period: float
    spike_bits: NDArray[np.bool_]
    numpy_sums: NDArray[np.int64]
    numpy_bits: NDArray[np.bool_]
    ideal_sums: NDArray[np.int64]
    ideal_bits: NDArray[np.bool_]
    pattern_sums: NDArray[np.float64]
    pattern_bits: NDArray[np.bool_]
    accuracy_spikes: NDArray[np.float64]
    accuracy_dcn: NDArray[np.float64]
    accuracy_purkinje: NDArray[np.float64]
    accuracy_numpy: NDArray[np.float64]
    accuracy_ideal: NDArray[np.float64]
    accuracy_pattern: NDArray[np.float64]
    numpy_agreement: float
    agreement_by_noise: NDArray[np.float64]
    numpy_active_agreement: float
    attention_dv: NDArray[np.int64]
    attention_cos: NDArray[np.float64]
    attention_measured: NDArray[np.float64]
    attention_softmax: NDArray[np.float64]
    attention_theory: NDArray[np.float64]
    beta_fit: float
    beta_theory: float
    softmax_weight_error: float
    beta_fit_note: str | None
    attention_kl: float
    attention_kl_ideal: float
    attention_kl_reads: int
    pc_baseline_hz: float
    pc_cv: float
    dcn_baseline_hz: float
    golgi_rate_hz: float | None
    extra: dict[str, Any] = field(default_factory=dict)


def _param(result: Result, key: str) -> Any:
    try:
        return result.params[key]
    except KeyError:
        raise ConfigError("result", f"is missing parameter {key!r}; is it an sdm result?") from None


def _jaccard(a: NDArray[np.bool_], b: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Row-wise |a ∩ b| / |a ∪ b| (1 where both are empty: identical sets)."""
    inter = np.sum(a & b, axis=1)
    union = np.sum(a | b, axis=1)
    return np.where(union > 0, inter / np.maximum(union, 1), 1.0)


def analyse_sdm(result: Result) -> SDMAnalysis:
    """Run all spikes-vs-equations checks on an ``sdm`` result."""
    if result.protocol not in ("sdm", "sdm_memory"):  # sdm_memory: results saved before 0.2
        raise ConfigError("result", f"must come from the sdm protocol, got {result.protocol!r}")
    p = result.params
    n, r, m = (int(_param(result, f"circuit.{key}")) for key in ("n", "r", "m"))
    scheme = str(_param(result, "circuit.scheme"))
    activation = str(_param(result, "circuit.activation"))
    regime = str(p.get("circuit.regime", "ideal"))  # results saved before regimes were ideal
    per_line = int(p.get("circuit.purkinje_per_dcn", 1))
    dcn_cells = int(p.get("circuit.dcn_per_line", 1))  # a line's DCN cells: their spikes are summed
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
    presented = kind != REST
    ref = _reference_memory(n, r, m, scheme, activation, radius, k, selected, targets, p)

    # 1. granule activity per presentation, and against the ideal sets ----------------------------
    spikes_per_cell = counts_per_window(result["spikes_granule_t"], result["spikes_granule_i"], start, slot, r)
    active = spikes_per_cell > 0
    active_counts = active[presented].sum(1)
    if scheme == "granule":
        p_active = 2.0 ** -k  # type: ignore[operator]
    elif activation == "topk":
        p_active = float(p["top_k"]) / r
    else:
        p_active = float(sdm.ball_fraction(n, int(radius)))  # type: ignore[arg-type]
    active_expected = r * p_active
    active_sd = float(np.sqrt(r * p_active * (1 - p_active)))
    shown = result["slot_address"][presented]
    ideal_active = ref.active(shown) if shown.size else np.zeros((0, r), bool)
    jaccard = float(np.mean(_jaccard(active[presented], ideal_active))) if shown.size else float("nan")
    # firing probability against the distance of a cell's hard location from the presented address
    cell_dist = ref.distances(shown) if shown.size else np.zeros((0, r), np.int64)
    fire_d = np.unique(cell_dist)
    fire_p = np.array([active[presented][cell_dist == v].mean() for v in fire_d]) if shown.size else np.zeros(0)

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
    queries = result["slot_address"][reads]
    all_dists = sdm.hamming_distances(queries, addresses) if reads.size else np.zeros((0, addresses.shape[0]), int)
    dists = all_dists[np.arange(reads.size), source]
    edge = int(radius) + 1 if scheme == "kanerva" and radius is not None else None
    shown_kind, shown_pattern = kind[presented], pattern_of[presented]
    # successive reads of one pattern (noise 0, 1, 2, … bits): similar queries 100 ms apart
    same_source = (shown_kind[1:] == READ) & (shown_kind[:-1] == READ) & (shown_pattern[1:] == shown_pattern[:-1])
    edge_refire = _edge_refire(active[presented], cell_dist, edge, same_source)
    blur = (np.interp(np.arange(n + 1), fire_d, fire_p)
            if scheme == "kanerva" and fire_d.size and n <= SOFT_MAX_N else None)  # else: no blurred curve
    overlap = _overlap_stats(overlaps, dists, n, r, scheme, activation, radius, k, blur)

    # 3. weights vs counters (consistency check) -------------------------------------------------
    counter_mem = _reference_memory(n, r, m, scheme, activation, radius, k, selected, targets, p)
    weighted = np.zeros((r, m))
    burst = p.get("circuit.plasticity.eligibility") == "burst"
    for mu in range(addresses.shape[0]):
        counter_mem.write_active(write_sets[mu], values[mu])
        ref.write(addresses[mu], values[mu])
        spikes = spikes_per_cell[write_slot[mu]] if burst else write_sets[mu].astype(float)
        weighted += np.outer(spikes, np.where(values[mu], 1.0, -1.0))
    dw = result["weights_final"] - result["weights_initial"]
    scale = float(-(weighted.ravel() @ dw.ravel()) / (weighted.ravel() @ weighted.ravel())) \
        if np.any(weighted) else float("nan")
    a_plus = float(_param(result, "circuit.plasticity.a_plus"))
    max_err = float(np.max(np.abs(dw + a_plus * weighted))) if dw.size else 0.0
    w_max = float(_param(result, "circuit.plasticity.w_max"))
    clipped = int(np.sum((result["weights_final"] <= 0) | (result["weights_final"] >= w_max)))

    # 4. read-out from the output spikes ---------------------------------------------------------
    rest_slots = np.flatnonzero(kind == REST)
    if rest_slots.size == 0:
        raise ConfigError("protocol.rest_slots", "must be >= 1: reads are decoded against rest slots")
    arrival = (float(_param(result, "circuit.volley_time")) + float(_param(result, "circuit.mossy.delay"))
               + float(_param(result, "circuit.plasticity.delay_pf")))
    window = float(p.get("protocol.read_window", slot - arrival))
    window = min(window, slot - arrival)
    dcn_offset = arrival + float(_param(result, "circuit.nuclei.delay_pc"))
    dcn_width = min(window, slot - dcn_offset)
    dcn_all = window_counts(result["spikes_nuclei_t"], result["spikes_nuclei_i"], start, dcn_offset, dcn_width, m,
                            dcn_cells)
    pc_all = window_counts(result["spikes_purkinje_t"], result["spikes_purkinje_i"], start, arrival, window, m,
                           per_line)
    dcn_bits = decode_bits(dcn_all[reads], dcn_all[rest_slots], higher_is_one=True)
    pc_bits = decode_bits(pc_all[reads], pc_all[rest_slots], higher_is_one=False)
    period, shifts, phase_bits, readout_note = _phase_readout(result, reads, rest_slots, arrival, m, per_line, dt)
    readout = str(p.get("protocol.readout", "purkinje_phase" if regime == "ideal" else "dcn"))
    if readout == "purkinje_phase" and phase_bits is None:
        raise ConfigError("protocol.readout", "'purkinje_phase' needs noise-free Purkinje pacemakers "
                                              "(regime 'ideal')")
    spike_bits = {"dcn": dcn_bits, "purkinje": pc_bits, "purkinje_phase": phase_bits}[readout]
    assert spike_bits is not None
    numpy_sums = (read_sets.astype(np.int64) @ counter_mem.counters) if reads.size else np.zeros((0, m), np.int64)
    numpy_bits = numpy_sums > 0
    ideal_sums = ref.read_sum(queries) if reads.size else np.zeros((0, m), dtype=np.int64)
    ideal_bits = ideal_sums > 0
    numpy_active = ref.active(queries) if reads.size else np.zeros((0, r), bool)
    act_agree = float(np.mean(numpy_active == read_sets)) if reads.size else float("nan")
    pattern_sums, pattern_bits = _pattern_view(addresses, values, queries, n, r, scheme,
                                               activation, radius, k)
    read_noise = noise_of[reads].astype(np.int64)
    read_target = values[pattern_of[reads]]
    levels = np.unique(read_noise)

    def by_level(bits: NDArray[np.bool_] | None, truth: NDArray[np.bool_] = read_target) -> NDArray[np.float64]:
        if bits is None:
            return np.full(levels.shape, np.nan)
        return np.array([np.mean(bits[read_noise == v] == truth[read_noise == v]) for v in levels])

    agreement = float(np.mean(spike_bits == numpy_bits)) if reads.size else float("nan")

    # 5. attention ----------------------------------------------------------------------------
    att = _attention(overlap, n, scheme, radius, k)
    kl, kl_ideal, kl_reads = _attention_kl(read_sets, write_sets, ref, queries, addresses, all_dists, n,
                                           att["beta_theory"])

    # rates --------------------------------------------------------------------------------
    rest_time = rest_slots.size * slot
    t_rest = (float(start[rest_slots[0]]), float(start[rest_slots[-1]] + slot))
    pc_rest = counts_per_window(result["spikes_purkinje_t"], result["spikes_purkinje_i"],
                                start[rest_slots], slot, m * per_line)
    dcn_rest = counts_per_window(result["spikes_nuclei_t"], result["spikes_nuclei_i"],
                                 start[rest_slots], slot, m * dcn_cells)
    golgi_hz = None
    if "spikes_golgi_t" in result.arrays and p.get("golgi_cells"):
        golgi_hz = float(result["spikes_golgi_t"].size / (int(p["golgi_cells"]) * (float(start[-1]) + slot)))
    noise = {"background_rate_hz": float(p.get("circuit.mossy.background_rate", 0.0)),
             "jitter_ms": float(p.get("circuit.mossy.jitter", 0.0)) * 1e3
             if p.get("circuit.mossy.mode") == "burst" else 0.0,
             "spike_jitter_ms": float(p.get("circuit.mossy.spike_jitter", 0.0)) * 1e3
             if p.get("circuit.mossy.mode") == "burst" else 0.0,
             "burst_spikes": float(p.get("circuit.mossy.burst_spikes", 1))
             if p.get("circuit.mossy.mode") == "burst" else 1.0,
             "purkinje_noise_mv": float(p.get("circuit.purkinje.noise", 0.0)) * 1e3,
             "purkinje_per_dcn": float(per_line),
             "dcn_noise_mv": float(p.get("circuit.nuclei.noise", 0.0)) * 1e3,
             "dcn_per_line": float(dcn_cells)}
    extra: dict[str, Any] = {"readout_note": readout_note} if readout_note and readout == "purkinje_phase" else {}
    if reads.size:
        extra["readout_limits"] = _readout_limits(result, reads, rest_slots, numpy_sums, numpy_bits, dcn_bits,
                                                  pc_bits, arrival, dcn_offset, m, per_line, dcn_cells, slot)
    return SDMAnalysis(
        n=n, r=r, m=m, scheme=scheme, activation=activation, radius=radius, k=k,
        patterns=int(addresses.shape[0]), seed=int(_param(result, "circuit.seed")), regime=regime,
        readout=readout, noise=noise,
        active=active, spikes_per_cell=spikes_per_cell,
        max_spikes_per_cell=int(spikes_per_cell.max()) if spikes_per_cell.size else 0,
        active_counts=active_counts, active_expected=active_expected, active_sd=active_sd,
        activation_jaccard=jaccard, fire_distance=fire_d, fire_probability=fire_p,
        edge_refire=edge_refire,
        overlap=overlap, counters=weighted, weight_change=dw, weight_scale=scale,
        ltd_ltp_ratio=float(_param(result, "circuit.plasticity.ltd_ltp_ratio")),
        weight_counter_max_error=max_err, weights_clipped=clipped,
        read_slots=reads, read_noise=read_noise, read_target=read_target, noise_levels=levels,
        dcn_counts=dcn_all[reads], dcn_baseline_count=float(dcn_all[rest_slots].mean()),
        purkinje_counts=pc_all[reads], purkinje_baseline_count=float(pc_all[rest_slots].mean()),
        dcn_bits=dcn_bits, purkinje_bits=pc_bits, phase_bits=phase_bits, shifts=shifts, period=period,
        spike_bits=spike_bits, numpy_sums=numpy_sums, numpy_bits=numpy_bits,
        ideal_sums=ideal_sums, ideal_bits=ideal_bits, pattern_sums=pattern_sums, pattern_bits=pattern_bits,
        accuracy_spikes=by_level(spike_bits), accuracy_dcn=by_level(dcn_bits),
        accuracy_purkinje=by_level(pc_bits), accuracy_numpy=by_level(numpy_bits),
        accuracy_ideal=by_level(ideal_bits), accuracy_pattern=by_level(pattern_bits),
        numpy_agreement=agreement, agreement_by_noise=by_level(spike_bits, numpy_bits),
        numpy_active_agreement=act_agree, **att,
        attention_kl=kl, attention_kl_ideal=kl_ideal, attention_kl_reads=kl_reads,
        pc_baseline_hz=float(pc_rest.sum() / (m * per_line * rest_time)),
        pc_cv=isi_cv(result["spikes_purkinje_t"], result["spikes_purkinje_i"], m * per_line, *t_rest),
        dcn_baseline_hz=float(dcn_rest.sum() / (m * dcn_cells * rest_time)), golgi_rate_hz=golgi_hz,
        extra=extra,
    )


#: windows scanned by the read-out diagnostic, from the earliest arrival (s): opening offsets and widths
SCAN_OFFSETS = np.arange(0.0, 0.0201, 0.002)
SCAN_WIDTHS = np.arange(0.005, 0.0401, 0.005)


def _readout_limits(result: Result, reads: NDArray[np.int64], rests: NDArray[np.int64], sums: NDArray[np.int64],
                    numpy_bits: NDArray[np.bool_], dcn_bits: NDArray[np.bool_], pc_bits: NDArray[np.bool_],
                    arrival: float, dcn_offset: float, m: int, per_line: int, dcn_cells: int,
                    slot: float) -> dict[str, Any]:
    """Why the decoded bits differ from the NumPy SDM's: probit fits and a count-window scan (fits, in-sample).

    ``*_midpoint_counts``/``*_sd_counts``: the read sum at which each read-out is undecided and its
    noise, in counter units (``readout_limits.psychometric_fit``). ``*_best_window``: the largest
    agreement with the NumPy SDM of a count read-out of the same spikes over windows opening 0–20 ms
    after the population's own earliest arrival (the DCN's: 4 ms ``delay_pc`` later than the
    Purkinje cells') and 5–40 ms long, chosen on these reads (an in-sample estimate of what counting
    those cells can reach; the circuit's read-out uses the fixed ``read_window``).
    ``best_window_opens_ms`` is given from the earliest PF arrival at the Purkinje cells for both.
    """
    start = result["slot_start"]
    out: dict[str, Any] = {}
    for name, bits, pop, offset, cells, higher in (("dcn", dcn_bits, "nuclei", dcn_offset, dcn_cells, True),
                                                   ("purkinje", pc_bits, "purkinje", arrival, per_line, False)):
        mid, sd = psychometric_fit(bits, sums)
        offsets = SCAN_OFFSETS[offset + SCAN_OFFSETS + SCAN_WIDTHS.max() <= slot + 1e-12]
        scan = count_window_scan(result[f"spikes_{pop}_t"], result[f"spikes_{pop}_i"], start[reads], start[rests],
                                 offset, slot, numpy_bits, m, cells, higher, offsets, SCAN_WIDTHS) \
            if offsets.size else None
        out[name] = {"numpy_agreement": float(np.mean(bits == numpy_bits)),
                     "midpoint_counts": mid, "sd_counts": sd,  # NaN (no fit) is written as null
                     "best_window_agreement": scan["best_agreement"] if scan else None,
                     "best_window_opens_ms": round((offset - arrival + scan["best_offset"]) * 1e3, 3) if scan
                     else None,
                     "best_window_width_ms": round(scan["best_width"] * 1e3, 3) if scan else None}
    return out


def _phase_readout(result: Result, reads: NDArray[np.int64], rest_slots: NDArray[np.int64], arrival: float,
                   m: int, per_line: int, dt: float
                   ) -> tuple[float, NDArray[np.float64] | None, NDArray[np.bool_] | None, str | None]:
    """The ideal regime's read: phase shift of each noiseless Purkinje pacemaker (None otherwise).

    Each PC fires tonically with period T; the read's PF volley advances or delays its spikes,
    and the phase shift Δ (spikes gained, :func:`spikes.phase_shift`) is its rate change
    resolved below one spike: bit 1 when the cell lost at least half a time step of phase.
    Defined only for regular pacemakers, one per output line.
    """
    p = result.params
    if per_line != 1 or float(p.get("circuit.purkinje.noise", 0.0)) > 0:
        return float("nan"), None, None, None
    start, slot = result["slot_start"], float(p["circuit.slot"])
    pc_trains = spike_trains(result["spikes_purkinje_t"], result["spikes_purkinje_i"], m)
    try:
        period = tonic_period(pc_trains, float(start[rest_slots[0]]), float(start[rest_slots[-1]] + slot), dt)
    except ConfigError:  # silent Purkinje cells: nothing to read a pause from
        nan = np.full((reads.size, m), np.nan)
        return float("nan"), nan, nan < 0, "no read-out: the Purkinje cells fired no two spikes in the rest slots"
    shifts = np.array([[phase_shift(pc_trains[j], start[s] + arrival, start[s] + slot, period)
                        for j in range(m)] for s in reads]).reshape(reads.size, m)
    return period, shifts, shifts < -0.5 * dt / period, None


def _attention_kl(read_sets: NDArray[np.bool_], write_sets: NDArray[np.bool_], ref: sdm.NeuronSDM,
                  queries: NDArray[np.bool_], addresses: NDArray[np.bool_], dists: NDArray[np.int64], n: int,
                  beta: float) -> tuple[float, float, int]:
    """Mean KL(normalised overlaps over every stored pattern ‖ softmax(β cos)), spikes and ideal sets.

    Out of sample: β comes from the equations. Reads whose query shares no granule cell with
    any stored pattern have no normalised weights and are left out (their number is returned).
    """
    if read_sets.shape[0] == 0 or not np.isfinite(beta):
        return float("nan"), float("nan"), 0
    cos = np.asarray(sdm.hamming_to_cosine(dists, n), dtype=float)
    target = attention.softmax(cos, beta, axis=-1)

    def mean_kl(overlaps: NDArray[np.float64]) -> tuple[float, int]:
        total = overlaps.sum(axis=1)
        ok = total > 0
        if not np.any(ok):
            return float("nan"), 0
        w = overlaps[ok] / total[ok, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(w > 0, w * np.log(w / target[ok]), 0.0)
        return float(np.mean(terms.sum(axis=1))), int(ok.sum())

    spikes_kl, used = mean_kl(read_sets.astype(float) @ write_sets.T.astype(float))
    ideal_active = ref.active(queries).astype(float)
    ideal_write = ref.active(addresses).astype(float)
    ideal_kl, _ = mean_kl(ideal_active @ ideal_write.T)
    return spikes_kl, ideal_kl, used


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


def _edge_refire(active: NDArray[np.bool_], dist: NDArray[np.int64], edge: int | None,
                 pairs: NDArray[np.bool_]) -> tuple[float, float]:
    """P(fire) of cells ``edge`` bits from the address: (fired in the previous presentation, did not).

    Only presentations ``k`` with ``pairs[k - 1]`` (a read following a read of the same pattern)
    count. Equal under the independent blurred ball; a cell's own history (after-spike
    hyperpolarisation) makes them differ. NaN where undefined (no edge, no such pair).
    """
    if edge is None or active.shape[0] < 2 or not np.any(pairs):
        return float("nan"), float("nan")
    before, now, at_edge = active[:-1][pairs], active[1:][pairs], dist[1:][pairs] == edge
    after = at_edge & before
    other = at_edge & ~before
    return (float(now[after].mean()) if after.any() else float("nan"),
            float(now[other].mean()) if other.any() else float("nan"))


def _overlap_stats(overlaps: NDArray[np.int64], dists: NDArray[np.int64], n: int, r: int,
                   scheme: str, activation: str, radius: Any, k: int | None,
                   blur: NDArray[np.float64] | None = None) -> OverlapStats:
    dv = np.unique(dists)
    mean = np.array([overlaps[dists == v].mean() for v in dv])
    pairs = np.array([np.sum(dists == v) for v in dv])

    def z_of(expected: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        pi = expected / r
        with np.errstate(invalid="ignore", divide="ignore"):
            se = np.sqrt(r * pi * (1 - pi) / pairs)
            return se, np.where(se > 0, (mean - expected) / se, np.where(mean == expected, 0.0, np.inf))

    expected = _expected_overlap(dv, n, r, scheme, activation, radius, k)
    se, z = z_of(expected)
    if blur is not None and dv.size:
        blurred = np.asarray(sdm.soft_intersection(n, blur, dv, r), dtype=float)
        z_blurred = z_of(blurred)[1]
    else:
        blurred = z_blurred = np.full(dv.shape, np.nan)
    return OverlapStats(dv, mean, pairs, expected, se, z, blurred, z_blurred)


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
