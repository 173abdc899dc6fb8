"""The neuron-based and pattern-based reference SDMs."""

import numpy as np
import pytest

from engramlab.analysis import sdm


def random_bits(rng, shape):
    return rng.integers(0, 2, size=shape).astype(bool)


def flip(rng, x, k):
    y = x.copy()
    y[rng.choice(x.size, k, replace=False)] ^= True
    return y


def test_counters_equal_bipolar_sum_over_writes():
    rng = np.random.default_rng(0)
    mem = sdm.NeuronSDM.random(32, 500, value_dim=8, radius=12, seed=1)
    addresses, values = random_bits(rng, (10, 32)), random_bits(rng, (10, 8))
    expected = np.zeros((500, 8), dtype=np.int64)
    for a, v in zip(addresses, values, strict=True):
        act = mem.write(a, v)
        dist = (mem.addresses != a).sum(1)
        np.testing.assert_array_equal(act, dist <= 12)
        expected[act] += np.where(v, 1, -1)
    np.testing.assert_array_equal(mem.counters, expected)
    assert mem.writes == 10
    q = addresses[3]
    np.testing.assert_array_equal(mem.read_sum(q), expected[(mem.addresses != q).sum(1) <= 12].sum(0))


def test_autoassociative_recall_from_noisy_queries():
    rng = np.random.default_rng(2)
    n, r, m = 64, 20_000, 20
    d = sdm.optimal_radius(n, m, r)
    mem = sdm.NeuronSDM.random(n, r, radius=d, seed=3)
    patterns = random_bits(rng, (m, n))
    for p in patterns:
        mem.write(p, p)
    correct = []
    for p in patterns:
        out, steps, _ = mem.iterate(flip(rng, p, 5))
        correct.append(np.mean(out == p))
        assert steps >= 1
    assert np.mean(correct) > 0.99


def test_top_k_activation_and_ties():
    mem = sdm.NeuronSDM.random(16, 300, radius=None, top_k=25, seed=4)
    x = np.zeros(16, dtype=bool)
    act = mem.active(x)
    assert act.sum() == 25
    dist = mem.distances(x)
    assert dist[act].max() <= dist[~act].min()
    batch = mem.active(np.stack([x, ~x]))
    assert batch.shape == (2, 300) and np.all(batch.sum(1) == 25)


def test_same_seed_same_locations_different_seed_different():
    a = sdm.NeuronSDM.random(64, 100, radius=20, seed=5)
    b = sdm.NeuronSDM.random(64, 100, radius=20, seed=5)
    c = sdm.NeuronSDM.random(64, 100, radius=20, seed=6)
    np.testing.assert_array_equal(a.addresses, b.addresses)
    assert not np.array_equal(a.addresses, c.addresses)


def test_pattern_read_agrees_with_neuron_read_for_many_neurons():
    """With many neurons the neuron SDM's read converges to the pattern (expected) view."""
    rng = np.random.default_rng(8)
    n, r, m, d = 64, 60_000, 15, 22
    mem = sdm.NeuronSDM.random(n, r, value_dim=n, radius=d, seed=9)
    keys, vals = random_bits(rng, (m, n)), random_bits(rng, (m, n))
    for k, v in zip(keys, vals, strict=True):
        mem.write(k, v)
    agree, pattern_correct = [], []
    for k, v in zip(keys, vals, strict=True):
        q = flip(rng, k, 4)
        view = sdm.pattern_read(keys, vals, q, d, r)
        agree.append(np.mean(mem.read(q) == view))
        pattern_correct.append(np.mean(view == v))
    assert np.mean(pattern_correct) > 0.95
    assert np.mean(agree) > 0.97


def test_pattern_weights_are_the_expected_intersection():
    rng = np.random.default_rng(1)
    keys = random_bits(rng, (6, 30))
    q = random_bits(rng, 30)
    w = sdm.pattern_weights(keys, q, 10, 1000)
    dv = (keys != q).sum(1)
    np.testing.assert_allclose(w, [sdm.expected_intersection(30, 10, int(v), 1000) for v in dv])
    far = np.ones((1, 30), dtype=bool)
    assert not sdm.pattern_read(far, far, np.zeros(30, dtype=bool), 2).any()  # nothing within 2d


def test_jaeckel_memory_is_radius_zero_over_selected_coordinates():
    mem = sdm.NeuronSDM.jaeckel(20, 1000, 3, seed=0)
    assert np.all(mem.selected.sum(1) == 3)
    x = np.random.default_rng(0).integers(0, 2, 20).astype(bool)
    manual = np.all((mem.addresses == x) | ~mem.selected, axis=1)
    np.testing.assert_array_equal(mem.active(x), manual)


@pytest.mark.parametrize("kwargs,name", [
    (dict(radius=None, top_k=None), "radius"),
    (dict(radius=3, top_k=4), "radius"),
    (dict(radius=40), "radius"),
    (dict(top_k=0), "top_k"),
])
def test_neuron_sdm_bad_config(kwargs, name):
    with pytest.raises(ValueError, match=name):
        sdm.NeuronSDM(np.zeros((10, 32), dtype=bool), 32, **kwargs)


def test_neuron_sdm_bad_shapes():
    mem = sdm.NeuronSDM.random(32, 50, value_dim=4, radius=10, seed=0)
    with pytest.raises(ValueError, match="input length"):
        mem.write(np.zeros(31, dtype=bool), np.zeros(4, dtype=bool))
    with pytest.raises(ValueError, match="value"):
        mem.write(np.zeros(32, dtype=bool), np.zeros(5, dtype=bool))
    with pytest.raises(ValueError, match="0 and 1"):
        mem.read(np.full(32, 2))
    with pytest.raises(ValueError, match="auto-associative"):
        mem.iterate(np.zeros(32, dtype=bool))
