"""Choosing Brian2's device for one circuit: runtime (numpy/cython target) or cpp_standalone.

Brian2 has one global device per process. A circuit built for ``cpp_standalone`` generates one
C++ program for its whole schedule; a circuit built afterwards (on either device) starts the
device afresh, so only the most recently built standalone circuit can still re-run its binary.

Compiled programs are kept between runs and processes (:func:`program_cache_root`): a program is
built in the project directory of the last program with the same structure (the same objects,
names and sizes), where Brian2 rewrites only the source files whose text changed and ``make``
compiles only those. A new seed or schedule of the same network then costs code generation and
linking, not a compile of every code object.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import gc
import hashlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import brian2 as b2
import numpy as np
from brian2.core.names import Nameable
from brian2.core.variables import Constant
from brian2.devices.cpp_standalone.device import CPPStandaloneDevice
from brian2.devices.device import all_devices
from brian2.input.timedarray import TimedArray

from engramlab.circuits import _exact_solutions as exact_solutions
from engramlab.circuits import _make_rules as make_rules
from engramlab.circuits._run_time_constants import constants_read_at_start_up, initial_values_as_data
from engramlab.circuits._subnormals import flush_in_program, flushing_subnormals
from engramlab.errors import ConfigError, RunInterrupted
from engramlab.folders import cache_folder
from engramlab.models._params import param

DEVICES = ("runtime", "cpp_standalone")


def threads_param() -> Any:
    """The ``threads`` parameter every circuit and protocol configuration declares (one declaration).

    OpenMP threads change the compiled program (structural), and Brian2 gives each thread its own
    random generator, so the spikes differ from a run without threads. Measured (2026-12-05,
    2 cores, warm caches): quick continual with 2 threads took 175 s against 65 s and read 0.88
    against 0.90.
    """
    return param(0, "OpenMP threads of cpp_standalone (0: none; another compiled program, and other "
                    "spikes: each thread draws its own random numbers)", low=0, high=256, structural=True)

#: ``build_dir`` value meaning "the program cache chooses the project directory at build time".
PROGRAM_CACHE = "<engramlab program cache>"
#: How many project directories the program cache keeps (least recently used go first) and how
#: many processes may build the same structure at once, each in its own directory.
CACHE_KEEP, CACHE_SLOTS = 24, 4
#: Files of a kept project that are written again by every build or run: deleted when the
#: program is given up, since a large network's static arrays and results run to gigabytes.
_RUN_FILES = ("static_arrays", "results")


def program_cache_root() -> Path | None:
    """Where compiled standalone programs are kept, or None when the cache is off.

    ``$ENGRAMLAB_PROGRAM_CACHE`` if set (``off``: every program is compiled in a fresh temporary
    directory, deleted at exit), else ``$XDG_CACHE_HOME/engramlab/programs`` (default
    ``~/.cache/engramlab/programs``).
    """
    return cache_folder("ENGRAMLAB_PROGRAM_CACHE", "programs")


class _Claim:
    """The project directory this process's current standalone program is built in (locked)."""

    directory: Path | None = None
    lock: IO[str] | None = None


def _give_up_program() -> None:
    """Unlock the current program's project directory, deleting its per-run files first."""
    directory, lock = _Claim.directory, _Claim.lock
    _Claim.directory = _Claim.lock = None
    if directory is None or lock is None:
        return
    for name in _RUN_FILES:
        shutil.rmtree(directory / name, ignore_errors=True)
    lock.close()  # closing the file releases its flock


atexit.register(_give_up_program)


def forget_program(keep_slot: bool) -> None:
    """Free the last standalone program's memory (its arrays and objects).

    With ``keep_slot`` its program-cache folder stays locked, so other processes copy its build
    from there instead of finding it busy (a sweep's own process after its first point).
    """
    all_devices["cpp_standalone"].reinit()
    if not keep_slot:
        _give_up_program()


