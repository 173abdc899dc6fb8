"""Navigation in graph worlds: TEM-t prediction by causal attention, baselines, learning curves.

TEM-t (Whittington et al. 2022): keys and queries come from the position code (path-integrated
grid code), values from the sensory code; predicting the next observation is causal attention
over everything written so far. A model that has the world's structure predicts correctly
whenever it reaches a node it has seen — *at the rate of nodes visited, not edges* — including
by an edge never taken (zero-shot link inference). Baselines (docs/equations.md §3.4): the node agent
is right iff the node was visited before (else chance), the edge agent iff that exact edge was
taken before (else chance).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from engramlab import validate as V
from engramlab.analysis.attention import softmax
from engramlab.analysis.path_integration import graph_path_integration
from engramlab.analysis.spikes import step_counts
from engramlab.errors import ConfigError

__all__ = ["NavigationAnalysis", "WalkStats", "analyse_navigation", "attention_predict", "attractor_key_attention",
           "baseline_accuracy", "binned_accuracy", "decode_symbols", "dwell_population_vectors",
           "environment_breakdown", "navigation_summary", "path_integration_summary", "summary_numbers",
           "walk_stats"]


def decode_symbols(vectors: NDArray[np.float64], codebook: NDArray[np.float64]) -> NDArray[np.int64]:
    """Nearest codeword (largest dot product with the unit-normalised codewords) of each row."""
    cb = codebook / np.linalg.norm(codebook, axis=1, keepdims=True)
    return np.asarray(np.argmax(np.atleast_2d(vectors) @ cb.T, axis=1))


def attention_predict(keys: NDArray[np.float64], values: NDArray[np.float64], queries: NDArray[np.float64],
                      beta: float, env: NDArray[np.int64] | None = None
                      ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Causal attention: query t attends to keys 0 … t (of the same environment).

    Keys and queries are L2-normalised. Returns (outputs (T, D), weights (T, T)).
    """
    k = keys / np.linalg.norm(keys, axis=1, keepdims=True)
    q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    t = k.shape[0]
    mask = np.tril(np.ones((t, t), dtype=bool))
    if env is not None:
        mask &= env[:, None] == env[None, :]
    w = softmax(q @ k.T, beta, axis=1, mask=mask)
    return w @ values, w


@dataclass(frozen=True)
class WalkStats:
    """Per-step facts about a walk's *next* step (the one being predicted).

    Attributes
    ----------
    node_seen : bool array
        The next node was visited before (in this environment).
    edge_seen : bool array
        The step (node, next node) was taken before.
    zero_shot : bool array
        Known node reached by a never-taken edge.
    nodes_fraction, edges_fraction : float arrays
        Fraction of the graph's nodes / directed edges visited so far.
    """

    node_seen: NDArray[np.bool_]
    edge_seen: NDArray[np.bool_]
    zero_shot: NDArray[np.bool_]
    nodes_fraction: NDArray[np.float64]
    edges_fraction: NDArray[np.float64]


def walk_stats(nodes: NDArray[np.int64], env: NDArray[np.int64], n_nodes: int, n_edges: int) -> WalkStats:
    """Facts about predicting node[t+1] from step t, for t = 0 … T−2 (per environment).

    ``n_edges`` counts directed edges including self-loops ("stay still").
    """
    steps = nodes.size - 1
    node_seen = np.zeros(steps, bool)
    edge_seen = np.zeros(steps, bool)
    nf = np.zeros(steps)
    ef = np.zeros(steps)
    seen_nodes: set[int] = set()
    seen_edges: set[tuple[int, int]] = set()
    current_env = None
    for t in range(steps):
        if env[t] != current_env:
            current_env = env[t]
            seen_nodes, seen_edges = {int(nodes[t])}, set()
        a, b = int(nodes[t]), int(nodes[t + 1])
        if env[t + 1] != env[t]:
            node_seen[t] = edge_seen[t] = False
        else:
            node_seen[t] = b in seen_nodes
            edge_seen[t] = (a, b) in seen_edges
            seen_nodes.add(b)
            seen_edges.add((a, b))
        nf[t] = len(seen_nodes) / n_nodes
        ef[t] = len(seen_edges) / n_edges
    return WalkStats(node_seen, edge_seen, node_seen & ~edge_seen, nf, ef)


