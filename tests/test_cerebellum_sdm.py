"""The spiking cerebellar SDM held against the SDM equations (slow: runs Brian2)."""

from pathlib import Path

import numpy as np
import pytest

from engramlab.analysis import sdm
from engramlab.analysis.cerebellar_sdm import analyse_sdm
from engramlab.analysis.sdm_summary import sdm_summary
from engramlab.circuits._device import LOOP_SECONDS_FILE
from engramlab.circuits.cerebellum import CerebellarSDM, CerebellumConfig
from engramlab.errors import ConfigTypeError
from engramlab.protocols.sdm_memory import SDMMemoryConfig, design_circuit, run_sdm_memory
from engramlab.results import Result

pytestmark = pytest.mark.slow


# --- the ideal regime: the noise-free mathematical limit, exact ------------------------------------

def test_ideal_granule_cells_are_exactly_kanerva_hard_locations(sdm_ideal_analysis):
    a = sdm_ideal_analysis
    assert a.regime == "ideal" and a.readout == "purkinje_phase"
    assert a.radius == sdm.optimal_radius(64, 8, 2000)
    # every granule cell fires at most once per volley, and exactly when the query is within d
    assert a.max_spikes_per_cell == 1
    assert a.numpy_active_agreement == 1.0 and a.activation_jaccard == 1.0
    # counts: mean within 3 SE of r p(d), spread close to binomial
    mean = a.active_counts.mean()
    assert abs(mean - a.active_expected) < 3 * a.active_sd / np.sqrt(a.active_counts.size)
    assert 0.7 < a.active_counts.std() / a.active_sd < 1.3


def test_ideal_overlaps_match_exact_circle_intersection(sdm_ideal_analysis):
    ov = sdm_ideal_analysis.overlap
    testable = ov.expected >= 5
    assert np.count_nonzero(testable) >= 8
    assert np.max(np.abs(ov.z[testable])) < 3


def test_ideal_weights_equal_bipolar_counters(sdm_ideal_analysis):
    a = sdm_ideal_analysis
    assert np.any(a.counters != 0)
    assert a.weight_scale == pytest.approx(100e-12, rel=1e-9)  # a_plus = 100 pA
    assert a.weight_counter_max_error < 1e-18
    assert a.weights_clipped == 0


def test_ideal_recall_and_agreement_with_numpy_sdm(sdm_ideal_analysis):
    a = sdm_ideal_analysis
    low = a.read_noise <= 5
    assert np.mean(a.spike_bits[low] == a.read_target[low]) >= 0.95
    assert a.numpy_agreement >= 0.99
    # disagreements only where the SDM's own majority is a near tie
    bad = a.spike_bits != a.numpy_bits
    assert np.all(np.abs(a.numpy_sums[bad]) <= 3)
    # the Purkinje phase shift falls with the counter sum (stored 1s pause the cell)
    assert np.corrcoef(a.shifts.ravel(), a.numpy_sums.ravel())[0, 1] < -0.95


def test_ideal_spikes_approximate_softmax(sdm_ideal_analysis):
    a = sdm_ideal_analysis
    assert a.softmax_weight_error < 0.06
    assert a.beta_fit == pytest.approx(a.beta_theory, rel=0.15)


# --- the realistic regime (default): in-vivo noise, read by the DCN ----------------------------------

def test_realistic_regime_has_in_vivo_noise(sdm_analysis, sdm_result):
    a = sdm_analysis
    assert a.regime == "realistic" and a.readout == "dcn"
    assert a.noise["background_rate_hz"] == 4.0 and a.noise["jitter_ms"] == 1.0
    # mossy lines fire at their background rate in the rest slots (no input there)
    kind, start, slot = sdm_result["slot_kind"], sdm_result["slot_start"], 0.1
    rest = np.flatnonzero(kind == 0)
    t = sdm_result["spikes_mossy_t"]
    in_rest = np.sum((t >= start[rest[0]]) & (t < start[rest[-1]] + slot))
    rate = in_rest / (128 * rest.size * slot)
    assert rate == pytest.approx(4.0, rel=0.2)
    # irregular Purkinje simple spikes (in vivo CV 0.3-0.5) and physiological rates
    assert 0.3 <= a.pc_cv <= 0.5
    assert 40 <= a.pc_baseline_hz <= 90
    assert 20 <= a.dcn_baseline_hz <= 60



