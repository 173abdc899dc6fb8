"""Checks of single values and arrays, shared by every layer (no Brian2 here).

Every check names the key it checks and, for ranges, the allowed interval, so that a bad
value fails with one clear line instead of a silently wrong number:

* a value of the wrong type raises :class:`~engramlab.errors.ConfigTypeError` (a ``TypeError``);
* a value of the right type outside its range (NaN and inf included) raises
  :class:`~engramlab.errors.ConfigError` (a ``ValueError``).

Parameter dataclasses use these through :func:`engramlab.models._params.param`; the equations
layer calls them on its arguments.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from engramlab.errors import ConfigError, ConfigTypeError

__all__ = [
    "MAX_MAGNITUDE",
    "binary_matrix",
    "bipolar_matrix",
    "choice",
    "describe_range",
    "finite_array",
    "float_array",
    "int_array",
    "integer",
    "integer_array",
    "real",
    "rng_from",
]


def describe_range(low: float | None, high: float | None, *, low_open: bool = False,
                   high_open: bool = False, unit: str = "") -> str:
    """Interval notation, e.g. ``(0, inf) ms`` or ``[1, 64]``."""
    lo = "-inf" if low is None else f"{low:g}" if isinstance(low, float) else str(low)
    hi = "inf" if high is None else f"{high:g}" if isinstance(high, float) else str(high)
    left = "(" if low_open or low is None else "["
    right = ")" if high_open or high is None else "]"
    return f"{left}{lo}, {hi}{right}" + (f" {unit}" if unit else "")


def _in_range(x: float, low: float | None, high: float | None, low_open: bool, high_open: bool) -> bool:
    if low is not None and (x < low or (low_open and x == low)):
        return False
    return not (high is not None and (x > high or (high_open and x == high)))


def integer(key: str, value: Any, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an ``int`` after checking it is an integer (integral floats allowed) in ``[low, high]``."""
    where = "" if low is None and high is None else f" in {describe_range(low, high)}"
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ConfigTypeError(key, f"must be an integer{where}, got {value!r}")
    if not isinstance(value, numbers.Integral):
        if not (math.isfinite(float(value)) and float(value).is_integer()):
            raise ConfigTypeError(key, f"must be an integer{where}, got {value!r}")
    number = int(float(value)) if not isinstance(value, numbers.Integral) else int(value)
    if not _in_range(number, low, high, False, False):
        raise ConfigError(key, f"must lie in {describe_range(low, high)}, got {value!r}")
    return number


