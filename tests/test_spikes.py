"""The one spike-binning layer (engramlab.analysis.spikes) against Elephant and against direct counting."""

import numpy as np
import pytest
from scipy.stats import norm

from engramlab.analysis.spikes import (
    EDGE_TOLERANCE,
    counts_between,
    counts_per_window,
    population_counts,
    step_counts,
)
from engramlab.errors import ConfigError

DT = 1e-4  # s, the simulations' time step


def _spikes(seed, n=7, duration=2.0, rate=40.0):
    """Poisson-like spikes on the DT grid, as a simulator records them (times = step index · DT)."""
    rng = np.random.default_rng(seed)
    steps = rng.choice(int(duration / DT), size=int(rate * n * duration), replace=True)
    return steps * DT, rng.integers(0, n, steps.size)


def _direct(t, i, lo, hi, n):
    """Counts by testing every spike against every window (no sorting, no search)."""
    out = np.zeros((len(lo), n), dtype=np.int64)
    for k, (a, b) in enumerate(zip(lo, hi, strict=True)):
        inside = (t >= a - EDGE_TOLERANCE) & (t < b - EDGE_TOLERANCE)
        for cell in range(n):
            out[k, cell] = int(np.sum(inside & (i == cell)))
    return out


@pytest.mark.parametrize("seed", [0, 1])
def test_step_counts_equal_elephants_binned_spike_train(seed):
    neo = pytest.importorskip("neo")
    quantities = pytest.importorskip("quantities")
    conversion = pytest.importorskip("elephant.conversion")
    t, i = _spikes(seed)
    step, steps, n = 0.025, 80, 7
    trains = [neo.SpikeTrain(t[i == c] * quantities.s, t_stop=2.0 * quantities.s) for c in range(n)]
    binned = conversion.BinnedSpikeTrain(trains, bin_size=step * quantities.s, t_start=0 * quantities.s,
                                         t_stop=steps * step * quantities.s).to_array()
    assert np.array_equal(step_counts(t, i, step, steps, n), binned.T)
    # per-trial population histograms: the same bins summed over the cells, four 0.5 s trials
    starts = np.arange(4) * 0.5
    per_trial = population_counts(t, starts, np.arange(0, 0.5 + 1e-12, step))
    assert np.array_equal(per_trial.ravel(), binned.sum(axis=0))


def test_windows_with_gaps_match_direct_counting():
    t, i = _spikes(2)
    starts = np.array([0.0, 0.13, 0.5, 0.5071, 1.9])
    got = counts_per_window(t, i, starts, 0.0071, 7)
    assert np.array_equal(got, _direct(t, i, starts, starts + 0.0071, 7))
    # second half of each 100 ms step, skipping its first 10 ms (the memory-pool read)
    got = step_counts(t, i, 0.1, 20, 7, start=0.06, width=0.04)
    lo = np.arange(20) * 0.1 + 0.06
    assert np.array_equal(got, _direct(t, i, lo, lo + 0.04, 7))
    assert got.sum() > 0


def test_overlapping_intervals_and_trial_histograms_match_direct_counting():
    t, i = _spikes(3)
    a = np.array([0.0, 0.05, 0.3, 0.31, 1.2])
    b = a + np.array([0.2, 0.4, 0.01, 1.0, 0.8])  # overlapping intervals of different widths
    assert np.array_equal(counts_between(t, a, b), _direct(t, i, a, b, 7).sum(axis=1))
    starts = np.array([0.2, 0.25, 1.0])  # overlapping trials, each counted on its own
    edges = np.array([-0.1, 0.0, 0.05, 0.3])
    lo = (starts[:, None] + edges[None, :-1]).ravel()
    hi = (starts[:, None] + edges[None, 1:]).ravel()
    assert np.array_equal(population_counts(t, starts, edges).ravel(), _direct(t, i, lo, hi, 7).sum(axis=1))
    # weighted: each spike carries its cell's weight (the eyeblink drive change's weight change)
    w_cell = np.linspace(-2.0, 1.0, 7)
    np.testing.assert_allclose(counts_between(t, a, b, weights=w_cell[i]), _direct(t, i, a, b, 7) @ w_cell,
                               atol=1e-9)
    np.testing.assert_allclose(population_counts(t, starts, edges, weights=w_cell[i]).ravel(),
                               _direct(t, i, lo, hi, 7) @ w_cell, atol=1e-9)


def test_a_spike_on_a_step_edge_counts_in_the_step_it_starts():
    # 3 * 0.1 = 0.30000000000000004 and 0.1 + 0.2 as well; 0.7 * 3 / 7 = 0.29999999999999993
    t = np.array([3 * 0.1, 0.7 * 3 / 7, 0.3])
    i = np.zeros(3, dtype=int)
    assert step_counts(t, i, 0.1, 4, 1)[:, 0].tolist() == [0, 0, 0, 3]
    assert counts_between(t, [0.2], [0.3]).tolist() == [0]
    assert population_counts(t, [0.0], [0.2, 0.3, 0.4]).tolist() == [[0, 3]]


def test_bad_binning_is_refused_in_one_line():
    with pytest.raises(ConfigError, match="edges"):
        population_counts([0.1], [0.0], [0.2, 0.1])
    with pytest.raises(ConfigError, match="b"):
        counts_between([0.1], [0.3], [0.2])
    with pytest.raises(ConfigError, match="weights must give one weight per spike"):
        counts_between([0.1, 0.2], [0.0], [0.3], weights=[1.0])
    with pytest.raises(ConfigError, match="width"):
        step_counts([0.1], [0], 0.1, 3, 1, start=0.06, width=0.05)
    with pytest.raises(ConfigError, match="starts"):
        counts_per_window([0.1], [0], [0.0, 0.01], 0.02, 1)


