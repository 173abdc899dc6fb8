"""Grid and place cells from a foraging run: rate maps, gridness, spacing, place fields, Skaggs information."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from engramlab.analysis.grid import autocorrelogram, grid_spacing_orientation, gridness, gridness_expanding, rate_map
from engramlab.analysis.path_integration import PLACE_BIN_M, path_integration
from engramlab.analysis.spikes import spike_trains
from engramlab.errors import ConfigError

__all__ = ["REVISIT_BINS", "REVISIT_RADIUS", "ForagingAnalysis", "analyse_foraging", "foraging_summary",
           "peak_distances", "place_fields", "revisit_fire_fraction", "skaggs_information"]


def skaggs_information(rm: NDArray[np.float64], occupancy: NDArray[np.float64]) -> float:
    r"""Skaggs et al. (1993) spatial information, I = Σ_i p_i (λ_i/λ̄) log2(λ_i/λ̄), bits/spike."""
    ok = np.isfinite(rm) & (occupancy > 0)
    p = occupancy[ok] / occupancy[ok].sum()
    lam = rm[ok]
    mean = float(np.sum(p * lam))
    if mean <= 0:
        return 0.0
    ratio = lam / mean
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(ratio > 0, p * ratio * np.log2(ratio), 0.0)
    return float(terms.sum())


PLACE_PEAK_MIN_HZ = 1.0  # a place cell's map must peak at least this high to count as active


def place_fields(rm: NDArray[np.float64], bin_size: float, fraction: float = 0.2, min_bins: int = 9
                 ) -> tuple[int, float]:
    """Number of place fields and the area (m²) of the largest.

    A field is a connected region above ``fraction`` of the peak with at least ``min_bins`` bins.
    """
    a = np.nan_to_num(rm, nan=0.0)
    if a.max() <= 0:
        return 0, 0.0
    labels, n = ndimage.label(a > fraction * a.max())
    sizes = ndimage.sum(np.ones_like(a), labels, index=np.arange(1, n + 1))
    big = sizes[sizes >= min_bins]
    return int(big.size), float(big.max() * bin_size**2) if big.size else 0.0


@dataclass
class ForagingAnalysis:
    """Rate maps and their statistics."""

    bin_size: float
    grid_maps: list[NDArray[np.float64]]
    place_maps: list[NDArray[np.float64]]
    grid_module: NDArray[np.int64]
    gridness: NDArray[np.float64]
    spacing: NDArray[np.float64]
    orientation: NDArray[np.float64]
    spacing_target: NDArray[np.float64]
    place_fields: NDArray[np.int64]
    place_field_area: NDArray[np.float64]
    place_information: NDArray[np.float64]
    extra: dict[str, Any]


def analyse_foraging(result: Any, bin_size: float = 0.025, cells_per_module: int = 48) -> ForagingAnalysis:
    """Rate maps of grid and place cells and their grid/place statistics.

    Grid maps for the first ``cells_per_module`` grid cells of each module (attractor: recorded
    neurons, a random sample of the sheet; ideal: cells whose phases tile the unit cell): every
    cell of a module fires on the same lattice, shifted, and this keeps the analysis to seconds.
    """
    if result.protocol != "foraging":
        raise ConfigError("result", f"must come from the foraging protocol, got {result.protocol!r}")
    p = result.params
    dt = float(p["trajectory_dt"])
    box = float(p["box"])
    pos = result["position"]
    times = (np.arange(pos.shape[0]) + 1) * dt

    def spike_pos(t: NDArray[np.float64]) -> NDArray[np.float64]:
        idx = np.clip(np.searchsorted(times, t), 0, pos.shape[0] - 1)
        return pos[idx]

    module_all = result["grid_module"]
    attractor = p.get("grid.model") == "attractor"
    integration = path_integration(result) if attractor else None
    # with landmark cells the run also holds its control: the same sheets without them
    control = path_integration(result, population="control_grid") if "spikes_control_grid_t" in result.arrays else None
    cells = np.concatenate([np.flatnonzero(module_all == k)[:cells_per_module] for k in np.unique(module_all)])
    module = module_all[cells]
    maps_g, maps_p = [], []
    trains = spike_trains(result["spikes_grid_t"], result["spikes_grid_i"], module_all.size)
    for c in cells:
        maps_g.append(rate_map(pos, spike_pos(trains[c]), dt, box, bin_size))
    pt, pi = result["spikes_place_t"], result["spikes_place_i"]
    n_place = result["place_centres"].shape[0]
    for c in range(n_place):
        maps_p.append(rate_map(pos, spike_pos(pt[pi == c]), dt, box, bin_size))
    g, ge, sp, ori = [], [], [], []
    for m in maps_g:
        ac = autocorrelogram(m)
        g.append(gridness(ac, bin_size))
        ge.append(gridness_expanding(ac, bin_size))
        s, o = grid_spacing_orientation(ac, bin_size)
        sp.append(s)
        ori.append(o)
    edges = np.linspace(0, box, round(box / bin_size) + 1)
    occ, _, _ = np.histogram2d(pos[:, 0], pos[:, 1], [edges, edges])
    fields, areas, info = [], [], []
    for m in maps_p:
        n, a = place_fields(m, bin_size)
        fields.append(n)
        areas.append(a)
        info.append(skaggs_information(m, occ))
    learned = "place_plateau_time" in result.arrays
    return ForagingAnalysis(bin_size, maps_g, maps_p, module, np.array(g), np.array(sp), np.array(ori),
                            result["grid_spacing"], np.array(fields), np.array(areas), np.array(info),
                            extra={"coverage": float(np.mean(occ > 0)), "gridness_expanding": np.array(ge),
                                   "grid_model": str(p.get("grid.model", "ideal")),
                                   "path_integration": integration,
                                   "control_path_integration": control,
                                   "landmark_cells": int(result["landmark_centres"].shape[0])
                                   if "landmark_centres" in result.arrays else 0,
                                   # learned place cells: the animal's position at each cell's plateau
                                   "place_plateau_position": result["place_centres"] if learned else None,
                                   "place_peak_to_plateau_m": (peak_distances(maps_p, result["place_centres"],
                                                                              bin_size) if learned else None),
                                   "place_revisits": (revisit_fire_fraction(pos, dt, result["place_centres"],
                                                                            result["place_plateau_time"], pt, pi)
                                                      if learned else None),
                                   "place_mean_rate": float(pt.size / max(n_place, 1) / (pos.shape[0] * dt))})


def peak_distances(maps: list[NDArray[np.float64]], points: NDArray[np.float64], bin_size: float
                   ) -> NDArray[np.float64]:
    """Distance (m) from each rate map's highest bin (its centre) to ``points[c]``; NaN for a silent map."""
    out = np.full(len(maps), np.nan)
    for c, m in enumerate(maps):
        if np.isfinite(m).any() and np.nanmax(m) > 0:
            ix, iy = np.unravel_index(np.nanargmax(m), m.shape)
            out[c] = math.hypot((ix + 0.5) * bin_size - points[c, 0], (iy + 0.5) * bin_size - points[c, 1])
    return out


