"""NWB export and import: every protocol's run round-trips through a file pynwb validates."""

import numpy as np
import pytest

pynwb = pytest.importorskip("pynwb")

import engramlab as el  # noqa: E402
from engramlab.cli import main  # noqa: E402
from engramlab.errors import ConfigError  # noqa: E402
from engramlab.nwb import load_nwb, result_to_nwb, validate_nwb  # noqa: E402
from engramlab.results import Result  # noqa: E402


def _assert_same(a: Result, b: Result) -> None:
    """Every array identical, dtype and order included (spikes in the monitors' order), and every table."""
    assert b.protocol == a.protocol and list(b.parts) == list(a.parts)
    for label, part in a.parts.items():
        _assert_same(part, b.parts[label])
    assert b.params == a.params and b.units == a.units
    assert set(b.arrays) == set(a.arrays)
    for key, value in a.arrays.items():
        assert b[key].dtype == value.dtype and b[key].shape == value.shape, key
        np.testing.assert_array_equal(b[key], value, err_msg=key)  # NaN equals NaN here


def _read_independently(path):
    """What an NWB tool sees: the units table and intervals, read with pynwb itself."""
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        nwb = io.read()
        units = nwb.units.to_dataframe() if nwb.units is not None else None
        intervals = {name: table.to_dataframe() for name, table in nwb.intervals.items()}
        behavior = nwb.processing.get("behavior")
        position = None
        if behavior is not None:
            series = next(iter(behavior["Position"].spatial_series.values()))
            position = (np.asarray(series.data[:]), series.rate)
        return units, intervals, position, nwb.session_id


# each run's shared fixture group (conftest.SHARED_RUNS): the fixture is requested inside the
# test, so the group is named here for the parallel scheduler
_GROUPS = {"sdm": "sdm", "eyeblink": "eyeblink", "eyeblink-series": "eyeblink", "associative": "small_runs",
           "navigation": "small_runs", "foraging": "small_runs", "pattern-completion": "small_runs",
           "continual": "continual", "sdm-capacity": None}
RUNS = [pytest.param(name, marks=[pytest.mark.xdist_group(g)] if g else []) for name, g in _GROUPS.items()]