def binned_accuracy(correct: NDArray[np.bool_], x: NDArray[np.float64], bins: NDArray[np.float64]
                    ) -> NDArray[np.float64]:
    """Mean of ``correct`` in bins of ``x`` (NaN for empty bins)."""
    idx = np.digitize(x, bins) - 1
    out = np.full(bins.size - 1, np.nan)
    for b in range(bins.size - 1):
        sel = idx == b
        if sel.any():
            out[b] = correct[sel].mean()
    return out


def baseline_accuracy(seen: NDArray[np.bool_], n_symbols: int) -> NDArray[np.float64]:
    """Expected accuracy of an agent right when ``seen`` and at chance (1/symbols) otherwise."""
    return np.where(seen, 1.0, 1.0 / n_symbols)


def summary_numbers(correct: NDArray[np.bool_], stats: WalkStats, n_symbols: int) -> dict[str, Any]:
    """Accuracy overall, of the baselines, and zero-shot."""
    zs = stats.zero_shot
    return {
        "accuracy": float(correct.mean()),
        "node_agent_accuracy": float(baseline_accuracy(stats.node_seen, n_symbols).mean()),
        "edge_agent_accuracy": float(baseline_accuracy(stats.edge_seen, n_symbols).mean()),
        "zero_shot_accuracy": float(correct[zs].mean()) if zs.any() else None,
        "zero_shot_steps": int(zs.sum()),
    }


def environment_breakdown(predicted: ArrayLike, nodes: ArrayLike, observations: ArrayLike,
                          steps_per_env: int) -> dict[str, Any]:
    """Accuracy per environment, and how many later-environment errors answer with an earlier one.

    ``predicted`` holds one symbol per predicted step (environment-major, ``steps_per_env``
    each); ``nodes`` and ``observations`` the walk (``steps_per_env + 1`` per environment), so
    step *k* of environment *e* enters ``nodes[e(steps_per_env + 1) + k + 1]`` and is right when
    it names that entry's observation. The keys are the same position code in every environment,
    so only the context part of a key keeps a memory written in one environment from answering in
    another. ``other_env_error_fraction`` counts, among the wrong predictions of environments
    after the first, those that name the observation an earlier environment had at the node
    entered (None without such errors).
    """
    steps_per_env = V.integer("steps_per_env", steps_per_env, 1)
    pred = V.integer_array("predicted", V.finite_array("predicted", predicted, 1))
    walk = V.integer_array("nodes", V.finite_array("nodes", nodes, 1))
    seen_obs = V.integer_array("observations", V.finite_array("observations", observations, 1))
    n_env = pred.size // steps_per_env
    if pred.size == 0 or pred.size != n_env * steps_per_env:
        raise ConfigError("predicted", f"must hold whole environments of steps_per_env = {steps_per_env} steps, "
                                       f"got {pred.size}")
    for key, arr in (("nodes", walk), ("observations", seen_obs)):
        if arr.size != n_env * (steps_per_env + 1):
            raise ConfigError(key, f"must hold {n_env} × (steps_per_env + 1) = {n_env * (steps_per_env + 1)} "
                                   f"entries (the walk), got {arr.size}")
    by_env: list[float] = []
    earlier: dict[int, set[int]] = {}  # node -> observations it had in earlier environments
    wrong_later = from_earlier = 0
    for e in range(n_env):
        seg = slice(e * (steps_per_env + 1), (e + 1) * (steps_per_env + 1))
        guess = pred[e * steps_per_env:(e + 1) * steps_per_env]
        entered, truth = walk[seg][1:], seen_obs[seg][1:]
        wrong = guess != truth
        by_env.append(float(np.mean(guess == truth)))
        if e > 0:
            wrong_later += int(wrong.sum())
            from_earlier += sum(int(g) in earlier.get(int(n), set()) for g, n in zip(guess[wrong], entered[wrong],
                                                                                     strict=True))
        for node, o in zip(walk[seg].tolist(), seen_obs[seg].tolist(), strict=True):
            earlier.setdefault(node, set()).add(o)
    return {"accuracy_by_env": by_env,
            "other_env_error_fraction": from_earlier / wrong_later if wrong_later else None}


