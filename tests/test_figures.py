"""Every figure function draws what its data says: each test reads the artists back.

The expected values are recomputed here from the analysis (or from an independent formula),
not read from the figure code.
"""

import math

import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle, StepPatch
from scipy import stats
from scipy.ndimage import gaussian_filter1d

from engramlab.analysis import hopfield, sdm
from engramlab.analysis.eyeblink import analyse_eyeblink
from engramlab.analysis.figures import cerebellum as fc
from engramlab.analysis.figures import conditioning as fcd
from engramlab.analysis.figures import hippocampus as fh
from engramlab.analysis.figures import theory as ft
from engramlab.analysis.grid import autocorrelogram
from engramlab.analysis.navigation import baseline_accuracy, binned_accuracy
from engramlab.analysis.theory import sdm_attention_comparison


def lines(ax):
    return [ln for ln in ax.get_lines() if len(np.atleast_1d(ln.get_xdata())) > 0]


def ydata(line):
    return np.asarray(line.get_ydata(), dtype=float)


# ----------------------------------------------------------------------------------------------
# cerebellar SDM
# ----------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_active_count_theory_has_the_histograms_area_and_scale(sdm_analysis):
    a = sdm_analysis
    fig = fc.active_count_figure(a)
    ax = fig.axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    hist_area = sum(b.get_width() * b.get_height() for b in bars)
    stairs = [p for p in ax.patches if isinstance(p, StepPatch)]
    assert len(stairs) == 1
    values, edges = stairs[0].get_data()[:2]
    theory_area = float(np.sum(values * np.diff(edges)))
    assert hist_area == pytest.approx(1.0, rel=1e-9)
    # the drawn range covers ± 4 SD: the theory holds all but a sliver of its mass there
    assert theory_area == pytest.approx(hist_area, abs=2e-3)
    # and per bin it is the binomial probability of the bin's integers over the bin width
    p = a.active_expected / a.r
    for v, lo, hi in zip(values, edges[:-1], edges[1:], strict=True):
        ints = np.arange(math.ceil(lo), math.floor(hi) + 1)
        assert v == pytest.approx(stats.binom.pmf(ints, a.r, p).sum() / (hi - lo), rel=1e-9, abs=1e-15)


@pytest.mark.slow
def test_overlap_figure_draws_the_measured_and_exact_overlaps(sdm_analysis):
    ov = sdm_analysis.overlap
    fig = fc.overlap_figure(sdm_analysis)
    ax, axz = fig.axes
    drawn = lines(ax)
    pos = ov.mean > 0
    np.testing.assert_allclose(ydata(drawn[0]), ov.mean[pos])
    ok = np.isfinite(ov.expected) & (ov.expected > 0)
    exact = np.asarray(sdm.expected_intersection(sdm_analysis.n, sdm_analysis.radius, ov.dv[ok], sdm_analysis.r))
    by_label = {ln.get_label(): ln for ln in drawn}
    np.testing.assert_allclose(ydata(by_label["exact circle intersection (r/2^n)|∩|"]), exact, rtol=1e-12)
    # the blurred ball: the measured firing probability by distance, through the soft intersection
    a = sdm_analysis
    blur = np.interp(np.arange(a.n + 1), a.fire_distance, a.fire_probability)
    soft = np.asarray(sdm.soft_intersection(a.n, blur, ov.dv, a.r))
    blurred = next(ln for label, ln in by_label.items() if label.startswith("blurred ball"))
    np.testing.assert_allclose(ydata(blurred), soft[soft > 0], rtol=1e-12)
    test = np.isfinite(ov.z) & (ov.expected >= 5)
    z_line = next(ln for ln in lines(axz) if ln.get_marker() == "o")
    np.testing.assert_allclose(ydata(z_line), (ov.mean[test] - ov.expected[test]) / ov.se[test], rtol=1e-9)


