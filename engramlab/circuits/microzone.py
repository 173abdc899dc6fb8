r"""A cerebellar microzone for conditioning: timed granular layer, Purkinje cells, olive, nuclei.

Pathways (one explicit Brian2 Network, built once):

* mossy fibres: ``n_mf`` lines with Poisson background (~4 Hz); each conditioned stimulus (CS)
  is a named subset of lines that fires at ``cs_rate`` (40 Hz) while it lasts;
* unipolar brush cells (:mod:`engramlab.models.ubc`): each relays one mossy line through graded,
  slow ON/OFF metabotropic cascades, so a CS-driven UBC fires in its own window after CS onset —
  the passage of time — and stops while the CS goes on;
* granule cells: ``k`` ≈ 4 inputs each, drawn from the mossy lines and the UBC axons (mossy-like
  rosettes); every input is a fast EPSC, delivered through one synapse group for both kinds
  (its size does not depend on the seed's draw, so a new seed compiles nothing);
* PF→PC synapses with CF-gated LTD through a gamma eligibility kernel (20 ms peak here) and PF LTP
  (:mod:`engramlab.models.plasticity`); lumped MLI feed-forward inhibition keeps an unlearned
  Purkinje cell on its tonic rhythm;
* inferior olive cells (one per Purkinje cell) driven by the US (500 Hz for 30 ms) and by
  spontaneous kicks (2.5 Hz, of which nucleo-olivary inhibition lets ~0.7-0.9 Hz through at
  rest); each drives its Purkinje cell's climbing fibre;
* DCN cells, each inhibited by a group of Purkinje cells (the output; a Purkinje pause
  disinhibits them: the conditioned response).

A trial is a schedule entry (CS name or none, US target group or none, ISI); all trials of a
protocol run inside one ``Network.run`` from SpikeGeneratorGroup schedules.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import brian2 as b2
import numpy as np
from brian2 import Hz, ms, pA, second

from engramlab import validate as V
from engramlab.circuits._device import DEVICES, seed_brian, threads_param
from engramlab.circuits.layers import (
    CerebellarCircuit,
    MolecularLayer,
    NuclearOutput,
    OliveLayer,
    grid_spikes,
    padded_spikes,
    poisson_background,
    random_subsets,
    spike_capacity,
)
from engramlab.errors import ConfigError
from engramlab.models._params import Params, param
from engramlab.models.granule import GranuleParams, granule_group
from engramlab.models.nuclei import NucleiParams, mossy_nuclei_synapses
from engramlab.models.olive import OliveParams
from engramlab.models.plasticity import PFPlasticityParams, eligibility_state
from engramlab.models.purkinje import PurkinjeParams
from engramlab.models.ubc import UBCParams, threshold_margin, ubc_draw, ubc_group

__all__ = ["CerebellarMicrozone", "MicrozoneConfig", "MicrozoneRecord", "Trial"]


def _conditioning_plasticity() -> PFPlasticityParams:
    # The LTD kernel peaks 20 ms before the complex spike: the circuit's own feedback delay, the
    # measured US onset -> complex spike latency (per-run medians 15-21 ms), as Suvrathan, Payne & Raymond
    # (2016) found each region's best delay matched to its feedback delay. Order 8 (integral
    # 17.9 ms); LTD:LTP is 50:1 per event so that ratio x integral, and with it the LTP/LTD
    # balance, equals that of the 50 ms kernel at 20:1 (44.8 ms) that was the default from
    # 2026-12-03 to 2026-12-06 (published spiking models: 8-40:1 with wider windows; Antonietti
    # et al. 2016, Geminiani et al. 2022). Measured on seeds 0-9 x ISI 150/250/400/600 ms, same
    # day, both kernels set before the runs (README): the 50 ms kernel depresses the fibres
    # active ~30 ms before the US, so the probe minimum led it (mean 0.845 x ISI at 150 ms; 30 of
    # 40 runs within +-15 %); at 20 ms the minimum sits at the US (0.98-1.02 x ISI; 37 of 40) and
    # the DCN burst it leaves comes later (last-block CRs 12 points lower on average, 31 of 40
    # runs meeting the CR target against 37). 20 ms at 20:1, the default before 2026-12-03, was
    # left then for its late CRs (onsets 7.5-22.5 ms before the US; seed 0, at the LTP step and
    # olive of then). Soft bounds keep every weight at its LTP/LTD balance.
    # LTP steps of 0.015 pA (LTD 0.75 pA per eligible event): at 0.15 pA, the default until
    # 2026-12-05, the first CR came on the 2nd paired trial (ISI 250 ms, seed 0) and every savings
    # test hit the 20-trial floor of its criterion in both phases; at 0.015 pA (with the olive
    # below) the first CR came on trial 10-16 and the criterion after 30-40 with the 50 ms kernel
    # (seeds 0-4; chosen on seed 0 from 0.15, 0.03, 0.015 and 0.005 pA; README, savings); with the
    # 20 ms kernel on paired trial 13-29 (seeds 0-9) and after 40-100+ (seeds 0-8). Rabbits need a
    # few hundred pairings.
    return PFPlasticityParams(eligibility="kernel", bounds="soft", w0=75 * pA, w_max=150 * pA,
                              a_plus=0.015 * pA, ltd_ltp_ratio=50.0, kernel_peak=20 * ms)


def _conditioning_nuclei() -> NucleiParams:
    # strong Purkinje inhibition (and the tonic drive that keeps ~16 Hz at baseline) so that a
    # partial Purkinje pause is already read out as a clear DCN burst: the learned pause need
    # not silence the Purkinje cells, and its deepest point stays at the US
    # mossy→DCN plasticity (off unless nuclei.mf_eta > 0): thresholds at 0.8 and 2 × the ~256 pA
    # baseline Purkinje inhibition (4 PCs × ~64 Hz × 200 pA × 5 ms). Measured (ISI 250 ms, seed 0,
    # η = 3 pA): at 0.6 / 1.2 × the CS lines' weights reach 3.3 pA in 100 trials and extinction,
    # which raises Purkinje activity above baseline, erases them; at 0.8 / 2 × they reach 29.6 pA
    # and extinction keeps 16.5 pA
    return NucleiParams(w_pc=800 * pA, I_e=296 * pA, mf_theta_ltp=200 * pA, mf_theta_ltd=500 * pA)


def _conditioning_olive() -> OliveParams:
    # nucleo-olivary inhibition on (Kim, Krupa & Thompson 1998; Medina et al. 2002), and
    # spontaneous kicks that it can veto: a 1.2 nA kick peaks ~17 mV above rest (threshold 10 mV),
    # so ~110 pA of steady inhibition blocks it. 300 pA per DCN spike (30 ms IPSC) gives ~150 pA
    # at the 16-17 Hz DCN baseline, which vetoes about two kicks in three, and ~450 pA or more
    # during a conditioned DCN burst (+30-40 Hz), which vetoes them and takes one of the US's two
    # complex spikes. Kicks come at 2.5 Hz so that 0.7-0.9 Hz of them get through at rest (complex
    # spikes ~1 Hz in vivo). Measured, ISI 250 ms, LTP 0.015 pA, 100 + 100 CS-alone + 100 paired
    # trials: with the earlier 150 pA and 1 Hz (the default until 2026-12-05) the CR hardly vetoed
    # the US (1.0 complex spike per cell in the last block), the pause went deep and 100 CS-alone
    # trials left 60 and 70 % CRs in their last block (seeds 0, 1); at 300 pA and 1 Hz the pause
    # stayed partial and extinction ended at 0 % in seeds 0-4, but at rest the olive fired
    # 0.33-0.41 Hz. Chosen on seeds 0 and 1 (README, savings).
    return OliveParams(w_no=300 * pA, w_spont=1200 * pA, background_rate=2.5 * Hz)


@dataclass(frozen=True)
class MicrozoneConfig(Params):
    """Sizes, inputs and cell parameters of the conditioning microzone."""

    n_mf: int = param(100, "mossy-fibre lines", low=1, structural=True)
    r: int = param(2000, "granule cells", low=1, structural=True)
    k: int = param(4, "mossy inputs per granule cell (≈ 4; Eccles et al. 1967)", low=1, structural=True)
    m: int = param(16, "Purkinje cells (each with its own olive cell and climbing fibre)", low=1,
                   structural=True)
    n_dcn: int = param(4, "DCN cells; Purkinje cells are split evenly among them (m divisible by n_dcn)",
                       low=1, structural=True)
    cs_lines: dict[str, int] = param({"tone": 25}, "CS name → number of mossy lines it drives (disjoint, "
                                                   "drawn with the seed)", structural=True)
    mf_background: b2.Quantity = param(4 * Hz, "background rate of every mossy line (~4 Hz; Casali et al. "
                                               "2019)", unit=Hz, low=0)
    mf_delay: b2.Quantity = param(1 * ms, "MF→GrC and UBC→GrC delay (Casali et al. 2019); at least one step dt",
                                  unit=ms, low=0, low_open=True)
    cs_rate: b2.Quantity = param(40 * Hz, "rate of a CS line during the CS (40 Hz; Geminiani et al. 2022)",
                                 unit=Hz, low=0, low_open=True)
    w_mf: b2.Quantity = param(3 * pA, "MF→GrC EPSC amplitude (subthreshold alone)", unit=pA, low=0)
    us_rate: b2.Quantity = param(500 * Hz, "rate of the US spike train to the olive (Geminiani et al. 2022)",
                                 unit=Hz, low=0, low_open=True)
    us_duration: b2.Quantity = param(30 * ms, "duration of the US (Geminiani et al. 2022)", unit=ms, low=0,
                                     low_open=True)
    dt: b2.Quantity = param(0.2 * ms, "simulation step (every time constant here is ≥ 1 ms and linear parts "
                                      "are integrated exactly, unless membrane noise is on: Euler)",
                            unit=ms, low=0, high=1, low_open=True,
                            structural=True)
    target: str = param("auto", "Brian2 code-generation target of the runtime device",
                        choices=("numpy", "cython", "auto"))
    device: str = param("runtime", "'runtime' or 'cpp_standalone' (the whole protocol as one compiled C++ "
                                   "program)", choices=DEVICES)
    threads: int = threads_param()
    seed: int = param(0, "seed of connectivity, timing spectrum, Poisson inputs and initial potentials",
                      low=0, high=2**32 - 1)
    granule: GranuleParams = field(default_factory=GranuleParams)
    ubc: UBCParams = field(default_factory=UBCParams)
    purkinje: PurkinjeParams = field(default_factory=PurkinjeParams)
    plasticity: PFPlasticityParams = field(default_factory=_conditioning_plasticity)
    olive: OliveParams = field(default_factory=_conditioning_olive)
    nuclei: NucleiParams = field(default_factory=_conditioning_nuclei)

    def check(self) -> None:
        """Cross-field rules: k ≤ n_mf, DCN convergence, CS lines that fit, kernel eligibility."""
        if self.k > self.n_mf:
            raise self.fail("k", f"must lie in [1, n_mf = {self.n_mf}], got {self.k}")
        if self.n_dcn > self.m or self.m % self.n_dcn:
            raise self.fail("n_dcn", f"must divide m = {self.m}, got {self.n_dcn}")
        if not self.cs_lines:
            raise self.fail("cs_lines", "must name at least one CS")
        counts = {name: V.integer(f"{type(self).__name__}.cs_lines.{name}", lines, 1, self.n_mf)
                  for name, lines in self.cs_lines.items()}
        object.__setattr__(self, "cs_lines", counts)  # integral floats (TOML 25.0) become ints
        if sum(self.cs_lines.values()) > self.n_mf:
            raise self.fail("cs_lines", f"use {sum(self.cs_lines.values())} lines but there are only "
                                        f"n_mf = {self.n_mf}")
        if threshold_margin(self.ubc, self.ubc.frac_min, float(self.mf_background / self.cs_rate)) <= 0:
            raise self.fail("ubc", f"frac_min = {self.ubc.frac_min}, off_gain = {self.ubc.off_gain} and "
                                   f"off_ratio = {self.ubc.off_ratio} leave no UBC window above the steady OFF "
                                   f"current of a {self.mf_background} background: raise frac_min or lower "
                                   "off_gain")
        if self.mf_delay < self.dt:
            # the granule layer's inputs arrive through a one-step merge (CerebellarMicrozone._build)
            raise self.fail("mf_delay", f"must be ≥ dt = {self.dt}, got {self.mf_delay}")
        if self.plasticity.eligibility != "kernel":
            raise self.fail("plasticity", "eligibility must be 'kernel' for conditioning (a look-back kernel)")

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
    ubc_line: np.ndarray
    ubc_tau: np.ndarray
    ubc_frac: np.ndarray
    granule_input_lines: np.ndarray
    duration: float
    #: mossy→DCN weights (A) at every trial start, (samples, n_mf, n_dcn); no samples when the
    #: site is off (``nuclei.mf_eta = 0``) or no trial period was given
    mf_dcn_weight_history: np.ndarray


@contextlib.contextmanager
def _indices_known_valid() -> Iterator[None]:
    """Drop Brian2's warning that a standalone StateMonitor's synapse indices cannot be checked.

    Before a standalone program runs, Brian2 does not know how many synapses ``connect()``
    made, so it warns on every monitor of synapses. The PF→PC synapses connect every granule
    cell to every Purkinje cell: there are exactly r × m, the indices recorded. Only that one
    message is dropped, and only while the monitor is made.
    """
    log = logging.getLogger("brian2.monitors.statemonitor.cannot_check_statemonitor_indices")

    def drop(record: logging.LogRecord) -> bool:
        return False

    log.addFilter(drop)
    try:
        yield
    finally:
        log.removeFilter(drop)


class CerebellarMicrozone(CerebellarCircuit):
    """Build the conditioning microzone once; schedule trials; run them in one ``Network.run``."""

    def __init__(self, config: MicrozoneConfig, record_weights_every: float | None = None,
                 trial_period: float | None = None) -> None:
        super().__init__(config.device, config.target, config.threads)
        self.config = config
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
        # each granule cell samples k distinct inputs among the mossy lines (0 … n_mf − 1) and
        # the UBC axons (n_mf … n_mf + n_ubc − 1)
        self.mf_to_granule = random_subsets(self._rng, c.r, c.n_mf + c.ubc.n, c.k)
        self.ubc_line, self.ubc_tau, self.ubc_frac = ubc_draw(c.n_mf, c.ubc, self._rng)
        is_cs_ubc = self.is_cs_line[self.ubc_line]
        is_cs_input = np.concatenate([np.zeros(c.n_mf, dtype=bool), is_cs_ubc])
        self.n_cs_inputs = is_cs_input[self.mf_to_granule].sum(1)
        # the mossy line behind each granule input (a UBC input stands for its UBC's line)
        self.granule_input_lines = np.concatenate([np.arange(c.n_mf), self.ubc_line])[self.mf_to_granule]

    def _build(self) -> None:
        c = self.config
        self._draw()
        # a fixed name (not 'clock*'): a second circuit in the process generates the same code, so
        # Cython's cache and a kept standalone project compile nothing again
        clock = b2.Clock(dt=c.dt, name="microzone_clock")
        self.clock = clock
        if float(c.purkinje.noise) > 0 or float(c.nuclei.noise) > 0:
            seed_brian(c.seed)  # Purkinje/DCN membrane noise (xi) comes from Brian2's generator: seeded, same spikes
        self.granule = granule_group(c.r, c.granule, golgi=False,
                                     eligibility=eligibility_state(c.plasticity, c.dt), clock=clock)
        self.mossy = b2.SpikeGeneratorGroup(c.n_mf, [], [] * second, clock=clock, name="mossy")
        self.ubc = ubc_group(c.ubc, self.ubc_tau, self.ubc_frac, c.cs_rate, c.mf_background, clock=clock)
        # a mossy spike enters both metabotropic cascades of every UBC on that line
        self.mf_ubc = b2.Synapses(self.mossy, self.ubc, on_pre="a1_post += q_on_post\nb1_post += q_off_post",
                                  delay=c.mf_delay, clock=clock, name="mf_ubc")
        self.mf_ubc.connect(i=self.ubc_line, j=np.arange(c.ubc.n))
        # Mossy lines and UBC axons reach the granule cells through ONE synapse group of exactly
        # r·k synapses. Two groups (mossy→GrC, UBC→GrC) would split those r·k synapses by the seed's
        # draw, and a synapse group's size is a constant in its standalone creation code, so every
        # new seed would recompile it (issue 17: a sweep of seeds compiles once). The merge goes
        # through ``granule_inputs``, one bookkeeping unit per input axon (not a cell): it re-emits
        # each spike one step later, and the synapses' delay is one step shorter, so a granule cell
        # receives every EPSC at the step it did with two groups, in the same order (mossy before UBC).
        # (a time stamp, not a flag cleared on reset: resets run after the synapses of a step and
        # would drop a spike that arrives right behind the one being re-emitted)
        self.granule_inputs = b2.NeuronGroup(c.n_mf + c.ubc.n, "arrival : integer\nw_out : amp (constant)",
                                             threshold="t_in_timesteps == arrival + 1", reset="", clock=clock,
                                             name="granule_inputs")
        self.granule_inputs.arrival = -2
        self.granule_inputs.w_out = np.concatenate([np.full(c.n_mf, float(c.w_mf)),
                                                    np.full(c.ubc.n, float(c.ubc.w_out))]) * b2.amp
        self.mf_arrive = b2.Synapses(self.mossy, self.granule_inputs, on_pre="arrival_post = t_in_timesteps",
                                     clock=clock, name="mf_arrive")
        self.mf_arrive.connect(j="i")
        self.ubc_arrive = b2.Synapses(self.ubc, self.granule_inputs[c.n_mf:], on_pre="arrival_post = t_in_timesteps",
                                      clock=clock, name="ubc_arrive")
        self.ubc_arrive.connect(j="i")
        self.mf_granule = b2.Synapses(self.granule_inputs, self.granule, on_pre="I_mf_post += w_out_pre",
                                      delay=c.mf_delay - c.dt, clock=clock, name="mf_granule")
        self.mf_granule.connect(i=self.mf_to_granule.ravel(), j=np.repeat(np.arange(c.r), c.k))

        self.olive_layer = OliveLayer(c.m, c.olive, clock)
        self.olive = self.olive_layer.cells
        phase_rng = np.random.default_rng([c.seed, 13])
        self.molecular = MolecularLayer(self.granule, c.m, c.purkinje, c.plasticity, self.olive, clock,
                                        phase_rng, gate=np.ones(1), gate_dt=1 * second)
        self.purkinje = self.molecular.purkinje
        self.pf_purkinje = self.molecular.pf_purkinje
        self.output = NuclearOutput(self.purkinje, c.n_dcn, c.nuclei, clock, phase_rng, gated=True)
        self.nuclei = self.output.cells
        # optional pathways: nucleo-olivary inhibition, plastic mossy collaterals onto the DCN
        optional = ([self.olive_layer.inhibit_from(self.nuclei, c.pcs_per_dcn, clock)]
                    if float(c.olive.w_no) > 0 else [])
        self.mossy_nuclei = None
        if float(c.nuclei.mf_eta) > 0:
            self.mossy_nuclei = mossy_nuclei_synapses(self.mossy, self.nuclei, c.nuclei, self.molecular.gate, clock)
            optional.append(self.mossy_nuclei)

        objects: list[Any] = [self.mossy, self.ubc, self.mf_ubc, self.granule, self.granule_inputs,
                              self.mf_arrive, self.ubc_arrive, self.mf_granule, self.purkinje,
                              self.pf_purkinje, self.olive_layer.input, self.olive, self.olive_layer.synapses,
                              self.molecular.climbing_fibre, self.nuclei, self.output.synapses, *optional]
        self.weight_monitor = None
        extra = []
        if self._record_every is not None:
            # explicit indices (all r × m synapses): standalone cannot resolve record=True
            # for synapses before its program has run
            with _indices_known_valid():
                self.weight_monitor = b2.StateMonitor(self.pf_purkinje, "w", record=np.arange(c.r * c.m),
                                                      dt=self._record_every * second, name="mon_weights")
            extra.append(self.weight_monitor)
        self.mf_weight_monitor = None
        if self.mossy_nuclei is not None and self._trial_period is not None:
            # the mossy→DCN weights at every trial start (all n_mf × n_dcn synapses)
            self.mf_weight_monitor = b2.StateMonitor(self.mossy_nuclei, "w", record=np.arange(c.n_mf * c.n_dcn),
                                                     dt=self._trial_period * second, name="mon_mf_weights")
            extra.append(self.mf_weight_monitor)
        self._assemble(objects, {"mossy": self.mossy, "ubc": self.ubc, "granule": self.granule,
                                 "purkinje": self.purkinje,
                                 "olive": self.olive, "nuclei": self.nuclei}, extra)
        self.weights_initial = self.molecular.initial_weights() if self.standalone else self.weights()

    # schedule ------------------------------------------------------------------------------------
    def add_trial(self, duration: float, cs: str | None, cs_onset: float, cs_duration: float,
                  us_targets: tuple[int, ...] = (), us_onset: float = 0.0) -> Trial:
        """Append a trial of ``duration`` seconds (times relative to its start, in seconds)."""
        c = self.config
        if cs is not None and cs not in self.cs_line_sets:
            raise ConfigError("cs", f"must be one of {sorted(self.cs_line_sets)}, got {cs!r}")
        if duration <= 0:
            raise ConfigError("duration", f"must be > 0 s, got {duration}")
        if self._trial_period is not None and abs(duration - self._trial_period) > 1e-9:
            raise ConfigError("duration", f"must equal the trial period this microzone was built for "
                                          f"({self._trial_period} s: the plasticity and Purkinje→DCN gates hold "
                                          f"one value per trial), got {duration} s")
        if cs is not None and (cs_duration <= 0 or cs_onset < 0 or cs_onset + cs_duration > duration):
            raise ConfigError("cs_onset", "and cs_duration must put the CS inside the trial: 0 <= cs_onset, "
                                          "cs_duration > 0, cs_onset + cs_duration <= duration; got "
                                          f"{cs_onset}, {cs_duration}, {duration}")
        bad = [t for t in us_targets if not 0 <= t < c.m]
        if bad:
            raise ConfigError("us_targets", f"must be olive cells in [0, m={c.m}), got {bad}")
        if us_targets and (us_onset < 0 or cs_onset + us_onset + float(c.us_duration) > duration):
            raise ConfigError("us_onset", "must be at or after the CS onset (>= 0) and the US must end "
                                          f"inside the trial; got us_onset = {us_onset} s")
        start = self._trials[-1].start + self._durations[-1] if self._trials else 0.0
        trial = Trial(start, cs, cs_onset, cs_duration, tuple(us_targets), us_onset)
        self._trials.append(trial)
        self._durations.append(duration)
        return trial

    def set_plasticity_gate(self, values: np.ndarray, dt: b2.Quantity) -> None:
        """Plasticity on (1) or frozen (0) from ``k·dt`` on: PF→PC and, if present, MF→DCN synapses."""
        self.molecular.set_gate(values, dt)
        if self.mossy_nuclei is not None:
            self.mossy_nuclei.namespace["plasticity_gate"] = self.molecular.gate

    @property
    def trials(self) -> list[Trial]:
        """All scheduled trials."""
        return list(self._trials)

    def run(self, report: Any = None) -> MicrozoneRecord:
        """Simulate every trial not yet simulated, in one ``Network.run``."""
        c = self.config
        todo = self._trials[self._pending_from:]
        if todo:
            if self.standalone and self._pending_from:
                raise ConfigError(None, "a cpp_standalone microzone runs once: schedule every trial, then run()")
            dt = float(c.dt)
            t0 = 0.0 if self.standalone else float(self.network.t)
            end = todo[-1].start + self._durations[len(self._trials) - 1]
            duration = end - t0
            # background on every line over the whole stretch
            lines, times = poisson_background(c.n_mf, float(c.mf_background), duration, t0, self._input_rng)
            mf_i, mf_t = [lines], [times]
            lines, times = self.olive_layer.spontaneous(duration, t0, self._input_rng)
            io_i, io_t = [lines], [times]
            us_times = np.arange(0.0, float(c.us_duration) - 1e-12, 1.0 / float(c.us_rate))
            for tr in todo:
                if tr.cs is not None:
                    cs_lines = self.cs_line_sets[tr.cs]
                    n_sp = self._input_rng.poisson(float(c.cs_rate) * tr.cs_duration * cs_lines.size)
                    mf_i.append(self._input_rng.choice(cs_lines, n_sp))
                    mf_t.append(tr.start + tr.cs_onset + self._input_rng.random(n_sp) * tr.cs_duration)
                if tr.us_targets:
                    tt = tr.start + tr.cs_onset + tr.us_onset + us_times
                    for target in tr.us_targets:
                        io_i.append(np.full(tt.size, target))
                        io_t.append(tt)
            mossy, olive = grid_spikes(mf_i, mf_t, dt, t0), grid_spikes(io_i, io_t, dt, t0)
            if self.standalone:
                # lists as long for every seed (spike_capacity), so a new seed compiles nothing;
                # rounded up to 1,024 · 4^k, so that ISIs of 150–600 ms share one program too
                cs_spikes = sum(float(c.cs_rate) * tr.cs_duration * self.cs_line_sets[tr.cs].size
                                for tr in todo if tr.cs is not None)
                us_spikes = sum(us_times.size * len(tr.us_targets) for tr in todo)
                mossy = padded_spikes(*mossy, spike_capacity(c.n_mf * float(c.mf_background) * duration
                                                             + cs_spikes, growth=4), duration, dt)
                olive = padded_spikes(*olive, spike_capacity(c.m * float(c.olive.background_rate) * duration
                                                             + us_spikes, growth=4), duration, dt)
            self.mossy.set_spikes(*mossy, sorted=True)
            self.olive_layer.input.set_spikes(*olive, sorted=True)
            self._simulate(duration, report)
            self._pending_from = len(self._trials)
        return self.record()

    def weights(self) -> np.ndarray:
        """PF→PC weights as an (r, m) array in amperes."""
        return self.molecular.weights()

    def weights_at(self, time: float) -> np.ndarray | None:
        """PF→PC weights (r, m) recorded at ``time`` (s) by the weight monitor, or None if it took no sample then.

        The monitor (``record_weights_every``) samples at the start of the time step at every
        multiple of its period: the weights after everything simulated before ``time``.
        """
        if self.weight_monitor is None or not len(self.weight_monitor.t):
            return None
        times = np.asarray(self.weight_monitor.t_)
        k = int(np.argmin(np.abs(times - time)))
        if abs(times[k] - time) > 0.5 * float(self.config.dt):
            return None
        return self.molecular.as_matrix(np.asarray(self.weight_monitor.w_)[:, k])

    def record(self) -> MicrozoneRecord:
        """Everything simulated so far as NumPy arrays."""
        if self.weight_monitor is not None and len(self.weight_monitor.t):
            hist = np.asarray(self.weight_monitor.w_)
            times = np.asarray(self.weight_monitor.t_)
        else:
            hist, times = np.zeros((0, 0)), np.zeros(0)
        c = self.config
        mf_hist = np.zeros((0, c.n_mf, c.n_dcn))
        if self.mf_weight_monitor is not None and self.mossy_nuclei is not None and len(self.mf_weight_monitor.t):
            samples = np.asarray(self.mf_weight_monitor.w_).T  # (samples, synapses)
            mf_hist = np.zeros((samples.shape[0], c.n_mf, c.n_dcn))
            mf_hist[:, np.asarray(self.mossy_nuclei.i), np.asarray(self.mossy_nuclei.j)] = samples
        return MicrozoneRecord(self.spikes(), self.weights_initial, self.weights(), hist, times,
                               self.mf_to_granule, dict(self.cs_line_sets), self.ubc_line, self.ubc_tau,
                               self.ubc_frac, self.granule_input_lines, float(self.network.t), mf_hist)
