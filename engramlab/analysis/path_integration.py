r"""Path integration measured from attractor spikes: decoded lattice phase against the integrated velocity.

A module's sheet holds a lattice of bumps with wave vectors :math:`K_j` (rad per neuron). Its
recorded neurons' spikes in a time bin give :math:`Z_j=\sum_{\text{spikes}}e^{iK_j\cdot p_i}`,
whose angle is :math:`K_j\cdot b` for a lattice offset *b* (the rate of a neuron at *p* is
largest where :math:`\sum_j\cos K_j\cdot(p-b)` is). Unwrapping the angles over bins (the lattice
moves far less than half a period per bin) and solving :math:`K\,\Delta b=\Delta\psi` by least
squares gives the lattice's displacement on the sheet.

Path integration predicts :math:`\Delta b(t)=c\,\alpha\,R(\theta)\,X(t)`, with *X* the animal's
displacement (the integrated velocity), α the module's velocity gain, θ the rotation it applies to
the velocity (its grid is rotated by −θ) and
*c* the sheet's lattice speed per unit input (``grid.attractor.pattern_speed``, a constant fitted
once in separate constant-velocity runs). The error :math:`\Delta b-c\alpha R(\theta)X`, divided by
cα, is in metres; divided by the lattice spacing *a* (neurons) it is a fraction of the grid
spacing. A gain fitted on the first minute of this run and tested on the rest is reported
separately, labelled as a fit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engramlab import validate as V
from engramlab.errors import ConfigError

__all__ = ["LOCAL_GAIN_WINDOW_BINS", "PLACE_BIN_M", "decode_lattice_displacement", "graph_path_integration",
           "local_gain_change", "path_integration", "phase_error_by_place", "window_phases", "wrap_to_lattice"]


def decode_lattice_displacement(t: NDArray[np.float64], sheet_position: NDArray[np.float64],
                                modes: NDArray[np.float64], duration: float, bin_size: float = 0.1
                                ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Lattice displacement on the sheet (bins, 2), from spikes at ``sheet_position`` (spikes, 2).

    Returns bin centres (s) and the displacement relative to the first bin (neurons).
    """
    nb = max(1, round(duration / bin_size))
    idx = np.minimum((t / bin_size).astype(int), nb - 1)
    z = np.zeros((nb, modes.shape[0]), complex)
    np.add.at(z, idx, np.exp(1j * (sheet_position @ modes.T)))
    empty = np.abs(z) == 0
    if empty.any():  # a bin without spikes keeps the previous phase
        for k in range(1, nb):
            z[k] = np.where(empty[k], z[k - 1], z[k])
    psi = np.unwrap(np.angle(z), axis=0)
    disp, *_ = np.linalg.lstsq(modes, (psi - psi[0]).T, rcond=None)
    return np.asarray((np.arange(nb) + 0.5) * bin_size, dtype=float), np.asarray(disp.T, dtype=float)


def wrap_to_lattice(displacement: NDArray[np.float64], modes: NDArray[np.float64]) -> NDArray[np.float64]:
    r"""The shortest displacement equivalent to each row of ``displacement`` (n, 2) on the lattice.

    A lattice moved by one period draws the same grid fields, so the phase error is the
    displacement minus the nearest lattice vector. The lattice vectors A satisfy
    :math:`K_j\cdot A\in2\pi\mathbb Z`; a basis comes from two of the modes, and the nearest
    vector is searched among its combinations with coefficients in −3…3 after reducing to the
    basis cell.
    """
    basis = 2 * math.pi * np.linalg.inv(modes[1:3])  # columns: lattice vectors
    coef = np.linalg.solve(basis, displacement.T).T
    reduced = displacement - np.floor(coef) @ basis.T
    shifts = np.array([(i, j) for i in range(-3, 4) for j in range(-3, 4)], dtype=float) @ basis.T
    cand = reduced[:, None, :] - shifts[None, :, :]
    best = np.argmin((cand**2).sum(-1), axis=1)
    return np.asarray(cand[np.arange(len(displacement)), best], dtype=float)


