r"""Grid modules as continuous-attractor networks (Burak & Fiete 2009), spiking.

Each module is a periodic sheet of neurons. Neuron *i* sits at sheet position :math:`x_i`
(integer coordinates on an :math:`n_x\times n_y` torus) and prefers one of four directions
:math:`\hat e_i\in\{\pm\hat x,\pm\hat y\}` (assigned in 2×2 blocks). Its outgoing weights are
shifted by :math:`l` neurons along that direction,

.. math:: W_{ij}=s\,\big(e^{-\gamma|x_i-x_j-l\hat e_j|^2}-e^{-\beta|x_i-x_j-l\hat e_j|^2}\big),
          \qquad \gamma=1.05\,\beta,

which is zero at the centre and negative elsewhere (purely inhibitory coupling, as Couey et
al. 2013 found between stellate cells). Neuron *i* fires Poisson spikes at

.. math:: r_i=R\,\big[\,1+\alpha\,\hat e_i\cdot v(t)+g_i\,\big]_+,
          \qquad \tau\,\dot g_i=-g_i,\quad g_i\mathrel{+}=W_{ij}/(R\tau)\ \text{at each spike of } j,

so in the mean :math:`g_i=\sum_j W_{ij}\,r_j/R` (Burak & Fiete 2009, their eq. 1 with Poisson
spiking). The uniform drive makes a hexagonal lattice of activity bumps form on the sheet
(spacing :math:`a` neurons, set by β); the velocity input :math:`v(t)` (the animal's velocity,
rotated by the module's orientation) tilts the drive of the four direction populations and the
shifted weights turn that tilt into motion of the whole lattice, at a speed proportional to
:math:`\alpha|v|`. A neuron then fires whenever a bump passes over it, so along the trajectory
it fires on a hexagonal lattice of spacing :math:`\lambda=a/(c\,\alpha)` metres, where *c* is
the lattice speed (neurons/s) per unit of :math:`\alpha|v|`.

The sheet holds exactly 4 × 4 bumps: :math:`n_x=4a` and :math:`n_y` the even integer nearest
:math:`2\sqrt3\,a` (a hexagonal lattice needs rows :math:`\sqrt3 a/2` apart; with an odd
:math:`n_y` the 2×2 direction blocks break at the seam and the lattice drifts on its own).
Nothing in these equations contains a position, a phase or a plane wave: the grid is what the
network does with a velocity signal.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import brian2 as b2
import numpy as np
from brian2 import Hz, ms

from engramlab.models._params import Params, param

__all__ = ["DIRECTIONS", "GridAttractorParams", "LandmarkParams", "initial_lattice", "kernel_beta", "lattice_modes",
           "random_sheets", "recorded_positions", "recurrent_synapses", "sheet"]

#: the four preferred directions, assigned to the 2×2 blocks of the sheet (Burak & Fiete 2009)
DIRECTIONS = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])


@dataclass(frozen=True)
class GridAttractorParams(Params):
    """One grid module's continuous-attractor sheet (Burak & Fiete 2009, spiking)."""

    lattice_neurons: int = param(15, "spacing of the activity bumps on the sheet, in neurons; the sheet "
                                     "is 4 × 4 bumps (60 × 52 neurons at 15)", low=6, high=40, structural=True)
    shift: int = param(2, "shift l of each neuron's outgoing weights along its preferred direction, in "
                          "neurons (Burak & Fiete 2009: 2)", low=1, high=5, structural=True)
    kernel_scale: float = param(5.0, "amplitude s of the inhibitory kernel (the lattice forms when its "
                                     "Fourier peak exceeds 1; at 3 the smallest module's lattice broke up "
                                     "above ≈ 0.3 m/s, at 5 it holds to 0.4 m/s)", low=0, low_open=True,
                                structural=True)
    cutoff: float = param(15.0, "synapses beyond this sheet distance (neurons) are omitted; the kernel "
                                "there is ≤ 2.5 % of its peak magnitude", low=1, structural=True)
    tau: b2.Quantity = param(80 * ms, "decay of the recurrent synaptic drive (NMDA-like; a slower drive "
                                      "averages more spikes: 10 ms left the lattice disordered at "
                                      "physiological rates, 50 ms let it drift 0.02–0.045 m/min)", unit=ms,
                             low=1, high=500)
    rate_scale: b2.Quantity = param(160 * Hz, "rate R per unit of drive (a neuron at the centre of a bump "
                                              "fires ≈ 0.35 R)", unit=Hz, low=0, low_open=True)
    pattern_speed: float = param(62.0, "lattice speed on the sheet, neurons/s per unit of α|v| (the "
                                       "spacing is lattice_neurons / (pattern_speed α) m). A fit: measured "
                                       "once in constant-velocity runs of one sheet at the defaults (seed 1, "
                                       "α = 0.8: 47.8–50 neurons/s per m/s over 0.1–0.4 m/s, any direction). "
                                       "It changes with tau, rate_scale and kernel_scale: re-measure then",
                                 low=0, low_open=True)
    recorded: int = param(400, "neurons per module whose spikes are recorded (spread over the sheet); "
                               "place cells and the analysis read these", low=16, structural=True)

    def sheet_shape(self) -> tuple[int, int]:
        """(n_x, n_y): 4 bumps along x; the even number of rows nearest a hexagonal lattice's."""
        a = self.lattice_neurons
        return 4 * a, 2 * round(math.sqrt(3) * a)

    def check(self) -> None:
        """The recorded neurons exist."""
        nx, ny = self.sheet_shape()
        if self.recorded > nx * ny:
            raise self.fail("recorded", f"must lie in [16, {nx * ny}] (the sheet's neurons), got {self.recorded}")


