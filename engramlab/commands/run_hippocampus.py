"""``engramlab run navigation | foraging | pattern-completion``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from engramlab.commands._common import finish_run, print_table, progress

__all__ = ["run_foraging_cmd", "run_navigation_cmd", "run_pattern_completion_cmd"]


def _config(defaults: Any, args: argparse.Namespace, quick: dict[str, Any]) -> Any:
    from engramlab.config import apply_mapping, load_toml, merge, parse_set

    mapping: dict[str, Any] = dict(quick) if args.quick else {}
    if args.config:
        mapping = merge(mapping, load_toml(args.config))
    mapping = merge(mapping, parse_set(args.set))
    mapping.pop("protocol", None)
    if args.seed is not None:
        mapping["seed"] = args.seed
    return apply_mapping(defaults, mapping)


def run_navigation_cmd(args: argparse.Namespace) -> int:
    """Random walks on a graph; predict each next observation with memory neurons in spikes."""
    from engramlab.analysis.figures import hippocampus as figs
    from engramlab.analysis.navigation import analyse_navigation, navigation_summary
    from engramlab.protocols.navigation import NavigationConfig, run_navigation
    from engramlab.results import run_metadata, save_figure

    cfg = _config(NavigationConfig(), args, {"steps": 300, "environments": 1, "graph": "grid8x8"})
    if not args.quiet:
        print(f"navigation on {cfg.graph}: {cfg.environments} environment(s) × {cfg.steps} steps, "
              f"β = {cfg.memory.beta:g}, target {cfg.target}")
    t0 = time.perf_counter()
    result = run_navigation(cfg, report=progress(args.quiet))
    out = Path(args.out)
    result.save(out, "result")
    a = analyse_navigation(result)
    save_figure(figs.navigation_figure(a), out, "accuracy_vs_visits")
    save_figure(figs.softmax_spikes_figure(a), out, "softmax_in_spikes")
    summary = navigation_summary(a)
    summary.update(environments=cfg.environments, wall_seconds=time.perf_counter() - t0,
                   metadata=run_metadata(cfg.seed, command="run navigation"))
    finish_run(out, f"Navigation on {cfg.graph}: memory neurons compute attention",
               "Grid cells path-integrate the walk; one memory neuron is allocated per step (key: the "
               "grid code, value: the LEC code of the observation); divisive inhibition makes the memory "
               "population fire softmax(β k·q); prediction neurons read the next observation.",
               [("accuracy_vs_visits", "Accuracy of the next-observation prediction against the fraction "
                                       "of nodes visited and of edges taken, with the node-agent and "
                                       "edge-agent baselines."),
                ("softmax_in_spikes", "Memory-neuron spike-count fractions against softmax(β k·q) from "
                                      "NumPy causal attention on the same keys and values.")],
               summary, quiet=True)
    if not args.quiet:
        print_table("Navigation", {k: summary[k] for k in (
            "accuracy", "node_agent_accuracy", "edge_agent_accuracy", "zero_shot_accuracy",
            "attention_agreement", "softmax_weight_error")})
        print(f"report: {out / 'report.html'}")
    return 0


def run_foraging_cmd(args: argparse.Namespace) -> int:
    """A rat-like trajectory drives grid cells; place cells read them; rate maps and gridness."""
    from engramlab.analysis.figures import hippocampus as figs
    from engramlab.analysis.foraging import analyse_foraging, foraging_summary
    from engramlab.protocols.foraging import ForagingConfig, run_foraging
    from engramlab.results import run_metadata, save_figure

    cfg = _config(ForagingConfig(), args, {"duration": "200 s"})
    if not args.quiet:
        print(f"foraging for {float(cfg.duration):.0f} s in a {cfg.box} m box, {cfg.grid.modules} grid "
              f"modules, {cfg.place.cells} place cells")
    t0 = time.perf_counter()
    result = run_foraging(cfg, report=progress(args.quiet))
    out = Path(args.out)
    result.save(out, "result")
    a = analyse_foraging(result)
    save_figure(figs.grid_maps_figure(a), out, "grid_cells")
    save_figure(figs.place_maps_figure(a), out, "place_cells")
    summary = foraging_summary(a)
    summary.update(wall_seconds=time.perf_counter() - t0, metadata=run_metadata(cfg.seed, command="run foraging"))
    finish_run(out, "Foraging: grid and place cells",
               "Spiking grid cells driven by a path-integrated rat-like trajectory, and place cells "
               "built from them.",
               [("grid_cells", "Best cell of each module: rate map and autocorrelogram with gridness "
                               "(Sargolini min–max form) and spacing."),
                ("place_cells", "Place-cell rate maps with their number of fields and Skaggs information.")],
               summary, quiet=True)
    if not args.quiet:
        print_table("Foraging", {k: summary[k] for k in ("gridness", "spacing_m", "spacing_target_m",
                                                          "place_cells_single_field_fraction")})
        print(f"report: {out / 'report.html'}")
    return 0


def run_pattern_completion_cmd(args: argparse.Namespace) -> int:
    """Spiking Hopfield pattern completion: final overlap vs load."""
    from engramlab.analysis.figures import hippocampus as figs
    from engramlab.protocols.pattern_completion import PatternCompletionConfig, run_pattern_completion
    from engramlab.results import run_metadata, save_figure

    cfg = _config(PatternCompletionConfig(), args, {"n": 120, "trials": 1, "cues": 8})
    t0 = time.perf_counter()
    result = run_pattern_completion(cfg, report=progress(args.quiet))
    out = Path(args.out)
    result.save(out, "result")
    load, ov, cl = result["load"], result["overlap"], result["classic_overlap"]
    loads = np.unique(load)
    mean_by = [float(ov[load == x].mean()) for x in loads]
    below = [x for x, m in zip(loads, mean_by, strict=True) if m < 0.9]
    save_figure(figs.capacity_spiking_figure(load, ov, cl, cfg.n), out, "capacity")
    summary = {"n": cfg.n, "loads": [float(x) for x in loads], "mean_overlap_by_load": mean_by,
               "classic_mean_overlap_by_load": [float(cl[load == x].mean()) for x in loads],
               "spiking_capacity": float(below[0]) if below else None,
               "wall_seconds": time.perf_counter() - t0,
               "metadata": run_metadata(cfg.seed, command="run pattern-completion")}
    finish_run(out, f"Spiking pattern completion, N = {cfg.n}",
               "A classic Hopfield network in spikes: cued patterns are completed up to a load near "
               "0.14 N and collapse beyond.",
               [("capacity", "Mean final overlap of cued patterns against the load, spiking network vs "
                             "the NumPy asynchronous classic network on the same patterns.")],
               summary, quiet=True)
    if not args.quiet:
        print_table("Pattern completion", {"loads": summary["loads"], "mean overlap": mean_by,
                                           "spiking capacity (overlap < 0.9 first)": summary["spiking_capacity"]})
        print(f"report: {out / 'report.html'}")
    return 0
