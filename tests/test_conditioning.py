"""Eyeblink conditioning and the associative task (analysis units + small Brian2 runs)."""

import dataclasses

import numpy as np
import pytest
from brian2 import ms, pA, second
from scipy.ndimage import gaussian_filter1d

from engramlab.analysis.eyeblink import analyse_eyeblink, detect_cr, pause_trough_time, probe_drive_change, trial_rates
from engramlab.analysis.eyeblink_summary import eyeblink_summary
from engramlab.circuits.microzone import CerebellarMicrozone, MicrozoneConfig
from engramlab.errors import ConfigError
from engramlab.models.plasticity import PFPlasticityParams
from engramlab.models.ubc import UBCParams, active_window, net_drive, peak_drive, ubc_draw, ubc_gain
from engramlab.protocols.eyeblink import EyeblinkConfig, run_eyeblink, schedule

BIN = 0.005
AXIS = np.arange(-0.2, 0.5, BIN) + BIN / 2


def step_trace(start, stop, height=30.0):
    r = np.full(AXIS.size, 10.0)
    r[(AXIS >= start) & (AXIS < stop)] += height
    return r


def test_cr_rule():
    # crosses after 100 ms and stays up until the US (250 ms): a CR with that onset
    is_cr, onset = detect_cr(step_trace(0.15, 0.3), AXIS, 0.25, threshold=10)
    # the trailing 100 ms average ramps from 150 to 250 ms; 10 of 30 Hz is reached a third of the way
    assert is_cr and onset == pytest.approx(0.15 + 0.1 / 3, abs=0.006)
    # already up at 100 ms: a short-latency response, not a CR
    assert not detect_cr(step_trace(0.0, 0.3), AXIS, 0.25, threshold=10)[0]
    assert not detect_cr(step_trace(0.06, 0.3), AXIS, 0.25, threshold=10)[0]


def test_cr_rule_never_sees_a_response_before_it_starts():
    # a response starting at 95 ms at ISI 150 ms (a learned response timed to a short ISI): the
    # trailing average is still at baseline at 100 ms, so it is a CR, with its onset after 95 ms;
    # a centred 100 ms boxcar would already be 27 Hz up at 100 ms and call it short-latency
    is_cr, onset = detect_cr(step_trace(0.095, 0.3, height=60.0), AXIS, 0.15, threshold=10)
    assert is_cr and 0.095 < onset <= 0.095 + 0.1 / 6 + BIN
    # any response (first_crossing, used for the lesion trials) is seen only once it has begun
    from engramlab.analysis.eyeblink import first_crossing

    assert 0.2 < first_crossing(step_trace(0.2, 0.3, height=300.0), AXIS, 0.25, threshold=10) <= 0.2 + 2 * BIN


def test_fallback_threshold_from_two_baseline_windows():
    from engramlab.analysis.eyeblink import cr_threshold

    rng = np.random.default_rng(5)
    sigma = 8.0
    rates = 20.0 + sigma * rng.standard_normal((4000, AXIS.size))  # 200 ms of baseline (40 bins)
    # white noise: a 100 ms mean minus a 200 ms baseline mean has SD sigma * sqrt(1/20 + 1/40)
    assert cr_threshold(rates, AXIS, BIN) == pytest.approx(5 * sigma * np.sqrt(1 / 20 + 1 / 40), rel=0.03)
    with pytest.raises(ConfigError, match="cs_onset"):
        cr_threshold(rates[:, AXIS >= -0.15], AXIS[AXIS >= -0.15], BIN)  # 150 ms of baseline


def test_a_recovery_too_short_for_the_threshold_is_refused_before_simulating(tmp_path):
    from engramlab import api

    with pytest.raises(ConfigError, match="recovery"):
        EyeblinkConfig(recovery=200 * ms, cs_onset=100 * ms).check_cr_threshold(MicrozoneConfig())
    EyeblinkConfig(recovery=200 * ms, cs_onset=200 * ms).check_cr_threshold(MicrozoneConfig())  # pre-CS fallback
    EyeblinkConfig(recovery=800 * ms, cs_onset=100 * ms, isi=600 * ms).check_cr_threshold(MicrozoneConfig())
    # through the front door: one line naming the key, and nothing written
    with pytest.raises(ConfigError, match=r"protocol\.recovery"):
        api.run("eyeblink", quick=True, out=tmp_path / "x", protocol__recovery="200 ms")
    assert not (tmp_path / "x").exists()
    # up briefly then down well before the US: fails the 75 % rule
    assert not detect_cr(step_trace(0.16, 0.19), AXIS, 0.25, threshold=10)[0]
    assert not detect_cr(np.full(AXIS.size, 10.0), AXIS, 0.25, threshold=10)[0]


def test_spontaneous_threshold_is_five_sd_of_the_cr_signal_without_a_cs():
    # white noise of known SD in 5 ms bins: the CR signal at a tested bin is a 20-bin trailing
    # mean minus the pre-CS mean of the trailing means, whose bin weights are computed here
    # directly, so its SD is sigma * sqrt(1/20 + sum(w**2)) (the tested windows do not overlap
    # the baseline)
    from engramlab.analysis.eyeblink import spontaneous_threshold

    rng = np.random.default_rng(4)
    sigma, isi = 8.0, 0.25
    axis = np.arange(-0.2, isi, BIN) + BIN / 2
    rates = 20.0 + sigma * rng.standard_normal((4000, axis.size))
    pre = int(np.sum(axis < 0))
    weights = np.zeros(pre)
    for j in range(pre):  # trailing mean at pre-CS bin j averages bins max(0, j-19)..j
        lo = max(0, j - 19)
        weights[lo:j + 1] += 1.0 / (j + 1 - lo) / pre
    expected = 5 * sigma * np.sqrt(1 / 20 + np.sum(weights**2))
    assert spontaneous_threshold(axis, rates, isi, bin_s=BIN) == pytest.approx(expected, rel=0.03)
    # no false CRs on such noise at that threshold
    hits = [detect_cr(r, axis, isi, expected)[0] for r in rates[:500]]
    assert np.mean(hits) < 0.01


