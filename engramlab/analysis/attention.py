r"""Softmax attention and distances between weight vectors.

Transformer attention (Vaswani et al. 2017) with an inverse temperature β:

.. math:: y_t = \sum_\mu \mathrm{softmax}_\mu(\beta\, k_\mu \cdot q_t)\, v_\mu

With L2-normalised keys and queries (Query-Key-Norm) and β fitted to the circle intersection,
this is the SDM read (Bricken & Pehlevan, NeurIPS 2021); the SDM side of that correspondence,
:func:`~engramlab.analysis.sdm.sdm_attention_weights` and
:func:`~engramlab.analysis.sdm.sdm_softmax_weights`, lives in :mod:`engramlab.analysis.sdm`
(which imports this module, never the other way round).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from engramlab import validate as V
from engramlab.errors import ConfigError
from engramlab.resources import check_memory

__all__ = [
    "attention",
    "causal_mask",
    "kl_divergence",
    "l2_normalize",
    "max_abs_difference",
    "softmax",
]


def softmax(
    x: ArrayLike, beta: float = 1.0, axis: int = -1, mask: ArrayLike | None = None
) -> NDArray[np.float64]:
    r"""Numerically stable softmax, softmax(βx)_i = exp(βx_i) / Σ_j exp(βx_j).

    Parameters
    ----------
    x : array_like
        Scores.
    beta : float
        Inverse temperature (``>= 0``).
    axis : int
        Axis to normalise over.
    mask : array_like of bool, optional
        Entries that may receive weight (broadcast against ``x``); masked-out entries get 0.
        A slice with every entry masked out gets all zeros.

    Returns
    -------
    ndarray
        Weights summing to one along ``axis`` (or zero where fully masked).
    """
    beta = V.real("beta", beta, 0.0)
    xa = V.float_array("x", x)
    if np.any(np.isnan(xa)):
        raise ConfigError("x", "must not contain NaN")
    if xa.size == 0:
        return np.zeros_like(xa)
    if xa.ndim == 0:
        raise ConfigError("x", "must be an array of scores (at least one dimension)")
    axis = V.integer("axis", axis, -xa.ndim, xa.ndim - 1)
    with np.errstate(over="ignore"):  # scores that overflow become ±inf, handled below
        z = beta * xa if beta > 0 else np.zeros_like(xa)  # β = 0: uniform, even over infinite scores
    if mask is not None:
        try:
            m = np.broadcast_to(np.asarray(mask, dtype=bool), z.shape)
        except ValueError:
            raise ConfigError("mask", f"must broadcast to the scores' shape {z.shape}, got {np.shape(mask)}") from None
        z = np.where(m, z, -np.inf)
    # +inf scores take all the weight, shared equally (the limit of softmax as they grow)
    top = np.isposinf(z)
    any_top = np.any(top, axis=axis, keepdims=True)
    z = np.where(any_top, np.where(top, 0.0, -np.inf), z)
    zmax = np.max(z, axis=axis, keepdims=True)
    zmax = np.where(np.isfinite(zmax), zmax, 0.0)
    e = np.exp(z - zmax)
    total = e.sum(axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(total > 0, e / np.where(total > 0, total, 1.0), 0.0)
    return np.asarray(out)


def l2_normalize(x: ArrayLike, axis: int = -1) -> NDArray[np.float64]:
    """Scale vectors to unit L2 norm along ``axis`` (zero vectors raise :class:`~engramlab.errors.ConfigError`)."""
    arr = V.finite_array("x", x, (1, 2, 3), V.MAX_MAGNITUDE)
    axis = V.integer("axis", axis, -arr.ndim, arr.ndim - 1)
    # scale by the largest entry first, so huge vectors do not overflow the sum of squares
    scale = np.max(np.abs(arr), axis=axis, keepdims=True) if arr.size else np.ones_like(arr)
    if np.any(scale == 0):
        raise ConfigError("x", "holds a zero vector, which cannot be L2-normalised")
    unit = arr / scale
    return np.asarray(unit / np.linalg.norm(unit, axis=axis, keepdims=True))


def causal_mask(t: int, s: int | None = None, include_current: bool = True) -> NDArray[np.bool_]:
    """Boolean mask ``M[i, j]`` = query ``i`` may attend to key ``j``.

    Keys are indexed by the step they were written; query ``i`` sees keys ``j <= i``
    (``include_current``) or ``j < i`` (strictly past).

    Parameters
    ----------
    t : int
        Number of queries (``>= 1``).
    s : int, optional
        Number of keys (default ``t``).
    include_current : bool
        Whether step ``i`` sees the key written at step ``i``.
    """
    t = V.integer("t", t, 1)
    s = t if s is None else V.integer("s", s, 1)
    check_memory(float(t) * s, "t", "the mask (t × s booleans)")
    i = np.arange(t)[:, None]
    j = np.arange(s)[None, :]
    return np.asarray(j <= i if include_current else j < i)


def attention(
    queries: ArrayLike,
    keys: ArrayLike,
    values: ArrayLike,
    beta: float = 1.0,
    causal: bool = False,
    include_current: bool = True,
    normalize: bool = False,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Softmax attention y_t = Σ_μ softmax_μ(β k_μ·q_t) v_μ.

    Parameters
    ----------
    queries : array_like, shape (t, k) or (k,)
    keys : array_like, shape (s, k)
    values : array_like, shape (s, v)
    beta : float
        Inverse temperature.
    causal : bool
        Query ``i`` attends only to keys ``j <= i`` (``j < i`` if not ``include_current``).
        A query with no visible key outputs zeros and zero weights.
    include_current : bool
        See ``causal``.
    normalize : bool
        L2-normalise keys and queries first (the SDM correspondence needs this).

    Returns
    -------
    outputs : ndarray, shape (t, v) (or (v,))
    weights : ndarray, shape (t, s) (or (s,))
    """
    q = V.finite_array("queries", queries, (1, 2), V.MAX_MAGNITUDE)
    k = V.finite_array("keys", keys, 2, V.MAX_MAGNITUDE)
    v = V.finite_array("values", values, 2, V.MAX_MAGNITUDE)
    if k.shape[0] != v.shape[0]:
        raise ConfigError("values", f"must have the same number of rows as keys ({k.shape[0]}), got {v.shape[0]}")
    if q.shape[-1] != k.shape[1]:
        raise ConfigError("queries", f"must have the key dimension {k.shape[1]}, got query dimension {q.shape[-1]}")
    q2 = np.atleast_2d(q)
    if normalize:
        q2, k = l2_normalize(q2), l2_normalize(k)
    mask = causal_mask(q2.shape[0], k.shape[0], include_current) if causal else None
    w = softmax(q2 @ k.T, beta, axis=-1, mask=mask)
    y = w @ v
    if q.ndim == 1:
        return y[0], w[0]
    return y, w


