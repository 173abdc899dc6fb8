"""Parameter sweeps that resume after a crash and scale out on a process pool or a Dask cluster.

A sweep is the cartesian product of ``--param NAME=V1,V2,...`` values and ``--seeds`` seeds for
one protocol. Every point is ``engramlab.run(PROTOCOL, NAME=V, ..., seed=S)`` saved into its own
folder ``points/<id>/`` (the id is a hash of the protocol and the point's settings) and writes
``done.json`` last, atomically: re-running the same sweep skips every point that has it, so a
sweep killed midway resumes without redoing or losing finished points. Every point's settings
are validated before the first point runs; a point that fails reports its real exception (a
user error as one line naming the point; a bug with its own traceback and a note naming the
point). Worker processes know the built-in protocols; a protocol registered at run time from a
script exists only in that process, so sweep it with ``--workers 1``.

Execution: a local process pool (spawned processes, no server) by default, or a Dask
distributed cluster (``--scheduler ADDR``, or ``--dask local`` for a LocalCluster) — the same
code path a user takes to an HPC cluster through dask-jobqueue. Dask workers import Brian2 at
start-up (``preload=engramlab._dask_preload``): importing it inside a task thread fails on its
signal handling.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import pickle
import time
import tomllib
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from engramlab.beside import die_with_parent
from engramlab.errors import ConfigError, EngramlabError, RunInterrupted
from engramlab.folders import POINT_DONE, SWEEP_FILE
from engramlab.results import atomic_write_json

__all__ = [
    "SweepPoint",
    "SweepPointError",
    "auto_workers",
    "canonical_value",
    "die_with_parent",
    "parse_params",
    "plan_sweep",
    "point_done",
    "run_point",
    "run_sweep",
    "split_values",
    "sweep_table",
    "validate_points",
]

@dataclass(frozen=True)
class SweepPoint:
    """One point of a sweep: the overrides (``key=value`` strings), the seed and where it goes."""

    protocol: str
    overrides: tuple[str, ...]
    seed: int
    quick: bool

    @property
    def key(self) -> str:
        """Stable identifier of the point (protocol, settings as values — not spellings —, seed, quick)."""
        settings = [[o.split("=", 1)[0].strip(), canonical_value(o.split("=", 1)[1])] if "=" in o else [o]
                    for o in self.overrides]
        text = json.dumps([self.protocol, settings, self.seed, self.quick])
        return hashlib.sha1(text.encode()).hexdigest()[:12]

    def settings(self) -> dict[str, Any]:
        """The point's overrides as dotted keys (values parsed like ``--set``)."""
        from engramlab.config import flatten_keys, parse_set

        return flatten_keys(parse_set(list(self.overrides)))


def split_values(text: str) -> list[str]:
    """Split ``V1,V2,...`` at the commas outside brackets and quotes: ``[0.05, 0.2],[0.1]`` is two values."""
    values: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            values.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    values.append("".join(current).strip())
    if depth != 0 or quote:
        raise ConfigError("--param", f"has unbalanced brackets or quotes: {text!r}")
    if any(values) and not all(values):
        raise ConfigError("--param", f"has an empty value in {text!r}: separate the values by single commas")
    return [v for v in values if v]


