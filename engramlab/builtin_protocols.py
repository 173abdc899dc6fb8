"""The protocols engramlab ships: one :func:`~engramlab.registry.register` entry each.

Entries name their code by ``"module:attribute"`` strings, imported when a protocol runs, so
importing this module costs nothing. The small adapters below turn an analysis function
(``f(analysis)``) into what the registry calls (``f(result)``).

Every ``--quick`` preset but pattern-completion's (NumPy target, 4 s) runs as one C++ standalone
program (a C++ compiler is needed; add ``--set device=runtime --set target=numpy`` to run without
one). The spikes are those of the NumPy (foraging: Cython) target, and the summaries equal to
round-off; on a 2-core machine (2026-12-01) the quick runs took sdm 83 s vs 205 s on NumPy,
sdm-capacity 132 vs 376 s, eyeblink (lab 3's, 20 extinction trials) 86 vs 534 s, associative
81 vs 193 s; foraging 31 s vs 94 s on Cython (2026-12-02, empty caches).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engramlab.circuits.regimes import IDEAL_SDM, IDEAL_SDM_PROTOCOL
from engramlab.registry import CliOption, FigureSpec, ProtocolSpec, Ref, register, resolve

__all__: list[str] = []


def on_analysis(ref: Ref) -> Callable[[Any], Any]:
    """``f(analysis)`` → ``g(result) = f(result.analysis)``."""
    def call(result: Any) -> Any:
        return resolve(ref)(result.analysis)
    return call


def on_result_and_analysis(ref: Ref) -> Callable[[Any], Any]:
    """``f(result, analysis)`` → ``g(result)``."""
    def call(result: Any) -> Any:
        return resolve(ref)(result, result.analysis)
    return call


def on_every_run(ref: Ref) -> Callable[[Any], Any]:
    """``f([analysis of each run])`` → ``g(result)`` (a series passes every part)."""
    def call(result: Any) -> Any:
        return resolve(ref)([run.analysis for run in result.runs()])
    return call


def _list_items(text: str) -> list[str]:
    """The comma-separated items of an option's value; an empty item (``150,,400``, ``250ms,``) is an error."""
    values = [p.strip() for p in text.split(",")]
    if not any(values):
        raise ValueError("no ISI given")
    if not all(values):
        raise ValueError("an empty item: give the ISIs separated by single commas")
    return values


def ms_list(text: str) -> list[float]:
    """``--mixed-isi 200ms,500ms`` (or ``200,0.5s``) → ``[200.0, 500.0]`` (ms); bare numbers are ms."""
    from brian2 import ms  # lazy: importing the registry stays free of Brian2

    from engramlab.models._params import parse_quantity
    values = _list_items(text)
    return [float(parse_quantity(v if any(c.isalpha() for c in v) else f"{v} ms", ms, "--mixed-isi") / ms)
            for v in values]


def isi_values(text: str) -> str | list[str]:
    """``--isi 250`` → ``"250 ms"``; ``--isi 150,250ms,0.4s`` → a list (one run per ISI)."""
    values = [v if any(c.isalpha() for c in v) else f"{v} ms" for v in _list_items(text)]
    return values[0] if len(values) == 1 else values


_CB = "engramlab.analysis.figures.cerebellum"
_CD = "engramlab.analysis.figures.conditioning"
_HC = "engramlab.analysis.figures.hippocampus"

