r"""How close the memory-neuron pool's spikes come to softmax attention, measured out of sample.

In the prediction half of step σ, memory μ (an ensemble of pool neurons written together, whose
spikes are summed) holds the write it received last, :math:`\kappa(\mu,\sigma)`; its key is
:math:`k_\kappa`, the presynaptic traces its plasticity stored (:func:`eligibility_at`,
recomputed from the recorded grid and context spikes), and the query is :math:`x_\sigma`, the
grid and context rates of the step. Attention predicts the share of memory spikes

.. math:: a_\mu(\sigma) = \frac{\exp(\beta\,h_\mu)}{\sum_\nu \exp(\beta\,h_\nu)}, \qquad
          h_\mu = \cos(x_\sigma, k_{\kappa(\mu,\sigma)}),

over the memories written so far. β is not a parameter of the circuit: it is *fitted* to the
spike counts of half of the steps (maximum likelihood of the multinomial
:math:`n_\mu \sim a_\mu`), and the softmax error is measured on the other half.

Spike *shares* (counts over their step's total) are normalised by the analysis, so they cannot
show whether the circuit normalises. A downstream cell reads counts, so
:func:`output_scale_errors` reads them through one gain :math:`N_0` (the mean total of the fit
steps) and measures how far :math:`n_\mu/N_0` lies from :math:`a_\mu` and :math:`\sum_\mu n_\mu/N_0` from 1.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax

from engramlab.analysis.spikes import step_counts
from engramlab.errors import ConfigError

__all__ = [
    "calibration_curve",
    "calibration_error",
    "eligibility_at",
    "fit_beta_multinomial",
    "half_step_counts",
    "held_memory_attention",
    "held_out_softmax",
    "key_weight_cosine",
    "multinomial_floor",
    "output_scale_errors",
    "stored_writes",
]


def half_step_counts(t: NDArray[np.float64], i: NDArray[np.int64], step: float, slots: int, n: int,
                     second_half: bool, skip: float = 0.0) -> NDArray[np.float64]:
    """Spike counts per step and neuron in the first (prediction) or second (encoding) half of each step.

    The first ``skip`` seconds of the half are left out.
    """
    if not 0.0 <= skip < step / 2:
        raise ConfigError("skip", f"must lie in [0, step/2 = {step / 2:g} s), got {skip!r}")
    start = (step / 2 if second_half else 0.0) + skip
    # the second half runs to the step's end (step - start, free of the round-off of step/2 - skip)
    width = step - start if second_half else step / 2 - skip
    return step_counts(t, i, step, slots, n, start=start, width=width).astype(np.float64)


def stored_writes(writer: NDArray[np.int64], memories: int) -> NDArray[np.int64]:
    """(slots, memories): the step whose write memory μ holds during the prediction half of each step (−1: none).

    A write made in step k is complete at the start of step k + 1.
    """
    slots = writer.size
    out = np.full((slots, memories), -1, dtype=np.int64)
    current = np.full(memories, -1, dtype=np.int64)
    for k in range(slots):
        out[k] = current
        if writer[k] >= 0:
            current[writer[k]] = k
    return out


def eligibility_at(t: NDArray[np.float64], i: NDArray[np.int64], n: int, times: NDArray[np.float64], tau: float,
                   horizon: float = 10.0) -> NDArray[np.float64]:
    r"""Presynaptic traces :math:`e_j(T)=\sum_{t_s<T} e^{-(T-t_s)/\tau}` of ``n`` cells at each of ``times``.

    Recomputed from recorded spikes (independently of the simulator), these are the keys the
    plasticity rule should have written: shape (len(times), n). Spikes older than
    ``horizon`` τ are left out (their share is below e^{-horizon}).
    """
    out = np.zeros((times.size, n))
    order = np.argsort(t, kind="stable")
    t, i = t[order], i[order]
    lo = np.searchsorted(t, times - horizon * tau, side="left")
    # a spike at T itself (to within float round-off of T) has not reached the trace yet
    hi = np.searchsorted(t, times - 1e-9, side="left")
    for k in range(times.size):
        seg = slice(lo[k], hi[k])
        np.add.at(out[k], i[seg], np.exp(-(times[k] - t[seg]) / tau))
    return out


def _cosines(queries: NDArray[np.float64], keys: NDArray[np.float64], stored: NDArray[np.int64]
             ) -> NDArray[np.float64]:
    """cos(query of step σ, key of write κ(μ, σ)); NaN where a memory holds nothing."""
    qn = queries / np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-300)
    kn = keys / np.maximum(np.linalg.norm(keys, axis=1, keepdims=True), 1e-300)
    sims = qn @ kn.T
    rows = np.arange(stored.shape[0])[:, None]
    return np.where(stored >= 0, sims[rows, np.maximum(stored, 0)], np.nan)


def fit_beta_multinomial(h: NDArray[np.float64], counts: NDArray[np.float64], high: float = 500.0) -> float:
    """β maximising Σ_σ Σ_μ n_μ log softmax(β h)_μ over the rows (NaN entries of ``h``: no memory)."""
    mask = np.isfinite(h)

    def nll(beta: float) -> float:
        logp = log_softmax(np.where(mask, beta * np.where(mask, h, 0.0), -np.inf), axis=1)
        used = mask & (counts > 0)
        return -float(np.sum(counts[used] * logp[used]))

    res = minimize_scalar(nll, bounds=(0.0, high), method="bounded", options={"xatol": 1e-3})
    return float(res.x)


def held_out_softmax(inputs: NDArray[np.float64], keys: NDArray[np.float64], writer: NDArray[np.int64],
                     memory_counts: NDArray[np.float64], predicted: NDArray[np.bool_], memories: int,
                     min_spikes: int = 1
                     ) -> tuple[float, NDArray[np.float64], NDArray[np.float64], NDArray[np.int64],
                                NDArray[np.int64]]:
    """Fit β on the even prediction steps, compare spike shares with softmax(β h) on the odd ones.

    Parameters
    ----------
    inputs : (slots, d) input rates of every step (the step's query).
    keys : (slots, d) the key each step's write stored (e.g. :func:`eligibility_at` at its end).
    writer : (slots,) memory (ensemble) written at each step (−1: none).
    memory_counts : (slots, memories) spikes of each memory's neurons in each prediction half.
    predicted : (slots,) which steps make a prediction.

    Returns
    -------
    beta, spike_shares (held-out steps, memories), softmax_shares (same), held-out step indices,
    fit step indices. Steps with fewer than ``min_spikes`` memory spikes are left out of both halves.
    """
    stored = stored_writes(writer, memories)
    h = _cosines(inputs, keys, stored)
    usable = predicted & np.isfinite(h).any(1) & (memory_counts.sum(1) >= min_spikes)
    steps = np.flatnonzero(usable)
    fit, test = steps[0::2], steps[1::2]
    if fit.size == 0 or test.size == 0:
        return float("nan"), np.zeros((0, memories)), np.zeros((0, memories)), test, fit
    beta = fit_beta_multinomial(h[fit], memory_counts[fit])
    mask = np.isfinite(h[test])
    theory = softmax(np.where(mask, beta * np.where(mask, h[test], 0.0), -np.inf), axis=1)
    totals = memory_counts[test].sum(1, keepdims=True)
    return beta, memory_counts[test] / totals, theory, test, fit


def output_scale_errors(memory_counts: NDArray[np.float64], softmax_shares: NDArray[np.float64],
                        test: NDArray[np.int64], fit: NDArray[np.int64]) -> tuple[float, float, float]:
    r"""The softmax error of spike *counts* read through one gain: what normalisation leaves to the circuit.

    The gain :math:`N_0` is the mean total spike count of the fit steps of :func:`held_out_softmax`
    (the steps β was fitted on). On the held-out steps the counts are read as :math:`\hat a_\mu = n_\mu / N_0`;
    a circuit that normalises keeps :math:`\sum_\mu n_\mu` near :math:`N_0` whatever the load
    (Poisson totals alone stray by :math:`\approx\sqrt{2/(\pi N_0)}`).

    Parameters
    ----------
    memory_counts : (slots, memories) spikes of each memory in each prediction half.
    softmax_shares : (len(test), memories) softmax(β h) on the held-out steps.
    test, fit : held-out and fit step indices (from :func:`held_out_softmax`).

    Returns
    -------
    gain N_0, mean per-step max :math:`|\hat a_\mu - a_\mu|`, mean :math:`|\sum_\mu \hat a_\mu - 1|`.
    """
    if softmax_shares.shape != (test.size, memory_counts.shape[1]):
        raise ConfigError("softmax_shares", f"must have shape (held-out steps, memories) = "
                                            f"{(test.size, memory_counts.shape[1])}, got {softmax_shares.shape}")
    if test.size == 0 or fit.size == 0:
        return float("nan"), float("nan"), float("nan")
    gain = float(memory_counts[fit].sum(1).mean())
    if gain <= 0:  # fit steps without a spike (held_out_softmax never picks such steps)
        return gain, float("nan"), float("nan")
    read = memory_counts[test] / gain
    return (gain, float(np.mean(np.max(np.abs(read - softmax_shares), axis=1))),
            float(np.mean(np.abs(read.sum(1) - 1.0))))


def held_memory_attention(inputs: NDArray[np.float64], keys: NDArray[np.float64], values: NDArray[np.float64],
                          writer: NDArray[np.int64], memories: int, beta: float) -> NDArray[np.float64]:
    r"""Softmax attention in NumPy over exactly the memories the pool holds, with the keys it wrote.

    The equation the pool is compared with, on the same keys and values:
    :math:`o_\sigma = \sum_\mu a_\mu(\sigma)\,v_{\kappa(\mu,\sigma)}` with :math:`a_\mu` the softmax of
    :math:`\beta\cos(x_\sigma, k_{\kappa(\mu,\sigma)})` over the memories held at step σ (written
    before it, not yet recycled). It separates what the keys' spike noise costs (this against
    attention on noise-free keys) from what the spiking competition costs (the pool against this).

    Parameters
    ----------
    inputs : (slots, d) the query (input rates) of every step.
    keys : (slots, d) the key each step's write stored.
    values : (slots, d_v) the value each step's write stored (e.g. the observation's LEC code).
    writer : (slots,) memory written at each step (−1: none).
    memories : number of memories (ensembles) in the pool.
    beta : inverse temperature (a parameter here, not fitted to the spikes).

    Returns
    -------
    (slots, d_v) attention outputs; zero rows where no memory is held.
    """
    stored = stored_writes(writer, memories)
    h = _cosines(inputs, keys, stored)
    out = np.zeros((stored.shape[0], values.shape[1]))
    for s in np.flatnonzero(np.isfinite(h).any(1)):
        held = stored[s] >= 0
        out[s] = softmax(beta * h[s, held]) @ values[stored[s, held]]
    return out


def key_weight_cosine(weights: NDArray[np.float64], inputs: NDArray[np.float64], writer: NDArray[np.int64]
                      ) -> NDArray[np.float64]:
    """Cosine between each written memory's final input weights and the input rates of its last write."""
    last: dict[int, int] = {}
    for k, w in enumerate(writer.tolist()):
        if w >= 0:
            last[w] = k
    out = []
    for w, k in sorted(last.items()):
        a, b = weights[w], inputs[k]
        na, nb = np.linalg.norm(a), np.linalg.norm(b)
        out.append(float(a @ b / (na * nb)) if na > 0 and nb > 0 else 0.0)
    return np.array(out)


