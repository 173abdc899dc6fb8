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
    job.cancel()
    while time.perf_counter() - t0 < 10:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        if os.waitpid(pid, os.WNOHANG) != (0, 0):  # our child: reap it
            break
        time.sleep(0.05)
    else:
        pytest.fail("the child still runs 10 s after cancel()")
    assert time.perf_counter() - t0 < 5


def test_here_defers_the_call_to_result_in_this_process():
    job = Beside(os.getpid, here=True)
    assert not job.in_another_process and job.pid is None
    assert job.result() == os.getpid()
