"""SDM capacity protocol: recall as patterns accumulate, at several radius designs and activations.

One network run per design (a radius criterion × an activation mode): patterns are written
one after another, and at every checkpoint (after ``counts[0]``, ``counts[1]``, … writes) a
random sample of the patterns stored so far is read, once clean and once with
``query_noise`` bits flipped, with plasticity off. Continual writing is what a cerebellum
does; a checkpoint reads the memory as it is at that moment, so one run gives the whole
capacity curve. The analysis (:mod:`engramlab.analysis.sdm_capacity`) holds the DCN-decoded
recall against the NumPy SDM on the same activation sets, on the ideal sets, and the SNR
theory.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any

import brian2 as b2
import numpy as np
from brian2 import ms

from engramlab import validate as V
from engramlab.analysis import sdm
from engramlab.circuits.cerebellum import CerebellarSDM, CerebellumConfig
from engramlab.errors import ConfigError
from engramlab.models._params import Params, param
from engramlab.models.golgi import GolgiParams
from engramlab.protocols._result import config_params
from engramlab.protocols.sdm_memory import check_read_window, design_circuit, memory_estimate
from engramlab.results import Result, run_metadata
from engramlab.schedules import SLOT_KINDS

__all__ = ["SDMCapacityConfig", "capacity_memory", "prepare_capacity", "run_sdm_capacity"]

CRITERIA = ("snr", "memory", "critical_distance")
ACTIVATIONS = ("radius", "topk")


@dataclass(frozen=True)
class SDMCapacityConfig(Params):
    """What the capacity protocol writes and reads, and which designs it compares."""

    counts: tuple[int, ...] = param((10, 20, 50, 100, 200, 400), "numbers of stored patterns at which recall "
                                                                "is measured (increasing)", kind="tuple", low=1,
                                    structural=True)
    radii: tuple[str, ...] = param(("snr", "memory"), "radius designs compared: 'snr' (SNR-optimal for "
                                                      "design_patterns), 'memory' (memory-optimal), "
                                                      "'critical_distance'", kind="tuple", structural=True)
    activations: tuple[str, ...] = param(("radius", "topk"), "activation modes compared: 'radius' (threshold) "
                                                             "and/or 'topk' (Golgi k-winners)", kind="tuple",
                                         structural=True)
    reads: int = param(20, "stored patterns read at each checkpoint (a random sample of those stored)", low=1,
                       high=10_000, structural=True)
    query_noise: int = param(3, "bits flipped in the noisy read of each sampled pattern (each is also read "
                                "clean)", low=0)
    rest_slots: int = param(10, "input-free slots before the writes (the read baseline)", low=1, high=1000,
                            structural=True)
    read_window: b2.Quantity = param(40 * ms, "decoding window of a read (as in the sdm protocol)", unit=ms, low=0,
                                     low_open=True)
    seed: int = param(0, "seed of the patterns, samples and query noise", low=0, high=2**32 - 1)

    def check(self) -> None:
        """Counts strictly increasing; known radius criteria and activations, each once."""
        if not self.counts:
            raise self.fail("counts", "must not be empty")
        for k, count in enumerate(self.counts):
            V.integer(f"{type(self).__name__}.counts[{k}]", count, 1, 100_000)
        if any(b <= a for a, b in zip(self.counts, self.counts[1:], strict=False)):
            raise self.fail("counts", f"must increase, got {list(self.counts)}")
        for key, values, allowed in (("radii", self.radii, CRITERIA), ("activations", self.activations, ACTIVATIONS)):
            if not values:
                raise self.fail(key, "must not be empty")
            bad = [v for v in values if v not in allowed]
            if bad or len(set(values)) != len(values):
                raise self.fail(key, f"must list distinct values of {list(allowed)}, got {list(values)}")


def _designs(circuit: CerebellumConfig, protocol: SDMCapacityConfig) -> list[tuple[str, CerebellumConfig]]:
    """(label, designed circuit) for every radius criterion × activation."""
    if circuit.scheme != "kanerva":
        raise ConfigError("scheme", "the capacity protocol compares Kanerva radii: it needs scheme='kanerva'")
    out = []
    for criterion in protocol.radii:
        d = min(circuit.n - 1, sdm.optimal_radius(circuit.n, circuit.design_patterns, circuit.r, criterion))  # type: ignore[arg-type]
        for activation in protocol.activations:
            base = circuit
            if activation == "radius":  # top-k settings belong to the top-k designs: the radius ones keep defaults
                golgi = dataclasses.replace(circuit.golgi, topk_lines=GolgiParams().topk_lines)
                base = dataclasses.replace(circuit, topk_radius=None, golgi=golgi)
            designed = design_circuit(dataclasses.replace(base, d=d, activation=activation, top_k=None))
            out.append((f"{criterion}-{activation}", designed))
    return out


def prepare_capacity(circuit: CerebellumConfig, protocol: SDMCapacityConfig, quick: bool
                     ) -> tuple[CerebellumConfig, SDMCapacityConfig]:
    """Check the designs can be built and the protocol fits the circuit."""
    if protocol.query_noise > circuit.n:
        raise ConfigError("protocol.query_noise", f"must lie in [0, n = {circuit.n}], got {protocol.query_noise}")
    if "topk" not in protocol.activations and (circuit.topk_radius is not None
                                               or circuit.golgi.topk_lines != GolgiParams().topk_lines):
        key = "topk_radius" if circuit.topk_radius is not None else "golgi.topk_lines"
        raise ConfigError(key, f"applies to the top-k designs only, and protocol.activations = "
                               f"{list(protocol.activations)} builds none: add 'topk' there")
    for _, design in _designs(circuit, protocol):
        check_read_window(design, protocol.read_window, to_nuclei=True)
    return circuit, protocol


def capacity_memory(circuit: CerebellumConfig, protocol: SDMCapacityConfig) -> tuple[float, str]:
    """The largest design's network estimate (runs are built one after another)."""
    return max(memory_estimate(c, None) for _, c in _designs(circuit, protocol))  # type: ignore[arg-type]


