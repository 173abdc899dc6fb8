"""Spiking continuous-attractor grid modules driven by a velocity signal, and place cells reading them.

One explicit Brian2 network: every module's sheet (:mod:`engramlab.models.grid_attractor`) in one
NeuronGroup with block-diagonal recurrent synapses, the animal's velocity as the only
time-varying input, and integrate-and-fire place cells
(:class:`~engramlab.models.hippocampal.PlaceParams`) whose synaptic current jumps at every spike
of the grid neurons they read; their weights are learned in one shot at a plateau. Within each
module the recorded neurons come first, so each module's monitor is a contiguous subgroup.
"""

from __future__ import annotations

import math
from typing import Any

import brian2 as b2
import numpy as np

from engramlab.circuits._device import run_network, seed_brian, select_device
from engramlab.circuits.hippocampus import plateau_place_layer
from engramlab.errors import ConfigError
from engramlab.models.grid_attractor import GridAttractorParams, LandmarkParams, recurrent_synapses, sheet
from engramlab.models.hippocampal import PlaceParams
from engramlab.resources import BYTES_PER_SYNAPSE

__all__ = ["GridAttractorCircuit", "attractor_bytes", "landmark_layer"]


def landmark_layer(sheet_group: b2.NeuronGroup, rates: np.ndarray, rate_dt: b2.Quantity, params: LandmarkParams,
                   clock: b2.Clock) -> tuple[b2.NeuronGroup, b2.Synapses]:
    r"""Poisson landmark cells at tabulated rates, each with a plastic synapse onto every sheet neuron.

    A landmark spike adds :math:`\kappa w` to the neuron's fast landmark current *L* and moves
    *w* toward the neuron's present recurrent activity (an instar rule, Grossberg 1976):
    :math:`w \leftarrow w + \eta\,([1 + g]_0^1 - w)`. All weights start at 0.
    """
    table = b2.TimedArray(np.ascontiguousarray(rates) * b2.Hz, dt=rate_dt, name="landmark_rates")
    cells = b2.NeuronGroup(rates.shape[1], "rate = landmark_rates(t, i) : Hz", threshold="rand() < rate * dt",
                           namespace={"landmark_rates": table}, clock=clock, name="landmark_cells")
    syn = b2.Synapses(cells, sheet_group, "w : 1",
                      on_pre="L_post += kappa * w\nw += eta * (clip(1 + g_post, 0, 1) - w)",
                      namespace={"kappa": params.strength, "eta": params.eta}, clock=clock, name="landmark_sheet")
    syn.connect()
    return cells, syn


def attractor_bytes(params: GridAttractorParams, modules: int, seconds: float) -> float:
    """Estimated peak bytes of ``modules`` sheets run for ``seconds``: synapses and recorded spikes.

    Recorded spikes: bumps cover ≈ 20 % of a sheet at ≈ 0.35 R (measured mean rate ≈ 10 Hz).
    """
    nx, ny = params.sheet_shape()
    synapses = modules * nx * ny * math.pi * params.cutoff**2
    spikes = modules * params.recorded * 0.35 * float(params.rate_scale) * 0.2 * seconds
    return synapses * BYTES_PER_SYNAPSE + spikes * 16 * 3


