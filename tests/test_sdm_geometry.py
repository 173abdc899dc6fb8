"""SDM geometry against brute-force enumeration, Monte-Carlo sampling and published numbers."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from engramlab.analysis import sdm
from engramlab.errors import ConfigError, ConfigTypeError


def brute_force_intersection(n, d, dv):
    """Count points of {0,1}^n within d of x = 0 and of y (first dv bits set) by enumeration."""
    points = np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.int8)
    y = np.zeros(n, dtype=np.int8)
    y[:dv] = 1
    dist_x = points.sum(1)
    dist_y = (points != y).sum(1)
    return int(np.sum((dist_x <= d) & (dist_y <= d)))


def test_reference_values_n10_d3():
    # docs/equations.md §1.1 / Kanerva 1988 appendix B
    got = sdm.circle_intersection(10, 3, np.arange(8))
    assert [int(v) for v in got] == [176, 92, 92, 50, 50, 20, 20, 0]
    assert isinstance(sdm.circle_intersection(10, 3, 2), int)


@pytest.mark.parametrize("n,d", [(8, 2), (9, 4), (10, 3), (11, 5), (12, 1), (12, 6), (7, 7), (6, 0)])
def test_circle_intersection_equals_enumeration(n, d):
    exact = sdm.circle_intersection(n, d, np.arange(n + 1))
    for dv in range(n + 1):
        assert int(exact[dv]) == brute_force_intersection(n, d, dv), (n, d, dv)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), data=st.data())
def test_intersection_properties(n, data):
    d = data.draw(st.integers(0, n))
    counts = [int(c) for c in sdm.circle_intersection(n, d, np.arange(n + 1))]
    assert counts[0] == sdm.ball_size(n, d) == sum(math.comb(n, i) for i in range(d + 1))
    for k in range(1, n // 2 + 1):
        if 2 * k <= n:
            assert counts[2 * k - 1] == counts[2 * k]  # staircase
    assert all(c == 0 for c in counts[2 * d + 1:])
    assert all(a >= b >= 0 for a, b in itertools.pairwise(counts))  # non-increasing


def log_expected_intersection_gammaln(n, d, dv, r):
    """Independent log-space computation with gammaln/logsumexp (no big integers)."""
    def log_comb(a, b):
        return special.gammaln(a + 1) - special.gammaln(b + 1) - special.gammaln(a - b + 1)
    log_area = special.logsumexp([log_comb(n, i) for i in range(d + 1)])
    js = [j for j in range(1, dv + 1, 2) if d - (j - 1) // 2 >= 0]
    if js:
        log_lune = special.logsumexp([log_comb(j - 1, (j - 1) // 2) + log_comb(n - j, d - (j - 1) // 2)
                                      for j in js])
        log_inter = log_area + np.log1p(-np.exp(log_lune - log_area))
    else:
        log_inter = log_area
    return np.log(r) + log_inter - n * np.log(2.0)


@pytest.mark.parametrize("dv", [0, 1, 10, 101, 500, 1001])
def test_expected_intersection_n10000_is_finite_and_exact(dv):
    n, d, r = 10_000, 4_700, 1e6
    got = sdm.expected_intersection(n, d, dv, r)
    assert np.isfinite(got) and got > 0
    assert np.log(got) == pytest.approx(log_expected_intersection_gammaln(n, d, dv, r), rel=1e-9)


def test_expected_intersection_vectorised_and_huge_r():
    e = sdm.expected_intersection(64, 11, np.arange(30), r=2**64)
    assert e.shape == (30,) and e.dtype == float
    assert e[0] == pytest.approx(sum(math.comb(64, i) for i in range(12)))  # r = 2^n: counts
    assert np.all(e[23:] == 0)
    # Kanerva's classic setting: n = 1000, r = 1e6, d = 451 puts ~1000 neurons in a ball:
    # r · P(Binomial(1000, 1/2) <= 451), independently from SciPy
    assert sdm.expected_intersection(1000, 451, 0, 10**6) == pytest.approx(1e6 * stats.binom.cdf(451, 1000, 0.5),
                                                                           rel=1e-9)


def test_soft_intersection_of_a_hard_ball_is_the_circle_intersection():
    """f = 1[j <= d] gives Kanerva's intersection; a constant f gives r·f² at every distance."""
    n, d, r = 64, 23, 10_000
    dv = np.arange(n + 1)
    hard = sdm.soft_intersection(n, (np.arange(n + 1) <= d).astype(float), dv, r)
    exact = sdm.expected_intersection(n, d, dv, r)
    np.testing.assert_allclose(hard, exact, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sdm.soft_intersection(12, np.full(13, 0.3), dv[:13], r), r * 0.09, rtol=1e-12)