def parsed_value(text: str) -> Any:
    """The value ``--set`` would read from ``text`` (TOML, else the plain text)."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text.strip()


def canonical_value(text: str) -> str:
    """A spelling-independent key of a value: ``[0.05, 0.2]`` and ``[0.05,0.2]`` give the same one."""
    return json.dumps(parsed_value(text), sort_keys=True, default=str)


def parse_params(specs: Sequence[str]) -> dict[str, list[str]]:
    """``["r=1000,2000", "loads=[0.05, 0.2],[0.1]"]`` → ``{"r": ["1000", "2000"], "loads": ["[0.05, 0.2]", "[0.1]"]}``.

    Values are split at the commas outside brackets, so lists can be swept, and written in a
    canonical form, so two spellings of one value are one point.
    """
    out: dict[str, list[str]] = {}
    for spec in specs:
        if "=" not in spec:
            raise ConfigError("--param", f"expects NAME=V1,V2,..., got {spec!r}")
        name, values = spec.split("=", 1)
        name = name.strip()
        vals = split_values(values)
        if not name or not vals:
            raise ConfigError("--param", f"expects NAME=V1,V2,..., got {spec!r}")
        if name in out:
            raise ConfigError(f"--param {name}", "is given twice")
        keys = [canonical_value(v) for v in vals]
        if len(set(keys)) != len(keys):
            raise ConfigError(f"--param {name}", f"lists a value twice: {', '.join(vals)}")
        out[name] = vals
    return out


def plan_sweep(protocol: str, params: dict[str, list[str]], seeds: int, quick: bool,
               fixed: Sequence[str] = ()) -> list[SweepPoint]:
    """Every point of the sweep, in a deterministic order (``fixed``: overrides for all points)."""
    from engramlab import registry

    registry.get(protocol)  # unknown protocol: one clear error
    if seeds < 1:
        raise ConfigError("--seeds", f"must be >= 1, got {seeds}")
    if "seed" in params:
        raise ConfigError("--param seed", "is not a sweep parameter: give --seeds N (seeds 0 … N-1)")
    fixed_keys = {o.split("=", 1)[0].strip() for o in fixed}
    both = sorted(set(params) & fixed_keys)
    if both:
        raise ConfigError(f"--param {both[0]}", "is also fixed by --set: sweep it or fix it, not both")
    names = list(params)
    points = []
    for combo in itertools.product(*(params[n] for n in names)):
        overrides = tuple(f"{n}={v}" for n, v in zip(names, combo, strict=True)) + tuple(fixed)
        for seed in range(seeds):
            points.append(SweepPoint(protocol, overrides, seed, quick))
    return points


#: a point's structure key (:func:`structure_key`): (name, value) pairs
Structure = tuple[tuple[str, str], ...]


def structure_key(point: SweepPoint) -> Structure:
    """What decides a point's compiled program.

    Its structural parameters (``*`` in ``engramlab params``), whether each switch (``°``) is
    zero, and its device and target. Points with equal keys run the same program (a schedule or
    spike list that grows past a padding boundary may still need another; then a worker compiles it
    once more, nothing worse).
    """
    from engramlab import api
    from engramlab.models._params import param_rows

    plan = api.plan(point.protocol, point.settings(), quick=point.quick, seed=point.seed)
    rows = param_rows(plan.circuit)
    for k, proto in enumerate(plan.protocols):
        if proto is not None:  # None: a protocol without a schedule (navigation, foraging, …)
            rows += param_rows(proto, f"protocol[{k}].")
    key = [("protocol", point.protocol)]
    for r in rows:
        if r.structural or r.key in ("device", "target"):
            key.append((r.key, r.value))
        elif r.switch:
            key.append((r.key, "off" if r.value.split()[0] in ("0", "-0") else "on"))
    return tuple(key)


def _compiles(key: Structure) -> bool:
    """Whether points of this structure run as a compiled (cpp_standalone) program."""
    return dict(key).get("device") == repr("cpp_standalone")


def _first_of_each_structure(points: Sequence[SweepPoint], keys: dict[str, Structure], compiled: set[Structure]
                             ) -> tuple[list[SweepPoint], dict[Structure, list[SweepPoint]]]:
    """Points that may start now, and per structure the points that wait for its first to finish.

    ``keys``: each point's :func:`structure_key` by its ``key``. A structure in ``compiled`` (its
    program built by this sweep) has every point ready; of any other, only the first, so that its
    program is compiled once and the other workers copy it (two workers starting a new structure
    together each compiled it: ``compiles: 3`` for two structures, measured on 2026-12-05).
    """
    ready: list[SweepPoint] = []
    waiting: dict[Structure, list[SweepPoint]] = {}
    for p in points:
        key = keys[p.key]
        if key in compiled or not _compiles(key):  # the runtime device compiles no program
            ready.append(p)
        elif key in waiting:
            waiting[key].append(p)
        else:
            waiting[key] = []
            ready.append(p)
    return ready, waiting


def _worker_start(parent: int) -> None:
    """Initialiser of a sweep's pool worker: it ends with the sweep.

    A protocol's independent programs run in it one after the other (the workers use the cores).
    """
    from engramlab import beside

    die_with_parent(parent)
    beside.run_here_only()


class SweepPointError(EngramlabError):
    """A sweep point failed; the message names the point and its real exception."""


#: ``--workers auto``: as many workers as the cores and memory allow (:func:`auto_workers`)
AUTO_WORKERS = "auto"


def validate_points(points: Sequence[SweepPoint], workers: int | str = 1, local: bool = True,
                    to_run: Sequence[SweepPoint] | None = None) -> int:
    """Build every point's configuration (no simulation): a bad setting fails before any point runs.

    On this machine (``local``) ``workers`` points run at once, so the ``workers`` largest
    network estimates must fit in the memory available together. Returns the number of workers
    to use: ``workers`` itself, or for ``"auto"`` (:data:`AUTO_WORKERS`, the command's default)
    :func:`auto_workers` for the points ``to_run`` (default: all; a resumed sweep passes those
    not done).
    """
    from engramlab import api
    from engramlab.resources import available_memory, gib

    sizes = sorted((api.plan(p.protocol, p.settings(), quick=p.quick, seed=p.seed).memory_bytes for p in points),
                   reverse=True)
    have = available_memory()
    if workers == AUTO_WORKERS:
        return auto_workers(list(points if to_run is None else to_run), sizes, have if local else None)
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ConfigError("--workers", f"must be a whole number >= 1 or {AUTO_WORKERS!r}, got {workers!r}")
    together = sum(sizes[:workers])
    if local and workers > 1 and together > have:
        raise ConfigError("--workers", f"{workers} points at once need about {gib(together)} (estimate), "
                                       f"more than the {gib(have)} available; use fewer workers")
    return workers


def auto_workers(points: Sequence[SweepPoint], sizes: Sequence[float], memory: float | None) -> int:
    """How many workers ``--workers auto`` runs ``points`` with.

    For a shipped protocol, one per usable core, and no more than fit in ``memory`` together
    (``sizes``: the networks' estimates, largest first; ``None``: a cluster's workers have their
    own). When every point is a compiled (cpp_standalone) program, the cores are divided by the
    programs' OpenMP threads, and there are no more workers than the points after the first
    (which compiles alone) nor than the program cache's slots minus the one the sweep's process
    keeps as a copy source (a worker finding every slot busy would compile on its own). When
    every point runs on the runtime device, no more than the points. One worker for a protocol
    registered in this process (a worker process would not know it) and for a grid over the
    device. Measured on 2 cores (2026-12-06): 8-seed quick sweeps with two workers met issue 17's
    bound on every compiled protocol (associative 50.6 s against 59.0-67.6 s with one;
    benchmarks/README.md); pattern completion's 8 seeds took 67.1 s against 122.0 s with one
    (16.5 against 19.5 s quick).
    """
    from engramlab import registry
    from engramlab.circuits._device import CACHE_SLOTS
    from engramlab.resources import usable_cores

    if len(points) < 2 or not all(registry.ships(p.protocol) for p in points):
        return 1
    # points that differ only in the seed share a structure: one plan per set of overrides
    keys = {structure_key(p) for p in {p.overrides: p for p in points}.values()}
    compiled = [_compiles(key) for key in keys]
    if all(compiled):
        threads = max(max(1, int(dict(key).get("threads", "0"))) for key in keys)
        n = max(1, min(usable_cores() // threads, len(points) - 1, CACHE_SLOTS - 1))
    elif not any(compiled):
        n = min(usable_cores(), len(points))
    else:
        return 1
    if memory is not None:
        while n > 1 and sum(sizes[:n]) > memory:
            n -= 1
    return n


def run_timings(metadata: dict[str, Any]) -> dict[str, Any]:
    """Every circuit's timings in a result's metadata: ``timings`` and each ``*_timings`` entry.

    Navigation's path integration runs a program of its own before the memory pool's
    (``path_integration_timings``); its 10 s of simulation per quick point were counted in
    neither column until 2026-12-04.
    """
    return {"timings": metadata.get("timings"),
            **{k: v for k, v in metadata.items() if k.endswith("_timings") and isinstance(v, dict)}}


def build_stats(timings: Any) -> dict[str, float]:
    """What one run's builds cost, summed over its circuits (``metadata["timings"]``, nested or not).

    ``compiles``: standalone builds that compiled at least one code object (a build whose
    program was kept from an earlier run of the same structure compiles none);
    ``compiled_sources``: object files compiled; ``compile_seconds``: build time outside the
    simulation — for a standalone build (``build_and_run`` in its timings) the code generation
    Brian2 does inside ``Network.run`` (state updaters, code objects: ``run_call``) plus writing,
    compiling, linking and starting the program, as ``benchmarks/`` count it; on the runtime
    device ``run_call`` *is* the simulation; ``simulate_seconds``: simulated time's cost, for a
    standalone program the wall time of its simulation loop (:func:`~engramlab.circuits._device.simulation_seconds`).
    """
    stats = {"compiles": 0.0, "compiled_sources": 0.0, "compile_seconds": 0.0, "simulate_seconds": 0.0}

    def walk(node: Any) -> None:
        if not isinstance(node, dict):
            return
        if "simulate" in node:  # one circuit's run (it may also hold a second circuit's, nested)
            stats["simulate_seconds"] += float(node.get("simulate") or 0.0)
            stats["compile_seconds"] += float(node.get("compile") or 0.0)
            if "build_and_run" in node:  # standalone: Network.run only generated the code
                stats["compile_seconds"] += float(node.get("run_call") or 0.0)
            stats["compiled_sources"] += float(node.get("compiled_sources") or 0.0)
            stats["compiles"] += float((node.get("compiled_code_objects") or 0.0) > 0)
        for value in node.values():
            walk(value)

    walk(timings)
    return stats


@contextlib.contextmanager
def _naming_the_point(point: SweepPoint, folder: Path) -> Iterator[None]:
    """Re-raise a point's failure so that it names the point (a user error as one line)."""
    where = f"sweep point {' '.join(point.overrides) or '(defaults)'} seed {point.seed}"
    try:
        yield
    except RunInterrupted:  # Ctrl+C reaches every worker: stop the sweep, exit 130
        raise
    except EngramlabError as exc:  # a setting this point cannot run with: one line naming it
        raise SweepPointError(f"{where} failed: {type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # a bug: keep its type and traceback, say which point hit it
        exc.add_note(f"in {where} (folder {folder})")
        if _pickles(exc):
            raise
        # a worker process sends its exception back pickled: one holding Brian2 objects (a
        # KeyError on a Variable) would arrive as pickling's own error, naming neither the point
        # nor the failure, so it travels as text
        raise PointCrashed("".join(traceback.format_exception(exc)).rstrip()) from exc  # the cause stays here


class PointCrashed(RuntimeError):
    """A sweep point's exception that could not leave its worker as itself: its traceback as text."""


def _pickles(exc: BaseException) -> bool:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return False
    return True


@dataclass
class _Simulated:
    """A point simulated but not yet saved (:func:`simulate_point`)."""

    point: SweepPoint
    folder: Path
    result: Any
    seconds: float


def simulate_point(point: SweepPoint, out_dir: str) -> _Simulated:
    """Run one point's simulation and analysis-ready result, without saving it (:func:`save_point`)."""
    from engramlab import api

    # absolute: Brian2 changes the working directory while it compiles and runs a program, and
    # the previous point is saved on another thread meanwhile (_run_in_turn)
    folder = (Path(out_dir) / "points" / point.key).absolute()
    t0 = time.perf_counter()
    with _naming_the_point(point, folder):
        api.check_out(folder)  # a folder that cannot be written fails before the simulation
        result = api.run(point.protocol, point.settings(), quick=point.quick, seed=point.seed)
    return _Simulated(point, folder, result, time.perf_counter() - t0)


def save_point(done: _Simulated, figures: bool = False) -> dict[str, Any]:
    """Save a simulated point (data, summary.json, report; figures with ``figures``), ``done.json`` last."""
    point, folder, result = done.point, done.folder, done.result
    t0 = time.perf_counter()
    with _naming_the_point(point, folder):
        result.save(folder, figures=figures)
        summary = result.summary
    atomic_write_json(folder / POINT_DONE, {"protocol": point.protocol, "overrides": list(point.overrides),
                                             "seed": point.seed, "quick": point.quick,
                                             "seconds": done.seconds + time.perf_counter() - t0,
                                             **build_stats(run_timings(result.metadata))})
    return summary


def run_point(point: SweepPoint, out_dir: str, figures: bool = False) -> dict[str, Any]:
    """Run one point (in whatever process calls it) and mark it done; returns its summary.

    The point's folder holds its data, summary.json and report; its figures only with
    ``figures`` (saving them took 6.3 s of a profiled 31.7 s quick eyeblink run):
    ``engramlab report FOLDER`` draws them from the data later.
    """
    return save_point(simulate_point(point, out_dir), figures)


#: whether this process has tried to freeze its heap (:func:`_freeze_once`)
_HEAP = {"tried": False}


def _freeze_once() -> None:
    """In a process the sweep owns, after its first point: freeze the heap left, once.

    The full collection every standalone build starts with then skips the imported modules and
    Brian2's caches (:func:`engramlab.circuits._device.freeze_heap_between_programs`). A refusal
    (a circuit still alive) is not retried at every point.
    """
    if not _HEAP["tried"]:
        from engramlab.circuits._device import freeze_heap_between_programs

        _HEAP["tried"] = True
        freeze_heap_between_programs()


def _run_point_in_own_process(point: SweepPoint, out_dir: str, figures: bool = False) -> dict[str, Any]:
    """:func:`run_point` in a pool worker (a process the sweep owns), freezing its heap once after."""
    summary = run_point(point, out_dir, figures)
    _freeze_once()
    return summary


def _run_in_turn(points: Sequence[SweepPoint], out_dir: str, figures: bool, own_process: bool,
                 done: Callable[[SweepPoint], None]) -> None:
    """Run ``points`` one after the other; each is saved while the next one simulates.

    A standalone program simulates in its own process, so on two cores saving one point (its
    analysis, data and report: 0.7 s of a quick SDM point's 5.3 s) costs no wall time beside the
    next point's simulation. The saving thread does NumPy and file work only, into absolute paths
    (Brian2 changes the process's working directory while it compiles and runs); with
    ``figures`` (matplotlib) points are saved in turn instead. A failed save stops the sweep with
    its error after the point being simulated; when a simulation fails or is interrupted (Ctrl+C)
    the point being saved still finishes (its ``done.json`` written last), so no finished point
    is lost. In a process of its own the heap is frozen once the first point is saved.
    """
    if figures:
        for p in points:
            run_point(p, out_dir, figures)
            if own_process:
                _freeze_once()
            done(p)
        return
    pending: tuple[Future[dict[str, Any]], SweepPoint] | None = None

    def finish_pending() -> None:
        nonlocal pending
        if pending is not None:
            future, point = pending
            pending = None
            future.result()
            done(point)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="engramlab-save") as saver:
        try:
            for p in points:
                simulated = simulate_point(p, out_dir)
                if pending is not None:
                    finish_pending()
                    if own_process:
                        _freeze_once()  # the first point saved and its program gone: modules and caches left
                pending = (saver.submit(save_point, simulated, False), p)
            finish_pending()
        except BaseException as exc:  # a failed or interrupted simulation: the point being saved still ends
            if pending is not None:
                try:
                    finish_pending()
                except Exception as save_error:  # report both, the simulation's first
                    exc.add_note(f"and saving the point before it failed too: {save_error!r}")
            raise


def point_done(point: SweepPoint, out: Path) -> bool:
    """Whether ``point`` of the sweep in ``out`` is finished (its marker is written last)."""
    return (out / "points" / point.key / POINT_DONE).is_file()


def run_sweep(points: list[SweepPoint], out: str | os.PathLike[str], workers: int = 1,
              scheduler: str | None = None, log: Callable[[str], None] = print,
              figures: bool = False, own_process: bool = False,
              on_done: Callable[[SweepPoint], None] | None = None) -> list[SweepPoint]:
    """Run the points not yet done; return the ones that ran now.

    ``on_done(point)`` is called in this process as each point is saved; an exception it raises
    stops the sweep (points not yet started are cancelled; finished ones stay done).

    ``scheduler``: None (local process pool), ``"local"`` (a Dask LocalCluster with ``workers``
    worker processes) or a Dask scheduler address. ``figures``: draw every point's figures
    (:func:`run_point`). ``own_process``: this process exists only for the sweep (the command
    line), so with one local worker its heap may be frozen after the first point
    (:func:`_run_in_turn`, :func:`_freeze_once`); pool workers' always are.
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_json(folder / SWEEP_FILE, {"points": [
        {"key": p.key, "protocol": p.protocol, "overrides": list(p.overrides), "seed": p.seed,
         "quick": p.quick} for p in points]})
    todo = [p for p in points if not point_done(p, folder)]
    log(f"sweep: {len(points)} points, {len(points) - len(todo)} already done, {len(todo)} to run")
    if not todo:
        return []

    def done(p: SweepPoint) -> None:
        log(f"  done {p.overrides} seed {p.seed}")
        if on_done is not None:
            on_done(p)

    if scheduler is None:
        if workers <= 1:
            _run_in_turn(todo, str(folder), figures, own_process, done)
        else:
            keys = {p.key: structure_key(p) for p in todo}
            first = 0
            if _compiles(keys[todo[0].key]):
                # the first point alone, here: it compiles the program, and the workers then start
                # their own copies of it (a program cache slot is copied while no build or run holds
                # it), where workers starting together would each compile it. A later point of
                # another structure is compiled by the first worker that takes one; the others of
                # that structure wait for it (_first_of_each_structure). (A point on the runtime
                # device compiles no program: nothing to wait for.)
                _run_in_turn(todo[:1], str(folder), figures, False, done)
                from engramlab.circuits._device import CACHE_SLOTS, forget_program

                # its memory freed; its cache folder stays locked (a build no one else runs in, to
                # copy) unless the workers need every folder of the structure
                forget_program(keep_slot=workers + 1 <= CACHE_SLOTS)
                first = 1
            ready, waiting = _first_of_each_structure(todo[first:], keys, {keys[todo[0].key]} if first else set())
            with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                                     initializer=_worker_start, initargs=(os.getpid(),)) as pool:
                futures: dict[Future[dict[str, Any]], SweepPoint] = {}
                try:
                    while ready or futures:
                        while ready and len(futures) < workers:  # a worker free: start the next point
                            p = ready.pop(0)
                            futures[pool.submit(_run_point_in_own_process, p, str(folder), figures)] = p
                        finished, _ = wait(futures, return_when=FIRST_COMPLETED)
                        for fut in finished:
                            p = futures.pop(fut)
                            fut.result()
                            done(p)
                            # its structure's program is built and kept: the rest of it may start
                            ready += waiting.pop(keys[p.key], [])
                except BaseException:
                    for fut in futures:  # points not started yet are not run (running ones finish)
                        fut.cancel()
                    raise
        return todo
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - optional extra
        raise EngramlabError("the Dask path needs 'dask[distributed]': pip install 'engramlab[dask]'") from exc
    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                               preload=["engramlab._dask_preload"], dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        from distributed import as_completed as dask_completed

        # as with local workers, a structure's other points start once its first has finished, so
        # that workers sharing a program cache (one machine, or a shared home folder) copy its
        # program instead of each compiling it
        keys = {p.key: structure_key(p) for p in todo}
        ready, waiting = _first_of_each_structure(todo, keys, set())
        running: dict[Any, SweepPoint] = {}
        completed = dask_completed()

        def submit(batch: list[SweepPoint]) -> None:
            for fut, p in zip(client.map(run_point, batch, out_dir=str(folder), figures=figures, pure=False),
                              batch, strict=True):
                running[fut] = p
                completed.add(fut)

        submit(ready)
        for dask_future in completed:
            p = running.pop(dask_future)
            dask_future.result()
            done(p)
            submit(waiting.pop(keys[p.key], []))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return todo


def sweep_table(points: list[SweepPoint], out: str | os.PathLike[str],
                metrics: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """One row per finished point: its settings and headline numbers (the protocol's, or ``metrics``)."""
    from engramlab import registry

    if metrics is None:
        metrics = registry.get(points[0].protocol).headline if points else ()
    rows = []
    for p in points:
        folder = Path(out) / "points" / p.key
        if not point_done(p, Path(out)):
            continue
        summary = json.loads((folder / "summary.json").read_text())
        row: dict[str, Any] = {"point": p.key, "seed": p.seed}
        for o in p.overrides:
            k, v = o.split("=", 1)
            row[k] = v
        row.update({k: summary.get(k) for k in metrics})
        rows.append(row)
    return rows


def sweep_build_totals(points: list[SweepPoint], out: str | os.PathLike[str]) -> dict[str, Any]:
    """The finished points' build costs summed (:func:`build_stats`), from their ``done.json``.

    Points finished by a version that did not record them are counted in ``points_without_build_stats``.
    """
    totals: dict[str, Any] = {"compiles": 0, "compiled_sources": 0, "compile_seconds": 0.0,
                              "simulate_seconds": 0.0, "points_without_build_stats": 0}
    for p in points:
        done = Path(out) / "points" / p.key / POINT_DONE
        if not done.is_file():
            continue
        record = json.loads(done.read_text())
        if "compiles" not in record:
            totals["points_without_build_stats"] += 1
            continue
        totals["compiles"] += int(record["compiles"])
        totals["compiled_sources"] += int(record["compiled_sources"])
        totals["compile_seconds"] += float(record["compile_seconds"])
        totals["simulate_seconds"] += float(record["simulate_seconds"])
    return totals
