"""Shared fixtures: spiking runs are built once per session and reused by many tests.

Every test starts from the same global state: the autouse fixture below restores Brian2's
device and code-generation preferences and the global NumPy and ``random`` seeds after each
test, so one test's standalone build or ``b2.seed`` cannot change what the next one sees.
"""

import os
import random
import sys

if os.environ.get("PYTEST_XDIST_WORKER"):
    # one process per core, plus one, already: BLAS and OpenMP threads on top of it (inherited by the lab
    # notebooks' kernels) would make the processes fight over the same cores
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

_PREFS = ("codegen.target", "devices.cpp_standalone.openmp_threads")


@pytest.fixture(autouse=True)
def _restore_global_state():
    np_state = np.random.get_state()  # noqa: NPY002 - restoring the legacy global state is the point
    py_state = random.getstate()
    b2 = sys.modules.get("brian2")
    before = {k: b2.prefs[k] for k in _PREFS} if b2 is not None else None
    yield
    np.random.set_state(np_state)  # noqa: NPY002
    random.setstate(py_state)
    b2 = sys.modules.get("brian2")
    if b2 is None:
        return
    from brian2.devices.cpp_standalone.device import CPPStandaloneDevice

    prefs = before if before is not None else {"codegen.target": "auto", "devices.cpp_standalone.openmp_threads": 0}
    if isinstance(b2.get_device(), CPPStandaloneDevice):
        # a standalone circuit built in this test or in a session fixture it asked for (those
        # are set up before this fixture, so the device it saw may already be standalone): keep
        # the program on disk but make the runtime device active again, or the next test's bare
        # Brian2 network would run in that program's project folder, which the program cache
        # may hand to another process (seen with 3 processes on 2 cores: a StateMonitor's
        # results file deleted under test_dcn_copies_receive_their_whole_line...)
        b2.set_device("runtime")
    for key, value in prefs.items():
        b2.prefs[key] = value


# The suite runs on several processes (``make test``: pytest-xdist, ``--dist loadgroup``). A
# session fixture is built once per process that asks for it, so every test that uses one of
# the shared spiking runs below is put in that run's group: the group runs on one process and
# the run is built once. Tests that ask for no shared run are spread one by one.
SHARED_RUNS = {"sdm_result": "sdm", "sdm_analysis": "sdm", "sdm_ideal_result": "sdm", "sdm_ideal_analysis": "sdm",
               "small_eyeblink": "eyeblink",
               "small_eyeblink_configs": "eyeblink", "small_runs": "small_runs", "synthetic_continual": "continual"}


_GROUPING_FAILED = pytest.StashKey[str]()


def pytest_itemcollected(item):
    """Put a test that uses a shared run in that run's group (before pytest-xdist reads the groups)."""
    groups = {SHARED_RUNS[name] for name in item.fixturenames if name in SHARED_RUNS}
    marked = {m.args[0] for m in item.iter_markers("xdist_group")}
    if len(groups | marked) > 1:
        item.config.stash[_GROUPING_FAILED] = (f"{item.nodeid} uses shared runs of two groups "
                                               f"{sorted(groups | marked)}: one process could not build each once")
    elif groups and not marked:
        item.add_marker(pytest.mark.xdist_group(groups.pop()))


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    """Notice when pytest-xdist did not group (then every process would build every shared run)."""
    if not getattr(session.config.option, "loadgroup", False):  # set in pytest-xdist's processes only
        return
    lost = [item.nodeid for item in session.items if any(item.iter_markers("xdist_group")) and "@" not in item.nodeid]
    if lost:
        session.config.stash[_GROUPING_FAILED] = (
            f"pytest-xdist's --dist loadgroup did not group {len(lost)} tests that share runs: this pytest breaks "
            "it (pytest-xdist#1386, pytest 9.2); install 'pytest<9.2' or run without -n")


def pytest_runtest_setup(item):
    """Fail every test in one line (a worker's collection error would only crash it, unexplained)."""
    message = item.config.stash.get(_GROUPING_FAILED, None)
    if message:
        pytest.fail(message, pytrace=False)


def pytest_collection_modifyitems(config, items):
    """Start the longest work first.

    Processes take work in collection order, so the lab notebooks (minutes each) and the shared
    runs go first: a long test collected last would leave the other processes idle at the end.
    """

    def rank(item):
        if "test_every_lab_runs_as_a_notebook" in item.nodeid:
            return 0
        return 1 if any(item.iter_markers("xdist_group")) else 2

    items.sort(key=rank)  # stable: the order inside each rank is the collection order


