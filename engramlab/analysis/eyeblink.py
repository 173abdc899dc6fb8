r"""Eyeblink conditioning from spikes: peri-stimulus rates, the Purkinje pause, conditioned responses.

CR rule (after Geminiani et al. 2022; docs/equations.md §5.9): the DCN population rate, averaged
over the trailing 100 ms and baseline-subtracted (baseline: the pre-CS window), must cross
``threshold`` after the first 100 ms of the CS and stay above it for at least 75 % of the time
left before the US. The average at time t uses only the 100 ms up to t (as in Geminiani et al.'s
analysis, which times a crossing at the end of its moving window), so a response is never seen
before it starts, and the unconditioned response after the US never enters the CR window. The
default threshold is 5 SD of that signal measured on CS-free stretches of the same run
(:func:`spontaneous_threshold`). The learned Purkinje pause is the minimum of the Purkinje
population rate (Gaussian-smoothed, σ = 20 ms, baseline-subtracted) between CS onset and CS offset, averaged
over the last block: all trials before the US, CS-alone probes after it (the US's complex
spikes perturb the Purkinje cells on paired trials); its time is the middle of the trough
(:func:`pause_trough_time`), which for a pause that silences the cells is the middle of the
silent stretch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import gaussian_filter1d

from engramlab.analysis.spikes import counts_between, population_counts
from engramlab.errors import ConfigError
from engramlab.results import Result
from engramlab.schedules import PHASES

ACQ, EXT, REACQ = PHASES["acquisition"], PHASES["extinction"], PHASES["reacquisition"]
LESION = PHASES["lesion"]

#: s; the CR signal averages the DCN rate over this window before the US (the default ``smooth_s``)
CR_WINDOW = 0.1
#: s; pre-CS baseline the fallback CR threshold needs: two CR windows (:func:`cr_threshold`)
FALLBACK_BASELINE = 2 * CR_WINDOW

__all__ = [
    "EyeblinkAnalysis",
    "analyse_eyeblink",
    "cr_threshold",
    "detect_cr",
    "pause_trough_time",
    "probe_drive_change",
    "spontaneous_room",
    "spontaneous_stretches",
    "spontaneous_threshold",
    "trailing_mean",
    "trial_rates",
]


def trial_rates(t: NDArray[np.float64], i: NDArray[np.int64], starts: NDArray[np.float64],
                offset: float, window: tuple[float, float], bin_s: float, cells: int,
                select: NDArray[np.bool_] | None = None) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Population rate (Hz per cell) per trial in bins, aligned to ``start + offset``.

    Returns ``(time axis relative to the alignment point, rates of shape (trials, bins))``.
    ``select`` restricts to neurons where it is True.
    """
    lo, hi = window
    edges = np.arange(lo, hi + bin_s / 2, bin_s)
    tt = np.asarray(t)
    ii = np.asarray(i)
    if select is not None:
        keep = select[ii]
        tt, ii = tt[keep], ii[keep]
        cells = int(select.sum())
    out = population_counts(tt, np.asarray(starts, dtype=float) + offset, edges)
    return 0.5 * (edges[1:] + edges[:-1]), out / (bin_s * max(cells, 1))


