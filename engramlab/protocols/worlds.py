"""Graph worlds for navigation: networkx graphs, actions as invertible matrices, random walks.

Each world's ``graph`` is a ``networkx.DiGraph`` whose every edge ``u → v`` carries the
``action`` that takes the agent from ``u`` to ``v`` ("stay" is a self-loop); the transitions the
walks take are read from it.

* ``gridNxM``: a 4-connected N×M grid (``networkx.grid_2d_graph``) with actions north, south,
  east, west and stay; node (i, j) sits at (i, j)·``node_spacing`` metres; the position code is
  the MEC grid code, and every action is a block-diagonal rotation (:func:`analysis.grid.action_matrix`).
* ``ringN``: a non-spatial cycle of N nodes (``networkx.cycle_graph``) with actions forward,
  back and stay; the code is a set of "ring modules" (periods of 3, 3·1.42, … nodes: phase
  2π f n / N with f = N / period) and every action is again a rotation, so the same memory
  circuit path-integrates it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from engramlab.analysis.grid import GridModule, action_matrix, draw_modules, grid_rates, module_code
from engramlab.errors import ConfigError
from engramlab.models.hippocampal import GridParams

__all__ = ["World", "grid_modules", "make_world", "parse_graph", "random_walk"]


@dataclass
class World:
    """A graph world with invertible action matrices acting on a position code."""

    name: str
    graph: nx.DiGraph  # node labels as built; every edge u -> v has the attribute action (a name)
    nodes: list[Any]
    actions: list[str]
    transition: dict[tuple[int, int], int]  # (node index, action index) -> node index, from the graph
    matrices: list[np.ndarray]  # one per action, acting on the code
    codes: np.ndarray  # (nodes, code dim): the code at each node
    readout: np.ndarray  # (cells, code dim) linear map code -> rate shape
    offset: float
    scale: float
    max_rate: float
    modules: list[GridModule] = field(default_factory=list)  # grid worlds: the analytic modules of the code

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    @property
    def n_directed_edges(self) -> int:
        """Directed edges including 'stay' self-loops (what an edge agent can learn)."""
        return len(self.transition)

    def step(self, node: int, action: int | str) -> int:
        """The node reached from ``node`` by ``action`` (index or name); ValueError if impossible."""
        if isinstance(action, str):
            if action not in self.actions:
                raise ConfigError("action", f"{action!r} is an unknown action; this world has {self.actions}")
            action = self.actions.index(action)
        if not 0 <= node < self.n_nodes:
            raise ConfigError("node", f"must lie in [0, {self.n_nodes}), got {node}")
        if (node, action) not in self.transition:
            raise ConfigError("action", f"{self.actions[action]!r} does not exist at node {self.nodes[node]} "
                             "(it would leave the graph)")
        return self.transition[(node, action)]

    def rates(self, code: np.ndarray) -> np.ndarray:
        """Cell rates (Hz) from codes (…, code dim): a linear readout, offset and scale."""
        return np.asarray(self.max_rate * (code @ self.readout.T + self.offset) / self.scale)


def _grid_world(rows: int, cols: int, params: GridParams, rng: np.random.Generator,
                node_spacing: float) -> World:
    graph = nx.grid_2d_graph(rows, cols)
    nodes = sorted(graph.nodes)
    modules: list[GridModule] = grid_modules(params, rng)
    pos = np.array(nodes, dtype=float) * node_spacing
    codes = np.concatenate([module_code(m, pos) for m in modules], axis=1)
    moves = {"north": (0, 1), "south": (0, -1), "east": (1, 0), "west": (-1, 0), "stay": (0, 0)}
    actions = list(moves)
    matrices = [action_matrix(modules, node_spacing * np.array(d, dtype=float)) for d in moves.values()]
    graph = _action_graph(graph, lambda u, v: _grid_action(moves, u, v))
    transition = _transitions(graph, nodes, actions)
    # cell rate = (sum_j cos(k_j x - k_j phi) + 1.5)/4.5: linear in the code [cos k x, sin k x]
    readout = []
    for b, m in enumerate(modules):
        kphi = m.phases @ m.k.T  # (cells, 3)
        r = np.zeros((kphi.shape[0], 6 * len(modules)))
        r[:, 6 * b:6 * b + 3] = np.cos(kphi)
        r[:, 6 * b + 3:6 * b + 6] = np.sin(kphi)
        readout.append(r)
        if not np.allclose((codes @ r.T + 1.5) / 4.5, grid_rates(m, pos)):  # pragma: no cover
            raise RuntimeError("grid readout does not reproduce the plane-wave rates")
    return World(f"grid{rows}x{cols}", graph, nodes, actions, transition, matrices, codes,
                 np.concatenate(readout), 1.5, 4.5, float(params.max_rate), modules)


def _ring_world(n: int, params: GridParams, rng: np.random.Generator) -> World:
    graph = nx.cycle_graph(n)
    nodes = list(range(n))
    # "ring modules" play the grid modules' role: periods of 3, 3·ratio, 3·ratio², … nodes (the
    # grid world's smallest module spans 3 node spacings), i.e. frequencies n / period
    freqs = np.unique([max(1, round(n / (3 * params.ratio**k))) for k in range(params.modules)])
    theta = 2 * math.pi * np.arange(n) / n
    codes = np.concatenate([np.stack([np.cos(f * theta), np.sin(f * theta)], 1) for f in freqs], 1)
    actions = ["forward", "back", "stay"]
    matrices = []
    for step in (1, -1, 0):
        m = np.zeros((2 * freqs.size, 2 * freqs.size))
        for b, f in enumerate(freqs):
            ang = 2 * math.pi * f * step / n
            c, s = math.cos(ang), math.sin(ang)
            m[2 * b:2 * b + 2, 2 * b:2 * b + 2] = [[c, -s], [s, c]]
        matrices.append(m)
    steps = {1: "forward", n - 1: "back"}
    graph = _action_graph(graph, lambda u, v: steps[(v - u) % n])
    transition = _transitions(graph, nodes, actions)
    phases = rng.uniform(0, 2 * math.pi, (freqs.size, params.cells_per_module))
    readout = np.zeros((freqs.size * params.cells_per_module, 2 * freqs.size))
    for b in range(freqs.size):
        rows = slice(b * params.cells_per_module, (b + 1) * params.cells_per_module)
        readout[rows, 2 * b] = np.cos(phases[b])
        readout[rows, 2 * b + 1] = np.sin(phases[b])
    return World(f"ring{n}", graph, nodes, actions, transition, matrices, codes, readout, 1.0, 2.0,
                 float(params.max_rate))


def _grid_action(moves: dict[str, tuple[int, int]], u: tuple[int, int], v: tuple[int, int]) -> str:
    step = (v[0] - u[0], v[1] - u[1])
    return next(name for name, d in moves.items() if d == step)


def _action_graph(graph: nx.Graph, action_of: Any) -> nx.DiGraph:
    """Both directions of every edge of ``graph``, each labelled ``action_of(u, v)``, and a "stay" loop per node."""
    directed = nx.DiGraph(graph)  # an undirected edge becomes u -> v and v -> u
    nx.set_edge_attributes(directed, {(u, v): action_of(u, v) for u, v in directed.edges}, "action")
    directed.add_edges_from(((u, u) for u in graph.nodes), action="stay")
    return directed


def _transitions(graph: nx.DiGraph, nodes: list[Any], actions: list[str]) -> dict[tuple[int, int], int]:
    """(node index, action index) → node index, read off the graph's labelled edges."""
    index = {n: k for k, n in enumerate(nodes)}
    return {(index[u], actions.index(a)): index[v] for u, v, a in graph.edges(data="action")}


