r"""Granule cells (GrC): leaky integrate-and-fire neurons that are SDM hard locations.

A granule cell sums current-based mossy-fibre EPSCs and Golgi-cell IPSCs:

.. math::
    C \dot v = g_L (E_L - v) + I_{mf} - I_{go}, \qquad
    \dot I_{mf} = -I_{mf}/\tau_{exc}, \qquad \dot I_{go} = -I_{go}/\tau_{inh}

Membrane and synaptic constants from Casali et al. (2019, Front. Neuroinform. 13:37). The
model is linear between spikes, so Brian2 integrates it exactly with constant propagators —
the cheapest update there is, which matters because granule cells are by far the largest
population.

Because every mossy-fibre line of a synchronous volley arrives in the same time step, the
peak depolarisation is exactly proportional to the number of matching inputs. The MF→GrC
weight is calibrated on the membrane potential at the simulation steps (the exact solution
sampled every ``dt``, which is what the threshold sees) so that a cell fires if and only if
at least ``threshold_inputs`` of its inputs are active (:func:`volley_weight`): the cell is a
Hamming-ball (Kanerva) or all-``k``-match (Jaeckel) detector.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import brian2 as b2
import numpy as np
from brian2 import ms, mV, nS, pF

from engramlab.errors import ConfigError
from engramlab.models._params import Params, param
from engramlab.models.plasticity import EligibilityState

__all__ = ["GranuleParams", "granule_equations", "granule_group", "inhibitory_response", "presentation_response",
           "presentation_weight", "volley_response", "volley_weight"]


@dataclass(frozen=True)
class GranuleParams(Params):
    """Granule-cell LIF parameters (defaults: Casali et al. 2019 unless stated)."""

    C: b2.Quantity = param(7 * pF, "membrane capacitance (Casali et al. 2019)", unit=pF, low=0, low_open=True)
    g_L: b2.Quantity = param(0.29 * nS, "leak conductance (Casali et al. 2019)", unit=nS, low=0, low_open=True)
    E_L: b2.Quantity = param(-62 * mV, "resting potential (Casali et al. 2019)", unit=mV, low=-120, high=0)
    V_th: b2.Quantity = param(-41 * mV, "spike threshold (Casali et al. 2019)", unit=mV, low=-120, high=0)
    V_reset: b2.Quantity = param(-70 * mV, "reset potential (Casali et al. 2019)", unit=mV, low=-120, high=0)
    tau_exc: b2.Quantity = param(5.8 * ms, "MF→GrC EPSC decay (Casali et al. 2019)", unit=ms, low=0,
                                 low_open=True)
    tau_inh: b2.Quantity = param(13.6 * ms, "Golgi→GrC IPSC decay (Casali et al. 2019)", unit=ms, low=0,
                                 low_open=True)
    refractory: b2.Quantity = param(1.5 * ms, "absolute refractory period (Casali et al. 2019)", unit=ms,
                                    low=0)

    def check(self) -> None:
        """V_th must lie above E_L."""
        if not self.V_th > self.E_L:
            raise self.fail("V_th", f"({self.V_th}) must lie above E_L ({self.E_L})")

    def replace_tau(self, tau_exc: b2.Quantity) -> GranuleParams:
        """A copy whose synaptic decay is ``tau_exc`` (to reuse the EPSP kernel for another current)."""
        return dataclasses.replace(self, tau_exc=tau_exc)

    @property
    def tau_m(self) -> b2.Quantity:
        """Membrane time constant C / g_L."""
        return self.C / self.g_L


def granule_equations(golgi: bool = True) -> b2.Equations:
    r"""Brian2 equations of the granule cell (parameters come from the group's namespace).

    ``golgi=False`` leaves out the Golgi IPSC ``I_go`` for circuits without Golgi cells: one
    state variable less per cell is ~8 MB less memory traffic per step at 10^6 cells.
    """
    if not golgi:
        return b2.Equations("""
            dv/dt = (g_L*(E_L - v) + I_mf) / C : volt (unless refractory)
            dI_mf/dt = -I_mf / tau_exc : amp
        """)
    return b2.Equations("""
        dv/dt = (g_L*(E_L - v) + I_mf - I_go) / C : volt (unless refractory)
        dI_mf/dt = -I_mf / tau_exc : amp
        dI_go/dt = -I_go / tau_inh : amp
    """)


def granule_group(n: int, params: GranuleParams, *, golgi: bool = True,
                  eligibility: EligibilityState | None = None, clock: b2.Clock | None = None,
                  name: str = "granule") -> b2.NeuronGroup:
    """A NeuronGroup of ``n`` granule cells at rest.

    Parameters
    ----------
    n : int
        Number of cells.
    params : GranuleParams
        Membrane and synaptic constants.
    golgi : bool
        Whether the cells carry the Golgi IPSC ``I_go`` (feedback inhibition of the SDM layer).
    eligibility : EligibilityState, optional
        Per-cell PF eligibility state driven by the cell's own spikes
        (:func:`engramlab.models.plasticity.eligibility_state`).
    clock : brian2.Clock, optional
    name : str
    """
    ns: dict[str, object] = {k: getattr(params, k) for k in ("C", "g_L", "E_L", "V_th", "V_reset",
                                                             "tau_exc")}
    if golgi:
        ns["tau_inh"] = params.tau_inh
    eqs = granule_equations(golgi)
    reset = "v = V_reset"
    if eligibility is not None and eligibility.reset:
        ns.update(eligibility.namespace)
        eqs = eqs + eligibility.equations
        reset += f"\n{eligibility.reset}"
    group = b2.NeuronGroup(
        n, eqs, threshold="v > V_th", reset=reset, refractory=params.refractory,
        method="exact", namespace=ns, name=name, clock=clock)
    if eligibility is not None and eligibility.update:
        group.run_regularly(eligibility.update, when="groups", name=f"{name}_eligibility")
    group.v = params.E_L
    return group


def volley_response(params: GranuleParams, dt: b2.Quantity, duration: b2.Quantity = 60 * ms
                    ) -> np.ndarray:
    """Membrane depolarisation (volts above rest) after a unit (1 A) EPSC jump, at each step.

    The closed-form response of the linear membrane to an exponentially decaying current,
    sampled at the steps after the jump (the values the threshold is tested on):
    h(t) = τ_s τ_m / (C (τ_m − τ_s)) · (e^{−t/τ_m} − e^{−t/τ_s}).
    """
    c = float(params.C)
    tau_m, tau_s = float(params.tau_m), float(params.tau_exc)
    t = float(dt) * np.arange(1, round(float(duration / dt)) + 1)
    if abs(tau_m - tau_s) < 1e-12 * tau_m:
        return np.asarray(t / c * np.exp(-t / tau_m))
    return np.asarray(tau_s * tau_m / (c * (tau_m - tau_s)) * (np.exp(-t / tau_m) - np.exp(-t / tau_s)))


def volley_weight(params: GranuleParams, threshold_inputs: int, dt: b2.Quantity) -> b2.Quantity:
    """MF→GrC EPSC amplitude that makes a cell fire iff ≥ ``threshold_inputs`` volley inputs match.

    The peak of ``N·w·h`` (``h`` from :func:`volley_response`) crosses V_th − E_L for
    N = threshold_inputs and stays below it for N − 1: the threshold sits half an input above
    N − 1: both margins are gap/(2N − 1), gap = V_th − E_L.
    """
    return presentation_weight(params, threshold_inputs, dt)


def inhibitory_response(params: GranuleParams, dt: b2.Quantity) -> np.ndarray:
    """Hyperpolarisation (V per A of IPSC amplitude) after one Golgi IPSC (decay ``tau_inh``), at each step."""
    return volley_response(params.replace_tau(params.tau_inh), dt, 20 * params.tau_m)


def presentation_response(params: GranuleParams, dt: b2.Quantity, offsets: np.ndarray | None = None
                          ) -> np.ndarray:
    """Depolarisation (V per A of EPSC amplitude) after one line's presentation, at each step.

    The sum of :func:`volley_response` shifted to each spike of the line's nominal presentation
    (``offsets`` in seconds, rounded to the step; ``None``: one spike at 0).
    """
    steps = np.round(np.asarray([0.0] if offsets is None else offsets, dtype=float) / float(dt)).astype(int)
    span = 60 * ms + int(steps.max()) * dt
    h = volley_response(params, dt, span)
    total = np.zeros_like(h)
    for k in steps:
        total[k:] += h[:h.size - k]
    return total


def presentation_weight(params: GranuleParams, threshold_inputs: int, dt: b2.Quantity,
                        offsets: np.ndarray | None = None, background_hz: float = 0.0) -> b2.Quantity:
    r"""MF→GrC EPSC amplitude for a threshold of ``threshold_inputs`` matching lines.

    A cell with N presenting lines peaks at :math:`w (N P + B)`, with P the peak of one line's
    nominal presentation (:func:`presentation_response`) and B the mean depolarisation per unit
    weight from background spikes arriving at ``background_hz`` in total on the cell's inputs
    (Campbell's theorem: rate × ∫h dt). Solving :math:`w((N - \tfrac12) P + B) = V_{th} - E_L`
    puts the threshold half a line above N − 1 on top of the mean background: the homeostatic
    set point of the granule cell's gain. Without background and with one volley spike this is
    :func:`volley_weight`.
    """
    if threshold_inputs < 1:
        raise ConfigError("threshold_inputs", f"must be >= 1, got {threshold_inputs}")
    peak = float(np.max(presentation_response(params, dt, offsets)))
    area = 0.0
    if background_hz > 0:
        h = volley_response(params, dt, 20 * params.tau_m)
        area = float(np.sum(h) * float(dt))
    gap = float(params.V_th - params.E_L)
    return gap / (peak * (threshold_inputs - 0.5) + background_hz * area) * b2.amp
