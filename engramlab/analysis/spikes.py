"""Spike-train statistics on plain arrays (times in seconds, integer neuron indices).

No Brian2: these functions read what a protocol's Result stores. This module is the one place
spikes are binned: per-neuron counts in windows (:func:`counts_per_window`, :func:`step_counts`)
and population counts in trial-aligned bins (:func:`population_counts`, :func:`counts_between`).
Every analysis, figure and protocol counts spikes through these.

Why not Elephant's ``BinnedSpikeTrain``: the windows here are not contiguous (a read window per
slot, the second half of each step) and a table of 10⁴ granule cells × 10³ slots would need one
Neo ``SpikeTrain`` per cell; the tests check these counts against Elephant where it is installed.

A spike within ``EDGE_TOLERANCE`` (1 ns) before a window edge counts as at the edge: simulated
spike times lie on the time-step grid (≥ 1 µs), so this only absorbs float round-off of
``k * step`` style edges.
"""

from __future__ import annotations

from typing import overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from engramlab import validate as V
from engramlab.errors import ConfigError, ConfigTypeError
from engramlab.resources import check_memory

__all__ = [
    "EDGE_TOLERANCE",
    "counts_between",
    "counts_per_window",
    "phase_shift",
    "population_counts",
    "spike_trains",
    "spike_windows",
    "step_counts",
    "tonic_period",
]

EDGE_TOLERANCE = 1e-9  # s; far below any simulation time step


def spike_trains(t: ArrayLike, i: ArrayLike, n: int) -> list[NDArray[np.float64]]:
    """Split (time, index) spike arrays into ``n`` sorted per-neuron trains."""
    tt = V.finite_array("t", t, 1)
    # integer indices skip the float round trip (a quick SDM point's analysis counts 10^6 spikes)
    ii = V.integer_array("i", i if isinstance(i, np.ndarray) and i.dtype.kind in "iu" else V.finite_array("i", i, 1))
    if ii.ndim != 1:
        raise ConfigError("i", f"(spike indices) must have 1 dimension, got shape {ii.shape}")
    if tt.shape != ii.shape:
        raise ConfigError("i", f"(spike indices) and t (spike times) differ in length: {ii.shape} vs {tt.shape}")
    n = V.integer("n", n, 0, 10**9)
    check_memory(112.0 * n, "n", "one spike train per neuron")
    if ii.size and (ii.min() < 0 or ii.max() >= n):
        raise ConfigError("i", f"(spike indices) must lie in [0, n={n}), got [{ii.min()}, {ii.max()}]")
    order = np.lexsort((tt, ii))
    tt, ii = tt[order], ii[order]
    bounds = np.searchsorted(ii, np.arange(n + 1))
    return [tt[bounds[k]:bounds[k + 1]] for k in range(n)]


def spike_windows(t: NDArray[np.float64], starts: NDArray[np.float64], width: float
                  ) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
    """Which window ``[start, start + width)`` each spike falls in, and whether it falls in one.

    ``starts`` sorted, windows not overlapping (callers check); edges shifted back by
    :data:`EDGE_TOLERANCE`. Returns ``(w, ok)``: ``w[k]`` the window of spike ``k`` where ``ok[k]``.
    """
    lo = starts - EDGE_TOLERANCE
    w = np.searchsorted(lo, t, side="right") - 1
    return w, (w >= 0) & (t < lo[np.clip(w, 0, None)] + width)


