"""Run configuration: TOML files and ``--set key=value`` overrides applied to parameter dataclasses.

Keys are the parameter names of the builders: top-level keys set fields of the circuit config
(``r = 10000``, ``scheme = "granule"``), tables set nested parameter groups
(``[granule]`` ``tau_exc = "5.8 ms"``), and the ``[protocol]`` table (or the protocol's field
names at top level) sets the protocol. Quantities are strings with a unit. Unknown keys and
wrong units raise ``ValueError`` naming the key.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from brian2.units.fundamentalunits import Quantity

from engramlab.models._params import parse_quantity

__all__ = ["apply_mapping", "load_toml", "merge", "parse_set", "split_protocol"]


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML config file, with a clear error for a missing or malformed file."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"config file {str(p)!r} does not exist")
    try:
        return tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"config file {str(p)!r} is not valid TOML: {exc}") from None


def parse_set(items: list[str] | None) -> dict[str, Any]:
    """``["r=5000", "granule.tau_exc=6 ms"]`` → nested dict; values parsed as TOML if possible."""
    out: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise ValueError(f"--set expects key=value, got {item!r}")
        key, raw = (s.strip() for s in item.split("=", 1))
        if not key:
            raise ValueError(f"--set expects key=value, got {item!r}")
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError(f"--set {key}: {part!r} is not a parameter group")
        node[parts[-1]] = value
    return out


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Recursively merge ``override`` into ``base`` (override wins)."""
    out = dict(base)
    for k, v in override.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = merge(out[k], v)
        else:
            out[k] = v
    return out


def split_protocol(mapping: Mapping[str, Any], protocol_cls: type, shared: tuple[str, ...] = ("seed",)
                   ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a config mapping into (circuit keys, protocol keys).

    Protocol keys come from a ``[protocol]`` table or are the protocol's own field names at top
    level (``patterns = 20``). Top-level ``shared`` keys (the seed) go to the circuit and, if the
    protocol has that field, to the protocol too, unless the ``[protocol]`` table sets its own.
    """
    proto_fields = {f.name for f in dataclasses.fields(protocol_cls)}
    circuit: dict[str, Any] = {}
    protocol: dict[str, Any] = dict(mapping.get("protocol", {}))
    for k, v in mapping.items():
        if k == "protocol":
            continue
        if k in shared:
            circuit[k] = v
            if k in proto_fields:  # e.g. the eyeblink schedule has no seed of its own
                protocol.setdefault(k, v)
        elif k in proto_fields:
            protocol[k] = v
        else:
            circuit[k] = v
    return circuit, protocol


def apply_mapping(obj: Any, mapping: Mapping[str, Any], prefix: str = "") -> Any:
    """Return a copy of dataclass ``obj`` with ``mapping`` applied (nested, unit-aware, validated)."""
    fields = {f.name: f for f in dataclasses.fields(obj)}
    changes: dict[str, Any] = {}
    for key, raw in mapping.items():
        full = f"{prefix}{key}"
        if key not in fields:
            raise ValueError(f"unknown parameter {full!r}; known: {', '.join(sorted(fields))}")
        current = getattr(obj, key)
        if dataclasses.is_dataclass(current) and not isinstance(current, type):
            if not isinstance(raw, Mapping):
                raise ValueError(f"{full} is a parameter group; set its fields, e.g. {full}.<name>")
            changes[key] = apply_mapping(current, raw, f"{full}.")
        elif isinstance(current, Quantity) and not current.is_dimensionless:
            from brian2 import get_unit
            unit = get_unit(current.dim)
            if not isinstance(raw, str):
                raise ValueError(f"{full} needs a unit, e.g. \"{raw} {unit}\"; got {raw!r}")
            changes[key] = parse_quantity(raw, unit, full)
        elif isinstance(raw, list):
            changes[key] = tuple(raw)
        elif isinstance(current, bool) and not isinstance(raw, bool):
            raise ValueError(f"{full} must be true or false, got {raw!r}")
        elif isinstance(current, float) and isinstance(raw, int) and not isinstance(raw, bool):
            changes[key] = float(raw)
        else:
            changes[key] = raw
    try:
        return dataclasses.replace(obj, **changes)
    except TypeError as exc:
        raise ValueError(f"{prefix or 'config'}: {exc}") from None
