r"""Purkinje cells (PC): tonically firing LIF neurons that read out one SDM output line each.

.. math::
    C \dot v = g_L (E_L - v) + I_e + I_{pf} - I_{mli}, \qquad
    \dot I_{pf} = -I_{pf}/\tau_{pf}, \qquad \dot I_{mli} = -I_{mli}/\tau_{pf}

* ``I_e`` makes the cell fire simple spikes tonically (~60 Hz with the defaults; awake PCs fire
  40–90 Hz).
* ``I_pf`` is the parallel-fibre excitation through the plastic PF→PC weights.
* ``I_mli`` is the feed-forward inhibition that parallel fibres recruit through molecular-layer
  interneurons (Mittmann, Koch & Häusser 2005, J. Physiol. 563:369). It is lumped here: each PF
  spike also delivers a fixed inhibitory current equal to the unlearned PF weight, with the same
  kernel, so an unlearned input leaves the PC on its tonic rhythm and learned depression of PF
  synapses (LTD) shows up as a pause below the baseline — the read threshold of the SDM.
* A climbing-fibre (CF) input sets ``cf``; the custom event ``complex`` (a complex spike) fires
  in the next step, triggers CF-gated plasticity at every PF synapse of that cell, and
  depolarises the cell.
* The membrane is bounded below by ``v_floor``, standing in for the reversal potential of
  inhibition, so that a strong pause ends within ~25 ms.

Membrane constants from Casali et al. (2019); ``I_e`` chosen for a ~60 Hz simple-spike rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import brian2 as b2
import numpy as np
from brian2 import ms, mV, nS, pA, pF

from engramlab.models._params import Params, param

__all__ = ["PurkinjeParams", "purkinje_group", "tonic_period"]


@dataclass(frozen=True)
class PurkinjeParams(Params):
    """Purkinje-cell LIF parameters (membrane defaults: Casali et al. 2019)."""

    C: b2.Quantity = param(334 * pF, "membrane capacitance (Casali et al. 2019)", unit=pF, low=0, low_open=True)
    g_L: b2.Quantity = param(7.1 * nS, "leak conductance (Casali et al. 2019)", unit=nS, low=0, low_open=True)
    E_L: b2.Quantity = param(-59 * mV, "resting potential (Casali et al. 2019)", unit=mV, low=-150, high=0)
    V_th: b2.Quantity = param(-43 * mV, "spike threshold (Casali et al. 2019)", unit=mV, low=-150, high=0)
    V_reset: b2.Quantity = param(-69 * mV, "reset potential (Casali et al. 2019)", unit=mV, low=-150, high=0)
    I_e: b2.Quantity = param(600 * pA, "tonic drive giving ~62 Hz simple spikes (awake PCs fire "
                                       "40–90 Hz; Casali et al. 2019 use ~800 pA for ~85 Hz)", unit=pA, low=0)
    tau_pf: b2.Quantity = param(1.1 * ms, "PF→PC EPSC decay (Casali et al. 2019); the lumped MLI "
                                          "inhibition uses the same kernel", unit=ms, low=0, low_open=True)
    refractory: b2.Quantity = param(1 * ms, "absolute refractory period", unit=ms, low=0)
    v_floor: b2.Quantity = param(-80 * mV, "lower bound of the membrane (stands in for the "
                                           "inhibitory reversal potential)", unit=mV, low=-150, high=0)
    cf_kick: b2.Quantity = param(30 * mV, "depolarisation delivered by a climbing-fibre input "
                                          "(a complex spike)", unit=mV, low=0)

    def check(self) -> None:
        """Ordered voltages and a suprathreshold tonic drive."""
        if not self.v_floor < self.V_reset < self.V_th:
            raise self.fail("V_reset", f"needs v_floor < V_reset < V_th, got {self.v_floor}, {self.V_reset}, "
                                       f"{self.V_th}")
        if self.E_L + self.I_e / self.g_L <= self.V_th:
            raise self.fail("I_e", f"= {self.I_e} is below rheobase {(self.V_th - self.E_L) * self.g_L}: "
                                   "the cell would not fire tonically")


def purkinje_group(n: int, params: PurkinjeParams, name: str = "purkinje",
                   clock: b2.Clock | None = None) -> b2.NeuronGroup:
    """A NeuronGroup of ``n`` tonically firing Purkinje cells with a ``complex`` custom event."""
    ns = {k: getattr(params, k) for k in ("C", "g_L", "E_L", "V_th", "V_reset", "I_e", "tau_pf",
                                          "v_floor", "cf_kick")}
    eqs = b2.Equations("""
        dv/dt = (g_L*(E_L - v) + I_e + I_pf - I_mli) / C : volt (unless refractory)
        dI_pf/dt = -I_pf / tau_pf : amp
        dI_mli/dt = -I_mli / tau_pf : amp
        cf : 1
    """)
    group = b2.NeuronGroup(
        n, eqs, threshold="v > V_th", reset="v = V_reset", refractory=params.refractory,
        events={"complex": "cf > 0.5"}, method="exact", namespace=ns, name=name, clock=clock)
    group.run_on_event("complex", "cf = 0; v = clip(v + cf_kick, v_floor, V_th + cf_kick)")
    group.run_regularly("v = clip(v, v_floor, 1*volt)", when="after_groups", name=f"{name}_floor")
    group.v = params.V_reset
    return group


def tonic_period(params: PurkinjeParams) -> b2.Quantity:
    """Continuous-time period of tonic firing, refractory + τ ln((V∞ − V_reset)/(V∞ − V_th))."""
    tau = params.C / params.g_L
    v_inf = params.E_L + params.I_e / params.g_L
    return params.refractory + tau * float(np.log(float((v_inf - params.V_reset) / (v_inf - params.V_th))))
