"""A pool of memory neurons that write and recall in spikes (:mod:`engramlab.models.memory_pool`).

One Brian2 network runs a whole walk: Poisson grid cells (the grid code of the node being
entered, at ``grid_rate_gain`` × the world's rates), context cells (the environment), LEC cells
(what is seen, in the encoding half of each step), the memory-neuron pool, its interneurons and
the prediction neurons. Each step has two halves: a *prediction* half, where the memory neurons
read the grid and context spikes and the prediction neurons read the memory spikes, and an
*encoding* half, where a plateau enters the neuron being written; at the end of the step that
neuron's input and output weights are set from the eligibility traces (one-shot binding).
"""

from __future__ import annotations

from typing import Any

import brian2 as b2
import numpy as np
from brian2 import Hz

from engramlab.circuits._device import run_network, seed_brian, select_device
from engramlab.errors import ConfigError
from engramlab.models.memory_pool import MemoryPoolParams

__all__ = ["MemoryPoolCircuit"]

_POISSON_WITH_TRACE = "rate = {table}(t, i) : Hz\ndelig/dt = -elig / tau_elig : 1"


class MemoryPoolCircuit:
    """Write one memory per step into a fixed pool and predict the next observation in spikes.

    Parameters
    ----------
    grid_rates : ndarray, shape (slots, n_grid)
        Grid-cell rates (Hz) in each step (the code of the node entered at that step).
    context_rates : ndarray, shape (slots, n_context)
        Context-cell rates (Hz) in each step.
    lec_rates : ndarray, shape (slots, n_lec)
        LEC rates (Hz) during the encoding half of each step (what is seen there).
    writer : int array, shape (slots,)
        Ensemble written at each step (−1: no write); ensemble m is pool neurons
        m·ensemble … (m+1)·ensemble − 1.
    params : MemoryPoolParams
    """

    def __init__(self, grid_rates: np.ndarray, context_rates: np.ndarray, lec_rates: np.ndarray,
                 writer: np.ndarray, params: MemoryPoolParams, target: str = "cython", seed: int = 0,
                 device: str = "runtime", threads: int = 0) -> None:
        self._build_dir = select_device(device, target=target, threads=threads)
        self.timings: dict[str, float] = {}
        slots = grid_rates.shape[0]
        if context_rates.shape[0] != slots or lec_rates.shape[0] != slots or writer.shape != (slots,):
            raise ConfigError("grid_rates", "grid, context and LEC rates and the writer need one row per step")
        if writer.max(initial=-1) >= params.slots:
            raise ConfigError("writer", f"must name ensembles in [0, {params.slots}), got {writer.max()}")
        p = params
        self.params, self.slots = p, slots
        n_grid, n_ctx, n_lec = grid_rates.shape[1], context_rates.shape[1], lec_rates.shape[1]
        # a fixed name (not 'clock*'): a second circuit in the process generates the same code, so
        # Cython's cache and a kept standalone project compile nothing again
        clock = b2.Clock(dt=p.dt, name="pool_clock")
        half = p.step / 2
        # each step's rates for the two halves: LEC only while the node is seen (second half)
        lec_halves = np.zeros((2 * slots, n_lec))
        lec_halves[1::2] = lec_rates
        plateau_halves = np.full(2 * slots, -1.0)
        plateau_halves[1::2] = writer
        # the write that ends at the start of step s was made in step s − 1
        ends = np.concatenate([[-1.0], writer.astype(float)])
        self._tables = {
            "grid_table": b2.TimedArray(grid_rates * p.grid_rate_gain * Hz, dt=p.step, name="grid_table"),
            "context_table": b2.TimedArray(context_rates * Hz, dt=p.step, name="context_table"),
            "lec_table": b2.TimedArray(lec_halves * Hz, dt=half, name="lec_table"),
            "plateau_target": b2.TimedArray(plateau_halves, dt=half, name="plateau_target"),
            "write_ends": b2.TimedArray(ends, dt=p.step, name="write_ends"),
        }
        ns = dict(self._tables, tau_elig=p.tau_elig, quarter=p.step / 4, ensemble=p.ensemble)
        seed_brian(seed)

        def poisson(n: int, table: str, name: str) -> b2.NeuronGroup:
            return b2.NeuronGroup(n, _POISSON_WITH_TRACE.format(table=table), threshold="rand() < rate * dt",
                                  reset="elig += 1", method="exact", namespace=ns, clock=clock, name=name)

        self.grid = poisson(n_grid, "grid_table", "grid_cells")
        self.context = poisson(n_ctx, "context_table", "context_cells")
        self.lec = poisson(n_lec, "lec_table", "lec_cells")
        # The members of an ensemble receive the same presynaptic spikes through the same weights
        # (one plateau writes them all from the same traces; transmission is deterministic), so
        # their excitatory conductance is one trajectory: it is computed once per ensemble and
        # linked into each member. Exact, not an approximation; it divides the synaptic events
        # by the ensemble size. Each member keeps its own membrane, noise and inhibition.
        self.key_input = b2.NeuronGroup(p.slots, "dg_e/dt = -g_e / tau_e : siemens", method="exact",
                                        namespace={"tau_e": p.tau_e}, clock=clock, name="ensemble_inputs")
        self.memory = b2.NeuronGroup(
            p.pool, """
            dv/dt = (g_L * (E_L - v) + g_L * delta_T * exp((v - V_T) / delta_T) + g_e * (E_e - v)
                     + g_i * (E_i - v) + I_plateau + I_noise) / C : volt (unless refractory)
            I_noise : amp
            g_e : siemens (linked)
            dg_i/dt = -g_i / tau_i : siemens
            I_plateau = plateau * int(abs(plateau_target(t) - i // ensemble) < 0.5) : amp
            """,
            threshold="v > V_T + 5 * delta_T", reset="v = V_reset", refractory=p.refractory,
            # exponential Euler integrates the conductance terms exactly over a step, so strong
            # inhibition cannot make it overshoot (forward Euler did at g_i > 2C/dt = 800 nS: a
            # sweep point at g_inh = 20 nS ran away to 10^5 spikes per step)
            method="exponential_euler",
            namespace=dict(ns, g_L=p.g_L, E_L=p.E_L, delta_T=p.delta_T, V_T=p.V_T, E_e=p.E_e, E_i=p.E_i, C=p.C,
                           tau_i=p.tau_i, noise=p.noise, plateau=p.plateau, V_reset=p.V_reset),
            clock=clock, name="memory_neurons")
        self.memory.g_e = b2.linked_var(self.key_input, "g_e", index=np.arange(p.pool) // p.ensemble)
        # white membrane noise as an Euler–Maruyama increment, held for one step: σ√(2τm/dt)·g_L·N(0, 1)
        self.memory.run_regularly("I_noise = noise * sqrt(2 * g_L * C / dt) * randn()", dt=p.dt, when="start")
        self.memory.v = p.E_L
        key_model = "w : 1"
        key_on_pre = "g_e_post += g_key * w"
        # one-shot binding at the end of each write: w <- eta * e_pre on the written ensemble only
        write_key = "w = w + int(abs(write_ends(t + quarter) - j) < 0.5) * (key_eta * elig_pre - w)"
        self.grid_keys = b2.Synapses(self.grid, self.key_input, key_model, on_pre=key_on_pre,
                                     namespace=dict(ns, g_key=p.g_key, key_eta=p.key_eta), clock=clock,
                                     name="grid_to_memory")
        self.grid_keys.connect()
        self.context_keys = b2.Synapses(self.context, self.key_input, key_model, on_pre=key_on_pre,
                                        namespace=dict(ns, g_key=p.g_key, key_eta=p.key_eta), clock=clock,
                                        name="context_to_memory")
        self.context_keys.connect()
        for syn in (self.grid_keys, self.context_keys):
            syn.run_regularly(write_key, dt=p.step, when="start")
        self.interneurons = b2.NeuronGroup(
            p.interneurons, "dv/dt = (I - v) / tau_m : 1\ndI/dt = -I / tau_s : 1", threshold="v > 1", reset="v = 0",
            method="exact", namespace={"tau_m": 10 * b2.ms, "tau_s": 5 * b2.ms}, clock=clock, name="interneurons")
        self.to_inh = b2.Synapses(self.memory, self.interneurons, "w : 1 (constant)", on_pre="I_post += w",
                                  clock=clock, name="memory_to_interneurons")
        self.to_inh.connect()
        self.to_inh.w = p.w_mem_inh
        # the lesion (pool.inhibition = False) removes the interneurons' synapses onto the pool
        inhibition: list[b2.Synapses] = []
        if p.inhibition:
            self.from_inh = b2.Synapses(self.interneurons, self.memory, on_pre="g_i_post += g_inh",
                                        namespace={"g_inh": p.g_inh}, clock=clock, name="interneurons_to_memory")
            self.from_inh.connect()
            inhibition.append(self.from_inh)
        self.prediction = b2.NeuronGroup(
            n_lec, """
            du/dt = -u / tau_u : 1
            dteach/dt = -teach / tau_elig : 1
            rate = gain * u : Hz
            """, threshold="rand() < rate * dt", method="exact",
            namespace=dict(ns, tau_u=p.prediction_tau, gain=p.readout_gain), clock=clock, name="prediction_neurons")
        # the sensory input reaches the prediction neurons' dendrites as an instructive trace only
        self.teach = b2.Synapses(self.lec, self.prediction, on_pre="teach_post += 1", clock=clock,
                                 name="lec_to_prediction")
        self.teach.connect(j="i")
        self.values = b2.Synapses(self.memory, self.prediction, "w : 1", on_pre="u_post += w",
                                  namespace=dict(ns, value_eta=p.value_eta), clock=clock, name="memory_to_prediction")
        self.values.connect()
        write_value = "w = w + int(abs(write_ends(t + quarter) - i // ensemble) < 0.5) * (value_eta * teach_post - w)"
        self.values.run_regularly(write_value, dt=p.step, when="start")
        self.monitors = {
            "grid": b2.SpikeMonitor(self.grid, name="mon_grid"),
            "context": b2.SpikeMonitor(self.context, name="mon_context"),
            "memory": b2.SpikeMonitor(self.memory, name="mon_memory"),
            "interneuron": b2.SpikeMonitor(self.interneurons, name="mon_interneurons"),
            "prediction": b2.SpikeMonitor(self.prediction, name="mon_prediction"),
        }
        self.network = b2.Network(self.grid, self.context, self.lec, self.key_input, self.memory, self.grid_keys,
                                  self.context_keys, self.interneurons, self.to_inh, *inhibition, self.prediction,
                                  self.teach, self.values, *self.monitors.values())

    def run(self, report: Any = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Simulate every step in one run; return spikes per population (s, index)."""
        self.timings = run_network(self.network, self.slots * self.params.step, self._build_dir, report)
        return {k: (np.asarray(m.t_), np.asarray(m.i)) for k, m in self.monitors.items()}

    def key_weights(self) -> np.ndarray:
        """Final input weights, shape (ensembles, n_grid + n_context): each ensemble's stored key."""
        n_grid, n_ctx = len(self.grid), len(self.context)
        out = np.zeros((self.params.slots, n_grid + n_ctx))
        out[np.asarray(self.grid_keys.j), np.asarray(self.grid_keys.i)] = np.asarray(self.grid_keys.w)
        out[np.asarray(self.context_keys.j), n_grid + np.asarray(self.context_keys.i)] = np.asarray(self.context_keys.w)
        return out

    def value_weights(self) -> np.ndarray:
        """Final output weights, shape (pool, n_lec): each memory neuron's stored value."""
        out = np.zeros((self.params.pool, len(self.prediction)))
        out[np.asarray(self.values.i), np.asarray(self.values.j)] = np.asarray(self.values.w)
        return out
