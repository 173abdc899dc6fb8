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
# --quick: the protocol's quick preset (grid8x8, one environment, 300 steps, one C++ standalone build)
result = el.run("navigation", quick=args.quick, seed=0, out=f"{args.out}/run")
s = result.summary
print(f"accuracy {s['accuracy']:.2f}  node agent {s['node_agent_accuracy']:.2f}  edge agent "
      f"{s['edge_agent_accuracy']:.2f}  zero-shot {s['zero_shot_accuracy']:.2f}  "
      f"NumPy attention on the same keys {s['ideal_attention_accuracy']:.2f}")
if s["memory_model"] == "pool":
    print(f"fitted β {s['beta_effective']:.1f}  held-out softmax error {s['softmax_weight_error_heldout']:.2f} "
          f"(sampling floor {s['softmax_weight_error_sampling_floor']:.2f}, calibration "
          f"{s['softmax_calibration_error_heldout']:.3f})  key cosine {s['key_weight_cosine']:.2f}")
figures = result.figures()
save_figure(figures["accuracy_vs_visits"], args.out, "accuracy_vs_visits")
save_figure(figures["softmax_in_spikes"], args.out, "softmax_in_spikes")

# %% [markdown]
# ## Exercises
# 1. Remove the interneurons' synapses (`pool__inhibition=False`): how do the fitted β, the memory
#    spikes per step and the accuracy change? (Full run: β 29.3 → 14.9, spikes 18 → 559, accuracy
#    0.79 → 0.48.)
# 2. Write each memory into fewer neurons (`pool__ensemble=4, pool__pool=2048`): the same
#    interneurons now hold fewer neurons per memory at the same total rate. What happens to β?
# 3. Silence the grid cells (`grid__max_rate="0.001 Hz"`): is anything left to recall from?
# 4. Set `straight_bias=0.9`: the agent explores edges more slowly than nodes — compare the two curves.

# %%
labkit.finish(args.out, "Lab 6 — Navigation", "A pool of memory neurons learns at the rate of nodes visited.",
               [("accuracy_vs_visits", "Accuracy vs nodes visited and edges taken, with baselines."),
                ("softmax_in_spikes", "Memory spike shares vs softmax with a fitted β, on held-out steps.")], s)