register(ProtocolSpec(
    name="sdm",
    help="cerebellar SDM: write patterns, read noisy queries, hold spikes against the SDM equations",
    title="Cerebellar SDM: n = {n}, r = {r}, m = {m}",
    intro="A spiking cerebellar microcircuit (mossy fibres → granule cells → Purkinje cells, climbing-fibre "
          "writes) stores patterns and is held against Kanerva's SDM and softmax attention, number by number.",
    circuit="engramlab.protocols.sdm_memory:sdm_circuit",
    schedule="engramlab.protocols.sdm_memory:SDMMemoryConfig",
    prepare="engramlab.protocols.sdm_memory:prepare",
    run="engramlab.protocols.sdm_memory:run_sdm_memory",
    memory="engramlab.protocols.sdm_memory:memory_estimate",
    run_series="engramlab.protocols.sdm_memory:run_sdm_memory_series",
    analyse="engramlab.analysis.cerebellar_sdm:analyse_sdm",
    summarise=on_analysis("engramlab.analysis.sdm_summary:sdm_summary"),
    aggregate="engramlab.analysis.sdm_summary:repeat_summary",
    table="engramlab.analysis.sdm_summary:sdm_table",
    figures=(
        FigureSpec("1_active_granule_cells", "Left: granule cells active per presentation against the binomial "
                   "distribution with mean r·p(d) (Kanerva) or r·2^-k (Jaeckel). Right: how often a granule cell "
                   "fired against the distance of its hard location from the presented address, with the ideal "
                   "ball (the Jaccard index of measured and ideal sets in the title).",
                   on_analysis(f"{_CB}:active_count_figure")),
        FigureSpec("2_overlap_vs_distance", "Left: granule cells active for both a query and the pattern it "
                   "came from, against their Hamming distance, with the exact expected intersection. Right: "
                   "(measured − expected)/binomial SE where the expected count is at least 5.",
                   on_analysis(f"{_CB}:overlap_figure")),
        FigureSpec("3_weights_vs_counters", "Consistency check: learned PF→Purkinje weight changes against the "
                   "counters of the measured activation sets, each write weighted by the cell's spikes (at 2:1 "
                   "LTD:LTP the rule makes them −a₊ × counter).", on_analysis(f"{_CB}:weights_figure")),
        FigureSpec("4_readout", "Left: fraction of correct bits against query noise, decoded from DCN and "
                   "Purkinje spike counts, and the NumPy SDM on the measured and on the ideal active sets. "
                   "Right: each read's output spikes against the NumPy read sum of the measured sets.",
                   on_analysis(f"{_CB}:readout_figure")),
        FigureSpec("5_spikes_vs_softmax", "Normalised overlaps from spikes against softmax(β cos) with β "
                   "predicted by the equations (out of sample) and β fitted to these spikes (in-sample), "
                   "linear and log scale.", on_analysis(f"{_CB}:attention_figure")),
        FigureSpec("6_read_rasters", "Purkinje and DCN spikes of noise-free reads (red: output lines storing 1) "
                   "and the mean DCN rate of reads ≤ 5 bits off; grey: the read window.",
                   on_result_and_analysis(f"{_CB}:read_raster_figure")),
        FigureSpec("raster", "Spike rasters of mossy fibres, granule cells (active ones), climbing fibres, "
                   "Purkinje and DCN cells over the first slots: presentations are schedules in one run.",
                   f"{_CB}:raster_figure"),
    ),
    # quick keeps one noise-free DCN cell per 20 Purkinje cells: 12,288 noisy cells would not simulate in a minute
    quick={"r": 2000, "design_patterns": 10, "device": "cpp_standalone", "protocol": {"patterns": 10},
           "purkinje_per_dcn": 20, "dcn_per_line": 1, "nuclei": {"noise": "0 mV"}},
    presets={"regime": {"ideal": {**IDEAL_SDM, "protocol": IDEAL_SDM_PROTOCOL}}},
    headline=("bit_accuracy_noise_le_5", "numpy_agreement", "softmax_weight_error"),
    repeat_key="protocol.seed",
    lab=2,
    summary_keys=("n", "r", "m", "patterns", "regime", "readout", "noise", "bit_accuracy_by_noise",
                  "bit_accuracy_noise_le_5", "dcn_bit_accuracy_noise_le_5", "purkinje_bit_accuracy_noise_le_5",
                  "numpy_agreement", "activation_jaccard", "activation_agreement", "overlap_max_z", "beta_theory",
                  "attention_kl", "beta_fit", "softmax_weight_error", "active_mean", "active_expected",
                  "purkinje_baseline_hz", "purkinje_cv", "dcn_baseline_hz"),
    aliases=("sdm_memory",),
))