@dataclass(frozen=True)
class LandmarkParams(Params):
    r"""Landmark cells tiling the box, with plastic synapses onto every sheet neuron (off at 0 cells).

    Sensory cells with Gaussian fields on a square grid of centres (what the animal sees at a
    place: object or boundary cues reaching the entorhinal cortex through the LEC) fire Poisson
    spikes. Each spike adds :math:`\kappa w` to a sheet neuron's fast landmark current and moves
    *w* toward that neuron's recurrent activity :math:`[1+g]_0^1` (an instar rule), so a landmark
    learns the lattice it co-occurs with and later pulls the lattice back there: the
    Hebbian landmark-to-grid association of Ocko et al. (2018, PNAS) and Campbell et al. (2018,
    Nat. Neurosci.). Defaults chosen on foraging seed 0 and measured on seeds 0–2
    (docs/equations.md §4.2a).
    """

    cells_per_side: int = param(0, "landmark cells per side of the box, on a square grid of field centres "
                                   "(0: none, pure path integration)", low=0, high=40, structural=True)
    field_sigma: float = param(0.03, "SD of a landmark cell's Gaussian field (m; narrower than a tenth of the "
                                     "smallest spacing's period blurs its lattice by < 25 %)", low=0,
                               low_open=True)
    peak_rate: b2.Quantity = param(20 * Hz, "rate at a field's centre", unit=Hz, low=0)
    tau: b2.Quantity = param(10 * ms, "decay of the landmark current (AMPA-like and fast, so the input moves "
                                      "with the animal)", unit=ms, low=0, low_open=True)
    strength: float = param(0.3, "κ: landmark current per spike and unit weight (a fit on seed 0: 0.1, 0.3, "
                                 "0.6 and 1.0 tried; weaker corrects less, stronger slows the lattices)", low=0)
    eta: float = param(0.02, "instar learning rate per landmark spike (0.005 tried: no better)", low=0, high=1)


def kernel_beta(lattice_neurons: float) -> float:
    r"""β placing the kernel's Fourier peak on a hexagonal lattice of spacing *a* neurons.

    The Fourier transform of :math:`e^{-\gamma r^2}-e^{-\beta r^2}` (γ = 1.05 β) peaks at
    :math:`k^2=8\beta\gamma\ln(\gamma/\beta)/(\gamma-\beta)`; the lattice's wave vectors have
    :math:`|k|=4\pi/(\sqrt3\,a)`.
    """
    k = 4 * math.pi / (math.sqrt(3) * lattice_neurons)
    ratio = 1.05
    return k**2 / (8 * ratio * math.log(ratio) / (ratio - 1))