def _structure_key(network: b2.Network) -> str:
    """A name for the network's structure: objects, names, sizes, dt, compiler settings, environment.

    Two networks with the same key generate code objects with the same file names, so a
    project directory built for one is an incremental build for the other. The key only picks
    a directory: whatever differs is still regenerated and recompiled by Brian2 and ``make``.
    """
    # a group's size is fixed at creation (``_N``); a monitor's or synapses' size is a run-time
    # variable (unknown before a standalone run) and is left out
    objects = sorted((type(obj).__name__, obj.name, n if isinstance(n := getattr(obj, "_N", None), int) else 0)
                     for obj in network.objects)
    described = json.dumps({"objects": objects, "dt": float(b2.defaultclock.dt),
                            "brian2": b2.__version__, "python": sys.prefix,
                            "threads": b2.prefs.devices.cpp_standalone.openmp_threads,
                            "flags": list(b2.prefs.codegen.cpp.extra_compile_args or ())}, sort_keys=True)
    return hashlib.sha256(described.encode()).hexdigest()[:16]


#: File in a kept project holding the fingerprint of the code it was last built from (:func:`_code_fingerprint`)
_CODE_FILE = ".code"


def _code_fingerprint(device: CPPStandaloneDevice) -> str:
    """A hash of the program about to be written: every code object's source and array length.

    Networks of one structure share a key (:func:`_structure_key`) but can differ in code: a
    constant Brian2 still compiles in (one used while the network was built, a mechanism switched
    on; scalar parameters are read at start-up since 2026-12-04: :mod:`._run_time_constants`),
    a TimedArray's step and length, and an array's length in ``objects.cpp``. Kept projects
    remember the fingerprint they were built from, so each variant returns to a project holding
    its own objects (:func:`_claim_project`).
    """
    parts = []
    for name in sorted(device.code_objects):
        codeobj = device.code_objects[name]
        code = codeobj.code
        parts += [name, str(getattr(code, "cpp_file", code)), str(getattr(code, "h_file", ""))]
        # constants are written into the source only when the project is generated (Brian2
        # freezes them then), and a TimedArray's step and length with its function's code
        for var_name, var in sorted(codeobj.variables.items()):
            if isinstance(var, Constant):
                parts.append(f"{var_name}={var.value!r}")
            elif isinstance(var, TimedArray):
                parts.append(f"{var_name}:{float(var.dt)!r}:{np.shape(var.values)}")
    parts += [f"{name}:{np.size(values)}" for name, values in sorted(device.static_arrays.items())]
    parts += [f"{name}:{getattr(var, 'size', 0)}" for var, name in sorted(
        ((v, n) for v, n in device.arrays.items() if not getattr(v, "dynamic", False)), key=lambda e: e[1])]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _slot_order(root: Path, key: str, fingerprint: str | None) -> list[Path]:
    """The structure's slots in the order to try them: built from the same code, empty, least recently used.

    Two programs of one structure and different code (sdm-capacity's two radius designs) then
    keep a slot each instead of recompiling each other's files at every run (6 files, 2.2–2.7 s
    per quick sdm-capacity point, measured 2026-12-04); an empty slot starts from a sibling's
    build (:func:`_copy_sibling_build`), so a new variant recompiles only what differs.
    """
    slots = [root / f"{key}-{slot}" for slot in range(CACHE_SLOTS)]

    def rank(directory: Path) -> tuple[int, float]:
        try:
            same = fingerprint is not None and (directory / _CODE_FILE).read_text() == fingerprint
        except OSError:
            same = False
        if same:
            return (0, 0.0)
        if not (directory / "main").exists():
            return (1, 0.0)
        return (2, directory.stat().st_mtime)

    return sorted(slots, key=rank)