register(ProtocolSpec(
    name="sdm-capacity",
    help="cerebellar SDM capacity: recall as patterns accumulate, SNR- vs memory-optimal radius, top-k vs radius",
    title="Cerebellar SDM capacity: n = {n}, r = {r}",
    intro="Patterns are written one after another into the spiking cerebellum; at every checkpoint a sample of "
          "the stored patterns is read back (DCN-decoded) and held against the NumPy SDM on the same activation "
          "sets, on the ideal sets, and the SNR theory, for each radius design and activation mode.",
    circuit="engramlab.circuits.cerebellum:CerebellumConfig",
    schedule="engramlab.protocols.sdm_capacity:SDMCapacityConfig",
    prepare="engramlab.protocols.sdm_capacity:prepare_capacity",
    run="engramlab.protocols.sdm_capacity:run_sdm_capacity",
    memory="engramlab.protocols.sdm_capacity:capacity_memory",
    analyse="engramlab.analysis.sdm_capacity:analyse_capacity",
    summarise=on_analysis("engramlab.analysis.sdm_capacity:capacity_summary"),
    table="engramlab.analysis.sdm_capacity:capacity_table",
    figures=(
        FigureSpec("capacity", "Fraction of bits read right against the number of patterns stored, clean and "
                   "noisy reads, per radius design: spikes (DCN counts), the NumPy SDM on the measured and on the "
                   "ideal activation sets, and the SNR theory (black); dotted grey: 95 %.",
                   on_analysis(f"{_CB}:capacity_figure")),
    ),
    quick={"r": 2000, "design_patterns": 10, "device": "cpp_standalone",
           "protocol": {"counts": [5, 10, 20, 50, 100], "reads": 10, "radii": ["snr", "memory"],
                        "activations": ["radius"]}},
    presets={"regime": {"ideal": {**IDEAL_SDM, "protocol": {"rest_slots": 2}}}},
    headline=("capacity_spikes", "final_recall_spikes"),
    summary_keys=("n", "r", "m", "query_noise", "designs", "capacity_spikes", "capacity_theory",
                  "final_recall_spikes", "runs"),
))

register(ProtocolSpec(
    name="eyeblink",
    help="delay eyeblink conditioning: acquisition, probes, extinction, reacquisition, adaptive timing",
    title="Eyeblink conditioning, ISI {isi_ms:.0f} ms",
    intro="Delay eyeblink conditioning of a spiking cerebellar microzone: a 40 Hz tone on mossy fibres (CS) and "
          "a 500 Hz, 30 ms US to the olive, co-terminating; every trial runs inside one network run.",
    circuit="engramlab.circuits.microzone:MicrozoneConfig",
    schedule="engramlab.protocols.eyeblink:EyeblinkConfig",
    prepare="engramlab.protocols.eyeblink:prepare",
    run="engramlab.protocols.eyeblink:run_eyeblink",
    memory="engramlab.protocols.eyeblink:memory_estimate",
    analyse="engramlab.analysis.eyeblink:analyse_eyeblink",
    summarise=on_analysis("engramlab.analysis.eyeblink_summary:eyeblink_summary"),
    aggregate="engramlab.analysis.eyeblink_summary:adaptive_timing",
    table="engramlab.analysis.eyeblink_summary:eyeblink_table",
    figures=(
        FigureSpec("raster_psth", "Purkinje rasters (one row per trial, green: CS-alone probes) and the Purkinje "
                   "and DCN peri-stimulus rates in the first and last block of acquisition. Grey: CS; dashed: "
                   "US onset; dotted: the CR threshold.", on_result_and_analysis(f"{_CD}:psth_figure")),
        FigureSpec("learning_curve", "Left: % conditioned responses per block (acquisition, extinction, "
                   "reacquisition). Right: depth of the Purkinje pause, trial by trial.",
                   on_analysis(f"{_CD}:learning_curve_figure")),
        FigureSpec("probe", "Purkinje rate on the extended CS-alone probes at the end of acquisition (tone 300 ms "
                   "past the ISI, no US, plasticity frozen): does the pause recover after the trained interval "
                   "(green window: ISI + 150-300 ms) or last as long as the tone?", on_analysis(f"{_CD}:probe_figure")),
        FigureSpec("pause_timing", "Learned Purkinje pauses (last block) for each ISI and the time of their "
                   "minimum against the US onset: adaptive timing.", on_every_run(f"{_CD}:pause_timing_figure"),
                   scope="both"),
    ),
    # quick: 20 trials at 20x the default LTP step (0.3 pA against 0.015), so CRs appear within them
    quick={"device": "cpp_standalone", "plasticity": {"a_plus": "0.3 pA"},
           "protocol": {"trials": 20, "cs_onset": "100 ms", "probe_every": 5, "recovery": "800 ms"}},
    headline=("last_block_cr_percent", "pause_min_ms"),
    series_key="protocol.isi",
    options=(
        CliOption("--isi", "protocol.isi", "CS→US interval(s), e.g. 250ms or 150,250,400 (ms); several values run "
                  "each and add the adaptive-timing figure", parse=isi_values),
        CliOption("--mixed-isi", "protocol.mixed_isi_ms", "two or more ISIs trained interleaved in one run, e.g. "
                  "200ms,500ms (probes: the longest ISI + 300 ms)", parse=ms_list),
        CliOption("--trials", "protocol.trials", "acquisition trials (default 100)", parse=int),
        CliOption("--extinction", "protocol.extinction_trials", "CS-alone extinction trials after acquisition",
                  parse=int),
        CliOption("--reacquisition", "protocol.reacquisition_trials", "paired trials after extinction (savings)",
                  parse=int),
    ),
    lab=3,
    summary_keys=("isi_ms", "trials", "cr_percent_by_block", "last_block_cr_percent", "pause_min_ms",
                  "pause_depth_hz", "cr_onset_ms", "purkinje_baseline_hz", "dcn_baseline_hz"),
))

