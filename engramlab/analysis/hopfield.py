r"""Classic and modern Hopfield memories, and the memory-neuron network that links them.

* Classic (Hopfield 1982): ±1 neurons, Hebbian weights W = (1/N) Σ_μ ξ^μ ξ^μᵀ with W_ii = 0,
  sign dynamics, energy E = −½ sᵀ W s; capacity ≈ 0.138 N random patterns (Amit, Gutfreund &
  Sompolinsky 1985).
* Modern continuous (Ramsauer et al. 2021, "Hopfield networks is all you need"):
  ξ_new = Xᵀ softmax(β X ξ), one attention step, exponential capacity.
* Memory neurons (Krotov & Hopfield 2021, "Large associative memory problem in neurobiology and
  machine learning", model B): feature neurons ``v`` and one memory neuron per pattern, coupled
  both ways by ξ_μ; the memory layer's Lagrangian (1/β) log Σ exp(β h) makes its output a
  softmax (divisive normalisation). With fast memory neurons the feature dynamics' fixed points,
  and its Euler step at dt = τ_f, are the modern update.

Patterns are rows: ``patterns`` has shape (P, N).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from engramlab import validate as V
from engramlab.analysis.attention import softmax
from engramlab.errors import ConfigError, ConfigTypeError
from engramlab.resources import check_memory

__all__ = [
    "CapacityCurve",
    "MemoryNeuronTrajectory",
    "capacity_curve",
    "classic_recall",
    "corrupt",
    "dale_limit_weights",
    "energy",
    "first_load_below",
    "hebbian_weights",
    "memory_neuron_dynamics",
    "memory_neuron_energy",
    "memory_neuron_update",
    "modern_energy",
    "modern_recall",
    "modern_update",
    "overlap",
    "random_patterns",
    "update_asynchronous",
    "update_synchronous",
]


def random_patterns(p: int, n: int, seed: int | np.random.Generator | None = None) -> NDArray[np.float64]:
    """``p`` random ±1 patterns of length ``n`` (each bit ±1 with probability ½)."""
    p = V.integer("p", p, 1)
    n = V.integer("n", n, 1)
    check_memory(16.0 * p * n, "p", f"{p} random patterns of {n} units")
    rng = V.rng_from(seed)
    return np.where(rng.random((p, n)) < 0.5, -1.0, 1.0)


def corrupt(patterns: ArrayLike, flip_fraction: float, seed: int | np.random.Generator | None = None
            ) -> NDArray[np.float64]:
    """Flip exactly ``round(flip_fraction · N)`` randomly chosen bits of each ±1 pattern."""
    x = V.bipolar_matrix("patterns", patterns, (1, 2))
    flip_fraction = V.real("flip_fraction", flip_fraction, 0.0, 1.0)
    rng = V.rng_from(seed)
    x2 = np.atleast_2d(x).copy()
    n_flip = round(flip_fraction * x2.shape[1])
    for row in x2:
        idx = rng.choice(x2.shape[1], size=n_flip, replace=False)
        row[idx] *= -1
    return x2[0] if x.ndim == 1 else x2


def hebbian_weights(patterns: ArrayLike) -> NDArray[np.float64]:
    r"""Hebbian outer-product weights W = (1/N) Σ_μ ξ^μ ξ^μᵀ with zero diagonal (Hopfield 1982)."""
    x = V.bipolar_matrix("patterns", patterns, 2)
    n = x.shape[1]
    w = (x.T @ x) / n
    np.fill_diagonal(w, 0.0)
    return w


def _check_state(w: NDArray[np.float64], s: ArrayLike, name: str = "state") -> NDArray[np.float64]:
    st = V.bipolar_matrix(name, s, (1, 2))
    if st.shape[-1] != w.shape[0]:
        raise ConfigError(name, f"length {st.shape[-1]} differs from the network size {w.shape[0]}")
    return st


def _check_weights(weights: ArrayLike) -> NDArray[np.float64]:
    w = V.finite_array("weights", weights, 2, V.MAX_MAGNITUDE)
    if w.shape[0] != w.shape[1]:
        raise ConfigError("weights", f"must be square, got shape {w.shape}")
    return w


def energy(weights: ArrayLike, state: ArrayLike) -> float | NDArray[np.float64]:
    r"""Hopfield energy E = −½ sᵀ W s (one value per state row)."""
    w = _check_weights(weights)
    s = _check_state(w, state)
    e = -0.5 * np.einsum("...i,ij,...j->...", s, w, s)
    return float(e) if s.ndim == 1 else np.asarray(e)


def _sign_keep(h: NDArray[np.float64], s: NDArray[np.float64]) -> NDArray[np.float64]:
    """sign(h), keeping the current state where h == 0 (so the energy cannot increase)."""
    return np.where(h > 0, 1.0, np.where(h < 0, -1.0, s))


def _exact_weights(w: NDArray[np.float64]) -> NDArray[np.float64]:
    """Weights on which a field of ±1 states is computed without round-off, with the same signs.

    Hebbian weights are integers over N (N the network size): N·W is an integer matrix, and
    integer fields of ±1 states are exact in float64, so a tie (field exactly 0) stays a tie
    whatever the order of summation — synchronous and asynchronous updates then agree on it.
    Other weights are used as they are.
    """
    scaled = w * w.shape[0]
    rounded = np.rint(scaled)
    if np.all(np.abs(scaled - rounded) <= 1e-9 * np.maximum(1.0, np.abs(scaled))) and np.abs(rounded).max(
            initial=0.0) * w.shape[0] < 2.0**52:
        return rounded
    return w


def dale_limit_weights(weights: ArrayLike) -> NDArray[np.float64]:
    r"""Weights whose sign dynamics are the Dale's-law network's mathematical limit.

    The Dale network (``engramlab.models.dale_hopfield``) keeps :math:`W^+=\max(W,0)` as
    excitatory synapses and subtracts, through interneurons, :math:`m_i\sum_jx_j` with
    :math:`m_i` the mean of row *i* of :math:`W^+` (zero diagonal). With activities
    :math:`x\in\{0,1\}` and a threshold at zero its units follow
    :math:`x_i=[\sum_j(W^+_{ij}-m_i)x_j>0]`; because every row of :math:`W^+-m_i` sums to zero
    over j ≠ i, writing :math:`x=(s+1)/2` gives exactly the sign dynamics of ±1 states on
    :math:`W'_{ij}=W^+_{ij}-m_i` (j ≠ i, zero diagonal). Pass the result to :func:`classic_recall`.
    """
    w = np.maximum(_check_weights(weights), 0.0)
    np.fill_diagonal(w, 0.0)
    n = w.shape[0]
    out = w - (w.sum(axis=1) / max(n - 1, 1))[:, None]
    np.fill_diagonal(out, 0.0)
    return np.asarray(out)


def update_synchronous(weights: ArrayLike, state: ArrayLike) -> NDArray[np.float64]:
    """One synchronous step s ← sign(W s) (all neurons at once; may cycle with period 2)."""
    w = _check_weights(weights)
    s = _check_state(w, state)
    return _sign_keep(s @ _exact_weights(w).T, s)


def update_asynchronous(
    weights: ArrayLike, state: ArrayLike, seed: int | np.random.Generator | None = None
) -> NDArray[np.float64]:
    """One asynchronous sweep: every neuron updated once, in random order, s_i ← sign(W_i · s).

    A batch of states (rows) is updated with the same order. With symmetric W and zero diagonal
    the energy never increases.
    """
    w = _exact_weights(_check_weights(weights))
    s = np.atleast_2d(_check_state(w, state)).copy()
    rng = V.rng_from(seed)
    for i in rng.permutation(w.shape[0]):
        h = s @ w[i]
        s[:, i] = np.where(h > 0, 1.0, np.where(h < 0, -1.0, s[:, i]))
    return s[0] if np.ndim(state) == 1 else s


def classic_recall(
    weights: ArrayLike,
    cue: ArrayLike,
    mode: Literal["async", "sync"] = "async",
    max_sweeps: int = 100,
    seed: int | np.random.Generator | None = None,
) -> tuple[NDArray[np.float64], int, bool]:
    """Run sign dynamics from ``cue`` until no neuron changes (or ``max_sweeps``).

    Returns
    -------
    state : ndarray
        Final state(s).
    sweeps : int
        Sweeps (async) or steps (sync) performed.
    converged : bool
        Whether every state reached a fixed point.
    """
    w = _exact_weights(_check_weights(weights))
    s = _check_state(w, cue, "cue")
    max_sweeps = V.integer("max_sweeps", max_sweeps, 1)
    rng = V.rng_from(seed)
    if mode not in ("async", "sync"):
        raise ConfigError("mode", f"must be 'async' or 'sync', got {mode!r}")
    for sweep in range(1, max_sweeps + 1):
        new = update_asynchronous(w, s, rng) if mode == "async" else update_synchronous(w, s)
        if np.array_equal(new, s):
            return new, sweep, True
        s = new
    return s, max_sweeps, False


def overlap(patterns: ArrayLike, states: ArrayLike) -> NDArray[np.float64] | float:
    r"""Overlap m = ξ·s / N between each pattern and the state in the same row."""
    x = V.finite_array("patterns", patterns, (1, 2), V.MAX_MAGNITUDE)
    s = V.finite_array("states", states, (1, 2), V.MAX_MAGNITUDE)
    if x.shape != s.shape:
        raise ConfigError("states", f"must have the same shape as patterns {x.shape}, got {s.shape}")
    if x.shape[-1] == 0:
        raise ConfigError("patterns", "must have at least one unit")
    m = np.sum(x * s, axis=-1) / x.shape[-1]
    return float(m) if x.ndim == 1 else np.asarray(m)


def _check_patterns_state(patterns: ArrayLike, state: ArrayLike, name: str = "state") -> tuple[
        NDArray[np.float64], NDArray[np.float64]]:
    x = V.finite_array("patterns", patterns, 2, V.MAX_MAGNITUDE)
    xi = V.finite_array(name, state, (1, 2), V.MAX_MAGNITUDE)
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ConfigError("patterns", f"must hold at least one pattern of at least one unit, got shape {x.shape}")
    if xi.size == 0:
        raise ConfigError(name, "must hold at least one state")
    if xi.shape[-1] != x.shape[1]:
        raise ConfigError(name, f"length {xi.shape[-1]} differs from the pattern length {x.shape[1]}")
    return x, xi


def modern_update(patterns: ArrayLike, state: ArrayLike, beta: float) -> NDArray[np.float64]:
    r"""One modern Hopfield step ξ_new = Xᵀ softmax(β X ξ) (Ramsauer et al. 2021, eq. 3)."""
    x, xi = _check_patterns_state(patterns, state)
    return softmax(xi @ x.T, beta, axis=-1) @ x


def modern_energy(patterns: ArrayLike, state: ArrayLike, beta: float) -> float | NDArray[np.float64]:
    r"""Ramsauer energy E = −lse(β, Xξ) + ½ ξᵀξ + β⁻¹ log P + ½ M², M = max_μ ‖ξ_μ‖."""
    x, xi = _check_patterns_state(patterns, state)
    beta = V.real("beta", beta, 0.0, V.MAX_MAGNITUDE, low_open=True)
    lse = logsumexp(beta * (xi @ x.T), axis=-1) / beta
    big_m = float(np.max(np.linalg.norm(x, axis=1)))
    e = -lse + 0.5 * np.sum(xi * xi, axis=-1) + np.log(x.shape[0]) / beta + 0.5 * big_m**2
    return float(e) if xi.ndim == 1 else np.asarray(e)


def modern_recall(
    patterns: ArrayLike, cue: ArrayLike, beta: float, max_steps: int = 50, tol: float = 1e-10
) -> tuple[NDArray[np.float64], int, bool]:
    """Iterate :func:`modern_update` until the state moves less than ``tol`` (max-norm)."""
    x, xi = _check_patterns_state(patterns, cue, "cue")
    max_steps = V.integer("max_steps", max_steps, 1)
    for step in range(1, max_steps + 1):
        new = modern_update(x, xi, beta)
        if np.max(np.abs(new - xi)) < tol:
            return new, step, True
        xi = new
    return xi, max_steps, False


def memory_neuron_update(patterns: ArrayLike, features: ArrayLike, beta: float) -> NDArray[np.float64]:
    r"""The memory-neuron circuit in one pass, written as its two layers.

    Feature → memory: drive h_μ = ξ_μ · v. Memory layer: divisive normalisation
    f_μ = exp(β h_μ) / Σ_ν exp(β h_ν). Memory → feature: v_new = Σ_μ ξ_μ f_μ.
    (Krotov & Hopfield 2021, model B with fast memory neurons; equal to :func:`modern_update`.)
    """
    x, v = _check_patterns_state(patterns, features, "features")
    beta = V.real("beta", beta, 0.0, V.MAX_MAGNITUDE)
    drive = v @ x.T                      # memory-neuron input currents
    rates = np.exp(beta * (drive - drive.max(axis=-1, keepdims=True)))
    rates = rates / rates.sum(axis=-1, keepdims=True)   # shunting inhibition across memories
    return np.asarray(rates @ x)         # feedback onto the feature neurons


@dataclass(frozen=True)
class MemoryNeuronTrajectory:
    """Time course of the memory-neuron network (Krotov & Hopfield 2021, model B).

    Attributes
    ----------
    t : ndarray, shape (T,)
        Times (units of τ_f).
    features : ndarray, shape (T, N)
        Feature-neuron states v(t).
    memory_drive : ndarray, shape (T, P)
        Memory-neuron states h(t).
    memory_rates : ndarray, shape (T, P)
        Memory-neuron outputs softmax(β h(t)).
    energy : ndarray, shape (T,)
        The network's Lyapunov energy (:func:`memory_neuron_energy`).
    """

    t: NDArray[np.float64]
    features: NDArray[np.float64]
    memory_drive: NDArray[np.float64]
    memory_rates: NDArray[np.float64]
    energy: NDArray[np.float64]


def memory_neuron_energy(
    patterns: ArrayLike, features: ArrayLike, drive: ArrayLike, beta: float
) -> float:
    r"""Energy of model B with L_v = ½ Σ v², L_h = β⁻¹ log Σ_μ exp(β h_μ) (Krotov & Hopfield 2021).

    .. math::
        E = \tfrac12 \sum_i v_i^2 + \Big[\sum_\mu h_\mu f_\mu - L_h\Big] - \sum_{\mu i} f_\mu
        \xi_{\mu i} v_i, \qquad f = \mathrm{softmax}(\beta h)

    It never increases along :func:`memory_neuron_dynamics`.
    """
    x = V.finite_array("patterns", patterns, 2, V.MAX_MAGNITUDE)
    v = V.finite_array("features", features, 1, V.MAX_MAGNITUDE)
    h = V.finite_array("drive", drive, 1, V.MAX_MAGNITUDE)
    beta = V.real("beta", beta, 0.0, V.MAX_MAGNITUDE, low_open=True)
    if x.shape != (h.size, v.size) or h.size == 0:
        raise ConfigError("drive", f"and features must match patterns of shape {x.shape}: one drive per pattern "
                                   f"({h.size}), one feature per unit ({v.size})")
    f = softmax(h, beta)
    l_h = float(logsumexp(beta * h)) / beta
    return float(0.5 * v @ v + (h @ f - l_h) - f @ (x @ v))


#: Euler steps :func:`memory_neuron_dynamics` will take (a Python loop: ~10 µs per step at small sizes)
MAX_EULER_STEPS = 1_000_000


def memory_neuron_dynamics(
    patterns: ArrayLike,
    cue: ArrayLike,
    beta: float,
    tau_feature: float = 1.0,
    tau_memory: float = 0.05,
    dt: float = 0.01,
    duration: float = 10.0,
) -> MemoryNeuronTrajectory:
    r"""Integrate the memory-neuron network (forward Euler).

    .. math::
        \tau_f \dot v = \sum_\mu \xi_\mu f_\mu - v, \qquad
        \tau_h \dot h_\mu = \xi_\mu \cdot v - h_\mu, \qquad f = \mathrm{softmax}(\beta h)

    Feature neurons start at the cue, memory neurons at their drive h = Xv. Fixed points satisfy
    v = Xᵀ softmax(β X v), the fixed points of the modern Hopfield update.

    Parameters
    ----------
    patterns : array_like, shape (P, N)
    cue : array_like, shape (N,)
    beta : float
        Inverse temperature (``> 0``).
    tau_feature, tau_memory : float
        Time constants (``> 0``), in the same units as ``dt`` and ``duration``.
    dt : float
        Euler step, ``0 < dt <= min(tau_feature, tau_memory)``.
    duration : float
        Total time (``> 0``).
    """
    x, v = _check_patterns_state(patterns, cue, "cue")
    if v.ndim != 1:
        raise ConfigError("cue", "must be one vector of shape (N,)")
    beta = V.real("beta", beta, 0.0, V.MAX_MAGNITUDE, low_open=True)
    tau_f = V.real("tau_feature", tau_feature, 0.0, None, low_open=True)
    tau_h = V.real("tau_memory", tau_memory, 0.0, None, low_open=True)
    dt = V.real("dt", dt, 0.0, min(tau_f, tau_h), low_open=True)
    duration = V.real("duration", duration, 0.0, None, low_open=True)
    if duration / dt > MAX_EULER_STEPS:
        raise ConfigError("duration", f"of {duration:g} at dt = {dt:g} needs {duration / dt:.3g} Euler steps; "
                                      f"at most {MAX_EULER_STEPS:,} (a longer dt or a shorter duration)")
    steps = int(np.ceil(duration / dt))
    check_memory(8.0 * (steps + 1) * (v.size + 2 * x.shape[0] + 2), "duration", "the stored trajectory")
    h = x @ v
    ts, vs, hs, fs, es = [], [], [], [], []
    for k in range(steps + 1):
        f = softmax(h, beta)
        ts.append(k * dt)
        vs.append(v.copy())
        hs.append(h.copy())
        fs.append(f)
        es.append(memory_neuron_energy(x, v, h, beta))
        if k == steps:
            break
        v, h = v + dt / tau_f * (f @ x - v), h + dt / tau_h * (x @ v - h)
    return MemoryNeuronTrajectory(np.array(ts), np.array(vs), np.array(hs), np.array(fs), np.array(es))


# ----------------------------------------------------------------------------------------------
# Capacity experiment
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CapacityCurve:
    """Mean final overlap of cued random patterns against the load α = P/N.

    Attributes
    ----------
    n : int
        Network size N.
    loads : ndarray
        α = P/N for each point (P rounded to an integer, at least 1).
    patterns : ndarray of int
        P at each load.
    mean_overlap, std_overlap : ndarray
        Mean and standard deviation over every cued pattern of every trial.
    model : str
        "classic" or "modern".
    cue_flip : float
        Fraction of bits flipped in each cue.
    beta : float or None
        β of the modern model.
    seed : int
    """

    n: int
    loads: NDArray[np.float64]
    patterns: NDArray[np.int64]
    mean_overlap: NDArray[np.float64]
    std_overlap: NDArray[np.float64]
    model: str
    cue_flip: float
    beta: float | None
    seed: int


def capacity_curve(
    n: int,
    loads: ArrayLike,
    model: Literal["classic", "modern"] = "classic",
    trials: int = 3,
    cue_flip: float = 0.05,
    beta: float | None = None,
    max_cues: int = 200,
    seed: int = 0,
) -> CapacityCurve:
    r"""Final overlap of cued random patterns vs load P/N (the capacity experiment).

    For each load, store P = round(α N) random ±1 patterns, cue (up to ``max_cues`` of) them with
    ``cue_flip`` of the bits flipped, run the dynamics to a fixed point (classic: asynchronous
    sign updates; modern: iterated :func:`modern_update`, read out as sign), and record the
    overlap with the stored pattern. The classic network's mean overlap collapses near
    α ≈ 0.138 (Amit, Gutfreund & Sompolinsky 1985); the modern one keeps retrieving at α ≫ 1.

    Parameters
    ----------
    n : int
        Network size N (``>= 2``).
    loads : array_like
        Loads α > 0.
    model : {"classic", "modern"}
    trials : int
        Independent pattern sets per load.
    cue_flip : float
        Fraction of flipped cue bits, in ``[0, 0.5)``.
    beta : float, optional
        Modern model's β (default 4/√N: the cross-talk scores of random ±1 patterns have SD √N,
        so β√N = 4 separates the cued pattern by ~3.6√N nats at 5 % cue noise and retrieval
        holds up to P ~ exp(√N); 1/√N, the transformer scaling, averages metastable mixtures
        at loads of tens of N for N ~ 100).
    max_cues : int
        Patterns cued per trial.
    seed : int
        Seed of the whole experiment.
    """
    n = V.integer("n", n, 2)
    alphas = V.finite_array("loads", loads, 1, V.MAX_MAGNITUDE)
    if alphas.size == 0 or np.any(alphas <= 0):
        raise ConfigError("loads", "must be a non-empty list of values > 0")
    trials = V.integer("trials", trials, 1)
    cue_flip = V.real("cue_flip", cue_flip, 0.0, 0.5, high_open=True)
    max_cues = V.integer("max_cues", max_cues, 1)
    seed = V.integer("seed", seed, 0)
    if model not in ("classic", "modern"):
        raise ConfigError("model", f"must be 'classic' or 'modern', got {model!r}")
    if beta is None:
        beta = 4.0 / np.sqrt(n)
    beta = V.real("beta", beta, 0.0, V.MAX_MAGNITUDE, low_open=True)
    if np.max(alphas) * n > 10**9:
        raise ConfigError("loads", f"ask for more than 10^9 patterns at N = {n}")
    counts = np.maximum(1, np.rint(alphas * n)).astype(np.int64)
    biggest = int(counts.max())
    # classic: a few N×N matrices; modern: the stored patterns and their scores
    check_memory(8.0 * (3 * n * n + 3 * biggest * n), "n", f"the capacity curve at N = {n}, P up to {biggest}")
    rng = np.random.default_rng(seed)
    means, stds = [], []
    for p in counts:
        ov: list[NDArray[np.float64]] = []
        for _ in range(trials):
            x = random_patterns(int(p), n, rng)
            idx = rng.choice(int(p), size=min(int(p), max_cues), replace=False)
            cues = corrupt(x[idx], cue_flip, rng)
            if model == "classic":
                final, _, _ = classic_recall(hebbian_weights(x), cues, "async", 200, rng)
            else:
                state, _, _ = modern_recall(x, cues, beta)
                final = np.where(state >= 0, 1.0, -1.0)
            ov.append(np.atleast_1d(overlap(x[idx], final)))
        allov = np.concatenate(ov)
        means.append(allov.mean())
        stds.append(allov.std())
    return CapacityCurve(
        n=n,
        loads=counts / n,
        patterns=counts,
        mean_overlap=np.array(means),
        std_overlap=np.array(stds),
        model=model,
        cue_flip=cue_flip,
        beta=beta if model == "modern" else None,
        seed=seed,
    )


def first_load_below(curve: CapacityCurve, threshold: float = 0.9) -> float | None:
    """The smallest load at which the mean overlap first drops below ``threshold`` (or None)."""
    if not isinstance(curve, CapacityCurve):
        raise ConfigTypeError("curve", f"must be a CapacityCurve (from capacity_curve), got {type(curve).__name__}")
    threshold = V.real("threshold", threshold)
    below = np.nonzero(curve.mean_overlap < threshold)[0]
    return float(curve.loads[below[0]]) if below.size else None