def path_integration(result: Any, bin_size: float = 0.1, fit_seconds: float = 60.0,
                     population: str = "grid") -> dict[str, Any]:
    """Per-module path-integration error of an attractor foraging run (see the module docstring).

    ``population`` names the recorded spikes (``spikes_<population>_t``/``_i``): ``"grid"``, or
    ``"control_grid"`` for the run's control without landmark cells.

    Keys: ``times``, ``decoded`` and ``predicted`` (modules, bins, 2) sheet displacements,
    ``error_m`` (modules, bins) in metres, ``rms_error_m``, ``rms_error_fraction``,
    ``final_error_m``, ``drift_m_per_min`` (least-squares slope of the error magnitude),
    ``gain_ratio_fitted`` (fitted / assumed lattice speed, from the first ``fit_seconds``) and
    ``rms_error_fitted_m`` (with that gain, on the rest of the run: out of sample),
    ``rms_phase_error_fitted`` (the same error on the torus, in fractions of a period: what the
    error is relative to the lattice speed the module actually runs at),
    ``local_gain`` (:func:`local_gain_change`: lists per module of ``gain_change``,
    ``gain_change_axes`` and ``gain_change_by_segment``, per minute),
    ``sheet_to_m`` (metres of travel per sheet neuron, 1 / (c α), per module) and, from
    :func:`phase_error_by_place`, ``phase_by_place``: lists per module of ``offset``,
    ``place_map_rms``, ``after_place_map`` (fractions of a period; a cross-validated fit: what of
    the error does not recur at a place) and ``bins_compared``.
    """
    p = result.params
    duration = float(p["duration"])
    dt = float(p["trajectory_dt"])
    a = float(p["grid.attractor.lattice_neurons"])
    c = float(p["grid.attractor.pattern_speed"])
    modes = result["lattice_modes"]
    module = result["grid_module"]
    sheet_pos = result["grid_sheet_position"]
    gains, thetas = result["grid_gain"], result["grid_orientation"]
    displacement = np.cumsum(result["velocity"], axis=0) * dt  # X at the end of each sample
    t, i = result[f"spikes_{population}_t"], result[f"spikes_{population}_i"]
    out: dict[str, Any] = {"decoded": [], "predicted": [], "error_m": [], "phase_error": []}
    by_place: dict[str, list[Any]] = {"offset": [], "place_map_rms": [], "after_place_map": [], "bins_compared": [],
                                      "affine_r2": [], "affine_residual": [], "gain_change": []}
    local: dict[str, list[Any]] = {"gain_change": [], "gain_change_axes": [], "gain_change_by_segment": []}
    position = np.asarray(result["position"], dtype=float)
    box = float(p["box"])
    rms_wrapped: list[float] = []
    rms, rms_frac, final, drift, ratio, rms_fit, rms_wrapped_fit = [], [], [], [], [], [], []
    times = np.zeros(0)
    for m in range(len(gains)):
        sel = module[i] == m
        times, dec = decode_lattice_displacement(t[sel], sheet_pos[i[sel]], modes, duration, bin_size)
        x = displacement[np.clip((times / dt).astype(int), 0, displacement.shape[0] - 1)]
        x = x - x[0]
        rot = _rotation(thetas[m])
        pred = c * gains[m] * x @ rot.T
        err = dec - pred
        err_wrapped = wrap_to_lattice(err, modes)
        scale = c * gains[m]
        err_m = np.linalg.norm(err, axis=1) / scale if scale > 0 else np.full(len(times), np.nan)
        out["decoded"].append(dec)
        out["predicted"].append(pred)
        out["error_m"].append(err_m)
        out["phase_error"].append(np.linalg.norm(err_wrapped, axis=1) / a)
        where = position[np.clip((times / dt).astype(int), 0, position.shape[0] - 1)]
        for key, value in phase_error_by_place(err, where, modes, a, box, neurons_per_m=scale,
                                               rotation=rot).items():
            by_place[key].append(value)
        for key, value in local_gain_change(err, pred, times, modes).items():
            local[key].append(value)
        rms_wrapped.append(float(np.sqrt(np.mean(np.sum(err_wrapped**2, 1))) / a))
        rms.append(float(np.sqrt(np.mean(err_m**2))))
        rms_frac.append(float(np.sqrt(np.mean(np.sum(err**2, 1))) / a))
        final.append(float(err_m[-1]))
        minutes = times / 60.0
        drift.append(float(np.polyfit(minutes, err_m, 1)[0]) if len(times) > 1 and scale > 0 else float("nan"))
        fit = times <= fit_seconds
        if scale > 0 and fit.sum() > 2 and (~fit).sum() > 2:
            u = x @ rot.T  # predicted direction of motion, per unit of c α
            g = float(np.sum(dec[fit] * u[fit]) / max(np.sum(u[fit] ** 2), 1e-300))
            ratio.append(g / scale)
            rest = ~fit
            residual = dec[rest] - g * u[rest]  # sheet neurons
            rms_fit.append(float(np.sqrt(np.mean(np.sum(residual**2, 1)))) / g)
            rms_wrapped_fit.append(float(np.sqrt(np.mean(np.sum(wrap_to_lattice(residual, modes) ** 2, 1)))) / a)
        else:
            ratio.append(float("nan"))
            rms_fit.append(float("nan"))
            rms_wrapped_fit.append(float("nan"))
    out.update(sheet_to_m=[1.0 / (c * g) if g > 0 else float("nan") for g in gains])
    out.update(times=times, decoded=np.array(out["decoded"]), predicted=np.array(out["predicted"]),
               error_m=np.array(out["error_m"]), phase_error=np.array(out["phase_error"]),
               rms_phase_error=rms_wrapped, rms_error_m=rms, rms_error_fraction=rms_frac,
               final_error_m=final, drift_m_per_min=drift, gain_ratio_fitted=ratio, rms_error_fitted_m=rms_fit,
               rms_phase_error_fitted=rms_wrapped_fit, phase_by_place=by_place, local_gain=local)
    return out


