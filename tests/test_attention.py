"""Softmax attention and the SDM-as-attention weights."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engramlab.analysis import attention as A
from engramlab.analysis import sdm
from engramlab.errors import ConfigError, ConfigTypeError


@settings(max_examples=50, deadline=None)
@given(arrays(float, st.integers(1, 30), elements=st.floats(-1e3, 1e3)), st.floats(0, 50))
def test_softmax_is_a_distribution(x, beta):
    w = A.softmax(x, beta)
    assert np.all(w >= 0) and w.sum() == pytest.approx(1.0)
    assert np.argmax(w) == np.argmax(x) or np.isclose(w.max(), w[np.argmax(x)])


def test_softmax_stable_and_masked():
    w = A.softmax([1000.0, 1001.0], 1.0)
    np.testing.assert_allclose(w, [1 / (1 + np.e), np.e / (1 + np.e)])
    w = A.softmax([[1.0, 2.0, 3.0]], 1.0, mask=[[True, False, True]])
    np.testing.assert_allclose(w[0], [1 / (1 + np.e**2), 0, np.e**2 / (1 + np.e**2)])
    assert np.all(A.softmax([1.0, 2.0], 1.0, mask=[False, False]) == 0)


def test_causal_attention_equals_explicit_loop():
    rng = np.random.default_rng(0)
    t, dk, dv = 7, 5, 3
    q, k, v = rng.normal(size=(t, dk)), rng.normal(size=(t, dk)), rng.normal(size=(t, dv))
    beta = 1.7
    for include_current in (True, False):
        y, w = A.attention(q, k, v, beta, causal=True, include_current=include_current)
        for i in range(t):
            last = i + 1 if include_current else i
            if last == 0:
                assert np.all(w[i] == 0) and np.all(y[i] == 0)
                continue
            s = np.exp(beta * (k[:last] @ q[i]))
            s /= s.sum()
            np.testing.assert_allclose(w[i, :last], s)
            assert np.all(w[i, last:] == 0)
            np.testing.assert_allclose(y[i], s @ v[:last])


def test_normalized_attention_uses_cosines():
    rng = np.random.default_rng(1)
    q, k, v = rng.normal(size=4), rng.normal(size=(6, 4)), rng.normal(size=(6, 2))
    _, w = A.attention(q, k, v, 3.0, normalize=True)
    cos = k @ q / np.linalg.norm(k, axis=1) / np.linalg.norm(q)
    np.testing.assert_allclose(w, np.exp(3 * cos) / np.exp(3 * cos).sum())


def test_sdm_weights_approximate_softmax_with_fitted_beta():
    rng = np.random.default_rng(3)
    n, d = 64, 11
    beta = sdm.fit_beta(n, d)
    q = rng.integers(0, 2, n).astype(bool)
    # patterns at distances 0..d-1 from the query: the attention-relevant range
    keys = np.array([np.concatenate([~q[:dv], q[dv:]]) for dv in range(d)])
    w_sdm = sdm.sdm_attention_weights(keys, q, d)
    w_soft = sdm.sdm_softmax_weights(keys, q, beta)
    assert w_sdm.sum() == pytest.approx(1) and w_soft.sum() == pytest.approx(1)
    assert A.max_abs_difference(w_sdm, w_soft) < 0.12
    assert A.kl_divergence(w_sdm, w_soft) < 0.05
    # an ordinary SDM read and attention pick the same nearest pattern
    assert np.argmax(w_sdm) == np.argmax(w_soft) == 0


def test_divergences():
    p, q = np.array([0.5, 0.5]), np.array([0.25, 0.75])
    assert A.kl_divergence(p, q) == pytest.approx(0.5 * np.log(2) + 0.5 * np.log(2 / 3))
    assert A.kl_divergence(p, p) == 0
    assert A.kl_divergence([1, 0], [0, 1]) == np.inf
    assert A.max_abs_difference(p, q) == 0.25
    with pytest.raises(ConfigError, match="same shape"):
        A.max_abs_difference([1, 2], [1, 2, 3])
    with pytest.raises(ConfigError, match="non-negative") as info:
        A.kl_divergence([0.5, 0.5], [1.5, -0.5])
    assert info.value.key == "q"


def test_attention_bad_shapes():
    with pytest.raises(ConfigError, match="same number of rows"):
        A.attention(np.ones(3), np.ones((4, 3)), np.ones((5, 2)))
    with pytest.raises(ConfigError, match="query dimension"):
        A.attention(np.ones(2), np.ones((4, 3)), np.ones((4, 2)))
    with pytest.raises(ConfigError, match="beta"):
        A.softmax([1.0], -1.0)
    with pytest.raises(ConfigError, match="zero vector"):
        A.l2_normalize(np.zeros(3))
    with pytest.raises(ConfigError, match="key length"):
        sdm.sdm_softmax_weights(np.zeros((2, 3)), np.zeros(4), 1.0)


def test_attention_wrong_types():
    with pytest.raises(ConfigTypeError, match=r"^beta ") as info:
        A.softmax([1.0], "hot")
    assert info.value.key == "beta"
    with pytest.raises(ConfigTypeError, match=r"^queries "):
        A.attention(["a", "b"], np.ones((4, 2)), np.ones((4, 2)))
    with pytest.raises(ConfigTypeError, match=r"^t "):
        A.causal_mask(2.5)


def _softmax_rows(h, beta):
    from scipy.special import softmax
    return softmax(beta * h, axis=1)


def test_memory_pool_beta_fit_recovers_a_known_beta_from_spike_counts():
    """Counts drawn from softmax(β h) with β = 20: the multinomial fit finds β within 5 %."""
    from engramlab.analysis.memory_pool import fit_beta_multinomial
    rng = np.random.default_rng(4)
    h = rng.uniform(0.3, 1.0, size=(400, 60))
    counts = np.array([rng.multinomial(15, p) for p in _softmax_rows(h, 20.0)]).astype(float)
    assert fit_beta_multinomial(h, counts) == pytest.approx(20.0, rel=0.05)
    # memories that hold nothing (NaN) take no share
    h[:, :10] = np.nan
    counts[:, :10] = 0
    assert np.isfinite(fit_beta_multinomial(h, counts))


def test_memory_pool_calibration_separates_softmax_from_a_wrong_beta():
    """Spikes drawn from the softmax are calibrated (error < 0.02); drawn at β/3 they are not."""
    from engramlab.analysis.memory_pool import calibration_error, multinomial_floor
    rng = np.random.default_rng(5)
    h = rng.uniform(0.3, 1.0, size=(2000, 40))
    w = _softmax_rows(h, 30.0)
    right = np.array([rng.multinomial(20, p) / 20 for p in w])
    wrong = np.array([rng.multinomial(20, p) / 20 for p in _softmax_rows(h, 10.0)])
    assert calibration_error(right, w) < 0.02
    assert calibration_error(wrong, w) > 0.1
    # the sampling floor is the per-step error of exactly such draws
    per_step = np.mean(np.max(np.abs(right - w), axis=1))
    assert multinomial_floor(w, np.full(len(w), 20)) == pytest.approx(per_step, rel=0.05)


def test_output_scale_errors_see_the_total_that_shares_divide_away():
    """Counts read through one gain: a normalised circuit scores 0, one whose total follows the load does not.

    Both circuits below have exactly the softmax's shares on every step, so their share error is 0;
    only the second one's total spike count doubles on the held-out steps.
    """
    from engramlab.analysis.memory_pool import output_scale_errors
    rng = np.random.default_rng(6)
    h = rng.uniform(0.3, 1.0, size=(40, 12))
    w = _softmax_rows(h, 25.0)
    fit, test = np.arange(0, 40, 2), np.arange(1, 40, 2)
    normalised = 30.0 * w
    gain, err, total = output_scale_errors(normalised, w[test], test, fit)
    assert gain == pytest.approx(30.0)
    assert err == pytest.approx(0.0, abs=1e-12) and total == pytest.approx(0.0, abs=1e-12)
    growing = normalised.copy()
    growing[test] *= 2.0  # held-out steps fire twice the fit steps' total
    gain, err, total = output_scale_errors(growing, w[test], test, fit)
    assert gain == pytest.approx(30.0) and total == pytest.approx(1.0)
    assert err == pytest.approx(np.mean(w[test].max(1)))  # 2a − a on each step's largest weight
    assert np.isnan(output_scale_errors(normalised, w[:0], test[:0], fit)[1])


def test_eligibility_traces_from_spikes_match_the_definition():
    from engramlab.analysis.memory_pool import eligibility_at, stored_writes
    t = np.array([0.0, 0.05, 0.1, 0.1, 0.3])
    i = np.array([0, 1, 0, 0, 1])
    e = eligibility_at(t, i, 2, np.array([0.1, 0.4]), tau=0.1)
    # at 0.1 s the spikes at 0.1 s have not happened yet (t_s < T)
    assert e[0] == pytest.approx([np.exp(-1.0), np.exp(-0.5)])
    assert e[1] == pytest.approx([np.exp(-4.0) + 2 * np.exp(-3.0), np.exp(-3.5) + np.exp(-1.0)])
    # writes 0, 1, 2, 3 into memories 0, 1, 0, −1: the stored write of each memory before each step
    held = stored_writes(np.array([0, 1, 0, -1]), 2)
    assert held.tolist() == [[-1, -1], [0, -1], [0, 1], [2, 1]]


def test_held_memory_attention_is_softmax_over_the_memories_held():
    """Against a hand computation: writes 0, 1, 2 into memories 0, 1, 0 (memory 0 recycled)."""
    from engramlab.analysis.memory_pool import held_memory_attention
    inputs = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 3.0], [1.0, 1.0]])
    keys = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 2.0], [5.0, 5.0]])
    values = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [9.0, 9.0, 9.0]])
    out = held_memory_attention(inputs, keys, values, np.array([0, 1, 0, -1]), 2, beta=4.0)
    assert np.all(out[0] == 0)                      # nothing held before the first write
    assert out[1] == pytest.approx(values[0])       # only write 0 is held: its value, whatever h
    # step 2 holds writes 0 and 1; cosines of query (1, 1)/√2 with keys (1, 0) and (0, 1)
    c = 1 / np.sqrt(2)
    assert out[2] == pytest.approx((values[0] + values[1]) / 2)
    # step 3: write 2 replaced write 0 in memory 0; query (1, 1)/√2, keys (1, 2)/√5 and (0, 1)
    h2, h1 = 3 / np.sqrt(10), c
    e2, e1 = np.exp(4 * h2), np.exp(4 * h1)
    assert out[3] == pytest.approx((e2 * values[2] + e1 * values[1]) / (e2 + e1))
