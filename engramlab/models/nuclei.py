r"""Deep cerebellar nuclei (DCN) cells: the circuit's output, inhibited by Purkinje cells.

.. math:: C \dot v = g_L (E_L - v) + I_e - I_{pc}, \qquad \dot I_{pc} = -I_{pc}/\tau_{pc}

A Purkinje pause removes inhibition and the DCN cell fires faster (disinhibition). Membrane
constants from Casali et al. (2019); ``I_e`` and the PC→DCN weight are chosen so that a DCN cell
fires ~10 Hz under its Purkinje cell's ~60 Hz baseline (DCN ≈ 10 Hz in vivo at rest).
"""

from __future__ import annotations

from dataclasses import dataclass

import brian2 as b2
from brian2 import ms, mV, nS, pA, pF

from engramlab.models._params import Params, param

__all__ = ["NucleiParams", "mossy_nuclei_synapses", "nuclei_group"]


@dataclass(frozen=True)
class NucleiParams(Params):
    """DCN LIF parameters (membrane: Casali et al. 2019)."""

    C: b2.Quantity = param(142 * pF, "membrane capacitance (Casali et al. 2019)", unit=pF, low=0, low_open=True)
    g_L: b2.Quantity = param(4.3 * nS, "leak conductance (Casali et al. 2019)", unit=nS, low=0, low_open=True)
    E_L: b2.Quantity = param(-45 * mV, "resting potential (Casali et al. 2019)", unit=mV, low=-150, high=0)
    V_th: b2.Quantity = param(-36 * mV, "spike threshold (Casali et al. 2019)", unit=mV, low=-150, high=0)
    V_reset: b2.Quantity = param(-55 * mV, "reset potential (Casali et al. 2019)", unit=mV, low=-150, high=0)
    I_e: b2.Quantity = param(110 * pA, "tonic drive (~10 Hz under baseline PC inhibition)", unit=pA, low=0)
    tau_pc: b2.Quantity = param(5 * ms, "PC→DCN IPSC decay", unit=ms, low=0, low_open=True)
    w_pc: b2.Quantity = param(200 * pA, "PC→DCN IPSC amplitude per PC spike, summed over the Purkinje "
                                        "cells converging on one DCN cell", unit=pA, low=0)
    delay_pc: b2.Quantity = param(4 * ms, "PC→DCN delay (Casali et al. 2019)", unit=ms, low=0)
    refractory: b2.Quantity = param(1.5 * ms, "absolute refractory period", unit=ms, low=0)
    mf_eta: b2.Quantity = param(0 * pA, "MF→DCN plasticity per mossy spike and per theta of missing "
                                        "Purkinje inhibition (0: no mossy→DCN synapses). Medina & Mauk "
                                        "(2000): LTP when a mossy spike meets a Purkinje pause, LTD when it "
                                        "meets stronger than baseline inhibition", unit=pA, low=0)
    mf_theta: b2.Quantity = param(250 * pA, "Purkinje inhibition at which MF→DCN synapses neither grow nor "
                                            "shrink: the baseline I_pc (4 PCs × ~62 Hz × 200 pA × 5 ms)",
                                  unit=pA, low=0, low_open=True)
    mf_w_max: b2.Quantity = param(100 * pA, "largest MF→DCN EPSC", unit=pA, low=0)
    tau_mf: b2.Quantity = param(5 * ms, "MF→DCN EPSC decay", unit=ms, low=0, low_open=True)


def nuclei_group(n: int, params: NucleiParams, name: str = "nuclei",
                 clock: b2.Clock | None = None) -> b2.NeuronGroup:
    """A NeuronGroup of ``n`` DCN cells."""
    ns = {k: getattr(params, k) for k in ("C", "g_L", "E_L", "V_th", "V_reset", "I_e", "tau_pc")}
    if float(params.mf_eta) > 0:
        ns["tau_mf"] = params.tau_mf
        eqs = b2.Equations("""
            dv/dt = (g_L*(E_L - v) + I_e - I_pc + I_mf) / C : volt (unless refractory)
            dI_pc/dt = -I_pc / tau_pc : amp
            dI_mf/dt = -I_mf / tau_mf : amp
        """)
    else:
        eqs = b2.Equations("""
            dv/dt = (g_L*(E_L - v) + I_e - I_pc) / C : volt (unless refractory)
            dI_pc/dt = -I_pc / tau_pc : amp
        """)
    group = b2.NeuronGroup(n, eqs, threshold="v > V_th", reset="v = V_reset",
                           refractory=params.refractory, method="exact", namespace=ns, name=name, clock=clock)
    group.v = params.V_reset
    return group


def mossy_nuclei_synapses(mossy: b2.SpikeSource, nuclei: b2.NeuronGroup, params: NucleiParams,
                          gate: b2.TimedArray, clock: b2.Clock | None = None) -> b2.Synapses:
    r"""Plastic mossy-fibre collaterals onto every DCN cell (Medina & Mauk 2000), starting at 0.

    Each mossy spike excites the DCN cell by ``w`` and changes it by the Purkinje inhibition the
    cell is under at that moment:

    .. math:: \Delta w = \eta\,(\theta - I_{pc})/\theta, \qquad 0 \le w \le w_{max}

    so a mossy input active during a Purkinje pause grows and one active under stronger than
    baseline inhibition shrinks; at baseline inhibition nothing changes on average. ``gate`` (a
    TimedArray of 0/1, ``plasticity_gate``) freezes it like the PF→PC synapses.
    """
    syn = b2.Synapses(mossy, nuclei, model="w : amp",
                      on_pre=("I_mf_post += w\n"
                              "w = clip(w + eta * (theta - I_pc_post) / theta * plasticity_gate(t), 0*amp, w_max)"),
                      namespace={"eta": params.mf_eta, "theta": params.mf_theta, "w_max": params.mf_w_max,
                                 "plasticity_gate": gate},
                      clock=clock, name="mossy_nuclei")
    syn.connect()
    syn.w = 0 * b2.amp
    return syn
