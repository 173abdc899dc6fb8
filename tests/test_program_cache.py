"""Compile once, run many: another seed of the same network is the same compiled code.

A standalone program's code objects are C++ files; ``make`` recompiles those whose text changed.
So "a second run with another seed re-uses the build" holds exactly when the two seeds generate
byte-identical sources: code objects, array code (``objects.cpp``: spike lists are padded to a
seed-independent length) and ``main.cpp`` (the seed of Brian2's generator is read at start-up,
and clocks start in name order). The seed's draws go to the static-array data files only. Each
protocol's program is generated (not compiled) for two seeds and compared; one compiled pair is
checked in test_cerebellum_sdm.py (test_realistic_noise_is_the_same_on_cpp_standalone: 68
object files, then none).
"""

from pathlib import Path

import pytest

import engramlab as el

#: small settings of every protocol (the program's structure, not its size, is what is tested)
SMALL = {
    "sdm": {},
    "sdm-capacity": {"r": 500},
    "eyeblink": {"r": 300, "trials": 4},
    "associative": {"r": 300, "trials": 4, "reversal_trials": 2},
    # the first program a navigation run builds: the attractor modules path-integrating the walk
    "navigation": {"graph": "grid5x5", "steps": 40, "environments": 1},
    "foraging": {"duration": "10 s"},  # plateaus need half the run past place.plateau_from (5 s)
    "pattern-completion": {"n": 40, "loads": [0.05], "trials": 1, "cues": 2},
    "continual": {"r": 500},
}


class Generated(Exception):
    """Raised in place of compiling: the program's project directory is in ``args[0]``."""


#: further programs of a protocol: id -> (protocol, settings)
MORE = {
    # navigation's second program: the memory-neuron pool (without path integration it is the first)
    "navigation-memory": ("navigation", {**SMALL["navigation"], "grid__path_integration": "off"}),
}


def _generated_code(name: str, seed: int, cache: Path, monkeypatch: pytest.MonkeyPatch,
                    **extra: object) -> dict[str, str]:
    from brian2.devices.cpp_standalone.device import CPPStandaloneDevice

    original = CPPStandaloneDevice.build

    def generate_only(self, directory="output", **_):
        original(self, directory=directory, compile=False, run=False)
        raise Generated(directory)

    monkeypatch.setenv("ENGRAMLAB_PROGRAM_CACHE", str(cache))
    monkeypatch.setattr(CPPStandaloneDevice, "build", generate_only)
    with pytest.raises(Generated) as generated:
        protocol, settings = MORE.get(name, (name, SMALL.get(name, {})))
        el.run(protocol, quick=True, seed=seed, device="cpp_standalone", **{**settings, **extra})
    monkeypatch.undo()
    project = Path(str(generated.value.args[0]))
    assert project.parent == cache  # built where the program cache put it
    # every source: the code objects, the array code (objects.cpp: each array's size is a constant
    # there; 6.4 s of a microzone's 7 s rebuild) and main.cpp
    return {p.name: p.read_text() for p in [*(project / "code_objects").iterdir(), *project.iterdir()]
            if p.suffix in (".cpp", ".h")}


def test_every_protocol_is_covered():
    assert set(SMALL) == set(el.protocols())


@pytest.mark.parametrize("name", sorted([*SMALL, *MORE]))
def test_another_seed_generates_the_same_code_objects(name, tmp_path, monkeypatch):
    first = _generated_code(name, 1, tmp_path / "a", monkeypatch)
    second = _generated_code(name, 2, tmp_path / "b", monkeypatch)
    assert len(first) >= 10
    assert sorted(first) == sorted(second)
    changed = {f for f in first if first[f] != second[f]}
    assert "main.cpp" in first and "objects.cpp" in first
    assert not changed, f"{name}: the seed is compiled into {sorted(changed)}"