@dataclass
class NavigationAnalysis:
    """Predictions of the spiking circuit and of NumPy attention, with the walk's statistics."""

    graph: str
    steps: int
    beta: float
    observations: int
    circuit_symbol: NDArray[np.int64]
    attention_symbol: NDArray[np.int64]
    truth: NDArray[np.int64]
    correct: NDArray[np.bool_]
    attention_correct: NDArray[np.bool_]
    stats: WalkStats
    spike_weights: NDArray[np.float64]
    softmax_weights: NDArray[np.float64]
    weight_error: NDArray[np.float64]
    env: NDArray[np.int64]
    extra: dict[str, Any]
    #: :func:`~engramlab.analysis.path_integration.graph_path_integration` of the attractor run (None: off)
    path_integration: dict[str, Any] | None = None


def _counts(t: NDArray[np.float64], i: NDArray[np.int64], window: float, steps: int, n: int,
            skip: float) -> NDArray[np.float64]:
    """Spike counts per step window (skipping the first ``skip`` s of each) and neuron."""
    return step_counts(t, i, window, steps, n, start=skip).astype(np.float64)


def analyse_navigation(result: Any, skip: float = 0.002) -> NavigationAnalysis:
    """Decode the circuit's predictions and hold them against causal attention and the baselines.

    The first ``skip`` seconds of each step are left out (the memory and prediction neurons
    settle within a couple of time steps after the query changes).
    """
    if result.protocol != "navigation":
        raise ConfigError("result", f"must come from the navigation protocol, got {result.protocol!r}")
    p = result.params
    window = float(p["window"])
    beta = float(p["memory.beta"])
    env_of_step = result["env"]
    steps = env_of_step.size
    keys, queries, values = result["keys"], result["queries"], result["values"]
    codebook = result["codebook"]
    pool_model = p.get("memory.model", "ideal") == "pool"
    if pool_model:
        pred, pool_extra, pool_weights = _pool_counts(result, steps)
    else:
        pred = _counts(result["spikes_prediction_t"], result["spikes_prediction_i"], window, steps,
                       codebook.shape[1], skip)
        mem = _counts(result["spikes_memory_t"], result["spikes_memory_i"], window, steps, keys.shape[0], skip)
    circuit_symbol = decode_symbols(pred, codebook)
    out, w = attention_predict(keys, values, queries, beta, env_of_step)
    attention_symbol = decode_symbols(out, codebook)
    # node sequence per environment: steps+1 nodes each
    nodes = result["node"]
    obs = result["observation"]
    per_env = int(p["steps"])
    truth, stats_parts = [], []
    for e in range(int(p["environments"])):
        nseg = nodes[e * (per_env + 1):(e + 1) * (per_env + 1)]
        oseg = obs[e * (per_env + 1):(e + 1) * (per_env + 1)]
        truth.append(oseg[1:])
        stats_parts.append(walk_stats(nseg, np.zeros(nseg.size, dtype=np.int64), int(p["n_nodes"]),
                                      int(p["n_directed_edges"])))
    truth_arr = np.concatenate(truth)
    stats = WalkStats(*(np.concatenate([getattr(s, f) for s in stats_parts])
                        for f in ("node_seen", "edge_seen", "zero_shot", "nodes_fraction", "edges_fraction")))
    # remapping between environments: observations are re-drawn. The keys are the same position code
    # in every environment (the walk's nodes through one world's grid code), so their correlation
    # across environments is 1 by construction and is not reported as a measurement.
    remap = {}
    n_env = int(p["environments"])
    if n_env > 1:
        obs_by_env = []
        for e in range(n_env):
            seg = slice(e * (per_env + 1), (e + 1) * (per_env + 1))
            obs_by_env.append(dict(zip(nodes[seg].tolist(), obs[seg].tolist(), strict=True)))
        common = set(obs_by_env[0]) & set(obs_by_env[1])
        remap = {"observation_remapping_fraction": float(np.mean([obs_by_env[0][n] != obs_by_env[1][n]
                                                                   for n in common])) if common else None,
                 "nodes_in_both_envs": len(common)}
    if pool_model:
        spike_w, w = pool_weights
        err = np.max(np.abs(spike_w - w), axis=1) if spike_w.size else np.zeros(0)
        extra = {**pool_extra, **remap}
    else:
        totals = mem.sum(1, keepdims=True)
        spike_w = np.divide(mem, totals, out=np.zeros_like(mem), where=totals > 0)
        err = np.max(np.abs(spike_w - w), axis=1)
        extra = {"memory_spikes_per_step": float(totals.mean()), "memory_model": "ideal",
                 "normalisation": "ideal: the normaliser sum is in the equations (a pooling unit divides by it)",
                 "beta_effective": None, "softmax_weight_error_heldout": None,
                 "softmax_weight_error_sampling_floor": None, "softmax_calibration_error_heldout": None,
                 "softmax_weight_error_counts_heldout": None, "memory_total_error_heldout": None,
                 "memory_spikes_gain": None, "key_weight_cosine": None, "ideal_attention_accuracy_written_keys": None,
                 "ideal_attention_accuracy_written_keys_by_env": None,
                 **remap}
    extra.update(environment_breakdown(circuit_symbol, nodes, obs, per_env))
    pi = graph_path_integration(result) if "pi_action" in result else None
    extra.update(path_integration_summary(pi, str(p.get("graph", ""))))
    extra.update(attractor_key_attention(result, beta) if pi is not None
                 else {"path_integration_attention_accuracy": None,
                       "path_integration_attention_accuracy_ideal": None})
    return NavigationAnalysis(
        graph=str(p["graph"]), steps=steps, beta=beta, observations=int(p["observations"]),
        circuit_symbol=circuit_symbol, attention_symbol=attention_symbol, truth=truth_arr,
        correct=circuit_symbol == truth_arr, attention_correct=attention_symbol == truth_arr,
        stats=stats, spike_weights=spike_w, softmax_weights=w, weight_error=err, env=env_of_step,
        extra=extra, path_integration=pi)


