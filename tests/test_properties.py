"""Property-based tests (hypothesis) over the whole equations layer and over config parsing.

Whatever the arguments — out of range, NaN, infinite, huge, of the wrong type — every public
function of ``engramlab.analysis`` either returns finite numbers (no NaN) or raises one of
engramlab's own errors (``ConfigError``/``ConfigTypeError``) naming the argument; never another
exception type, and never with unbounded time or memory.
"""

import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engramlab.analysis import attention, grid, hopfield, sdm, spikes
from engramlab.config import apply_mapping, parse_set
from engramlab.errors import EngramlabError

PEAK_BYTES = 512 * 2**20   # no single call may hold more than this (time: benchmarks/, and pytest-timeout for hangs)

# ----------------------------------------------------------------------------------------------
# argument strategies: mostly plausible values, often hostile ones
# ----------------------------------------------------------------------------------------------

junk = st.one_of(st.none(), st.text(max_size=4), st.booleans(), st.just([]), st.just({"a": 1}))
ints = st.one_of(st.integers(-3, 70), st.integers(-10**15, 10**15), st.sampled_from([2**64, 10**7, 4097]))
floats = st.one_of(st.floats(-5, 5), st.floats(allow_nan=True, allow_infinity=True), st.integers(-3, 100))
neurons = st.one_of(st.none(), st.integers(-5, 10**7), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([2**64, 2**1100, 1e300]))
int_arg = st.one_of(ints, ints, ints, floats, junk)
#: sizes of what a function allocates: small, or so large that it must refuse them up front
sizes = st.one_of(st.integers(-3, 3000), st.integers(10**12, 10**15), floats, junk)
float_arg = st.one_of(floats, floats, floats, ints, junk)


def arrays(shape_max=6, elements=None, ndim=(1, 2)):
    elements = elements if elements is not None else st.floats(-3, 3)
    return st.integers(*ndim).flatmap(
        lambda nd: st.lists(st.integers(0, shape_max), min_size=nd, max_size=nd).flatmap(
            lambda shape: st.lists(elements, min_size=int(np.prod(shape)), max_size=int(np.prod(shape))).map(
                lambda xs: np.array(xs, dtype=float).reshape(shape))))


hostile = st.one_of(st.floats(-3, 3), st.floats(allow_nan=True, allow_infinity=True))
array_arg = st.one_of(arrays(), arrays(elements=hostile), arrays(elements=st.sampled_from([0.0, 1.0])),
                      arrays(elements=st.sampled_from([-1.0, 1.0])), junk)
bits = st.integers(1, 12).flatmap(lambda n: st.tuples(
    arrays(elements=st.sampled_from([0.0, 1.0]), ndim=(2, 2)), st.just(n)))


def _finite(value):
    """True when every number in ``value`` (arrays, tuples, dataclasses) is free of NaN."""
    if isinstance(value, float | np.floating):
        return not np.isnan(value)
    if isinstance(value, np.ndarray):
        return value.dtype == object or value.dtype.kind not in "fc" or not np.any(np.isnan(value))
    if isinstance(value, list | tuple):
        return all(_finite(v) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        return all(_finite(getattr(value, f)) for f in value.__dataclass_fields__)
    return True


#: functions whose documented result is NaN where a quantity is undefined (unvisited bins of a
#: rate map, shifts without overlap, a train with no spike before the input, no peak ring)
NAN_MEANS_UNDEFINED = {"rate_map", "autocorrelogram", "gridness", "gridness_expanding", "grid_spacing_orientation",
                       "phase_shift"}


def check(f, *args, **kwargs):
    """Call ``f``: engramlab errors are fine, anything else fails; the result has no NaN; memory bounded."""
    tracemalloc.start()
    try:
        out = f(*args, **kwargs)
    except EngramlabError:
        return None
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < PEAK_BYTES, f"{f.__name__} held {peak / 2**20:.0f} MB"
    assert f.__name__ in NAN_MEANS_UNDEFINED or _finite(out), f"{f.__name__} returned NaN: {out!r}"
    return out


FAST = settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.data_too_large])

# ----------------------------------------------------------------------------------------------
# SDM geometry, continuous SDM, β, radii, memories
# ----------------------------------------------------------------------------------------------


@FAST
@given(int_arg, st.one_of(int_arg, array_arg))
def test_ball_functions(n, d):
    check(sdm.ball_fraction, n, d)
    check(sdm.ball_size, n, d)
    check(sdm.log_ball_fraction, n, d)


@FAST
@given(int_arg, float_arg)
def test_radius_for_fraction(n, p):
    check(sdm.radius_for_fraction, n, p)