def test_psychometric_fit_recovers_a_known_probit_curve():
    from engramlab.analysis.readout_limits import psychometric_fit
    rng = np.random.default_rng(4)
    s = rng.integers(-80, 81, size=40_000).astype(float)
    y = rng.random(s.size) < norm.cdf((s + 7.0) / 15.0)
    s0, sd = psychometric_fit(y, s)
    # MLE standard errors here are ~0.2 counts: 1.5 counts and 8 % are > 5 SE
    assert abs(s0 + 7.0) < 1.5 and abs(sd / 15.0 - 1) < 0.08
    assert np.isnan(psychometric_fit(np.ones(5, bool), np.arange(5.0))[0])
    assert np.isnan(psychometric_fit(np.arange(6.0) > 2, np.arange(6.0))[1])  # a step: SD not estimable
    # a step tied at one sum (the likelihood still grows as the SD shrinks), and bits that fall as
    # the sum grows (no increasing curve): not estimable either
    assert np.isnan(psychometric_fit([0, 1, 0, 1], [1.0, 2.0, 2.0, 3.0])[1])
    assert np.isnan(psychometric_fit(s > 0, -s)[1])
    with pytest.raises(ConfigError, match="sums"):
        psychometric_fit(np.zeros((2, 3), bool), np.zeros((3, 2)))
    with pytest.raises(ConfigError, match="decoded"):
        psychometric_fit([np.nan, 1, 0], [1.0, 2.0, 3.0])


def test_count_window_scan_equals_decoding_each_window_directly():
    """Each scanned window's agreement equals window_counts + decode_bits on that window.

    Spikes sit on the simulations' 0.1 ms grid, many exactly on window edges, and unlisted
    (write) slots between the listed ones fire at other rates: none of their spikes may count.
    """
    from engramlab.analysis.readout import decode_bits, window_counts
    from engramlab.analysis.readout_limits import count_window_scan
    rng = np.random.default_rng(5)
    slot, lines, cells, opens = 0.1, 3, 4, 0.003
    starts = np.arange(45) * slot
    kinds = np.array([0] * 10 + [2, 1] * 17 + [2])  # rest, then reads with writes between them
    rests, reads = starts[kinds == 0], starts[kinds == 2]
    truth = rng.random((reads.size, lines)) < 0.5
    t, i = [], []
    read_k = 0
    for k, kind in enumerate(kinds):
        for c in range(lines * cells):
            if kind == 2:
                rate = 20.0 if truth[read_k, c // cells] else 100.0   # a lower count reads 1 (Purkinje cells)
            else:
                rate = {0: 60.0, 1: 300.0}[kind]
            steps = rng.choice(1000, size=rng.poisson(rate * slot), replace=False)
            edges = np.array([30, 150, 330, 430, 530])  # on window edges, in time steps after the slot start
            # times as a simulator makes them: the global step index times dt
            t.append((k * 1000 + np.concatenate([steps, edges])) * DT)
            i.append(np.full(steps.size + edges.size, c))
        read_k += kind == 2
    tt, ii = np.concatenate(t), np.concatenate(i)
    # the case that matters happens here: spikes a rounding error below the window's computed opening
    opening = starts[np.floor(tt / slot + 1e-9).astype(int)] + opens
    assert np.any((tt < opening) & np.isclose(tt, opening, rtol=0, atol=1e-12))
    offsets, widths = np.array([0.0, 0.012, 0.03]), np.array([0.01, 0.025, 0.05])  # after the 3 ms opening
    scan = count_window_scan(tt, ii, reads, rests, opens, slot, truth, lines, cells, False, offsets, widths)
    for a, o in enumerate(offsets):
        for b, w in enumerate(widths):
            counts = window_counts(tt, ii, reads, opens + o, w, lines, cells)
            base = window_counts(tt, ii, rests, opens + o, w, lines, cells)
            direct = np.mean(decode_bits(counts, base, higher_is_one=False) == truth)
            assert scan["agreement"][a, b] == direct
    assert scan["best_agreement"] == scan["agreement"].max()


def test_count_window_scan_refuses_bad_input_in_one_line():
    from engramlab.analysis.readout_limits import count_window_scan
    t, i = np.array([0.012, 0.113]), np.array([0, 5])
    reads, rests, truth = np.array([0.0]), np.array([0.1]), np.zeros((1, 2), bool)

    def scan(**kw):
        args = dict(t=t, i=i, read_starts=reads, rest_starts=rests, opens=0.005, slot=0.1, truth=truth, lines=2,
                    cells_per_line=3, higher_is_one=True, offsets=[0.0], widths=[0.01])
        args.update(kw)
        return count_window_scan(**args)

    assert scan()["agreement"].shape == (1, 1)
    for kw, key in (({"i": np.array([0, 6])}, "i"),  # cell 6 is in no line of 2 × 3
                    ({"higher_is_one": "no"}, "higher_is_one"),
                    ({"widths": [-0.01]}, "widths"), ({"offsets": [-0.002]}, "offsets"),
                    ({"widths": [0.2]}, "widths"),  # past the slot
                    ({"rest_starts": np.array([0.004])}, "starts"),  # the two windows overlap
                    ({"read_starts": np.zeros(0), "truth": np.zeros((0, 2), bool)}, "truth")):
        with pytest.raises(ConfigError, match=key):
            scan(**kw)
