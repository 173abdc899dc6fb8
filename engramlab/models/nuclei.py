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

from engramlab.models._params import check_quantity, param

__all__ = ["NucleiParams", "nuclei_group"]


@dataclass(frozen=True)
class NucleiParams:
    """DCN LIF parameters (membrane: Casali et al. 2019)."""

    C: b2.Quantity = param(142 * pF, "membrane capacitance (Casali et al. 2019)")
    g_L: b2.Quantity = param(4.3 * nS, "leak conductance (Casali et al. 2019)")
    E_L: b2.Quantity = param(-45 * mV, "resting potential (Casali et al. 2019)")
    V_th: b2.Quantity = param(-36 * mV, "spike threshold (Casali et al. 2019)")
    V_reset: b2.Quantity = param(-55 * mV, "reset potential (Casali et al. 2019)")
    I_e: b2.Quantity = param(110 * pA, "tonic drive (~10 Hz under baseline PC inhibition)")
    tau_pc: b2.Quantity = param(5 * ms, "PC→DCN IPSC decay")
    w_pc: b2.Quantity = param(200 * pA, "PC→DCN IPSC amplitude per PC spike")
    delay_pc: b2.Quantity = param(4 * ms, "PC→DCN delay (Casali et al. 2019)")
    refractory: b2.Quantity = param(1.5 * ms, "absolute refractory period")

    def __post_init__(self) -> None:
        o = "NucleiParams"
        check_quantity(o, "C", self.C, pF, 0, None, low_open=True)
        check_quantity(o, "g_L", self.g_L, nS, 0, None, low_open=True)
        for name in ("E_L", "V_th", "V_reset"):
            check_quantity(o, name, getattr(self, name), mV, -150, 0)
        check_quantity(o, "I_e", self.I_e, pA, 0, None)
        check_quantity(o, "tau_pc", self.tau_pc, ms, 0, None, low_open=True)
        check_quantity(o, "w_pc", self.w_pc, pA, 0, None)
        check_quantity(o, "delay_pc", self.delay_pc, ms, 0, None)
        check_quantity(o, "refractory", self.refractory, ms, 0, None)


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
