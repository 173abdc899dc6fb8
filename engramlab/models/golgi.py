r"""Golgi cells: granular-layer inhibition that sets how many granule cells fire.

Golgi cells are excited by granule cells (feedback; ascending axons and parallel fibres) and
by mossy fibres (feed-forward), and inhibit every granule cell of their territory (Golgi
cells fire synchronously through gap junctions, Dugué et al. 2009, so they are modelled as
one population that all granule cells share). Granule→Golgi inputs are voltage jumps of
``(V_th − E_L)/(k − 0.5)``, so the ``k``-th near-coincident granule spike brings a Golgi cell
to threshold: a Golgi volley signals "about k granule cells have fired".

Two uses:

* ``topk`` activation: a strong volley (``topk_lines`` matching lines' worth, or ``w_inh``)
  silences the granule cells that have not yet fired — time-to-first-spike
  k-winners-take-all (Marr 1969, Albus 1971). The winners overshoot k by the cells that cross
  threshold during the loop delay.
* ``radius`` activation (realistic regime): graded feedback; each volley raises every granule
  cell's threshold by ``feedback_lines`` matching lines, so more active cells recruit more
  inhibition (normalisation) without vetoing the next presentation.

Feed-forward MF→Golgi excitation (``w_mf``) is available but off by default: with a
physiological number of Golgi cells (GrC:GoC ≈ 400:1) their spikes are too few to cancel
mossy-fibre fluctuations and each spike vetoes presentations (see the README's measurements).
Membrane constants from Casali et al. (2019).
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
    delay_grc: b2.Quantity = param(1 * ms, "GrC→Golgi delay (ascending-axon synapses; the loop with delay_inh "
                                          "is ≥ 1 ms in vivo; the k-WTA overshoot grows with it)", unit=ms, low=0)
    delay_inh: b2.Quantity = param(2 * ms, "Golgi→GrC delay (Casali et al. 2019)", unit=ms, low=0)
    delay_mf: b2.Quantity = param(1 * ms, "MF→Golgi delay (Casali et al. 2019)", unit=ms, low=0)
    w_inh: b2.Quantity | None = param(None, "Golgi→GrC IPSC amplitude summed over all Golgi cells in 'topk' mode "
                                            "(none: topk_lines matching lines' worth; the ideal regime uses 300 pA)",
                                      kind="quantity", unit=pA, low=0)
    topk_lines: float = param(8.0, "topk mode: threshold raise per Golgi volley, in matching lines (more than "
                                   "topk_radius − d, so a volley silences the cells that have not fired, yet "
                                   "small enough to have decayed by the next presentation)", low=0, high=64)
    feedback_lines: float = param(1.0, "radius mode: threshold raise per Golgi volley, in matching lines "
                                       "(0: no Golgi cells, the ideal regime)", low=0, high=64, switch=True)
    w_mf: b2.Quantity = param(0 * pA, "MF→Golgi EPSC amplitude per mossy spike (feed-forward; 0: off, see "
                                      "the module docstring)", unit=pA, low=0, switch=True)
    tau_exc: b2.Quantity = param(1 * ms, "MF→Golgi EPSC decay", unit=ms, low=0, low_open=True)

    def check(self) -> None:
        """V_th must lie above E_L."""
        if not self.V_th > self.E_L:
            raise self.fail("V_th", f"({self.V_th}) must lie above E_L ({self.E_L})")


def golgi_group(n: int, params: GolgiParams, name: str = "golgi",
                clock: b2.Clock | None = None) -> b2.NeuronGroup:
    """A NeuronGroup of ``n`` Golgi cells at rest (with a mossy-fibre EPSC ``I_mf`` when ``w_mf > 0``)."""
    ns = {k: getattr(params, k) for k in ("C", "g_L", "E_L", "V_th", "V_reset", "tau_exc")}
    if float(params.w_mf) > 0:
        eqs = """dv/dt = (g_L*(E_L - v) + I_mf)/C : volt (unless refractory)
                 dI_mf/dt = -I_mf/tau_exc : amp"""
    else:
        eqs = "dv/dt = g_L*(E_L - v)/C : volt (unless refractory)"
    group = b2.NeuronGroup(n, eqs, threshold="v > V_th", reset="v = V_reset", refractory=params.refractory,
                           method="exact", namespace=ns, name=name, clock=clock)
    group.v = params.E_L
    return group