def test_soft_intersection_matches_random_neurons_firing_at_random():
    """Monte-Carlo: neurons fire with probability f(distance), independently for the two inputs."""
    rng = np.random.default_rng(11)
    n, r = 16, 400_000
    f = 1.0 / (1.0 + np.exp(np.arange(n + 1) - 5.5))  # a blurred ball around radius 5
    neurons = rng.integers(0, 2, size=(r, n)).astype(bool)
    x = rng.integers(0, 2, size=n).astype(bool)
    fire_x = rng.random(r) < f[(neurons != x).sum(1)]
    for dv in (0, 3, 7):
        y = x.copy()
        y[rng.choice(n, dv, replace=False)] ^= True
        both = np.sum(fire_x & (rng.random(r) < f[(neurons != y).sum(1)]))  # a fresh draw, even at dv = 0
        expected = sdm.soft_intersection(n, f, dv, r)
        assert abs(both - expected) < 4 * math.sqrt(expected) + 1e-9, (dv, both, expected)


def test_expected_intersection_matches_random_neurons():
    """Monte-Carlo: uniformly random hard locations inside both balls."""
    rng = np.random.default_rng(7)
    n, d, r = 20, 7, 400_000
    neurons = rng.integers(0, 2, size=(r, n)).astype(bool)
    x = rng.integers(0, 2, size=n).astype(bool)
    dist_x = (neurons != x).sum(1)
    for dv in (0, 2, 5, 9, 13):
        y = x.copy()
        y[rng.choice(n, dv, replace=False)] ^= True
        both = np.sum((dist_x <= d) & ((neurons != y).sum(1) <= d))
        expected = sdm.expected_intersection(n, d, dv, r)
        se = math.sqrt(expected * (1 - expected / r))
        assert abs(both - expected) < 4 * se + 1e-9, (dv, both, expected)


def test_ball_fraction_and_inverse():
    n = 64
    ds = np.arange(n + 1)
    np.testing.assert_allclose(sdm.ball_fraction(n, ds), stats.binom.cdf(ds, n, 0.5), rtol=1e-12)
    assert sdm.ball_fraction(1000, 451) == pytest.approx(stats.binom.cdf(451, 1000, 0.5), rel=1e-9)
    for d in range(n + 1):
        p = sdm.ball_fraction(n, d)
        if d > 0 and p == sdm.ball_fraction(n, d - 1):
            continue  # p(62), p(63), p(64) all round to 1.0 for n = 64
        assert sdm.radius_for_fraction(n, p) == d
        if d > 0:
            assert sdm.radius_for_fraction(n, np.nextafter(sdm.ball_fraction(n, d - 1), 1)) == d
    assert sdm.radius_for_fraction(10_000, 0.5) == 5_000  # p(4999) < 1/2 < p(5000)
    assert sdm.ball_fraction(10_000, 5_000) > 0.5 > sdm.ball_fraction(10_000, 4_999)
    # far below the smallest float: p(10) ~ 1e-3000, but its logarithm is exact
    assert sdm.ball_fraction(10_000, 10) == 0.0
    i = np.arange(11)
    log_terms = special.gammaln(10_001) - special.gammaln(i + 1) - special.gammaln(10_001 - i)
    assert sdm.log_ball_fraction(10_000, 10) == pytest.approx(
        special.logsumexp(log_terms) - 10_000 * np.log(2), rel=1e-10)


