"""Validation and conversion helpers for parameter dataclasses carrying Brian2 units.

Parameter dataclasses are frozen and hold Brian2 quantities; their ``__post_init__`` calls
:func:`check_quantity` for each field so that a missing or wrong unit, or a value outside the
physiological range, raises a ``ValueError`` naming the parameter, its unit and the range.
"""

from __future__ import annotations

import dataclasses
import numbers
import re
from typing import Any

import brian2 as b2
from brian2.units.fundamentalunits import Quantity

__all__ = [
    "check_choice",
    "check_int",
    "check_number",
    "check_quantity",
    "field_doc",
    "flatten_params",
    "param",
    "params_table",
    "parse_quantity",
    "replace_params",
]


def param(default: Any, doc: str) -> Any:
    """A dataclass field with a default (quantities allowed) and its documentation.

    ``doc`` says what the parameter is and where its default comes from; it is shown by
    ``engramlab params``.
    """
    if isinstance(default, Quantity):
        return dataclasses.field(default_factory=lambda: default, metadata={"doc": doc})
    return dataclasses.field(default=default, metadata={"doc": doc})


def check_quantity(owner: str, name: str, value: Any, unit: b2.Unit, low: float | None = None,
                   high: float | None = None, *, low_open: bool = False) -> None:
    """Raise ``ValueError`` unless ``value`` has the dimensions of ``unit`` and lies in range.

    ``low``/``high`` are given in ``unit``. ``low_open`` makes the lower bound strict.
    """
    label = f"{owner}.{name}"
    if not isinstance(value, Quantity) or not value.has_same_dimensions(unit):
        if not (isinstance(value, numbers.Real) and unit.is_dimensionless):
            raise ValueError(f"{label} must be a quantity in {unit} (e.g. 5*{unit}), got {value!r}"
                             " — missing or wrong unit")
    try:
        x = float(value / unit)
    except TypeError:
        raise ValueError(f"{label} must be a scalar quantity in {unit}, got {value!r}") from None
    rng = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}] {unit}"
    if low is not None and (x < low or (low_open and x == low)):
        raise ValueError(f"{label} must lie in {rng}{' (exclusive low)' if low_open else ''}, "
                         f"got {value!r}")
    if high is not None and x > high:
        raise ValueError(f"{label} must lie in {rng}, got {value!r}")


def check_number(owner: str, name: str, value: Any, low: float | None = None,
                 high: float | None = None, *, low_open: bool = False) -> None:
    """Raise ``ValueError`` unless ``value`` is a plain real number in range."""
    label = f"{owner}.{name}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or isinstance(value, Quantity):
        raise ValueError(f"{label} must be a plain number, got {value!r}")
    x = float(value)
    rng = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"
    if (low is not None and (x < low or (low_open and x == low))) or (high is not None and x > high):
        raise ValueError(f"{label} must lie in {rng}{' (exclusive low)' if low_open else ''}, got {value!r}")


def check_int(owner: str, name: str, value: Any, low: int | None = None, high: int | None = None) -> None:
    """Raise ``ValueError`` unless ``value`` is an integer in ``[low, high]``."""
    label = f"{owner}.{name}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{label} must be an integer, got {value!r}")
    rng = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{label} must lie in {rng}, got {value!r}")


def check_choice(owner: str, name: str, value: Any, choices: tuple[str, ...]) -> None:
    """Raise ``ValueError`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{owner}.{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")


_QUANTITY_RE = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\*?\s*([A-Za-z]+)?\s*$")


_UNIT_ALIASES = {"s": "second", "sec": "second", "V": "volt", "A": "amp", "F": "farad",
                 "S": "siemens", "Ohm": "ohm"}


def parse_quantity(text: str, unit: b2.Unit, key: str) -> Quantity:
    """Parse ``"5.8 ms"`` / ``"5.8*ms"`` into a Brian2 quantity with the dimensions of ``unit``.

    Raises ``ValueError`` naming ``key`` when the text is malformed, has no unit, or the unit has
    other dimensions.
    """
    m = _QUANTITY_RE.match(str(text))
    if not m or m.group(2) is None:
        raise ValueError(f"{key}: expected a number with a unit such as '5 {unit}', got {text!r}")
    number, unit_name = float(m.group(1)), m.group(2)
    unit_name = _UNIT_ALIASES.get(unit_name, unit_name)
    given = getattr(b2.units, unit_name, None)
    if given is None:
        given = getattr(b2, unit_name, None)
    if not isinstance(given, b2.Unit):
        raise ValueError(f"{key}: unknown unit {unit_name!r} in {text!r}")
    value = number * given
    if not value.has_same_dimensions(unit):
        raise ValueError(f"{key}: {text!r} has the wrong unit; expected something in {unit}")
    return value


def field_doc(cls: type, name: str) -> str:
    """The ``#:`` doc comment of a dataclass field (its meaning and literature source)."""
    meta = {f.name: f.metadata for f in dataclasses.fields(cls)}
    return str(meta.get(name, {}).get("doc", ""))


def replace_params(obj: Any, prefix: str, values: dict[str, Any]) -> Any:
    """Return a copy of the parameter dataclass ``obj`` with ``values`` applied.

    Values may be given as strings with units (``"5 ms"``) for quantity fields. Unknown keys
    raise ``ValueError`` naming ``prefix.key``.
    """
    fields = {f.name: f for f in dataclasses.fields(obj)}
    changes: dict[str, Any] = {}
    for key, raw in values.items():
        full = f"{prefix}.{key}" if prefix else key
        if key not in fields:
            raise ValueError(f"unknown parameter {full!r}; known: {', '.join(sorted(fields))}")
        current = getattr(obj, key)
        if isinstance(current, Quantity) and not current.is_dimensionless:
            unit = b2.get_unit(current.dim)
            if isinstance(raw, Quantity):
                value = raw
            elif isinstance(raw, str):
                value = parse_quantity(raw, unit, full)
            else:
                raise ValueError(f"{full}: needs a unit, e.g. '{raw} {unit}'; got {raw!r}")
        else:
            value = raw
        changes[key] = value
    return dataclasses.replace(obj, **changes)


def flatten_params(obj: Any, prefix: str = "") -> tuple[dict[str, Any], dict[str, str]]:
    """Flatten a (nested) parameter dataclass into SI floats and their units.

    Returns ``(values, units)`` with dotted keys (``"granule.tau_exc"``); quantities become SI
    floats with their unit in ``units``; nested dataclasses are flattened recursively.
    """
    values: dict[str, Any] = {}
    units: dict[str, str] = {}
    for f in dataclasses.fields(obj):
        key = f"{prefix}{f.name}"
        v = getattr(obj, f.name)
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            sub_v, sub_u = flatten_params(v, f"{key}.")
            values.update(sub_v)
            units.update(sub_u)
        elif isinstance(v, Quantity):
            values[key] = float(v) if v.is_dimensionless else float(v / b2.get_unit(v.dim))
            if not v.is_dimensionless:
                units[key] = str(b2.get_unit(v.dim))
        else:
            values[key] = v
    return values, units


def params_table(obj: Any) -> list[tuple[str, str, str]]:
    """``(name, value with unit, documentation)`` for every field of a parameter dataclass."""
    rows = []
    for f in dataclasses.fields(obj):
        rows.append((f.name, str(getattr(obj, f.name)), str(f.metadata.get("doc", ""))))
    return rows