def counts_per_window(t: ArrayLike, i: ArrayLike, starts: ArrayLike, width: float, n: int
                      ) -> NDArray[np.int64]:
    """Spike counts of each of ``n`` neurons in windows ``[start, start + width)``.

    Returns an array of shape (windows, n). Windows must not overlap (sorted starts, spacing
    >= width). Edges are shifted back by :data:`EDGE_TOLERANCE`.
    """
    tt = V.finite_array("t", t, 1)
    ii = V.integer_array("i", V.finite_array("i", i, 1))
    s = V.finite_array("starts", starts, 1)
    if tt.shape != ii.shape:
        raise ConfigError("i", f"(spike indices) and t (spike times) differ in length: {ii.shape} vs {tt.shape}")
    width = V.real("width", width, 0.0, None, low_open=True)
    n = V.integer("n", n, 0, 10**9)
    check_memory(8.0 * s.size * n, "n", "the count table (windows × neurons)")
    if ii.size and (ii.min() < 0 or ii.max() >= n):
        raise ConfigError("i", f"(spike indices) must lie in [0, n={n}), got [{ii.min()}, {ii.max()}]")
    if s.size > 1 and np.any(np.diff(s) < width - EDGE_TOLERANCE):
        raise ConfigError("starts", "must be sorted and the windows must not overlap (spacing >= width)")
    if tt.size == 0 or s.size == 0:
        return np.zeros((s.size, n), dtype=np.int64)
    w, ok = spike_windows(tt, s, width)
    # one flat histogram (np.bincount) instead of np.add.at, which is several times slower
    flat = np.bincount(w[ok] * n + ii[ok], minlength=s.size * n)
    return flat.reshape(s.size, n).astype(np.int64, copy=False)


def step_counts(t: ArrayLike, i: ArrayLike, step: float, steps: int, n: int, start: float = 0.0,
                width: float | None = None) -> NDArray[np.int64]:
    """Spike counts per step and neuron in ``[k·step + start, k·step + start + width)``, k = 0 … steps − 1.

    ``width`` defaults to ``step − start`` (the rest of each step). Returns shape (steps, n).
    """
    step = V.real("step", step, 0.0, None, low_open=True)
    steps = V.integer("steps", steps, 0, 10**9)
    n = V.integer("n", n, 0, 10**9)
    check_memory(8.0 * steps * (n + 1), "steps", "the count table (steps × neurons)")
    start = V.real("start", start, 0.0, step, high_open=True)
    width = step - start if width is None else V.real("width", width, 0.0, step - start, low_open=True)
    return counts_per_window(t, i, np.arange(steps) * step + start, width, n)


@overload
def counts_between(t: ArrayLike, a: ArrayLike, b: ArrayLike, weights: None = None) -> NDArray[np.int64]: ...


@overload
def counts_between(t: ArrayLike, a: ArrayLike, b: ArrayLike, weights: ArrayLike) -> NDArray[np.float64]: ...


def counts_between(t: ArrayLike, a: ArrayLike, b: ArrayLike,
                   weights: ArrayLike | None = None) -> NDArray[np.int64] | NDArray[np.float64]:
    """Number of spikes (all neurons together) in each interval ``[a_k, b_k)``; intervals may overlap.

    Edges are shifted back by :data:`EDGE_TOLERANCE`. With ``weights`` (one per spike) the sum of
    the weights of those spikes instead of their number (a difference of cumulative sums).
    """
    tt = V.finite_array("t", t, 1)
    order = np.argsort(tt, kind="stable")
    tt = tt[order]
    lo = V.finite_array("a", a, (0, 1, 2))
    hi = V.finite_array("b", b, (0, 1, 2))
    if lo.shape != hi.shape:
        raise ConfigError("b", f"(interval ends) and a (interval starts) differ in shape: {hi.shape} vs {lo.shape}")
    if np.any(hi < lo):
        raise ConfigError("b", "every interval end must be >= its start")
    upper = np.searchsorted(tt, hi - EDGE_TOLERANCE, side="left")
    lower = np.searchsorted(tt, lo - EDGE_TOLERANCE, side="left")
    if weights is None:
        return (upper - lower).astype(np.int64)
    w = V.finite_array("weights", weights, 1)
    if w.shape != tt.shape:
        raise ConfigError("weights", f"must give one weight per spike: {tt.size}, got {w.size}")
    cumulative = np.concatenate(([0.0], np.cumsum(w[order])))
    return cumulative[upper] - cumulative[lower]


@overload
def population_counts(t: ArrayLike, starts: ArrayLike, edges: ArrayLike,
                      weights: None = None) -> NDArray[np.int64]: ...


