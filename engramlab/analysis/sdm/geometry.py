r"""Hamming balls and circle intersections in the Boolean cube {0,1}^n, with exact counts.

The counts of points are exact Python integers, so ``n = 10,000`` neither overflows nor
underflows; they are turned into expected neuron counts ``r·|·|/2^n`` with exact rational
arithmetic and a single, correctly rounded conversion to ``float`` at the end.

Also Jaeckel's selected-coordinate design, whose neurons check ``k`` coordinates each.

References
----------
.. [1] T. Bricken and C. Pehlevan, "Attention approximates sparse distributed memory",
   NeurIPS 2021.
.. [2] P. Kanerva, *Sparse Distributed Memory*, MIT Press 1988 (appendix B: the "lune" form).
.. [3] L. A. Jaeckel, "An alternative design for a sparse distributed memory", RIACS TR 89.28,
   NASA Ames 1989.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction
from functools import lru_cache
from typing import overload

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from engramlab import validate as V
from engramlab.errors import ConfigError, ConfigTypeError

__all__ = [
    "ball_fraction",
    "ball_size",
    "circle_intersection",
    "expected_intersection",
    "jaeckel_active",
    "jaeckel_intersection",
    "radius_for_fraction",
    "soft_intersection",
]


# ----------------------------------------------------------------------------------------------
# Hamming balls
# ----------------------------------------------------------------------------------------------


#: Largest n for which whole tables of exact ball sizes are built and cached: n + 1 integers of
#: up to n bits each, 2 MB at n = 4096. Beyond it p(d) is computed in log space from log-gamma
#: binomial terms (relative error below ~1e-11), and exact counts term by term without a table.
EXACT_MAX_N = 4096
#: Largest n of the functions that return exact integer counts (big-integer arithmetic costs
#: O(d · n) bit operations: a fraction of a second at 20,000).
EXACT_LIMIT_N = 20_000
#: Largest n of the functions computed in log space (O(n) memory and time: ~0.5 s at 10^6).
FLOAT_LIMIT_N = 1_000_000


@lru_cache(maxsize=8)
def _ball_sizes(n: int) -> tuple[int, ...]:
    """Cumulative exact ball sizes ``(|O_n(0)|, |O_n(1)|, ..., |O_n(n)|)`` (only for n <= EXACT_MAX_N).

    Built with the recurrence C(n, i+1) = C(n, i)(n-i)/(i+1), O(n) big-integer operations.
    """
    if n > EXACT_MAX_N:
        raise ConfigError("n", f"must be <= {EXACT_MAX_N} for an exact size table, got {n}")
    sizes = []
    term = 1
    total = 0
    for i in range(n + 1):
        total += term
        sizes.append(total)
        term = term * (n - i) // (i + 1)
    return tuple(sizes)


def _ball_size_exact(n: int, d: int) -> int:
    """|O_n(d)| exactly, summed term by term (memory: one n-bit integer, not a table)."""
    if n <= EXACT_MAX_N:
        return _ball_sizes(n)[d]
    term, total = 1, 0
    for i in range(d + 1):
        total += term
        term = term * (n - i) // (i + 1)
    return total


def _log_ball_fractions(n: int, d: NDArray[np.int64]) -> NDArray[np.float64]:
    """Ln p(d) for each radius: exact rationals up to EXACT_MAX_N, log-sum-exp of log-gamma terms beyond."""
    if n <= EXACT_MAX_N:
        sizes = _ball_sizes(n)
        return np.array([math.log(sizes[int(k)]) - n * math.log(2.0) for k in d.ravel()]).reshape(d.shape)
    top = int(d.max()) if d.size else 0
    i = np.arange(top + 1, dtype=float)
    log_terms = special.gammaln(n + 1.0) - special.gammaln(i + 1.0) - special.gammaln(n - i + 1.0) - n * math.log(2.0)
    running = np.minimum(0.0, np.logaddexp.accumulate(log_terms))  # ln p <= 0
    return np.asarray(running[d])


def ball_size(n: int, d: int) -> int:
    r"""Exact number of points of {0,1}^n within Hamming distance ``d`` of a point.

    .. math:: |O_n(d)| = \sum_{i=0}^{d} \binom{n}{i}

    Parameters
    ----------
    n : int
        Address dimension, ``n >= 1``.
    d : int
        Radius, ``0 <= d <= n``.

    Returns
    -------
    int
        The exact count.
    """
    n = V.integer("n", n, 1, EXACT_LIMIT_N)
    d = V.integer("d", d, 0, n)
    return _ball_size_exact(n, d)


@overload
def ball_fraction(n: int, d: int) -> float: ...
@overload
def ball_fraction(n: int, d: ArrayLike) -> float | NDArray[np.float64]: ...
def ball_fraction(n: int, d: ArrayLike) -> float | NDArray[np.float64]:
    r"""Fraction of the Boolean cube inside one Hamming ball, p(d) (Kanerva 1988).

    .. math:: p(d) = 2^{-n} \sum_{i=0}^{d} \binom{n}{i}

    the binomial CDF at ``d`` with ``n`` trials and success probability ½. The expected number of
    hard locations (neurons) inside one ball is ``r · p(d)``.

    Parameters
    ----------
    n : int
        Address dimension, ``n >= 1``.
    d : int or array_like of int
        Radius (or radii), each in ``[0, n]``.

    Returns
    -------
    float or ndarray
        p(d), correctly rounded from the exact rational value (for n <= EXACT_MAX_N; beyond,
        from log-gamma terms to ~1e-11 relative, in bounded memory).
    """
    n = V.integer("n", n, 1, FLOAT_LIMIT_N)
    d_arr = V.integer_array("d", d, 0, n)
    if n <= EXACT_MAX_N:
        sizes = _ball_sizes(n)
        denom = 1 << n
        out = np.array([sizes[int(k)] / denom for k in d_arr.ravel()], dtype=float)
    else:
        out = np.minimum(1.0, np.exp(_log_ball_fractions(n, d_arr.ravel())))
    if np.ndim(d) == 0:
        return float(out[0])
    return out.reshape(d_arr.shape)


def radius_for_fraction(n: int, p: float) -> int:
    """Smallest radius ``d`` whose ball holds at least a fraction ``p`` of the cube.

    The inverse of :func:`ball_fraction`: ``min{d : p(d) >= p}``, with p(d) the correctly
    rounded float of the exact rational (no overflow for large ``n``), so
    ``radius_for_fraction(n, ball_fraction(n, d)) == d``.

    Parameters
    ----------
    n : int
        Address dimension, ``n >= 1``.
    p : float
        Target fraction, ``0 < p <= 1``.

    Returns
    -------
    int
        The radius, in ``[0, n]``.
    """
    n = V.integer("n", n, 1, FLOAT_LIMIT_N)
    p = V.real("p", p, 0.0, 1.0, low_open=True)
    if n > EXACT_MAX_N:  # one pass over the log cumulative sums instead of a search of O(n) passes
        logs = _log_ball_fractions(n, np.arange(n + 1))
        return min(n, int(np.searchsorted(logs, math.log(p) - 1e-12, side="left")))
    # Binary search over the monotone exact cumulative sizes.
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if ball_fraction(n, mid) >= p:
            hi = mid
        else:
            lo = mid + 1
    return lo


# ----------------------------------------------------------------------------------------------
# Circle (hypersphere) intersections
# ----------------------------------------------------------------------------------------------


def _lune_terms(n: int, d: int, wanted: Iterable[int]) -> dict[int, int]:
    """Cumulative lune sizes L(dv) for the ``wanted`` distances (Kanerva 1988, appendix B).

    L(dv) = Σ_{j odd, 1 <= j <= dv} T_h, T_h = C(2h, h) · C(n-2h-1, d-h) with j = 2h + 1
    (terms with d - h < 0 vanish). Successive terms follow the exact integer recurrence
    T_{h+1} = T_h · [2(2h+1)/(h+1)] · [K(N-K) / (N(N-1))], N = n-2h-1, K = d-h, so the sum
    costs O(max dv) big-integer products instead of fresh binomials; only the wanted sums are
    kept (memory: a few n-bit integers, whatever n).
    """
    keep = set(int(k) for k in wanted)
    top = max(keep, default=0)
    lune = {0: 0} if 0 in keep else {}
    total = 0
    term = math.comb(n - 1, d) if n >= 1 else 0  # T_0 = C(0, 0) C(n-1, d)
    for dv in range(1, top + 1):
        if dv % 2 == 1:
            h = (dv - 1) // 2
            if d - h < 0 or term == 0:
                term = 0
            total += term
            big_n, big_k = n - 2 * h - 1, d - h
            if big_k > 0 and big_n - big_k > 0 and big_n > 1:
                term = (term * 2 * (2 * h + 1) * big_k * (big_n - big_k)) // (
                    (h + 1) * big_n * (big_n - 1))
            else:
                term = 0
        if dv in keep:
            lune[dv] = total
    return lune


@overload
def circle_intersection(n: int, d: int, dv: int) -> int: ...
@overload
def circle_intersection(n: int, d: int, dv: ArrayLike) -> int | NDArray[np.object_]: ...
def circle_intersection(n: int, d: int, dv: ArrayLike) -> int | NDArray[np.object_]:
    r"""Exact number of points in two Hamming balls of radius ``d`` whose centres are ``dv`` apart.

    Kanerva's lune form (SDM book, appendix B):

    .. math::
        |O_n(x, d) \cap O_n(y, d)| = \sum_{i=0}^{d}\binom{n}{i}
        - \sum_{\substack{j \text{ odd} \\ 1 \le j \le d_v}}
          \binom{j-1}{(j-1)/2}\binom{n-j}{d-(j-1)/2}

    It equals brute-force enumeration, is a staircase (``|∩|(2k-1) = |∩|(2k)``), is the ball size
    at ``dv = 0`` and zero for ``dv > 2d``.

    Parameters
    ----------
    n : int
        Address dimension, ``n >= 1``.
    d : int
        Radius, ``0 <= d <= n``.
    dv : int or array_like of int
        Distance(s) between the centres, each in ``[0, n]``.

    Returns
    -------
    int or ndarray of object
        Exact Python integers (an object array for array input: the counts exceed int64 for
        ``n >= 64``). Use :func:`expected_intersection` for floats.
    """
    n = V.integer("n", n, 1, EXACT_LIMIT_N)
    d = V.integer("d", d, 0, n)
    dv_arr = V.integer_array("dv", dv, 0, n)
    area = _ball_size_exact(n, d)
    lune = _lune_terms(n, d, dv_arr.ravel().tolist())
    counts = [area - lune[int(k)] for k in dv_arr.ravel()]
    if np.ndim(dv) == 0:
        return counts[0]
    out = np.empty(len(counts), dtype=object)
    out[:] = counts
    return out.reshape(dv_arr.shape)


#: Largest neuron count (as a power of two) accepted where counts are computed exactly: exact
#: rationals of this size stay cheap; whether the expected count fits a float is checked on the
#: result itself (r = 2^n is the usual "infinite neurons" limit for any n <= EXACT_LIMIT_N).
MAX_NEURON_BITS_EXACT = 65_536


def _positive_neuron_count(r: float | int | None, bounded: bool = True) -> Fraction | None:
    """``r`` (the number of neurons, ``> 0``) as an exact Fraction; ``None`` stays ``None``.

    ``bounded``: refuse counts above 2^MAX_NEURON_BITS, whose expected counts overflow a float
    (functions that work in log space pass False).
    """
    if r is None:
        return None
    if isinstance(r, bool):
        raise ConfigTypeError("r", f"(number of neurons) must be a positive number, got {r!r}")
    if isinstance(r, int | np.integer):
        if r <= 0:
            raise ConfigError("r", f"(number of neurons) must be > 0, got {r!r}")
        if bounded and int(r).bit_length() > MAX_NEURON_BITS_EXACT:
            raise ConfigError("r", f"(number of neurons) must be below 2^{MAX_NEURON_BITS_EXACT}, got more than "
                                   f"2^{int(r).bit_length() - 1}")
        return Fraction(int(r))
    try:
        value = V.real("r", r, 0.0, None, low_open=True)
    except (ConfigError, ConfigTypeError) as err:
        raise type(err)("r", f"(number of neurons) {err.problem}") from None
    return Fraction(value)


def _scale_counts(
    counts: Iterable[int], denominator: int, r: Fraction | None, shape: tuple[int, ...], scalar: bool
) -> float | NDArray[np.float64]:
    """Return r · count / denominator as correctly rounded floats.

    Python's int / int true division is correctly rounded for integers of any size, so the
    exact rational r·c/2^n is rounded once, with no overflow of 2^n and no underflow of r/2^n.
    """
    num, den = (1, 1) if r is None else (r.numerator, r.denominator)
    den *= denominator
    try:
        out = np.array([(num * c) / den for c in counts], dtype=float)
    except OverflowError:
        raise ConfigError("r", "(number of neurons) makes the expected count exceed the float range "
                               "(about 1.8e308)") from None
    if scalar:
        return float(out[0])
    return out.reshape(shape)


def expected_intersection(
    n: int, d: int, dv: ArrayLike, r: float | int | None = None
) -> float | NDArray[np.float64]:
    r"""Expected number of neurons inside both balls: the SDM pattern weight.

    .. math:: w(d_v) = \frac{r}{2^n}\,|O_n(x, d) \cap O_n(y, d)|

    (Bricken & Pehlevan 2021, eq. 4; Kanerva 1988). Computed as an exact rational and rounded
    once, so ``n = 10,000`` neither overflows (``2**n``) nor underflows (``r / 2**n``).

    Parameters
    ----------
    n, d, dv
        As in :func:`circle_intersection`.
    r : float or int, optional
        Number of neurons (``> 0``). ``None`` returns the fraction of the cube (``r = 1``).

    Returns
    -------
    float or ndarray
        Expected neuron counts.
    """
    rr = _positive_neuron_count(r)
    counts = circle_intersection(n, d, dv)
    n = int(n)
    if np.ndim(dv) == 0:
        return _scale_counts([int(counts)], 1 << n, rr, (), True)
    arr = np.asarray(counts)
    return _scale_counts(arr.ravel().tolist(), 1 << n, rr, arr.shape, False)


def jaeckel_active(k: int, r: float | int) -> float:
    r"""Expected number of active selected-coordinate neurons for any input (Jaeckel 1989).

    A neuron checks ``k`` selected coordinates against its own target bits and fires when all
    ``k`` match, so P(active) = 2^{-k} and the expected count is ``r · 2^{-k}``.
    """
    k = V.integer("k", k, 0, EXACT_LIMIT_N)
    rr = _positive_neuron_count(r)
    if rr is None:
        raise ConfigTypeError("r", "(number of neurons) must be a positive number, got None")
    return float(_scale_counts([1], 1 << k, rr, (), True))


def jaeckel_intersection(
    n: int, k: int, dv: ArrayLike, r: float | int | None = None
) -> float | NDArray[np.float64]:
    r"""Expected number of selected-coordinate neurons active for two inputs ``dv`` apart.

    Granule-cell-like neurons with ``k`` inputs (Jaeckel 1989): both inputs activate a neuron when
    none of its ``k`` selected coordinates is among the ``dv`` that differ and all ``k`` match,

    .. math:: E = r \, 2^{-k}\, \binom{n-d_v}{k} \Big/ \binom{n}{k}.

    Parameters
    ----------
    n : int
        Input dimension, ``n >= 1``.
    k : int
        Selected coordinates per neuron, ``1 <= k <= n``.
    dv : int or array_like of int
        Distance(s) between the two inputs, in ``[0, n]``.
    r : float or int, optional
        Number of neurons (``> 0``); ``None`` gives the probability (``r = 1``).

    Returns
    -------
    float or ndarray
        Expected counts.
    """
    n = V.integer("n", n, 1, EXACT_LIMIT_N)
    k = V.integer("k", k, 1, n)
    dv_arr = V.integer_array("dv", dv, 0, n)
    rr = _positive_neuron_count(r)
    denominator = math.comb(n, k) << k
    counts = [math.comb(n - int(v), k) for v in dv_arr.ravel()]
    return _scale_counts(counts, denominator, rr, dv_arr.shape, np.ndim(dv) == 0)


#: Largest n of :func:`soft_intersection` (an (n + 1)² table per distance: 2 ms at n = 512).
SOFT_MAX_N = 2048


def soft_intersection(
    n: int, fire_probability: ArrayLike, dv: ArrayLike, r: float | int | None = None
) -> float | NDArray[np.float64]:
    r"""Expected number of neurons active for two inputs ``dv`` apart when the ball is blurred.

    A neuron whose hard location is ``j`` bits from an input fires with probability ``f(j)``,
    independently for the two inputs (e.g. spiking neurons at threshold, pushed over or not by
    background input). A location ``z`` that agrees with ``x`` on ``a`` of the ``d_v`` coordinates
    where ``x`` and ``y`` differ, and differs from both on ``b`` of the other ``n − d_v``, is
    ``d_v − a + b`` from ``x`` and ``a + b`` from ``y``, so

    .. math:: E = \frac{r}{2^n} \sum_{a=0}^{d_v}\sum_{b=0}^{n-d_v}
              \binom{d_v}{a}\binom{n-d_v}{b}\, f(d_v-a+b)\, f(a+b).

    With ``f`` the indicator of ``j <= d`` this is :func:`expected_intersection` (Kanerva 1988's
    intersection of two Hamming balls); a measured ``f`` gives the overlap the blurred ball implies.

    Parameters
    ----------
    n : int
        Address length, ``1 <= n <= SOFT_MAX_N``.
    fire_probability : array_like of float, shape (n + 1,)
        ``f(j)`` for ``j = 0 … n``, each in ``[0, 1]``.
    dv : int or array_like of int
        Distance(s) between the two inputs, in ``[0, n]``.
    r : float or int, optional
        Number of neurons (``> 0``); ``None`` gives the fraction (``r = 1``).

    Returns
    -------
    float or ndarray
        Expected counts (float arithmetic in log space; relative error ~1e-12).
    """
    n = V.integer("n", n, 1, SOFT_MAX_N)
    f = V.finite_array("fire_probability", fire_probability, 1)
    if f.shape != (n + 1,):
        raise ConfigError("fire_probability", f"must have n + 1 = {n + 1} entries, got {f.shape[0]}")
    if np.any(f < 0) or np.any(f > 1):
        raise ConfigError("fire_probability", "must lie in [0, 1]")
    dv_arr = V.integer_array("dv", dv, 0, n)
    rr = _positive_neuron_count(r)
    scale = 1.0 if rr is None else float(rr)
    log_comb = special.gammaln(np.arange(n + 1) + 1.0)  # log k!, k = 0 … n

    def one(v: int) -> float:
        a = np.arange(v + 1)[:, None]
        b = np.arange(n - v + 1)[None, :]
        log_count = (log_comb[v] - log_comb[a] - log_comb[v - a]
                     + log_comb[n - v] - log_comb[b] - log_comb[n - v - b] - n * math.log(2.0))
        return float(np.sum(np.exp(log_count) * f[v - a + b] * f[a + b])) * scale

    out = np.array([one(int(v)) for v in dv_arr.ravel()]).reshape(dv_arr.shape)
    return float(out) if np.ndim(dv) == 0 else out
