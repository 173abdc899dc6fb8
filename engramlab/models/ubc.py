r"""Unipolar brush cells (UBCs): a granular-layer timing code made of slow metabotropic synapses.

Mechanism and sources
---------------------
A UBC receives a single mossy fibre (MF) on its brush and sends mossy-fibre-like rosettes to
granule cells (GrCs), so it relays its MF with a delay and a time course of its own (Mugnaini,
Sekerková & Martina 2011). Its MF synapse acts mainly through metabotropic receptors: mGluR1
opens TRPC3 channels (an "ON" excitatory current) and mGluR2 opens GIRK channels (an "OFF"
inhibitory current), both through G-protein cascades, and across UBCs the amounts and kinetics
of the two form a *graded continuum*, so the population responds to the same MF input with
delays and durations from tens of ms to seconds (Guo et al. 2021, Nat Commun 12,
doi:10.1038/s41467-021-22893-8: peak times spread evenly on a log scale, half-widths
proportional to them; Zampini et al. 2016, eLife 5:e15872; Kennedy et al. 2014, Nat Neurosci
17:416 for such a temporal basis used by a cerebellum-like circuit). This is the published
temporal-basis mechanism we use for delay conditioning; the recurrent granule–Golgi alternative
(Yamazaki & Tanaka 2007) needs a network tuned near a dynamical regime and, with in-vivo
background firing, gave us no trial-to-trial reproducible sequence at a laptop's size (measured:
between-trial correlation of the population state ≈ 0).

Model
-----
Each MF spike enters two linear cascades of ``stages`` first-order steps (the G-protein chain,
which gives the sigmoidal, delayed onset of metabotropic currents), the ON cascade with time
constant τ_i per step and the OFF cascade with λτ_i; the last steps are the currents,

.. math:: C\dot v = g_L(E_L - v) + I_{on} - I_{off}, \quad
          \dot a_1 = -a_1/\tau, \ \dot a_k = (a_{k-1} - a_k)/\tau, \ I_{on} = a_n

(and likewise for the OFF chain ``b``). For a sustained MF rate the mean net current, in units
of the cell's steady ON current, is

.. math:: d(t) = P(n, t/\tau) - \kappa\, P(n, t/(\lambda\tau)),

P the regularised lower incomplete gamma function (the step response of an n-stage chain).
With κ > 1 it rises after a delay, peaks and turns negative, so a UBC whose threshold lies at a
fraction f of its peak fires in one window while the input lasts; the window's onset and
length scale with τ (scalar timing) and shrink as f approaches 1. Nothing is reset between
trials: the cascades decay on their own time constants.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import brian2 as b2
import numpy as np
from brian2 import ms, mV, nS, pA, pF
from scipy.special import gammainc

from engramlab.models._params import Params, param

__all__ = ["UBCParams", "active_window", "net_drive", "peak_drive", "threshold_margin", "ubc_draw", "ubc_equations",
           "ubc_gain", "ubc_group"]


@dataclass(frozen=True)
class UBCParams(Params):
    """Unipolar brush cells: membrane, graded ON/OFF metabotropic cascades, output synapse."""

    n: int = param(400, "UBCs; each receives one mossy line (drawn uniformly) and its axon is one more "
                        "mossy-like input a granule cell can sample", low=1, structural=True)
    C: b2.Quantity = param(15 * pF, "membrane capacitance (small cell; Mugnaini et al. 2011)", unit=pF, low=0,
                           low_open=True)
    g_L: b2.Quantity = param(1 * nS, "leak conductance (input resistance ~1 GΩ)", unit=nS, low=0, low_open=True)
    E_L: b2.Quantity = param(-70 * mV, "resting potential", unit=mV, low=-120, high=0)
    V_th: b2.Quantity = param(-50 * mV, "spike threshold", unit=mV, low=-120, high=0)
    V_reset: b2.Quantity = param(-60 * mV, "reset potential", unit=mV, low=-120, high=0)
    refractory: b2.Quantity = param(2 * ms, "absolute refractory period", unit=ms, low=0)
    stages: int = param(10, "steps of each metabotropic (G-protein) cascade: the order of its delayed, "
                           "sigmoidal onset", low=1, high=12, structural=True)
    tau_min: b2.Quantity = param(4.5 * ms, "fastest ON cascade step (log-uniform spectrum; a window starts "
                                           "~8–10 steps after CS onset: ~40 ms)", unit=ms, low=0, low_open=True)
    tau_max: b2.Quantity = param(100 * ms, "slowest ON cascade step (windows up to ~1 s after CS onset; "
                                           "Guo et al. 2021 report UBC responses lasting seconds)",
                                 unit=ms, low=0, low_open=True)
    off_ratio: float = param(1.5, "OFF (mGluR2–GIRK) step / ON step: the OFF current lags and ends "
                                  "each window", low=1, low_open=True)
    off_gain: float = param(1.5, "steady OFF current / steady ON current (> 1: a sustained input "
                                 "ends each window)", low=1, low_open=True)
    frac_min: float = param(0.6, "lowest threshold as a fraction of the cell's peak mean drive "
                                 "(graded ON amplitude; lower: earlier, longer windows)", low=0, high=1,
                            low_open=True, high_open=True)
    frac_max: float = param(0.9, "highest threshold fraction (higher: later, shorter, less reliable "
                                 "windows)", low=0, high=1, low_open=True, high_open=True)
    w_out: b2.Quantity = param(30 * pA, "UBC→GrC EPSC amplitude (a UBC rosette: a UBC burst drives a "
                                       "granule cell on its own)", unit=pA, low=0)

    def check(self) -> None:
        """Ordered spectrum and threshold fractions."""
        if self.tau_max < self.tau_min:
            raise self.fail("tau_max", f"({self.tau_max}) must not be below tau_min ({self.tau_min})")
        if self.frac_max < self.frac_min:
            raise self.fail("frac_max", f"({self.frac_max}) must not be below frac_min ({self.frac_min})")

    @property
    def rheobase(self) -> b2.Quantity:
        """Current that holds the membrane at threshold."""
        return self.g_L * (self.V_th - self.E_L)


def net_drive(x: np.ndarray, params: UBCParams) -> np.ndarray:
    """Mean net current d(x) at x = t/τ after a sustained input starts, per unit steady ON current."""
    return _net_drive(np.asarray(x, dtype=float), int(params.stages), float(params.off_gain),
                      float(params.off_ratio))


def _net_drive(x: np.ndarray, stages: int, off_gain: float, off_ratio: float) -> np.ndarray:
    return np.asarray(gammainc(stages, x) - off_gain * gammainc(stages, x / off_ratio))


#: the mean drive is evaluated on x = t/τ in [0, _X_MAX]: with ≤ 12 steps the window ends well inside
_X_MAX = 60.0


def _peak(params: UBCParams) -> tuple[float, np.ndarray, np.ndarray]:
    return _drive_curve(int(params.stages), float(params.off_gain), float(params.off_ratio))


@functools.lru_cache(maxsize=16)
def _drive_curve(stages: int, off_gain: float, off_ratio: float) -> tuple[float, np.ndarray, np.ndarray]:
    """Peak, grid and mean drive on it, kept per shape: a microzone build asks five times (~30 ms each)."""
    x = np.linspace(0.0, _X_MAX, 60001)
    d = _net_drive(x, stages, off_gain, off_ratio)
    x.flags.writeable = False  # shared between callers
    d.flags.writeable = False
    return float(d.max()), x, d


def peak_drive(params: UBCParams) -> float:
    """Peak of the mean net drive d(x) (units of the steady ON current); must be > 0 to fire."""
    return _peak(params)[0]


def ubc_draw(n_lines: int, params: UBCParams, rng: np.random.Generator
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each UBC's mossy line, ON step τ (s, log-uniform) and threshold fraction f (uniform)."""
    line = rng.integers(0, n_lines, params.n)
    tau = np.exp(rng.uniform(np.log(float(params.tau_min)), np.log(float(params.tau_max)), params.n))
    frac = rng.uniform(params.frac_min, params.frac_max, params.n)
    return line, tau, frac