@pytest.mark.slow
def test_weights_figure_draws_the_changes_and_the_counter_line(sdm_analysis, sdm_result):
    a = sdm_analysis
    fig = fc.weights_figure(a)
    ax = fig.axes[0]
    points, line = lines(ax)
    dw = (sdm_result["weights_final"] - sdm_result["weights_initial"]) * 1e12
    assert set(np.round(ydata(points), 6)) <= set(np.round(dw.ravel(), 6))
    x = np.asarray(line.get_xdata(), dtype=float)
    slope = np.diff(ydata(line))[0] / np.diff(x)[0]
    assert slope == pytest.approx(-float(sdm_result.params["circuit.plasticity.a_plus"]) * 1e12)
    ratio = sdm_result.params["circuit.plasticity.ltd_ltp_ratio"]
    assert ax.get_title().startswith(f"Consistency check: {ratio:g}:1 LTD:LTP")


@pytest.mark.slow
def test_readout_and_attention_figures_draw_the_analysis(sdm_analysis):
    a = sdm_analysis
    fig = fc.readout_figure(a)
    left, right = fig.axes
    dcn, pc, numpy_read, ideal, pattern = lines(left)[:5]
    np.testing.assert_allclose(ydata(dcn), a.accuracy_dcn)
    np.testing.assert_allclose(ydata(pc), a.accuracy_purkinje)
    np.testing.assert_allclose(ydata(numpy_read), a.accuracy_numpy)
    np.testing.assert_allclose(ydata(ideal), a.accuracy_ideal)
    np.testing.assert_allclose(ydata(pattern), a.accuracy_pattern)
    agree, disagree = [ln for ln in lines(right) if ln.get_linestyle() == "None"]
    assert len(agree.get_xdata()) + len(disagree.get_xdata()) == a.numpy_sums.size
    assert len(disagree.get_xdata()) == int(np.sum(a.spike_bits != a.numpy_bits))
    # the DCN counts are drawn (jittered by < 0.25) against the threshold line at the rest mean
    counts = np.sort(np.concatenate([ydata(agree), ydata(disagree)]))
    np.testing.assert_allclose(counts, np.sort(a.dcn_counts.ravel().astype(float)), atol=0.25)
    threshold = next(ln for ln in lines(right) if ln.get_linestyle() == "-")
    assert ydata(threshold)[0] == pytest.approx(a.dcn_baseline_count)
    fig = fc.attention_figure(a)
    for ax in fig.axes:
        measured, predicted, fitted, theory = lines(ax)
        np.testing.assert_allclose(ydata(measured), a.attention_measured)
        soft = np.exp(a.beta_theory * a.attention_cos)
        np.testing.assert_allclose(ydata(predicted), soft / soft.sum(), rtol=1e-9)
        soft = np.exp(a.beta_fit * a.attention_cos)
        np.testing.assert_allclose(ydata(fitted), soft / soft.sum(), rtol=1e-9)
        np.testing.assert_allclose(ydata(theory), a.attention_theory)


@pytest.mark.slow
def test_activation_panel_draws_the_firing_probability_and_the_ideal_ball(sdm_analysis):
    a = sdm_analysis
    ax = fc.active_count_figure(a).axes[1]
    measured, ball = lines(ax)
    np.testing.assert_allclose(ydata(measured), a.fire_probability)
    np.testing.assert_array_equal(ydata(ball), (a.fire_distance <= a.radius).astype(float))
    assert f"{a.activation_jaccard:.2f}" in ax.get_title()


@pytest.mark.slow
def test_read_raster_draws_the_mean_dcn_rates(sdm_analysis, sdm_result):
    a = sdm_analysis
    fig = fc.read_raster_figure(sdm_result, a)
    rate_ax = fig.axes[2]
    ones, zeros, rest = lines(rate_ax)[:3]
    # the mean rate in the read window, from the drawn curve, is the mean count / window
    p = sdm_result.params
    offset = 0.005 + 0.001 + 0.005 + 0.004
    mid = np.asarray(ones.get_xdata()) / 1e3
    inside = (mid > offset) & (mid < offset + 0.04)
    low = a.read_noise <= 5
    for curve, bits in ((ones, a.read_target[low]), (zeros, ~a.read_target[low])):
        drawn = float(np.mean(ydata(curve)[inside])) * 0.04
        assert drawn == pytest.approx(a.dcn_counts[low][bits].mean(), rel=0.15)
    assert float(np.mean(ydata(rest))) == pytest.approx(a.dcn_baseline_hz, rel=0.1)
    assert p["circuit.slot"] == pytest.approx(0.1)


