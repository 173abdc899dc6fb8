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
# ## Exercises
# 1. Lower β to 1: what do the memory neurons do (metastable mixtures)?
# 2. Correlate the patterns (e.g. make them share 70 % of their bits): how early does the classic
#    network fail?
# 3. Compare synchronous and asynchronous classic dynamics near the capacity limit.
# 4. Dale network: set `dale.inhibition_balance` to 0.8 and 1.2 (`el.run("pattern-completion",
#    dale__inhibition_balance=0.8)`): what happens to the silent cells' rates and to recall?

# %%
labkit.finish(args.out, "Lab 5 — Hopfield memories", "Classic capacity vs memory neurons (modern).",
               [("capacity", "Mean final overlap vs load, classic vs modern."),
                ("memory_neurons", "Memory-neuron dynamics from a corrupted cue."),
                ("dale_capacity", "Dale's-law spiking network vs the NumPy limit of its weights and the classic "
                                  "network.")],
               {**{k: summary[k] for k in ("n", "classic_capacity", "modern_load_tested", "modern_mean_overlap")},
                "dale_loads": ds["loads"], "dale_mean_overlap_by_load": ds["mean_overlap_by_load"],
                "dale_limit_mean_overlap_by_load": ds["dale_limit_mean_overlap_by_load"]})