register(ProtocolSpec(
    name="associative",
    help="tone A → left, tone B → right, then reversal",
    title="Associative left/right task with reversal",
    intro="Tone A is taught to the left Purkinje group and tone B to the right one through their climbing "
          "fibres; then the mapping is reversed. The choice is the side whose DCN cell fires more during the tone.",
    circuit="engramlab.protocols.associative:associative_circuit",
    schedule="engramlab.protocols.associative:AssociativeConfig",
    prepare="engramlab.protocols.associative:prepare",
    run="engramlab.protocols.associative:run_associative",
    memory="engramlab.protocols.associative:memory_estimate",
    analyse="engramlab.analysis.associative:analyse_associative",
    summarise=on_analysis("engramlab.analysis.associative:associative_summary"),
    table="engramlab.analysis.associative:associative_table",
    figures=(
        FigureSpec("accuracy", "Left: fraction of correct choices per block before and after the reversal "
                   "(dotted). Right: left − right DCN rate increase per trial (> 0 means 'left'), coloured by "
                   "the taught side.", on_analysis(f"{_CD}:associative_accuracy_figure")),
        FigureSpec("weights", "Mean PF→Purkinje weight of the granule cells driven only by tone A (or B) onto "
                   "the left and right groups, trial by trial: the reversal overwrites the old memory.",
                   on_analysis(f"{_CD}:associative_weights_figure")),
    ),
    quick={"device": "cpp_standalone", "r": 800, "plasticity": {"a_plus": "0.6 pA"},
           "protocol": {"trials": 20, "reversal_trials": 20, "trial_period": "0.6 s", "cs_onset": "100 ms"}},
    headline=("last_block_accuracy", "last_block_reversal_accuracy"),
    summary_keys=("accuracy_by_block", "reversal_accuracy_by_block", "last_block_accuracy",
                  "last_block_reversal_accuracy", "teacher_spikes_by_block", "reversal_teacher_spikes_by_block"),
))

