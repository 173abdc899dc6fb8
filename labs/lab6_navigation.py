# %% [markdown]
# # Lab 6 — Navigation: learning at the rate of nodes, not edges
#
# TEM-t (Whittington et al. 2022): keys and queries come from the path-integrated grid code,
# values from the sensory (LEC) code; predicting what is at the next node is causal attention
# over every step so far. Here no equation computes that attention. A fixed pool of
# exponential integrate-and-fire memory neurons reads grid-cell *spikes*; at every step a
# plateau writes one ensemble of them in one shot (its input weights become the grid and
# context spikes it just saw, its output weights the LEC code of what is there), and
# interneurons excited by the memory spikes shunt the whole pool. We then *measure* how close
# the pool comes to softmax attention: β is fitted to its spikes on half of the steps and tested
# on the other half. Because the grid code is the same wherever the agent arrives from, the
# pool predicts at nodes it has seen — even by an edge it never took (zero-shot link
# inference). `memory__model="ideal"` runs the mathematical limit (the softmax written into
# the equations) for comparison.
#
# The grid code the pool reads is still the ideal one (path-integrated by one rotation matrix per
# action). Beside it, the walk's first actions drive the spiking attractor grid modules of lab 4,
# each action a velocity pulse; the run measures how far each module's lattice moves per action
# against what the action matrix says (`path_integration_phase_error`, a fraction of a period).
#
# Run: `engramlab lab run 6 --quick`.

# %% tags=["parameters"]
# QUICK = True: the small, fast version (CI, a first look); OUT: where figures and report.html go
QUICK = False
OUT = "results/labs/lab6_navigation"

# %%
import engramlab as el
from engramlab.results import save_figure
from engramlab import labkit

args = labkit.settings(QUICK, OUT)  # on a script's command line, --quick / --out win
# --quick: the protocol's quick preset (grid8x8, one environment, 250 steps, 256 memories of 8 neurons, one C++ build)
result = el.run("navigation", quick=args.quick, seed=0, out=f"{args.out}/run")
s = result.summary
print(f"accuracy {s['accuracy']:.2f}  node agent {s['node_agent_accuracy']:.2f}  edge agent "
      f"{s['edge_agent_accuracy']:.2f}  zero-shot {s['zero_shot_accuracy']:.2f}  "
      f"NumPy attention on the same keys {s['ideal_attention_accuracy']:.2f}")
if s["memory_model"] == "pool":
    print(f"fitted β {s['beta_effective']:.1f}  held-out softmax error {s['softmax_weight_error_heldout']:.2f} "
          f"(sampling floor {s['softmax_weight_error_sampling_floor']:.2f}, calibration "
          f"{s['softmax_calibration_error_heldout']:.3f})  key cosine {s['key_weight_cosine']:.2f}")
if s["path_integration_model"] == "attractor":
    print(f"attractor modules driven by {s['path_integration_steps']} actions: phase error per action "
          + ", ".join(f"{e:.3f}" for e in s["path_integration_phase_error"]) + " of a period; accumulated "
          + ", ".join(f"{e:.3f}" for e in s["path_integration_final_error"]) + " by the last action")
figures = result.figures()
save_figure(figures["accuracy_vs_visits"], args.out, "accuracy_vs_visits")
save_figure(figures["softmax_in_spikes"], args.out, "softmax_in_spikes")
save_figure(figures["path_integration"], args.out, "path_integration")

# %% [markdown]
# ## Exercises: predict, then run
# Each exercise re-reads the run above (no new simulation). Write your prediction in the cell's
# `prediction` line *before* running it; the cell prints what the run shows beside it.
# (Instructors: answers and the checks CI runs are in `labs/solutions/lab6_solutions.py`.)
#
# ### Exercise 1 — a node never seen
# **Predict** the pool's accuracy on steps that arrive at a node the agent has never visited,
# and on steps that arrive at a node it has (chance is one in the number of observations).

# %%
import numpy as np

prediction = None  # e.g. "0.5 and 0.9"
nav = result.analysis  # the protocol's analysis of this run
# each environment's walk: step k goes from walk[k] to walk[k + 1]
walks = np.asarray(result["node"]).reshape(-1, int(result.params["steps"]) + 1)
revisit = np.concatenate([[w[k + 1] in set(w[:k + 1].tolist()) for k in range(w.size - 1)] for w in walks])
back = np.concatenate([[k >= 1 and w[k + 1] == w[k - 1] for k in range(w.size - 1)] for w in walks])
labkit.exercise(1, prediction, observations=nav.observations, first_visit_steps=int((~revisit).sum()),
                accuracy_first_visit=float(nav.correct[~revisit].mean()),
                accuracy_revisit=float(nav.correct[revisit].mean()))

# %% [markdown]
# ### Exercise 2 — going back where you came from
# **Predict**: among revisits, are steps that return to the node just left (A → B → A) easier
# or harder for the pool than other revisits?

# %%
prediction = None  # e.g. "harder: the memory is only one step old"
labkit.exercise(2, prediction, backtracks=int(back.sum()), accuracy_backtrack=float(nav.correct[back].mean()),
                accuracy_other_revisits=float(nav.correct[revisit & ~back].mean()))

# %% [markdown]
# ### Exercise 3 — does the inhibition hold the pool's rate?
# Divisive normalisation would keep the pool's total output fixed however many memories it
# holds. **Predict** how the memory neurons' spikes per step change from the first 9 memories
# to more than 200.

# %%
prediction = None  # e.g. "constant, about 10"
load = s["pool_by_load"]
labkit.exercise(3, prediction, load_bins=load["load_bins"], memory_spikes_per_step=load["memory_spikes"])

# %% [markdown]
# ### Exercise 4 — few memories, many memories
# **Predict**: is the pool's spike share closer to the softmax (held-out error, fitted β) when it
# holds few memories or many?

# %%
prediction = None  # e.g. "closer with many: more spikes, less noise"
labkit.exercise(4, prediction, load_bins=load["load_bins"], softmax_error_heldout=load["softmax_error_heldout"])

# %% [markdown]
# ### More to explore (a spiking run each)
# 1. Remove the interneurons' synapses (`pool__inhibition=False`): how do the fitted β, the memory
#    spikes per step and the accuracy change? (Full run, seed 0: β 34.0 → 8.2, memory spikes per
#    window 72 → 14,274, accuracy 0.87 → 0.05.)
# 2. Write each memory into fewer neurons (`pool__ensemble=4, pool__pool=2048`: 512 memories, as at
#    full size; with --quick, `pool__pool=1024` keeps its 256): the same interneurons now hold fewer
#    neurons per memory at the same total rate. What happens to β?
# 3. Silence the grid cells (`grid__max_rate="0.001 Hz"`): is anything left to recall from?
# 4. Set `straight_bias=0.9`: the agent explores edges more slowly than nodes — compare the two curves.

# %%
labkit.finish(args.out, "Lab 6 — Navigation", "A pool of memory neurons learns at the rate of nodes visited.",
               [("accuracy_vs_visits", "Accuracy vs nodes visited and edges taken, with baselines."),
                ("softmax_in_spikes", "Memory spike shares vs softmax with a fitted β, on held-out steps.")], s, quick=args.quick)
