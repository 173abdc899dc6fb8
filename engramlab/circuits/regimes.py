"""Named regimes of the cerebellar SDM circuit, as plain settings (no Brian2 import).

``realistic`` is the default of every field (:class:`engramlab.circuits.cerebellum.CerebellumConfig`);
``ideal`` is the noise-free mathematical limit the original model was built in: synchronous
volleys without background, regular Purkinje pacemakers (one per output line), no Golgi cells
in radius mode, a granular layer returned to rest at every slot start, the volley-era timing
and eligibility window. The command line and :func:`engramlab.run` apply these settings
beneath the user's own when ``regime = "ideal"``; ``CerebellumConfig.ideal()`` does the same
in Python.
"""

from __future__ import annotations

from typing import Any

__all__ = ["IDEAL_SDM", "IDEAL_SDM_PROTOCOL"]

#: circuit settings of ``regime = "ideal"`` (nested like a configuration file)
IDEAL_SDM: dict[str, Any] = {
    "regime": "ideal",
    "mossy": {"mode": "volley", "background_rate": "0 Hz"},
    "gain_set_point": "0 Hz",
    "purkinje": {"noise": "0 mV"},
    "purkinje_per_dcn": 1,
    "nuclei": {"I_e": "110 pA", "w_pc": "200 pA", "noise": "0 mV"},
    "dcn_per_line": 1,
    "golgi": {"feedback_lines": 0.0, "w_inh": "300 pA", "delay_grc": "0.1 ms", "delay_inh": "0.1 ms"},
    "plasticity": {"eligibility": "window", "window": "25 ms"},
    "reset_granule": True,
    "slot": "50 ms",
    "volley_time": "2 ms",
    "cf_time": "15 ms",
}

#: protocol settings of ``regime = "ideal"``: no noise to average, so two rest slots suffice; the
#: noiseless pacemakers are read by their phase
IDEAL_SDM_PROTOCOL: dict[str, Any] = {"rest_slots": 2, "readout": "purkinje_phase"}