def test_only_the_ideal_regime_resets_cells():
    realistic = CerebellarSDM(design_circuit(CerebellumConfig(n=16, r=200, m=4, d=5, target="numpy")))
    ideal = CerebellarSDM(CerebellumConfig.ideal(n=16, r=200, m=4, d=5, target="numpy"))
    names = {obj.name for obj in realistic.network.objects}
    assert "granule_rest" not in names and "golgi_rest" not in names
    assert {"golgi", "granule_golgi", "golgi_granule", "pf_input"} <= names
    assert "granule_rest" in {obj.name for obj in ideal.network.objects}
    assert len(realistic.purkinje) == 4 * 20 and len(ideal.purkinje) == 4


def test_realistic_active_sets_are_a_blurred_ball(sdm_analysis):
    """Background and jitter blur the ball's edge by about a bit; cells well inside always fire."""
    a = sdm_analysis
    d = a.radius
    p = dict(zip(a.fire_distance.tolist(), a.fire_probability.tolist(), strict=True))
    assert min(p[v] for v in range(d - 6, d - 1)) > 0.98
    assert max(p[v] for v in range(d + 3, d + 8)) < 0.02
    assert 0.6 < a.activation_jaccard < 0.95
    assert 0.8 * a.active_expected < a.active_counts.mean() < 2.0 * a.active_expected


def test_realistic_overlaps_follow_the_blurred_ball_not_the_hard_one(sdm_analysis):
    """Blurred balls share more cells than Kanerva's intersection; the soft intersection of the
    measured firing probabilities accounts for most of the excess, and what it misses is a cell's
    own history: an edge cell that just fired is less likely to fire again (after-hyperpolarisation)."""
    s = sdm_summary(sdm_analysis)
    ov = sdm_analysis.overlap
    test = np.isfinite(ov.blurred) & (ov.expected >= 5)
    assert s["overlap_ratio_to_intersection"] > 1.1
    assert np.mean(np.abs(ov.z_blurred[test])) < 0.6 * np.mean(np.abs(ov.z[test]))
    assert s["edge_fire_probability_after_firing"] < 0.5 * s["edge_fire_probability_otherwise"]


def test_realistic_dcn_reads_stored_patterns(sdm_analysis):
    a = sdm_analysis
    low = a.read_noise <= 5
    assert np.mean(a.dcn_bits[low] == a.read_target[low]) >= 0.95
    assert np.mean(a.purkinje_bits[low] == a.read_target[low]) >= 0.95
    # the DCN decode follows the NumPy SDM on the measured sets where its sum is clear, and
    # guesses where the sum is a few counts of crosstalk (a psychometric curve in |sum|)
    clear, tie = np.abs(a.numpy_sums) >= 50, np.abs(a.numpy_sums) < 5
    assert np.mean(a.dcn_bits[clear] == a.numpy_bits[clear]) >= 0.99
    assert 0.35 < np.mean(a.dcn_bits[tie] == a.numpy_bits[tie]) < 0.7
    # ... and is a coin flip where the sum is crosstalk alone (beyond twice the radius)
    far = a.read_noise >= 2 * a.radius - 2
    assert 0.35 < np.mean(a.dcn_bits[far] == a.read_target[far]) < 0.65
    # disinhibition: stored 1s raise the DCN count above its rest mean, stored 0s lower it
    clean = a.read_noise == 0
    assert a.dcn_counts[clean][a.read_target[clean]].mean() > a.dcn_baseline_count + 1
    assert a.dcn_counts[clean][~a.read_target[clean]].mean() < a.dcn_baseline_count - 0.5


def test_realistic_weights_are_spike_weighted_counters(sdm_analysis):
    """Consistency check of the plasticity rule (an identity at 2:1 LTD:LTP, not a finding)."""
    a = sdm_analysis
    assert a.weight_scale == pytest.approx(100e-12, rel=1e-9)
    assert a.weight_counter_max_error < 1e-18


def test_realistic_attention_is_predicted_out_of_sample(sdm_analysis):
    a = sdm_analysis
    assert a.beta_theory == pytest.approx(sdm.fit_beta(64, a.radius, dv_max=a.radius - 1), rel=1e-12)
    assert a.attention_kl_reads == a.read_noise.size
    # normalised overlaps over all stored patterns stay close to softmax(beta_theory cos)
    assert 0 < a.attention_kl < 0.15