def active_window(tau: np.ndarray, frac: np.ndarray, params: UBCParams) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (s after a sustained input starts) of each UBC's mean suprathreshold window."""
    peak, x, d = _peak(params)
    start = np.empty(np.size(tau))
    end = np.empty(np.size(tau))
    for k, (ti, fi) in enumerate(zip(np.atleast_1d(tau), np.atleast_1d(frac), strict=True)):
        above = np.flatnonzero(d > fi * peak)
        # still above threshold at the grid's end (a very slow, weak OFF cascade): an open window
        start[k], end[k] = x[above[0]] * ti, (x[above[-1]] * ti if above[-1] < x.size - 1 else np.inf)
    return start, end


def ubc_equations(stages: int) -> b2.Equations:
    """LIF membrane with an ON (a_1…a_n) and an OFF (b_1…b_n) linear cascade per cell."""
    lines = [f"dv/dt = (g_L*(E_L - v) + a{stages} - b{stages}) / C : volt (unless refractory)",
             "da1/dt = -a1 / tau_on : amp", "db1/dt = -b1 / (off_ratio * tau_on) : amp"]
    for k in range(2, stages + 1):
        lines.append(f"da{k}/dt = (a{k - 1} - a{k}) / tau_on : amp")
        lines.append(f"db{k}/dt = (b{k - 1} - b{k}) / (off_ratio * tau_on) : amp")
    lines += ["tau_on : second (constant)", "q_on : amp (constant)", "q_off : amp (constant)"]
    return b2.Equations("\n".join(lines))


