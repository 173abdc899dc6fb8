"""Figures of the spiking cerebellar SDM held against the equations (one function per figure)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from scipy import stats

from engramlab.analysis.cerebellar_sdm import SDMAnalysis
from engramlab.results import Result
from engramlab.schedules import SLOT_KINDS

__all__ = ["active_count_figure", "attention_figure", "overlap_figure", "raster_figure",
           "readout_figure", "weights_figure"]


def active_count_figure(a: SDMAnalysis) -> Figure:
    """1. Active granule cells per presentation vs r·p(d) (or r·2^-k) with the binomial spread."""
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    counts = a.active_counts
    lo, hi = (int(counts.min()), int(counts.max())) if counts.size else (0, 1)
    lo = min(lo, int(a.active_expected - 4 * a.active_sd))
    hi = max(hi, int(a.active_expected + 4 * a.active_sd))
    bins = np.arange(max(0, lo) - 0.5, hi + 1.5, max(1, (hi - lo) // 30))
    ax.hist(counts, bins=list(bins), density=True, color="C0", alpha=0.7,
            label=f"measured ({counts.size} presentations)")
    # the theory on the histogram's own scale: binomial probability of each bin / bin width,
    # so both have unit area (a density over counts)
    p = a.active_expected / a.r
    prob = np.diff(stats.binom.cdf(np.floor(bins), a.r, p))
    density = prob / np.diff(bins)
    ax.stairs(density, bins, color="k", lw=1,
              label=f"Binomial(r, p): mean {a.active_expected:.1f}, SD {a.active_sd:.1f}")
    ax.axvline(a.active_expected, color="C3", ls="--")
    what = f"k = {a.k} inputs" if a.scheme == "granule" else (
        "top-k (Golgi)" if a.activation == "topk" else f"radius d = {a.radius}")
    ax.set_xlabel("granule cells active in a presentation")
    ax.set_ylabel("probability density (per cell)")
    ax.set_title(f"Active hard locations, r = {a.r}, {what}")
    ax.legend(frameon=False, fontsize=8)
    return fig


def overlap_figure(a: SDMAnalysis) -> Figure:
    """2. Measured |A(q) ∩ A(p)| vs the exact expected intersection over d_v, with z-scores."""
    ov = a.overlap
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax, axz = fig.subplots(1, 2)
    pos = ov.mean > 0
    ax.errorbar(ov.dv[pos], ov.mean[pos], yerr=np.where(np.isfinite(ov.se[pos]), ov.se[pos], 0),
                fmt="o", ms=3, color="C0", label="spikes: granule cells active for both")
    if np.any(np.isfinite(ov.expected)):
        name = "Jaeckel formula" if a.scheme == "granule" else "exact circle intersection (r/2^n)|∩|"
        ok = np.isfinite(ov.expected) & (ov.expected > 0)
        ax.plot(ov.dv[ok], ov.expected[ok], "-", color="C3", label=name)
    ax.set_yscale("log")
    ax.set_xlabel("Hamming distance query–stored pattern, $d_v$")
    ax.set_ylabel("overlap (granule cells)")
    ax.set_title("Shared granule cells decay ~exponentially with distance")
    ax.legend(frameon=False, fontsize=8)
    test = np.isfinite(ov.z) & np.isfinite(ov.expected) & (ov.expected >= 5)
    axz.axhspan(-3, 3, color="0.9")
    axz.plot(ov.dv[test], ov.z[test], "o", color="C0")
    axz.axhline(0, color="0.5", lw=0.8)
    axz.set_xlabel("$d_v$ (expected overlap ≥ 5)")
    axz.set_ylabel("(measured − expected) / binomial SE")
    worst = float(np.max(np.abs(ov.z[test]))) if np.any(test) else float("nan")
    axz.set_title(f"z-scores, max |z| = {worst:.2f}")
    return fig


def weights_figure(a: SDMAnalysis) -> Figure:
    """3. Learned PF→PC weight change vs the NumPy SDM counter of the same synapse."""
    fig = Figure(figsize=(6, 4.5), layout="constrained")
    ax = fig.subplots()
    c = a.counters.ravel()
    dw = a.weight_change.ravel() * 1e12
    touched = (c != 0) | (dw != 0)
    rng = np.random.default_rng(0)
    idx = np.flatnonzero(touched)
    if idx.size > 20_000:
        idx = rng.choice(idx, 20_000, replace=False)
    jitter = rng.uniform(-0.15, 0.15, idx.size)
    ax.plot(c[idx] + jitter, dw[idx], ".", ms=2, alpha=0.4, color="C0",
            label=f"{np.count_nonzero(touched)} synapses changed (jittered in x)")
    span = np.array([c.min() - 0.5, c.max() + 0.5]) if c.size else np.array([-1, 1])
    ax.plot(span, -a.weight_scale * 1e12 * span, "C3-",
            label=f"Δw = −{a.weight_scale * 1e12:.1f} pA × counter")
    ax.set_xlabel("Kanerva counter of the NumPy SDM (same activation sets)")
    ax.set_ylabel("Δw of the PF→PC synapse (pA)")
    ratio = a.ltd_ltp_ratio
    what = "makes weights bipolar counters" if ratio == 2 else "(bipolar counters need 2:1)"
    ax.set_title(f"{ratio:g}:1 LTD:LTP {what}\n(max |Δw + {a.weight_scale * 1e12:.3g} pA × counter| = "
                 f"{a.weight_counter_max_error * 1e12:.2g} pA)")
    ax.legend(frameon=False, fontsize=8)
    return fig


def readout_figure(a: SDMAnalysis) -> Figure:
    """4. Purkinje read-out: bit accuracy vs query noise, and PC phase shift vs counter sum."""
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax, axs = fig.subplots(1, 2)
    ax.plot(a.noise_levels, a.accuracy_spikes, "o-", color="C0", label="spiking circuit (Purkinje pause)")
    ax.plot(a.noise_levels, a.accuracy_numpy, "s--", ms=4, color="C3",
            label="NumPy neuron SDM, same hard locations")
    ax.plot(a.noise_levels, a.accuracy_pattern, ":", color="C2", label="pattern-view SDM read")
    if a.radius is not None:
        ax.axvline(a.radius, color="0.6", ls=":", lw=1)
    ax.set_xlabel("query noise (bits flipped)")
    ax.set_ylabel("fraction of correct bits")
    ax.set_ylim(0.4, 1.02)
    ax.set_title(f"Recall; spikes agree with NumPy on {a.numpy_agreement:.2%} of bits")
    ax.legend(frameon=False, fontsize=8)
    sums = a.numpy_sums.ravel()
    sh = a.shifts.ravel()
    agree = (a.spike_bits == a.numpy_bits).ravel()
    axs.plot(sums[agree], sh[agree], ".", ms=2, alpha=0.3, color="C0", label="bit agrees")
    axs.plot(sums[~agree], sh[~agree], "x", ms=5, color="C3", label=f"disagrees ({np.sum(~agree)})")
    axs.axhline(0, color="0.5", lw=0.8)
    axs.axvline(0, color="0.5", lw=0.8)
    axs.set_xlabel("NumPy SDM read sum Σ counters (read bit = sum > 0)")
    axs.set_ylabel("Purkinje simple spikes gained (+) / lost (−)")
    axs.set_title("Stored 1s pause the Purkinje cell: rate below baseline = bit 1")
    axs.legend(frameon=False, fontsize=8)
    return fig


def attention_figure(a: SDMAnalysis) -> Figure:
    """5. Normalised overlap weights from spikes vs softmax(β cos) with β fitted to the spikes."""
    fig = Figure(figsize=(10, 4), layout="constrained")
    for ax, log in zip(fig.subplots(1, 2), (False, True), strict=True):
        ax.plot(a.attention_dv, a.attention_measured, "o", color="C0", label="spikes: normalised overlaps")
        ax.plot(a.attention_dv, a.attention_softmax, "-", color="C3",
                label=f"softmax(β cos), β fit = {a.beta_fit:.2f}")
        ax.plot(a.attention_dv, a.attention_theory, "--", color="0.4", lw=1, label="theory (exact)")
        ax.set_xlabel("Hamming distance query–pattern, $d_v$")
        ax.set_ylabel("normalised weight" + (" (log)" if log else ""))
        if log:
            ax.set_yscale("log")
        else:
            ax.legend(frameon=False, fontsize=8)
    fig.suptitle(f"Spikes approximate attention: max |Δweight| = {a.softmax_weight_error:.3f} "
                 f"for $d_v$ ≤ {a.radius if a.radius is not None else 'reach'}; "
                 f"theory β = {a.beta_theory:.2f}")
    return fig


def raster_figure(result: Result, slots: int = 6) -> Figure:
    """Spike rasters of mossy fibres, granule cells, Purkinje and nuclear cells over a few slots."""
    kind = result["slot_kind"]
    start = result["slot_start"]
    slot = float(result.params["circuit.slot"])
    write = SLOT_KINDS["write"]
    first = int(np.flatnonzero(kind == write)[0]) if np.any(kind == write) else 0
    t0, t1 = float(start[max(0, first - 1)]), float(start[max(0, first - 1)]) + slots * slot
    pops = [("mossy", "mossy fibres"), ("granule", "granule cells"), ("olive", "climbing fibres"),
            ("purkinje", "Purkinje cells"), ("nuclei", "DCN cells")]
    fig = Figure(figsize=(10, 7), layout="constrained")
    axes = fig.subplots(len(pops), 1, sharex=True, height_ratios=[1, 2, 0.6, 1, 1])
    for ax, (pop, label) in zip(axes, pops, strict=True):
        t, i = result[f"spikes_{pop}_t"], result[f"spikes_{pop}_i"]
        sel = (t >= t0) & (t < t1)
        if pop == "granule" and np.any(sel):
            active = np.unique(i[sel])
            ranks = np.searchsorted(active, i[sel])
            ax.plot((t[sel] - t0) * 1e3, ranks, "|", ms=2, color="k")
            ax.set_ylabel(f"{label}\n(active only)")
        else:
            ax.plot((t[sel] - t0) * 1e3, i[sel], "|", ms=3, color="k")
            ax.set_ylabel(label)
        for s in range(slots + 1):
            ax.axvline(s * slot * 1e3, color="0.85", lw=0.8)
    for s in range(slots):
        idx = max(0, first - 1) + s
        if idx < kind.size:
            name = {code: kind_name for kind_name, code in SLOT_KINDS.items()}[int(kind[idx])]
            axes[0].text((s + 0.02) * slot * 1e3, 1.02, name,
                         transform=axes[0].get_xaxis_transform(), fontsize=8)
    axes[-1].set_xlabel("time (ms)")
    fig.suptitle("One network, one run: presentations are schedules")
    return fig