register(ProtocolSpec(
    name="navigation",
    help="random walks on a graph world: memory neurons predict the next observation (TEM-t in spikes)",
    title="Navigation on {graph}: memory neurons compute attention",
    intro="memory.model 'ideal' (default, the mathematical limit): one memory neuron per step fires "
          "softmax(β k·q), the normaliser sum written in its equations. memory.model 'pool' (the mechanism): "
          "a fixed pool of EIF memory neurons binds grid and context spikes (key) to LEC spikes (value) in one "
          "shot at a plateau and competes through interneurons' shunting inhibition; β is fitted to its "
          "spikes on half the steps and the softmax tested on the other half. Prediction neurons read the "
          "next observation from the memory spikes.",
    circuit="engramlab.protocols.navigation:NavigationConfig",
    run="engramlab.protocols.navigation:run_navigation",
    memory="engramlab.protocols.navigation:memory_estimate",
    analyse="engramlab.analysis.navigation:analyse_navigation",
    summarise=on_analysis("engramlab.analysis.navigation:navigation_summary"),
    table="engramlab.analysis.navigation:navigation_table",
    figures=(
        FigureSpec("accuracy_vs_visits", "Accuracy of the next-observation prediction against the fraction of "
                   "nodes visited and of edges taken, with the node-agent and edge-agent baselines.",
                   on_analysis(f"{_HC}:navigation_figure")),
        FigureSpec("softmax_in_spikes", "Memory-neuron spike-count fractions against softmax(β k·q) from NumPy "
                   "causal attention on the same keys and values (ideal), or against softmax(β h) with β "
                   "fitted on the other steps (pool: held-out steps).", on_analysis(f"{_HC}:softmax_spikes_figure")),
        FigureSpec("path_integration", "Attractor grid modules driven by the first environment's actions (each a "
                   "velocity pulse, then a dwell): each action's decoded lattice move against the move the action "
                   "matrix predicts, the per-action phase error against the 0.1 target, and the error accumulated "
                   "over the walk without landmarks.", on_analysis(f"{_HC}:graph_path_integration_figure")),
    ),
    # one C++ build (~20 s) instead of compiling the pool's Cython code objects (~100 s when cold)
    # 250 steps of 400 ms into 256 memories of 8 neurons: a quarter of the default pool, whose
    # membrane-noise draws dominate the simulation. 16 neurons per memory (pool 4,096, until
    # 2026-12-06) simulated 40.2 s against 18.4 s on one slow spell of the VM and missed 60 s from
    # an empty home folder (61-74 s); seed 0 then scored accuracy 0.756 / zero-shot 0.939 / beta 29.8
    # against 0.704 / 0.866 / 26.1 with 8 (README, quick presets)
    # path integration: 100 actions (50 s of attractor time, ~12 s of simulation) instead of 200
    quick={"steps": 250, "environments": 1, "graph": "grid8x8", "device": "cpp_standalone",
           "pool": {"pool": 2048, "ensemble": 8},
           "grid": {"path_integration_steps": 100}},
    headline=("accuracy", "node_agent_accuracy", "zero_shot_accuracy"),
    lab=6,
    summary_keys=("graph", "steps", "accuracy", "node_agent_accuracy", "edge_agent_accuracy", "zero_shot_accuracy",
                  "attention_agreement", "softmax_weight_error", "memory_model", "normalisation",
                  "ideal_attention_accuracy", "beta_effective", "softmax_weight_error_heldout",
                  "softmax_weight_error_sampling_floor", "softmax_calibration_error_heldout",
                  "softmax_weight_error_counts_heldout", "memory_total_error_heldout", "memory_spikes_gain",
                  "key_weight_cosine", "ideal_attention_accuracy_written_keys",
                  "ideal_attention_accuracy_written_keys_by_env", "accuracy_by_env", "other_env_error_fraction",
                  "path_integration_model",
                  "path_integration_steps", "path_integration_phase_error", "path_integration_phase_error_p95",
                  "path_integration_phase_error_max", "path_integration_phase_error_moves",
                  "path_integration_phase_error_stays", "path_integration_step_gain",
                  "path_integration_cumulative_error", "path_integration_final_error", "path_integration_final_error_m",
                  "path_integration_drift_m_per_min", "path_integration_empty_windows",
                  "path_integration_attention_accuracy", "path_integration_attention_accuracy_ideal"),
))

