r"""Capacity of the spiking cerebellar SDM: recall as patterns accumulate, against the NumPy SDM and theory.

Reads an ``sdm-capacity`` Result (plain arrays; no Brian2). For every design (radius
criterion × activation) and checkpoint (patterns stored so far), the fraction of bits read
right, clean and at ``query_noise`` bits, by

* the spikes: DCN counts in the read window against the rest slots (as :mod:`cerebellar_sdm`);
* the NumPy SDM on the activation sets the spikes produced (counters from the measured write
  sets up to the checkpoint);
* the NumPy SDM on the ideal sets (the designed balls, or the top-k nearest);
* the SNR theory, predicted before any spike: :func:`engramlab.analysis.sdm.read_accuracy`
  (Kanerva 1988 ch. 7; Bricken & Pehlevan 2021 appendix) at the design radius.

A design's *capacity* is the largest checkpoint whose clean reads are ≥ 95 % right (theory:
the largest pattern count it predicts ≥ 95 %).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from engramlab.analysis import sdm
from engramlab.analysis.readout import decode_bits, window_counts
from engramlab.analysis.spikes import counts_per_window
from engramlab.errors import ConfigError
from engramlab.results import Result
from engramlab.schedules import SLOT_KINDS

__all__ = ["CapacityAnalysis", "CapacityRun", "analyse_capacity", "capacity_summary", "capacity_table"]

REST, WRITE, READ = SLOT_KINDS["rest"], SLOT_KINDS["write"], SLOT_KINDS["read"]
#: the recall that defines a capacity
CAPACITY_RECALL = 0.95


@dataclass(frozen=True)
class CapacityRun:
    """One design's recall at every checkpoint; arrays are (checkpoints, 2): clean and noisy reads."""

    label: str
    d: int
    top_k: int
    counts: NDArray[np.int64]
    spikes: NDArray[np.float64]
    numpy: NDArray[np.float64]
    ideal: NDArray[np.float64]
    theory: NDArray[np.float64]
    active_mean: float
    capacity_spikes: int | None
    capacity_numpy: int | None
    capacity_ideal: int | None
    capacity_theory: float


@dataclass(frozen=True)
class CapacityAnalysis:
    """Every design of one ``sdm-capacity`` result."""

    n: int
    r: int
    m: int
    query_noise: int
    runs: tuple[CapacityRun, ...]


def _capacity(counts: NDArray[np.int64], recall: NDArray[np.float64]) -> int | None:
    """Largest checkpoint up to which every clean recall is ≥ 95 % (None: not even the first)."""
    ok = recall >= CAPACITY_RECALL
    if not ok[0]:
        return None
    bad = np.flatnonzero(~ok)
    return int(counts[bad[0] - 1] if bad.size else counts[-1])


def theory_capacity(n: int, d: int, r: float) -> float:
    """Patterns at which the SNR theory's clean-read bit recall falls to 95 %: (w(0)/z)² / (rp² + (rp²)²)."""
    signal = r * float(sdm.ball_fraction(n, d))
    rp2 = r * float(sdm.ball_fraction(n, d)) ** 2
    z = float(stats.norm.ppf(CAPACITY_RECALL))
    return float((signal / z) ** 2 / (rp2 + rp2 * rp2)) if rp2 > 0 else math.inf


