"""Argument checks shared by the analysis modules.

Every public function validates its inputs with these helpers so that a bad value raises a
``ValueError`` that names the parameter and the allowed range instead of returning a silently
wrong number.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray


def integer(name: str, value: Any, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an ``int`` after checking it is an integer in ``[low, high]``."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if not isinstance(value, numbers.Integral):
        if not (isinstance(value, numbers.Real) and float(value).is_integer()):
            raise ValueError(f"{name} must be an integer, got {value!r}")
        value = float(value)
    value = int(value)
    _check_range(name, value, low, high)
    return value


def real(
    name: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
) -> float:
    """Return ``value`` as a finite ``float`` in ``[low, high]`` (``(low, high]`` if ``low_open``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low_open and low is not None and value <= low:
        upper = "" if high is None else f" and <= {high}"
        raise ValueError(f"{name} must be > {low}{upper}, got {value!r}")
    _check_range(name, value, low, high)
    return value


def _check_range(name: str, value: float, low: float | None, high: float | None) -> None:
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else repr(low)
        hi = "inf" if high is None else repr(high)
        raise ValueError(f"{name} must lie in [{lo}, {hi}], got {value!r}")


def integer_array(
    name: str, values: ArrayLike, low: int | None = None, high: int | None = None
) -> NDArray[np.int64]:
    """Return ``values`` as an int64 array after checking every entry is an integer in range."""
    arr = np.asarray(values)
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iuf":
        raise ValueError(f"{name} must hold integers, got dtype {arr.dtype}")
    farr = arr.astype(float)
    if not np.all(np.isfinite(farr)) or not np.all(farr == np.round(farr)):
        raise ValueError(f"{name} must hold integers, got {values!r}")
    iarr = farr.astype(np.int64)
    if iarr.size:
        if low is not None and iarr.min() < low:
            raise ValueError(f"{name} must lie in [{low}, {high}], got minimum {iarr.min()}")
        if high is not None and iarr.max() > high:
            raise ValueError(f"{name} must lie in [{low}, {high}], got maximum {iarr.max()}")
    return iarr


def binary_matrix(name: str, values: ArrayLike, ndim: int | tuple[int, ...]) -> NDArray[np.bool_]:
    """Return a boolean array of ``values`` that must hold only 0/1 (or bool) entries."""
    arr = np.asarray(values)
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if arr.ndim not in allowed:
        raise ValueError(f"{name} must have {' or '.join(map(str, allowed))} dimensions, "
                         f"got shape {arr.shape}")
    if arr.dtype != np.bool_:
        if arr.dtype.kind not in "iuf" or not np.all((arr == 0) | (arr == 1)):
            raise ValueError(f"{name} must hold only 0 and 1 (binary vectors)")
    return arr.astype(bool)


def bipolar_matrix(name: str, values: ArrayLike, ndim: int | tuple[int, ...]) -> NDArray[np.float64]:
    """Return a float array of ``values`` that must hold only -1/+1 entries."""
    arr = np.asarray(values)
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if arr.ndim not in allowed:
        raise ValueError(f"{name} must have {' or '.join(map(str, allowed))} dimensions, "
                         f"got shape {arr.shape}")
    if arr.dtype.kind not in "iuf" or not np.all(np.abs(arr) == 1):
        raise ValueError(f"{name} must hold only -1 and +1 (bipolar vectors)")
    return arr.astype(float)


def finite_array(name: str, values: ArrayLike, ndim: int | tuple[int, ...]) -> NDArray[np.float64]:
    """Return a float array of ``values`` with the given number of dimensions and no NaN/inf."""
    arr = np.asarray(values, dtype=float)
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if arr.ndim not in allowed:
        raise ValueError(f"{name} must have {' or '.join(map(str, allowed))} dimensions, "
                         f"got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def rng_from(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Return a NumPy Generator from a seed, an existing Generator, or ``None`` (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None:
        seed = integer("seed", seed, 0)
    return np.random.default_rng(seed)
