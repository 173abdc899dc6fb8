# %% [markdown]
# # Lab 4 — The grid code (ideal limit) and place cells that read its spikes
#
# A grid module is three plane waves 60° apart with $|k| = 4\pi/(\sqrt3\,\lambda)$, so its fields
# sit on a triangular lattice with **vertex spacing** λ. Moving by Δ rotates each wave's phase by
# $k_j\cdot\Delta$: path integration is a block-diagonal rotation matrix, and the opposite move is
# its inverse. Modules grow by ≈ 1.42 (Stensola et al. 2012). Here that rotation is computed in
# NumPy (the *ideal* limit: no attractor network yet) and the grid cells fire Poisson spikes at
# its rates. Place cells are integrate-and-fire neurons summing the *spikes* of grid cells that
# share a field location across modules; only where all modules coincide does the mean input
# cross threshold, so they fire in one place (Solstad, Moser & Einevoll 2006).
#
# Run: `engramlab lab run 4 --quick`.

# %%
import numpy as np

import engramlab as el
from engramlab.analysis.grid import action_matrix, module_code
from engramlab.models.hippocampal import GridParams
from engramlab.protocols.worlds import grid_modules
from engramlab.results import save_figure

import _labkit

args = _labkit.lab_args("lab4_grid_place", "Grid and place cells")

# %% [markdown]
# ## Path integration is exact
# Integrate 1,000 random steps through the action matrices and compare with the code of the end point.

# %%
rng = np.random.default_rng(0)
modules = grid_modules(GridParams(modules=3), rng)
x0 = np.array([[0.5, 0.5]])
code = np.concatenate([module_code(m, x0) for m in modules], 1)[0]
steps = rng.normal(0, 0.02, (1000, 2))
for d in steps:
    code = action_matrix(modules, d) @ code
end = np.concatenate([module_code(m, x0 + steps.sum(0)) for m in modules], 1)[0]
pi_error = float(np.abs(code - end).max())
print(f"path-integration error after 1000 steps: {pi_error:.2e}")

# %% [markdown]
# ## Foraging: rate maps, gridness, spacing, place fields

# %%
# --quick: the protocol's quick preset (200 s of foraging instead of 600 s)
result = el.run("foraging", quick=args.quick, seed=1, out=f"{args.out}/run")
s = dict(result.summary, path_integration_error=pi_error)
print("gridness per module:", np.round(s["gridness"], 2), " spacing (m):", np.round(s["spacing_m"], 3),
      " target:", np.round(s["spacing_target_m"], 3))
print(f"place cells with a single field: {s['place_cells_single_field_fraction']:.0%}")
figures = result.figures()
save_figure(figures["grid_cells"], args.out, "grid_cells")
save_figure(figures["place_cells"], args.out, "place_cells")

# %% [markdown]
# ## Exercises
# 1. Set `grid__ratio=1.2`: do the module spacings still come out right?
# 2. Shorten the foraging time (`duration="60 s"`): how do gridness and the number of place
#    fields degrade with coverage?
# 3. Lower `place__threshold=0.8`: spike noise lifts partial coincidences of the modules over
#    threshold — how many place cells now have several fields?
# 4. Set `grid__max_rate="0.001 Hz"`: the place cells fall silent (they read spikes, nothing else).

# %%
_labkit.finish(args.out, "Lab 4 — Grid and place cells", "The ideal grid code; place cells read grid spikes.",
               [("grid_cells", "Grid rate maps and autocorrelograms per module."),
                ("place_cells", "Place-cell rate maps.")], s)
