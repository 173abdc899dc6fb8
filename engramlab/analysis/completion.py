"""Pattern completion in the spiking Hopfield network: the overlap of recalled states vs load."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from engramlab.results import Result

__all__ = ["completion_figure", "completion_summary", "completion_table"]


def completion_summary(result: Result) -> dict[str, Any]:
    """Mean final overlap per load (spikes and the NumPy asynchronous network) and the spiking capacity.

    The spiking capacity is the first load whose mean overlap falls below 0.9 (None if none does).
    """
    load, ov, cl = result["load"], result["overlap"], result["classic_overlap"]
    loads = np.unique(load)
    mean_by = [float(ov[load == x].mean()) for x in loads]
    below = [x for x, m in zip(loads, mean_by, strict=True) if m < 0.9]
    model = str(result.params.get("model", "ideal"))
    out: dict[str, Any] = {
        "n": int(result.params["n"]), "model": model,
        "model_note": ("excitatory LIF memory cells (Dale's law), clipped Hebbian synapses, interneurons "
                       "that remove each cell's mean excitation; no equation holds the sign of a field"
                       if model == "dale" else
                       "ideal: units fire at the sign of their ±1 field and silent units push with -w: the "
                       "classic equation in spikes, no Dale's law (the mathematical limit)"),
        "loads": [float(x) for x in loads], "mean_overlap_by_load": mean_by,
        "classic_mean_overlap_by_load": [float(cl[load == x].mean()) for x in loads],
        "spiking_capacity": float(below[0]) if below else None}
    if "dale_limit_overlap" in result.arrays:
        lim = result["dale_limit_overlap"]
        out["dale_limit_mean_overlap_by_load"] = [float(lim[load == x].mean()) for x in loads]
        out["active_rate_hz_by_load"] = [float(result["active_rate"][load == x].mean()) for x in loads]
        out["silent_rate_hz_by_load"] = [float(result["silent_rate"][load == x].mean()) for x in loads]
    return out


def completion_table(s: Mapping[str, Any]) -> dict[str, Any]:
    """The lines of ``summary.md`` and of the printed table."""
    table = {"model": s.get("model", "ideal"), "loads": s["loads"],
             "mean overlap": [round(v, 3) for v in s["mean_overlap_by_load"]],
             "NumPy classic network, mean overlap": [round(v, 3) for v in s["classic_mean_overlap_by_load"]],
             "spiking capacity (overlap < 0.9 first)": s["spiking_capacity"]}
    if "dale_limit_mean_overlap_by_load" in s:
        table["NumPy limit of the Dale weights, mean overlap"] = [round(v, 3)
                                                                  for v in s["dale_limit_mean_overlap_by_load"]]
    return table


def completion_figure(result: Result) -> Any:
    """Mean final overlap vs load, spikes against the NumPy classic network."""
    from engramlab.analysis.figures.hippocampus import capacity_spiking_figure

    limit = result["dale_limit_overlap"] if "dale_limit_overlap" in result.arrays else None
    return capacity_spiking_figure(result["load"], result["overlap"], result["classic_overlap"],
                                   int(result.params["n"]), limit, str(result.params.get("model", "ideal")))
