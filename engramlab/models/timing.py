r"""A granular layer that represents the passage of time during a sustained conditioned stimulus.

Choice and justification
------------------------
Two families of models make granule cells (GrCs) tell time: recurrent Golgi–granule inhibition
that turns a constant input into a sequence of population states (Yamazaki & Tanaka 2007), and
a *spectrum* of slow, heterogeneous granule-layer dynamics (spectral timing: Grossberg &
Schmajuk 1989; Bullock, Fiala & Grossberg 1994). We use spectral timing because it is
transparent (each cell's active window follows from its own time constant), works at the
few-thousand-cell sizes a laptop or CI runs in seconds, and needs no network tuning; the
recurrent model needs large networks tuned near a dynamical regime to give reliable sequences.

Each CS-responsive GrC receives its CS mossy fibres through a slow excitatory current with its
own time constant τ_i (uniform over ``tau_min``…``tau_max``) and, through feed-forward
Golgi inhibition (MF → Golgi → GrC), a slower inhibitory current with time constant
``inh_ratio`` · τ_i and ``inh_gain`` times the steady strength. For a sustained CS the net drive
is

.. math:: I(t) = \rho_i I_{rh}\,[(1 - e^{-t/\tau_i}) - \kappa (1 - e^{-t/(\lambda\tau_i)})]

which rises, peaks and turns negative: each cell fires in one window whose onset and length
both scale with τ_i (scalar, Weber-like timing), so different GrC subsets are active at
different times after CS onset.

The window shape matters because CF-gated LTD looks back through a kernel peaking ~100 ms
before the climbing fibre. With inhibition only a little stronger than excitation
(κ = 1.3) and much slower (λ = 6) the windows are *skewed*: a cell turns on at ≈ 0.5–0.8 τ_i
(depending on its gain) and stays on for several times that latency (a recruitment code:
once on, a cell stays on for the rest of a few-hundred-ms CS, as many granule cells do under sustained mossy input;
Chabrol et al. 2015). The cells LTD reaches — active ~100 ms before the CF — are then still
active at the US, so the learned Purkinje pause deepens until the US and its minimum tracks
the ISI, while cells recruited only in the last ~50 ms before the US are barely eligible.
The spectrum (τ 0.2–1 s) recruits the first CS-driven cells ~100 ms after CS onset, so the
learned pause — and the DCN's conditioned response — starts after the first 100 ms or so, as
in trained animals (Jirenhed, Bengtsson & Hesslow 2007). With a spectrum reaching down to
30 ms, cells recruited within 20 ms stay on through the kernel's look-back, LTD reaches them
too and the response often starts too early to count as a CR (measured: 40–100 % CRs per
late block at ISI 250 ms, most misses crossing threshold before 100 ms).
With symmetric windows (e.g. κ = 1.5, λ = 3) the pause is instead centred on the kernel's
look-back and leads the US by 50–70 ms at ISIs of 150–250 ms (measured).
"""

from __future__ import annotations

from dataclasses import dataclass

import brian2 as b2
import numpy as np
from brian2 import ms

from engramlab.models._params import Params, param

__all__ = ["SpectralTimingParams", "active_window", "net_drive", "spectral_timing_draw"]


@dataclass(frozen=True)
class SpectralTimingParams(Params):
    """Heterogeneous slow CS input that activates granule cells in delayed, scaled windows."""

    tau_min: b2.Quantity = param(200 * ms, "shortest slow-excitation time constant (spectral "
                                           "timing, Bullock, Fiala & Grossberg 1994): onsets from "
                                           "~100 ms after CS onset", unit=ms, low=0, low_open=True)
    tau_max: b2.Quantity = param(1000 * ms, "longest slow-excitation time constant (uniform "
                                            "spectrum: onsets cover ~0.1–0.8 s)", unit=ms, low=0, low_open=True)
    gain_min: float = param(2.55, "smallest steady slow excitation relative to rheobase (with the "
                                  "default inhibition the net drive peaks at ~0.5 of it)", low=0, low_open=True)
    gain_max: float = param(3.45, "largest steady slow excitation relative to rheobase", low=0, low_open=True)
    inh_gain: float = param(1.3, "steady feed-forward (Golgi) inhibition / steady slow excitation "
                                 "(> 1 ends each cell's window; close to 1 makes windows long)", low=0)
    inh_ratio: float = param(6.0, "inhibition time constant / excitation time constant (slow "
                                  "inhibition: windows with a fast onset and a slow offset)", low=1, low_open=True)

    def check(self) -> None:
        """The spectrum's bounds must be ordered."""
        if self.tau_max < self.tau_min:
            raise self.fail("tau_max", f"({self.tau_max}) must not be below tau_min ({self.tau_min})")
        if self.gain_max < self.gain_min:
            raise self.fail("gain_max", f"({self.gain_max}) must not be below gain_min ({self.gain_min})")


def spectral_timing_draw(n: int, params: SpectralTimingParams, rng: np.random.Generator
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Per-cell slow time constants (s) and excitation gains, both uniform, for ``n`` cells."""
    tau = rng.uniform(float(params.tau_min), float(params.tau_max), n)
    gain = rng.uniform(params.gain_min, params.gain_max, n)
    return tau, gain


def net_drive(t: np.ndarray, tau: float, gain: float, params: SpectralTimingParams) -> np.ndarray:
    """Mean net CS drive (in units of rheobase) of one cell at times ``t`` (s) after CS onset."""
    t = np.asarray(t, dtype=float)
    lam, kappa = params.inh_ratio, params.inh_gain
    return np.asarray(gain * ((1 - np.exp(-t / tau)) - kappa * (1 - np.exp(-t / (lam * tau)))))


def active_window(tau: np.ndarray, gain: np.ndarray, params: SpectralTimingParams,
                  horizon: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (s after CS onset) of each cell's suprathreshold window (NaN if none)."""
    t = np.linspace(0, horizon, 3001)
    start = np.full(np.size(tau), np.nan)
    end = np.full(np.size(tau), np.nan)
    for k, (ti, gi) in enumerate(zip(np.atleast_1d(tau), np.atleast_1d(gain), strict=True)):
        above = net_drive(t, ti, gi, params) > 1.0
        if above.any():
            idx = np.flatnonzero(above)
            start[k], end[k] = t[idx[0]], t[idx[-1]]
    return start, end
