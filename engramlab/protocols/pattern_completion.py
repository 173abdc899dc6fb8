"""Pattern completion in a spiking Hopfield network: final overlap vs load.

For each load P/N, store P random ±1 patterns with Hebbian weights, cue ``cues`` of them with a
fraction of bits flipped, let the spiking network settle and read who fires at the end. Every
(load, trial) network runs side by side in one Brian2 run.

Two spiking networks: ``model = "dale"`` (the default: excitatory LIF memory cells with
clipped Hebbian synapses and interneurons that remove the mean,
:mod:`engramlab.models.dale_hopfield`) and ``model = "ideal"`` (units fire at a rate set by the
sign of their summed ±1 field, silent units pushing with −w: the classic network's equation in
spikes, without Dale's law — the mathematical limit, labelled so). Both are compared
with the NumPy asynchronous classic network on the same patterns and cues, and the Dale network
also with its own mathematical limit (:func:`engramlab.analysis.hopfield.dale_limit_weights`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engramlab.analysis import hopfield
from engramlab.circuits._device import DEVICES, threads_param
from engramlab.circuits.dale_hopfield import DaleHopfield
from engramlab.circuits.hippocampus import SpikingHopfield
from engramlab.models._params import Params, param
from engramlab.models.dale_hopfield import DaleHopfieldParams
from engramlab.models.hippocampal import HopfieldUnitParams
from engramlab.protocols._result import config_params
from engramlab.resources import BYTES_PER_SYNAPSE
from engramlab.results import Result, run_metadata

__all__ = ["PatternCompletionConfig", "memory_estimate", "run_pattern_completion"]


@dataclass(frozen=True)
class PatternCompletionConfig(Params):
    """Sizes, loads and cues of the pattern-completion protocol."""

    n: int = param(200, "units", low=10, high=5000, structural=True)
    loads: tuple[float, ...] = param((0.05, 0.08, 0.1, 0.12, 0.14, 0.16, 0.18, 0.22, 0.3),
                                     "loads P/N to test (each stores P = round(load × n) >= 1 patterns; the "
                                     "summary reports the loads stored, P/n, ascending, and pools the trials of "
                                     "loads that store the same P)", low=0, high=2, low_open=True, structural=True)
    trials: int = param(2, "independent pattern sets per load", low=1, structural=True)
    cues: int = param(10, "patterns cued per trial", low=1, structural=True)
    cue_flip: float = param(0.05, "fraction of flipped cue bits", low=0, high=0.49)
    target: str = param("numpy", "Brian2 target", choices=("numpy", "cython", "auto"))
    device: str = param("runtime", "'runtime' (numpy/cython target) or 'cpp_standalone' "
                        "(one compiled C++ program)", choices=DEVICES)
    threads: int = threads_param()
    seed: int = param(0, "seed of patterns, cues and spikes", low=0, high=2**32 - 1)
    model: str = param("dale", "'dale': excitatory LIF memory cells, clipped Hebbian synapses, "
                               "interneurons (Dale's law); 'ideal': units fire at the sign of their ±1 "
                               "field, silent units push with -w (the classic equation in spikes)",
                       choices=("dale", "ideal"), structural=True)
    units: HopfieldUnitParams = field(default_factory=HopfieldUnitParams)
    dale: DaleHopfieldParams = field(default_factory=DaleHopfieldParams)

    def check(self) -> None:
        """At least one load; the parameters of the model not run are left at their defaults."""
        if not self.loads:
            raise self.fail("loads", "must be a non-empty list of loads in (0, 2]")
        counts = [round(float(x) * self.n) for x in self.loads]
        if min(counts) < 1:
            raise self.fail("loads", f"must each store at least one pattern (round(load × n) >= 1 at n = "
                                     f"{self.n}: load > {0.5 / self.n:.4g}), got {min(self.loads)}")

        if self.model == "ideal" and self.dale != DaleHopfieldParams():
            raise self.fail("dale", "applies to model = 'dale' only (set model=dale)")
        if self.model == "dale" and self.units != HopfieldUnitParams():
            raise self.fail("units", "applies to model = 'ideal' only (the Dale network's are under dale.*)")


def memory_estimate(cfg: PatternCompletionConfig, protocol: None = None) -> tuple[float, str]:
    """Estimated peak bytes: every cued network is its own all-to-all block of n units."""
    blocks = sum(cfg.trials * min(round(float(x) * cfg.n), cfg.cues) for x in cfg.loads)
    weights = len(cfg.loads) * cfg.trials * cfg.n * cfg.n * 8
    per_block = cfg.n * (cfg.n - 1)
    if cfg.model == "dale":  # about half the clipped weights are zero; memory cells <-> interneurons both ways
        per_block = per_block // 2 + 2 * cfg.n * max(1, round(cfg.dale.interneuron_ratio * cfg.n))
    return blocks * per_block * BYTES_PER_SYNAPSE + weights, "n"


def run_pattern_completion(config: PatternCompletionConfig | None = None, report: Any = None) -> Result:
    """Run every load and trial in one network and return a Result.

    Arrays ``load``, ``overlap`` (per cue) and ``classic_overlap`` (the NumPy asynchronous
    Hopfield network on the same patterns and cues); with ``model = "dale"`` also
    ``dale_limit_overlap`` (sign dynamics on the clipped, balanced weights: the Dale network's
    mathematical limit) and ``active_rate``/``silent_rate`` (mean rates of the pattern's +1 and
    −1 cells in the read-out window, per cue).
    """
    cfg = config or PatternCompletionConfig()
    rng = np.random.default_rng([cfg.seed, 51])
    weights, cues, stored, loads = [], [], [], []
    for load in cfg.loads:
        p = round(float(load) * cfg.n)  # >= 1: checked by PatternCompletionConfig
        for _ in range(cfg.trials):
            x = hopfield.random_patterns(p, cfg.n, rng)
            idx = rng.choice(p, size=min(p, cfg.cues), replace=False)
            weights.append(hopfield.hebbian_weights(x))
            cues.append(hopfield.corrupt(x[idx], cfg.cue_flip, rng))
            stored.append(x[idx])
            loads.append(p / cfg.n)
    t0 = time.perf_counter()
    net: SpikingHopfield | DaleHopfield
    if cfg.model == "dale":
        net = DaleHopfield(weights, cues, cfg.dale, target=cfg.target, seed=cfg.seed, device=cfg.device,
                           threads=cfg.threads)
    else:
        net = SpikingHopfield(weights, cues, cfg.units, target=cfg.target, seed=cfg.seed,
                              device=cfg.device, threads=cfg.threads)
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    recalled = net.run(report=report)
    run_s = time.perf_counter() - t1
    load_of, overlap, classic, limit = [], [], [], []
    for w, c, s, rec, load in zip(weights, cues, stored, recalled, loads, strict=True):
        overlap.append(np.sum(rec * s, axis=1) / cfg.n)
        final, _, _ = hopfield.classic_recall(w, c, "async", 100, rng)
        classic.append(np.sum(np.atleast_2d(final) * s, axis=1) / cfg.n)
        if cfg.model == "dale":
            final, _, _ = hopfield.classic_recall(hopfield.dale_limit_weights(w), c, "async", 100, rng)
            limit.append(np.sum(np.atleast_2d(final) * s, axis=1) / cfg.n)
        load_of.append(np.full(len(s), load))
    arrays = {"load": np.concatenate(load_of), "overlap": np.concatenate(overlap),
              "classic_overlap": np.concatenate(classic)}
    if isinstance(net, DaleHopfield):
        arrays["dale_limit_overlap"] = np.concatenate(limit)
        patterns = np.concatenate(stored)
        arrays["active_rate"] = np.sum(net.rates * (patterns > 0), axis=1) / np.sum(patterns > 0, axis=1)
        arrays["silent_rate"] = np.sum(net.rates * (patterns < 0), axis=1) / np.maximum(np.sum(patterns < 0, axis=1), 1)
    values, units = config_params(cfg)
    values["loads"] = [float(x) for x in cfg.loads]
    metadata = run_metadata(cfg.seed, protocol="pattern-completion", target=cfg.target, device=cfg.device,
                            timings=net.timings,
                            build_seconds=build_s, run_seconds=run_s,
                            biological_seconds=float(cfg.dale.cue + cfg.dale.settle) if cfg.model == "dale"
                            else float(cfg.units.cue + cfg.units.settle))
    return Result("pattern-completion", arrays, values, metadata, units)
