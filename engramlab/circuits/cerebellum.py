r"""The cerebellar microcircuit as a Sparse Distributed Memory, built once as one Brian2 Network.

Mapping (Kanerva 1988; Marr 1969; Albus 1971; Bricken & Pehlevan 2021):

=========================  ====================================================================
SDM                        circuit
=========================  ====================================================================
address / query bits       mossy-fibre lines (ON/OFF per bit); a presentation is a jittered burst
                           on every active line, on top of Poisson background on every line
hard location x_a          the lines a granule cell (GrC) samples: all n bits (``kanerva``) or
                           k ≈ 4 of them (``granule``, Jaeckel 1989)
"within radius d"          the GrC fires when ≥ n − d of its inputs burst (its gain sits half a
                           line above n − d − 1 on top of the mean background: a set point);
                           Golgi feedback raises the threshold with every volley it fires
top-k activation           Golgi feedback inhibition silences all but the first ~k GrCs
counter x_v[τ, j]          PF→PC weight w[τ, j] (2:1 LTD:LTP, per PF spike of the burst)
write enable + value bit   the climbing fibre of output line j fires when bit j is 1
read sum and majority      the learned PF drive (minus the MLI feed-forward inhibition, which
                           cancels unlearned drive) slows or speeds the line's Purkinje cells
output                     ``dcn_per_line`` DCN cells per output line (noisy copies, summed:
                           32 in the SDM protocol's default, 4 in the continual task; one by
                           default here), each inhibited by all the line's Purkinje cells
                           (``purkinje_per_dcn`` converge): a pause disinhibits them
=========================  ====================================================================

``regime = "realistic"`` (the default) is the in-vivo regime: mossy bursts with onset jitter,
4 Hz background, irregular Purkinje cells (membrane noise), several Purkinje cells per DCN
cell, Golgi feedback, and no reset of any cell between presentations. ``regime = "ideal"`` is
the mathematical limit: synchronous noise-free volleys, a granular layer returned to rest at
every slot start (a simulation shortcut), regular Purkinje pacemakers, one per output line
(:data:`engramlab.circuits.regimes.IDEAL_SDM` lists its settings; ``CerebellumConfig.ideal()``
builds it).

Every presentation occupies one *slot* of fixed duration inside a single ``Network.run``: the
mossy-fibre spikes and climbing-fibre teaching spikes come from SpikeGeneratorGroups (under
``cpp_standalone`` in the ideal regime: from per-slot TimedArray tables, so a compiled program
can be re-run with a new schedule) and the plasticity gate from a TimedArray, so presentations
are schedules, never rebuilds.
"""

from __future__ import annotations

import time
from typing import Any

import brian2 as b2
import numpy as np
from brian2 import second

from engramlab import validate as V
from engramlab.circuits._device import forget_loop_seconds, seed_brian, simulation_seconds, stop_on_interrupt
from engramlab.circuits._run_time_constants import run_time_constants
from engramlab.circuits.cerebellum_config import CerebellumConfig, CerebellumRecord  # re-exported: one import for users
from engramlab.circuits.layers import (
    CerebellarCircuit,
    MolecularLayer,
    NuclearOutput,
    SlotDrivenInput,
    gate_table,
    grid_spikes,
    padded_spikes,
    poisson_background,
    random_subsets,
    spike_capacity,
)
from engramlab.errors import ConfigError, RunInterrupted
from engramlab.models.golgi import golgi_group
from engramlab.models.granule import (
    granule_group,
    inhibitory_response,
    presentation_response,
    presentation_weight,
)
from engramlab.models.mossy import (
    active_lines,
    n_lines,
    nominal_offsets,
    presentation_spikes,
)
from engramlab.models.plasticity import eligibility_state
from engramlab.schedules import SLOT_KINDS

__all__ = ["SLOT_KINDS", "CerebellarSDM", "CerebellumConfig", "CerebellumRecord", "draw_hard_locations",
           "mossy_granule_pairs"]