def test_jaeckel_formula_and_monte_carlo():
    n, k, r = 32, 4, 300_000
    assert sdm.jaeckel_active(k, r) == r / 16
    np.testing.assert_allclose(
        sdm.jaeckel_intersection(n, k, np.arange(n + 1), r),
        [r * 2**-k * math.comb(n - v, k) / math.comb(n, k) for v in range(n + 1)])
    mem = sdm.NeuronSDM.jaeckel(n, r, k, seed=3)
    rng = np.random.default_rng(11)
    x = rng.integers(0, 2, n).astype(bool)
    act_x = mem.active(x)
    assert abs(act_x.sum() - r / 16) < 4 * math.sqrt(r / 16 * 15 / 16)
    for dv in (0, 1, 4, 10, 20):
        y = x.copy()
        y[rng.choice(n, dv, replace=False)] ^= True
        both = np.sum(act_x & mem.active(y))
        expected = sdm.jaeckel_intersection(n, k, dv, r)
        assert abs(both - expected) < 4 * math.sqrt(expected) + 1e-9, (dv, both, expected)


def random_unit(rng, size, n):
    x = rng.standard_normal((size, n))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize("n,d", [(20, 6), (12, 5), (40, 14)])
def test_cap_intersection_matches_random_neurons(n, d):
    rng = np.random.default_rng(n)
    r = 300_000
    neurons = random_unit(rng, r, n)
    c = 1 - 2 * d / n
    a = np.zeros(n)
    a[0] = 1.0
    in_a = neurons @ a >= c
    assert sdm.cap_intersection(n, d, 1.0, r) == pytest.approx(sdm.cap_fraction(n, d) * r)
    for cos_v in (0.9, 0.6, 0.3, 0.0):
        b = np.zeros(n)
        b[0], b[1] = cos_v, math.sqrt(1 - cos_v**2)
        both = np.sum(in_a & (neurons @ b >= c))
        expected = sdm.cap_intersection(n, d, cos_v, r)
        assert abs(both - expected) < 4 * math.sqrt(expected) + 2, (cos_v, both, expected)


def test_cap_fraction_closed_form():
    # Li (2011): cap fraction = 1/2 I_{1-c^2}((n-1)/2, 1/2) for c >= 0.
    for n, d in [(3, 1), (64, 11), (1000, 451)]:
        c = 1 - 2 * d / n
        assert sdm.cap_fraction(n, d) == pytest.approx(0.5 * special.betainc((n - 1) / 2, 0.5, 1 - c * c),
                                                       rel=1e-9)
    # n = 3: Archimedes, the cap area fraction is (1 - c) / 2.
    assert sdm.cap_intersection(3, 0.9, 1.0) == pytest.approx((1 - (1 - 2 * 0.9 / 3)) / 2)


def test_hamming_cosine_round_trip():
    dv = np.arange(65)
    cos = sdm.hamming_to_cosine(dv, 64)
    assert cos[0] == 1 and cos[32] == 0 and cos[64] == -1
    np.testing.assert_allclose(sdm.cosine_to_hamming(cos, 64), dv)
    # the ±1 reading: cos of two {0,1} vectors mapped to ±1 is 1 - 2 H / n
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 2, (2, 64))
    pa, pb = 2 * a - 1, 2 * b - 1
    assert sdm.hamming_to_cosine(int(np.sum(a != b)), 64) == pytest.approx(pa @ pb / 64)