def test_capacity_figure_draws_every_design():
    from engramlab.analysis.sdm_capacity import CapacityAnalysis, CapacityRun

    counts = np.array([10, 20, 50])
    def run(label, d, shift):
        base = np.array([[1.0, 0.99], [0.98, 0.95], [0.9, 0.8]]) - shift
        return CapacityRun(label, d, 0, counts, base, base + 0.01, base + 0.02, base + 0.03, 100.0,
                           20, 20, 50, 61.0)
    a = CapacityAnalysis(64, 2000, 64, 3, (run("snr-radius", 24, 0.0), run("snr-topk", 24, 0.05),
                                           run("memory-radius", 23, 0.1)))
    fig = fc.capacity_figure(a)
    assert len(fig.axes) == 4
    clean_snr = fig.axes[0]
    drawn = lines(clean_snr)
    np.testing.assert_allclose(ydata(drawn[0]), a.runs[0].spikes[:, 0])
    np.testing.assert_allclose(ydata(drawn[3]), a.runs[0].theory[:, 0])  # theory drawn for the radius run
    np.testing.assert_allclose(ydata(drawn[4]), a.runs[1].spikes[:, 0])
    noisy_memory = fig.axes[3]
    np.testing.assert_allclose(ydata(lines(noisy_memory)[0]), a.runs[2].spikes[:, 1])
    assert "d = 23" in noisy_memory.get_title()


@pytest.mark.slow
def test_raster_draws_every_spike_in_its_window(sdm_result):
    fig = fc.raster_figure(sdm_result, slots=4)
    kind, start = sdm_result["slot_kind"], sdm_result["slot_start"]
    slot = float(sdm_result.params["circuit.slot"])
    first = int(np.flatnonzero(kind == 1)[0])
    t0 = float(start[first - 1])
    for ax, pop in zip(fig.axes, ("mossy", "granule", "olive", "purkinje", "nuclei"), strict=True):
        t = sdm_result[f"spikes_{pop}_t"]
        expected = int(np.sum((t >= t0) & (t < t0 + 4 * slot)))
        drawn = sum(len(ln.get_xdata()) for ln in lines(ax) if ln.get_marker() == "|")
        assert drawn == expected, pop


# ----------------------------------------------------------------------------------------------
# conditioning
# ----------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_eyeblink_figures_draw_the_rates_and_curves(small_eyeblink):
    a = analyse_eyeblink(small_eyeblink, block=4)
    fig = fcd.psth_figure(small_eyeblink, a)
    axes = np.array(fig.axes).reshape(3, 2)
    acq = np.flatnonzero(a.phase == 0)
    for col, trials in enumerate((acq[:4], acq[-4:])):
        pc = next(ln for ln in lines(axes[1, col]) if len(ln.get_xdata()) == a.axis.size)
        np.testing.assert_allclose(ydata(pc), gaussian_filter1d(a.pc_rate[trials].mean(0), 4))
        dcn = next(ln for ln in lines(axes[2, col]) if len(ln.get_xdata()) == a.axis.size)
        mean_dcn = a.dcn_rate[trials].mean(0)  # trailing 100 ms mean, written out independently
        np.testing.assert_allclose(ydata(dcn)[19:], np.convolve(mean_dcn, np.ones(20) / 20, mode="valid"))
        thr = next(ln for ln in lines(axes[2, col]) if ln.get_linestyle() == ":")
        assert ydata(thr)[0] == pytest.approx(a.dcn_rate[trials][:, a.axis < 0].mean() + a.threshold)
    fig = fcd.learning_curve_figure(a)
    ax, axd = fig.axes
    np.testing.assert_allclose(ydata(next(ln for ln in lines(ax) if ln.get_marker() == "o")), a.cr_percent_by_block)
    depth = ydata(lines(axd)[0])
    np.testing.assert_allclose(depth, [a.pause_depth[k:k + 4].mean() for k in range(a.pause_depth.size - 3)])
    fig = fcd.pause_timing_figure([a])
    ax, axs = fig.axes
    np.testing.assert_allclose(ydata(lines(ax)[0]), a.last_block_rate)
    marker = next(ln for ln in lines(ax) if ln.get_marker() == "v")
    assert float(marker.get_xdata()[0]) == pytest.approx(a.last_block_pause_min * 1e3)
    point = next(ln for ln in lines(axs) if ln.get_marker() == "o")
    assert float(point.get_xdata()[0]) == pytest.approx(a.isi * 1e3)
    assert float(point.get_ydata()[0]) == pytest.approx(a.last_block_pause_min * 1e3)
    fig = fcd.probe_figure(a)
    ax = fig.axes[0]
    rate = next(ln for ln in lines(ax) if ln.get_label().startswith("Purkinje rate"))
    np.testing.assert_allclose(ydata(rate), a.probe_rate)
    # the probes' rate: their binned Purkinje rate, Gaussian-smoothed (σ 20 ms) and averaged
    expected = gaussian_filter1d(a.pc_rate[a.probe_trials], 4, axis=-1, mode="nearest").mean(0)
    np.testing.assert_allclose(a.probe_rate, expected, rtol=1e-9)
    marker = next(ln for ln in lines(ax) if ln.get_marker() == "v")
    assert float(marker.get_xdata()[0]) == pytest.approx(a.probe_pause_min * 1e3)
    # the second axis: the learned PF drive change on the same probes and its minimum
    assert a.probe_drive_change.size == a.axis.size
    drive = next(ln for ln in lines(fig.axes[1]) if ln.get_label().startswith("learned PF drive change"))
    np.testing.assert_allclose(ydata(drive), a.probe_drive_change * 1e9)
    tri = next(ln for ln in lines(fig.axes[1]) if ln.get_marker() == "^")
    assert float(tri.get_xdata()[0]) == pytest.approx(a.probe_drive_change_min * 1e3)
    assert float(tri.get_ydata()[0]) == pytest.approx(float(np.min(ydata(drive)[(a.axis >= 0)
                                                                               & (a.axis <= a.probe_duration)])),
                                                      abs=0.05 * float(np.ptp(ydata(drive))))
    # the shaded recovery window is the one the summary averages over: [ISI + 150, ISI + 300] ms
    span = next(p for p in ax.patches if p.get_label() == "recovery window")
    x = span.get_path().transformed(span.get_patch_transform()).vertices[:, 0]
    assert (x.min(), x.max()) == pytest.approx(((max(a.isis) + 0.15) * 1e3, (max(a.isis) + 0.30) * 1e3))


