r"""Kanerva's Sparse Distributed Memory: geometry, the attention approximation, and reference memories.

Everything here is plain NumPy/SciPy (no Brian2), so the spiking circuits can be held against it.

Notation follows Bricken & Pehlevan (2021) [1]_: ``n`` is the address dimension, ``d`` the Hamming
radius of a read/write ball, ``dv`` the Hamming distance between two ball centres (pattern and
query), ``r`` the number of hard locations (neurons) and ``m`` the number of stored patterns.

Counts of points in the Boolean cube are exact Python integers, so ``n = 10,000`` neither
overflows nor underflows; they are turned into expected neuron counts ``r·|·|/2^n`` with exact
rational arithmetic and a single, correctly rounded conversion to ``float`` at the end.

References
----------
.. [1] T. Bricken and C. Pehlevan, "Attention approximates sparse distributed memory",
   NeurIPS 2021.
.. [2] P. Kanerva, *Sparse Distributed Memory*, MIT Press 1988 (appendix B: the "lune" form).
.. [3] L. A. Jaeckel, "An alternative design for a sparse distributed memory", RIACS TR 89.28,
   NASA Ames 1989.
.. [4] S. Li, "Concise formulas for the area and volume of a hyperspherical cap", Asian J. Math.
   Stat. 4 (2011); Y. Lee and W. C. Kim, "Concise formulas for the surface area of the
   intersection of two hyperspherical caps", KAIST tech. report 2014.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import integrate, optimize, special, stats

from engramlab.analysis import _validate as V

__all__ = [
    "NeuronSDM",
    "ball_fraction",
    "ball_size",
    "beta_regression",
    "cap_fraction",
    "cap_intersection",
    "circle_intersection",
    "cosine_to_hamming",
    "expected_intersection",
    "fit_beta",
    "fit_beta_to_weights",
    "hamming_distances",
    "hamming_to_cosine",
    "jaeckel_active",
    "jaeckel_intersection",
    "log_ball_fraction",
    "log_memory_capacity",
    "memory_capacity",
    "optimal_radius",
    "pattern_read",
    "pattern_weights",
    "radius_for_fraction",
    "snr_optimal_fraction",
]

Estimator = Literal["ols", "published"]
Criterion = Literal["snr", "memory"]


# ----------------------------------------------------------------------------------------------
# Hamming balls
# ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _ball_sizes(n: int) -> tuple[int, ...]:
    """Cumulative exact ball sizes ``(|O_n(0)|, |O_n(1)|, ..., |O_n(n)|)``.

    Built with the recurrence C(n, i+1) = C(n, i)(n-i)/(i+1), O(n) big-integer operations.
    """
    sizes = []
    term = 1
    total = 0
    for i in range(n + 1):
        total += term
        sizes.append(total)
        term = term * (n - i) // (i + 1)
    return tuple(sizes)


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
    n = V.integer("n", n, 1)
    d = V.integer("d", d, 0, n)
    return _ball_sizes(n)[d]


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
        p(d), correctly rounded from the exact rational value.
    """
    n = V.integer("n", n, 1)
    d_arr = V.integer_array("d", d, 0, n)
    sizes = _ball_sizes(n)
    denom = 1 << n
    out = np.array([sizes[int(k)] / denom for k in d_arr.ravel()], dtype=float)
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
    n = V.integer("n", n, 1)
    p = V.real("p", p, 0.0, 1.0, low_open=True)
    sizes = _ball_sizes(n)
    denom = 1 << n
    # Binary search over the monotone exact cumulative sizes.
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if sizes[mid] / denom >= p:
            hi = mid
        else:
            lo = mid + 1
    return lo


# ----------------------------------------------------------------------------------------------
# Circle (hypersphere) intersections
# ----------------------------------------------------------------------------------------------


