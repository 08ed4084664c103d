"""Small checks shared by the parameter dataclasses: each raises ParameterError naming the field."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from neurosparse.errors import ParameterError

ArrayLike = Any


def as_float_param(
    name: str,
    value: ArrayLike,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    allow_array: bool = True,
) -> float | np.ndarray:
    """Return ``value`` as a float or a 1-D float64 array after checking it.

    Parameters
    ----------
    name
        The parameter's name, used in the error message.
    value
        A scalar or (if ``allow_array``) a 1-D array of per-neuron values.
    low, high
        Allowed range. ``low_inclusive=False`` makes the lower bound strict.

    Raises
    ------
    ParameterError
        If the value is not finite, not numeric, of the wrong shape or out of range.
    """
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number, got {value!r}") from None
    if arr.ndim > 1 or (arr.ndim == 1 and not allow_array):
        what = "a scalar or a 1-D array" if allow_array else "a scalar"
        raise ParameterError(f"{name} must be {what}, got shape {arr.shape}")
    if arr.ndim == 1 and arr.size == 0:
        raise ParameterError(f"{name} must not be empty")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} must be finite, got {value!r}")
    rng = _range_text(low, high, low_inclusive)
    if low is not None:
        bad = arr < low if low_inclusive else arr <= low
        if np.any(bad):
            raise ParameterError(f"{name} must be in {rng}, got {_first_bad(arr, bad)}")
    if high is not None and np.any(arr > high):
        raise ParameterError(f"{name} must be in {rng}, got {_first_bad(arr, arr > high)}")
    return float(arr) if arr.ndim == 0 else arr


def check_length(name: str, value: ArrayLike, n: int) -> None:
    """Raise ParameterError if ``value`` is an array whose length is not ``n``."""
    arr = np.asarray(value)
    if arr.ndim == 1 and arr.shape[0] != n:
        raise ParameterError(f"{name} has {arr.shape[0]} values but the population has {n} neurons")


def as_count(name: str, value: Any, *, low: int = 0) -> int:
    """Return ``value`` as an int >= ``low``; reject floats with a fractional part and bools."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and math.isfinite(value) and value == int(value):
            value = int(value)
        else:
            raise ParameterError(f"{name} must be an integer >= {low}, got {value!r}")
    if value < low:
        raise ParameterError(f"{name} must be an integer >= {low}, got {value}")
    return int(value)


def _range_text(low: float | None, high: float | None, low_inclusive: bool) -> str:
    left = "(-inf" if low is None else ("[" if low_inclusive else "(") + f"{low:g}"
    right = "inf)" if high is None else f"{high:g}]"
    return f"{left}, {right}"


def _first_bad(arr: np.ndarray, bad: np.ndarray) -> str:
    if arr.ndim == 0:
        return f"{float(arr):g}"
    idx = int(np.flatnonzero(bad)[0])
    return f"{arr[idx]:g} at index {idx}"
