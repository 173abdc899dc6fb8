"""The class-incremental digits task: data, encoding, the counter SDM, the MLP baselines, figures.

The spiking run itself is exercised by lab 8 (tests/test_labs_reports.py), one quick standalone build.
"""

import threading

import numpy as np
import pytest

from engramlab.analysis.continual import (
    BackgroundBaselines,
    BaselinesCancelled,
    ContinualAnalysis,
    accuracy_matrix,
    choose_lines,
    choose_lines_by_time,
    forgetting,
    mlp_accuracy_matrices,
    mlp_inputs,
    sdm_predictions,
    topk_sets,
)
from engramlab.cli import main
from engramlab.protocols.continual import ContinualConfig, schedule
from engramlab.protocols.digits import class_incremental_task, sign_projection


def test_topk_sets_are_the_k_nearest_hard_locations():
    rng = np.random.default_rng(3)
    addresses = rng.integers(0, 2, (20, 24)).astype(bool)
    targets = rng.integers(0, 2, (300, 24)).astype(bool)
    active = topk_sets(addresses, targets, 17)
    for a, row in zip(addresses, active, strict=True):
        dist = np.sum(targets != a, axis=1)
        # nearest first, ties broken by the lower index: sort on (distance, index)
        expected = np.lexsort((np.arange(300), dist))[:17]
        assert set(np.flatnonzero(row)) == set(expected)


def test_counter_sdm_reads_the_majority_class_and_ignores_write_order():
    rng = np.random.default_rng(0)
    r, classes = 50, 3
    writes = rng.random((40, r)) < 0.2
    labels = rng.integers(0, classes, 40)
    reads = rng.random((7, r)) < 0.2
    when = np.repeat([0, 1], 20)
    pred = sdm_predictions(writes, labels, when, [reads, reads], classes)
    # independent computation: class counts of every location, summed over the read set
    counts = np.array([[np.sum(writes[:20][labels[:20] == c][:, a]) for c in range(classes)] for a in range(r)])
    assert np.array_equal(pred[0], np.argmax(reads.astype(int) @ counts, axis=1))
    counts_all = np.array([[np.sum(writes[labels == c][:, a]) for c in range(classes)] for a in range(r)])
    assert np.array_equal(pred[1], np.argmax(reads.astype(int) @ counts_all, axis=1))
    # the counters are sums: presenting the same writes in any order gives the same final read
    order = rng.permutation(40)
    shuffled = sdm_predictions(writes[order], labels[order], np.ones(40, int), [reads, reads], classes)
    assert np.array_equal(shuffled[1], pred[1])


def test_accuracy_matrix_and_forgetting():
    task_of_class = np.array([0, 0, 1, 1])
    labels = np.array([0, 1, 2, 3])
    # after task 0: task 0 right, task 1 wrong; after task 1: task 0 forgotten, task 1 right
    predicted = np.array([[0, 1, 0, 0], [2, 3, 2, 3]])
    m = accuracy_matrix(predicted, labels, task_of_class)
    assert np.allclose(m, [[1, 0], [0, 1]])
    assert forgetting(m) == pytest.approx(1.0)
    assert forgetting(np.array([[1.0, 0.0], [0.9, 1.0]])) == pytest.approx(0.1)
    # Chaudhry et al. 2018: the best accuracy *before* the last task, so a task that improved
    # later has negative forgetting (backward transfer), not zero
    rising = np.array([[0.6, 0, 0], [0.5, 0.4, 0], [0.8, 0.9, 0.7]])
    assert forgetting(rising) == pytest.approx(np.mean([0.6 - 0.8, 0.4 - 0.9]))


def test_ties_between_lines_are_broken_at_random_and_counted():
    counts = np.array([[3, 1, 3], [0, 4, 2], [2, 2, 2]] * 200)
    chosen, ties = choose_lines(counts, np.random.default_rng(0))
    assert ties == pytest.approx(2 / 3)
    assert np.all(chosen[1::3] == 1)  # no tie: the largest count
    first = chosen[0::3]
    assert set(first) == {0, 2} and 0.4 < np.mean(first == 0) < 0.6  # never line 1, both tied lines alike
    assert set(chosen[2::3]) == {0, 1, 2}


def test_count_ties_go_to_the_line_that_reached_the_count_first():
    counts = np.array([[3, 1, 3], [0, 4, 2], [2, 2, 2], [2, 0, 2]] * 200)
    reach = np.array([[0.030, np.inf, 0.020], [np.inf, 0.01, np.inf], [0.02, 0.01, 0.03],
                      [0.015, np.inf, 0.015]] * 200)
    chosen, still_tied = choose_lines_by_time(counts, reach, np.random.default_rng(0))
    assert still_tied == pytest.approx(1 / 4)  # only the last row: same count at the same time
    assert np.all(chosen[0::4] == 2) and np.all(chosen[1::4] == 1) and np.all(chosen[2::4] == 1)
    last = chosen[3::4]
    assert set(last) == {0, 2} and 0.4 < np.mean(last == 0) < 0.6


