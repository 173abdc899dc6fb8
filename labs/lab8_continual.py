# %% [markdown]
# # Lab 8 — A spiking cerebellum that learns digits one task after another
#
# Bricken et al. (2023) showed that a Sparse Distributed Memory — Top-K activation of a wide
# expansion layer — learns a sequence of tasks without forgetting the earlier ones, where an
# MLP of the same width forgets. Here the SDM is the cerebellum: scikit-learn's 8×8 digits
# become mossy-fibre addresses through a fixed sign random projection, Golgi feedback lets only
# the first ~k granule cells fire, the olive fires on the class's climbing fibre (one output line
# per digit), and PF→Purkinje LTD stores the class. The classes come in five tasks (0–1, 2–3,
# …, 8–9), each example once; after every task every test digit is read from the DCN cells.
#
# Run: `engramlab lab run 8 --quick` (about a minute), or without `--quick` for the README's numbers.

# %% tags=["parameters"]
# QUICK = True: the small, fast version (CI, a first look); OUT: where figures and report.html go
QUICK = False
OUT = "results/labs/lab8_continual"

# %%
import engramlab as el
from engramlab.results import save_figure
from engramlab import labkit

args = labkit.settings(QUICK, OUT)  # on a script's command line, --quick / --out win
# --quick: the protocol's quick preset (2,000 granule cells, Top-K 40, 10 test digits per class)
result = el.run("continual", quick=args.quick, seed=0, out=f"{args.out}/run")
s = result.summary
print(f"after all {s['tasks']} tasks, mean accuracy over the tasks: spikes {s['final_mean_accuracy']:.3f}, "
      f"NumPy SDM (same Top-K) {s['numpy_sdm_final_mean_accuracy']:.3f}, online MLP "
      f"{s['mlp_final_mean_accuracy']:.3f}; an MLP trained on everything at once reaches {s['iid_upper_bound']:.3f}")
print(f"forgetting: spikes {s['forgetting']:.3f}, online MLP {s['mlp_forgetting']:.3f}")
print(f"granule cells active per read: {s['active_granule_mean']:.0f} for Top-K {s['top_k']}")
figures = result.figures()
save_figure(figures["accuracy_matrix"], args.out, "accuracy_matrix")
save_figure(figures["seen_tasks"], args.out, "seen_tasks")
save_figure(figures["dcn_evidence"], args.out, "dcn_evidence")

# %% [markdown]
# ## Why the SDM does not forget, and the MLP does
#
# A write changes only the synapses of the ~k granule cells it activates, and only towards its
# own class (LTD on the class line, a little LTP on the others). A digit of task 1 activates
# granule cells that mostly no digit of task 4 activates, so task 4 cannot overwrite them. The
# MLP's every weight moves with every example: trained on 8s and 9s, it answers "8 or 9" to
# everything.
#
# ## Exercises
# 1. Let many more granule cells fire: `el.run("continual", quick=True, top_k=1000)` (or
#    `engramlab run continual --quick --set top_k=1000`). What happens to the old tasks?
# 2. Make LTP as strong as in the SDM protocol (`plasticity__ltd_ltp_ratio=2, plasticity__a_plus="100 pA"`):
#    look at `weights_at_max` in the summary and at the accuracy matrix.
# 3. Shorten the DCN read window (`protocol__read_window="20 ms"`): the Purkinje pause has not yet
#    reached the nuclei.
# 4. Give the nuclei the SDM protocol's weaker Purkinje inhibition (`nuclei__w_pc="1200 pA",
#    nuclei__I_e="500 pA"`). Predict first: does the DCN read more or fewer ties
#    (`read_tie_fraction`)? Lines whose Purkinje cells all fall silent fire at one ceiling.

# %%
labkit.finish(args.out, "Lab 8 — Continual learning", "A spiking cerebellar SDM learns digits task after task.",
               [("accuracy_matrix", "Accuracy on each task after each task: spikes, NumPy SDM, online MLP."),
                ("seen_tasks", "Mean accuracy over the tasks seen so far, and each task's final accuracy."),
                ("dcn_evidence", "DCN rate increase of each output line for each class, after the last task.")], s)
