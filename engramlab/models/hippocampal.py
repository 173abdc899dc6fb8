r"""Entorhinal and hippocampal populations: grid cells, place cells, memory neurons, Hopfield units.

* Grid cells (MEC): Poisson neurons whose rates come from the path-integrated module phases
  (the plane-wave code of :mod:`engramlab.analysis.grid`), several modules with spacing ratio ≈ 1.42 (Stensola et al.
  2012).
* Place cells: thresholded sums of grid cells that share a firing location across modules
  (Solstad, Moser & Einevoll 2006).
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
from brian2 import Hz, ms

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
    """Place cells built from grid cells (Solstad, Moser & Einevoll 2006)."""

    cells: int = param(40, "place cells", low=1, structural=True)
    inputs_per_module: int = param(3, "grid cells per module summed by a place cell (those whose "
                                      "field is nearest the place field's centre)", low=1)
    threshold: float = param(0.75, "threshold as a fraction of the summed input's maximum", low=0, high=1)
    max_rate: b2.Quantity = param(20 * Hz, "peak place-field rate", unit=Hz, low=0, low_open=True)


@dataclass(frozen=True)
class MemoryNeuronParams(Params):
    """The memory-neuron attention circuit."""

    beta: float = param(30.0, "inverse temperature of the softmax over memory neurons (keys and "
                              "queries are unit vectors: cosines)", low=0, high=700, low_open=True)
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