@FAST
@given(int_arg, int_arg, st.one_of(int_arg, array_arg), neurons)
def test_intersections(n, d, dv, r):
    check(sdm.circle_intersection, n, d, dv)
    check(sdm.expected_intersection, n, d, dv, r)
    check(sdm.jaeckel_intersection, n, d, dv, r)
    check(sdm.jaeckel_active, d, r)
    if isinstance(n, int) and 1 <= n <= 300:
        check(sdm.soft_intersection, n, np.linspace(1.0, 0.0, n + 1), dv, r)


@FAST
@given(st.integers(-2, 40), st.one_of(array_arg, float_arg), st.one_of(int_arg, array_arg))
def test_soft_intersection(n, f, dv):
    check(sdm.soft_intersection, n, f, dv, 100)


@FAST
@given(int_arg, float_arg, st.one_of(float_arg, array_arg), neurons)
def test_caps(n, d, cos, r):
    check(sdm.cap_fraction, n, d)
    check(sdm.cap_intersection, n, d, cos, r)


@FAST
@given(st.one_of(array_arg, float_arg), int_arg)
def test_cosine_hamming(x, n):
    check(sdm.hamming_to_cosine, x, n)
    check(sdm.cosine_to_hamming, x, n)


@FAST
@given(array_arg, array_arg, st.sampled_from(["ols", "published", "bogus"]), st.sampled_from(["l2", "kl", "x"]),
       float_arg)
def test_beta_fits(x, y, estimator, loss, beta_max):
    check(sdm.beta_regression, x, y, estimator)
    check(sdm.fit_beta_to_weights, x, y, loss, beta_max)


@FAST
@given(int_arg, int_arg, neurons, st.sampled_from(["ols", "published"]), st.one_of(st.none(), int_arg))
def test_fit_beta(n, d, r, estimator, dv_max):
    check(sdm.fit_beta, n, d, r, estimator, dv_max)


@FAST
@given(int_arg, int_arg, neurons, st.sampled_from(["snr", "memory", "critical_distance", "x"]), float_arg)
def test_radii(n, m, r, criterion, p_whole):
    check(sdm.optimal_radius, n, m, r, criterion, p_whole)
    check(sdm.critical_distance, n, m, m, r, p_whole)
    check(sdm.read_accuracy, n, m, m, r, np.array([0, 1]))
    check(sdm.snr_optimal_fraction, m, r)
    check(sdm.memory_capacity, np.array([0.001, 0.01]), r, n, p_whole)


@FAST
@given(st.one_of(array_arg, float_arg), neurons, int_arg, float_arg)
def test_log_memory_capacity(log_p, r, n, p_whole):
    check(sdm.log_memory_capacity, log_p, r, n, p_whole)


@FAST
@given(bits, array_arg, int_arg, neurons)
def test_memories(keys_n, query, d, r):
    keys, _ = keys_n
    check(sdm.hamming_distances, keys, query)
    check(sdm.pattern_weights, keys, query, d, r)
    check(sdm.sdm_attention_weights, keys, query, d, r)
    check(sdm.pattern_read, keys, keys, query, d, r)
    check(sdm.sdm_softmax_weights, keys, query, d)
    check(sdm.NeuronSDM, keys.astype(bool) if keys.ndim == 2 else keys, 3, d)


# ----------------------------------------------------------------------------------------------
# attention, Hopfield, grid codes, spike statistics
# ----------------------------------------------------------------------------------------------


@FAST
@given(array_arg, float_arg, st.one_of(st.none(), array_arg))
def test_softmax_and_friends(x, beta, mask):
    check(attention.softmax, x, beta, -1, mask)
    check(attention.l2_normalize, x)
    check(attention.kl_divergence, x, x)
    check(attention.max_abs_difference, x, x)


@FAST
@given(array_arg, array_arg, array_arg, float_arg, st.booleans())
def test_attention(q, k, v, beta, causal):
    check(attention.attention, q, k, v, beta, causal)


@FAST
@given(sizes, sizes)
def test_causal_mask(t, s):
    check(attention.causal_mask, t, s)


@FAST
@given(array_arg, array_arg, float_arg, int_arg)
def test_hopfield(patterns, state, beta, seed):
    check(hopfield.hebbian_weights, patterns)
    check(hopfield.energy, patterns, state)
    check(hopfield.update_synchronous, patterns, state)
    check(hopfield.update_asynchronous, patterns, state, 0)
    check(hopfield.classic_recall, patterns, state, "sync", 5)
    check(hopfield.overlap, patterns, state)
    check(hopfield.modern_update, patterns, state, beta)
    check(hopfield.modern_energy, patterns, state, beta)
    check(hopfield.modern_recall, patterns, state, beta, 5)
    check(hopfield.memory_neuron_update, patterns, state, beta)
    check(hopfield.corrupt, state, beta, 0)
    check(hopfield.dale_limit_weights, patterns)


