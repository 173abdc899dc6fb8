r"""Memory neurons that bind a position to an observation in one shot and recall it by competition.

The mechanism behind TEM-t's attention (Whittington et al. 2022), with no softmax in any equation:

* **Memory neurons** are conductance-based exponential integrate-and-fire cells (Fourcaud-Trocmé
  et al. 2003; Brette & Gerstner 2005 without adaptation),

  .. math:: C\dot v = g_L(E_L-v) + g_L\Delta_T e^{(v-V_T)/\Delta_T} + g_e(E_e-v) + g_i(E_i-v)
            + I_{\rm plateau} + \sigma\sqrt{C g_L}\,\xi ,

  whose spike-initiation term makes the rate an expansive function of the input near threshold.
  Grid and context cells excite them through synapses whose weights are the stored key
  (:math:`g_e \mathrel{+}= g_{\rm key} w` per presynaptic spike, :math:`\tau_e\dot g_e=-g_e`).
* **Normalisation by inhibitory neurons**: interneurons (leaky integrate-and-fire) are excited by
  every memory neuron's spikes and feed back a conductance :math:`g_i` with reversal
  :math:`E_i=E_L` (shunting: it divides rather than subtracts, Carandini & Heeger 2012). The
  more the memory population fires, the more every memory neuron is shunted; how close that
  comes to a softmax is *measured* by the analysis.
* **One-shot binding (behavioural-timescale plasticity)**: at a write, an instructive plateau
  (a depolarising current, as the EC3-driven dendritic plateaus of Bittner et al. 2017) enters
  one memory neuron, and when it ends each of its input synapses is set from its presynaptic
  eligibility trace, :math:`w \leftarrow \eta\,e_{\rm pre}` (:math:`\tau_{\rm elig}\dot e=-e`,
  :math:`e\mathrel{+}=1` per presynaptic spike): the strong-plateau limit of the bidirectional
  rule of Milstein et al. (2021), where a plateau drives each weight to a value set by the
  presynaptic activity around it (potentiating active inputs, depressing silent ones). Its
  output synapses onto the prediction neurons are set the same way from the prediction
  neurons' dendritic trace of the sensory (LEC) input: the observation becomes the value.
* **Ensembles and recycling**: the pool has a fixed size; one plateau writes an *ensemble* of
  ``ensemble`` neurons together (they then hold one memory with the same weights), writes take
  the ensembles in turn, and a write overwrites the oldest memory. At a fixed interneuron
  budget, more neurons per memory fire further into the expansive tail of their rate curve,
  which sharpens the competition (measured: docs/equations.md §3.3a).

Keys carry a **context** part (lateral entorhinal cells active throughout one environment;
Knierim, Neunuebel & Deshmukh 2014): the grid code is the same in every environment (TEM's
structural code), so the context is what keeps a memory written in one environment from
answering a query in another. How much context that takes (docs/equations.md §3.3a): a memory
of the same place in another environment has cosine :math:`1-s'` with the query, where
:math:`s'\approx(1-f)\,s`, *s* is the context's share of the key's squared norm and *f* the
fraction of context cells two environments share (they are drawn independently: f ≈
``context_active / context_cells`` expected; 4–5 of 32 on seeds 0–2). *D* such memories weigh
:math:`De^{-\beta s'}` against one of the query's environment, so keeping that below 0.1 at ~10
visits per place and β ≈ 30 needs s′ ≳ 0.15, s ≳ 0.18. *s* depends on the world's grid rates:
8 of 40 cells gave s = 0.07 on grid10x10 and 0.035 on ring40 (and 69 % / 74 % of the second
environment's errors named the first one's observation, seed 0); 32 of 160 give 0.23 / 0.13
(ring40, ~25 visits per place, would need ~0.22).
"""

from __future__ import annotations

from dataclasses import dataclass

import brian2 as b2
from brian2 import Hz, ms, mV, nA, nS, pF

from engramlab.models._params import Params, param

__all__ = ["MemoryPoolParams"]