def threshold_margin(params: UBCParams, frac: np.ndarray | float, background_ratio: float) -> np.ndarray:
    """f·peak + (ν_b/ν)(1 − κ): the CS drive at threshold above the background's steady net current.

    The MF's background (rate ν_b) holds a steady net current g·(ν_b/ν)(1 − κ) before the CS (ν the
    CS rate the steady ON current g·I_rh refers to); the CS adds g·d(t/τ). Threshold at f·peak
    of d then needs g·margin = 1, so a UBC has a window only where the margin is positive.
    """
    return np.asarray(np.asarray(frac) * peak_drive(params) + background_ratio * (1 - params.off_gain))


def ubc_gain(params: UBCParams, frac: np.ndarray, input_rate: float, background_rate: float) -> np.ndarray:
    """Steady ON current per unit rheobase, g = 1 / :func:`threshold_margin`, putting threshold at f·peak."""
    peak = peak_drive(params)
    margin = threshold_margin(params, frac, background_rate / input_rate)
    if peak <= 0 or np.any(margin <= 0):
        raise ValueError("UBC off_gain/off_ratio/frac_min leave no excitatory window above the background's "
                         "steady OFF current")
    return np.asarray(1.0 / margin)


def ubc_group(params: UBCParams, tau: np.ndarray, frac: np.ndarray, input_rate: b2.Quantity,
              background_rate: b2.Quantity, clock: b2.Clock | None = None, name: str = "ubc"
              ) -> b2.NeuronGroup:
    """The UBCs, each calibrated (:func:`ubc_gain`) to cross threshold at f·peak of its CS drive.

    ``input_rate`` is the CS rate of a mossy line. Per MF spike the first ON step jumps by
    q_on = g·I_rh / (rate·τ) and the first OFF step by κ·q_on/λ, so the steady currents are g·I_rh
    and κ·g·I_rh.
    """
    gain = ubc_gain(params, frac, float(input_rate), float(background_rate))
    eqs = ubc_equations(params.stages)
    ns = {k: getattr(params, k) for k in ("C", "g_L", "E_L", "V_th", "V_reset", "off_ratio")}
    group = b2.NeuronGroup(params.n, eqs, threshold="v > V_th", reset="v = V_reset",
                           refractory=params.refractory, method="exponential_euler", namespace=ns,
                           name=name, clock=clock)
    q_on = gain * float(params.rheobase) / (float(input_rate) * tau)
    group.tau_on = tau * b2.second
    group.q_on = q_on * b2.amp
    group.q_off = params.off_gain * q_on / params.off_ratio * b2.amp
    group.v = params.E_L
    return group
