# %% [markdown]
# # Lab 7 — Attention three ways: softmax, the SDM read, and spikes
#
# One set of keys (stored addresses) and values, one query, three read-outs:
#
# 1. **softmax attention** $\sum_\mu \mathrm{softmax}_\mu(\beta\, \hat k_\mu\cdot\hat q)\, v_\mu$
#    with β fitted to the SDM geometry;
# 2. **the SDM read** with weights from the exact circle intersection;
# 3. **spikes**: the number of granule cells a spiking cerebellum activates for both the query and
#    each stored pattern, normalised — measured, not computed.
#
# The hippocampal memory-neuron pool approaches the same softmax by mechanism (lab 6 and
# `engramlab run navigation` fit β to its spike counts on half of the steps and compare them with
# softmax(β h) on the other half).
#
# Run: `engramlab lab run 7 --quick`.

# %% tags=["parameters"]
# QUICK = True: the small, fast version (CI, a first look); OUT: where figures and report.html go
QUICK = False
OUT = "results/labs/lab7_attention_three_ways"

# %%
import numpy as np
from matplotlib.figure import Figure

import engramlab as el
from engramlab.analysis import attention, sdm
from engramlab.results import save_figure
from engramlab.schedules import SLOT_KINDS
from engramlab import labkit

args = labkit.settings(QUICK, OUT)  # on a script's command line, --quick / --out win
# --quick: the sdm protocol's quick preset (2,000 granule cells, 10 patterns), four noise levels
result = el.run("sdm", quick=args.quick, seed=4, noise_levels=[0, 4, 8, 12], out=f"{args.out}/run")
a = result.analysis
n, d, r, patterns = (result.summary[k] for k in ("n", "d", "r", "patterns"))
beta = sdm.fit_beta(n, d)

# %% [markdown]
# For every read, compare the weights each read-out gives the stored patterns.

# %%
keys, values = result["pattern_address"], result["pattern_value"].astype(float)
reads = np.flatnonzero(result["slot_kind"] == SLOT_KINDS["read"])
writes = {int(result["slot_pattern"][s]): s for s in np.flatnonzero(result["slot_kind"] == SLOT_KINDS["write"])}
write_sets = np.array([a.active[writes[mu]] for mu in range(patterns)])
err_soft, err_spike, agree = [], [], []
for s in reads:
    q = result["slot_address"][s]
    w_sdm = sdm.sdm_attention_weights(keys, q, d)
    w_soft = sdm.sdm_softmax_weights(keys, q, beta)
    overlap = (write_sets & a.active[s]).sum(1).astype(float)
    w_spk = overlap / overlap.sum() if overlap.sum() else overlap
    err_soft.append(attention.max_abs_difference(w_sdm, w_soft))
    err_spike.append(attention.max_abs_difference(w_sdm, w_spk))
    agree.append(np.mean((w_sdm @ values > 0.5) == (w_spk @ values > 0.5)))
print(f"max |SDM − softmax| weight: median {np.median(err_soft):.3f}; "
      f"max |SDM − spikes|: median {np.median(err_spike):.3f}; "
      f"read-outs agree on {np.mean(agree):.1%} of bits")

# %%
fig = Figure(figsize=(10, 4), layout="constrained")
ax, ax2 = fig.subplots(1, 2)
s0 = reads[1]
q0 = result["slot_address"][s0]
order = np.argsort(sdm.hamming_distances(keys, q0))
ov = (write_sets & a.active[s0]).sum(1).astype(float)
for label, w, marker in (("SDM read (exact)", sdm.sdm_attention_weights(keys, q0, d), "o"),
                         (f"softmax, β = {beta:.1f}", sdm.sdm_softmax_weights(keys, q0, beta), "s"),
                         ("spikes (granule overlaps)", ov / max(ov.sum(), 1), "^")):
    ax.plot(np.arange(patterns), w[order], marker, label=label)
ax.set_xlabel("stored patterns, nearest first")
ax.set_ylabel("weight")
ax.set_title("One query, three read-outs")
ax.legend(frameon=False, fontsize=8)
ax2.hist(err_soft, bins=15, alpha=0.6, label="|SDM − softmax|")
ax2.hist(err_spike, bins=15, alpha=0.6, label="|SDM − spikes|")
ax2.set_xlabel("max absolute weight difference per read")
ax2.legend(frameon=False)
save_figure(fig, args.out, "three_ways")