def test_summary_has_the_published_keys(sdm_analysis):
    s = sdm_summary(sdm_analysis)
    for key in ("n", "r", "m", "d", "scheme", "patterns", "seed", "regime", "readout", "noise",
                "bit_accuracy_by_noise", "numpy_agreement", "activation_jaccard", "beta_theory",
                "attention_kl", "overlap_max_z", "softmax_weight_error", "beta_fit",
                "critical_distance_spikes", "critical_distance_theory"):
        assert key in s
    assert s["readout"] == "dcn" and s["bit_accuracy_noise_le_5"] == s["dcn_bit_accuracy_noise_le_5"]
    assert set(s["noise"]) >= {"background_rate_hz", "jitter_ms", "purkinje_noise_mv", "purkinje_per_dcn"}
    assert s["bit_accuracy_by_noise"][0] >= 0.98
    assert s["critical_distance_theory"] == sdm.critical_distance(64, s["d"], 8, 2000, p_whole=0.95 ** 64)
    # the critical-distance-optimal radius, by brute force over every radius 0 … n
    cds = {d: sdm.critical_distance(64, d, 8, 2000, p_whole=0.95 ** 64) for d in range(0, 65)}
    assert cds[s["critical_distance_optimal_radius"]] == max(cds.values())
    # a load no radius recovers even a clean query from (theory critical distance < 0 everywhere): None
    import dataclasses

    from engramlab.analysis.sdm_summary import critical_distance_optimal_radius
    overloaded = dataclasses.replace(sdm_analysis, patterns=10**6)
    assert max(sdm.critical_distance(64, d, 10**6, 2000, p_whole=0.95 ** 64) for d in range(65)) < 0
    assert critical_distance_optimal_radius(overloaded) is None


def test_result_round_trip(sdm_result, tmp_path):
    npz, _ = sdm_result.write_arrays(tmp_path, "r")
    back = Result.load(npz)
    assert back.protocol == "sdm"
    assert set(back.arrays) == set(sdm_result.arrays)
    np.testing.assert_array_equal(back["spikes_purkinje_t"], sdm_result["spikes_purkinje_t"])
    assert back.params["circuit.granule.tau_exc"] == pytest.approx(5.8e-3)
    assert back.units["circuit.granule.tau_exc"] == "s"
    assert back.metadata["versions"]["brian2"]
    assert not list(tmp_path.glob("*.tmp"))


def _tiny(seed, **changes):
    net = CerebellarSDM(design_circuit(CerebellumConfig(n=16, r=300, m=4, d=5, target="numpy", seed=seed,
                                                        **changes)))
    rng = np.random.default_rng(0)
    net.rest()
    for _ in range(2):
        net.write(rng.integers(0, 2, 16), rng.integers(0, 2, 4))
    net.read(rng.integers(0, 2, 16))
    return net.run()


def test_same_seed_same_spikes_different_seed_different_spikes():
    """Mossy bursts, background and Purkinje membrane noise all follow the seed."""
    a, b, c = _tiny(1), _tiny(1), _tiny(2)
    for pop in a.spikes:
        np.testing.assert_array_equal(a.spikes[pop][0], b.spikes[pop][0])
        np.testing.assert_array_equal(a.spikes[pop][1], b.spikes[pop][1])
    np.testing.assert_array_equal(a.weights, b.weights)
    assert not np.array_equal(a.targets, c.targets)
    assert not np.array_equal(a.spikes["purkinje"][0], c.spikes["purkinje"][0])


def test_ideal_granule_scheme_matches_jaeckel():
    circuit = CerebellumConfig.ideal(n=32, r=3000, m=8, scheme="granule", k=4, target="numpy", seed=4)
    res = run_sdm_memory(circuit, SDMMemoryConfig(patterns=6, association="hetero", rest_slots=2,
                                                  readout="purkinje_phase", noise_levels=(0, 2, 4, 8, 16), seed=2))
    a = analyse_sdm(res)
    assert np.all(res["selected"].sum(1) == 4)
    assert a.numpy_active_agreement == 1.0
    assert abs(a.active_counts.mean() - 3000 / 16) < 4 * a.active_sd / np.sqrt(a.active_counts.size)
    ov = a.overlap
    testable = ov.expected >= 5
    assert np.count_nonzero(testable) >= 5
    assert np.max(np.abs(ov.z[testable])) < 3
    assert a.weight_counter_max_error < 1e-18
    assert a.numpy_agreement >= 0.98