#: durations and steps: a few steps, or so many that the integration must refuse them up front
times = st.one_of(st.sampled_from([0.05, 0.2, 1.0, 1e9, 1e300, 0.0, -1.0]), st.floats(allow_nan=True,
                                                                                       allow_infinity=True), junk)
steps = st.one_of(st.sampled_from([0.01, 0.05, 1e-12, 0.0, -0.01]), st.floats(allow_nan=True, allow_infinity=True),
                  junk)


def _network(elements):
    """(patterns, cue, drive) of matching shapes (P, N), (N,), (P,)."""
    return st.tuples(st.integers(1, 4), st.integers(1, 5)).flatmap(lambda pn: st.tuples(
        st.lists(elements, min_size=pn[0] * pn[1], max_size=pn[0] * pn[1]).map(lambda xs: np.reshape(xs, pn)),
        st.lists(elements, min_size=pn[1], max_size=pn[1]).map(np.array),
        st.lists(elements, min_size=pn[0], max_size=pn[0]).map(np.array)))


#: half the draws a valid network and integration (so the numbers are checked), half anything at all
memory_network = st.one_of(
    st.tuples(_network(st.floats(-3, 3)), st.floats(0.1, 50), st.sampled_from([0.05, 1.0]),
              st.sampled_from([0.05, 1.0]), st.sampled_from([0.01, 0.005]), st.sampled_from([0.05, 0.5])),
    st.tuples(st.one_of(_network(hostile), st.tuples(array_arg, array_arg, array_arg)), float_arg, times, times,
              steps, times))


@FAST
@given(memory_network)
def test_memory_neuron_network(args):
    (patterns, cue, drive), beta, tau_feature, tau_memory, dt, duration = args
    check(hopfield.memory_neuron_energy, patterns, cue, drive, beta)
    check(hopfield.memory_neuron_dynamics, patterns, cue, beta, tau_feature, tau_memory, dt, duration)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(st.one_of(
    st.tuples(st.integers(2, 30), st.integers(1, 2), st.floats(0, 0.4), st.integers(0, 3),
              st.lists(st.floats(0.05, 0.5), min_size=1, max_size=2), st.floats(0, 1)),
    st.tuples(st.one_of(st.integers(-3, 30), st.integers(10**6, 10**15), junk), st.one_of(st.integers(-1, 2), junk),
              st.one_of(st.floats(-1, 2), st.floats(allow_nan=True), junk), st.one_of(st.integers(-1, 3), junk),
              st.lists(st.one_of(st.floats(-1, 1), st.floats(allow_nan=True, allow_infinity=True), junk),
                       max_size=2), st.one_of(float_arg, junk))))
def test_hopfield_capacity_and_its_reading(args):
    n, trials, cue_flip, seed, loads, threshold = args
    from engramlab.analysis import theory
    out = check(theory.hopfield_capacity, n, trials, cue_flip, seed, tuple(loads), tuple(loads))
    if out is not None:
        check(hopfield.first_load_below, out[0], threshold)
    check(hopfield.first_load_below, loads, threshold)   # not a curve: a type error naming the argument


@FAST
@given(sizes, sizes, int_arg)
def test_hopfield_sizes(p, n, seed):
    check(hopfield.random_patterns, p, n, seed if isinstance(seed, int) and seed >= 0 else None)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(st.one_of(st.integers(-3, 150), st.integers(10**6, 10**15), junk),
       st.lists(st.one_of(st.floats(-1, 3), st.floats(allow_nan=True, allow_infinity=True), junk), max_size=3),
       st.sampled_from(["classic", "modern", "x"]), st.one_of(st.integers(-1, 2), junk))
def test_capacity_curve(n, loads, model, trials):
    # the experiment's cost grows with its (legitimate) size: sizes here are small, or huge
    check(hopfield.capacity_curve, n, loads, model, trials, 0.05, None, 3)


@FAST
@given(float_arg, float_arg, array_arg)
def test_grid_codes(spacing, orientation, positions):
    check(grid.wave_vectors, spacing, orientation)
    module = check(grid.draw_modules, [spacing], 4, 0.3, np.random.default_rng(0))
    if module:
        check(grid.grid_rates, module[0], positions)
        check(grid.module_code, module[0], positions)
        check(grid.action_matrix, module, positions)


