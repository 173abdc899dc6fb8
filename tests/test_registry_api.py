"""The protocol registry and the Python front door: a toy protocol appears everywhere from one entry."""

import json
from dataclasses import dataclass

import numpy as np
import pytest
from matplotlib.figure import Figure

import engramlab as el
from engramlab import registry
from engramlab.cli import main
from engramlab.models._params import Params, flatten_params, param
from engramlab.registry import CliOption, FigureSpec, ProtocolSpec
from engramlab.results import Result, run_metadata


@dataclass(frozen=True)
class ToyConfig(Params):
    """A protocol with nothing to simulate: it draws n numbers."""

    n: int = param(4, "how many numbers", low=1, high=100)
    scale: float = param(1.0, "multiplies every number", low=0)
    seed: int = param(0, "seed of the numbers", low=0)


def toy_run(config, report=None):
    rng = np.random.default_rng(config.seed)
    values, units = flatten_params(config)
    x = config.scale * np.arange(config.n) + 0 * rng.random(config.n)
    return Result("toy", {"x": x}, values, run_metadata(config.seed, protocol="toy"), units)


def toy_summary(result):
    return {"n": int(result.params["n"]), "total": float(result["x"].sum())}


def toy_figure(result):
    fig = Figure()
    ax = fig.subplots()
    ax.bar(np.arange(result["x"].size), result["x"])
    return fig


TOY = ProtocolSpec(
    name="toy", help="a toy protocol for the registry test", title="Toy with n = {n}", intro="Numbers.",
    circuit=ToyConfig, run=toy_run, summarise=toy_summary,
    figures=(FigureSpec("bars", "the numbers", toy_figure),),
    quick={"n": 3}, headline=("total",), summary_keys=("n", "total"),
    options=(CliOption("--count", "n", "how many numbers", parse=int),),
)


@pytest.fixture
def toy():
    registry.register(TOY)
    try:
        yield TOY
    finally:
        registry.unregister("toy")


def test_toy_protocol_is_found_by_every_command(toy, tmp_path, capsys):
    assert "toy" in el.protocols()
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "toy" in capsys.readouterr().out
    assert main(["params", "toy"]) == 0
    text = capsys.readouterr().out
    assert "scale" in text and "multiplies every number" in text and "[0, inf)" in text
    # run through the command line, with its own option and the quick preset
    out = tmp_path / "run"
    assert main(["run", "toy", "--quick", "--out", str(out), "-q"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n"] == 3 and summary["total"] == 0 + 1 + 2 and summary["quick"] is True
    assert (out / "bars.png").exists() and (out / "report.html").exists() and (out / "summary.md").exists()
    assert main(["run", "toy", "--count", "5", "--set", "scale=2", "--out", str(out), "-q"]) == 0
    assert json.loads((out / "summary.json").read_text())["total"] == 2 * (0 + 1 + 2 + 3 + 4)
    # a sweep over its parameter, from the registry alone
    sweep = tmp_path / "sweep"
    assert main(["sweep", "toy", "--param", "n=2,3", "--out", str(sweep), "-q"]) == 0
    rows = json.loads((sweep / "summary.json").read_text())["rows"]
    assert sorted(r["total"] for r in rows) == [1.0, 3.0]
    assert (sweep / "sweep.png").exists()


def test_toy_protocol_through_the_front_door(toy, tmp_path):
    r = el.run("toy", n=5, scale=0.5)
    assert r.summary["total"] == pytest.approx(0.5 * 10)
    assert set(r.figures()) == {"bars"}
    assert [p.key for p in el.params("toy")] == ["n", "scale", "seed"]
    folder = r.save(tmp_path / "toy")
    back = el.load(folder)
    assert back.summary["total"] == r.summary["total"]
    np.testing.assert_array_equal(back["x"], r["x"])
    assert (tmp_path / "toy" / "report.html").read_text().count("data:image/png;base64,") == 1


def test_user_errors_are_one_line_exit_2(toy, tmp_path, capsys):
    assert main(["run", "toy", "--set", "n=0", "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "n must lie in [1, 100], got 0" in err
    cfg = tmp_path / "toy.toml"
    cfg.write_text("[protocol]\nn = 3\n")
    assert main(["run", "toy", "--config", str(cfg), "--out", str(tmp_path / "b")]) == 2
    assert "no [protocol] table" in capsys.readouterr().err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()  # nothing written
    with pytest.raises(el.ConfigError, match="protocol 'nope' is unknown"):
        el.run("nope")
    with pytest.raises(el.ConfigTypeError):
        el.run("toy", n="three")


def test_every_builtin_protocol_is_complete():
    """Each registered protocol's references resolve, and its CLI and params come from the registry."""
    for name in el.protocols():
        spec = registry.get(name)
        for ref in (spec.circuit, spec.run, spec.summarise, spec.schedule, spec.prepare, spec.analyse,
                    spec.table, spec.aggregate, spec.run_series):
            if ref is not None:
                assert callable(registry.resolve(ref)), (name, ref)
        for fig in spec.figures:
            assert callable(registry.resolve(fig.draw)) and fig.caption
        assert spec.headline and spec.summary_keys
        assert set(spec.headline) <= set(spec.summary_keys), name
        keys = el.params(name).keys()
        assert "seed" in keys
        for field in registry.resolve(spec.circuit)().__dataclass_fields__:
            assert field in keys or any(k.startswith(f"{field}.") for k in keys), (name, field)


@pytest.mark.slow
def test_front_door_sdm_quick(tmp_path):
    """The README's first example: el.run('sdm', quick=True, seed=3) and its Result.

    Run as one C++ program: the same spikes as the quick preset's NumPy target (both give the
    README's 0.946; tests/test_cerebellum_sdm.py checks standalone against runtime spike for spike),
    ~15 s faster.
    """
    r = el.run("sdm", quick=True, seed=3, device="cpp_standalone")
    s = r.summary
    spec = registry.get("sdm")
    assert set(spec.summary_keys) <= set(s)
    assert s["seed"] == 3 and s["r"] == 2000 and s["quick"] is True
    # realistic regime at quick size (r = 2000): the DCN read is noisier than the memory it reads
    assert s["regime"] == "realistic" and s["readout"] == "dcn"
    assert s["bit_accuracy_noise_le_5"] >= 0.9 and s["numpy_bit_accuracy_noise_le_5"] >= 0.99
    assert round(s["bit_accuracy_noise_le_5"], 3) == 0.946  # the README's number
    assert round(s["numpy_agreement"], 3) == 0.777 and round(s["numpy_agreement_noise_le_d"], 3) == 0.858  # README
    assert set(r.figures()) == {f.name for f in spec.figures}
    r.save(tmp_path / "sdm")
    back = el.load(tmp_path / "sdm")
    assert back.summary["numpy_agreement"] == s["numpy_agreement"]
    saved = json.loads((tmp_path / "sdm" / "summary.json").read_text())
    assert saved["numpy_agreement"] == s["numpy_agreement"] and "4_readout.png" in saved["figures"]