def trailing_mean(x: NDArray[np.float64], keep: NDArray[np.float64], width: int) -> NDArray[np.float64]:
    """Mean of ``x`` over the ``width`` bins ending at each bin, counting only bins where ``keep`` is 1.

    Written out with cumulative sums because scipy's moving filters are centred (an ``origin``
    shift would do it too, but hides which bins a value uses). NaN where no bin counts.
    """
    pad = [(0, 0)] * (x.ndim - 1) + [(1, 0)]
    total = np.cumsum(np.pad(np.where(keep > 0, x, 0.0), pad), axis=-1)  # a NaN in a masked bin stays out
    count = np.cumsum(np.pad(keep, pad), axis=-1)
    lag = np.maximum(np.arange(1, x.shape[-1] + 1) - width, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (total[..., 1:] - total[..., lag]) / (count[..., 1:] - count[..., lag])


def _pre_us_signal(rate: NDArray[np.float64], axis: NDArray[np.float64], isi: float, smooth_s: float,
                   bin_s: float) -> NDArray[np.float64]:
    """DCN rate averaged over the trailing ``smooth_s`` (bins before the US only), minus its pre-CS mean.

    A CR is scored on what happens before the US: the unconditioned response (the US's complex
    spikes and the Purkinje burst they cause) never enters the CR window, and a trailing average
    never shows a response before it starts (a centred 100 ms boxcar rises 50 ms early, which at
    ISI 150 ms put most learned responses "above threshold at 100 ms").
    """
    width = max(1, round(smooth_s / bin_s))
    smooth = trailing_mean(rate, (axis < isi).astype(float), width)
    base = np.nanmean(smooth[axis < 0]) if np.any(axis < 0) else 0.0
    return smooth - base


def detect_cr(rate: NDArray[np.float64], axis: NDArray[np.float64], isi: float, threshold: float,
              smooth_s: float = CR_WINDOW, bin_s: float = 0.005) -> tuple[bool, float]:
    """Apply the CR rule to one trial's DCN rate (Hz) on ``axis`` (s, 0 = CS onset).

    Returns ``(is_cr, onset)`` with onset in s after CS onset (NaN when there is no CR).
    """
    signal = _pre_us_signal(rate, axis, isi, smooth_s, bin_s)
    window = (axis >= 0.1) & (axis < isi)
    if not np.any(window):
        return False, float("nan")
    above = signal[window] > threshold
    # the response must *cross* the threshold after the first 100 ms: one already above it at
    # 100 ms started too early (a short-latency response, not a conditioned one)
    if above.size == 0 or above[0] or not np.any(above):
        return False, float("nan")
    first = int(np.argmax(above))
    rest = above[first:]
    if rest.mean() >= 0.75:
        return True, float(axis[window][first])
    return False, float("nan")


@dataclass
class EyeblinkAnalysis:
    """Per-trial rates, CRs and pause timing of an eyeblink run."""

    isi: float
    trials: int
    axis: NDArray[np.float64]
    pc_rate: NDArray[np.float64]
    dcn_rate: NDArray[np.float64]
    phase: NDArray[np.int8]
    paired: NDArray[np.bool_]
    cr: NDArray[np.bool_]
    cr_onset: NDArray[np.float64]
    threshold: float
    block: int
    cr_percent_by_block: list[float]
    extinction_cr_percent_by_block: list[float]
    reacquisition_cr_percent_by_block: list[float]
    pause_depth: NDArray[np.float64]
    pause_time: NDArray[np.float64]
    last_block_rate: NDArray[np.float64]
    last_block_pause_min: float
    last_block_pause_depth: float
    cr_onset_last_block: float
    pc_baseline_hz: float
    dcn_baseline_hz: float
    cs_duration: float
    extra: dict[str, Any]
    probe_duration: float = float("nan")
    probe_trials: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    probe_rate: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    probe_baseline_hz: float = float("nan")
    probe_pause_min: float = float("nan")
    probe_rate_at_isi_hz: float = float("nan")
    probe_recovery_rate_hz: float = float("nan")
    probe_minima: list[float | None] = field(default_factory=list)
    probe_minima_depth_hz: list[float | None] = field(default_factory=list)
    probe_drive_change: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    probe_drive_change_min: float = float("nan")
    isis: list[float] = field(default_factory=list)
    lesion: dict[str, Any] = field(default_factory=dict)
    olive: dict[str, Any] = field(default_factory=dict)


def _percent_by_block(cr: NDArray[np.bool_], block: int) -> list[float]:
    return [float(100 * cr[k:k + block].mean()) for k in range(0, cr.size - block + 1, block)] + (
        [float(100 * cr[cr.size - cr.size % block:].mean())] if cr.size % block else [])


def _masked_smooth(x: NDArray[np.float64], keep: NDArray[np.float64],
                   smooth: Callable[[NDArray[np.float64]], NDArray[np.float64]]) -> NDArray[np.float64]:
    """Smooth ``x`` using only the bins where ``keep`` is 1 (normalised convolution); NaN elsewhere."""
    with np.errstate(invalid="ignore", divide="ignore"):
        out = smooth(x * keep) / smooth(keep)
    return np.where(keep > 0, out, np.nan)


def pause_trough_time(t: NDArray[np.float64], rel: NDArray[np.float64], tolerance: float = 0.02) -> float:
    """Time of a pause's minimum: the middle of the trough around the lowest point.

    The trough is the contiguous stretch around ``argmin(rel)`` where the rate stays within
    ``tolerance`` × depth of its minimum. For a pause with a single lowest point this is that
    point; for one that silences the cells for a while (a flat floor at 0 Hz) it is the floor's
    middle rather than whichever floor bin happens to come first.
    """
    k = int(np.argmin(rel))
    low = float(rel[k])
    depth = max(-low, 0.0)
    near = rel <= low + tolerance * depth
    a = k
    while a > 0 and near[a - 1]:
        a -= 1
    b = k
    while b < rel.size - 1 and near[b + 1]:
        b += 1
    return float(0.5 * (t[a] + t[b]))


def cr_threshold(dcn_rate: NDArray[np.float64], axis: NDArray[np.float64], bin_s: float = 0.005,
                 smooth_s: float = CR_WINDOW, sds: float = 5.0) -> float:
    """Fallback CR threshold from the pre-CS baseline: ``sds`` SDs of the CR signal, estimated.

    Used only when the recovery leaves no CS-free stretch (:func:`spontaneous_threshold` is the
    default). The last two ``smooth_s`` windows before the CS give each trial an independent
    difference of means, m2 - m1; with white noise the CR signal (a ``smooth_s`` mean minus the
    mean of an L-long baseline) has SD(y) = SD(m2 - m1) * sqrt((1 + smooth_s / L) / 2), the SD
    pooled over trials. Measured on the default runs of 2026-12-03 (ISI 150-600 ms, seed 0, the
    LTP step and olive of then): 18.1-26.1 Hz against 18.7-31.1 Hz from the CS-free stretches
    (20 ms kernel: 20.2-25.5 vs 20.8-24.4 Hz); the defaults since 2026-12-05 give 17.1-20.1 Hz
    from the CS-free stretches (seeds 0-2).
    Until 2026-12-03 the default was 5 SD of a *centred*
    boxcar padded with copies of the first bin at the record's edge (25.7-30.2 Hz there): an
    artefact, not a measurement.
    """
    width = max(1, round(smooth_s / bin_s))
    pre = dcn_rate[:, axis < 0]
    if pre.shape[1] < 2 * width:
        raise ConfigError("protocol.cs_onset", f"must be >= {2 * smooth_s * 1e3:.0f} ms for the CR threshold when "
                          "the recovery leaves no CS-free stretch; lengthen either, or give threshold")
    diff = pre[:, -width:].mean(1) - pre[:, -2 * width:-width].mean(1)
    return float(sds * np.std(diff) * np.sqrt((1 + width / pre.shape[1]) / 2))


def analyse_eyeblink(result: Result, threshold: float | None = None, block: int = 10,
                     bin_s: float = 0.005) -> EyeblinkAnalysis:
    """CRs per trial, %CR per block, Purkinje pause timing and depth, from an eyeblink Result.

    ``threshold`` is the DCN rate increase (Hz above the pre-CS baseline) that counts as a CR;
    by default 5 SD of the CR signal on CS-free stretches of the same run
    (:func:`spontaneous_threshold`; :func:`cr_threshold` when the recovery is too short for them).
    The rule applied to those stretches gives ``spontaneous_false_cr_percent``: an in-sample
    check of its false-positive rate (the threshold comes from the same stretches).
    """
    if result.protocol != "eyeblink":
        raise ConfigError("result", f"must come from the eyeblink protocol, got {result.protocol!r}")
    p = result.params
    isi = float(p["protocol.isi"])
    onset = float(p["protocol.cs_onset"])
    cs_dur = float(p["cs_duration"])
    period = float(p.get("trial_period") or p["protocol.trial_period"])  # resolved period (since 0.2)
    probe_dur = float(p.get("probe_duration", cs_dur))
    m, n_dcn = int(p["circuit.m"]), int(p["circuit.n_dcn"])
    starts = result["trial_start"]
    window = (-onset, min(period - onset, max(cs_dur, probe_dur) + 0.2))
    axis, pc = trial_rates(result["spikes_purkinje_t"], result["spikes_purkinje_i"], starts, onset,
                           window, bin_s, m)
    _, dcn = trial_rates(result["spikes_nuclei_t"], result["spikes_nuclei_i"], starts, onset,
                         window, bin_s, n_dcn)
    phase, paired = result["trial_phase"], result["trial_paired"]
    isis = [float(v) for v in p.get("isis", [isi])]
    isi = min(isis)  # mixed ISIs: the training-tone pause is read against the first US
    trial_isi = result["trial_isi"] if "trial_isi" in result else np.full(len(starts), isi)
    # CS-free stretches as long as the longest ISI where the recovery allows (the false-CR rate
    # needs the whole window); the null SD of the CR signal needs only its tested bins, so a
    # shorter stretch still gives the threshold
    null_length = min(max(max(isis), SHORTEST_NULL), _room(result))
    spont = spontaneous_stretches(result, null_length, bin_s) if null_length >= SHORTEST_NULL else None
    threshold_source = "given"
    if threshold is None and spont is not None:
        threshold, threshold_source = spontaneous_threshold(*spont, null_length, bin_s), "spontaneous"
    elif threshold is None:  # from intact trials: a lesion frees the DCN and changes its fluctuations
        intact = phase != LESION
        threshold = cr_threshold(dcn[intact] if np.any(intact) else dcn, axis, bin_s)
        threshold_source = "pre-CS"
    crs, onsets = zip(*(detect_cr(dcn[k], axis, float(trial_isi[k]), threshold, bin_s=bin_s)
                        for k in range(len(starts))),
                      strict=True) if len(starts) else ((), ())
    cr = np.array(crs, dtype=bool)
    cr_onset = np.array(onsets, dtype=float)
    # smoothed Purkinje rates; on paired trials only the bins before the US enter the kernel,
    # so the US-evoked complex spikes cannot leak backwards into the pause
    keep = np.ones_like(pc)
    pd = np.asarray(paired, dtype=bool)
    keep[pd] = (axis[None, :] < trial_isi[pd][:, None]).astype(float)
    sdf = _masked_smooth(pc, keep, lambda x: gaussian_filter1d(x, 0.02 / bin_s, axis=-1, mode="nearest"))
    base = sdf[:, axis < 0].mean(1, keepdims=True)
    in_cs = (axis >= 0) & (axis <= cs_dur)
    rel = sdf[:, in_cs] - base
    pause_depth = -np.nanmin(rel, axis=1)
    pause_time = axis[in_cs][np.nanargmin(rel, axis=1)]
    acq = phase == ACQ
    acq_idx = np.flatnonzero(acq)
    last = acq_idx[-block:] if acq_idx.size else acq_idx
    if last.size:
        # average over the last block: every trial before the US, CS-alone trials after it
        # (on paired trials the US's complex spikes perturb the Purkinje cells); one baseline
        # for both parts, so the probes' own baselines cannot fake a minimum after the US
        probes = last[~paired[last]]
        after_us = axis >= isi
        last_rate = sdf[last].mean(0)
        last_rate = np.where(after_us, sdf[probes].mean(0) if probes.size else np.nan, last_rate)
        t_cs = axis[in_cs]
        mean_rel = last_rate[in_cs] - float(base[last].mean())
        mean_rel = np.where(np.isnan(mean_rel), np.inf, mean_rel)
        pause_min = pause_trough_time(t_cs, mean_rel)
        pause_d = float(-np.min(mean_rel))
    else:
        pause_min = pause_d = float("nan")
        last_rate = np.full(axis.size, np.nan)
    last_onsets = cr_onset[last][cr[last]]
    probe = _probe_stats(result, axis, sdf, acq_idx, max(isis), probe_dur, block, isis)
    lesion = _lesion_stats(phase, cr, cr_onset, dcn, axis, trial_isi, threshold, bin_s)
    false_cr = None if spont is None or null_length < max(isis) else float(100 * np.mean(
        [detect_cr(r, spont[0], max(isis), threshold, bin_s=bin_s)[0] for r in spont[1]]))
    olive = _olive_stats(result, starts, onset, trial_isi, phase, paired, m, block)
    return EyeblinkAnalysis(
        isi=isi, trials=len(starts), axis=axis, pc_rate=pc, dcn_rate=dcn, phase=phase,
        paired=paired, cr=cr, cr_onset=cr_onset, threshold=threshold, block=block,
        cr_percent_by_block=_percent_by_block(cr[acq], block),
        extinction_cr_percent_by_block=_percent_by_block(cr[phase == EXT], block),
        reacquisition_cr_percent_by_block=_percent_by_block(cr[phase == REACQ], block),
        pause_depth=pause_depth, pause_time=pause_time, last_block_rate=last_rate,
        last_block_pause_min=pause_min,
        last_block_pause_depth=pause_d,
        cr_onset_last_block=float(np.median(last_onsets)) if last_onsets.size else float("nan"),
        pc_baseline_hz=float(pc[phase != LESION][:, axis < 0].mean()),
        dcn_baseline_hz=float(dcn[phase != LESION][:, axis < 0].mean()),
        cs_duration=cs_dur, extra={"spontaneous_false_cr_percent": false_cr, "cr_threshold_source": threshold_source},
        probe_duration=probe_dur, lesion=lesion, isis=isis, olive=olive, **probe)


#: smallest prominence (Hz) of a local minimum of the probe rate that counts as a pause
MINIMUM_PROMINENCE_HZ = 3.0


#: a local minimum of the probe rate belongs to an ISI only within this distance of it (s)
MINIMUM_TOLERANCE = 0.1


def _minima_near(t: NDArray[np.float64], rel: NDArray[np.float64], isis: Sequence[float]
                 ) -> tuple[list[float | None], list[float | None]]:
    """For each ISI, a local minimum of ``rel`` within ``MINIMUM_TOLERANCE`` (time, depth below 0).

    Each minimum serves at most one ISI (pairs are taken closest first), so one dip between two
    ISIs is not reported as two pauses; None where no minimum is near.
    """
    from scipy.signal import find_peaks
    idx, _ = find_peaks(-rel, prominence=MINIMUM_PROMINENCE_HZ)
    times: list[float | None] = [None] * len(isis)
    depths: list[float | None] = [None] * len(isis)
    pairs = sorted((abs(float(t[k]) - isi), j, int(k)) for j, isi in enumerate(isis) for k in idx
                   if abs(float(t[k]) - isi) <= MINIMUM_TOLERANCE)
    used: set[int] = set()
    for _, j, k in pairs:
        if times[j] is None and k not in used:
            times[j], depths[j] = float(t[k]), float(-rel[k])
            used.add(k)
    return times, depths


#: extended probe: the recovery window after the ISI in which the Purkinje rate should be back
RECOVERY_WINDOW = (0.15, 0.30)


def first_crossing(rate: NDArray[np.float64], axis: NDArray[np.float64], isi: float, threshold: float,
                   smooth_s: float = CR_WINDOW, bin_s: float = 0.005) -> float:
    """First time (s after CS onset) the smoothed DCN rate rises ``threshold`` above its baseline.

    Searched before the US time; NaN if it never does. Any response counts, short-latency ones
    included (unlike :func:`detect_cr`).
    """
    window = (axis >= 0) & (axis < isi)
    above = _pre_us_signal(rate, axis, isi, smooth_s, bin_s)[window] > threshold
    return float(axis[window][int(np.argmax(above))]) if np.any(above) else float("nan")


#: a stretch of the recovery counts as spontaneous only this long after the previous tone ended (s)
SPONTANEOUS_AFTER_TONE = 0.4
#: a CS-free stretch ends this long before the next trial starts (s)
SPONTANEOUS_BEFORE_TRIAL = 0.05
#: the shortest fake-CS window a threshold is measured on: 50 ms of tested bins after the first 100 ms (s)
SHORTEST_NULL = 0.15


def spontaneous_room(period: float, cs_onset: float, longest_tone: float) -> float:
    """Longest fake-CS window (s after the fake CS) that fits in every recovery.

    The stretch (``cs_onset`` of pre-"CS" baseline, then the window) must begin
    ``SPONTANEOUS_AFTER_TONE`` after the previous trial's longest tone ended and end
    ``SPONTANEOUS_BEFORE_TRIAL`` before the next trial starts.
    """
    return period - SPONTANEOUS_BEFORE_TRIAL - cs_onset - (cs_onset + longest_tone + SPONTANEOUS_AFTER_TONE)


def _room(result: Result) -> float:
    p = result.params
    tone = float(p["cs_duration"])
    if "trial_probe" in result and np.any(result["trial_probe"]):
        tone = max(tone, float(p.get("probe_duration", tone)))
    return spontaneous_room(float(p.get("trial_period") or p["protocol.trial_period"]),
                            float(p["protocol.cs_onset"]), tone)


def spontaneous_stretches(result: Result, length: float, bin_s: float = 0.005
                          ) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """DCN rates on CS-free stretches of the recovery, laid out like trials: ``(axis, rates)``.

    A fake CS is placed late in each recovery so that its trial window ([-cs_onset, length)
    around it) ends ``SPONTANEOUS_BEFORE_TRIAL`` before the next trial starts; nothing is
    presented in it. Lesion trials and the trials right after them are left out (the cut
    inhibition changes the DCN), and so is the first trial (no recovery before it). None when
    the recovery is too short (:func:`spontaneous_room`) or no trial is left.
    """
    p = result.params
    onset = float(p["protocol.cs_onset"])
    if length > _room(result) + 1e-9:
        return None
    phase = result["trial_phase"]
    keep = np.flatnonzero((phase != LESION) & (np.roll(phase, 1) != LESION))
    keep = keep[keep > 0]
    if keep.size == 0:
        return None
    fake = -(length + SPONTANEOUS_BEFORE_TRIAL)  # fake CS onset relative to the next trial's start
    return trial_rates(result["spikes_nuclei_t"], result["spikes_nuclei_i"], result["trial_start"][keep],
                       fake, (-onset, length), bin_s, int(p["circuit.n_dcn"]))


def spontaneous_threshold(axis: NDArray[np.float64], rates: NDArray[np.float64], isi: float,
                          bin_s: float = 0.005, smooth_s: float = CR_WINDOW, sds: float = 5.0) -> float:
    """``sds`` SDs of the CR signal where there is no CS: the CR threshold measured, not assumed.

    The CR signal (trailing average minus the stretch's own pre-"CS" mean, :func:`detect_cr`) is
    computed on every CS-free stretch exactly as on a trial, and its SD pooled over the bins the
    rule tests ([100 ms, ISI)). This keeps whatever the DCN does by itself — its regularity, slow
    drifts, what is left of the previous trial — in the null, with no noise model.
    """
    y = np.array([_pre_us_signal(r, axis, isi, smooth_s, bin_s) for r in rates])
    return float(sds * np.nanstd(y[:, (axis >= 0.1) & (axis < isi)]))


#: window after the US onset in which olive spikes count as the US response (s)
US_RESPONSE_WINDOW = 0.06


def _olive_stats(result: Result, starts: NDArray[np.float64], onset: float, trial_isi: NDArray[np.float64],
                 phase: NDArray[np.int8], paired: NDArray[np.bool_], m: int, block: int) -> dict[str, Any]:
    """Complex spikes per olive cell: the US response, and the rates before and during the CS.

    The US response is counted per paired acquisition trial (by block); the rates are before the
    CS (intact trials) and during the CS of extinction trials — what nucleo-olivary inhibition
    lowers.
    """
    t = result["spikes_olive_t"]

    def count(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
        return counts_between(t, a, b) / m

    cs_on = starts + onset
    us = count(cs_on + trial_isi, cs_on + trial_isi + US_RESPONSE_WINDOW)
    acq = np.flatnonzero(phase == ACQ)
    by_block: list[float | None] = []
    for k in range(0, acq.size, block):  # the acquisition blocks of cr_percent_by_block, paired trials only
        trials = acq[k:k + block]
        trials = trials[np.asarray(paired, dtype=bool)[trials]]
        by_block.append(float(us[trials].mean()) if trials.size else None)
    pre = count(starts, cs_on) / onset
    during = count(cs_on, cs_on + trial_isi) / trial_isi
    ext = phase == EXT
    ext_idx = np.flatnonzero(ext)
    return {"us_spikes_by_block": by_block,
            "baseline_hz": float(pre[phase != LESION].mean()) if np.any(phase != LESION) else None,
            "extinction_cs_hz": float(during[ext].mean()) if np.any(ext) else None,
            "extinction_cs_hz_by_block": [float(during[ext_idx[k:k + block]].mean())
                                          for k in range(0, ext_idx.size, block)]}


def _lesion_stats(phase: NDArray[np.int8], cr: NDArray[np.bool_], cr_onset: NDArray[np.float64],
                  dcn: NDArray[np.float64], axis: NDArray[np.float64], trial_isi: NDArray[np.float64],
                  threshold: float, bin_s: float) -> dict[str, Any]:
    """CRs (the published rule) and any responses on the lesion trials (Purkinje→DCN inhibition cut)."""
    idx = np.flatnonzero(phase == LESION)
    if not idx.size:
        return {}
    onsets = np.array([first_crossing(dcn[k], axis, float(trial_isi[k]), threshold, bin_s=bin_s) for k in idx])
    responded = np.isfinite(onsets)
    cs = (axis[None, :] >= 0) & (axis[None, :] < trial_isi[idx][:, None])
    return {"trials": int(idx.size), "cr_percent": float(100 * cr[idx].mean()),
            "cr_onset_ms": float(np.nanmedian(cr_onset[idx]) * 1e3) if np.any(cr[idx]) else None,
            "response_percent": float(100 * responded.mean()),
            "response_onset_ms": float(np.median(onsets[responded]) * 1e3) if np.any(responded) else None,
            "dcn_baseline_hz": float(dcn[idx][:, axis < 0].mean()),
            "dcn_cs_hz": float(dcn[idx][cs].mean())}


def probe_drive_change(t: NDArray[np.float64], i: NDArray[np.int64], trial_starts: NDArray[np.float64],
                       dw: NDArray[np.float64], edges: NDArray[np.float64]) -> NDArray[np.float64]:
    r"""The change in parallel-fibre drive the learned weights predict, per bin, averaged over trials.

    .. math:: \Delta D(t) = \frac{1}{K}\sum_{k=1}^{K} \sum_g \Delta w_g\, n_{g,k}(t) / \Delta t

    with :math:`\Delta w_g` the weight change of granule cell g's PF→PC synapses (mean over the
    Purkinje cells), :math:`n_{g,k}(t)` its spikes in bin t of trial k (aligned to
    ``trial_starts``) and :math:`\Delta t` the bin width (amperes × spikes/s, per Purkinje cell).
    The molecular-layer inhibition each PF spike recruits does not learn (``w0``; §5.4), so this
    is the whole learned change in the Purkinje cells' net PF input. The analysis uses the weights
    of the last probe it averages: the run's final weights when nothing but lesion trials
    (plasticity frozen) follows it, or those recorded at the end of acquisition when that probe
    is the last acquisition trial and extinction follows; exact for that probe, close for the one
    before it at the default step (nine paired trials between them). No Purkinje cell is simulated:
    where its minimum lies says where the weights place the pause, independently of the Purkinje
    spikes (docs/equations.md §5.9, the probe's drive change).
    """
    weight_change = np.asarray(dw, dtype=float)
    cells = np.asarray(i, dtype=np.int64)
    if np.size(trial_starts) == 0:
        raise ConfigError("trial_starts", "must hold at least one trial start")
    if cells.size and (cells.min() < 0 or cells.max() >= weight_change.size):
        raise ConfigError("dw", f"must give one weight change per granule cell: indices 0 … {int(cells.max())}, "
                                f"got {weight_change.size} values")
    per_spike = weight_change[cells]
    sums = population_counts(t, trial_starts, edges, weights=per_spike)
    return sums.mean(axis=0) / float(np.diff(np.asarray(edges, dtype=float)[:2])[0])


def _probe_weights(result: Result, last_probe: int) -> NDArray[np.float64] | None:
    """The PF→PC weights the last averaged probe ran with, if the run kept them (else None).

    The final weights when nothing but lesion trials (plasticity frozen) follows that probe; the
    weights at the end of acquisition (``weights_end_of_acquisition``) when the probe is the last
    acquisition trial and extinction or reacquisition follow.
    """
    if not all(k in result for k in ("weights_initial", "spikes_granule_t", "spikes_granule_i")):
        return None
    phase = np.asarray(result["trial_phase"])
    if "weights_final" in result and np.all(phase[last_probe + 1:] == LESION):
        return np.asarray(result["weights_final"], dtype=float)
    acquisition = np.flatnonzero(phase == ACQ)
    if "weights_end_of_acquisition" in result and acquisition.size and last_probe == acquisition[-1]:
        return np.asarray(result["weights_end_of_acquisition"], dtype=float)
    return None


def _probe_stats(result: Result, axis: NDArray[np.float64], sdf: NDArray[np.float64],
                 acq_idx: NDArray[np.int64], isi: float, probe_dur: float, block: int,
                 isis: Sequence[float]) -> dict[str, Any]:
    """Purkinje rate on the extended CS-alone probes at the end of acquisition.

    The probes among the last ``max(block, 2 × probe_every)`` acquisition trials (two probes at
    the defaults) are averaged; the pause minimum is searched over the whole probe tone, the
    recovery rate is the mean in [ISI + 150, ISI + 300] ms. For each trained ISI the nearest
    local minimum of the probe rate (prominence ≥ ``MINIMUM_PROMINENCE_HZ``) and its depth below
    baseline are reported (two ISIs trained: does the rate dip twice?).
    """
    if "trial_probe" not in result or not acq_idx.size:
        return {}
    every = int(result.params.get("protocol.probe_every", 0) or 0)
    tail = acq_idx[-max(block, 2 * every):]
    probes = tail[np.asarray(result["trial_probe"], dtype=bool)[tail]]
    if not probes.size:
        return {}
    rate = sdf[probes].mean(0)
    baseline = float(np.mean(rate[axis < 0]))
    tone = (axis >= 0) & (axis <= probe_dur)
    rel = rate[tone] - baseline
    lo, hi = isi + RECOVERY_WINDOW[0], isi + RECOVERY_WINDOW[1]
    rec = (axis >= lo) & (axis <= hi)
    minima, depths = _minima_near(axis[tone], rel, isis)
    drive: dict[str, Any] = {}
    weights = _probe_weights(result, int(probes[-1]))
    if weights is not None:
        bin_s = float(axis[1] - axis[0])
        edges = np.append(axis - bin_s / 2, axis[-1] + bin_s / 2)
        dw = (weights - np.asarray(result["weights_initial"], dtype=float)).mean(axis=1)
        onset = float(result.params["protocol.cs_onset"])
        change = gaussian_filter1d(probe_drive_change(result["spikes_granule_t"], result["spikes_granule_i"],
                                                      np.asarray(result["trial_start"])[probes] + onset,
                                                      dw, edges), 0.02 / bin_s, mode="nearest")
        base = float(change[axis < 0].mean())
        drive = {"probe_drive_change": change,
                 "probe_drive_change_min": pause_trough_time(axis[tone], change[tone] - base)}
    return {**drive, "probe_trials": probes, "probe_rate": rate, "probe_baseline_hz": baseline,
            "probe_minima": minima, "probe_minima_depth_hz": depths,
            "probe_pause_min": pause_trough_time(axis[tone], rel),
            "probe_rate_at_isi_hz": float(np.interp(isi, axis, rate)),
            "probe_recovery_rate_hz": float(rate[rec].mean()) if np.any(rec) and hi <= axis[-1] + 1e-9
            else float("nan")}