def test_another_interval_generates_the_same_code_objects(tmp_path, monkeypatch):
    """Quick eyeblink at ISI 150, 250, 400 and 600 ms (issue 17's example sweep): the schedule's length is data.

    The run's duration is read at start-up, the plasticity and Purkinje→DCN gates lie on a fixed
    grid padded to 64 · 4^k entries, and spike lists are padded to 1,024 · 4^k; before, every
    other ISI recompiled main.cpp, objects.cpp and three synapse code objects, and until
    2026-12-06 (2^k) ISI 400 ms recompiled main.cpp and objects.cpp and 600 ms those and three
    code objects (a sweep of the four compiled three programs). The limit of padding: schedules
    whose tables fall on two sides of a boundary still differ.
    """
    from engramlab import registry
    trials = registry.get("eyeblink").quick["protocol"]["trials"]  # the quick preset's (SMALL has 4)
    code = {isi: _generated_code("eyeblink", 1, tmp_path / str(isi), monkeypatch, protocol__isi=f"{isi} ms",
                                 trials=trials) for isi in (150, 250, 400, 600)}
    first = code[150]
    assert len(first) >= 10
    for isi in (250, 400, 600):
        assert sorted(code[isi]) == sorted(first)
        changed = sorted(f for f in first if first[f] != code[isi][f])
        assert not changed, f"ISI {isi} ms is compiled into {changed}"


def test_gate_tables_give_the_per_trial_gate_at_every_step_and_keep_their_shape_across_periods():
    """gate_table: the same value as a one-value-per-trial TimedArray at every simulation step
    (boundaries included), one step and length for trial periods of 1.5 and 1.6 s, and a period
    off the grid keeps its own table."""
    import brian2 as b2
    import numpy as np

    from engramlab.circuits.layers import GATE_STEP, gate_table, spike_capacity

    rng = np.random.default_rng(3)
    for period in (1.5, 1.6, 2.3):
        values = np.append(rng.integers(0, 2, 21).astype(float), 1.0)
        table, step = gate_table(values, period)
        assert step == GATE_STEP and table.size == 1024  # 22 trials × 15–23 steps: 330–506 → 64 · 4^k = 1,024
        per_trial = b2.TimedArray(values, dt=period * b2.second)
        on_grid = b2.TimedArray(table, dt=step * b2.second)
        t = np.arange(round(values.size * period / 2e-4)) * 2e-4 * b2.second  # every 0.2 ms step
        assert np.array_equal(per_trial(t), on_grid(t))
    values = np.array([1.0, 0.0, 1.0])
    table, step = gate_table(values, 0.25)  # not whole grid steps: unchanged
    assert step == 0.25 and np.array_equal(table, values)
    # spike lists: 20,480 and 23,552 (two ISIs' lists in 1,024 steps) now share one capacity
    assert spike_capacity(19000) == spike_capacity(22000) == 32768
    assert spike_capacity(0) == 1024 and spike_capacity(5000) >= 5000 + 10 * np.sqrt(5000)
    # growth 4 (the microzone's): the quick eyeblink preset's mossy lists at ISI 150 and 600 ms
    # (expected 23,280 and 41,580 spikes) share 65,536; at growth 2 they fell on 32,768 and 65,536
    assert spike_capacity(23280) == 32768 != spike_capacity(41580) == 65536
    assert spike_capacity(23280, growth=4) == spike_capacity(41580, growth=4) == 65536
    for growth in (2, 4):  # every capacity is 1,024 · growth^k and holds the bound
        for expected in (0.0, 1.0, 959.0, 960.0, 1e4, 123456.7, 5e6):
            cap = spike_capacity(expected, growth=growth)
            k = round(np.log(cap / 1024) / np.log(growth))
            assert cap == 1024 * growth**k and cap >= expected + 10 * np.sqrt(expected) + 64
            assert k == 0 or 1024 * growth ** (k - 1) < expected + 10 * np.sqrt(expected) + 64


def test_an_unwritable_program_cache_is_named_and_the_run_still_compiles(tmp_path, monkeypatch):
    """A cache folder that cannot be created is reported (its name, the reason), not silently skipped."""
    import brian2 as b2

    from engramlab.circuits._device import _claim_project

    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ENGRAMLAB_PROGRAM_CACHE", str(blocker / "programs"))
    with pytest.warns(UserWarning, match=r"ENGRAMLAB_PROGRAM_CACHE: cannot use .*a_file/programs"):
        project = _claim_project(b2.Network())
    assert project.is_dir() and project.name.startswith("engramlab_standalone_")


