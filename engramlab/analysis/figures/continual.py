"""Figures of the class-incremental digits task: accuracy matrices, learning curves, DCN evidence."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from engramlab.analysis.continual import ContinualAnalysis

__all__ = ["accuracy_matrix_figure", "dcn_evidence_figure", "seen_tasks_figure"]


def _learners(a: ContinualAnalysis) -> list[tuple[str, np.ndarray]]:
    return [("spiking cerebellum (DCN)", a.spiking), ("NumPy SDM, same Top-K", a.numpy_sdm),
            ("online MLP", a.mlp)]


def accuracy_matrix_figure(a: ContinualAnalysis) -> Figure:
    """The continual-learning matrix A[i, j] (accuracy on task j after task i) of each learner."""
    fig = Figure(figsize=(12, 4), layout="constrained")
    axes = fig.subplots(1, 3)
    image = None
    for ax, (name, matrix) in zip(axes, _learners(a), strict=True):
        image = ax.imshow(matrix, vmin=0, vmax=1, cmap="viridis")
        for i in range(matrix.shape[0]):
            for j in range(matrix.shape[1]):
                ax.text(j, i, f"{matrix[i, j]:.2f}", ha="center", va="center", fontsize=8,
                        color="white" if matrix[i, j] < 0.6 else "black")
        ax.set_xticks(range(a.tasks))
        ax.set_yticks(range(a.tasks))
        ax.set_xlabel("tested on task")
        ax.set_ylabel("after training task")
        ax.set_title(f"{name}\nfinal mean {matrix[-1].mean():.3f}", fontsize=10)
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.8, label="accuracy")
    return fig


def seen_tasks_figure(a: ContinualAnalysis) -> Figure:
    """Mean accuracy over the tasks seen so far after each task, and each task's final accuracy."""
    fig = Figure(figsize=(11, 4), layout="constrained")
    ax, axb = fig.subplots(1, 2)
    after = np.arange(1, a.tasks + 1)
    width = 0.8 / 3
    for k, (name, matrix) in enumerate(_learners(a)):
        seen = [matrix[i, : i + 1].mean() for i in range(a.tasks)]
        ax.plot(after, seen, "o-", color=f"C{k}", label=name)
        axb.bar(np.arange(a.tasks) + (k - 1) * width, matrix[-1], width, color=f"C{k}", label=name)
    ax.axhline(a.iid_upper_bound, color="0.4", ls="--", lw=1, label=f"i.i.d. MLP bound {a.iid_upper_bound:.3f}")
    ax.set_ylim(0, 1.02)
    ax.set_xticks(after)
    ax.set_xlabel("tasks trained")
    ax.set_ylabel("mean accuracy on the tasks seen so far")
    ax.legend(frameon=False, fontsize=8)
    axb.set_ylim(0, 1.02)
    axb.set_xticks(range(a.tasks))
    axb.set_xlabel("task")
    axb.set_ylabel("accuracy after the last task")
    axb.set_title("Who remembers the first tasks?", fontsize=10)
    return fig


def dcn_evidence_figure(a: ContinualAnalysis) -> Figure:
    """Mean DCN rate increase of each output line for test digits of each class, after the last task."""
    fig = Figure(figsize=(6, 5), layout="constrained")
    ax = fig.subplots()
    classes = a.dcn_increase.shape[1]
    mean = np.array([a.dcn_increase[a.read_labels == c].mean(axis=0) if np.any(a.read_labels == c)
                     else np.full(classes, np.nan) for c in range(classes)])
    lim = float(np.nanmax(np.abs(mean))) if np.isfinite(mean).any() else 1.0
    image = ax.imshow(mean, cmap="RdBu_r", vmin=-lim, vmax=lim)
    fig.colorbar(image, ax=ax, label="DCN rate − rest (Hz)")
    ax.set_xticks(range(classes))
    ax.set_yticks(range(classes))
    ax.set_xlabel("output line (class)")
    ax.set_ylabel("class of the test digit")
    ax.set_title(f"Circuit output after the last task (rest {a.dcn_baseline_hz:.0f} Hz)", fontsize=10)
    return fig
