# %% [markdown]
# # Lab 2 — A spiking cerebellum stores and recalls patterns, under in-vivo noise
#
# Mossy fibres carry a 64-bit address (an ON and an OFF line per bit): every active line fires a
# short jittered burst on top of 4 Hz background firing. Each granule cell listens to one line
# per bit and fires when about $n - d$ of them burst: it is an SDM hard location, with a blurred
# edge. A climbing fibre teaches each output line one value bit: CF-gated LTD (2×) plus PF-alone
# LTP (1×) makes every PF→PC weight $w_0 - a_+ \times$ Kanerva's bipolar counter. Reading, the
# line's irregular Purkinje cells slow down when their counters sum positive, and their DCN
# cells — the circuit's output — fire more: the SDM majority rule, read from output spikes
# (20 Purkinje cells onto one DCN cell per bit with --quick; 160 onto 32 in the full run).
#
# Run: `engramlab lab run 2 --quick` (about 3 minutes on an earlier day's 2-core machine; 5.5 in
# 2026-12-01's slower CI, beside another test process), or without `--quick` for the README's
# numbers (10 minutes on the earlier one before the full run's read-out grew to 160 Purkinje
# cells onto 32 DCN cells per bit, which alone simulates ~4 min on a slow spell of this VM).

# %% tags=["parameters"]
# QUICK = True: the small, fast version (CI, a first look); OUT: where figures and report.html go
QUICK = False
OUT = "results/labs/lab2_spiking_sdm"

# %%
import engramlab as el
from engramlab.analysis.figures.sweep import map_figure
from engramlab.results import save_figure
from engramlab import labkit

args = labkit.settings(QUICK, OUT)  # on a script's command line, --quick / --out win
# --quick: the protocol's own quick preset (2,000 granule cells, 10 patterns) as one C++ program
# (the same spikes as the NumPy target, tested; 22 s from an empty home folder on 2 cores, 2026-12-04)
result = el.run("sdm", quick=args.quick, seed=1, out=f"{args.out}/run")
s = result.summary
print(f"radius d = {s['d']} for {s['patterns']} patterns and r = {s['r']} granule cells")
print(f"active granule cells {s['active_mean']:.0f} (ideal ball {s['active_expected']:.0f}); "
      f"Jaccard with the ideal sets {s['activation_jaccard']:.2f}")
print(f"DCN-decoded bit accuracy, queries <= 5 bits away: {s['bit_accuracy_noise_le_5']:.3f}")
print(f"spiking read = NumPy SDM on the measured sets on {s['numpy_agreement']:.1%} of bits")
lim = s["readout_limits"]  # why not more: each read-out's noise in read-sum counts (a probit fit)
print(f"  DCN: noise SD {lim['dcn']['sd_counts']:.1f} counts, undecided at a sum of "
      f"{lim['dcn']['midpoint_counts']:.1f}; its Purkinje cells: SD {lim['purkinje']['sd_counts']:.1f}, "
      f"agreement {lim['purkinje']['numpy_agreement']:.1%}")
print(f"critical distance (>= 95 % of bits): spikes {s['critical_distance_spikes']}, "
      f"SNR theory {s['critical_distance_theory']}")

# %% [markdown]
# ## Spikes against the equations

# %%
figures = result.figures()
save_figure(figures["4_readout"], args.out, "readout")
save_figure(figures["6_read_rasters"], args.out, "read_rasters")
save_figure(figures["1_active_granule_cells"], args.out, "active_sets")
save_figure(figures["5_spikes_vs_softmax"], args.out, "attention")

# %% [markdown]
# ## Where it breaks: background rate × jitter
#
# Each point is a fresh circuit (same seed) read at 0–5 bits of query noise. The granule cells'
# gain stays set for 4 Hz; only the input changes. With --quick the points share one C++ program
# (2,000 granule cells, read at 5 patterns x 3 noise levels): the first point compiles it (32 s),
# the others re-run it with their own input and parameters and compile nothing (3-5 s a point),
# unless their input spike list outgrows the program's (at 8 Hz: 2 files, 15 s once). Measured
# 2026-12-04 on 2 cores with two other simulations running; the full grid runs on Cython.

#
# Every point reads with 20 Purkinje cells onto one noise-free DCN cell per bit (the quick
# preset's read-out), not the default's 160 onto 32: the map is about where the granular layer
# breaks, the smaller read-out simulates several times faster (12,288 noisy cells otherwise), and
# the README's map was measured so.