def test_a_circuit_still_referenced_is_named_before_its_successor_recompiles_everything():
    """A live earlier circuit renames the next program's code objects (``..._1``): warned, not silent."""
    import gc
    import warnings

    import brian2 as b2

    from engramlab.circuits._device import select_device

    leftover = b2.NeuronGroup(1, "v : 1", name="leftover_group")
    try:
        with pytest.warns(UserWarning, match=r"earlier circuit is still referenced .*'leftover_group'"):
            select_device("cpp_standalone")
        del leftover
        gc.collect()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            select_device("cpp_standalone")  # nothing left over: no warning
    finally:
        select_device("runtime")


#: a project laid out as Brian2 writes one: a code object declares its function before it includes
#: objects.h, and the makefile follows Brian2's template (brian2/devices/cpp_standalone/templates)
_FAKE_PROJECT = {
    "objects.h": "#ifndef OBJ_H\n#define OBJ_H\n#include <vector>\n#include <map>\n#include <string>\n"
                 "extern std::vector<double> values;\n#endif\n",
    "objects.cpp": '#include "objects.h"\nstd::vector<double> values(3, 2.5);\n',
    "code_objects/a.h": "#ifndef A_H\n#define A_H\ndouble run_a();\n#endif\n",
    "code_objects/a.cpp": '#include "code_objects/a.h"\n#include "objects.h"\n'
                          "double run_a() { return values[0] + values[2]; }\n",
    "code_objects/before_run_a.cpp": '#include "objects.h"\nvoid before_run_a() { values[1] = 2.5; }\n',
    "main.cpp": '#include <cstdio>\n#include "objects.h"\n#include "code_objects/a.h"\n'
                'int main() { std::printf("%g\\n", run_a()); return 0; }\n',
    "makefile": "PROGRAM = main\nSRCS = objects.cpp code_objects/a.cpp code_objects/before_run_a.cpp main.cpp\n"
                "H_SRCS = objects.h code_objects/a.h\n"
                "OBJS = ${SRCS:.cpp=.o}\nOPTIMISATIONS = -O2 -H\nCXXFLAGS = -c $(OPTIMISATIONS) -I.\nDEPS = make.deps\n"
                "all: $(PROGRAM)\n$(PROGRAM): $(OBJS) $(DEPS) makefile\n\t$(CXX) $(OBJS) -o $(PROGRAM)\n"
                "make.deps: $(SRCS) $(H_SRCS)\n\t$(CXX) $(CXXFLAGS) -MM $(SRCS) > make.deps\n"
                "ifneq ($(wildcard $(DEPS)), )\ninclude $(DEPS)\nendif\n"
                "%.o : %.cpp makefile\n\t$(CXX) $(CXXFLAGS) $< -o $@\n",
}


