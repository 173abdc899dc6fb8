"""A standalone program's ``simulate`` time is the wall time of its loop, not Brian2's processor time.

Brian2's ``_last_run_time`` is ``std::clock()`` (processor time): a program that waits for a core
reports less than it took, and engramlab booked the rest as compiling (two quick continual runs
at once on 2 cores: 17 s per run). Here the program shares one core with a busy process, so its
wall time must be about twice its processor time; and the reader falls back to processor time
when the program wrote no (or a stale) wall time.
"""

import os
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from engramlab.circuits import _device as D


def _network_run(build_dir: str) -> dict[str, float]:
    import brian2 as b2

    cells = b2.NeuronGroup(2000, "dv/dt = (1.2 - v) / (10*ms) : 1", threshold="v > 1", reset="v = 0",
                           method="exact", name="loop_timing_cells")
    net = b2.Network(cells)
    return D.run_network(net, 4 * b2.second, build_dir)


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity (Linux)")
def test_a_program_sharing_its_core_reports_its_wall_time():
    cpu = min(os.sched_getaffinity(0))
    before = os.sched_getaffinity(0)
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"],
                            preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))
    try:
        os.sched_setaffinity(0, {cpu})  # the program inherits it: it shares that core with `busy`
        build_dir = D.select_device("cpp_standalone")
        t0 = time.perf_counter()
        timings = _network_run(build_dir)
        elapsed = time.perf_counter() - t0
    finally:
        os.sched_setaffinity(0, before)
        busy.kill()
        busy.wait()
        D.select_device("runtime")
    assert timings["simulate_processor"] > 0.05, timings  # enough work for the clocks to resolve
    # a fair scheduler gives each of the two busy processes half the core
    assert timings["simulate"] > 1.4 * timings["simulate_processor"], timings
    assert timings["simulate"] < timings["build_and_run"] < elapsed
    assert timings["compile"] == pytest.approx(timings["build_and_run"] - timings["simulate"])


def test_without_a_fresh_wall_time_the_processor_time_is_used(tmp_path):
    device = SimpleNamespace(_last_run_time=3.5, results_dir=str(tmp_path))
    assert D.simulation_seconds(device, since=time.time()) == (3.5, 3.5)  # no file
    (tmp_path / D.LOOP_SECONDS_FILE).write_text("5.25\n")
    assert D.simulation_seconds(device, since=0.0) == (5.25, 3.5)
    assert D.simulation_seconds(device, since=time.time() + 60) == (3.5, 3.5)  # written before this run
    (tmp_path / D.LOOP_SECONDS_FILE).write_text("not a number")
    assert D.simulation_seconds(device, since=0.0) == (3.5, 3.5)