#: side of the square places (m) over which :func:`phase_error_by_place` averages the error
PLACE_BIN_M = 0.1

#: bins per window of :func:`local_gain_change` (0.5 s at the 100 ms bins: ~0.1 m of travel at a
#: typical 0.2 m/s, a third of the smallest spacing, so a 10 % gain change moves the error by
#: ~0.03 of a period per window, far below the half period where reducing it to the torus aliases)
LOCAL_GAIN_WINDOW_BINS = 5


def _torus_mean(e: NDArray[np.float64], modes: NDArray[np.float64]) -> NDArray[np.float64]:
    r"""Circular mean of sheet displacements ``e`` (n, 2) on the lattice torus, as the shortest displacement.

    Two of the lattice's wave vectors, :math:`K_2, K_3`, are a basis of its dual: the phases
    :math:`(K_2\cdot e, K_3\cdot e)` name a point of the torus exactly (the third mode's phase
    follows). Their circular means are turned back into a displacement by the inverse basis
    (:math:`2\pi K^{-1}` are the lattice vectors, :func:`wrap_to_lattice`). Least squares on all
    three wrapped phases would not do: once wrapped they need not belong to one displacement
    (errors beyond ~0.43 of a period came back wrong).
    """
    basis = modes[1:3]
    angles = np.angle(np.exp(1j * (e @ basis.T)).mean(0))
    return wrap_to_lattice(np.linalg.solve(basis, angles)[None, :], modes)[0]