SDM_LEVELS = (0, 1, 2, 3, 4, 5, 8, 12, 16, 20, 24, 32, 40, 48)


def _sdm_device() -> dict:
    """One C++ program where a compiler is there (~40 s from nothing, less once the program is kept),
    else the NumPy target (80 s): the same spikes either way (test_cerebellum_sdm.py checks it)."""
    import shutil
    return {"device": "cpp_standalone"} if shutil.which("g++") else {"target": "numpy"}


@pytest.fixture(scope="session")
def sdm_result():
    """A small cerebellar SDM run in the realistic (default) regime."""
    from engramlab.circuits.cerebellum import CerebellumConfig
    from engramlab.protocols.sdm_memory import SDMMemoryConfig, run_sdm_memory
    circuit = CerebellumConfig(r=2000, design_patterns=8, seed=11, **_sdm_device())
    return run_sdm_memory(circuit, SDMMemoryConfig(patterns=8, noise_levels=SDM_LEVELS, seed=5))


@pytest.fixture(scope="session")
def sdm_analysis(sdm_result):
    from engramlab.analysis.cerebellar_sdm import analyse_sdm
    return analyse_sdm(sdm_result)


@pytest.fixture(scope="session")
def sdm_ideal_result():
    """The same run in the ideal regime (the noise-free mathematical limit)."""
    from engramlab.circuits.cerebellum import CerebellumConfig
    from engramlab.protocols.sdm_memory import SDMMemoryConfig, run_sdm_memory
    circuit = CerebellumConfig.ideal(r=2000, design_patterns=8, seed=11, **_sdm_device())
    return run_sdm_memory(circuit, SDMMemoryConfig(patterns=8, noise_levels=SDM_LEVELS, seed=5, rest_slots=2,
                                                   readout="purkinje_phase"))


@pytest.fixture(scope="session")
def sdm_ideal_analysis(sdm_ideal_result):
    from engramlab.analysis.cerebellar_sdm import analyse_sdm
    return analyse_sdm(sdm_ideal_result)


@pytest.fixture(scope="session")
def small_eyeblink_configs():
    """The circuit and schedule of :func:`small_eyeblink`: 12 short trials on the default microzone
    (2,000 granule cells, 16 Purkinje cells, 4 DCN cells; the default plasticity at the quick
    preset's rate, 20x the default's), a probe every 6th, 2 lesion trials."""
    import dataclasses

    from brian2 import ms, pA

    from engramlab.circuits.microzone import MicrozoneConfig
    from engramlab.protocols.eyeblink import EyeblinkConfig
    fast = dataclasses.replace(MicrozoneConfig().plasticity, a_plus=0.3 * pA)
    # one C++ program of the quick preset's structure, so lab 3's quick run and this one compile it
    # once between them (a first build took 31 s in a cold CI on 2026-12-03; the rebuild 11 s);
    # simulating takes 8 s here against 4.7 s at 500 granule cells
    circuit = MicrozoneConfig(device="cpp_standalone", seed=3, plasticity=fast)
    return circuit, EyeblinkConfig(trials=12, cs_onset=100 * ms, probe_every=6, lesion_trials=2)


@pytest.fixture(scope="session")
def small_eyeblink(small_eyeblink_configs):
    """12 short eyeblink trials on the default microzone (:func:`small_eyeblink_configs`)."""
    from engramlab.protocols.eyeblink import run_eyeblink
    return run_eyeblink(*small_eyeblink_configs)


@pytest.fixture(scope="session")
def small_runs():
    """Small runs of the other protocols through the front door (associative and navigation: one C++
    program each, foraging too; pattern completion on the runtime device)."""
    import engramlab as el
    return {
        # the task's default circuit, as one C++ program of the structure test_conditioning.py's
        # associative test compiles too (the second build recompiles 2 files: 8 s; simulating
        # these 16 trials takes 4 s, against 73 s on the NumPy target; 2 cores, 2026-12-03)
        "associative": el.run("associative", seed=2, trials=8, reversal_trials=8, device="cpp_standalone"),
        # the memory-neuron pool (default model), one standalone build, 128 memories of 8 neurons;
        # the attractor modules path-integrate the first 40 actions (20 s of attractor time)
        "navigation": el.run("navigation", graph="grid5x5", steps=120, environments=2, seed=1,
                             device="cpp_standalone", pool__pool=1024, pool__ensemble=8,
                             grid__path_integration_steps=40),
        "foraging": el.run("foraging", duration="60 s", seed=1, grid__model="ideal", device="cpp_standalone"),
        "pattern-completion": el.run("pattern-completion", n=60, loads=[0.05, 0.3], trials=1, cues=3, seed=1),
    }


