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
still = el.run("foraging", duration="30 s" if args.quick else "100 s", seed=1, grid__velocity_gain=0,
              device="cpp_standalone" if args.quick else "runtime")
s["gridness_without_velocity"] = still.summary["gridness"]
print("gridness without velocity input:", np.round(s["gridness_without_velocity"], 2))

# %% [markdown]
# ## Place cells learn from grid spikes in one shot
# Place cells are integrate-and-fire neurons summing grid-cell spikes through synapses. On the
# attractor nobody knows in advance where a grid field will be, so each place cell starts
# silent, with a weight-0 synapse from every recorded sheet neuron, and gets one instructive
# plateau at a random time (Bittner et al. 2017). At the plateau each weight is set from its
# grid neuron's spike trace of the last 300 ms: the cell stores the grid activity of that
# moment and fires wherever the modules look the same again. The × on each map is where the
# animal was at the plateau. With the ideal grid code (phases integrated exactly) place cells
# are wired from the known fields instead (Solstad, Moser & Einevoll 2006): the limit.

# %%
print(f"attractor: {s['place_cells_active']} of {len(result['place_plateau_time'])} place cells active, "
      f"{s['place_cells_single_field_fraction']:.0%} of them with a single field; map peak "
      f"{s['place_peak_to_plateau_m_median']} m from the plateau position (median)")
print("fired on returns to the plateau position, by time since the plateau (0-60 s, 60-180 s, later):",
      s["place_revisit_fire_fraction"], "of", s["place_revisits"], "returns")
save_figure(figures["place_cells"], args.out, "place_cells")
ideal = el.run("foraging", quick=args.quick, seed=1, grid__model="ideal")
for key in ("place_cells_single_field_fraction", "place_information_bits_per_spike_median", "place_mean_rate_hz"):
    s[f"ideal_{key}"] = ideal.summary[key]
print(f"ideal code: place cells with a single field: {ideal.summary['place_cells_single_field_fraction']:.0%}, "
      f"{ideal.summary['place_information_bits_per_spike_median']:.1f} bits/spike")
save_figure(ideal.figures()["place_cells"], args.out, "place_cells_ideal")

# %% [markdown]
# ## Exercises: predict, then run
# Each exercise re-reads the runs above (no new simulation). Write your prediction in the cell's
# `prediction` line *before* running it; the cell prints what the runs show beside it.
# (Instructors: answers and the checks CI runs are in `labs/solutions/lab4_solutions.py`.)
#
# ### Exercise 1 — does the grid need the whole run?
# **Predict** each module's median gridness from the first half of the run only, against the
# whole run's.

# %%
import itertools

from engramlab.analysis.grid import autocorrelogram, gridness, rate_map
from engramlab.analysis.spikes import counts_between, spike_trains

prediction = None  # e.g. "the same: the lattice is there from the start"


def grid_maps(run, t_from, t_to, cells_per_module=48):
    """Rate maps of the first cells of each module from the spikes in (t_from, t_to]."""
    dt, box = float(run.params["trajectory_dt"]), float(run.params["box"])
    pos = run["position"]
    times = (np.arange(pos.shape[0]) + 1) * dt
    module = run["grid_module"]
    trains = spike_trains(run["spikes_grid_t"], run["spikes_grid_i"], module.size)
    inside = (times > t_from) & (times <= t_to)
    maps = []
    for k in np.unique(module):
        per_cell = []
        for c in np.flatnonzero(module == k)[:cells_per_module]:
            tr = trains[c][(trains[c] > t_from) & (trains[c] <= t_to)]
            per_cell.append(rate_map(pos[inside], pos[np.clip(np.searchsorted(times, tr), 0, pos.shape[0] - 1)],
                                     dt, box, 0.025))
        maps.append(per_cell)
    return maps


end = float(result.params["duration"])
first_half, second_half = grid_maps(result, 0.0, end / 2), grid_maps(result, end / 2, end)
whole = grid_maps(result, 0.0, end)
labkit.exercise(1, prediction,
                gridness_first_half=[float(np.nanmedian([gridness(autocorrelogram(m), 0.025) for m in ms]))
                                     for ms in first_half],
                gridness_whole_run=[float(np.nanmedian([gridness(autocorrelogram(m), 0.025) for m in ms]))
                                    for ms in whole])

# %% [markdown]
# ### Exercise 2 — do grid cells fire faster when the rat runs faster?
# The velocity is the sheets' only time-varying input. **Predict**: is the grid cells' mean
# rate in the fastest quarter of the run higher, lower or the same as in the slowest quarter?

# %%
prediction = None  # e.g. "twice as high"
dt = float(result.params["trajectory_dt"])
pos = result["position"]
times = (np.arange(pos.shape[0]) + 1) * dt
speed = np.r_[0.0, np.linalg.norm(np.diff(pos, axis=0), axis=1) / dt]
per_sample = counts_between(result["spikes_grid_t"], times - dt, times) / dt / result["grid_module"].size
quarters = np.quantile(speed, [0, 0.25, 0.5, 0.75, 1.0])
labkit.exercise(2, prediction, speed_quartile_edges_m_s=quarters.tolist(),
                grid_rate_by_speed_quartile_hz=[float(per_sample[(speed >= lo) & (speed <= hi)].mean())
                                                for lo, hi in itertools.pairwise(quarters)])

