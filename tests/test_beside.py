"""A protocol's independent piece runs in a second process: value, error, cancel, or here."""

import math
import operator
import os
import time

import pytest

from engramlab.beside import Beside, can_run_beside, start_beside

pytestmark = pytest.mark.skipif(not can_run_beside(), reason="needs two cores and a non-daemon process")


def test_the_value_comes_back_from_another_process():
    job = start_beside(math.factorial, 20)
    assert job.in_another_process and job.pid not in (None, os.getpid())
    assert job.result() == 2432902008176640000
    with pytest.raises(RuntimeError, match="already"):  # not a silent second run, here
        job.result()


def test_the_childs_error_is_raised_here_with_its_type():
    job = start_beside(operator.truediv, 1, 0)
    with pytest.raises(ZeroDivisionError):
        job.result()


def test_cancel_ends_the_child_at_once():
    job = start_beside(time.sleep, 60)
    time.sleep(1.0)  # let it start
    pid = job.pid
    assert pid is not None
    t0 = time.perf_counter()
    job.cancel()  # SIGTERM, and the child reaped
    assert time.perf_counter() - t0 < 5
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_cancel_also_ends_what_the_child_started():
    """A compiler or compiled program the child runs is in its process group: cancel ends it too."""
    import subprocess

    job = start_beside(subprocess.call, ["sleep", "60"])
    time.sleep(1.5)  # the child has started its sleep
    group = job.pid
    job.cancel()
    time.sleep(0.2)
    with pytest.raises(ProcessLookupError):
        os.killpg(group, 0)  # no process left in the group


def test_a_sweep_worker_runs_every_call_here(monkeypatch):
    from engramlab import beside

    monkeypatch.setattr(beside, "_HERE_ONLY", False)
    assert beside.can_run_beside()
    beside.run_here_only()
    assert not beside.can_run_beside() and not start_beside(os.getpid).in_another_process


def test_a_child_killed_from_outside_is_named_not_hung_on(tmp_path):
    import signal

    from engramlab.beside import BesideFailed

    job = start_beside(time.sleep, 60)
    time.sleep(1.0)
    os.kill(job.pid, signal.SIGKILL)
    with pytest.raises(BesideFailed, match="ended with status -9 and no result"):
        job.result()


def test_a_script_without_a_main_guard_is_not_run_again_in_the_child(tmp_path):
    """The child imports the function's module only: a user's unguarded script runs once."""
    import subprocess
    import sys

    script = tmp_path / "user_script.py"
    marker = tmp_path / "ran"
    script.write_text("import math, pathlib\n"
                      "from engramlab.beside import start_beside\n"
                      f"pathlib.Path({str(marker)!r}).open('a').write('x')\n"
                      "print(start_beside(math.factorial, 5).result())\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "120" and marker.read_text() == "x"


def test_here_defers_the_call_to_result_in_this_process():
    calls = []
    job = Beside(calls.append, "ran", here=True)
    assert not job.in_another_process and job.pid is None
    assert calls == []  # deferred: nothing ran yet
    assert job.result() is None and calls == ["ran"]
    with pytest.raises(RuntimeError, match="already"):
        job.result()
    assert calls == ["ran"]  # once only


def test_a_with_block_that_raises_cancels_the_child():
    with pytest.raises(ZeroDivisionError):
        with start_beside(time.sleep, 60) as job:
            pid = job.pid
            assert pid is not None
            _ = 1 / 0
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_lower_priority_child_and_its_session_group_yield_the_cores():
    """nice raises the child's nice value and, where autogroup scheduling puts it in a group of
    its own (its own session), the group's too: else the two groups would still share the cores
    equally, whatever the processes' nice values (sched(7); measured on quick navigation, where it
    cut the memory program's compile time beside the attractor's build from 21-24 s to 13-16 s)."""
    from pathlib import Path

    mine = os.nice(0)
    assert start_beside(os.nice, 0).result() == mine  # default: the caller's priority
    assert start_beside(os.nice, 0, nice=7).result() == min(19, mine + 7)
    group = Path("/proc/self/autogroup")
    if group.is_file():  # Linux with autogroup scheduling: the child's session group yields too
        child_group = start_beside(group.read_text, nice=7).result().strip()
        assert child_group.endswith("nice 7") and child_group != group.read_text().strip()
    for bad in (-1, 20, True):  # refused before any process starts
        with pytest.raises(ValueError, match="nice must be an integer in \\[0, 19\\]"):
            start_beside(os.nice, 0, nice=bad)
