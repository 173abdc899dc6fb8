"""Configuration files, --set overrides and keyword settings, validated before any simulation."""

import brian2 as b2
import pytest

from engramlab import api
from engramlab.circuits.cerebellum import CerebellumConfig
from engramlab.config import apply_mapping, parse_set
from engramlab.errors import ConfigError, ConfigTypeError, EngramlabError


def test_parse_set_nested_and_typed():
    got = parse_set(["r=5000", "scheme=\"granule\"", "granule.tau_exc=6 ms", "noise_levels=[0, 2]"])
    assert got == {"r": 5000, "scheme": "granule", "granule": {"tau_exc": "6 ms"}, "noise_levels": [0, 2]}


def test_toml_and_settings_build_configs(tmp_path):
    cfg = tmp_path / "run.toml"
    cfg.write_text('r = 3000\nd = 20\n[granule]\ntau_exc = "6 ms"\n[protocol]\npatterns = 7\n')
    plan = api.plan("sdm", {"purkinje.I_e": "700 pA"}, config=cfg, seed=9, m=64)
    circuit, protocol = plan.circuit, plan.protocols[0]
    assert circuit.r == 3000 and circuit.d == 20 and circuit.seed == 9 and protocol.seed == 9
    assert circuit.granule.tau_exc == 6 * b2.ms
    assert circuit.purkinje.I_e == 700 * b2.pA
    assert protocol.patterns == 7
    quick = api.plan("sdm", quick=True)
    assert quick.circuit.r == 2000 and quick.circuit.device == "cpp_standalone"
    assert quick.protocols[0].noise_levels[:6] == (0, 1, 2, 3, 4, 5)


def test_keyword_dict_and_quantity_forms_agree():
    a = api.plan("sdm", granule__tau_exc="6 ms", protocol__patterns=5)
    b = api.plan("sdm", {"granule.tau_exc": "6 ms", "protocol.patterns": 5})
    c = api.plan("sdm", granule__tau_exc=6 * b2.ms, patterns=5)
    assert a.circuit == b.circuit == c.circuit
    assert a.protocols == b.protocols == c.protocols
    assert a.circuit.granule.tau_exc == 6 * b2.ms and a.protocols[0].patterns == 5


def test_precedence_defaults_quick_file_command_line(tmp_path):
    cfg = tmp_path / "run.toml"
    cfg.write_text("r = 3000\n[protocol]\npatterns = 12\n")
    # quick sets r = 2000 and patterns = 10; the file wins over quick; the command line over the file
    p = api.plan("sdm", quick=True, config=cfg)
    assert p.circuit.r == 3000 and p.protocols[0].patterns == 12 and p.circuit.device == "cpp_standalone"
    p = api.plan("sdm", quick=True, config=cfg, r=4000, protocol__patterns=14)
    assert p.circuit.r == 4000 and p.protocols[0].patterns == 14
    # the eyeblink trials: file < named command-line option
    cfg.write_text("[protocol]\ntrials = 50\n")
    assert api.plan("eyeblink", config=cfg).protocols[0].trials == 50
    assert api.plan("eyeblink", config=cfg, trials=10).protocols[0].trials == 10


@pytest.mark.parametrize("mapping,match,kind", [
    ({"radius_bits": 3}, "radius_bits is not a parameter", ConfigError),
    ({"granule": {"tau_exc": 5.8}}, "granule.tau_exc needs a unit", ConfigTypeError),
    ({"granule": {"tau_exc": "5.8 mV"}}, "granule.tau_exc.*wrong unit", ConfigTypeError),
    ({"granule": {"tau": "5 ms"}}, "granule.tau is not a parameter", ConfigError),
    ({"granule": 3}, "parameter group", ConfigError),
    ({"d": 99}, "d must lie", ConfigError),
    ({"granule": {"tau_exc": "-1 ms"}}, r"granule.tau_exc must lie in \(0, inf\) ms", ConfigError),
    ({"plasticity": {"ltd_ltp_ratio": float("nan")}}, "plasticity.ltd_ltp_ratio must be finite", ConfigError),
    ({"r": "many"}, "r must be an integer", ConfigTypeError),
    ({"scheme": "hopfield"}, "scheme must be one of 'kanerva', 'granule'", ConfigError),
])
def test_bad_config_values_name_the_key(mapping, match, kind):
    with pytest.raises(kind, match=match) as info:
        apply_mapping(CerebellumConfig(), mapping)
    assert isinstance(info.value, EngramlabError)


def test_bad_config_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("r = = 3")
    with pytest.raises(ConfigError, match=r"bad\.toml.*not valid TOML"):
        api.plan("sdm", config=bad)
    with pytest.raises(ConfigError, match=r"missing\.toml.*does not exist"):
        api.plan("sdm", config=tmp_path / "missing.toml")


def test_protocol_table_for_a_command_without_one_is_an_error(tmp_path):
    cfg = tmp_path / "nav.toml"
    cfg.write_text("[protocol]\nsteps = 10\n")
    with pytest.raises(ConfigError, match=r"no \[protocol\] table"):
        api.plan("navigation", config=cfg)
    assert api.plan("navigation", steps=10).circuit.steps == 10


def test_series_and_repeats():
    p = api.plan("eyeblink", isi=["150 ms", "250 ms"])
    assert [float(x.isi) for x in p.protocols] == pytest.approx([0.15, 0.25])
    assert p.labels == ("isi_150ms", "isi_250ms")
    p = api.plan("sdm", seed=3, repeats=3)
    assert [x.seed for x in p.protocols] == [3, 4, 5] and p.circuit.seed == 3
    with pytest.raises(ConfigError, match="repeats"):
        api.plan("navigation", repeats=2)
    # every part of a series is validated before anything runs: 400 ms (+ a 300 ms probe) does
    # not fit a trial of 0.8 s given explicitly; left unset, the period follows each ISI
    with pytest.raises(ConfigError, match="trial_period"):
        api.plan("eyeblink", quick=True, isi=["150 ms", "400 ms"], protocol__trial_period="0.8 s")
    p = api.plan("eyeblink", quick=True, isi=["150 ms", "600 ms"])
    assert [float(x.period(p.circuit)) for x in p.protocols] == pytest.approx([1.4, 1.8])  # quick: + 0.8 s recovery
    # mixed ISIs, quick: 100 + (500 + 300) + 800 ms is exactly 1.7 s, which must fit a 1.7 s period
    p = api.plan("eyeblink", quick=True, mixed_isi_ms=[200, 500])
    assert float(p.protocols[0].period(p.circuit)) == pytest.approx(1.7)
    p.protocols[0].check_fits(p.circuit)


def test_seed_goes_to_protocols_that_have_one():
    from engramlab.config import split_protocol
    from engramlab.protocols.eyeblink import EyeblinkConfig
    from engramlab.protocols.sdm_memory import SDMMemoryConfig
    circuit, proto = split_protocol({"seed": 3, "trials": 5}, EyeblinkConfig)
    assert circuit == {"seed": 3} and proto == {"trials": 5}  # the eyeblink schedule has no seed
    circuit, proto = split_protocol({"seed": 3}, SDMMemoryConfig)
    assert circuit == {"seed": 3} and proto == {"seed": 3}


def test_out_is_checked_before_running(tmp_path):
    file = tmp_path / "a_file"
    file.write_text("x")
    with pytest.raises(ConfigError, match="is a file"):
        api.check_out(file)
    with pytest.raises(ConfigError, match="out is empty"):
        api.check_out("")
    with pytest.raises(ConfigError, match="inside the file"):
        api.check_out(file / "sub")
