"""The numbers behind ``engramlab theory``: SDM geometry vs attention, Hopfield capacity.

Pure NumPy/SciPy; the figures live in :mod:`engramlab.analysis.figures.theory`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engramlab import validate as V
from engramlab.analysis import attention, hopfield, sdm
from engramlab.errors import ConfigError
from engramlab.resources import check_memory

__all__ = ["SDMAttentionComparison", "hopfield_capacity", "sdm_attention_comparison", "sdm_theory"]


@dataclass(frozen=True)
class SDMAttentionComparison:
    """Normalised SDM read weights vs their softmax approximation over distances ``dv``.

    Attributes
    ----------
    n, d : int
        Dimension and radius.
    dv : ndarray of int
        Query–pattern distances 0 … 2d (where the intersection is non-zero).
    cosine : ndarray
        1 − 2 dv / n.
    binary : ndarray
        Circle-intersection weights normalised over ``dv``.
    softmax : ndarray
        softmax(β cos) over the same ``dv`` with the fitted β.
    continuous : ndarray
        Spherical-cap intersection (continuous SDM) normalised over ``dv``.
    beta : float
        The β used for ``softmax``.
    """

    n: int
    d: int
    dv: NDArray[np.int64]
    cosine: NDArray[np.float64]
    binary: NDArray[np.float64]
    softmax: NDArray[np.float64]
    continuous: NDArray[np.float64]
    beta: float


def _normalise(w: NDArray[np.float64]) -> NDArray[np.float64]:
    total = float(np.sum(w))
    return w / total if total > 0 else w


def sdm_attention_comparison(n: int, d: int, beta: float | None = None) -> SDMAttentionComparison:
    """Normalised circle-intersection, softmax and spherical-cap weights for dv = 0 … min(2d, n).

    ``beta`` defaults to :func:`sdm.fit_beta` with the OLS estimator.
    """
    n = V.integer("n", n, 3)
    d = V.integer("d", d, 1, n)
    if beta is None:
        beta = sdm.fit_beta(n, d)
    dv = np.arange(min(2 * d, n) + 1)
    cos = np.asarray(sdm.hamming_to_cosine(dv, n))
    binary = _normalise(np.asarray(sdm.expected_intersection(n, d, dv)))
    cont = _normalise(np.asarray(sdm.cap_intersection(n, d, cos)))
    return SDMAttentionComparison(n, d, dv, cos, binary, attention.softmax(cos, beta), cont,
                                  float(beta))


def sdm_theory(n: int, d: int, r: float | int | None = None, m: int = 1024) -> dict[str, Any]:
    """Key numbers of the SDM ↔ attention correspondence for ``theory sdm``.

    Parameters
    ----------
    n, d : int
        Dimension and radius.
    r : float or int, optional
        Neurons (default ``2**n``, the "infinite neurons" limit of Bricken & Pehlevan).
    m : int
        Patterns stored, for the optimal radii.

    Returns
    -------
    dict
        ``n, d, r, m, ball_fraction, expected_active, beta_ols, beta_published, beta_weights,
        softmax_weight_error (max |Δ| of normalised weights for dv <= d), d_snr, d_memory,
        d_critical_distance`` (None above ``CRITICAL_MAX_N``).
    """
    n = V.integer("n", n, 3, sdm.EXACT_LIMIT_N)  # exact intersections: n <= 20,000
    d = V.integer("d", d, 1, n)
    m = V.integer("m", m, 1)
    r_val: float | int = (1 << n) if r is None else r
    p = sdm.ball_fraction(n, d)
    comp = sdm_attention_comparison(n, d)
    try:
        beta_weights = sdm.fit_beta_to_weights(comp.cosine, comp.binary)
    except ConfigError:  # no β fits these weights (e.g. d so small that one distance holds them all)
        beta_weights = float("nan")
    near = comp.dv <= d
    err = attention.max_abs_difference(comp.binary[near], comp.softmax[near])
    expected_active = float(sdm.expected_intersection(n, d, 0, r_val))
    return {
        "n": n,
        "d": d,
        "r": r_val,
        "m": m,
        "ball_fraction": p,
        "expected_active": expected_active,
        "beta_ols": sdm.fit_beta(n, d, r_val, "ols"),
        "beta_published": sdm.fit_beta(n, d, r_val, "published"),
        "beta_weights": beta_weights,
        "softmax_weight_error": err,
        "d_snr": sdm.optimal_radius(n, m, r_val, "snr"),
        "d_memory": sdm.optimal_radius(n, m, r_val, "memory"),
        "d_critical_distance": (sdm.optimal_radius(n, m, r_val, "critical_distance")
                                if n <= sdm.CRITICAL_MAX_N else None),
    }


CLASSIC_LOADS = tuple(np.round(np.concatenate([np.arange(0.02, 0.08, 0.02),
                                               np.arange(0.08, 0.2401, 0.01),
                                               np.arange(0.26, 0.3001, 0.02)]), 3))
MODERN_LOADS = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0)


def hopfield_capacity(
    n: int = 200, trials: int = 5, cue_flip: float = 0.05, seed: int = 0,
    classic_loads: tuple[float, ...] = CLASSIC_LOADS, modern_loads: tuple[float, ...] = MODERN_LOADS,
) -> tuple[hopfield.CapacityCurve, hopfield.CapacityCurve, dict[str, Any]]:
    """Classic vs modern capacity curves and the summary numbers of ``theory hopfield``.

    ``classic_capacity`` is the load at which the classic mean final overlap first drops below
    0.9 (≈ 0.138 for N → ∞; finite N lands a little higher, e.g. ≈ 0.15–0.17 at N = 200).
    """
    n = V.integer("n", n, 2)
    classic_alphas = V.finite_array("classic_loads", classic_loads, 1, V.MAX_MAGNITUDE)
    modern_alphas = V.finite_array("modern_loads", modern_loads, 1, V.MAX_MAGNITUDE)
    # the modern network holds max(load)·N patterns of N values, the classic one a few N×N matrices
    biggest = max([3.0, *(2.0 * modern_alphas)])
    check_memory(8.0 * n * n * biggest, "n", f"the capacity experiment at N = {n}")
    seed = V.integer("seed", seed, 0)
    classic = hopfield.capacity_curve(n, classic_alphas, "classic", trials, cue_flip, seed=seed)
    modern = hopfield.capacity_curve(n, modern_alphas, "modern", trials, cue_flip, seed=seed + 1)
    summary = {
        "n": n,
        "trials": trials,
        "cue_flip": cue_flip,
        "seed": seed,
        "classic_capacity": hopfield.first_load_below(classic, 0.9),
        "classic_loads": classic.loads,
        "classic_mean_overlap": classic.mean_overlap,
        "modern_beta": modern.beta,
        "modern_loads": modern.loads,
        "modern_mean_overlap_by_load": modern.mean_overlap,
        "modern_load_tested": float(modern.loads.max()),
        "modern_mean_overlap": float(modern.mean_overlap[np.argmax(modern.loads)]),
    }
    return classic, modern, summary
