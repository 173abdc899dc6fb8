"""The key numbers of a cerebellar SDM run: ``summary.json``, the printed table, repeats.

From an :class:`~engramlab.analysis.cerebellar_sdm.SDMAnalysis` (plain arrays; no Brian2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engramlab.analysis import sdm
from engramlab.analysis.cerebellar_sdm import SDMAnalysis
from engramlab.results import Result

__all__ = ["CRITICAL_RECALL", "REPEAT_KEYS", "critical_distance_optimal_radius", "measured_critical_distance",
           "repeat_summary", "sdm_summary", "sdm_table", "theory_critical_distance"]


def _by_noise(levels: NDArray[np.int64], values: NDArray[np.float64]) -> dict[int, float | None]:
    return {int(v): (float(x) if np.isfinite(x) else None) for v, x in zip(levels, values, strict=True)}


#: the recall that defines a measured critical distance (fraction of bits right)
CRITICAL_RECALL = 0.95


def measured_critical_distance(levels: NDArray[np.int64], accuracy: NDArray[np.float64]) -> int | None:
    """Largest tested query noise up to which every tested level reads ≥ 95 % of bits right (None: not even 0)."""
    ok = np.asarray(accuracy) >= CRITICAL_RECALL
    if levels.size == 0 or not ok[0] or levels[0] != 0:
        return None
    first_bad = np.flatnonzero(~ok)
    return int(levels[first_bad[0] - 1] if first_bad.size else levels[-1])


def theory_critical_distance(a: SDMAnalysis) -> int | None:
    """The SNR theory's critical distance at the same 95 % bit criterion (Kanerva radius mode only)."""
    if a.scheme != "kanerva" or a.activation != "radius" or a.radius is None or a.n > sdm.CRITICAL_MAX_N:
        return None
    cd = sdm.critical_distance(a.n, int(a.radius), a.patterns, a.r, p_whole=CRITICAL_RECALL ** a.n)
    return cd if cd >= 0 else None


def critical_distance_optimal_radius(a: SDMAnalysis) -> int | None:
    """The radius whose SNR-theory critical distance is largest for this run's n, r and patterns (same 95 % criterion).

    ``sdm.optimal_radius(..., "critical_distance")`` (Kanerva 1988; Bricken & Pehlevan 2021);
    Kanerva radius mode only. Compare ``critical_distance_spikes`` of runs at that radius
    (``--set d=...``) with the theory's.
    """
    if a.scheme != "kanerva" or a.activation != "radius" or a.n > sdm.CRITICAL_MAX_N:
        return None
    p_whole = CRITICAL_RECALL ** a.n
    d = int(sdm.optimal_radius(a.n, a.patterns, a.r, "critical_distance", p_whole=p_whole))
    # no radius recovers even a clean query: there is no optimum (as theory_critical_distance gives None)
    return d if sdm.critical_distance(a.n, d, a.patterns, a.r, p_whole=p_whole) >= 0 else None


