"""Foraging in a box: a rat-like trajectory drives grid cells; place cells read the grid cells.

The trajectory follows RatInABox's fit to Sargolini et al. (2006) open-field data: forward
speed an Ornstein–Uhlenbeck process (mean 0.08 m/s, τ 0.7 s) and rotational velocity another
(σ 120°/s, τ 0.08 s); walls turn the animal away.

* ``grid.model = "attractor"`` (default): each module is a spiking continuous-attractor sheet
  (:mod:`engramlab.models.grid_attractor`) whose only time-varying input is the velocity. Place
  cells start silent with a synapse from every recorded grid neuron and learn their weights in
  one shot at a plateau at a random time (:class:`~engramlab.models.hippocampal.PlaceParams`):
  nothing in the model knows where a grid or place field will be.
* ``grid.model = "ideal"``: grid cells fire Poisson spikes at the rates of module phases
  integrated in NumPy from the velocity (the mathematical limit of path integration); place
  cells sum the spikes of the grid cells sharing a field location across modules (Solstad et
  al. 2006), wired from those known fields.

Everything runs in one Brian2 network; place cells see grid cells only through their spikes.
"""

from __future__ import annotations

import math
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import brian2 as b2
import numpy as np
from brian2 import ms, second

from engramlab.analysis.grid import grid_rates
from engramlab.beside import Beside, start_beside
from engramlab.circuits._device import DEVICES, threads_param
from engramlab.circuits.grid_attractor import GridAttractorCircuit, attractor_bytes
from engramlab.circuits.hippocampus import PLATEAU_STEP, ForagingCircuit
from engramlab.errors import EngramlabError
from engramlab.models._params import Params, param
from engramlab.models.grid_attractor import (
    GridAttractorParams,
    LandmarkParams,
    lattice_modes,
    random_sheets,
    recorded_positions,
)
from engramlab.models.hippocampal import GridParams, PlaceParams
from engramlab.protocols._result import config_params, spike_arrays
from engramlab.protocols.worlds import grid_modules
from engramlab.resources import BYTES_PER_SYNAPSE
from engramlab.results import Result, run_metadata

__all__ = ["ForagingConfig", "foraging_trajectory", "landmark_rates", "memory_estimate", "path_integrated_rates",
           "place_wiring",
           "plateau_times", "rat_trajectory", "ratinabox_trajectory", "run_foraging"]


@dataclass(frozen=True)
class ForagingGridParams(GridParams):
    """Grid modules of the foraging protocol: a spiking attractor (default) or the ideal code."""

    modules: int = param(3, "number of grid modules (4–7 in rats; Stensola et al. 2012)", low=1, high=12,
                         structural=True)
    cells_per_module: int = param(144, "ideal model only: grid cells per module (phases tile the unit "
                                       "cell); the attractor records attractor.recorded neurons",
                                  low=1, high=10_000, structural=True)
    model: str = param("attractor", "'attractor': spiking continuous-attractor sheets driven by the "
                                    "velocity (Burak & Fiete 2009); 'ideal': Poisson cells at the rates of "
                                    "phases integrated in NumPy (the mathematical limit)",
                       choices=("attractor", "ideal"), structural=True)
    velocity_gain: float = param(1.0, "attractor only: multiplies every module's velocity input "
                                      "(0: the lattice does not move)", low=0, high=10)
    attractor: GridAttractorParams = field(default_factory=GridAttractorParams)
    landmarks: LandmarkParams = field(default_factory=LandmarkParams)


