r"""How well a spike-count read-out can follow the SDM's read sum, and why it does not follow it better.

Two diagnostics of the read-out of the cerebellar SDM (docs/equations.md §5.4), both labelled
as fits:

* :func:`psychometric_fit` — the probability that a read is decoded as 1, as a function of the
  NumPy SDM's read sum :math:`s` on the same activation sets, fitted as a probit curve
  :math:`P(1\mid s) = \Phi((s - s_0)/\sigma)` by maximum likelihood. :math:`s_0` is the read
  sum at which the decoder is undecided (0 for an unbiased read-out) and :math:`\sigma` its
  noise in counter units: a read-out agrees with the SDM's sign on a read of sum :math:`s`
  with probability :math:`\Phi(|s - s_0|/\sigma)` (for :math:`s` away from :math:`s_0`).
* :func:`count_window_scan` — the agreement with the SDM's sign of a count read-out over a grid
  of windows (start, width), from 1 ms bins. Choosing the best window on the same reads is
  in-sample: it estimates what a count read-out of those spikes can reach, not what the
  circuit's own read-out does.

Neither function imports Brian2. The probit fit is hand-written (a few lines on scipy's
``log_ndtr``; statsmodels is not a dependency); the scan bins spikes with
:func:`engramlab.analysis.spikes.counts_per_window` and decodes with
:func:`engramlab.analysis.readout.decode_bits`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import log_ndtr

from engramlab import validate as V
from engramlab.analysis.readout import decode_bits
from engramlab.analysis.spikes import counts_per_window
from engramlab.errors import ConfigError

__all__ = ["count_window_scan", "psychometric_fit"]


def psychometric_fit(decoded: ArrayLike, sums: ArrayLike) -> tuple[float, float]:
    r"""Probit fit :math:`P(\text{decoded}=1\mid s) = \Phi((s - s_0)/\sigma)`: returns (s0, sigma).

    Maximum likelihood over every (read, bit). NaN, NaN when the decoded bits are all equal,
    the sums take a single value, the bits are a step in the sum (every 0 at a sum no larger
    than every 1: the SD is not estimable), the bits do not rise with the sum (the fitted SD
    exceeds 100 × the sums' range) or the fit does not converge.
    """
    y2 = V.binary_matrix("decoded", decoded, (1, 2))
    s2 = V.finite_array("sums", sums, (1, 2))
    if y2.shape != s2.shape:
        raise ConfigError("sums", f"must have the shape of decoded {y2.shape}, got {s2.shape}")
    y, s = y2.ravel(), s2.ravel()
    # no curve, or a step: every 0 at a sum <= every 1 (separated, or only tied at one sum), where
    # the likelihood grows as the SD shrinks to 0 and the SD is not estimable
    if y.size == 0 or y.all() or not y.any() or np.ptp(s) == 0 or s[~y].max() <= s[y].min():
        return float("nan"), float("nan")
    scale = float(np.std(s))

    def nll(p: NDArray[np.float64]) -> float:
        z = (s - p[0] * scale) / (np.exp(p[1]) * scale)
        return -float(np.sum(log_ndtr(z[y])) + np.sum(log_ndtr(-z[~y])))

    fit = minimize(nll, np.array([0.0, np.log(0.5)]), method="Nelder-Mead",
                   options={"xatol": 1e-6, "fatol": 1e-9, "maxiter": 4000})
    sd = float(np.exp(fit.x[1]) * scale)
    # a curve flatter than the sums' whole range: bits that fall as the sum grows (or do not
    # follow it) have no increasing probit curve, and the SD runs off to infinity
    if not fit.success or sd > 100 * float(np.ptp(s)):
        return float("nan"), float("nan")
    return float(fit.x[0] * scale), sd


def count_window_scan(t: ArrayLike, i: ArrayLike, read_starts: ArrayLike, rest_starts: ArrayLike, opens: float,
                      slot: float, truth: ArrayLike, lines: int, cells_per_line: int, higher_is_one: bool,
                      offsets: ArrayLike, widths: ArrayLike, bin_size: float = 1e-3) -> dict[str, Any]:
    """Agreement of a count read-out with ``truth`` for every window [start + opens + offset, … + width).

    Each read is decoded by :func:`engramlab.analysis.readout.decode_bits`: the line's count
    above (``higher_is_one``) or below the mean count of the same window in the rest slots.
    Spikes are binned by :func:`engramlab.analysis.spikes.counts_per_window` in ``bin_size`` bins
    from each listed slot's opening; ``offsets`` (s after ``opens``, itself s after the slot start)
    and ``widths`` are rounded to whole bins and the longest window must end inside the
    ``slot``. Cells ``l·c … l·c + c − 1`` form line ``l``. Returns the agreement table (sorted
    offsets × sorted widths) and the best window (ties: the earliest, then the shortest).
    """
    ii = V.integer_array("i", V.finite_array("i", i, 1))
    reads = V.finite_array("read_starts", read_starts, 1)
    rests = V.finite_array("rest_starts", rest_starts, 1)
    want = V.binary_matrix("truth", truth, 2)
    lines = V.integer("lines", lines, 1)
    per = V.integer("cells_per_line", cells_per_line, 1)
    if not isinstance(higher_is_one, (bool, np.bool_)):
        raise ConfigError("higher_is_one", f"must be True or False, got {higher_is_one!r}")
    if reads.size == 0 or want.shape != (reads.size, lines):
        raise ConfigError("truth", f"must have shape (reads >= 1, lines) = ({reads.size}, {lines}), got {want.shape}")
    if rests.size == 0:
        raise ConfigError("rest_starts", "is empty: decoding needs at least one rest slot")
    if ii.size and (ii.min() < 0 or ii.max() >= lines * per):
        raise ConfigError("i", f"(spike indices) must lie in [0, {lines * per}), got [{ii.min()}, {ii.max()}]")
    bin_size = V.real("bin_size", bin_size, 0.0, None, low_open=True)
    off = np.unique(np.rint(V.finite_array("offsets", offsets, 1) / bin_size).astype(np.int64))  # sorted
    wid = np.unique(np.rint(V.finite_array("widths", widths, 1) / bin_size).astype(np.int64))
    if off.size == 0 or off.min() < 0:
        raise ConfigError("offsets", f"must be non-empty and >= 0 s, got {np.asarray(offsets)!r}")
    if wid.size == 0 or wid.min() < 1:
        raise ConfigError("widths", f"must be non-empty and >= bin_size ({bin_size:g} s), got {np.asarray(widths)!r}")
    bins = int(off.max() + wid.max())
    slot = V.real("slot", slot, 0.0, None, low_open=True)
    opens = V.real("opens", opens, 0.0, slot)
    if opens + bins * bin_size > slot + 1e-12:
        raise ConfigError("widths", f"reach past the slot ({slot * 1e3:g} ms): the longest offset + width must fit")
    starts = np.concatenate([reads, rests]) + opens
    order = np.argsort(starts, kind="stable")
    # every listed slot's bins, in time order (counts_per_window refuses overlapping slots)
    bin_starts = (starts[order][:, None] + np.arange(bins) * bin_size).ravel()
    binned = counts_per_window(t, ii // per, bin_starts, bin_size, lines).reshape(starts.size, bins, lines)
    cum = np.zeros((starts.size, lines, bins + 1), dtype=np.int64)
    cum[order, :, 1:] = np.cumsum(binned, axis=1).transpose(0, 2, 1)
    table = np.zeros((off.size, wid.size))
    for a, o in enumerate(off):
        for c, w in enumerate(wid):
            window = cum[:, :, o + w] - cum[:, :, o]
            bits = decode_bits(window[:reads.size], window[reads.size:], bool(higher_is_one))
            table[a, c] = float(np.mean(bits == want))
    best = np.unravel_index(int(np.argmax(table)), table.shape)
    return {"agreement": table, "offsets": off * bin_size, "widths": wid * bin_size,
            "best_agreement": float(table[best]), "best_offset": float(off[best[0]] * bin_size),  # after opens
            "best_width": float(wid[best[1]] * bin_size)}