def test_realistic_granule_scheme_reports_against_jaeckel():
    """k = 4 claws: the all-match rule survives background and jitter almost untouched."""
    circuit = CerebellumConfig(n=32, r=3000, m=8, scheme="granule", k=4, target="numpy", seed=4)
    res = run_sdm_memory(circuit, SDMMemoryConfig(patterns=6, association="hetero", noise_levels=(0, 2, 4, 8, 16),
                                                  seed=2))
    a = analyse_sdm(res)
    s = sdm_summary(a)
    assert s["scheme"] == "granule" and s["k"] == 4 and s["critical_distance_theory"] is None
    assert a.activation_jaccard > 0.95
    assert abs(a.active_counts.mean() - 3000 / 16) < 0.1 * 3000 / 16
    ov = a.overlap
    testable = ov.expected >= 5
    np.testing.assert_allclose(ov.expected, sdm.jaeckel_intersection(32, 4, ov.dv, 3000))
    assert np.max(np.abs(ov.z[testable])) < 4
    low = a.read_noise <= 4
    assert np.mean(a.dcn_bits[low] == a.read_target[low]) >= 0.95


def test_ideal_topk_golgi_inhibition_limits_active_cells():
    circuit = CerebellumConfig.ideal(n=64, r=3000, m=64, d=23, activation="topk", top_k=40, target="numpy", seed=6)
    res = run_sdm_memory(circuit, SDMMemoryConfig(patterns=5, noise_levels=(0, 3, 10), seed=1, rest_slots=2,
                                                  readout="purkinje_phase"))
    a = analyse_sdm(res)
    assert len(res["spikes_golgi_t"]) > 0
    # k-winners-take-all with a synaptic delay: about k cells, never the whole radius-ball
    ball = 3000 * sdm.ball_fraction(64, design_circuit(circuit).effective_topk_radius)
    assert 40 <= a.active_counts.mean() <= 2 * 40 < ball
    # the winners are the best-matching cells: active cells are closer than the rest
    rec_targets = res["targets"]
    s = int(np.flatnonzero(res["slot_kind"] == 1)[0])
    dist = (rec_targets != res["slot_address"][s]).sum(1)
    act = a.active[s]
    assert dist[act].max() <= np.sort(dist)[int(act.sum()) + 20]
    low = a.read_noise <= 3
    assert np.mean(a.spike_bits[low] == a.read_target[low]) >= 0.95


def test_realistic_topk_overshoots_k_through_the_golgi_loop_delay():
    """With a 3 ms GrC→GoC→GrC loop most cells inside the widest ball cross threshold before the
    volley lands: top-k by Golgi feedback fails at physiological delays (measured ~8 k here)."""
    circuit = CerebellumConfig(n=64, r=3000, m=64, d=23, activation="topk", top_k=40, target="numpy", seed=6)
    res = run_sdm_memory(circuit, SDMMemoryConfig(patterns=5, noise_levels=(0, 3, 10), seed=1))
    a = analyse_sdm(res)
    ball = 3000 * sdm.ball_fraction(64, design_circuit(circuit).effective_topk_radius)
    assert 4 * 40 < a.active_counts.mean() < ball
    # the winners are still the better-matching cells
    s = int(np.flatnonzero(res["slot_kind"] == 1)[0])
    dist = (res["targets"] != res["slot_address"][s]).sum(1)
    assert dist[a.active[s]].mean() < dist[~a.active[s]].mean() - 5


def test_poisson_mode_activates_nearer_cells_more():
    from engramlab.models.mossy import MossyFibreParams
    circuit = design_circuit(CerebellumConfig(n=32, r=2000, m=4, d=8, target="numpy", seed=3,
                                              mossy=MossyFibreParams(mode="poisson")))
    net = CerebellarSDM(circuit)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, 32).astype(bool)
    for _ in range(5):
        net.read(x)
    rec = net.run()
    t, i = rec.spikes["granule"]
    assert t.size > 0
    dist = (rec.targets != x).sum(1)
    fired = np.zeros(2000, bool)
    fired[i] = True
    assert dist[fired].mean() < dist[~fired].mean() - 3


@pytest.mark.parametrize("kwargs,name", [
    (dict(d=64), "d"),
    (dict(r=0), "r"),
    (dict(scheme="grid"), "scheme"),
    (dict(scheme="granule", k=0), "k"),
    (dict(slot=0.033e-3), "slot"),
])
def test_bad_circuit_config(kwargs, name):
    import brian2 as b2
    if "slot" in kwargs:
        kwargs["slot"] = 0.033 * b2.ms
    with pytest.raises(ValueError, match=name):
        CerebellumConfig(**kwargs)


