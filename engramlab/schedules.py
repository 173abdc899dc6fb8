"""Codes of schedule entries stored in Results, defined once and free of Brian2.

Protocols write these integer codes into a Result's arrays (``slot_kind``, ``trial_phase``);
the analysis reads them back from the same table.
"""

from __future__ import annotations

__all__ = ["PHASES", "REVERSAL_PHASES", "SLOT_KINDS"]

#: kind of each slot of the cerebellar SDM protocol
SLOT_KINDS: dict[str, int] = {"rest": 0, "write": 1, "read": 2}

#: phase of each trial of the eyeblink protocol
PHASES: dict[str, int] = {"acquisition": 0, "extinction": 1, "reacquisition": 2, "lesion": 3}

#: phase of each trial of the associative (left/right) protocol
REVERSAL_PHASES: dict[str, int] = {"acquisition": 0, "reversal": 1}