# %% [markdown]
# ## Exercises: predict, then run
# Each exercise re-reads the spikes of the run above (no new simulation). Write your prediction
# in the cell's `prediction` line *before* running it; the cell prints what the run shows
# beside it. (Instructors: answers and the checks CI runs are in
# `labs/solutions/lab7_solutions.py`.)
#
# ### Exercise 1 — the wrong temperature
# **Change** β to 2β in the softmax read-out (`sdm.sdm_softmax_weights(keys, q, 2 * beta)`).
# **Predict**: does the median largest weight difference |SDM − softmax| go up or down, and by
# about how much?

# %%
prediction = None  # e.g. "down by half"


def median_softmax_error(b):
    return float(np.median([attention.max_abs_difference(
        sdm.sdm_attention_weights(keys, result["slot_address"][s], d),
        sdm.sdm_softmax_weights(keys, result["slot_address"][s], b)) for s in reads]))


labkit.exercise(1, prediction, beta=beta, median_error_beta=median_softmax_error(beta),
                median_error_2beta=median_softmax_error(2 * beta),
                median_error_half_beta=median_softmax_error(beta / 2))

# %% [markdown]
# ### Exercise 2 — fewer granule cells
# A random subset of the granule cells is itself an SDM with fewer hard locations: the same
# radius, r/4 neurons. **Change** the spike read-out to use a random quarter of the granule
# cells. **Predict**: by what factor does the median |SDM − spikes| grow? (Hint: an overlap is
# a count of cells; how does the relative noise of a count scale with its mean?)

# %%
prediction = None  # e.g. "4x"


def median_spike_error(cells):
    errs = []
    for s in reads:
        ov = (write_sets[:, cells] & a.active[s][cells]).sum(1).astype(float)
        w_spk = ov / ov.sum() if ov.sum() else ov
        errs.append(attention.max_abs_difference(sdm.sdm_attention_weights(keys, result["slot_address"][s], d), w_spk))
    return float(np.median(errs))


quarters = np.array_split(np.random.default_rng(0).permutation(r), 4)
labkit.exercise(2, prediction, median_error_all_cells=median_spike_error(np.arange(r)),
                median_error_quarter_cells=float(np.mean([median_spike_error(c) for c in quarters])))

# %% [markdown]
# ### Exercise 3 — distant queries
# The reads came at four query-noise levels (bits flipped: 0, 4, 8, 12). **Predict**: does the
# spike read-out's weight error grow or shrink as the query moves away from the stored
# address, and does the bit agreement with the exact SDM follow it?

# %%
prediction = None  # e.g. "error grows, agreement falls"
noise = result["slot_noise"][reads]
labkit.exercise(3, prediction, **{f"median_spike_error_noise_{k}": float(np.median(np.array(err_spike)[noise == k]))
                                  for k in np.unique(noise)},
                **{f"agreement_noise_{k}": float(np.mean(np.array(agree)[noise == k])) for k in np.unique(noise)})

# %% [markdown]
# ### Exercise 4 — the ball the spikes draw
# An SDM hard location fires when the address is within d bits of it: a fraction p(d) of the
# cells (`sdm.ball_fraction(n, d)`). **Predict**: do more or fewer granule cells fire per read
# than r · p(d)? (Think of what the Golgi loop and in-vivo noise do to a threshold.)

# %%
prediction = None  # e.g. "fewer"
labkit.exercise(4, prediction, active_per_read=float(a.active[reads].sum(1).mean()),
                predicted_r_p_d=float(r * sdm.ball_fraction(n, d)),
                jaccard_with_ideal_ball=result.summary["activation_jaccard"])

# %%
labkit.finish(args.out, "Lab 7 — Attention three ways", "Softmax, the SDM read and spikes on the same keys/values.",
               [("three_ways", "Weights of the three read-outs for one query, and their differences over all reads.")],
               {"n": n, "d": d, "r": r, "beta": beta, "median_softmax_error": float(np.median(err_soft)),
                "median_spike_error": float(np.median(err_spike)), "readout_agreement": float(np.mean(agree))}, quick=args.quick)
