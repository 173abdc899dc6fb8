"""Compile once, run many: what a standalone sweep of seeds costs (prints one ``RESULT {...}`` line).

A sweep of ``seeds`` points that differ only in the seed runs through ``engramlab sweep`` (with
the command's default ``--workers auto``, or ``"workers": N``) with an empty program cache of its
own (``ENGRAMLAB_PROGRAM_CACHE``), so the first point compiles the program and the others find it
kept; Brian2's integration steps are derived afresh too (an empty ``ENGRAMLAB_EXACT_CACHE``)
unless ``"exact_cache": "kept"``. Reported: the sweep's wall time, its ``compiles``,
``compile_seconds`` and ``simulate_seconds`` (summary.json), and the issue's bound ``the compiling
point's compile + points × mean simulate × 1.2`` (``bound_s``) and, with the first point's own
simulation, which runs alone, ``bound_alone_s``. With ``param`` (``--param`` grids)
the points are every value × ``seeds``.

Usage::

    python benchmarks/bench_sweep.py '{"protocol": "sdm", "quick": true, "seeds": 8}'
    python benchmarks/bench_sweep.py '{"protocol": "sdm", "quick": true, "seeds": 8, "workers": 1}'
    python benchmarks/bench_sweep.py '{"protocol": "eyeblink", "quick": true, "seeds": 2,
                                       "param": ["granule.C=6pF,7pF,8pF,9pF"]}'
    python benchmarks/bench_sweep.py '{"protocol": "eyeblink", "seeds": 8,
                                       "set": ["device=\\"cpp_standalone\\"", "trials=20", "r=1000"]}'
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def sweep(cfg: dict) -> dict:
    seeds = int(cfg.get("seeds", 8))
    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
        env = dict(os.environ, ENGRAMLAB_PROGRAM_CACHE=str(Path(tmp) / "programs"))
        if cfg.get("exact_cache", "empty") == "empty":  # "kept": Brian2's integration steps from earlier runs
            env["ENGRAMLAB_EXACT_CACHE"] = str(Path(tmp) / "exact")
        out = Path(tmp) / "sweep"
        cmd = [sys.executable, "-m", "engramlab.cli", "sweep", cfg["protocol"], "--seeds", str(seeds),
               "--out", str(out), "-q"] + (["--quick"] if cfg.get("quick") else [])
        for setting in cfg.get("set", ()):
            cmd += ["--set", setting]
        for grid in cfg.get("param", ()):  # e.g. "granule.C=6pF,7pF,8pF,9pF": points × seeds
            cmd += ["--param", grid]
        cmd += ["--workers", str(cfg.get("workers", "auto"))]  # points at once (the first alone: it compiles)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, env=env)
        wall = time.perf_counter() - t0
        summary = json.loads((out / "summary.json").read_text())
        markers = sorted(out.glob("points/*/done.json"), key=lambda p: p.stat().st_mtime)
        in_order = [json.loads(p.read_text()) for p in markers]  # as they finished
        points = sorted(in_order, key=lambda d: d["compile_seconds"], reverse=True)
    # the point that compiled (with --param the sweep does not run in seed order); a sweep that
    # compiles more than once (0 against non-zero of a ° parameter) is held to its largest compile only
    first = points[0]
    simulate = [p["simulate_seconds"] for p in points]
    bound = first["compile_seconds"] + len(points) * (sum(simulate) / len(simulate)) * 1.2
    # with several workers, points simulating at once slow each other: the first point to finish
    # ran alone (the sweep runs it before starting its workers), so its simulation is "one run's"
    alone = in_order[0]
    bound_alone = alone["compile_seconds"] + len(points) * alone["simulate_seconds"] * 1.2
    return dict(protocol=cfg["protocol"], seeds=seeds, points=len(points), param=list(cfg.get("param", ())),
                workers=summary.get("workers"), exact_cache=cfg.get("exact_cache", "empty"),
                wall_s=wall, compiles=summary["compiles"],
                compile_s=summary["compile_seconds"], simulate_s=summary["simulate_seconds"],
                first_point_s=first["seconds"], first_compile_s=first["compile_seconds"],
                later_point_s=[round(p["seconds"], 2) for p in points[1:]],
                later_compile_s=[round(p["compile_seconds"], 2) for p in points[1:]],
                later_compiled_sources=[p["compiled_sources"] for p in points[1:]],
                bound_s=bound, within_bound=wall <= bound,
                first_alone_compile_s=alone["compile_seconds"], first_alone_simulate_s=alone["simulate_seconds"],
                bound_alone_s=bound_alone, within_bound_alone=wall <= bound_alone)


if __name__ == "__main__":
    print("RESULT " + json.dumps(sweep(json.loads(sys.argv[1]))))
