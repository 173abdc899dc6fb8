"""Navigation: predict the next observation on a random walk, writing one memory per step.

For each environment (same graph, observations re-drawn from ``observations`` symbols) the
agent walks ``steps`` steps. At step t it stands on node n_t, writes a memory (key: the grid
code there, path-integrated from the walk's start through the action matrices; value: the LEC
code of what it sees) and, before moving, predicts what it will see at n_{t+1} from the
path-integrated code of n_{t+1} (the query). The memory-neuron circuit does this in spikes for
every step of every environment inside one ``Network.run``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, fields
from typing import Any

import brian2 as b2
import numpy as np
from brian2 import ms

from engramlab.beside import Beside, start_beside
from engramlab.circuits._device import DEVICES, threads_param
from engramlab.circuits.grid_attractor import GridAttractorCircuit, attractor_bytes
from engramlab.circuits.hippocampus import MemoryNeuronCircuit
from engramlab.circuits.memory_pool import MemoryPoolCircuit
from engramlab.errors import ConfigError
from engramlab.models._params import Params, param
from engramlab.models.grid_attractor import GridAttractorParams, lattice_modes, random_sheets, recorded_positions
from engramlab.models.hippocampal import GridParams, MemoryNeuronParams
from engramlab.models.memory_pool import MemoryPoolParams
from engramlab.protocols._result import config_params, spike_arrays
from engramlab.protocols.worlds import make_world, parse_graph, random_walk
from engramlab.resources import BYTES_PER_NEURON_VARIABLE, BYTES_PER_SYNAPSE
from engramlab.results import Result, run_metadata

__all__ = ["NavigationConfig", "NavigationGridParams", "action_displacements", "lec_codes", "memory_estimate",
           "run_navigation"]


@dataclass(frozen=True)
class NavigationGridParams(GridParams):
    """Grid modules of the navigation protocol, and the attractor that path-integrates the walk's actions.

    The memory circuit reads the ideal grid code (Poisson cells at the rates of the world's
    code). Beside it, ``path_integration`` 'attractor' drives spiking attractor modules
    (:mod:`engramlab.models.grid_attractor`, Burak & Fiete 2009) with the first
    ``path_integration_steps`` actions of the first environment's walk, each action a velocity
    pulse of ``node_spacing / pulse`` for ``pulse`` followed by ``dwell`` standing still at the
    node, and measures how far each module's lattice moves per action against the displacement
    the world's action matrix applies (:func:`engramlab.analysis.path_integration.graph_path_integration`).
    """

    # 64 cells per module: the pool's memory neurons read ~440 grid spikes per 170 ms prediction
    # window (16 per module: a quarter, and recall 0.5 instead of 0.7 on 200-step runs of 200 ms)
    cells_per_module: int = param(64, "grid cells per module of the ideal code the memory reads", low=1,
                                  high=10_000, structural=True)
    path_integration: str = param("auto", "'attractor': the walk's actions also drive spiking attractor modules "
                                          "and their per-step phase error is measured (their spikes do not "
                                          "reach the memory); 'off'; 'auto': attractor on grid graphs, off on "
                                          "rings (no one-dimensional ring attractor is built)",
                                  choices=("auto", "attractor", "off"), structural=True)
    path_integration_steps: int = param(200, "actions of the first environment's walk driven through the "
                                             "attractor (at most the walk's steps; unused when "
                                             "path_integration resolves to 'off', and the summary's "
                                             "path_integration_steps is then 0)", low=1, structural=True)
    pulse: b2.Quantity = param(400 * ms, "duration of each action's velocity pulse: 0.1 m / 400 ms = 0.25 m/s "
                                         "at the default node spacing (the smallest module's lattice holds "
                                         "to 0.4 m/s)", unit=ms, low=0, low_open=True, structural=True)
    dwell: b2.Quantity = param(100 * ms, "standing still at each node after the pulse; the lattice's phase "
                                         "is read from the spikes in this window (≥ 20 ms: ~80 spikes per "
                                         "module)", unit=ms, low=20, structural=True)
    attractor: GridAttractorParams = field(default_factory=GridAttractorParams)


@dataclass(frozen=True)
class NavigationConfig(Params):
    """Graph, walk and circuit of the navigation protocol."""

    graph: str = param("grid10x10", "gridNxM (4-connected with stay, e.g. grid8x8 … grid11x11) or ringN "
                                    "(a non-spatial cycle)", structural=True)
    steps: int = param(1000, "steps walked in each environment", low=1, structural=True)
    environments: int = param(2, "environments: same graph, observations re-drawn", low=1, structural=True)
    observations: int = param(45, "observation symbols (TEM: 45)", low=2)
    lec_size: int = param(100, "LEC cells coding observations", low=2, structural=True)
    lec_active: int = param(10, "LEC cells active per observation (sparse code)", low=1)
    straight_bias: float = param(0.5, "probability of repeating the last move when possible", low=0,
                                 high=0.999)
    node_spacing: float = param(0.1, "metres between neighbouring grid-world nodes", low=0, low_open=True)
    target: str = param("auto", "Brian2 target ('numpy' needs no compiler but is only fast enough for "
                                "memory.model 'ideal')", choices=("numpy", "cython", "auto"))
    device: str = param("runtime", "'runtime' (numpy/cython target) or 'cpp_standalone' "
                        "(one compiled C++ program)", choices=DEVICES)
    threads: int = threads_param()
    dt: b2.Quantity = param(1 * ms, "simulation step (rate-driven Poisson cells)", unit=ms, low=0, high=10,
                            low_open=True, structural=True)
    seed: int = param(0, "seed of the world, walks, codes and spikes", low=0, high=2**32 - 1)
    grid: NavigationGridParams = field(default_factory=NavigationGridParams)
    memory: MemoryNeuronParams = field(default_factory=MemoryNeuronParams)
    pool: MemoryPoolParams = field(default_factory=MemoryPoolParams)

    def check(self) -> None:
        """A known graph; active LEC cells fit in the LEC population."""
        parse_graph(self.graph)
        if self.lec_active > self.lec_size:
            raise self.fail("lec_active", f"must lie in [1, lec_size = {self.lec_size}], got {self.lec_active}")
        if self.path_integration_model() == "off":  # nothing about the attractor may be set then
            # (path_integration_steps excepted: the quick preset sets it, and --quick with
            # grid.path_integration=off must work; the summary's path_integration_steps is 0 then)
            default = NavigationGridParams()
            changed = [k for k in ("pulse", "dwell") if getattr(self.grid, k) != getattr(default, k)]
            changed += [f"attractor.{f.name}" for f in fields(GridAttractorParams)
                        if getattr(self.grid.attractor, f.name) != getattr(default.attractor, f.name)]
            for key in changed[:1]:
                    raise self.fail(f"grid.{key}", "applies only when attractor modules path-integrate the walk "
                                    f"(grid.path_integration resolves to 'off' on graph {self.graph!r})")
        if self.path_integration_model() == "attractor":
            if parse_graph(self.graph)[0] != "grid":
                raise self.fail("grid.path_integration", f"'attractor' needs a grid graph (no one-dimensional "
                                f"ring attractor is built), got graph {self.graph!r}: use 'off' or 'auto'")
            if self.device == "runtime" and self.target == "numpy":
                raise self.fail("target", "must be 'cython' or 'auto' (or device cpp_standalone) for "
                                "grid.path_integration 'attractor' (its sheets' synapses are hours on the "
                                "numpy target), or set grid.path_integration = 'off'")
            limit = math.sqrt(3) / 4 * self.grid.spacing
            if self.node_spacing >= limit:
                raise self.fail("node_spacing", f"must be below √3/4 × grid.spacing = {limit:.4g} m for "
                                "grid.path_integration 'attractor' (a longer step turns the smallest module's "
                                f"phases by more than half a period), got {self.node_spacing}")
            # the smallest module's lattice held to 0.4 m/s at 0.3 m spacing (grid.attractor.kernel_scale):
            # 20 sheet neurons/s; faster pulses were not tested
            fastest = 0.4 * self.grid.spacing / 0.3
            if self.node_spacing / float(self.grid.pulse) > fastest * (1 + 1e-9):
                raise self.fail("grid.pulse", f"must be ≥ node_spacing / {fastest:.3g} m/s = "
                                f"{self.node_spacing / fastest * 1e3:.4g} ms (the smallest module's lattice was seen "
                                f"to hold up to that speed), got {self.grid.pulse}")
            for key in ("pulse", "dwell"):
                steps = float(getattr(self.grid, key) / self.dt)
                if abs(steps - round(steps)) > 1e-6:
                    raise self.fail(f"grid.{key}", f"must be a multiple of dt = {self.dt}, got "
                                    f"{getattr(self.grid, key)}")
        if self.memory.model == "pool" and self.device == "runtime" and self.target == "numpy":
            raise self.fail("target", "must be 'cython' or 'auto' (or device cpp_standalone) for memory.model "
                                      "'pool': its EIF neurons step at pool.dt (0.5 ms), hours on the numpy target")

    def path_integration_model(self) -> str:
        """'attractor' or 'off': ``grid.path_integration`` with 'auto' resolved by the graph."""
        if self.grid.path_integration != "auto":
            return str(self.grid.path_integration)
        return "attractor" if parse_graph(self.graph)[0] == "grid" else "off"


def memory_estimate(cfg: NavigationConfig, protocol: None = None) -> tuple[float, str]:
    """Estimated peak bytes: one memory neuron per step (ideal) or the pool, all-to-all from the grid cells."""
    if cfg.memory.model == "pool":
        p = cfg.pool
        slots = cfg.environments * (cfg.steps + 1)
        inputs = cfg.grid.modules * cfg.grid.cells_per_module + p.context_cells
        synapses = p.slots * inputs + p.pool * (cfg.lec_size + 2 * p.interneurons) + cfg.lec_size
        tables = slots * (inputs + 2 * cfg.lec_size + 3) * 8
        return (synapses * BYTES_PER_SYNAPSE + p.pool * 8 * BYTES_PER_NEURON_VARIABLE + tables
                + _attractor_bytes(cfg)), "steps"
    memories = cfg.steps * cfg.environments
    grid = cfg.grid.modules * cfg.grid.cells_per_module
    synapses = memories * (grid + 2 + cfg.lec_active)
    tables = 2 * memories * grid * 8  # grid-rate TimedArrays, one row per step
    return (synapses * BYTES_PER_SYNAPSE + memories * 8 * BYTES_PER_NEURON_VARIABLE + tables
            + _attractor_bytes(cfg)), "steps"


def _attractor_bytes(cfg: NavigationConfig) -> float:
    """The path-integration sheets' synapses, velocity table and recorded spikes (0 when off)."""
    if cfg.path_integration_model() != "attractor":
        return 0.0
    seconds = (min(cfg.grid.path_integration_steps, cfg.steps) + 1) * float(cfg.grid.pulse + cfg.grid.dwell)
    return attractor_bytes(cfg.grid.attractor, cfg.grid.modules, seconds) + 2 * seconds / float(cfg.dt) * 8