def test_cr_window_ignores_the_unconditioned_response():
    # a CR from 180 ms to the US at 250 ms, then the US's complex spikes silence the DCN: with
    # post-US bins inside the 100 ms boxcar (the rule as first written) the last 50 ms before
    # the US sag below a 20 Hz threshold and the trial is scored as no CR
    trace = step_trace(0.18, 0.25, height=30.0)
    trace[(AXIS >= 0.25) & (AXIS < 0.35)] = 0.0
    is_cr, onset = detect_cr(trace, AXIS, 0.25, threshold=20)
    assert is_cr and 0.18 < onset < 0.25
    # the pre-US part alone decides: the same trace without the post-US silence gives the same onset
    assert detect_cr(step_trace(0.18, 0.25, height=30.0), AXIS, 0.25, threshold=20)[1] == onset


def test_mixed_isis_are_interleaved_and_probed_past_the_longest():
    cfg = EyeblinkConfig(mixed_isi_ms=(200.0, 500.0), trials=4, probe_every=4, lesion_trials=0, cs_onset=100 * ms)
    assert float(cfg.probe_duration()) == pytest.approx(0.8)
    assert float(cfg.period(MicrozoneConfig())) == pytest.approx(2.4)  # 100 + 800 + 1500 ms
    # simulated with a 300 ms recovery (1.2 s trials): what is checked here happens before it ends
    cfg = dataclasses.replace(cfg, recovery=300 * ms)
    with pytest.raises(ConfigError, match="mixed_isi_ms"):
        EyeblinkConfig(mixed_isi_ms=(200.0,))
    with pytest.raises(ConfigError, match="repeat"):
        EyeblinkConfig(mixed_isi_ms=(200.0, 200.0))
    with pytest.raises(ConfigError, match="isi"):
        EyeblinkConfig(mixed_isi_ms=(200.0, 500.0), isi=300 * ms)
    r = run_eyeblink(MicrozoneConfig(r=100, m=2, n_dcn=1, target="numpy", seed=2), cfg)
    # paired trials alternate; the probe (trial 4) is timed against the longest ISI
    np.testing.assert_allclose(r["trial_isi"], [0.2, 0.5, 0.2, 0.5])
    # the US reaches the olive at each paired trial's own ISI (trial 3 is the probe: none)
    t_io, starts = r["spikes_olive_t"], r["trial_start"]
    for k, isi in ((0, 0.2), (1, 0.5), (2, 0.2)):
        rel = t_io - starts[k] - 0.1
        other = 0.7 - isi  # the other trained ISI: no US there (a spontaneous spike at most)
        assert np.sum((rel >= isi) & (rel < isi + 0.04)) >= 2
        assert np.sum((rel >= other) & (rel < other + 0.04)) <= 1
    from engramlab.builtin_protocols import ms_list
    assert ms_list("200ms,0.5s, 300") == [200.0, 500.0, 300.0]
    with pytest.raises(ValueError):
        ms_list(",")
    from engramlab.errors import EngramlabError
    with pytest.raises(EngramlabError, match="--mixed-isi expects a number with a unit"):
        ms_list("200ms,soon")
    assert ms_list("200us,0.5 s") == pytest.approx([0.2, 500.0])  # any time unit the quantity parser knows


def test_probe_minima_belong_to_one_isi_each():
    from engramlab.analysis.eyeblink import _minima_near
    t = np.linspace(0, 0.8, 161)
    one_dip = -30 * np.exp(-((t - 0.35) / 0.05) ** 2)
    assert _minima_near(t, one_dip, [0.2, 0.5])[0] == [None, None]  # 150 ms from both: neither
    assert _minima_near(t, one_dip, [0.3, 0.42])[0] == [pytest.approx(0.35), None]  # one dip, the nearer ISI
    two = one_dip - 30 * np.exp(-((t - 0.62) / 0.05) ** 2)
    times, depths = _minima_near(t, two, [0.3, 0.6])
    assert times == [pytest.approx(0.35), pytest.approx(0.62)] and min(depths) > 25


def test_nucleo_olivary_inhibition_damps_the_us_response():
    """DCN→IO inhibition (300 pA per DCN spike by default): at 2 nA the tonic DCN firing keeps the
    olive from answering the US, which evokes ~2 complex spikes per cell without it."""
    def us_spikes(w_no):
        olive = dataclasses.replace(MicrozoneConfig().olive, w_no=w_no * pA)
        r = run_eyeblink(MicrozoneConfig(r=100, m=4, n_dcn=2, target="numpy", seed=4, olive=olive),
                         EyeblinkConfig(trials=2, probe_every=0, lesion_trials=0, cs_onset=100 * ms,
                                        recovery=300 * ms))
        rel = r["spikes_olive_t"][:, None] - r["trial_start"][None, :] - 0.1
        return np.sum((rel >= 0.25) & (rel < 0.31)) / (2 * 4)

    # measured (seed 4, 2 trials x 4 olive cells): 2.0 complex spikes per cell without, 0.0 with (also 2026-12-05)
    assert us_spikes(0) >= 1.5
    assert us_spikes(2000) <= 0.5 * us_spikes(0)


def test_steady_nucleo_olivary_inhibition_vetoes_a_spontaneous_kick_above_the_closed_form_current():
    """The eyeblink olive's veto (microzone defaults): a kick (an EPSC of w_spont decaying with
    tau_us) fires a cell at rest under steady inhibition I only if its peak depolarisation, from the
    closed-form LIF response to an exponential current, exceeds V_th - E_L + I/g_L. Cells held at
    0.9x and 1.1x that critical current (tau_no made very long, so I stays constant) fire and do
    not. The critical current is ~112 pA, the ~110 pA _conditioning_olive's comment relies on."""
    import brian2 as b2

    from engramlab.models.olive import olive_group

    p = dataclasses.replace(MicrozoneConfig().olive, tau_no=1e4 * second)
    C, g, i0, tau_s = float(p.C), float(p.g_L), float(p.w_spont), float(p.tau_us)
    tau_m = C / g
    t_peak = tau_s * tau_m / (tau_m - tau_s) * np.log(tau_m / tau_s)
    peak = i0 * tau_s * tau_m / (C * (tau_m - tau_s)) * (np.exp(-t_peak / tau_m) - np.exp(-t_peak / tau_s))
    critical = g * (peak - float(p.V_th - p.E_L))
    assert 100e-12 < critical < 125e-12
    b2.start_scope()
    cells = olive_group(2, p)
    held = np.array([0.9, 1.1]) * critical
    cells.I_no = held * b2.amp
    cells.v = (float(p.E_L) - held / g) * b2.volt  # the steady state under that inhibition
    cells.I_us = i0 * b2.amp  # one kick at t = 0
    spikes = b2.SpikeMonitor(cells)
    net = b2.Network(cells, spikes)
    target = b2.prefs.codegen.target
    b2.prefs.codegen.target = "numpy"  # two cells for 60 ms: no compiler needed
    try:
        net.run(60 * ms, namespace={})
    finally:
        b2.prefs.codegen.target = target
    assert np.bincount(np.asarray(spikes.i), minlength=2).tolist() == [1, 0]