def _lune_terms(n: int, d: int, dv_max: int) -> list[int]:
    """Cumulative lune sizes L(dv) for dv = 0..dv_max (Kanerva 1988, appendix B).

    L(dv) = Σ_{j odd, 1 <= j <= dv} T_h, T_h = C(2h, h) · C(n-2h-1, d-h) with j = 2h + 1
    (terms with d - h < 0 vanish). Successive terms follow the exact integer recurrence
    T_{h+1} = T_h · [2(2h+1)/(h+1)] · [K(N-K) / (N(N-1))], N = n-2h-1, K = d-h, so the sum
    costs O(dv_max) big-integer products instead of O(dv_max) fresh binomials.
    """
    lune = [0] * (dv_max + 1)
    total = 0
    term = math.comb(n - 1, d) if n >= 1 else 0  # T_0 = C(0, 0) C(n-1, d)
    for dv in range(1, dv_max + 1):
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
    n = V.integer("n", n, 1)
    d = V.integer("d", d, 0, n)
    dv_arr = V.integer_array("dv", dv, 0, n)
    dv_max = int(dv_arr.max()) if dv_arr.size else 0
    area = _ball_sizes(n)[d]
    lune = _lune_terms(n, d, dv_max)
    counts = [area - lune[int(k)] for k in dv_arr.ravel()]
    if np.ndim(dv) == 0:
        return counts[0]
    out = np.empty(len(counts), dtype=object)
    out[:] = counts
    return out.reshape(dv_arr.shape)


def _positive_neuron_count(r: float | int | None) -> Fraction | None:
    if r is None:
        return None
    if isinstance(r, bool):
        raise ValueError(f"r (number of neurons) must be a positive number, got {r!r}")
    if isinstance(r, int | np.integer):
        if r <= 0:
            raise ValueError(f"r (number of neurons) must be > 0, got {r!r}")
        return Fraction(int(r))
    value = V.real("r (number of neurons)", r, 0.0, None, low_open=True)
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
    out = np.array([(num * c) / den for c in counts], dtype=float)
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
    k = V.integer("k", k, 0)
    rr = _positive_neuron_count(r)
    assert rr is not None
    return float(rr / (1 << k))


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
    n = V.integer("n", n, 1)
    k = V.integer("k", k, 1, n)
    dv_arr = V.integer_array("dv", dv, 0, n)
    rr = _positive_neuron_count(r)
    denominator = math.comb(n, k) << k
    counts = [math.comb(n - int(v), k) for v in dv_arr.ravel()]
    return _scale_counts(counts, denominator, rr, dv_arr.shape, np.ndim(dv) == 0)


# ----------------------------------------------------------------------------------------------
# Continuous SDM: spherical caps
# ----------------------------------------------------------------------------------------------


def _cap_threshold(n: int, d: float) -> float:
    return 1.0 - 2.0 * d / n


def cap_fraction(n: int, d: float) -> float:
    r"""Fraction of the unit sphere S^{n-1} inside a cap {x : cos(x, c) >= 1 - 2d/n}.

    With ``u`` the first coordinate of a uniform point on S^{n-1}, ``(u + 1)/2`` follows
    Beta((n-1)/2, (n-1)/2), so the cap fraction is that distribution's survival function at
    ``(c + 1)/2`` (equivalently Li 2011's ½ I_{1-c²}((n-1)/2, ½) for c >= 0).

    Parameters
    ----------
    n : int
        Dimension of the embedding space, ``n >= 3``.
    d : float
        Hamming-equivalent radius, ``0 <= d <= n`` (cosine threshold ``1 - 2d/n``).
    """
    n = V.integer("n", n, 3)
    d = V.real("d", d, 0.0, float(n))
    c = _cap_threshold(n, d)
    a = (n - 1) / 2.0
    return float(special.betaincc(a, a, (c + 1.0) / 2.0))


