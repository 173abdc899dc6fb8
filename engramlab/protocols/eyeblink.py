"""Delay eyeblink conditioning: acquisition, CS-alone probes, extinction and reacquisition.

Schedule (Geminiani et al. 2022 defaults): each trial lasts ``trial_period`` (1 s); the CS
(40 Hz on the tone's mossy fibres) starts ``cs_onset`` into the trial and lasts ISI + US
duration, so CS and US co-terminate; the US (500 Hz for 30 ms) drives every olive cell of the
microzone. Every ``probe_every``-th acquisition trial is a CS-alone probe. Extinction trials are
CS-alone; reacquisition trials are paired again. All trials run in one ``Network.run``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import brian2 as b2
import numpy as np
from brian2 import ms, second

from engramlab.circuits.microzone import CerebellarMicrozone, MicrozoneConfig
from engramlab.models._params import check_int, check_quantity, flatten_params, param
from engramlab.results import Result, run_metadata

__all__ = ["PHASES", "EyeblinkConfig", "run_eyeblink"]

PHASES = {"acquisition": 0, "extinction": 1, "reacquisition": 2}


@dataclass(frozen=True)
class EyeblinkConfig:
    """Trial schedule of delay eyeblink conditioning."""

    isi: b2.Quantity = param(250 * ms, "CS→US interval (Geminiani et al. 2022: 250 ms)")
    trials: int = param(100, "acquisition trials (Geminiani et al. 2022: 100)")
    extinction_trials: int = param(0, "CS-alone extinction trials after acquisition")
    reacquisition_trials: int = param(0, "paired trials after extinction (savings test)")
    probe_every: int = param(10, "every n-th acquisition/reacquisition trial is a CS-alone probe "
                                 "(0: none)")
    trial_period: b2.Quantity = param(1 * second, "trial start to trial start (1 s)")
    cs_onset: b2.Quantity = param(200 * ms, "CS onset after the trial start (pre-CS baseline)")

    def __post_init__(self) -> None:
        o = "EyeblinkConfig"
        if isinstance(self.isi, b2.Quantity) and self.isi.has_same_dimensions(ms) and float(self.isi) < 0:
            raise ValueError(f"EyeblinkConfig.isi = {self.isi}: the US would come before the CS; "
                             "the ISI must be > 0 (delay conditioning)")
        check_quantity(o, "isi", self.isi, ms, 0, None, low_open=True)
        check_int(o, "trials", self.trials, 1)
        check_int(o, "extinction_trials", self.extinction_trials, 0)
        check_int(o, "reacquisition_trials", self.reacquisition_trials, 0)
        check_int(o, "probe_every", self.probe_every, 0)
        check_quantity(o, "trial_period", self.trial_period, ms, 0, None, low_open=True)
        check_quantity(o, "cs_onset", self.cs_onset, ms, 0, None)

    def cs_duration(self, circuit: MicrozoneConfig) -> b2.Quantity:
        """CS duration: ISI + US duration (co-terminating)."""
        return self.isi + circuit.us_duration

    def check_fits(self, circuit: MicrozoneConfig) -> None:
        """Raise unless baseline + CS + 200 ms of recovery fit in one trial period."""
        need = self.cs_onset + self.cs_duration(circuit) + 200 * ms
        if need > self.trial_period:
            raise ValueError(f"EyeblinkConfig: cs_onset + ISI + US ({need - 200 * ms}) plus 200 ms "
                             f"must fit in trial_period = {self.trial_period}; raise trial_period or "
                             "lower the ISI")


def schedule(protocol: EyeblinkConfig) -> list[tuple[int, bool]]:
    """(phase code, paired?) of every trial in order."""
    out: list[tuple[int, bool]] = []
    for phase, count in (("acquisition", protocol.trials),
                         ("extinction", protocol.extinction_trials),
                         ("reacquisition", protocol.reacquisition_trials)):
        for k in range(count):
            probe = protocol.probe_every > 0 and (k + 1) % protocol.probe_every == 0
            paired = phase != "extinction" and not probe
            out.append((PHASES[phase], paired))
    return out


def run_eyeblink(circuit: MicrozoneConfig | None = None, protocol: EyeblinkConfig | None = None,
                 report: Any = None, cs: str | None = None) -> Result:
    """Run delay eyeblink conditioning in one network run and return a Result.

    Returns
    -------
    Result
        Arrays ``spikes_<population>_t/_i``, ``trial_start``, ``trial_phase`` (0 acquisition,
        1 extinction, 2 reacquisition), ``trial_paired``, ``weights_initial``/``weights_final``
        (A), ``granule_window_start/_end`` (s after CS onset: each CS-driven granule cell's
        expected active window; NaN otherwise).
    """
    circuit = circuit or MicrozoneConfig()
    protocol = protocol or EyeblinkConfig()
    protocol.check_fits(circuit)
    cs = cs or next(iter(circuit.cs_lines))
    if cs not in circuit.cs_lines:
        raise ValueError(f"unknown CS {cs!r}; the circuit has {sorted(circuit.cs_lines)}")
    t0 = time.perf_counter()
    zone = CerebellarMicrozone(circuit, trial_period=float(protocol.trial_period))
    build_s = time.perf_counter() - t0
    period = float(protocol.trial_period)
    onset = float(protocol.cs_onset)
    cs_dur = float(protocol.cs_duration(circuit))
    isi = float(protocol.isi)
    plan = schedule(protocol)
    everyone = tuple(range(circuit.m))
    for _, paired in plan:
        zone.add_trial(period, cs, onset, cs_dur, everyone if paired else (), isi)
    t1 = time.perf_counter()
    rec = zone.run(report=report)
    run_s = time.perf_counter() - t1

    from engramlab.models.timing import active_window
    start, end = active_window(rec.granule_tau, rec.granule_gain, circuit.timing)
    cs_driven = zone.n_cs_inputs > 0
    start[~cs_driven] = np.nan
    end[~cs_driven] = np.nan
    arrays: dict[str, np.ndarray] = {}
    for pop, (t, i) in rec.spikes.items():
        arrays[f"spikes_{pop}_t"] = t
        arrays[f"spikes_{pop}_i"] = i.astype(np.int32)
    arrays.update(
        trial_start=np.array([tr.start for tr in zone.trials]),
        trial_phase=np.array([p for p, _ in plan], dtype=np.int8),
        trial_paired=np.array([pd for _, pd in plan], dtype=bool),
        weights_initial=rec.weights_initial, weights_final=rec.weights,
        granule_window_start=start, granule_window_end=end,
        granule_cs_inputs=zone.n_cs_inputs.astype(np.int16))
    c_values, c_units = flatten_params(circuit)
    p_values, p_units = flatten_params(protocol)
    params: dict[str, Any] = {f"circuit.{k}": v for k, v in c_values.items()}
    params.update({f"protocol.{k}": v for k, v in p_values.items()})
    params.update(cs=cs, cs_duration=cs_dur, phases=PHASES)
    units = {f"circuit.{k}": u for k, u in c_units.items()}
    units.update({f"protocol.{k}": u for k, u in p_units.items()})
    metadata = run_metadata(circuit.seed, protocol="eyeblink",
                            device=circuit.device, timings=dict(zone.timings), target=circuit.target,
                            build_seconds=build_s, run_seconds=run_s, biological_seconds=rec.duration)
    return Result("eyeblink", arrays, params, metadata, units)
