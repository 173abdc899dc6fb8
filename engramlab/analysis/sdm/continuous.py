r"""The continuous SDM: spherical caps on the unit sphere S^{n-1}.

Patterns, queries and neurons are unit vectors; a neuron lies in the cap of a centre when its
cosine with the centre is at least ``1 - 2d/n``, the cosine of Hamming distance ``d`` between
±1 vectors (Bricken & Pehlevan 2021, §"continuous").

References
----------
.. [1] T. Bricken and C. Pehlevan, "Attention approximates sparse distributed memory",
   NeurIPS 2021.
.. [2] S. Li, "Concise formulas for the area and volume of a hyperspherical cap", Asian J. Math.
   Stat. 4 (2011); Y. Lee and W. C. Kim, "Concise formulas for the surface area of the
   intersection of two hyperspherical caps", KAIST tech. report 2014.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import integrate, special

from engramlab import validate as V
from engramlab.analysis.sdm.geometry import _positive_neuron_count
from engramlab.errors import ConfigError

__all__ = ["cap_fraction", "cap_intersection"]


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
    n = V.integer("n", n, 3, 10**9)
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
    n = V.integer("n", n, 3, 10**9)
    d = V.real("d", d, 0.0, float(n))
    cos_arr = V.float_array("cos_v", cos_v)
    if not np.all(np.isfinite(cos_arr)) or np.any(np.abs(cos_arr) > 1.0 + 1e-12):
        raise ConfigError("cos_v", "must lie in [-1, 1]")
    cos_arr = np.clip(cos_arr, -1.0, 1.0)
    rr = _positive_neuron_count(r)
    try:
        scale = 1.0 if rr is None else float(rr)
    except OverflowError:
        raise ConfigError("r", "(number of neurons) exceeds the float range (about 1.8e308)") from None

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
        # Antipodal centres: both caps hold u >= c and -u >= c, i.e. c <= u <= -c (only when
        # c < 0): F(-c) - F(c) = 2 F(-c) - 1 by the symmetry of u, F the CDF of u = 2B - 1,
        # B ~ Beta(a_u, a_u)
        return max(0.0, 2.0 * float(special.betainc(a_u, a_u, (1.0 - c) / 2.0)) - 1.0) if c < 0 else 0.0

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
