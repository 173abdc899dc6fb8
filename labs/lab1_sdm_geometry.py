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

# %% tags=["parameters"]
# QUICK = True: the small, fast version (CI, a first look); OUT: where figures and report.html go
QUICK = False
OUT = "results/labs/lab1_sdm_geometry"

# %%
import numpy as np
from matplotlib.figure import Figure

from engramlab.analysis import sdm
from engramlab.analysis.figures.theory import sdm_weights_figure
from engramlab.analysis.theory import sdm_attention_comparison
from engramlab.results import save_figure
from engramlab import labkit

args = labkit.settings(QUICK, OUT)  # on a script's command line, --quick / --out win
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
# ## Exercises: predict, then run
# Each exercise says what to change and what to predict. Write your prediction in the cell's
# `prediction` line *before* running it; the cell prints what the model does beside it.
# (Instructors: answers and the checks CI runs are in `labs/solutions/lab1_solutions.py`.)
#
# ### Exercise 1 — the radius sets the temperature
# **Change** the radius from d = 11 to d = 5 and to d = 20 (n = 64).
# **Predict**: which radius gives the larger β (sharper attention), and by roughly what factor
# does β change between d = 5 and d = 20?

# %%
prediction = None  # e.g. "d = 20 is sharper, 2x"
labkit.exercise(1, prediction, **{f"beta_d{dd}": sdm.fit_beta(n, dd) for dd in (5, 11, 20)})

# %% [markdown]
# ### Exercise 2 — two estimators of one slope
# The published figures report β from `estimator="published"`, the OLS slope times N/(N−1)
# with N the number of regressed distances (d_v = 0 … d − 1, so N = d).
# **Predict**: by what percentage does the published β exceed the OLS β at d = 3, and at d = 20?

# %%
prediction = None  # e.g. "3 %, 3 %"
labkit.exercise(2, prediction, **{f"published_over_ols_d{dd}": sdm.fit_beta(n, dd, estimator="published")
                                  / sdm.fit_beta(n, dd) for dd in (3, 20)})

# %% [markdown]
# ### Exercise 3 — a realistic number of neurons
# `sdm.optimal_radius(n, m, r)` is the SNR-optimal radius for m stored patterns in r neurons.
# **Change** r from 2^64 (every address a neuron) to a cerebellum-sized r = 10,000, m = 1024.
# **Predict**: does the optimal radius grow or shrink, and does β land inside the 10–25 that
# transformers learn?

# %%
prediction = None  # e.g. "radius shrinks, β ≈ 20"
d_all, d_real = sdm.optimal_radius(n, 1024, 2**n), sdm.optimal_radius(n, 1024, 10_000)
labkit.exercise(3, prediction, d_r_2_64=d_all, d_r_10000=d_real, beta_r_2_64=sdm.fit_beta(n, d_all),
                beta_r_10000=sdm.fit_beta(n, d_real))

# %% [markdown]
# ### Exercise 4 — where the softmax fits
# `sdm_attention_comparison(n, d, β)` holds the normalised intersection weights (`binary`)
# against softmax(β cos) (`softmax`) for d_v = 0 … 2d.
# **Predict**: at which radius, d = 5 or d = 20, is the largest weight error smaller? And on
# the log scale (relative error of the smallest weights)?

# %%
prediction = None  # e.g. "d = 5 smaller on both scales"
errors = {}
for dd in (5, 20):
    cmp = sdm_attention_comparison(n, dd, sdm.fit_beta(n, dd))
    w, soft = np.asarray(cmp.binary), np.asarray(cmp.softmax)
    errors[f"max_weight_error_d{dd}"] = float(np.max(np.abs(w - soft)))
    errors[f"max_log_error_d{dd}"] = float(np.max(np.abs(np.log(w[w > 0]) - np.log(soft[w > 0]))))
labkit.exercise(4, prediction, **errors)

# %%
labkit.finish(args.out, "Lab 1 — SDM geometry", "Hypersphere intersections are nearly exponential, "
               "so the SDM read is softmax attention with a fitted β.",
               [("weights_vs_softmax", "Normalised circle-intersection weights vs softmax(β cos)."),
                ("beta_vs_radius", "Fitted β against the radius for several dimensions.")],
               {"n": n, "d": d, "beta_ols": beta_ols, "beta_published": beta_pub,
                "d_snr": sdm.optimal_radius(n, 1024, 2**n), "betas_by_n": betas}, quick=args.quick)