def test_the_shared_header_is_precompiled_once_and_make_deps_is_rebuilt_only_for_what_changed(tmp_path):
    import os
    import shutil
    import subprocess

    from engramlab.circuits import _make_rules as pch

    if not pch.compiler_is_gcc():
        pytest.skip("the precompiled header is built for GCC only")
    for name, text in _FAKE_PROJECT.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    args = pch.make_arguments(tmp_path)
    assert args == ["-f", "makefile", "-f", pch.MAKEFILE]

    def make() -> str:
        done = subprocess.run(["make", "-j", *args], cwd=tmp_path, capture_output=True, text=True, check=True)
        return done.stdout + done.stderr

    log = make()
    # built once, then used (GCC's -H marks a used precompiled header with "!") by every C++ file
    assert log.count("-x c++-header objects.h") == 1 and log.count("! ./objects.h.gch") + log.count(
        "! objects.h.gch") == 4
    assert subprocess.run(["./main"], cwd=tmp_path, capture_output=True, text=True).stdout == "5\n"
    # code run once (objects.cpp, main.cpp, before/after-run objects) at -O1, after the makefile's own -O;
    # the loop's code as asked

    def compile_line(source: str) -> list[str]:
        return next(line.split() for line in log.splitlines() if f"{source} -o" in line)

    for once in ("objects.cpp", "main.cpp", "code_objects/before_run_a.cpp"):
        flags = compile_line(once)
        assert "-O1" in flags and flags.index("-O1") > flags.index("-O2")
    assert "-O1" not in compile_line("code_objects/a.cpp")
    # make.deps, assembled from one part per source, is the file Brian2's own recipe writes
    brian2_way = tmp_path / "brian2_way"
    shutil.copytree(tmp_path, brian2_way, ignore=shutil.ignore_patterns("*.o", "*.gch", "make.deps", "main",
                                                                        ".engramlab_deps", "brian2_way"))
    subprocess.run(["make", "make.deps"], cwd=brian2_way, capture_output=True, check=True)
    assert (tmp_path / "make.deps").read_text() == (brian2_way / "make.deps").read_text()
    shutil.rmtree(brian2_way)
    pch.shrink(tmp_path)
    assert (tmp_path / "objects.h.gch").stat().st_size == 0
    assert "-c" not in make().split()  # the emptied header does not make anything out of date

    def touch_later(name: str) -> None:  # newer than every file make wrote, whatever the clock's grain
        for p in tmp_path.rglob("*"):  # (by ageing the others: a time stamp in the future makes make loop)
            if p.is_file():
                os.utime(p, (p.stat().st_mtime - 10, p.stat().st_mtime - 10))
        os.utime(tmp_path / name)

    (tmp_path / "code_objects/a.cpp").write_text(_FAKE_PROJECT["code_objects/a.cpp"].replace("values[2]", "1.0"))
    touch_later("code_objects/a.cpp")
    log = make()  # one changed file: compiled alone, reading objects.h itself (the empty .gch is ignored)
    assert log.count("code_objects/a.cpp -o") == 1 and "objects.cpp -o" not in log and "c++-header" not in log
    assert log.count(" -MM ") == 1  # and only its part of make.deps is written again
    assert subprocess.run(["./main"], cwd=tmp_path, capture_output=True, text=True).stdout == "3.5\n"
    touch_later("makefile")  # new flags, say: the header is precompiled again, and every file compiled with it
    log = make()
    assert log.count("-x c++-header objects.h") == 1 and log.count("! ./objects.h.gch") + log.count(
        "! objects.h.gch") == 4


def test_the_make_rules_are_given_to_make_only_during_a_build_and_the_header_is_emptied_even_after_a_failure(
        tmp_path):
    import brian2 as b2

    from engramlab.circuits import _device
    from engramlab.circuits import _make_rules as rules

    prefs = b2.prefs.devices.cpp_standalone
    before = list(prefs.extra_make_args_unix)
    (tmp_path / "objects.h.gch").write_bytes(b"x" * 1000)  # as a build leaves it
    with pytest.raises(RuntimeError, match="compilation failed"), _device._faster_make(tmp_path):
        assert prefs.extra_make_args_unix == before + rules.make_arguments(tmp_path)
        raise RuntimeError("Project compilation failed")
    assert list(prefs.extra_make_args_unix) == before
    assert (tmp_path / "objects.h.gch").stat().st_size == 0
    if rules.compiler_is_gcc():
        assert (tmp_path / rules.MAKEFILE).read_text().startswith("# written by engramlab")


def test_padded_spike_lists_emit_exactly_the_spikes_given():
    """A standalone program's spike lists are padded to a seed-independent length with spikes
    after the run's end; a group given the padded list fires what the unpadded list holds."""
    import brian2 as b2
    import numpy as np

    from engramlab.circuits.layers import grid_spikes, padded_spikes, spike_capacity

    rng = np.random.default_rng(4)
    dt, duration = 1e-4, 0.05
    lines, times = grid_spikes([rng.integers(0, 5, 300)], [rng.random(300) * duration], dt)
    capacity = spike_capacity(300.0)
    assert capacity % 1024 == 0 and capacity >= 300 + 10 * np.sqrt(300) + 64
    i_pad, t_pad = padded_spikes(lines, times, capacity, duration, dt)
    assert len(i_pad) == capacity and np.all(np.asarray(t_pad[len(lines):]) >= duration - 1e-12)
    # sorted by time, then neuron, as the callers promise the group (set_spikes(sorted=True))
    order = np.lexsort((i_pad, np.round(np.asarray(t_pad) / dt)))
    np.testing.assert_array_equal(order, np.arange(capacity))
    # a given spike at the run's last step or after it: the padding starts after it, still sorted
    late_i, late_t = padded_spikes(np.array([3, 4]), np.array([0.01, duration]) * b2.second, 8, duration, dt)
    late_steps = np.round(np.asarray(late_t) / dt).astype(int)
    assert late_i.tolist() == [3, 4] + [0] * 6 and np.all(np.diff(late_steps) > 0)
    b2.set_device("runtime")
    target = b2.prefs.codegen.target
    b2.prefs.codegen.target = "numpy"  # nothing to compile for 500 steps
    try:
        group = b2.SpikeGeneratorGroup(5, i_pad, t_pad, dt=dt * b2.second, sorted=True)
        monitor = b2.SpikeMonitor(group)
        b2.Network(group, monitor).run(duration * b2.second, namespace={})
    finally:
        b2.prefs.codegen.target = target
    got = np.lexsort((np.asarray(monitor.i), np.round(np.asarray(monitor.t) / dt)))
    want = np.lexsort((lines, np.round(np.asarray(times) / dt)))
    np.testing.assert_array_equal(np.asarray(monitor.i)[got], lines[want])
    np.testing.assert_array_equal(np.round(np.asarray(monitor.t)[got] / dt), np.round(np.asarray(times)[want] / dt))
    # more spikes than the capacity: kept whole, never cut
    assert len(padded_spikes(lines, times, len(lines) - 1, duration, dt)[0]) == len(lines)