@dataclass(frozen=True)
class MemoryPoolParams(Params):
    """The memory-neuron pool, its interneurons, plasticity and the step schedule (module docstring)."""

    pool: int = param(8192, "memory neurons in the pool (writes recycle the oldest ensemble)", low=2, high=100_000,
                      structural=True)
    ensemble: int = param(16, "memory neurons written together by one plateau (an ensemble per memory; "
                                "measured on 300 steps of 200 ms: 1 / 8 / 16 put 0.61 / 0.85 / 0.92 of "
                                "the memory spikes on the entered node)", low=1,
                          high=64, structural=True)
    step: b2.Quantity = param(400 * ms, "duration of one step of the walk (0.1 m at 0.25 m/s; foraging rats run "
                                        "0.1–0.3 m/s): the first half predicts the node being entered, the "
                                        "second half encodes it. At 200 ms (seed 0, 2 × 1,000 steps on "
                                        "grid10x10, 100 ms traces both) accuracy was 0.80 instead of 0.85: "
                                        "fewer spikes per read. The step of every input table (a TimedArray's "
                                        "step is compiled into the code that reads it)", unit=ms, low=20,
                              high=2000, structural=True)
    grid_rate_gain: float = param(2.0, "grid cells fire at this multiple of the world's grid rates "
                                       "(peaks at 2 × 15 Hz: in-field rates of 20–40 Hz, Hafting et al. 2005)",
                                  low=0, low_open=True, high=10)
    context_cells: int = param(160, "lateral entorhinal context cells", low=1, structural=True)
    context_active: int = param(32, "context cells active in each environment (their share of the key keeps "
                                    "another environment's memories of a place out; 8 of 40 were too few: "
                                    "module docstring)", low=1)
    context_rate: b2.Quantity = param(20 * Hz, "rate of an active context cell", unit=Hz, low=0, high=200)
    lec_rate: b2.Quantity = param(40 * Hz, "rate of an active LEC (sensory) cell while the node is seen",
                                  unit=Hz, low=0, low_open=True, high=500)
    read_delay: b2.Quantity = param(30 * ms, "spikes of the prediction half are counted from this delay on (the "
                                             "excitatory conductance, τe, still carries the previous node "
                                             "before)", unit=ms, low=0, high=1000)
    tau_elig: b2.Quantity = param(200 * ms, "presynaptic eligibility trace of the plasticity (half a step: the "
                                            "previous node's spikes weigh e^-2 of the written node's; the key "
                                            "averages ~4 spikes per active input)", unit=ms, low=1, high=5000)
    key_eta: float = param(0.5, "key weight per unit of presynaptic eligibility at a write (0.5 at τ_elig = "
                                "200 ms gives about the weights 1.0 gave at 100 ms: the trace doubles)",
                           low=0, low_open=True)
    g_key: b2.Quantity = param(0.035 * nS, "conductance step per grid/context spike per unit key weight "
                                          "(set for 256 grid cells: grid.cells_per_module = 64)",
                               unit=nS, low=0, low_open=True)
    plateau: b2.Quantity = param(0.6 * nA, "instructive plateau current into the written neuron", unit=nA,
                                 low=0, high=10)
    C: b2.Quantity = param(200 * pF, "membrane capacitance", unit=pF, low=1)
    g_L: b2.Quantity = param(10 * nS, "leak conductance (τm = 20 ms)", unit=nS, low=0, low_open=True)
    E_L: b2.Quantity = param(-70 * mV, "leak reversal", unit=mV, low=-100, high=-40)
    V_T: b2.Quantity = param(-50 * mV, "spike-initiation threshold of the exponential term", unit=mV, low=-80,
                             high=-20)
    delta_T: b2.Quantity = param(0.5 * mV, "slope factor of spike initiation", unit=mV, low=0, low_open=True)
    V_reset: b2.Quantity = param(-60 * mV, "reset after a spike", unit=mV, low=-100, high=-30)
    refractory: b2.Quantity = param(2 * ms, "absolute refractory period", unit=ms, low=0, high=50)
    E_e: b2.Quantity = param(0 * mV, "excitatory reversal", unit=mV, low=-20, high=20)
    E_i: b2.Quantity = param(-70 * mV, "inhibitory reversal (at rest: shunting)", unit=mV, low=-100, high=-40)
    tau_e: b2.Quantity = param(30 * ms, "excitatory conductance decay (AMPA + NMDA; at 5 ms the shot noise of "
                                      "the grid spikes halved the share of spikes on the right memory)",
                               unit=ms, low=0.1, high=200)
    tau_i: b2.Quantity = param(10 * ms, "inhibitory conductance decay (GABA-A)", unit=ms, low=0.1, high=200)
    noise: b2.Quantity = param(0.5 * mV, "σ of the membrane's white-noise fluctuations (background synaptic "
                                       "input)", unit=mV, low=0, high=20)
    interneurons: int = param(20, "inhibitory interneurons (each reads every memory neuron)", low=1,
                              structural=True)
    w_mem_inh: float = param(0.5, "memory→interneuron weight (jump of the interneuron's input, threshold "
                                  "units)", low=0, high=10)
    g_inh: b2.Quantity = param(10 * nS, "interneuron→memory conductance step per spike", unit=nS, low=0, high=100)
    inhibition: bool = param(True, "feedback inhibition on (False removes the interneurons' synapses: the "
                                   "documented lesion)")
    value_eta: float = param(1.0, "value weight per unit of the prediction neuron's LEC trace at a write",
                             low=0, low_open=True)
    readout_gain: b2.Quantity = param(400 * Hz, "rate of a prediction neuron per unit of value-weighted "
                                                "memory drive", unit=Hz, low=0, low_open=True)
    prediction_tau: b2.Quantity = param(10 * ms, "decay of a prediction neuron's drive from memory spikes",
                                        unit=ms, low=0.1, high=200)
    dt: b2.Quantity = param(0.5 * ms, "simulation step", unit=ms, low=0.01, high=1, structural=True)

    @property
    def slots(self) -> int:
        """How many memories the pool holds at once (pool / ensemble)."""
        return self.pool // self.ensemble

    def check(self) -> None:
        """Check the relations between parameters.

        Active context cells fit in the context population; the pool splits into whole ensembles;
        rest and reset lie below the spike threshold, which lies below the excitatory reversal.
        """
        for key in ("E_L", "V_reset"):
            if getattr(self, key) >= self.V_T:
                raise self.fail(key, f"must lie below V_T = {self.V_T} (else the neuron fires at rest or after "
                                     f"every reset), got {getattr(self, key)}")
        if self.V_T >= self.E_e:
            raise self.fail("V_T", f"must lie below E_e = {self.E_e} (else excitation cannot fire it), got {self.V_T}")
        if self.read_delay >= self.step / 2:
            raise self.fail("read_delay", f"must be shorter than half a step ({self.step / 2}), got {self.read_delay}")
        if self.pool % self.ensemble:
            raise self.fail("ensemble", f"must divide pool = {self.pool}, got {self.ensemble}")
        if self.context_active > self.context_cells:
            raise self.fail("context_active", f"must lie in [1, context_cells = {self.context_cells}], "
                                              f"got {self.context_active}")
