# %% [markdown]
# # Lab 5 — Hopfield memories: classic capacity vs memory neurons
#
# A classic Hopfield network stores ±1 patterns in Hebbian weights $W = \frac1N\sum_\mu
# \xi^\mu\xi^{\mu\top}$ and retrieves by sign dynamics; it collapses beyond ≈ 0.138 N random
# patterns (Amit, Gutfreund & Sompolinsky 1985). The modern Hopfield network (Ramsauer et al.
# 2020) retrieves with one attention step $\xi \leftarrow X^\top \mathrm{softmax}(\beta X \xi)$,
# and Krotov & Hopfield (2021) show it is a network of feature neurons and one *memory neuron*
# per pattern whose divisive normalisation is the softmax.
#
# Run: `engramlab lab run 5 --quick`.

# %% tags=["parameters"]
# QUICK = True: the small, fast version (CI, a first look); OUT: where figures and report.html go
QUICK = False
OUT = "results/labs/lab5_hopfield"

# %%
import numpy as np
from matplotlib.figure import Figure

import engramlab as el
from engramlab.analysis import hopfield
from engramlab.analysis.figures.theory import capacity_figure
from engramlab.analysis.theory import hopfield_capacity
from engramlab.results import save_figure
from engramlab import labkit

args = labkit.settings(QUICK, OUT)  # on a script's command line, --quick / --out win
n = 120 if args.quick else 200
classic, modern, summary = hopfield_capacity(n, trials=2 if args.quick else 5)
print(f"classic capacity ≈ {summary['classic_capacity']} N; modern at {summary['modern_load_tested']} N: "
      f"overlap {summary['modern_mean_overlap']:.3f}")
save_figure(capacity_figure([classic, modern]), args.out, "capacity")

# %% [markdown]
# ## Memory neurons settle on the modern Hopfield fixed point
# Integrate the two-layer network (feature neurons $v$, memory neurons $h$ with softmax output)
# from a corrupted cue and watch the energy fall.

# %%
rng = np.random.default_rng(0)
patterns = hopfield.random_patterns(20, 50, rng) / np.sqrt(50)
cue = hopfield.corrupt(np.sign(patterns[3]), 0.2, rng) / np.sqrt(50)
traj = hopfield.memory_neuron_dynamics(patterns, cue, beta=8.0, duration=15.0)
fig = Figure(figsize=(10, 3.5), layout="constrained")
ax1, ax2, ax3 = fig.subplots(1, 3)
ax1.plot(traj.t, traj.memory_rates)
ax1.set_title("memory-neuron outputs (softmax)")
ax2.plot(traj.t, traj.features @ patterns.T)
ax2.set_title("overlap of the features with each memory")
ax3.plot(traj.t, traj.energy)
ax3.set_title("energy (never increases)")
for ax in (ax1, ax2, ax3):
    ax.set_xlabel("time (τ_f)")
save_figure(fig, args.out, "memory_neurons")

# %% [markdown]
# ## The classic network in spikes, with Dale's law
# Real memory cells are excitatory: they cannot push their targets down. `pattern-completion`
# keeps the positive part of the Hebbian weights as excitatory synapses between leaky
# integrate-and-fire cells, and lets interneurons driven by their spikes remove each cell's mean
# excitation. No equation holds the sign of a field; the cells' thresholds do the work. Compare
# the spikes with the NumPy limit of the same clipped weights and with the classic network.

# %%
dale = el.run("pattern-completion", quick=args.quick, seed=0, out=f"{args.out}/dale")
ds = dale.summary
for load, spk, lim, cl in zip(ds["loads"], ds["mean_overlap_by_load"], ds["dale_limit_mean_overlap_by_load"],
                              ds["classic_mean_overlap_by_load"], strict=True):
    print(f"load {load:.2f}: spikes {spk:.2f}, NumPy limit of the Dale weights {lim:.2f}, classic {cl:.2f}")
save_figure(dale.figures()["capacity"], args.out, "dale_capacity")

# %% [markdown]
# ## Exercises: predict, then run
# Each exercise is NumPy only (seconds). Write your prediction in the cell's `prediction` line
# *before* running it; the cell prints what the network does beside it. (Instructors: answers
# and the checks CI runs are in `labs/solutions/lab5_solutions.py`.)
#
# ### Exercise 1 — a hot memory layer
# **Change** β from 8 to 1 in `memory_neuron_dynamics` (same 20 patterns, same cue).
# **Predict**: at the end, does one memory neuron still win (output near 1)? How close do the
# features come to the cued pattern (cosine)?

