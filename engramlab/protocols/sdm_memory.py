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

import brian2 as b2
import numpy as np
from brian2 import ms

from engramlab import validate as V
from engramlab.analysis import sdm
from engramlab.circuits.cerebellum import CerebellarSDM, CerebellumConfig
from engramlab.errors import ConfigError
from engramlab.models._params import Params, param
from engramlab.protocols._result import config_params, spike_arrays
from engramlab.resources import BYTES_PER_NEURON_VARIABLE, BYTES_PER_SYNAPSE
from engramlab.results import Result, run_metadata
from engramlab.schedules import SLOT_KINDS

__all__ = ["SDMMemoryConfig", "check_protocol", "check_read_window", "design_circuit", "memory_estimate", "prepare",
           "run_sdm_memory", "run_sdm_memory_series", "sdm_circuit"]

#: Purkinje cells per output line and DCN cells per line of the SDM protocol's read-out
#: (:func:`sdm_circuit`); the quick preset keeps 20 and 1 (engramlab.builtin_protocols)
READOUT_PURKINJE_PER_LINE = 160
READOUT_DCN_PER_LINE = 32


def sdm_circuit(**changes: Any) -> CerebellumConfig:
    """The SDM protocol's default circuit: :class:`CerebellumConfig` with a population read-out.

    Each output line has 160 Purkinje cells, all converging on each of its 32 DCN cells, every
    DCN cell with 4 mV of private membrane noise; a read sums the 32 cells' spikes. Anatomy
    bounds both numbers: 160 Purkinje cells per nuclear cell lies between the ~40 Person & Raman
    (2012) estimate from unitary IPSCs in mice and the ~860 Palkovits et al. (1977) counted in
    the cat, and each Purkinje axon reaching 32 nuclear cells is about the ~35 they counted.

    Why so many: one DCN cell fires ~1.65 spikes per read window at rest, and the read agrees
    with the NumPy SDM's sign on 95 % of bits only for a noise SD ≤ 8.7 counts; the SD falls as
    1/√N with the cells read. The prediction and its test (80 and 160 Purkinje cells onto 32 DCN
    cells, seeds 0–3) are in docs/equations.md §5.4; the quick preset keeps the earlier 20 onto
    one noise-free cell. 12,288 noisy cells: it runs as one C++ program.
    """
    # the bare circuit's DCN cells (its I_e and PC→DCN gain), each with private noise
    nuclei = dataclasses.replace(CerebellumConfig().nuclei, noise=4 * b2.mV)
    base: dict[str, Any] = dict(purkinje_per_dcn=READOUT_PURKINJE_PER_LINE, dcn_per_line=READOUT_DCN_PER_LINE,
                                nuclei=nuclei, device="cpp_standalone")
    base.update(changes)
    return CerebellumConfig(**base)


@dataclass(frozen=True)
class SDMMemoryConfig(Params):
    """What the SDM memory protocol writes and reads."""

    patterns: int = param(20, "patterns written", low=1, high=100_000, structural=True)
    association: str = param("auto", "'auto' (value = address, needs m == n) or 'hetero' (random values)",
                             choices=("auto", "hetero"))
    noise_levels: tuple[int, ...] | None = param(None, "query noise levels in bits; none: every level 0 … 8, "
                                                       "then every second one to 2d", kind="tuple", low=0,
                                                 structural=True)
    rest_slots: int = param(10, "input-free slots before the writes (the baseline the DCN and Purkinje reads "
                                "are decoded against)", low=1, high=1000, structural=True)
    read_window: b2.Quantity = param(40 * ms, "decoding window of a read: spikes counted from the earliest "
                                              "possible arrival of the read's PF input (DCN: plus the PC→DCN "
                                              "delay) for this long", unit=ms, low=0, low_open=True)
    readout: str = param("dcn", "how a read is decoded: 'dcn' (each output line's DCN spike count in the read "
                                "window against rest slots; the circuit's output), 'purkinje' (the line's "
                                "Purkinje spike count, lower = 1) or 'purkinje_phase' (phase shift of a noiseless "
                                "Purkinje pacemaker; ideal regime only)", choices=("dcn", "purkinje",
                                                                                   "purkinje_phase"))
    seed: int = param(0, "seed of the patterns and query noise", low=0, high=2**32 - 1)

    def check(self) -> None:
        """Noise levels, when given, are a non-empty list of integers."""
        if self.noise_levels is not None:
            if len(self.noise_levels) == 0:
                raise self.fail("noise_levels", "must not be empty")
            for k, level in enumerate(self.noise_levels):
                V.integer(f"{type(self).__name__}.noise_levels[{k}]", level, 0)

    def levels(self, circuit: CerebellumConfig) -> tuple[int, ...]:
        """The noise levels used with ``circuit``: by default 0 … 8, then even levels up to 2d."""
        if self.noise_levels is not None:
            bad = [v for v in self.noise_levels if v > circuit.n]
            if bad:
                raise ConfigError("protocol.noise_levels", f"must lie in [0, n = {circuit.n}], got {bad}")
            return tuple(int(v) for v in self.noise_levels)
        span = 2 * circuit.radius if circuit.scheme == "kanerva" else circuit.n // 2
        top = min(circuit.n, span)
        return tuple(sorted({*range(min(top, 8) + 1), *range(10, top + 1, 2)}))


