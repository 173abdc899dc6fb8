"""Parameter sweeps that resume after a crash and scale out on a process pool or a Dask cluster.

A sweep is the cartesian product of ``--param NAME=V1,V2,...`` values and ``--seeds`` seeds for
one protocol. Every point runs ``engramlab run PROTOCOL --set NAME=V ... --seed S`` into its own
folder ``points/<id>/`` (the id is a hash of the protocol and the point's settings) and writes
``done.json`` last, atomically: re-running the same sweep skips every point that has it, so a
sweep killed midway resumes without redoing or losing finished points.

Execution: a local process pool (spawned processes, no server) by default, or a Dask
distributed cluster (``--scheduler ADDR``, or ``--dask local`` for a LocalCluster) — the same
code path a user takes to an HPC cluster through dask-jobqueue. Dask workers import Brian2 at
start-up (``preload=engramlab._dask_preload``): importing it inside a task thread fails on its
signal handling.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from engramlab.results import atomic_write_json

__all__ = ["SweepPoint", "parse_params", "plan_sweep", "run_point", "run_sweep", "sweep_table"]

PROTOCOLS = ("sdm", "eyeblink", "associative", "navigation", "foraging", "pattern-completion")

#: the headline number of each protocol's summary.json, used for the sweep's table and figure
METRICS: dict[str, tuple[str, ...]] = {
    "sdm": ("bit_accuracy_noise_le_5", "numpy_agreement", "softmax_weight_error"),
    "eyeblink": ("last_block_cr_percent", "pause_min_ms"),
    "associative": ("last_block_accuracy", "last_block_reversal_accuracy"),
    "navigation": ("accuracy", "node_agent_accuracy", "zero_shot_accuracy"),
    "foraging": ("gridness_mean", "place_cells_single_field_fraction"),
    "pattern-completion": ("spiking_capacity",),
}


@dataclass(frozen=True)
class SweepPoint:
    """One point of a sweep: the overrides (``key=value`` strings), the seed and where it goes."""

    protocol: str
    overrides: tuple[str, ...]
    seed: int
    quick: bool

    @property
    def key(self) -> str:
        """Stable identifier of the point (hash of protocol, overrides, seed, quick)."""
        text = json.dumps([self.protocol, list(self.overrides), self.seed, self.quick])
        return hashlib.sha1(text.encode()).hexdigest()[:12]

    def argv(self, out: Path) -> list[str]:
        """The ``engramlab`` command line of this point."""
        args = ["run", self.protocol]
        for o in self.overrides:
            args += ["--set", o]
        args += ["--seed", str(self.seed), "--out", str(out), "-q"]
        if self.quick:
            args.append("--quick")
        return args


def parse_params(specs: Sequence[str]) -> dict[str, list[str]]:
    """``["r=1000,2000", "d=10,12"]`` → ``{"r": ["1000", "2000"], "d": ["10", "12"]}``."""
    out: dict[str, list[str]] = {}
    for spec in specs:
        if "=" not in spec:
            raise ValueError(f"--param expects NAME=V1,V2,..., got {spec!r}")
        name, values = spec.split("=", 1)
        name = name.strip()
        vals = [v.strip() for v in values.split(",") if v.strip()]
        if not name or not vals:
            raise ValueError(f"--param expects NAME=V1,V2,..., got {spec!r}")
        if name in out:
            raise ValueError(f"--param {name} given twice")
        out[name] = vals
    return out


def plan_sweep(protocol: str, params: dict[str, list[str]], seeds: int, quick: bool,
               fixed: Sequence[str] = ()) -> list[SweepPoint]:
    """Every point of the sweep, in a deterministic order (``fixed``: overrides for all points)."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; choose from {', '.join(PROTOCOLS)}")
    if seeds < 1:
        raise ValueError(f"--seeds must be >= 1, got {seeds}")
    names = list(params)
    points = []
    for combo in itertools.product(*(params[n] for n in names)):
        overrides = tuple(f"{n}={v}" for n, v in zip(names, combo, strict=True)) + tuple(fixed)
        for seed in range(seeds):
            points.append(SweepPoint(protocol, overrides, seed, quick))
    return points