def real(key: str, value: Any, low: float | None = None, high: float | None = None, *,
         low_open: bool = False, high_open: bool = False, unit: str = "") -> float:
    """``value`` as a finite ``float`` inside the interval (``low_open``/``high_open``: strict bounds)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        rng = describe_range(low, high, low_open=low_open, high_open=high_open, unit=unit)
        raise ConfigTypeError(key, f"must be a real number in {rng}, got {value!r}")
    number = float(value)
    shown = f"{value!r}" + (f" {unit}" if unit else "")
    if not math.isfinite(number):
        rng = describe_range(low, high, low_open=low_open, high_open=high_open, unit=unit)
        raise ConfigError(key, f"must be finite, in {rng}; got {shown}")
    if not _in_range(number, low, high, low_open, high_open):
        rng = describe_range(low, high, low_open=low_open, high_open=high_open, unit=unit)
        raise ConfigError(key, f"must lie in {rng}, got {shown}")
    return number


def choice(key: str, value: Any, choices: Sequence[Any]) -> Any:
    """``value`` after checking it is one of ``choices``."""
    if value not in choices:
        raise ConfigError(key, f"must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def integer_array(key: str, values: ArrayLike, low: int | None = None, high: int | None = None
                  ) -> NDArray[np.int64]:
    """``values`` as an int64 array after checking every entry is an integer in ``[low, high]``."""
    arr = np.asarray(values)
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iuf":
        raise ConfigTypeError(key, f"must hold integers, got dtype {arr.dtype}")
    if arr.dtype.kind in "iu":  # already integers (spike indices): no float round trip
        if arr.size and (int(arr.max()) >= 2**62 or int(arr.min()) <= -(2**62)):
            biggest = max(abs(int(arr.max())), abs(int(arr.min())))
            raise ConfigError(key, f"must lie in {describe_range(low, high)}, got {float(biggest):g}")
        iarr = arr.astype(np.int64, copy=False)
    else:
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise ConfigTypeError(key, "must hold integers (no fractions, NaN or inf)")
        if arr.size and np.max(np.abs(arr)) >= 2.0**62:
            raise ConfigError(key, f"must lie in {describe_range(low, high)}, got {np.max(np.abs(arr)):g}")
        iarr = arr.astype(np.int64)
    if iarr.size:
        if low is not None and iarr.min() < low:
            raise ConfigError(key, f"must lie in {describe_range(low, high)}, got minimum {iarr.min()}")
        if high is not None and iarr.max() > high:
            raise ConfigError(key, f"must lie in {describe_range(low, high)}, got maximum {iarr.max()}")
    return iarr


def _ndim(key: str, arr: np.ndarray, ndim: int | tuple[int, ...]) -> None:
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if arr.ndim not in allowed:
        raise ConfigError(key, f"must have {' or '.join(map(str, allowed))} dimensions, got shape {arr.shape}")


def binary_matrix(key: str, values: ArrayLike, ndim: int | tuple[int, ...]) -> NDArray[np.bool_]:
    """A boolean array of ``values``, which must hold only 0/1 (or bool) entries."""
    arr = np.asarray(values)
    _ndim(key, arr, ndim)
    if arr.dtype != np.bool_:
        if arr.dtype.kind not in "iuf":
            raise ConfigTypeError(key, f"must hold 0/1 bits, got dtype {arr.dtype}")
        if not np.all((arr == 0) | (arr == 1)):
            raise ConfigError(key, "must hold only 0 and 1 (binary vectors)")
    return arr.astype(bool)


def bipolar_matrix(key: str, values: ArrayLike, ndim: int | tuple[int, ...]) -> NDArray[np.float64]:
    """A float array of ``values``, which must hold only -1/+1 entries."""
    arr = np.asarray(values)
    _ndim(key, arr, ndim)
    if arr.dtype.kind not in "iuf":
        raise ConfigTypeError(key, f"must hold -1/+1 entries, got dtype {arr.dtype}")
    if not np.all(np.abs(arr) == 1):
        raise ConfigError(key, "must hold only -1 and +1 (bipolar vectors)")
    return arr.astype(float)


#: Largest magnitude accepted where values are multiplied together (squares and dot products
#: of entries up to 1e100 stay far from float64 overflow, 1.8e308).
MAX_MAGNITUDE = 1e100


def finite_array(key: str, values: ArrayLike, ndim: int | tuple[int, ...],
                 max_abs: float | None = None) -> NDArray[np.float64]:
    """A float array of ``values`` with the given number of dimensions and no NaN/inf.

    ``max_abs``: also refuse entries larger than this in magnitude (see :data:`MAX_MAGNITUDE`).
    """
    arr = float_array(key, values)
    _ndim(key, arr, ndim)
    if not np.all(np.isfinite(arr)):
        raise ConfigError(key, "must be finite (no NaN or inf)")
    if max_abs is not None and arr.size and float(np.max(np.abs(arr))) > max_abs:
        raise ConfigError(key, f"must hold values of magnitude at most {max_abs:g}")
    return arr


def float_array(key: str, values: ArrayLike) -> NDArray[np.float64]:
    """``values`` (a number or an array of any shape) as floats; NaN and inf pass (check them after)."""
    if isinstance(values, str | bytes | dict) or values is None:
        raise ConfigTypeError(key, f"must be a number or an array of numbers, got {values!r}")
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ConfigTypeError(key, f"must be a number or an array of numbers, got {values!r}") from None


def int_array(key: str, values: ArrayLike) -> NDArray[np.int64]:
    """``values`` as an int64 array (integral floats allowed); anything else is a :class:`ConfigTypeError`."""
    return integer_array(key, float_array(key, values))


def rng_from(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A NumPy Generator from a seed, an existing Generator, or ``None`` (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None:
        seed = integer("seed", seed, 0)
    return np.random.default_rng(seed)
