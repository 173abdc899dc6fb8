# %% [markdown]
# # Lab 2 — A spiking cerebellum stores and recalls patterns
#
# Mossy fibres carry a 64-bit address (an ON and an OFF line per bit). Each granule cell listens
# to one line per bit and fires when at least $n - d$ match: it is an SDM hard location. A
# climbing fibre teaches each Purkinje cell one value bit: CF-gated LTD (2×) plus PF-alone LTP
# (1×) makes every PF→PC weight $w_0 - a_+ \times$ Kanerva's bipolar counter. Reading, a Purkinje
# cell pauses below its tonic rhythm when its counters sum positive: the SDM majority rule.
#
# Run: `engramlab lab run 2 --quick`.

# %%
import engramlab as el
from engramlab.results import save_figure

import _labkit

args = _labkit.lab_args("lab2_spiking_sdm", "A spiking cerebellum as SDM")
# --quick: the protocol's own quick preset (2,000 granule cells, 10 patterns, NumPy target)
result = el.run("sdm", quick=args.quick, seed=1, out=f"{args.out}/run")
s = result.summary
print(f"radius d = {s['d']} for {s['patterns']} patterns and r = {s['r']} granule cells")
print(f"activation sets identical to the NumPy ball: {s['activation_agreement']:.1%}")
print(f"bit accuracy, queries <= 5 bits away: {s['bit_accuracy_noise_le_5']:.3f}")
print(f"spiking recall = NumPy SDM on {s['numpy_agreement']:.2%} of bits")

# %% [markdown]
# ## Spikes against the equations

# %%
figures = result.figures()
save_figure(figures["4_readout"], args.out, "readout")
save_figure(figures["2_overlap_vs_distance"], args.out, "overlap")
save_figure(figures["3_weights_vs_counters"], args.out, "weights")

# %% [markdown]
# ## Exercises
# 1. `el.run("sdm", scheme="granule", k=4, association="hetero", m=16)`: Jaeckel's 4-input
#    granule cells. How many cells are active now, and how does recall degrade with noise?
# 2. Halve the radius (`d=...`). What happens to the overlap curve and to recall at 10 bits of noise?
# 3. `activation="topk", top_k=40`: Golgi feedback lets ~40 cells fire. Compare with the radius.
# 4. Store more patterns (`protocol__patterns=60`): when do reads start to fail?

# %%
_labkit.finish(args.out, "Lab 2 — Spiking SDM", "A spiking cerebellar microcircuit held against SDM.",
               [("readout", "Recall accuracy vs query noise; Purkinje spikes gained/lost vs the NumPy read sum."),
                ("overlap", "Shared granule cells vs distance against the exact circle intersection."),
                ("weights", "Weight changes vs Kanerva counters.")],
               {k: s[k] for k in ("n", "r", "m", "d", "patterns", "seed", "bit_accuracy_noise_le_5",
                                  "numpy_agreement", "activation_agreement", "overlap_max_z",
                                  "softmax_weight_error")})