def test_mossy_nuclei_plasticity_follows_the_purkinje_inhibition():
    """MF→DCN rule (off by default), per mossy spike: Δw = η[(θ+ − I_r)/θ+] − η[(I_r − θ−)/θ−],
    each bracket clipped to [0, 1], w clipped to [0, w_max]. Four DCN cells under steady
    Purkinje inhibition (I_r = I_pc once settled): none (+η per spike), half of θ+ (+η/2), inside
    the dead zone (no change), twice θ− (−η per spike, floored at 0)."""
    import brian2 as b2

    from engramlab.models.nuclei import NucleiParams, mossy_nuclei_synapses, nuclei_group
    params = NucleiParams(mf_eta=2 * pA, mf_theta_ltp=100 * pA, mf_theta_ltd=200 * pA, mf_w_max=30 * pA)
    # NumPy target: Cython would compile ten modules for this 250 ms run alone (~40 s from an empty
    # cache); the conftest fixture restores the preference afterwards
    b2.prefs.codegen.target = "numpy"
    clock = b2.Clock(dt=0.1 * ms)
    dcn = nuclei_group(4, params, clock=clock)
    inhibition = np.array([0.0, 50.0, 150.0, 400.0])
    dcn.I_read = inhibition * pA  # already settled: I_read follows a steady I_pc
    mossy = b2.SpikeGeneratorGroup(1, np.zeros(10, int), np.arange(10) * 20 * ms + 5 * ms, clock=clock)
    gate = b2.TimedArray(np.ones(1), dt=1 * second)
    syn = mossy_nuclei_synapses(mossy, dcn, params, gate, clock=clock)
    syn.w = [0.0, 0.0, 15.0, 15.0] * pA
    dcn.namespace["held"] = b2.TimedArray(inhibition[None, :] * pA, dt=1 * second)
    dcn.run_regularly("I_pc = held(t, i)", dt=0.1 * ms, when="before_synapses")
    net = b2.Network(dcn, mossy, syn)
    net.run(250 * ms, namespace={})
    w = np.asarray(syn.w[:]) / float(pA)
    # 10 spikes: × 2 pA; × 1 pA; nothing; 15 pA − 10 × 2 pA, clipped at 0 (I_pc, reset every
    # step, decays within it, so I_read settles ~1 % below the set value: 10.09 pA, not 10)
    np.testing.assert_allclose(w, [20.0, 10.0, 15.0, 0.0], atol=0.15)
    with pytest.raises(ConfigError, match="mf_theta_ltp"):
        NucleiParams(mf_theta_ltp=300 * pA, mf_theta_ltd=200 * pA)


@pytest.mark.slow
def test_mossy_nuclei_weight_history_samples_every_trial_start_and_moves_only_with_mossy_spikes():
    """With the MF→DCN site on, the record holds its n_mf × n_dcn weights at every trial start;
    a weight changes only between samples in which its mossy fibre spiked (the rule acts per
    presynaptic spike) and stays inside [0, w_max]. Off by default: no history at all."""
    base = MicrozoneConfig(r=200, m=4, n_dcn=2, target="numpy", seed=5)  # 2 DCN cells: the (i, j) layout
    cfg = dataclasses.replace(base, nuclei=dataclasses.replace(base.nuclei, mf_eta=3 * pA))
    zone = CerebellarMicrozone(cfg, trial_period=0.4)
    for paired in (True, True, False):
        zone.add_trial(0.4, "tone", 0.05, 0.28, (0, 1, 2, 3) if paired else (), 0.25)
    rec = zone.run()
    hist = rec.mf_dcn_weight_history
    assert hist.shape == (3, cfg.n_mf, cfg.n_dcn)
    assert np.all(hist[0] == 0)  # the site starts empty (w = 0 before the first mossy spike)
    syn = zone.mossy_nuclei
    final = np.zeros(hist.shape[1:])
    final[np.asarray(syn.i), np.asarray(syn.j)] = np.asarray(syn.w_)
    series = np.concatenate([hist, final[None]])
    assert series.min() >= 0 and series.max() <= float(cfg.nuclei.mf_w_max)
    mf_t, mf_i = rec.spikes["mossy"]
    edges = [0.0, 0.4, 0.8, 1.2]
    moved = 0
    for k in range(3):
        fired = np.unique(mf_i[(mf_t >= edges[k]) & (mf_t < edges[k + 1])])
        changed = np.flatnonzero(np.any(series[k + 1] != series[k], axis=1))
        assert set(changed) <= set(fired), f"trial {k}: a weight moved without a mossy spike"
        moved += changed.size
    # measured (seed 5): 36 lines grow (to ≤ 6 pA) in trial 0, while the DCN's Purkinje inhibition
    # rises from 0 through θ+; afterwards it stays inside the dead zone [θ+, θ−] and nothing moves
    assert moved > 0
    assert float(base.nuclei.mf_eta) == 0  # off by default (the eyeblink run then saves no history)


def test_window_counts_pool_each_lines_cells():
    from engramlab.analysis.readout import window_counts
    # 2 lines × 2 cells; windows [0.01, 0.03) and [0.11, 0.13) (slot starts 0 and 0.1, offset 10 ms)
    t = np.array([0.005, 0.015, 0.02, 0.025, 0.12, 0.129, 0.131])
    i = np.array([0, 0, 1, 3, 2, 3, 0])
    got = window_counts(t, i, [0.0, 0.1], 0.01, 0.02, lines=2, cells_per_line=2)
    np.testing.assert_array_equal(got, [[2, 1], [0, 2]])  # hand count; 0.005 and 0.131 lie outside
    with pytest.raises(ConfigError, match="spike indices"):
        window_counts(t, i, [0.0, 0.1], 0.01, 0.02, lines=1, cells_per_line=2)


def test_trials_to_criterion():
    from engramlab.analysis.eyeblink_summary import trials_to_criterion
    assert trials_to_criterion([0, 60, 40, 50, 90], 10) == 50  # blocks 4 and 5 are the first pair
    assert trials_to_criterion([0, 50, 50], 5) == 15
    assert trials_to_criterion([80, 0, 80], 10) is None
    assert trials_to_criterion([100, 100], 10, trials=15) == 15  # a short last block counts its length


