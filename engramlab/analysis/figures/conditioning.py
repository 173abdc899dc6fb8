"""Figures of eyeblink conditioning and the associative left/right task."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from scipy.ndimage import gaussian_filter1d

from engramlab.analysis.associative import AssociativeAnalysis
from engramlab.analysis.eyeblink import EyeblinkAnalysis, trailing_mean
from engramlab.results import Result
from engramlab.schedules import PHASES, REVERSAL_PHASES

__all__ = ["associative_accuracy_figure", "associative_weights_figure", "learning_curve_figure",
           "pause_timing_figure", "probe_figure", "psth_figure"]


def _shade_cs(ax, a: EyeblinkAnalysis) -> None:  # type: ignore[no-untyped-def]
    ax.axvspan(0, a.cs_duration * 1e3, color="0.93", lw=0)
    ax.axvline(a.isi * 1e3, color="C3", lw=1, ls="--")


def psth_figure(result: Result, a: EyeblinkAnalysis) -> Figure:
    """Purkinje raster and PSTHs (Purkinje, DCN) in the first and the last block of acquisition."""
    fig = Figure(figsize=(11, 7), layout="constrained")
    axes = fig.subplots(3, 2, sharex=True, height_ratios=[1.3, 1, 1])
    acq = np.flatnonzero(a.phase == PHASES["acquisition"])
    blocks = (acq[: a.block], acq[-a.block:])
    starts = result["trial_start"]
    onset = float(result.params["protocol.cs_onset"])
    t, i = result["spikes_purkinje_t"], result["spikes_purkinje_i"]
    ms_axis = a.axis * 1e3
    for col, (trials, title) in enumerate(zip(blocks, ("first block (naive)", "last block (trained)"),
                                               strict=True)):
        ax = axes[0, col]
        for row, k in enumerate(trials):
            sel = (t >= starts[k] + onset + a.axis[0]) & (t < starts[k] + onset + a.axis[-1])
            rel = (t[sel] - starts[k] - onset) * 1e3
            cells = i[sel]
            ax.plot(rel, row + cells / (cells.max() + 1 if cells.size else 1), "|", ms=1.5,
                    color="C0" if a.paired[k] else "C2")
        _shade_cs(ax, a)
        ax.set_ylabel("trial (PCs stacked)")
        ax.set_title(f"Purkinje cells, {title}")
        pc = gaussian_filter1d(a.pc_rate[trials].mean(0), 4)
        # the DCN rate as the CR rule sees it: the mean over the trailing 100 ms
        mean_dcn = a.dcn_rate[trials].mean(0)
        dcn = trailing_mean(mean_dcn, np.ones_like(mean_dcn), round(0.1 / float(a.axis[1] - a.axis[0])))
        axes[1, col].plot(ms_axis, pc, color="C0")
        _shade_cs(axes[1, col], a)
        axes[1, col].set_ylabel("Purkinje rate (Hz)")
        axes[2, col].plot(ms_axis, dcn, color="C1")
        base = a.dcn_rate[trials][:, a.axis < 0].mean()
        axes[2, col].axhline(base + a.threshold, color="0.5", ls=":", lw=1, label="CR threshold")
        _shade_cs(axes[2, col], a)
        axes[2, col].set_ylabel("DCN rate (Hz), trailing 100 ms")
        axes[2, col].set_xlabel("time from CS onset (ms)")
    axes[2, 1].legend(frameon=False, fontsize=8)
    fig.suptitle(f"Delay eyeblink conditioning, ISI {a.isi * 1e3:.0f} ms (grey: CS; dashed: US; "
                 "green rows: CS-alone probes)")
    return fig


def learning_curve_figure(a: EyeblinkAnalysis) -> Figure:
    """%CR per block through acquisition, extinction and reacquisition, and the pause depth."""
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax, axd = fig.subplots(1, 2)
    x0 = 0
    for label, values, color in (("acquisition", a.cr_percent_by_block, "C0"),
                                 ("extinction", a.extinction_cr_percent_by_block, "C3"),
                                 ("reacquisition", a.reacquisition_cr_percent_by_block, "C2")):
        if values:
            x = np.arange(x0, x0 + len(values)) + 1
            ax.plot(x, values, "o-", color=color, label=label)
            x0 += len(values)
    ax.axhline(70, color="0.7", ls=":", lw=1)
    ax.set_xlabel(f"block of {a.block} trials")
    ax.set_ylabel("% conditioned responses")
    ax.set_ylim(-5, 105)
    ax.legend(frameon=False)
    ax.set_title("Learning curve")
    depth = np.convolve(a.pause_depth, np.ones(a.block) / a.block, mode="valid")
    axd.plot(np.arange(depth.size) + a.block, depth, color="C0")
    axd.set_xlabel("trial")
    axd.set_ylabel("Purkinje pause depth (Hz below baseline)")
    axd.set_title(f"Learned pause (running mean of {a.block} trials)")
    return fig


def pause_timing_figure(analyses: Sequence[EyeblinkAnalysis]) -> Figure:
    """Last-block Purkinje rate for each ISI: the pause moves with the US."""
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax, axs = fig.subplots(1, 2)
    for k, a in enumerate(analyses):
        # the curve the pause is measured on: every last-block trial before the US (smoothed
        # without the US's response), CS-alone probes after it
        sdf = a.last_block_rate
        color = f"C{k}"
        ax.plot(a.axis * 1e3, sdf, color=color, label=f"ISI {a.isi * 1e3:.0f} ms")
        ax.axvline(a.isi * 1e3, color=color, ls="--", lw=1)
        ax.plot(a.last_block_pause_min * 1e3, np.interp(a.last_block_pause_min, a.axis, sdf), "v",
                color=color, ms=8)
    ax.set_xlabel("time from CS onset (ms)")
    ax.set_ylabel("Purkinje rate (Hz), last block")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("Learned pauses (▼ minimum, dashed: US onset)")
    isis = np.array([a.isi for a in analyses]) * 1e3
    mins = np.array([a.last_block_pause_min for a in analyses]) * 1e3
    axs.plot(isis, mins, "o", ms=8, label="pause minimum")
    span = np.array([isis.min() - 50, isis.max() + 50])
    axs.plot(span, span, "k-", lw=1, label="= US onset")
    axs.fill_between(span, span - 50, span + 50, color="0.9", label="± 50 ms")
    axs.set_xlabel("ISI (ms)")
    axs.set_ylabel("pause minimum after CS onset (ms)")
    axs.legend(frameon=False, fontsize=8)
    axs.set_title("Adaptive timing")
    return fig


def probe_figure(a: EyeblinkAnalysis) -> Figure:
    """Purkinje rate on the extended CS-alone probes at the end of acquisition.

    The tone lasts ``probe_extension`` past the ISI with no US and plasticity frozen: a pause
    that follows the learned interval recovers in [ISI + 150, ISI + 300] ms (shaded); one that
    follows the tone stays down until the tone ends. When the analysis has it, a second axis
    draws the learned change in parallel-fibre drive on the same probes
    (:func:`~engramlab.analysis.eyeblink.probe_drive_change`): where the weights put the pause.
    """
    from engramlab.analysis.eyeblink import RECOVERY_WINDOW
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    if a.probe_rate.size:
        t = a.axis * 1e3
        ax.axvspan(0, a.probe_duration * 1e3, color="0.93", lw=0, label="probe tone (no US)")
        longest = max(a.isis or [a.isi])  # the probes are timed against the longest trained ISI
        ax.axvspan((longest + RECOVERY_WINDOW[0]) * 1e3, (longest + RECOVERY_WINDOW[1]) * 1e3, color="C2",
                   alpha=0.15, lw=0, label="recovery window")
        ax.plot(t, a.probe_rate, color="C0", label=f"Purkinje rate, {a.probe_trials.size} probes")
        ax.axhline(a.probe_baseline_hz, color="0.5", ls=":", lw=1, label="pre-CS baseline")
        for k, isi in enumerate(a.isis or [a.isi]):
            ax.axvline(isi * 1e3, color="C3", ls="--", lw=1, label="trained ISI" if k == 0 else None)
        ax.plot(a.probe_pause_min * 1e3, np.interp(a.probe_pause_min, a.axis, a.probe_rate), "v", color="C0",
                ms=8, label=f"minimum {a.probe_pause_min * 1e3:.0f} ms")
        handles, labels = ax.get_legend_handles_labels()
        if a.probe_drive_change.size:
            # where the learned weights put the pause: weight change x the same probes' granule spikes
            axd = ax.twinx()
            drive = a.probe_drive_change * 1e9  # A x spikes/s -> pA x kHz
            axd.plot(t, drive, color="C1", lw=1, label="learned PF drive change")
            axd.plot(a.probe_drive_change_min * 1e3, np.interp(a.probe_drive_change_min, a.axis, drive), "^",
                     color="C1", ms=7, label=f"its minimum {a.probe_drive_change_min * 1e3:.0f} ms")
            axd.set_ylabel("learned PF drive change (pA × kHz per Purkinje cell)", color="C1")
            more_handles, more_labels = axd.get_legend_handles_labels()
            handles, labels = handles + more_handles, labels + more_labels
        ax.legend(handles, labels, frameon=False, fontsize=7, loc="lower left")
        ax.set_title(f"Extended probes: recovery {a.probe_recovery_rate_hz:.1f} Hz of "
                     f"{a.probe_baseline_hz:.1f} Hz baseline")
    else:
        ax.text(0.5, 0.5, "no probe trials in the last blocks", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("time from CS onset (ms)")
    ax.set_ylabel("Purkinje rate (Hz)")
    return fig


def associative_accuracy_figure(a: AssociativeAnalysis) -> Figure:
    """Choice accuracy per block, per-trial DCN evidence, and the olive's error signal.

    The third panel is the teacher: complex spikes per taught olive cell after each trial's
    US. Nucleo-olivary inhibition from the taught side's DCN cell lowers it as that side learns
    to burst, and it returns when the mapping reverses.
    """
    fig = Figure(figsize=(15, 4), layout="constrained")
    ax, axe, axt = fig.subplots(1, 3)
    n_acq = len(a.accuracy_by_block)
    ax.plot(np.arange(1, n_acq + 1), a.accuracy_by_block, "o-", label="A → left, B → right")
    ax.plot(np.arange(n_acq + 1, n_acq + 1 + len(a.reversal_accuracy_by_block)),
            a.reversal_accuracy_by_block, "o-", color="C3", label="reversed: A → right, B → left")
    ax.axvline(n_acq + 0.5, color="0.5", ls=":")
    ax.axhline(0.9, color="0.8", lw=1)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel(f"block of {a.block} trials")
    ax.set_ylabel("fraction of correct choices")
    ax.set_title("Associative learning and reversal")
    ax.legend(frameon=False, fontsize=8)
    evidence = a.dcn_increase[:, 0] - a.dcn_increase[:, 1]
    k = np.arange(evidence.size)
    for tone, marker in ((0, "o"), (1, "s")):
        sel = a.tone == tone
        axe.scatter(k[sel], evidence[sel], s=10, marker=marker,
                    c=np.where(a.taught[sel] == 0, "C0", "C1"), label=f"tone {'AB'[tone]}")
    axe.axhline(0, color="0.5", lw=0.8)
    axe.axvline(int(np.sum(a.phase == REVERSAL_PHASES["acquisition"])) - 0.5, color="0.5", ls=":")
    axe.set_xlabel("trial")
    axe.set_ylabel("left − right DCN rate increase (Hz)")
    axe.set_title("Decoded choice (> 0: left); colour: taught side")
    axe.legend(frameon=False, fontsize=8)
    axt.plot(k, a.teacher_spikes, ".", color="0.6", ms=4, label="trial")
    n_acq_trials = int(np.sum(a.phase == REVERSAL_PHASES["acquisition"]))
    for first, values in ((0, a.teacher_spikes_by_block), (n_acq_trials, a.reversal_teacher_spikes_by_block)):
        centres = first + a.block * np.arange(len(values)) + (a.block - 1) / 2
        axt.plot(centres, values, "s-", color="C2", label=f"mean of {a.block}" if first == 0 else None)
    axt.axvline(n_acq_trials - 0.5, color="0.5", ls=":")
    axt.set_ylim(bottom=0)
    axt.set_xlabel("trial")
    axt.set_ylabel("complex spikes per taught olive cell")
    axt.set_title("The teacher: the olive's error signal")
    axt.legend(frameon=False, fontsize=8)
    return fig


def associative_weights_figure(a: AssociativeAnalysis) -> Figure:
    """Mean PF→PC weight of tone-specific granule cells onto each side, trial by trial."""
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    w = a.weights_by_trial * 1e12
    trials = np.arange(w.shape[0])
    styles = {(0, 0): ("C0", "-"), (0, 1): ("C0", "--"), (1, 0): ("C1", "-"), (1, 1): ("C1", "--")}
    for (tone, side), (color, ls) in styles.items():
        ax.plot(trials, w[:, tone, side], color=color, ls=ls,
                label=f"tone {'AB'[tone]} cells → {'left' if side == 0 else 'right'} PCs")
    ax.axvline(int(np.sum(a.phase == REVERSAL_PHASES["acquisition"])), color="0.5", ls=":")
    ax.set_xlabel("trial")
    ax.set_ylabel("mean PF→PC weight (pA)")
    ax.set_title("Reversal overwrites the old memory")
    ax.legend(frameon=False, fontsize=8)
    return fig
