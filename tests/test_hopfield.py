"""Classic and modern Hopfield memories and the memory-neuron network."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engramlab.analysis import hopfield as H
from engramlab.errors import ConfigError, ConfigTypeError


def test_hebbian_weights_and_stable_patterns():
    x = H.random_patterns(5, 200, seed=0)
    w = H.hebbian_weights(x)
    np.testing.assert_allclose(w, w.T)
    assert np.all(np.diag(w) == 0)
    np.testing.assert_allclose(w[3, 7], np.sum(x[:, 3] * x[:, 7]) / 200)
    # at load 0.025 every stored pattern is a fixed point of both dynamics
    np.testing.assert_array_equal(H.update_synchronous(w, x), x)
    state, sweeps, converged = H.classic_recall(w, x, seed=1)
    assert converged and sweeps == 1
    np.testing.assert_array_equal(state, x)


def test_classic_pattern_completion_at_low_load():
    x = H.random_patterns(10, 300, seed=2)
    cues = H.corrupt(x, 0.2, seed=3)
    assert np.all(H.overlap(x, cues) == pytest.approx(0.6))
    final, _, converged = H.classic_recall(H.hebbian_weights(x), cues, seed=4)
    assert converged and np.all(H.overlap(x, final) == 1.0)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 25), st.integers(5, 60))
def test_energy_never_increases_under_asynchronous_updates(seed, p, n):
    rng = np.random.default_rng(seed)
    w = H.hebbian_weights(H.random_patterns(p, n, rng))
    s = H.random_patterns(1, n, rng)[0]
    e = H.energy(w, s)
    for _ in range(5):
        s = H.update_asynchronous(w, s, rng)
        e_new = H.energy(w, s)
        assert e_new <= e + 1e-12
        e = e_new


def test_memory_neurons_equal_the_modern_update():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(30, 16))
    v = rng.normal(size=(4, 16))
    for beta in (0.1, 1.0, 8.0):
        np.testing.assert_allclose(H.memory_neuron_update(x, v, beta), H.modern_update(x, v, beta))
        ref = np.array([x.T @ (np.exp(beta * x @ vi) / np.exp(beta * x @ vi).sum()) for vi in v])
        np.testing.assert_allclose(H.modern_update(x, v, beta), ref)


def test_memory_neuron_dynamics_settle_at_the_modern_fixed_point():
    rng = np.random.default_rng(6)
    x = H.random_patterns(12, 40, rng) / np.sqrt(40)  # unit-norm patterns
    cue = x[3] + 0.3 * rng.normal(size=40) / np.sqrt(40)
    beta = 8.0
    traj = H.memory_neuron_dynamics(x, cue, beta, tau_feature=1.0, tau_memory=0.05, dt=0.01,
                                    duration=25.0)
    fixed, _, converged = H.modern_recall(x, cue, beta, max_steps=500, tol=1e-12)
    assert converged
    np.testing.assert_allclose(traj.features[-1], fixed, atol=1e-6)
    assert np.all(np.diff(traj.energy) <= 1e-9)  # Lyapunov function (Krotov & Hopfield 2021)
    np.testing.assert_allclose(traj.memory_rates.sum(1), 1.0)  # divisive normalisation


def test_modern_energy_decreases_and_retrieves():
    x = H.random_patterns(2000, 100, seed=7)
    cue = H.corrupt(x[11], 0.2, seed=8)
    beta = 0.5
    new = H.modern_update(x, cue, beta)
    assert H.modern_energy(x, new, beta) <= H.modern_energy(x, cue, beta)
    assert H.overlap(x[11], np.sign(new)) == 1.0  # 20 N patterns, one step


def test_capacity_transition_classic_vs_modern():
    loads = [0.05, 0.08, 0.1, 0.12, 0.14, 0.16, 0.18, 0.2, 0.25]
    classic = H.capacity_curve(200, loads, "classic", trials=6, cue_flip=0.05, seed=0)
    assert np.all(classic.mean_overlap[:3] > 0.95)
    assert np.all(classic.mean_overlap[-2:] < 0.8)
    cap = H.first_load_below(classic)
    # 0.138 N for N -> inf (Amit et al. 1985); finite N = 200 sits slightly above
    assert 0.12 <= cap <= 0.19
    modern = H.capacity_curve(200, [1, 5, 10], "modern", trials=1, seed=1)
    assert np.all(modern.mean_overlap > 0.99)


def test_bad_inputs():
    with pytest.raises(ConfigError, match="-1 and \\+1"):
        H.hebbian_weights([[0, 1], [1, 1]])
    w = H.hebbian_weights(H.random_patterns(2, 10, seed=0))
    with pytest.raises(ConfigError, match="network size"):
        H.energy(w, np.ones(9))
    with pytest.raises(ConfigError, match="loads"):
        H.capacity_curve(50, [0.1, -1])
    with pytest.raises(ConfigError, match="cue_flip"):
        H.capacity_curve(50, [0.1], cue_flip=0.6)
    with pytest.raises(ConfigError, match=r"cue_flip must lie in \[0, 0\.5\)"):
        H.capacity_curve(50, [0.1], cue_flip=0.5)  # the upper bound is open
    with pytest.raises(ConfigError, match="dt"):
        H.memory_neuron_dynamics(np.ones((2, 3)), np.ones(3), 1.0, tau_memory=0.01, dt=0.1)
    with pytest.raises(ConfigError, match=r"^cue length 4") as info:
        H.modern_recall(np.ones((2, 3)), np.ones(4), 1.0)
    assert info.value.key == "cue"


def test_wrong_types_raise_type_errors():
    with pytest.raises(ConfigTypeError, match=r"^p "):
        H.random_patterns(2.5, 10)
    with pytest.raises(ConfigTypeError, match=r"^flip_fraction "):
        H.corrupt(H.random_patterns(2, 10, seed=0), "0.1")
    with pytest.raises(ConfigTypeError, match=r"^patterns "):
        H.hebbian_weights([["a", "b"], ["c", "d"]])
    with pytest.raises(ConfigTypeError, match=r"^seed "):
        H.random_patterns(2, 10, seed="zero")
