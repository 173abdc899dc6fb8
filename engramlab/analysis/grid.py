r"""Grid codes: plane-wave rate maps, path integration with action matrices, gridness, spacing.

A grid module is three plane waves 60° apart. With wave-vector magnitude

.. math:: |k| = \frac{4\pi}{\sqrt3\,\lambda}

the firing fields sit on a triangular lattice whose **vertex spacing** (distance between
neighbouring field centres) is λ (docs/equations.md §4.1; a code parameterised by the wavelength
2π/|k| would have spacing 2/√3 × that wavelength — we always mean the vertex spacing).

Path integration: the module state is z_j = e^{i k_j·x} for the three waves; a displacement Δ
multiplies z_j by e^{i k_j·Δ}, i.e. rotates (Re z_j, Im z_j) by the angle k_j·Δ. Stacking the
modules gives the position code g ∈ ℝ^{6M} and every action a is a block-diagonal rotation
matrix W_a with W_{−a} = W_a^{-1} = W_aᵀ (Whittington et al. 2020, TEM).

Gridness (Sargolini et al. 2006, the "min–max" form): rotate the autocorrelogram by 30°, 60°,
90°, 120°, 150°, correlate with the original inside an annulus that excludes the central peak
and reaches past the first ring of six peaks, and take min(r60, r120) − max(r30, r90, r150).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import ndimage, signal

from engramlab import validate as V
from engramlab.errors import ConfigError, ConfigTypeError

__all__ = [
    "GridModule",
    "action_matrix",
    "autocorrelogram",
    "draw_modules",
    "grid_rates",
    "grid_spacing_orientation",
    "gridness",
    "gridness_expanding",
    "module_code",
    "rate_map",
    "wave_vectors",
]


def wave_vectors(spacing: float, orientation: float = 0.0) -> NDArray[np.float64]:
    """The three wave vectors (rows) of a grid with vertex ``spacing`` (m) and ``orientation`` (rad)."""
    spacing = V.real("spacing", spacing, 1e-6, 1e6, unit="m")
    orientation = V.real("orientation", orientation, -1e6, 1e6)
    kmag = 4 * math.pi / (math.sqrt(3) * spacing)
    angles = orientation + np.array([0.0, 2 * math.pi / 3, 4 * math.pi / 3]) + math.pi / 6
    return np.asarray(kmag * np.stack([np.cos(angles), np.sin(angles)], axis=1))


@dataclass(frozen=True)
class GridModule:
    """One grid module: vertex spacing (m), orientation (rad) and its cells' spatial phases (m)."""

    spacing: float
    orientation: float
    phases: NDArray[np.float64]  # (cells, 2)

    @property
    def k(self) -> NDArray[np.float64]:
        """Wave vectors (3, 2)."""
        return wave_vectors(self.spacing, self.orientation)


def _positions(positions: ArrayLike) -> NDArray[np.float64]:
    x = np.atleast_2d(V.finite_array("positions", positions, (1, 2), 1e6))  # metres: |x| <= 1000 km
    if x.shape[-1] != 2:
        raise ConfigError("positions", f"must be x, y pairs (shape (n, 2)), got shape {x.shape}")
    return x


def draw_modules(spacings: list[float], cells_per_module: int, orientation_jitter: float,
                 rng: np.random.Generator) -> list[GridModule]:
    """Grid modules of the given vertex spacings, drawn from ``rng``.

    Each module's orientation is uniform in [0, ``orientation_jitter``] rad; its cells' phases
    sit on a regular sub-lattice of the unit cell (so every module covers the plane evenly),
    shifted by a random offset.
    """
    if isinstance(spacings, str | bytes) or not isinstance(spacings, list | tuple | np.ndarray):
        raise ConfigTypeError("spacings", f"must be a list of module spacings (m), got {spacings!r}")
    spacings = [V.real(f"spacings[{k}]", x, 1e-6, 1e6, unit="m") for k, x in enumerate(spacings)]
    cells_per_module = V.integer("cells_per_module", cells_per_module, 1, 100_000)
    orientation_jitter = V.real("orientation_jitter", orientation_jitter, 0.0, math.pi / 3)
    side = math.ceil(math.sqrt(cells_per_module))
    modules = []
    for spacing in spacings:
        orientation = float(rng.uniform(0, orientation_jitter))
        a1 = spacing * np.array([math.cos(orientation), math.sin(orientation)])
        a2 = spacing * np.array([math.cos(orientation + math.pi / 3), math.sin(orientation + math.pi / 3)])
        u, v = np.meshgrid(np.arange(side) / side, np.arange(side) / side, indexing="ij")
        frac = np.stack([u.ravel(), v.ravel()], 1)[:cells_per_module]
        frac = (frac + rng.random(2)) % 1.0
        phases = frac[:, :1] * a1 + frac[:, 1:] * a2
        modules.append(GridModule(spacing, orientation, phases))
    return modules


