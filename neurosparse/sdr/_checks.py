"""Checks of the numbers and index arrays that the public calls of :mod:`neurosparse.sdr` take.

Each check raises :class:`~neurosparse.errors.ParameterError` naming the parameter, the value it
got and the range it allows, before any work starts; :func:`check_memory` (shared with the other
packages, from :mod:`neurosparse._validation`) raises
:class:`~neurosparse.errors.InsufficientMemoryError` with the size a call would allocate.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable
from typing import Any

import numpy as np

from neurosparse._validation import available_memory, check_memory, describe_bytes
from neurosparse.errors import ParameterError

__all__ = ["MAX_N", "as_int", "as_n", "as_real", "as_progress", "as_indices", "available_memory",
           "check_memory", "describe_bytes"]

# Cells of an SDR or of a batch row: indices are stored as int32, so every index < 2**31.
MAX_N = 2**31
_MAX_N_TEXT = f"{MAX_N} = 2**31 (indices are stored as int32)"


def as_int(name: str, value: Any, low: int = 0, high: int | None = None, high_text: str | None = None,
           low_text: str | None = None) -> int:
    """``value`` as a Python int in ``[low, high]``.

    Integers (Python or NumPy) pass; floats pass only when finite and whole (``5.0``); bools,
    strings, NaN, infinities and anything else are refused. ``low_text`` and ``high_text`` say
    what the bounds are (``"n=5"``) in the message.
    """
    top = high_text if high_text is not None else ("inf" if high is None else str(high))
    allowed = f"an integer in [{low_text if low_text is not None else low}, {top}]"
    if isinstance(value, (bool, np.bool_)):
        raise ParameterError(f"{name} must be {allowed}; got the bool {value!r}")
    if isinstance(value, (float, np.floating)):
        if not (math.isfinite(value) and value == math.floor(value)):
            raise ParameterError(f"{name} must be {allowed}; got {value!r}")
        number = int(value)
    else:
        try:
            number = operator.index(value)
        except TypeError:
            raise ParameterError(f"{name} must be {allowed}; got {value!r}") from None
    if number < low or (high is not None and number > high):
        raise ParameterError(f"{name} must be {allowed}; got {number}")
    return number


def as_real(name: str, value: Any, low: float, high: float) -> float:
    """``value`` as a finite float in ``[low, high]``; bools and strings are refused."""
    allowed = f"a number in [{low:g}, {high:g}]"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterError(f"{name} must be {allowed}; got {value!r}")
    number = float(value)
    if not (math.isfinite(number) and low <= number <= high):
        raise ParameterError(f"{name} must be {allowed}; got {number!r}")
    return number


def as_progress(value: Any) -> bool | None:
    """The ``progress`` option: True (always show the bar), False (never) or None (automatic)."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    raise ParameterError(f"progress must be True, False or None; got {value!r}")


def as_n(value: Any, name: str = "n") -> int:
    """A number of cells in ``[0, MAX_N]``."""
    return as_int(name, value, 0, MAX_N, _MAX_N_TEXT)


def _first(values: np.ndarray, bad: np.ndarray) -> str:
    where = np.flatnonzero(bad)
    more = f" (and {where.size - 1} more)" if where.size > 1 else ""
    return f"{values[where[0]].item()!r} at position {int(where[0])}{more}"


def as_indices(name: str, values: Iterable[int] | np.ndarray, n: int, *, unique: bool = True) -> np.ndarray:
    """Cell indices as a sorted 1-D int64 array, every one an integer in ``[0, n)``.

    Integer arrays and lists pass; float arrays pass only when every value is whole (``2.0``);
    booleans, strings, NaN, infinities, N-D arrays and, if ``unique``, repeated cells are refused
    (an SDR is a set of active cells, and a silently dropped or truncated index is a bug).
    """
    allowed = f"integers in [0, n={n})"
    if isinstance(values, (str, bytes)) or np.ndim(values) == 0 and not isinstance(values, Iterable):
        raise ParameterError(f"{name} must be a 1-D sequence of {allowed}; got {values!r}")
    if not isinstance(values, np.ndarray):
        items = list(values)
        if any(isinstance(v, (bool, np.bool_)) for v in items):
            raise ParameterError(f"{name} must be {allowed}, not booleans; got {items[:8]!r} "
                                 f"(use SDR.from_dense for a bit vector)")
        try:
            values = np.asarray(items)
        except (TypeError, ValueError):
            raise ParameterError(f"{name} must be a 1-D sequence of {allowed}; got {items[:8]!r}") from None
        if values.size == 0:
            values = values.astype(np.int64)
    if values.ndim != 1:
        raise ParameterError(f"{name} must be a 1-D sequence of {allowed}; got an array of shape "
                             f"{values.shape} (use SDR.from_dense for an N-D bit array)")
    kind = values.dtype.kind
    if kind == "b":
        raise ParameterError(f"{name} must be {allowed}, not booleans (use SDR.from_dense for a bit vector)")
    if kind == "f":
        bad = ~np.isfinite(values)
        if np.any(bad):
            raise ParameterError(f"{name} must be {allowed}; got {_first(values, bad)}")
        bad = values != np.floor(values)
        if np.any(bad):
            raise ParameterError(f"{name} must be whole numbers ({allowed}); got {_first(values, bad)}")
    elif kind not in "iu":
        raise ParameterError(f"{name} must be {allowed}; got values of type {values.dtype} "
                             f"({values[:4].tolist()!r})")
    bad = (values < 0) | (values >= n)
    if np.any(bad):
        raise ParameterError(f"{name} must be {allowed}; got {_first(values, bad)}")
    idx = np.sort(values.astype(np.int64))
    if unique and idx.size > 1:
        dup = idx[1:] == idx[:-1]
        if np.any(dup):
            cells = np.unique(idx[1:][dup])
            shown = ", ".join(map(str, cells[:8].tolist())) + (", ..." if cells.size > 8 else "")
            raise ParameterError(f"{name} must be unique (an SDR is a set of active cells); repeated: "
                                 f"{shown} (pass np.unique({name}) to merge repeats)")
    return idx
