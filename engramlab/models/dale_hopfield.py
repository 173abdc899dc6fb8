r"""A Hopfield memory that obeys Dale's law: excitatory LIF cells, clipped Hebbian synapses, interneurons.

The classic network's Hebbian matrix :math:`W_{ij}=\frac1N\sum_\mu\xi_i^\mu\xi_j^\mu` has
negative entries, and its ±1 units push their targets *down* when silent; no neuron does that.
Here every memory unit is an excitatory leaky integrate-and-fire cell, and

* **excitatory synapses keep the positive part** of the Hebbian weight,
  :math:`W^+_{ij}=\max(W_{ij},0)` (clipped synapses; Sompolinsky 1986, who showed that such
  non-linear synapses keep a capacity of order 0.1 N);
* **an inhibitory population removes the mean**: interneurons fire in proportion to the summed
  spikes of the excitatory cells (linear–non-linear Poisson cells,
  :math:`r_I=g_I[u]_+`, :math:`\tau_u\dot u=-u`, :math:`u\mathrel{+}=1/N` per excitatory spike), and
  each excitatory cell *i* receives inhibition scaled to its own mean excitatory weight
  :math:`m_i=\frac1{N-1}\sum_{j\ne i}W^+_{ij}` — the per-cell balance that inhibitory plasticity
  reaches (Vogels et al. 2011). In the mean the recurrent input to cell *i* is

  .. math:: I_i = J\,\tau_E\sum_j\big(W^+_{ij}-\kappa\,m_i\big)\,r_j ,

  so at κ = 1 a uniform change of activity cancels exactly and only the pattern-specific part
  of the clipped weights remains (Amit & Brunel 1997 for the role of global inhibition).

With activities :math:`x_j\in\{0,1\}` of a stored pattern (:math:`x=(\xi+1)/2`), the field is
:math:`\sum_j(W^+_{ij}-m_i)x_j\approx\xi_i/4` plus crosstalk: the scale *J* is chosen so that a
pattern active at the design rate :math:`r_{\rm on}` gives a recurrent input of ±``signal``
(in units of the firing threshold) on top of the tonic ``drive`` μ₀. The memory cells' own
threshold, refractoriness and noise turn that input into spikes; no equation contains the sign
of a field. Interneurons are linear rate neurons by design: the comparison is the memory cells'
threshold, not theirs. Where that makes the network differ from its mathematical limit (the
same clipped, balanced weights updated asynchronously in NumPy), the protocol reports both.
"""

from __future__ import annotations

from dataclasses import dataclass

import brian2 as b2
import numpy as np
from brian2 import Hz, ms

from engramlab.models._params import Params, param

__all__ = ["DaleHopfieldParams", "dale_weights"]


@dataclass(frozen=True)
class DaleHopfieldParams(Params):
    """Excitatory memory cells, interneurons and their synapses (see the module docstring)."""

    tau_m: b2.Quantity = param(20 * ms, "membrane time constant of the memory cells", unit=ms, low=1, high=200)
    refractory: b2.Quantity = param(20 * ms, "refractory period: caps a memory cell at 1/refractory, so an "
                                             "active cell fires near the design rate whatever its field",
                                    unit=ms, low=0, high=100)
    drive: float = param(1.0, "tonic drive μ₀ in units of the threshold (1: at threshold, so any positive "
                              "recurrent input makes a cell fire)", low=0, high=3)
    noise: float = param(0.1, "σ of the membrane's white noise (threshold units)", low=0, high=2)
    tau_exc: b2.Quantity = param(50 * ms, "decay of the excitatory synaptic current (NMDA-like; slower "
                                          "averages more spikes)", unit=ms, low=1, high=300)
    tau_inh: b2.Quantity = param(20 * ms, "decay of the inhibitory synaptic current", unit=ms, low=1, high=300)
    interneuron_ratio: float = param(1.0, "interneurons per memory cell (each reads all memory cells of "
                                          "its network; at 0.25 the shared inhibitory noise lowered the "
                                          "overlap at 0.1 N from 0.77–0.92 to 0.57–0.68)", low=0.05, high=4,
                                      structural=True)
    interneuron_gain: b2.Quantity = param(500 * Hz, "g_I: interneuron rate per unit of its summed input",
                                          unit=Hz, low=0, low_open=True)
    interneuron_tau: b2.Quantity = param(5 * ms, "τ_u of the interneurons' input", unit=ms, low=0.5, high=100)
    signal: float = param(4.0, "recurrent input (threshold units) of a stored pattern active at the design "
                               "rate: ± this on active / silent cells", low=0, low_open=True, high=50)
    design_rate: b2.Quantity = param(45 * Hz, "r_on: rate of an active cell the weights are scaled for; the "
                                              "read-out calls a cell active above half of it",
                                     unit=Hz, low=1, high=500)
    inhibition_balance: float = param(1.0, "κ: inhibition per unit of mean excitation (1: exact balance)",
                                      low=0, high=3)
    cue_drive: float = param(1.5, "extra input to the cued active cells during the cue (threshold units)",
                             low=0, high=20)
    cue: b2.Quantity = param(50 * ms, "duration of the cue", unit=ms, low=0, low_open=True)
    settle: b2.Quantity = param(400 * ms, "free recall after the cue", unit=ms, low=0, low_open=True)
    readout: b2.Quantity = param(200 * ms, "final window whose spikes define the recalled state", unit=ms,
                                 low=0, low_open=True)
    dt: b2.Quantity = param(0.5 * ms, "simulation step", unit=ms, low=0, high=1, low_open=True)

    def check(self) -> None:
        """The read-out window lies inside the free recall."""
        if self.readout > self.settle:
            raise self.fail("readout", f"({self.readout}) must not exceed settle ({self.settle})")


def dale_weights(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Clipped excitatory weights :math:`W^+` (zero diagonal) and each cell's mean excitatory weight m_i.

    ``weights`` is a signed Hebbian matrix (N, N). Row *i* of :math:`W^+-m_i` sums to zero over
    j ≠ i: with inhibition κ m_i per unit of summed activity, a uniform change of activity leaves
    every cell's input unchanged at κ = 1.
    """
    w = np.maximum(np.asarray(weights, dtype=float), 0.0)
    np.fill_diagonal(w, 0.0)
    n = w.shape[0]
    return w, w.sum(axis=1) / max(n - 1, 1)
