"""Checks of the numbers the public calls of :mod:`neurosparse.snn` take.

Each raises :class:`~neurosparse.errors.ParameterError` naming the parameter, the value it got
and the range it allows (NaN and infinities included), before any work starts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from neurosparse._validation import as_count
from neurosparse.errors import ParameterError

__all__ = ["as_count", "as_seed", "choice", "finite_array", "flag", "real"]


def _range_text(low: float | None, high: float | None, low_inclusive: bool) -> str:
    left = "(-inf" if low is None else ("[" if low_inclusive else "(") + f"{low:g}"
    right = "inf)" if high is None else f"{high:g}]"
    return f"{left}, {right}"


def real(name: str, value: Any, *, low: float | None = None, high: float | None = None,
         low_inclusive: bool = True) -> float:
    """``value`` as a finite float in ``[low, high]`` (``(low, high]`` if not ``low_inclusive``)."""
    allowed = _range_text(low, high, low_inclusive)
    if isinstance(value, (bool, np.bool_)):
        raise ParameterError(f"{name} must be a number in {allowed}, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError, RuntimeError):
        raise ParameterError(f"{name} must be a number in {allowed}, got {value!r}") from None
    outside = not math.isfinite(number)
    outside |= low is not None and (number < low if low_inclusive else number <= low)
    outside |= high is not None and number > high
    if outside:
        raise ParameterError(f"{name} must be in {allowed}, got {number:g}")
    return number


def flag(name: str, value: Any) -> bool:
    """``value`` as a bool; numbers and strings are refused (``learn_beta=0.5`` is a mistake)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ParameterError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def choice(name: str, value: Any, options: Sequence[str]) -> str:
    """``value`` if it is one of ``options``."""
    if not isinstance(value, str) or value not in options:
        raise ParameterError(f"{name} must be one of {tuple(options)}, got {value!r}")
    return value


def as_seed(value: Any, name: str = "seed") -> int:
    """A seed: an integer >= 0 (what NumPy's ``default_rng`` and ``torch.manual_seed`` share)."""
    return as_count(name, value, low=0)


def finite_array(name: str, value: Any) -> np.ndarray:
    """``value`` as an array of numbers with every element finite; the error gives how many are not
    and where the first one is."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise ParameterError(f"{name} must be an array of numbers, got {type(value).__name__}") from None
    bad = ~np.isfinite(arr)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ParameterError(f"{name} must be finite: {int(bad.sum())} of its {arr.size} values are NaN "
                             f"or infinite, the first at index {first} ({arr[first]})")
    return arr
