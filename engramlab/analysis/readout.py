"""Reading bits from output spikes: counts in a read window against a measured baseline.

A downstream reader of the cerebellar nuclei sees only spike counts. A read is decoded from
the spikes each output line emits in a window after the query's parallel-fibre input can
first have arrived, compared with the mean count of the same window in input-free (rest)
slots: a DCN cell disinhibited by a Purkinje pause fires more than at rest (bit 1), one whose
Purkinje cells were driven harder fires less (bit 0). Plain arrays; no Brian2.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from engramlab import validate as V
from engramlab.analysis.spikes import counts_per_window, spike_trains
from engramlab.errors import ConfigError

__all__ = ["decode_bits", "isi_cv", "window_counts"]


def window_counts(t: ArrayLike, i: ArrayLike, starts: ArrayLike, offset: float, width: float, lines: int,
                  cells_per_line: int = 1) -> NDArray[np.int64]:
    """Spikes of each output line in ``[start + offset, start + offset + width)`` of every slot.

    Cells ``l·c … l·c + c − 1`` form line ``l`` (``c = cells_per_line``); their spikes are
    summed. Returns shape (slots, lines). Windows must not overlap.
    """
    ii = V.integer_array("i", V.finite_array("i", i, 1))
    offset = V.real("offset", offset)
    lines = V.integer("lines", lines, 1)
    c = V.integer("cells_per_line", cells_per_line, 1)
    if ii.size and (ii.min() < 0 or ii.max() >= lines * c):
        raise ConfigError("i", f"(spike indices) must lie in [0, {lines * c}), got [{ii.min()}, {ii.max()}]")
    # a line's cells are pooled by counting each spike under its line's index
    return counts_per_window(t, ii // c, V.finite_array("starts", starts, 1) + offset, width, lines)


def decode_bits(counts: ArrayLike, baseline: ArrayLike, higher_is_one: bool) -> NDArray[np.bool_]:
    """Bits from window counts: above (``higher_is_one``) or below the mean baseline count.

    ``baseline`` holds the counts of the same window in rest slots, shape (rest slots, lines);
    its mean over slots and lines is the threshold (every line's cells share their parameters,
    so one population threshold is estimated from all of them). A count equal to the
    threshold reads 0 (as a majority tie does).
    """
    cnt = V.finite_array("counts", counts, 2)
    base = V.finite_array("baseline", baseline, 2)
    if base.size == 0:
        raise ConfigError("baseline", "is empty: decoding needs at least one rest slot")
    threshold = float(base.mean())
    return np.asarray(cnt > threshold) if higher_is_one else np.asarray(cnt < threshold)


def isi_cv(t: ArrayLike, i: ArrayLike, cells: int, t_from: float, t_to: float) -> float:
    """Mean coefficient of variation of inter-spike intervals in [t_from, t_to) over cells with ≥ 3 ISIs.

    NaN when no cell fired four spikes in the interval.
    """
    tt = V.finite_array("t", t, 1)
    ii = V.integer_array("i", V.finite_array("i", i, 1))
    keep = (tt >= t_from) & (tt < t_to)
    cvs = []
    for train in spike_trains(tt[keep], ii[keep], cells):
        isi = np.diff(train)
        if isi.size >= 3 and isi.mean() > 0:
            cvs.append(isi.std() / isi.mean())
    return float(np.mean(cvs)) if cvs else float("nan")
