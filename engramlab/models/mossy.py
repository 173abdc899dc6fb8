r"""Mossy-fibre (MF) inputs that carry a binary address.

Each address bit is carried either by two lines — an ON line that fires when the bit is 1
and an OFF line that fires when it is 0 (``encoding="onoff"``), so a match on 0 counts as
much as a match on 1 — or by its ON line alone (``encoding="on"``). Lines ``0 … n-1`` are the
ON lines and ``n … 2n-1`` the OFF lines.

A presentation is either a synchronous volley (every active line fires once at the same
time) or a rate-coded Poisson burst (every active line fires at ``burst_rate`` for
``burst_duration``), with optional Poisson background firing on every line.
"""

from __future__ import annotations

from dataclasses import dataclass

import brian2 as b2
import numpy as np
from brian2 import Hz, ms

from engramlab.models._params import Params, param

__all__ = ["MossyFibreParams", "active_lines", "n_lines", "presentation_spikes"]


@dataclass(frozen=True)
class MossyFibreParams(Params):
    """How an address is presented on mossy fibres."""

    encoding: str = param("onoff", "'onoff' (ON and OFF line per bit) or 'on' (bit lines only)",
                          choices=("onoff", "on"), structural=True)
    mode: str = param("volley", "'volley' (one synchronous spike per active line) or 'poisson' "
                                "(rate-coded burst)", choices=("volley", "poisson"))
    burst_rate: b2.Quantity = param(250 * Hz, "rate of an active line in a Poisson burst (MF "
                                              "bursts reach several hundred Hz; Rancz et al. 2007)",
                                    unit=Hz, low=0, low_open=True)
    burst_duration: b2.Quantity = param(12 * ms, "duration of a Poisson burst", unit=ms, low=0, low_open=True)
    background_rate: b2.Quantity = param(0 * Hz, "Poisson background rate on every line "
                                                 "(≈ 4 Hz in vivo; 0 keeps SDM volleys exact)", unit=Hz, low=0)
    delay: b2.Quantity = param(1 * ms, "MF→GrC delay (Casali et al. 2019)", unit=ms, low=0)


def n_lines(n: int, encoding: str) -> int:
    """Number of MF lines for ``n``-bit addresses."""
    return 2 * n if encoding == "onoff" else n


def active_lines(address: np.ndarray, encoding: str) -> np.ndarray:
    """Indices of the MF lines that fire for a binary address."""
    bits = np.asarray(address, dtype=bool)
    on = np.flatnonzero(bits)
    if encoding == "on":
        return on
    return np.concatenate([on, bits.size + np.flatnonzero(~bits)])


def presentation_spikes(address: np.ndarray, t0: float, params: MossyFibreParams,
                        rng: np.random.Generator, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Line indices and times (seconds) of one presentation starting at ``t0``.

    Volley spikes fall exactly on ``t0``; Poisson spikes on the simulation grid ``dt`` with at
    most one spike per line and step.
    """
    lines = active_lines(address, params.encoding)
    if params.mode == "volley":
        return lines, np.full(lines.size, t0)
    steps = round(float(params.burst_duration) / dt)
    p = float(params.burst_rate) * dt
    fired = rng.random((lines.size, steps)) < p
    li, si = np.nonzero(fired)
    return lines[li], t0 + si * dt