@dataclass(frozen=True)
class ForagingConfig(Params):
    """Trajectory, box and populations of the foraging protocol."""

    duration: b2.Quantity = param(600 * second, "foraging time (10 min covers a 1 m box well)", unit=second,
                                  low=0, low_open=True, structural=True)
    box: float = param(1.0, "side of the square box (m)", low=0, low_open=True)
    speed_mean: float = param(0.08, "mean forward speed, m/s (RatInABox / Sargolini 2006)", low=0, low_open=True)
    speed_tau: float = param(0.7, "speed OU time constant, s", low=0, low_open=True)
    rotation_std: float = param(120.0, "rotational velocity SD, degrees/s", low=0)
    rotation_tau: float = param(0.08, "rotational velocity OU time constant, s", low=0, low_open=True)
    trajectory: str = param("ou", "'ou': engramlab's motion model (OU speed and turning, walls turn it away); "
                                  "'ratinabox': RatInABox's Agent with the same motion parameters (George "
                                  "et al. 2024; the ratinabox extra)", choices=("ou", "ratinabox"))
    trajectory_dt: b2.Quantity = param(10 * ms, "trajectory sampling step", unit=ms, low=0, low_open=True,
                                       structural=True)
    target: str = param("auto", "Brian2 target (auto: Cython when a compiler is there; the attractor's "
                                "6.6 M synapses are slow on numpy)", choices=("numpy", "cython", "auto"))
    device: str = param("runtime", "'runtime' (numpy/cython target) or 'cpp_standalone' "
                        "(one compiled C++ program)", choices=DEVICES)
    threads: int = threads_param()
    dt: b2.Quantity = param(1 * ms, "simulation step", unit=ms, low=0, high=10, low_open=True, structural=True)
    seed: int = param(0, "seed of trajectory, grids and spikes", low=0, high=2**32 - 1)
    grid: ForagingGridParams = field(default_factory=ForagingGridParams)
    place: PlaceParams = field(default_factory=PlaceParams)

    def check(self) -> None:
        """Keys of the other grid model are refused; a place cell reads at most a module's cells; plateaus fit."""
        landmarks, no_landmarks = self.grid.landmarks, LandmarkParams()
        if self.grid.model == "ideal" and landmarks != no_landmarks:
            raise self.fail("grid.landmarks", "applies to grid.model = 'attractor' only; keep "
                                              "grid.landmarks.cells_per_side = 0 on the ideal code (it has no drift "
                                              "to correct)")
        if landmarks.cells_per_side == 0:
            for key in ("field_sigma", "peak_rate", "tau", "strength", "eta"):
                if getattr(landmarks, key) != getattr(no_landmarks, key):
                    raise self.fail(f"grid.landmarks.{key}", "applies only with landmark cells: set "
                                                             "grid.landmarks.cells_per_side > 0")
        if self.grid.model == "ideal" and self.grid.velocity_gain != 1.0:
            raise self.fail("grid.velocity_gain", f"applies to grid.model = 'attractor' only (the ideal code "
                            f"integrates the velocity exactly), got {self.grid.velocity_gain}")
        default = PlaceParams()
        if self.grid.model == "ideal":
            for key in PLATEAU_KEYS:  # the ideal code's place cells are wired, not learned
                if getattr(self.place, key) != getattr(default, key):
                    raise self.fail(f"place.{key}", "applies to grid.model = 'attractor' only (on the ideal code "
                                    "place cells are wired from its known fields)")
            if self.place.inputs_per_module > self.grid.cells_per_module:
                raise self.fail("place.inputs_per_module", f"must lie in [1, grid.cells_per_module = "
                                f"{self.grid.cells_per_module}], got {self.place.inputs_per_module}")
            return
        for key in WIRING_KEYS:  # the attractor's place cells learn from every recorded neuron
            if getattr(self.place, key) != getattr(default, key):
                raise self.fail(f"place.{key}", "applies to grid.model = 'ideal' only (on the attractor place "
                                "cells learn their weights at a plateau: place.eta, place.tau_elig)")
        grid_default = ForagingGridParams()
        for key, instead in (("cells_per_module", "grid.attractor.recorded"),
                             ("max_rate", "grid.attractor.rate_scale")):
            if getattr(self.grid, key) != getattr(grid_default, key):
                raise self.fail(f"grid.{key}", f"applies to grid.model = 'ideal' only (the attractor's "
                                f"counterpart is {instead})")
        first, last = plateau_range(self)
        if last < first:
            raise self.fail("place.plateau_fraction", f"leaves no plateau time: plateau_fraction × duration = "
                            f"{self.place.plateau_fraction * self.duration} must reach place.plateau_from = "
                            f"{self.place.plateau_from} (lengthen duration or lower plateau_from)")