def _run(name, request):
    if name == "sdm":
        return request.getfixturevalue("sdm_result")
    if name == "eyeblink":
        return request.getfixturevalue("small_eyeblink")
    if name == "eyeblink-series":  # a series Result: two parts that differ (the second keeps half the spikes)
        one = request.getfixturevalue("small_eyeblink")
        half = {k: (v[: v.size // 2] if k.startswith("spikes_") else v) for k, v in one.arrays.items()}
        other = Result("eyeblink", half, one.params, dict(one.metadata), one.units)
        return Result("eyeblink", {}, {}, dict(one.metadata), parts={"isi_150ms": one, "isi_250ms": other})
    if name == "continual":
        return request.getfixturevalue("synthetic_continual")(True)
    if name == "sdm-capacity":
        # the structure of lab 2's quick capacity run (1,000 cells designed for 5 patterns), so the
        # two compile it once between them: 37 s for a first build, 21 s on the NumPy target at r = 300
        return el.run("sdm-capacity", quick=True, seed=2, r=1000, design_patterns=5, counts=[2, 4], reads=2,
                      radii=["snr"])
    return request.getfixturevalue("small_runs")[name]


@pytest.mark.parametrize("name", RUNS)
def test_every_protocol_round_trips_through_a_valid_nwb_file(name, request, tmp_path):
    result = _run(name, request)
    path = result_to_nwb(result, tmp_path / "run.nwb")
    assert validate_nwb(path) == []
    back = load_nwb(path)
    _assert_same(result, back)
    if name in ("sdm-capacity", "continual"):  # cheap to analyse: the loaded run reads as the original
        assert back.summary == result.summary
    runs = result.parts or {"": result}
    units, intervals, position, session = _read_independently(path)
    assert session == str(result.metadata["seed"])
    # one unit per neuron that fired, its spike times exactly those of the run
    for label, run in runs.items():
        for key in run.arrays:
            if not (key.startswith("spikes_") and key.endswith("_t")):
                continue
            pop = key[len("spikes_"):-2]
            t, i = run[key], run[f"spikes_{pop}_i"]
            mine = units[(units.population == pop) & (units.part == label)]
            seg = run.arrays.get(f"spikes_{pop}_run", np.zeros(t.size, dtype=int))  # capacity: one clock per design
            pairs = np.unique(np.stack([i, seg], axis=1), axis=0)
            assert len(mine) == len(pairs)
            for neuron, k in pairs[:: max(1, len(pairs) // 5)]:
                row = mine[(mine.neuron == neuron) & ((mine["run"] == k) if "run" in mine else True)].iloc[0]
                assert np.array_equal(np.asarray(row.spike_times), np.sort(t[(i == neuron) & (seg == k)]))
        prefix = f"{label}_" if label else ""
        if "slot_start" in run.arrays:
            slots = intervals[f"{prefix}slots"]
            assert np.array_equal(slots.start_time.to_numpy(), run["slot_start"])
            assert np.allclose(slots.stop_time - slots.start_time, run.params["circuit.slot"])
            if "slot_kinds" in run.params:
                names = {v: k for k, v in run.params["slot_kinds"].items()}
                assert list(slots.slot_kind_name) == [names[k] for k in run["slot_kind"]]
        if "trial_start" in run.arrays:
            trials = intervals[f"{prefix}trials"]
            assert np.array_equal(trials.start_time.to_numpy(), run["trial_start"])
            assert np.array_equal(trials.stop_time.to_numpy()[:-1], run["trial_start"][1:])
        if "position" in run.arrays:
            data, rate = position
            assert np.array_equal(data, run["position"])
            assert rate == pytest.approx(1 / run.params["trajectory_dt"])


def test_a_loaded_nwb_run_summarises_as_the_original(synthetic_continual, tmp_path):
    result = synthetic_continual(True)
    back = el.load_nwb(result_to_nwb(result, tmp_path / "run.nwb"))
    assert back.summary == result.summary


def test_cli_exports_a_saved_run_and_a_series_as_nwb(synthetic_continual, tmp_path, capsys):
    run = synthetic_continual(False)
    single = tmp_path / "one"
    run.save(single)
    assert main(["export", str(single), "--format", "nwb"]) == 0
    assert "run.nwb" in capsys.readouterr().out
    _assert_same(run, el.load_nwb(single / "run.nwb"))
    series = tmp_path / "series"
    Result("continual", {}, {}, dict(run.metadata), parts={"seed_0": run}).save(series)
    assert main(["export", str(series), "--format", "csv"]) == 2
    assert "--format nwb" in capsys.readouterr().err
    assert main(["export", str(series), "--format", "nwb"]) == 0
    assert set(el.load_nwb(series / "run.nwb").parts) == {"seed_0"}


def test_text_arrays_are_refused_before_anything_is_written(synthetic_continual, tmp_path):
    run = synthetic_continual(False)
    bad = Result("continual", {**run.arrays, "names": np.array(["a", "b"])}, run.params, run.metadata)
    with pytest.raises(ConfigError, match=r"names.*numbers and booleans only"):
        result_to_nwb(bad, tmp_path / "run.nwb")
    assert not list(tmp_path.iterdir())


def test_load_nwb_refuses_what_it_cannot_read(tmp_path):
    junk = tmp_path / "junk.nwb"
    junk.write_bytes(b"not hdf5")
    with pytest.raises(ConfigError, match="cannot be read as an NWB file"):
        load_nwb(junk)
    with pytest.raises(ConfigError, match="does not exist"):
        load_nwb(tmp_path / "missing.nwb")
    from datetime import UTC, datetime
    foreign = tmp_path / "foreign.nwb"
    with pynwb.NWBHDF5IO(str(foreign), "w") as io:
        io.write(pynwb.NWBFile(session_description="x", identifier="x", session_start_time=datetime.now(UTC)))
    with pytest.raises(ConfigError, match="not one engramlab wrote"):
        load_nwb(foreign)
