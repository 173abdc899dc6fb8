"""The key numbers of an eyeblink run: ``summary.json``, the printed table, the ISI comparison.

From an :class:`~engramlab.analysis.eyeblink.EyeblinkAnalysis` (plain arrays; no Brian2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from engramlab.analysis.eyeblink import ACQ, EXT, REACQ, EyeblinkAnalysis
from engramlab.results import Result

__all__ = ["CRITERION_PERCENT", "adaptive_timing", "eyeblink_summary", "eyeblink_table", "trials_to_criterion"]


#: savings criterion: two consecutive blocks with at least this % CRs
CRITERION_PERCENT = 50.0


def trials_to_criterion(percent_by_block: Sequence[float], block: int, trials: int | None = None) -> int | None:
    """Trials until the end of the first two consecutive blocks with ≥ 50 % CRs (None: never).

    ``trials``: the phase's number of trials, so a short last block counts its real length.
    """
    for k in range(len(percent_by_block) - 1):
        if percent_by_block[k] >= CRITERION_PERCENT and percent_by_block[k + 1] >= CRITERION_PERCENT:
            end = (k + 2) * block
            return min(end, trials) if trials is not None else end
    return None


def _or_none(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _ms_or_none(x: float) -> float | None:
    return float(x) * 1e3 if np.isfinite(x) else None


def eyeblink_summary(a: EyeblinkAnalysis) -> dict[str, Any]:
    """Key numbers (the ``summary.json`` of ``engramlab run eyeblink``)."""
    out: dict[str, Any] = {
        "isi_ms": a.isi * 1e3,
        "trials": int(np.sum(a.phase == ACQ)),
        "cr_percent_by_block": a.cr_percent_by_block,
        "last_block_cr_percent": a.cr_percent_by_block[-1] if a.cr_percent_by_block else None,
        "pause_min_ms": a.last_block_pause_min * 1e3,
        "pause_depth_hz": a.last_block_pause_depth,
        "us_onset_ms": a.isi * 1e3,
        "cr_onset_ms": a.cr_onset_last_block * 1e3,
        "cr_threshold_hz": a.threshold,
        "cr_threshold_source": a.extra.get("cr_threshold_source"),
        "spontaneous_false_cr_percent": a.extra.get("spontaneous_false_cr_percent"),
        "purkinje_baseline_hz": a.pc_baseline_hz,
        "dcn_baseline_hz": a.dcn_baseline_hz,
        "probe_trials": int(a.probe_trials.size),
        "probe_duration_ms": a.probe_duration * 1e3,
        "probe_pause_min_ms": _ms_or_none(a.probe_pause_min),
        "probe_drive_change_min_ms": _ms_or_none(a.probe_drive_change_min),
        "probe_rate_at_isi_hz": _or_none(a.probe_rate_at_isi_hz),
        "probe_recovery_rate_hz": _or_none(a.probe_recovery_rate_hz),
        "baseline_rate_hz": _or_none(a.probe_baseline_hz),
        "isis_ms": [v * 1e3 for v in a.isis],
        "probe_pause_minima_ms": [None if v is None else v * 1e3 for v in a.probe_minima],
        "probe_pause_minima_depth_hz": a.probe_minima_depth_hz,
    }
    if a.lesion:
        out["lesion"] = a.lesion
    if a.olive:
        out["olive_us_spikes_by_block"] = a.olive["us_spikes_by_block"]
        out["olive_baseline_hz"] = a.olive["baseline_hz"]
        out["olive_extinction_cs_hz"] = a.olive["extinction_cs_hz"]
        out["olive_extinction_cs_hz_by_block"] = a.olive.get("extinction_cs_hz_by_block", [])
    if np.any(a.phase == REACQ):
        acq = trials_to_criterion(a.cr_percent_by_block, a.block, int(np.sum(a.phase == ACQ)))
        re = trials_to_criterion(a.reacquisition_cr_percent_by_block, a.block, int(np.sum(a.phase == REACQ)))
        # savings: reacquisition reaches the criterion in fewer trials (or at all, when acquisition never did)
        if re is None:
            saved: bool | None = False if acq is not None else None
        else:
            saved = acq is None or re < acq
        out["savings"] = {"acquisition_trials_to_criterion": acq, "reacquisition_trials_to_criterion": re,
                          "savings": saved}
    if np.any(a.phase == EXT):
        out["extinction_cr_percent_by_block"] = a.extinction_cr_percent_by_block
    if np.any(a.phase == REACQ):
        out["reacquisition_cr_percent_by_block"] = a.reacquisition_cr_percent_by_block
    return out


def adaptive_timing(results: Sequence[Result]) -> dict[str, Any]:
    """The series summary of runs at several ISIs: each ISI's pause minimum and %CR per block."""
    return {"adaptive_timing": [{k: r.summary[k] for k in ("isi_ms", "pause_min_ms", "cr_percent_by_block")}
                                for r in results]}


