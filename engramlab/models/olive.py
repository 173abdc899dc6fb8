r"""Inferior olive (IO) cells: the climbing-fibre source, driven by the teaching signal (US).

.. math:: C \dot v = g_L (E_L - v) + I_{us} - I_{no}, \qquad \dot I_{us} = -I_{us}/\tau_{us},
          \qquad \dot I_{no} = -I_{no}/\tau_{no}

``I_no`` is nucleo-olivary inhibition from the DCN cells of the same microzone (present when
``w_no > 0``).

A 500 Hz, 30 ms US (Geminiani et al. 2022) makes each olive cell fire one or two complex
spikes; the long refractory period reflects the olive's low firing rates (≤ ~10 Hz).
Spontaneous complex spikes (~1 Hz in vivo) come from independent Poisson kicks, each of which
fires the cell unless nucleo-olivary inhibition vetoes it.
Membrane constants from Casali et al. (2019).
"""

from __future__ import annotations

from dataclasses import dataclass

import brian2 as b2
from brian2 import Hz, ms, mV, nS, pA, pF

from engramlab.models._params import Params, param

__all__ = ["OliveParams", "olive_group"]


@dataclass(frozen=True)
class OliveParams(Params):
    """IO LIF parameters and its input synapses (membrane: Casali et al. 2019)."""

    C: b2.Quantity = param(189 * pF, "membrane capacitance (Casali et al. 2019)", unit=pF, low=0, low_open=True)
    g_L: b2.Quantity = param(17.18 * nS, "leak conductance (Casali et al. 2019)", unit=nS, low=0, low_open=True)
    E_L: b2.Quantity = param(-45 * mV, "resting potential (Casali et al. 2019)", unit=mV, low=-150, high=0)
    V_th: b2.Quantity = param(-35 * mV, "spike threshold (Casali et al. 2019)", unit=mV, low=-150, high=0)
    V_reset: b2.Quantity = param(-45 * mV, "reset potential (Casali et al. 2019)", unit=mV, low=-150, high=0)
    refractory: b2.Quantity = param(15 * ms, "refractory period (complex spikes ≤ ~60 Hz in a burst)",
                                    unit=ms, low=0)
    tau_us: b2.Quantity = param(5 * ms, "US→IO EPSC decay", unit=ms, low=0, low_open=True)
    w_us: b2.Quantity = param(300 * pA, "US→IO EPSC amplitude per US spike (a 500 Hz, 30 ms US "
                                        "evokes one or two complex spikes)", unit=pA, low=0)
    background_rate: b2.Quantity = param(1 * Hz, "rate of spontaneous kicks, each firing a complex spike unless "
                                                       "nucleo-olivary inhibition vetoes it (without that inhibition: "
                                                       "the spontaneous complex-spike rate, ~1 Hz in vivo)", unit=Hz,
                                         low=0)
    w_spont: b2.Quantity = param(3000 * pA, "EPSC of one spontaneous kick: strong enough to fire the "
                                            "cell on its own (one kick, one complex spike)", unit=pA, low=0)
    w_no: b2.Quantity = param(0 * pA, "DCN→IO IPSC per DCN spike: nucleo-olivary inhibition (0: none); a "
                                      "conditioned DCN response then damps the olive's US response "
                                      "(Kim, Krupa & Thompson 1998) and CS-alone trials drive it below "
                                      "baseline (Medina et al. 2002)", unit=pA, low=0,
                                switch=True)
    tau_no: b2.Quantity = param(30 * ms, "DCN→IO IPSC decay (slow, largely asynchronous GABA release; Best & "
                                         "Regehr 2009)", unit=ms, low=0, low_open=True)
    delay_no: b2.Quantity = param(5 * ms, "DCN→IO delay", unit=ms, low=0)

    def check(self) -> None:
        """V_th must lie above E_L."""
        if not self.V_th > self.E_L:
            raise self.fail("V_th", f"({self.V_th}) must lie above E_L ({self.E_L})")


def olive_group(n: int, params: OliveParams, name: str = "olive",
                clock: b2.Clock | None = None) -> b2.NeuronGroup:
    """A NeuronGroup of ``n`` olive cells at rest (with an inhibitory current ``I_no`` if ``w_no > 0``)."""
    ns = {k: getattr(params, k) for k in ("C", "g_L", "E_L", "V_th", "V_reset", "tau_us")}
    if float(params.w_no) > 0:
        ns["tau_no"] = params.tau_no
        eqs = b2.Equations("""
            dv/dt = (g_L*(E_L - v) + I_us - I_no) / C : volt (unless refractory)
            dI_us/dt = -I_us / tau_us : amp
            dI_no/dt = -I_no / tau_no : amp
        """)
    else:
        eqs = b2.Equations("""
            dv/dt = (g_L*(E_L - v) + I_us) / C : volt (unless refractory)
            dI_us/dt = -I_us / tau_us : amp
        """)
    group = b2.NeuronGroup(n, eqs, threshold="v > V_th", reset="v = V_reset",
                           refractory=params.refractory, method="exact", namespace=ns, name=name,
                           clock=clock)
    group.v = params.E_L
    return group