#: place-cell keys of each model (the other model refuses them when changed from the default)
PLATEAU_KEYS = ("tau_elig", "eta", "plateau_from", "plateau_fraction")
WIRING_KEYS = ("inputs_per_module", "threshold", "reference_rate")


def memory_estimate(cfg: ForagingConfig, protocol: None = None) -> tuple[float, str]:
    """Estimated peak bytes: the grid-rate table (ideal) or the sheets' synapses and spikes (attractor)."""
    samples = float(cfg.duration / cfg.trajectory_dt)
    if cfg.grid.model == "ideal":
        grid = cfg.grid.modules * cfg.grid.cells_per_module
        return 3 * samples * (grid + 2) * 8 + grid * cfg.place.cells * BYTES_PER_SYNAPSE, "duration"
    a, lm = cfg.grid.attractor, cfg.grid.landmarks
    nx, ny = a.sheet_shape()
    sheets = attractor_bytes(a, cfg.grid.modules, float(cfg.duration))
    landmark = 0.0
    if lm.cells_per_side:
        # synapses onto every sheet neuron; the rate table, its Brian2 copy and the two temporaries
        # that compute it (samples × cells each); the first run's spikes are kept while the control
        # runs: its sheets counted again (synapses too: an upper bound)
        landmark = (lm.cells_per_side**2 * (cfg.grid.modules * nx * ny * BYTES_PER_SYNAPSE + 4 * samples * 8)
                    + sheets)
    return sheets + 4 * samples * 8 + landmark, "duration"