def _weight_pair(p: ArrayLike, q: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    pa = V.finite_array("p", p, (1, 2), V.MAX_MAGNITUDE)
    qa = V.finite_array("q", q, (1, 2), V.MAX_MAGNITUDE)
    if pa.shape != qa.shape:
        raise ConfigError("q", f"must have the same shape as p {pa.shape}, got {qa.shape}")
    return pa, qa


def max_abs_difference(p: ArrayLike, q: ArrayLike) -> float:
    """Largest absolute difference between two weight vectors, max_i |p_i − q_i|."""
    pa, qa = _weight_pair(p, q)
    return float(np.max(np.abs(pa - qa))) if pa.size else 0.0


def kl_divergence(p: ArrayLike, q: ArrayLike) -> float:
    r"""Kullback–Leibler divergence KL(p ‖ q) = Σ_i p_i log(p_i / q_i) in nats.

    Both are normalised to sum to one first; terms with p_i = 0 contribute 0; ``inf`` when
    q_i = 0 < p_i. For 2-D input the rows are distributions and the mean KL is returned.
    """
    pa, qa = _weight_pair(p, q)
    if pa.size == 0:
        raise ConfigError("p", "must hold at least one weight")
    for key, arr in (("p", pa), ("q", qa)):
        if np.any(arr < 0):
            raise ConfigError(key, "must be non-negative")
    p2, q2 = np.atleast_2d(pa), np.atleast_2d(qa)
    ps, qs = p2.sum(1, keepdims=True), q2.sum(1, keepdims=True)
    for key, sums in (("p", ps), ("q", qs)):
        if np.any(sums == 0):
            raise ConfigError(key, "must have a positive sum (every row, for 2-D input)")
    p2, q2 = p2 / ps, q2 / qs
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p2 > 0, p2 * (np.log(p2) - np.log(q2)), 0.0)
    return float(np.mean(terms.sum(1)))