def grid_rates(module: GridModule, positions: ArrayLike, max_rate: float = 1.0) -> NDArray[np.float64]:
    r"""Rates of a module's cells at ``positions`` (n, 2): r = r_max (Σ_j cos(k_j·(x − φ)) + 3/2) / 4.5.

    The sum of three cosines lies in [−3/2, 3]; the shift and scale map it to [0, 1], peaking
    at the field centres x = φ + lattice vectors.
    """
    x = _positions(positions)
    k = module.k
    arg = (x @ k.T)[:, None, :] - (module.phases @ k.T)[None, :, :]
    return np.asarray(max_rate * (np.cos(arg).sum(-1) + 1.5) / 4.5)


def module_code(module: GridModule, positions: ArrayLike) -> NDArray[np.float64]:
    """The path-integrated state of a module at ``positions``: [cos(k_j·x), sin(k_j·x)]_j, (n, 6)."""
    x = _positions(positions)
    arg = x @ module.k.T
    return np.concatenate([np.cos(arg), np.sin(arg)], axis=1)


def action_matrix(modules: list[GridModule], displacement: ArrayLike) -> NDArray[np.float64]:
    """Block-diagonal rotation W_a moving every module's code by ``displacement`` (2-vector, m).

    For a code laid out as ``module_code`` (cos block then sin block per module),
    ``code(x + Δ) = code(x) @ W_a.T``.
    """
    delta = V.finite_array("displacement", displacement, (0, 1, 2), 1e6)
    if delta.shape != (2,):
        raise ConfigError("displacement", f"must be a 2-vector, got shape {delta.shape}")
    blocks = []
    for m in modules:
        theta = m.k @ delta
        c, s = np.cos(theta), np.sin(theta)
        blk = np.zeros((6, 6))
        idx = np.arange(3)
        # cos(a+θ) = cos a cos θ − sin a sin θ ; sin(a+θ) = sin a cos θ + cos a sin θ
        blk[idx, idx] = c
        blk[idx, idx + 3] = -s
        blk[idx + 3, idx + 3] = c
        blk[idx + 3, idx] = s
        blocks.append(blk)
    out = np.zeros((6 * len(modules), 6 * len(modules)))
    for b, blk in enumerate(blocks):
        out[6 * b:6 * b + 6, 6 * b:6 * b + 6] = blk
    return out


