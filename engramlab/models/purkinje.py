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
* ``noise`` adds white membrane noise σ·sqrt(2/τ_m)·ξ (σ is the SD the free membrane would
  have): it stands for the synaptic bombardment that makes simple spikes irregular in vivo
  (CV of ISIs ≈ 0.3–0.5). σ = 14 mV gives CV ≈ 0.39 at 62 Hz. Integrated by Euler–Maruyama
  (exact integration when σ = 0); Brian2 draws ξ from its seeded generator, identical on
  every device for one seed (single-threaded).

Several Purkinje cells can share one parallel-fibre input (:func:`parallel_fibre_input`): the
cells of one output line sit in one microzone, sample the same parallel-fibre beam and are
taught by one olive cluster, so their PF weights and PF current are the same; each has its
own membrane, noise and spikes.

Membrane constants from Casali et al. (2019); ``I_e`` chosen for a ~60 Hz simple-spike rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import brian2 as b2
import numpy as np
from brian2 import ms, mV, nS, pA, pF

from engramlab.models._params import Params, param
from engramlab.models.membrane_noise import white_noise

__all__ = ["PurkinjeParams", "parallel_fibre_input", "purkinje_group", "tonic_period"]


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
    noise: b2.Quantity = param(0 * mV, "SD of white membrane noise (in vivo simple spikes are irregular: "
                                       "14 mV gives CV ≈ 0.39 at 62 Hz; 0: a regular pacemaker)", unit=mV,
                               low=0, high=100, switch=True)

    def check(self) -> None:
        """Ordered voltages and a suprathreshold tonic drive."""
        if not self.v_floor < self.V_reset < self.V_th:
            raise self.fail("V_reset", f"needs v_floor < V_reset < V_th, got {self.v_floor}, {self.V_reset}, "
                                       f"{self.V_th}")
        if self.E_L + self.I_e / self.g_L <= self.V_th:
            raise self.fail("I_e", f"= {self.I_e} is below rheobase {(self.V_th - self.E_L) * self.g_L}: "
                                   "the cell would not fire tonically")


def purkinje_group(n: int, params: PurkinjeParams, name: str = "purkinje",
                   clock: b2.Clock | None = None, linked_input: bool = False) -> b2.NeuronGroup:
    """A NeuronGroup of ``n`` tonically firing Purkinje cells with a ``complex`` custom event.

    ``linked_input``: ``I_pf`` and ``I_mli`` are linked variables, to be linked to a
    :func:`parallel_fibre_input` group (one per output line) by the circuit.
    """
    ns = {k: getattr(params, k) for k in ("C", "g_L", "E_L", "V_th", "V_reset", "I_e", "tau_pf",
                                          "v_floor", "cf_kick")}
    noise, method = white_noise(params.noise, params.C, params.g_L, ns)
    drive = "(g_L*(E_L - v) + I_e + I_pf - I_mli) / C" + noise
    currents = ("I_pf : amp (linked)\nI_mli : amp (linked)" if linked_input else
                "dI_pf/dt = -I_pf / tau_pf : amp\ndI_mli/dt = -I_mli / tau_pf : amp")
    eqs = b2.Equations(f"dv/dt = {drive} : volt (unless refractory)\n{currents}\ncf : 1")
    group = b2.NeuronGroup(
        n, eqs, threshold="v > V_th", reset="v = V_reset", refractory=params.refractory,
        events={"complex": "cf > 0.5"}, method=method, namespace=ns, name=name,
        clock=clock)
    group.run_on_event("complex", "cf = 0; v = clip(v + cf_kick, v_floor, V_th + cf_kick)")
    group.run_regularly("v = clip(v, v_floor, 1*volt)", when="after_groups", name=f"{name}_floor")
    group.v = params.V_reset
    return group


def parallel_fibre_input(m: int, params: PurkinjeParams, name: str = "pf_input",
                         clock: b2.Clock | None = None) -> b2.NeuronGroup:
    """The shared PF current of ``m`` output lines: target of the plastic PF synapses.

    ``I_pf`` (PF EPSCs through the learned weights) and ``I_mli`` (the lumped feed-forward
    MLI inhibition) decay with ``tau_pf``; a climbing-fibre input sets ``cf`` and fires the
    ``complex`` event that gates LTD at that line's PF synapses. The Purkinje cells of line
    ``i`` link their ``I_pf``/``I_mli`` to entry ``i``.
    """
    group = b2.NeuronGroup(m, """dI_pf/dt = -I_pf / tau_pf : amp
                                 dI_mli/dt = -I_mli / tau_pf : amp
                                 cf : 1""", events={"complex": "cf > 0.5"}, method="exact",
                           namespace={"tau_pf": params.tau_pf}, name=name, clock=clock)
    group.run_on_event("complex", "cf = 0")
    return group


def tonic_period(params: PurkinjeParams) -> b2.Quantity:
    """Continuous-time period of tonic firing, refractory + τ ln((V∞ − V_reset)/(V∞ − V_th))."""
    tau = params.C / params.g_L
    v_inf = params.E_L + params.I_e / params.g_L
    return params.refractory + tau * float(np.log(float((v_inf - params.V_reset) / (v_inf - params.V_th))))
