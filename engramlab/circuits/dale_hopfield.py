"""Dale's-law Hopfield networks in spikes: excitatory LIF memory cells and interneurons, many side by side.

Each (weights, cue) pair is its own network of ``n`` excitatory memory cells and
``round(interneuron_ratio * n)`` interneurons (:mod:`engramlab.models.dale_hopfield`); all of them
run in one Brian2 network, so a whole capacity curve is one run.
"""

from __future__ import annotations

from typing import Any

import brian2 as b2
import numpy as np

from engramlab.circuits._device import run_network, seed_brian, select_device
from engramlab.circuits.hippocampus import recalled_states
from engramlab.errors import ConfigError
from engramlab.models.dale_hopfield import DaleHopfieldParams, dale_weights

__all__ = ["DaleHopfield"]


class DaleHopfield:
    """Excitatory memory cells with clipped Hebbian synapses, normalised by interneurons.

    Parameters
    ----------
    weights : list of ndarray, shape (n, n)
        Signed Hebbian matrices, one per copy (a load, a trial); their positive parts become
        excitatory synapses and each row's mean sets that cell's inhibitory synapses.
    cues : list of ndarray, shape (cues, n)
        ±1 cue patterns per copy: during ``params.cue`` the +1 cells get ``cue_drive``.
    params : DaleHopfieldParams
    """

    def __init__(self, weights: list[np.ndarray], cues: list[np.ndarray], params: DaleHopfieldParams,
                 target: str = "numpy", seed: int = 0, device: str = "runtime", threads: int = 0) -> None:
        self._build_dir = select_device(device, target=target, threads=threads)
        self.timings: dict[str, float] = {}
        if len(weights) != len(cues) or not weights:
            raise ConfigError("weights", "need one matrix per cue set (and at least one)")
        n = weights[0].shape[0]
        n_inh = max(1, round(params.interneuron_ratio * n))
        self.n, self.n_inh, self.params, self.copies = n, n_inh, params, len(weights)
        self.blocks = [(k, c) for k in range(len(weights)) for c in range(np.atleast_2d(cues[k]).shape[0])]
        nb = len(self.blocks)
        tau_e, tau_i, tau_u = float(params.tau_exc), float(params.tau_inh), float(params.interneuron_tau)
        r_on, g_i = float(params.design_rate), float(params.interneuron_gain)
        # a stored pattern active at r_on gives a recurrent input of ±signal: J τ_E r_on / 4 = signal
        scale = 4 * params.signal / (tau_e * r_on)
        # a fixed name (not 'clock*'): a second circuit in the process generates the same code, so
        # Cython's cache and a kept standalone project compile nothing again
        clock = b2.Clock(dt=params.dt, name="dale_clock")
        seed_brian(seed)
        self.exc = b2.NeuronGroup(
            nb * n, """
            dv/dt = (-v + drive + I_e - I_i + cue_drive * cue_cell * int(t < cue_end)) / tau_m
                    + noise * sqrt(2 / tau_m) * xi : 1 (unless refractory)
            dI_e/dt = -I_e / tau_e : 1
            dI_i/dt = -I_i / tau_i : 1
            cue_cell : 1 (constant)
            """,
            threshold="v > 1", reset="v = 0", refractory=params.refractory, method="euler",
            namespace={"drive": params.drive, "cue_drive": params.cue_drive, "cue_end": params.cue,
                       "tau_m": params.tau_m, "noise": params.noise, "tau_e": params.tau_exc,
                       "tau_i": params.tau_inh},
            clock=clock, name="dale_memory")
        self.inh = b2.NeuronGroup(
            nb * n_inh, "du/dt = -u / tau_u : 1\nrate = gain * clip(u, 0, inf) : Hz",
            threshold="rand() < rate * dt", method="exact",
            namespace={"tau_u": params.interneuron_tau, "gain": params.interneuron_gain},
            clock=clock, name="dale_interneurons")
        ee_pre, ee_post, ee_w, ie_g, cue_cell = [], [], [], [], []
        for b, (k, c) in enumerate(self.blocks):
            wk = weights[k]
            if wk.shape != (n, n):
                raise ConfigError("weights", f"must all be ({n}, {n}) matrices, got {wk.shape}")
            w_plus, mean_w = dale_weights(wk)
            # W⁺[i, j]: j → i, every pair including zero weights (they add nothing to I_e): the
            # synapse count, compiled into a standalone program, is then the same for every seed
            post, pre = np.nonzero(np.ones_like(w_plus, dtype=bool))
            ee_pre.append(pre + b * n)
            ee_post.append(post + b * n)
            ee_w.append(scale * w_plus[post, pre])
            # inhibition on cell i = κ J τ_E m_i (n − 1)/n Σ_j r_j (see models/dale_hopfield.py): the
            # interneurons read all n cells, cell i's excitation comes from the n − 1 others
            ie_g.append(params.inhibition_balance * scale * tau_e * mean_w * (n - 1) / (tau_i * n_inh * g_i * tau_u))
            cue_cell.append(np.atleast_2d(cues[k])[c] > 0)
        self.exc.cue_cell = np.concatenate(cue_cell).astype(float)
        self.exc.v = "rand()"
        self.ee = b2.Synapses(self.exc, self.exc, "w : 1 (constant)", on_pre="I_e_post += w",
                              clock=clock, name="dale_exc_exc")
        self.ee.connect(i=np.concatenate(ee_pre), j=np.concatenate(ee_post))
        self.ee.w = np.concatenate(ee_w)
        blk_e = np.repeat(np.arange(nb), n * n_inh)
        e_idx = np.tile(np.repeat(np.arange(n), n_inh), nb) + blk_e * n  # every memory cell ...
        i_idx = np.tile(np.tile(np.arange(n_inh), n), nb) + blk_e * n_inh  # ... to every interneuron of its block
        self.ei = b2.Synapses(self.exc, self.inh, on_pre="u_post += 1.0 / n_exc", namespace={"n_exc": n},
                              clock=clock, name="dale_exc_inh")
        self.ei.connect(i=e_idx, j=i_idx)
        self.ie = b2.Synapses(self.inh, self.exc, "g : 1 (constant)", on_pre="I_i_post += g",
                              clock=clock, name="dale_inh_exc")
        self.ie.connect(i=i_idx, j=e_idx)
        self.ie.g = np.concatenate(ie_g)[e_idx]  # the postsynaptic memory cell's own scale
        self.monitor = b2.SpikeMonitor(self.exc, name="mon_dale")
        self.network = b2.Network(self.exc, self.inh, self.ee, self.ei, self.ie, self.monitor)

    def run(self, report: Any = None) -> list[np.ndarray]:
        """Cue and recall every network in one run; the recalled ±1 states, one array per copy.

        A cell counts as active when it fires at ≥ half the design rate in the last ``readout``.
        """
        p = self.params
        self.timings = run_network(self.network, p.cue + p.settle, self._build_dir, report)
        states, self.rates = recalled_states(self.monitor, float(self.network.t), self.blocks, self.n,
                                             self.copies, float(p.readout), float(p.design_rate))
        return states
