"""Shared fixtures: spiking runs are built once per session and reused by many tests.

Every test starts from the same global state: the autouse fixture below restores Brian2's
device and code-generation preferences and the global NumPy and ``random`` seeds after each
test, so one test's standalone build or ``b2.seed`` cannot change what the next one sees.
"""

import os
import random
import sys

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
    before = ({k: b2.prefs[k] for k in _PREFS}, b2.get_device()) if b2 is not None else None
    yield
    np.random.set_state(np_state)  # noqa: NPY002
    random.setstate(py_state)
    b2 = sys.modules.get("brian2")
    if b2 is None:
        return
    from brian2.devices.cpp_standalone.device import CPPStandaloneDevice

    if before is None:
        prefs, device = {"codegen.target": "auto", "devices.cpp_standalone.openmp_threads": 0}, None
    else:
        prefs, device = before
    current = b2.get_device()
    if current is not device and isinstance(current, CPPStandaloneDevice):
        # a standalone circuit built in this test: keep its program on disk (a shared fixture
        # may re-run it) but make the runtime device active again for the next test
        b2.set_device("runtime")
    for key, value in prefs.items():
        b2.prefs[key] = value


@pytest.fixture(scope="session")
def sdm_result():
    """A small cerebellar SDM run (NumPy target: no compiler needed, fast to start)."""
    from engramlab.circuits.cerebellum import CerebellumConfig
    from engramlab.protocols.sdm_memory import SDMMemoryConfig, run_sdm_memory
    circuit = CerebellumConfig(r=2000, design_patterns=8, target="numpy", seed=11)
    protocol = SDMMemoryConfig(patterns=8, noise_levels=(0, 1, 2, 3, 4, 5, 8, 12, 16, 20, 24, 32, 40, 48),
                               seed=5)
    return run_sdm_memory(circuit, protocol)


@pytest.fixture(scope="session")
def sdm_analysis(sdm_result):
    from engramlab.analysis.cerebellar_sdm import analyse_sdm
    return analyse_sdm(sdm_result)