def dwell_population_vectors(result: Any) -> NDArray[np.float64]:
    """Spike counts of every recorded attractor neuron in each dwell, shape (nodes, neurons): its code of each node."""
    t, i = result["spikes_pi_grid_t"], result["spikes_pi_grid_i"]
    start, end = result["pi_read_start"], result["pi_read_end"]
    out = np.zeros((start.size, result["pi_grid_module"].size))
    first, last = np.searchsorted(t, start), np.searchsorted(t, end)
    for s in range(start.size):
        np.add.at(out[s], i[first[s]:last[s]], 1.0)
    return out


def attractor_key_attention(result: Any, beta: float) -> dict[str, Any]:
    """Next-observation accuracy of NumPy causal attention keyed by the attractor's own code (out of the circuit).

    What the memory would have to work with if it read the attractor modules: the keys and
    queries are :func:`dwell_population_vectors` at the node written and the node entered, over
    the steps that drove the attractor (first environment), the values the LEC codes written;
    beside it, the same attention on the ideal grid code over the same steps. A consistency
    measure of the attractor's code, computed in NumPy; the memory circuit does not read it.
    """
    vec = dwell_population_vectors(result)
    steps = vec.shape[0] - 1
    truth = result["observation"][1:steps + 1]
    values, codebook = result["values"][:steps], result["codebook"]
    acc = []
    for keys, queries in ((vec[:-1], vec[1:]), (result["keys"][:steps], result["queries"][:steps])):
        out, _ = attention_predict(keys, values, queries, beta)
        acc.append(round(float(np.mean(decode_symbols(out, codebook) == truth)), 5))
    return {"path_integration_attention_accuracy": acc[0], "path_integration_attention_accuracy_ideal": acc[1]}


def path_integration_summary(pi: Mapping[str, Any] | None, graph: str) -> dict[str, Any]:
    """The ``path_integration_*`` keys of the navigation summary (per module lists; None when not run)."""
    if pi is None:
        why = ("off: ring graphs have no attractor (no one-dimensional ring attractor is built)"
               if graph.startswith("ring") else "off (grid.path_integration = 'off')")
        return {"path_integration_model": why, "path_integration_steps": 0,
                **{f"path_integration_{k}": None for k in _PI_KEYS.values()}, "path_integration_note": None}
    return {"path_integration_model": "attractor", "path_integration_steps": int(np.size(pi["actions"])),
            **{f"path_integration_{k}": [round(float(x), 5) for x in pi[src]] for src, k in _PI_KEYS.items()},
            "path_integration_note": "per action: decoded move of each module's lattice (spikes in the dwell "
            "after the action) minus the move the world's action matrix predicts through c·alpha·R(phi) "
            "(phi = minus the module's orientation; c = grid.attractor.pattern_speed, fitted in separate runs), "
            "as a fraction of the grid period; "
            "cumulative: summed over the walk's actions, no landmarks, on the torus (final_error_m and drift: "
            "unreduced, in metres)"}


