r"""Entorhinal and hippocampal populations: grid cells, place cells, memory neurons, Hopfield units.

* Grid cells (MEC): Poisson neurons whose rates come from the path-integrated module phases
  (:mod:`engramlab.analysis.grid`), several modules with spacing ratio ≈ 1.42 (Stensola et al.
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
import numpy as np
from brian2 import Hz, ms

from engramlab.analysis.grid import GridModule
from engramlab.models._params import check_int, check_number, check_quantity, param

__all__ = ["GridParams", "HopfieldUnitParams", "MemoryNeuronParams", "PlaceParams", "make_modules"]


@dataclass(frozen=True)
class GridParams:
    """MEC grid modules."""

    modules: int = param(4, "number of grid modules (4–7 in rats; Stensola et al. 2012)")
    cells_per_module: int = param(16, "grid cells per module (phases tile the unit cell)")
    spacing: float = param(0.3, "vertex spacing of the smallest module in metres (≈ 0.3–0.4 m dorsal MEC)")
    ratio: float = param(1.42, "spacing ratio between successive modules (Stensola et al. 2012: ≈ 1.42)")
    max_rate: b2.Quantity = param(15 * Hz, "peak firing rate of a grid field")
    orientation_jitter: float = param(0.35, "orientation of each module drawn uniformly in "
                                            "[0, jitter] rad (modules are rotated relative to "
                                            "each other)")

    def __post_init__(self) -> None:
        o = "GridParams"
        check_int(o, "modules", self.modules, 1, 12)
        check_int(o, "cells_per_module", self.cells_per_module, 1, 10_000)
        check_number(o, "spacing", self.spacing, 0.0, None, low_open=True)
        check_number(o, "ratio", self.ratio, 1.0, None)
        check_quantity(o, "max_rate", self.max_rate, Hz, 0, None, low_open=True)
        check_number(o, "orientation_jitter", self.orientation_jitter, 0.0, math.pi / 3)

    def spacings(self) -> list[float]:
        """Vertex spacing of every module (m)."""
        return [self.spacing * self.ratio**k for k in range(self.modules)]


def make_modules(params: GridParams, rng: np.random.Generator) -> list[GridModule]:
    """Draw the grid modules from the seed.

    Orientations are random; cell phases sit on a regular sub-lattice of the unit cell (so every
    module covers the plane evenly) with a random offset.
    """
    side = math.ceil(math.sqrt(params.cells_per_module))
    modules = []
    for spacing in params.spacings():
        orientation = float(rng.uniform(0, params.orientation_jitter))
        a1 = spacing * np.array([math.cos(orientation), math.sin(orientation)])
        a2 = spacing * np.array([math.cos(orientation + math.pi / 3), math.sin(orientation + math.pi / 3)])
        u, v = np.meshgrid(np.arange(side) / side, np.arange(side) / side, indexing="ij")
        frac = np.stack([u.ravel(), v.ravel()], 1)[: params.cells_per_module]
        frac = (frac + rng.random(2)) % 1.0
        phases = frac[:, :1] * a1 + frac[:, 1:] * a2
        modules.append(GridModule(spacing, orientation, phases))
    return modules


@dataclass(frozen=True)
class PlaceParams:
    """Place cells built from grid cells (Solstad, Moser & Einevoll 2006)."""

    cells: int = param(40, "place cells")
    inputs_per_module: int = param(3, "grid cells per module summed by a place cell (those whose "
                                      "field is nearest the place field's centre)")
    threshold: float = param(0.75, "threshold as a fraction of the summed input's maximum")
    max_rate: b2.Quantity = param(20 * Hz, "peak place-field rate")

    def __post_init__(self) -> None:
        o = "PlaceParams"
        check_int(o, "cells", self.cells, 1)
        check_int(o, "inputs_per_module", self.inputs_per_module, 1)
        check_number(o, "threshold", self.threshold, 0.0, 1.0)
        check_quantity(o, "max_rate", self.max_rate, Hz, 0, None, low_open=True)


@dataclass(frozen=True)
class MemoryNeuronParams:
    """The memory-neuron attention circuit."""

    beta: float = param(30.0, "inverse temperature of the softmax over memory neurons (keys and "
                              "queries are unit vectors: cosines)")
    population_rate: b2.Quantity = param(5000 * Hz, "summed rate of all memory neurons (the "
                                                    "divisive inhibition holds it fixed)")
    readout_gain: b2.Quantity = param(2000 * Hz, "rate of a prediction neuron per unit of "
                                                 "value-weighted memory activity")
    window: b2.Quantity = param(20 * ms, "duration of one step (one query) of the walk")

    def __post_init__(self) -> None:
        o = "MemoryNeuronParams"
        check_number(o, "beta", self.beta, 0.0, 700.0, low_open=True)
        check_quantity(o, "population_rate", self.population_rate, Hz, 0, None, low_open=True)
        check_quantity(o, "readout_gain", self.readout_gain, Hz, 0, None, low_open=True)
        check_quantity(o, "window", self.window, ms, 0, None, low_open=True)


@dataclass(frozen=True)
class HopfieldUnitParams:
    """Spiking Hopfield units (sign nonlinearity in spikes)."""

    rate: b2.Quantity = param(300 * Hz, "firing rate of an 'on' unit")
    tau: b2.Quantity = param(30 * ms, "time constant of the filtered spike train each unit reads "
                                      "(long enough that Poisson noise in the ±1 reading stays small)")
    cue: b2.Quantity = param(20 * ms, "duration of the cue input")
    settle: b2.Quantity = param(200 * ms, "free recall after the cue")
    readout: b2.Quantity = param(50 * ms, "final window whose spikes define the recalled state")

    def __post_init__(self) -> None:
        o = "HopfieldUnitParams"
        check_quantity(o, "rate", self.rate, Hz, 0, None, low_open=True)
        for name in ("tau", "cue", "settle", "readout"):
            check_quantity(o, name, getattr(self, name), ms, 0, None, low_open=True)
        if self.readout > self.settle:
            raise ValueError("HopfieldUnitParams.readout must not exceed settle")