def test_several_dcn_cells_per_line_need_private_noise():
    """Noise-free copies of a line's DCN cell would fire the same spikes: refused, naming the key;
    the ideal regime refuses DCN noise and copies like every other noise source."""
    import brian2 as b2

    from engramlab.models.nuclei import NucleiParams

    with pytest.raises(ValueError, match="dcn_per_line"):
        CerebellumConfig(dcn_per_line=4)
    CerebellumConfig(dcn_per_line=4, nuclei=NucleiParams(noise=4 * b2.mV))
    with pytest.raises(ValueError, match=r"nuclei\.noise"):
        CerebellumConfig.ideal(nuclei={"noise": "4 mV"})
    # the ideal refusal comes first: "needs nuclei.noise > 0" would send the user into the one above
    with pytest.raises(ValueError, match=r"dcn_per_line.*regime 'ideal'"):
        CerebellumConfig.ideal(dcn_per_line=4)


def test_sdm_protocol_reads_with_a_population_quick_and_ideal_keep_their_own_read_outs():
    """`run sdm` defaults to 160 Purkinje cells onto each of 32 noisy DCN cells per bit (as one C++
    program); the quick preset keeps 20 onto one noise-free cell with the same PC→DCN gain; the
    ideal regime one pacemaker per bit; an explicit setting wins over each (no simulation here)."""
    import brian2 as b2

    from engramlab import api as el
    from engramlab.protocols.sdm_memory import READOUT_DCN_PER_LINE, READOUT_PURKINJE_PER_LINE

    full = el.plan("sdm").circuit
    assert (full.purkinje_per_dcn, full.dcn_per_line) == (READOUT_PURKINJE_PER_LINE, READOUT_DCN_PER_LINE) == (160, 32)
    assert full.nuclei.noise == 4 * b2.mV and full.device == "cpp_standalone" and full.r == 10_000
    quick = el.plan("sdm", quick=True).circuit
    assert (quick.purkinje_per_dcn, quick.dcn_per_line, float(quick.nuclei.noise)) == (20, 1, 0.0)
    assert (quick.nuclei.I_e, quick.nuclei.w_pc) == (full.nuclei.I_e, full.nuclei.w_pc) == (500 * b2.pA, 1200 * b2.pA)
    ideal = el.plan("sdm", regime="ideal").circuit
    assert (ideal.purkinje_per_dcn, ideal.dcn_per_line, float(ideal.nuclei.noise)) == (1, 1, 0.0)
    mine = el.plan("sdm", purkinje_per_dcn=80, quick=True).circuit
    assert (mine.purkinje_per_dcn, mine.dcn_per_line) == (80, 1)
    # sdm-capacity keeps the bare circuit's read-out
    assert el.plan("sdm-capacity").circuit.purkinje_per_dcn == CerebellumConfig().purkinje_per_dcn == 20