def sheet(params: GridAttractorParams) -> tuple[np.ndarray, np.ndarray]:
    """Sheet coordinates (n, 2) and preferred directions (n, 2) of one module's neurons."""
    return _sheet(params.sheet_shape())


def _sheet(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    nx, ny = shape
    ix, iy = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    ix, iy = ix.ravel(), iy.ravel()
    return np.stack([ix, iy], 1).astype(float), DIRECTIONS[(ix % 2) * 2 + (iy % 2)]


def recurrent_synapses(params: GridAttractorParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pre, post, W) of one module's recurrent synapses within ``cutoff`` (periodic distances).

    The wiring follows from the parameters alone (no seed), so it is computed once per shape
    and shared (read-only arrays): a sweep builds the same sheets at every point.
    """
    return _recurrent_synapses(params.sheet_shape(), int(params.lattice_neurons), float(params.shift),
                               float(params.cutoff), float(params.kernel_scale))


@functools.lru_cache(maxsize=4)
def _recurrent_synapses(shape: tuple[int, int], lattice_neurons: int, shift: float, cutoff: float,
                        kernel_scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    nx, ny = shape
    pos, e = _sheet(shape)
    beta = kernel_beta(lattice_neurons)
    gamma = 1.05 * beta
    pre, post, w = [], [], []
    for j in range(pos.shape[0]):
        d = pos - pos[j] - shift * e[j]
        d[:, 0] = (d[:, 0] + nx / 2) % nx - nx / 2
        d[:, 1] = (d[:, 1] + ny / 2) % ny - ny / 2
        d2 = (d**2).sum(1)
        near = np.flatnonzero(d2 <= cutoff**2)
        pre.append(np.full(near.size, j))
        post.append(near)
        w.append(kernel_scale * (np.exp(-gamma * d2[near]) - np.exp(-beta * d2[near])))
    out = np.concatenate(pre), np.concatenate(post), np.concatenate(w)
    for array in out:
        array.flags.writeable = False  # shared between callers
    return out


def lattice_modes(params: GridAttractorParams) -> np.ndarray:
    """The three wave vectors (3, 2) of the 4 × 4 bump lattice on the sheet (rad per neuron)."""
    nx, ny = params.sheet_shape()
    return 2 * math.pi * np.array([[0.0, 4 / ny], [4 / nx, 2 / ny], [4 / nx, -2 / ny]])


def initial_lattice(params: GridAttractorParams, offset: np.ndarray) -> np.ndarray:
    """Initial drive g (one per neuron) seeding the 4 × 4 lattice shifted by ``offset`` (neurons).

    A weak seed picks which of the sheet's lattice orientations forms (from random initial
    conditions a strained, rotated lattice can form instead); the network's own dynamics
    then shape the bumps.
    """
    pos, _ = sheet(params)
    k = lattice_modes(params)
    wave = np.cos((pos - offset) @ k.T).sum(1)
    return np.asarray(0.5 * (wave - wave.max()) / 3)


def random_sheets(params: GridAttractorParams, modules: int, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random neuron order, seed-lattice offset and initial drive of every module's sheet.

    Drawn from ``rng`` in this order: per module a permutation of the sheet's neurons (its first
    ``params.recorded`` are recorded), then each seed lattice's offset (neurons); the initial
    drive is :func:`initial_lattice` at that offset. Shapes (modules, n), (modules, 2), (modules, n).
    """
    nx, ny = params.sheet_shape()
    order = np.array([rng.permutation(nx * ny) for _ in range(modules)])
    offsets = rng.uniform(0, 1, (modules, 2)) * np.array([nx, ny])
    return order, offsets, np.array([initial_lattice(params, off) for off in offsets])


def recorded_positions(params: GridAttractorParams, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Module and sheet position of every recorded neuron, shapes (recorded,) and (recorded, 2).

    Module-major, as the circuit numbers the recorded neurons' spikes.
    """
    pos, _ = sheet(params)
    rec = params.recorded
    return (np.repeat(np.arange(order.shape[0]), rec),
            np.concatenate([pos[order[m, :rec]] for m in range(order.shape[0])]))