def test_a_program_returns_to_the_slot_built_from_its_own_code(tmp_path, monkeypatch):
    """Two programs of one structure and different code (sdm-capacity's two radius designs) keep
    a slot each: the slot last built from the same code first, then an empty one, then the least
    recently used; a busy (locked) slot is skipped."""
    import fcntl
    import os

    import brian2 as b2

    from engramlab.circuits import _device as D

    monkeypatch.setenv("ENGRAMLAB_PROGRAM_CACHE", str(tmp_path))
    net = b2.Network()
    key = D._structure_key(net)
    slots = [tmp_path / f"{key}-{k}" for k in range(D.CACHE_SLOTS)]
    for k, slot in enumerate(slots[:2]):
        slot.mkdir()
        (slot / "main").write_text("built")
        (slot / D._CODE_FILE).write_text(f"code-{k}")
        os.utime(slot, (1000 + k, 1000 + k))
    assert D._slot_order(tmp_path, key, "code-1")[0] == slots[1]
    assert D._slot_order(tmp_path, key, "code-0")[0] == slots[0]
    assert D._slot_order(tmp_path, key, "new")[0] in slots[2:]  # empty before any built one
    for slot in slots[2:]:
        slot.mkdir()
        (slot / "main").write_text("built")
        (slot / D._CODE_FILE).write_text("other")
        os.utime(slot, (2000, 2000))
    assert D._slot_order(tmp_path, key, "new")[0] == slots[0]  # least recently used
    with open(slots[1] / ".lock", "w") as busy:
        fcntl.flock(busy, fcntl.LOCK_EX | fcntl.LOCK_NB)
        claimed = D._claim_project(net, "code-1")  # its slot is busy: the next in order
        try:
            assert claimed != slots[1] and claimed in slots
        finally:
            D._give_up_program()
    claimed = D._claim_project(net, "code-1")
    try:
        assert claimed == slots[1]
    finally:
        D._give_up_program()


