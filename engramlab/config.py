"""Run configuration: TOML files, ``--set key=value`` and keyword overrides applied to parameter dataclasses.

Keys are the parameter names of the builders: top-level keys set fields of the circuit config
(``r = 10000``, ``scheme = "granule"``), tables set nested parameter groups
(``[granule]`` ``tau_exc = "5.8 ms"``), and the ``[protocol]`` table (or the protocol's field
names at top level) sets the protocol. Quantities are text with a unit (or Brian2 quantities
from Python). Unknown keys, wrong units and out-of-range values raise
:class:`~engramlab.errors.ConfigError` (or :class:`~engramlab.errors.ConfigTypeError`) naming the
dotted key.

Precedence, lowest first: the defaults, the ``--quick`` preset, the config file, the command
line (``--set`` and the named options), the explicit ``seed``/``device``/``threads``. Each source
is normalised first (:func:`normalise`), so ``trials`` and ``protocol.trials`` are one key.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from brian2.units.fundamentalunits import Quantity

from engramlab.errors import ConfigError, ConfigTypeError
from engramlab.models._params import quantity

__all__ = ["apply_mapping", "flatten_keys", "load_toml", "merge", "nest", "normalise", "parse_set",
           "split_protocol"]


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML config file, with a clear error naming the file when it is missing or malformed."""
    p = Path(path)
    if p.is_dir():
        raise ConfigError(f"config file {str(p)!r}", "is a folder: give a TOML file")
    if not p.is_file():
        raise ConfigError(f"config file {str(p)!r}", "does not exist")
    try:
        return tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {str(p)!r}", f"is not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {str(p)!r}", f"cannot be read: {exc}") from None


def nest(flat: Mapping[str, Any], source: str = "--set") -> dict[str, Any]:
    """``{"granule.tau_exc": "6 ms", "r": 5000}`` → ``{"granule": {"tau_exc": "6 ms"}, "r": 5000}``."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        parts = str(key).split(".")
        if not all(parts):
            raise ConfigError(f"{source} {key!r}", "is not a parameter key (e.g. r or granule.tau_exc)")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"{source} {key}", f"sets inside {part!r}, which is not a parameter group")
        if isinstance(node.get(parts[-1]), dict) and not isinstance(value, Mapping):
            raise ConfigError(f"{source} {key}", "is a parameter group; set its fields, e.g. "
                                                 f"{key}.<name>")
        node[parts[-1]] = value
    return out


def parse_set(items: list[str] | tuple[str, ...] | None) -> dict[str, Any]:
    """``["r=5000", "granule.tau_exc=6 ms"]`` → nested dict; values parsed as TOML where possible."""
    flat: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise ConfigError("--set", f"expects key=value, got {item!r}")
        key, raw = (s.strip() for s in item.split("=", 1))
        if not key:
            raise ConfigError("--set", f"expects key=value, got {item!r}")
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        if key in flat:  # the last one would win without a word
            raise ConfigError(key, f"is given twice with --set ({flat[key]!r} and {value!r}): give it once")
        flat[key] = value
    return nest(flat)


def flatten_keys(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """The inverse of :func:`nest`: dotted keys to leaf values."""
    out: dict[str, Any] = {}
    for k, v in mapping.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(flatten_keys(v, f"{key}."))
        else:
            out[key] = v
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


def normalise(mapping: Mapping[str, Any], protocol_cls: type | None, source: str = "settings"
              ) -> dict[str, Any]:
    """One spelling per key, within one source of settings (quick preset, file, command line).

    A protocol field given at top level (``trials = 50``) moves into the ``[protocol]`` table;
    the same field given both ways with different values is an error. A top-level ``seed`` is
    the circuit's seed and, unless the table sets its own, the protocol's. A ``[protocol]``
    table for a protocol without a schedule configuration is an error.
    """
    if protocol_cls is None:
        if "protocol" in mapping:
            raise ConfigError("protocol", "this protocol has no [protocol] table: its settings are top-level "
                                          "keys (see engramlab params)")
        return dict(mapping)
    proto_fields = {f.name for f in dataclasses.fields(protocol_cls)}
    table = mapping.get("protocol", {})
    if not isinstance(table, Mapping):
        raise ConfigError("protocol", "must be a table of protocol settings")
    protocol: dict[str, Any] = dict(table)
    out: dict[str, Any] = {}
    for k, v in mapping.items():
        if k == "protocol":
            continue
        if k == "seed":
            out[k] = v
            if "seed" in proto_fields:  # e.g. the eyeblink schedule has no seed of its own
                protocol.setdefault("seed", v)
        elif k in proto_fields:
            if k in protocol and protocol[k] != v:
                raise ConfigError(f"protocol.{k}", f"is set twice in {source}: {k} = {v!r} and "
                                                   f"protocol.{k} = {protocol[k]!r}")
            protocol[k] = v
        else:
            out[k] = v
    if protocol:
        out["protocol"] = protocol
    return out


def split_protocol(mapping: Mapping[str, Any], protocol_cls: type | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split one source's settings into (circuit keys, protocol keys); see :func:`normalise`."""
    norm = normalise(mapping, protocol_cls)
    protocol = norm.pop("protocol", {})
    return norm, dict(protocol)


def apply_mapping(obj: Any, mapping: Mapping[str, Any], prefix: str = "") -> Any:
    """A copy of dataclass ``obj`` with ``mapping`` applied (nested, unit-aware, validated).

    Errors name the dotted key (``prefix`` + field), e.g. ``granule.tau_exc``.
    """
    fields = {f.name: f for f in dataclasses.fields(obj)}
    changes: dict[str, Any] = {}
    for key, raw in mapping.items():
        full = f"{prefix}{key}"
        if key not in fields:
            raise ConfigError(full, f"is not a parameter; known: {', '.join(sorted(fields))}")
        current = getattr(obj, key)
        if dataclasses.is_dataclass(current) and not isinstance(current, type):
            if not isinstance(raw, Mapping):
                raise ConfigError(full, f"is a parameter group; set its fields, e.g. {full}.<name>")
            changes[key] = apply_mapping(current, raw, f"{full}.")
            continue
        spec = fields[key].metadata.get("spec")
        is_quantity = (spec is not None and spec.kind == "quantity") or (
            isinstance(current, Quantity) and not current.is_dimensionless)
        if is_quantity and raw is not None:
            unit = spec.unit if spec is not None else current
            changes[key] = quantity(full, raw, unit)
        elif isinstance(raw, list):
            changes[key] = tuple(raw)
        else:
            changes[key] = raw
    owner = type(obj).__name__
    try:
        return dataclasses.replace(obj, **changes)
    except (ConfigError, ConfigTypeError) as exc:
        # the field validators name ``Owner.field``; the user wrote the dotted key
        if exc.key and exc.key.startswith(f"{owner}."):
            raise exc.with_key(prefix + exc.key[len(owner) + 1:]) from None
        raise
