"""Delay eyeblink conditioning: acquisition, CS-alone probes, extinction and reacquisition.

Schedule (Geminiani et al. 2022 defaults): the CS (40 Hz on the tone's mossy fibres) starts
``cs_onset`` into the trial and lasts ISI + US duration, so CS and US co-terminate; the US
(500 Hz for 30 ms) drives every olive cell of the microzone. Every ``probe_every``-th
acquisition and reacquisition trial is an *extended probe*: the tone lasts ``probe_extension``
(300 ms) past the ISI, there is no US and PF→PC plasticity is frozen (a per-trial gate), so the
learned pause can be seen over the whole probe rather than cut off where the US would be.
Extinction trials are CS-alone with the training tone. The trial period follows the longest
tone plus a 1.5 s recovery (2.3 s at the default ISI) unless ``trial_period`` is given: nothing
in the granular layer is reset between trials. All trials run in one
``Network.run``.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from dataclasses import dataclass
from typing import Any

import brian2 as b2
import numpy as np
from brian2 import ms, second

from engramlab.analysis.eyeblink import FALLBACK_BASELINE, SHORTEST_NULL, spontaneous_room
from engramlab.circuits.microzone import CerebellarMicrozone, MicrozoneConfig
from engramlab.errors import ConfigError
from engramlab.models._params import param
from engramlab.models.ubc import active_window
from engramlab.protocols._result import config_params, spike_arrays
from engramlab.protocols.conditioning import TrialTiming
from engramlab.resources import BYTES_PER_NEURON_VARIABLE, BYTES_PER_SYNAPSE
from engramlab.results import Result, run_metadata
from engramlab.schedules import PHASES

__all__ = ["MAX_WEIGHT_SAMPLES", "PHASES", "EyeblinkConfig", "memory_estimate", "prepare", "run_eyeblink", "schedule",
           "weight_samples"]

@dataclass(frozen=True)
class EyeblinkConfig(TrialTiming):
    """Trial schedule of delay eyeblink conditioning."""

    trials: int = param(100, "acquisition trials (Geminiani et al. 2022: 100)", low=1, structural=True)
    extinction_trials: int = param(0, "CS-alone extinction trials after acquisition", low=0, structural=True)
    reacquisition_trials: int = param(0, "paired trials after extinction (savings test)", low=0,
                                      structural=True)
    mixed_isi_ms: tuple[float, ...] = param((), "train two or more ISIs (ms) interleaved in one run, paired trials "
                                                 "cycling through them; the probe tone then lasts the longest ISI "
                                                 "+ probe_extension (empty: the single isi)", low=0, low_open=True)
    lesion_trials: int = param(10, "CS-alone trials right after acquisition with the Purkinje→DCN inhibition cut and "
                                   "plasticity frozen: the cortex-lesion probe (Perrett, Ruiz & Mauk 1993)", low=0,
                               structural=True)
    probe_every: int = param(10, "every n-th acquisition/reacquisition trial is a CS-alone probe (0: none)",
                             low=0)
    probe_extension: b2.Quantity = param(300 * ms, "probe tone beyond the ISI (no US, plasticity frozen): long "
                                                   "enough to see whether the pause follows the ISI or the "
                                                   "tone's end; at least the 300 ms the recovery window "
                                                   "[ISI + 150, ISI + 300] ms needs", unit=ms, low=300)
    recovery: b2.Quantity = param(1500 * ms, "time after the US (or the probe tone) before the next trial: "
                                             "the UBCs' slow cascades have no reset and decay during it "
                                             "(measured at 200 ms: the carried-over OFF current silences the "
                                             "slowest UBCs and CRs at ISI 600 ms fell from 70 % to 10 %, "
                                             "measured with the 20 ms kernel used until 2026-12-03)",
                                  unit=ms, low=0)
    trial_period: b2.Quantity | None = param(None, "trial start to trial start (none: cs_onset + the longest tone "
                                                   "+ recovery, rounded up to 100 ms; 2.3 s at the default ISI)",
                                             kind="quantity", unit=ms, low=0, low_open=True, structural=True)

    def check(self) -> None:
        """A mixed schedule needs two or more distinct ISIs, and then no separate ``isi``."""
        mixed = self.mixed_isi_ms
        if len(mixed) == 1:
            raise self.fail("mixed_isi_ms", f"needs two or more ISIs (one ISI: set isi), got {mixed}")
        if len(set(mixed)) != len(mixed):
            raise self.fail("mixed_isi_ms", f"must not repeat an ISI, got {mixed}")
        isi_field = type(self).__dataclass_fields__["isi"]
        default_isi = (isi_field.default if isi_field.default is not dataclasses.MISSING
                       else isi_field.default_factory())  # type: ignore[operator]
        if mixed and abs(float(self.isi - default_isi)) > 1e-12:  # an isi left at its default is not "given"
            raise self.fail("isi", f"(= {self.isi}) cannot be combined with mixed_isi_ms; give the ISIs there")

    def isis(self) -> list[b2.Quantity]:
        """The trained ISIs: ``mixed_isi_ms`` if given, else ``[isi]``."""
        return [v * ms for v in self.mixed_isi_ms] if self.mixed_isi_ms else [self.isi]

    def probe_duration(self) -> b2.Quantity:
        """Tone of a probe trial: the longest ISI + ``probe_extension``."""
        return max(self.isis()) + self.probe_extension

    def longest_cs(self, circuit: MicrozoneConfig) -> b2.Quantity:
        """The longest training tone, or the probe tone if probes are longer."""
        tone = max(self.isis()) + circuit.us_duration
        if self.probe_every > 0:
            tone = max(tone, self.probe_duration())
        return tone

    def check_cr_threshold(self, circuit: MicrozoneConfig) -> None:
        """Check, before anything is simulated, that the analysis can measure its CR threshold.

        It comes from CS-free stretches of the recovery (:func:`~engramlab.analysis.eyeblink.spontaneous_room`)
        or, when the recovery is too short for them, from two 100 ms windows of pre-CS baseline.
        Called by :func:`prepare` (every run that is analysed); :func:`run_eyeblink` alone does not
        need it (an analysis may be given its threshold).
        """
        room = spontaneous_room(float(self.period(circuit)), float(self.cs_onset), float(self.longest_cs(circuit)))
        if room < SHORTEST_NULL and float(self.cs_onset) < FALLBACK_BASELINE - 1e-9:
            need = f"{FALLBACK_BASELINE * 1e3:.0f} ms"
            raise ConfigError("protocol.recovery", f"= {self.recovery} leaves no CS-free stretch for the CR threshold "
                                                   f"and cs_onset = {self.cs_onset} is < {need}: lengthen the recovery "
                                                   f"by {(SHORTEST_NULL - room) * 1e3:.0f} ms or cs_onset to {need}")


def schedule(protocol: EyeblinkConfig) -> list[tuple[int, bool, bool]]:
    """(phase code, paired?, probe?) of every trial in order.

    Acquisition, the lesion probes, extinction, reacquisition; lesion and extinction trials are
    CS-alone and not probes.
    """
    out: list[tuple[int, bool, bool]] = []
    for phase, count in (("acquisition", protocol.trials),
                         ("lesion", protocol.lesion_trials),
                         ("extinction", protocol.extinction_trials),
                         ("reacquisition", protocol.reacquisition_trials)):
        for k in range(count):
            trained = phase in ("acquisition", "reacquisition")
            probe = trained and protocol.probe_every > 0 and (k + 1) % protocol.probe_every == 0
            paired = trained and not probe
            out.append((PHASES[phase], paired, probe))
    return out


def memory_estimate(circuit: MicrozoneConfig, protocol: TrialTiming) -> tuple[float, str]:
    """Estimated peak bytes of the microzone (granule layer, PF→PC synapses) and its driving key ``r``."""
    c = circuit
    synapses = c.r * c.k + c.r * c.m + 3 * c.m
    neurons = c.r * (6 + c.plasticity.kernel_order + 2) + 8 * c.m
    samples = weight_samples(protocol) if isinstance(protocol, EyeblinkConfig) else 0
    monitor = 8.0 * c.r * c.m * samples  # the PF→PC weight samples (run_eyeblink), 8 bytes each
    return synapses * BYTES_PER_SYNAPSE + neurons * BYTES_PER_NEURON_VARIABLE + monitor, "r"


def prepare(circuit: MicrozoneConfig, protocol: EyeblinkConfig, quick: bool = False
            ) -> tuple[MicrozoneConfig, EyeblinkConfig]:
    """Check, before anything is simulated, that a trial holds baseline, CS, US and recovery.

    Also that the recovery leaves room to measure the CR threshold (or the baseline is 200 ms).
    """
    protocol.check_fits(circuit)
    protocol.check_cr_threshold(circuit)
    return circuit, protocol


#: the most PF→PC weight samples (r × m each, every ``trials × trial period``) a run records
MAX_WEIGHT_SAMPLES = 16


def weight_samples(protocol: EyeblinkConfig) -> int:
    """PF→PC weight samples a run records (at most, one per multiple of acquisition's length); 0: none.

    A schedule more than ``MAX_WEIGHT_SAMPLES − 1`` times as long as acquisition records none.
    """
    samples = len(schedule(protocol)) // protocol.trials + 1
    return samples if samples <= MAX_WEIGHT_SAMPLES else 0


def run_eyeblink(circuit: MicrozoneConfig | None = None, protocol: EyeblinkConfig | None = None,
                 report: Any = None, cs: str | None = None) -> Result:
    """Run delay eyeblink conditioning in one network run and return a Result.

    Returns
    -------
    Result
        Arrays ``spikes_<population>_t/_i``, ``trial_start``, ``trial_phase`` (0 acquisition,
        1 extinction, 2 reacquisition, 3 lesion), ``trial_paired``, ``trial_probe`` (extended,
        plasticity-frozen CS-alone probes), ``trial_isi`` (s), ``weights_initial``/``weights_final``
        (A), ``ubc_window_start/_end`` (s after CS onset: each CS-driven UBC's mean
        suprathreshold window under a sustained CS; NaN for UBCs on other lines), ``ubc_tau`` (s),
        ``granule_window_start/_end`` (the span of a granule cell's CS-driven UBC windows; NaN
        if it has none), ``granule_cs_inputs`` (CS-driven UBC inputs per granule cell),
        ``weights_end_of_acquisition`` (A, the PF→PC weights when the last acquisition trial
        ends; only when a trial follows it and the whole schedule is at most
        ``MAX_WEIGHT_SAMPLES − 1`` times as long as acquisition); with
        mossy→DCN plasticity on (``nuclei.mf_eta > 0``) also ``mf_dcn_weights_by_trial`` (A, at
        every trial start: trials × n_mf × n_dcn) and ``cs_lines`` (the CS's mossy lines).
    """
    circuit = circuit or MicrozoneConfig()
    protocol = protocol or EyeblinkConfig()
    protocol.check_fits(circuit)
    cs = cs or next(iter(circuit.cs_lines))
    if cs not in circuit.cs_lines:
        raise ConfigError("cs", f"must be one of {sorted(circuit.cs_lines)}, got {cs!r}")
    t0 = time.perf_counter()
    period = float(protocol.period(circuit))
    plan = schedule(protocol)
    # the PF→PC weights at every multiple of the acquisition's length: at its end they are the
    # last acquisition probe's (plasticity is frozen on probes), kept when extinction follows.
    # The length is a whole number of the circuit's steps (the standalone program takes two
    # clocks' ticks as one only within 1e-14 s: trials × period alone can miss the main clock's
    # tick by a rounding error, and a plastic step would slip in before the sample). At most
    # MAX_WEIGHT_SAMPLES samples (r × m each); a longer schedule records none.
    dt = float(circuit.dt)
    acquisition = round(protocol.trials * period / dt) * dt
    zone = CerebellarMicrozone(circuit, trial_period=period,
                               record_weights_every=acquisition if weight_samples(protocol) else None)
    build_s = time.perf_counter() - t0
    onset = float(protocol.cs_onset)
    isis = [float(v) for v in protocol.isis()]
    us = float(circuit.us_duration)
    cs_dur = max(isis) + us  # the longest training tone (CS and US co-terminate)
    probe_dur = float(protocol.probe_duration())
    everyone = tuple(range(circuit.m))
    trial_isi = []
    turn = {True: 0, False: 0}  # paired and CS-alone trials each cycle through the ISIs
    for _, paired, probe in plan:
        # a CS-alone trial's tone lasts as long as a paired trial of its ISI would; a probe is
        # timed against the longest ISI and its tone lasts that + the extension
        if probe:
            isi = max(isis)
        else:
            isi = isis[turn[paired] % len(isis)]
            turn[paired] += 1
        trial_isi.append(isi)
        zone.add_trial(period, cs, onset, probe_dur if probe else isi + us, everyone if paired else (), isi)
    # PF→PC plasticity is frozen during probes and lesion trials, and the Purkinje→DCN inhibition
    # is cut during lesion trials (one gate value per trial; both on after the last)
    lesion = [phase == PHASES["lesion"] for phase, _, _ in plan]
    zone.set_plasticity_gate(np.array([0.0 if probe or cut else 1.0
                                       for (_, _, probe), cut in zip(plan, lesion, strict=True)] + [1.0]),
                             period * second)
    zone.output.set_gate(np.array([0.0 if cut else 1.0 for cut in lesion] + [1.0]), period * second)
    t1 = time.perf_counter()
    rec = zone.run(report=report)
    run_s = time.perf_counter() - t1

    start, end = active_window(rec.ubc_tau, rec.ubc_frac, circuit.ubc)
    cs_driven = np.isin(rec.ubc_line, zone.cs_line_sets[cs])
    start[~cs_driven] = np.nan
    end[~cs_driven] = np.nan
    # a granule cell's CS window spans those of its CS-driven UBC inputs (NaN: none)
    n_mf = circuit.n_mf
    ubc_in = np.where(rec.mf_to_granule >= n_mf, rec.mf_to_granule - n_mf, -1)
    pad_start, pad_end = np.append(start, np.nan), np.append(end, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: cells without CS-driven UBCs
        g_start = np.nanmin(pad_start[ubc_in], axis=1)
        g_end = np.nanmax(pad_end[ubc_in], axis=1)
    arrays = spike_arrays(rec.spikes)
    arrays.update(
        trial_start=np.array([tr.start for tr in zone.trials]),
        trial_phase=np.array([p for p, _, _ in plan], dtype=np.int8),
        trial_paired=np.array([pd for _, pd, _ in plan], dtype=bool),
        trial_probe=np.array([pr for _, _, pr in plan], dtype=bool),
        trial_isi=np.array(trial_isi),
        weights_initial=rec.weights_initial, weights_final=rec.weights,
        ubc_window_start=start, ubc_window_end=end, ubc_tau=rec.ubc_tau,
        granule_window_start=g_start, granule_window_end=g_end,
        granule_cs_inputs=zone.n_cs_inputs.astype(np.int16))
    at_end = zone.weights_at(acquisition)  # None when the run ends with acquisition (then: weights_final)
    if at_end is not None:
        arrays.update(weights_end_of_acquisition=at_end)
    if rec.mf_dcn_weight_history.shape[0]:  # the mossy→DCN site is on
        arrays.update(mf_dcn_weights_by_trial=rec.mf_dcn_weight_history, cs_lines=np.asarray(rec.cs_line_sets[cs]))
    params, units = config_params(circuit, protocol)
    params.update(cs=cs, cs_duration=cs_dur, probe_duration=probe_dur, trial_period=period, phases=PHASES,
                  isis=isis)
    metadata = run_metadata(circuit.seed, protocol="eyeblink",
                            device=circuit.device, timings=dict(zone.timings), target=circuit.target,
                            build_seconds=build_s, run_seconds=run_s, biological_seconds=rec.duration)
    return Result("eyeblink", arrays, params, metadata, units)