def phase_error_by_place(error: NDArray[np.float64], position: NDArray[np.float64], modes: NDArray[np.float64],
                         lattice_neurons: float, box: float, bin_m: float = PLACE_BIN_M,
                         neurons_per_m: float | None = None,
                         rotation: NDArray[np.float64] | None = None) -> dict[str, Any]:
    r"""Split a module's path-integration error into a map fixed to places and what does not recur.

    The error :math:`e_b` of bin *b* (decoded minus predicted sheet displacement, neurons) is a
    point on the lattice's torus. The animal's position in each bin falls in one of the square
    places of side ``bin_m``. The run is cut into halves; each half's *place map* :math:`M_h(x)`
    is the circular mean on the torus of the errors of its bins at place *x*
    (:func:`_torus_mean`). Returned, in fractions of a period (``lattice_neurons``):

    - ``offset``: the length of the circular mean of the error over the whole run (the part
      common to every place; for an error spread over the whole torus it means little);
    - ``place_map_rms``: RMS over bins of the *other* half's place map at the bin's place (how
      large the part fixed to places is, offset included);
    - ``after_place_map``: RMS over bins of :math:`e_b-M_{\text{other}}(x_b)`, reduced to the
      nearest lattice vector — cross-validated, so a map fixed to places leaves only what does
      not recur there (spike noise of the decoder, drift, slips). The place maps are fitted (a
      point of the torus per place and half): this is a fit, labelled so, not a prediction of the
      path-integration equation.
    - ``bins_compared``: fraction of bins whose place the other half visited (the others are left out);
    - ``affine_r2``, ``affine_residual`` and, with ``neurons_per_m`` (the lattice's built
      movement per metre of travel, cα), ``gain_change``: the whole run's place map, less its
      offset, fitted by least squares over places (weighted by their bins) with
      :math:`M(x)\approx b+A\,R(\theta)x` (``rotation``: the module's :math:`R(\theta)`, which
      the prediction applies to the travel; identity if None): the fraction of its variance the
      affine map explains, what is left (RMS, fractions of a period), and the two eigenvalues of
      the symmetric part of :math:`A/(c\alpha)`, ascending — how much more (> 0) or less (< 0)
      the lattice moves per metre than built, along the fit's principal axes on the sheet. Also a
      fit, labelled so.

    A lattice whose phase drifts freely has no place map that recurs, so ``after_place_map``
    stays near the total error; input that pins the phase to places brings it down to the
    decoder's floor even when the map it pins is offset or stretched against the integrated
    velocity.
    """
    e = np.asarray(error, dtype=float)
    pos = np.asarray(position, dtype=float)
    if e.ndim != 2 or e.shape[1] != 2 or pos.shape != e.shape:
        raise ConfigError("position", f"and error must both be (bins, 2), got {pos.shape} and {e.shape}")
    if not (box > 0 and 0 < bin_m <= box):
        raise ConfigError("bin_m", f"must lie in (0, box] with box > 0 (m), got bin_m = {bin_m}, box = {box}")
    n = e.shape[0]
    nan = float("nan")
    nothing: dict[str, Any] = {"offset": nan, "place_map_rms": nan, "after_place_map": nan, "bins_compared": 0.0,
                               "affine_r2": nan, "affine_residual": nan, "gain_change": [nan, nan]}
    if n < 2:
        return nothing
    side = max(1, round(box / bin_m))
    cell = np.clip((pos / box * side).astype(int), 0, side - 1)
    place = cell[:, 0] * side + cell[:, 1]
    mean = _torus_mean(e, modes)
    offset = float(np.linalg.norm(mean) / lattice_neurons)
    turn = np.eye(2) if rotation is None else np.asarray(rotation, dtype=float)
    affine = _affine_place_map(e, place, side, box, mean, modes, lattice_neurons, neurons_per_m, turn)
    half = np.arange(n) >= n // 2
    maps = np.full((2, side * side, 2), np.nan)  # each half's map: a displacement per visited place
    for h in (0, 1):
        mine = half == bool(h)
        for x in np.unique(place[mine]):
            maps[h, x] = _torus_mean(e[mine & (place == x)], modes)
    other = np.where(half[:, None], maps[0][place], maps[1][place])  # the other half's map at each bin's place
    seen = ~np.isnan(other[:, 0])
    if not seen.any():
        return {**nothing, "offset": offset, **affine}
    left = wrap_to_lattice(e[seen] - other[seen], modes)

    def rms(d: NDArray[np.float64]) -> float:
        return float(np.sqrt(np.mean(np.sum(d**2, 1))) / lattice_neurons)

    return {"offset": offset, "place_map_rms": rms(other[seen]), "after_place_map": rms(left),
            "bins_compared": float(seen.mean()), **affine}