def _flip(rng: np.random.Generator, x: np.ndarray, k: int) -> np.ndarray:
    y = x.copy()
    if k:
        y[rng.choice(x.size, size=k, replace=False)] ^= True
    return y


def run_sdm_capacity(circuit: CerebellumConfig, protocol: SDMCapacityConfig | None = None,
                     report: Any = None) -> Result:
    """Write ``max(counts)`` patterns and read samples at every checkpoint, for every design.

    Returns
    -------
    Result
        Per design ``k`` (``run_labels[k]``; radius ``run_d[k]``, Golgi target ``run_top_k[k]``):
        slots ``slot_run``, ``slot_kind``, ``slot_pattern`` (−1 for rest), ``slot_noise`` (−1
        unless a read), ``slot_checkpoint`` (patterns stored when a read happened, −1 otherwise),
        ``slot_address``; spikes ``spikes_granule_*`` and ``spikes_nuclei_*`` with ``*_run``.
        Shared: ``pattern_address``, ``pattern_value``, ``selected``, ``targets``.
    """
    protocol = protocol or SDMCapacityConfig()
    prepare_capacity(circuit, protocol, False)
    rng = np.random.default_rng([protocol.seed, 11])
    total = protocol.counts[-1]
    addresses = rng.integers(0, 2, size=(total, circuit.n)).astype(bool)
    values = (addresses.copy() if circuit.m == circuit.n
              else rng.integers(0, 2, size=(total, circuit.m)).astype(bool))
    # one schedule, shared by every design: the same patterns, samples and query noise
    schedule: list[tuple[int, int, int, int, np.ndarray]] = [(SLOT_KINDS["rest"], -1, -1, -1,
                                                              np.zeros(circuit.n, bool))] * protocol.rest_slots
    written = 0
    for count in protocol.counts:
        for mu in range(written, count):
            schedule.append((SLOT_KINDS["write"], mu, -1, -1, addresses[mu]))
        written = count
        sample = rng.choice(count, size=min(protocol.reads, count), replace=False)
        for mu in sample:
            for level in (0, protocol.query_noise):
                schedule.append((SLOT_KINDS["read"], int(mu), level, count, _flip(rng, addresses[mu], level)))
    arrays: dict[str, list[np.ndarray]] = {k: [] for k in (
        "slot_run", "slot_kind", "slot_pattern", "slot_noise", "slot_checkpoint", "slot_address",
        "spikes_granule_t", "spikes_granule_i", "spikes_granule_run", "spikes_nuclei_t", "spikes_nuclei_i",
        "spikes_nuclei_run")}
    labels, ds, top_ks, timings = [], [], [], {}
    selected = targets = None
    t0 = time.perf_counter()
    for k, (label, designed) in enumerate(_designs(circuit, protocol)):
        net = CerebellarSDM(designed, record=("granule", "nuclei"))
        for kind, mu, _level, _count, address in schedule:
            if kind == SLOT_KINDS["rest"]:
                net.rest()
            elif kind == SLOT_KINDS["write"]:
                net.write(address, values[mu])
            else:
                net.read(address)
        rec = net.run(report=report)
        timings[label] = dict(net.timings)
        selected, targets = rec.selected, rec.targets
        labels.append(label)
        ds.append(designed.radius)
        top_ks.append(designed.top_k if designed.golgi_cells else 0)
        n_slots = len(schedule)
        arrays["slot_run"].append(np.full(n_slots, k, np.int16))
        arrays["slot_kind"].append(rec.slot_kind)
        arrays["slot_pattern"].append(np.array([s[1] for s in schedule], np.int32))
        arrays["slot_noise"].append(np.array([s[2] for s in schedule], np.int32))
        arrays["slot_checkpoint"].append(np.array([s[3] for s in schedule], np.int32))
        arrays["slot_address"].append(rec.slot_address)
        for pop in ("granule", "nuclei"):
            t, i = rec.spikes[pop]
            arrays[f"spikes_{pop}_t"].append(np.asarray(t))
            arrays[f"spikes_{pop}_i"].append(np.asarray(i).astype(np.int32))
            arrays[f"spikes_{pop}_run"].append(np.full(np.asarray(t).size, k, np.int16))
        # forget this design's network before the next is built: while it lives, Brian2 names the
        # next program's code objects "..._1" and a standalone build compiles all of them again
        # (59 of 59 for the second radius design of the quick preset)
        del net, rec
    out = {key: np.concatenate(parts) for key, parts in arrays.items()}
    out.update(pattern_address=addresses, pattern_value=values, selected=selected, targets=targets,
               run_d=np.array(ds, np.int32), run_top_k=np.array(top_ks, np.int32))
    params, units = config_params(circuit, protocol)
    params.update({"run_labels": labels, "slot_kinds": SLOT_KINDS})
    metadata = run_metadata(circuit.seed, protocol="sdm-capacity", device=circuit.device, timings=timings,
                            protocol_seed=protocol.seed, target=circuit.target,
                            run_seconds=time.perf_counter() - t0,
                            biological_seconds=len(labels) * len(schedule) * float(circuit.slot))
    return Result("sdm-capacity", out, params, metadata, units)
