"""Attractor grid modules driven by a navigation walk's actions: each action moves the lattice by one step.

The run is ``small_runs["navigation"]`` (grid5x5, seed 1; 40 actions through four default
attractor modules, cpp_standalone). The per-action move is recomputed here by a different
estimator than the package's (a brute-force search for the lattice offset that best explains
the spikes of each dwell, instead of the phase of the summed spike phasors), against a
prediction built from the graph's geometry (the action's compass direction × node spacing),
not from the action matrix the package reads it from.
"""

import math

import numpy as np
import pytest

#: compass direction of each grid-world action, in the order of ``World.actions``
DIRECTIONS = {"north": (0, 1), "south": (0, -1), "east": (1, 0), "west": (-1, 0), "stay": (0, 0)}


def _best_offsets(t, pos, modes, start, end, nx, ny, step=0.25):
    """Per window, the sheet offset b maximising Σ_spikes Σ_j cos(K_j·(p − b)) on a 0.25-neuron grid."""
    bx, by = np.meshgrid(np.arange(0, nx / 4, step), np.arange(0, ny / 4, step), indexing="ij")
    cand = np.stack([bx.ravel(), by.ravel()], 1)  # one lattice cell is enough: 4 × 4 bumps per sheet
    out = []
    for s0, s1 in zip(start, end, strict=True):
        p = pos[(t >= s0) & (t < s1)]
        score = np.cos((p[:, None, :] - cand[None]) @ modes.T).sum((0, 2))
        out.append(cand[np.argmax(score)])
    return np.array(out)


def _shortest(d, modes):
    """The shortest vector equivalent to each row of d on the bump lattice (K_j · A ∈ 2πZ)."""
    basis = 2 * math.pi * np.linalg.inv(modes[1:3])
    shifts = np.array([(i, j) for i in range(-4, 5) for j in range(-4, 5)], dtype=float) @ basis.T
    cand = d[:, None, :] - shifts[None]
    return cand[np.arange(len(d)), np.argmin(np.linalg.norm(cand, axis=2), axis=1)]


@pytest.mark.slow
def test_each_action_moves_every_module_by_the_predicted_step(small_runs):
    from engramlab.analysis.path_integration import graph_path_integration
    from engramlab.models.grid_attractor import GridAttractorParams
    from engramlab.models.hippocampal import GridParams
    from engramlab.protocols.worlds import make_world

    res = small_runs["navigation"]
    p = res.params
    a = GridAttractorParams()
    nx, ny = a.sheet_shape()
    actions = res["pi_action"]
    assert actions.size == 40 and np.array_equal(actions, res["action"][:40])
    names = list(p["actions"])
    move = float(p["node_spacing"]) * np.array([DIRECTIONS[names[k]] for k in actions], dtype=float)
    # what the modules should be, rebuilt here: the world's modules (its own random stream, seed 1),
    # gain a / (c λ), velocity rotated by minus the module's orientation; dwells of 100 ms after
    # each 400 ms pulse, the first after 500 ms standing still
    world = make_world("grid5x5", GridParams(), np.random.default_rng([1, 31]), 0.1)
    spacing = 0.3 * 1.42 ** np.arange(4)
    np.testing.assert_allclose([m.spacing for m in world.modules], spacing)
    gains = a.lattice_neurons / (a.pattern_speed * spacing)
    rotation = -np.array([m.orientation for m in world.modules])
    ends = 0.5 * np.arange(1, 42) - 0.0005
    t, i = res["spikes_pi_grid_t"], res["spikes_pi_grid_i"]
    modes = res["pi_lattice_modes"]
    ours = graph_path_integration(res)
    for m in range(4):
        sel = res["pi_grid_module"][i] == m
        b = _best_offsets(t[sel], res["pi_sheet_position"][i[sel]], modes, ends - 0.1, ends, nx, ny)
        phi = rotation[m]
        rot = np.array([[math.cos(phi), -math.sin(phi)], [math.sin(phi), math.cos(phi)]])
        predicted = a.pattern_speed * gains[m] * move @ rot.T
        err = np.linalg.norm(_shortest(np.diff(b, axis=0) - predicted, modes), axis=1) / a.lattice_neurons
        # every module follows every action to a fraction of its period (issue 15's target: 0.1;
        # measured 0.022-0.033 RMS on grid10x10, seeds 0-2); the brute-force grid adds up to 0.018 per action
        assert np.sqrt(np.mean(err**2)) < 0.06, (m, err)
        assert np.percentile(err, 90) < 0.1
        # the package's phasor estimate agrees with the brute-force search
        assert abs(ours["rms_step_error"][m] - np.sqrt(np.mean(err**2))) < 0.02
        # a move is a move: the brute-force displacement points along the action's predicted step
        moving = np.linalg.norm(move, axis=1) > 0
        # moves are 1.7-5 neurons, under half the shortest lattice vector (15): the shortest
        # equivalent of the offsets' difference is the move itself
        step = _shortest(np.diff(b, axis=0), modes)[moving]
        along = np.sum(step * predicted[moving], 1) / np.sum(predicted[moving] ** 2, 1)
        assert np.all(along > 0.7) and abs(np.median(along) - 1) < 0.1
    s = res.summary
    assert s["path_integration_model"] == "attractor" and s["path_integration_steps"] == 40
    assert all(e < 0.1 for e in s["path_integration_phase_error_max"])
    assert s["path_integration_empty_windows"] == [0.0, 0.0, 0.0, 0.0]


