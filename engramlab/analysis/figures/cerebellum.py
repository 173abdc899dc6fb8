"""Figures of the spiking cerebellar SDM held against the equations (one function per figure)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from scipy import stats

from engramlab.analysis.cerebellar_sdm import SDMAnalysis
from engramlab.analysis.sdm_capacity import CapacityAnalysis
from engramlab.analysis.spikes import counts_per_window
from engramlab.results import Result
from engramlab.schedules import SLOT_KINDS

__all__ = ["active_count_figure", "attention_figure", "capacity_figure", "overlap_figure", "raster_figure",
           "read_raster_figure", "readout_figure", "weights_figure"]


def active_count_figure(a: SDMAnalysis) -> Figure:
    """1. Active granule cells per presentation vs the binomial; firing probability vs distance."""
    fig = Figure(figsize=(11, 4), layout="constrained")
    ax, axp = fig.subplots(1, 2)
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
    axp.plot(a.fire_distance, a.fire_probability, "o-", ms=3, color="C0", label="spikes: P(cell fires)")
    if a.scheme == "kanerva" and a.activation == "radius" and a.radius is not None:
        axp.step(a.fire_distance, (a.fire_distance <= a.radius).astype(float), where="mid", color="C3",
                 label=f"ideal ball (fires iff distance ≤ {a.radius})")
    xlabel = ("mismatching sampled inputs" if a.scheme == "granule"
              else "Hamming distance hard location – presented address")
    axp.set_xlabel(xlabel)
    axp.set_ylabel("fraction of presentations the cell fired in")
    axp.set_title(f"Measured vs ideal active sets: Jaccard {a.activation_jaccard:.2f}")
    axp.legend(frameon=False, fontsize=8)
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
    blurred = np.isfinite(ov.blurred) & (ov.blurred > 0)
    if np.any(blurred) and a.regime != "ideal":
        ax.plot(ov.dv[blurred], ov.blurred[blurred], "--", color="C2",
                label="blurred ball: measured P(fire | distance), same presentations")
    ax.set_yscale("log")
    ax.set_xlabel("Hamming distance query–stored pattern, $d_v$")
    ax.set_ylabel("overlap (granule cells)")
    ax.set_title("Shared granule cells decay ~exponentially with distance")
    ax.legend(frameon=False, fontsize=8)
    test = np.isfinite(ov.z) & np.isfinite(ov.expected) & (ov.expected >= 5)
    axz.axhspan(-3, 3, color="0.9")
    axz.plot(ov.dv[test], ov.z[test], "o", color="C0", label="vs the intersection")
    worst = float(np.max(np.abs(ov.z[test]))) if np.any(test) else float("nan")
    title = f"z-scores, max |z| = {worst:.2f}"
    test_blur = blurred & (ov.blurred >= 5)
    if np.any(test_blur) and a.regime != "ideal":
        axz.plot(ov.dv[test_blur], ov.z_blurred[test_blur], "^", color="C2", label="vs the blurred ball")
        title += f" (blurred ball: {float(np.max(np.abs(ov.z_blurred[test_blur]))):.2f})"
        axz.legend(frameon=False, fontsize=8)
    axz.axhline(0, color="0.5", lw=0.8)
    axz.set_xlabel("$d_v$ (expected overlap ≥ 5)")
    axz.set_ylabel("(measured − expected) / binomial SE")
    axz.set_title(title)
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
    ax.set_xlabel("Kanerva counter of the measured sets (each write weighted by the cell's spikes)")
    ax.set_ylabel("Δw of the PF→PC synapse (pA)")
    ratio = a.ltd_ltp_ratio
    what = "makes weights bipolar counters" if ratio == 2 else "(bipolar counters need 2:1)"
    ax.set_title(f"Consistency check: {ratio:g}:1 LTD:LTP {what}\n(max |Δw + {a.weight_scale * 1e12:.3g} pA × "
                 f"counter| = {a.weight_counter_max_error * 1e12:.2g} pA)")
    ax.legend(frameon=False, fontsize=8)
    return fig


def readout_figure(a: SDMAnalysis) -> Figure:
    """4. Read-out: bit accuracy vs query noise; output spikes of each read against the NumPy read sum."""
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax, axs = fig.subplots(1, 2)
    ax.plot(a.noise_levels, a.accuracy_dcn, "o-", color="C0", label="spikes: DCN counts")
    ax.plot(a.noise_levels, a.accuracy_purkinje, "^-", ms=4, color="C1", label="spikes: Purkinje counts")
    if a.phase_bits is not None:
        ax.plot(a.noise_levels, [np.mean(a.phase_bits[a.read_noise == v] == a.read_target[a.read_noise == v])
                                 for v in a.noise_levels], "v-", ms=4, color="C4",
                label="spikes: Purkinje phase (ideal)")
    ax.plot(a.noise_levels, a.accuracy_numpy, "s--", ms=4, color="C3", label="NumPy SDM, measured active sets")
    ax.plot(a.noise_levels, a.accuracy_ideal, "--", color="0.4", label="NumPy SDM, ideal sets")
    ax.plot(a.noise_levels, a.accuracy_pattern, ":", color="C2", label="pattern-view SDM read")
    if a.radius is not None:
        ax.axvline(a.radius, color="0.6", ls=":", lw=1)
    ax.set_xlabel("query noise (bits flipped)")
    ax.set_ylabel("fraction of correct bits")
    ax.set_ylim(0.4, 1.02)
    ax.set_title(f"Recall ({a.readout}); agrees with NumPy on {a.numpy_agreement:.1%} of bits")
    ax.legend(frameon=False, fontsize=8)
    sums = a.numpy_sums.ravel()
    if a.readout == "purkinje_phase" and a.shifts is not None:
        y = a.shifts.ravel()
        axs.set_ylabel("Purkinje simple spikes gained (+) / lost (−)")
        axs.axhline(0, color="0.5", lw=0.8)
    else:
        counts = a.dcn_counts if a.readout == "dcn" else a.purkinje_counts
        base = a.dcn_baseline_count if a.readout == "dcn" else a.purkinje_baseline_count
        y = counts.ravel() + np.random.default_rng(0).uniform(-0.2, 0.2, counts.size)
        axs.axhline(base, color="0.5", lw=0.8, label=f"rest-slot mean {base:.2f} (threshold)")
        axs.set_ylabel(f"{'DCN' if a.readout == 'dcn' else 'Purkinje'} spikes in the read window (jittered)")
    agree = (a.spike_bits == a.numpy_bits).ravel()
    axs.plot(sums[agree], y[agree], ".", ms=2, alpha=0.3, color="C0", label="bit agrees with NumPy")
    axs.plot(sums[~agree], y[~agree], "x", ms=4, color="C3", label=f"disagrees ({np.sum(~agree)})")
    axs.axvline(0, color="0.5", lw=0.8)
    axs.set_xlabel("NumPy SDM read sum on the measured sets (bit = sum > 0)")
    axs.set_title("Stored 1s pause the Purkinje cells and disinhibit the DCN")
    axs.legend(frameon=False, fontsize=8)
    return fig


def attention_figure(a: SDMAnalysis) -> Figure:
    """5. Normalised spike overlaps vs softmax(β cos): β predicted (out of sample) and fitted (in-sample)."""
    fig = Figure(figsize=(10, 4), layout="constrained")
    cos = a.attention_cos
    if cos.size and np.isfinite(a.beta_theory):
        predicted = np.exp(a.beta_theory * (cos - cos.max()))
        predicted = predicted / predicted.sum()
    else:
        predicted = np.full(cos.shape, np.nan)
    for ax, log in zip(fig.subplots(1, 2), (False, True), strict=True):
        ax.plot(a.attention_dv, a.attention_measured, "o", color="C0", label="spikes: normalised overlaps")
        ax.plot(a.attention_dv, predicted, "-", color="C3",
                label=f"softmax(β cos), β predicted = {a.beta_theory:.2f}")
        ax.plot(a.attention_dv, a.attention_softmax, ":", color="C1",
                label=f"in-sample: β fitted to these spikes = {a.beta_fit:.2f}")
        ax.plot(a.attention_dv, a.attention_theory, "--", color="0.4", lw=1, label="exact intersection")
        ax.set_xlabel("Hamming distance query–pattern, $d_v$")
        ax.set_ylabel("normalised weight" + (" (log)" if log else ""))
        if log:
            ax.set_yscale("log")
        else:
            ax.legend(frameon=False, fontsize=8)
    fig.suptitle(f"Spikes against attention: KL(spike weights ‖ softmax(β_theory cos)) = {a.attention_kl:.3f} "
                 f"over all stored patterns (ideal sets: {a.attention_kl_ideal:.3f})")
    return fig


def read_raster_figure(result: Result, a: SDMAnalysis, lines: int = 8) -> Figure:
    """Purkinje and DCN spikes around noise-free reads: a stored 1 pauses the PCs and frees the DCN cell.

    Top: the Purkinje cells of the first ``lines`` output lines over the first noise-free read
    (red: lines storing 1). Middle: their DCN cells over every noise-free read, one row per
    read and line. Bottom: mean DCN rate over reads ≤ 5 bits off, for stored 1s and 0s, and
    at rest; grey: the read window.
    """
    p = result.params
    slot = float(p["circuit.slot"])
    per_line = int(p.get("circuit.purkinje_per_dcn", 1))
    dcn_cells = int(p.get("circuit.dcn_per_line", 1))  # a line's DCN cells share its row
    start = result["slot_start"]
    lines = min(lines, a.m)
    clean = a.read_slots[a.read_noise == a.read_noise.min()] if a.read_slots.size else a.read_slots
    fig = Figure(figsize=(10, 8), layout="constrained")
    ax_pc, ax_dcn, ax_rate = fig.subplots(3, 1, height_ratios=[1.2, 1.2, 1])
    arrival = (float(p["circuit.volley_time"]) + float(p["circuit.mossy.delay"])
               + float(p["circuit.plasticity.delay_pf"]))
    window = min(float(p.get("protocol.read_window", slot - arrival)), slot - arrival)
    dcn_off = arrival + float(p["circuit.nuclei.delay_pc"])
    if clean.size:
        s0 = int(clean[0])
        target = a.read_target[0]
        t, i = result["spikes_purkinje_t"], result["spikes_purkinje_i"]
        sel = (t >= start[s0]) & (t < start[s0] + slot) & (i < lines * per_line)
        colour = np.where(target[i[sel] // per_line], "C3", "k")
        ax_pc.scatter((t[sel] - start[s0]) * 1e3, i[sel], c=list(colour), marker="|", s=12)
        ax_pc.axvspan(arrival * 1e3, (arrival + window) * 1e3, color="0.9", zorder=0)
        ax_pc.set_ylabel(f"Purkinje cells\n({per_line} per line)")
        ax_pc.set_title(f"One read (noise {int(a.read_noise.min())} bits): red lines store 1")
        t, i = result["spikes_nuclei_t"], result["spikes_nuclei_i"]
        row = 0
        for k, s in enumerate(clean[:12]):
            which = int(np.flatnonzero(a.read_slots == s)[0])
            for line in range(lines):
                sel = (t >= start[s]) & (t < start[s] + slot) & (i // dcn_cells == line)
                ax_dcn.plot((t[sel] - start[s]) * 1e3, np.full(sel.sum(), row), "|", ms=4,
                            color="C3" if a.read_target[which, line] else "k")
                row += 1
            if k == 0:
                ax_dcn.axvspan(dcn_off * 1e3, (dcn_off + window) * 1e3, color="0.9", zorder=0)
        ax_dcn.set_ylabel("DCN cells\n(rows: read × line)" if dcn_cells == 1
                          else f"DCN cells, {dcn_cells} per line\n(rows: read × line)")
    low = a.read_noise <= 5
    edges = np.arange(0.0, slot + 1e-12, 0.005)
    t, i = result["spikes_nuclei_t"], result["spikes_nuclei_i"]

    def rate(slots: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        # (slots, bins, cells) counts, summed over the cells each row selects
        # per line, then per cell
        per_cell = counts_per_window(t, i // dcn_cells, (start[slots][:, None] + edges[None, :-1]).ravel(), 0.005,
                                     a.m) / dcn_cells
        chosen = np.ones((slots.size, a.m), bool) if mask is None else np.asarray(mask, bool)
        hist = (per_cell.reshape(slots.size, edges.size - 1, a.m) * chosen[:, None, :]).sum(axis=(0, 2))
        return hist / max(int(chosen.sum()), 1) / np.diff(edges)

    mid = (edges[:-1] + edges[1:]) / 2 * 1e3
    if np.any(low):
        ax_rate.plot(mid, rate(a.read_slots[low], a.read_target[low]), color="C3", label="reads, stored 1")
        ax_rate.plot(mid, rate(a.read_slots[low], ~a.read_target[low]), color="k", label="reads, stored 0")
    rest = np.flatnonzero(result["slot_kind"] == SLOT_KINDS["rest"])
    ax_rate.plot(mid, rate(rest, None), color="0.5", ls="--", label="rest slots")
    ax_rate.axvspan(dcn_off * 1e3, (dcn_off + window) * 1e3, color="0.9", zorder=0, label="read window")
    ax_rate.set_xlabel("time in the slot (ms)")
    ax_rate.set_ylabel("DCN rate (Hz)")
    ax_rate.set_title("Mean DCN rate, reads ≤ 5 bits off")
    ax_rate.legend(frameon=False, fontsize=8)
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


def capacity_figure(a: CapacityAnalysis) -> Figure:
    """Recall against patterns stored: spikes (DCN), NumPy on the measured and ideal sets, SNR theory.

    One column per radius design, rows: clean reads and reads ``query_noise`` bits off; colour:
    activation mode (radius threshold or Golgi top-k).
    """
    criteria = list(dict.fromkeys(run.label.rsplit("-", 1)[0] for run in a.runs))
    fig = Figure(figsize=(4.5 * len(criteria) + 1, 7), layout="constrained")
    axes = np.atleast_2d(fig.subplots(2, len(criteria), sharey=True, squeeze=False))
    colours = {"radius": "C0", "topk": "C1"}
    for col, criterion in enumerate(criteria):
        for run in (r for r in a.runs if r.label.startswith(f"{criterion}-")):
            activation = run.label.rsplit("-", 1)[1]
            c = colours.get(activation, "C2")
            for row in range(2):
                ax = axes[row, col]
                ax.plot(run.counts, run.spikes[:, row], "o-", color=c, label=f"spikes (DCN), {activation}")
                ax.plot(run.counts, run.numpy[:, row], "s--", ms=3, color=c, alpha=0.7,
                        label=f"NumPy, measured sets, {activation}")
                ax.plot(run.counts, run.ideal[:, row], ":", color=c, label=f"NumPy, ideal sets, {activation}")
                if activation == "radius":
                    ax.plot(run.counts, run.theory[:, row], "-", color="k", lw=1, label="SNR theory")
        for row in range(2):
            ax = axes[row, col]
            ax.set_xscale("log")
            ax.axhline(0.95, color="0.7", lw=0.8, ls=":")
            ax.set_xlabel("patterns stored")
            d = next(r.d for r in a.runs if r.label.startswith(f"{criterion}-"))
            what = "clean reads" if row == 0 else f"reads {a.query_noise} bits off"
            ax.set_title(f"{criterion}-optimal radius d = {d}: {what}", fontsize=10)
        axes[0, col].set_ylim(0.45, 1.02)
    axes[0, 0].set_ylabel("fraction of correct bits")
    axes[1, 0].set_ylabel("fraction of correct bits")
    axes[0, -1].legend(frameon=False, fontsize=7)
    fig.suptitle(f"Capacity, n = {a.n}, r = {a.r}: recall as patterns accumulate")
    return fig
