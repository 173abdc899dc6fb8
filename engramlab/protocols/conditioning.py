"""Trial timing shared by the conditioning protocols (eyeblink, associative).

A trial starts with ``cs_onset`` of baseline, then the CS; the teaching signal (US) arrives
``isi`` after CS onset and lasts the circuit's ``us_duration``; CS and US co-terminate; the
trial must leave ``recovery`` after the US for the Purkinje and DCN rates to return to baseline
before the next trial begins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import brian2 as b2
from brian2 import ms, second

from engramlab.circuits.microzone import MicrozoneConfig
from engramlab.errors import ConfigError
from engramlab.models._params import Params, param

__all__ = ["TrialTiming"]


@dataclass(frozen=True)
class TrialTiming(Params):
    """When the CS and the US happen inside a trial."""

    isi: b2.Quantity = param(250 * ms, "CS→US interval (Geminiani et al. 2022: 250 ms)", unit=ms, low=0,
                             low_open=True)
    trial_period: b2.Quantity = param(1 * second, "trial start to trial start (1 s)", unit=ms, low=0,
                                      low_open=True, structural=True)
    cs_onset: b2.Quantity = param(200 * ms, "CS onset after the trial start: the pre-CS baseline (at least the "
                                            "100 ms the CR signal is averaged over; 200 ms when the recovery "
                                            "is too short to measure the CR threshold on)", unit=ms, low=100)
    recovery: b2.Quantity = param(200 * ms, "time after the US before the next trial: the US-evoked "
                                            "complex spikes, the Purkinje burst and the DCN rebound settle "
                                            "within ~150 ms (measured in the default microzone)", unit=ms, low=0)

    def cs_duration(self, circuit: MicrozoneConfig) -> b2.Quantity:
        """CS duration: ISI + US duration (co-terminating)."""
        return self.isi + circuit.us_duration

    def longest_cs(self, circuit: MicrozoneConfig) -> b2.Quantity:
        """The longest tone of any trial (subclasses with longer probe tones override it)."""
        return self.cs_duration(circuit)

    def needed_period(self, circuit: MicrozoneConfig) -> b2.Quantity:
        """Baseline + longest CS + recovery: the shortest trial that holds every trial type."""
        return self.cs_onset + self.longest_cs(circuit) + self.recovery

    def period(self, circuit: MicrozoneConfig) -> b2.Quantity:
        """The trial period: ``trial_period`` if given, else :meth:`needed_period` rounded up to 100 ms."""
        if self.trial_period is not None:
            return self.trial_period
        tenths = math.ceil(round(float(self.needed_period(circuit) / (100 * ms)), 9))
        return tenths * 100 * ms

    def check_fits(self, circuit: MicrozoneConfig) -> None:
        """Raise :class:`ConfigError` unless baseline + CS + recovery fit in one trial period."""
        need = self.needed_period(circuit)
        # a tolerance of 1 ns: 100 + 800 + 800 ms sums to 1.7000000000000002 s in floating point
        if float(need) > float(self.period(circuit)) + 1e-9:
            raise ConfigError("protocol.trial_period", f"= {self.trial_period} is shorter than cs_onset + the "
                                                       f"longest tone + recovery = {need}; raise trial_period "
                                                       "(or leave it unset: it then follows the ISI) or lower "
                                                       "the ISI")