def test_pause_trough_time():
    t = np.arange(0, 0.3, 0.005)
    # a V-shaped pause with a single lowest point at 200 ms
    assert pause_trough_time(t, -60 + 600 * np.abs(t - 0.2)) == pytest.approx(0.2)
    floor = np.clip(600 * np.abs(t - 0.2) - 60, -40, 0)  # silent (floor at -40) from 170 to 230 ms
    assert pause_trough_time(t, floor) == pytest.approx(0.2, abs=0.006)
    assert pause_trough_time(t, floor) != pytest.approx(t[np.argmin(floor)])  # argmin: the first bin


def test_trial_rates_counts_spikes():
    starts = np.array([0.0, 1.0])
    t = np.array([0.27, 0.28, 1.21, 1.5])
    i = np.array([0, 1, 1, 0])
    axis, rates = trial_rates(t, i, starts, 0.2, (-0.1, 0.2), 0.05, cells=2)
    # trial 0: spikes at +70 and +80 ms after CS onset, in bin [50, 100) ms
    assert rates[0].sum() * 0.05 * 2 == 2
    assert rates[0][np.searchsorted(axis, 0.075)] == pytest.approx(2 / (0.05 * 2))
    assert rates[1].sum() * 0.05 * 2 == 1  # the spike at 1.5 s is outside the window


def test_eyeblink_schedule_and_bad_inputs():
    plan = schedule(EyeblinkConfig(trials=20, extinction_trials=10, reacquisition_trials=10))
    assert len(plan) == 50  # with the 10 lesion trials right after acquisition
    assert [phase for phase, _, _ in plan[18:32]] == [0, 0] + [3] * 10 + [1, 1]
    assert all(not paired and not probe for phase, paired, probe in plan if phase == 3)
    assert [paired for _, paired, _ in plan[:10]] == [True] * 9 + [False]  # every 10th is a probe
    assert [probe for _, _, probe in plan[:10]] == [False] * 9 + [True]
    assert all(not paired and not probe for phase, paired, probe in plan if phase == 1)
    assert sum(probe for phase, _, probe in plan if phase == 2) == 1
    with pytest.raises(ConfigError, match=r"isi must lie in \(0, inf\) ms, got -50"):
        EyeblinkConfig(isi=-50 * ms)
    with pytest.raises(ValueError, match="isi"):
        EyeblinkConfig(isi=0 * ms)
    with pytest.raises(ValueError, match="trials"):
        EyeblinkConfig(trials=0)
    # the trial period follows the longest tone (the 300 ms-extended probe), rounded up to 100 ms
    zone = MicrozoneConfig()
    assert float(EyeblinkConfig().period(zone)) == pytest.approx(2.3)  # 200 + 250 + 300 + 1500 ms
    assert float(EyeblinkConfig(isi=600 * ms).period(zone)) == pytest.approx(2.6)
    assert float(EyeblinkConfig(isi=600 * ms, probe_every=0).period(zone)) == pytest.approx(2.4)  # 30 ms US
    assert float(EyeblinkConfig(recovery=200 * ms).period(zone)) == pytest.approx(1.0)
    EyeblinkConfig(isi=900 * ms).check_fits(zone)
    with pytest.raises(ValueError, match="trial_period"):
        EyeblinkConfig(isi=900 * ms, trial_period=1 * second).check_fits(zone)
    with pytest.raises(ConfigError, match="cs must be one of"):
        run_eyeblink(MicrozoneConfig(r=10, target="numpy"), EyeblinkConfig(trials=1), cs="bell")