def design_circuit(circuit: CerebellumConfig) -> CerebellumConfig:
    """Resolve the circuit's design choices from the SDM equations before it is built.

    ``d = None`` becomes the SNR-optimal radius for ``design_patterns`` patterns and ``r``
    neurons (Bricken & Pehlevan 2021, Kanerva 1988), at most n − 1; in top-k mode ``top_k =
    None`` becomes r·p(d), the expected size of a Hamming ball (r·2^-k in the granule scheme);
    radius mode with Golgi feedback uses the same count as the size of one feedback volley. The circuit receives plain
    numbers: it never consults the equations the analysis holds its spikes against.
    """
    changes: dict[str, Any] = {}
    d = circuit.d
    if circuit.scheme == "kanerva" and d is None:
        d = min(circuit.n - 1, sdm.optimal_radius(circuit.n, circuit.design_patterns, circuit.r, "snr"))
        changes["d"] = d
    if circuit.golgi_cells and circuit.top_k is None:
        fraction = sdm.ball_fraction(circuit.n, d) if d is not None else 2.0 ** -circuit.k
        changes["top_k"] = max(1, round(circuit.r * float(fraction)))
    return dataclasses.replace(circuit, **changes) if changes else circuit


def _flip(rng: np.random.Generator, x: np.ndarray, k: int) -> np.ndarray:
    y = x.copy()
    y[rng.choice(x.size, size=k, replace=False)] ^= True
    return y


def check_read_window(circuit: CerebellumConfig, window: b2.Quantity, to_nuclei: bool) -> None:
    """Refuse a read window that would run past the slot's end (the analysis would cut it silently).

    The window opens at the earliest arrival of the read's input: the volley, the mossy and
    parallel-fibre delays and, for a DCN read (``to_nuclei``), the PC→DCN delay.
    """
    opens = circuit.volley_time + circuit.mossy.delay + circuit.plasticity.delay_pf
    if to_nuclei:
        opens = opens + circuit.nuclei.delay_pc
    room = circuit.slot - opens
    if window > room:
        raise ConfigError("protocol.read_window", f"must lie in (0, {room}]: the slot ({circuit.slot}) ends that "
                                                  f"long after the read's input arrives ({opens}), got {window}")


