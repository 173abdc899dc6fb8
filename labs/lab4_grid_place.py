# %% [markdown]
# # Lab 4 — Grid cells: the ideal code and an attractor network that path-integrates
#
# A grid module is three plane waves 60° apart with $|k| = 4\pi/(\sqrt3\,\lambda)$, so its fields
# sit on a triangular lattice with **vertex spacing** λ. Moving by Δ rotates each wave's phase by
# $k_j\cdot\Delta$: path integration is a block-diagonal rotation matrix, and the opposite move is
# its inverse. Modules grow by ≈ 1.42 (Stensola et al. 2012). That rotation computed in NumPy
# is the *ideal* limit; below, a spiking attractor network does the same job from a velocity
# signal, and we measure how close it gets.
#
# Run: `engramlab lab run 4 --quick`.

# %% tags=["parameters"]
# QUICK = True: the small, fast version (CI, a first look); OUT: where figures and report.html go
QUICK = False
OUT = "results/labs/lab4_grid_place"

# %%
import numpy as np

import engramlab as el
from engramlab.analysis.grid import action_matrix, module_code
from engramlab.models.hippocampal import GridParams
from engramlab.protocols.worlds import grid_modules
from engramlab.results import save_figure
from engramlab import labkit

args = labkit.settings(QUICK, OUT)  # on a script's command line, --quick / --out win

# %% [markdown]
# ## The ideal limit: path integration is exact
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
# ## Grid cells from an attractor network
# The default foraging model has no plane waves in its equations (a weak lattice-shaped seed at
# t = 0 only picks the lattice's orientation). Each module is a sheet of 60 × 52
# spiking neurons (Burak & Fiete 2009) whose purely inhibitory, slightly shifted connections
# hold a hexagonal lattice of activity bumps; the animal's velocity — its only time-varying
# input — tilts the drive of four direction populations and the lattice slides. A neuron fires
# whenever a bump passes over it, so along the path it fires on a hexagonal grid whose spacing is
# set by the module's velocity gain. The analysis decodes the lattice's displacement from the
# spikes and compares it with the integrated velocity.

# %%
# --quick: the protocol's quick preset (100 s of foraging instead of 600 s)
result = el.run("foraging", quick=args.quick, seed=1, out=f"{args.out}/run")
s = dict(result.summary, path_integration_error=pi_error)
print("gridness per module:", np.round(s["gridness"], 2), " spacing (m):", np.round(s["spacing_m"], 3),
      " built for:", np.round(s["spacing_target_m"], 3))
print("path-integration error (m, RMS):", np.round(s["path_integration_error_m"], 3),
      " drift (m/min):", np.round(s["drift_m_per_min"], 3))
figures = result.figures()
save_figure(figures["grid_cells"], args.out, "grid_cells")
save_figure(figures["path_integration"], args.out, "path_integration")

# %% [markdown]
# ## Without the velocity input there is no grid
# Same network, `grid.velocity_gain = 0`: the lattice stays where it formed, each neuron fires
# wherever the animal is (or nowhere), and gridness collapses.

# %%
still = el.run("foraging", duration="30 s" if args.quick else "100 s", seed=1, grid__velocity_gain=0)
s["gridness_without_velocity"] = still.summary["gridness"]
print("gridness without velocity input:", np.round(s["gridness_without_velocity"], 2))

# %% [markdown]
# ## Place cells read grid spikes
# Place cells are integrate-and-fire neurons summing the spikes of grid cells whose fields lie
# near their centre (Solstad, Moser & Einevoll 2006). With the ideal grid code the fields of
# every module coincide at the centre and the place cells fire there.

# %%
ideal = el.run("foraging", quick=args.quick, seed=1, grid__model="ideal")
for key in ("place_cells_single_field_fraction", "place_information_bits_per_spike_median", "place_mean_rate_hz"):
    s[f"ideal_{key}"] = ideal.summary[key]
print(f"place cells with a single field: {ideal.summary['place_cells_single_field_fraction']:.0%}, "
      f"{ideal.summary['place_information_bits_per_spike_median']:.1f} bits/spike")
save_figure(ideal.figures()["place_cells"], args.out, "place_cells")

# %% [markdown]
# ## Exercises
# 1. Set `grid__velocity_gain=0.7`: predict the new spacings (spacing ∝ 1 / gain), then run.
# 2. Run 600 s (no `--quick`) and read `drift_m_per_min`: how far has each module's lattice
#    wandered from the integrated velocity after 10 min without landmarks?
# 3. Set `grid__attractor__kernel_scale=3`: watch the smallest module's lattice break up during
#    fast runs (its decoded phase stops following the velocity).
# 4. In the ideal model, lower `place__threshold=0.8`: spike noise lifts partial coincidences of
#    the modules over threshold — how many place cells now have several fields?

# %%
labkit.finish(args.out, "Lab 4 — Grid cells from an attractor; place cells",
               "Attractor grid modules path-integrate the velocity; place cells read grid spikes.",
               [("grid_cells", "Attractor grid rate maps and autocorrelograms per module."),
                ("path_integration", "Lattice displacement decoded from spikes vs the integrated velocity."),
                ("place_cells", "Place-cell rate maps (ideal grid code).")], s)