def test_ubc_cascade_drive_matches_an_ode_integration():
    """The closed-form mean drive P(n, x) − κ P(n, x/λ) is the step response of the two n-stage
    chains: checked against scipy's ODE solver, and its windows scale with τ (scalar timing)."""
    from scipy.integrate import solve_ivp

    p = UBCParams()
    n, lam, kappa = p.stages, p.off_ratio, p.off_gain

    def chains(_, y):
        a, b = y[:n], y[n:]
        da = np.empty(n)
        db = np.empty(n)
        da[0], db[0] = 1 - a[0], (1 - b[0]) / lam
        da[1:], db[1:] = a[:-1] - a[1:], (b[:-1] - b[1:]) / lam
        return np.concatenate([da, db])

    x = np.linspace(0, 40, 401)
    sol = solve_ivp(chains, (0, 40), np.zeros(2 * n), t_eval=x, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(sol.y[n - 1] - kappa * sol.y[-1], net_drive(x, p), atol=1e-6)
    d = net_drive(x, p)
    assert d[0] == 0 and d.max() == pytest.approx(peak_drive(p), abs=1e-3) and d[-1] < 0  # the window closes
    _, tau, frac = ubc_draw(100, p, np.random.default_rng(0))
    start, end = active_window(tau, frac, p)
    assert np.all(start > 0) and np.all(end > start)
    # one cell shape, rescaled by τ: start/τ depends on the threshold fraction only
    same = np.isclose(frac, frac[0], atol=0.02)
    np.testing.assert_allclose((start / tau)[same], (start / tau)[same][0], rtol=0.02)
    assert np.corrcoef(tau, start)[0, 1] > 0.9 and np.corrcoef(tau, end - start)[0, 1] > 0.9
    # threshold calibration: the background's steady OFF excess plus f·peak of the CS drive = rheobase
    g = ubc_gain(p, frac, 40.0, 4.0)
    np.testing.assert_allclose(g * (frac * peak_drive(p) + 0.1 * (1 - kappa)), 1.0)
    with pytest.raises(ValueError, match="no excitatory window"):
        ubc_gain(UBCParams(off_gain=1.5, frac_min=0.01, frac_max=0.02), np.array([0.01]), 40.0, 4.0)


@pytest.mark.slow
def test_ubcs_fire_in_their_predicted_windows_and_stop_while_the_tone_goes_on(small_eyeblink):
    """On the extended probes (tone 550 ms), each CS-driven UBC whose closed-form window ends before
    the tone does fires around that window's centre and mostly inside it: the window is closed
    by the OFF cascade, not by the end of the tone."""
    r = small_eyeblink
    t, i = r["spikes_ubc_t"], r["spikes_ubc_i"]
    starts, onset = r["trial_start"], float(r.params["protocol.cs_onset"])
    k = np.searchsorted(starts, t, side="right") - 1
    rel = t - starts[k] - onset
    tone = float(r.params["probe_duration"])
    start, end = r["ubc_window_start"], r["ubc_window_end"]
    cells = np.flatnonzero(~np.isnan(start) & (end < tone - 0.05))
    sel = r["trial_probe"][k] & (rel >= 0) & (rel < tone)
    med, inside = [], []
    for c in cells:
        m = sel & (i == c)
        if m.sum() >= 3:
            med.append((np.median(rel[m]), 0.5 * (start[c] + end[c])))
            inside.append(np.mean((rel[m] >= start[c] - 0.02) & (rel[m] <= end[c] + 0.05)))
    med_arr = np.array(med)
    assert len(med) >= 30
    assert np.corrcoef(med_arr[:, 0], med_arr[:, 1])[0, 1] > 0.6
    assert np.mean(inside) > 0.6
    # UBCs on lines the tone does not drive have no window
    assert np.isnan(start).sum() > 0.5 * start.size


@pytest.mark.slow
def test_ltd_targets_cells_active_before_the_us(small_eyeblink):
    r = small_eyeblink
    dw = (r["weights_final"] - r["weights_initial"]).mean(1)
    start, end = r["granule_window_start"], r["granule_window_end"]
    # cells on from before 200 ms until after 240 ms (reaching into the 20 ms kernel's look-back
    # from the complex spike ~20 ms after a 250 ms US) vs cells whose UBC windows start only after
    # the tone of a paired trial ended
    eligible = (start < 0.2) & (end > 0.24)
    late = start > 0.3
    silent = np.isnan(start)
    assert eligible.sum() > 20 and late.sum() > 20
    assert dw[eligible].mean() < -10e-12  # depressed by ≥ 10 pA of w0 = 75 pA on average
    assert dw[late].mean() > 0  # potentiated (PF-alone LTP after the tone)
    assert abs(dw[silent].mean()) < 0.25 * abs(dw[eligible].mean())  # background spikes only


@pytest.mark.slow
def test_pause_deepens_and_summary_keys(small_eyeblink):
    a = analyse_eyeblink(small_eyeblink)
    assert a.pause_depth[-4:].mean() > a.pause_depth[:3].mean() + 5
    assert 40 <= a.pc_baseline_hz <= 90
    s = eyeblink_summary(a)
    for key in ("isi_ms", "trials", "cr_percent_by_block", "pause_min_ms", "us_onset_ms", "cr_onset_ms"):
        assert key in s
    assert s["isi_ms"] == 250 and s["trials"] == 12
    assert "mf_dcn_weights_by_trial" not in small_eyeblink  # the mossy→DCN site is off by default
    # the threshold comes from CS-free stretches late in each recovery: one per trial after the
    # first that neither is nor follows a lesion trial, as long as a trial's stretch of the tone
    from engramlab.analysis.eyeblink import spontaneous_stretches

    assert s["cr_threshold_source"] == "spontaneous"
    r = small_eyeblink
    axis, rates = spontaneous_stretches(r, 0.25)
    phase, starts = r["trial_phase"], r["trial_start"]
    kept = [k for k in range(1, phase.size) if phase[k] != 3 and phase[k - 1] != 3]
    assert rates.shape == (len(kept), axis.size)
    onset, n_dcn = float(r.params["protocol.cs_onset"]), int(r.params["circuit.n_dcn"])
    probe_tone = float(r.params["probe_duration"])
    t_dcn = r["spikes_nuclei_t"]
    for row, k in enumerate(kept):  # each stretch ends 50 ms before its trial, after the previous tone
        lo, hi = starts[k] - 0.05 - 0.25 - onset, starts[k] - 0.05
        assert lo - (starts[k - 1] + onset + probe_tone) >= 0.4 - 1e-9
        direct = np.sum((t_dcn >= lo) & (t_dcn < hi))
        assert rates[row].sum() * BIN * n_dcn == pytest.approx(direct)


def test_probes_are_extended_unpaired_and_frozen(small_eyeblink):
    """Probe trials: the tone lasts 300 ms past the ISI, no US reaches the olive, and no PF→PC
    weight changes during them; the analysis reads the pause over the whole probe."""
    r = small_eyeblink
    probe = r["trial_probe"]
    assert probe.tolist() == [False] * 5 + [True] + [False] * 5 + [True] + [False] * 2  # + 2 lesion trials
    starts, onset = r["trial_start"], float(r.params["protocol.cs_onset"])
    t_mf = r["spikes_mossy_t"]
    isi = 0.25

    def mossy_count(k: int, lo: float, hi: float) -> int:
        t = t_mf - starts[k] - onset
        return int(np.sum((t >= lo) & (t < hi)))

    # 250-550 ms after CS onset: the tone is on in probes, off (background only) in paired trials
    assert mossy_count(5, isi + 0.05, isi + 0.3) > 3 * mossy_count(4, isi + 0.05, isi + 0.3)
    # the olive's US burst (500 Hz for 30 ms on every olive cell) only on paired trials
    t_io = r["spikes_olive_t"]

    def olive_count(k: int) -> int:
        t = t_io - starts[k] - onset
        return int(np.sum((t >= isi) & (t < isi + 0.05)))

    # against the first paired trial: later ones may carry a CR whose DCN burst vetoes the US's
    # complex spikes (trial 4 of this fixture evoked none since 2026-12-05's 300 pA per DCN spike)
    assert olive_count(5) < 0.2 * olive_count(0)
    a = analyse_eyeblink(r, block=6)
    assert a.probe_trials.tolist() == [5, 11]
    assert a.probe_duration == pytest.approx(isi + 0.3)
    s = eyeblink_summary(a)
    for key in ("probe_pause_min_ms", "probe_rate_at_isi_hz", "probe_recovery_rate_hz", "baseline_rate_hz",
                "olive_baseline_hz"):
        assert s[key] is not None
    # the US evokes one or two complex spikes per olive cell before any CR (trial 0, counted here);
    # the summary's per-block means (its own count, over 60 ms) lie in range
    first = olive_count(0) / int(r.params["circuit.m"])
    assert 1.0 <= first <= 2.5
    assert all(0 <= b <= 2.5 for b in s["olive_us_spikes_by_block"])
    assert 0.3 <= s["olive_baseline_hz"] <= 3  # ~1 Hz spontaneous complex spikes
    # the pause follows the interval, not the tone: its minimum lies inside the CS-US interval,
    # far from the tone's end at 550 ms, and the rate is back 150-300 ms after the ISI (fixture,
    # since 2026-12-05's olive: minimum at 242.5 ms, 35.7 Hz at the ISI after 10 paired trials,
    # 64.4 Hz recovered against 60.9 Hz at baseline; with the earlier olive 225 ms and 9.6 Hz). The
    # issue's +-15 % accuracy is measured on full runs (README: 10 of 12 default runs, ISI
    # 150-600 ms, seeds 0-2), not something 2 probes resolve.
    assert 0.5 * 250 <= s["probe_pause_min_ms"] <= 1.15 * 250
    assert s["probe_recovery_rate_hz"] >= 0.7 * s["baseline_rate_hz"]


def test_probe_drive_change_is_the_weight_weighted_granule_rate():
    """Sum over granule cells of (weight change x spikes per bin), averaged over trials, per second:
    checked against an explicit loop, and its minimum sits where the depressed cell fires."""
    rng = np.random.default_rng(0)
    starts = np.array([1.0, 3.0, 5.0])
    dw = np.array([-2e-12, 0.5e-12, 0.0])  # cell 0 depressed, cell 1 potentiated, cell 2 unchanged
    t, i = [], []
    for s0 in starts:  # cell 0 fires around 120 ms, cell 1 around 300 ms, cell 2 everywhere
        for cell, centre, n in ((0, 0.12, 8), (1, 0.30, 8), (2, 0.2, 20)):
            spread = 0.01 if cell < 2 else 0.2
            t.extend(s0 + centre + spread * rng.standard_normal(n))
            i.extend([cell] * n)
    t, i = np.array(t), np.array(i)
    edges = np.arange(-0.1, 0.5 + 1e-9, 0.005)
    got = probe_drive_change(t, i, starts, dw, edges)
    expected = np.zeros(edges.size - 1)
    for s0 in starts:
        for tk, ik in zip(t, i, strict=True):
            b = np.searchsorted(edges, tk - s0, side="right") - 1
            if 0 <= b < expected.size:
                expected[b] += dw[ik]
    expected /= starts.size * 0.005
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-24)
    axis = 0.5 * (edges[1:] + edges[:-1])
    assert abs(axis[np.argmin(got)] - 0.12) <= 0.02
    assert abs(axis[np.argmax(got)] - 0.30) <= 0.02
    with pytest.raises(ConfigError, match="dw must give one weight change per granule cell"):
        probe_drive_change(t, i, starts, dw[:2], edges)
    with pytest.raises(ConfigError, match="trial_starts must hold at least one"):
        probe_drive_change(t, i, [], dw, edges)