register(ProtocolSpec(
    name="foraging",
    help="rat-like foraging: attractor grid modules path-integrate the velocity; place cells read their spikes",
    title="Foraging: grid and place cells",
    intro="Spiking continuous-attractor grid modules driven only by a rat-like trajectory's velocity (Burak & "
          "Fiete 2009), integrate-and-fire place cells summing their spikes, and the path-integration error.",
    circuit="engramlab.protocols.foraging:ForagingConfig",
    run="engramlab.protocols.foraging:run_foraging",
    memory="engramlab.protocols.foraging:memory_estimate",
    analyse="engramlab.analysis.foraging:analyse_foraging",
    summarise=on_analysis("engramlab.analysis.foraging:foraging_summary"),
    table="engramlab.analysis.foraging:foraging_table",
    figures=(
        FigureSpec("grid_cells", "Best cell of each module: rate map and autocorrelogram with gridness "
                   "(Sargolini min–max form) and spacing.", on_analysis(f"{_HC}:grid_maps_figure")),
        FigureSpec("place_cells", "Place-cell rate maps with their number of fields and Skaggs information "
                   "(attractor: × where each cell got its plateau).",
                   on_analysis(f"{_HC}:place_maps_figure")),
        FigureSpec("path_integration", "Attractor modules: lattice displacement decoded from spikes against the "
                   "integrated velocity, and the error over time (with landmark cells: also without them, dashed).",
                   on_analysis(f"{_HC}:path_integration_figure")),
    ),
    # one C++ program: 31 s from empty caches vs 94 s on Cython compiling the attractor sheet
    # (2026-12-02), the same summary to the last digit (seed 0)
    quick={"duration": "100 s", "device": "cpp_standalone"},
    headline=("gridness_mean", "place_cells_single_field_fraction"),
    lab=4,
    summary_keys=("grid_model", "gridness", "gridness_expanding", "gridness_mean", "spacing_m", "spacing_target_m",
                  "spacing_ratios", "path_integration_error_m", "drift_m_per_min", "place_model",
                  "place_cells_active_fraction", "place_cells_single_field_fraction",
                  "place_information_bits_per_spike_median",
                  "place_mean_rate_hz"),
))

register(ProtocolSpec(
    name="pattern-completion",
    help="spiking Hopfield network (Dale's law): overlap vs load",
    title="Spiking pattern completion, N = {n}",
    intro="A Hopfield memory in spikes that obeys Dale's law (excitatory LIF cells, clipped Hebbian synapses, "
          "interneurons): cued patterns are completed at low load and recall collapses as the load grows, "
          "next to the NumPy limit of the same weights and the classic network.",
    circuit="engramlab.protocols.pattern_completion:PatternCompletionConfig",
    run="engramlab.protocols.pattern_completion:run_pattern_completion",
    memory="engramlab.protocols.pattern_completion:memory_estimate",
    summarise="engramlab.analysis.completion:completion_summary",
    table="engramlab.analysis.completion:completion_table",
    figures=(
        FigureSpec("capacity", "Mean final overlap of cued patterns against the load, spiking network vs the "
                   "NumPy asynchronous classic network on the same patterns (and, for the Dale network, "
                   "the NumPy limit of its clipped, balanced weights).",
                   "engramlab.analysis.completion:completion_figure"),
    ),
    quick={"n": 120, "trials": 1, "cues": 8},
    headline=("spiking_capacity",),
    lab=5,
    summary_keys=("n", "model", "loads", "mean_overlap_by_load", "classic_mean_overlap_by_load",
                  "dale_limit_mean_overlap_by_load", "spiking_capacity"),
    aliases=("pattern_completion",),
))

_CL = "engramlab.analysis.figures.continual"