def test_fit_beta_calibration():
    # Bricken & Pehlevan (2021): n = 64, d = 11 gives beta ≈ 15.85 with the published estimator.
    assert sdm.fit_beta(64, 11, estimator="published") == pytest.approx(15.85, abs=0.01)
    # OLS slope of log|∩| on cos over d_v < d, with the intersection counted directly
    dv = np.arange(11)
    counts = [sum(math.comb(int(v), a) * math.comb(64 - int(v), b) for a in range(int(v) + 1)
                  for b in range(65 - int(v)) if a + b <= 11 and int(v) - a + b <= 11) for v in dv]
    slope = np.polyfit(1 - 2 * dv / 64, np.log(np.array(counts, dtype=float)), 1)[0]
    assert sdm.fit_beta(64, 11) == pytest.approx(slope, rel=1e-9)
    # the published estimator is cov(ddof=1) / var(ddof=0): the OLS slope × N/(N − 1), N = 11 points
    assert sdm.fit_beta(64, 11, estimator="published") == pytest.approx(slope * 11 / 10, rel=1e-9)


def test_fit_beta_estimators_against_numpy():
    n, d = 100, 30
    dv = np.arange(d)
    x = 1 - 2 * dv / n
    y = np.log([float(c) for c in sdm.circle_intersection(n, d, dv)])
    slope, intercept = np.polyfit(x, y, 1)
    beta, b0 = sdm.beta_regression(x, np.exp(y), "ols")
    assert beta == pytest.approx(slope) and b0 == pytest.approx(intercept)
    assert sdm.fit_beta(n, d, r=1000, estimator="ols") == pytest.approx(slope)
    pub = np.cov(x, y)[0, 1] / np.var(x)  # cov ddof=1 over var ddof=0
    assert sdm.fit_beta(n, d, estimator="published") == pytest.approx(pub)
    assert pub == pytest.approx(slope * d / (d - 1))


def test_fit_beta_to_weights_recovers_known_beta():
    from engramlab.analysis.attention import softmax
    cos = np.linspace(-0.2, 1, 40)
    for beta in (3.0, 12.3, 25.0):
        w = softmax(cos, beta)
        assert sdm.fit_beta_to_weights(cos, w) == pytest.approx(beta, rel=1e-4)
        assert sdm.fit_beta_to_weights(cos, 7 * w, loss="kl") == pytest.approx(beta, rel=1e-4)


def test_optimal_radius_calibration():
    n, m, r = 64, 1024, 2**64
    assert sdm.optimal_radius(n, m, r, "snr") == 11
    p_star = (2 * m * r) ** (-1 / 3)
    assert sdm.ball_fraction(n, 10) < p_star <= sdm.ball_fraction(n, 11)
    d_mem = sdm.optimal_radius(n, m, r, "memory")
    capacity = sdm.memory_capacity(sdm.ball_fraction(n, np.arange(n + 1)), r, n)
    assert d_mem == int(np.argmax(capacity)) == 5
    # works where 2**n overflows a float
    assert 0 < sdm.optimal_radius(2000, 100, 2**2000) < 1000


@pytest.mark.parametrize("call,name", [
    (lambda: sdm.ball_fraction(10, 11), "d"),
    (lambda: sdm.ball_fraction(-3, 1), "n"),
    (lambda: sdm.radius_for_fraction(10, 0.0), "p"),
    (lambda: sdm.radius_for_fraction(10, 1.5), "p"),
    (lambda: sdm.circle_intersection(10, 12, 1), "d"),
    (lambda: sdm.circle_intersection(10, 3, 11), "dv"),
    (lambda: sdm.circle_intersection(10, 3, [-1, 2]), "dv"),
    (lambda: sdm.expected_intersection(10, 3, 2, r=0), "r"),
    (lambda: sdm.expected_intersection(10, 3, 2, r=-5.0), "r"),
    (lambda: sdm.jaeckel_intersection(10, 11, 2, 100), "k"),
    (lambda: sdm.cap_intersection(64, 65, 0.5), "d"),
    (lambda: sdm.cap_intersection(64, 11, 1.5), "cos_v"),
    (lambda: sdm.fit_beta(64, 0), "d"),
    (lambda: sdm.fit_beta(64, 11, estimator="mle"), "estimator"),
    (lambda: sdm.optimal_radius(64, 0, 100), "m"),
    (lambda: sdm.optimal_radius(64, 10, 100, criterion="best"), "criterion"),
    (lambda: sdm.beta_regression([0, 1], [1, 2, 3]), "same shape"),
    (lambda: sdm.hamming_to_cosine(70, 64), "dv"),
])
def test_bad_inputs_raise_clear_errors(call, name):
    with pytest.raises(ConfigError, match=name) as info:
        call()
    if name.isidentifier():  # an argument name: the error carries it as its key
        assert info.value.key == name


