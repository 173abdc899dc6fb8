"""Decoding the motor choice of the left/right associative task from DCN spikes.

The choice on a trial is the side whose DCN cell raised its rate more during the tone (from
``decode_from`` after tone onset to the teaching time) relative to its pre-tone baseline: a
Purkinje pause on that side disinhibits its nucleus ("move left" / "move right").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engramlab.analysis.eyeblink import US_RESPONSE_WINDOW
from engramlab.analysis.spikes import counts_between, counts_per_window
from engramlab.errors import ConfigError
from engramlab.results import Result
from engramlab.schedules import REVERSAL_PHASES

ACQ, REV = REVERSAL_PHASES["acquisition"], REVERSAL_PHASES["reversal"]

__all__ = ["AssociativeAnalysis", "analyse_associative", "associative_summary"]


@dataclass
class AssociativeAnalysis:
    """Per-trial choices and weight traces of an associative run."""

    tone: NDArray[np.int8]
    taught: NDArray[np.int8]
    phase: NDArray[np.int8]
    dcn_increase: NDArray[np.float64]
    choice: NDArray[np.int8]
    correct_acquisition: NDArray[np.bool_]
    correct_reversal: NDArray[np.bool_]
    accuracy_by_block: list[float]
    reversal_accuracy_by_block: list[float]
    weights_by_trial: NDArray[np.float64]
    active_granule_fraction: NDArray[np.float64]
    block: int
    teacher_spikes: NDArray[np.float64]
    teacher_spikes_by_block: list[float]
    reversal_teacher_spikes_by_block: list[float]


def _blocks(x: NDArray[np.bool_] | NDArray[np.float64], block: int) -> list[float]:
    return [float(x[k:k + block].mean()) for k in range(0, x.size, block)]


def analyse_associative(result: Result, block: int = 10, decode_from: float = 0.05) -> AssociativeAnalysis:
    """Decoded choices, accuracy per block (acquisition, reversal) and the weight traces."""
    if result.protocol != "associative":
        raise ConfigError("result", f"must come from the associative protocol, got {result.protocol!r}")
    p = result.params
    onset = float(p["protocol.cs_onset"])
    isi = float(p["protocol.isi"])
    starts = result["trial_start"]
    t, i = result["spikes_nuclei_t"], result["spikes_nuclei_i"]
    inc = np.zeros((starts.size, 2))
    lo, hi = starts + onset + decode_from, starts + onset + isi
    for side in range(2):
        ts = t[i == side]
        base = counts_between(ts, starts, starts + onset) / onset
        inc[:, side] = counts_between(ts, lo, hi) / (hi - lo) - base
    choice = np.argmax(inc, axis=1).astype(np.int8)
    taught, phase = result["trial_taught"], result["trial_phase"]
    correct = choice == taught
    counts = result["granule_counts"]
    # the error signal: complex spikes per taught olive cell in the US-response window after the
    # teaching time; nucleo-olivary inhibition from the taught side's DCN lowers it as far as that
    # side already fires
    sides = (np.asarray(p["left_pcs"]), np.asarray(p["right_pcs"]))
    m = sides[0].size + sides[1].size
    per_cell = counts_per_window(result["spikes_olive_t"], result["spikes_olive_i"], starts + onset + isi,
                                 US_RESPONSE_WINDOW, m)
    teacher = np.array([per_cell[k, sides[int(side)]].mean() for k, side in enumerate(taught)])
    return AssociativeAnalysis(
        tone=result["trial_tone"], taught=taught, phase=phase, dcn_increase=inc, choice=choice,
        correct_acquisition=correct[phase == ACQ], correct_reversal=correct[phase == REV],
        accuracy_by_block=_blocks(correct[phase == ACQ], block),
        reversal_accuracy_by_block=_blocks(correct[phase == REV], block),
        weights_by_trial=result["weights_by_trial"],
        active_granule_fraction=(counts > 0).mean(1), block=block, teacher_spikes=teacher,
        teacher_spikes_by_block=_blocks(teacher[phase == ACQ], block),
        reversal_teacher_spikes_by_block=_blocks(teacher[phase == REV], block))


def associative_summary(a: AssociativeAnalysis) -> dict[str, Any]:
    """Key numbers (the ``summary.json`` of ``engramlab run associative``)."""
    w = a.weights_by_trial * 1e12
    return {
        "trials": int(np.sum(a.phase == ACQ)),
        "reversal_trials": int(np.sum(a.phase == REV)),
        "accuracy_by_block": a.accuracy_by_block,
        "reversal_accuracy_by_block": a.reversal_accuracy_by_block,
        "last_block_accuracy": a.accuracy_by_block[-1] if a.accuracy_by_block else None,
        "last_block_reversal_accuracy": a.reversal_accuracy_by_block[-1] if a.reversal_accuracy_by_block else None,
        "accuracy_last_block_by_tone": {
            "A": float(a.correct_acquisition[-a.block:][a.tone[a.phase == ACQ][-a.block:] == 0].mean()),
            "B": float(a.correct_acquisition[-a.block:][a.tone[a.phase == ACQ][-a.block:] == 1].mean()),
        } if a.correct_acquisition.size >= a.block else None,
        "weight_pA_A_to_left_start_mid_end": [float(w[0, 0, 0]), float(w[a.correct_acquisition.size, 0, 0]),
                                              float(w[-1, 0, 0])],
        "weight_pA_A_to_right_start_mid_end": [float(w[0, 0, 1]), float(w[a.correct_acquisition.size, 0, 1]),
                                               float(w[-1, 0, 1])],
        "active_granule_fraction": float(a.active_granule_fraction.mean()),
        "teacher_spikes_by_block": a.teacher_spikes_by_block,
        "reversal_teacher_spikes_by_block": a.reversal_teacher_spikes_by_block,
    }


def associative_table(s: Mapping[str, Any]) -> dict[str, Any]:
    """The lines of ``summary.md`` and of ``engramlab run associative``'s printed table."""
    table = {
        "accuracy by block": ", ".join(f"{v:.2f}" for v in s["accuracy_by_block"]),
        "reversal accuracy by block": ", ".join(f"{v:.2f}" for v in s["reversal_accuracy_by_block"]),
        "A → left weight, start / mid / end (pA)": s["weight_pA_A_to_left_start_mid_end"],
    }
    if s.get("teacher_spikes_by_block"):
        table["teacher complex spikes per taught olive cell, by block (acquisition | reversal)"] = (
            ", ".join(f"{v:.2f}" for v in s["teacher_spikes_by_block"]) + " | "
            + ", ".join(f"{v:.2f}" for v in s.get("reversal_teacher_spikes_by_block") or []))
    if s.get("wall_seconds") is not None:
        table["wall time (s)"] = s["wall_seconds"]
    return table
