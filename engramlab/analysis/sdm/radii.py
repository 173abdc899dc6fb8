r"""The optimal SDM radius: signal-to-noise, memory-capacity and critical-distance criteria.

The first two work for any ``n``: ball fractions and neuron counts enter through their
logarithms, so ``r = 2**n`` (the "infinite neurons" limit) is fine for ``n`` in the thousands.
The critical-distance criterion needs the exact circle intersections of every radius at every
query distance, so it is limited to ``n <= CRITICAL_MAX_N``.

References
----------
.. [1] T. Bricken and C. Pehlevan, "Attention approximates sparse distributed memory",
   NeurIPS 2021 (appendix).
.. [2] P. Kanerva, *Sparse Distributed Memory*, MIT Press 1988 (ch. 7).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from engramlab import validate as V
from engramlab.analysis.sdm.geometry import (
    FLOAT_LIMIT_N,
    _log_ball_fractions,
    _positive_neuron_count,
    expected_intersection,
    radius_for_fraction,
)
from engramlab.errors import ConfigError, ConfigTypeError

__all__ = [
    "CRITICAL_MAX_N",
    "critical_distance",
    "log_ball_fraction",
    "log_memory_capacity",
    "memory_capacity",
    "optimal_radius",
    "read_accuracy",
    "snr_optimal_fraction",
]

Criterion = Literal["snr", "memory", "critical_distance"]

#: largest n for the critical-distance criterion (its (n + 1)² exact intersections take ~1 s at 256)
CRITICAL_MAX_N = 512


def _log_neuron_count(r: float | int) -> float:
    rr = _positive_neuron_count(r, bounded=False)  # log space: any size
    if rr is None:
        raise ConfigTypeError("r", "(number of neurons) must be a positive number, got None")
    # math.log is exact-argument for Python ints of any size (2**10000 does not overflow).
    return math.log(rr.numerator) - math.log(rr.denominator)


def log_ball_fraction(n: int, d: ArrayLike) -> float | NDArray[np.float64]:
    """Natural log of :func:`ball_fraction`, finite for any ``n`` (no underflow)."""
    n = V.integer("n", n, 1, FLOAT_LIMIT_N)
    d_arr = V.integer_array("d", d, 0, n)
    out = _log_ball_fractions(n, d_arr.ravel())
    return float(out[0]) if np.ndim(d) == 0 else out.reshape(d_arr.shape)


def snr_optimal_fraction(m: int, r: float | int) -> float:
    r"""The ball fraction that maximises the read signal-to-noise ratio, p* = (2 m r)^{-1/3}.

    (Kanerva 1988 ch. 7; Bricken & Pehlevan 2021 appendix, noise-free queries.) Computed in
    log-space so ``r = 2**n`` works for any ``n``.
    """
    m = V.integer("m", m, 1)
    return math.exp(-(math.log(2.0 * m) + _log_neuron_count(r)) / 3.0)  # may underflow to 0


def log_memory_capacity(
    log_p: ArrayLike, r: float | int, n: int, p_whole: float = 0.99
) -> NDArray[np.float64]:
    r"""Natural log of :func:`memory_capacity`, from log ball fractions (``-inf`` where m_max <= 0).

    With a = log(p r) and b = log(p² r): m_max = e^a (e^a/z² − 1) / (e^b + e^{2b}).
    """
    n = V.integer("n", n, 1)
    lp = V.float_array("log_p", log_p)
    if np.any(np.isnan(lp)) or np.any(lp > 1e-12):
        raise ConfigError("log_p", "must be <= 0 (p <= 1), -inf allowed, no NaN")
    z = _whole_pattern_z(n, p_whole)
    a = lp + _log_neuron_count(r)
    b = lp + a
    x = a - 2.0 * math.log(z)
    out = np.full(lp.shape, -np.inf)
    ok = x > 0
    out[ok] = a[ok] + x[ok] + np.log1p(-np.exp(-x[ok])) - np.logaddexp(b[ok], 2.0 * b[ok])
    return out


def memory_capacity(p: ArrayLike, r: float | int, n: int, p_whole: float = 0.99) -> NDArray[np.float64]:
    r"""Largest number of patterns retrievable at ball fraction ``p`` (Bricken & Pehlevan 2021, app.).

    .. math:: m_{max}(p) = \frac{(p r)^2/z^2 - p r}{p^2 r + (p^2 r)^2},
              \qquad z = \Phi^{-1}(P_{whole}^{1/n})

    where ``P_whole`` is the probability that all ``n`` bits of a pattern are read correctly.
    Values where the numerator is negative (too few neurons per ball) are reported as 0.
    """
    p_arr = V.float_array("p", p)
    if not np.all(np.isfinite(p_arr)) or np.any(p_arr < 0) or np.any(p_arr > 1):
        raise ConfigError("p", "must lie in [0, 1]")
    with np.errstate(divide="ignore"):
        log_p = np.log(p_arr)
    return np.exp(log_memory_capacity(log_p, r, n, p_whole))


def _whole_pattern_z(n: int, p_whole: float) -> float:
    p_whole = V.real("p_whole", p_whole, 0.0, 1.0, low_open=True, high_open=True)
    z = float(stats.norm.ppf(p_whole ** (1.0 / n)))
    if not z > 0:
        raise ConfigError("p_whole", f"asks each of the n = {n} bits to be right with probability "
                                     f"{p_whole ** (1.0 / n):.3g} <= 1/2 (chance): no criterion to compute")
    return z


def _read_margins(n: int, d: int, m: int, r: float | int, z: float) -> NDArray[np.float64]:
    """Signal / (z · crosstalk SD) of a one-step read at every query noise 0 … n, for radius ``d``.

    In log space: with a = log(r p²), the crosstalk SD is sqrt(m (e^a + e^{2a})).
    """
    fractions = np.asarray(expected_intersection(n, d, np.arange(n + 1)), dtype=float)  # r = 1
    log_r = _log_neuron_count(r)
    a = 2.0 * float(_log_ball_fractions(n, np.array([d]))[0]) + log_r
    log_noise = 0.5 * (math.log(m) + a + float(np.logaddexp(0.0, a))) + math.log(z)
    with np.errstate(divide="ignore"):
        return np.exp(np.log(fractions) + log_r - log_noise)


def read_accuracy(n: int, d: int, m: int, r: float | int, dv: ArrayLike) -> NDArray[np.float64]:
    r"""Predicted fraction of bits a one-step read gets right, from a query ``dv`` bits off a stored address.

    The SNR theory behind :func:`memory_capacity` and :func:`critical_distance`: a bit's read
    sum is the signal :math:`w(d_v)` (the expected shared neurons) plus crosstalk of ``m``
    random patterns with variance :math:`m (p^2 r + (p^2 r)^2)`; it is right with probability
    :math:`\Phi(w(d_v)/\sigma)` (Kanerva 1988 ch. 7; Bricken & Pehlevan 2021 appendix).
    """
    n = V.integer("n", n, 1, CRITICAL_MAX_N)
    d = V.integer("d", d, 0, n)
    m = V.integer("m", m, 1)
    dv_arr = V.integer_array("dv", dv, 0, n)
    margins = _read_margins(n, d, m, r, 1.0)
    return np.asarray(stats.norm.cdf(margins[dv_arr]))


def critical_distance(n: int, d: int, m: int, r: float | int, p_whole: float = 0.99) -> int:
    r"""Largest query noise from which one read still recovers a stored pattern (−1: not even noise 0).

    A read from a query ``d_q`` bits from a stored address gets the signal
    :math:`w(d_q) = r\,|O(d) \cap O'(d)|/2^n` (:func:`expected_intersection`) and crosstalk from
    ``m`` random patterns with variance :math:`m (p^2 r + (p^2 r)^2)` (the noise term of
    :func:`memory_capacity`, Bricken & Pehlevan 2021 appendix). The pattern is recovered when
    the signal exceeds ``z`` standard deviations, :math:`z = \Phi^{-1}(P_{whole}^{1/n})`
    (all ``n`` bits right with probability ``p_whole``). Kanerva (1988, ch. 7) calls the query
    noise beyond which reads stop converging the critical distance; this is its one-step form.
    """
    n = V.integer("n", n, 1, CRITICAL_MAX_N)
    d = V.integer("d", d, 0, n)
    m = V.integer("m", m, 1)
    ok = np.flatnonzero(_read_margins(n, d, m, r, _whole_pattern_z(n, p_whole)) >= 1.0)
    # the signal falls with d_q, so the recoverable noise levels are 0 … the last one that passes
    if ok.size == 0 or ok[0] != 0:
        return -1
    breaks = np.flatnonzero(np.diff(ok) != 1)
    return int(ok[breaks[0]] if breaks.size else ok[-1])


def optimal_radius(
    n: int, m: int, r: float | int, criterion: Criterion = "snr", p_whole: float = 0.99
) -> int:
    """The optimal SDM radius ``d`` for a criterion (Bricken & Pehlevan 2021, appendix).

    * ``"snr"``: smallest ``d`` with p(d) >= (2 m r)^{-1/3} (noise-free queries). n = 64,
      m = 1024, r = 2^64 gives d = 11.
    * ``"memory"``: the ``d`` maximising :func:`memory_capacity` over the achievable p(d)
      (``m`` does not enter: the criterion asks how many patterns can be stored at all).
      n = 64, r = 2^64 gives d = 5.
    * ``"critical_distance"``: the ``d`` whose :func:`critical_distance` (the largest query
      noise still recovered with ``m`` patterns stored) is largest; ties go to the radius with
      the larger signal-to-noise margin there. Needs ``n <= CRITICAL_MAX_N``.

    Parameters
    ----------
    n : int
        Address dimension.
    m : int
        Number of stored patterns, ``m >= 1``.
    r : float or int
        Number of neurons (``> 0``); ``2**n`` is the "infinite neurons" limit.
    criterion : {"snr", "memory", "critical_distance"}
        Which optimum.
    p_whole : float
        For ``"memory"``: probability of reading a whole pattern correctly (default 0.99).

    Returns
    -------
    int
        The radius.
    """
    n = V.integer("n", n, 1, FLOAT_LIMIT_N)
    m = V.integer("m", m, 1)
    if criterion == "snr":
        log_target = -(math.log(2.0 * m) + _log_neuron_count(r)) / 3.0
        if log_target >= 0.0:
            return n
        if log_target > -700.0:  # representable: compare exactly
            return radius_for_fraction(n, math.exp(log_target))
        log_p = np.asarray(log_ball_fraction(n, np.arange(n + 1)))
        return int(np.searchsorted(log_p, log_target, side="left"))
    if criterion == "memory":
        log_p = np.asarray(log_ball_fraction(n, np.arange(n + 1)))
        return int(np.argmax(log_memory_capacity(log_p, r, n, p_whole)))
    if criterion == "critical_distance":
        if n > CRITICAL_MAX_N:
            raise ConfigError("n", f"must lie in [1, {CRITICAL_MAX_N}] for the critical-distance criterion, got {n}")
        z = _whole_pattern_z(n, p_whole)
        best: tuple[int, float, int] = (-2, -math.inf, 0)
        for d in range(n + 1):
            margins = _read_margins(n, d, m, r, z)
            cd = critical_distance(n, d, m, r, p_whole)
            key = (cd, float(margins[cd]) if cd >= 0 else -math.inf, d)
            if key[:2] > best[:2]:
                best = key
        return best[2]
    raise ConfigError("criterion", f"must be 'snr', 'memory' or 'critical_distance', got {criterion!r}")
