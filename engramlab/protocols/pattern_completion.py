"""Pattern completion in a spiking classic Hopfield network: final overlap vs load.

For each load P/N, store P random ±1 patterns with Hebbian weights, cue ``cues`` of them with a
fraction of bits flipped, let the spiking network settle and read who fires at the end. Every
(load, trial) network runs side by side in one Brian2 run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engramlab.analysis import hopfield
from engramlab.circuits._device import DEVICES
from engramlab.circuits.hippocampus import SpikingHopfield
from engramlab.models._params import Params, param
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
                                     "loads P/N to test", low=0, high=2, low_open=True, structural=True)
    trials: int = param(2, "independent pattern sets per load", low=1, structural=True)
    cues: int = param(10, "patterns cued per trial", low=1, structural=True)
    cue_flip: float = param(0.05, "fraction of flipped cue bits", low=0, high=0.49)
    target: str = param("numpy", "Brian2 target", choices=("numpy", "cython", "auto"))
    device: str = param("runtime", "'runtime' (numpy/cython target) or 'cpp_standalone' "
                        "(one compiled C++ program)", choices=DEVICES)
    threads: int = param(0, "OpenMP threads of cpp_standalone (0: none)", low=0, high=256)
    seed: int = param(0, "seed of patterns, cues and spikes", low=0, high=2**32 - 1)
    units: HopfieldUnitParams = field(default_factory=HopfieldUnitParams)

    def check(self) -> None:
        """At least one load."""
        if not self.loads:
            raise self.fail("loads", "must be a non-empty list of loads in (0, 2]")


def memory_estimate(cfg: PatternCompletionConfig, protocol: None = None) -> tuple[float, str]:
    """Estimated peak bytes: every cued network is its own all-to-all block of n units."""
    blocks = sum(cfg.trials * min(max(1, round(float(x) * cfg.n)), cfg.cues) for x in cfg.loads)
    weights = len(cfg.loads) * cfg.trials * cfg.n * cfg.n * 8
    return blocks * cfg.n * (cfg.n - 1) * BYTES_PER_SYNAPSE + weights, "n"


def run_pattern_completion(config: PatternCompletionConfig | None = None, report: Any = None) -> Result:
    """Run every load and trial in one network and return a Result.

    Arrays ``load``, ``overlap`` (per cue) and ``classic_overlap`` (the NumPy asynchronous
    Hopfield network on the same patterns and cues).
    """
    cfg = config or PatternCompletionConfig()
    rng = np.random.default_rng([cfg.seed, 51])
    weights, cues, stored, loads = [], [], [], []
    for load in cfg.loads:
        p = max(1, round(float(load) * cfg.n))
        for _ in range(cfg.trials):
            x = hopfield.random_patterns(p, cfg.n, rng)
            idx = rng.choice(p, size=min(p, cfg.cues), replace=False)
            weights.append(hopfield.hebbian_weights(x))
            cues.append(hopfield.corrupt(x[idx], cfg.cue_flip, rng))
            stored.append(x[idx])
            loads.append(p / cfg.n)
    t0 = time.perf_counter()
    net = SpikingHopfield(weights, cues, cfg.units, target=cfg.target, seed=cfg.seed,
                          device=cfg.device, threads=cfg.threads)
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    recalled = net.run(report=report)
    run_s = time.perf_counter() - t1
    load_of, overlap, classic = [], [], []
    for w, c, s, rec, load in zip(weights, cues, stored, recalled, loads, strict=True):
        overlap.append(np.sum(rec * s, axis=1) / cfg.n)
        final, _, _ = hopfield.classic_recall(w, c, "async", 100, rng)
        classic.append(np.sum(np.atleast_2d(final) * s, axis=1) / cfg.n)
        load_of.append(np.full(len(s), load))
    arrays = {"load": np.concatenate(load_of), "overlap": np.concatenate(overlap),
              "classic_overlap": np.concatenate(classic)}
    values, units = config_params(cfg)
    values["loads"] = [float(x) for x in cfg.loads]
    metadata = run_metadata(cfg.seed, protocol="pattern-completion", target=cfg.target, device=cfg.device,
                            timings=net.timings,
                            build_seconds=build_s, run_seconds=run_s,
                            biological_seconds=float(cfg.units.cue + cfg.units.settle))
    return Result("pattern-completion", arrays, values, metadata, units)
