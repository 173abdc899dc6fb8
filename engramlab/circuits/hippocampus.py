r"""Hippocampal formation circuits (one explicit Brian2 Network each).

* :class:`MemoryNeuronCircuit` — TEM-t as a rate model sampled in spikes (the *ideal* limit,
  not a mechanism). Grid cells fire at the rates of the queried (path-integrated) position;
  memory neuron μ, allocated when write μ happens, reads the grid cells' *rate table* (not their
  spikes) through weights = its key and is active from its write until the end of its
  environment; a pooling unit sums the memory neurons' exponentiated drives and divides every
  memory neuron's rate by it — the softmax is written into the equations; prediction (LEC)
  neurons receive the memory spikes through weights = the values. A memory neuron fires at
  most once per step, so weights above dt·population_rate (0.2 at the defaults) are
  under-sampled.
* :class:`ForagingCircuit` — grid cells driven by a continuous trajectory (rates of the ideal
  path-integrated code), and integrate-and-fire place cells that sum the *spikes* of grid cells
  sharing a field location across modules (:func:`place_layer`, fixed weights);
  :func:`plateau_place_layer` builds place cells that learn their weights in one shot at a
  plateau instead (the attractor grid modules' place cells).
* :class:`SpikingHopfield` — the classic auto-associative network in spikes, for pattern
  completion.
"""

from __future__ import annotations

from typing import Any

import brian2 as b2
import numpy as np
from brian2 import Hz, ms, second

from engramlab.circuits._device import run_network, seed_brian, select_device
from engramlab.errors import ConfigError
from engramlab.models.hippocampal import HopfieldUnitParams, MemoryNeuronParams, PlaceParams

__all__ = ["PLATEAU_STEP", "ForagingCircuit", "MemoryNeuronCircuit", "SpikingHopfield", "place_layer", "place_neurons",
           "plateau_place_layer", "recalled_states"]


