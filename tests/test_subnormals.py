"""Subnormal numbers are flushed to zero while a network simulates, on both devices, and only then.

A trace that decays through a long silence reaches the subnormal range, where each x86 operation
costs a microcode assist (~100 cycles): the quick eyeblink program simulated 9.4× slower with
them (72.2 s against 7.7 s, the same spikes). Here one variable decays for 720 time constants
(IEEE: exp(-720) ≈ 1.4e-313, a subnormal; flushed: 0) beside one that stays normal.
"""

import math
import platform

import numpy as np
import pytest

from engramlab.circuits import _device as D
from engramlab.circuits._subnormals import flushing_subnormals

SUBNORMAL = 1e-310
x86_linux = pytest.mark.skipif(platform.system() != "Linux" or platform.machine() != "x86_64",
                               reason="the flags are x86's MXCSR, set through glibc")


def _decayed(device: str, target: str = "auto") -> tuple[float, float]:
    import brian2 as b2

    build_dir = D.select_device(device, target=target)
    try:
        cells = b2.NeuronGroup(1, """dv/dt = -v / (1*ms) : 1
                                     du/dt = -u / second : 1""", method="exact", name="subnormal_cells")
        cells.v = 1.0
        cells.u = 1.0
        D.run_network(b2.Network(cells), 720 * b2.ms, build_dir)
        return float(cells.v[0]), float(cells.u[0])
    finally:
        D.select_device("runtime")


@x86_linux
def test_the_block_flushes_and_restores_ieee_subnormals():
    x = np.array([SUBNORMAL])
    assert (x * 1.0)[0] == SUBNORMAL  # IEEE gradual underflow outside
    tiny = np.array([1e-300])
    with flushing_subnormals() as flushed:
        assert flushed
        assert (x * 1.0)[0] == 0.0  # an input read as zero
        assert (tiny * 1e-10)[0] == 0.0  # a result flushed
        assert (tiny * 1e-5)[0] == 1e-300 * 1e-5  # normal numbers unchanged (the same IEEE product)
    assert (x * 1.0)[0] == SUBNORMAL
    assert (tiny * 1e-10)[0] == pytest.approx(1e-310, rel=1e-3)


@x86_linux
def test_the_flags_are_restored_when_the_block_raises():
    with pytest.raises(KeyboardInterrupt), flushing_subnormals():
        raise KeyboardInterrupt
    assert (np.array([SUBNORMAL]) * 1.0)[0] == SUBNORMAL


@x86_linux
def test_the_runtime_device_simulates_with_subnormals_flushed_and_nothing_else_changed():
    v, u = _decayed("runtime", target="numpy")
    assert v == 0.0
    assert u == pytest.approx(math.exp(-0.72), rel=1e-9)
    assert (np.array([SUBNORMAL]) * 1.0)[0] == SUBNORMAL  # the caller's thread is given back IEEE


@x86_linux
@pytest.mark.slow
def test_a_standalone_program_flushes_subnormals(tmp_path, monkeypatch):
    monkeypatch.setenv("ENGRAMLAB_PROGRAM_CACHE", str(tmp_path))
    v, u = _decayed("cpp_standalone")
    assert v == 0.0  # IEEE would leave exp(-720) ≈ 1.4e-313
    assert u == pytest.approx(math.exp(-0.72), rel=1e-9)
