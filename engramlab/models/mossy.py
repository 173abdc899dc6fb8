r"""Mossy-fibre (MF) inputs that carry a binary address.

Each address bit is carried either by two lines — an ON line that fires when the bit is 1
and an OFF line that fires when it is 0 (``encoding="onoff"``), so a match on 0 counts as
much as a match on 1 — or by its ON line alone (``encoding="on"``). Lines ``0 … n-1`` are the
ON lines and ``n … 2n-1`` the OFF lines.

A presentation makes every active line fire, in one of three modes:

* ``"burst"`` (default, the in-vivo regime): a short high-frequency burst of ``burst_spikes``
  spikes at ``burst_rate`` (sensory-evoked MF bursts reach several hundred Hz; Rancz et al.
  2007, Nature 450:1245). Each line's burst onset is jittered (Gaussian, SD ``jitter``) and
  every later spike of the burst by a further ``spike_jitter`` (SD), independently per line and
  presentation.
* ``"volley"`` (the ideal limit): one synchronous spike per active line, no jitter.
* ``"poisson"``: a rate-coded Poisson burst at ``burst_rate`` for ``burst_duration``.

Every line also fires Poisson background spikes at ``background_rate`` throughout (in vivo
≈ 4 Hz, the mossy-fibre background of the Casali et al. 2019 cerebellar network).
"""

from __future__ import annotations

from dataclasses import dataclass

import brian2 as b2
import numpy as np
from brian2 import Hz, ms

from engramlab.models._params import Params, param

__all__ = ["MossyFibreParams", "active_lines", "n_lines", "nominal_offsets", "presentation_spikes"]


@dataclass(frozen=True)
class MossyFibreParams(Params):
    """How an address is presented on mossy fibres."""

    encoding: str = param("onoff", "'onoff' (ON and OFF line per bit) or 'on' (bit lines only)",
                          choices=("onoff", "on"), structural=True)
    mode: str = param("burst", "'burst' (jittered high-frequency burst per active line; in vivo), "
                               "'volley' (one synchronous spike per active line; the ideal limit) or "
                               "'poisson' (Poisson burst)", choices=("burst", "volley", "poisson"))
    burst_spikes: int = param(5, "spikes per burst in 'burst' mode (MF bursts of several spikes; "
                                 "Rancz et al. 2007)", low=1, high=50)
    burst_rate: b2.Quantity = param(400 * Hz, "intra-burst rate ('burst') or Poisson rate ('poisson') of an "
                                              "active line (MF bursts reach several hundred Hz; Rancz et al. "
                                              "2007)", unit=Hz, low=0, low_open=True, high=5000)
    burst_duration: b2.Quantity = param(12 * ms, "duration of a Poisson burst ('poisson' mode)", unit=ms, low=0,
                                        low_open=True)
    jitter: b2.Quantity = param(1 * ms, "SD of each line's burst onset ('burst' mode): the volley is not "
                                        "synchronous", unit=ms, low=0, high=100)
    spike_jitter: b2.Quantity = param(0.3 * ms, "SD of each later burst spike around its nominal time "
                                                "('burst' mode)", unit=ms, low=0, high=100)
    background_rate: b2.Quantity = param(4 * Hz, "Poisson background rate on every line (≈ 4 Hz in vivo; "
                                                 "the MF background of Casali et al. 2019)", unit=Hz, low=0,
                                         high=1000)
    delay: b2.Quantity = param(1 * ms, "MF→GrC delay (Casali et al. 2019)", unit=ms, low=0)

    @property
    def noise_free(self) -> bool:
        """Whether presentations are exact synchronous volleys without background (the ideal limit)."""
        return self.mode == "volley" and float(self.background_rate) == 0.0


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


def nominal_offsets(params: MossyFibreParams) -> np.ndarray:
    """Spike times (s) of one line's presentation relative to its onset, without jitter.

    ``volley``: ``[0]``; ``burst``: ``k / burst_rate`` for k < burst_spikes; ``poisson``: the
    expected spikes ``k / burst_rate`` within ``burst_duration`` (at least one).
    """
    if params.mode == "volley":
        return np.zeros(1)
    isi = 1.0 / float(params.burst_rate)
    count = params.burst_spikes if params.mode == "burst" else max(1, int(float(params.burst_duration) / isi))
    return np.arange(count) * isi


def presentation_spikes(address: np.ndarray, t0: float, params: MossyFibreParams,
                        rng: np.random.Generator, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Line indices and times (seconds) of one presentation starting at ``t0``.

    Volley spikes fall exactly on ``t0``; burst spikes at ``t0`` + onset jitter + the nominal
    offsets + spike jitter (each at least one step after the previous spike of its line);
    Poisson spikes on the simulation grid ``dt`` with at most one spike per line and step.
    """
    lines = active_lines(address, params.encoding)
    if params.mode == "volley":
        return lines, np.full(lines.size, t0)
    if params.mode == "burst":
        offsets = nominal_offsets(params)
        onset = t0 + rng.normal(0.0, float(params.jitter), lines.size)
        times = onset[:, None] + offsets[None, :]
        if offsets.size > 1:
            times[:, 1:] += rng.normal(0.0, float(params.spike_jitter), (lines.size, offsets.size - 1))
        # a line cannot fire twice in one step: keep each spike at least dt after the previous one
        gaps = dt * np.arange(offsets.size)[None, :]
        times = np.maximum.accumulate(times - gaps, axis=1) + gaps
        return np.repeat(lines, offsets.size), times.ravel()
    steps = round(float(params.burst_duration) / dt)
    p = float(params.burst_rate) * dt
    fired = rng.random((lines.size, steps)) < p
    li, si = np.nonzero(fired)
    return lines[li], t0 + si * dt
