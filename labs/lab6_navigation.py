# %% [markdown]
# # Lab 6 — Navigation: learning at the rate of nodes, not edges
#
# TEM-t (Whittington et al. 2022): keys and queries come from the path-integrated grid code,
# values from the sensory (LEC) code; predicting what is at the next node is causal attention
# over every step so far. Here the attention is done by spiking memory neurons, one per step,
# whose shared divisive inhibition turns their drive into softmax(β k·q). Because the grid code
# is the same wherever the agent arrives from, it predicts correctly at any node it has seen —
# even by an edge it never took (zero-shot link inference). An agent that memorised edges
# could not.
#
# Run: `engramlab lab run 6 --quick`.

# %%
import engramlab as el
from engramlab.results import save_figure

import _labkit

args = _labkit.lab_args("lab6_navigation", "Navigation with memory neurons")
# --quick: the protocol's quick preset (grid8x8, one environment, 300 steps)
result = el.run("navigation", quick=args.quick, seed=0, out=f"{args.out}/run")
s = result.summary
print(f"accuracy {s['accuracy']:.2f}  node agent {s['node_agent_accuracy']:.2f}  edge agent "
      f"{s['edge_agent_accuracy']:.2f}  zero-shot {s['zero_shot_accuracy']:.2f}  "
      f"agreement with NumPy attention {s['attention_agreement']:.2f}")
figures = result.figures()
save_figure(figures["accuracy_vs_visits"], args.out, "accuracy_vs_visits")
save_figure(figures["softmax_in_spikes"], args.out, "softmax_in_spikes")

# %% [markdown]
# ## Exercises
# 1. Lower β (`memory__beta=5`): neighbouring nodes' memories leak in. What happens to accuracy?
# 2. Try the non-spatial world `graph="ring40"`: the same circuit path-integrates a cycle.
# 3. Set `straight_bias=0.9`: the agent explores edges more slowly than nodes — compare the two curves.

# %%
_labkit.finish(args.out, "Lab 6 — Navigation", "Memory neurons learn at the rate of nodes visited.",
               [("accuracy_vs_visits", "Accuracy vs nodes visited and edges taken, with baselines."),
                ("softmax_in_spikes", "Memory-neuron spike fractions vs softmax.")], s)