def test_an_empty_slot_waits_for_a_sibling_that_is_building_and_copies_it(tmp_path, monkeypatch):
    """Every sibling busy building (its ``.build`` held): the empty slot waits for it and copies
    its finished build, instead of compiling everything anew (two sweep workers starting one
    program together); a sibling free of builds is copied without waiting; a build that never
    ends is waited for only so long; a sibling that vanishes while copied is passed over."""
    import fcntl
    import os
    import shutil
    import threading
    import time

    from engramlab.circuits import _device as D

    key = "k"
    sibling = tmp_path / f"{key}-0"
    sibling.mkdir()
    (sibling / "main").write_text("old build")
    os.utime(sibling, (1000, 1000))
    building = open(sibling / ".build", "a")
    fcntl.flock(building, fcntl.LOCK_EX)

    def finish_build() -> None:
        time.sleep(0.5)
        (sibling / "main").write_text("new build")
        (sibling / "code.o").write_text("object")
        fcntl.flock(building, fcntl.LOCK_UN)
        building.close()

    builder = threading.Thread(target=finish_build)
    t0 = time.perf_counter()
    builder.start()
    empty = tmp_path / f"{key}-1"
    empty.mkdir()
    D._copy_sibling_build(tmp_path, key, empty)
    builder.join()
    assert time.perf_counter() - t0 >= 0.5  # it waited for the build
    assert (empty / "main").read_text() == "new build" and (empty / "code.o").is_file()
    assert not (empty / ".build").exists()

    slept: list[float] = []
    real_sleep = time.sleep
    monkeypatch.setattr(D.time, "sleep", lambda s: (slept.append(s), real_sleep(s)))
    other = tmp_path / f"{key}-2"
    other.mkdir()
    D._copy_sibling_build(tmp_path, key, other)  # nothing building: copied without waiting
    assert slept == [] and (other / "main").read_text() == "new build"

    for d in (empty, other):  # one sibling left, building for ever
        shutil.rmtree(d)
    with open(sibling / ".build", "a") as stuck:
        fcntl.flock(stuck, fcntl.LOCK_EX)
        alone = tmp_path / f"{key}-3"
        alone.mkdir()
        t0 = time.perf_counter()
        D._copy_sibling_build(tmp_path, key, alone, wait_seconds=0.3)
        assert 0.3 <= time.perf_counter() - t0 and slept and list(alone.iterdir()) == []

    def vanished(*args, **kwargs):
        raise FileNotFoundError("the sibling was given up meanwhile")

    monkeypatch.setattr(D.shutil, "copytree", vanished)
    D._copy_sibling_build(tmp_path, key, alone, wait_seconds=0.3)  # passed over: no error, no copy
    assert list(alone.iterdir()) == []


def test_the_code_fingerprint_sees_constants_brian2_writes_in_only_at_generation():
    """Brian2 freezes namespace constants into the sources only when it writes the project, so
    the fingerprint reads them from the code objects' variables: another constant (a radius, a
    capacitance) is another fingerprint; the same network generated twice is the same one."""
    import brian2 as b2

    from engramlab.circuits import _device as D

    def fingerprint(tau_ms: float) -> str:
        D.select_device("cpp_standalone")
        try:
            group = b2.NeuronGroup(10, "dv/dt = -v / tau : 1", namespace={"tau": tau_ms * b2.ms},
                                   method="exact", name="fingerprinted")
            net = b2.Network(group)
            net.run(1 * b2.ms, namespace={})
            return D._code_fingerprint(b2.get_device())
        finally:
            D.select_device("runtime")

    assert fingerprint(10.0) == fingerprint(10.0)
    assert fingerprint(10.0) != fingerprint(12.0)


#: a parameter of each protocol that does not change its network's structure, and another value of it
OTHER_VALUE = {
    "sdm": {"granule__C": "8 pF", "plasticity__a_plus": "120 pA", "purkinje__I_e": "650 pA"},
    "sdm-capacity": {"granule__C": "8 pF", "purkinje__I_e": "650 pA"},
    "eyeblink": {"granule__C": "8 pF", "mf_background": "5 Hz"},
    "associative": {"granule__C": "8 pF"},
    "navigation": {"grid__attractor__tau": "90 ms"},
    "navigation-memory": {"pool__C": "220 pF", "pool__g_key": "0.04 nS"},
    "foraging": {"grid__attractor__tau": "90 ms", "place__tau_m": "25 ms"},
    "pattern-completion": {"dale__tau_m": "25 ms", "dale__noise": 0.2},
    "continual": {"granule__C": "8 pF", "plasticity__a_plus": "0.6 pA", "nuclei__noise": "5 mV"},
}


@pytest.mark.parametrize("name", sorted(n for n, values in OTHER_VALUE.items() if values))
def test_another_parameter_value_generates_the_same_code_objects(name, tmp_path, monkeypatch):
    """A non-structural parameter is read by the program at start-up (circuits/_run_time_constants.py):
    another value of it changes no source file, so a sweep over it compiles nothing after the first."""
    first = _generated_code(name, 1, tmp_path / "a", monkeypatch)
    second = _generated_code(name, 1, tmp_path / "b", monkeypatch, **OTHER_VALUE[name])
    assert sorted(first) == sorted(second)
    changed = sorted(f for f in first if first[f] != second[f])
    assert not changed, f"{name}: {sorted(OTHER_VALUE[name])} compiled into {changed}"
