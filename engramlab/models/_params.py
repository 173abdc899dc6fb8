"""Parameters declared once: default, unit, allowed range and source in one ``param(...)`` call.

A parameter dataclass derives from :class:`Params` and declares every field with :func:`param`::

    @dataclass(frozen=True)
    class GranuleParams(Params):
        tau_exc: b2.Quantity = param(5.8 * ms, "MF→GrC EPSC decay (Casali et al. 2019)",
                                     unit=ms, low=0, low_open=True)

:meth:`Params.__post_init__` checks every field against its declaration (type, unit, range,
choices, finiteness) with the Brian2-free checks of :mod:`engramlab.validate`, then runs the
class's own cross-field checks (:meth:`Params.check`). ``engramlab params NAME`` prints the same
declarations, so the table a user reads is the one the code enforces.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import brian2 as b2
from brian2.units.fundamentalunits import Quantity

from engramlab import validate as V
from engramlab.errors import ConfigError, ConfigTypeError

__all__ = [
    "ParamRow",
    "ParamSpec",
    "Params",
    "flatten_params",
    "param",
    "param_rows",
    "parse_quantity",
    "quantity",
]

_KINDS = ("quantity", "int", "float", "bool", "str", "tuple", "dict")


@dataclass(frozen=True)
class ParamSpec:
    """What a field may hold: its kind, unit, interval or choices, and its documentation."""

    doc: str
    kind: str
    unit: Any = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[Any, ...] | None = None
    optional: bool = False
    structural: bool = False
    switch: bool = False

    def range_text(self) -> str:
        """The allowed values in words (``(0, inf) ms``, ``'a' | 'b'``), or ``""``."""
        if self.choices is not None:
            return " | ".join(map(repr, self.choices))
        if self.kind in ("quantity", "int", "float", "tuple") and (self.low is not None or self.high is not None):
            unit = str(self.unit) if self.kind == "quantity" and self.unit is not None else ""
            text = V.describe_range(self.low, self.high, low_open=self.low_open, high_open=self.high_open,
                                    unit=unit)
            return text + (" or none" if self.optional else "")
        return "none allowed" if self.optional else ""


def _kind_of(default: Any) -> str:
    if isinstance(default, Quantity):
        return "quantity"
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, numbers.Integral):
        return "int"
    if isinstance(default, numbers.Real):
        return "float"
    if isinstance(default, str):
        return "str"
    if isinstance(default, tuple | list):
        return "tuple"
    if isinstance(default, dict):
        return "dict"
    raise TypeError(f"param(): cannot infer the kind of default {default!r}; pass kind=...")


def param(default: Any, doc: str, *, unit: Any = None, low: float | None = None,
          high: float | None = None, low_open: bool = False, high_open: bool = False,
          choices: tuple[Any, ...] | None = None, kind: str | None = None,
          structural: bool = False, switch: bool = False) -> Any:
    """Declare a parameter field: default, documentation (meaning and source), unit and range.

    Parameters
    ----------
    default
        The default value; a Brian2 quantity for dimensional parameters, ``None`` for an
        optional one (then give ``kind``).
    doc : str
        What the parameter is and where its default comes from (shown by ``engramlab params``).
    unit : brian2.Unit, optional
        Unit of a quantity parameter; ``low``/``high`` are in this unit. Required for quantities.
    low, high : float, optional
        Allowed interval (inclusive unless ``low_open``/``high_open``); for tuples, of each item.
    choices : tuple, optional
        Allowed values of a text (or other) parameter.
    kind : str, optional
        ``quantity``, ``int``, ``float``, ``bool``, ``str``, ``tuple`` or ``dict``; inferred from
        the default unless it is ``None``.
    structural : bool
        Whether changing it changes the network's structure (sizes, connectivity, equations).
    switch : bool
        Whether 0 switches its mechanism off (a term, a synapse group or a plastic rule left out):
        zero and non-zero values are two structures, and every non-zero value is the same one (a
        standalone program reads it at start-up: ``circuits/_run_time_constants.py``).
    """
    optional = default is None
    k = kind or (_kind_of(default) if default is not None else None)
    if k not in _KINDS:
        raise TypeError(f"param(): kind must be one of {_KINDS}, got {k!r}")
    if k == "quantity":
        if unit is None:
            raise TypeError("param(): a quantity parameter needs unit=...")
        if default is not None and not Quantity(default).has_same_dimensions(unit):
            raise TypeError(f"param(): default {default!r} does not have the dimensions of {unit}")
    spec = ParamSpec(doc, k, unit, low, high, low_open, high_open,
                     tuple(choices) if choices is not None else None, optional, structural, switch)
    meta = {"doc": doc, "spec": spec}
    if isinstance(default, Quantity | dict | list):
        value = default
        return dataclasses.field(default_factory=lambda: value.copy() if isinstance(value, dict | list)
                                 else value, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def _check_value(key: str, value: Any, spec: ParamSpec) -> Any:
    """Check one value against its declaration; return it normalised (int, float, tuple)."""
    if value is None:
        if spec.optional:
            return None
        raise ConfigTypeError(key, "must be set (None is not allowed)")
    kind = spec.kind
    if kind == "quantity":
        unit = spec.unit
        if isinstance(value, Quantity):
            ok = value.has_same_dimensions(unit)
        else:
            ok = (isinstance(value, numbers.Real) and not isinstance(value, bool)
                  and Quantity(unit).is_dimensionless)
        if not ok:
            raise ConfigTypeError(key, f"must be a quantity in {unit} (e.g. \"5 {unit}\"), got "
                                       f"{value!r}: missing or wrong unit")
        try:
            magnitude = float(value / unit)
        except TypeError:
            raise ConfigTypeError(key, f"must be a scalar quantity in {unit}, got {value!r}") from None
        V.real(key, magnitude, spec.low, spec.high, low_open=spec.low_open, high_open=spec.high_open,
               unit=str(unit))
        return value
    if kind == "int":
        try:
            number = V.integer(key, value, None, None)
        except ConfigTypeError:  # say the range too (bounds may be open or floats: V.real's notation)
            rng = V.describe_range(spec.low, spec.high, low_open=spec.low_open, high_open=spec.high_open)
            raise ConfigTypeError(key, f"must be an integer in {rng}, got {value!r}") from None
        if spec.low is not None or spec.high is not None:
            V.real(key, number, spec.low, spec.high, low_open=spec.low_open, high_open=spec.high_open)
        if spec.choices is not None:
            V.choice(key, number, spec.choices)
        return number
    if kind == "float":
        real = V.real(key, value, spec.low, spec.high, low_open=spec.low_open, high_open=spec.high_open)
        if spec.choices is not None:
            V.choice(key, real, spec.choices)
        return real
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigTypeError(key, f"must be true or false, got {value!r}")
        return value
    if kind == "str":
        if not isinstance(value, str):
            raise ConfigTypeError(key, f"must be text, got {value!r}")
        if spec.choices is not None:
            V.choice(key, value, spec.choices)
        return value
    if kind == "tuple":
        if isinstance(value, str) or not isinstance(value, tuple | list):
            raise ConfigTypeError(key, f"must be a list, got {value!r}")
        items = []
        for k, item in enumerate(value):
            if spec.low is not None or spec.high is not None:
                items.append(V.real(f"{key}[{k}]", item, spec.low, spec.high, low_open=spec.low_open,
                                    high_open=spec.high_open))
                if isinstance(item, numbers.Integral) and not isinstance(item, bool):
                    items[-1] = int(item)
            else:
                items.append(item)
        return tuple(items)
    if kind == "dict":
        if not isinstance(value, dict):
            raise ConfigTypeError(key, f"must be a table of names to values, got {value!r}")
        return value
    raise TypeError(f"unknown parameter kind {kind!r}")  # pragma: no cover - param() rejects it


def _specs(obj: Any) -> Iterator[tuple[dataclasses.Field[Any], ParamSpec | None]]:
    for f in dataclasses.fields(obj):
        yield f, f.metadata.get("spec")


class Params:
    """Base of every parameter dataclass: validates each field against its :func:`param` declaration.

    Subclasses are ``@dataclass(frozen=True)`` and may override :meth:`check` for rules that
    involve several fields (raise :class:`~engramlab.errors.ConfigError` naming one of them).
    """

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for f, spec in _specs(self):
            if spec is None:
                continue
            value = getattr(self, f.name)
            checked = _check_value(f"{owner}.{f.name}", value, spec)
            if checked is not value:
                object.__setattr__(self, f.name, checked)
        self.check()

    def check(self) -> None:
        """Rules that involve several fields (none by default)."""

    def fail(self, name: str, problem: str) -> ConfigError:
        """A :class:`ConfigError` about field ``name`` of this object, to raise in :meth:`check`."""
        return ConfigError(f"{type(self).__name__}.{name}", problem)


_QUANTITY_RE = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?inf|nan)\s*\*?\s*([A-Za-z]+)?\s*$")
_UNIT_ALIASES = {"s": "second", "sec": "second", "V": "volt", "A": "amp", "F": "farad",
                 "S": "siemens", "Ohm": "ohm"}


def parse_quantity(text: str, unit: Any, key: str) -> Quantity:
    """Parse ``"5.8 ms"`` / ``"5.8*ms"`` into a Brian2 quantity with the dimensions of ``unit``.

    Raises :class:`ConfigTypeError` naming ``key`` when the text is malformed, has no unit, or
    its unit has other dimensions.
    """
    m = _QUANTITY_RE.match(str(text))
    if not m or m.group(2) is None:
        raise ConfigTypeError(key, f"expects a number with a unit such as '5 {unit}', got {text!r}")
    number, unit_name = float(m.group(1)), m.group(2)
    unit_name = _UNIT_ALIASES.get(unit_name, unit_name)
    given = getattr(b2.units, unit_name, None)
    if given is None:
        given = getattr(b2, unit_name, None)
    if not isinstance(given, b2.Unit):
        raise ConfigTypeError(key, f"has an unknown unit {unit_name!r} in {text!r}")
    value = number * given
    if not value.has_same_dimensions(unit):
        raise ConfigTypeError(key, f"{text!r} has the wrong unit; expected something in {unit}")
    return value


def quantity(key: str, value: Any, unit: Any) -> Quantity:
    """``value`` (a quantity or text such as ``"5 ms"``) as a quantity in the dimensions of ``unit``."""
    if isinstance(value, str):
        return parse_quantity(value, unit, key)
    if isinstance(value, Quantity) and value.has_same_dimensions(unit):
        return value
    raise ConfigTypeError(key, f"needs a unit, e.g. \"{value} {unit}\"; got {value!r}")


def flatten_params(obj: Any, prefix: str = "") -> tuple[dict[str, Any], dict[str, str]]:
    """Flatten a (nested) parameter dataclass into SI floats and their units.

    Returns ``(values, units)`` with dotted keys (``"granule.tau_exc"``); quantities become SI
    floats with their unit in ``units``; nested dataclasses are flattened recursively; tuples
    become lists.
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
        elif isinstance(v, tuple):
            values[key] = list(v)
        else:
            values[key] = v
    return values, units


@dataclass(frozen=True)
class ParamRow:
    """One row of a protocol's parameter table."""

    key: str
    value: str
    allowed: str
    doc: str
    structural: bool = False
    switch: bool = False


def _show(value: Any, spec: ParamSpec | None = None) -> str:
    if isinstance(value, Quantity):
        if spec is not None and spec.unit is not None and not Quantity(spec.unit).is_dimensionless:
            return f"{float(value / spec.unit):g} {spec.unit}"
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:g}"
    return repr(value) if isinstance(value, str) else str(value)


def param_rows(obj: Any, prefix: str = "", keep: Callable[[str], bool] | None = None) -> list[ParamRow]:
    """A :class:`ParamRow` for every (nested) field of a parameter dataclass."""
    rows: list[ParamRow] = []
    for f, spec in _specs(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            rows += param_rows(value, f"{key}.", keep)
            continue
        if keep is not None and not keep(key):
            continue
        doc = spec.doc if spec else str(f.metadata.get("doc", ""))
        rows.append(ParamRow(key, _show(value, spec), spec.range_text() if spec else "", doc,
                             bool(spec and spec.structural), bool(spec and spec.switch)))
    return rows
