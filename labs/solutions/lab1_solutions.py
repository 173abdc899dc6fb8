# %% [markdown]
# # Lab 1 — solutions and instructor notes
#
# Kept apart from the lab so students predict before they see answers. This notebook reads what
# the lab's exercise cells measured (`summary.json` → `exercises`) and checks the answers below
# against it; CI runs the lab and then this notebook, so the two cannot drift apart.
#
# **Instructor note.** Lab 1 is NumPy only (no spikes): it takes ~7 s as a notebook, the
# exercises a few seconds more. Pitfalls: students read the log panel of `weights_vs_softmax` as
# "the softmax is bad" — the large log errors sit on weights below 10⁻⁵, which no read can
# resolve; β is a *fit* to the intersection curve (not a parameter of the SDM), and its value
# depends on the estimator (exercise 2). Figures: `weights_vs_softmax` — the exact normalised
# intersection weights (bars) against softmax(β cos) for d_v = 0 … 2d, linear and log scale;
# `beta_vs_radius` — the fitted β against d/n for several n, with the 10–25 band learned
# transformers use.

# %% tags=["parameters"]
LAB_OUT = "results/labs/lab1_sdm_geometry"

# %%
from engramlab import labkit

ex = labkit.load_exercises(LAB_OUT)  # what the lab's exercise cells measured (a --quick run)

# %% [markdown]
# ### Exercise 1 — the radius sets the temperature
# The smaller ball is the sharper one: at n = 64, β ≈ 28 at d = 5, 14.4 at d = 11 and 5.3 at
# d = 20, a factor ≈ 5 between d = 5 and d = 20. Two balls of small radius share locations
# only when their centres are close, so the weight falls steeply with distance.

# %%
e = ex["1"]
print(e)
assert e["beta_d5"] > e["beta_d11"] > e["beta_d20"]
assert 4.5 < e["beta_d5"] / e["beta_d20"] < 6.0

# %% [markdown]
# ### Exercise 2 — two estimators of one slope
# The ratio is exactly d/(d − 1): +50 % at d = 3, +5.3 % at d = 20. It matters at small radii,
# where few distances are regressed; quote which estimator a β comes from.

# %%
e = ex["2"]
print(e)
assert abs(e["published_over_ols_d3"] - 3 / 2) < 1e-9
assert abs(e["published_over_ols_d20"] - 20 / 19) < 1e-9

# %% [markdown]
# ### Exercise 3 — a realistic number of neurons
# The radius *grows*, from 11 to 21: with only 10,000 neurons a ball must be wide to hold enough
# of them for a clean read. β falls from 14.4 to ≈ 4.6 — below the 10–25 that transformers
# learn. A cerebellum-sized SDM reads with a blurrier softmax than the idealised one (compare
# lab 2, where Golgi inhibition and Top-K activation change this).

# %%
e = ex["3"]
print(e)
assert e["d_r_2_64"] == 11 and e["d_r_10000"] > e["d_r_2_64"]
assert e["beta_r_10000"] < 10 < e["beta_r_2_64"] < 25

# %% [markdown]
# ### Exercise 4 — where the softmax fits
# On the linear scale the wide ball fits better (largest weight error ≈ 0.035 at d = 20 against
# ≈ 0.14 at d = 5): its curve is close to exponential over all the distances that carry weight.
# On the log scale it is the other way round (≈ 5.7 against ≈ 2.2 in log units): the
# intersection falls faster than exponentially near d_v = 2d, where the weights are tiny. The
# approximation is good where it matters for a read, not everywhere.

# %%
e = ex["4"]
print(e)
assert e["max_weight_error_d20"] < e["max_weight_error_d5"] / 2
assert e["max_log_error_d20"] > e["max_log_error_d5"]
