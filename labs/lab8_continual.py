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
# Run: `engramlab lab run 8 --quick` (64 s with its solutions from an empty home folder on 2026-12-06's
# 2-core machine; 84 s inside that day's test suite, beside other tests), or without `--quick` for
# the README's numbers (3.5–10 min alone).

# %% tags=["parameters"]
# QUICK = True: the small, fast version (CI, a first look); OUT: where figures and report.html go
QUICK = False
OUT = "results/labs/lab8_continual"

# %%
import engramlab as el
from engramlab.results import save_figure
from engramlab import labkit

args = labkit.settings(QUICK, OUT)  # on a script's command line, --quick / --out win
# --quick: the protocol's quick preset (2,000 granule cells, Top-K 40, 50 training and 8 test digits per class)
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
# A write changes only the synapses of the granule cells it activates, and it *depresses* only
# its own class's output line (LTD), with a little LTP on the others. Granule cells are shared
# between tasks (exercises 1 and 2 measure how much), but a task-5 write of an 8 depresses line
# 8, not lines 0 and 1: the old tasks lose only the small LTP. The MLP's every weight moves with
# every example: trained on 8s and 9s, it answers "8 or 9" to everything.
#
# ## Exercises: predict, then run
# Each exercise re-reads the spikes of the run above (no new simulation). Write your prediction
# in the cell's `prediction` line *before* running it; the cell prints what the run shows
# beside it. (Instructors: answers and the checks CI runs are in
# `labs/solutions/lab8_solutions.py`.)
#
# ### Exercise 1 — do digits share granule cells?
# **Predict**: of the ~k granule cells two writes activate, how many do two digits of the *same
# class* share, and how many do two digits of *different tasks* share?

# %%
import numpy as np

from engramlab.analysis.continual import choose_lines
from engramlab.analysis.readout import window_counts
from engramlab.analysis.spikes import counts_per_window
from engramlab.schedules import SLOT_KINDS

prediction = None  # e.g. "same class 30, different tasks 0"
p = result.params
r, m, slot = int(p["circuit.r"]), int(p["circuit.m"]), float(p["circuit.slot"])
kind, start = result["slot_kind"], result["slot_start"]
writes, reads = np.flatnonzero(kind == SLOT_KINDS["write"]), np.flatnonzero(kind == SLOT_KINDS["read"])
fired = counts_per_window(result["spikes_granule_t"], result["spikes_granule_i"], start[writes], slot, r) > 0
write_class = result["labels"][result["slot_example"][writes]]
write_task = result["task_of_class"][write_class]
shared = fired.astype(np.float32) @ fired.T.astype(np.float32)  # cells shared by two writes
pairs = np.triu_indices(writes.size, 1)
same_class = (write_class[:, None] == write_class[None, :])[pairs]
other_task = (write_task[:, None] != write_task[None, :])[pairs]
labkit.exercise(1, prediction, active_per_write=float(fired.sum(1).mean()),
                shared_same_class=float(shared[pairs][same_class].mean()),
                shared_different_tasks=float(shared[pairs][other_task].mean()))

# %% [markdown]
# ### Exercise 2 — does task 5 reuse task 1's cells?
# **Predict**: of the granule cells that fired in at least one write of task 1 (digits 0 and 1),
# what fraction fired again in a write of task 5 (digits 8 and 9)?

# %%
prediction = None  # e.g. "10 %"
used_first = fired[write_task == 0].any(axis=0)
used_last = fired[write_task == write_task.max()].any(axis=0)
labkit.exercise(2, prediction, cells_used_by_task_1=int(used_first.sum()), granule_cells=r,
                reused_by_task_5_fraction=float((used_first & used_last).sum() / used_first.sum()))

# %% [markdown]
# ### Exercise 3 — what the online MLP answers at the end
# **Predict** the online MLP's accuracy on each of the five tasks after it has learned the last
# one (digits 8 and 9).

# %%
prediction = None  # e.g. "0.5 on every task"
labkit.exercise(3, prediction, mlp_accuracy_after_last_task=s["mlp_accuracy_matrix"][-1],
                spiking_accuracy_after_last_task=s["accuracy_matrix"][-1])

# %% [markdown]
# ### Exercise 4 — how long must the nuclei be read?
# The class of a read is the output line whose DCN cells (four per line, summed) fire most in a
# window that starts when the read's input can first reach the nuclei (60 ms long by default).
# **Predict** the shortest of 10, 20, 40 and 60 ms that still reads ≥ 80 % of the digits right
# after the last task.

# %%
prediction = None  # e.g. "10 ms"
arrival = sum(float(p[f"circuit.{key}"]) for key in ("volley_time", "mossy.delay", "plasticity.delay_pf",
                                                     "nuclei.delay_pc"))
final_reads = reads[result["slot_eval"][reads] == result["slot_eval"][reads].max()]
truth = result["labels"][result["slot_example"][final_reads]]
by_window = {}
for width_ms in (10, 20, 40, 60):
    counts = window_counts(result["spikes_nuclei_t"], result["spikes_nuclei_i"], start[final_reads], arrival,
                           min(width_ms * 1e-3, slot - arrival), m, int(p.get("circuit.dcn_per_line", 1)))
    chosen, ties = choose_lines(counts, np.random.default_rng(0))
    by_window[f"accuracy_{width_ms}ms"] = float(np.mean(chosen == truth))
    by_window[f"ties_{width_ms}ms"] = ties
labkit.exercise(4, prediction, **by_window)

# %% [markdown]
# ### More to explore (a spiking run each)
# 1. Let many more granule cells fire: `el.run("continual", quick=True, top_k=1000)` (or
#    `engramlab run continual --quick --set top_k=1000`). What happens to the old tasks?
# 2. Make LTP as strong as in the SDM protocol (`plasticity__ltd_ltp_ratio=2, plasticity__a_plus="100 pA"`):
#    look at `weights_at_max` in the summary and at the accuracy matrix.
# 3. Give the nuclei the SDM protocol's weaker Purkinje inhibition (`nuclei__w_pc="1200 pA",
#    nuclei__I_e="500 pA"`). Predict first: does the DCN read more or fewer ties
#    (`read_tie_fraction`)? Lines whose Purkinje cells all fall silent fire at one ceiling.
# 4. Read each line from one noise-free DCN cell (`dcn_per_line=1, nuclei__noise="0 mV"`) instead of
#    four noisy ones. Predict first: how does `read_tie_fraction` change, and the accuracy?

# %%
labkit.finish(args.out, "Lab 8 — Continual learning", "A spiking cerebellar SDM learns digits task after task.",
               [("accuracy_matrix", "Accuracy on each task after each task: spikes, NumPy SDM, online MLP."),
                ("seen_tasks", "Mean accuracy over the tasks seen so far, and each task's final accuracy."),
                ("dcn_evidence", "DCN rate increase of each output line for each class, after the last task.")], s, quick=args.quick)