def check_protocol(circuit: CerebellumConfig, protocol: SDMMemoryConfig) -> None:
    """Raise :class:`ConfigError` unless ``protocol`` can run on the (designed) ``circuit``."""
    check_read_window(circuit, protocol.read_window, to_nuclei=protocol.readout == "dcn")
    if protocol.association == "auto" and circuit.m != circuit.n:
        raise ConfigError("protocol.association", f"'auto' stores value = address, so m must equal n; got "
                                                  f"m={circuit.m}, n={circuit.n} (use association='hetero')")
    protocol.levels(circuit)
    if protocol.readout == "purkinje_phase" and (float(circuit.purkinje.noise) > 0 or circuit.purkinje_per_dcn != 1):
        raise ConfigError("protocol.readout", "'purkinje_phase' decodes the phase of a noiseless Purkinje pacemaker, "
                                              "one per output line: it needs purkinje.noise = 0 mV and "
                                              "purkinje_per_dcn = 1 (regime 'ideal'); use 'dcn' or 'purkinje'")


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
    circuit = design_circuit(circuit)
    check_protocol(circuit, protocol)
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
            raise ConfigError("net", "was built for a different circuit config")
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

    arrays = spike_arrays(rec.spikes)
    arrays.update(
        slot_start=rec.slot_start, slot_kind=rec.slot_kind, slot_address=rec.slot_address,
        slot_value=rec.slot_value, slot_pattern=np.array(slot_pattern, dtype=np.int32),
        slot_noise=np.array(slot_noise, dtype=np.int32), pattern_address=addresses,
        pattern_value=values, selected=rec.selected, targets=rec.targets,
        weights_initial=rec.weights_initial, weights_final=rec.weights)
    params, units = config_params(circuit, protocol)
    params.update({
        "radius": circuit.radius if circuit.scheme == "kanerva" else None,
        "threshold_inputs": circuit.threshold_inputs,
        "top_k": circuit.top_k if circuit.golgi_cells else None,
        "golgi_weight": net.golgi_weight,
        "golgi_cells": circuit.effective_n_golgi if circuit.golgi_cells else 0,
        "noise_levels": list(levels),
        "mf_weight": rec.mf_weight,
        "slot_kinds": SLOT_KINDS,
    })
    units["mf_weight"] = units["golgi_weight"] = "A"
    metadata = run_metadata(circuit.seed, protocol="sdm",
                            device=circuit.device, timings=dict(net.timings), protocol_seed=protocol.seed,
                            target=circuit.target, build_seconds=build_s, run_seconds=run_s,
                            biological_seconds=rec.duration)
    return Result("sdm", arrays, params, metadata, units)


def prepare(circuit: CerebellumConfig, protocol: SDMMemoryConfig, quick: bool
            ) -> tuple[CerebellumConfig, SDMMemoryConfig]:
    """Design the circuit, check the protocol fits it, and (quick) use fewer noise levels.

    Quick mode reads at 0 … 5 bits, then every fourth level up to 2d (n/2 in the granule scheme).
    """
    circuit = design_circuit(circuit)
    if quick and protocol.noise_levels is None:
        span = 2 * circuit.radius if circuit.scheme == "kanerva" else circuit.n // 2
        levels = sorted({*range(6), *range(8, min(circuit.n, span) + 1, 4)})
        protocol = dataclasses.replace(protocol, noise_levels=tuple(levels))
    check_protocol(circuit, protocol)
    return circuit, protocol


def memory_estimate(circuit: CerebellumConfig, protocol: SDMMemoryConfig) -> tuple[float, str]:
    """Estimated peak bytes of the network and the key that drives it (``r``)."""
    c = circuit
    inputs = c.n if c.scheme == "kanerva" else c.k
    golgi = 2 * c.r * c.effective_n_golgi if c.golgi_cells else 0
    pcs = c.m * c.purkinje_per_dcn
    dcn = c.m * c.dcn_per_line
    synapses = c.r * inputs + c.r * c.m + golgi + pcs + pcs * c.dcn_per_line + c.m
    elig = {"kernel": c.plasticity.kernel_order + 2, "burst": 2}.get(c.plasticity.eligibility, 0)
    neurons = c.r * (3 + elig) + 4 * pcs + 4 * dcn
    return synapses * BYTES_PER_SYNAPSE + neurons * BYTES_PER_NEURON_VARIABLE, "r"


def run_sdm_memory_series(circuit: CerebellumConfig, protocols: list[SDMMemoryConfig], report: Any = None
                          ) -> list[Result]:
    """Run several protocols (e.g. pattern sets) on one circuit.

    On ``cpp_standalone`` in the ideal regime the circuit is generated and compiled once and
    re-run for every further protocol of the same schedule length (``device.run(run_args=...)``);
    otherwise each builds its network again (Cython reuses its compiled code from the cache; a
    realistic standalone program is regenerated, since its noisy inputs are compiled in).
    """
    circuit = design_circuit(circuit)
    if circuit.device != "cpp_standalone" or not circuit.mossy.noise_free:
        # only noise-free volleys are driven from swappable tables: a realistic program is rebuilt
        return [run_sdm_memory(circuit, protocol, report) for protocol in protocols]
    net = CerebellarSDM(circuit)
    return [run_sdm_memory(circuit, protocol, report, net=net) for protocol in protocols]
