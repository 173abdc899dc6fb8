r"""The cerebellar microcircuit as a Sparse Distributed Memory, built once as one Brian2 Network.

Mapping (Kanerva 1988; Marr 1969; Albus 1971; Bricken & Pehlevan 2021):

=========================  ====================================================================
SDM                        circuit
=========================  ====================================================================
address / query bits       mossy-fibre lines (ON/OFF per bit), one volley per presentation
hard location x_a          the lines a granule cell (GrC) samples: all n bits (``kanerva``) or
                           k ≈ 4 of them (``granule``, Jaeckel 1989)
"within radius d"          the GrC fires iff ≥ n − d of its inputs arrive in the volley
top-k activation           Golgi feedback inhibition silences all but the first ~k GrCs
counter x_v[τ, j]          PF→PC weight w[τ, j] (w = w0 − a_plus · counter with 2:1 LTD:LTP)
write enable + value bit   the climbing fibre of Purkinje cell j fires when bit j is 1
read sum and majority      PC j's simple-spike pause below its tonic rhythm (MLI feed-forward
                           inhibition cancels unlearned PF drive, so the baseline is the
                           threshold ½ of the majority rule)
output                     DCN cells, disinhibited by the PC pause
=========================  ====================================================================

Every presentation occupies one *slot* of fixed duration inside a single ``Network.run``: the
mossy-fibre volleys and climbing-fibre teaching spikes come from SpikeGeneratorGroups (under
``cpp_standalone``: from per-slot TimedArray tables, so a compiled program can be re-run with a
new schedule) and the plasticity gate from a TimedArray, so presentations are schedules, never
rebuilds. The
granular layer is returned to rest at the start of every slot (a simulation shortcut for the
silent interval between presentations, during which granule cells relax to rest); Purkinje and
nuclear cells keep running.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

import brian2 as b2
import numpy as np
from brian2 import ms, second

from engramlab.circuits._device import check_device, run_network, select_device
from engramlab.models._params import check_choice, check_int, check_quantity
from engramlab.models.golgi import GolgiParams, golgi_group
from engramlab.models.granule import GranuleParams, granule_group, volley_weight
from engramlab.models.mossy import MossyFibreParams, active_lines, n_lines, presentation_spikes
from engramlab.models.nuclei import NucleiParams, nuclei_group
from engramlab.models.plasticity import (
    PFPlasticityParams,
    climbing_fibre_synapses,
    eligibility_state,
    pf_purkinje_synapses,
)
from engramlab.models.purkinje import PurkinjeParams, purkinje_group

__all__ = ["SLOT_KINDS", "CerebellarSDM", "CerebellumConfig", "CerebellumRecord", "draw_hard_locations",
           "mossy_granule_pairs"]

SLOT_KINDS = {"rest": 0, "write": 1, "read": 2}


@dataclass(frozen=True)
class CerebellumConfig:
    """Sizes, address scheme, timing and cell parameters of the cerebellar SDM circuit.

    Attributes
    ----------
    n : int
        Address bits (mossy-fibre bit lines).
    r : int
        Granule cells (hard locations).
    m : int
        Purkinje cells (value bits / output lines), each with its own climbing fibre and DCN cell.
    scheme : {"kanerva", "granule"}
        ``kanerva``: a GrC samples all n bits (needs ON/OFF encoding) and fires within Hamming
        radius ``d``; ``granule``: a GrC samples ``k`` random bits and fires when all match.
    d : int or None
        Radius for ``kanerva`` (0 <= d < n); ``None`` takes the SNR-optimal radius for
        ``design_patterns`` stored patterns and ``r`` neurons (Bricken & Pehlevan 2021).
    design_patterns : int
        Patterns the default radius is optimised for.
    k : int
        Inputs per GrC for ``granule`` (Jaeckel); ≈ 4 in the cerebellum (Eccles et al. 1967).
    activation : {"radius", "topk"}
        ``radius``: threshold activation; ``topk``: Golgi feedback lets ~``top_k`` GrCs fire.
    top_k : int or None
        Target active GrCs in ``topk`` mode (default r · p(d)).
    topk_radius : int or None
        Widest radius a GrC can fire at in ``topk`` mode (default d + 4, capped at n − 1).
    n_golgi : int or None
        Golgi cells (default r // 400, at least 1; GrC:GoC ≈ 400:1).
    slot : Quantity
        Duration of one presentation.
    volley_time : Quantity
        Time of the mossy-fibre volley after the slot start.
    cf_time : Quantity
        Time of the climbing-fibre (olive) spike after the slot start in a write.
    dt : Quantity
        Simulation step.
    reset_granule : bool
        Return the granular layer to rest at every slot start.
    target : {"numpy", "cython", "auto"}
        Brian2 runtime code-generation target: numpy needs no compiler and suits small
        networks; cython compiles each model once (~30 s, cached in ~/.cython) and runs ~3×
        faster; auto uses cython when a compiler works, numpy otherwise.
    device : {"runtime", "cpp_standalone"}
        ``cpp_standalone`` generates and compiles one C++ program for the whole schedule (build
        ~10 s) and runs several times faster than the runtime targets; schedule everything,
        then call :meth:`CerebellarSDM.run` once.
    threads : int
        OpenMP threads of ``cpp_standalone`` (0: none).
    seed : int
        Seed of the connectivity (and of Poisson input); same seed → same spikes.
    """

    n: int = 64
    r: int = 10_000
    m: int = 64
    scheme: str = "kanerva"
    d: int | None = None
    design_patterns: int = 20
    k: int = 4
    activation: str = "radius"
    top_k: int | None = None
    topk_radius: int | None = None
    n_golgi: int | None = None
    slot: b2.Quantity = field(default_factory=lambda: 50 * ms)
    volley_time: b2.Quantity = field(default_factory=lambda: 2 * ms)
    cf_time: b2.Quantity = field(default_factory=lambda: 15 * ms)
    dt: b2.Quantity = field(default_factory=lambda: 0.1 * ms)
    reset_granule: bool = True
    target: str = "auto"
    device: str = "runtime"
    threads: int = 0
    seed: int = 0
    mossy: MossyFibreParams = field(default_factory=MossyFibreParams)
    granule: GranuleParams = field(default_factory=GranuleParams)
    golgi: GolgiParams = field(default_factory=GolgiParams)
    purkinje: PurkinjeParams = field(default_factory=PurkinjeParams)
    plasticity: PFPlasticityParams = field(default_factory=PFPlasticityParams)
    nuclei: NucleiParams = field(default_factory=NucleiParams)

    def __post_init__(self) -> None:
        o = "CerebellumConfig"
        check_int(o, "n", self.n, 1, 100_000)
        check_int(o, "r", self.r, 1, 50_000_000)
        check_int(o, "m", self.m, 1, 100_000)
        check_choice(o, "scheme", self.scheme, ("kanerva", "granule"))
        check_choice(o, "activation", self.activation, ("radius", "topk"))
        check_choice(o, "target", self.target, ("numpy", "cython", "auto"))
        check_device(o, self.device, self.threads)
        check_int(o, "seed", self.seed, 0, 2**32 - 1)
        check_int(o, "design_patterns", self.design_patterns, 1)
        if self.scheme == "kanerva":
            if self.d is not None:
                check_int(o, "d", self.d, 0, self.n - 1)
            if self.mossy.encoding != "onoff":
                raise ValueError("CerebellumConfig.scheme='kanerva' needs mossy.encoding='onoff': "
                                 "with bit lines only a granule cell cannot count matches on 0")
        else:
            check_int(o, "k", self.k, 1, self.n)
            if self.activation == "topk":
                raise ValueError("CerebellumConfig.activation='topk' needs scheme='kanerva'")
        if self.top_k is not None:
            check_int(o, "top_k", self.top_k, 1, self.r)
        if self.topk_radius is not None:
            check_int(o, "topk_radius", self.topk_radius, 0, self.n - 1)
        if self.n_golgi is not None:
            check_int(o, "n_golgi", self.n_golgi, 1, self.r)
        check_quantity(o, "dt", self.dt, ms, 0, 1, low_open=True)
        check_quantity(o, "slot", self.slot, ms, 0, None, low_open=True)
        check_quantity(o, "volley_time", self.volley_time, ms, 0, None)
        check_quantity(o, "cf_time", self.cf_time, ms, 0, None)
        if not self.volley_time < self.cf_time < self.slot:
            raise ValueError("CerebellumConfig needs volley_time < cf_time < slot, got "
                             f"{self.volley_time}, {self.cf_time}, {self.slot}")
        slot_steps = float(self.slot / self.dt)
        if abs(slot_steps - round(slot_steps)) > 1e-6:
            raise ValueError(f"CerebellumConfig.slot ({self.slot}) must be a multiple of dt ({self.dt})")

    @property
    def radius(self) -> int:
        """The Kanerva radius: ``d``, or the SNR-optimal one for ``design_patterns``."""
        if self.d is not None:
            return self.d
        from engramlab.analysis.sdm import optimal_radius
        return min(self.n - 1, optimal_radius(self.n, self.design_patterns, self.r, "snr"))

    @property
    def threshold_inputs(self) -> int:
        """Matching inputs a granule cell needs to fire."""
        if self.scheme == "granule":
            return self.k
        if self.activation == "topk":
            return self.n - self.effective_topk_radius
        return self.n - self.radius

    @property
    def effective_topk_radius(self) -> int:
        """Widest radius at which a GrC may fire in top-k mode."""
        if self.topk_radius is not None:
            return self.topk_radius
        return min(self.n - 1, self.radius + 4)

    @property
    def effective_n_golgi(self) -> int:
        """Number of Golgi cells."""
        return self.n_golgi if self.n_golgi is not None else max(1, self.r // 400)

    def replace(self, **changes: Any) -> CerebellumConfig:
        """A copy with fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class CerebellumRecord:
    """Plain NumPy record of everything a run produced (no Brian2 objects).

    Spike times are in seconds; ``weights_initial``/``weights`` are (r, m) PF→PC weights in
    amperes at build time and now; ``selected``/``targets`` are the (r, n) hard-location
    connectivity (for ``kanerva`` every coordinate is selected and ``targets`` is the address).
    """

    spikes: dict[str, tuple[np.ndarray, np.ndarray]]
    slot_start: np.ndarray
    slot_kind: np.ndarray
    slot_address: np.ndarray
    slot_value: np.ndarray
    selected: np.ndarray
    targets: np.ndarray
    weights_initial: np.ndarray
    weights: np.ndarray
    mf_weight: float
    duration: float


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
    order = np.argsort(rng.random((c.r, c.n)), axis=1)[:, : c.k]
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


class CerebellarSDM:
    """Build the cerebellar SDM microcircuit once and present writes and reads in one run.

    Examples
    --------
    >>> sdm = CerebellarSDM(CerebellumConfig(r=2000, m=8, n=32, d=10))   # doctest: +SKIP
    >>> sdm.write(address, value); sdm.read(query)                       # doctest: +SKIP
    >>> record = sdm.run()                                               # doctest: +SKIP
    """

    def __init__(self, config: CerebellumConfig, build_dir: str | None = None) -> None:
        self.config = config
        self._standalone = config.device == "cpp_standalone"
        self._build_dir = select_device(config.device, target=config.target, threads=config.threads,
                                        build_dir=build_dir)
        # Under cpp_standalone with volley input, the mossy fibres and the olive are driven from
        # per-slot TimedArrays instead of SpikeGeneratorGroups: TimedArray values can be replaced
        # with ``device.run(run_args=...)``, so a new schedule of the same length re-runs the
        # compiled program (milliseconds) instead of regenerating and recompiling it.
        self._slot_driven = (self._standalone and config.mossy.mode == "volley"
                             and float(config.mossy.background_rate) == 0.0)
        self._compiled_slots: int | None = None
        self.timings: dict[str, float] = {}
        self._input_rng = np.random.default_rng([config.seed, 1])
        self.selected, self.targets = draw_hard_locations(config)
        self._slots: list[tuple[int, np.ndarray, np.ndarray]] = []
        self._pending = 0
        self._record: CerebellumRecord | None = None  # the standalone program's last output
        self._build()

    # network ---------------------------------------------------------------------------------
    def _build(self) -> None:
        c = self.config
        clock = b2.Clock(dt=c.dt, name="engramlab_clock*")
        self.clock = clock
        self.mf_weight = volley_weight(c.granule, c.threshold_inputs, c.dt)

        slot_steps = round(float(c.slot / c.dt))
        if self._slot_driven:
            self.mossy = b2.NeuronGroup(
                n_lines(c.n, c.mossy.encoding), "",
                threshold="mf_drive(t, i) > 0.5 and timestep(t, dt) % slot_steps == volley_step", reset="",
                namespace={"slot_steps": slot_steps, "volley_step": round(float(c.volley_time / c.dt))},
                clock=clock, name="mossy")
        else:
            self.mossy = b2.SpikeGeneratorGroup(n_lines(c.n, c.mossy.encoding), [], [] * second,
                                                clock=clock, name="mossy")
        elig = eligibility_state(c.plasticity, c.dt)
        golgi = c.activation == "topk"
        self.granule = granule_group(c.r, c.granule, extra_equations=elig.equations,
                                     extra_reset=elig.reset, extra_namespace=elig.namespace,
                                     clock=clock, extra_update=elig.update, golgi=golgi)
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

        if c.activation == "topk":
            n_go = c.effective_n_golgi
            gp = c.golgi
            self.golgi = golgi_group(n_go, gp, clock=clock)
            jump = (gp.V_th - gp.E_L) / (self.top_k - 0.5)
            self.granule_golgi = b2.Synapses(self.granule, self.golgi, on_pre="v_post += jump",
                                             delay=gp.delay_grc, namespace={"jump": jump},
                                             clock=clock, name="granule_golgi")
            self.granule_golgi.connect()
            self.golgi_granule = b2.Synapses(self.golgi, self.granule, on_pre="I_go_post += w_inh",
                                             delay=gp.delay_inh,
                                             namespace={"w_inh": gp.w_inh / n_go},
                                             clock=clock, name="golgi_granule")
            self.golgi_granule.connect()
            objects += [self.golgi, self.granule_golgi, self.golgi_granule]
            if c.reset_granule:
                objects.append(self.golgi.run_regularly("v = E_L", dt=c.slot, when="start",
                                                        name="golgi_rest"))

        self.purkinje = purkinje_group(c.m, c.purkinje, clock=clock)
        # Start the tonic Purkinje and nuclear cells at seeded random phases (membrane
        # potentials between reset and threshold) rather than in lockstep.
        phase_rng = np.random.default_rng([c.seed, 2])
        pp = c.purkinje
        self.purkinje.v = pp.V_reset + phase_rng.random(c.m) * (pp.V_th - pp.V_reset)
        self._gate = b2.TimedArray(np.zeros(1), dt=c.slot)
        self.pf_purkinje = pf_purkinje_synapses(self.granule, self.purkinje, c.plasticity, self._gate,
                                                clock=clock)
        self.pf_purkinje.connect()
        self.pf_purkinje.w = c.plasticity.w0
        if self._slot_driven:
            self.olive = b2.NeuronGroup(
                c.m, "", threshold="cf_drive(t, i) > 0.5 and timestep(t, dt) % slot_steps == cf_step", reset="",
                namespace={"slot_steps": slot_steps, "cf_step": round(float(c.cf_time / c.dt))},
                clock=clock, name="olive")
        else:
            self.olive = b2.SpikeGeneratorGroup(c.m, [], [] * second, clock=clock, name="olive")
        self.climbing_fibre = climbing_fibre_synapses(self.olive, self.purkinje, c.plasticity,
                                                      clock=clock)
        self.climbing_fibre.connect(j="i")
        self.nuclei = nuclei_group(c.m, c.nuclei, clock=clock)
        npar = c.nuclei
        self.nuclei.v = npar.V_reset + phase_rng.random(c.m) * (npar.V_th - npar.V_reset)
        self.purkinje_nuclei = b2.Synapses(self.purkinje, self.nuclei, on_pre="I_pc_post += w_pc",
                                           delay=c.nuclei.delay_pc,
                                           namespace={"w_pc": c.nuclei.w_pc}, clock=clock,
                                           name="purkinje_nuclei")
        self.purkinje_nuclei.connect(j="i")
        objects += [self.purkinje, self.pf_purkinje, self.olive, self.climbing_fibre, self.nuclei,
                    self.purkinje_nuclei]

        self.monitors = {
            "mossy": b2.SpikeMonitor(self.mossy, name="mon_mossy"),
            "granule": b2.SpikeMonitor(self.granule, name="mon_granule"),
            "purkinje": b2.SpikeMonitor(self.purkinje, name="mon_purkinje"),
            "olive": b2.SpikeMonitor(self.olive, name="mon_olive"),
            "nuclei": b2.SpikeMonitor(self.nuclei, name="mon_nuclei"),
        }
        if c.activation == "topk":
            self.monitors["golgi"] = b2.SpikeMonitor(self.golgi, name="mon_golgi")
        self.network = b2.Network(*objects, *self.monitors.values())
        # every PF→PC synapse starts at w0 (read back from the network only in runtime mode:
        # a standalone network has no values before its program runs)
        self.weights_initial = (np.full((c.r, c.m), float(c.plasticity.w0)) if self._standalone
                                else self.weights())

    @property
    def top_k(self) -> int:
        """Target number of active granule cells in top-k mode."""
        c = self.config
        if c.top_k is not None:
            return c.top_k
        from engramlab.analysis.sdm import ball_fraction
        return max(1, round(c.r * ball_fraction(c.n, c.radius)))

    # schedule --------------------------------------------------------------------------------
    def _check_bits(self, name: str, x: Any, length: int) -> np.ndarray:
        arr = np.asarray(x)
        if arr.shape != (length,):
            raise ValueError(f"{name} must be a vector of {length} bits, got shape {arr.shape}")
        if arr.dtype != bool and not np.all((arr == 0) | (arr == 1)):
            raise ValueError(f"{name} must hold only 0 and 1")
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
        check_int("CerebellarSDM.rest", "slots", slots, 1)
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
        if self._standalone and self._compiled_slots is not None:
            return self._rerun()
        duration = self._pending * float(c.slot)
        self._gate = b2.TimedArray(self._gate_table(), dt=c.slot)
        self.pf_purkinje.namespace["plasticity_gate"] = self._gate
        if self._slot_driven:
            mf_drive, cf_drive = self._drive_tables()
            self._drives = {"mf": b2.TimedArray(mf_drive, dt=c.slot),
                            "cf": b2.TimedArray(cf_drive, dt=c.slot)}
            self.mossy.namespace["mf_drive"] = self._drives["mf"]
            self.olive.namespace["cf_drive"] = self._drives["cf"]
        else:
            self._set_input_spikes(t_start=0.0 if self._standalone else float(self.network.t))
        self.timings.update(run_network(self.network, duration * second, self._build_dir, report))
        self._pending = 0
        if not self._standalone:
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
        self.mossy.set_spikes(*self._spike_arrays(mf_i, mf_t, dt))
        self.olive.set_spikes(*self._spike_arrays(io_i, io_t, dt))

    def _gate_table(self) -> np.ndarray:
        """Plasticity gate per slot from t = 0: 1 in write slots, else 0 (last entry: off)."""
        return np.array([1.0 if kind == SLOT_KINDS["write"] else 0.0 for kind, _, _ in self._slots] + [0.0])

    @property
    def has_run(self) -> bool:
        """Whether any slot has been simulated (standalone: whether the program exists)."""
        return self._compiled_slots is not None if self._standalone else float(self.network.t) > 0

    def new_schedule(self) -> None:
        """Start a fresh schedule from t = 0 for re-running a compiled standalone program.

        Schedule exactly as many slots as the first run (any mix of writes, reads and rests,
        any addresses and values), then call :meth:`run`: the program re-runs from its initial
        state with the new inputs in milliseconds, without code generation or compilation.
        """
        if not self._standalone or self._compiled_slots is None:
            raise ValueError("new_schedule() needs a cpp_standalone CerebellarSDM that has run once")
        if not self._slot_driven:
            raise ValueError("re-running a compiled program needs mossy.mode = 'volley' and "
                             "mossy.background_rate = 0 Hz (spike-generator inputs are fixed at "
                             "compile time)")
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
            raise ValueError(f"the compiled program runs {self._compiled_slots} slots; the new "
                             f"schedule has {len(self._slots)}: schedule the same number, or build "
                             "a new CerebellarSDM for a different length")
        mf, cf = self._drive_tables()
        run_args = {self._drives["mf"]: mf, self._drives["cf"]: cf, self._gate: self._gate_table()}
        t0 = time.perf_counter()
        b2.device.run(run_args=run_args, with_output=False)
        # a re-run has no build or compile step: only its own timings
        self.timings = {"rerun": time.perf_counter() - t0,
                        "simulate": float(getattr(b2.device, "_last_run_time", 0.0) or 0.0)}
        self._pending = 0
        self._record = self.record()
        return self._record

    def _with_background(self, idx: list[np.ndarray], times: list[np.ndarray], t_start: float,
                         duration: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
        rate = float(self.config.mossy.background_rate)
        if rate <= 0:
            return idx, times
        lines = n_lines(self.config.n, self.config.mossy.encoding)
        count = self._input_rng.poisson(rate * duration * lines)
        idx.append(self._input_rng.integers(0, lines, count))
        times.append(t_start + self._input_rng.random(count) * duration)
        return idx, times

    @staticmethod
    def _spike_arrays(idx: list[np.ndarray], times: list[np.ndarray], dt: float
                      ) -> tuple[np.ndarray, b2.Quantity]:
        if not idx:
            return np.zeros(0, dtype=int), np.zeros(0) * second
        i = np.concatenate(idx).astype(int)
        t = np.round(np.concatenate(times) / dt) * dt
        # a SpikeGeneratorGroup accepts one spike per neuron and step: drop duplicates
        key = np.unique(np.stack([i, np.round(t / dt).astype(np.int64)]), axis=1)
        return key[0], key[1] * dt * second

    def weights(self) -> np.ndarray:
        """PF→PC weights as an (r, m) array in amperes."""
        w = np.zeros((self.config.r, self.config.m))
        w[np.asarray(self.pf_purkinje.i), np.asarray(self.pf_purkinje.j)] = np.asarray(self.pf_purkinje.w_)
        return w

    def record(self) -> CerebellumRecord:
        """Everything simulated so far, as plain NumPy arrays."""
        c = self.config
        simulated = len(self._slots) - self._pending
        spikes = {name: (np.asarray(mon.t_), np.asarray(mon.i)) for name, mon in self.monitors.items()}
        slots = self._slots[:simulated]
        empty_n, empty_m = np.zeros((0, c.n), bool), np.zeros((0, c.m), bool)
        return CerebellumRecord(
            spikes=spikes,
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
