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
from engramlab.analysis.spikes import EDGE_TOLERANCE, counts_per_window, spike_trains, spike_windows
from engramlab.errors import ConfigError

__all__ = ["decode_bits", "isi_cv", "window_counts", "window_reach_times"]


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


def window_reach_times(t: ArrayLike, i: ArrayLike, starts: ArrayLike, offset: float, width: float, lines: int,
                       cells_per_line: int, needed: ArrayLike) -> NDArray[np.float64]:
    """When each line's pooled spike count in a slot's window reached that slot's ``needed`` count.

    The windows and pooling are those of :func:`window_counts`. Returns shape (slots, lines):
    the time of the line's ``needed[s]``-th spike in slot ``s``'s window, measured from the
    window's opening ``start + offset`` (a spike within the 1 ns edge tolerance before it: 0),
    ``inf`` when the line fired fewer in the window, and 0 where ``needed[s] <= 0`` (no spike is
    needed).
    A reader that takes the line with the most spikes can use it to decide between lines with the
    same count: the one that got there first had the higher rate over the part it needed.
    """
    tt = V.finite_array("t", t, 1)
    ii = V.integer_array("i", V.finite_array("i", i, 1))
    s = V.finite_array("starts", starts, 1) + V.real("offset", offset)
    width = V.real("width", width, 0.0, None, low_open=True)
    lines = V.integer("lines", lines, 1)
    c = V.integer("cells_per_line", cells_per_line, 1)
    need = V.integer_array("needed", V.finite_array("needed", needed, 1))
    if need.shape != s.shape:
        raise ConfigError("needed", f"must give one count per slot ({s.size}), got {need.size}")
    if tt.shape != ii.shape:
        raise ConfigError("i", f"(spike indices) and t (spike times) differ in length: {ii.shape} vs {tt.shape}")
    if ii.size and (ii.min() < 0 or ii.max() >= lines * c):
        raise ConfigError("i", f"(spike indices) must lie in [0, {lines * c}), got [{ii.min()}, {ii.max()}]")
    if s.size > 1 and np.any(np.diff(s) < width - EDGE_TOLERANCE):
        raise ConfigError("starts", "must be sorted and the windows must not overlap (spacing >= width)")
    out = np.full((s.size, lines), np.inf)
    if tt.size and s.size:
        w, ok = spike_windows(tt, s, width)  # the windows of counts_per_window: a counted spike is timed
        w, line, dt = w[ok], ii[ok] // c, tt[ok] - s[w[ok]]
        order = np.lexsort((dt, line, w))  # by slot, then line, then time
        w, line, dt = w[order], line[order], dt[order]
        group = w * lines + line
        first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        rank = np.arange(group.size) - np.repeat(first, np.diff(np.r_[first, group.size]))  # 0 = first spike
        hit = rank == need[w] - 1
        out[w[hit], line[hit]] = np.maximum(dt[hit], 0.0)  # a spike within the edge tolerance: at the start
    out[need <= 0] = 0.0
    return out


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
