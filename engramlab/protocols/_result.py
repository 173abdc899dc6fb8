"""Pieces of a protocol's Result that every protocol assembles the same way."""

from __future__ import annotations

from typing import Any

import numpy as np

from engramlab.models._params import flatten_params

__all__ = ["config_params", "spike_arrays"]


def spike_arrays(spikes: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, np.ndarray]:
    """``{population: (times, indices)}`` → ``spikes_<population>_t`` (s) and ``_i`` (int32) arrays."""
    arrays: dict[str, np.ndarray] = {}
    for pop, (t, i) in spikes.items():
        arrays[f"spikes_{pop}_t"] = np.asarray(t)
        arrays[f"spikes_{pop}_i"] = np.asarray(i).astype(np.int32)
    return arrays


def config_params(circuit: Any, protocol: Any = None) -> tuple[dict[str, Any], dict[str, str]]:
    """SI-float parameters and their units, keyed ``circuit.*`` and ``protocol.*``.

    Without a ``protocol`` (one configuration holds everything) the keys carry no prefix.
    """
    if protocol is None:
        return flatten_params(circuit)
    c_values, c_units = flatten_params(circuit)
    p_values, p_units = flatten_params(protocol)
    params: dict[str, Any] = {f"circuit.{k}": v for k, v in c_values.items()}
    params.update({f"protocol.{k}": v for k, v in p_values.items()})
    units = {f"circuit.{k}": u for k, u in c_units.items()}
    units.update({f"protocol.{k}": u for k, u in p_units.items()})
    return params, units