#: a return to a learned place cell's plateau position: the animal comes within this distance (m)
REVISIT_RADIUS = 0.075
#: time since the plateau (s) that returns are grouped by
REVISIT_BINS = (0.0, 60.0, 180.0, math.inf)


def revisit_fire_fraction(position: NDArray[np.float64], dt: float, plateau_position: NDArray[np.float64],
                          plateau_time: NDArray[np.float64], spike_t: NDArray[np.float64],
                          spike_i: NDArray[np.int64], radius: float = REVISIT_RADIUS,
                          bins: tuple[float, ...] = REVISIT_BINS) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Returns to each place cell's plateau position, and the fraction on which the cell fired.

    A return is a maximal run of trajectory samples (sample k ends at (k + 1) dt) within
    ``radius`` of the position the animal had at the cell's plateau, starting after the
    plateau; it counts as fired if the cell spikes during it. Returns are grouped by the time
    from the plateau to their start (``bins``, s). Gives (returns per bin, fraction fired; NaN
    where there was none): how long a place cell learned in one shot keeps its field.
    """
    times = (np.arange(position.shape[0]) + 1) * dt
    n = np.zeros(len(bins) - 1, dtype=np.int64)
    fired = np.zeros(len(bins) - 1)
    for c in range(plateau_time.size):
        near = np.linalg.norm(position - plateau_position[c], axis=1) < radius
        edge = np.diff(np.concatenate([[0], near.astype(np.int8), [0]]))
        spikes = spike_t[spike_i == c]
        for a, b in zip(np.flatnonzero(edge == 1), np.flatnonzero(edge == -1), strict=True):
            t0, t1 = times[a] - dt, times[b - 1]
            if t0 <= plateau_time[c]:  # the pass of the plateau itself, or earlier
                continue
            k = int(np.searchsorted(bins, t0 - plateau_time[c], side="right")) - 1
            n[k] += 1
            fired[k] += bool(np.any((spikes >= t0) & (spikes <= t1)))
    with np.errstate(invalid="ignore", divide="ignore"):
        return n, np.where(n > 0, fired / np.maximum(n, 1), np.nan)


def landmark_summary(a: ForagingAnalysis) -> dict[str, Any] | str:
    """What the landmark cells did: the path-integration error with them and in the control run without.

    A string when the run had none (``grid.landmarks.cells_per_side = 0``).
    """
    control = a.extra.get("control_path_integration")
    if control is None:
        return "none (grid.landmarks.cells_per_side = 0): pure path integration"
    return {
        "cells": a.extra["landmark_cells"],
        "phase_error": a.extra["path_integration"]["rms_phase_error"],
        "drift_m_per_min": a.extra["path_integration"]["drift_m_per_min"],
        "control_phase_error": control["rms_phase_error"],
        "control_error_m": control["rms_error_m"],
        "control_drift_m_per_min": control["drift_m_per_min"],
        "control_pattern_speed_fitted_ratio": control["gain_ratio_fitted"],
        "control_phase_error_fitted_gain": control["rms_phase_error_fitted"],
        "control_phase_by_place": control["phase_by_place"],
        "control_local_gain": control["local_gain"],
        "note": "the path_integration_* keys and the maps are the run with landmark cells; control_* are "
                "the same sheets, velocity and seed without them (and without place cells)",
    }


def foraging_summary(a: ForagingAnalysis) -> dict[str, Any]:
    """Key numbers (the ``summary.json`` of ``engramlab run foraging``)."""
    modules = np.unique(a.grid_module)
    med_g = [float(np.nanmedian(a.gridness[a.grid_module == k])) for k in modules]
    med_s = [float(np.nanmedian(a.spacing[a.grid_module == k])) for k in modules]
    ratios = [med_s[k + 1] / med_s[k] for k in range(len(med_s) - 1)]
    # a place cell counts when it has a field and its map peaks at >= 1 Hz (a common inclusion
    # criterion); a cell with a handful of spikes otherwise draws one "field" around them
    peaks = np.array([np.nanmax(m) if np.isfinite(m).any() else 0.0 for m in a.place_maps])
    active = (a.place_fields > 0) & (peaks >= PLACE_PEAK_MIN_HZ)
    model = a.extra.get("grid_model", "ideal")
    pi = a.extra.get("path_integration")
    attractor: dict[str, Any] = {}
    if pi is not None:
        attractor = {
            "path_integration_error_m": pi["rms_error_m"],
            "path_integration_error_fraction": pi["rms_error_fraction"],
            "path_integration_phase_error": pi["rms_phase_error"],
            "path_integration_final_error_m": pi["final_error_m"],
            "drift_m_per_min": pi["drift_m_per_min"],
            "landmarks": landmark_summary(a),
            "pattern_speed_fitted_ratio": pi["gain_ratio_fitted"],
            "path_integration_error_fitted_gain_m": pi["rms_error_fitted_m"],
            "path_integration_phase_error_fitted_gain": pi["rms_phase_error_fitted"],
            "path_integration_phase_by_place": pi["phase_by_place"],
            "path_integration_local_gain": pi["local_gain"],
            "path_integration_note": "error = decoded lattice displacement minus c·alpha·R(theta)·(integrated "
                                     "velocity), RMS over the run, in m and in fractions of the spacing; "
                                     "'fitted' rows fit the gain on the first 60 s (a fit) and test on the rest; "
                                     "phase_error is the same error on the torus (minus the nearest lattice "
                                     "vector), in fractions of a period: what the grid fields see; "
                                     "phase_by_place: offset is its circular mean over the run (length), "
                                     f"place_map_rms the mean error at each {PLACE_BIN_M * 100:.0f} cm place "
                                     "measured on the other half of the run, after_place_map what is left once "
                                     "that is subtracted (a cross-validated fit: what of the error does not recur "
                                     "at a place), bins_compared the fraction of bins at places both halves visited; "
                                     "affine_r2, affine_residual and gain_change fit the whole run's place map less "
                                     "its offset with an affine map of the travel (a fit): gain_change is how much "
                                     "more (> 0) or less (< 0) the lattice moves per metre than built, along two axes; "
                                     "local_gain measures the same thing over 0.5 s windows (how fast the lattice "
                                     "moves per unit of travel now, blind to where it has drifted): gain_change "
                                     "over the run, gain_change_axes along two axes, gain_change_by_segment per "
                                     "minute (a measurement, not a fit)",
        }
    learned_place: dict[str, Any] = {"place_model": "wired from the ideal code's known fields (Solstad et al. 2006)"
                                     if model != "attractor" else "wired from the sheets' predicted fields "
                                     "(results saved before 2026-12-03)"}
    d = a.extra.get("place_peak_to_plateau_m")
    if d is not None:
        learned_place = {
            "place_model": "learned in one shot at a plateau from the attractor's spikes (Bittner et al. 2017)",
            "place_peak_to_plateau_m_median": float(np.nanmedian(d[active])) if active.any() else None,
            "place_revisit_fire_fraction": [None if np.isnan(f) else float(f) for f in a.extra["place_revisits"][1]],
            "place_revisits": [int(k) for k in a.extra["place_revisits"][0]],
            "place_revisit_note": (f"returns within {REVISIT_RADIUS} m of the position at a cell's plateau, grouped "
                                   f"by time since the plateau ({', '.join(str(b) for b in REVISIT_BINS)} s); "
                                   "fraction on which the cell fired, pooled over all place cells (also those "
                                   "whose map never reaches 1 Hz)"),
        }
    return {
        "grid_model": model,
        "grid_model_note": ("grid cells are neurons of spiking continuous-attractor sheets driven only by the "
                            "velocity (Burak & Fiete 2009); their maps come from path integration"
                            if model == "attractor" else
                            "grid cells fire Poisson spikes at the rates of phases integrated from the velocity "
                            "in NumPy: the mathematical limit, not a mechanism"),
        **attractor,
        "gridness": med_g,
        "gridness_mean": float(np.mean(med_g)) if med_g else None,
        "gridness_form": "Sargolini 2006 min-max: min(r60, r120) - max(r30, r90, r150), annulus 0.5-1.3 x spacing",
        "gridness_expanding": [float(np.nanmedian(a.extra["gridness_expanding"][a.grid_module == k]))
                               for k in modules],
        "spacing_m": med_s,
        "spacing_target_m": [float(x) for x in a.spacing_target],
        "spacing_error": [abs(s - t) / t if np.isfinite(t) else None  # no velocity input: no target
                          for s, t in zip(med_s, a.spacing_target, strict=True)],
        "spacing_ratios": ratios,
        "orientation_deg": [float(np.degrees(np.nanmedian(a.orientation[a.grid_module == k]))) for k in modules],
        "place_cells_single_field_fraction": float(np.mean(a.place_fields[active] == 1)) if active.any() else 0.0,
        "place_cells_active": int(active.sum()),
        "place_cells_active_fraction": float(np.mean(active)) if active.size else 0.0,
        "place_peak_rate_hz_median": float(np.median([np.nanmax(m) for m in a.place_maps])) if a.place_maps else None,
        "place_mean_rate_hz": a.extra["place_mean_rate"],
        "place_field_area_m2_median": float(np.median(a.place_field_area[active])) if active.any() else None,
        "place_information_bits_per_spike_median": float(np.median(a.place_information[active]))
        if active.any() else None,
        **learned_place,
        "box_coverage": a.extra["coverage"],
    }


def foraging_table(s: Mapping[str, Any]) -> dict[str, Any]:
    """The lines of ``summary.md`` and of ``engramlab run foraging``'s printed table."""
    keys = ("grid_model", "gridness", "spacing_m", "spacing_target_m", "path_integration_error_m", "drift_m_per_min",
            "place_cells_single_field_fraction")
    return {k: s[k] for k in keys if k in s}
