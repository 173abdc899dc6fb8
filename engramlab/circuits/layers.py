"""Cerebellar layers shared by every cerebellar circuit: one builder per layer, one base class.

* :func:`grid_spikes` and :class:`SlotDrivenInput` — the schedule-to-input adapter: spike
  lists on the simulation grid for SpikeGeneratorGroups, or per-slot 0/1 tables (TimedArrays)
  that a compiled standalone program can take new values for (``run_args``);
  :func:`spike_capacity` and :func:`padded_spikes` give a standalone program's spike lists a
  length that does not depend on the seed; :func:`gate_table` puts per-trial gates on a fixed
  grid (their step and length are constants of compiled code).
* :func:`random_potentials` — tonic cells start at seeded random membrane potentials between
  reset and threshold, not in lockstep.
* :class:`MolecularLayer` — Purkinje cells and their plastic PF→PC synapses (CF-gated LTD,
  PF LTP, the plasticity gate) with the climbing fibres that teach them.
* :class:`OliveLayer` — inferior-olive cells driven by a teaching input (the US) and by
  spontaneous kicks (the microzone's olive; the SDM's climbing fibres are still driven directly
  by its write schedule, the idealised teacher).
* :func:`poisson_background` and :func:`random_subsets` — the random draws both circuits make
  (background spike trains; which k of n inputs a cell samples).
* :class:`NuclearOutput` — DCN cells inhibited by converging Purkinje cells (one or several
  per output line): the output.
* :class:`CerebellarCircuit` — what every cerebellar circuit does the same way: choose the
  device, record spikes, run one ``Network`` through the device helper, read weights back.

The granule cell itself (SDM hard location and microzone relay) is
:func:`engramlab.models.granule.granule_group`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import brian2 as b2
import numpy as np
from brian2 import second

from engramlab.circuits._device import run_network, select_device
from engramlab.models.nuclei import NucleiParams, nuclei_group
from engramlab.models.olive import OliveParams, olive_group
from engramlab.models.plasticity import PFPlasticityParams, climbing_fibre_synapses, pf_purkinje_synapses
from engramlab.models.purkinje import PurkinjeParams, parallel_fibre_input, purkinje_group

__all__ = [
    "CerebellarCircuit",
    "MolecularLayer",
    "NuclearOutput",
    "OliveLayer",
    "SlotDrivenInput",
    "gate_table",
    "grid_spikes",
    "padded_spikes",
    "poisson_background",
    "random_potentials",
    "random_subsets",
    "spike_capacity",
]


def grid_spikes(idx: Sequence[np.ndarray], times: Sequence[np.ndarray], dt: float,
                t_from: float | None = None) -> tuple[np.ndarray, b2.Quantity]:
    """Spike indices and times for a SpikeGeneratorGroup: on the ``dt`` grid, one per neuron and step.

    Times (s) are rounded to the simulation grid; a SpikeGeneratorGroup accepts at most one
    spike per neuron and step, so duplicates are dropped; with ``t_from`` spikes before it are
    dropped (a runtime network continuing from ``t_from``). The spikes come out sorted by time,
    then neuron, as ``SpikeGeneratorGroup.set_spikes(..., sorted=True)`` expects (it would
    otherwise sort them again: 0.75 s for a quick continual point's lists).
    """
    if not len(idx):
        return np.zeros(0, dtype=np.int64), np.zeros(0) * second
    i = np.concatenate(idx).astype(np.int64)
    step = np.round(np.concatenate(times) / dt).astype(np.int64)
    if t_from is not None:
        keep = step >= round(t_from / dt)
        i, step = i[keep], step[keep]
    if not i.size:
        return i, np.zeros(0) * second
    if i.min() < 0:
        raise ValueError(f"neuron indices must be >= 0, got {int(i.min())}")
    # one integer per (step, neuron), sorted in time then neuron order (what a SpikeGeneratorGroup
    # sorts its list into: callers pass ``sorted=True``), duplicates dropped. Hand-written rather
    # than np.unique: NumPy 2.3's hash-based unique takes ~1 s per million keys spread this wide
    # (2.6 s of a later quick continual point's 4.4 s input build), a sort 0.02–0.07 s
    lines = int(i.max()) + 1
    key = np.sort(step * lines + i)
    if key.size > 1:
        key = key[np.concatenate(([True], key[1:] != key[:-1]))]
    return key % lines, (key // lines) * dt * second


def _bucket_at_least(count: float, smallest: int, growth: int) -> int:
    """The smallest ``smallest · growth^k`` (k ≥ 0) that is at least ``count``."""
    if not np.isfinite(count):
        raise ValueError(f"a padded length must be finite, got {count}")
    size = smallest  # multiplied out in integers: a ceil of logarithms can round across a boundary
    while size < count:
        size *= growth
    return size


def spike_capacity(expected: float, growth: int = 2) -> int:
    """A spike list's length a seed's draw will not exceed: ``expected`` + 10 SD + 64, rounded up to 1,024 · growth^k.

    ``expected`` is the mean count of the list (a sum of Poisson counts: SD = √expected). A
    standalone program holds each SpikeGeneratorGroup's list length as a constant of its compiled
    array code (``objects.cpp``: 6.4 s of a microzone's 7 s rebuild), so a list padded to a
    capacity that follows the schedule but not the seed (:func:`padded_spikes`) lets a new seed
    re-use every compiled file. Rounding up to a power of ``growth`` (at most ``growth`` times
    the memory of the list) also lets schedules of somewhat different lengths share one program:
    four eyeblink ISIs of 150–600 ms (20,480 and 23,552 spikes with the earlier 1,024 steps)
    recompiled five files each. Any rounding leaves boundaries: at growth 2 the quick eyeblink
    preset's mossy lists at ISI 150–600 ms (expected 23,280–41,580 spikes) fell on 32,768 and
    65,536, and a sweep of those ISIs rebuilt its program twice; at growth 4 all fall on 65,536.
    The microzone pads by 4 (the default eyeblink run's mossy list: 1.2–1.9·10⁵ spikes at ISI
    150–600 ms); the cerebellar SDM by 2 (the default continual run's: 9.9·10⁶, where growth 4
    could pad to four times that, ~10⁹ bytes). Measured 2026-12-06 from the expected counts.
    A count above the capacity (P ≈ 10⁻²³ for a large Poisson count) is kept whole: that run
    recompiles, with the right spikes.
    """
    bound = expected + 10.0 * np.sqrt(max(expected, 0.0)) + 64.0
    return _bucket_at_least(bound, 1024, growth)


#: the grid of per-trial gate tables (s): a TimedArray's step and length are constants of its compiled code
GATE_STEP = 0.1


def gate_table(values: np.ndarray, dt: float) -> tuple[np.ndarray, float]:
    """Gate values that hold from ``k·dt`` on, as a table on the :data:`GATE_STEP` grid padded to 64 · 4^k entries.

    A standalone program compiles a TimedArray's step and length into every code object that
    reads it, so a gate with one value per trial (step: the trial period) recompiled three files
    for every other trial period (another ISI). On a fixed grid, padded with its last value to a
    length of 64 · 4^k, the table is data only (4^k, not 2^k: the quick eyeblink preset's tables
    at ISI 150–600 ms, 434–558 entries, fell on 512 and 1,024 and recompiled three code objects;
    a table holds a few thousand floats). The same gate at every time step: the grid's
    boundaries include every ``k·dt``, and a TimedArray reads ``values[int(t/step + 1/(2K))]``
    with K ≥ 8·step/dt a power of two, whatever its step (tested at every 0.2 ms step). A
    ``dt`` that is not a whole number of grid steps keeps its own table (such periods stay
    structural).
    """
    values = np.asarray(values, dtype=float)
    per = dt / GATE_STEP
    if values.ndim != 1 or values.size == 0 or per < 1 or abs(per - round(per)) > 1e-9:
        return values, dt
    grid = np.repeat(values, round(per))
    size = _bucket_at_least(grid.size, 64, 4)
    return np.concatenate([grid, np.full(size - grid.size, grid[-1])]), GATE_STEP


def padded_spikes(indices: np.ndarray, times: b2.Quantity, capacity: int, t_end: float, dt: float
                  ) -> tuple[np.ndarray, b2.Quantity]:
    """``indices``/``times`` (from :func:`grid_spikes`) lengthened to ``capacity`` with spikes never emitted.

    The added spikes go to neuron 0 on consecutive steps from ``t_end`` on, after a run of
    ``t_end`` seconds from t = 0 has ended (a standalone program runs once), so the group fires
    exactly the spikes it was given. They follow the last given spike, so a list sorted by time
    (:func:`grid_spikes`) stays sorted. A list already at or above ``capacity`` is returned as is.
    """
    extra = capacity - len(indices)
    if extra <= 0:
        return indices, times
    first = int(np.ceil(t_end / dt - 1e-9))
    if len(indices):
        first = max(first, int(np.round(float(times[-1] / second) / dt)) + 1)
    pad_steps = first + np.arange(extra)
    return (np.concatenate([indices, np.zeros(extra, dtype=indices.dtype)]),
            np.concatenate([np.asarray(times / second), pad_steps * dt]) * second)


class SlotDrivenInput:
    """Neurons that fire at one fixed step of every slot where a per-slot 0/1 table says so.

    The table is a TimedArray (rows: slots, columns: neurons); under cpp_standalone it can be
    replaced at run time (``device.run(run_args={input.table: new})``), so a compiled program
    runs a new schedule of the same length without being rebuilt.
    """

    def __init__(self, n: int, name: str, slot: b2.Quantity, step_in_slot: int, clock: b2.Clock) -> None:
        slot_steps = round(float(slot / clock.dt))
        self.slot = slot
        self.table = b2.TimedArray(np.zeros((1, n)), dt=slot, name=f"{name}_table")
        self.group = b2.NeuronGroup(
            n, "", threshold=f"{name}_table(t, i) > 0.5 and timestep(t, dt) % slot_steps == fire_step",
            reset="", namespace={"slot_steps": slot_steps, "fire_step": step_in_slot,
                                 f"{name}_table": self.table},
            clock=clock, name=name)
        self._key = f"{name}_table"  # also the TimedArray's name: fixed, so generated code is too

    def set_table(self, table: np.ndarray) -> None:
        """Use ``table`` (slots + 1 rows; the last row keeps the inputs off after the schedule)."""
        self.table = b2.TimedArray(table, dt=self.slot, name=self._key)
        self.group.namespace[self._key] = self.table


def poisson_background(n: int, rate: float, duration: float, t_from: float, rng: np.random.Generator,
                       first: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Independent Poisson spikes at ``rate`` (Hz) on lines ``first … first + n − 1`` for ``duration`` s.

    The total count is Poisson(rate · duration · n); each spike picks a line and a time
    uniformly, which is the same process as n independent Poisson trains.
    """
    count = rng.poisson(rate * duration * n)
    return first + rng.integers(0, n, count), t_from + rng.random(count) * duration


def random_subsets(rng: np.random.Generator, rows: int, n: int, k: int) -> np.ndarray:
    """``rows`` independent draws of ``k`` distinct indices out of ``n`` (shape (rows, k))."""
    return np.argsort(rng.random((rows, n)), axis=1)[:, :k]


def random_potentials(group: b2.NeuronGroup, low: b2.Quantity, high: b2.Quantity,
                      rng: np.random.Generator) -> None:
    """Start ``group`` at membrane potentials uniform in [low, high) drawn from ``rng``."""
    group.v = low + rng.random(len(group)) * (high - low)


class MolecularLayer:
    """Purkinje cells, plastic PF→PC synapses from every granule cell, and their climbing fibres.

    Each Purkinje cell fires tonically from a seeded random potential; every PF→PC synapse
    starts at ``w0`` and learns by the rule of :mod:`engramlab.models.plasticity`, switched by
    the plasticity gate (a TimedArray of 0/1); ``teacher`` spikes become complex spikes of
    output line ``i`` through climbing fibre ``i``.

    With ``cells_per_output = c > 1`` every output line has ``c`` Purkinje cells (cells
    ``i·c … i·c + c − 1``) that share one parallel-fibre input
    (:func:`engramlab.models.purkinje.parallel_fibre_input`): the plastic synapses end on that
    shared input and the line's climbing fibre both gates their LTD and gives each of the
    ``c`` cells its complex spike. With ``c = 1`` the synapses end on the Purkinje cells.
    """

    def __init__(self, granule: b2.NeuronGroup, m: int, purkinje: PurkinjeParams,
                 plasticity: PFPlasticityParams, teacher: b2.SpikeSource, clock: b2.Clock,
                 rng: np.random.Generator, gate: np.ndarray, gate_dt: b2.Quantity,
                 cells_per_output: int = 1) -> None:
        self.m = m
        self.r = len(granule)
        self.cells_per_output = cells_per_output
        shared = cells_per_output > 1
        self.purkinje = purkinje_group(m * cells_per_output, purkinje, clock=clock, linked_input=shared)
        random_potentials(self.purkinje, purkinje.V_reset, purkinje.V_th, rng)
        self.gate = b2.TimedArray(gate, dt=gate_dt, name="plasticity_gate")
        self.pf_input: b2.NeuronGroup | None = None
        target = self.purkinje
        if shared:
            self.pf_input = parallel_fibre_input(m, purkinje, clock=clock)
            line = np.arange(m * cells_per_output) // cells_per_output
            self.purkinje.I_pf = b2.linked_var(self.pf_input, "I_pf", index=line)
            self.purkinje.I_mli = b2.linked_var(self.pf_input, "I_mli", index=line)
            target = self.pf_input
        self.pf_purkinje = pf_purkinje_synapses(granule, target, plasticity, self.gate, clock=clock)
        self.pf_purkinje.connect()
        self.pf_purkinje.w = plasticity.w0
        self._w0 = float(plasticity.w0)
        self.climbing_fibre = climbing_fibre_synapses(teacher, self.purkinje, plasticity, clock=clock)
        if shared:  # climbing fibre i reaches every Purkinje cell of output line i
            self.climbing_fibre.connect(i=np.repeat(np.arange(m), cells_per_output),
                                        j=np.arange(m * cells_per_output))
        else:
            self.climbing_fibre.connect(j="i")
        self.objects: list[Any] = [self.purkinje, self.pf_purkinje, self.climbing_fibre]
        if self.pf_input is not None:
            self.cf_input = climbing_fibre_synapses(teacher, self.pf_input, plasticity, clock=clock,
                                                    name="climbing_fibre_pf")
            self.cf_input.connect(j="i")
            self.objects += [self.pf_input, self.cf_input]

    def set_gate(self, values: np.ndarray, dt: b2.Quantity) -> None:
        """Replace the plasticity gate: ``values[k]`` (0 or 1) holds from ``k·dt`` on."""
        table, step = gate_table(values, float(dt / second))
        self.gate = b2.TimedArray(table, dt=step * second, name="plasticity_gate")
        self.pf_purkinje.namespace["plasticity_gate"] = self.gate

    def weights(self) -> np.ndarray:
        """PF→PC weights as an (r, m) array in amperes."""
        return self.as_matrix(np.asarray(self.pf_purkinje.w_))

    def as_matrix(self, values: np.ndarray) -> np.ndarray:
        """One value per PF→PC synapse, in the synapses' order (e.g. a weight monitor's sample), as (r, m)."""
        w = np.zeros((self.r, self.m))
        w[np.asarray(self.pf_purkinje.i), np.asarray(self.pf_purkinje.j)] = values
        return w

    def initial_weights(self) -> np.ndarray:
        """The PF→PC weights at build time (every synapse at w0), without reading the network.

        A standalone network has no values before its program runs, so the initial weights
        come from the parameters.
        """
        return np.full((self.r, self.m), self._w0)


class OliveLayer:
    """Inferior-olive cells, one per climbing fibre, driven by a teaching input and spontaneous kicks.

    Input lines ``0 … m−1`` carry the teaching signal (the US) to olive cell ``i`` with EPSCs of
    ``w_us``; lines ``m … 2m−1`` carry spontaneous kicks of ``w_spont``, strong enough to fire a
    cell alone (spontaneous complex spikes at ``background_rate``).
    """

    def __init__(self, m: int, params: OliveParams, clock: b2.Clock) -> None:
        self.m = m
        self.params = params
        self.input = b2.SpikeGeneratorGroup(2 * m, [], [] * second, clock=clock, name="olive_input")
        self.cells = olive_group(m, params, clock=clock)
        self.synapses = b2.Synapses(self.input, self.cells, on_pre="I_us_post += w", model="w : amp (constant)",
                                    clock=clock, name="us_olive")
        self.synapses.connect(i=np.arange(2 * m), j=np.tile(np.arange(m), 2))
        self.synapses.w = np.concatenate([np.full(m, float(params.w_us)),
                                          np.full(m, float(params.w_spont))]) * b2.amp

    def inhibit_from(self, nuclei: b2.NeuronGroup, olive_per_dcn: int, clock: b2.Clock) -> b2.Synapses:
        """Nucleo-olivary inhibition: DCN cell ``g`` inhibits olive cells ``g·k … g·k + k − 1`` (its microzone)."""
        p = self.params
        self.no_synapses = b2.Synapses(nuclei, self.cells, on_pre="I_no_post += w_no", delay=p.delay_no,
                                       namespace={"w_no": p.w_no}, clock=clock, name="nuclei_olive")
        self.no_synapses.connect(i=np.arange(self.m) // olive_per_dcn, j=np.arange(self.m))
        return self.no_synapses

    def spontaneous(self, duration: float, t_from: float, rng: np.random.Generator
                    ) -> tuple[np.ndarray, np.ndarray]:
        """Input lines and times (s) of Poisson spontaneous kicks over ``duration`` from ``t_from``."""
        return poisson_background(self.m, float(self.params.background_rate), duration, t_from, rng, first=self.m)


class NuclearOutput:
    """DCN cells: ``cells_per_line`` per output line, each inhibited by all of the line's Purkinje cells.

    The ``m`` Purkinje cells form ``lines`` groups of ``m // lines`` consecutive cells; DCN cells
    ``l·c … l·c + c − 1`` (``c = cells_per_line``) are line ``l``'s, and each receives every
    Purkinje cell of group ``l`` (Purkinje axons branch onto several nuclear cells). ``w_pc`` is
    the inhibition one DCN cell receives per spike of its whole Purkinje group, so each PC→DCN
    synapse carries ``w_pc / (m / lines)``. Copies of a line differ only by their starting
    potentials and, with ``params.noise`` > 0, their private membrane noise.
    """

    def __init__(self, purkinje: b2.NeuronGroup, lines: int, params: NucleiParams, clock: b2.Clock,
                 rng: np.random.Generator, gated: bool = False, cells_per_line: int = 1) -> None:
        m = len(purkinje)
        if lines < 1 or m % lines:
            raise ValueError(f"lines ({lines}) must divide the {m} Purkinje cells")
        per_line = m // lines
        self.cells = nuclei_group(lines * cells_per_line, params, clock=clock)
        random_potentials(self.cells, params.V_reset, params.V_th, rng)
        namespace: dict[str, Any] = {"w_pc": params.w_pc / per_line}
        on_pre = "I_pc_post += w_pc"
        if gated:
            # a TimedArray of 0/1 that can cut the Purkinje→DCN inhibition (a cortex lesion)
            namespace["output_gate"] = b2.TimedArray(np.ones(1), dt=1 * second, name="output_gate")
            on_pre = "I_pc_post += w_pc * output_gate(t)"
        self.synapses = b2.Synapses(purkinje, self.cells, on_pre=on_pre, delay=params.delay_pc,
                                    namespace=namespace, clock=clock, name="purkinje_nuclei")
        pre = np.repeat(np.arange(per_line * lines), cells_per_line)
        post = (pre // per_line) * cells_per_line + np.tile(np.arange(cells_per_line), per_line * lines)
        self.synapses.connect(i=pre, j=post)

    def set_gate(self, values: np.ndarray, dt: b2.Quantity) -> None:
        """Purkinje→DCN inhibition on (1) or cut (0): ``values[k]`` holds from ``k·dt`` on (gated outputs)."""
        if "output_gate" not in self.synapses.namespace:
            raise RuntimeError("this NuclearOutput was built without a gate (NuclearOutput(..., gated=True))")
        table, step = gate_table(values, float(dt / second))
        self.synapses.namespace["output_gate"] = b2.TimedArray(table, dt=step * second, name="output_gate")


class CerebellarCircuit:
    """Device, monitors, one Network and the run: what every cerebellar circuit shares.

    A subclass builds its populations, calls :meth:`_assemble` with the Network's objects and
    the populations to record, and simulates with :meth:`_simulate`.
    """

    def __init__(self, device: str, target: str, threads: int, build_dir: str | None = None) -> None:
        self.standalone = device == "cpp_standalone"
        self.build_dir = select_device(device, target=target, threads=threads, build_dir=build_dir)
        # the device this circuit was built on: its compiled standalone program re-runs through
        # it while the runtime device is active; building another standalone circuit replaces it
        self.device = b2.get_device()
        self.timings: dict[str, float] = {}

    def _assemble(self, objects: Sequence[Any], recorded: dict[str, b2.SpikeSource],
                  extra_monitors: Sequence[Any] = ()) -> None:
        self.monitors = {name: b2.SpikeMonitor(group, name=f"mon_{name}") for name, group in recorded.items()}
        self.network = b2.Network(*objects, *extra_monitors, *self.monitors.values())

    def _simulate(self, duration: float, report: Any = None) -> None:
        self.timings.update(run_network(self.network, duration * second, self.build_dir, report))

    def spikes(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Spike times (s) and indices of every recorded population."""
        return {name: (np.asarray(mon.t_), np.asarray(mon.i)) for name, mon in self.monitors.items()}