class MemoryNeuronCircuit:
    """Memory neurons computing causal softmax attention in spikes.

    Parameters
    ----------
    query_rates : ndarray, shape (steps, n_grid)
        Grid-cell rates (Hz) during each step's window: the queried position.
    keys : ndarray, shape (n_mem, n_grid)
        Memory neuron μ's incoming weights (grid rates at its write; normalised inside).
    values : ndarray, shape (n_mem, n_out)
        Memory neuron μ's outgoing weights to the prediction neurons (the LEC code).
    write_step, end_step : int arrays, shape (n_mem,)
        Memory μ is active during steps write_step[μ] … end_step[μ] − 1.
    params : MemoryNeuronParams
    dt : Quantity
    target : str
    seed : int
    """

    def __init__(self, query_rates: np.ndarray, keys: np.ndarray, values: np.ndarray,
                 write_step: np.ndarray, end_step: np.ndarray, params: MemoryNeuronParams,
                 dt: b2.Quantity = 1 * ms, target: str = "numpy", seed: int = 0,
                 device: str = "runtime", threads: int = 0) -> None:
        self._build_dir = select_device(device, target=target, threads=threads)
        self.timings: dict[str, float] = {}
        steps, n_grid = query_rates.shape
        n_mem, n_out = values.shape
        if keys.shape != (n_mem, n_grid):
            raise ConfigError("keys", f"must have shape (memories={n_mem}, grid cells={n_grid}), got {keys.shape}")
        if write_step.shape != (n_mem,) or end_step.shape != (n_mem,):
            raise ConfigError("write_step", "and end_step need one entry per memory neuron")
        self.params = params
        self.steps = steps
        # a fixed name (not 'clock*'): a second circuit in the process generates the same code, so
        # Cython's cache and a kept standalone project compile nothing again
        clock = b2.Clock(dt=dt, name="hpc_clock")
        window = params.window
        qnorm = np.linalg.norm(query_rates, axis=1)
        if np.any(qnorm == 0):
            raise ConfigError("query_rates", "must have at least one active grid cell in every query")
        self._rates = b2.TimedArray(query_rates * Hz, dt=window, name="grid_rate")
        self._qnorm = b2.TimedArray(qnorm * Hz, dt=window, name="query_norm")
        self._step = b2.TimedArray(np.arange(steps, dtype=float), dt=window, name="step_of")
        seed_brian(seed)
        self.grid = b2.NeuronGroup(
            n_grid, "rate = grid_rate(t, i) : Hz\nrn = rate / query_norm(t) : 1",
            threshold="rand() < rate * dt", namespace={"grid_rate": self._rates,
                                                       "query_norm": self._qnorm},
            clock=clock, name="grid_cells")
        self.memory = b2.NeuronGroup(
            n_mem,
            """
            h : 1
            Z : 1
            t_on : 1 (constant)
            t_off : 1 (constant)
            active = int(step_of(t) >= t_on) * int(step_of(t) < t_off) : 1
            ex = active * exp(beta * (h - 1)) : 1
            rho = population_rate * ex / (Z + 1e-300) : Hz
            """,
            threshold="rand() < rho * dt",
            namespace={"beta": params.beta, "population_rate": params.population_rate,
                       "step_of": self._step},
            clock=clock, name="memory_neurons")
        self.memory.t_on = write_step.astype(float)
        self.memory.t_off = end_step.astype(float)
        kn = keys / np.maximum(np.linalg.norm(keys, axis=1, keepdims=True), 1e-300)
        grid_ns = {"grid_rate": self._rates, "query_norm": self._qnorm}
        memory_ns = {"beta": params.beta, "population_rate": params.population_rate,
                     "step_of": self._step}
        # (summed variables evaluate the presynaptic subexpressions, so they get their namespace)
        self.drive = b2.Synapses(self.grid, self.memory, "w : 1 (constant)\nh_post = w * rn_pre : 1 (summed)",
                                 namespace=grid_ns, clock=clock, name="grid_to_memory")
        pre, post = np.meshgrid(np.arange(n_grid), np.arange(n_mem), indexing="ij")
        self.drive.connect(i=pre.ravel(), j=post.ravel())
        self.drive.w = kn.T.ravel()
        # the divisive (shunting) inhibition: one pooling unit sums exp(beta h) of the active
        # memories and divides every memory neuron's rate by it
        self.pool = b2.NeuronGroup(1, "Z : 1", clock=clock, name="shunting_pool")
        self.to_pool = b2.Synapses(self.memory, self.pool, "Z_post = ex_pre : 1 (summed)", clock=clock,
                                   namespace=memory_ns, name="memory_to_pool")
        self.to_pool.connect()
        self.from_pool = b2.Synapses(self.pool, self.memory, "Z_post = Z_pre : 1 (summed)", clock=clock,
                                     name="pool_to_memory")
        self.from_pool.connect()
        self.prediction = b2.NeuronGroup(
            n_out, "du/dt = -u / tau_u : 1\nrate = gain * u : Hz", threshold="rand() < rate * dt",
            namespace={"tau_u": params.prediction_tau, "gain": params.readout_gain}, method="exact", clock=clock,
            name="prediction_neurons")
        self.readout = b2.Synapses(self.memory, self.prediction, "w : 1 (constant)", on_pre="u_post += w",
                                   namespace=memory_ns, clock=clock, name="memory_to_prediction")
        mpre, opost = np.nonzero(values)
        self.readout.connect(i=mpre, j=opost)
        self.readout.w = values[mpre, opost] / np.maximum(values.sum(1)[mpre], 1e-300)
        self.monitors = {
            "grid": b2.SpikeMonitor(self.grid, name="mon_grid"),
            "memory": b2.SpikeMonitor(self.memory, name="mon_memory"),
            "prediction": b2.SpikeMonitor(self.prediction, name="mon_prediction"),
        }
        self.network = b2.Network(self.grid, self.memory, self.drive, self.pool, self.to_pool,
                                  self.from_pool, self.prediction, self.readout, *self.monitors.values())

    def run(self, report: Any = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Simulate every step in one run; return spikes per population (s, index)."""
        self.timings = run_network(self.network, self.steps * self.params.window, self._build_dir, report)
        return {k: (np.asarray(m.t_), np.asarray(m.i)) for k, m in self.monitors.items()}


def place_neurons(n: int, params: PlaceParams, clock: b2.Clock, extra: str = "") -> b2.NeuronGroup:
    """``n`` leaky integrate-and-fire place cells with a decaying synaptic current (``extra``: more equations).

    Equations: :class:`~engramlab.models.hippocampal.PlaceParams`.
    """
    return b2.NeuronGroup(
        n, "dv/dt = (I - v) / tau_m : 1 (unless refractory)\ndI/dt = -I / tau_syn : 1" + extra,
        threshold="v > 1", reset="v = 0", refractory=params.refractory, method="exact",
        namespace={"tau_m": params.tau_m, "tau_syn": params.tau_syn}, clock=clock, name="place_cells")


def place_layer(source: b2.NeuronGroup, place_weights: np.ndarray, params: PlaceParams, clock: b2.Clock
                ) -> tuple[b2.NeuronGroup, b2.Synapses]:
    """Place cells and their fixed current synapses from ``source`` spikes.

    ``place_weights[c, k]`` is the weight from presynaptic neuron k onto place cell c; 0: no synapse.
    """
    place = place_neurons(place_weights.shape[0], params, clock)
    syn = b2.Synapses(source, place, "w : 1 (constant)", on_pre="I_post += w", clock=clock, name="grid_to_place")
    post, col = np.nonzero(place_weights)
    syn.connect(i=col, j=post)
    syn.w = place_weights[post, col]
    return place, syn


#: plateaus fall on this grid of times; the plasticity checks for one once per grid step
PLATEAU_STEP = 50 * ms


def plateau_place_layer(source: b2.NeuronGroup, source_index: np.ndarray, plateau_times: np.ndarray,
                        params: PlaceParams, clock: b2.Clock) -> tuple[b2.NeuronGroup, b2.Synapses]:
    """Place cells that learn their grid inputs in one shot at a plateau (plateau-gated plasticity).

    Every place cell has a synapse of weight 0 from each ``source`` neuron in ``source_index``;
    at its plateau time (a multiple of :data:`PLATEAU_STEP`) each weight is set to
    ``eta * elig_pre``, the presynaptic eligibility trace then. ``source`` must carry that trace
    (``elig``, decaying with ``params.tau_elig``, +1 per spike). Equations:
    :class:`~engramlab.models.hippocampal.PlaceParams`.
    """
    place = place_neurons(plateau_times.size, params, clock, extra="\nt_plateau : second (constant)")
    place.t_plateau = plateau_times * second
    syn = b2.Synapses(source, place, "w : 1", on_pre="I_post += w", clock=clock, name="grid_to_place",
                      namespace={"eta": params.eta, "half_step": PLATEAU_STEP / 2})
    syn.connect(i=np.tile(source_index, plateau_times.size), j=np.repeat(np.arange(plateau_times.size),
                                                                         source_index.size))
    syn.w = 0
    syn.run_regularly("w = w + int(abs(t - t_plateau_post) < half_step) * (eta * elig_pre - w)",
                      dt=PLATEAU_STEP, when="start")
    return place, syn


class ForagingCircuit:
    """Grid cells (Poisson, rates of the ideal path-integrated code) and place cells reading their spikes.

    Place cells are leaky integrate-and-fire neurons (:class:`~engramlab.models.hippocampal.PlaceParams`)
    whose synaptic current jumps by ``place_weights[c, g]`` at every spike of grid cell g: they see
    the grid cells only through their spikes.

    Parameters
    ----------
    grid_rates : ndarray, shape (samples, n_grid)
        Grid-cell rates (Hz) every ``rate_dt`` along the trajectory.
    rate_dt : Quantity
    place_weights : ndarray, shape (n_place, n_grid)
        Synaptic weight (current jump, in units of the firing threshold) of each grid→place synapse; 0: none.
    params : PlaceParams
    """

    def __init__(self, grid_rates: np.ndarray, rate_dt: b2.Quantity, place_weights: np.ndarray,
                 params: PlaceParams, dt: b2.Quantity = 1 * ms, target: str = "numpy", seed: int = 0,
                 device: str = "runtime", threads: int = 0) -> None:
        self._build_dir = select_device(device, target=target, threads=threads)
        self.timings: dict[str, float] = {}
        samples, n_grid = grid_rates.shape
        if place_weights.shape[1] != n_grid:
            raise ConfigError("place_weights", f"must have one column per grid cell ({n_grid}), "
                                               f"got shape {place_weights.shape}")
        # a fixed name (not 'clock*'): a second circuit in the process generates the same code, so
        # Cython's cache and a kept standalone project compile nothing again
        clock = b2.Clock(dt=dt, name="forage_clock")
        self.duration = samples * rate_dt
        self._rates = b2.TimedArray(grid_rates * Hz, dt=rate_dt, name="grid_rate")
        seed_brian(seed)
        self.grid = b2.NeuronGroup(n_grid, "rate = grid_rate(t, i) : Hz", threshold="rand() < rate * dt",
                                   namespace={"grid_rate": self._rates}, clock=clock, name="grid_cells")
        self.place, self.syn = place_layer(self.grid, place_weights, params, clock)
        self.monitors = {"grid": b2.SpikeMonitor(self.grid, name="mon_grid"),
                         "place": b2.SpikeMonitor(self.place, name="mon_place")}
        self.network = b2.Network(self.grid, self.place, self.syn, *self.monitors.values())

    def run(self, report: Any = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Simulate the whole trajectory in one run."""
        self.timings = run_network(self.network, self.duration, self._build_dir, report)
        return {k: (np.asarray(m.t_), np.asarray(m.i)) for k, m in self.monitors.items()}


class SpikingHopfield:
    """The classic Hopfield network in spikes: ``copies`` independent networks run side by side.

    Unit i reads a filtered copy of every unit's spike train in its own network, maps it to a ±1
    state s_j = 2 a_j − 1 (a_j ∈ [0, 1]: activity relative to the 'on' rate) and fires at
    ``rate`` when Σ_j W_ij s_j > 0, else stays silent. A cue drives the units of the cued pattern
    for ``cue``; the recalled state is who fires in the last ``readout`` of the free recall.
    Each copy has its own weights (a load, a trial), so a whole capacity curve is one run.
    """

    def __init__(self, weights: list[np.ndarray], cues: list[np.ndarray], params: HopfieldUnitParams,
                 target: str = "numpy", seed: int = 0,
                 device: str = "runtime", threads: int = 0) -> None:
        self._build_dir = select_device(device, target=target, threads=threads)
        self.timings: dict[str, float] = {}
        if len(weights) != len(cues) or not weights:
            raise ConfigError("weights", "need one matrix per cue set (and at least one)")
        n = weights[0].shape[0]
        self.n = n
        self.params = params
        self.copies = len(weights)
        self.cues_per_copy = [np.atleast_2d(c).shape[0] for c in cues]
        # every (copy, cue) pair is its own network of n units
        blocks = [(k, c) for k in range(self.copies) for c in range(self.cues_per_copy[k])]
        self.blocks = blocks
        total = len(blocks) * n
        # a fixed name (not 'clock*'): a second circuit in the process generates the same code, so
        # Cython's cache and a kept standalone project compile nothing again
        clock = b2.Clock(dt=params.dt, name="hopfield_clock")
        seed_brian(seed)
        self.units = b2.NeuronGroup(
            total, """
            da/dt = -a / tau : 1
            field : 1
            cue_state : 1 (constant)
            cue_on = int(t < cue_end) : 1
            rate = on_rate * (cue_on * cue_state + (1 - cue_on) * int(field > 0)) : Hz
            """,
            threshold="rand() < rate * dt", reset="a += 1 / (on_rate * tau)",
            namespace={"tau": params.tau, "on_rate": params.rate, "cue_end": params.cue},
            method="exact", clock=clock, name="hopfield_units")
        pre, post, w = [], [], []
        idx = np.arange(n)
        ii, jj = np.meshgrid(idx, idx, indexing="ij")
        off = ii != jj
        states = []
        for b, (k, c) in enumerate(blocks):
            wk = weights[k]
            if wk.shape != (n, n):
                raise ConfigError("weights", f"must all be ({n}, {n}) matrices, got {wk.shape}")
            pre.append(jj[off] + b * n)   # presynaptic j
            post.append(ii[off] + b * n)  # postsynaptic i: field_i = sum_j W_ij s_j
            w.append(wk[ii[off], jj[off]])
            states.append(np.atleast_2d(cues[k])[c] > 0)
        self.units.cue_state = np.concatenate(states).astype(float)
        self.syn = b2.Synapses(self.units, self.units,
                               "w : 1 (constant)\nfield_post = w * (2 * a_pre - 1) : 1 (summed)",
                               clock=clock, name="hopfield_recurrent")
        self.syn.connect(i=np.concatenate(pre), j=np.concatenate(post))
        self.syn.w = np.concatenate(w)
        self.monitor = b2.SpikeMonitor(self.units, name="mon_hopfield")
        self.network = b2.Network(self.units, self.syn, self.monitor)

    def run(self, report: Any = None) -> list[np.ndarray]:
        """Cue and recall every network in one run; the recalled ±1 states, one array per copy."""
        p = self.params
        self.timings = run_network(self.network, p.cue + p.settle, self._build_dir, report)
        states, _ = recalled_states(self.monitor, float(self.network.t), self.blocks, self.n, self.copies,
                                    float(p.readout), float(p.rate))
        return states


def recalled_states(monitor: b2.SpikeMonitor, t_end: float, blocks: list[tuple[int, int]], n: int, copies: int,
                    readout: float, on_rate: float) -> tuple[list[np.ndarray], np.ndarray]:
    """±1 states per copy (cells firing ≥ half ``on_rate`` in the last ``readout`` s) and the rates (blocks, n).

    ``blocks`` lists (copy, cue) for each consecutive group of ``n`` cells of the monitored group.
    """
    # the spikes of the last `readout` seconds, counted here rather than with analysis.spikes (circuits do not
    # import the analysis layer); the window's start is moved back by 1 ns as analysis.spikes.EDGE_TOLERANCE
    t, i = np.asarray(monitor.t_), np.asarray(monitor.i)
    counts = np.bincount(i[t >= t_end - readout - 1e-9], minlength=len(blocks) * n).reshape(len(blocks), n)
    states = np.where(counts >= 0.5 * on_rate * readout, 1.0, -1.0)
    out: list[list[np.ndarray]] = [[] for _ in range(copies)]
    for b, (k, _) in enumerate(blocks):
        out[k].append(states[b])
    return [np.array(x) for x in out], counts / readout