def _claim_project(network: b2.Network, fingerprint: str | None = None) -> Path:
    """Lock and return the cached project directory for ``network`` (a fresh one if all are busy).

    ``fingerprint`` (:func:`_code_fingerprint`): prefer the slot last built from the same code.
    """
    root = program_cache_root()
    if root is not None:
        key = _structure_key(network)
        try:
            root.mkdir(parents=True, exist_ok=True)
            for directory in _slot_order(root, key, fingerprint):
                directory.mkdir(exist_ok=True)
                lock = open(directory / ".lock", "w")  # held (locked) for the program's life
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:  # another process builds or runs this structure now
                    lock.close()
                    continue
                for name in _RUN_FILES:  # a killed process may have left its per-run files
                    shutil.rmtree(directory / name, ignore_errors=True)
                if not (directory / "main").exists():
                    _copy_sibling_build(root, key, directory)
                os.utime(directory)
                _Claim.directory, _Claim.lock = directory, lock
                _prune(root)
                return directory
        except OSError as exc:  # an unwritable cache: say so, and compile in a temporary directory
            warnings.warn(f"ENGRAMLAB_PROGRAM_CACHE: cannot use {root} ({exc.strerror or exc}); compiling in a "
                          "temporary folder (set a writable folder, or 'off')", stacklevel=2)
    directory = Path(tempfile.mkdtemp(prefix="engramlab_standalone_"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory


#: longest wait for a busy sibling's build before an empty slot compiles on its own (seconds)
SIBLING_WAIT_SECONDS = 300.0


def _copy_sibling_build(root: Path, key: str, directory: Path, wait_seconds: float | None = None) -> None:
    """Start an empty slot from a sibling's compiled files (sources, objects, mtimes kept).

    The sibling is read under a shared lock on its ``.build`` file, which a build holds
    exclusively, so a half-written build is never copied. A sibling that is not building is
    copied at once; when every sibling is building, this waits for one to finish (up to
    ``wait_seconds``, :data:`SIBLING_WAIT_SECONDS`; then the slot compiles on its own, as before)
    and copies it: its build is the program this one needs, or a neighbour of it (two sweep
    workers starting navigation's path integration together: the second found the first re-using
    the kept build and compiled all 17 of its files anew, 7.1 s; measured 2026-12-06). No
    deadlock: a process waits here only while claiming a slot, before it holds any ``.build``
    lock. A sibling given up (pruned) meanwhile is passed over.
    """
    siblings = sorted((d for d in root.glob(f"{key}-*") if d != directory and (d / "main").exists()),
                      key=lambda d: d.stat().st_mtime, reverse=True)
    deadline = time.monotonic() + (SIBLING_WAIT_SECONDS if wait_seconds is None else wait_seconds)
    while siblings:
        for sibling in list(siblings):
            try:
                with open(sibling / ".build", "a") as building:
                    try:
                        fcntl.flock(building, fcntl.LOCK_SH | fcntl.LOCK_NB)
                    except BlockingIOError:
                        continue  # building now
                    if not (sibling / "main").exists():
                        siblings.remove(sibling)
                        continue
                    shutil.copytree(sibling, directory, dirs_exist_ok=True,
                                    ignore=shutil.ignore_patterns(".lock", ".build", *_RUN_FILES))
                    return
            except OSError:  # pruned while this looked at it
                siblings.remove(sibling)
        if time.monotonic() >= deadline:
            return
        time.sleep(0.05)


@contextlib.contextmanager
def _building(project: Path) -> Iterator[None]:
    """Hold the project's ``.build`` lock while Brian2 writes and compiles in it (not while it runs)."""
    if project != _Claim.directory:
        yield
        return
    with open(project / ".build", "a") as building:
        fcntl.flock(building, fcntl.LOCK_EX)
        yield


def _prune(root: Path) -> None:
    """Delete the least recently used project directories beyond :data:`CACHE_KEEP` (unlocked only)."""
    kept = sorted((d for d in root.iterdir() if d.is_dir()), key=lambda d: d.stat().st_mtime, reverse=True)
    for directory in kept[CACHE_KEEP:]:
        try:
            with open(directory / ".lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(directory, ignore_errors=True)
        except OSError:
            continue


def _compiled_sources(directory: Path, since: float) -> tuple[int, int]:
    """Object files ``make`` wrote in ``directory`` at or after ``since`` (``time.time()``).

    Returns all of them and those of code objects (the rest are the program's data files).
    """
    written = [obj for obj in directory.rglob("*.o") if obj.stat().st_mtime >= since]
    return len(written), sum(1 for obj in written if obj.parent.name == "code_objects")


def _mend_brian2_interrupt_handler() -> None:
    """Give Brian2's Ctrl+C handler a callable to fall back on.

    Brian2 wraps the SIGINT handler it finds at import and calls it for a Ctrl+C outside a run;
    when that was SIG_IGN or SIG_DFL (a background job, some embeddings) the call itself fails
    (``'Handlers' object is not callable``).
    """
    handler = getattr(b2, "_int_handler", None)
    previous = getattr(handler, "previous_handler", None)
    if handler is not None and not callable(previous):
        handler.previous_handler = signal.default_int_handler


_mend_brian2_interrupt_handler()
exact_solutions.install()  # linear integration steps derived once, not in every process

#: Collect Brian2's per-code-object run times (``network.profiling_info``) in every run; the
#: benchmarks switch it on to show where the time goes. Off by default: it adds a timer call
#: around every code object in every step.
PROFILE = False


#: Brian2 objects that exist in every process (not left over from a circuit)
_ALWAYS_ALIVE = frozenset({"defaultclock", "magicnetwork"})


def _warn_if_a_circuit_lives_on() -> None:
    """Warn when an earlier circuit's Brian2 objects are still referenced as a program is started.

    Brian2 names code objects uniquely among the live ones, so this program's would be named
    ``..._1`` and its build (or the program cache's copy of it) compiled in full again.
    """
    alive = sorted({obj().name for obj in Nameable.__instances__() if obj() is not None} - _ALWAYS_ALIVE)
    if alive:
        warnings.warn(f"an earlier circuit is still referenced ({len(alive)} Brian2 objects, e.g. {alive[0]!r}): "
                      "this standalone program's code gets new names and compiles in full; drop the earlier "
                      "circuit (del) before building the next to re-use its build", UserWarning, stacklevel=3)


def freeze_heap_between_programs() -> bool:
    """Forget the last standalone program, collect, and freeze the heap left (own processes only).

    Every standalone build starts with a full ``gc.collect()`` (:func:`select_device`). Most of
    what that pass scans is imported modules and Brian2's caches: 0.12 s of a 0.15 s collection
    for the quick eyeblink microzone (measured 2026-12-04). ``gc.freeze`` exempts them from every
    later pass. Frozen objects are never collected as cycles, so the last program is forgotten
    (as the next build would) and collected first, and nothing is frozen while a Brian2 object of
    a circuit is still alive (its program would then keep its names and the next one compile in
    full). Call it only in a process that exists for the work (a sweep worker), never in a
    user's session. Returns whether the heap was frozen.
    """
    all_devices["cpp_standalone"].reinit()
    _give_up_program()
    gc.collect()
    alive = (ref() for ref in Nameable.__instances__())
    if any(obj is not None and obj.name not in _ALWAYS_ALIVE for obj in alive):
        return False
    gc.freeze()
    return True


def select_device(device: str, *, target: str = "auto", threads: int = 0,
                  build_dir: str | None = None) -> str | None:
    """Make ``device`` the active Brian2 device for a circuit about to be built.

    Parameters
    ----------
    device : {"runtime", "cpp_standalone"}
        Where the circuit runs.
    target : {"numpy", "cython", "auto"}
        Code-generation target of the runtime device (ignored for standalone).
    threads : int
        OpenMP threads of the standalone program (0: no OpenMP).
    build_dir : str, optional
        Project directory of the standalone program (kept as it is). Default
        (:data:`PROGRAM_CACHE`): the program cache picks one by the network's structure when
        the program is built (:func:`program_cache_root`).

    Returns
    -------
    str or None
        The standalone project directory, or None on the runtime device.
    """
    if device not in DEVICES:
        raise ConfigError("device", f"must be one of {', '.join(DEVICES)}, got {device!r}")
    current = b2.get_device()
    if isinstance(current, CPPStandaloneDevice):
        # forget the previous standalone program (its objects, arrays and code)
        current.reinit()
        _give_up_program()
    elif device == "cpp_standalone":
        # the standalone device is a process-wide singleton: if an earlier circuit built a
        # program on it and the runtime device was made active since, forget that program too
        # (also one that was only generated, or failed before running: its objects would join)
        standalone = all_devices["cpp_standalone"]
        standalone.reinit()
        _give_up_program()
    if device == "cpp_standalone":
        # Brian2 names code objects uniquely among the live ones: the forgotten program's (kept
        # in reference cycles) would turn this program's files into "..._1" and recompile them
        gc.collect()
        _warn_if_a_circuit_lives_on()
    if device == "runtime":
        b2.set_device("runtime")
        b2.prefs.codegen.target = target
        return None
    directory = PROGRAM_CACHE if build_dir is None else build_dir
    # the project directory given here is a default only: run_network builds in ``directory``
    # through the runtime device every time: Brian2 then copies the runtime default clock's dt into
    # the program's main.cpp for every program alike (otherwise only into a process's first
    # program, and the second point of a sweep would recompile main.cpp for that line)
    b2.set_device("runtime")
    b2.set_device("cpp_standalone", directory=None, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = threads
    return directory


#: Environment variable a standalone program reads the seed of Brian2's generator from (:func:`seed_brian`).
SEED_VARIABLE = "ENGRAMLAB_BRIAN_SEED"


def seed_brian(seed: int) -> None:
    """Seed Brian2's random generator (``xi``, ``rand()``, ``randn()``) for the circuit being built.

    On the runtime device this is ``brian2.seed(seed)``. Under ``cpp_standalone``,
    ``brian2.seed`` writes the value into ``main.cpp`` (``_random_generators[i].seed(S + i)``), so
    every new seed recompiles and relinks the program (2 s per sweep point for the quick SDM).
    Here the program does the same at the same point of ``main`` with the value read from
    ``$ENGRAMLAB_BRIAN_SEED``, which the device sets for every run: the same generator states,
    the same spikes (tested against the runtime device), and no new compilation for a new seed.
    ``_random_generators`` is Brian2 2.9's name in generated code (as ``brian2.seed`` uses it).
    """
    device = b2.get_device()
    if not isinstance(device, CPPStandaloneDevice):
        b2.seed(seed)
        return
    threads = max(1, int(b2.prefs.devices.cpp_standalone.openmp_threads))
    device.insert_code("main", f"""{{
        const char* _engramlab_seed = getenv("{SEED_VARIABLE}");
        if (_engramlab_seed == NULL) {{
            std::cerr << "{SEED_VARIABLE} is not set: run this program through engramlab" << std::endl;
            return 1;
        }}
        const unsigned long long _seed = strtoull(_engramlab_seed, NULL, 10);
        for (int _i=0; _i<{threads}; _i++)
            brian::_random_generators[_i].seed(_seed + _i);
    }}""")
    device.run_environment_variables[SEED_VARIABLE] = str(int(seed))
    os.environ[SEED_VARIABLE] = str(int(seed))  # else Brian2 logs that it overwrites another seed's value


@contextlib.contextmanager
def stop_on_interrupt(state: dict[str, bool]) -> Iterator[None]:
    """While a network runs, Ctrl+C asks Brian2 to stop after the current step; a second one aborts.

    Replaces Brian2's own handler for the duration (it calls the previous handler, which fails
    when that is SIG_IGN or SIG_DFL, and it lets a stopped run look like a finished one). Only
    the main thread can handle signals; elsewhere nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        if state.get("interrupted"):
            raise KeyboardInterrupt
        state["interrupted"] = True
        b2.Network._globally_stopped = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        # a handler installed from C reads back as None: restore Python's default then
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)


@contextlib.contextmanager
def _faster_make(project: Path) -> Iterator[None]:
    """While Brian2 builds in ``project``, make also reads engramlab's rules (GCC only; :mod:`._make_rules`).

    They precompile the shared header once and remake make.deps only for changed sources.
    Brian2 writes the makefile inside ``build``, so the extra makefile's arguments are given to
    make through Brian2's ``extra_make_args_unix`` preference, restored afterwards.
    """
    prefs = b2.prefs.devices.cpp_standalone
    before = list(prefs.extra_make_args_unix)
    project.mkdir(parents=True, exist_ok=True)
    prefs.extra_make_args_unix = before + make_rules.make_arguments(project)
    try:
        yield
    finally:
        prefs.extra_make_args_unix = before
        make_rules.shrink(project)  # also after a failed build: an emptied header is never wrong


def _clock_starts_in_name_order(device: CPPStandaloneDevice) -> None:
    """Put the program's "clock starts at t = 0" lines in the order of the clocks' names.

    Brian2 queues them while iterating over a *set* of clocks (``CPPStandaloneDevice.network_run``),
    whose order follows the clocks' memory addresses, so two builds of one network could write
    the same lines of ``main.cpp`` in another order and recompile it (and relink) for nothing.
    Each line sets one clock's own ``timestep`` or ``t``: their order among clocks is immaterial.
    """
    queue = device.main_queue
    suffixes = ("clock_timestep", "clock_t")

    def is_clock_start(entry: Any) -> bool:
        func, args = entry
        return func == "set_by_single_value" and str(args[0]).endswith(suffixes)

    i = 0
    while i < len(queue):
        j = i
        while j < len(queue) and is_clock_start(queue[j]):
            j += 1
        if j - i > 1:
            # stable: a clock's own lines keep their order; clocks go by name
            queue[i:j] = sorted(queue[i:j], key=lambda e: str(e[1][0]).rsplit("_", 1)[0].removesuffix("_clock"))
        i = max(j, i + 1)


#: Environment variable a standalone program reads the duration of its run from (:func:`_duration_read_at_start_up`).
DURATION_VARIABLE = "ENGRAMLAB_RUN_DURATION"


def _the_one_run(device: CPPStandaloneDevice) -> tuple[int, Any, list[str], int] | None:
    """The program's one ``Network.run`` in the device's queue, or None.

    Returns (queue index, network, a copy of its lines, index of its ``<net>.run(`` line); None
    unless there is exactly one run with exactly one such line.
    """
    runs = [k for k, (func, _) in enumerate(device.main_queue) if func == "run_network"]
    if len(runs) != 1:
        return None
    net, lines = device.main_queue[runs[0]][1]
    at = [n for n, line in enumerate(lines) if line.startswith(f"{net.name}.run(")]
    if len(at) != 1:
        return None
    return runs[0], net, list(lines), at[0]


def _duration_read_at_start_up(device: CPPStandaloneDevice, network: b2.Network, duration: float) -> None:
    """Make the program read the duration of its one ``Network.run`` from ``$ENGRAMLAB_RUN_DURATION``.

    Brian2 writes ``network.run(<seconds>, ...)`` into ``main.cpp``, so a schedule of another
    length (another ISI, more trials of the same structure) recompiled ``main.cpp`` and relinked
    the program. The value is now parsed at start-up (``strtod`` of Python's shortest round-trip
    ``repr``: the same double), which the device sets for every run, as the seed is
    (:func:`seed_brian`). Only a program with exactly one run is changed (every engramlab
    protocol runs its program once); the run's other arguments are kept as Brian2 wrote them.
    """
    found = _the_one_run(device)
    if found is None:
        return
    k, net, lines, at = found
    prefix = f"{net.name}.run("
    rest = lines[at][len(prefix):].split(",", 1)
    if len(rest) != 2:
        return
    lines[at] = f"{prefix}_engramlab_duration,{rest[1]}"
    device.main_queue[k] = ("run_network", (net, lines))
    device.main_queue.insert(k, ("insert_code", f"""double _engramlab_duration = 0.0;
    {{
        const char* _engramlab_text = getenv("{DURATION_VARIABLE}");
        if (_engramlab_text == NULL) {{
            std::cerr << "{DURATION_VARIABLE} is not set: run this program through engramlab" << std::endl;
            return 1;
        }}
        _engramlab_duration = strtod(_engramlab_text, NULL);
    }}"""))
    device.run_environment_variables[DURATION_VARIABLE] = repr(float(duration))
    os.environ[DURATION_VARIABLE] = repr(float(duration))  # else Brian2 logs that it overwrites another value


#: File in a standalone program's results folder that holds its simulation loop's wall-clock seconds
LOOP_SECONDS_FILE = "engramlab_loop_seconds.txt"


def _loop_timed(device: CPPStandaloneDevice) -> None:
    """Make the program write the wall-clock time of its one ``Network.run`` to :data:`LOOP_SECONDS_FILE`.

    Brian2's ``_last_run_time`` is the program's processor time (``std::clock()``; wall time only
    with OpenMP threads), which falls short of the wall time whenever the program waits for a
    core. Measured (2026-12-05, quick continual, two at once on 2 cores, each beside its own MLP
    thread): 59 s of wall time in the loop, 42 s of processor time, and the 17 s between were
    booked as compiling. The clock is POSIX ``clock_gettime(CLOCK_MONOTONIC)`` (``<time.h>``,
    which Brian2's ``main.cpp`` includes); where it is missing the program writes nothing and
    :func:`simulation_seconds` falls back to Brian2's value. Only a program with exactly one run
    is changed, as in :func:`_duration_read_at_start_up`.
    """
    found = _the_one_run(device)
    if found is None:
        return
    k, net, lines, at = found
    start = """#ifdef CLOCK_MONOTONIC
    struct timespec _engramlab_loop_start;
    clock_gettime(CLOCK_MONOTONIC, &_engramlab_loop_start);
    #endif"""
    end = f"""#ifdef CLOCK_MONOTONIC
    {{
        struct timespec _engramlab_loop_end;
        clock_gettime(CLOCK_MONOTONIC, &_engramlab_loop_end);
        std::ofstream _engramlab_loop_file((brian::results_dir + "{LOOP_SECONDS_FILE}").c_str());
        _engramlab_loop_file.precision(17);
        _engramlab_loop_file << (double)(_engramlab_loop_end.tv_sec - _engramlab_loop_start.tv_sec)
            + 1e-9 * (double)(_engramlab_loop_end.tv_nsec - _engramlab_loop_start.tv_nsec) << std::endl;
    }}
    #endif"""
    device.main_queue[k] = ("run_network", (net, [*lines[:at], start, lines[at], end, *lines[at + 1:]]))


def simulation_seconds(device: CPPStandaloneDevice) -> tuple[float, float]:
    """Wall-clock seconds of the standalone program's last simulation loop, and Brian2's ``_last_run_time``.

    The wall time is what :func:`_loop_timed` made the program write (the caller deletes the file
    before each run: :func:`forget_loop_seconds`); without it (a program built before, or no
    monotonic clock) it is Brian2's value, as before: processor time (``std::clock``), or wall
    time with OpenMP threads.
    """
    brian = float(getattr(device, "_last_run_time", 0.0) or 0.0)
    results = getattr(device, "results_dir", None)
    if not results:
        return brian, brian
    try:
        return float(Path(results, LOOP_SECONDS_FILE).read_text()), brian
    except (OSError, ValueError):
        return brian, brian


def forget_loop_seconds(results_dir: str | Path | None) -> None:
    """Delete a previous run's :data:`LOOP_SECONDS_FILE`, so a run that writes none is never read as its own.

    (A modification-time check could not tell them apart on file systems with 1 s timestamps.)
    """
    if results_dir:
        Path(results_dir, LOOP_SECONDS_FILE).unlink(missing_ok=True)


def run_network(network: b2.Network, duration: b2.Quantity, build_dir: str | None,
                report: object = None) -> dict[str, float]:
    """Run ``network`` for ``duration`` on the active device; return wall-time parts (seconds).

    On the runtime device this is ``network.run``. Under cpp_standalone (``build_dir`` given) the
    run is recorded into the program, which is then generated, compiled and executed here, so a
    circuit calls this once with its whole schedule.

    Raises :class:`RunInterrupted` when the simulation stopped before ``duration`` (Ctrl+C or
    any other early stop), so a truncated run can never be taken for a finished one.
    """
    state: dict[str, bool] = {}
    t_start = float(network.t)
    t0 = time.perf_counter()
    with stop_on_interrupt(state):
        # standalone: scalar parameters become values the program reads at start-up, so another
        # value of one re-uses the compiled code (_run_time_constants)
        constants = constants_read_at_start_up(network, b2.get_device()) if build_dir is not None else {}
        # the runtime device simulates in this thread (_subnormals); a standalone run only records here
        with flushing_subnormals() if build_dir is None else contextlib.nullcontext(False):
            network.run(duration, report=None if build_dir is not None else report, namespace={},
                        profile=True if PROFILE else None)
        timings = {"run_call": time.perf_counter() - t0}
        if build_dir is None:
            timings["simulate"] = timings["run_call"]
            reached = float(network.t) - t_start
        else:
            t1, started = time.perf_counter(), time.time()
            device = b2.get_device()
            initial_values_as_data(device)  # another E_L, w0 or delay: data, not main.cpp
            fingerprint = _code_fingerprint(device) if build_dir == PROGRAM_CACHE else None
            project = _claim_project(network, fingerprint) if build_dir == PROGRAM_CACHE else Path(build_dir)
            try:
                _clock_starts_in_name_order(device)
                _duration_read_at_start_up(device, network, float(duration))
                _loop_timed(device)
                flush_in_program(device)
                with _building(project), _faster_make(project):
                    (project / _CODE_FILE).unlink(missing_ok=True)  # stale until this build succeeds
                    forget_loop_seconds(project / "results")
                    b2.device.build(directory=str(project), compile=True, run=False, debug=False)
                    if fingerprint is not None and project == _Claim.directory:
                        (project / _CODE_FILE).write_text(fingerprint)
                # run outside the build lock: the program's sources and objects no longer change (it
                # writes only static_arrays/ and results/, which a copy leaves out), so another
                # process may copy this build while it runs — two sweep workers that start the same
                # program together compiled it twice before, one waiting on the other's run
                b2.device.run(directory=str(project), results_directory="results", with_output=True,
                              run_args=constants)
            except RuntimeError:
                if state.get("interrupted"):
                    raise RunInterrupted("interrupted (Ctrl+C) while the compiled program ran: "
                                         "nothing was saved") from None
                raise
            total = time.perf_counter() - t1
            simulated, processor = simulation_seconds(b2.device)
            sources, code_objects = _compiled_sources(project, started)
            timings.update(build_and_run=total, simulate=simulated, simulate_processor=processor,
                           compile=max(0.0, total - simulated),
                           compiled_sources=float(sources), compiled_code_objects=float(code_objects))
            reached = float(duration)
    b2.Network._globally_stopped = False
    expected = float(duration)
    if state.get("interrupted") or reached < expected * (1 - 1e-9) - 1e-12:
        raise RunInterrupted(f"interrupted at {reached:.3g} s of {expected:.3g} s of biology "
                             "(Ctrl+C): nothing was saved")
    return timings
