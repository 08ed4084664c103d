"""Small checks shared by the parameter dataclasses: each raises ParameterError naming the field;
:func:`check_memory` raises InsufficientMemoryError, before allocating, with the size needed."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from neurosparse.errors import InsufficientMemoryError, ParameterError

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


def as_count(name: str, value: Any, *, low: int = 0, high: int | None = None,
             why: str = "") -> int:
    """Return ``value`` as an int in ``[low, high]``; reject floats with a fractional part and bools.

    ``why`` says where the upper bound comes from (``"indices are int32"``) in the message.
    """
    allowed = f"an integer >= {low}" if high is None else f"an integer in [{low}, {high}]"
    allowed += f" ({why})" if why and high is not None else ""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and math.isfinite(value) and value == int(value):
            value = int(value)
        else:
            raise ParameterError(f"{name} must be {allowed}, got {value!r}")
    if value < low or (high is not None and value > high):
        raise ParameterError(f"{name} must be {allowed}, got {value}")
    return int(value)


def as_int_array(name: str, values: Any) -> np.ndarray:
    """``values`` as a 1-D int64 array; only integer arrays pass (an empty list too): floats,
    booleans, strings, scalars and ragged lists raise ParameterError naming ``name``."""
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a 1-D integer array, got {values!r:.80}") from None
    if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
        raise ParameterError(f"{name} must be a 1-D integer array, got {arr.dtype} of shape {arr.shape}")
    return arr.astype(np.int64)


def _range_text(low: float | None, high: float | None, low_inclusive: bool) -> str:
    left = "(-inf" if low is None else ("[" if low_inclusive else "(") + f"{low:g}"
    right = "inf)" if high is None else f"{high:g}]"
    return f"{left}, {right}"


def _first_bad(arr: np.ndarray, bad: np.ndarray) -> str:
    if arr.ndim == 0:
        return f"{float(arr):g}"
    idx = int(np.flatnonzero(bad)[0])
    return f"{arr[idx]:g} at index {idx}"


_SMALL_BYTES = 64 * 2**20  # allocations below this are never checked against the free memory


def describe_bytes(nbytes: float) -> str:
    """``nbytes`` in the largest binary unit that keeps it >= 1 (``1.50 GiB``)."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if nbytes >= size:
            return f"{nbytes / size:.2f} {unit}"
    return f"{int(nbytes)} B"


def available_memory() -> int:
    """Bytes of memory available to this process now (psutil)."""
    import psutil

    return int(psutil.virtual_memory().available)


def check_memory(nbytes: float, what: str, hint: str = "") -> None:
    """Raise InsufficientMemoryError, before allocating, when ``nbytes`` would not fit in 90 % of
    the available memory; ``what`` names the call and the parameters that set the size
    (``"moving_digits(n_videos=10**6, ...)"``) and ``hint`` says how to ask for less."""
    if nbytes < _SMALL_BYTES:
        return
    avail = available_memory()
    if nbytes > 0.9 * avail:
        raise InsufficientMemoryError(f"{what} needs about {describe_bytes(nbytes)} but only "
                                      f"{describe_bytes(avail)} is available" + (f"; {hint}" if hint else ""))
