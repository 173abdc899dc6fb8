# %% [markdown]
# # Lab 1 — SDM geometry: hypersphere intersections are nearly exponential
#
# Kanerva's Sparse Distributed Memory writes a pattern into every *hard location* within
# Hamming distance $d$ of its address and reads by summing the locations within $d$ of the query.
# The weight a query gives a stored pattern is the number of locations inside **both** balls:
#
# $$ w(d_v) = \frac{r}{2^n}\,|O_n(p, d) \cap O_n(q, d)| $$
#
# where $d_v$ is the Hamming distance between pattern and query. Over the distances that matter
# this decays almost exactly exponentially, $w \approx c_1 e^{-c_2 d_v}$, and with
# $\cos = 1 - 2 d_v / n$ that is $\propto e^{\beta \cos}$: **softmax attention** with
# $\beta = c_2 n / 2$ (Bricken & Pehlevan, NeurIPS 2021).
#
# Run: `engramlab lab run 1` (or `python labs/lab1_sdm_geometry.py`).

# %%
import numpy as np
from matplotlib.figure import Figure

from engramlab.analysis import sdm
from engramlab.analysis.figures.theory import sdm_weights_figure
from engramlab.analysis.theory import sdm_attention_comparison
from engramlab.results import save_figure

import _labkit

args = _labkit.lab_args("lab1_sdm_geometry", "SDM geometry and fitting beta")
n, d = 64, 11

# %% [markdown]
# ## 1. The exact intersection and its exponential fit
# `circle_intersection` counts points exactly (big integers); `fit_beta` regresses
# log|∩| on cos over $d_v = 0 … d-1$.

# %%
beta_ols = sdm.fit_beta(n, d)
beta_pub = sdm.fit_beta(n, d, estimator="published")
print(f"n = {n}, d = {d}: p(d) = {sdm.ball_fraction(n, d):.3g}, beta OLS = {beta_ols:.2f}, "
      f"published estimator = {beta_pub:.2f}")
fig1 = sdm_weights_figure(sdm_attention_comparison(n, d, beta_ols))
save_figure(fig1, args.out, "weights_vs_softmax")

# %% [markdown]
# ## 2. β depends on the radius (and on n)
# Small radii give sharp (large-β) attention; large radii blur it. Transformers with
# Query-Key-Norm learn β in roughly 10–25.

# %%
dims = (64, 128) if args.quick else (64, 128, 256, 1000)
fig2 = Figure(figsize=(6, 4), layout="constrained")
ax = fig2.subplots()
betas = {}
for nn in dims:
    radii = np.unique(np.linspace(2, nn // 2 - 1, 12).astype(int))
    b = [sdm.fit_beta(nn, int(rr)) for rr in radii]
    betas[nn] = b
    ax.plot(radii / nn, b, "o-", label=f"n = {nn}")
ax.axhspan(10, 25, color="0.9", label="learned β range")
ax.set_xlabel("radius d / n")
ax.set_ylabel("β (OLS fit)")
ax.set_yscale("log")
ax.legend(frameon=False)
ax.set_title("β of the softmax that matches the SDM read")
save_figure(fig2, args.out, "beta_vs_radius")

# %% [markdown]
# ## Exercises
# 1. Change `d` to 5 and 20. How does the staircase change, and how well does the softmax fit
#    (look at the log panel)?
# 2. Compare `estimator="ols"` with `"published"`: the published figures multiply the OLS slope
#    by N/(N−1). When does it matter?
# 3. Use `sdm.optimal_radius(n, m, r)` for m = 1024 patterns and r = 2**n neurons, and for a
#    realistic r = 10,000: which β do these radii imply?

# %%
_labkit.finish(args.out, "Lab 1 — SDM geometry", "Hypersphere intersections are nearly exponential, "
               "so the SDM read is softmax attention with a fitted β.",
               [("weights_vs_softmax", "Normalised circle-intersection weights vs softmax(β cos)."),
                ("beta_vs_radius", "Fitted β against the radius for several dimensions.")],
               {"n": n, "d": d, "beta_ols": beta_ols, "beta_published": beta_pub,
                "d_snr": sdm.optimal_radius(n, 1024, 2**n), "betas_by_n": betas})
