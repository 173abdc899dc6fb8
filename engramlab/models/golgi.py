r"""Golgi cells: feedback inhibition of granule cells that sets how many of them fire.

In ``topk`` activation a volley drives the best-matching granule cells to threshold first
(drive ∝ matches); Golgi cells integrate granule spikes, fire once about ``k`` have arrived,
and shunt the remaining granule cells (time-to-first-spike k-winners-take-all; Marr 1969,
Albus 1971; Golgi cells fire synchronously through gap junctions, Dugué et al. 2009, so
they are modelled as one population that all granule cells share).

Granule→Golgi inputs are voltage jumps of ``(V_th - E_L)/(k - 0.5)`` so the ``k``-th
near-coincident granule spike brings a Golgi cell to threshold. Membrane constants from
Casali et al. (2019).
"""

from __future__ import annotations

from dataclasses import dataclass

import brian2 as b2
from brian2 import ms, mV, nS, pA, pF

from engramlab.models._params import Params, param

__all__ = ["GolgiParams", "golgi_group"]


@dataclass(frozen=True)
class GolgiParams(Params):
    """Golgi-cell LIF parameters and its synapses (membrane: Casali et al. 2019)."""

    C: b2.Quantity = param(145 * pF, "membrane capacitance (Casali et al. 2019)", unit=pF, low=0, low_open=True)
    g_L: b2.Quantity = param(3.3 * nS, "leak conductance (Casali et al. 2019)", unit=nS, low=0, low_open=True)
    E_L: b2.Quantity = param(-62 * mV, "resting potential (Casali et al. 2019)", unit=mV, low=-150, high=0)
    V_th: b2.Quantity = param(-55 * mV, "spike threshold (Casali et al. 2019)", unit=mV, low=-150, high=0)
    V_reset: b2.Quantity = param(-75 * mV, "reset potential (Casali et al. 2019)", unit=mV, low=-150, high=0)
    refractory: b2.Quantity = param(2 * ms, "absolute refractory period", unit=ms, low=0)
    delay_grc: b2.Quantity = param(0.1 * ms, "GrC→Golgi delay (one step: the k-WTA overshoot grows "
                                            "with the loop delay, ~2.5× k at 0.5 + 1 ms)", unit=ms, low=0)
    delay_inh: b2.Quantity = param(0.1 * ms, "Golgi→GrC delay (Casali et al. 2019 use 2 ms; kept "
                                            "minimal so top-k stays close to k)", unit=ms, low=0)
    w_inh: b2.Quantity = param(300 * pA, "Golgi→GrC IPSC amplitude summed over all Golgi cells "
                                         "(strong enough to hold granule cells below threshold)",
                               unit=pA, low=0)

    def check(self) -> None:
        """V_th must lie above E_L."""
        if not self.V_th > self.E_L:
            raise self.fail("V_th", f"({self.V_th}) must lie above E_L ({self.E_L})")


def golgi_group(n: int, params: GolgiParams, name: str = "golgi",
                clock: b2.Clock | None = None) -> b2.NeuronGroup:
    """A NeuronGroup of ``n`` Golgi cells at rest."""
    ns = {k: getattr(params, k) for k in ("C", "g_L", "E_L", "V_th", "V_reset")}
    group = b2.NeuronGroup(n, "dv/dt = g_L*(E_L - v)/C : volt (unless refractory)",
                           threshold="v > V_th", reset="v = V_reset", refractory=params.refractory,
                           method="exact", namespace=ns, name=name, clock=clock)
    group.v = params.E_L
    return group