#: graph_path_integration key → summary key (after "path_integration_")
_PI_KEYS = {"rms_step_error": "phase_error", "p95_step_error": "phase_error_p95",
            "max_step_error": "phase_error_max", "rms_step_error_moves": "phase_error_moves",
            "rms_step_error_stays": "phase_error_stays", "step_gain": "step_gain",
            "rms_cumulative_error": "cumulative_error", "final_cumulative_error": "final_error",
            "final_displacement_error_m": "final_error_m", "drift_m_per_min": "drift_m_per_min",
            "empty_windows": "empty_windows"}


def _pool_counts(result: Any, steps: int) -> tuple[NDArray[np.float64], dict[str, Any],
                                                     tuple[NDArray[np.float64], NDArray[np.float64]]]:
    """Prediction counts per walk step, the pool's numbers, and held-out (spike, softmax) shares."""
    from engramlab.analysis.memory_pool import (
        calibration_error,
        eligibility_at,
        half_step_counts,
        held_memory_attention,
        held_out_softmax,
        key_weight_cosine,
        multinomial_floor,
        output_scale_errors,
        stored_writes,
    )

    p = result.params
    step = float(p["pool.step"])
    slot_step = np.asarray(result["slot_step"])
    slots = slot_step.size
    pool = int(p["pool.pool"])
    n_lec = result["codebook"].shape[1]
    skip = float(p["pool.read_delay"])
    pred_slots = half_step_counts(result["spikes_prediction_t"], result["spikes_prediction_i"], step, slots, n_lec,
                                  second_half=False, skip=skip)
    ensemble = int(p["pool.ensemble"])
    # spikes of an ensemble's members are spikes of its memory
    mem_slots = half_step_counts(result["spikes_memory_t"], np.asarray(result["spikes_memory_i"]) // ensemble,
                                 step, slots, pool // ensemble, second_half=False, skip=skip)
    predicted = slot_step >= 0
    pred = np.zeros((steps, n_lec))
    pred[slot_step[predicted]] = pred_slots[predicted]
    inputs = np.asarray(result["slot_inputs"])
    writer = np.asarray(result["writer"])
    # the keys actually written: each input's eligibility trace at the end of its write step,
    # recomputed from the recorded grid and context spikes
    n_grid = int(p["n_grid"])
    t_in = np.concatenate([result["spikes_grid_t"], result["spikes_context_t"]])
    i_in = np.concatenate([result["spikes_grid_i"], n_grid + np.asarray(result["spikes_context_i"])])
    ends = (np.arange(slots, dtype=np.float64) + 1.0) * step
    traces = eligibility_at(t_in, i_in, inputs.shape[1], ends, float(p["pool.tau_elig"]))
    written_keys = float(p["pool.key_eta"]) * traces
    beta, spike_w, soft_w, test, fit = held_out_softmax(inputs, written_keys, writer, mem_slots, predicted,
                                                        pool // ensemble)
    # the equation on the same keys and values as the pool: NumPy attention (β = memory.beta, not
    # fitted) over the memories it holds, with the keys its plasticity wrote
    codebook = result["codebook"]
    observed = np.asarray(result["observation"])
    attention_out = held_memory_attention(inputs, written_keys, codebook[observed], writer, pool // ensemble,
                                          float(p["memory.beta"]))
    held_correct = decode_symbols(attention_out[predicted], codebook) == observed[predicted]
    held_env = np.asarray(result["slot_env"])[predicted]
    # how the pool's spikes follow the softmax as memories accumulate (the load: memories held)
    load = (stored_writes(writer, pool // ensemble) >= 0).sum(1)
    edges = np.array([1, 10, 50, 200, np.inf])
    per_step_err = np.max(np.abs(spike_w - soft_w), axis=1) if spike_w.size else np.zeros(0)
    by_load: dict[str, list[Any]] = {"load_bins": [], "memory_spikes": [], "softmax_error_heldout": []}
    for lo, hi in itertools.pairwise(edges):
        steps_in = predicted & (load >= lo) & (load < hi)
        test_in = (load[test] >= lo) & (load[test] < hi)
        if steps_in.any():
            by_load["load_bins"].append(f"{int(lo)}-{int(hi) - 1}" if np.isfinite(hi) else f"{int(lo)}+")
            by_load["memory_spikes"].append(float(mem_slots[steps_in].sum(1).mean()))
            by_load["softmax_error_heldout"].append(float(per_step_err[test_in].mean()) if test_in.any() else None)
    cos = key_weight_cosine(np.asarray(result["key_weights"])[:, :n_grid], inputs[:, :n_grid], writer)
    inhibition = bool(p["pool.inhibition"])
    gain, scale_err, total_err = output_scale_errors(mem_slots, soft_w, test, fit)
    extra = {
        "memory_spikes_per_step": float(mem_slots[predicted].sum(1).mean()),
        "memory_model": "pool",
        "normalisation": ("interneurons: shunting conductance fed back from the memory neurons' spikes"
                          if inhibition else "none (interneuron synapses removed: pool.inhibition = false)"),
        "beta_effective": beta if np.isfinite(beta) else None,
        "softmax_weight_error_heldout": float(np.mean(np.max(np.abs(spike_w - soft_w), axis=1)))
        if spike_w.size else None,
        # what that error would be with the same spike counts drawn independently from the softmax
        "softmax_weight_error_sampling_floor": multinomial_floor(soft_w, mem_slots[test].sum(1))
        if spike_w.size else None,
        "softmax_calibration_error_heldout": calibration_error(spike_w, soft_w) if spike_w.size else None,
        # the counts read through one gain (fitted: the fit steps' mean total), not divided by
        # their own total: what the circuit's normalisation leaves
        "softmax_weight_error_counts_heldout": scale_err if np.isfinite(scale_err) else None,
        "memory_total_error_heldout": total_err if np.isfinite(total_err) else None,
        "memory_spikes_gain": gain if np.isfinite(gain) else None,
        "key_weight_cosine": float(cos.mean()) if cos.size else None,
        "ideal_attention_accuracy_written_keys": float(held_correct.mean()) if held_correct.size else None,
        # the same per environment: the keys are one position code in every environment, so only
        # their context part keeps another environment's memories out (also in the equation)
        "ideal_attention_accuracy_written_keys_by_env": [
            float(held_correct[held_env == e].mean()) if (held_env == e).any() else None
            for e in range(int(p["environments"]))] if held_correct.size else None,
        "pool_by_load": by_load,
    }
    return pred, extra, (spike_w, soft_w)


def navigation_summary(a: NavigationAnalysis) -> dict[str, Any]:
    """Key numbers (the ``summary.json`` of ``engramlab run navigation``)."""
    base = summary_numbers(a.correct, a.stats, a.observations)
    half = a.stats.nodes_fraction >= 0.5
    node_curve = baseline_accuracy(a.stats.node_seen, a.observations)
    return {
        "graph": a.graph,
        "steps": a.steps,
        "beta": a.beta,
        **base,
        "attention_accuracy": float(a.attention_correct.mean()),
        "attention_agreement": float(np.mean(a.circuit_symbol == a.attention_symbol)),
        # a silent pool (e.g. grid cells silenced) has no step to compare: None, not a crash
        "softmax_weight_error": float(np.mean(a.weight_error)) if a.weight_error.size else None,
        "softmax_weight_error_p95": float(np.percentile(a.weight_error, 95)) if a.weight_error.size else None,
        "accuracy_after_half_nodes": float(a.correct[half].mean()) if half.any() else None,
        "node_agent_after_half_nodes": float(node_curve[half].mean()) if half.any() else None,
        "ideal_attention_accuracy": float(a.attention_correct.mean()),
        "memory_spikes_per_step": a.extra["memory_spikes_per_step"],
        **{k: v for k, v in a.extra.items() if k != "memory_spikes_per_step"},
    }


def navigation_table(s: Mapping[str, Any]) -> dict[str, Any]:
    """The lines of ``summary.md`` and of ``engramlab run navigation``'s printed table."""
    keys = ("memory_model", "accuracy", "node_agent_accuracy", "edge_agent_accuracy", "zero_shot_accuracy",
            "ideal_attention_accuracy", "ideal_attention_accuracy_written_keys",
            "attention_agreement", "softmax_weight_error", "beta_effective",
            "softmax_weight_error_heldout", "softmax_weight_error_counts_heldout", "memory_total_error_heldout",
            "key_weight_cosine", "path_integration_phase_error", "path_integration_cumulative_error")
    return {k: s[k] for k in keys if s.get(k) is not None}