def landmark_rates(positions: np.ndarray, box: float, params: LandmarkParams) -> tuple[np.ndarray, np.ndarray]:
    """Rates (samples, cells) in Hz of landmark cells with Gaussian fields, and their centres (cells, 2).

    The centres tile the box on a square grid (``cells_per_side`` per side, half a step from the
    walls); a cell fires at ``peak_rate · exp(−|x − c|² / 2σ²)`` when the animal is at *x*: a
    sensory input, what the animal sees at a place, not a path-integrated quantity.
    """
    n = params.cells_per_side
    side = (np.arange(n) + 0.5) * box / n
    cx, cy = np.meshgrid(side, side, indexing="ij")
    centres = np.stack([cx.ravel(), cy.ravel()], 1)
    d2 = ((positions[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    return float(params.peak_rate) * np.exp(-d2 / (2 * params.field_sigma**2)), centres


def foraging_trajectory(cfg: ForagingConfig, rng: np.random.Generator) -> np.ndarray:
    """Positions (samples, 2) every ``trajectory_dt`` from the configured ``trajectory`` model."""
    return ratinabox_trajectory(cfg, rng) if cfg.trajectory == "ratinabox" else rat_trajectory(cfg, rng)


def ratinabox_trajectory(cfg: ForagingConfig, rng: np.random.Generator) -> np.ndarray:
    """Positions (samples, 2) every ``trajectory_dt`` from RatInABox's ``Agent`` (George et al. 2024, eLife).

    A solid square box of side ``box``; the motion parameters map one to one (``speed_mean``,
    ``speed_std = speed_mean`` as RatInABox's default, ``speed_coherence_time = speed_tau``,
    ``rotational_velocity_std``/``_coherence_time`` from ``rotation_std``/``rotation_tau``);
    wall repulsion and thigmotaxis are RatInABox's defaults. RatInABox draws from NumPy's global
    generator: it is seeded from ``rng`` and restored afterwards, so the same seed gives the same
    path and the caller's global state is untouched.
    """
    try:
        from ratinabox.Agent import Agent
        from ratinabox.Environment import Environment
    except ImportError:  # an optional extra
        raise EngramlabError("trajectory = 'ratinabox' needs RatInABox: pip install 'engramlab[ratinabox]'") from None
    dt = float(cfg.trajectory_dt)
    n = round(float(cfg.duration) / dt)
    pos = np.empty((n, 2))
    # RatInABox draws from NumPy's legacy global generator: seed it, and put it back afterwards
    saved = np.random.get_state()  # noqa: NPY002
    np.random.seed(int(rng.integers(2**32)))  # noqa: NPY002
    try:
        env = Environment(params={"scale": cfg.box, "boundary_conditions": "solid"})
        agent = Agent(env, params={"dt": dt, "speed_mean": cfg.speed_mean, "speed_std": cfg.speed_mean,
                                   "speed_coherence_time": cfg.speed_tau,
                                   "rotational_velocity_std": math.radians(cfg.rotation_std),
                                   "rotational_velocity_coherence_time": cfg.rotation_tau, "save_history": False})
        agent.pos = np.array([cfg.box / 2, cfg.box / 2])
        for k in range(n):
            agent.update(dt=dt)
            pos[k] = agent.pos
    finally:
        np.random.set_state(saved)  # noqa: NPY002
    return pos


def rat_trajectory(cfg: ForagingConfig, rng: np.random.Generator) -> np.ndarray:
    """Positions (samples, 2) every ``trajectory_dt``: OU speed and turning, walls turn it away.

    The speed OU process is reflected at 0 (a negative draw is flipped), so its stationary law is
    the normal N(speed_mean, speed_mean²) truncated at 0 (mean 0.103 m/s at the defaults), not
    RatInABox's Rayleigh law; tests check the sampled speeds against it. Against RatInABox's
    Agent with the same parameters (``trajectory = "ratinabox"``; seed 3, 200 s) it turns alike
    (118 vs 121 °/s away from walls, 120 asked), runs 1.2× faster (0.109 vs 0.089 m/s), spends
    less time within 0.1 m of a wall (0.29 vs 0.39: no thigmotaxis) and its speed decorrelates
    faster (autocorrelation at 0.7 s 0.25 vs 0.34).
    """
    dt = float(cfg.trajectory_dt)
    n = round(float(cfg.duration) / dt)
    box = cfg.box
    pos = np.empty((n, 2))
    x = np.array([box / 2, box / 2])
    heading = rng.uniform(0, 2 * math.pi)
    speed = cfg.speed_mean
    omega = 0.0
    sd_w = math.radians(cfg.rotation_std)
    a_s = math.exp(-dt / cfg.speed_tau)
    a_w = math.exp(-dt / cfg.rotation_tau)
    for k in range(n):
        # OU updates (exact discretisation); speed kept positive (Rayleigh-like)
        speed = cfg.speed_mean + (speed - cfg.speed_mean) * a_s + cfg.speed_mean * math.sqrt(1 - a_s**2) * rng.normal()
        speed = abs(speed)
        omega = omega * a_w + sd_w * math.sqrt(1 - a_w**2) * rng.normal()
        heading += omega * dt
        step = speed * dt * np.array([math.cos(heading), math.sin(heading)])
        nxt = x + step
        # near a wall: turn away (reflect the heading component pointing into the wall)
        for axis in (0, 1):
            if nxt[axis] < 0.02 * box or nxt[axis] > 0.98 * box:
                if axis == 0:
                    heading = math.pi - heading
                else:
                    heading = -heading
                step = speed * dt * np.array([math.cos(heading), math.sin(heading)])
                nxt = np.clip(x + step, 0.0, box)
        x = nxt
        pos[k] = x
    return pos


def path_integrated_rates(module: Any, positions: np.ndarray, max_rate: float) -> np.ndarray:
    """Grid-cell rates from the module's phases integrated along the velocity input.

    Each step's displacement Δ advances the three wave phases by k_j·Δ (the rotation of the
    module's action matrix); the phases start from the first position's and are accumulated,
    never read back from the position. Cell rates are (Σ_j cos(θ_j − k_j·φ) + 1.5)/4.5.
    """
    k = module.k
    velocity_steps = np.diff(positions, axis=0, prepend=positions[:1])
    theta = positions[0] @ k.T + np.cumsum(velocity_steps @ k.T, axis=0)  # (samples, 3)
    kphi = module.phases @ k.T  # (cells, 3)
    return np.asarray(max_rate * (np.cos(theta[:, None, :] - kphi[None, :, :]).sum(-1) + 1.5) / 4.5)


def place_wiring(modules: list, params: PlaceParams, box: float, rng: np.random.Generator
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Grid→place weights (Solstad et al. 2006) and the place-field centres drawn from ``rng``.

    Each place cell gets, from every module, the ``inputs_per_module`` grid cells firing most at
    its centre; every such synapse has weight 1 / (θ D τ_s), D the summed rate of those inputs at
    the centre for fields peaking at ``params.reference_rate`` (not the grid cells' actual rate),
    so the mean synaptic current reaches the firing threshold where the grid drive is θ D
    (see :class:`~engramlab.models.hippocampal.PlaceParams`).
    """
    centres = rng.uniform(0.1 * box, 0.9 * box, (params.cells, 2))
    rates = [grid_rates(m, centres, float(params.reference_rate)) for m in modules]
    return solstad_weights(rates, params), centres


def solstad_weights(rates: list[np.ndarray], params: PlaceParams) -> np.ndarray:
    """Place weights from each module's expected grid rates at the place centres (place cells, cells).

    Per module, the ``inputs_per_module`` cells with the highest rate at a place cell's centre
    get weight 1 / (θ D τ_s), D the summed rate of all its chosen inputs there; the columns are
    the modules' cells, module after module.
    """
    rows = np.arange(params.cells)[:, None]
    chosen = []
    drive = np.zeros(params.cells)
    for r in rates:
        best = np.argsort(-r, axis=1)[:, : params.inputs_per_module]
        mask = np.zeros(r.shape, dtype=bool)
        mask[rows, best] = True
        chosen.append(mask)
        drive += np.take_along_axis(r, best, axis=1).sum(1)
    return np.concatenate(chosen, axis=1) / (params.threshold * drive[:, None] * float(params.tau_syn))


def plateau_times(cfg: ForagingConfig, rng: np.random.Generator) -> np.ndarray:
    """Each place cell's plateau time (s), uniform on the :data:`PLATEAU_STEP` grid.

    Between ``place.plateau_from`` and ``place.plateau_fraction`` of the run.
    """
    step = float(PLATEAU_STEP)
    first, last = plateau_range(cfg)
    return np.asarray(rng.integers(first, last + 1, cfg.place.cells) * step, dtype=float)


def plateau_range(cfg: ForagingConfig) -> tuple[int, int]:
    """First and last plateau step (multiples of :data:`PLATEAU_STEP`) the configuration allows."""
    step = float(PLATEAU_STEP)
    first = math.ceil(round(float(cfg.place.plateau_from) / step, 9))
    last = math.floor(round(cfg.place.plateau_fraction * float(cfg.duration) / step, 9))
    # the plasticity's last check is one step before the run ends: a plateau there is never written
    return first, min(last, math.ceil(round(float(cfg.duration) / step, 9)) - 1)


def _run_attractor(cfg: ForagingConfig, pos: np.ndarray, rng: np.random.Generator, report: Any
                   ) -> tuple[dict[str, np.ndarray], Any, float, float]:
    a = cfg.grid.attractor
    start = np.array([cfg.box / 2, cfg.box / 2])
    dt = float(cfg.trajectory_dt)
    velocity = np.diff(np.vstack([start, pos]), axis=0) / dt
    spacings = np.array(cfg.grid.spacings())
    gains = cfg.grid.velocity_gain * a.lattice_neurons / (a.pattern_speed * spacings)
    orientations = rng.uniform(0, cfg.grid.orientation_jitter, cfg.grid.modules)
    order, offsets, drive0 = random_sheets(a, cfg.grid.modules, rng)
    plateaus = plateau_times(cfg, rng)
    lm = cfg.grid.landmarks
    rates, centres = landmark_rates(pos, cfg.box, lm) if lm.cells_per_side else (None, np.zeros((0, 2)))
    # the control: the same sheets, velocity and seed without landmark cells (or place cells):
    # what path integration alone does on this run, simulated in a second process at the same time
    sheets: dict[str, Any] = {"velocity": velocity, "rate_dt": cfg.trajectory_dt, "gains": list(gains),
                              "orientations": list(orientations), "order": order, "initial_drive": drive0,
                              "params": a}
    device = {"dt": cfg.dt, "target": cfg.target, "seed": cfg.seed, "device": cfg.device, "threads": cfg.threads}
    with (start_beside(run_control, sheets, device) if rates is not None else nullcontext()) as control:
        return _run_with_control(cfg, pos, plateaus, rates, centres, sheets, device, control, report, spacings,
                                 offsets)


ControlRun = tuple[tuple[np.ndarray, np.ndarray], dict[str, Any]]


def run_control(sheets: dict[str, Any], device: dict[str, Any]) -> ControlRun:
    """The sheets alone (no landmark or place cells): grid spikes and the circuit's timings."""
    control = GridAttractorCircuit(**sheets, plateau_times=np.zeros(0), place=None, **device)
    return control.run()["grid"], dict(control.timings)


def _run_with_control(cfg: ForagingConfig, pos: np.ndarray, plateaus: np.ndarray, rates: np.ndarray | None,
                      centres: np.ndarray, sheets: dict[str, Any], device: dict[str, Any],
                      control: Beside[ControlRun] | None, report: Any,
                      spacings: np.ndarray, offsets: np.ndarray) -> tuple[dict[str, np.ndarray], Any, float, float]:
    a, lm = cfg.grid.attractor, cfg.grid.landmarks
    velocity, dt, order = sheets["velocity"], float(cfg.trajectory_dt), sheets["order"]
    gains, orientations = np.asarray(sheets["gains"]), np.asarray(sheets["orientations"])
    # where the control cannot run beside (one core, a sweep's or Dask's worker) it runs here first,
    # its circuit gone before this one is built: a standalone device holds one program's arrays, so
    # building it while this circuit was alive would give its code new names (a full compile at
    # every sweep point). Its seed is its own: the order changes no spike.
    control_here = control.result() if control is not None and not control.in_another_process else None
    t0 = time.perf_counter()
    circuit = GridAttractorCircuit(**sheets, plateau_times=plateaus, place=cfg.place, **device, landmark_rates=rates,
                                   landmark=lm if rates is not None else None)
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    spikes = circuit.run(report=report)
    run_s = time.perf_counter() - t1
    place_weights, landmark_weights = circuit.place_weights(), circuit.landmark_weights()
    timings: dict[str, Any] = dict(circuit.timings)
    if control is not None:  # its timings nested: a sweep sums every circuit's build and run
        spikes["control_grid"], timings["control"] = control_here if control_here is not None else control.result()
    module, sheet_position = recorded_positions(a, order)
    # the spacing the sheets are built for: a / (c α) = spacings / velocity_gain (none without input)
    spacing = spacings / cfg.grid.velocity_gain if cfg.grid.velocity_gain > 0 else np.full_like(spacings, np.inf)
    arrays = {
        "position": pos, "velocity": velocity,
        "grid_module": module, "grid_sheet_position": sheet_position,
        "lattice_modes": lattice_modes(a), "lattice_offset": offsets, "grid_gain": gains,
        "grid_orientation": orientations, "grid_spacing": spacing,
        # a place cell's "centre" is where the animal was at its plateau (sample k ends at (k + 1) dt)
        "place_centres": pos[np.clip(np.round(plateaus / dt).astype(int) - 1, 0, pos.shape[0] - 1)],
        "place_plateau_time": plateaus, "place_weights": place_weights,
        "landmark_centres": centres, "landmark_weights": landmark_weights,
    }
    arrays.update(spike_arrays(spikes))
    return arrays, SimpleNamespace(timings=timings), build_s, run_s


def _run_ideal(cfg: ForagingConfig, pos: np.ndarray, rng: np.random.Generator, report: Any
               ) -> tuple[dict[str, np.ndarray], Any, float, float]:
    modules = grid_modules(cfg.grid, rng)
    max_rate = float(cfg.grid.max_rate)
    rates = np.concatenate([path_integrated_rates(m, pos, max_rate) for m in modules], axis=1)
    module_of = np.concatenate([np.full(m.phases.shape[0], k) for k, m in enumerate(modules)])
    weights, centres = place_wiring(modules, cfg.place, cfg.box, rng)
    t0 = time.perf_counter()
    circuit = ForagingCircuit(rates, cfg.trajectory_dt, weights, cfg.place, dt=cfg.dt, target=cfg.target,
                              seed=cfg.seed, device=cfg.device, threads=cfg.threads)
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    spikes = circuit.run(report=report)
    run_s = time.perf_counter() - t1
    arrays: dict[str, np.ndarray] = {"position": pos, "grid_module": module_of,
                                     "place_centres": centres, "place_weights": weights,
                                     "grid_orientation": np.array([m.orientation for m in modules]),
                                     "grid_spacing": np.array([m.spacing for m in modules])}
    arrays.update(spike_arrays(spikes))
    return arrays, circuit, build_s, run_s


def run_foraging(config: ForagingConfig | None = None, report: Any = None) -> Result:
    """Simulate grid and place cells along a rat-like trajectory; return a Result.

    Arrays: ``position`` (samples, 2), spikes of ``grid`` (attractor: the recorded neurons) and
    ``place`` cells, ``grid_module`` (module of each grid cell), ``grid_spacing`` (the spacing
    each module is built for), ``place_centres`` (ideal: the wired field centres; attractor: the
    position at each cell's plateau), ``place_weights`` (attractor: learned, read after the run);
    the attractor adds ``velocity`` (what drove the sheets), ``grid_sheet_position``,
    ``lattice_modes``, ``lattice_offset``, ``grid_gain`` and ``place_plateau_time`` (s).
    ``grid_orientation`` is the ideal module's orientation; on the attractor it is the rotation
    applied to each module's velocity input, and that module's grid is rotated by minus it.
    With landmark cells (``grid.landmarks.cells_per_side`` > 0) the attractor also adds
    ``landmark_centres`` (cells, 2), ``spikes_landmark_t/_i``, ``landmark_weights`` (onto the
    recorded neurons after the run: cells × modules·recorded, module-major) and
    ``spikes_control_grid_t/_i``: the same sheets, velocity and seed run again without landmark
    (or place) cells, the control for their correction.
    """
    cfg = config or ForagingConfig()
    rng = np.random.default_rng([cfg.seed, 41])
    pos = foraging_trajectory(cfg, rng)
    run = _run_attractor if cfg.grid.model == "attractor" else _run_ideal
    arrays, circuit, build_s, run_s = run(cfg, pos, rng, report)
    values, units = config_params(cfg)
    metadata = run_metadata(cfg.seed, protocol="foraging", target=cfg.target, device=cfg.device,
                            timings=circuit.timings, build_seconds=build_s,
                            run_seconds=run_s, biological_seconds=float(cfg.duration))
    return Result("foraging", arrays, values, metadata, units)