def test_attractor_grids_take_the_world_modules_orientation_and_spacing():
    """The spatial wave vectors of a sheet whose velocity is rotated by −θ with gain a/(cλ) are the world's."""
    from engramlab.analysis.grid import wave_vectors
    from engramlab.models.grid_attractor import GridAttractorParams, lattice_modes

    a = GridAttractorParams()
    modes = lattice_modes(a)  # sheet wave vectors K_j (rad per neuron)
    for spacing, theta in ((0.3, 0.0), (0.426, 0.3), (0.605, -0.2)):
        gain = a.lattice_neurons / (a.pattern_speed * spacing)
        phi = -theta
        rot = np.array([[math.cos(phi), -math.sin(phi)], [math.sin(phi), math.cos(phi)]])
        # phase of neuron p at displacement x: K·(p − cαR(φ)x), so k = cα R(φ)ᵀ K
        spatial = a.pattern_speed * gain * modes @ rot
        world = wave_vectors(spacing, theta)
        # the same three directions up to sign (a wave vector and its negative are one plane wave)
        for k in spatial:
            assert min(min(np.linalg.norm(k - w), np.linalg.norm(k + w)) for w in world) < 0.02 * np.linalg.norm(k)


def test_action_displacements_are_the_graph_steps():
    from engramlab.models.hippocampal import GridParams
    from engramlab.protocols.navigation import action_displacements
    from engramlab.protocols.worlds import make_world

    world = make_world("grid6x4", GridParams(), np.random.default_rng(2), node_spacing=0.07)
    disp = action_displacements(world)
    expected = 0.07 * np.array([DIRECTIONS[name] for name in world.actions], dtype=float)
    assert disp.shape == (5, 4, 2)
    np.testing.assert_allclose(disp, np.repeat(expected[:, None, :], 4, axis=1), atol=1e-12)


