"""Navigation: predict the next observation on a random walk, writing one memory per step.

For each environment (same graph, observations re-drawn from ``observations`` symbols) the
agent walks ``steps`` steps. At step t it stands on node n_t, writes a memory (key: the grid
code there, path-integrated from the walk's start through the action matrices; value: the LEC
code of what it sees) and, before moving, predicts what it will see at n_{t+1} from the
path-integrated code of n_{t+1} (the query). The memory-neuron circuit does this in spikes for
every step of every environment inside one ``Network.run``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import brian2 as b2
import numpy as np
from brian2 import ms

from engramlab.circuits._device import DEVICES
from engramlab.circuits.hippocampus import MemoryNeuronCircuit
from engramlab.models._params import Params, param
from engramlab.models.hippocampal import GridParams, MemoryNeuronParams
from engramlab.protocols._result import config_params, spike_arrays
from engramlab.protocols.worlds import make_world, parse_graph, random_walk
from engramlab.resources import BYTES_PER_NEURON_VARIABLE, BYTES_PER_SYNAPSE
from engramlab.results import Result, run_metadata

__all__ = ["NavigationConfig", "lec_codes", "memory_estimate", "run_navigation"]


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
    target: str = param("numpy", "Brian2 target (numpy: no compiler needed)", choices=("numpy", "cython", "auto"))
    device: str = param("runtime", "'runtime' (numpy/cython target) or 'cpp_standalone' "
                        "(one compiled C++ program)", choices=DEVICES)
    threads: int = param(0, "OpenMP threads of cpp_standalone (0: none)", low=0, high=256)
    dt: b2.Quantity = param(1 * ms, "simulation step (rate-driven Poisson cells)", unit=ms, low=0, high=10,
                            low_open=True, structural=True)
    seed: int = param(0, "seed of the world, walks, codes and spikes", low=0, high=2**32 - 1)
    grid: GridParams = field(default_factory=GridParams)
    memory: MemoryNeuronParams = field(default_factory=MemoryNeuronParams)

    def check(self) -> None:
        """A known graph; active LEC cells fit in the LEC population."""
        parse_graph(self.graph)
        if self.lec_active > self.lec_size:
            raise self.fail("lec_active", f"must lie in [1, lec_size = {self.lec_size}], got {self.lec_active}")


def memory_estimate(cfg: NavigationConfig, protocol: None = None) -> tuple[float, str]:
    """Estimated peak bytes: one memory neuron per step, all-to-all from the grid cells."""
    memories = cfg.steps * cfg.environments
    grid = cfg.grid.modules * cfg.grid.cells_per_module
    synapses = memories * (grid + 2 + cfg.lec_active)
    tables = 2 * memories * grid * 8  # grid-rate TimedArrays, one row per step
    return synapses * BYTES_PER_SYNAPSE + memories * 8 * BYTES_PER_NEURON_VARIABLE + tables, "steps"


def lec_codes(symbols: int, size: int, active: int, rng: np.random.Generator) -> np.ndarray:
    """A sparse random binary code per observation symbol (rows)."""
    codes = np.zeros((symbols, size))
    for s in range(symbols):
        codes[s, rng.choice(size, active, replace=False)] = 1.0
    return codes


def run_navigation(config: NavigationConfig | None = None, report: Any = None) -> Result:
    """Walk every environment, run the memory-neuron circuit once, return a Result.

    Arrays: ``node`` (steps + 1 per environment, concatenated), ``action``, ``env`` (of each
    step), ``observation`` (of each node visit), ``keys`` (grid rates written), ``queries``,
    ``values`` (LEC codes written), ``codebook``, spikes of grid, memory and prediction neurons.
    """
    cfg = config or NavigationConfig()
    rng = np.random.default_rng([cfg.seed, 31])
    world = make_world(cfg.graph, cfg.grid, rng, cfg.node_spacing)
    codebook = lec_codes(cfg.observations, cfg.lec_size, cfg.lec_active, rng)
    nodes_all, acts_all, env_step, obs_visit, keys, queries, values = [], [], [], [], [], [], []
    write_step, end_step = [], []
    step0 = 0
    for e in range(cfg.environments):
        obs_of_node = rng.integers(cfg.observations, size=world.n_nodes)
        nodes, acts = random_walk(world, cfg.steps, rng, cfg.straight_bias)
        # path integration: start from the code of the first node, then apply action matrices
        code = world.codes[nodes[0]].copy()
        codes = [code]
        for a in acts:
            code = world.matrices[a] @ code
            codes.append(code)
        codes_arr = np.array(codes)
        if not np.allclose(codes_arr, world.codes[nodes], atol=1e-9):  # pragma: no cover
            raise RuntimeError("path integration drifted from the node codes")
        rates = world.rates(codes_arr)
        keys.append(rates[:-1])
        queries.append(rates[1:])
        values.append(codebook[obs_of_node[nodes[:-1]]])
        nodes_all.append(nodes)
        acts_all.append(acts)
        env_step.append(np.full(cfg.steps, e))
        obs_visit.append(obs_of_node[nodes])
        write_step.append(step0 + np.arange(cfg.steps))
        end_step.append(np.full(cfg.steps, step0 + cfg.steps))
        step0 += cfg.steps
    k = np.concatenate(keys)
    q = np.concatenate(queries)
    v = np.concatenate(values)
    t0 = time.perf_counter()
    circuit = MemoryNeuronCircuit(q, k, v, np.concatenate(write_step), np.concatenate(end_step),
                                  cfg.memory, dt=cfg.dt, target=cfg.target, seed=cfg.seed,
                                  device=cfg.device, threads=cfg.threads)
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    spikes = circuit.run(report=report)
    run_s = time.perf_counter() - t1
    arrays: dict[str, np.ndarray] = {
        "node": np.concatenate(nodes_all), "action": np.concatenate(acts_all),
        "env": np.concatenate(env_step), "observation": np.concatenate(obs_visit),
        "keys": k, "queries": q, "values": v, "codebook": codebook,
        "node_codes": world.codes,
    }
    arrays.update(spike_arrays(spikes))
    values_flat, units = config_params(cfg)
    params = dict(values_flat, n_nodes=world.n_nodes, n_directed_edges=world.n_directed_edges,
                  actions=world.actions, window=float(cfg.memory.window))
    metadata = run_metadata(cfg.seed, protocol="navigation", target=cfg.target, device=cfg.device,
                            timings=circuit.timings, build_seconds=build_s,
                            run_seconds=run_s, biological_seconds=float(cfg.environments * cfg.steps
                                                                        * cfg.memory.window))
    return Result("navigation", arrays, params, metadata, units)
