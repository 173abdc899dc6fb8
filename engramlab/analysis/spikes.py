"""Spike-train statistics on plain arrays (times in seconds, integer neuron indices).

No Brian2: these functions read what a protocol's Result stores.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from engramlab import validate as V
from engramlab.errors import ConfigError, ConfigTypeError
from engramlab.resources import check_memory

__all__ = ["counts_per_window", "phase_shift", "spike_trains", "tonic_period"]


def spike_trains(t: ArrayLike, i: ArrayLike, n: int) -> list[NDArray[np.float64]]:
    """Split (time, index) spike arrays into ``n`` sorted per-neuron trains."""
    tt = V.finite_array("t", t, 1)
    ii = V.integer_array("i", V.finite_array("i", i, 1))
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


def counts_per_window(t: ArrayLike, i: ArrayLike, starts: ArrayLike, width: float, n: int
                      ) -> NDArray[np.int64]:
    """Spike counts of each of ``n`` neurons in windows ``[start, start + width)``.

    Returns an array of shape (windows, n). Windows must not overlap (sorted starts, spacing
    >= width).
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
    if s.size > 1 and np.any(np.diff(s) < width - 1e-12):
        raise ConfigError("starts", "must be sorted and the windows must not overlap (spacing >= width)")
    out = np.zeros((s.size, n), dtype=np.int64)
    if tt.size == 0 or s.size == 0:
        return out
    w = np.searchsorted(s, tt, side="right") - 1
    ok = (w >= 0) & (tt < s[np.clip(w, 0, None)] + width)
    np.add.at(out, (w[ok], ii[ok]), 1)
    return out


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

    Returns NaN (undefined) when there is no spike before ``t_input``.
    """
    train = V.finite_array("train", train, 1)
    t_input = V.real("t_input", t_input)
    t_end = V.real("t_end", t_end)
    period = V.real("period", period, 0.0, None, low_open=True)
    ref = np.searchsorted(train, t_input, side="left") - 1
    if ref < 0:
        return float("nan")
    t_ref = train[ref]
    last = np.searchsorted(train, t_end, side="left") - 1
    k = last - ref
    if k <= 0:
        return -max(0.0, t_end - t_ref - period) / period
    return float((t_ref + k * period - train[last]) / period)
