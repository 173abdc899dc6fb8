"""The `engramlab theory` command and result writing."""

import json
import math

import pytest

from engramlab import __version__
from engramlab.cli import main
from engramlab.results import atomic_write, atomic_write_json, to_jsonable


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_theory_sdm_writes_summary_and_figures(tmp_path, capsys):
    out = tmp_path / "sdm"
    assert main(["theory", "sdm", "--n", "64", "--d", "11", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    for key in ("n", "d", "r", "ball_fraction", "beta_ols", "beta_published", "d_snr", "d_memory"):
        assert key in summary
    assert summary["beta_published"] == pytest.approx(15.85, abs=0.01)
    assert summary["beta_ols"] == pytest.approx(14.41, abs=0.01)
    assert summary["d_snr"] == 11 and summary["d_memory"] == 5
    assert summary["r"] == pytest.approx(2.0**64)
    assert summary["ball_fraction"] == sum(math.comb(64, i) for i in range(12)) / 2**64
    assert (out / "sdm_weights.png").stat().st_size > 10_000
    assert (out / "sdm_weights.svg").exists()
    text = capsys.readouterr().out
    assert "15.85" in text and "summary.json" in text


def test_theory_sdm_with_r(tmp_path):
    out = tmp_path / "sdm"
    assert main(["theory", "sdm", "--n", "100", "--d", "40", "--r", "1e6", "--m", "50",
                 "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["r"] == 1e6 and summary["n"] == 100


@pytest.mark.parametrize("args", [
    ["theory", "sdm", "--n", "10", "--d", "11"],
    ["theory", "sdm", "--d", "0"],
    ["theory", "sdm", "--r", "-4"],
    ["theory", "hopfield", "--cue-flip", "0.7"],
])
def test_bad_arguments_exit_2(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    assert "--" in capsys.readouterr().err


@pytest.mark.slow
def test_theory_hopfield(tmp_path):
    out = tmp_path / "hop"
    assert main(["theory", "hopfield", "--n", "120", "--quick", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert 0.1 <= summary["classic_capacity"] <= 0.22
    assert summary["modern_load_tested"] == 50
    assert summary["modern_mean_overlap"] > 0.99
    assert (out / "hopfield_capacity.png").exists()


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "x.json"
    atomic_write_json(target, {"a": 1})

    def boom(fh):
        fh.write(b"partial")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, boom)
    assert json.loads(target.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_to_jsonable():
    import numpy as np
    assert to_jsonable({"a": np.float64(np.nan), "b": np.arange(2), "c": (np.int64(3),)}) == {
        "a": None, "b": [0, 1], "c": [3]}


@pytest.mark.slow
def test_run_sdm_quick_writes_results(tmp_path, capsys):
    out = tmp_path / "sdm"
    # the documented way to run a quick preset without a C++ compiler (two noise levels: the
    # quick preset's 15 would triple the simulated time and test nothing more about the command)
    code = main(["run", "sdm", "--quick", "--set", "r=1200", "--set", "patterns=4", "--set", "noise_levels=[0, 4]",
                 "--set", "device=runtime", "--set", "target=numpy",
                 "--seed", "3", "--out", str(out), "-q"])
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    for key in ("n", "r", "m", "d", "scheme", "patterns", "seed", "bit_accuracy_by_noise",
                "numpy_agreement", "overlap_max_z", "softmax_weight_error", "beta_fit"):
        assert key in summary, key
    assert summary["r"] == 1200 and summary["patterns"] == 4 and summary["seed"] == 3
    assert summary["bit_accuracy_by_noise"]["0"] == 1.0 and set(summary["bit_accuracy_by_noise"]) == {"0", "4"}
    for name in ("1_active_granule_cells", "2_overlap_vs_distance", "3_weights_vs_counters",
                 "4_readout", "5_spikes_vs_softmax", "raster"):
        assert (out / f"{name}.png").exists() and (out / f"{name}.svg").exists()
    assert (out / "result.npz").exists() and (out / "summary.md").exists()
    assert capsys.readouterr().out == ""  # -q


def test_run_sdm_bad_config_exits_2(tmp_path, capsys):
    code = main(["run", "sdm", "--quick", "--set", "granule.tau_exc=5", "--out", str(tmp_path)])
    assert code == 2
    assert "granule.tau_exc needs a unit" in capsys.readouterr().err
