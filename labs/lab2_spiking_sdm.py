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
import numpy as np

from engramlab.analysis.cerebellar_sdm import analyse_sdm, sdm_summary
from engramlab.analysis.figures import cerebellum as figs
from engramlab.circuits.cerebellum import CerebellumConfig
from engramlab.protocols.sdm_memory import SDMMemoryConfig, run_sdm_memory
from engramlab.results import save_figure

import _labkit

args = _labkit.lab_args("lab2_spiking_sdm", "A spiking cerebellum as SDM")
r, patterns = (1500, 8) if args.quick else (10_000, 20)
circuit = CerebellumConfig(r=r, design_patterns=patterns, target="numpy" if args.quick else "auto", seed=1)
levels = (0, 1, 2, 3, 4, 5, 8, 12, 16, 24, 32, 40, 48)
protocol = SDMMemoryConfig(patterns=patterns, noise_levels=levels, seed=1)
print(f"radius d = {circuit.radius} for {patterns} patterns and r = {r} granule cells")

# %%
result = run_sdm_memory(circuit, protocol)
a = analyse_sdm(result)
s = sdm_summary(a)
print(f"activation sets identical to the NumPy ball: {a.numpy_active_agreement:.1%}")
print(f"bit accuracy, queries <= 5 bits away: {s['bit_accuracy_noise_le_5']:.3f}")
print(f"spiking recall = NumPy SDM on {a.numpy_agreement:.2%} of bits")

# %% [markdown]
# ## Spikes against the equations

# %%
save_figure(figs.readout_figure(a), args.out, "readout")
save_figure(figs.overlap_figure(a), args.out, "overlap")
save_figure(figs.weights_figure(a), args.out, "weights")

# %% [markdown]
# ## Exercises
# 1. `CerebellumConfig(scheme="granule", k=4)`: Jaeckel's 4-input granule cells. How many cells
#    are active now, and how does recall degrade with noise?
# 2. Halve the radius (`d=...`). What happens to the overlap curve and to recall at 10 bits of noise?
# 3. `activation="topk", top_k=40`: Golgi feedback lets ~40 cells fire. Compare with the radius.
# 4. Store more patterns (`SDMMemoryConfig(patterns=60)`): when do reads start to fail?

# %%
_labkit.finish(args.out, "Lab 2 — Spiking SDM", "A spiking cerebellar microcircuit held against SDM.",
               [("readout", "Recall accuracy vs query noise; Purkinje spikes gained/lost vs the NumPy read sum."),
                ("overlap", "Shared granule cells vs distance against the exact circle intersection."),
                ("weights", "Weight changes vs Kanerva counters.")],
               {k: s[k] for k in ("n", "r", "m", "d", "patterns", "seed", "bit_accuracy_noise_le_5",
                                  "numpy_agreement", "overlap_max_z", "softmax_weight_error")})
assert np.isfinite(a.numpy_agreement)