def lec_codes(symbols: int, size: int, active: int, rng: np.random.Generator) -> np.ndarray:
    """A sparse random binary code per observation symbol (rows)."""
    codes = np.zeros((symbols, size))
    for s in range(symbols):
        codes[s, rng.choice(size, active, replace=False)] = 1.0
    return codes


Walk = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _walk(cfg: NavigationConfig) -> tuple[Any, np.ndarray, list[Walk]]:
    """The world, the observation codebook and each environment's walk.

    Per environment: nodes (steps + 1), actions, the observation at every node (re-drawn per
    environment) and the grid rates along the walk, path-integrated from the first node's code
    through the action matrices (checked against the node codes).
    """
    rng = np.random.default_rng([cfg.seed, 31])
    world = make_world(cfg.graph, cfg.grid, rng, cfg.node_spacing)
    codebook = lec_codes(cfg.observations, cfg.lec_size, cfg.lec_active, rng)
    walks: list[Walk] = []
    for _ in range(cfg.environments):
        obs_of_node = rng.integers(cfg.observations, size=world.n_nodes)
        nodes, acts = random_walk(world, cfg.steps, rng, cfg.straight_bias)
        code = world.codes[nodes[0]].copy()
        codes = [code]
        for a in acts:
            code = world.matrices[a] @ code
            codes.append(code)
        codes_arr = np.array(codes)
        if not np.allclose(codes_arr, world.codes[nodes], atol=1e-9):  # pragma: no cover
            raise RuntimeError("path integration drifted from the node codes")
        walks.append((nodes, acts, obs_of_node, world.rates(codes_arr)))
    return world, codebook, walks