def test_probe_pause_lies_where_the_learned_weights_put_it(small_eyeblink):
    """The Purkinje minimum on a probe follows the minimum of the learned PF drive change on that
    probe (weights x granule spikes, no Purkinje cell): -2.5 to +30 ms apart (median +3.75 ms) on
    40 full default runs, seeds 0-9 x 4 ISIs (README, eyeblink, "What holds"). Here the last
    probe, whose weights are the run's final ones (plasticity is frozen on it and on the lesion
    trials after it): 205 against 200 ms."""
    r = small_eyeblink
    a = analyse_eyeblink(r, block=6)
    assert eyeblink_summary(a)["probe_drive_change_min_ms"] is not None
    axis = a.axis
    width = axis[1] - axis[0]
    edges = np.append(axis - width / 2, axis[-1] + width / 2)
    dw = (r["weights_final"] - r["weights_initial"]).mean(axis=1)
    last = int(a.probe_trials[-1])
    onset = float(r.params["protocol.cs_onset"])
    change = gaussian_filter1d(probe_drive_change(r["spikes_granule_t"], r["spikes_granule_i"],
                                                  r["trial_start"][[last]] + onset, dw, edges), 4, mode="nearest")
    rate = gaussian_filter1d(a.pc_rate[last], 4, mode="nearest")
    tone = (axis >= 0) & (axis <= a.probe_duration)
    t_drive = pause_trough_time(axis[tone], change[tone] - change[axis < 0].mean())
    t_rate = pause_trough_time(axis[tone], rate[tone] - rate[axis < 0].mean())
    assert abs(t_rate - t_drive) <= 0.015
    # the learned change is a loss of drive during the tone (LTD on the tone's PFs), none before it
    pre = change[axis < 0]
    assert change[tone].min() < pre.mean() - 5 * max(pre.std(), 1e-30)


def test_weights_at_the_end_of_acquisition_are_those_the_frozen_lesion_trials_keep(small_eyeblink):
    """The weight monitor's sample at the end of acquisition (trials × trial period) equals the final
    weights to the bit when only lesion trials (plasticity frozen) follow, and differs from the
    initial ones. (Any instant from the last probe's start to the run's end would pass this: the
    sample's exact step is set by rounding the acquisition's length to whole steps.)"""
    r = small_eyeblink
    assert r["trial_phase"].tolist()[-2:] == [3, 3] and (r["trial_phase"][:-2] == 0).all()
    np.testing.assert_array_equal(r["weights_end_of_acquisition"], r["weights_final"])
    assert np.abs(r["weights_end_of_acquisition"] - r["weights_initial"]).max() > 1e-12


def test_drive_change_takes_the_end_of_acquisition_weights_when_extinction_follows(small_eyeblink_configs):
    """With extinction after acquisition (plasticity on again) the final weights are no longer the
    probes'; the drive change is computed from the weights recorded at the end of acquisition, whose
    last probe closes it. The run is the fixture's schedule with 4 extinction trials (the same
    compiled program: another schedule of one structure). Checked: extinction moved the weights; the
    analysis's drive change is the one recomputed here from those weights, not from the final ones;
    and on the last probe its minimum lies within 15 ms of the Purkinje minimum, as on the run
    without extinction (test_probe_pause_lies_where_the_learned_weights_put_it)."""
    import dataclasses

    from engramlab.protocols.eyeblink import run_eyeblink
    circuit, protocol = small_eyeblink_configs
    r = run_eyeblink(circuit, dataclasses.replace(protocol, extinction_trials=4))
    assert r["trial_phase"].tolist()[-4:] == [1, 1, 1, 1]
    at_end, final = r["weights_end_of_acquisition"], r["weights_final"]
    assert np.abs(final - at_end).max() > 1e-12
    a = analyse_eyeblink(r, block=6)
    summary = eyeblink_summary(a)
    assert summary["probe_drive_change_min_ms"] is not None
    axis = a.axis
    width = axis[1] - axis[0]
    edges = np.append(axis - width / 2, axis[-1] + width / 2)
    onset = float(r.params["protocol.cs_onset"])
    starts = r["trial_start"][a.probe_trials] + onset

    def drive(weights, trial_starts):
        dw = (weights - r["weights_initial"]).mean(axis=1)
        return gaussian_filter1d(probe_drive_change(r["spikes_granule_t"], r["spikes_granule_i"], trial_starts, dw,
                                                    edges), 0.02 / width, mode="nearest")

    np.testing.assert_allclose(a.probe_drive_change, drive(at_end, starts), rtol=1e-12, atol=0)
    assert not np.allclose(a.probe_drive_change, drive(final, starts), rtol=1e-3, atol=0)
    # the last probe, whose weights these are exactly: 232.5 against 235 ms (200 against 205 ms
    # in the fixture's run without extinction, whose acquisition draws other inputs)
    last = int(a.probe_trials[-1])
    tone = (axis >= 0) & (axis <= a.probe_duration)
    change = drive(at_end, r["trial_start"][[last]] + onset)
    rate = gaussian_filter1d(a.pc_rate[last], 4, mode="nearest")
    t_drive = pause_trough_time(axis[tone], change[tone] - change[axis < 0].mean())
    t_rate = pause_trough_time(axis[tone], rate[tone] - rate[axis < 0].mean())
    assert abs(t_rate - t_drive) <= 0.015