# %%
earlier_readout = {"purkinje_per_dcn": 20, "dcn_per_line": 1, "nuclei": {"noise": "0 mV"}}
if args.quick:
    grid = {"background": ["0 Hz", "8 Hz"], "jitter": ["1 ms", "4 ms"]}
    size = {"r": 2000, "design_patterns": 10, "protocol": {"patterns": 5, "noise_levels": [0, 2, 5]},
            **earlier_readout}
else:
    grid = {"background": ["0 Hz", "4 Hz", "8 Hz", "16 Hz"], "jitter": ["0.5 ms", "1 ms", "2 ms", "4 ms"]}
    size = {"protocol": {"noise_levels": [0, 1, 2, 3, 4, 5]}, **earlier_readout}
rows = []
for background in grid["background"]:
    for jitter in grid["jitter"]:
        point = el.run("sdm", {**size, "mossy": {"background_rate": background, "jitter": jitter}},
                       seed=1, **({"device": "cpp_standalone"} if args.quick else {"device": "runtime",
                                                                                     "target": "cython"}))
        rows.append({"point": f"{background}/{jitter}", "seed": 1, "mossy.background_rate": background,
                     "mossy.jitter": jitter, **{k: point.summary[k] for k in
                                                ("bit_accuracy_noise_le_5", "activation_jaccard", "active_mean")}})
        print(f"background {background:>6}, jitter {jitter:>6}: DCN accuracy "
              f"{point.summary['bit_accuracy_noise_le_5']:.3f}, Jaccard {point.summary['activation_jaccard']:.2f}")
save_figure(map_figure(rows, "mossy.background_rate", "mossy.jitter", "bit_accuracy_noise_le_5"), args.out,
            "robustness")
save_figure(map_figure(rows, "mossy.background_rate", "mossy.jitter", "activation_jaccard"), args.out,
            "robustness_jaccard")

# %% [markdown]
# ## Capacity: recall as patterns accumulate
#
# Patterns are written one after another; at checkpoints a sample is read back. The spikes
# (DCN) are held against the NumPy SDM on the same activation sets, on the ideal sets, and the
# SNR theory, at the SNR-optimal and the memory-optimal radius, with threshold and Golgi top-k
# activation.

# %%
# --quick: one C++ program per radius design (56 s from empty caches on 2 cores, 182 s on Cython
# compiling its models the first time; the same numbers)
capacity_settings = ({"r": 1000, "design_patterns": 5, "device": "cpp_standalone",
                      "protocol": {"counts": [5, 20, 60], "reads": 8, "activations": ["radius"]}}
                     if args.quick else {"target": "cython"})
capacity = el.run("sdm-capacity", capacity_settings, seed=1)
save_figure(capacity.figures()["capacity"], args.out, "capacity")
for label, run in capacity.summary["runs"].items():
    print(f"{label} (d = {run['d']}): capacity spikes {run['capacity_spikes']}, NumPy {run['capacity_numpy']}, "
          f"theory {run['capacity_theory']:.0f}")

# %% [markdown]
# ## Exercises: predict, then run
# Each exercise re-reads the runs above (no new simulation). Write your prediction in the cell's
# `prediction` line *before* running it; the cell prints what the runs show beside it.
# (Instructors: answers and the checks CI runs are in `labs/solutions/lab2_solutions.py`.)
#
# ### Exercise 1 — Purkinje cells or nuclear cells?
# A read can be decoded from the Purkinje cells of a line (their spike counts) or from the DCN
# cells they converge on (the circuit's own output): with --quick 20 Purkinje cells onto one DCN
# cell, in the full run 160 onto 32. **Predict**: which decode is more accurate for queries ≤ 5
# bits away, and which agrees more often with the NumPy SDM over all reads?

# %%
prediction = None  # e.g. "the Purkinje cells: the DCN cell loses information"
labkit.exercise(1, prediction, purkinje_decode=s["purkinje_bit_accuracy_noise_le_5"],
                dcn_decode=s["dcn_bit_accuracy_noise_le_5"], purkinje_per_dcn=s["noise"]["purkinje_per_dcn"],
                dcn_per_line=s["noise"].get("dcn_per_line", 1), purkinje_agreement=lim["purkinje"]["numpy_agreement"],
                dcn_agreement=s["numpy_agreement"])

