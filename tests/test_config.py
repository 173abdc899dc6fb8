"""Configuration files and --set overrides."""

import brian2 as b2
import pytest

from engramlab.circuits.cerebellum import CerebellumConfig
from engramlab.commands.run_sdm import build_configs
from engramlab.config import apply_mapping, parse_set


def test_parse_set_nested_and_typed():
    got = parse_set(["r=5000", "scheme=\"granule\"", "granule.tau_exc=6 ms", "noise_levels=[0, 2]"])
    assert got == {"r": 5000, "scheme": "granule", "granule": {"tau_exc": "6 ms"}, "noise_levels": [0, 2]}


def test_toml_and_set_build_configs(tmp_path):
    cfg = tmp_path / "run.toml"
    cfg.write_text('r = 3000\nd = 20\n[granule]\ntau_exc = "6 ms"\n[protocol]\npatterns = 7\n')
    circuit, protocol = build_configs(str(cfg), ["m=64", "purkinje.I_e=700 pA"], 9, quick=False)
    assert circuit.r == 3000 and circuit.d == 20 and circuit.seed == 9 and protocol.seed == 9
    assert circuit.granule.tau_exc == 6 * b2.ms
    assert circuit.purkinje.I_e == 700 * b2.pA
    assert protocol.patterns == 7
    quick, qp = build_configs(None, None, None, quick=True)
    assert quick.r == 2000 and quick.target == "numpy" and qp.noise_levels[:6] == (0, 1, 2, 3, 4, 5)


@pytest.mark.parametrize("mapping,match", [
    ({"radius_bits": 3}, "unknown parameter 'radius_bits'"),
    ({"granule": {"tau_exc": 5.8}}, "granule.tau_exc needs a unit"),
    ({"granule": {"tau_exc": "5.8 mV"}}, "granule.tau_exc.*wrong unit"),
    ({"granule": {"tau": "5 ms"}}, "unknown parameter 'granule.tau'"),
    ({"granule": 3}, "parameter group"),
    ({"d": 99}, "d must lie"),
])
def test_bad_config_values_name_the_key(mapping, match):
    with pytest.raises(ValueError, match=match):
        apply_mapping(CerebellumConfig(), mapping)


def test_bad_config_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("r = = 3")
    with pytest.raises(ValueError, match="not valid TOML"):
        build_configs(str(bad), None, None, quick=False)
    with pytest.raises(ValueError, match="does not exist"):
        build_configs(str(tmp_path / "missing.toml"), None, None, quick=False)


def test_seed_goes_to_protocols_that_have_one():
    from engramlab.config import split_protocol
    from engramlab.protocols.eyeblink import EyeblinkConfig
    from engramlab.protocols.sdm_memory import SDMMemoryConfig
    circuit, proto = split_protocol({"seed": 3, "trials": 5}, EyeblinkConfig)
    assert circuit == {"seed": 3} and proto == {"trials": 5}  # the eyeblink schedule has no seed
    circuit, proto = split_protocol({"seed": 3}, SDMMemoryConfig)
    assert circuit == {"seed": 3} and proto == {"seed": 3}
