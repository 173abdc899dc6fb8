r"""A cerebellar microzone for conditioning: timed granular layer, Purkinje cells, olive, nuclei.

Pathways (one explicit Brian2 Network, built once):

* mossy fibres: ``n_mf`` lines with Poisson background (~4 Hz); each conditioned stimulus (CS)
  is a named subset of lines that fires at ``cs_rate`` (40 Hz) while it lasts;
* granule cells: ``k`` ≈ 4 mossy inputs each; background inputs are fast EPSCs, CS inputs reach
  the cell through a slow, heterogeneous current (:mod:`engramlab.models.timing`), so each
  CS-responsive cell is recruited at its own delay after CS onset — the passage of time;
* PF→PC synapses with CF-gated LTD through the ~100 ms gamma eligibility kernel and PF LTP
  (:mod:`engramlab.models.plasticity`); lumped MLI feed-forward inhibition keeps an unlearned
  Purkinje cell on its tonic rhythm;
* inferior olive cells (one per Purkinje cell) driven by the US (500 Hz for 30 ms) and by
  spontaneous ~1 Hz kicks; each drives its Purkinje cell's climbing fibre;
* DCN cells, each inhibited by a group of Purkinje cells (the output; a Purkinje pause
  disinhibits them: the conditioned response).

A trial is a schedule entry (CS name or none, US target group or none, ISI); all trials of a
protocol run inside one ``Network.run`` from SpikeGeneratorGroup schedules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import brian2 as b2
import numpy as np
from brian2 import Hz, ms, pA, second

from engramlab.circuits._device import check_device, run_network, select_device
from engramlab.models._params import check_choice, check_int, check_quantity
from engramlab.models.granule import GranuleParams
from engramlab.models.nuclei import NucleiParams, nuclei_group
from engramlab.models.olive import OliveParams, olive_group
from engramlab.models.plasticity import (
    PFPlasticityParams,
    climbing_fibre_synapses,
    eligibility_state,
    pf_purkinje_synapses,
)
from engramlab.models.purkinje import PurkinjeParams, purkinje_group
from engramlab.models.timing import SpectralTimingParams, spectral_timing_draw

__all__ = ["CerebellarMicrozone", "MicrozoneConfig", "MicrozoneRecord", "Trial"]


def _conditioning_plasticity() -> PFPlasticityParams:
    # LTD:LTP 6:1 per event: just below published spiking models (8–40:1; Antonietti et al.
    # 2016, Geminiani et al. 2022) so that PF-alone LTP extinguishes a CR within ~40 CS-alone
    # trials (measured at 12:1: still 50 % CRs after 50); soft bounds keep every weight at its
    # LTP/LTD balance point
    return PFPlasticityParams(eligibility="kernel", bounds="soft", w0=75 * pA, w_max=150 * pA,
                              a_plus=0.15 * pA, ltd_ltp_ratio=6.0)


def _conditioning_nuclei() -> NucleiParams:
    # strong Purkinje inhibition (and the tonic drive that keeps ~13 Hz at baseline) so that a
    # partial Purkinje pause is already read out as a clear DCN burst: the learned pause need
    # not silence the Purkinje cells, and its deepest point stays at the US
    return NucleiParams(w_pc=800 * pA, I_e=296 * pA)


@dataclass(frozen=True)
class MicrozoneConfig:
    """Sizes, inputs and cell parameters of the conditioning microzone.

    Attributes
    ----------
    n_mf : int
        Mossy-fibre lines.
    r : int
        Granule cells.
    k : int
        Mossy inputs per granule cell (≈ 4; Eccles et al. 1967).
    m : int
        Purkinje cells (each with its own olive cell and climbing fibre).
    n_dcn : int
        DCN cells; Purkinje cells are split evenly among them (``m`` divisible by ``n_dcn``).
    cs_lines : dict
        CS name → number of mossy lines it drives (disjoint, drawn with the seed).
    mf_background : Quantity
        Background rate of every mossy line (~4 Hz; Casali et al. 2019).
    cs_rate : Quantity
        Rate of a CS line during the CS (40 Hz; Geminiani et al. 2022).
    w_mf : Quantity
        Fast background MF→GrC EPSC amplitude (subthreshold alone).
    us_rate, us_duration : Quantity
        The US: a regular spike train to the olive (500 Hz for 30 ms).
    dt : Quantity
        Simulation step (0.2 ms: every time constant here is ≥ 1 ms and linear parts are
        integrated exactly).
    target : {"numpy", "cython", "auto"}
        Brian2 code-generation target of the runtime device.
    device : {"runtime", "cpp_standalone"}
        ``cpp_standalone`` turns the whole protocol into one compiled C++ program.
    threads : int
        OpenMP threads of ``cpp_standalone`` (0: none).
    seed : int
        Seed of connectivity, timing spectrum, Poisson inputs and initial phases.
    """

    n_mf: int = 100
    r: int = 2000
    k: int = 4
    m: int = 16
    n_dcn: int = 4
    cs_lines: dict[str, int] = field(default_factory=lambda: {"tone": 25})
    mf_background: b2.Quantity = field(default_factory=lambda: 4 * Hz)
    cs_rate: b2.Quantity = field(default_factory=lambda: 40 * Hz)
    w_mf: b2.Quantity = field(default_factory=lambda: 3 * pA)
    us_rate: b2.Quantity = field(default_factory=lambda: 500 * Hz)
    us_duration: b2.Quantity = field(default_factory=lambda: 30 * ms)
    dt: b2.Quantity = field(default_factory=lambda: 0.2 * ms)
    target: str = "auto"
    device: str = "runtime"
    threads: int = 0
    seed: int = 0
    granule: GranuleParams = field(default_factory=GranuleParams)
    timing: SpectralTimingParams = field(default_factory=SpectralTimingParams)
    purkinje: PurkinjeParams = field(default_factory=PurkinjeParams)
    plasticity: PFPlasticityParams = field(default_factory=_conditioning_plasticity)
    olive: OliveParams = field(default_factory=OliveParams)
    nuclei: NucleiParams = field(default_factory=_conditioning_nuclei)

    def __post_init__(self) -> None:
        o = "MicrozoneConfig"
        check_int(o, "n_mf", self.n_mf, 1)
        check_int(o, "r", self.r, 1)
        check_int(o, "k", self.k, 1, self.n_mf)
        check_int(o, "m", self.m, 1)
        check_int(o, "n_dcn", self.n_dcn, 1, self.m)
        if self.m % self.n_dcn:
            raise ValueError(f"MicrozoneConfig.m ({self.m}) must be divisible by n_dcn ({self.n_dcn})")
        check_int(o, "seed", self.seed, 0, 2**32 - 1)
        check_choice(o, "target", self.target, ("numpy", "cython", "auto"))
        check_device(o, self.device, self.threads)
        if not self.cs_lines:
            raise ValueError("MicrozoneConfig.cs_lines must name at least one CS")
        for name, lines in self.cs_lines.items():
            check_int(o, f"cs_lines[{name!r}]", lines, 1, self.n_mf)
        if sum(self.cs_lines.values()) > self.n_mf:
            raise ValueError(f"MicrozoneConfig.cs_lines use {sum(self.cs_lines.values())} lines "
                             f"but there are only n_mf = {self.n_mf}")
        check_quantity(o, "mf_background", self.mf_background, Hz, 0, None)
        check_quantity(o, "cs_rate", self.cs_rate, Hz, 0, None, low_open=True)
        check_quantity(o, "w_mf", self.w_mf, pA, 0, None)
        check_quantity(o, "us_rate", self.us_rate, Hz, 0, None, low_open=True)
        check_quantity(o, "us_duration", self.us_duration, ms, 0, None, low_open=True)
        check_quantity(o, "dt", self.dt, ms, 0, 1, low_open=True)
        if self.plasticity.eligibility != "kernel":
            raise ValueError("MicrozoneConfig.plasticity.eligibility must be 'kernel' for "
                             "conditioning (the ~100 ms look-back)")

    @property
    def pcs_per_dcn(self) -> int:
        """Purkinje cells converging on each DCN cell."""
        return self.m // self.n_dcn


@dataclass(frozen=True)
class Trial:
    """One conditioning trial.

    Attributes
    ----------
    start : float
        Trial start (s, absolute).
    cs : str or None
        CS name, or None for no CS.
    cs_onset : float
        CS onset relative to the trial start (s).
    cs_duration : float
        CS duration (s).
    us_targets : tuple of int
        Olive cells that receive the US (empty: no US).
    us_onset : float
        US onset relative to CS onset (the ISI, s).
    """

    start: float
    cs: str | None
    cs_onset: float
    cs_duration: float
    us_targets: tuple[int, ...]
    us_onset: float


@dataclass(frozen=True)
class MicrozoneRecord:
    """Plain NumPy record of a microzone run (spike times in s, weights in A)."""

    spikes: dict[str, tuple[np.ndarray, np.ndarray]]
    weights_initial: np.ndarray
    weights: np.ndarray
    weight_history: np.ndarray
    weight_times: np.ndarray
    mf_to_granule: np.ndarray
    cs_line_sets: dict[str, np.ndarray]
    granule_tau: np.ndarray
    granule_gain: np.ndarray
    duration: float


class CerebellarMicrozone:
    """Build the conditioning microzone once; schedule trials; run them in one ``Network.run``."""

    def __init__(self, config: MicrozoneConfig, record_weights_every: float | None = None,
                 trial_period: float | None = None) -> None:
        self.config = config
        self._build_dir = select_device(config.device, target=config.target, threads=config.threads)
        self.timings: dict[str, float] = {}
        self._rng = np.random.default_rng([config.seed, 11])
        self._input_rng = np.random.default_rng([config.seed, 12])
        self._trials: list[Trial] = []
        self._durations: list[float] = []
        self._pending_from = 0
        self._record_every = record_weights_every
        self._trial_period = trial_period
        self._build()

    # connectivity ------------------------------------------------------------------------------
    def _draw(self) -> None:
        c = self.config
        lines = self._rng.permutation(c.n_mf)
        self.cs_line_sets: dict[str, np.ndarray] = {}
        used = 0
        for name, count in c.cs_lines.items():
            self.cs_line_sets[name] = np.sort(lines[used:used + count])
            used += count
        self.is_cs_line = np.zeros(c.n_mf, dtype=bool)
        for s in self.cs_line_sets.values():
            self.is_cs_line[s] = True
        # each granule cell samples k distinct mossy lines
        self.mf_to_granule = np.argsort(self._rng.random((c.r, c.n_mf)), axis=1)[:, : c.k]
        self.granule_tau, self.granule_gain = spectral_timing_draw(c.r, c.timing, self._rng)

    def _build(self) -> None:
        c = self.config
        self._draw()
        clock = b2.Clock(dt=c.dt, name="microzone_clock*")
        self.clock = clock
        g = c.granule
        rheobase = g.g_L * (g.V_th - g.E_L)
        elig = eligibility_state(c.plasticity, c.dt)
        ns: dict[str, Any] = {k: getattr(g, k) for k in ("C", "g_L", "E_L", "V_th", "V_reset", "tau_exc")}
        ns.update(elig.namespace)
        ns.update(inh_ratio=c.timing.inh_ratio, inh_gain=c.timing.inh_gain)
        eqs = b2.Equations("""
            dv/dt = (g_L*(E_L - v) + I_mf + I_cs - I_ff) / C : volt (unless refractory)
            dI_mf/dt = -I_mf / tau_exc : amp
            dI_cs/dt = -I_cs / tau_cs : amp
            dI_ff/dt = -I_ff / (inh_ratio * tau_cs) : amp
            tau_cs : second (constant)
            w_cs : amp (constant)
        """) + elig.equations
        self.granule = b2.NeuronGroup(c.r, eqs, threshold="v > V_th",
                                      reset="v = V_reset\n" + elig.reset,
                                      refractory=g.refractory,
                                      method="exponential_euler", namespace=ns, clock=clock,
                                      name="granule")
        self.granule.run_regularly(elig.update, when="groups", name="granule_eligibility")
        if self._trial_period is not None:
            # The slow CS currents (and their feed-forward inhibition) outlast a 1 s trial; clear
            # them at each trial start, as a long inter-trial interval would, so every trial
            # starts from the same granular state.
            self.granule.run_regularly("I_cs = 0*amp\nI_ff = 0*amp", dt=self._trial_period * second,
                                       when="start", name="granule_trial_reset")
        self.granule.v = g.E_L
        self.granule.tau_cs = self.granule_tau * second
        # steady CS drive = gain × rheobase, shared among the cell's CS inputs
        n_cs_inputs = self.is_cs_line[self.mf_to_granule].sum(1)
        per_spike = np.where(n_cs_inputs > 0,
                             self.granule_gain * float(rheobase)
                             / (np.maximum(n_cs_inputs, 1) * float(c.cs_rate) * self.granule_tau), 0.0)
        self.granule.w_cs = per_spike * b2.amp
        self.n_cs_inputs = n_cs_inputs

        self.mossy = b2.SpikeGeneratorGroup(c.n_mf, [], [] * second, clock=clock, name="mossy")
        pre = self.mf_to_granule.ravel()
        post = np.repeat(np.arange(c.r), c.k)
        cs_syn = self.is_cs_line[pre]
        self.mf_fast = b2.Synapses(self.mossy, self.granule, on_pre="I_mf_post += w_mf",
                                   delay=1 * ms, namespace={"w_mf": c.w_mf}, clock=clock,
                                   name="mf_granule_fast")
        self.mf_fast.connect(i=pre[~cs_syn], j=post[~cs_syn])
        # slow CS excitation and the slower feed-forward (MF→Golgi→GrC) inhibition it recruits;
        # per spike the inhibition is inh_gain/inh_ratio of the excitation, so its steady
        # current is inh_gain times the excitation's
        self.mf_slow = b2.Synapses(self.mossy, self.granule,
                                   on_pre=("I_cs_post += w_cs_post\n"
                                           "I_ff_post += w_cs_post * inh_gain / inh_ratio"),
                                   delay=1 * ms, clock=clock, name="mf_granule_slow",
                                   namespace={"inh_gain": c.timing.inh_gain,
                                              "inh_ratio": c.timing.inh_ratio})
        self.mf_slow.connect(i=pre[cs_syn], j=post[cs_syn])

        self.purkinje = purkinje_group(c.m, c.purkinje, clock=clock)
        phase_rng = np.random.default_rng([c.seed, 13])
        pp = c.purkinje
        self.purkinje.v = pp.V_reset + phase_rng.random(c.m) * (pp.V_th - pp.V_reset)
        self._gate = b2.TimedArray(np.ones(1), dt=1 * second)
        self.pf_purkinje = pf_purkinje_synapses(self.granule, self.purkinje, c.plasticity,
                                                self._gate, clock=clock)
        self.pf_purkinje.connect()
        self.pf_purkinje.w = c.plasticity.w0

        o = c.olive
        self.olive_input = b2.SpikeGeneratorGroup(2 * c.m, [], [] * second, clock=clock,
                                                  name="olive_input")
        self.olive = olive_group(c.m, o, clock=clock)
        self.us_olive = b2.Synapses(self.olive_input, self.olive, on_pre="I_us_post += w",
                                    model="w : amp (constant)", clock=clock, name="us_olive")
        self.us_olive.connect(i=np.arange(2 * c.m), j=np.tile(np.arange(c.m), 2))
        # lines 0..m-1 carry the US; lines m..2m-1 spontaneous kicks strong enough to fire alone
        self.us_olive.w = np.concatenate([np.full(c.m, float(o.w_us)),
                                          np.full(c.m, 10 * float(o.w_us))]) * b2.amp
        self.climbing_fibre = climbing_fibre_synapses(self.olive, self.purkinje, c.plasticity,
                                                      clock=clock)
        self.climbing_fibre.connect(j="i")

        self.nuclei = nuclei_group(c.n_dcn, c.nuclei, clock=clock)
        n = c.nuclei
        self.nuclei.v = n.V_reset + phase_rng.random(c.n_dcn) * (n.V_th - n.V_reset)
        self.purkinje_nuclei = b2.Synapses(self.purkinje, self.nuclei, on_pre="I_pc_post += w_pc",
                                           delay=n.delay_pc, clock=clock, name="purkinje_nuclei",
                                           namespace={"w_pc": n.w_pc / c.pcs_per_dcn})
        self.purkinje_nuclei.connect(j="i // pcs_per_dcn", namespace={"pcs_per_dcn": c.pcs_per_dcn})

        self.monitors = {
            "mossy": b2.SpikeMonitor(self.mossy, name="mon_mossy"),
            "granule": b2.SpikeMonitor(self.granule, name="mon_granule"),
            "purkinje": b2.SpikeMonitor(self.purkinje, name="mon_purkinje"),
            "olive": b2.SpikeMonitor(self.olive, name="mon_olive"),
            "nuclei": b2.SpikeMonitor(self.nuclei, name="mon_nuclei"),
        }
        objects: list[Any] = [self.mossy, self.granule, self.mf_fast, self.mf_slow, self.purkinje,
                              self.pf_purkinje, self.olive_input, self.olive, self.us_olive,
                              self.climbing_fibre, self.nuclei, self.purkinje_nuclei]
        self.weight_monitor = None
        if self._record_every is not None:
            # explicit indices (all r × m synapses): standalone cannot resolve record=True
            # for synapses before its program has run
            self.weight_monitor = b2.StateMonitor(self.pf_purkinje, "w", record=np.arange(c.r * c.m),
                                                  dt=self._record_every * second, name="mon_weights")
            objects.append(self.weight_monitor)
        self.network = b2.Network(*objects, *self.monitors.values())
        # a standalone network has no values before its program runs: every weight starts at w0
        self.weights_initial = (np.full((c.r, c.m), float(c.plasticity.w0)) if self._build_dir
                                else self.weights())

    # schedule ------------------------------------------------------------------------------------
    def add_trial(self, duration: float, cs: str | None, cs_onset: float, cs_duration: float,
                  us_targets: tuple[int, ...] = (), us_onset: float = 0.0) -> Trial:
        """Append a trial of ``duration`` seconds (times relative to its start, in seconds)."""
        c = self.config
        if cs is not None and cs not in self.cs_line_sets:
            raise ValueError(f"unknown CS {cs!r}; this microzone has {sorted(self.cs_line_sets)}")
        if duration <= 0:
            raise ValueError(f"trial duration must be > 0 s, got {duration}")
        if self._trial_period is not None and abs(duration - self._trial_period) > 1e-9:
            raise ValueError(f"this microzone was built for trials of {self._trial_period} s "
                             f"(slow currents are cleared at each trial start), got {duration} s")
        if cs is not None and (cs_duration <= 0 or cs_onset < 0 or cs_onset + cs_duration > duration):
            raise ValueError("the CS must lie inside the trial: 0 <= cs_onset, cs_duration > 0, "
                             f"cs_onset + cs_duration <= duration; got {cs_onset}, {cs_duration}, {duration}")
        bad = [t for t in us_targets if not 0 <= t < c.m]
        if bad:
            raise ValueError(f"us_targets must be olive cells in [0, m={c.m}), got {bad}")
        if us_targets and (us_onset < 0 or cs_onset + us_onset + float(c.us_duration) > duration):
            raise ValueError("the US must start at or after the CS onset (us_onset >= 0) and end "
                             f"inside the trial; got us_onset = {us_onset} s")
        start = self._trials[-1].start + self._durations[-1] if self._trials else 0.0
        trial = Trial(start, cs, cs_onset, cs_duration, tuple(us_targets), us_onset)
        self._trials.append(trial)
        self._durations.append(duration)
        return trial

    @property
    def trials(self) -> list[Trial]:
        """All scheduled trials."""
        return list(self._trials)

    def run(self, report: Any = None) -> MicrozoneRecord:
        """Simulate every trial not yet simulated, in one ``Network.run``."""
        c = self.config
        todo = self._trials[self._pending_from:]
        if todo:
            dt = float(c.dt)
            t0 = float(self.network.t) if self._build_dir is None else 0.0
            end = todo[-1].start + self._durations[len(self._trials) - 1]
            duration = end - t0
            mf_i, mf_t = [], []
            # background on every line over the whole stretch
            count = self._input_rng.poisson(float(c.mf_background) * duration * c.n_mf)
            mf_i.append(self._input_rng.integers(0, c.n_mf, count))
            mf_t.append(t0 + self._input_rng.random(count) * duration)
            io_i, io_t = [], []
            bg = float(c.olive.background_rate)
            count = self._input_rng.poisson(bg * duration * c.m)
            io_i.append(c.m + self._input_rng.integers(0, c.m, count))
            io_t.append(t0 + self._input_rng.random(count) * duration)
            us_times = np.arange(0.0, float(c.us_duration) - 1e-12, 1.0 / float(c.us_rate))
            for tr in todo:
                if tr.cs is not None:
                    lines = self.cs_line_sets[tr.cs]
                    n_sp = self._input_rng.poisson(float(c.cs_rate) * tr.cs_duration * lines.size)
                    mf_i.append(self._input_rng.choice(lines, n_sp))
                    mf_t.append(tr.start + tr.cs_onset + self._input_rng.random(n_sp) * tr.cs_duration)
                if tr.us_targets:
                    tt = tr.start + tr.cs_onset + tr.us_onset + us_times
                    for target in tr.us_targets:
                        io_i.append(np.full(tt.size, target))
                        io_t.append(tt)
            self.mossy.set_spikes(*_grid_spikes(mf_i, mf_t, dt, t0))
            self.olive_input.set_spikes(*_grid_spikes(io_i, io_t, dt, t0))
            if self._build_dir is not None and self._pending_from:
                raise ValueError("a cpp_standalone microzone runs once: schedule every trial, then run()")
            self.timings.update(run_network(self.network, duration * second, self._build_dir, report))
            self._pending_from = len(self._trials)
        return self.record()

    def weights(self) -> np.ndarray:
        """PF→PC weights as an (r, m) array in amperes."""
        w = np.zeros((self.config.r, self.config.m))
        w[np.asarray(self.pf_purkinje.i), np.asarray(self.pf_purkinje.j)] = np.asarray(self.pf_purkinje.w_)
        return w

    def record(self) -> MicrozoneRecord:
        """Everything simulated so far as NumPy arrays."""
        spikes = {k: (np.asarray(m.t_), np.asarray(m.i)) for k, m in self.monitors.items()}
        if self.weight_monitor is not None and len(self.weight_monitor.t):
            hist = np.asarray(self.weight_monitor.w_)
            times = np.asarray(self.weight_monitor.t_)
        else:
            hist, times = np.zeros((0, 0)), np.zeros(0)
        return MicrozoneRecord(spikes, self.weights_initial, self.weights(), hist, times,
                               self.mf_to_granule, dict(self.cs_line_sets), self.granule_tau,
                               self.granule_gain, float(self.network.t))


def _grid_spikes(idx: list[np.ndarray], times: list[np.ndarray], dt: float, t0: float
                 ) -> tuple[np.ndarray, b2.Quantity]:
    if not idx:
        return np.zeros(0, dtype=int), np.zeros(0) * second
    i = np.concatenate(idx).astype(np.int64)
    step = np.round(np.concatenate(times) / dt).astype(np.int64)
    keep = step >= round(t0 / dt)
    key = np.unique(np.stack([i[keep], step[keep]]), axis=1)  # one spike per line and step
    return key[0], key[1] * dt * second