@FAST
@given(array_arg, float_arg)
def test_grid_maps(rm, bin_size):
    ac = check(grid.autocorrelogram, rm)
    if ac is not None:
        check(grid.gridness, ac, bin_size)
        check(grid.gridness_expanding, ac, bin_size)
        check(grid.grid_spacing_orientation, ac, bin_size)


@FAST
@given(array_arg, array_arg, float_arg, float_arg, float_arg)
def test_rate_map(pos, spike_pos, dt, box, bin_size):
    check(grid.rate_map, pos, spike_pos, dt, box, bin_size)


@FAST
@given(array_arg, array_arg, array_arg, float_arg, sizes)
def test_spike_statistics(t, i, starts, width, n):
    check(spikes.counts_per_window, t, i, starts, width, n)
    check(spikes.spike_trains, t, i, n)
    check(spikes.step_counts, t, i, width, n, n)
    check(spikes.population_counts, t, starts, i)
    check(spikes.counts_between, t, starts, i)


#: spike trains: sorted times in [0, 1] s (firing), or anything at all
firing = st.lists(st.lists(st.floats(0, 1), min_size=2, max_size=12).map(lambda xs: np.sort(np.array(xs))),
                  min_size=1, max_size=3)


@FAST
@given(st.one_of(
    st.tuples(firing, st.floats(-0.5, 0.5), st.floats(0.5, 2), st.sampled_from([1e-4, 1e-3]),
              st.sampled_from([0.01, 0.1, 1e308, 1e-300, 5e-324])),
    st.tuples(st.one_of(st.lists(array_arg, max_size=3), array_arg, junk), float_arg, float_arg, float_arg,
              float_arg)))
def test_tonic_firing(args):
    trains, t_from, t_to, dt, period = args
    check(spikes.tonic_period, trains, t_from, t_to, dt)
    train = trains[0] if isinstance(trains, list) and trains else trains
    if isinstance(train, np.ndarray) and train.ndim == 1:
        train = np.sort(train)
    check(spikes.phase_shift, train, t_from, t_to, period)


# ----------------------------------------------------------------------------------------------
# config parsing
# ----------------------------------------------------------------------------------------------

keys = st.sampled_from(["r", "n", "d", "scheme", "granule.tau_exc", "granule", "mossy.background_rate",
                        "plasticity.ltd_ltp_ratio", "protocol.patterns", "nope", "granule.nope", "a.b.c",
                        "top_k", "seed", "slot", "threads", "device"])
raw_values = st.one_of(st.sampled_from(["5", "-1", "nan", "inf", "1e400", "2^64", '"6 ms"', "6 ms", '"x"',
                                        "[1, 2]", "true", "{a = 1}", "", "=", "0.1 ms", '"-3 Hz"', '"nan ms"']),
                       st.text(max_size=8))


PROTOCOL_KEYS = {
    "eyeblink": ["trials", "isi", "protocol.isi", "cs_lines", "cs_lines.tone", "plasticity.a_plus", "n_dcn", "m",
                 "recovery", "cs_onset", "trial_period", "probe_every", "ubc.tau_min", "olive.w_spont"],
    "associative": ["trials", "reversal_trials", "cs_lines", "r", "isi", "seed", "nuclei.w_pc"],
    "navigation": ["graph", "steps", "environments", "lec_active", "lec_size", "memory.beta", "grid.modules",
                   "dt", "straight_bias", "protocol.steps", "grid.pulse", "grid.path_integration", "node_spacing",
                   "grid.attractor.recorded"],
    "foraging": ["duration", "box", "speed_mean", "grid.spacing", "place.eta", "trajectory_dt", "dt"],
    "pattern-completion": ["n", "loads", "trials", "cues", "cue_flip", "model", "units.dt", "units.readout",
                           "units.settle", "dale.readout", "dale.signal"],
}


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.tuples(keys, raw_values), max_size=4))
def test_config_parsing_only_raises_engramlab_errors(pairs):
    from engramlab import api
    items = [f"{k}={v}" for k, v in pairs]
    try:
        api.plan("sdm", parse_set(items))
    except EngramlabError:
        pass


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.sampled_from(sorted(PROTOCOL_KEYS)).flatmap(
    lambda name: st.tuples(st.just(name), st.lists(st.tuples(st.sampled_from(PROTOCOL_KEYS[name]), raw_values),
                                                   max_size=4))), st.booleans())
