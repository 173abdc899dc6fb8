"""Figures for the equations layer: SDM weights vs softmax, Hopfield capacity."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from engramlab.analysis.hopfield import CapacityCurve
from engramlab.analysis.theory import SDMAttentionComparison

__all__ = ["capacity_figure", "plot_capacity", "plot_sdm_weights", "sdm_weights_figure"]


def plot_sdm_weights(ax: Axes, comp: SDMAttentionComparison, log: bool = False) -> Axes:
    """Normalised circle-intersection weights, fitted softmax and continuous-cap weights vs d_v."""
    ax.plot(comp.dv, comp.binary, "o", color="C0", label="SDM circle intersection (binary)")
    ax.plot(comp.dv, comp.softmax, "-", color="C3", label=f"softmax(β cos), β = {comp.beta:.2f}")
    ax.plot(comp.dv, comp.continuous, "--", color="C2", label="SDM cap intersection (continuous)")
    ax.axvline(comp.d, color="0.6", lw=0.8, ls=":")
    ax.text(comp.d, 0.98, " d", transform=ax.get_xaxis_transform(), va="top", color="0.4")
    ax.set_xlabel("Hamming distance query–pattern, $d_v$")
    ax.set_ylabel("normalised weight" + (" (log)" if log else ""))
    if log:
        ax.set_yscale("log")
        positive = [v for v in (*comp.binary, *comp.softmax, *comp.continuous) if v > 0]
        ax.set_ylim(max(min(positive), 1e-12) / 2, 1.5)
    ax.set_title(f"n = {comp.n}, d = {comp.d}" + (", log scale" if log else ""))
    return ax


def sdm_weights_figure(comp: SDMAttentionComparison) -> Figure:
    """Two panels (linear and log) of :func:`plot_sdm_weights`."""
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax_lin, ax_log = fig.subplots(1, 2)
    plot_sdm_weights(ax_lin, comp)
    plot_sdm_weights(ax_log, comp, log=True)
    ax_lin.legend(fontsize=8, frameon=False)
    fig.suptitle("The SDM read weights decay ~exponentially: softmax attention approximates them")
    return fig


def plot_capacity(ax: Axes, curves: Sequence[CapacityCurve], threshold: float = 0.9) -> Axes:
    """Mean final overlap vs load P/N for each curve (band: ± SD over cued patterns)."""
    for i, curve in enumerate(curves):
        label = "classic Hopfield" if curve.model == "classic" else f"modern (β = {curve.beta:.3g})"
        color = f"C{i}"
        ax.plot(curve.loads, curve.mean_overlap, "o-", ms=3, color=color, label=label)
        ax.fill_between(curve.loads, curve.mean_overlap - curve.std_overlap,
                        np.minimum(1.0, curve.mean_overlap + curve.std_overlap), color=color, alpha=0.2,
                        lw=0)
    ax.axvline(0.138, color="0.5", ls=":", lw=1)
    ax.text(0.138, 0.02, " 0.138 N", transform=ax.get_xaxis_transform(), color="0.4")
    ax.axhline(threshold, color="0.7", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("load P / N")
    ax.set_ylabel("mean final overlap with the stored pattern")
    ax.set_ylim(-0.05, 1.05)
    ax.legend(frameon=False)
    return ax


def capacity_figure(curves: Sequence[CapacityCurve]) -> Figure:
    """Capacity of the classic vs the modern Hopfield network."""
    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.subplots()
    plot_capacity(ax, curves)
    n = curves[0].n if curves else 0
    ax.set_title(f"Hopfield capacity, N = {n}\nclassic collapses near 0.14 N, modern keeps retrieving")
    return fig