def action_displacements(world: Any) -> np.ndarray:
    r"""The displacement (m) each action's matrix applies to each module's code, shape (actions, modules, 2).

    Module m's block of action a's matrix rotates the phase of its wave vector :math:`k_j` by
    :math:`\theta_j=k_j\cdot\Delta`; Δ is read back from the block by least squares on the
    three angles (exact while every :math:`|\theta_j|<\pi`, i.e. a step shorter than about a
    third of the module's spacing; checked).
    """
    out = np.zeros((len(world.matrices), len(world.modules), 2))
    for a, mat in enumerate(world.matrices):
        for m, module in enumerate(world.modules):
            block = mat[6 * m:6 * m + 6, 6 * m:6 * m + 6]
            theta = np.arctan2(np.diag(block[3:, :3]), np.diag(block[:3, :3]))
            delta, *_ = np.linalg.lstsq(module.k, theta, rcond=None)
            if not np.allclose(module.k @ delta, theta, atol=1e-9):
                raise ConfigError("node_spacing", f"a step of this graph turns module {m}'s phases by more than "
                                  "half a period: its action matrix is ambiguous (lower node_spacing or raise "
                                  "grid.spacing)")
            out[a, m] = delta
    return out


PathIntegration = tuple[dict[str, np.ndarray], dict[str, Any]]