def rate_map(positions: ArrayLike, spike_positions: ArrayLike, dt: float, box: float = 1.0,
             bin_size: float = 0.025, sigma_bins: float = 1.5, min_occupancy: float = 0.05
             ) -> NDArray[np.float64]:
    """Occupancy-normalised, Gaussian-smoothed firing-rate map (Hz); NaN where unvisited.

    ``positions`` are the animal's samples every ``dt`` seconds; ``spike_positions`` where spikes fired.
    NaN marks the bins the animal did not visit (no rate can be measured there).
    """
    pos = V.finite_array("positions", positions, 2)
    spk = V.finite_array("spike_positions", spike_positions, (1, 2))
    if pos.shape[-1] != 2 or spk.size % 2 or (spk.ndim == 2 and spk.shape[-1] != 2):
        raise ConfigError("positions", f"must be (samples, 2) arrays of x, y, got {pos.shape} and {spk.shape}")
    spk = spk.reshape(-1, 2)
    dt = V.real("dt", dt, 0.0, None, low_open=True)
    box = V.real("box", box, 0.0, None, low_open=True)
    bin_size = V.real("bin_size", bin_size, 0.0, None, low_open=True)
    sigma_bins = V.real("sigma_bins", sigma_bins, 0.0, 100.0)
    min_occupancy = V.real("min_occupancy", min_occupancy, 0.0)
    bins = box / bin_size
    if bins > 10_000:
        raise ConfigError("bin_size", f"gives {bins:.3g} bins per side (at most 10,000): use larger bins")
    edges = np.linspace(0, box, max(1, round(bins)) + 1)
    occ, _, _ = np.histogram2d(pos[:, 0], pos[:, 1], [edges, edges])
    occ = occ * dt
    cnt, _, _ = np.histogram2d(spk[:, 0], spk[:, 1], [edges, edges])
    occ_s = ndimage.gaussian_filter(occ, sigma_bins)
    cnt_s = ndimage.gaussian_filter(cnt, sigma_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        rm = np.where(occ_s > min_occupancy * dt * 10, cnt_s / occ_s, np.nan)
    return np.asarray(rm)


def _check_map(key: str, values: ArrayLike) -> NDArray[np.float64]:
    """A 2-D map (rate map or autocorrelogram): NaN marks unmeasured bins, inf is an error."""
    a = V.float_array(key, values)
    if a.ndim != 2 or min(a.shape) < 1:
        raise ConfigError(key, f"must be a non-empty 2-D map, got shape {a.shape}")
    if a.size > 4096 * 4096:
        raise ConfigError(key, f"has {a.size} bins (at most 4096 × 4096)")
    if np.any(np.isinf(a)):
        raise ConfigError(key, "must not hold infinite values (NaN marks unmeasured bins)")
    if np.nanmax(np.abs(a), initial=0.0) > 1e50:
        raise ConfigError(key, "has values beyond 1e50 (a rate map in Hz should not)")
    return a


def _check_ac(ac: ArrayLike) -> NDArray[np.float64]:
    return _check_map("ac", ac)


def autocorrelogram(rm: ArrayLike) -> NDArray[np.float64]:
    """Spatial autocorrelation (Pearson, over overlapping visited bins) of a rate map.

    NaN where fewer than 20 visited bins overlap at that shift (no correlation can be measured).
    """
    a = _check_map("rm", rm)
    valid = np.isfinite(a).astype(float)
    x = np.where(np.isfinite(a), a, 0.0)
    n = signal.correlate(valid, valid, mode="full", method="fft")
    sx = signal.correlate(x, valid, mode="full", method="fft")
    sy = signal.correlate(valid, x, mode="full", method="fft")
    sxy = signal.correlate(x, x, mode="full", method="fft")
    sxx = signal.correlate(x * x, valid, mode="full", method="fft")
    syy = signal.correlate(valid, x * x, mode="full", method="fft")
    with np.errstate(invalid="ignore", divide="ignore"):
        num = n * sxy - sx * sy
        den = np.sqrt(np.clip(n * sxx - sx**2, 0, None) * np.clip(n * syy - sy**2, 0, None))
        ac = np.where((n > 20) & (den > 0), num / den, np.nan)
    return np.asarray(ac)


def _central_peaks(ac: NDArray[np.float64], bin_size: float) -> tuple[NDArray[np.float64], float]:
    """Positions (m, relative to centre) of the peaks nearest the centre, and the centre radius."""
    a = np.nan_to_num(ac, nan=-1.0)
    local = ndimage.maximum_filter(a, size=5) == a
    peaks = np.argwhere(local & (a > 0.1))
    centre = np.array(a.shape) // 2
    rel = (peaks - centre) * bin_size
    dist = np.hypot(rel[:, 0], rel[:, 1])
    order = np.argsort(dist)
    rel, dist = rel[order], dist[order]
    ring = rel[dist > 1e-9][:6]
    return ring, float(dist[dist > 1e-9][:6].mean()) if ring.size else float("nan")


def grid_spacing_orientation(ac: ArrayLike, bin_size: float) -> tuple[float, float]:
    """Spacing (m, mean distance to the six nearest autocorrelogram peaks) and orientation (rad).

    NaN, NaN (undefined) when the autocorrelogram has no peak ring.
    """
    ring, spacing = _central_peaks(_check_ac(ac), V.real("bin_size", bin_size, 0.0, 1e3, low_open=True))
    if ring.size == 0:
        return float("nan"), float("nan")
    angles = np.mod(np.arctan2(ring[:, 1], ring[:, 0]), math.pi / 3)
    orientation = float(np.angle(np.mean(np.exp(6j * angles))) / 6) % (math.pi / 3)
    if math.isclose(orientation, math.pi / 3, abs_tol=1e-9):  # (-1e-17) % (π/3) is π/3: the same lattice as 0
        orientation = 0.0
    return spacing, orientation


_ANGLES = (30, 60, 90, 120, 150)


def _rotations(ac: NDArray[np.float64]) -> tuple[NDArray[np.float64], dict[int, NDArray[np.float64]]]:
    """The autocorrelogram (NaN → 0) and its 30°…150° rotations (linear interpolation)."""
    base = np.nan_to_num(ac, nan=0.0)
    return base, {angle: ndimage.rotate(base, angle, reshape=False, order=1, mode="constant", cval=0.0)
                  for angle in _ANGLES}


def _minmax_score(ac: NDArray[np.float64], base: NDArray[np.float64], rotated: dict[int, NDArray[np.float64]],
                  annulus: NDArray[np.bool_]) -> float:
    """min(r60, r120) − max(r30, r90, r150) inside ``annulus``; NaN when undefined.

    Undefined: fewer than 3 measured bins in the annulus, or a constant map there.
    """
    m = annulus & np.isfinite(ac)
    if m.sum() < 3 or np.ptp(base[m]) == 0:
        return float("nan")
    corr = {}
    for angle in _ANGLES:
        if np.ptp(rotated[angle][m]) == 0:
            return float("nan")
        corr[angle] = float(np.corrcoef(base[m], rotated[angle][m])[0, 1])
    return min(corr[60], corr[120]) - max(corr[30], corr[90], corr[150])


def _radius(shape: tuple[int, ...], bin_size: float) -> NDArray[np.float64]:
    centre = (np.array(shape) - 1) / 2
    yy, xx = np.indices(shape)
    return np.asarray(np.hypot(yy - centre[0], xx - centre[1]) * bin_size)


def _annulus_scores(ac: ArrayLike, bin_size: float, outer: list[float]) -> list[float]:
    """Min–max scores for annuli 0.5 s < r < f s, one per outer factor f (s: the spacing estimate).

    All NaN when the autocorrelogram has no peak ring to measure the spacing from.
    """
    a = _check_ac(ac)
    bin_size = V.real("bin_size", bin_size, 0.0, 1e3, low_open=True)
    _, spacing = _central_peaks(a, bin_size)
    if not np.isfinite(spacing):
        return [float("nan")] * len(outer)
    r = _radius(a.shape, bin_size)
    base, rotated = _rotations(a)
    return [_minmax_score(a, base, rotated, (r > 0.5 * spacing) & (r < f * spacing)) for f in outer]


def gridness(ac: ArrayLike, bin_size: float) -> float:
    """Gridness (Sargolini et al. 2006, min–max form) of an autocorrelogram.

    One annulus, 0.5–1.3 × the spacing estimate. NaN (undefined) when the autocorrelogram has
    no peak ring to measure the spacing from, or too few bins in the annulus to correlate.
    """
    return _annulus_scores(ac, bin_size, [1.3])[0]


def gridness_expanding(ac: ArrayLike, bin_size: float) -> float:
    """Expanding-annulus gridness: the maximum min–max score over a family of annuli.

    The inner radius is fixed at 0.5 × the spacing estimate (it cuts out the central peak); the
    outer radius grows one bin at a time from 0.8 × to 2 × the spacing (or to the map's edge),
    and the score is the largest min(r60, r120) − max(r30, r90, r150) over the family, the form
    later grid-cell papers report (Langston et al. 2010; Brandon et al. 2011; Banino et al.
    2018). The family includes :func:`gridness`'s 1.3 × annulus, so the score is never below
    it. NaN when undefined.
    """
    a = _check_ac(ac)
    bin_size = V.real("bin_size", bin_size, 0.0, 1e3, low_open=True)
    _, spacing = _central_peaks(a, bin_size)
    if not np.isfinite(spacing):
        return float("nan")
    edge = (min(a.shape) - 1) / 2 * bin_size
    outer = np.arange(0.8 * spacing, min(2.0 * spacing, edge) + 1e-12, bin_size) / spacing
    scores = _annulus_scores(a, bin_size, [*outer, 1.3])
    return float(np.nanmax(scores)) if np.any(np.isfinite(scores)) else float("nan")
