"""Shared fixtures: spiking runs are built once per session and reused by many tests."""

import os

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")


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