def test_lesion_trials_cut_the_purkinje_inhibition_of_the_dcn(small_eyeblink):
    """Lesion trials (after acquisition): no PC→DCN inhibition, so the DCN fires far above its
    intact rate; plasticity frozen; CRs scored by the same rule and reported."""
    r = small_eyeblink
    phase = r["trial_phase"]
    assert phase.tolist()[-2:] == [3, 3]
    a = analyse_eyeblink(r, block=6)
    les = eyeblink_summary(a)["lesion"]
    assert les["trials"] == 2
    assert les["dcn_baseline_hz"] > 3 * a.dcn_baseline_hz
    assert 0 <= les["cr_percent"] <= les["response_percent"] <= 100


def test_plasticity_is_frozen_during_probes():
    """A run of one probe trial leaves every PF→PC weight where it was; a paired trial does not."""
    circuit = MicrozoneConfig(r=200, m=4, n_dcn=1, target="numpy", seed=1)
    short = {"cs_onset": 100 * ms, "lesion_trials": 0, "recovery": 300 * ms}
    frozen = run_eyeblink(circuit, EyeblinkConfig(trials=1, probe_every=1, **short))
    np.testing.assert_array_equal(frozen["weights_final"], frozen["weights_initial"])
    assert frozen["trial_probe"].tolist() == [True]
    paired = run_eyeblink(circuit, EyeblinkConfig(trials=1, probe_every=0, **short))
    assert np.any(paired["weights_final"] != paired["weights_initial"])


@pytest.mark.slow
def test_associative_learning_and_reversal():
    from engramlab.analysis.associative import analyse_associative, associative_summary
    from engramlab.analysis.spikes import counts_per_window
    from engramlab.protocols.associative import AssociativeConfig, associative_circuit, run_associative
    # the task's defaults (seed 2), 20 + 30 trials
    res = run_associative(associative_circuit(device="cpp_standalone", seed=2),
                          AssociativeConfig(trials=20, reversal_trials=30))
    a = analyse_associative(res)
    s = associative_summary(a)
    assert s["accuracy_by_block"][-1] >= 0.9 and s["reversal_accuracy_by_block"][-1] >= 0.9
    w = a.weights_by_trial
    # A-only cells onto the left group: depressed during acquisition, recovering after reversal
    assert w[20, 0, 0] < w[0, 0, 0] and w[-1, 0, 0] > w[20, 0, 0]
    assert w[-1, 0, 1] < w[20, 0, 1]  # ... while A → right is now depressed
    assert np.all(res["granule_counts"].sum(1) > 0)
    # the teacher is error-driven: a 500 Hz, 30 ms US gives each taught olive cell two complex
    # spikes while its side has not learned (first trial of each phase), and the taught side's
    # DCN burst, through nucleo-olivary inhibition, takes one of them once it has
    t = a.teacher_spikes
    assert t[0] >= 1.75 and t[20] >= 1.75
    assert t[10:20].mean() <= 1.5 and t[-10:].mean() <= 1.5
    # ... and trial by trial, fewer complex spikes go with a stronger taught-side DCN before the US
    on, isi = float(res.params["protocol.cs_onset"]), float(res.params["protocol.isi"])
    per_cell = counts_per_window(res["spikes_nuclei_t"], res["spikes_nuclei_i"],
                                 res["trial_start"] + on + isi - 0.1, 0.1, 2)  # 100 ms before the US
    pre_us = per_cell[np.arange(t.size), a.taught]
    assert pre_us[t <= 1.25].mean() > pre_us[t >= 1.75].mean() + 2
    with pytest.raises(ValueError, match="tones 'A' and 'B'"):
        run_associative(MicrozoneConfig(r=10, target="numpy", m=4, n_dcn=2), AssociativeConfig(trials=2))


def test_microzone_config_errors():
    with pytest.raises(ConfigError, match="n_dcn must divide m = 10"):
        MicrozoneConfig(m=10, n_dcn=4)
    with pytest.raises(ValueError, match="cs_lines"):
        MicrozoneConfig(n_mf=10, cs_lines={"a": 8, "b": 8})
    with pytest.raises(ValueError, match="kernel"):
        MicrozoneConfig(plasticity=PFPlasticityParams())
    # thresholds so low that the background's steady OFF current already exceeds them: no window
    with pytest.raises(ConfigError, match=r"ubc frac_min = 0\.05.*no UBC window"):
        MicrozoneConfig(ubc=UBCParams(frac_min=0.05, frac_max=0.1))
    with pytest.raises(ConfigError, match=r"UBCParams.n must lie in \[1"):
        UBCParams(n=0)
    zone = CerebellarMicrozone(MicrozoneConfig(r=20, m=2, n_dcn=1, target="numpy"), trial_period=1.0)
    with pytest.raises(ValueError, match="inside the trial"):
        zone.add_trial(1.0, "tone", 0.9, 0.3)
    with pytest.raises(ValueError, match="us_targets"):
        zone.add_trial(1.0, "tone", 0.2, 0.3, (5,), 0.25)
    with pytest.raises(ConfigError, match=r"built for \(1\.0 s"):
        zone.add_trial(0.5, "tone", 0.1, 0.2)