def cap_intersection(
    n: int, d: float, cos_v: ArrayLike, r: float | int | None = None
) -> float | NDArray[np.float64]:
    r"""Expected neurons in two spherical caps of threshold ``1 - 2d/n`` with centre cosine ``cos_v``.

    The continuous SDM (Bricken & Pehlevan 2021, §"continuous"): patterns, queries and ``r``
    neurons lie on the unit sphere S^{n-1}; a neuron is in a cap when its cosine with the centre
    is at least ``c = 1 - 2d/n``. Put both centres in the plane of the first two coordinates; for
    a uniform point the first coordinate ``u`` has density ∝ (1-u²)^{(n-3)/2} and, given ``u``,
    ``t = w/√(1-u²)`` (``w`` the second coordinate) has density ∝ (1-t²)^{(n-4)/2}. Hence

    .. math::
        P(\text{both}) = \int_{c}^{1} f_U(u)\,
        S_T\!\left(\frac{c - u\cos\varphi}{\sin\varphi\sqrt{1-u^2}}\right) du,

    the same one-dimensional integral as Lee & Kim's cap-intersection formula, with the
    inner integral a regularised incomplete beta function (``S_T``). The outer integral is taken
    on the probability scale of ``u`` inside the cap (``u = F^{-1}``, via the inverse survival
    function), which stays accurate for tiny caps in high dimension.

    Parameters
    ----------
    n : int
        Dimension, ``n >= 3``.
    d : float
        Hamming-equivalent radius, ``0 <= d <= n``.
    cos_v : float or array_like
        Cosine(s) between the cap centres, in ``[-1, 1]``.
    r : float or int, optional
        Number of neurons (``> 0``); ``None`` gives the fraction of the sphere.

    Returns
    -------
    float or ndarray
        Expected neuron counts (fractions when ``r`` is ``None``).
    """
    n = V.integer("n", n, 3)
    d = V.real("d", d, 0.0, float(n))
    cos_arr = np.asarray(cos_v, dtype=float)
    if not np.all(np.isfinite(cos_arr)) or np.any(np.abs(cos_arr) > 1.0 + 1e-12):
        raise ValueError("cos_v must lie in [-1, 1]")
    cos_arr = np.clip(cos_arr, -1.0, 1.0)
    rr = _positive_neuron_count(r)
    scale = 1.0 if rr is None else float(rr)

    c = _cap_threshold(n, d)
    a_u = (n - 1) / 2.0
    a_t = (n - 2) / 2.0
    cap = float(special.betaincc(a_u, a_u, (c + 1.0) / 2.0))
    out = np.empty(cos_arr.size, dtype=float)
    for i, cv in enumerate(cos_arr.ravel()):
        out[i] = scale * _cap_pair_probability(cv, c, cap, a_u, a_t)
    if cos_arr.ndim == 0:
        return float(out[0])
    return out.reshape(cos_arr.shape)


def _cap_pair_probability(cos_v: float, c: float, cap: float, a_u: float, a_t: float) -> float:
    if cap == 0.0:
        return 0.0
    sin_v = math.sqrt(max(0.0, 1.0 - cos_v * cos_v))
    if sin_v < 1e-12:
        if cos_v > 0:
            return cap
        # Antipodal centres: both caps hold u >= c and -u >= c, possible only when c < 0.
        return max(0.0, 1.0 - 2.0 * float(special.betainc(a_u, a_u, (-c + 1.0) / 2.0))) if c < 0 else 0.0

    # scipy.special's regularised incomplete beta ufuncs (not scipy.stats.beta, whose per-call
    # argument checking costs ~100x more inside the quadrature loop).
    def inner(s: float) -> float:
        # s in (0, 1): the fraction of the cap's probability mass beyond u.
        u = 2.0 * float(special.betainccinv(a_u, a_u, s * cap)) - 1.0
        rho = math.sqrt(max(0.0, 1.0 - u * u))
        if rho == 0.0:
            return 1.0 if u * cos_v >= c else 0.0
        t = (c - u * cos_v) / (sin_v * rho)
        if t <= -1.0:
            return 1.0
        if t >= 1.0:
            return 0.0
        return float(special.betaincc(a_t, a_t, (t + 1.0) / 2.0))

    value, _ = integrate.quad(inner, 0.0, 1.0, epsabs=1e-13, epsrel=1e-10, limit=200)
    return cap * min(1.0, max(0.0, value))


# ----------------------------------------------------------------------------------------------
# Cosine <-> Hamming and the softmax approximation
# ----------------------------------------------------------------------------------------------


def hamming_to_cosine(dv: ArrayLike, n: int) -> float | NDArray[np.float64]:
    r"""Cosine similarity of two {0,1}^n vectors read as ±1, from their Hamming distance.

    .. math:: \cos = 1 - 2 d_v / n
    """
    n = V.integer("n", n, 1)
    arr = np.asarray(dv, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr > n):
        raise ValueError(f"dv must lie in [0, n={n}]")
    out = 1.0 - 2.0 * arr / n
    return float(out) if out.ndim == 0 else out


