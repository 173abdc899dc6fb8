"""Sweeps: planning, resume after a kill, and the Dask path on a LocalCluster of 2 workers."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engramlab.sweep import parse_params, plan_sweep, run_sweep, sweep_table

TINY = ["--param", "n=30,40,50", "--set", "trials=1", "--set", "cues=2", "--set", "loads=[0.05, 0.2]"]


def test_plan_and_parse():
    params = parse_params(["r=1000,2000", "d=10"])
    assert params == {"r": ["1000", "2000"], "d": ["10"]}
    points = plan_sweep("sdm", params, seeds=2, quick=True)
    assert len(points) == 4 and len({p.key for p in points}) == 4
    assert plan_sweep("sdm", params, 2, True)[0].key == points[0].key  # stable ids
    with pytest.raises(ValueError, match="NAME=V1"):
        parse_params(["r"])
    with pytest.raises(ValueError, match="protocol 'dance' is unknown"):
        plan_sweep("dance", {}, 1, True)


def test_bad_points_fail_before_any_point_runs(tmp_path, capsys):
    from engramlab.cli import main

    out = tmp_path / "sweep"
    assert main(["sweep", "pattern-completion", "--param", "bogus=1,2", "--out", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bogus is not a parameter" in err
    assert not (out / "points").exists()
    assert main(["sweep", "pattern-completion", "--param", "n=30,40", "--set", "n=50", "--out", str(out), "-q"]) == 2
    assert "also fixed by --set" in capsys.readouterr().err
    assert main(["sweep", "pattern-completion", "--param", "seed=1,2", "--out", str(out), "-q"]) == 2
    assert "--seeds" in capsys.readouterr().err


def test_a_failing_point_reports_its_real_exception(tmp_path):
    from engramlab import registry
    from engramlab.registry import ProtocolSpec
    from engramlab.sweep import SweepPointError, run_point

    def broken(config, report=None):
        raise ZeroDivisionError("the model divided by zero")

    registry.register(ProtocolSpec(name="broken", help="", title="", intro="",
                                   circuit="engramlab.protocols.pattern_completion:PatternCompletionConfig",
                                   run=broken, summarise=dict), replace=True)
    try:
        point = plan_sweep("broken", {"n": ["30"]}, 1, False)[0]
        with pytest.raises(ZeroDivisionError, match="the model divided") as info:  # a bug keeps its type
            run_point(point, str(tmp_path))
        assert "sweep point n=30 seed 0" in " ".join(info.value.__notes__)
        bad = plan_sweep("broken", {"n": ["3"]}, 1, False)[0]  # n >= 10: a user error, one line
        with pytest.raises(SweepPointError, match=r"n=3 seed 0 failed: ConfigError: n must lie in \[10, 5000\]"):
            run_point(bad, str(tmp_path))
    finally:
        registry.unregister("broken")


class _Unpicklable:
    """Stands for a Brian2 object an exception may hold (pickling a code object's state fails)."""

    def __reduce__(self):
        raise KeyError("vel_x")

    def __repr__(self):
        return "<DynamicArrayVariable>"


def test_an_exception_that_cannot_pickle_leaves_a_worker_as_text(tmp_path):
    """A worker's failure reaches the sweep naming the point and the failure, not pickling's own error."""
    import pickle

    from engramlab.sweep import PointCrashed, SweepPoint, _naming_the_point

    point = SweepPoint("navigation", ("steps=10",), 3, True)
    with pytest.raises(PointCrashed) as info:
        with _naming_the_point(point, tmp_path):
            raise KeyError(_Unpicklable())
    text = str(pickle.loads(pickle.dumps(info.value)))  # it travels
    assert "KeyError: <DynamicArrayVariable>" in text and "sweep point steps=10 seed 3" in text
    assert "test_an_exception_that_cannot_pickle" in text  # where it was raised
    with pytest.raises(ZeroDivisionError):  # one that pickles keeps its type
        with _naming_the_point(point, tmp_path):
            raise ZeroDivisionError("x")


def _points_done(out):
    return sorted((out / "points").glob("*/done.json")) if (out / "points").exists() else []


@pytest.mark.slow
def test_killed_sweep_resumes_without_redoing_points(tmp_path):
    out = tmp_path / "sweep"
    cmd = [sys.executable, "-m", "engramlab.cli", "sweep", "pattern-completion", *TINY, "--workers", "1",
           "--out", str(out), "-q"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and not _points_done(out) and proc.poll() is None:
        time.sleep(0.2)
    assert proc.poll() is None, "the sweep ended before it could be killed"
    proc.kill()
    proc.wait()
    first = _points_done(out)
    assert 1 <= len(first) < 3, "the sweep should have been killed midway"
    stamps = {p: p.stat().st_mtime_ns for p in first}
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    done = _points_done(out)
    assert len(done) == 3
    assert all(p.stat().st_mtime_ns == stamps[p] for p in first)  # not redone
    summary = json.loads((out / "summary.json").read_text())
    assert summary["finished"] == 3 and (out / "sweep.csv").exists() and (out / "report.html").exists()
    # the NumPy target compiles nothing; the points killed and resumed all report their costs
    assert summary["compiles"] == 0 and summary["simulate_seconds"] > 0
    assert summary["points_without_build_stats"] == 0
    assert summary["workers"] == 1
    # every finished point has its whole result (done.json is written last)
    for marker in done:
        assert (marker.parent / "summary.json").exists() and (marker.parent / "result.npz").exists()
    # ... without figures (they cost a quick point's simulation time again), which `report` draws
    point = done[0].parent
    assert not list(point.glob("*.png")) and json.loads((point / "summary.json").read_text())["figures"] == []
    drawn = subprocess.run([sys.executable, "-m", "engramlab.cli", "report", str(point)], capture_output=True,
                           text=True, timeout=600)
    assert drawn.returncode == 0, drawn.stderr
    listed = json.loads((point / "summary.json").read_text())["figures"]
    assert listed and all((point / name).is_file() for name in listed)


@pytest.mark.slow
def test_dask_local_cluster_with_two_workers(tmp_path):
    pytest.importorskip("distributed")
    points = plan_sweep("pattern-completion", {"n": ["30", "40"]}, seeds=1, quick=True)
    points = [p.__class__(p.protocol, (*p.overrides, "trials=1", "cues=2", "loads=[0.05]"), p.seed, p.quick)
              for p in points]
    ran = run_sweep(points, tmp_path, workers=2, scheduler="local", log=lambda s: None)
    assert len(ran) == 2
    rows = sweep_table(points, tmp_path)
    assert len(rows) == 2 and all(r["spiking_capacity"] is None or r["spiking_capacity"] > 0 for r in rows)
    assert run_sweep(points, tmp_path, workers=2, scheduler="local", log=lambda s: None) == []  # resumed: nothing to do
    assert all(Path(tmp_path / "points" / p.key / "result.npz").exists() for p in points)


def test_sweep_table_and_figure_show_the_rows(tmp_path):
    """The CSV round-trips values holding commas; the figure draws mean ± SD over seeds per point."""
    import csv

    from engramlab.commands.sweep import _figure, _write_csv

    rows = [
        {"point": "a", "seed": 1, "n": "30", "loads": "[0.05, 0.1]", "capacity": 0.10},
        {"point": "a", "seed": 2, "n": "30", "loads": "[0.05, 0.1]", "capacity": 0.14},
        {"point": "b", "seed": 1, "n": "40", "loads": "[0.05, 0.1]", "capacity": 0.20, "note": "x, \"y\""},
    ]
    _write_csv(tmp_path / "sweep.csv", rows)
    with (tmp_path / "sweep.csv").open(newline="") as handle:
        back = list(csv.DictReader(handle))
    assert [r["loads"] for r in back] == ["[0.05, 0.1]"] * 3
    assert back[2]["note"] == 'x, "y"' and back[0]["note"] == ""
    fig = _figure(rows, "n", "capacity", ["n", "loads"])
    ax = fig.axes[0]
    line = ax.lines[0]
    assert list(line.get_xdata()) == [30.0, 40.0]
    assert line.get_ydata() == pytest.approx([0.12, 0.20])
    assert ax.get_xlabel() == "n" and ax.get_ylabel() == "capacity"
    # one series (loads is the same everywhere), labelled by the other parameter
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["loads=[0.05, 0.1]"]


def test_workers_that_do_not_fit_in_memory_are_refused(monkeypatch):
    """Each point fits alone; ``--workers`` of them at once must fit together (checked before any run)."""
    from engramlab import api, resources
    from engramlab.errors import ConfigError
    from engramlab.sweep import validate_points

    points = plan_sweep("pattern-completion", {"n": ["30", "40"]}, seeds=1, quick=True)
    sizes = [api.plan(p.protocol, p.settings(), quick=True, seed=p.seed).memory_bytes for p in points]
    assert all(s > 0 for s in sizes)
    monkeypatch.setattr(resources, "available_memory", lambda: int(max(sizes) * 1.01))
    validate_points(points, workers=1)
    validate_points(points, workers=2, local=False)  # a remote cluster: each worker has its own memory
    with pytest.raises(ConfigError, match="--workers"):
        validate_points(points, workers=2)


def test_auto_workers_use_every_core_for_compiled_programs_as_far_as_memory_allows(monkeypatch, capsys):
    """``--workers auto`` (the default): one worker per usable core; for compiled programs no more
    than the points after the first (which compiles alone) and the program cache's slots less one;
    no more than fit in memory together; one for a protocol registered in this process. A bad
    ``--workers`` is refused in one line."""
    from engramlab import api, resources
    from engramlab import sweep as S
    from engramlab.cli import build_parser

    assert build_parser().parse_args(["sweep", "sdm", "--out", "x"]).workers == "auto"
    for bad in ("0", "-1", "two", "1.5"):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["sweep", "sdm", "--workers", bad, "--out", "x"])
        assert "--workers must be a whole number >= 1 or 'auto'" in capsys.readouterr().err

    runtime = plan_sweep("pattern-completion", {"n": ["30", "40"]}, seeds=2, quick=True)
    compiled = plan_sweep("eyeblink", {}, seeds=3, quick=True)
    monkeypatch.setattr(resources, "usable_cores", lambda: 4)
    assert S.validate_points(runtime, workers="auto") == 4  # the runtime device: no program to compile first
    assert S.validate_points(runtime[:3], workers="auto") == 3
    assert S.validate_points(compiled, workers="auto") == 2  # 3 points: the first alone, then 2 at once
    six = compiled + plan_sweep("eyeblink", {}, seeds=6, quick=True)[3:]
    # 6 points, 4 cores: 3, the program cache's slots but the one the sweep's process keeps to copy
    assert S.validate_points(six, workers="auto") == 3
    assert S.validate_points(compiled[:1], workers="auto") == 1
    assert S.validate_points(six, workers="auto", to_run=six[4:]) == 1  # resumed: 2 points left
    threaded = plan_sweep("eyeblink", {}, seeds=6, quick=True, fixed=("threads=2",))
    assert S.validate_points(threaded, workers="auto") == 2  # 4 cores / 2 OpenMP threads each
    both = plan_sweep("eyeblink", {"device": ['"runtime"', '"cpp_standalone"']}, seeds=2, quick=True)
    assert S.validate_points(both, workers="auto") == 1  # a grid over the device: in turn
    size = api.plan("eyeblink", {}, quick=True, seed=0).memory_bytes
    monkeypatch.setattr(resources, "available_memory", lambda: int(size * 1.5))
    assert S.validate_points(compiled, workers="auto") == 1  # two at once would not fit
    assert S.validate_points(compiled, workers="auto", local=False) == 2  # a cluster's workers: their own memory
    assert S.validate_points(compiled, workers=3, local=False) == 3  # a number is taken as given

    # a protocol registered in this process (a worker process would not know it): one worker
    import dataclasses

    from engramlab import registry

    assert registry.ships("eyeblink") and registry.ships("pattern-completion")
    registry.register(dataclasses.replace(registry.get("eyeblink"), name="my-eyeblink", aliases=()))
    try:
        assert not registry.ships("my-eyeblink")
        mine = plan_sweep("my-eyeblink", {}, seeds=3, quick=True)
        monkeypatch.setattr(resources, "available_memory", lambda: int(size * 10))
        assert S.validate_points(mine, workers="auto") == 1
        assert S.validate_points(compiled, workers="auto") == 2
    finally:
        registry.unregister("my-eyeblink")


def test_two_parameter_map_draws_the_mean_of_every_cell():
    from engramlab.analysis.figures.sweep import map_figure

    rows = [{"point": f"{b}-{j}-{s}", "seed": s, "mossy.background_rate": b, "mossy.jitter": j,
             "acc": 1.0 - 0.01 * float(b.split()[0]) - 0.1 * float(j.split()[0]) + 0.01 * s}
            for b in ("8 Hz", "4 Hz", "16 Hz") for j in ("1 ms", "0.5 ms") for s in (0, 1)]
    rows = [r for r in rows if not (r["mossy.background_rate"] == "16 Hz" and r["mossy.jitter"] == "1 ms")]
    fig = map_figure(rows, "mossy.background_rate", "mossy.jitter", "acc")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["4 Hz", "8 Hz", "16 Hz"]  # numeric order
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0.5 ms", "1 ms"]
    grid = ax.images[0].get_array()
    assert grid[0, 0] == pytest.approx(1 - 0.04 - 0.05 + 0.005)
    assert grid[1, 1] == pytest.approx(1 - 0.08 - 0.1 + 0.005)
    assert bool(grid.mask[1, 2])  # no point there: blank, not zero
    assert len(ax.texts) == 5


def test_build_stats_sum_every_circuit_of_a_run():
    """A run's cost is summed over its circuits; a build that compiled no code object is no compile."""
    from engramlab.sweep import build_stats

    # standalone builds: Network.run (run_call) generated the code, so it is compile time
    nested = {"snr": {"run_call": 1.0, "build_and_run": 12.0, "simulate": 2.0, "compile": 10.0,
                      "compiled_sources": 68.0, "compiled_code_objects": 66.0},
              "memory": {"run_call": 0.5, "build_and_run": 8.0, "simulate": 3.0, "compile": 5.0,
                         "compiled_sources": 2.0, "compiled_code_objects": 0.0}}
    assert build_stats(nested) == {"compiles": 1.0, "compiled_sources": 70.0, "compile_seconds": 16.5,
                                   "simulate_seconds": 5.0}
    assert build_stats({"run_call": 1.5, "simulate": 1.5}) == {"compiles": 0.0, "compiled_sources": 0.0,
                                                              "compile_seconds": 0.0, "simulate_seconds": 1.5}
    assert build_stats(None)["simulate_seconds"] == 0.0


def test_only_a_process_the_sweep_owns_freezes_its_heap(tmp_path):
    """``gc.freeze`` spares every build's full collection the modules and caches (0.12 of 0.15 s per
    quick eyeblink point), but frozen objects are never collected as cycles: it is refused while
    a circuit's Brian2 object lives (the next program would compile in full), and a sweep started
    from Python (``main([...])``, not the command) leaves the caller's heap alone."""
    import gc
    import textwrap

    script = textwrap.dedent("""
        import gc
        import brian2 as b2
        from engramlab.circuits._device import freeze_heap_between_programs
        leftover = b2.NeuronGroup(1, "v : 1", name="leftover_group")
        assert freeze_heap_between_programs() is False and gc.get_freeze_count() == 0
        del leftover
        assert freeze_heap_between_programs() is True and gc.get_freeze_count() > 0
        print("frozen")
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip() == "frozen", proc.stderr

    from engramlab.cli import main

    assert gc.get_freeze_count() == 0
    assert main(["sweep", "pattern-completion", "--param", "n=30", "--set", "trials=1", "--set", "cues=2",
                 "--set", "loads=[0.05]", "--out", str(tmp_path / "sweep"), "-q"]) == 0
    assert (tmp_path / "sweep" / "summary.json").is_file()
    assert gc.get_freeze_count() == 0


def test_points_run_in_turn_are_saved_while_the_next_simulates_and_a_failed_save_stops_the_sweep(monkeypatch):
    """One worker: point k is saved on a second thread while point k+1 simulates; every point is
    saved exactly once, in order; a save's error reaches the caller; with figures (matplotlib)
    points are saved in turn on the calling thread."""
    import threading

    from engramlab import sweep as S

    points = plan_sweep("pattern-completion", {"n": ["30"]}, 3, False)
    events = []

    def fake_simulate(point, out_dir):
        events.append(("simulate", point.seed, threading.current_thread().name))
        return S._Simulated(point, Path(out_dir), None, 0.0)

    def fake_save(done, figures=False):
        events.append(("save", done.point.seed, threading.current_thread().name))
        if done.point.seed == fail_at[0]:
            raise OSError("disk full")
        return {}

    monkeypatch.setattr(S, "simulate_point", fake_simulate)
    monkeypatch.setattr(S, "save_point", fake_save)
    fail_at = [-1]
    S._run_in_turn(points, "unused", figures=False, own_process=False, done=lambda p: None)
    order = [(kind, seed) for kind, seed, _ in events]
    assert [seed for kind, seed in order if kind == "save"] == [0, 1, 2]
    for k in range(3):  # saved after its simulation, and before the point after next starts
        assert order.index(("simulate", k)) < order.index(("save", k))
        if k + 2 < 3:
            assert order.index(("save", k)) < order.index(("simulate", k + 2))
    main = threading.current_thread().name
    assert all(name == main for kind, _, name in events if kind == "simulate")
    assert all(name != main for kind, _, name in events if kind == "save")

    events.clear()
    fail_at[0] = 0
    with pytest.raises(OSError, match="disk full"):
        S._run_in_turn(points, "unused", figures=False, own_process=False, done=lambda p: None)
    assert ("save", 2) not in [(kind, seed) for kind, seed, _ in events]  # stopped: no later point saved

    events.clear()
    fail_at[0] = -1
    monkeypatch.setattr(S, "run_point", lambda p, out, figures: fake_save(fake_simulate(p, out), figures))
    S._run_in_turn(points, "unused", figures=True, own_process=False, done=lambda p: None)
    assert [kind for kind, _, _ in events] == ["simulate", "save"] * 3
    assert all(name == main for _, _, name in events)


def test_a_failed_simulation_lets_the_point_being_saved_finish_and_paths_are_absolute(monkeypatch, tmp_path):
    """The point saved while the next one fails still finishes (no finished point lost), and a
    point's folder is absolute: Brian2 changes the working directory while it compiles and runs,
    which the saving thread must not follow."""
    from engramlab import api
    from engramlab import sweep as S

    points = plan_sweep("pattern-completion", {"n": ["30"]}, 3, False)
    saved = []

    def fake_simulate(point, out_dir):
        if point.seed == 1:
            raise RuntimeError("the program crashed")
        return S._Simulated(point, Path(out_dir), None, 0.0)

    def fake_save(done, figures=False):
        time.sleep(0.2)  # still saving when the next simulation fails
        saved.append(done.point.seed)
        return {}

    monkeypatch.setattr(S, "simulate_point", fake_simulate)
    monkeypatch.setattr(S, "save_point", fake_save)
    with pytest.raises(RuntimeError, match="the program crashed"):
        S._run_in_turn(points, "unused", figures=False, own_process=False, done=lambda p: None)
    assert saved == [0]
    monkeypatch.undo()

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(api, "run", lambda *a, **k: "a result")
    simulated = S.simulate_point(points[0], "relative/sweep")
    assert simulated.folder.is_absolute()
    assert simulated.folder == tmp_path / "relative" / "sweep" / "points" / points[0].key


@pytest.mark.slow
def test_two_local_workers_reuse_the_first_points_program(tmp_path, monkeypatch):
    """With ``--workers 2`` the first point runs alone and compiles; the workers then start from
    copies of its program, so no later point compiles a source file (two workers starting
    together used to compile the same program each: ``compiles: 2``). An empty program cache."""
    from engramlab.cli import main

    monkeypatch.setenv("ENGRAMLAB_PROGRAM_CACHE", str(tmp_path / "programs"))

    out = tmp_path / "sweep"
    assert main(["sweep", "eyeblink", "--quick", "--seeds", "3", "--workers", "2", "--set", "r=300",
                 "--set", "trials=4", "--set", 'device="cpp_standalone"', "--out", str(out), "-q"]) == 0
    done = {json.loads(p.read_text())["seed"]: json.loads(p.read_text()) for p in _points_done(out)}
    assert sorted(done) == [0, 1, 2]
    assert done[1]["compiled_sources"] == done[2]["compiled_sources"] == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["finished"] == 3 and summary["compiles"] == 1 and summary["workers"] == 2


def test_points_of_a_new_structure_wait_for_its_first_to_compile():
    """With several workers a structure's program is compiled once: its other points start after
    its first has finished (and copy its build), while points of built structures run at once."""
    from engramlab.sweep import _first_of_each_structure, structure_key

    points = plan_sweep("eyeblink", {"r": ["800", "1000"], "protocol.isi": ["200ms", "300ms"]}, 2, True)
    keys = {p.key: structure_key(p) for p in points}
    by_r = {}
    for p in points:
        by_r.setdefault(dict(o.split("=") for o in p.overrides)["r"], set()).add(keys[p.key])
    assert [len(v) for v in by_r.values()] == [1, 1] and by_r["800"] != by_r["1000"]  # ISI and seed: data
    on, off, other = (structure_key(plan_sweep("eyeblink", {"nuclei.mf_eta": [v]}, 1, True)[0])
                      for v in ("3pA", "0pA", "6pA"))
    assert on != off and on == other  # a switch (°): zero or not
    first, *rest = points
    ready, waiting = _first_of_each_structure(rest, keys, {keys[first.key]})
    small = [p for p in rest if keys[p.key] == keys[first.key]]
    large = [p for p in rest if keys[p.key] != keys[first.key]]
    assert ready == small + large[:1]  # the built structure's points, and the new one's first
    assert waiting == {keys[large[0].key]: large[1:]}
    # on the runtime device nothing compiles: nothing waits
    runtime = plan_sweep("eyeblink", {"r": ["900"]}, 2, False)
    runtime_keys = {p.key: structure_key(p) for p in runtime}
    assert ("device", "'runtime'") in runtime_keys[runtime[0].key]
    assert _first_of_each_structure(runtime, runtime_keys, set()) == (runtime, {})
    # every protocol has a key, those without a schedule (navigation, foraging, ...) included
    from engramlab import registry
    for name in registry.names():
        for quick in (False, True):
            assert ("protocol", name) in structure_key(plan_sweep(name, {}, 1, quick)[0])