def grid_modules(params: GridParams, rng: np.random.Generator) -> list[GridModule]:
    """The analytic grid modules of ``params`` (spacings, cells, orientation jitter), drawn from ``rng``."""
    return draw_modules(params.spacings(), params.cells_per_module, params.orientation_jitter, rng)


def parse_graph(spec: str) -> tuple[str, tuple[int, ...]]:
    """``"grid10x10"`` → ``("grid", (10, 10))``; ``"ring30"`` → ``("ring", (30,))``; anything else is an error."""
    m = re.fullmatch(r"grid(\d+)x(\d+)", str(spec))
    if m:
        rows, cols = int(m.group(1)), int(m.group(2))
        if not (2 <= rows <= 50 and 2 <= cols <= 50):
            raise ConfigError("graph", f"{spec!r}: grid sizes must lie in [2, 50]")
        return "grid", (rows, cols)
    m = re.fullmatch(r"ring(\d+)", str(spec))
    if m:
        n = int(m.group(1))
        if not 3 <= n <= 2000:
            raise ConfigError("graph", f"{spec!r}: a ring needs 3 … 2000 nodes")
        return "ring", (n,)
    raise ConfigError("graph", f"must be 'gridNxM' (e.g. grid10x10) or 'ringN' (e.g. ring30), got {spec!r}")


def make_world(spec: str, params: GridParams, rng: np.random.Generator, node_spacing: float = 0.1) -> World:
    """Build ``gridNxM`` (e.g. grid10x10) or ``ringN`` (e.g. ring30)."""
    kind, size = parse_graph(spec)
    if kind == "grid":
        return _grid_world(size[0], size[1], params, rng, node_spacing)
    return _ring_world(size[0], params, rng)


def random_walk(world: World, steps: int, rng: np.random.Generator, straight_bias: float = 0.5,
                start: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Nodes (steps + 1) and actions (steps) of a random walk with a straight-line bias.

    The walk repeats its last move with probability ``straight_bias`` when it can, else picks
    uniformly among the available actions (including "stay").
    """
    if steps < 1:
        raise ConfigError("steps", f"must be >= 1 for a walk, got {steps}")
    if not 0 <= straight_bias < 1:
        raise ConfigError("straight_bias", f"must lie in [0, 1), got {straight_bias}")
    node = int(rng.integers(world.n_nodes)) if start is None else start
    nodes, acts = [node], []
    last = None
    for _ in range(steps):
        allowed = [a for a in range(len(world.actions)) if (node, a) in world.transition]
        if last is not None and last in allowed and rng.random() < straight_bias:
            a = last
        else:
            a = int(rng.choice(allowed))
        node = world.transition[(node, a)]
        nodes.append(node)
        acts.append(a)
        last = a
    return np.array(nodes), np.array(acts)