@pytest.mark.slow
def test_associative_figures_draw_accuracy_evidence_and_weights(small_runs):
    r = small_runs["associative"]
    a = r.analysis
    fig = fcd.associative_accuracy_figure(a)
    ax, axe, axt = fig.axes
    acq, rev = [ln for ln in lines(ax) if ln.get_marker() == "o"]
    np.testing.assert_allclose(ydata(acq), a.accuracy_by_block)
    np.testing.assert_allclose(ydata(rev), a.reversal_accuracy_by_block)
    evidence = a.dcn_increase[:, 0] - a.dcn_increase[:, 1]
    drawn = np.concatenate([c.get_offsets()[:, 1] for c in axe.collections if isinstance(c, PathCollection)])
    np.testing.assert_allclose(np.sort(drawn), np.sort(evidence))
    per_trial, *block_means = [ln for ln in lines(axt) if ln.get_marker() in (".", "s")]
    np.testing.assert_allclose(ydata(per_trial), a.teacher_spikes)
    np.testing.assert_allclose(np.concatenate([ydata(ln) for ln in block_means]),
                               a.teacher_spikes_by_block + a.reversal_teacher_spikes_by_block)
    fig = fcd.associative_weights_figure(a)
    w = a.weights_by_trial * 1e12
    for ln, (tone, side) in zip(lines(fig.axes[0]), ((0, 0), (0, 1), (1, 0), (1, 1)), strict=False):
        np.testing.assert_allclose(ydata(ln), w[:, tone, side])