class GridAttractorCircuit:
    r"""Grid modules as spiking attractor sheets, and place cells reading their spikes.

    Parameters
    ----------
    velocity : ndarray, shape (samples, 2)
        The animal's velocity (m/s) every ``rate_dt``: the modules' only time-varying input.
    rate_dt : Quantity
    gains : sequence of float
        Velocity gain α of each module (0: the lattice does not move).
    orientations : sequence of float
        Each module rotates the velocity signal by this angle φ (rad) before it reaches its
        direction populations. The lattice then moves by :math:`c\alpha R(\varphi)x` for a
        displacement *x*, so a neuron's spatial wave vectors are :math:`c\alpha R(\varphi)^\top K_j`:
        its grid is the sheet lattice rotated by **−φ**.
    order : ndarray, shape (modules, n)
        Per module, a permutation of its sheet's neurons; the first ``params.recorded`` are recorded.
    initial_drive : ndarray, shape (modules, n)
        Initial synaptic drive g of every neuron (sheet order), seeding the lattice.
    params : GridAttractorParams
    plateau_times : ndarray, shape (n_place,)
        Time (s) of each place cell's plateau, a multiple of
        :data:`~engramlab.circuits.hippocampus.PLATEAU_STEP`; it learns its weights from every
        recorded grid neuron then (before: weight 0).
    place : PlaceParams or None
        None: no place cells (``plateau_times`` must be empty); the grid neurons' eligibility
        trace then decays with the default place cells' ``tau_elig`` and is read by nothing.
    landmark_rates : ndarray, shape (samples, cells), optional
        Firing rate (Hz) of each landmark cell every ``rate_dt`` (sensory cells with fields in the
        box). Each has a plastic synapse onto every sheet neuron (:class:`LandmarkParams`).
    landmark : LandmarkParams, optional
        Required with ``landmark_rates``.
    """

    def __init__(self, velocity: np.ndarray, rate_dt: b2.Quantity, gains: list[float], orientations: list[float],
                 order: np.ndarray, initial_drive: np.ndarray, params: GridAttractorParams,
                 plateau_times: np.ndarray, place: PlaceParams | None, dt: b2.Quantity, target: str = "numpy",
                 seed: int = 0, device: str = "runtime", threads: int = 0,
                 landmark_rates: np.ndarray | None = None, landmark: LandmarkParams | None = None) -> None:
        self._build_dir = select_device(device, target=target, threads=threads)
        self.timings: dict[str, float] = {}
        modules = len(gains)
        pos, e = sheet(params)
        n = pos.shape[0]
        rec = params.recorded
        if place is None and plateau_times.size:
            raise ConfigError("plateau_times", "must be empty when there are no place cells (place=None)")
        tau_elig = (place or PlaceParams()).tau_elig
        if order.shape != (modules, n) or initial_drive.shape != (modules, n):
            raise ConfigError("order", f"and initial_drive must have shape (modules={modules}, neurons={n})")
        self.duration = velocity.shape[0] * rate_dt
        # a fixed name (not 'clock*'): a second circuit in the process generates the same code, so
        # Cython's cache and a kept standalone project compile nothing again
        clock = b2.Clock(dt=dt, name="attractor_clock")
        self._vx = b2.TimedArray(np.ascontiguousarray(velocity[:, 0]), dt=rate_dt, name="vel_x")
        self._vy = b2.TimedArray(np.ascontiguousarray(velocity[:, 1]), dt=rate_dt, name="vel_y")
        seed_brian(seed)
        if (landmark_rates is None) != (landmark is None):
            raise ConfigError("landmark", "landmark_rates and landmark go together")
        # landmark input: a fast synaptic current L added to the drive (none without landmark cells)
        fast = ("dL/dt = -L / tau_l : 1", " + L") if landmark is not None else ("", "")
        self.grid = b2.NeuronGroup(
            modules * n,
            f"""
            dg/dt = -g / tau : 1
            {fast[0]}
            ex : 1 (constant)
            ey : 1 (constant)
            alpha : 1 (constant)
            rate = R * clip(1 + alpha * (ex * vel_x(t) + ey * vel_y(t)) + g{fast[1]}, 0, 100) : Hz
            delig/dt = -elig / tau_elig : 1
            """,
            threshold="rand() < rate * dt", reset="elig += 1", method="exact",
            namespace={"tau": params.tau, "R": params.rate_scale, "vel_x": self._vx, "vel_y": self._vy,
                       "tau_elig": tau_elig, **({"tau_l": landmark.tau} if landmark is not None else {})},
            clock=clock, name="grid_sheet")
        ex, ey, alpha, g0 = [], [], [], []
        for m in range(modules):
            c, s = math.cos(orientations[m]), math.sin(orientations[m])
            em = e[order[m]]
            # e · R(θ) v = (R(θ)ᵀ e) · v: rotate the preferred directions instead of the velocity
            ex.append(c * em[:, 0] + s * em[:, 1])
            ey.append(-s * em[:, 0] + c * em[:, 1])
            alpha.append(np.full(n, gains[m]))
            g0.append(initial_drive[m][order[m]])
        self.grid.ex = np.concatenate(ex)
        self.grid.ey = np.concatenate(ey)
        self.grid.alpha = np.concatenate(alpha)
        self.grid.g = np.concatenate(g0)
        pre, post, w = recurrent_synapses(params)
        rank = np.argsort(order, axis=1)  # sheet index -> position in the module's block
        self.recurrent = b2.Synapses(self.grid, self.grid, "w : 1 (constant)", on_pre="g_post += w",
                                     clock=clock, name="grid_recurrent")
        self.recurrent.connect(i=np.concatenate([rank[m][pre] + m * n for m in range(modules)]),
                               j=np.concatenate([rank[m][post] + m * n for m in range(modules)]))
        self.recurrent.w = np.tile(w / float(params.rate_scale * params.tau), modules)
        recorded = np.concatenate([m * n + np.arange(rec) for m in range(modules)])  # their sheet-group index
        self.monitors = {f"grid{m}": b2.SpikeMonitor(self.grid[m * n:m * n + rec], name=f"mon_grid{m}")
                         for m in range(modules)}
        self.place: b2.NeuronGroup | None = None
        self.to_place: b2.Synapses | None = None
        place_objects: list[Any] = []
        if place is not None:
            self.place, self.to_place = plateau_place_layer(self.grid, recorded, plateau_times, place, clock)
            self.monitors["place"] = b2.SpikeMonitor(self.place, name="mon_place")
            place_objects = [self.place, self.to_place]
        self.landmarks: b2.NeuronGroup | None = None
        self.to_sheet: b2.Synapses | None = None
        landmark_objects: list[Any] = []
        if landmark_rates is not None and landmark is not None:
            self.landmarks, self.to_sheet = landmark_layer(self.grid, landmark_rates, rate_dt, landmark, clock)
            self.monitors["landmark"] = b2.SpikeMonitor(self.landmarks, name="mon_landmark")
            landmark_objects = [self.landmarks, self.to_sheet]
        self.network = b2.Network(self.grid, self.recurrent, *place_objects, *landmark_objects,
                                  *self.monitors.values())
        self.modules, self.n, self.rec = modules, n, rec

    def run(self, report: Any = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Simulate the whole trajectory in one run.

        Returns spikes of the recorded grid neurons (module-major index m * recorded + k) and of
        the place and landmark cells (if any).
        """
        self.timings = run_network(self.network, self.duration, self._build_dir, report)
        ts, idx = [], []
        for m in range(self.modules):
            mon = self.monitors[f"grid{m}"]
            ts.append(np.asarray(mon.t_))
            idx.append(np.asarray(mon.i) + m * self.rec)
        t = np.concatenate(ts)
        i = np.concatenate(idx)
        o = np.argsort(t, kind="stable")
        out = {"grid": (t[o], i[o])}
        for name in ("place", "landmark"):
            if name in self.monitors:
                out[name] = (np.asarray(self.monitors[name].t_), np.asarray(self.monitors[name].i))
        return out

    def landmark_weights(self) -> np.ndarray:
        """Landmark→sheet weights onto the recorded neurons after the run, (landmark cells, modules × recorded)."""
        if self.landmarks is None or self.to_sheet is None:
            return np.zeros((0, self.modules * self.rec))
        post = np.asarray(self.to_sheet.j)
        module, k = post // self.n, post % self.n
        on = k < self.rec  # the recorded neurons come first in each module's block
        out = np.zeros((len(self.landmarks), self.modules * self.rec))
        out[np.asarray(self.to_sheet.i)[on], (module * self.rec + k)[on]] = np.asarray(self.to_sheet.w)[on]
        return out

    def place_weights(self) -> np.ndarray:
        """Grid→place weights after the run, shape (place cells, modules × recorded), module-major."""
        if self.place is None or self.to_place is None:
            return np.zeros((0, self.modules * self.rec))
        out = np.zeros((len(self.place), self.modules * self.rec))
        pre = np.asarray(self.to_place.i)
        module, k = pre // self.n, pre % self.n
        out[np.asarray(self.to_place.j), module * self.rec + k] = np.asarray(self.to_place.w)
        return out
