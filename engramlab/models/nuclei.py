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

__all__ = ["NucleiParams", "nuclei_group"]


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


def nuclei_group(n: int, params: NucleiParams, name: str = "nuclei",
                 clock: b2.Clock | None = None) -> b2.NeuronGroup:
    """A NeuronGroup of ``n`` DCN cells."""
    ns = {k: getattr(params, k) for k in ("C", "g_L", "E_L", "V_th", "V_reset", "I_e", "tau_pc")}
    eqs = b2.Equations("""
        dv/dt = (g_L*(E_L - v) + I_e - I_pc) / C : volt (unless refractory)
        dI_pc/dt = -I_pc / tau_pc : amp
    """)
    group = b2.NeuronGroup(n, eqs, threshold="v > V_th", reset="v = V_reset",
                           refractory=params.refractory, method="exact", namespace=ns, name=name, clock=clock)
    group.v = params.V_reset
    return group
