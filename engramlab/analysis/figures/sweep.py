"""Figures of parameter sweeps: one metric over a grid of settings (rows of plain dicts)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from matplotlib.figure import Figure

__all__ = ["map_figure", "sort_key"]


def sort_key(v: Any) -> tuple[int, float, str]:
    """Numbers and quantities ("4 Hz", "1.5 ms") in numeric order, other values after them by text."""
    text = str(v).strip()
    match = re.match(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text)
    return (0, float(match.group(0)), text) if match else (1, 0.0, text)


def map_figure(rows: list[dict[str, Any]], x_param: str, y_param: str, metric: str) -> Any:
    """A 2-D map of ``metric`` (mean over seeds and any other swept parameters) over two parameters.

    Each cell is annotated with its mean; cells no point reached stay blank.
    """
    xs = sorted({str(r[x_param]) for r in rows}, key=sort_key)
    ys = sorted({str(r[y_param]) for r in rows}, key=sort_key)
    grid = np.full((len(ys), len(xs)), np.nan)
    for iy, y in enumerate(ys):
        for ix, x in enumerate(xs):
            vals = [float(r[metric]) for r in rows if str(r[x_param]) == x and str(r[y_param]) == y
                    and r.get(metric) is not None]
            if vals:
                grid[iy, ix] = float(np.mean(vals))
    fig = Figure(figsize=(1.2 * len(xs) + 3, 0.8 * len(ys) + 2.5), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(np.ma.masked_invalid(grid), origin="lower", aspect="auto", cmap="viridis")
    for iy in range(len(ys)):
        for ix in range(len(xs)):
            if np.isfinite(grid[iy, ix]):
                ax.text(ix, iy, f"{grid[iy, ix]:.3g}", ha="center", va="center", fontsize=8,
                        color="w" if grid[iy, ix] < np.nanmean(grid) else "k")
    ax.set_xticks(range(len(xs)), xs)
    ax.set_yticks(range(len(ys)), ys)
    ax.set_xlabel(x_param)
    ax.set_ylabel(y_param)
    fig.colorbar(image, ax=ax, label=metric)
    ax.set_title(f"{metric} (mean over seeds)")
    return fig