def _path_integration(cfg: NavigationConfig, world: Any, walks: list[Walk]) -> Beside[PathIntegration]:
    """:func:`_run_path_integration` started in a second process (it does not feed the memory).

    Nothing to run when ``grid.path_integration`` resolves to 'off'. The attractor's program and
    the memory's then build and simulate at the same time, one core each
    (:mod:`engramlab.beside`); the attractor's seed is its own, so its spikes are those of a run
    in this process. The second process runs at a lower priority (nice 10): the memory's program
    is the longer part, and its compilation should not wait on the attractor's. Quick runs from
    an empty home folder, alternating (2026-12-05, 2 cores): 47.5 / 51.4 s at nice 10 (13.0 /
    16.0 s compiling the memory's program) against 66.3 / 58.2 s at equal priority (23.6 /
    21.2 s), the same accuracy; two later runs at nice 10: 53.8 and 64.5 s.
    """
    if cfg.path_integration_model() != "attractor":
        return Beside(_no_path_integration, here=True)
    return start_beside(_run_path_integration, cfg, world, walks, None, nice=10)


def _no_path_integration() -> PathIntegration:
    return {}, {}


def _beside_the_memory(cfg: NavigationConfig, world: Any, walks: list[Walk], run: Any
                       ) -> tuple[Any, PathIntegration]:
    """``run()`` (the memory circuit) while the path integration runs beside it.

    The path integration is stopped if ``run`` fails or is interrupted. Where it cannot run beside
    (one core, a sweep's or Dask's worker) it runs here *first*, its circuit gone before the
    memory's is built: a standalone device holds one program's arrays, so building the attractor
    while the memory circuit was alive gave its code new names (a full compile at every sweep
    point) and left the memory's weights unreadable (a KeyError in ``key_weights``; every quick
    run on one core failed so, until 2026-12-05). Each part has its own seed: the order changes
    no spike.
    """
    with _path_integration(cfg, world, walks) as pi:
        if not pi.in_another_process:
            path_integration = pi.result()
            return run(), path_integration
        return run(), pi.result()