# %%
prediction = None  # e.g. "two memories share the output, cosine 0.7"
ends = {}
for b in (8.0, 1.0):
    tr = hopfield.memory_neuron_dynamics(patterns, cue, beta=b, duration=15.0)
    f = tr.features[-1]
    ends[f"largest_memory_output_beta{b:g}"] = float(tr.memory_rates[-1].max())
    ends[f"cosine_to_cued_pattern_beta{b:g}"] = float(f @ patterns[3] / np.linalg.norm(f) / np.linalg.norm(patterns[3]))
labkit.exercise(1, prediction, memories=len(patterns), **ends)

# %% [markdown]
# ### Exercise 2 — correlated memories
# **Change** the classic network's 10 random patterns (N = 200, load 0.05, far below 0.138) for
# 10 patterns that each copy a common template on 70 % of their bits (the rest random).
# **Predict**: does recall from cues with 5 % of bits flipped still reach overlap ≈ 1?


# %%
def classic_overlap(pats, mode="async", seed=1):
    """Mean final overlap and fraction converged, recalling every pattern from a 5 %-flipped cue."""
    w, rng_c, ov, ok = hopfield.hebbian_weights(pats), np.random.default_rng(seed), [], []
    for mu in range(len(pats)):
        state, _, converged = hopfield.classic_recall(w, hopfield.corrupt(pats[mu], 0.05, rng_c), mode=mode,
                                                      seed=rng_c)
        ov.append(float(hopfield.overlap(pats[mu], state)))
        ok.append(converged)
    return float(np.mean(ov)), float(np.mean(ok))


prediction = None  # e.g. "yes, 10 patterns are few"
independent = hopfield.random_patterns(10, 200, np.random.default_rng(2))
template = hopfield.random_patterns(1, 200, np.random.default_rng(3))[0]
draw = np.random.default_rng(4)
correlated = np.where(draw.random((10, 200)) < 0.7, template, np.sign(draw.standard_normal((10, 200))))
labkit.exercise(2, prediction, overlap_independent=classic_overlap(independent)[0],
                overlap_correlated=classic_overlap(correlated)[0],
                mean_pairwise_overlap_correlated=float(np.mean((correlated @ correlated.T / 200)[np.triu_indices(10, 1)])))

# %% [markdown]
# ### Exercise 3 — everyone at once
# Near capacity (N = 200, 26 patterns, load 0.13), **change** the update from asynchronous (one
# cell at a time) to synchronous (all cells at once). **Predict**: do both reach the same
# overlap, and do both always settle (reach a fixed point)?

# %%
prediction = None  # e.g. "same overlap, both settle"
near = hopfield.random_patterns(26, 200, np.random.default_rng(5))
(ov_a, ok_a), (ov_s, ok_s) = classic_overlap(near, "async"), classic_overlap(near, "sync")
labkit.exercise(3, prediction, overlap_async=ov_a, overlap_sync=ov_s, settled_async=ok_a, settled_sync=ok_s)

# %% [markdown]
# ### Exercise 4 — as many memories as neurons
# **Change** the load to P = N = 200 random patterns. **Predict** the mean final overlap of the
# classic network (Hebbian weights) and of the modern one (`hopfield.modern_recall`, β = 1 on ±1
# patterns), from cues with 5 % of bits flipped.

# %%
prediction = None  # e.g. "classic 0.3, modern 0.3"
full = hopfield.random_patterns(200, 200, np.random.default_rng(6))
modern_ov = []
for mu in range(0, 200, 10):
    state, _, _ = hopfield.modern_recall(full, hopfield.corrupt(full[mu], 0.05, np.random.default_rng(mu)), beta=1.0)
    modern_ov.append(float(hopfield.overlap(full[mu], np.sign(state))))
labkit.exercise(4, prediction, overlap_classic=classic_overlap(full)[0], overlap_modern=float(np.mean(modern_ov)))

# %% [markdown]
# ### More to explore (a spiking run each)
# Dale network: set `dale.inhibition_balance` to 0.8 and 1.2 (`el.run("pattern-completion",
# dale__inhibition_balance=0.8)`): what happens to the silent cells' rates and to recall?

# %%
labkit.finish(args.out, "Lab 5 — Hopfield memories", "Classic capacity vs memory neurons (modern).",
               [("capacity", "Mean final overlap vs load, classic vs modern."),
                ("memory_neurons", "Memory-neuron dynamics from a corrupted cue."),
                ("dale_capacity", "Dale's-law spiking network vs the NumPy limit of its weights and the classic "
                                  "network.")],
               {**{k: summary[k] for k in ("n", "classic_capacity", "modern_load_tested", "modern_mean_overlap")},
                "dale_loads": ds["loads"], "dale_mean_overlap_by_load": ds["mean_overlap_by_load"],
                "dale_limit_mean_overlap_by_load": ds["dale_limit_mean_overlap_by_load"]}, quick=args.quick)
