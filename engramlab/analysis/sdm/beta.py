r"""Cosine ↔ Hamming, the softmax β that approximates the SDM read, and the SDM read as attention.

Over the distances that matter the circle intersection decays about exponentially in the
Hamming distance, so the normalised SDM read weights are close to softmax(β cos) of the
cosines between query and patterns read as ±1 vectors (Bricken & Pehlevan 2021, §3).

References
----------
.. [1] T. Bricken and C. Pehlevan, "Attention approximates sparse distributed memory",
   NeurIPS 2021.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize

from engramlab import validate as V
from engramlab.analysis.attention import softmax
from engramlab.analysis.sdm.geometry import EXACT_LIMIT_N, _positive_neuron_count, circle_intersection
from engramlab.analysis.sdm.memories import hamming_distances, pattern_weights
from engramlab.errors import ConfigError

__all__ = [
    "beta_regression",
    "cosine_to_hamming",
    "fit_beta",
    "fit_beta_to_weights",
    "hamming_to_cosine",
    "sdm_attention_weights",
    "sdm_softmax_weights",
]

Estimator = Literal["ols", "published"]


# ----------------------------------------------------------------------------------------------
# Cosine <-> Hamming and the softmax approximation
# ----------------------------------------------------------------------------------------------


def hamming_to_cosine(dv: ArrayLike, n: int) -> float | NDArray[np.float64]:
    r"""Cosine similarity of two {0,1}^n vectors read as ±1, from their Hamming distance.

    .. math:: \cos = 1 - 2 d_v / n
    """
    n = V.integer("n", n, 1)
    arr = V.float_array("dv", dv)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr > n):
        raise ConfigError("dv", f"must lie in [0, n={n}]")
    out = 1.0 - 2.0 * arr / n
    return float(out) if out.ndim == 0 else out


def cosine_to_hamming(cos: ArrayLike, n: int) -> float | NDArray[np.float64]:
    r"""Hamming distance equivalent to a cosine similarity, ``d_v = n (1 - cos) / 2``.

    Not rounded: continuous cosines give fractional distances.
    """
    n = V.integer("n", n, 1)
    arr = V.float_array("cos", cos)
    if not np.all(np.isfinite(arr)) or np.any(np.abs(arr) > 1.0 + 1e-12):
        raise ConfigError("cos", "must lie in [-1, 1]")
    out = n * (1.0 - np.clip(arr, -1.0, 1.0)) / 2.0
    return float(out) if out.ndim == 0 else out


def _cosines(cosines: ArrayLike) -> NDArray[np.float64]:
    x = V.finite_array("cosines", cosines, 1)
    if x.size and np.max(np.abs(x)) > 1.0 + 1e-9:
        raise ConfigError("cosines", f"must lie in [-1, 1], got values up to {np.max(np.abs(x)):g}")
    return np.clip(x, -1.0, 1.0)


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
    x = _cosines(cosines)
    y_raw = V.finite_array("values", values, 1)
    if x.shape != y_raw.shape:
        raise ConfigError("values", f"must have the same shape as cosines {x.shape}, got {y_raw.shape}")
    if np.any(y_raw < 0):
        raise ConfigError("values", "must be >= 0")
    keep = y_raw > 0
    return _log_linear_fit(x[keep], np.log(y_raw[keep]), estimator)


def _log_linear_fit(x: NDArray[np.float64], y: NDArray[np.float64], estimator: Estimator
                    ) -> tuple[float, float]:
    """Slope and intercept of ``y`` (logs of the responses) regressed on ``x``."""
    if x.size < 2 or np.ptp(x) == 0:
        raise ConfigError("cosines", "must hold at least two distinct values where values > 0 "
                          "(beta_regression needs two points for a slope)")
    xc = x - x.mean()
    cov = float(np.sum(xc * (y - y.mean())))
    var = float(np.sum(xc * xc))
    if estimator == "ols":
        beta = cov / var
    elif estimator == "published":
        beta = (cov / (x.size - 1)) / (var / x.size)
    else:
        raise ConfigError("estimator", f"must be 'ols' or 'published', got {estimator!r}")
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
    n = V.integer("n", n, 1, EXACT_LIMIT_N)
    d = V.integer("d", d, 1, n)
    if dv_max is None:
        dv_max = max(d - 1, 1)
    dv_max = V.integer("dv_max", dv_max, 1, min(n, 2 * d))
    _positive_neuron_count(r)
    dv = np.arange(dv_max + 1)
    # logs of the exact integer counts (math.log takes integers of any size: no overflow or
    # underflow however large n is)
    counts = np.asarray(circle_intersection(n, d, dv), dtype=object)
    keep = np.array([int(c) > 0 for c in counts])
    logs = np.array([math.log(int(c)) for c in counts[keep]])
    beta, _ = _log_linear_fit(np.asarray(hamming_to_cosine(dv[keep], n), dtype=float), logs, estimator)
    return beta


def fit_beta_to_weights(
    cosines: ArrayLike,
    weights: ArrayLike,
    loss: Literal["l2", "kl"] = "l2",
    beta_max: float = 1e4,
) -> float:
    r"""Fit β so that softmax(β cos) matches normalised weights directly.

    ``loss="kl"`` minimises KL(w ‖ softmax(β cos)), which is convex in β: its minimum is the
    root of the moment condition E_{softmax(β cos)}[cos] = E_w[cos] (the left side increases
    with β, its derivative being the variance of cos under the softmax), found by bracketing
    and Brent's method. ``loss="l2"`` minimises Σ (softmax(β cos)_i − w_i)², which need not be
    convex: it is searched in log β around the KL solution (a factor 100 either way), where it
    has its minimum for data that are close to a softmax, and the result is checked to lie
    inside that bracket. With ``w`` an exact softmax both return its β (to ~1e-9 relative).

    Parameters
    ----------
    cosines : array_like
        Cosine of each item with the query, 1-D, at least two distinct values.
    weights : array_like
        Non-negative weights of the same items (need not be normalised).
    loss : {"l2", "kl"}
        Objective.
    beta_max : float
        Largest β considered.

    Returns
    -------
    float
        The fitted β.

    Raises
    ------
    ConfigError
        When no β in [0, ``beta_max``] fits: the weights favour a negative β, put (nearly) all
        their mass on the largest cosine (β beyond ``beta_max``), or the l2 optimum lies outside
        the searched bracket.
    """
    x = _cosines(cosines)
    w = V.finite_array("weights", weights, 1)
    if x.shape != w.shape:
        raise ConfigError("weights", f"must have the same shape as cosines {x.shape}, got {w.shape}")
    if np.any(w < 0) or w.sum() <= 0:
        raise ConfigError("weights", "must be >= 0 with a positive sum")
    if x.size < 2 or np.ptp(x) == 0:
        raise ConfigError("cosines", "must hold at least two distinct values to fit β")
    beta_max = V.real("beta_max", beta_max, 0.0, None, low_open=True)
    if loss not in ("l2", "kl"):
        raise ConfigError("loss", f"must be 'l2' or 'kl', got {loss!r}")
    w = w / w.sum()
    if not np.any(w[x < np.max(x)] > 0):
        raise ConfigError("weights", "put all their mass on the largest cosine: β is unbounded (no finite fit)")
    # moments about the largest cosine: at large β both means sit within ~e^{-βΔ} of it, which
    # only the centred sums resolve (the raw means agree to every bit of a float64)
    xc = x - float(np.max(x))
    target = float(w @ xc)
    top = int(np.argmax(w))

    def moment_gap(beta: float) -> float:
        return float(softmax(beta * x) @ xc) - target

    if moment_gap(0.0) >= 0.0:
        if moment_gap(0.0) <= 1e-12 * float(np.ptp(x)):  # uniform weights
            beta_kl = 0.0
        else:
            raise ConfigError("weights", "favour smaller cosines (the best β would be negative)")
    else:
        hi = 1.0
        while moment_gap(hi) < 0.0:
            if hi >= beta_max:
                raise ConfigError("weights", f"put nearly all their mass on the largest cosine: β exceeds "
                                             f"beta_max = {beta_max:g}")
            hi = min(2.0 * hi, beta_max)
        beta_kl = float(optimize.brentq(moment_gap, 0.0, hi, xtol=1e-14, rtol=1e-13, maxiter=500))
    if loss == "kl" or beta_kl == 0.0:
        return beta_kl

    def l2(log_beta: float) -> float:
        diff = softmax(math.exp(log_beta) * x) - w
        # the largest weight's difference from the others' (Σ diff = 0): no cancellation near 1
        diff[top] = -(float(np.sum(diff)) - float(diff[top]))
        return float(np.sum(diff * diff))

    lo, hi_log = math.log(beta_kl) - math.log(100.0), min(math.log(beta_kl) + math.log(100.0), math.log(beta_max))
    res = optimize.minimize_scalar(l2, bounds=(lo, hi_log), method="bounded", options={"xatol": 1e-12})
    if not lo + 1e-6 < res.x < hi_log - 1e-6 and l2(res.x) < l2(math.log(beta_kl)) - 1e-15:
        raise ConfigError("weights", "are too far from any softmax for an l2 fit: its optimum lies beyond "
                                     "100× the KL solution")
    # on a flat l2 valley the KL solution is as good; keep whichever fits better
    return float(math.exp(res.x)) if l2(res.x) < l2(math.log(beta_kl)) else beta_kl


# ----------------------------------------------------------------------------------------------
# The SDM read written as attention
# ----------------------------------------------------------------------------------------------


def sdm_attention_weights(
    keys: ArrayLike, query: ArrayLike, d: int, r: float | int | None = None
) -> NDArray[np.float64]:
    r"""Normalised SDM read weights w_μ / Σ w, w_μ = (r/2^n)|O(p_a^μ,d) ∩ O(ξ,d)|.

    The attention weights an SDM with radius ``d`` puts on stored patterns (binary keys).
    All zeros when no pattern lies within ``2d`` of the query.
    """
    w = pattern_weights(keys, query, d, r)
    total = w.sum()
    return w / total if total > 0 else w


def sdm_softmax_weights(keys: ArrayLike, query: ArrayLike, beta: float) -> NDArray[np.float64]:
    r"""softmax(β p̂_a · ξ̂) for binary keys and query read as ±1 vectors (cos = 1 − 2 d_v/n).

    The attention approximation of :func:`sdm_attention_weights`, β from :func:`fit_beta`.
    """
    k = V.binary_matrix("keys", keys, 2)
    q = V.binary_matrix("query", query, 1)
    if q.shape[0] != k.shape[1]:
        raise ConfigError("query", f"length {q.shape[0]} differs from the key length {k.shape[1]}")
    cos = np.asarray(hamming_to_cosine(hamming_distances(k, q), k.shape[1]))
    return softmax(cos, beta)
