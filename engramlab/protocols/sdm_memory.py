"""SDM memory protocol: write patterns into the spiking cerebellum, then read from noisy queries.

Schedule (one network, one run): ``rest_slots`` presentations without input (the Purkinje
baseline), one write per pattern (address on mossy fibres, value on climbing fibres,
plasticity on), then one read per pattern and query-noise level (the address with exactly
``noise`` random bits flipped; plasticity off). Auto-association stores ``value = address``
(needs ``m == n``); hetero-association stores random ``m``-bit values.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from engramlab.circuits.cerebellum import SLOT_KINDS, CerebellarSDM, CerebellumConfig
from engramlab.models._params import check_choice, check_int, flatten_params, param
from engramlab.results import Result, run_metadata

__all__ = ["SDMMemoryConfig", "run_sdm_memory", "run_sdm_memory_repeats"]


@dataclass(frozen=True)
class SDMMemoryConfig:
    """What the SDM memory protocol writes and reads."""

    patterns: int = param(20, "patterns written")
    association: str = param("auto", "'auto' (value = address, needs m == n) or 'hetero' (random values)")
    noise_levels: tuple[int, ...] | None = param(None, "query noise levels in bits; default every "
                                                       "level 0 … 8, then every second one to 2d")
    rest_slots: int = param(2, "input-free slots before the writes (Purkinje baseline)")
    seed: int = param(0, "seed of the patterns and query noise")

    def __post_init__(self) -> None:
        o = "SDMMemoryConfig"
        check_int(o, "patterns", self.patterns, 1, 100_000)
        check_choice(o, "association", self.association, ("auto", "hetero"))
        check_int(o, "rest_slots", self.rest_slots, 1, 1000)
        check_int(o, "seed", self.seed, 0, 2**32 - 1)
        if self.noise_levels is not None:
            if len(self.noise_levels) == 0:
                raise ValueError("SDMMemoryConfig.noise_levels must not be empty")
            for level in self.noise_levels:
                check_int(o, "noise_levels[]", level, 0)

    def levels(self, circuit: CerebellumConfig) -> tuple[int, ...]:
        """The noise levels used with ``circuit``: by default 0 … 8, then even levels up to 2d."""
        if self.noise_levels is not None:
            bad = [v for v in self.noise_levels if v > circuit.n]
            if bad:
                raise ValueError(f"SDMMemoryConfig.noise_levels must lie in [0, n={circuit.n}], "
                                 f"got {bad}")
            return tuple(self.noise_levels)
        span = 2 * circuit.radius if circuit.scheme == "kanerva" else circuit.n // 2
        top = min(circuit.n, span)
        return tuple(sorted({*range(min(top, 8) + 1), *range(10, top + 1, 2)}))


def _flip(rng: np.random.Generator, x: np.ndarray, k: int) -> np.ndarray:
    y = x.copy()
    y[rng.choice(x.size, size=k, replace=False)] ^= True
    return y


def run_sdm_memory(circuit: CerebellumConfig, protocol: SDMMemoryConfig | None = None,
                   report: Any = None, net: CerebellarSDM | None = None) -> Result:
    """Run the write/read protocol on a freshly built cerebellar SDM and return a Result.

    With ``net`` (a ``cpp_standalone`` CerebellarSDM of the same ``circuit`` that has already
    run a protocol of the same length), the compiled program is re-run with this protocol's
    patterns and queries instead of building and compiling a new one.

    Parameters
    ----------
    circuit : CerebellumConfig
        The microcircuit.
    protocol : SDMMemoryConfig, optional
        Patterns, association and query noise (defaults if omitted).
    report : optional
        Brian2 progress report (``"text"``, ``"stdout"`` or a callable).
    net : CerebellarSDM, optional
        A compiled standalone circuit to re-run (see above).

    Returns
    -------
    Result
        Arrays: ``spikes_<population>_t/_i`` (s, index), ``slot_start``, ``slot_kind``
        (0 rest, 1 write, 2 read), ``slot_address``, ``slot_value``, ``slot_pattern`` (−1 for
        rest), ``slot_noise`` (−1 unless a read), ``pattern_address``, ``pattern_value``,
        ``selected``, ``targets`` (hard locations), ``weights_initial``, ``weights_final`` (A).
    """
    protocol = protocol or SDMMemoryConfig()
    if protocol.association == "auto" and circuit.m != circuit.n:
        raise ValueError(f"auto-association stores value = address, so m must equal n; got "
                         f"m={circuit.m}, n={circuit.n} (use association='hetero')")
    levels = protocol.levels(circuit)
    rng = np.random.default_rng([protocol.seed, 7])
    addresses = rng.integers(0, 2, size=(protocol.patterns, circuit.n)).astype(bool)
    values = (addresses.copy() if protocol.association == "auto"
              else rng.integers(0, 2, size=(protocol.patterns, circuit.m)).astype(bool))

    t0 = time.perf_counter()
    if net is None:
        net = CerebellarSDM(circuit)
    else:
        if net.config != circuit:
            raise ValueError("run_sdm_memory: net was built for a different circuit config")
        if net.has_run:
            net.new_schedule()
    build_s = time.perf_counter() - t0
    slot_pattern, slot_noise = [], []
    net.rest(protocol.rest_slots)
    slot_pattern += [-1] * protocol.rest_slots
    slot_noise += [-1] * protocol.rest_slots
    for mu in range(protocol.patterns):
        net.write(addresses[mu], values[mu])
        slot_pattern.append(mu)
        slot_noise.append(-1)
    for mu in range(protocol.patterns):
        for level in levels:
            net.read(_flip(rng, addresses[mu], level))
            slot_pattern.append(mu)
            slot_noise.append(level)
    t1 = time.perf_counter()
    rec = net.run(report=report)
    run_s = time.perf_counter() - t1

    arrays: dict[str, np.ndarray] = {}
    for pop, (t, i) in rec.spikes.items():
        arrays[f"spikes_{pop}_t"] = t
        arrays[f"spikes_{pop}_i"] = i.astype(np.int32)
    arrays.update(
        slot_start=rec.slot_start, slot_kind=rec.slot_kind, slot_address=rec.slot_address,
        slot_value=rec.slot_value, slot_pattern=np.array(slot_pattern, dtype=np.int32),
        slot_noise=np.array(slot_noise, dtype=np.int32), pattern_address=addresses,
        pattern_value=values, selected=rec.selected, targets=rec.targets,
        weights_initial=rec.weights_initial, weights_final=rec.weights)
    c_values, c_units = flatten_params(circuit)
    p_values, _ = flatten_params(protocol)
    params: dict[str, Any] = {f"circuit.{k}": v for k, v in c_values.items()}
    params.update({f"protocol.{k}": (list(v) if isinstance(v, tuple) else v)
                   for k, v in p_values.items()})
    params.update({
        "radius": circuit.radius if circuit.scheme == "kanerva" else None,
        "threshold_inputs": circuit.threshold_inputs,
        "top_k": net.top_k if circuit.activation == "topk" else None,
        "noise_levels": list(levels),
        "mf_weight": rec.mf_weight,
        "slot_kinds": SLOT_KINDS,
    })
    units = {f"circuit.{k}": u for k, u in c_units.items()}
    units["mf_weight"] = "A"
    metadata = run_metadata(circuit.seed, protocol="sdm_memory",
                            device=circuit.device, timings=dict(net.timings), protocol_seed=protocol.seed,
                            target=circuit.target, build_seconds=build_s, run_seconds=run_s,
                            biological_seconds=rec.duration)
    return Result("sdm_memory", arrays, params, metadata, units)


def run_sdm_memory_repeats(circuit: CerebellumConfig, protocol: SDMMemoryConfig, repeats: int,
                           report: Any = None) -> list[Result]:
    """The protocol with ``repeats`` pattern sets (protocol seeds ``seed … seed + repeats − 1``).

    On ``cpp_standalone`` the circuit is generated and compiled once and re-run for every
    further pattern set (``device.run(run_args=...)``); on the runtime device each repeat builds
    its network again (Cython reuses its compiled code from the cache).
    """
    check_int("run_sdm_memory_repeats", "repeats", repeats, 1)
    net = CerebellarSDM(circuit) if circuit.device == "cpp_standalone" else None
    return [run_sdm_memory(circuit, dataclasses.replace(protocol, seed=protocol.seed + k), report, net=net)
            for k in range(repeats)]
