# %% [markdown]
# # Lab 5 — solutions and instructor notes
#
# Kept apart from the lab so students predict before they see answers. This notebook reads what
# the lab's exercise cells measured (`summary.json` → `exercises`) and checks the answers below
# against it; CI runs the lab (`--quick`) and then this notebook, so they cannot drift.
#
# **Instructor note.** The lab takes ~25 s with `--quick` on 2 cores once the spiking model is
# compiled (the capacity curves and the exercises are NumPy; the Dale network is one Brian2
# run, ~30 s more the first time it compiles). Pitfalls: "capacity 0.138 N" is the large-N
# limit for random patterns and *asynchronous* updates from nearly clean cues — students who
# change any of the three (exercises 2–4) should expect a different number; overlap 1.0 of the
# modern network at P = N is not "infinite capacity" (it grows exponentially in N, and needs
# a β large enough to separate the patterns). Figures: `capacity` — mean final overlap against
# the load P/N, classic and modern, 5 % of bits flipped in the cue; `memory_neurons` — the
# memory neurons' softmax outputs, the features' overlaps with each memory and the energy over
# time, from a 20 %-corrupted cue at β = 8; `dale_capacity` — the Dale's-law spiking network's
# overlap against load beside the NumPy limit of its clipped weights and the classic network.

# %% tags=["parameters"]
LAB_OUT = "results/labs/lab5_hopfield"

# %%
from engramlab import labkit

ex = labkit.load_exercises(LAB_OUT)  # what the lab's exercise cells measured (a --quick run)

# %% [markdown]
# ### Exercise 1 — a hot memory layer
# No winner: at β = 1 the largest memory output is ≈ 0.05 — one twentieth, the uniform share of
# 20 memories — and the features end with cosine ≈ 0.11 to the cued pattern (≈ 1.0 at β = 8).
# With 50-dimensional unit-norm patterns the overlaps βh differ by less than 1 between
# memories, so the softmax cannot separate them: the network settles on the average of all
# memories, a global mixture, not on a mixture of a few.

# %%
e = ex["1"]
print(e)
assert e["largest_memory_output_beta8"] > 0.9 and e["cosine_to_cued_pattern_beta8"] > 0.99
assert e["largest_memory_output_beta1"] < 2.0 / e["memories"]
assert e["cosine_to_cued_pattern_beta1"] < 0.5

# %% [markdown]
# ### Exercise 2 — correlated memories
# No: at a load of only 0.05 the mean final overlap falls from 1.0 to ≈ 0.70. The patterns
# overlap each other by ≈ 0.49 on average; their Hebbian weights all carry the template, whose
# attractor (a mixture) swallows the cues. Capacity 0.138 N assumes independent patterns.

# %%
e = ex["2"]
print(e)
assert e["overlap_independent"] > 0.99
assert e["overlap_correlated"] < 0.85
assert 0.35 < e["mean_pairwise_overlap_correlated"] < 0.65

# %% [markdown]
# ### Exercise 3 — everyone at once
# The overlaps are the same (≈ 0.998), but synchronous updates do not always settle: ≈ 4 % of
# the recalls end in a two-state cycle, which asynchronous updates (an energy that can only
# fall) never do.

# %%
e = ex["3"]
print(e)
assert abs(e["overlap_async"] - e["overlap_sync"]) < 0.02
assert e["settled_async"] == 1.0 and e["settled_sync"] < 1.0

# %% [markdown]
# ### Exercise 4 — as many memories as neurons
# Classic ≈ 0.30 (far past its 0.138 N capacity: it falls into spurious states); modern 1.0
# (its separation grows with β and with N, so P = N is easy for it).

# %%
e = ex["4"]
print(e)
assert e["overlap_classic"] < 0.6
assert e["overlap_modern"] > 0.99