def draw_hard_locations(config: CerebellumConfig) -> tuple[np.ndarray, np.ndarray]:
    """The granule cells' hard locations, drawn from ``config.seed``: (selected, targets), (r, n) bools.

    ``selected[g, b]``: granule cell g samples bit b (every bit in the Kanerva scheme, k random
    bits in the granule scheme); ``targets[g, b]``: the bit value it listens for.
    """
    c = config
    rng = np.random.default_rng(c.seed)
    targets = rng.integers(0, 2, size=(c.r, c.n)).astype(bool)
    if c.scheme == "kanerva":
        return np.ones((c.r, c.n), dtype=bool), targets
    order = random_subsets(rng, c.r, c.n, c.k)
    selected = np.zeros((c.r, c.n), dtype=bool)
    np.put_along_axis(selected, order, True, axis=1)
    if c.mossy.encoding == "on":
        targets = np.ones((c.r, c.n), dtype=bool)
    return selected, targets


def mossy_granule_pairs(config: CerebellumConfig, selected: np.ndarray, targets: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """(pre mossy line, post granule cell) pairs: a GrC listens to the line that fires when its bit matches."""
    post, bit = np.nonzero(selected)
    want_one = targets[post, bit]
    line = np.where(want_one, bit, bit + config.n) if config.mossy.encoding == "onoff" else bit
    return line.astype(np.int64), post.astype(np.int64)


class CerebellarSDM(CerebellarCircuit):
    """Build the cerebellar SDM microcircuit once and present writes and reads in one run.

    Examples
    --------
    >>> sdm = CerebellarSDM(CerebellumConfig(r=2000, m=8, n=32, d=10))   # doctest: +SKIP
    >>> sdm.write(address, value); sdm.read(query)                       # doctest: +SKIP
    >>> record = sdm.run()                                               # doctest: +SKIP
    """

    #: populations a circuit can record
    POPULATIONS = ("mossy", "granule", "golgi", "olive", "purkinje", "nuclei")

    def __init__(self, config: CerebellumConfig, build_dir: str | None = None,
                 record: tuple[str, ...] | None = None) -> None:
        """Build the network; ``record`` names the populations whose spikes are kept (default: all)."""
        if record is not None:
            unknown = sorted(set(record) - set(self.POPULATIONS))
            if unknown:
                raise ConfigError("record", f"names unknown populations {unknown}; known: {list(self.POPULATIONS)}")
        self._record_pops = tuple(self.POPULATIONS if record is None else record)
        if config.scheme == "kanerva" and config.d is None:
            raise ConfigError("d", "is not resolved: build the circuit through "
                                   "engramlab.protocols.sdm_memory.design_circuit (or set d)")
        if config.golgi_cells and config.top_k is None:
            raise ConfigError("top_k", "is not resolved: build the circuit through "
                                       "engramlab.protocols.sdm_memory.design_circuit (or set top_k)")
        super().__init__(config.device, config.target, config.threads, build_dir)
        self.config = config
        # Under cpp_standalone with noise-free volleys, the mossy fibres and the olive are driven
        # from per-slot TimedArrays instead of SpikeGeneratorGroups: TimedArray values can be
        # replaced with ``device.run(run_args=...)``, so a new schedule of the same length re-runs
        # the compiled program (milliseconds) instead of regenerating and recompiling it.
        self._slot_driven = self.standalone and config.mossy.noise_free
        self._compiled_slots: int | None = None
        self._input_rng = np.random.default_rng([config.seed, 1])
        self.selected, self.targets = draw_hard_locations(config)
        self._slots: list[tuple[int, np.ndarray, np.ndarray]] = []
        self._pending = 0
        self._record: CerebellumRecord | None = None  # the standalone program's last output
        self._build()

    # network ---------------------------------------------------------------------------------
    def _build(self) -> None:
        c = self.config
        # a fixed name (not 'clock*'): a second circuit in the process generates the same code, so
        # Cython's cache and a kept standalone project compile nothing again
        clock = b2.Clock(dt=c.dt, name="engramlab_clock")
        self.clock = clock
        if float(c.purkinje.noise) > 0 or float(c.nuclei.noise) > 0:
            # Purkinje and DCN membrane noise (xi) comes from Brian2's generator: seeded here, it is the
            # same on numpy, cython and (single-threaded) cpp_standalone
            seed_brian(c.seed)
        offsets = nominal_offsets(c.mossy)
        self.mf_weight = presentation_weight(c.granule, c.threshold_inputs, c.dt, offsets,
                                             c.inputs_per_cell * float(c.gain_set_point))
        lines = n_lines(c.n, c.mossy.encoding)
        self._mossy_slots: SlotDrivenInput | None = None
        self._olive_slots: SlotDrivenInput | None = None
        if self._slot_driven:
            self._mossy_slots = SlotDrivenInput(lines, "mossy", c.slot, round(float(c.volley_time / c.dt)), clock)
            self.mossy = self._mossy_slots.group
        else:
            self.mossy = b2.SpikeGeneratorGroup(lines, [], [] * second, clock=clock, name="mossy")
        golgi = c.golgi_cells
        self.granule = granule_group(c.r, c.granule, golgi=golgi,
                                     eligibility=eligibility_state(c.plasticity, c.dt), clock=clock)
        pre, post = mossy_granule_pairs(c, self.selected, self.targets)
        self.mf_granule = b2.Synapses(self.mossy, self.granule, on_pre="I_mf_post += w_mf",
                                      delay=c.mossy.delay, namespace={"w_mf": self.mf_weight},
                                      clock=clock, name="mf_granule")
        self.mf_granule.connect(i=pre, j=post)
        objects: list[Any] = [self.mossy, self.granule, self.mf_granule]
        if c.reset_granule:
            objects.append(self.granule.run_regularly(
                "v = E_L\nI_mf = 0*amp" + ("\nI_go = 0*amp" if golgi else ""), dt=c.slot, when="start",
                name="granule_rest"))

        recorded: dict[str, Any] = {}
        self.golgi_weight = 0.0
        if golgi:
            objects += self._golgi_layer(clock, offsets)

        if self._slot_driven:
            self._olive_slots = SlotDrivenInput(c.m, "olive", c.slot, round(float(c.cf_time / c.dt)), clock)
            self.olive = self._olive_slots.group
        else:
            self.olive = b2.SpikeGeneratorGroup(c.m, [], [] * second, clock=clock, name="olive")
        # tonic Purkinje and nuclear cells start at seeded random potentials, not in lockstep
        phase_rng = np.random.default_rng([c.seed, 2])
        self.molecular = MolecularLayer(self.granule, c.m, c.purkinje, c.plasticity, self.olive, clock,
                                        phase_rng, gate=np.zeros(1), gate_dt=c.slot,
                                        cells_per_output=c.purkinje_per_dcn)
        self.purkinje = self.molecular.purkinje
        self.pf_purkinje = self.molecular.pf_purkinje
        self.output = NuclearOutput(self.purkinje, c.m, c.nuclei, clock, phase_rng,
                                    cells_per_line=c.dcn_per_line)
        self.nuclei = self.output.cells
        objects += [*self.molecular.objects, self.olive, self.nuclei, self.output.synapses]
        recorded.update(mossy=self.mossy, granule=self.granule, purkinje=self.purkinje, olive=self.olive,
                        nuclei=self.nuclei)
        if golgi:
            recorded["golgi"] = self.golgi
        self._assemble(objects, {k: v for k, v in recorded.items() if k in self._record_pops})
        # every PF→PC synapse starts at w0 (read back from the network only in runtime mode:
        # a standalone network has no values before its program runs)
        self.weights_initial = self.molecular.initial_weights() if self.standalone else self.weights()

    def _golgi_layer(self, clock: b2.Clock, offsets: np.ndarray) -> list[Any]:
        """Golgi cells: excited by granule (feedback) and mossy (feed-forward) spikes, inhibiting every GrC.

        A Golgi cell reaches threshold at about ``top_k`` near-coincident granule spikes. Its volley
        raises every granule cell's threshold by ``topk_lines`` (top-k mode; k-winners-take-all)
        or ``feedback_lines`` (radius mode) matching lines: the IPSC whose peak hyperpolarisation
        equals that many lines' peak presentation response (top-k: ``w_inh`` when given).
        """
        c = self.config
        gp = c.golgi
        n_go = c.effective_n_golgi
        self.golgi = golgi_group(n_go, gp, clock=clock)
        # one matching line's worth of inhibition: the IPSC whose peak equals a line's peak response
        line_peak = float(np.max(presentation_response(c.granule, c.dt, offsets))) * float(self.mf_weight)
        per_line = line_peak / float(np.max(inhibitory_response(c.granule, c.dt))) * b2.amp
        if c.activation == "topk":
            w_inh = gp.w_inh if gp.w_inh is not None else gp.topk_lines * per_line
        else:
            w_inh = gp.feedback_lines * per_line
        self.golgi_weight = float(w_inh)
        jump = (gp.V_th - gp.E_L) / (self.top_k - 0.5)
        self.granule_golgi = b2.Synapses(self.granule, self.golgi, on_pre="v_post += jump",
                                         delay=gp.delay_grc, namespace={"jump": jump},
                                         clock=clock, name="granule_golgi")
        self.granule_golgi.connect()
        self.golgi_granule = b2.Synapses(self.golgi, self.granule, on_pre="I_go_post += w_inh",
                                         delay=gp.delay_inh, namespace={"w_inh": w_inh / n_go},
                                         clock=clock, name="golgi_granule")
        self.golgi_granule.connect()
        objects: list[Any] = [self.golgi, self.granule_golgi, self.golgi_granule]
        if float(gp.w_mf) > 0:
            self.mossy_golgi = b2.Synapses(self.mossy, self.golgi, on_pre="I_mf_post += w_ff",
                                           delay=gp.delay_mf, namespace={"w_ff": gp.w_mf},
                                           clock=clock, name="mossy_golgi")
            self.mossy_golgi.connect()
            objects.append(self.mossy_golgi)
        if c.reset_granule:
            objects.append(self.golgi.run_regularly("v = E_L", dt=c.slot, when="start", name="golgi_rest"))
        return objects

    @property
    def top_k(self) -> int:
        """Target number of active granule cells in top-k mode (resolved by the protocol)."""
        if self.config.top_k is None:
            raise ConfigError("top_k", "is not resolved")
        return self.config.top_k

    # schedule --------------------------------------------------------------------------------
    def _check_bits(self, name: str, x: Any, length: int) -> np.ndarray:
        arr = np.asarray(x)
        if arr.shape != (length,):
            raise ConfigError(name, f"must be a vector of {length} bits, got shape {arr.shape}")
        if arr.dtype != bool and not np.all((arr == 0) | (arr == 1)):
            raise ConfigError(name, "must hold only 0 and 1")
        return arr.astype(bool)

    def write(self, address: Any, value: Any) -> int:
        """Schedule a write slot: present ``address`` and teach ``value`` through the CFs."""
        a = self._check_bits("address", address, self.config.n)
        v = self._check_bits("value", value, self.config.m)
        return self._add(SLOT_KINDS["write"], a, v)

    def read(self, query: Any) -> int:
        """Schedule a read slot: present ``query`` with plasticity off."""
        q = self._check_bits("query", query, self.config.n)
        return self._add(SLOT_KINDS["read"], q, np.zeros(self.config.m, dtype=bool))

    def rest(self, slots: int = 1) -> int:
        """Schedule ``slots`` slots without input (tonic baseline)."""
        V.integer("slots", slots, 1)
        for _ in range(slots):
            idx = self._add(SLOT_KINDS["rest"], np.zeros(self.config.n, dtype=bool),
                            np.zeros(self.config.m, dtype=bool))
        return idx

    def _add(self, kind: int, address: np.ndarray, value: np.ndarray) -> int:
        self._slots.append((kind, address, value))
        self._pending += 1
        return len(self._slots) - 1

    # running ---------------------------------------------------------------------------------
    def run(self, report: Any = None) -> CerebellumRecord:
        """Run every scheduled slot not yet simulated, in one ``Network.run``, and return a record.

        Under ``cpp_standalone`` the whole schedule becomes one C++ program, generated, compiled
        and run here; after :meth:`new_schedule`, a schedule with the same number of slots
        re-runs that program with new inputs (``device.run(run_args=...)``, no recompilation).
        """
        c = self.config
        if not self._pending:
            return self._record if self._record is not None else self.record()
        if self.standalone and self._compiled_slots is not None:
            return self._rerun()
        duration = self._pending * float(c.slot)
        self.molecular.set_gate(self._gate_table(), c.slot)
        if self._mossy_slots is not None and self._olive_slots is not None:
            mf_drive, cf_drive = self._drive_tables()
            self._mossy_slots.set_table(mf_drive)
            self._olive_slots.set_table(cf_drive)
        else:
            self._set_input_spikes(t_start=0.0 if self.standalone else float(self.network.t))
        self._simulate(duration, report)
        self._pending = 0
        if not self.standalone:
            return self.record()
        self._compiled_slots = len(self._slots)
        self._record = self.record()
        return self._record

    def _set_input_spikes(self, t_start: float) -> None:
        """Mossy-fibre and climbing-fibre spikes of the pending slots, into the generators."""
        c = self.config
        first = len(self._slots) - self._pending
        slot, dt = float(c.slot), float(c.dt)
        mf_i, mf_t, io_i, io_t = [], [], [], []
        for s in range(first, len(self._slots)):
            kind, address, value = self._slots[s]
            t0 = t_start + (s - first) * slot
            if kind != SLOT_KINDS["rest"]:
                li, lt = presentation_spikes(address, t0 + float(c.volley_time), c.mossy,
                                             self._input_rng, dt)
                mf_i.append(li)
                mf_t.append(lt)
            if kind == SLOT_KINDS["write"]:
                on = np.flatnonzero(value)
                io_i.append(on)
                io_t.append(np.full(on.size, t0 + float(c.cf_time)))
        mf_i, mf_t = self._with_background(mf_i, mf_t, t_start, self._pending * slot)
        mossy, olive = grid_spikes(mf_i, mf_t, dt), grid_spikes(io_i, io_t, dt)
        if self.standalone:
            # lists as long for every seed and set of patterns (spike_capacity), so a new seed
            # compiles nothing: at most every line fires per presentation, every CF per write
            duration = self._pending * slot
            lines = n_lines(c.n, c.mossy.encoding)
            per_line = (float(c.mossy.burst_rate * c.mossy.burst_duration) if c.mossy.mode == "poisson"
                        else nominal_offsets(c.mossy).size)
            kinds = [self._slots[s][0] for s in range(first, len(self._slots))]
            presented = sum(kind != SLOT_KINDS["rest"] for kind in kinds)
            writes = sum(kind == SLOT_KINDS["write"] for kind in kinds)
            mossy = padded_spikes(*mossy, spike_capacity(presented * lines * per_line + lines * duration
                                                         * float(c.mossy.background_rate)), duration, dt)
            olive = padded_spikes(*olive, spike_capacity(writes * c.m), duration, dt)
        self.mossy.set_spikes(*mossy, sorted=True)
        self.olive.set_spikes(*olive, sorted=True)

    def _gate_table(self) -> np.ndarray:
        """Plasticity gate per slot from t = 0: 1 in write slots, else 0 (last entry: off)."""
        return np.array([1.0 if kind == SLOT_KINDS["write"] else 0.0 for kind, _, _ in self._slots] + [0.0])

    @property
    def has_run(self) -> bool:
        """Whether any slot has been simulated (standalone: whether the program exists)."""
        return self._compiled_slots is not None if self.standalone else float(self.network.t) > 0

    def new_schedule(self) -> None:
        """Start a fresh schedule from t = 0 for re-running a compiled standalone program.

        Schedule exactly as many slots as the first run (any mix of writes, reads and rests,
        any addresses and values), then call :meth:`run`: the program re-runs from its initial
        state with the new inputs in milliseconds, without code generation or compilation.
        """
        if not self.standalone or self._compiled_slots is None:
            raise ConfigError(None, "new_schedule() needs a cpp_standalone CerebellarSDM that has run once")
        if not self._slot_driven:
            raise ConfigError("regime", "re-running a compiled program needs noise-free volleys (regime "
                                        "'ideal'): spike-generator inputs are fixed at compile time")
        self._slots = []
        self._pending = 0

    def _drive_tables(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-slot 0/1 tables of the mossy lines and climbing fibres that fire (last row: off)."""
        c = self.config
        slots = len(self._slots)
        mf = np.zeros((slots + 1, n_lines(c.n, c.mossy.encoding)))
        cf = np.zeros((slots + 1, c.m))
        for s, (kind, address, value) in enumerate(self._slots):
            if kind != SLOT_KINDS["rest"]:
                mf[s, active_lines(address, c.mossy.encoding)] = 1.0
            if kind == SLOT_KINDS["write"]:
                cf[s] = value
        return mf, cf

    def _rerun(self) -> CerebellumRecord:
        if len(self._slots) != self._compiled_slots:
            raise ConfigError(None, f"the compiled program runs {self._compiled_slots} slots; the new "
                                    f"schedule has {len(self._slots)}: schedule the same number, or build "
                                    "a new CerebellarSDM for a different length")
        assert self._mossy_slots is not None and self._olive_slots is not None
        mf, cf = self._drive_tables()
        run_args = {**run_time_constants(self.network),  # the program reads its constants at every start
                    self._mossy_slots.table: mf, self._olive_slots.table: cf,
                    # the table as set_gate laid it out (gate_table: on its grid, padded)
                    self.molecular.gate: gate_table(self._gate_table(), float(self.config.slot / second))[0]}
        forget_loop_seconds(self.device.results_dir)
        t0 = time.perf_counter()
        state: dict[str, bool] = {}
        with stop_on_interrupt(state):
            try:
                self.device.run(run_args=run_args, with_output=False)
            except RuntimeError:
                if state.get("interrupted"):
                    raise RunInterrupted("interrupted (Ctrl+C) while the compiled program ran: nothing was saved") \
                        from None
                raise
        if state.get("interrupted"):
            raise RunInterrupted("interrupted (Ctrl+C) while the compiled program ran: nothing was saved")
        # a re-run has no build or compile step: only its own timings
        simulated, processor = simulation_seconds(self.device)
        self.timings = {"rerun": time.perf_counter() - t0, "simulate": simulated, "simulate_processor": processor}
        self._pending = 0
        self._record = self.record()
        return self._record

    def _with_background(self, idx: list[np.ndarray], times: list[np.ndarray], t_start: float,
                         duration: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
        rate = float(self.config.mossy.background_rate)
        if rate <= 0:
            return idx, times
        lines, when = poisson_background(n_lines(self.config.n, self.config.mossy.encoding), rate, duration,
                                         t_start, self._input_rng)
        return [*idx, lines], [*times, when]

    def weights(self) -> np.ndarray:
        """PF→PC weights as an (r, m) array in amperes."""
        return self.molecular.weights()

    def record(self) -> CerebellumRecord:
        """Everything simulated so far, as plain NumPy arrays."""
        c = self.config
        simulated = len(self._slots) - self._pending
        slots = self._slots[:simulated]
        empty_n, empty_m = np.zeros((0, c.n), bool), np.zeros((0, c.m), bool)
        return CerebellumRecord(
            spikes=self.spikes(),
            slot_start=np.arange(simulated) * float(c.slot),
            slot_kind=np.array([s[0] for s in slots], dtype=np.int8),
            slot_address=np.array([s[1] for s in slots]) if slots else empty_n,
            slot_value=np.array([s[2] for s in slots]) if slots else empty_m,
            selected=self.selected,
            targets=self.targets,
            weights_initial=self.weights_initial,
            weights=self.weights(),
            mf_weight=float(self.mf_weight),
            duration=float(self.network.t),
        )
