"""A standalone program's ``simulate`` time is the wall time of its loop, not Brian2's processor time.

Brian2's ``_last_run_time`` is ``std::clock()`` (processor time): a program that waits for a core
reports less than it took, and engramlab booked the rest as compiling (two quick continual runs
at once on 2 cores: 17 s per run). Here the program shares one core with a busy process, so its
wall time must be about twice its processor time; and the reader falls back to Brian2's value
when the program wrote no wall time.
"""

import os
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from engramlab.circuits import _device as D


def _network_run() -> dict[str, float]:
    import brian2 as b2

    build_dir = D.select_device("cpp_standalone")
    try:
        cells = b2.NeuronGroup(2000, "dv/dt = (1.2 - v) / (10*ms) : 1", threshold="v > 1", reset="v = 0",
                               method="exact", name="loop_timing_cells")
        return D.run_network(b2.Network(cells), 4 * b2.second, build_dir)
    finally:
        D.select_device("runtime")


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity (Linux)")
def test_a_program_sharing_its_core_reports_its_wall_time(tmp_path, monkeypatch):
    monkeypatch.setenv("ENGRAMLAB_PROGRAM_CACHE", str(tmp_path))
    alone = _network_run()  # compiles, on every core
    assert alone["compiled_code_objects"] > 0
    cpu = min(os.sched_getaffinity(0))
    before = os.sched_getaffinity(0)
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"],
                            preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))
    try:
        os.sched_setaffinity(0, {cpu})  # the program inherits it: it shares that core with `busy`
        t0 = time.perf_counter()
        shared = _network_run()  # the same program: nothing compiles
        elapsed = time.perf_counter() - t0
    finally:
        os.sched_setaffinity(0, before)
        busy.kill()
        busy.wait()
    assert shared["compiled_sources"] == 0
    assert shared["simulate_processor"] > 0.05, shared  # enough work for the clocks to resolve
    # a fair scheduler gives each of the two busy processes half the core
    assert shared["simulate"] > 1.4 * shared["simulate_processor"], shared
    assert shared["simulate"] < shared["build_and_run"] < elapsed
    assert shared["compile"] == pytest.approx(shared["build_and_run"] - shared["simulate"])


def test_without_a_wall_time_brian2s_value_is_used(tmp_path):
    device = SimpleNamespace(_last_run_time=3.5, results_dir=str(tmp_path))
    assert D.simulation_seconds(device) == (3.5, 3.5)  # no file
    (tmp_path / D.LOOP_SECONDS_FILE).write_text("5.25\n")
    assert D.simulation_seconds(device) == (5.25, 3.5)
    D.forget_loop_seconds(tmp_path)  # before the next run: a run that writes none falls back
    assert not (tmp_path / D.LOOP_SECONDS_FILE).exists()
    assert D.simulation_seconds(device) == (3.5, 3.5)
    (tmp_path / D.LOOP_SECONDS_FILE).write_text("not a number")
    assert D.simulation_seconds(device) == (3.5, 3.5)
    assert D.simulation_seconds(SimpleNamespace(_last_run_time=None, results_dir=None)) == (0.0, 0.0)