def test_neuron_count_errors_keep_their_wording():
    with pytest.raises(ConfigError, match=r"^r \(number of neurons\) must be > 0, got 0$"):
        sdm.expected_intersection(10, 3, 2, r=0)
    with pytest.raises(ConfigError, match=r"^r \(number of neurons\) must lie in \(0, inf\), got -5\.0$"):
        sdm.expected_intersection(10, 3, 2, r=-5.0)


@pytest.mark.parametrize("call,key", [
    (lambda: sdm.ball_fraction(10.5, 1), "n"),
    (lambda: sdm.ball_size(10, "3"), "d"),
    (lambda: sdm.circle_intersection(10, 3, 2.5), "dv"),
    (lambda: sdm.circle_intersection(10, 3, ["a"]), "dv"),
    (lambda: sdm.expected_intersection(10, 3, 2, r=True), "r"),
    (lambda: sdm.expected_intersection(10, 3, 2, r="many"), "r"),
    (lambda: sdm.radius_for_fraction(10, "half"), "p"),
    (lambda: sdm.hamming_distances([["a", "b"]], [0, 1]), "a"),
])
def test_wrong_types_raise_type_errors(call, key):
    with pytest.raises(ConfigTypeError) as info:
        call()
    assert info.value.key == key and str(info.value).startswith(f"{key} ")


def _shared(n, d, dv):
    """Points within d of both x and y at distance dv, by counting (independent of the lune code)."""
    return sum(math.comb(dv, a) * math.comb(n - dv, b) for a in range(dv + 1) for b in range(n - dv + 1)
               if a + b <= d and dv - a + b <= d)


def test_read_accuracy_and_critical_distance_from_first_principles():
    """Signal w(dq) = r |O ∩ O'| / 2^n against m random patterns' cross-talk m (p²r + (p²r)²)."""
    n, m, r = 24, 6, 3000.0
    for d in (6, 8, 10):
        p = sum(math.comb(n, i) for i in range(d + 1)) / 2**n
        sigma = math.sqrt(m * (p * p * r + (p * p * r) ** 2))
        signal = np.array([r * _shared(n, d, dq) / 2**n for dq in range(n + 1)])
        np.testing.assert_allclose(sdm.read_accuracy(n, d, m, r, np.arange(n + 1)), stats.norm.cdf(signal / sigma),
                                   rtol=1e-9)
        for p_whole in (0.99, 0.95**n):
            z = stats.norm.ppf(p_whole ** (1 / n))
            ok = signal >= z * sigma
            expected = -1 if not ok[0] else int(np.argmin(ok) - 1 if not ok.all() else n)
            assert sdm.critical_distance(n, d, m, r, p_whole) == expected
    # the critical-distance-optimal radius maximises it (ties: larger margin), by brute force
    cds = {d: sdm.critical_distance(n, d, m, r) for d in range(n + 1)}
    best = max(cds.values())
    assert cds[sdm.optimal_radius(n, m, r, "critical_distance")] == best
    assert best >= 1


def test_critical_distance_bounds():
    with pytest.raises(ConfigError, match="n must lie in"):
        sdm.critical_distance(sdm.CRITICAL_MAX_N + 1, 3, 5, 1e4)
    with pytest.raises(ConfigError, match="critical-distance"):
        sdm.optimal_radius(sdm.CRITICAL_MAX_N + 1, 5, 1e4, "critical_distance")
    assert sdm.critical_distance(64, 0, 1000, 100) == -1  # too few neurons per ball: nothing recovered