# ----------------------------------------------------------------------------------------------
# hippocampus
# ----------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_navigation_figures_draw_binned_accuracy_and_spike_fractions(small_runs):
    a = small_runs["navigation"].analysis
    fig = fh.navigation_figure(a)
    bins = np.linspace(0, 1, 11)
    node = baseline_accuracy(a.stats.node_seen, a.observations) > 0.5
    edge = baseline_accuracy(a.stats.edge_seen, a.observations) > 0.5
    for ax, x in zip(fig.axes, (a.stats.nodes_fraction, a.stats.edges_fraction), strict=True):
        circuit, attention, node_line, edge_line = lines(ax)
        np.testing.assert_allclose(ydata(circuit), binned_accuracy(a.correct, x, bins))
        np.testing.assert_allclose(ydata(attention), binned_accuracy(a.attention_correct, x, bins))
        np.testing.assert_allclose(ydata(node_line), binned_accuracy(node, x, bins))
        np.testing.assert_allclose(ydata(edge_line), binned_accuracy(edge, x, bins))
    fig = fh.softmax_spikes_figure(a)
    ax, axe = fig.axes
    pts = lines(ax)[0]
    pairs = set(zip(np.round(a.softmax_weights.ravel(), 9), np.round(a.spike_weights.ravel(), 9), strict=True))
    assert set(zip(np.round(ydata(pts) * 0 + np.asarray(pts.get_xdata(), float), 9),
                   np.round(ydata(pts), 9), strict=True)) <= pairs
    heights = [p.get_height() for p in axe.patches if isinstance(p, Rectangle)]
    assert sum(heights) == a.weight_error.size
    # the memory-neuron pool (the fixture's default model) adds the binned means: the calibration
    assert a.extra["memory_model"] == "pool"
    from engramlab.analysis.memory_pool import calibration_curve
    mean_w, mean_s, _ = calibration_curve(a.spike_weights, a.softmax_weights)
    curve = lines(ax)[2]
    np.testing.assert_allclose(np.asarray(curve.get_xdata(), float), mean_w)
    np.testing.assert_allclose(ydata(curve), mean_s)


@pytest.mark.slow
def test_graph_path_integration_figure_draws_every_action_and_the_accumulated_error(small_runs):
    a = small_runs["navigation"].analysis
    pi = a.path_integration
    fig = fh.graph_path_integration_figure(a)
    left, middle, right = fig.axes
    modules = pi["measured"].shape[0]
    for m in range(modules):
        points = lines(left)[m]
        np.testing.assert_allclose(np.asarray(points.get_xdata(), float), pi["predicted"][m].ravel())
        np.testing.assert_allclose(ydata(points), pi["measured"][m].ravel())
        np.testing.assert_allclose(ydata(lines(middle)[m]), np.sort(pi["step_error"][m]))
        np.testing.assert_allclose(np.asarray(lines(right)[m].get_xdata(), float), pi["times"] / 60)
        np.testing.assert_allclose(ydata(lines(right)[m]), pi["cumulative_error"][m])
    assert ydata(lines(middle)[modules])[0] == 0.1  # the target line
    # off: one line saying why, no axes
    a.path_integration = None
    try:
        fig = fh.graph_path_integration_figure(a)
        assert not any(ax.axison for ax in fig.axes)
        assert [t.get_text() for t in fig.axes[1].texts] == [str(a.extra["path_integration_model"])]
    finally:
        a.path_integration = pi


@pytest.mark.slow
def test_foraging_figures_show_the_rate_maps(small_runs):
    a = small_runs["foraging"].analysis
    fig = fh.grid_maps_figure(a)
    modules = np.unique(a.grid_module)
    images = [im for ax in fig.axes for im in ax.get_images() if isinstance(im, AxesImage)]
    assert len(images) == 2 * len(modules)
    for col, k in enumerate(modules):
        cells = np.flatnonzero(a.grid_module == k)
        c = cells[np.nanargmax(a.gridness[cells])]
        np.testing.assert_allclose(fig.axes[col].get_images()[0].get_array(), a.grid_maps[c].T)
        np.testing.assert_allclose(fig.axes[len(modules) + col].get_images()[0].get_array(),
                                   autocorrelogram(a.grid_maps[c]).T)
        assert f"gridness {a.gridness[c]:.2f}" in fig.axes[len(modules) + col].get_title()
    fig = fh.place_maps_figure(a, cells=4)
    for c, ax in enumerate(fig.axes):
        np.testing.assert_allclose(ax.get_images()[0].get_array(), a.place_maps[c].T)
        assert ax.get_title().startswith(f"{a.place_fields[c]} field")


