r"""Entorhinal and hippocampal populations: grid cells, place cells, memory neurons, Hopfield units.

* Grid cells (MEC), the *ideal* code: Poisson neurons whose rates come from module phases
  integrated from the velocity in NumPy (the plane-wave code of :mod:`engramlab.analysis.grid`),
  several modules with spacing ratio ≈ 1.42 (Stensola et al. 2012) — the mathematical limit of
  path integration, used by navigation and by ``foraging --set grid.model=ideal``; the spiking
  attractor modules that path-integrate are :mod:`engramlab.models.grid_attractor`.
* Place cells: leaky integrate-and-fire neurons summing the *spikes* of grid cells that share a
  firing location across modules (Solstad, Moser & Einevoll 2006) — on the ideal code, wired
  from its known fields; on the attractor modules, learned in one shot at a plateau (Bittner
  et al. 2017).
* Memory neurons (Krotov & Hopfield 2021, model B; Whittington et al. 2022): one per write,
  incoming weights = the key (position code at the write), outgoing weights = the value (LEC
  code). Their drive is the cosine between key and query; a shared shunting (divisive)
  inhibition divides each exponentiated drive by the population's sum, so their firing rates —
  and spike counts — follow softmax(β k·q).
* Spiking Hopfield units: each fires at a high rate when its recurrent Hebbian input is positive
  and is silent otherwise (a sign nonlinearity in spikes), reading the others' states from
  filtered spike trains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import brian2 as b2
from brian2 import Hz, ms, second

from engramlab.models._params import Params, param

__all__ = ["GridParams", "HopfieldUnitParams", "MemoryNeuronParams", "PlaceParams"]


@dataclass(frozen=True)
class GridParams(Params):
    """MEC grid modules."""

    modules: int = param(4, "number of grid modules (4–7 in rats; Stensola et al. 2012)", low=1, high=12,
                         structural=True)
    cells_per_module: int = param(16, "grid cells per module (phases tile the unit cell)", low=1, high=10_000,
                                  structural=True)
    spacing: float = param(0.3, "vertex spacing of the smallest module in metres (≈ 0.3–0.4 m dorsal MEC)",
                           low=0, low_open=True)
    ratio: float = param(1.42, "spacing ratio between successive modules (Stensola et al. 2012: ≈ 1.42)",
                         low=1)
    max_rate: b2.Quantity = param(15 * Hz, "peak firing rate of a grid field", unit=Hz, low=0, low_open=True)
    orientation_jitter: float = param(0.35, "orientation of each module drawn uniformly in "
                                            "[0, jitter] rad (modules are rotated relative to "
                                            "each other)", low=0, high=math.pi / 3)

    def spacings(self) -> list[float]:
        """Vertex spacing of every module (m)."""
        return [self.spacing * self.ratio**k for k in range(self.modules)]


@dataclass(frozen=True)
class PlaceParams(Params):
    r"""Place cells: leaky integrate-and-fire neurons reading grid-cell spikes (Solstad et al. 2006).

    A place cell sums, through excitatory current synapses, the spikes of the grid cells (per
    module) whose fields lie nearest its centre (Solstad, Moser & Einevoll 2006, their
    summation model). Membrane and synaptic current, in units of the firing threshold:

    .. math:: \tau_m \dot v = I - v, \qquad \tau_s \dot I = -I, \qquad I \mathrel{+}= w
              \text{ at each presynaptic spike}

    with threshold v = 1, reset 0 and a refractory period. The weight w = 1 / (θ D τ_s), D the
    summed rate its grid inputs would have at the field centre, makes the *mean* input 1/θ at
    the centre and 1 (threshold) where the summed grid drive falls to θ D (for grid fields
    peaking at ``reference_rate``), so the field is where
    the grid modules' fields coincide; the spikes' own fluctuations add firing below that.
    This wiring is used on the *ideal* grid code, whose fields are known in advance.

    On the attractor grid modules nothing is known in advance: every place cell starts silent,
    with a synapse (weight 0) from every recorded grid neuron, and gets one instructive plateau at
    a random time (a dendritic plateau as in Bittner et al. 2017, which turns a silent CA1 cell
    into a place cell in one lap). At the plateau each weight is set from its presynaptic
    eligibility trace,

    .. math:: w \leftarrow \eta\,e_{\rm pre},\qquad \tau_e\dot e=-e,\quad e\mathrel{+}=1
              \text{ at each grid spike,}

    the strong-plateau limit of the rule of Milstein et al. (2021), causal half only (inputs active
    after the plateau are not potentiated). The cell then stores the grid spikes of the last
    τ_e before the plateau and fires where the modules' activity resembles them again.
    """

    cells: int = param(40, "place cells", low=1, structural=True)
    inputs_per_module: int = param(30, "ideal model only: grid cells per module summed by a place "
                                       "cell (those whose field is nearest the place field's centre; fewer inputs make "
                                       "larger per-spike jumps and noise-driven secondary fields)", low=1,
                                   structural=True)
    threshold: float = param(0.92, "ideal model only: fraction of the summed grid drive at the "
                                   "field centre that brings the mean input to the firing threshold "
                                   "(lower: spike noise lifts partial coincidences of the modules into "
                                   "secondary fields)", low=0, high=1,
                             low_open=True)
    tau_m: b2.Quantity = param(20 * ms, "membrane time constant (CA1 pyramidal cells ≈ 20 ms; "
                                        "Spruston & Johnston 1992)", unit=ms, low=0, low_open=True)
    tau_syn: b2.Quantity = param(5 * ms, "decay of the grid→place (AMPA) synaptic current", unit=ms, low=0,
                                 low_open=True)
    refractory: b2.Quantity = param(2 * ms, "absolute refractory period", unit=ms, low=0)
    reference_rate: b2.Quantity = param(15 * Hz, "ideal model only: grid-field peak rate the synaptic "
                                                 "weights are set for (their set point; changing "
                                                 "grid.max_rate alone changes the place cells' drive)",
                                 unit=Hz, low=0, low_open=True)
    tau_elig: b2.Quantity = param(300 * ms, "attractor model only: presynaptic eligibility trace of the "
                                            "plateau-gated plasticity (BTSP's fitted trace is 1.66 s, Milstein "
                                            "et al. 2021; at 0.1 m/s a trace that long spreads one write over "
                                            "17 cm of path, half the smallest grid period)", unit=ms, low=1,
                                  high=5000)
    eta: float = param(2.4e-3, "attractor model only: weight set per unit of presynaptic eligibility at the "
                               "plateau (threshold units). A fit: the median cell's mean drive at its "
                               "plateau position is 1.18 × threshold (seed 0, 600 s; 2.1e-3: 1.09 in 100 s)",
                     low=0, low_open=True)
    plateau_from: b2.Quantity = param(5 * second, "attractor model only: no plateau before this time (the "
                                                  "lattices settle)", unit=second, low=0)
    plateau_fraction: float = param(0.5, "attractor model only: each cell's one plateau falls at a uniformly "
                                         "random time between plateau_from and this fraction of the run",
                                    low=0, high=1, low_open=True)


@dataclass(frozen=True)
class MemoryNeuronParams(Params):
    """The memory-neuron attention circuit."""

    model: str = param("pool", "'pool': a fixed pool of EIF memory neurons with one-shot plasticity and "
                               "interneuron (shunting) normalisation (engramlab.models.memory_pool: no "
                               "softmax in any equation); 'ideal': TEM-t's softmax sampled in spikes (the "
                               "normaliser sum is in the equations: the mathematical limit)",
                       choices=("ideal", "pool"), structural=True)
    beta: float = param(30.0, "inverse temperature of the softmax over memory neurons (keys and "
                              "queries are unit vectors: cosines); model 'pool' has no β: it is fitted "
                              "to its spikes, and this β only sets the NumPy attention baseline",
                        low=0, high=700, low_open=True)
    population_rate: b2.Quantity = param(5000 * Hz, "summed rate of all memory neurons (the "
                                                    "divisive inhibition holds it fixed)", unit=Hz, low=0,
                                         low_open=True)
    readout_gain: b2.Quantity = param(2000 * Hz, "rate of a prediction neuron per unit of "
                                                 "value-weighted memory activity", unit=Hz, low=0, low_open=True)
    prediction_tau: b2.Quantity = param(5 * ms, "decay of a prediction neuron's synaptic drive from "
                                                "memory spikes (a fast AMPA-like EPSC)", unit=ms, low=0,
                                        low_open=True)
    window: b2.Quantity = param(20 * ms, "duration of one step (one query) of the walk", unit=ms, low=0,
                                low_open=True)


@dataclass(frozen=True)
class HopfieldUnitParams(Params):
    """Spiking Hopfield units (sign nonlinearity in spikes)."""

    rate: b2.Quantity = param(300 * Hz, "firing rate of an 'on' unit", unit=Hz, low=0, low_open=True)
    tau: b2.Quantity = param(30 * ms, "time constant of the filtered spike train each unit reads "
                                      "(long enough that Poisson noise in the ±1 reading stays small)",
                             unit=ms, low=0, low_open=True)
    cue: b2.Quantity = param(20 * ms, "duration of the cue input", unit=ms, low=0, low_open=True)
    settle: b2.Quantity = param(200 * ms, "free recall after the cue", unit=ms, low=0, low_open=True)
    readout: b2.Quantity = param(50 * ms, "final window whose spikes define the recalled state", unit=ms,
                                 low=0, low_open=True)
    dt: b2.Quantity = param(0.5 * ms, "simulation step (Poisson units at up to 300 Hz: p = 0.15 per step)",
                            unit=ms, low=0, high=1, low_open=True)

    def check(self) -> None:
        """The read-out window lies inside the free recall."""
        if self.readout > self.settle:
            raise self.fail("readout", f"({self.readout}) must not exceed settle ({self.settle})")