# %% [markdown]
# ### Exercise 2 — pacemakers?
# Purkinje cells fire spontaneously. **Predict** their rate at rest and how regular their firing
# is (coefficient of variation of the inter-spike intervals: 0 for a clock, 1 for Poisson).

# %%
prediction = None  # e.g. "50 Hz, CV 0.1"
labkit.exercise(2, prediction, purkinje_rate_hz=s["purkinje_baseline_hz"], purkinje_cv_isi=s["purkinje_cv"])

# %% [markdown]
# ### Exercise 3 — does a granule cell remember?
# Nothing resets the granular layer between presentations. Take granule cells whose distance to
# the address sits right at the radius (the ball's edge). **Predict**: are they more likely to
# fire if they fired on the previous presentation (100 ms earlier) than if they did not?

# %%
prediction = None  # e.g. "no: 100 ms is ten membrane time constants"
labkit.exercise(3, prediction, edge_fire_probability_after_firing=s["edge_fire_probability_after_firing"],
                edge_fire_probability_otherwise=s["edge_fire_probability_otherwise"])

# %% [markdown]
# ### Exercise 4 — is less noise always better?
# The robustness grid above reran the circuit with 0 and 8 Hz of mossy-fibre background (the
# granule gain stays set for 4 Hz). **Predict**: at 1 ms jitter, which background gives the
# better recall, and which the more active granule cells?

# %%
prediction = None  # e.g. "0 Hz: no noise, better recall"
by_background = {row["mossy.background_rate"]: row for row in rows if row["mossy.jitter"] == "1 ms"}
labkit.exercise(4, prediction, **{f"accuracy_{bg.replace(' ', '_')}": row["bit_accuracy_noise_le_5"]
                                  for bg, row in by_background.items()},
                **{f"active_cells_{bg.replace(' ', '_')}": row["active_mean"] for bg, row in by_background.items()})

# %% [markdown]
# ### More to explore (a spiking run each)
# 1. `el.run("sdm", regime="ideal")`: the noise-free limit (synchronous volleys, reset granular
#    layer, regular Purkinje pacemakers). Which numbers become exact, and which readout is used?
# 2. `el.run("sdm", scheme="granule", k=4, association="hetero", m=16)`: Jaeckel's 4-input
#    granule cells. Compare the Jaccard index with the Kanerva scheme's: why is it so much higher?
# 3. `purkinje_per_dcn=5`: fewer Purkinje cells per output line. What happens to the DCN decode?
# 4. `activation="topk"`: why does Golgi feedback with a 3 ms loop let many more than k cells fire?
# 5. Overlaps exceed Kanerva's intersection; the blurred ball (`sdm.soft_intersection` of the
#    measured firing probabilities) explains the tail but not small distances. Compare
#    `s["edge_fire_probability_after_firing"]` with `s["edge_fire_probability_otherwise"]`: what
#    does a granule cell remember 100 ms after it fired, and how would you test it
#    (hint: `granule__V_reset`)?

# %%
labkit.finish(args.out, "Lab 2 — Spiking SDM", "A spiking cerebellar microcircuit under in-vivo noise held "
               "against SDM, read by its DCN cells.",
               [("readout", "Recall vs query noise (DCN, Purkinje, NumPy on measured and ideal sets); output "
                            "spikes vs the NumPy read sum."),
                ("read_rasters", "Purkinje and DCN spikes of reads; mean DCN rate for stored 1s and 0s."),
                ("active_sets", "Active granule cells per presentation; firing probability vs distance."),
                ("attention", "Normalised spike overlaps vs softmax(β cos), β predicted and fitted."),
                ("robustness", "DCN-decoded accuracy (≤ 5 bits) over background rate × burst jitter."),
                ("robustness_jaccard", "Jaccard of measured and ideal active sets over the same grid."),
                ("capacity", "Recall as patterns accumulate, per radius design and activation.")],
               {**{k: s[k] for k in ("n", "r", "m", "d", "patterns", "seed", "regime", "readout",
                                     "bit_accuracy_noise_le_5", "numpy_agreement", "activation_jaccard",
                                     "attention_kl", "beta_theory", "overlap_max_z", "critical_distance_spikes",
                                     "critical_distance_theory")},
                "robustness": rows, "capacity": capacity.summary["runs"]}, quick=args.quick)