@pytest.mark.slow
def test_capacity_spiking_figure_draws_mean_overlap_per_load(small_runs):
    r = small_runs["pattern-completion"]
    load, ov, cl, lim = r["load"], r["overlap"], r["classic_overlap"], r["dale_limit_overlap"]
    fig = fh.capacity_spiking_figure(load, ov, cl, 60, lim, "dale")
    spikes, classic, limit = lines(fig.axes[0])[:3]
    loads = np.unique(load)
    np.testing.assert_allclose(ydata(spikes), [ov[load == x].mean() for x in loads])
    np.testing.assert_allclose(ydata(classic), [cl[load == x].mean() for x in loads])
    np.testing.assert_allclose(ydata(limit), [lim[load == x].mean() for x in loads])
    assert "Dale" in spikes.get_label()


# ----------------------------------------------------------------------------------------------
# equations only
# ----------------------------------------------------------------------------------------------


def test_sdm_weights_figure_draws_the_three_weight_curves():
    comp = sdm_attention_comparison(64, 11)
    fig = ft.sdm_weights_figure(comp)
    exact = np.array([float(sdm.circle_intersection(64, 11, int(v))) for v in comp.dv])
    for ax in fig.axes:
        binary, soft, continuous = lines(ax)[:3]
        np.testing.assert_allclose(ydata(binary), exact / exact.sum(), rtol=1e-12)
        w = np.exp(comp.beta * (1 - 2 * comp.dv / 64))
        np.testing.assert_allclose(ydata(soft), w / w.sum(), rtol=1e-9)
        np.testing.assert_allclose(ydata(continuous), comp.continuous)


def test_capacity_figure_draws_each_curve():
    curve = hopfield.capacity_curve(60, (0.05, 0.2), "classic", trials=1, seed=0)
    fig = ft.capacity_figure([curve])
    line = next(ln for ln in lines(fig.axes[0]) if ln.get_marker() == "o")
    np.testing.assert_allclose(ydata(line), curve.mean_overlap)
    np.testing.assert_allclose(np.asarray(line.get_xdata(), float), curve.loads)


def test_saved_svg_draws_dense_markers_as_a_bitmap_and_keeps_the_rest_vector(tmp_path, monkeypatch):
    """An axes with a 20,000-spike scatter, and one with a raster drawn as 100 rows of 60 markers,
    each become one embedded image in the SVG; a 6,000-vertex continuous line, a light line and an
    axes of few markers stay paths; the PNG is written and the figure keeps its flags, also when a
    save fails; an artist the figure already rasterized stays so."""
    from matplotlib.figure import Figure

    from engramlab.results import DENSE_ARTIST_POINTS, save_figure

    rng = np.random.default_rng(0)
    fig = Figure()
    scatter_ax, rows_ax, line_ax = fig.subplots(1, 3)
    raster = scatter_ax.scatter(rng.random(20_000), rng.integers(0, 100, 20_000), s=1)
    light, = scatter_ax.plot(np.linspace(0, 1, 50), np.linspace(0, 100, 50), gid="light_line")
    rows = [rows_ax.plot(rng.random(60), np.full(60, k), "|", ms=2)[0] for k in range(100)]
    trace, = line_ax.plot(np.linspace(0, 600, 6000), np.sin(np.linspace(0, 60, 6000)), gid="long_trace")
    few, = line_ax.plot(rng.random(30), rng.random(30), "o", gid="few_markers")
    chosen = line_ax.scatter([0.5], [0.5])
    chosen.set_rasterized(True)  # the figure's own choice: kept
    assert 60 < DENSE_ARTIST_POINTS < 100 * 60 < 20_000
    save_figure(fig, tmp_path, "dense")
    svg = (tmp_path / "dense.svg").read_text()
    assert svg.count("<image") == 3  # the scatter, the rows raster, the figure's own choice
    for gid in ("light_line", "long_trace", "few_markers"):
        assert f'id="{gid}"' in svg, gid  # still vector paths
    assert svg.count("<use ") < 200  # not 26,000 marker references
    assert len(svg) < 300_000
    assert not any(a.get_rasterized() for a in (raster, light, trace, few, *rows)) and chosen.get_rasterized()
    from matplotlib.image import imread
    assert imread(tmp_path / "dense.png").shape[:2] == (int(fig.get_figheight() * 150), int(fig.get_figwidth() * 150))

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(fig, "savefig", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        save_figure(fig, tmp_path, "broken", formats=("svg",))
    assert not any(a.get_rasterized() for a in (raster, *rows)) and chosen.get_rasterized()
    assert not (tmp_path / "broken.svg").exists()
