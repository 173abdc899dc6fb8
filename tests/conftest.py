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


SDM_LEVELS = (0, 1, 2, 3, 4, 5, 8, 12, 16, 20, 24, 32, 40, 48)


@pytest.fixture(scope="session")
def sdm_result():
    """A small cerebellar SDM run in the realistic (default) regime (NumPy target: no compiler needed)."""
    from engramlab.circuits.cerebellum import CerebellumConfig
    from engramlab.protocols.sdm_memory import SDMMemoryConfig, run_sdm_memory
    circuit = CerebellumConfig(r=2000, design_patterns=8, target="numpy", seed=11)
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
    circuit = CerebellumConfig.ideal(r=2000, design_patterns=8, target="numpy", seed=11)
    return run_sdm_memory(circuit, SDMMemoryConfig(patterns=8, noise_levels=SDM_LEVELS, seed=5, rest_slots=2,
                                                   readout="purkinje_phase"))


@pytest.fixture(scope="session")
def sdm_ideal_analysis(sdm_ideal_result):
    from engramlab.analysis.cerebellar_sdm import analyse_sdm
    return analyse_sdm(sdm_ideal_result)


@pytest.fixture(scope="session")
def small_eyeblink():
    """12 short eyeblink trials on 500 granule cells (the default plasticity at the quick preset's 2x rate)."""
    import dataclasses

    from brian2 import ms, pA

    from engramlab.circuits.microzone import MicrozoneConfig
    from engramlab.protocols.eyeblink import EyeblinkConfig, run_eyeblink
    fast = dataclasses.replace(MicrozoneConfig().plasticity, a_plus=0.3 * pA)
    circuit = MicrozoneConfig(r=500, m=8, n_dcn=2, target="numpy", seed=3, plasticity=fast)
    protocol = EyeblinkConfig(trials=12, cs_onset=100 * ms, probe_every=6, lesion_trials=2)
    return run_eyeblink(circuit, protocol)


@pytest.fixture(scope="session")
def small_runs():
    """Small runs of the other protocols through the front door (NumPy target, a few seconds each)."""
    import engramlab as el
    return {
        "associative": el.run("associative", quick=True, seed=2, r=500, trials=8, reversal_trials=8),
        # the memory-neuron pool (default model), one standalone build, 128 memories of 8 neurons
        "navigation": el.run("navigation", graph="grid5x5", steps=120, environments=2, seed=1,
                             device="cpp_standalone", pool__pool=1024, pool__ensemble=8),
        "foraging": el.run("foraging", duration="60 s", seed=1, grid__model="ideal"),
        "pattern-completion": el.run("pattern-completion", n=60, loads=[0.05, 0.3], trials=1, cues=3, seed=1),
    }