register(ProtocolSpec(
    name="continual",
    help="class-incremental digits: the spiking cerebellar SDM learns 5 tasks in a row, against the SDM and an MLP",
    title="Continual learning of digits: {tasks} tasks, r = {r}, Top-K {top_k}",
    intro="scikit-learn's 8×8 digits, encoded as 256-bit addresses by a fixed sign random projection, are written "
          "into the spiking cerebellum task after task (0–1, 2–3, …), each example once: Golgi Top-K picks the "
          "granule cells, the olive teaches the class line, and after every task every test digit is read from "
          "the DCN. The NumPy SDM with the same Top-K and an online MLP of matching width see the same inputs.",
    circuit="engramlab.protocols.continual:continual_circuit",
    schedule="engramlab.protocols.continual:ContinualConfig",
    prepare="engramlab.protocols.continual:prepare",
    run="engramlab.protocols.continual:run_continual",
    memory="engramlab.protocols.continual:memory_estimate",
    analyse="engramlab.analysis.continual:analyse_continual",
    summarise=on_analysis("engramlab.analysis.continual:continual_summary"),
    table="engramlab.analysis.continual:continual_table",
    figures=(
        FigureSpec("accuracy_matrix", "Accuracy on each task (columns) after training each task (rows): the "
                   "spiking cerebellum decoded from DCN spikes, the NumPy SDM with the same Top-K on the same "
                   "addresses, and an online MLP with as many hidden units as granule cells.",
                   on_analysis(f"{_CL}:accuracy_matrix_figure")),
        FigureSpec("seen_tasks", "Left: mean accuracy over the tasks seen so far, after each task (dashed: the MLP "
                   "trained jointly on all tasks). Right: each task's accuracy after the last one.",
                   on_analysis(f"{_CL}:seen_tasks_figure")),
        FigureSpec("dcn_evidence", "Mean DCN rate increase of every output line for the test digits of every class "
                   "after the last task: the diagonal is the stored class.",
                   on_analysis(f"{_CL}:dcn_evidence_figure")),
    ),
    # quick: 2,000 granule cells, 50 training digits per class (500 writes, not ~1,350), 8 test
    # digits per class: 910 slots of 100 ms instead of 1,857 (1,110 until 2026-12-06 with 60 and
    # 10: that simulated in 25.1–33.0 s and took 64.8–65.2 s from an empty home folder on
    # 2026-12-06's VM, over the 60 s a quick run may take). LTP steps are a fit on seed 0 with 60
    # per class: ~75 granule cells fire per read here (~396 at full size, 0.5 pA); with every
    # training digit 0.5 pA read 0.66 and 2 pA 0.90 (NumPy SDM 0.91); with 60 per class 3 pA read
    # 0.87 and 4 pA 0.91 (NumPy SDM 0.91). This preset (2026-12-06, not refitted), seeds 0–6:
    # spikes 0.887 / 0.887 / 0.863 / 0.838 / 0.825 / 0.838 / 0.850, NumPy SDM 0.887 / 0.887 / 0.900
    # / 0.762 / 0.812 / 0.850 / 0.875 (mean gap −0.002, on 80 test digits); with 60 and 10, seeds
    # 0–6: 0.91 / 0.92 / 0.88 / 0.82 / 0.80 / 0.83 / 0.81 against 0.91 / 0.90 / 0.89 / 0.79 / 0.84 /
    # 0.89 / 0.86 (mean gap 0.016)
    quick={"r": 2000, "top_k": 40, "plasticity": {"a_plus": "4 pA"},
           "protocol": {"eval_per_class": 8, "train_per_class": 50}},
    headline=("final_mean_accuracy", "numpy_sdm_final_mean_accuracy", "mlp_final_mean_accuracy"),
    summary_keys=("tasks", "accuracy_matrix", "final_mean_accuracy", "numpy_sdm_final_mean_accuracy",
                  "numpy_sdm_measured_final_mean_accuracy", "mlp_final_mean_accuracy", "iid_upper_bound", "top_k",
                  "r", "forgetting", "mlp_forgetting", "spiking_numpy_agreement", "active_granule_mean",
                  "weights_at_zero", "weights_at_max", "final_mean_accuracy_first_to_count", "read_tie_fraction",
                  "read_time_tie_fraction"),
))