def _synthetic_continual_result(decoy: bool = False, rival: bool = False):
    """A continual Result built by hand: its granule cells fire exactly the Top-K sets and its
    DCN cells fire on the digit's line inside the read window (and, with ``decoy``, on another
    line just before the window opens and just after it closes; with ``rival``, the line before
    the digit's fires as many spikes in the window, its first 1 ms before the digit line's first
    and its last 1 ms after the digit line's last)."""
    from engramlab.analysis.continual import topk_sets
    from engramlab.results import Result

    rng = np.random.default_rng(5)
    n, r, k, m, tasks, slot = 16, 60, 6, 10, 5, 0.1
    delays = {"circuit.volley_time": 0.004, "circuit.mossy.delay": 0.002, "circuit.plasticity.delay_pf": 0.005,
              "circuit.nuclei.delay_pc": 0.004}
    arrival, width = sum(delays.values()), 0.05
    labels = np.repeat(np.arange(m), 4)
    addresses = rng.integers(0, 2, (labels.size, n)).astype(bool)
    targets = rng.integers(0, 2, (r, n)).astype(bool)
    train = np.tile([True, True, False, False], m)
    task_of_class = np.arange(m) // 2
    test = rng.permutation(np.flatnonzero(~train))
    kind, example, evaluation = [0, 0, 0], [-1, -1, -1], [-1, -1, -1]
    for t in range(tasks):
        mine = np.flatnonzero(train & (task_of_class[labels] == t))
        kind += [1] * mine.size + [2] * test.size
        example += [*mine, *test]
        evaluation += [t] * (mine.size + test.size)
    kind, example = np.array(kind), np.array(example)
    start = np.arange(kind.size) * slot
    sets = topk_sets(addresses, targets, k)
    gt, gi, nt, ni = [], [], [], []
    for s, (kd, ex) in enumerate(zip(kind, example, strict=True)):
        if kd == 0:  # rest: every line's cell fires once in the window
            nt += [start[s] + arrival + 0.01] * m
            ni += list(range(m))
            continue
        cells = np.flatnonzero(sets[ex])
        gt += [start[s] + 0.01] * cells.size
        gi += cells.tolist()
        if kd == 2:
            nt += [start[s] + arrival + 0.01 + 0.005 * j for j in range(3)]
            ni += [labels[ex]] * 3
            if rival:  # first spike 1 ms before the digit line's, later ones 1 ms after
                nt += [start[s] + arrival + t for t in (0.009, 0.016, 0.021)]
                ni += [(labels[ex] - 1) % m] * 3
            if decoy:  # more spikes of the next line just outside [arrival, arrival + width) on each side
                nt += [start[s] + arrival - 0.001] * 4 + [start[s] + arrival + width + 0.001] * 4
                ni += [(labels[ex] + 1) % m] * 8
    order = np.argsort(nt, kind="stable")
    arrays = dict(spikes_granule_t=np.array(gt), spikes_granule_i=np.array(gi),
                  spikes_nuclei_t=np.array(nt)[order], spikes_nuclei_i=np.array(ni)[order], slot_start=start,
                  slot_kind=kind, slot_example=example, slot_eval=np.array(evaluation), addresses=addresses,
                  labels=labels, train=train, task_of_class=task_of_class, targets=targets)
    params = {"circuit.r": r, "circuit.m": m, "circuit.n": n, "circuit.slot": slot, "top_k": k, **delays,
              "protocol.read_window": width, "protocol.seed": 0, "weights_at_zero": 0.0, "weights_at_max": 0.0}
    return Result("continual", arrays, params, {"seed": 0})


@pytest.fixture(scope="session")
def synthetic_continual():
    """Builds a hand-made continual Result (no simulation): ``synthetic_continual(decoy=False, rival=False)``."""
    return _synthetic_continual_result
