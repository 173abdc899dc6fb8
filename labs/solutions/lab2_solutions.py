# %% [markdown]
# # Lab 2 — solutions and instructor notes
#
# Kept apart from the lab so students predict before they see answers. This notebook reads what
# the lab's exercise cells measured (`summary.json` → `exercises`) and checks the answers below
# against it; CI runs the lab (`--quick`, seed 1) and then this notebook, so they cannot drift.
# The numbers quoted are that quick run's (2,000 granule cells, 10 patterns, reads 0–5 bits away;
# robustness points of the same size, read at 5 patterns × 3 noise levels).
#
# **Instructor note.** `--quick` runs one SDM protocol as one C++ program (83 s on 2026-12-01's
# 2-core machine), four robustness points sharing one C++ program (the first compiles it, 32 s;
# the others re-run it with their own input, 3–5 s each, unless their spike list outgrows it:
# 2 files, 15 s once at 8 Hz; 2026-12-04, slow spell, two other runs going) and a capacity run as one C++
# program per radius design (56 s from empty caches against 182 s on Cython compiling its models);
# the full lab takes much longer. Pitfalls: a read is
# decoded from DCN spikes against rest slots — "accuracy" is a property of that read-out; the
# granule gain is calibrated for 4 Hz background, so at 0 Hz *fewer* cells fire and recall drops
# (exercise 4), the opposite of what most students expect; the measured active sets overlap the
# ideal ball with Jaccard ≈ 0.7 (a blurred ball), so the NumPy comparison that matters is on the
# measured sets (`numpy_agreement`). Figures: `readout` — recall against query noise, DCN and
# Purkinje decodes beside the NumPy SDM; `read_rasters` — Purkinje and DCN spikes of one read and
# the mean DCN rate for stored 1s and 0s; `active_sets` — active granule cells per presentation
# against the binomial r·p(d); `attention` — normalised spike overlaps against softmax(β cos);
# `robustness`/`robustness_jaccard` — recall and Jaccard over background rate × jitter;
# `capacity` — recall as patterns accumulate, spikes against NumPy and theory.

# %% tags=["parameters"]
LAB_OUT = "results/labs/lab2_spiking_sdm"

# %%
from engramlab import labkit

ex = labkit.load_exercises(LAB_OUT)  # what the lab's exercise cells measured (a --quick run)

# %% [markdown]
# ### Exercise 1 — Purkinje cells or nuclear cells?
# The Purkinje cells, slightly, on both counts (quick: ≈ 0.98 against ≈ 0.96 for queries ≤ 5
# bits). Converging 20 Purkinje cells onto one DCN cell sums their inhibition, but the DCN cell
# turns it into a few spikes in a 40 ms window, and that count is noisier than the 20 Purkinje
# counts it came from; over all reads, where many read sums are a few counts of crosstalk, that
# noise costs agreement with the NumPy SDM. The full run's 160 Purkinje cells onto 32 DCN cells
# per bit shrink both noises (seed 0: 95.9 % agreement from the DCN, 96.8 % from the Purkinje
# cells; docs/equations.md §5.4). The DCN is the circuit's own output, so the README quotes it.

# %%
e = ex["1"]
print(e)
assert e["purkinje_per_dcn"] == 20 and e["dcn_per_line"] == 1
assert e["dcn_decode"] <= e["purkinje_decode"] and e["dcn_decode"] > 0.9
assert e["dcn_agreement"] <= e["purkinje_agreement"]

# %% [markdown]
# ### Exercise 2 — pacemakers?
# ≈ 63 Hz with a CV of ≈ 0.39: fast but irregular. In vitro Purkinje cells are near-clocks; the
# membrane noise given here (in vivo, with synaptic background) makes them irregular, as recorded
# in awake animals.

# %%
e = ex["2"]
print(e)
assert 40 < e["purkinje_rate_hz"] < 90
assert 0.2 < e["purkinje_cv_isi"] < 0.7

# %% [markdown]
# ### Exercise 3 — does a granule cell remember?
# It does — the other way round: an edge cell that fired 100 ms earlier fires again with
# probability ≈ 0.08, one that did not with ≈ 0.51. Firing leaves something behind that lasts
# longer than the 24 ms membrane time constant; which mechanism it is (the reset potential below
# rest, the mossy-fibre synapses, Golgi feedback) is the "more to explore" question 5 below.

# %%
e = ex["3"]
print(e)
assert e["edge_fire_probability_after_firing"] < 0.5 * e["edge_fire_probability_otherwise"]

# %% [markdown]
# ### Exercise 4 — is less noise always better?
# No: at 1 ms jitter, 0 Hz background recalls 0.72 against 1.00 at 8 Hz (26 against 196 active
# granule cells of 2,000). The granule gain is set so that an address's bursts plus the *mean* background
# cross threshold; without background, too few cells reach it and the reads lose their support.

# %%
e = ex["4"]
print(e)
assert e["accuracy_0_Hz"] < e["accuracy_8_Hz"]
assert e["active_cells_0_Hz"] < e["active_cells_8_Hz"]
