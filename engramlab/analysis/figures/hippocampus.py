"""Figures of the hippocampal formation.

Navigation learning curves, attention in spikes, grid and place rate maps, spiking pattern
completion.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from engramlab.analysis.foraging import ForagingAnalysis
from engramlab.analysis.grid import autocorrelogram
from engramlab.analysis.navigation import NavigationAnalysis, baseline_accuracy, binned_accuracy

__all__ = ["capacity_spiking_figure", "graph_path_integration_figure", "grid_maps_figure", "navigation_figure",
           "path_integration_figure", "place_maps_figure",
           "softmax_spikes_figure"]


def navigation_figure(a: NavigationAnalysis) -> Figure:
    """Prediction accuracy vs fraction of nodes and of edges visited, with both baselines."""
    fig = Figure(figsize=(11, 4), layout="constrained")
    axes = fig.subplots(1, 2)
    bins = np.linspace(0, 1, 11)
    centres = 0.5 * (bins[1:] + bins[:-1])
    node_agent = baseline_accuracy(a.stats.node_seen, a.observations)
    edge_agent = baseline_accuracy(a.stats.edge_seen, a.observations)
    for ax, x, label in ((axes[0], a.stats.nodes_fraction, "fraction of nodes visited"),
                         (axes[1], a.stats.edges_fraction, "fraction of edges taken")):
        circuit = "memory-neuron pool (mechanism)" if a.extra.get("memory_model") == "pool" else \
            "memory-neuron circuit (ideal)"
        ax.plot(centres, binned_accuracy(a.correct, x, bins), "o-", color="C0", label=circuit)
        ax.plot(centres, binned_accuracy(a.attention_correct, x, bins), "s-", ms=3, color="C1", alpha=0.7,
                label=f"NumPy attention, same keys (β = {a.beta:g})")
        ax.plot(centres, binned_accuracy(node_agent > 0.5, x, bins), "--", color="C2", label="node agent")
        ax.plot(centres, binned_accuracy(edge_agent > 0.5, x, bins), ":", color="C3", label="edge agent")
        ax.set_xlabel(label)
        ax.set_ylabel("next-observation accuracy")
        ax.set_ylim(-0.05, 1.05)
    zs = a.correct[a.stats.zero_shot].mean() if a.stats.zero_shot.any() else float("nan")
    axes[0].legend(frameon=False, fontsize=8)
    axes[0].set_title(f"{a.graph}: learning at the rate of nodes")
    axes[1].set_title(f"… not edges (zero-shot links: {zs:.0%} correct)")
    return fig


def softmax_spikes_figure(a: NavigationAnalysis) -> Figure:
    """Memory-neuron spike-count fractions vs softmax(β k·q), and the per-step error."""
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax, axe = fig.subplots(1, 2)
    w, s = a.softmax_weights.ravel(), a.spike_weights.ravel()
    keep = (w > 1e-3) | (s > 0)
    rng = np.random.default_rng(0)
    idx = np.flatnonzero(keep)
    if idx.size > 20_000:
        idx = rng.choice(idx, 20_000, replace=False)
    ax.plot(w[idx], s[idx], ".", ms=2, alpha=0.3)
    ax.plot([0, 1], [0, 1], "k-", lw=1)
    ax.set_ylabel("fraction of memory-neuron spikes")
    if a.extra.get("memory_model") == "pool":
        from engramlab.analysis.memory_pool import calibration_curve
        if a.softmax_weights.size:
            mean_w, mean_s, _ = calibration_curve(a.spike_weights, a.softmax_weights)
            err = a.extra.get("softmax_calibration_error_heldout")
            ax.plot(mean_w, mean_s, "o-", color="C3", ms=5,
                    label=f"mean per bin of softmax weight (calibration error {err:.3f})" if err is not None
                    else "mean per bin of softmax weight")
            ax.legend(frameon=False, fontsize=8, loc="upper left")
        beta = a.extra.get("beta_effective")
        ax.set_xlabel("softmax(β h), h = cos(query, stored key), β fitted on other steps")
        ax.set_title(f"Pool memories vs softmax on held-out steps (β = {beta:.1f})" if beta is not None
                     else "Pool memories vs softmax on held-out steps")
    else:
        ax.set_xlabel("softmax(β k·q) (NumPy attention)")
        ax.set_title(f"Memory neurons fire softmax weights (β = {a.beta:g})")
    axe.hist(a.weight_error, bins=30)
    axe.set_xlabel("max |spike fraction − softmax| per step")
    axe.set_ylabel("steps")
    axe.set_title(f"mean error {a.weight_error.mean():.3f}" if a.weight_error.size else "no step to compare")
    return fig


def grid_maps_figure(a: ForagingAnalysis) -> Figure:
    """One grid cell per module: rate map and autocorrelogram, with gridness and spacing."""
    modules = np.unique(a.grid_module)
    fig = Figure(figsize=(3 * len(modules), 6), layout="constrained")
    axes = fig.subplots(2, len(modules), squeeze=False)
    for col, k in enumerate(modules):
        cells = np.flatnonzero(a.grid_module == k)
        c = cells[np.nanargmax(a.gridness[cells])] if np.any(np.isfinite(a.gridness[cells])) else cells[0]
        axes[0, col].imshow(a.grid_maps[c].T, origin="lower", cmap="jet")
        axes[0, col].set_title(f"module {k}: target {a.spacing_target[k]:.2f} m")
        axes[1, col].imshow(autocorrelogram(a.grid_maps[c]).T, origin="lower", cmap="jet", vmin=-0.5, vmax=1)
        axes[1, col].set_title(f"gridness {a.gridness[c]:.2f}, spacing {a.spacing[c]:.2f} m")
        for ax in axes[:, col]:
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle("Grid cells: rate maps (top) and spatial autocorrelograms (bottom)")
    return fig


def path_integration_figure(a: ForagingAnalysis) -> Figure:
    """Attractor path integration: decoded lattice displacement vs the integrated velocity, and the error.

    Top: module 0's decoded displacement (x and y, in metres of the animal's travel: sheet
    neurons divided by c α) against the prediction c α R(θ) X(t). Bottom: every module's error
    magnitude over time (without landmark cells it drifts); with landmark cells, also the
    control run without them (dashed).
    """
    fig = Figure(figsize=(9, 6), layout="constrained")
    top, bottom = fig.subplots(2, 1)
    pi = a.extra.get("path_integration")
    if pi is None:
        for ax in (top, bottom):
            ax.set_axis_off()
        top.text(0.5, 0.5, "ideal grid model: phases are integrated in NumPy (exact up to round-off)",
                 ha="center", va="center")
        return fig
    t = pi["times"]
    decoded0 = pi["decoded"][0]
    pred0 = pi["predicted"][0]
    unit = pi["sheet_to_m"][0]
    for d, name in enumerate("xy"):
        top.plot(t, pred0[:, d] * unit, color=f"C{d}", lw=2, alpha=0.5, label=f"integrated velocity, {name}")
        top.plot(t, decoded0[:, d] * unit, color=f"C{d}", lw=0.8, label=f"decoded from spikes, {name}")
    top.set_ylabel("module 0 lattice displacement (m)")
    top.set_xlabel("time (s)")
    top.legend(fontsize=7, ncol=2)
    control = a.extra.get("control_path_integration")
    for m, err in enumerate(pi["error_m"]):
        bottom.plot(t / 60, err, color=f"C{m}", label=f"module {m}: RMS {pi['rms_error_m'][m]:.3f} m")
    if control is not None:
        for m, err in enumerate(control["error_m"]):
            bottom.plot(control["times"] / 60, err, color=f"C{m}", ls="--", lw=0.8,
                        label=f"module {m} without landmarks: RMS {control['rms_error_m'][m]:.3f} m")
    bottom.set_xlabel("time (min)")
    bottom.set_ylabel("path-integration error (m)")
    bottom.set_title(f"with {a.extra['landmark_cells']} landmark cells (solid) and without (dashed)"
                     if control is not None else "no landmark correction")
    bottom.legend(fontsize=7, ncol=2 if control is not None else 1)
    fig.suptitle("Path integration in spikes: decoded lattice phase vs integrated velocity")
    return fig


def graph_path_integration_figure(a: NavigationAnalysis) -> Figure:
    """Attractor modules driven by the walk's actions: each action's measured lattice move against the action matrix.

    Left: every action's decoded move of each module's lattice (sheet neurons, x and y)
    against the move the action matrix predicts through c α R(φ), φ the rotation of the
    module's velocity input (the diagonal: perfect).
    Middle: per-action phase error (fraction of a grid period) of each module, sorted, with the
    0.1 target. Right: the error accumulated over the walk (no landmarks).
    """
    fig = Figure(figsize=(12, 4), layout="constrained")
    left, middle, right = fig.subplots(1, 3)
    pi = a.path_integration
    if pi is None:
        for ax in (left, middle, right):
            ax.set_axis_off()
        middle.text(0.5, 0.5, str(a.extra.get("path_integration_model", "off")), ha="center", va="center",
                    wrap=True)
        return fig
    lim = 0.0
    for m in range(pi["measured"].shape[0]):
        pred, meas = pi["predicted"][m], pi["measured"][m]
        left.plot(pred.ravel(), meas.ravel(), ".", ms=3, color=f"C{m}", label=f"module {m}")
        lim = max(lim, float(np.abs(pred).max(initial=0)), float(np.abs(meas).max(initial=0)))
        err = np.sort(pi["step_error"][m][np.isfinite(pi["step_error"][m])])
        middle.plot(np.arange(err.size) / max(err.size - 1, 1), err, color=f"C{m}",
                    label=f"module {m}: RMS {pi['rms_step_error'][m]:.3f}")
        right.plot(pi["times"] / 60, pi["cumulative_error"][m], color=f"C{m}",
                   label=f"module {m}: {pi['drift_m_per_min'][m]:+.3f} m/min")
    left.plot([-lim, lim], [-lim, lim], "k:", lw=1)
    left.set_xlabel("predicted move (sheet neurons, x and y)")
    left.set_ylabel("decoded move from spikes")
    left.set_title("one point per action and axis")
    left.legend(fontsize=7)
    middle.axhline(0.1, color="k", ls="--", lw=1, label="target 0.1")
    middle.set_xlabel("fraction of actions (sorted)")
    middle.set_ylabel("per-action phase error (fraction of a period)")
    middle.legend(fontsize=7)
    right.set_xlabel("time (min)")
    right.set_ylabel("accumulated phase error (fraction of a period)")
    right.set_title("no landmark correction")
    right.legend(fontsize=7)
    fig.suptitle("Path integration on the graph: attractor lattice moves per action vs the action matrix")
    return fig


def place_maps_figure(a: ForagingAnalysis, cells: int = 8) -> Figure:
    """Rate maps of the first place cells, with field count and Skaggs information.

    Learned place cells (attractor) also show where the animal was at the cell's plateau (white ×).
    """
    n = min(cells, len(a.place_maps))
    fig = Figure(figsize=(2.4 * n, 2.8), layout="constrained")
    axes = fig.subplots(1, n, squeeze=False)[0]
    plateau = a.extra.get("place_plateau_position")
    for c in range(n):
        axes[c].imshow(a.place_maps[c].T, origin="lower", cmap="jet")
        if plateau is not None:  # map bin k spans [k, k + 1) × bin_size: bin centres sit at integers
            axes[c].plot([plateau[c, 0] / a.bin_size - 0.5], [plateau[c, 1] / a.bin_size - 0.5], "wx", ms=7, mew=2)
        axes[c].set_title(f"{a.place_fields[c]} field(s)\n{a.place_information[c]:.1f} bits/spike", fontsize=8)
        axes[c].set_xticks([])
        axes[c].set_yticks([])
    fig.suptitle("Place cells: integrate-and-fire neurons summing grid-cell spikes"
                 + ("; × where each got its plateau" if plateau is not None else ""))
    return fig


def capacity_spiking_figure(load: np.ndarray, overlap: np.ndarray, classic: np.ndarray, n: int,
                            limit: np.ndarray | None = None, model: str = "ideal") -> Figure:
    """Mean final overlap vs load: spiking Hopfield network vs the NumPy classic network.

    With ``limit`` (the Dale network's NumPy limit) a third curve is drawn.
    """
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    loads = np.unique(load)
    spiking = "spiking, Dale's law (LIF + interneurons)" if model == "dale" else "spiking, sign units (ideal)"
    curves = [(overlap, spiking, "o-"), (classic, "NumPy classic (async)", "s--")]
    if limit is not None:
        curves.append((limit, "NumPy limit of the clipped, balanced weights", "^:"))
    for values, label, style in curves:
        ax.plot(loads, [values[load == x].mean() for x in loads], style, label=label)
    ax.axvline(0.138, color="0.5", ls=":")
    ax.set_xlabel("load P / N")
    ax.set_ylabel("mean final overlap")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title(f"Pattern completion, N = {n}")
    ax.legend(frameon=False)
    return fig