def run_point(point: SweepPoint, out_dir: str) -> dict[str, Any]:
    """Run one point (in whatever process calls it) and mark it done; returns its summary."""
    from engramlab.cli import main

    folder = Path(out_dir) / "points" / point.key
    t0 = time.perf_counter()
    code = main(point.argv(folder))
    if code != 0:
        raise RuntimeError(f"sweep point {point.overrides} seed {point.seed} failed (exit {code})")
    summary = json.loads((folder / "summary.json").read_text())
    atomic_write_json(folder / "done.json", {"protocol": point.protocol, "overrides": list(point.overrides),
                                             "seed": point.seed, "quick": point.quick,
                                             "seconds": time.perf_counter() - t0})
    return summary


def _done(point: SweepPoint, out: Path) -> bool:
    return (out / "points" / point.key / "done.json").is_file()


def run_sweep(points: list[SweepPoint], out: str | os.PathLike[str], workers: int = 1,
              scheduler: str | None = None, log: Callable[[str], None] = print) -> list[SweepPoint]:
    """Run the points not yet done; return the ones that ran now.

    ``scheduler``: None (local process pool), ``"local"`` (a Dask LocalCluster with ``workers``
    worker processes) or a Dask scheduler address.
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_json(folder / "sweep.json", {"points": [
        {"key": p.key, "protocol": p.protocol, "overrides": list(p.overrides), "seed": p.seed,
         "quick": p.quick} for p in points]})
    todo = [p for p in points if not _done(p, folder)]
    log(f"sweep: {len(points)} points, {len(points) - len(todo)} already done, {len(todo)} to run")
    if not todo:
        return []
    if scheduler is None:
        if workers <= 1:
            for p in todo:
                run_point(p, str(folder))
                log(f"  done {p.overrides} seed {p.seed}")
        else:
            with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
                futures = {pool.submit(run_point, p, str(folder)): p for p in todo}
                for fut in as_completed(futures):
                    fut.result()
                    p = futures[fut]
                    log(f"  done {p.overrides} seed {p.seed}")
        return todo
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - optional extra
        raise ValueError("the Dask path needs 'dask[distributed]': pip install 'engramlab[dask]'") from exc
    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                               preload=["engramlab._dask_preload"], dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        futures = client.map(run_point, todo, out_dir=str(folder), pure=False)
        for fut, p in zip(futures, todo, strict=True):
            fut.result()
            log(f"  done {p.overrides} seed {p.seed}")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return todo


def _metric_values(protocol: str, summary: dict[str, Any]) -> dict[str, Any]:
    s = summary
    if protocol == "eyeblink":
        return {"last_block_cr_percent": (s.get("cr_percent_by_block") or [None])[-1],
                "pause_min_ms": s.get("pause_min_ms")}
    if protocol == "associative":
        return {"last_block_accuracy": (s.get("accuracy_by_block") or [None])[-1],
                "last_block_reversal_accuracy": (s.get("reversal_accuracy_by_block") or [None])[-1]}
    if protocol == "foraging":
        g = s.get("gridness") or []
        return {"gridness_mean": sum(g) / len(g) if g else None,
                "place_cells_single_field_fraction": s.get("place_cells_single_field_fraction")}
    return {k: s.get(k) for k in METRICS[protocol]}


def sweep_table(points: list[SweepPoint], out: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """One row per finished point: its settings and headline numbers."""
    rows = []
    for p in points:
        folder = Path(out) / "points" / p.key
        if not (folder / "done.json").is_file():
            continue
        summary = json.loads((folder / "summary.json").read_text())
        row: dict[str, Any] = {"point": p.key, "seed": p.seed}
        for o in p.overrides:
            k, v = o.split("=", 1)
            row[k] = v
        row.update(_metric_values(p.protocol, summary))
        rows.append(row)
    return rows