@pytest.mark.slow
def test_microzone_cpp_standalone_reproduces_runtime_spikes(tmp_path):
    """The whole trial protocol as one compiled C++ program gives the runtime network's spikes."""
    import shutil
    if shutil.which("g++") is None:
        pytest.skip("needs a C++ compiler")
    records = []
    for device in ("runtime", "cpp_standalone"):
        zone = CerebellarMicrozone(MicrozoneConfig(r=200, m=4, n_dcn=1, target="numpy", device=device, seed=5),
                                   trial_period=0.4, record_weights_every=0.4)
        for paired in (True, True, False):
            zone.add_trial(0.4, "tone", 0.05, 0.28, (0, 1, 2, 3) if paired else (), 0.25)
        records.append(zone.run())
        if device == "cpp_standalone":
            assert zone.timings["compile"] > 0 and zone.timings["simulate"] > 0
            with pytest.raises(ValueError, match="runs once"):
                zone.add_trial(0.4, "tone", 0.05, 0.28)
                zone.run()
        del zone  # a live runtime network would rename the standalone program's code (select_device warns)
    a, b = records
    assert a.spikes["granule"][0].size > 100 and a.spikes["olive"][0].size > 0
    for pop in ("mossy", "granule", "purkinje", "olive", "nuclei"):
        np.testing.assert_array_equal(a.spikes[pop][1], b.spikes[pop][1], err_msg=pop)
        np.testing.assert_allclose(a.spikes[pop][0], b.spikes[pop][0], atol=1e-9, err_msg=pop)
    np.testing.assert_allclose(a.weights, b.weights, rtol=1e-9, atol=1e-18)
    # the weight history (a StateMonitor on all r × m synapses) is recorded on both devices
    assert a.weight_history.shape == b.weight_history.shape == (200 * 4, 3)
    np.testing.assert_allclose(a.weight_history, b.weight_history, rtol=1e-9, atol=1e-18)
    assert np.abs(b.weights - b.weights_initial).max() > 1e-13  # plasticity ran in the program (A)


def test_olive_counts_by_hand():
    """US complex spikes per cell per paired trial, pre-CS rate and the extinction CS-period rate
    (overall and by block), on four hand-placed trials of a two-cell olive."""
    from engramlab.analysis.eyeblink import ACQ, EXT, US_RESPONSE_WINDOW, _olive_stats

    starts = np.array([0.0, 2.0, 4.0, 6.0])
    onset, isi = 0.2, np.full(4, 0.25)
    spikes = [0.1,                      # trial 0, before the CS
              0.46, 0.47, 0.49,         # trial 0: three complex spikes after the US (at 0.45 s)
              2.46,                     # trial 1: one
              4.3,                      # trial 2 (extinction): one during the CS
              6.3, 6.35, 6.4]           # trial 3 (extinction): three during the CS
    assert 0.49 - 0.45 < US_RESPONSE_WINDOW
    out = _olive_stats({"spikes_olive_t": np.array(spikes)}, starts, onset, isi,
                       np.array([ACQ, ACQ, EXT, EXT], dtype=np.int8), np.array([True, True, False, False]),
                       m=2, block=1)
    assert out["us_spikes_by_block"] == pytest.approx([1.5, 0.5])
    assert out["baseline_hz"] == pytest.approx(1 / 2 / 0.2 / 4)  # one spike, two cells, 4 × 200 ms
    assert out["extinction_cs_hz_by_block"] == pytest.approx([1 / 2 / 0.25, 3 / 2 / 0.25])
    assert out["extinction_cs_hz"] == pytest.approx(4 / 2 / 0.25 / 2)


def test_every_granule_input_arrives_one_mf_delay_after_its_mossy_or_ubc_spike():
    """Mossy lines and brush-cell axons reach the granule cells through one synapse group (so the
    seed does not size two groups: test_program_cache.py); each EPSC must still arrive exactly
    ``mf_delay`` after its spike, also for a line firing on two consecutive steps. Expected jumps of
    every granule cell's I_mf are computed from the drawn wiring and the recorded spikes alone."""
    import brian2 as b2

    cfg = MicrozoneConfig(r=60, n_mf=10, k=4, m=2, n_dcn=1, cs_lines={"tone": 2}, mf_background=0 * b2.Hz,
                          target="numpy", seed=1, ubc=dataclasses.replace(UBCParams(), n=10))
    zone = CerebellarMicrozone(cfg)
    dt, steps = float(cfg.dt), 60
    zone.mossy.set_spikes([3, 3, 5], np.array([10, 11, 30]) * dt * second)  # line 3 back to back
    zone.ubc.v[2] = cfg.ubc.V_th + 5 * b2.mV  # brush cell 2 fires at step 0
    current = b2.StateMonitor(zone.granule, "I_mf", record=True)
    ubc_spikes = b2.SpikeMonitor(zone.ubc)
    zone.network.add(current, ubc_spikes)
    zone.network.run(steps * dt * second)

    delay = round(float(cfg.mf_delay) / dt)
    sent = np.zeros((steps, cfg.n_mf + cfg.ubc.n))  # spikes per step on each granule input
    sent[[10, 11, 30], [3, 3, 5]] = 1
    np.add.at(sent, (np.round(np.asarray(ubc_spikes.t) / dt).astype(int), cfg.n_mf + np.asarray(ubc_spikes.i)), 1)
    assert sent[:, cfg.n_mf + 2].sum() >= 1
    weight = np.r_[np.full(cfg.n_mf, float(cfg.w_mf)), np.full(cfg.ubc.n, float(cfg.ubc.w_out))]
    expected = np.zeros((steps, cfg.r))
    for cell, inputs in enumerate(zone.mf_to_granule):
        arrive = np.flatnonzero(sent[:, inputs].sum(1)) + delay
        for step in arrive[arrive < steps]:
            expected[step, cell] += (sent[step - delay, inputs] * weight[inputs]).sum()
    # the monitor records at the start of a step: what arrived at step n shows at n + 1, on top of
    # the exponential decay of the step's current
    i_mf = np.asarray(current.I_mf).T  # (steps, r)
    decay = np.exp(-dt / float(cfg.granule.tau_exc))
    jumps = i_mf[1:] - i_mf[:-1] * decay
    assert expected[:-1].sum() > 0 and expected[16].sum() > 0  # the back-to-back spike arrived too
    np.testing.assert_allclose(jumps, expected[:-1], atol=1e-3 * float(cfg.w_mf))


def test_mf_delay_shorter_than_one_step_is_refused():
    with pytest.raises(ConfigError, match="mf_delay"):
        MicrozoneConfig(mf_delay=0.1 * ms)