# %% [markdown]
# ### Exercise 3 — does the map stay put?
# With no landmark to correct it, the attractor's lattice may drift from where the path says it
# should be. **Predict** the median correlation between each cell's rate map from the first half
# and from the second half of the run, for the attractor and for the ideal code (which cannot
# drift: its phases are integrated exactly).

# %%
prediction = None  # e.g. "attractor 0.2, ideal 0.9"


def half_map_correlation(maps_a, maps_b):
    out = []
    for ms_a, ms_b in zip(maps_a, maps_b, strict=True):
        rs = []
        for a_map, b_map in zip(ms_a, ms_b, strict=True):
            ok = np.isfinite(a_map) & np.isfinite(b_map)
            if ok.sum() > 10 and a_map[ok].std() > 0 and b_map[ok].std() > 0:
                rs.append(np.corrcoef(a_map[ok], b_map[ok])[0, 1])
        out.append(float(np.median(rs)) if rs else None)
    return out


ideal_end = float(ideal.params["duration"])
labkit.exercise(3, prediction, attractor_half_map_r=half_map_correlation(first_half, second_half),
                ideal_half_map_r=half_map_correlation(grid_maps(ideal, 0.0, ideal_end / 2),
                                                      grid_maps(ideal, ideal_end / 2, ideal_end)))

# %% [markdown]
# ### Exercise 4 — how far has the lattice wandered?
# The analysis decodes each module's lattice position from its spikes and compares it with the
# integrated velocity. **Predict** which module drifts the most per minute — the smallest
# spacing or the largest — and how large the drift is compared with its spacing.

# %%
prediction = None  # e.g. "the smallest, 1 % of its spacing per minute"
labkit.exercise(4, prediction, spacing_m=s["spacing_target_m"], drift_m_per_min=s["drift_m_per_min"],
                drift_fraction_of_spacing_per_min=[float(d / sp) for d, sp in
                                                   zip(s["drift_m_per_min"], s["spacing_target_m"], strict=True)])

# %% [markdown]
# ### Exercise 5 — does a place field learned in one shot last?
# A place cell stores the grid activity of one moment. **Predict** the fraction of returns to
# its plateau position on which it fires within the first minute after the plateau, and
# later. (Hint: exercise 4.)

# %%
prediction = None  # e.g. "90 % in the first minute, 90 % later"
labkit.exercise(5, prediction, revisit_fire_fraction_by_time_since_plateau=s["place_revisit_fire_fraction"],
                returns=s["place_revisits"], time_bins_s=[0, 60, 180])

# %% [markdown]
# ### More to explore (a spiking run each)
# 1. Set `grid__velocity_gain=0.7`: predict the new spacings (spacing ∝ 1 / gain), then run.
# 2. Run 600 s (no `--quick`) and read `drift_m_per_min`: how far has each module's lattice
#    wandered from the integrated velocity after 10 min without landmarks?
# 3. Set `grid__attractor__kernel_scale=3`: watch the smallest module's lattice break up during
#    fast runs (its decoded phase stops following the velocity).
# 4. In the ideal model, lower `place__threshold=0.8`: spike noise lifts partial coincidences of
#    the modules over threshold — how many place cells now have several fields?
# 5. Run 600 s with landmark cells, `grid__landmarks__cells_per_side=20` (sensory cells with
#    Gaussian fields whose synapses onto the sheets learn the lattice they co-occur with; the run
#    also simulates the same sheets without them). Predict `drift_m_per_min` with and without
#    (`landmarks`), whether the place fields of exercise 5 last, and whether the spacings stay
#    at `spacing_target_m` (the answer is in the solutions).
# 6. In that run the error against the integrated velocity stays above 0.1 of a period in some
#    modules. Is the phase then wrong at random, or wrong the same way at each place? Compare
#    `path_integration_phase_by_place["after_place_map"]` (what is left once the mean error at
#    each 10 cm place, measured on the other half of the run, is subtracted) with
#    `landmarks["control_phase_by_place"]["after_place_map"]`, and read `offset` and `gain_change`
#    (does the held map move the lattice as far per metre as the velocity gain says?). (README,
#    "what the rest is": 0.04–0.08 left with landmark cells, 0.17–0.35 without; offsets up to
#    0.13; the held lattice moves 4–16 % too little per metre.)
# 7. Does the held map settle? Read `path_integration_local_gain["gain_change_by_segment"]`
#    (how fast each lattice moves per unit of travel, minute by minute, over 0.5 s windows)
#    beside `landmarks["control_local_gain"]`. Predict first: if the landmarks only corrected
#    drift, the slowdown would be the control's. (README: 2–7 % slower in minutes 1–2, 6–12 % in
#    minutes 9–10; the controls −1 to 4 % with no common trend.)

# %%
labkit.finish(args.out, "Lab 4 — Grid cells from an attractor; place cells",
               "Attractor grid modules path-integrate the velocity; place cells read grid spikes.",
               [("grid_cells", "Attractor grid rate maps and autocorrelograms per module."),
                ("path_integration", "Lattice displacement decoded from spikes vs the integrated velocity."),
                ("place_cells", "Place cells learned at a plateau from the attractor's spikes (× plateau)."),
                ("place_cells_ideal", "Place cells wired from the ideal grid code's known fields.")],
               s, quick=args.quick)