@overload
def population_counts(t: ArrayLike, starts: ArrayLike, edges: ArrayLike,
                      weights: ArrayLike) -> NDArray[np.float64]: ...


def population_counts(t: ArrayLike, starts: ArrayLike, edges: ArrayLike,
                      weights: ArrayLike | None = None) -> NDArray[np.int64] | NDArray[np.float64]:
    """Spike counts (all neurons together) in bins ``[start + edges[b], start + edges[b+1])`` of every start.

    A peri-stimulus time histogram per trial: shape (starts, bins). ``edges`` must increase;
    trials may overlap (each is counted on its own). With ``weights`` (one per spike), each bin
    holds the sum of its spikes' weights (:func:`counts_between`).
    """
    s = V.finite_array("starts", starts, 1)
    e = V.finite_array("edges", edges, 1)
    if e.size < 2 or np.any(np.diff(e) <= 0):
        raise ConfigError("edges", f"must be at least two strictly increasing times, got {e.size} values")
    c = counts_between(t, s[:, None] + e[None, :-1], s[:, None] + e[None, 1:], weights)
    return c.reshape(s.size, e.size - 1)


def tonic_period(trains: list[NDArray[np.float64]], t_from: float, t_to: float, dt: float) -> float:
    """Period of tonic firing: the median inter-spike interval in [t_from, t_to], on the dt grid.

    In a deterministic, time-discretised LIF the period is an exact number of steps; rounding
    the median ISI to the grid recovers it exactly.
    """
    t_from = V.real("t_from", t_from)
    t_to = V.real("t_to", t_to)
    dt = V.real("dt", dt, 0.0, None, low_open=True)
    if isinstance(trains, np.ndarray) or not isinstance(trains, list | tuple):
        raise ConfigTypeError("trains", f"must be a list of spike-time arrays, got {type(trains).__name__}")
    checked = [V.finite_array(f"trains[{k}]", tr, 1) for k, tr in enumerate(trains)]
    isis = [np.diff(tr[(tr >= t_from) & (tr <= t_to)]) for tr in checked]
    allisi = np.concatenate(isis) if isis else np.zeros(0)
    if allisi.size == 0:
        raise ConfigError("trains", f"have no inter-spike interval in [{t_from}, {t_to}] s to measure the "
                                    "tonic period (the cells did not fire tonically)")
    return float(np.round(np.median(allisi) / dt) * dt)


def phase_shift(train: NDArray[np.float64], t_input: float, t_end: float, period: float) -> float:
    r"""Spikes gained (+) or lost (−) by a tonic oscillator because of input after ``t_input``.

    With ``t_ref`` the last spike before ``t_input`` and ``t_k`` the k-th and last spike before
    ``t_end``, an unperturbed train would have fired its k-th spike at ``t_ref + k T``:

    .. math:: \Delta = (t_{ref} + k T - t_k) / T

    i.e. the phase advance in cycles — a rate change resolved below one spike. If no spike
    follows ``t_ref`` before ``t_end``, the pause has lasted at least ``t_end - t_ref`` and the
    loss is ``-(t_end - t_ref - T)/T`` (0 if that is not yet a full period).

    Times are in seconds; ``period`` must be at least 1 ps. Returns NaN (undefined) when there
    is no spike before ``t_input``.
    """
    train = V.finite_array("train", train, 1)
    t_input = V.real("t_input", t_input)
    t_end = V.real("t_end", t_end)
    # a period below a picosecond is no oscillator's, and would overflow the spike-count ratio
    period = V.real("period", period, 1e-12, None)
    ref = np.searchsorted(train, t_input, side="left") - 1
    if ref < 0:
        return float("nan")
    t_ref = train[ref]
    last = np.searchsorted(train, t_end, side="left") - 1
    k = last - ref
    if k <= 0:
        return -max(0.0, t_end - t_ref - period) / period
    # k + (t_ref - t_k)/T, not (t_ref + kT - t_k)/T: the same number without overflow at huge T
    return float(k + (t_ref - train[last]) / period)