def test_every_protocols_settings_only_raise_engramlab_errors(name_pairs, quick):
    from engramlab import api
    name, pairs = name_pairs
    try:
        api.plan(name, parse_set([f"{k}={v}" for k, v in pairs]), quick=quick)
    except EngramlabError:
        pass


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.text(max_size=12), max_size=3))
def test_sweep_parameter_parsing_only_raises_engramlab_errors(specs):
    from engramlab.sweep import parse_params, plan_sweep
    try:
        plan_sweep("pattern-completion", parse_params(specs), 1, True)
    except EngramlabError:
        pass


@settings(max_examples=100, deadline=None, derandomize=True)
@given(int_arg, int_arg, neurons, int_arg)
def test_theory(n, d, r, m):
    from engramlab.analysis import theory
    check(theory.sdm_theory, n, d, r, m)
    check(theory.sdm_attention_comparison, n, d)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.dictionaries(st.sampled_from(["r", "n", "scheme", "dt", "granule", "seed", "protocol"]),
                       st.one_of(st.integers(-10, 10**6), st.floats(allow_nan=True), st.text(max_size=5),
                                 st.none(), st.lists(st.integers(), max_size=2), st.dictionaries(
                                     st.text(max_size=3), st.integers(), max_size=2)), max_size=4))
def test_apply_mapping_only_raises_engramlab_errors(mapping):
    from engramlab.circuits.cerebellum import CerebellumConfig
    try:
        apply_mapping(CerebellumConfig(), mapping)
    except EngramlabError:
        pass


#: names in the modules' ``__all__`` that are constants or result types, not functions to call
@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.floats(0.01, 0.1))
def test_spike_windows_match_a_loop_and_count_like_counts_per_window(seed, windows, width):
    """Each spike's window against a loop over windows (edges 1 ns early), spikes on and just
    before the edges included; counting them gives counts_per_window's counts."""
    rng = np.random.default_rng(seed)
    starts = np.arange(windows) * 0.1 + 0.02
    t = np.concatenate([rng.uniform(0, 0.1 * windows + 0.1, 50), starts - 0.5e-9, starts - 2e-9, starts + width])
    w, ok = spikes.spike_windows(t, starts, width)
    lo = starts - spikes.EDGE_TOLERANCE
    for k, tk in enumerate(t):
        inside = np.flatnonzero((tk >= lo) & (tk < lo + width))
        assert ok[k] == (inside.size == 1) and (not ok[k] or w[k] == inside[0])
    counts = spikes.counts_per_window(t, np.zeros(t.size, dtype=int), starts, width, 1)[:, 0]
    assert np.array_equal(counts, np.bincount(w[ok], minlength=windows))


NOT_FUNCTIONS = {"EXACT_LIMIT_N", "FLOAT_LIMIT_N", "CRITICAL_MAX_N", "EDGE_TOLERANCE", "CLASSIC_LOADS",
                 "MODERN_LOADS", "CapacityCurve", "MemoryNeuronTrajectory", "SDMAttentionComparison", "GridModule"}


def test_the_suite_covers_every_public_function():
    """Every public function is called by a hypothesis test of this file (read from its source, not a list)."""
    import ast
    import inspect
    import sys

    from engramlab.analysis import theory
    modules = {"sdm": sdm, "attention": attention, "hopfield": hopfield, "grid": grid, "spikes": spikes,
               "theory": theory}
    called: dict[str, set[str]] = {name: set() for name in modules}
    tree = ast.parse(inspect.getsource(sys.modules[__name__]))
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        if not any(isinstance(dec, ast.Call) and getattr(dec.func, "id", "") == "given" for dec in node.decorator_list):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id in modules:
                called[sub.value.id].add(sub.attr)
    missing = {name: sorted(set(module.__all__) - called[name] - NOT_FUNCTIONS) for name, module in modules.items()}
    assert not any(missing.values()), missing


@pytest.mark.parametrize("f,args", [
    (hopfield.memory_neuron_dynamics, (np.ones((2, 3)), np.ones(3), 1.0)),
    (hopfield.memory_neuron_energy, (np.ones((2, 3)), np.ones(3), np.ones(2), 1.0)),
    (spikes.tonic_period, ([np.array([0.0, 0.01])], 0.0, 1.0, 1e-4)),
    (spikes.phase_shift, (np.array([0.0, 0.01, 0.02]), 0.005, 0.03, 0.01)),
    (sdm.log_memory_capacity, (np.array([-3.0, -1.0]), 1e4, 64)),
])
def test_remaining_functions_on_valid_input(f, args):
    assert check(f, *args) is not None