def test_path_integration_settings_are_checked_before_any_simulation():
    from brian2 import ms

    from engramlab.errors import ConfigError
    from engramlab.models.hippocampal import MemoryNeuronParams
    from engramlab.protocols.navigation import NavigationConfig, NavigationGridParams

    assert NavigationConfig(graph="ring30").path_integration_model() == "off"
    assert NavigationConfig(graph="grid5x5").path_integration_model() == "attractor"
    with pytest.raises(ConfigError, match=r"grid\.path_integration.*ring"):
        NavigationConfig(graph="ring30", grid=NavigationGridParams(path_integration="attractor"))
    with pytest.raises(ConfigError, match="target"):
        NavigationConfig(target="numpy")
    with pytest.raises(ConfigError, match=r"node_spacing.*0\.1299"):
        NavigationConfig(node_spacing=0.13)
    with pytest.raises(ConfigError, match=r"grid\.pulse.*multiple of dt"):
        NavigationConfig(grid=NavigationGridParams(pulse=400.5 * ms))
    with pytest.raises(ConfigError, match=r"grid\.pulse.*resolves to 'off'"):
        NavigationConfig(graph="ring30", grid=NavigationGridParams(pulse=200 * ms))
    # off: nothing about the attractor is checked or run
    off = NavigationConfig(target="numpy", grid=NavigationGridParams(path_integration="off"),
                           memory=MemoryNeuronParams(model="ideal"))
    assert off.target == "numpy" and off.path_integration_model() == "off"


def test_ring_and_off_runs_say_why_there_is_no_path_integration():
    from engramlab.analysis.navigation import path_integration_summary

    ring = path_integration_summary(None, "ring30")
    assert "ring" in ring["path_integration_model"] and ring["path_integration_phase_error"] is None
    off = path_integration_summary(None, "grid5x5")
    assert off["path_integration_model"].startswith("off") and off["path_integration_steps"] == 0


@pytest.mark.slow
def test_the_attractor_code_tells_nodes_apart_over_a_short_walk(small_runs):
    """Dwell population vectors: the same node read twice within 10 s looks alike, different nodes do not."""
    from engramlab.analysis.navigation import dwell_population_vectors

    res = small_runs["navigation"]
    vec = dwell_population_vectors(res)
    t, i = res["spikes_pi_grid_t"], res["spikes_pi_grid_i"]
    ends = 0.5 * np.arange(1, 42) - 0.0005
    for neuron in (0, 777, 1599):  # counts by hand, from the dwell times rebuilt from pulse and dwell
        np.testing.assert_array_equal(vec[:, neuron], [np.sum((t[i == neuron] >= e - 0.1) & (t[i == neuron] < e))
                                                       for e in ends])
    nodes = res["node"][:41]
    unit = vec / np.linalg.norm(vec, axis=1, keepdims=True)
    cos = unit @ unit.T
    near = np.abs(np.subtract.outer(np.arange(41), np.arange(41))) <= 20  # within 10 s
    same = (nodes[:, None] == nodes[None, :]) & ~np.eye(41, dtype=bool)
    assert cos[same & near].mean() > 0.6
    assert cos[~same].mean() < 0.3
    s = res.summary
    # over 40 steps the attractor's code serves NumPy attention as well as the ideal code
    assert abs(s["path_integration_attention_accuracy"] - s["path_integration_attention_accuracy_ideal"]) <= 0.05


def test_a_run_on_one_core_equals_the_run_with_a_second_process(small_runs, monkeypatch):
    """On one core (or in a sweep's or Dask's worker) the path integration runs in this process,
    first: the same arrays as the run that simulated it beside the memory, both programs re-used.
    (Run after the memory, it reset the standalone device and the memory's weights could not be
    read: a KeyError, until 2026-12-05.)"""
    import engramlab as el
    from engramlab import beside

    monkeypatch.setattr(beside, "_HERE_ONLY", True)
    here = el.run("navigation", graph="grid5x5", steps=120, environments=2, seed=1, device="cpp_standalone",
                  pool__pool=1024, pool__ensemble=8, grid__path_integration_steps=40)
    ref = small_runs["navigation"]
    assert sorted(here.arrays) == sorted(ref.arrays)
    assert any(k.startswith("pi_") for k in ref.arrays) and "key_weights" in ref.arrays
    for k, v in ref.arrays.items():
        np.testing.assert_array_equal(here.arrays[k], v, err_msg=k)
    assert here.metadata["timings"]["compiled_sources"] == 0
    assert here.metadata["path_integration_timings"]["path_integration"]["compiled_sources"] == 0