def analyse_capacity(result: Result) -> CapacityAnalysis:
    """Recall of every design at every checkpoint (see module docstring)."""
    if result.protocol != "sdm-capacity":
        raise ConfigError("result", f"must come from the sdm-capacity protocol, got {result.protocol!r}")
    p = result.params
    n, r, m = (int(p[f"circuit.{key}"]) for key in ("n", "r", "m"))
    slot = float(p["circuit.slot"])
    labels = list(p["run_labels"])
    noise_q = int(p["protocol.query_noise"])
    values = result["pattern_value"]
    targets = result["targets"]
    arrival = (float(p["circuit.volley_time"]) + float(p["circuit.mossy.delay"])
               + float(p["circuit.plasticity.delay_pf"]))
    dcn_offset = arrival + float(p["circuit.nuclei.delay_pc"])
    width = min(float(p["protocol.read_window"]), slot - dcn_offset)
    dcn_cells = int(p.get("circuit.dcn_per_line", 1))  # a line's DCN cells: their spikes are summed
    runs = []
    for k, label in enumerate(labels):
        sel = result["slot_run"] == k
        kind, pattern = result["slot_kind"][sel], result["slot_pattern"][sel]
        level, checkpoint = result["slot_noise"][sel], result["slot_checkpoint"][sel]
        shown = result["slot_address"][sel]
        start = np.arange(kind.size) * slot
        g = result["spikes_granule_run"] == k
        active = counts_per_window(result["spikes_granule_t"][g], result["spikes_granule_i"][g], start, slot, r) > 0
        dn = result["spikes_nuclei_run"] == k
        dcn = window_counts(result["spikes_nuclei_t"][dn], result["spikes_nuclei_i"][dn], start, dcn_offset, width,
                            m, dcn_cells)
        rest = np.flatnonzero(kind == REST)
        d, top_k = int(result["run_d"][k]), int(result["run_top_k"][k])
        topk = label.endswith("-topk")
        ideal_mem = sdm.NeuronSDM(targets, m, top_k=top_k) if topk else sdm.NeuronSDM(targets, m, radius=d)
        counters = np.zeros((r, m))
        reads = np.flatnonzero(kind == READ)
        spike_bits = decode_bits(dcn[reads], dcn[rest], higher_is_one=True)
        numpy_bits = np.zeros((reads.size, m), bool)
        ideal_bits = np.zeros((reads.size, m), bool)
        row = 0
        for s in range(kind.size):  # slots in order: a read sees the writes before it
            if kind[s] == WRITE:
                counters[active[s]] += np.where(values[pattern[s]], 1.0, -1.0)
                ideal_mem.write(shown[s], values[pattern[s]])
            elif kind[s] == READ:
                numpy_bits[row] = active[s].astype(float) @ counters > 0
                ideal_bits[row] = ideal_mem.read(shown[s])
                row += 1
        truth = values[pattern[reads]]
        counts = np.unique(checkpoint[reads])
        table = {name: np.zeros((counts.size, 2)) for name in ("spikes", "numpy", "ideal", "theory")}
        for ci, count in enumerate(counts):
            for li, lv in enumerate((0, noise_q)):
                which = (checkpoint[reads] == count) & (level[reads] == lv)
                for name, bits in (("spikes", spike_bits), ("numpy", numpy_bits), ("ideal", ideal_bits)):
                    table[name][ci, li] = float(np.mean(bits[which] == truth[which]))
                table["theory"][ci, li] = float(sdm.read_accuracy(n, d, int(count), r, [lv])[0])
        presented = kind != REST
        runs.append(CapacityRun(
            label=label, d=d, top_k=top_k, counts=counts, **table,
            active_mean=float(active[presented].sum(1).mean()),
            capacity_spikes=_capacity(counts, table["spikes"][:, 0]),
            capacity_numpy=_capacity(counts, table["numpy"][:, 0]),
            capacity_ideal=_capacity(counts, table["ideal"][:, 0]),
            capacity_theory=theory_capacity(n, d, r)))
    return CapacityAnalysis(n=n, r=r, m=m, query_noise=noise_q, runs=tuple(runs))


def capacity_summary(a: CapacityAnalysis) -> dict[str, Any]:
    """``summary.json`` of ``engramlab run sdm-capacity``: per design, recall at every checkpoint."""
    runs: dict[str, Any] = {}
    for run in a.runs:
        runs[run.label] = {
            "d": run.d, "top_k": run.top_k or None, "active_mean": run.active_mean,
            "counts": run.counts.tolist(),
            **{f"recall_{name}": {"clean": getattr(run, name)[:, 0].tolist(),
                                  f"noise_{a.query_noise}": getattr(run, name)[:, 1].tolist()}
               for name in ("spikes", "numpy", "ideal", "theory")},
            "capacity_spikes": run.capacity_spikes, "capacity_numpy": run.capacity_numpy,
            "capacity_ideal": run.capacity_ideal, "capacity_theory": run.capacity_theory,
        }
    first = a.runs[0]
    return {"n": a.n, "r": a.r, "m": a.m, "query_noise": a.query_noise, "designs": [r.label for r in a.runs],
            "capacity_spikes": first.capacity_spikes, "capacity_theory": first.capacity_theory,
            "final_recall_spikes": float(first.spikes[-1, 0]), "runs": runs}


def capacity_table(s: dict[str, Any]) -> dict[str, Any]:
    """Printed lines: each design's capacity (spikes / NumPy measured sets / NumPy ideal / theory)."""
    table: dict[str, Any] = {"n, r, m": f"{s['n']}, {s['r']}, {s['m']}"}
    for label, run in s["runs"].items():
        table[f"{label} (d = {run['d']}): capacity spikes / NumPy / ideal / theory"] = (
            f"{run['capacity_spikes']} / {run['capacity_numpy']} / {run['capacity_ideal']} / "
            f"{run['capacity_theory']:.0f}")
    return table
