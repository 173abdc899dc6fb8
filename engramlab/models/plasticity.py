r"""Parallel-fibre → Purkinje plasticity: climbing-fibre-gated LTD and PF-alone LTP.

The Marr–Albus–Ito rule in the spiking form of Antonietti et al. (2016, IEEE TBME 63:210) /
EDLUT: every PF spike potentiates its synapse by ``a_plus``; every climbing-fibre spike (a
complex spike of the postsynaptic Purkinje cell) depresses each PF synapse of that cell by
``a_minus`` times the PF's eligibility; weights stay in ``[0, w_max]``; a plasticity gate
(0 or 1, a schedule) switches learning off during reads.

Eligibility, selectable:

* ``"window"`` (synchronous volleys): 1 if the PF spike arrived within ``window`` before the
  CF, else 0. With ``ltd_ltp_ratio = 2`` one write changes an active synapse by
  ``-a_plus (2v - 1)``: Kanerva's bipolar counter, sign-flipped (``v`` the value bit taught
  by the CF).
* ``"burst"`` (bursts of PF spikes; the realistic SDM): the number of PF spikes in the
  granule cell's latest burst (spikes less than ``window`` apart), if that burst's last spike
  arrived within ``window`` before the CF. A write then changes an active synapse by
  ``-a_plus · s · (2v - 1)`` at 2:1 (``s`` the cell's spikes in the presentation): Kanerva's
  counter weighted by the cell's spike count. Held in two variables per granule cell.
* ``"kernel"``: a gamma kernel of recent PF spikes, k(s) ∝ (s/τ)^q e^{-s/τ}, peaking
  ``kernel_peak`` (≈ 100 ms) before the CF with half-height at ≈ 64 and 148 ms for q = 8, normalised
  to 1 at the peak. It is held in q + 1 linear state variables per granule cell (a chain of
  exponential filters), so no spike buffers are needed — the same idea as EDLUT's
  exp·sin^e kernel held in e + 2 variables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import brian2 as b2
from brian2 import ms, pA

from engramlab.models._params import Params, param

__all__ = ["EligibilityState", "PFPlasticityParams", "climbing_fibre_synapses",
           "eligibility_state", "pf_purkinje_synapses"]


@dataclass(frozen=True)
class PFPlasticityParams(Params):
    """PF→PC synapse and plasticity parameters."""

    w0: b2.Quantity = param(800 * pA, "unlearned PF→PC EPSC amplitude per model PF (a model PF "
                                      "stands for a bundle of real PFs); also the lumped MLI "
                                      "feed-forward inhibition per PF spike", unit=pA, low=0)
    w_max: b2.Quantity = param(1600 * pA, "upper weight bound", unit=pA, low=0, low_open=True)
    a_plus: b2.Quantity = param(100 * pA, "LTP per PF spike while plasticity is on", unit=pA, low=0)
    ltd_ltp_ratio: float = param(2.0, "LTD per CF-paired PF spike / LTP per PF spike; 2 gives "
                                      "Kanerva's bipolar counters; published spiking models use "
                                      "8–40 per event (Antonietti et al. 2016; Geminiani 2022)", low=0)
    eligibility: str = param("window", "PF eligibility: 'window' (synchronous volleys), 'burst' (spike count "
                                       "of the latest PF burst) or 'kernel' (gamma kernel peaking kernel_peak "
                                       "before the CF)", choices=("window", "burst", "kernel"), structural=True)
    window: b2.Quantity = param(25 * ms, "eligibility window after PF arrival ('window' and 'burst' modes)",
                                unit=ms, low=0, low_open=True)
    kernel_peak: b2.Quantity = param(100 * ms, "time after a PF spike at which a CF depresses "
                                               "most (Safo & Regehr 2008; Wetmore et al. 2008)", unit=ms, low=0,
                                     low_open=True)
    kernel_order: int = param(8, "order q of the gamma kernel (half-height at ≈ 0.64 and 1.48 × kernel_peak for q = 8)",
                              low=1, high=30, structural=True)
    bounds: str = param("hard", "'hard': additive steps clipped to [0, w_max] (exact counters); "
                                "'soft': steps scaled by the distance to the bound, LTP × "
                                "(w_max − w)/(w_max − w0), LTD × w/w0 (van Rossum et al. 2000), so "
                                "weights settle where LTP and LTD balance", choices=("hard", "soft"),
                        structural=True)
    delay_pf: b2.Quantity = param(5 * ms, "PF→PC delay (Casali et al. 2019)", unit=ms, low=0)
    delay_cf: b2.Quantity = param(4 * ms, "CF→PC delay (Casali et al. 2019)", unit=ms, low=0)

    def check(self) -> None:
        """w0 within the bounds (strictly inside them for soft bounds)."""
        if self.w0 > self.w_max:
            raise self.fail("w0", f"({self.w0}) must not exceed w_max ({self.w_max})")
        if self.bounds == "soft" and not 0 * pA < self.w0 < self.w_max:
            raise self.fail("w0", "must lie strictly between 0 and w_max with bounds='soft'")

    @property
    def a_minus(self) -> b2.Quantity:
        """LTD per CF-paired eligible PF spike."""
        return self.ltd_ltp_ratio * self.a_plus

    @property
    def kernel_tau(self) -> b2.Quantity:
        """Time constant of each filter of the gamma chain (peak = order · tau)."""
        return self.kernel_peak / self.kernel_order


@dataclass(frozen=True)
class EligibilityState:
    """Per-granule-cell state of the ``kernel`` eligibility (empty in ``window`` mode).

    Attributes
    ----------
    equations : brian2.Equations
        State variables ``e0 … e_q`` and the normalised output ``elig``.
    reset : str
        Code added to the granule reset (a PF spike enters the chain).
    update : str
        Code run every step: the exact propagator of the filter chain.
    namespace : dict
        Constants used by the code.
    """

    equations: b2.Equations
    reset: str
    update: str
    namespace: dict[str, object]


def eligibility_state(params: PFPlasticityParams, dt: b2.Quantity) -> EligibilityState:
    r"""The gamma-kernel eligibility as explicit, exactly integrated state (``kernel`` mode).

    A chain of q + 1 first-order filters with time constant τ driven by PF spikes,
    ė_0 = −e_0/τ, ė_i = (e_{i−1} − e_i)/τ, has impulse response e_q(s) = (s/τ)^q e^{−s/τ}/q!.
    Its exact propagator over one step h is e_i ← e^{−h/τ} Σ_{j≤i} e_j (h/τ)^{i−j}/(i−j)!,
    applied here as explicit code (updating the highest stage first so every stage reads the
    old values). Writing the update out avoids Brian2's symbolic solver, which is very slow on
    a chain this long, and keeps the integration exact.
    """
    if params.eligibility == "burst":
        return EligibilityState(b2.Equations("n_burst : 1\nt_burst : second"),
                                "n_burst = n_burst * int(t - t_burst < eligibility_window) + 1\nt_burst = t", "",
                                {"eligibility_window": params.window})
    if params.eligibility != "kernel":
        return EligibilityState(b2.Equations(""), "", "", {})
    q = params.kernel_order
    tau = float(params.kernel_tau)
    h = float(dt)
    decay = math.exp(-h / tau)
    coef = [decay * (h / tau) ** k / math.factorial(k) for k in range(q + 1)]
    peak = q**q * math.exp(-q) / math.factorial(q)
    lines = [f"e{i} : 1" for i in range(q + 1)]
    lines.append(f"elig = e{q} / {peak!r} : 1")
    update = []
    for i in range(q, -1, -1):
        terms = " + ".join(f"elig_c{i - j} * e{j}" for j in range(i + 1))
        update.append(f"e{i} = {terms}")
    namespace: dict[str, object] = {f"elig_c{k}": coef[k] for k in range(q + 1)}
    return EligibilityState(b2.Equations("\n".join(lines)), "e0 += 1", "\n".join(update), namespace)


def pf_purkinje_synapses(granule: b2.NeuronGroup, purkinje: b2.NeuronGroup,
                         params: PFPlasticityParams, gate: b2.TimedArray,
                         name: str = "pf_purkinje", clock: b2.Clock | None = None) -> b2.Synapses:
    """All-to-all plastic PF→PC synapses (not yet connected), with the plasticity ``gate``.

    ``gate`` is a TimedArray of 0/1 over time; it is looked up in the synapses' namespace
    under ``plasticity_gate`` and may be replaced there before a run.
    """
    if params.eligibility == "window":
        elig = ("int(t - lastspike_pre - delay_pf >= 0*ms) * "
                "int(t - lastspike_pre - delay_pf < eligibility_window)")
    elif params.eligibility == "burst":
        elig = ("n_burst_pre * int(t - t_burst_pre - delay_pf >= 0*ms) * "
                "int(t - t_burst_pre - delay_pf < eligibility_window)")
    else:
        elig = "elig_pre"
    ns = {"w0": params.w0, "w_max": params.w_max, "a_plus": params.a_plus,
          "a_minus": params.a_minus, "delay_pf": params.delay_pf,
          "eligibility_window": params.window, "plasticity_gate": gate}
    if params.bounds == "soft":
        ltp = "a_plus * (w_max - w) / (w_max - w0)"
        ltd = f"a_minus * {elig} * w / w0"
    else:
        ltp, ltd = "a_plus", f"a_minus * {elig}"
    syn = b2.Synapses(
        granule, purkinje, model="w : amp",
        on_pre=("I_pf_post += w\n"
                "I_mli_post += w0\n"
                f"w = clip(w + {ltp} * plasticity_gate(t), 0*amp, w_max)"),
        on_post=f"w = clip(w - {ltd} * plasticity_gate(t), 0*amp, w_max)",
        on_event={"pre": "spike", "post": "complex"},
        delay={"pre": params.delay_pf}, namespace=ns, name=name, clock=clock)
    return syn


def climbing_fibre_synapses(olive: b2.SpikeSource, purkinje: b2.NeuronGroup,
                            params: PFPlasticityParams, name: str = "climbing_fibre",
                            clock: b2.Clock | None = None) -> b2.Synapses:
    """One climbing fibre per Purkinje cell: a CF spike schedules a complex spike."""
    syn = b2.Synapses(olive, purkinje, on_pre="cf_post += 1", delay=params.delay_cf, name=name,
                      clock=clock)
    return syn