def cosine_to_hamming(cos: ArrayLike, n: int) -> float | NDArray[np.float64]:
    r"""Hamming distance equivalent to a cosine similarity, ``d_v = n (1 - cos) / 2``.

    Not rounded: continuous cosines give fractional distances.
    """
    n = V.integer("n", n, 1)
    arr = np.asarray(cos, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(np.abs(arr) > 1.0 + 1e-12):
        raise ValueError("cos must lie in [-1, 1]")
    out = n * (1.0 - np.clip(arr, -1.0, 1.0)) / 2.0
    return float(out) if out.ndim == 0 else out


def beta_regression(
    cosines: ArrayLike, values: ArrayLike, estimator: Estimator = "ols"
) -> tuple[float, float]:
    r"""Fit ``values ≈ exp(β cos + b)`` by linear regression of ``log(values)`` on ``cos``.

    Zero values are dropped (they have no logarithm). Two slope estimators:

    * ``"ols"`` (default): ordinary least squares, cov(x, y) / var(x) with the same ``ddof``.
    * ``"published"``: cov(x, y; ddof=1) / var(x; ddof=0), the estimator behind the published
      figures of Bricken & Pehlevan (2021), i.e. the OLS slope times N/(N-1).

    Parameters
    ----------
    cosines : array_like
        Regressor (cosine similarities), 1-D.
    values : array_like
        Non-negative responses (intersection sizes or weights), same shape.
    estimator : {"ols", "published"}
        Slope estimator.

    Returns
    -------
    beta, intercept : float
        Slope and intercept of the log-linear fit (the intercept is ``mean(y) - β mean(x)``).
    """
    x = V.finite_array("cosines", cosines, 1)
    y_raw = V.finite_array("values", values, 1)
    if x.shape != y_raw.shape:
        raise ValueError(f"cosines and values must have the same shape, got {x.shape} and "
                         f"{y_raw.shape}")
    if np.any(y_raw < 0):
        raise ValueError("values must be >= 0")
    keep = y_raw > 0
    x, y = x[keep], np.log(y_raw[keep])
    if x.size < 2 or np.ptp(x) == 0:
        raise ValueError("beta_regression needs at least two distinct cosines with values > 0")
    xc = x - x.mean()
    cov = float(np.sum(xc * (y - y.mean())))
    var = float(np.sum(xc * xc))
    if estimator == "ols":
        beta = cov / var
    elif estimator == "published":
        beta = (cov / (x.size - 1)) / (var / x.size)
    else:
        raise ValueError(f"estimator must be 'ols' or 'published', got {estimator!r}")
    return beta, float(y.mean() - beta * x.mean())


def fit_beta(
    n: int,
    d: int,
    r: float | int | None = None,
    estimator: Estimator = "ols",
    dv_max: int | None = None,
) -> float:
    r"""The softmax β that approximates the SDM circle intersection (Bricken & Pehlevan 2021, §3).

    Over the distances that matter the intersection decays ~exponentially,
    |∩|(d_v) ≈ c₁ exp(-c₂ d_v); with d_v = n(1 - cos)/2 this is ∝ exp(β cos), β = c₂ n/2. β is
    the slope of log|∩| regressed on cos over ``d_v = 0 … dv_max`` (default ``d - 1``), see
    :func:`beta_regression`. ``r`` only shifts the intercept; it is accepted so callers can pass
    their network size and is validated.

    Calibration: n = 64, d = 11 gives β ≈ 15.85 with ``estimator="published"`` and ≈ 14.41
    with the default ``"ols"``.

    Parameters
    ----------
    n : int
        Address dimension.
    d : int
        Radius, ``1 <= d <= n``.
    r : float or int, optional
        Number of neurons (``> 0``).
    estimator : {"ols", "published"}
        Slope estimator (default OLS).
    dv_max : int, optional
        Largest distance in the fit, ``1 <= dv_max <= min(n, 2d)``.

    Returns
    -------
    float
        β.
    """
    n = V.integer("n", n, 1)
    d = V.integer("d", d, 1, n)
    if dv_max is None:
        dv_max = max(d - 1, 1)
    dv_max = V.integer("dv_max", dv_max, 1, min(n, 2 * d))
    _positive_neuron_count(r)
    dv = np.arange(dv_max + 1)
    counts = expected_intersection(n, d, dv, None)
    beta, _ = beta_regression(np.asarray(hamming_to_cosine(dv, n)), counts, estimator)
    return beta


def fit_beta_to_weights(
    cosines: ArrayLike,
    weights: ArrayLike,
    loss: Literal["l2", "kl"] = "l2",
    beta_max: float = 1e3,
) -> float:
    r"""Fit β so that softmax(β cos) matches normalised weights directly (scipy.optimize).

    Minimises Σ (softmax(β cos)_i - w_i)² (``loss="l2"``) or KL(w ‖ softmax(β cos))
    (``loss="kl"``) over β in [0, ``beta_max``], with ``w`` normalised to sum to one. Unlike
    :func:`beta_regression` this fits the normalised read itself, as Bricken & Pehlevan do with
    gradient descent; a bounded scalar minimiser is enough for one parameter.

    Parameters
    ----------
    cosines : array_like
        Cosine of each item with the query, 1-D.
    weights : array_like
        Non-negative weights of the same items (need not be normalised).
    loss : {"l2", "kl"}
        Objective.
    beta_max : float
        Upper bound of the search.

    Returns
    -------
    float
        The fitted β.
    """
    from engramlab.analysis.attention import kl_divergence, softmax

    x = V.finite_array("cosines", cosines, 1)
    w = V.finite_array("weights", weights, 1)
    if x.shape != w.shape:
        raise ValueError(f"cosines and weights must have the same shape, got {x.shape}, {w.shape}")
    if np.any(w < 0) or w.sum() <= 0:
        raise ValueError("weights must be >= 0 with a positive sum")
    beta_max = V.real("beta_max", beta_max, 0.0, None, low_open=True)
    w = w / w.sum()
    if loss == "l2":
        def objective(beta: float) -> float:
            return float(np.sum((softmax(beta * x) - w) ** 2))
    elif loss == "kl":
        def objective(beta: float) -> float:
            return kl_divergence(w, softmax(beta * x))
    else:
        raise ValueError(f"loss must be 'l2' or 'kl', got {loss!r}")
    res = optimize.minimize_scalar(objective, bounds=(0.0, beta_max), method="bounded",
                                   options={"xatol": 1e-8})
    return float(res.x)


# ----------------------------------------------------------------------------------------------
# Optimal radii
# ----------------------------------------------------------------------------------------------


def _log_neuron_count(r: float | int) -> float:
    rr = _positive_neuron_count(r)
    assert rr is not None
    # math.log is exact-argument for Python ints of any size (2**10000 does not overflow).
    return math.log(rr.numerator) - math.log(rr.denominator)


def log_ball_fraction(n: int, d: ArrayLike) -> float | NDArray[np.float64]:
    """Natural log of :func:`ball_fraction`, finite for any ``n`` (no underflow)."""
    n = V.integer("n", n, 1)
    d_arr = V.integer_array("d", d, 0, n)
    sizes = _ball_sizes(n)
    out = np.array([math.log(sizes[int(k)]) - n * math.log(2.0) for k in d_arr.ravel()])
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
    p_whole = V.real("p_whole", p_whole, 0.0, 1.0, low_open=True)
    if p_whole >= 1.0:
        raise ValueError("p_whole must lie in (0, 1)")
    lp = np.asarray(log_p, dtype=float)
    if np.any(lp > 1e-12):
        raise ValueError("log_p must be <= 0 (p <= 1)")
    z = float(stats.norm.ppf(p_whole ** (1.0 / n)))
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
    p_arr = np.asarray(p, dtype=float)
    if not np.all(np.isfinite(p_arr)) or np.any(p_arr < 0) or np.any(p_arr > 1):
        raise ValueError("p must lie in [0, 1]")
    with np.errstate(divide="ignore"):
        log_p = np.log(p_arr)
    return np.exp(log_memory_capacity(log_p, r, n, p_whole))


def optimal_radius(
    n: int, m: int, r: float | int, criterion: Criterion = "snr", p_whole: float = 0.99
) -> int:
    """The optimal SDM radius ``d`` for a criterion (Bricken & Pehlevan 2021, appendix).

    * ``"snr"``: smallest ``d`` with p(d) >= (2 m r)^{-1/3} (noise-free queries). n = 64,
      m = 1024, r = 2^64 gives d = 11.
    * ``"memory"``: the ``d`` maximising :func:`memory_capacity` over the achievable p(d)
      (``m`` does not enter: the criterion asks how many patterns can be stored at all).
      n = 64, r = 2^64 gives d = 5.

    Parameters
    ----------
    n : int
        Address dimension.
    m : int
        Number of stored patterns, ``m >= 1``.
    r : float or int
        Number of neurons (``> 0``); ``2**n`` is the "infinite neurons" limit.
    criterion : {"snr", "memory"}
        Which optimum.
    p_whole : float
        For ``"memory"``: probability of reading a whole pattern correctly (default 0.99).

    Returns
    -------
    int
        The radius.
    """
    n = V.integer("n", n, 1)
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
    raise ValueError(f"criterion must be 'snr' or 'memory', got {criterion!r}")


# ----------------------------------------------------------------------------------------------
# Reference memories
# ----------------------------------------------------------------------------------------------


def hamming_distances(a: ArrayLike, b: ArrayLike) -> NDArray[np.int64]:
    """Pairwise Hamming distances between rows of two binary matrices.

    Parameters
    ----------
    a : array_like, shape (p, n) or (n,)
    b : array_like, shape (q, n) or (n,)

    Returns
    -------
    ndarray of int64, shape (p, q) (dimensions of 1-D inputs dropped)
    """
    aa = V.binary_matrix("a", a, (1, 2))
    bb = V.binary_matrix("b", b, (1, 2))
    if aa.shape[-1] != bb.shape[-1]:
        raise ValueError(f"a and b must have the same vector length, got {aa.shape[-1]} and "
                         f"{bb.shape[-1]}")
    a2 = np.atleast_2d(aa).astype(np.float64)
    b2 = np.atleast_2d(bb).astype(np.float64)
    # |a xor b| = |a| + |b| - 2 a·b; exact in float64 for n < 2**53.
    dist = a2.sum(1)[:, None] + b2.sum(1)[None, :] - 2.0 * (a2 @ b2.T)
    out = np.rint(dist).astype(np.int64)
    if aa.ndim == 1 and bb.ndim == 1:
        return out[0, 0]
    if aa.ndim == 1:
        return out[0]
    if bb.ndim == 1:
        return out[:, 0]
    return out


def pattern_weights(
    keys: ArrayLike, query: ArrayLike, d: int, r: float | int | None = None
) -> NDArray[np.float64]:
    r"""SDM pattern-view weights w_μ = (r/2^n)|O(p_a^μ, d) ∩ O(ξ, d)| (Bricken & Pehlevan eq. 4).

    Parameters
    ----------
    keys : array_like, shape (m, n)
        Stored addresses p_a (binary).
    query : array_like, shape (n,)
        Query ξ (binary).
    d : int
        Radius.
    r : float or int, optional
        Number of neurons; ``None`` for fractions of the cube.

    Returns
    -------
    ndarray, shape (m,)
        Unnormalised weights.
    """
    k = V.binary_matrix("keys", keys, 2)
    q = V.binary_matrix("query", query, 1)
    if q.shape[0] != k.shape[1]:
        raise ValueError(f"query length {q.shape[0]} differs from the key length {k.shape[1]}")
    n = k.shape[1]
    dv = hamming_distances(k, q)
    table = np.asarray(expected_intersection(n, d, np.arange(n + 1), r))
    return table[dv]


def pattern_read(
    keys: ArrayLike, values: ArrayLike, query: ArrayLike, d: int, r: float | int | None = None
) -> NDArray[np.bool_]:
    r"""The pattern-view SDM read: ξ_new = g(Σ_μ w_μ p_p^μ / Σ_μ w_μ), g(e) = [e > ½].

    With no pattern within ``2d`` of the query every weight is zero: nothing is read and, as in
    the neuron view (an empty sum), every bit is 0.

    Parameters
    ----------
    keys : array_like, shape (m, n)
        Stored addresses.
    values : array_like, shape (m, v)
        Stored pointers (binary).
    query : array_like, shape (n,)
    d : int
        Radius.
    r : float or int, optional
        Number of neurons (does not change the normalised read).

    Returns
    -------
    ndarray of bool, shape (v,)
    """
    vals = V.binary_matrix("values", values, 2)
    k = np.asarray(keys)
    if vals.shape[0] != np.shape(k)[0]:
        raise ValueError(f"values has {vals.shape[0]} rows but keys has {np.shape(k)[0]}")
    w = pattern_weights(keys, query, d, r)
    total = w.sum()
    if total == 0:
        return np.zeros(vals.shape[1], dtype=bool)
    return np.asarray((w @ vals.astype(float)) / total > 0.5)


@dataclass
class NeuronSDM:
    r"""Kanerva's neuron-based SDM with explicit hard locations and bipolar counters.

    Each of the ``r`` hard locations has a binary address ``x_a`` and a counter per value bit.
    A location is active for an input when its Hamming distance to the input, counted over its
    *selected* coordinates, is at most ``radius`` (Kanerva 1988: all ``n`` coordinates; Jaeckel
    1989: ``k`` selected coordinates and radius 0), or, with ``top_k``, when it is among the
    ``top_k`` nearest (ties broken by lower index). Writing adds ``2v - 1`` (bipolar) to the
    counters of the active locations; reading sums them and thresholds at zero, which is the
    majority rule g(e) = [e > ½] on the normalised sum (a tie reads 0).

    Use :meth:`random` or :meth:`jaeckel` to draw hard locations from a seed, or pass the
    addresses of a spiking circuit to compare on identical hard locations.

    Parameters
    ----------
    addresses : ndarray of bool, shape (r, n)
        Hard-location addresses.
    value_dim : int
        Length of the stored values (``n`` for auto-association).
    radius : int, optional
        Activation radius (exclusive with ``top_k``).
    top_k : int, optional
        Activate the ``top_k`` nearest locations instead of a radius.
    selected : ndarray of bool, shape (r, n), optional
        Coordinates each location checks (default: all).
    """

    addresses: NDArray[np.bool_]
    value_dim: int
    radius: int | None = None
    top_k: int | None = None
    selected: NDArray[np.bool_] | None = None
    counters: NDArray[np.int64] = field(init=False, repr=False)
    writes: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.addresses = V.binary_matrix("addresses", self.addresses, 2)
        r, n = self.addresses.shape
        if r < 1 or n < 1:
            raise ValueError(f"addresses must have shape (r >= 1, n >= 1), got {self.addresses.shape}")
        self.value_dim = V.integer("value_dim", self.value_dim, 1)
        if (self.radius is None) == (self.top_k is None):
            raise ValueError("give exactly one of radius (0 <= radius <= n) or top_k (1 <= top_k <= r)")
        if self.radius is not None:
            self.radius = V.integer("radius", self.radius, 0, n)
        if self.top_k is not None:
            self.top_k = V.integer("top_k", self.top_k, 1, r)
        if self.selected is not None:
            self.selected = V.binary_matrix("selected", self.selected, 2)
            if self.selected.shape != self.addresses.shape:
                raise ValueError(f"selected must have the shape of addresses {self.addresses.shape}, "
                                 f"got {self.selected.shape}")
        self.counters = np.zeros((r, self.value_dim), dtype=np.int64)

    # construction --------------------------------------------------------------------------
    @classmethod
    def random(
        cls,
        n: int,
        r: int,
        value_dim: int | None = None,
        radius: int | None = None,
        top_k: int | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> NeuronSDM:
        """Kanerva SDM with ``r`` uniformly random addresses in {0,1}^n."""
        n = V.integer("n", n, 1)
        r = V.integer("r", r, 1)
        rng = V.rng_from(seed)
        addresses = rng.integers(0, 2, size=(r, n)).astype(bool)
        return cls(addresses, n if value_dim is None else value_dim, radius=radius, top_k=top_k)

    @classmethod
    def jaeckel(
        cls,
        n: int,
        r: int,
        k: int,
        value_dim: int | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> NeuronSDM:
        """Jaeckel's selected-coordinate SDM: each location checks ``k`` random coordinates."""
        n = V.integer("n", n, 1)
        r = V.integer("r", r, 1)
        k = V.integer("k", k, 1, n)
        rng = V.rng_from(seed)
        addresses = rng.integers(0, 2, size=(r, n)).astype(bool)
        order = np.argsort(rng.random((r, n)), axis=1)[:, :k]
        selected = np.zeros((r, n), dtype=bool)
        np.put_along_axis(selected, order, True, axis=1)
        return cls(addresses, n if value_dim is None else value_dim, radius=0, selected=selected)

    # geometry ------------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Address dimension."""
        return int(self.addresses.shape[1])

    @property
    def r(self) -> int:
        """Number of hard locations."""
        return int(self.addresses.shape[0])

    def distances(self, x: ArrayLike) -> NDArray[np.int64]:
        """Hamming distance (over selected coordinates) from each location to ``x``.

        ``x`` of shape (n,) gives shape (r,); (b, n) gives (b, r).
        """
        xx = V.binary_matrix("x", x, (1, 2))
        if xx.shape[-1] != self.n:
            raise ValueError(f"input length {xx.shape[-1]} differs from the address length {self.n}")
        x2 = np.atleast_2d(xx)
        if self.selected is None:
            dist = hamming_distances(x2, self.addresses)
        else:
            sel = self.selected.astype(np.float64)
            mism_if_one = (sel * ~self.addresses).T  # location wants 0 where x is 1
            mism_if_zero = (sel * self.addresses).T  # location wants 1 where x is 0
            xf = x2.astype(np.float64)
            dist = np.rint(xf @ mism_if_one + (1.0 - xf) @ mism_if_zero).astype(np.int64)
        return dist[0] if xx.ndim == 1 else dist

    def active(self, x: ArrayLike) -> NDArray[np.bool_]:
        """Boolean activation of the hard locations for input(s) ``x``."""
        dist = self.distances(x)
        if self.radius is not None:
            return np.asarray(dist <= self.radius)
        assert self.top_k is not None
        d2 = np.atleast_2d(dist)
        order = np.argsort(d2, axis=1, kind="stable")[:, : self.top_k]
        act = np.zeros_like(d2, dtype=bool)
        np.put_along_axis(act, order, True, axis=1)
        return act[0] if np.ndim(dist) == 1 else act

    # memory --------------------------------------------------------------------------------
    def write_active(self, active: ArrayLike, value: ArrayLike) -> None:
        """Add the bipolar value ``2v - 1`` to the counters of the given active locations."""
        act = V.binary_matrix("active", active, 1)
        if act.shape[0] != self.r:
            raise ValueError(f"active must have length r={self.r}, got {act.shape[0]}")
        v = self._value(value)
        self.counters[act] += 2 * v.astype(np.int64) - 1
        self.writes += 1

    def write(self, address: ArrayLike, value: ArrayLike) -> NDArray[np.bool_]:
        """Write ``value`` at ``address``; returns the activation used."""
        act = self.active(address)
        if act.ndim != 1:
            raise ValueError("write takes one address of shape (n,); loop for several")
        self.write_active(act, value)
        return act

    def read_sum_active(self, active: ArrayLike) -> NDArray[np.int64]:
        """Sum of the counters of the given active locations (one entry per value bit)."""
        act = V.binary_matrix("active", active, (1, 2))
        if act.shape[-1] != self.r:
            raise ValueError(f"active must have length r={self.r}, got {act.shape[-1]}")
        return np.asarray(act.astype(np.int64) @ self.counters)

    def read_sum(self, query: ArrayLike) -> NDArray[np.int64]:
        """Counter sums for query (or queries)."""
        return self.read_sum_active(self.active(query))

    def read(self, query: ArrayLike) -> NDArray[np.bool_]:
        """Majority read: bit = [sum of bipolar counters > 0] (a tie reads 0)."""
        return np.asarray(self.read_sum(query) > 0)

    def iterate(self, query: ArrayLike, max_steps: int = 20) -> tuple[NDArray[np.bool_], int, bool]:
        """Read repeatedly, feeding each output back as the next query (auto-association).

        Returns
        -------
        state : ndarray of bool
            The final read.
        steps : int
            Reads performed.
        converged : bool
            True when the last read reproduced its query (a fixed point).
        """
        if self.value_dim != self.n:
            raise ValueError("iterate needs an auto-associative memory (value_dim == n)")
        max_steps = V.integer("max_steps", max_steps, 1)
        state = V.binary_matrix("query", query, 1)
        for step in range(1, max_steps + 1):
            new = self.read(state)
            if np.array_equal(new, state):
                return new, step, True
            state = new
        return state, max_steps, False

    def _value(self, value: ArrayLike) -> NDArray[np.bool_]:
        v = V.binary_matrix("value", value, 1)
        if v.shape[0] != self.value_dim:
            raise ValueError(f"value must have length value_dim={self.value_dim}, got {v.shape[0]}")
        return v
