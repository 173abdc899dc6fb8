r"""Reference memories: the pattern-view SDM read and Kanerva's neuron-based SDM (no spikes).

The spiking circuits are held against these on identical hard locations.

References
----------
.. [1] T. Bricken and C. Pehlevan, "Attention approximates sparse distributed memory",
   NeurIPS 2021.
.. [2] P. Kanerva, *Sparse Distributed Memory*, MIT Press 1988.
.. [3] L. A. Jaeckel, "An alternative design for a sparse distributed memory", RIACS TR 89.28,
   NASA Ames 1989.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from engramlab import validate as V
from engramlab.analysis.sdm.geometry import expected_intersection
from engramlab.errors import ConfigError

__all__ = ["NeuronSDM", "hamming_distances", "pattern_read", "pattern_weights"]


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
        raise ConfigError("b", f"must have the same vector length as a ({aa.shape[-1]}), got {bb.shape[-1]}")
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
        raise ConfigError("query", f"length {q.shape[0]} differs from the key length {k.shape[1]}")
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
    k = V.binary_matrix("keys", keys, 2)
    if vals.shape[0] != k.shape[0]:
        raise ConfigError("values", f"has {vals.shape[0]} rows but keys has {k.shape[0]}")
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
            raise ConfigError("addresses", f"must have shape (r >= 1, n >= 1), got {self.addresses.shape}")
        self.value_dim = V.integer("value_dim", self.value_dim, 1)
        if (self.radius is None) == (self.top_k is None):
            raise ConfigError("radius", "and top_k: give exactly one of radius (0 <= radius <= n) or "
                              "top_k (1 <= top_k <= r)")
        if self.radius is not None:
            self.radius = V.integer("radius", self.radius, 0, n)
        if self.top_k is not None:
            self.top_k = V.integer("top_k", self.top_k, 1, r)
        if self.selected is not None:
            self.selected = V.binary_matrix("selected", self.selected, 2)
            if self.selected.shape != self.addresses.shape:
                raise ConfigError("selected", f"must have the shape of addresses {self.addresses.shape}, "
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
            raise ConfigError("x", f"must have the address length {self.n}, got input length {xx.shape[-1]}")
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
            raise ConfigError("active", f"must have length r={self.r}, got {act.shape[0]}")
        v = self._value(value)
        self.counters[act] += 2 * v.astype(np.int64) - 1
        self.writes += 1

    def write(self, address: ArrayLike, value: ArrayLike) -> NDArray[np.bool_]:
        """Write ``value`` at ``address``; returns the activation used."""
        act = self.active(address)
        if act.ndim != 1:
            raise ConfigError("address", "must be one address of shape (n,): write takes one; loop for several")
        self.write_active(act, value)
        return act

    def read_sum_active(self, active: ArrayLike) -> NDArray[np.int64]:
        """Sum of the counters of the given active locations (one entry per value bit)."""
        act = V.binary_matrix("active", active, (1, 2))
        if act.shape[-1] != self.r:
            raise ConfigError("active", f"must have length r={self.r}, got {act.shape[-1]}")
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
            raise ConfigError("value_dim", f"must equal n={self.n}: iterate needs an auto-associative memory "
                              f"(value_dim == n), got {self.value_dim}")
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
            raise ConfigError("value", f"must have length value_dim={self.value_dim}, got {v.shape[0]}")
        return v