def test_dcn_copies_receive_their_whole_line_and_private_noise_of_the_stated_size():
    """NuclearOutput with 10 cells per line: each cell receives exactly the Purkinje cells of its
    line (3 lines × 2 PCs, 10 cells each → 60 synapses). Held below threshold with no input, each cell's membrane
    is an Ornstein–Uhlenbeck process whose stationary SD is the ``noise`` parameter (4 mV; Euler
    at dt = 0.1 ms, τ_m = 33 ms: within 3 % in theory, 10 % allowed for 30 cells × 2 s)."""
    import brian2 as b2
    from brian2 import ms, mV, second

    from engramlab.circuits.layers import NuclearOutput
    from engramlab.models.nuclei import NucleiParams

    b2.prefs.codegen.target = "numpy"
    b2.seed(3)
    clock = b2.Clock(dt=0.1 * ms)
    purkinje = b2.SpikeGeneratorGroup(6, [], [] * second, clock=clock)
    quiet = NucleiParams(I_e=0 * b2.pA, V_th=0 * mV, noise=4 * mV)  # never reaches threshold
    out = NuclearOutput(purkinje, 3, quiet, clock, np.random.default_rng(0), cells_per_line=10)
    pairs = set(zip(np.asarray(out.synapses.i[:]).tolist(), np.asarray(out.synapses.j[:]).tolist(), strict=True))
    assert pairs == {(pc, (pc // 2) * 10 + c) for pc in range(6) for c in range(10)}
    with pytest.raises(ValueError, match="must divide"):
        NuclearOutput(purkinje, 4, quiet, clock, np.random.default_rng(0))
    out.cells.v = quiet.E_L
    mon = b2.StateMonitor(out.cells, "v", record=True, dt=5 * ms)
    net = b2.Network(purkinje, out.cells, out.synapses, mon)
    net.run(2.2 * second, namespace={})
    v = np.asarray(mon.v / mV)[:, mon.t >= 0.2 * second]  # after 6 τ_m: stationary
    assert abs(v.std() - 4.0) < 0.4
    assert abs(v.mean() - float(quiet.E_L / mV)) < 0.5
    # private noise: no two cells share a trajectory, not even the copies of one line
    assert np.max(np.corrcoef(v)[np.triu_indices(30, 1)]) < 0.5


def test_bad_inputs_named():
    from engramlab.models.granule import GranuleParams
    from engramlab.models.mossy import MossyFibreParams
    with pytest.raises(ValueError, match="encoding"):
        CerebellumConfig(mossy=MossyFibreParams(encoding="on"))
    with pytest.raises(ConfigTypeError, match=r"tau_exc.*unit"):
        GranuleParams(tau_exc=5.8)
    with pytest.raises(ValueError, match="m must equal n"):
        run_sdm_memory(CerebellumConfig(n=16, m=8, r=100, d=4, target="numpy"), SDMMemoryConfig())
    with pytest.raises(ValueError, match="noise_levels"):
        SDMMemoryConfig(noise_levels=(0, 70)).levels(CerebellumConfig())
    net = CerebellarSDM(CerebellumConfig.ideal(n=16, r=50, m=4, d=4, target="numpy"))
    with pytest.raises(ValueError, match="address must be a vector of 16 bits"):
        net.write(np.zeros(15), np.zeros(4))
    with pytest.raises(ValueError, match="value must be a vector of 4 bits"):
        net.write(np.zeros(16), np.zeros(5))
    with pytest.raises(ValueError, match="only 0 and 1"):
        net.read(np.full(16, 3))


def _schedule(net, pats):
    net.rest()
    for p in pats:
        net.write(p, p)
    for p in pats:
        net.read(p)


def test_cpp_standalone_gives_the_same_spikes_as_runtime_and_reruns_without_compiling(tmp_path):
    """One compiled C++ program reproduces the runtime network spike for spike; a new schedule of
    the same length re-runs the binary (run_args) and still matches a runtime network."""
    import shutil
    if shutil.which("g++") is None:
        pytest.skip("needs a C++ compiler")
    rng = np.random.default_rng(0)
    first, second = rng.integers(0, 2, (2, 3, 16)).astype(bool)
    cfg = dict(n=16, r=300, m=16, d=5, target="numpy", seed=9)

    def runtime(pats):
        net = CerebellarSDM(CerebellumConfig.ideal(**cfg))
        _schedule(net, pats)
        return net.run()

    ref_first, ref_second = runtime(first), runtime(second)
    net = CerebellarSDM(CerebellumConfig.ideal(**cfg, device="cpp_standalone"))
    _schedule(net, first)
    rec_first = net.run()
    assert net.timings["compile"] > 0
    first_build = net.timings["build_and_run"]
    net.new_schedule()
    _schedule(net, second)
    rec_second = net.run()
    assert set(net.timings) == {"rerun", "simulate", "simulate_processor"} and net.timings["rerun"] < first_build
    assert 0 < net.timings["simulate"] < net.timings["rerun"]
    assert Path(net.device.results_dir, LOOP_SECONDS_FILE).exists()  # the re-run wrote its loop's wall time
    for ref, rec in ((ref_first, rec_first), (ref_second, rec_second)):
        for pop in ("mossy", "granule", "purkinje", "olive", "nuclei"):
            np.testing.assert_array_equal(ref.spikes[pop][1], rec.spikes[pop][1], err_msg=pop)
            np.testing.assert_allclose(ref.spikes[pop][0], rec.spikes[pop][0], atol=1e-9, err_msg=pop)
        np.testing.assert_allclose(ref.weights, rec.weights, rtol=1e-9, atol=1e-18)
        np.testing.assert_array_equal(ref.slot_address, rec.slot_address)
    assert not np.array_equal(ref_first.weights, ref_second.weights)  # the re-run really changed input
    net.new_schedule()
    net.rest()
    with pytest.raises(ValueError, match="runs 7 slots"):
        net.run()
    after = CerebellarSDM(CerebellumConfig.ideal(n=16, r=50, m=16, d=5, target="numpy"))
    assert after.run().duration == 0.0  # the process is back on the runtime device


def test_repeats_rerun_one_compiled_program_and_match_runtime(tmp_path):
    """`run sdm --repeats 2` on cpp_standalone compiles once and re-runs the binary for the second
    pattern set; each repeat's key numbers equal a runtime run of the same protocol seed."""
    import json
    import shutil

    from engramlab.analysis.cerebellar_sdm import analyse_sdm
    from engramlab.analysis.sdm_summary import sdm_summary
    from engramlab.cli import main
    from engramlab.protocols.sdm_memory import SDMMemoryConfig, run_sdm_memory
    if shutil.which("g++") is None:
        pytest.skip("needs a C++ compiler")
    sets = ["regime=ideal", "n=16", "m=16", "r=300", "d=5", 'target="numpy"', "protocol.patterns=3",
            "protocol.noise_levels=[0, 2]"]
    argv = ["run", "sdm", "--device", "cpp_standalone", "--repeats", "2", "--out", str(tmp_path), "-q"]
    for s in sets:
        argv += ["--set", s]
    assert main(argv) == 0
    rep = json.loads((tmp_path / "summary.json").read_text())["repeats"]
    assert rep["protocol_seeds"] == [0, 1]
    assert rep["rerun_seconds"][0] is None and rep["rerun_seconds"][1] > 0  # second set: no rebuild
    circuit = CerebellumConfig.ideal(n=16, m=16, r=300, d=5, target="numpy")
    for k, seed in enumerate((0, 1)):
        proto = SDMMemoryConfig(patterns=3, noise_levels=(0, 2), seed=seed, rest_slots=2, readout="purkinje_phase")
        ref = sdm_summary(analyse_sdm(run_sdm_memory(circuit, proto)))
        for key in ("bit_accuracy_noise_le_5", "numpy_agreement", "activation_jaccard", "beta_fit"):
            assert rep[key][k] == pytest.approx(ref[key], rel=1e-9, abs=1e-12), key
    assert rep["numpy_agreement"][0] != rep["numpy_agreement"][1] or rep["beta_fit"][0] != rep["beta_fit"][1]


def test_realistic_noise_is_the_same_on_cpp_standalone(tmp_path, monkeypatch):
    """Brian2's seeded noise (Purkinje xi) and the NumPy-drawn mossy bursts give identical spikes on
    the runtime device and in one compiled C++ program; the realistic program cannot re-run with a
    new schedule (its inputs are fixed at compile time) and says so. Another seed is a new
    program of the same structure: the program cache builds it where the first was compiled, and
    ``make`` compiles nothing (the spike lists are padded to a seed-independent length, and the
    program reads the seed of Brian2's generator at start-up), yet the new seed's noise and
    inputs are its own."""
    import gc
    import shutil
    if shutil.which("g++") is None:
        pytest.skip("needs a C++ compiler")
    monkeypatch.setenv("ENGRAMLAB_PROGRAM_CACHE", str(tmp_path / "programs"))

    def standalone(seed):
        net = CerebellarSDM(design_circuit(CerebellumConfig(n=16, r=300, m=4, d=5, target="numpy", seed=seed,
                                                            device="cpp_standalone")))
        rng = np.random.default_rng(0)
        net.rest()
        for _ in range(2):
            net.write(rng.integers(0, 2, 16), rng.integers(0, 2, 4))
        net.read(rng.integers(0, 2, 16))
        return net, net.run()

    ref = _tiny(3)
    net, rec = standalone(3)
    for pop in ("mossy", "granule", "golgi", "purkinje", "olive", "nuclei"):
        np.testing.assert_array_equal(ref.spikes[pop][1], rec.spikes[pop][1], err_msg=pop)
        np.testing.assert_allclose(ref.spikes[pop][0], rec.spikes[pop][0], atol=1e-9, err_msg=pop)
    with pytest.raises(ValueError, match="regime"):
        net.new_schedule()
    first, mossy = dict(net.timings), rec.spikes["mossy"][0].copy()
    del net, rec  # as after a protocol's run: Brian2 names a live circuit's code objects "..._1" otherwise
    gc.collect()
    again, other = standalone(4)
    assert len(list((tmp_path / "programs").iterdir())) == 1  # one project directory for both
    assert first["compiled_sources"] >= 30 and again.timings["compiled_sources"] == 0  # of ~60 objects
    assert not np.array_equal(mossy, other.spikes["mossy"][0])  # the new seed's own input
    ref4 = _tiny(4)  # ... and its own Brian2 noise: the runtime network of seed 4, spike for spike
    for pop in ("granule", "purkinje", "nuclei"):
        np.testing.assert_array_equal(ref4.spikes[pop][1], other.spikes[pop][1], err_msg=pop)


def test_grid_spikes_keeps_one_spike_per_neuron_and_step_in_time_order():
    from engramlab.circuits.layers import grid_spikes

    rng = np.random.default_rng(4)
    dt = 1e-4
    idx = [rng.integers(0, 37, 500), rng.integers(0, 37, 300)]
    times = [rng.random(500) * 0.02, rng.random(300) * 0.02]  # ~200 steps: many duplicates
    i, t = grid_spikes(idx, times, dt)
    steps = np.round(np.asarray(t) / dt).astype(int)
    expected = sorted({(round(float(tt) / dt), int(ii)) for ii, tt in
                       zip(np.concatenate(idx), np.concatenate(times), strict=True)})
    assert list(zip(steps.tolist(), i.tolist(), strict=True)) == expected
    assert np.allclose(np.asarray(t), steps * dt)
    later_i, later_t = grid_spikes(idx, times, dt, t_from=0.01)
    assert np.all(np.asarray(later_t) >= 0.01 - dt / 2) and later_i.size == sum(s >= 100 for s, _ in expected)
    with pytest.raises(ValueError, match="neuron indices must be >= 0"):
        grid_spikes([np.array([3, -1])], [np.array([0.001, 0.002])], dt)


def test_readout_limits_are_fits_of_the_run_and_bound_the_fixed_window(sdm_analysis, sdm_result):
    """The read-out diagnostic: probit refit by hand on the run's bits, window scan contains the fixed window."""
    from scipy.stats import norm

    from engramlab.analysis.cerebellar_sdm import SCAN_OFFSETS, SCAN_WIDTHS
    from engramlab.analysis.readout_limits import count_window_scan
    lim = sdm_summary(sdm_analysis)["readout_limits"]
    a = sdm_analysis
    for name, bits in (("dcn", a.dcn_bits), ("purkinje", a.purkinje_bits)):
        d = lim[name]
        assert d["numpy_agreement"] == pytest.approx(np.mean(bits == a.numpy_bits))
        # the fitted curve is a maximum of the likelihood: nudging either parameter lowers it
        s, y = a.numpy_sums.ravel().astype(float), bits.ravel()

        def loglik(s0, sd, s=s, y=y):
            q = np.clip(norm.cdf((s - s0) / sd), 1e-12, 1 - 1e-12)
            return np.sum(np.log(q[y])) + np.sum(np.log(1 - q[~y]))

        best = loglik(d["midpoint_counts"], d["sd_counts"])
        for ds0, dsd in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            assert loglik(d["midpoint_counts"] + ds0, d["sd_counts"] + dsd) < best
        # the circuit's own window (opening at the arrival, 40 ms) is one of those scanned: the best is no worse
        assert 0.0 in np.round(SCAN_OFFSETS, 6) and 0.04 in np.round(SCAN_WIDTHS, 6)
        assert d["best_window_agreement"] >= d["numpy_agreement"]
    # and the scan decodes that window exactly as the analysis did (the same bits, to the last one)
    r, p = sdm_result, sdm_result.params
    arrival = sum(float(p[f"circuit.{k}"]) for k in ("volley_time", "mossy.delay", "plasticity.delay_pf"))
    kind, start = r["slot_kind"], r["slot_start"]
    for pop, bits, opens, cells, higher in (
            ("purkinje", a.purkinje_bits, arrival, int(p["circuit.purkinje_per_dcn"]), False),
            ("nuclei", a.dcn_bits, arrival + float(p["circuit.nuclei.delay_pc"]), int(p.get("circuit.dcn_per_line", 1)),
             True)):
        scan = count_window_scan(r[f"spikes_{pop}_t"], r[f"spikes_{pop}_i"], start[a.read_slots], start[kind == 0],
                                 opens, float(p["circuit.slot"]), a.numpy_bits, a.m, cells, higher, [0.0], [0.04])
        assert scan["best_agreement"] == np.mean(bits == a.numpy_bits)
    # best windows are reported from the PF arrival: the DCN's scan opens delay_pc (4 ms) later
    delay_ms = float(p["circuit.nuclei.delay_pc"]) * 1e3
    for name, shift in (("purkinje", 0.0), ("dcn", delay_ms)):
        assert shift <= lim[name]["best_window_opens_ms"] <= 20 + shift + 1e-9
        assert 5 <= lim[name]["best_window_width_ms"] <= 40