def calibration_curve(spike_shares: NDArray[np.float64], softmax_shares: NDArray[np.float64], bins: int = 10
                      ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Mean softmax weight, mean spike share and summed softmax weight of each non-empty bin.

    Pairs (memory, step) are binned by their softmax weight (``bins`` equal bins on [0, 1]).
    """
    w, s = softmax_shares.ravel(), spike_shares.ravel()
    idx = np.minimum((w * bins).astype(np.int64), bins - 1)
    n = np.bincount(idx, minlength=bins)
    mass = np.bincount(idx, weights=w, minlength=bins).astype(np.float64)
    keep = n > 0
    mean_w = mass[keep] / n[keep]
    mean_s = np.bincount(idx, weights=s, minlength=bins)[keep] / n[keep]
    return mean_w, mean_s, mass[keep]


def calibration_error(spike_shares: NDArray[np.float64], softmax_shares: NDArray[np.float64], bins: int = 10
                      ) -> float:
    """Do spike shares follow the softmax *in expectation*? Weighted mean |⟨spikes⟩ − ⟨softmax⟩| over bins.

    In each bin of :func:`calibration_curve` the mean spike share is compared with the mean
    softmax weight; the absolute differences are averaged with weights = each bin's summed
    softmax weight (so the many near-zero pairs do not dilute it).
    """
    if softmax_shares.size == 0:
        return float("nan")
    mean_w, mean_s, mass = calibration_curve(spike_shares, softmax_shares, bins)
    return float(np.sum(mass * np.abs(mean_s - mean_w)) / mass.sum())


def multinomial_floor(softmax_shares: NDArray[np.float64], totals: NDArray[np.float64], seed: int = 0) -> float:
    """Mean per-step max |share − softmax| if each step's spikes were independent draws from the softmax.

    The part of the softmax error that is only the finite spike count (``totals`` spikes per step).
    """
    rng = np.random.default_rng(seed)
    err = []
    for w, n in zip(softmax_shares, totals.astype(np.int64), strict=True):
        if n <= 0:
            continue
        p = w / w.sum()
        err.append(float(np.max(np.abs(rng.multinomial(n, p) / n - p))))
    return float(np.mean(err)) if err else float("nan")