def eyeblink_table(s: Mapping[str, Any]) -> dict[str, Any]:
    """The lines of ``summary.md`` and of ``engramlab run eyeblink``'s printed table."""
    def pct(values: Sequence[float]) -> str:
        return ", ".join(f"{v:.0f}" for v in values)

    table: dict[str, Any] = {}
    isis = s.get("isis_ms") or [s["isi_ms"]]
    tag = f"ISI {s['isi_ms']:.0f} ms" if len(isis) == 1 else "ISIs " + " + ".join(f"{v:.0f}" for v in isis) + " ms"
    table[f"{tag}: %CR per block"] = pct(s["cr_percent_by_block"])
    table[f"{tag}: pause minimum (ms after CS) / US"] = f"{s['pause_min_ms']:.0f} / {s['us_onset_ms']:.0f}"
    table[f"{tag}: CR onset (median, last block, ms)"] = s["cr_onset_ms"]
    if s.get("probe_trials"):
        def g(x: Any, fmt: str = ".0f") -> str:
            return "—" if x is None else format(x, fmt)
        table[f"{tag}: extended probes ({s['probe_trials']}, tone {s['probe_duration_ms']:.0f} ms): "
              "pause minimum (ms)"] = g(s["probe_pause_min_ms"])
        table[f"{tag}: probe Purkinje rate at ISI / ISI+150-300 ms / baseline (Hz)"] = (
            f"{g(s['probe_rate_at_isi_hz'], '.1f')} / {g(s['probe_recovery_rate_hz'], '.1f')} / "
            f"{g(s['baseline_rate_hz'], '.1f')}")
    if "extinction_cr_percent_by_block" in s:
        table[f"{tag}: extinction %CR"] = pct(s["extinction_cr_percent_by_block"])
    if "reacquisition_cr_percent_by_block" in s:
        table[f"{tag}: reacquisition %CR"] = pct(s["reacquisition_cr_percent_by_block"])
    if len(s.get("isis_ms", [])) > 1 and len(s.get("probe_pause_minima_ms", [])) == len(s["isis_ms"]):
        pairs = ", ".join(f"{isi:.0f} → {'none' if t is None else f'{t:.0f}'}"
                          for isi, t in zip(s["isis_ms"], s["probe_pause_minima_ms"], strict=True))
        table["mixed ISIs: probe rate minimum nearest each ISI (ms)"] = pairs
    if s.get("olive_us_spikes_by_block"):
        table[f"{tag}: olive complex spikes per cell per US, by block"] = ", ".join(
            f"{v:.2f}" for v in s["olive_us_spikes_by_block"])
    if s.get("lesion"):
        les = s["lesion"]
        table[f"{tag}: lesion probes ({les['trials']}): %CR / any response / DCN rate pre-CS, CS (Hz)"] = (
            f"{les['cr_percent']:.0f} / {les['response_percent']:.0f} / {les['dcn_baseline_hz']:.0f}, "
            f"{les['dcn_cs_hz']:.0f}")
    if s.get("wall_seconds") is not None:
        table["wall time (s)"] = s["wall_seconds"]
    return table