def _run_path_integration(cfg: NavigationConfig, world: Any, walks: list[Walk], report: Any
                          ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Drive attractor grid modules with the first environment's actions; arrays ``pi_*`` and timings.

    Timeline: the agent stands ``pulse + dwell`` at the first node (the lattice forms from its
    seed), then each action is a velocity pulse of the action's displacement / ``pulse`` for
    ``pulse`` and ``dwell`` standing still. The velocity is the only time-varying input; the
    modules' spacings and orientations are the world's.
    """
    g, a = cfg.grid, cfg.grid.attractor
    rng = np.random.default_rng([cfg.seed, 33])  # its own stream: the walk and the memory are unchanged
    steps = min(g.path_integration_steps, cfg.steps)
    acts = walks[0][1][:steps]
    disp = action_displacements(world)  # (actions, modules, 2)
    move = disp[acts, 0]  # every module's block applies the same displacement (checked below)
    if not np.allclose(disp[:, :1], disp, atol=1e-9):  # pragma: no cover - one displacement per action
        raise RuntimeError("the world's modules disagree on an action's displacement")
    pulse_n, dwell_n = round(float(g.pulse / cfg.dt)), round(float(g.dwell / cfg.dt))
    velocity = np.zeros(((steps + 1) * (pulse_n + dwell_n), 2))
    for s in range(steps):
        start = (s + 1) * (pulse_n + dwell_n)
        velocity[start:start + pulse_n] = move[s] / float(g.pulse)
    spacings = np.array([m.spacing for m in world.modules])
    orientations = np.array([m.orientation for m in world.modules])
    # the circuit's grid is its sheet lattice rotated by minus the velocity's rotation (see
    # GridAttractorCircuit): rotating the velocity by −θ gives the world module's orientation θ
    rotations = -orientations
    gains = a.lattice_neurons / (a.pattern_speed * spacings)
    order, _, drive0 = random_sheets(a, g.modules, rng)
    t0 = time.perf_counter()
    circuit = GridAttractorCircuit(velocity, cfg.dt, list(gains), list(rotations), order, drive0, a,
                                   np.zeros(0), None, dt=cfg.dt, target=cfg.target, seed=cfg.seed,
                                   device=cfg.device, threads=cfg.threads)
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    spikes = circuit.run(report=report)
    run_s = time.perf_counter() - t1
    module, sheet_position = recorded_positions(a, order)
    step_s = float(g.pulse + g.dwell)
    arrays = {
        "pi_action": acts, "pi_displacement": move,
        # each node's phase is read in the dwell that ends its step; a spike of time step k is
        # stamped k·dt, so the edges sit half a step early (no rounding decides a spike's window)
        "pi_read_start": (np.arange(steps + 1) + 1) * step_s - float(g.dwell) - float(cfg.dt) / 2,
        "pi_read_end": (np.arange(steps + 1) + 1) * step_s - float(cfg.dt) / 2,
        "pi_grid_module": module, "pi_sheet_position": sheet_position,
        "pi_lattice_modes": lattice_modes(a), "pi_gain": gains, "pi_orientation": orientations,
        "pi_velocity_rotation": rotations,
        "pi_spacing": spacings,
        "spikes_pi_grid_t": spikes["grid"][0], "spikes_pi_grid_i": spikes["grid"][1].astype(np.int32),
    }
    # the circuit's own timings nested (compile, simulate, ...: what a sweep sums over circuits)
    timings: dict[str, Any] = {
        "path_integration": dict(circuit.timings), "path_integration_build_seconds": build_s,
        "path_integration_run_seconds": run_s,
        "path_integration_biological_seconds": float(velocity.shape[0] * cfg.dt)}
    return arrays, timings


def _walk_arrays(walks: list[Walk], codebook: np.ndarray) -> dict[str, np.ndarray]:
    """Walk arrays of the Result: node, action, env (of each step), observation, keys, queries, values."""
    return {
        "node": np.concatenate([w[0] for w in walks]),
        "action": np.concatenate([w[1] for w in walks]),
        "env": np.concatenate([np.full(w[1].size, e) for e, w in enumerate(walks)]),
        "observation": np.concatenate([w[2][w[0]] for w in walks]),
        "keys": np.concatenate([w[3][:-1] for w in walks]),
        "queries": np.concatenate([w[3][1:] for w in walks]),
        "values": np.concatenate([codebook[w[2][w[0][:-1]]] for w in walks]),
    }


def run_navigation(config: NavigationConfig | None = None, report: Any = None) -> Result:
    """Walk every environment, run the memory-neuron circuit once, return a Result.

    Arrays: ``node`` (steps + 1 per environment, concatenated), ``action``, ``env`` (of each
    step), ``observation`` (of each node visit), ``keys`` (grid rates written), ``queries``,
    ``values`` (LEC codes written), ``codebook``, spikes of grid, memory and prediction neurons.
    """
    cfg = config or NavigationConfig()
    if cfg.memory.model == "pool":
        return _run_pool(cfg, report)
    world, codebook, walks = _walk(cfg)
    walk = _walk_arrays(walks, codebook)
    starts = np.arange(cfg.environments) * cfg.steps
    write_step = np.arange(cfg.environments * cfg.steps)
    end_step = np.repeat(starts + cfg.steps, cfg.steps)
    k, q, v = walk["keys"], walk["queries"], walk["values"]

    def memory() -> tuple[MemoryNeuronCircuit, dict[str, tuple[np.ndarray, np.ndarray]], float, float]:
        t0 = time.perf_counter()
        circuit = MemoryNeuronCircuit(q, k, v, write_step, end_step,
                                      cfg.memory, dt=cfg.dt, target=cfg.target, seed=cfg.seed,
                                      device=cfg.device, threads=cfg.threads)
        build_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        spikes = circuit.run(report=report)
        return circuit, spikes, build_s, time.perf_counter() - t1

    (circuit, spikes, build_s, run_s), (pi_arrays, pi_timings) = _beside_the_memory(cfg, world, walks, memory)
    arrays: dict[str, np.ndarray] = {**walk, "codebook": codebook, "node_codes": world.codes, **pi_arrays}
    arrays.update(spike_arrays(spikes))
    values_flat, units = config_params(cfg)
    params = dict(values_flat, n_nodes=world.n_nodes, n_directed_edges=world.n_directed_edges,
                  actions=world.actions, window=float(cfg.memory.window))
    metadata = run_metadata(cfg.seed, protocol="navigation", target=cfg.target, device=cfg.device,
                            timings=circuit.timings, build_seconds=build_s,
                            run_seconds=run_s, biological_seconds=float(cfg.environments * cfg.steps
                                                                        * cfg.memory.window),
                            path_integration_timings=pi_timings)
    return Result("navigation", arrays, params, metadata, units)


def _run_pool(cfg: NavigationConfig, report: Any = None) -> Result:
    """The navigation walk through the memory-neuron pool (``memory.model = "pool"``).

    Each environment's walk of ``steps`` steps visits ``steps + 1`` nodes; the circuit spends
    one step (``pool.step``) on each: its first half predicts the observation at the node being
    entered from the memories written so far, its second half writes the node (grid and context
    spikes → key, LEC spikes → value) into the next pool neuron. Grid cells are Poisson cells at
    the rates of the world's grid code; the walk's positions are the node codes (the graph
    worlds' action matrices are exact: :func:`run_navigation` checks them).
    """
    p = cfg.pool
    world, codebook, walks = _walk(cfg)
    ctx_rng = np.random.default_rng([cfg.seed, 32])
    grid_rows, ctx_rows, lec_rows, slot_step, slot_env = [], [], [], [], []
    for e, (nodes, _, obs_of_node, rates) in enumerate(walks):
        context = np.zeros(p.context_cells)
        context[ctx_rng.choice(p.context_cells, p.context_active, replace=False)] = float(p.context_rate)
        grid_rows.append(rates)
        ctx_rows.append(np.repeat(context[None], nodes.size, axis=0))
        lec_rows.append(codebook[obs_of_node[nodes]] * float(p.lec_rate))
        # slot s of this environment predicts node s, i.e. the walk's step s − 1 (none for s = 0)
        slot_step.append(np.concatenate([[-1], e * cfg.steps + np.arange(cfg.steps)]))
        slot_env.append(np.full(nodes.size, e))
    grid_rates = np.concatenate(grid_rows)
    slots = grid_rates.shape[0]
    # writes take the pool's neurons in turn (the oldest memory is overwritten); the last step's
    # write would end after the run, so it is not made
    writer = np.arange(slots) % p.slots
    writer[-1] = -1

    def memory() -> tuple[MemoryPoolCircuit, dict[str, tuple[np.ndarray, np.ndarray]], float, float]:
        t0 = time.perf_counter()
        circuit = MemoryPoolCircuit(grid_rates, np.concatenate(ctx_rows), np.concatenate(lec_rows), writer, p,
                                    target=cfg.target, seed=cfg.seed, device=cfg.device, threads=cfg.threads)
        build_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        spikes = circuit.run(report=report)
        return circuit, spikes, build_s, time.perf_counter() - t1

    (circuit, spikes, build_s, run_s), (pi_arrays, pi_timings) = _beside_the_memory(cfg, world, walks, memory)
    arrays: dict[str, np.ndarray] = {
        **_walk_arrays(walks, codebook), "codebook": codebook, "node_codes": world.codes,
        "slot_inputs": np.concatenate([grid_rates * p.grid_rate_gain, np.concatenate(ctx_rows)], axis=1),
        "slot_step": np.concatenate(slot_step), "slot_env": np.concatenate(slot_env), "writer": writer,
        "key_weights": circuit.key_weights(), "value_weights": circuit.value_weights(), **pi_arrays,
    }
    arrays.update(spike_arrays(spikes))
    values_flat, units = config_params(cfg)
    params = dict(values_flat, n_nodes=world.n_nodes, n_directed_edges=world.n_directed_edges,
                  actions=world.actions, window=float(p.step), n_grid=int(grid_rates.shape[1]))
    metadata = run_metadata(cfg.seed, protocol="navigation", target=cfg.target, device=cfg.device,
                            timings=circuit.timings, build_seconds=build_s, run_seconds=run_s,
                            biological_seconds=float(slots * p.step), path_integration_timings=pi_timings)
    return Result("navigation", arrays, params, metadata, units)