def _affine_place_map(e: NDArray[np.float64], place: NDArray[np.int64], side: int, box: float,
                      mean: NDArray[np.float64], modes: NDArray[np.float64], lattice_neurons: float,
                      neurons_per_m: float | None, rotation: NDArray[np.float64]) -> dict[str, Any]:
    """The affine fit of the whole run's place map less its offset (:func:`phase_error_by_place`)."""
    nan = float("nan")
    places = np.unique(place)
    if places.size < 4:
        return {"affine_r2": nan, "affine_residual": nan, "gain_change": [nan, nan]}
    values = np.array([wrap_to_lattice((_torus_mean(e[place == x], modes) - mean)[None, :], modes)[0]
                       for x in places])
    weight = np.array([np.count_nonzero(place == x) for x in places], dtype=float)
    centre = (np.column_stack([places // side, places % side]) + 0.5) * (box / side)
    design = np.column_stack([np.ones(places.size), centre @ rotation.T])  # travel as the prediction turns it
    root = np.sqrt(weight)[:, None]
    coef, *_ = np.linalg.lstsq(design * root, values * root, rcond=None)
    residual = values - design @ coef
    spread = values - np.average(values, axis=0, weights=weight)
    ss_res, ss_tot = float(np.sum(weight[:, None] * residual**2)), float(np.sum(weight[:, None] * spread**2))
    gain = [nan, nan]
    if neurons_per_m:
        a = coef[1:].T / neurons_per_m  # fraction of the built movement per metre, rows: sheet axes
        gain = [float(v) for v in np.linalg.eigvalsh(0.5 * (a + a.T))]
    return {"affine_r2": 1 - ss_res / ss_tot if ss_tot > 0 else nan,
            "affine_residual": float(np.sqrt(ss_res / weight.sum()) / lattice_neurons), "gain_change": gain}


def local_gain_change(error: NDArray[np.float64], predicted: NDArray[np.float64], times: NDArray[np.float64],
                      modes: NDArray[np.float64], window_bins: int = LOCAL_GAIN_WINDOW_BINS,
                      segment_s: float = 60.0) -> dict[str, Any]:
    r"""How much faster (> 0) or slower (< 0) the lattice moves than built, over short windows.

    Over a window of ``window_bins`` bins the decoded displacement is
    :math:`\Delta b=(I+A)\,\Delta b_{\text{pred}}+\varepsilon`, with :math:`\Delta b_{\text{pred}}`
    the predicted displacement :math:`c\alpha R(\theta)\Delta X` and ε drift and decoder noise.
    The change of the error :math:`e=b-b_{\text{pred}}` over each window (reduced to the nearest
    lattice vector) is regressed on :math:`\Delta b_{\text{pred}}` by least squares, giving the
    2×2 matrix *A*. Unlike a fit of the error against the travel since the start, this does not
    see where the lattice has drifted, only how fast it moves per unit of travel now: drift that
    does not follow the velocity adds noise, not bias, because the regressor carries no decoder
    noise. Returned: ``gain_change`` (½ tr *A*, the mean over directions), ``gain_change_axes``
    (the eigenvalues of :math:`(A+A^\top)/2`, ascending) and ``gain_change_by_segment`` (½ tr *A*
    in consecutive segments of ``segment_s`` seconds; NaN with fewer than 10 windows, or travel
    along one line only, where *A* is not determined), for the run's windows, which overlap (one
    starts at every bin); windows with a non-finite value are left out. A measurement, not a fit
    of a model.

    A bin's decoded displacement averages the lattice over the bin and lags the input by the
    network's response, while the prediction samples the travel at one instant: travel that
    turns within a bin attenuates the regression. On the foraging trajectory (smooth turns) windows
    of 0.5, 1, 2 and 4 s gave the same control runs' gains within 0.01 (seeds 0 and 1); a velocity
    that is white at 50 ms attenuates 0.5 s windows by ~0.04 (tests). Windows whose error changes
    by more than half a period alias, so they must stay short. Where a correcting input pulls the
    lattice back over seconds (landmark cells), longer windows see more of the pull: the held
    lattices of the landmark runs read 4.2–9.4 % slow over 0.5 s and 4.8–11.0 % over 4 s.
    """
    e = np.asarray(error, dtype=float)
    pred = np.asarray(predicted, dtype=float)
    t = np.asarray(times, dtype=float)
    if e.ndim != 2 or e.shape[1] != 2 or pred.shape != e.shape or t.shape != (e.shape[0],):
        raise ConfigError("error", f"and predicted must be (bins, 2) with one time per bin, got "
                          f"{e.shape}, {pred.shape} and {t.shape}")
    window_bins = V.integer("window_bins", window_bins, 1)
    if not segment_s > 0:
        raise ConfigError("segment_s", f"must be > 0 (s), got {segment_s}")
    nan = float("nan")
    segments = math.ceil((t[-1] - t[0]) / segment_s) if t.size and t[-1] > t[0] else 1
    if e.shape[0] <= window_bins:
        return {"gain_change": nan, "gain_change_axes": [nan, nan], "gain_change_by_segment": [nan] * segments}
    d_err = e[window_bins:] - e[:-window_bins]
    d_pred = pred[window_bins:] - pred[:-window_bins]
    finite = np.isfinite(d_err).all(1) & np.isfinite(d_pred).all(1)
    d_err[finite] = wrap_to_lattice(d_err[finite], modes)
    start = t[:-window_bins]

    def fit(rows: NDArray[np.bool_]) -> NDArray[np.float64] | None:
        rows = rows & finite
        if rows.sum() < 10 or np.linalg.matrix_rank(d_pred[rows]) < 2:
            return None
        a, *_ = np.linalg.lstsq(d_pred[rows], d_err[rows], rcond=None)  # d_err ≈ d_pred @ a
        return np.asarray(a.T)

    whole = fit(np.ones(start.size, dtype=bool))
    by_segment = []
    for k in range(segments):
        a = fit((start >= t[0] + k * segment_s) & (start < t[0] + (k + 1) * segment_s))
        by_segment.append(nan if a is None else float(np.trace(a) / 2))
    if whole is None:
        return {"gain_change": nan, "gain_change_axes": [nan, nan], "gain_change_by_segment": by_segment}
    return {"gain_change": float(np.trace(whole) / 2),
            "gain_change_axes": [float(v) for v in np.linalg.eigvalsh(0.5 * (whole + whole.T))],
            "gain_change_by_segment": by_segment}


def _rotation(theta: float) -> NDArray[np.float64]:
    c, s = math.cos(theta), math.sin(theta)
    return np.array([[c, -s], [s, c]])


def window_phases(t: NDArray[np.float64], sheet_position: NDArray[np.float64], modes: NDArray[np.float64],
                  start: NDArray[np.float64], end: NDArray[np.float64]) -> NDArray[np.complex128]:
    r""":math:`Z_{s,j}=\sum e^{iK_j\cdot p}` over the spikes in each window [start_s, end_s), shape (windows, modes).

    Windows must be sorted and disjoint; a window without spikes gives 0.
    """
    z = np.zeros((start.size, modes.shape[0]), complex)
    first = np.searchsorted(t, start, side="left")
    last = np.searchsorted(t, end, side="left")
    phase = np.exp(1j * (sheet_position @ modes.T))
    for s in range(start.size):
        z[s] = phase[first[s]:last[s]].sum(0)
    return z


def graph_path_integration(result: Any) -> dict[str, Any]:
    r"""Per-action phase error of attractor modules driven by a navigation walk's actions.

    In the dwell after each action the lattice stands still; the phases
    :math:`\psi_{s,j}=\arg Z_{s,j}` of its recorded neurons' spikes there
    (:func:`window_phases`) give the lattice's move over action *s*,
    :math:`\Delta\psi_{s,j}=\arg(Z_{s,j}\bar Z_{s-1,j})` (wrapped to (−π, π]). The prediction is
    the displacement Δ the world's action matrix applies to the ideal code (``pi_displacement``),
    carried onto the sheet by the module's velocity map: :math:`\Delta b=c\,\alpha\,R(\varphi)\Delta`
    (φ = ``pi_velocity_rotation``, the rotation the circuit applies to the velocity)
    with *c* = ``grid.attractor.pattern_speed`` (fitted once in separate constant-velocity
    runs: out of sample here). The error :math:`\varepsilon_j=\mathrm{wrap}(\Delta\psi_j-K_j\cdot\Delta b)`
    is turned into a sheet displacement by least squares, reduced to the nearest lattice vector
    and divided by the lattice spacing *a*: a fraction of the grid period, per action. Summed
    over actions (before reduction) it is the accumulated error of the walk (no landmarks).

    Keys: ``step_error`` (modules, actions) fraction of a period, ``rms_step_error`` (also over
    moves and over "stay" actions alone: ``rms_step_error_moves``, ``rms_step_error_stays``),
    ``p95_step_error``, ``max_step_error``, ``step_gain`` (measured / predicted move, least
    squares over actions), ``cumulative_error`` (modules, actions: on the torus, reduced to the
    nearest lattice vector), ``rms_cumulative_error``, ``final_cumulative_error``,
    ``final_displacement_error_m`` and ``drift_m_per_min`` (length of the *unreduced* accumulated
    error in metres at the end, and its least-squares slope), ``empty_windows`` (dwells without a
    spike: their two actions have no error, and the sums skip them), ``measured`` and
    ``predicted`` (modules, actions, 2) sheet displacements, ``times`` (end of each action's dwell, s).
    """
    p = result.params
    a = float(p["grid.attractor.lattice_neurons"])
    c = float(p["grid.attractor.pattern_speed"])
    modes = result["pi_lattice_modes"]
    module = result["pi_grid_module"]
    sheet_pos = result["pi_sheet_position"]
    gains, thetas = result["pi_gain"], result["pi_velocity_rotation"]
    start, end = result["pi_read_start"], result["pi_read_end"]
    move = result["pi_displacement"]
    t, i = result["spikes_pi_grid_t"], result["spikes_pi_grid_i"]
    keys = ("step_error", "cumulative_error", "measured", "predicted")
    out: dict[str, Any] = {k: [] for k in keys}
    stats: dict[str, list[float]] = {k: [] for k in ("rms_step_error", "p95_step_error", "max_step_error",
                                                      "rms_step_error_moves", "rms_step_error_stays", "step_gain",
                                                      "rms_cumulative_error", "final_cumulative_error",
                                                      "final_displacement_error_m", "drift_m_per_min",
                                                      "empty_windows")}
    stays = np.linalg.norm(move, axis=1) == 0

    def rms(x: NDArray[np.float64]) -> float:
        x = x[np.isfinite(x)]
        return float(np.sqrt(np.mean(x**2))) if x.size else float("nan")

    minutes = end[1:] / 60.0
    for m in range(len(gains)):
        sel = module[i] == m
        z = window_phases(t[sel], sheet_pos[i[sel]], modes, start, end)
        empty = np.abs(z).min(1) == 0
        dpsi = np.angle(z[1:] * np.conj(z[:-1]))
        scale = c * gains[m]
        pred = scale * move @ _rotation(thetas[m]).T
        eps = np.angle(np.exp(1j * (dpsi - pred @ modes.T)))
        err, *_ = np.linalg.lstsq(modes, eps.T, rcond=None)
        err = err.T
        bad = empty[1:] | empty[:-1]  # a window without spikes has no phase
        err[bad] = np.nan
        step = np.linalg.norm(wrap_to_lattice(np.nan_to_num(err), modes), axis=1) / a
        step[bad] = np.nan
        acc = wrap_to_lattice(np.cumsum(np.nan_to_num(err), axis=0), modes)
        cum = np.linalg.norm(acc, axis=1) / a
        measured = pred + np.nan_to_num(err)
        ok = ~bad
        out["step_error"].append(step)
        out["cumulative_error"].append(cum)
        out["measured"].append(measured)
        out["predicted"].append(pred)
        stats["rms_step_error"].append(rms(step))
        stats["p95_step_error"].append(float(np.percentile(step[ok], 95)) if ok.any() else float("nan"))
        stats["max_step_error"].append(float(np.max(step[ok])) if ok.any() else float("nan"))
        stats["rms_step_error_moves"].append(rms(step[~stays]))
        stats["rms_step_error_stays"].append(rms(step[stays]))
        den = float(np.sum(pred[ok] ** 2))
        stats["step_gain"].append(float(np.sum(measured[ok] * pred[ok]) / den) if den > 0 else float("nan"))
        stats["rms_cumulative_error"].append(float(np.sqrt(np.mean(cum**2))))
        stats["final_cumulative_error"].append(float(cum[-1]))
        # the drift is measured on the unwrapped sum: past half a period the wrapped one folds back
        metres = (np.linalg.norm(np.cumsum(np.nan_to_num(err), axis=0), axis=1) / scale if scale > 0
                  else np.full(cum.size, np.nan))
        stats["final_displacement_error_m"].append(float(metres[-1]))
        stats["drift_m_per_min"].append(float(np.polyfit(minutes, metres, 1)[0]) if cum.size > 1 else float("nan"))
        stats["empty_windows"].append(float(empty.sum()))
    out.update({k: np.array(out[k]) for k in keys})
    out.update(stats, times=end[1:], actions=result["pi_action"])
    return out
