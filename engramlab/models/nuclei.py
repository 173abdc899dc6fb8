r"""Deep cerebellar nuclei (DCN) cells: the circuit's output, inhibited by Purkinje cells.

.. math:: C \dot v = g_L (E_L - v) + I_e - I_{pc}
                    + C\,\sigma_v \sqrt{2/\tau_m}\,\xi(t), \qquad \dot I_{pc} = -I_{pc}/\tau_{pc}

A Purkinje pause removes inhibition and the DCN cell fires faster (disinhibition). ``noise``
(σ_v, the SD the free membrane would have; off by default) is each cell's private membrane
noise: two DCN cells inhibited by the same Purkinje cells then fire different spikes (without
it, copies of a cell started at different potentials fired the same count in every read window of
the continual task). Membrane
constants from Casali et al. (2019); ``I_e`` and the PC→DCN weight are chosen so that a DCN cell
fires ~10 Hz under its Purkinje cell's ~60 Hz baseline (DCN ≈ 10 Hz in vivo at rest).
"""

from __future__ import annotations

from dataclasses import dataclass

import brian2 as b2
from brian2 import ms, mV, nS, pA, pF

from engramlab.models._params import Params, param
from engramlab.models.membrane_noise import white_noise

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
    noise: b2.Quantity = param(0 * mV, "SD the free membrane potential would have under each cell's private "
                                       "white noise (0: no noise)", unit=mV, low=0, high=100,
                                switch=True)
    mf_eta: b2.Quantity = param(0 * pA, "MF→DCN weight change per mossy spike at full Purkinje release "
                                        "or full excess (0: no mossy→DCN synapses). Medina & Mauk "
                                        "(2000): LTP when a mossy spike meets a Purkinje pause, LTD when it "
                                        "meets stronger than baseline inhibition", unit=pA, low=0,
                                 switch=True)
    mf_theta_ltp: b2.Quantity = param(50 * pA, "smoothed Purkinje inhibition below which a mossy spike "
                                               "potentiates its DCN synapse (0.8 × the ~62 pA baseline, "
                                               "~62 Hz × w_pc × 5 ms)", unit=pA, low=0, low_open=True)
    mf_theta_ltd: b2.Quantity = param(125 * pA, "smoothed Purkinje inhibition above which a mossy spike "
                                                "depresses its DCN synapse (2 × baseline; nothing changes "
                                                "between the two thresholds)", unit=pA, low=0, low_open=True)
    mf_tau_read: b2.Quantity = param(30 * ms, "time constant over which the DCN cell's plasticity reads the "
                                              "Purkinje inhibition (a slow postsynaptic signal; one IPSC "
                                              "decays in 5 ms)", unit=ms, low=0, low_open=True)
    mf_w_max: b2.Quantity = param(100 * pA, "largest MF→DCN EPSC", unit=pA, low=0)
    tau_mf: b2.Quantity = param(5 * ms, "MF→DCN EPSC decay", unit=ms, low=0, low_open=True)

    def check(self) -> None:
        """The LTP threshold must lie below the LTD threshold (the dead zone between them)."""
        if not self.mf_theta_ltp < self.mf_theta_ltd:
            raise self.fail("mf_theta_ltp", f"({self.mf_theta_ltp}) must lie below mf_theta_ltd "
                                            f"({self.mf_theta_ltd})")


def nuclei_group(n: int, params: NucleiParams, name: str = "nuclei",
                 clock: b2.Clock | None = None) -> b2.NeuronGroup:
    """A NeuronGroup of ``n`` DCN cells (Euler-integrated when ``params.noise`` > 0, else exactly)."""
    ns = {k: getattr(params, k) for k in ("C", "g_L", "E_L", "V_th", "V_reset", "I_e", "tau_pc")}
    noise, method = white_noise(params.noise, params.C, params.g_L, ns)
    if float(params.mf_eta) > 0:
        ns["tau_mf"] = params.tau_mf
        ns["tau_read"] = params.mf_tau_read
        eqs = b2.Equations(f"""
            dv/dt = (g_L*(E_L - v) + I_e - I_pc + I_mf) / C{noise} : volt (unless refractory)
            dI_pc/dt = -I_pc / tau_pc : amp
            dI_mf/dt = -I_mf / tau_mf : amp
            dI_read/dt = (I_pc - I_read) / tau_read : amp
        """)
    else:
        eqs = b2.Equations(f"""
            dv/dt = (g_L*(E_L - v) + I_e - I_pc) / C{noise} : volt (unless refractory)
            dI_pc/dt = -I_pc / tau_pc : amp
        """)
    group = b2.NeuronGroup(n, eqs, threshold="v > V_th", reset="v = V_reset",
                           refractory=params.refractory, method=method, namespace=ns,
                           name=name, clock=clock)
    group.v = params.V_reset
    return group


def mossy_nuclei_synapses(mossy: b2.SpikeSource, nuclei: b2.NeuronGroup, params: NucleiParams,
                          gate: b2.TimedArray, clock: b2.Clock | None = None) -> b2.Synapses:
    r"""Plastic mossy-fibre collaterals onto every DCN cell (Medina & Mauk 2000), starting at 0.

    Each mossy spike excites the DCN cell by ``w`` and changes ``w`` by the Purkinje inhibition
    the cell has been under, read through a slow postsynaptic signal
    :math:`\tau_r \dot I_r = I_{pc} - I_r`:

    .. math:: \Delta w = \eta\,\Big[\frac{\theta_{+} - I_r}{\theta_{+}}\Big]_0^1
                        - \eta\,\Big[\frac{I_r - \theta_{-}}{\theta_{-}}\Big]_0^1,
              \qquad 0 \le w \le w_{max}

    (:math:`[x]_0^1` clips to [0, 1]). A mossy input active during a Purkinje pause
    (:math:`I_r < \theta_+`) grows, one active under stronger than baseline inhibition
    (:math:`I_r > \theta_-`) shrinks, and in between nothing changes: the PC-controlled rule of
    Medina & Mauk (1999, 2000), in which extinction of the cortex — Purkinje activity back at
    baseline during the CS — spares the nuclear memory. ``gate`` (a TimedArray of 0/1,
    ``plasticity_gate``) freezes it like the PF→PC synapses.
    """
    syn = b2.Synapses(mossy, nuclei, model="w : amp",
                      on_pre=("I_mf_post += w\n"
                              "w = clip(w + eta * plasticity_gate(t) * ("
                              "clip((theta_ltp - I_read_post) / theta_ltp, 0, 1)"
                              " - clip((I_read_post - theta_ltd) / theta_ltd, 0, 1)), 0*amp, w_max)"),
                      namespace={"eta": params.mf_eta, "theta_ltp": params.mf_theta_ltp,
                                 "theta_ltd": params.mf_theta_ltd, "w_max": params.mf_w_max,
                                 "plasticity_gate": gate},
                      clock=clock, name="mossy_nuclei")
    syn.connect()
    syn.w = 0 * b2.amp
    return syn