def _agreement_within(a: SDMAnalysis, reach: int) -> float | None:
    """Decoded bits = NumPy SDM on the measured sets, over reads at most ``reach`` bits off."""
    near = a.read_noise <= reach
    return float(np.mean(a.spike_bits[near] == a.numpy_bits[near])) if np.any(near) else None


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def sdm_summary(a: SDMAnalysis) -> dict[str, Any]:
    """The key numbers of an SDM run (the ``summary.json`` of ``engramlab run sdm``).

    ``bit_accuracy_*`` are decoded by ``readout`` (the DCN cells in the realistic regime);
    ``dcn_``/``purkinje_`` prefixed accuracies are given for both output populations.
    ``beta_fit`` and ``softmax_weight_error`` are in-sample (β fitted to the same overlaps);
    ``weight_counter_max_error_pA`` is a consistency check of the plasticity rule.
    """
    ov = a.overlap
    testable = np.isfinite(ov.expected) & (ov.expected >= 5)
    max_z = float(np.max(np.abs(ov.z[testable]))) if np.any(testable) else None
    testable_blur = np.isfinite(ov.blurred) & (ov.blurred >= 5)
    max_z_blur = float(np.max(np.abs(ov.z_blurred[testable_blur]))) if np.any(testable_blur) else None
    ratio = ov.mean[testable] / ov.expected[testable] if np.any(testable) else np.zeros(0)
    low_noise = a.read_noise <= 5

    def low(bits: NDArray[np.bool_] | None) -> float | None:
        if bits is None or not np.any(low_noise):
            return None
        return float(np.mean(bits[low_noise] == a.read_target[low_noise]))

    return {
        "n": a.n,
        "r": a.r,
        "m": a.m,
        "d" if a.scheme == "kanerva" else "k": a.radius if a.scheme == "kanerva" else a.k,
        "scheme": a.scheme,
        "activation": a.activation,
        "patterns": a.patterns,
        "seed": a.seed,
        "regime": a.regime,
        "readout": a.readout,
        "noise": a.noise,
        "bit_accuracy_by_noise": _by_noise(a.noise_levels, a.accuracy_spikes),
        "bit_accuracy_noise_le_5": low(a.spike_bits),
        "dcn_bit_accuracy_noise_le_5": low(a.dcn_bits),
        "purkinje_bit_accuracy_noise_le_5": low(a.purkinje_bits),
        "numpy_bit_accuracy_by_noise": _by_noise(a.noise_levels, a.accuracy_numpy),
        "numpy_bit_accuracy_noise_le_5": low(a.numpy_bits),
        "ideal_numpy_bit_accuracy_by_noise": _by_noise(a.noise_levels, a.accuracy_ideal),
        "critical_distance_spikes": measured_critical_distance(a.noise_levels, a.accuracy_spikes),
        "critical_distance_numpy": measured_critical_distance(a.noise_levels, a.accuracy_ideal),
        "critical_distance_theory": theory_critical_distance(a),
        "critical_distance_optimal_radius": critical_distance_optimal_radius(a),
        "numpy_agreement": _finite(a.numpy_agreement),
        "numpy_agreement_by_noise": _by_noise(a.noise_levels, a.agreement_by_noise),
        "numpy_agreement_noise_le_d": _agreement_within(a, a.radius if a.radius is not None else a.n // 4),
        "activation_jaccard": _finite(a.activation_jaccard),
        "activation_agreement": _finite(a.numpy_active_agreement),
        "overlap_max_z": max_z,
        "overlap_distances_tested": int(np.count_nonzero(testable)),
        "overlap_ratio_to_intersection": _finite(float(np.mean(ratio))) if ratio.size else None,
        "overlap_max_z_blurred_ball": max_z_blur,
        "beta_theory": _finite(a.beta_theory),
        "attention_kl": _finite(a.attention_kl),
        "attention_kl_ideal_sets": _finite(a.attention_kl_ideal),
        "attention_kl_reads": a.attention_kl_reads,
        "beta_fit": _finite(a.beta_fit),
        "softmax_weight_error": _finite(a.softmax_weight_error),
        **({"beta_fit_note": a.beta_fit_note} if a.beta_fit_note else {}),
        **a.extra,
        "active_mean": float(a.active_counts.mean()) if a.active_counts.size else None,
        "active_expected": a.active_expected,
        "active_sd_measured": float(a.active_counts.std()) if a.active_counts.size else None,
        "active_sd_binomial": a.active_sd,
        "edge_fire_probability_after_firing": _finite(a.edge_refire[0]),
        "edge_fire_probability_otherwise": _finite(a.edge_refire[1]),
        "spikes_per_active_granule_cell": float(a.spikes_per_cell[a.active].mean()) if a.active.any() else None,
        "max_spikes_per_granule_cell": a.max_spikes_per_cell,
        "weight_scale_pA_per_count": a.weight_scale * 1e12,
        "weight_counter_max_error_pA": a.weight_counter_max_error * 1e12,
        "weights_clipped": a.weights_clipped,
        "purkinje_baseline_hz": a.pc_baseline_hz,
        "purkinje_cv": _finite(a.pc_cv),
        "dcn_baseline_hz": a.dcn_baseline_hz,
        "golgi_rate_hz": a.golgi_rate_hz,
        "purkinje_period_ms": _finite(a.period * 1e3),
    }


def _g(x: Any) -> str:
    return "undefined" if x is None or (isinstance(x, float) and not np.isfinite(x)) else f"{x:.3g}"


def _limits_rows(lim: Mapping[str, Any] | None) -> dict[str, str]:
    """Table rows of the read-out diagnostic (fits; the best window is chosen on the same reads)."""
    if not lim:
        return {}
    d, p = lim["dcn"], lim["purkinje"]
    return {"  fit: read sum where undecided / noise SD, counts (DCN; Purkinje)":
            f"{_g(d['midpoint_counts'])} / {_g(d['sd_counts'])}; {_g(p['midpoint_counts'])} / {_g(p['sd_counts'])}",
            "  in-sample: agreement of the best count window (DCN; Purkinje)":
            f"{_g(d['best_window_agreement'])} ({_g(d['best_window_opens_ms'])}+{_g(d['best_window_width_ms'])} ms); "
            f"{_g(p['best_window_agreement'])} ({_g(p['best_window_opens_ms'])}+{_g(p['best_window_width_ms'])} ms)"}


def sdm_table(s: Mapping[str, Any]) -> dict[str, Any]:
    """The lines of ``summary.md`` and of ``engramlab run sdm``'s printed table."""
    what = f"radius d = {s['d']}" if s.get("scheme") == "kanerva" else f"k = {s.get('k')}"
    noise = s.get("noise", {})
    regime = s.get("regime", "ideal")
    if regime == "realistic":
        regime += (f" (MF background {noise.get('background_rate_hz', 0):g} Hz, jitter "
                   f"{noise.get('jitter_ms', 0):g} ms, PC noise {noise.get('purkinje_noise_mv', 0):g} mV, "
                   f"{noise.get('purkinje_per_dcn', 1):g} PCs per DCN"
                   + (f", {noise.get('dcn_per_line', 1):g} DCN cells per line with "
                      f"{noise.get('dcn_noise_mv', 0):g} mV noise" if noise.get("dcn_per_line", 1) > 1 else "")
                   + ")")
    table: dict[str, Any] = {
        "n, r, m": f"{s['n']}, {s['r']}, {s['m']}",
        "scheme": f"{s['scheme']} ({what}), {s['activation']}",
        "regime": regime,
        "patterns written": s["patterns"],
        "active granule cells (mean / expected)": f"{_g(s['active_mean'])} / {s['active_expected']:.1f}",
        "active sets vs ideal sets (Jaccard)": s.get("activation_jaccard"),
        f"bit accuracy, queries <= 5 bits off ({s.get('readout', 'purkinje_phase')})": s["bit_accuracy_noise_le_5"],
        "  DCN / Purkinje counts": f"{_g(s.get('dcn_bit_accuracy_noise_le_5'))} / "
                                   f"{_g(s.get('purkinje_bit_accuracy_noise_le_5'))}",
        "  NumPy SDM on the measured sets": s.get("numpy_bit_accuracy_noise_le_5"),
        "agreement with NumPy SDM on the measured sets (all reads / reads <= d bits off)":
            f"{_g(s['numpy_agreement'])} / {_g(s.get('numpy_agreement_noise_le_d'))}",
        **_limits_rows(s.get("readout_limits")),
        "critical distance, bits (spikes / NumPy ideal sets / SNR theory)":
            f"{_g(s.get('critical_distance_spikes'))} / {_g(s.get('critical_distance_numpy'))} / "
            f"{_g(s.get('critical_distance_theory'))}",
        "  radius with the largest theoretical critical distance": s.get("critical_distance_optimal_radius"),
        "overlap max |z| (expected >= 5)": s["overlap_max_z"],
        "  measured / intersection; max |z| vs the blurred ball (blur fitted)":
            f"{_g(s.get('overlap_ratio_to_intersection'))}; {_g(s.get('overlap_max_z_blurred_ball'))}",
        "attention: beta predicted / KL(spikes || softmax)": f"{_g(s.get('beta_theory'))} / "
                                                              f"{_g(s.get('attention_kl'))}",
        "  KL of the ideal sets (the SDM's own approximation)": s.get("attention_kl_ideal_sets"),
        "in-sample: beta fitted / softmax weight error": f"{_g(s['beta_fit'])} / {_g(s['softmax_weight_error'])}",
        "consistency check: weights = -a+ × counters, max error (pA)": s["weight_counter_max_error_pA"],
        "Purkinje rate (Hz) / CV, DCN rate (Hz)": f"{s['purkinje_baseline_hz']:.1f} / {_g(s.get('purkinje_cv'))}, "
                                                  f"{s['dcn_baseline_hz']:.1f}",
    }
    if s.get("wall_seconds") is not None and s.get("biological_seconds") is not None:
        table["wall time (s) / biology (s)"] = f"{s['wall_seconds']:.1f} / {s['biological_seconds']:.2f}"
    return table


#: the numbers compared across pattern sets by ``repeats``
REPEAT_KEYS = ("bit_accuracy_noise_le_5", "numpy_agreement", "activation_jaccard", "overlap_max_z",
               "attention_kl", "softmax_weight_error", "beta_fit")


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