def test_window_reach_times_match_a_loop_over_every_slot_and_line():
    from engramlab.analysis.readout import window_counts, window_reach_times

    rng = np.random.default_rng(11)
    lines, cells, starts, offset, width = 4, 3, np.arange(30) * 0.1, 0.013, 0.06
    t = rng.uniform(0, 3.0, 2000)  # not sorted: the count-th spike is found by time, not by position
    t[:5] = starts[1:6] + offset  # spikes exactly on a window's opening edge count, at time 0
    t[5:10] = starts[6:11] + offset - 0.5e-9  # within the 1 ns edge tolerance: counted, at time 0
    t[10:15] = starts[11:16] + offset - 2e-9  # before it: not counted
    i = rng.integers(0, lines * cells, t.size)
    counts = window_counts(t, i, starts, offset, width, lines, cells)
    needed = counts.max(axis=1)
    needed[3] = 0
    reach = window_reach_times(t, i, starts, offset, width, lines, cells, needed)
    for s, begin in enumerate(starts + offset):
        for line in range(lines):
            mine = np.sort(t[(i // cells == line) & (t >= begin - 1e-9) & (t < begin + width - 1e-9)])
            assert mine.size == counts[s, line]
            expected = 0.0 if needed[s] <= 0 else (max(mine[needed[s] - 1] - begin, 0.0)
                                                    if mine.size >= needed[s] else np.inf)
            assert reach[s, line] == pytest.approx(expected, abs=1e-12)
    with pytest.raises(ValueError, match="needed"):
        window_reach_times(t, i, starts, offset, width, lines, cells, needed[:-1])
    none = window_reach_times([], [], starts, offset, width, lines, cells, needed)
    assert np.all(none[3] == 0.0) and np.all(np.isinf(np.delete(none, 3, axis=0)))


def test_schedule_writes_task_by_task_and_reads_the_same_shuffled_digits_after_each():
    from engramlab.protocols.continual import ContinualConfig, schedule
    from engramlab.schedules import SLOT_KINDS

    data = class_incremental_task(16, 5, 0.25, seed=4)
    protocol = ContinualConfig(train_per_class=3, eval_per_class=2, rest_slots=4, seed=4)
    kind, example, evaluation = schedule(data, protocol)
    assert np.all(kind[:4] == SLOT_KINDS["rest"]) and np.all(example[:4] == -1)
    writes, reads = kind == SLOT_KINDS["write"], kind == SLOT_KINDS["read"]
    assert writes.sum() == 30 and reads.sum() == 5 * 20
    assert np.all(data.train[example[writes]]) and not np.any(data.train[example[reads]])
    # every write belongs to the task of its evaluation block, and comes before that block's reads
    assert np.array_equal(data.task_of_class[data.labels[example[writes]]], evaluation[writes])
    for t in range(5):
        block = np.flatnonzero(evaluation == t)
        assert np.all(np.diff(kind[block]) >= 0)  # writes (1) then reads (2)
    order = [example[reads & (evaluation == t)] for t in range(5)]
    assert all(np.array_equal(o, order[0]) for o in order)
    assert np.bincount(data.labels[order[0]], minlength=10).tolist() == [2] * 10
    assert np.mean(np.diff(data.labels[order[0]]) == 0) < 0.5  # shuffled, not in class order


def test_digits_split_is_stratified_and_task_ordered():
    data = class_incremental_task(64, 5, 0.25, seed=2)
    for c in range(10):
        members = data.labels == c
        assert abs(np.mean(~data.train[members]) - 0.25) < 0.01
    order = data.train_order
    assert np.array_equal(np.sort(order), np.flatnonzero(data.train))  # every training example once
    assert np.all(np.diff(data.task_of_class[data.labels[order]]) >= 0)  # task after task
    assert np.array_equal(data.task_of_class, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
    again = class_incremental_task(64, 5, 0.25, seed=2)
    assert np.array_equal(again.addresses, data.addresses) and np.array_equal(again.train_order, order)


def test_sign_projection_hamming_distance_estimates_the_angle():
    # Charikar (2002): P[bit differs] = θ/π for zero-mean Gaussian directions; here the directions
    # sum to zero, so the angle is the one between the images with their mean pixel removed
    rng = np.random.default_rng(1)
    images = rng.random((6, 64)) * 16
    bits = sign_projection(images, 20_000, rng)
    centred = images - images.mean(axis=1, keepdims=True)
    for i in range(6):
        for j in range(i + 1, 6):
            cos = centred[i] @ centred[j] / np.linalg.norm(centred[i]) / np.linalg.norm(centred[j])
            assert np.mean(bits[i] != bits[j]) == pytest.approx(np.arccos(cos) / np.pi, abs=0.012)


def test_online_mlp_forgets_where_the_jointly_trained_one_does_not():
    data = class_incremental_task(64, 5, 0.25, seed=0)
    order, test = data.train_order, data.test_indices
    x, y = data.addresses, data.labels
    matrix, iid = mlp_accuracy_matrices(x[order], y[order], data.task_of_class[y[order]], x[test], y[test],
                                        data.task_of_class, hidden=64, seed=0)
    assert matrix[-1, -1] > 0.8  # it learns the last task ...
    assert matrix[-1, :-1].max() < 0.2  # ... and has forgotten every earlier one
    assert iid > 0.85


def test_baselines_computed_beside_a_run_equal_the_direct_computation_and_report_their_errors():
    data = class_incremental_task(32, 5, 0.25, seed=1)
    kind, example, evaluation = schedule(data, ContinualConfig(train_per_class=6, eval_per_class=3, rest_slots=2,
                                                               seed=1))
    inputs = mlp_inputs(kind, example, evaluation, data.addresses, data.labels, data.task_of_class)
    train_x, train_y, train_task, test_x, test_y = inputs
    # what the MLPs see: the written digits in presentation order, then the 30 digits read after each task
    assert np.array_equal(train_y, data.labels[example[kind == 1]]) and train_y.size == 60
    assert np.array_equal(train_x, data.addresses[example[kind == 1]])
    assert np.array_equal(test_x, data.addresses[example[(kind == 2) & (evaluation == 0)]])
    assert np.array_equal(train_task, np.repeat(np.arange(5), 12))
    assert test_y.size == 30 and np.array_equal(np.bincount(test_y), np.full(10, 3))
    direct = mlp_accuracy_matrices(*inputs, data.task_of_class, hidden=16, seed=3)
    background = BackgroundBaselines(*inputs, data.task_of_class, hidden=16, seed=3).result()
    assert np.array_equal(background[0], direct[0]) and background[1] == direct[1]
    cancelled = threading.Event()
    cancelled.set()
    with pytest.raises(BaselinesCancelled):
        mlp_accuracy_matrices(*inputs, data.task_of_class, hidden=16, seed=3, cancel=cancelled)
    failed = BackgroundBaselines(*inputs, data.task_of_class, hidden=0, seed=3)  # sklearn refuses 0 units
    with pytest.raises(ValueError):
        failed.result()  # the thread's error is raised in the caller's


def test_analysis_takes_the_baselines_the_protocol_stored(synthetic_continual):
    from engramlab.analysis.continual import analyse_continual
    from engramlab.results import Result

    run = synthetic_continual()
    stored = np.arange(25, dtype=float).reshape(5, 5) / 25
    with_baselines = Result("continual", {**run.arrays, "mlp_accuracy_matrix": stored},
                            {**run.params, "iid_upper_bound": 0.5}, run.metadata)
    a = analyse_continual(with_baselines)
    assert np.array_equal(a.mlp, stored) and a.iid_upper_bound == 0.5


def test_bad_task_count_is_refused_in_one_line(tmp_path, capsys):
    assert main(["run", "continual", "--set", "protocol.tasks=3", "--out", str(tmp_path / "x"), "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "protocol.tasks" in err[0] and "1, 2, 5 or 10" in err[0]
    assert main(["run", "continual", "--set", "m=8", "--out", str(tmp_path / "y"), "-q"]) == 2
    assert "m must be 10" in capsys.readouterr().err
    assert main(["run", "continual", "--set", "protocol.eval_per_class=60", "--out", str(tmp_path / "z"), "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "protocol.eval_per_class must lie in [1, 4" in err[0]
    assert not any((tmp_path / name).exists() for name in "xyz")


def _analysis():
    spiking = np.array([[1.0, 0, 0], [0.9, 0.8, 0], [0.85, 0.7, 0.95]])
    return ContinualAnalysis(
        tasks=3, r=100, top_k=5, n=16, train_examples=30, test_examples=30, spiking=spiking,
        numpy_sdm=np.clip(spiking + 0.05, 0, 1), numpy_sdm_measured=spiking,
        mlp=np.array([[1.0, 0, 0], [0, 1, 0], [0, 0, 1]]), iid_upper_bound=0.93, agreement=0.9,
        active_mean=7.0, dcn_increase=np.eye(3)[[0, 1, 2, 0]] * 20.0,
        read_labels=np.array([0, 1, 2, 0]), dcn_baseline_hz=40.0, weights_at_zero=0.0, weights_at_max=0.0)


def test_accuracy_matrix_figure_draws_every_learners_matrix():
    from engramlab.analysis.figures.continual import accuracy_matrix_figure, dcn_evidence_figure, seen_tasks_figure

    a = _analysis()
    fig = accuracy_matrix_figure(a)
    axes = fig.axes[:3]
    for ax, matrix in zip(axes, (a.spiking, a.numpy_sdm, a.mlp), strict=True):
        assert np.allclose(ax.images[0].get_array(), matrix)
        shown = sorted(float(t.get_text()) for t in ax.texts)
        assert shown == pytest.approx(sorted(np.round(matrix.ravel(), 2)))
        assert f"{matrix[-1].mean():.3f}" in ax.get_title()
    seen = seen_tasks_figure(a).axes[0]
    curve = seen.lines[0].get_ydata()
    assert np.allclose(curve, [1.0, 0.85, (0.85 + 0.7 + 0.95) / 3])
    assert seen.lines[-1].get_ydata()[0] == pytest.approx(0.93)  # the i.i.d. bound
    evidence = dcn_evidence_figure(a).axes[0].images[0].get_array()
    assert np.allclose(np.diag(evidence), 20.0) and np.allclose(evidence - np.diag(np.diag(evidence)), 0)


@pytest.mark.parametrize("decoy", [False, True])
def test_analysis_reads_the_dcn_line_in_its_window_and_the_equation_on_the_same_sets(decoy, synthetic_continual):
    from engramlab.analysis.continual import analyse_continual

    a = analyse_continual(synthetic_continual(decoy))
    assert (a.tasks, a.r, a.top_k, a.train_examples, a.test_examples) == (5, 60, 6, 20, 20)
    # the digit's line fired 3 spikes in the window, every other line none: every read correct,
    # and spikes outside [arrival, arrival + read_window) are not counted
    assert np.array_equal(a.spiking, np.ones((5, 5)))
    assert a.tie_fraction == 0.0
    assert a.dcn_baseline_hz == pytest.approx(1 / 0.05)  # one spike per line in each rest window
    # the granule cells fired the Top-K sets, so the SDM on the fired sets is the equation itself
    assert a.active_mean == 6
    assert np.array_equal(a.numpy_sdm_measured, a.numpy_sdm)
    assert a.mlp.shape == (5, 5) and 0 <= a.iid_upper_bound <= 1


def test_a_line_that_ties_in_count_but_fires_later_loses_the_read(synthetic_continual):
    """Every read: the digit's line and its neighbour fire 3 spikes each in the window; the
    neighbour fires first but reaches 3 a millisecond later. Counted and timed (by the count-th
    spike, not the first), every read is right; by the default coin on the same spikes about half
    are."""
    from engramlab.analysis.continual import analyse_continual, continual_summary

    a = analyse_continual(synthetic_continual(False, rival=True))
    assert a.spiking_first_to_count is not None and np.array_equal(a.spiking_first_to_count, np.ones((5, 5)))
    assert a.tie_fraction == 1.0 and a.time_tie_fraction == 0.0
    s = continual_summary(a)
    assert s["final_mean_accuracy_first_to_count"] == 1.0 and 0.3 < s["final_mean_accuracy"] < 0.7


def test_analysis_sums_a_lines_dcn_copies_and_reports_rates_per_cell(synthetic_continual):
    """Each line's DCN spikes dealt in turn to its 3 copies (circuit.dcn_per_line = 3): the summed
    counts are the one-cell counts, so every read decides the same; rates are per cell, a third of
    the one-cell rates. The one-cell analysis of the same spikes is the reference."""
    from engramlab.analysis.continual import analyse_continual
    from engramlab.results import Result

    one = synthetic_continual(True)
    line = one["spikes_nuclei_i"]
    copy = np.zeros_like(line)
    for cell in np.unique(line):  # the k-th spike of a line goes to copy k mod 3
        at = np.flatnonzero(line == cell)
        copy[at] = np.arange(at.size) % 3
    three = Result("continual", {**one.arrays, "spikes_nuclei_i": 3 * line + copy},
                   {**one.params, "circuit.dcn_per_line": 3}, dict(one.metadata))
    a1, a3 = analyse_continual(one), analyse_continual(three)
    assert np.array_equal(a3.spiking, a1.spiking) and a3.tie_fraction == a1.tie_fraction
    assert a3.dcn_baseline_hz == pytest.approx(a1.dcn_baseline_hz / 3)
    assert np.allclose(a3.dcn_increase, a1.dcn_increase / 3)
    # read as one cell per line, the same spikes would claim 30 lines: refused, naming the key
    with pytest.raises(ValueError, match="spike indices"):
        analyse_continual(Result("continual", three.arrays, one.params, dict(one.metadata)))
