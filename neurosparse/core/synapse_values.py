"""Checks and conversions of synaptic weights and delays, shared by ``connect`` (values given
directly, checked at the call) and the layout (values drawn by callables or given by rules).

Delays, like NEST's, must be whole numbers of steps: a delay between two steps is refused,
unless the network names a rounding rule (``Network(rounding="nearest")`` rounds half up,
``"down"`` floors, as Brian2 does for refractory periods). Weights are stored as float32:
one the storage type cannot hold would become infinite and make every membrane NaN.
"""

from __future__ import annotations

import numpy as np

from neurosparse.errors import ParameterError

#: The largest weight magnitude float32 storage holds.
FLOAT32_MAX = float(np.finfo(np.float32).max)
#: The most steps a time may span (int64 step counters, with room to add).
MAX_STEPS = 2**62
#: The rounding rules for times that are not whole steps: None refuses them.
ROUNDING_RULES = (None, "nearest", "down")
_HINT = ("pass a whole multiple of dt, or Network(..., rounding='nearest') to round to the "
         "nearest step (half up) or rounding='down' to round down")


def as_finite(value, what: str) -> float | np.ndarray:
    """``value`` as a float or a float64 array, refused if not numeric or not finite."""
    if isinstance(value, (str, bytes)) or np.asarray(value).dtype.kind in "USO":
        raise ParameterError(f"{what} must be a number or an array of numbers, got "
                             f"{_show(value)}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"{what} must be a number or an array of numbers, got "
                             f"{_show(value)}") from None
    if not np.all(np.isfinite(arr)):
        bad = np.flatnonzero(~np.isfinite(arr.ravel()))
        raise ParameterError(f"{what} must be finite; {bad.size} value(s) are not "
                             f"(the first: {float(arr.ravel()[bad[0]])} at position {int(bad[0])})")
    return float(arr) if arr.ndim == 0 else arr


def check_weights(value, what: str) -> float | np.ndarray:
    """Finite weights the float32 storage can hold (``|w| <= 3.4e38``)."""
    arr = as_finite(value, what)
    big = np.abs(np.asarray(arr)) > FLOAT32_MAX
    if np.any(big):
        raise ParameterError(f"{what} must be within +-{FLOAT32_MAX:.3g} (weights are stored as "
                             f"float32), got {float(np.asarray(arr)[big].ravel()[0]):g}")
    return arr


def check_rounding(rounding) -> str | None:
    """``rounding`` if it is one of :data:`ROUNDING_RULES`."""
    if rounding not in ROUNDING_RULES:
        raise ParameterError(f"rounding must be one of {ROUNDING_RULES}, got {rounding!r}")
    return rounding


def time_steps(value, dt: float, what: str, rounding: str | None, *, low: int = 1):
    """``value`` seconds as whole steps of ``dt`` (an int or an int64 array), at least ``low``.

    Raises
    ------
    ParameterError
        If a value is not a whole number of steps (and ``rounding`` is None), not finite, or
        below ``low`` steps.
    """
    arr = np.asarray(as_finite(value, what))
    ratio = arr / dt
    if np.any(np.abs(ratio) > MAX_STEPS):
        k = int(np.flatnonzero((np.abs(ratio) > MAX_STEPS).ravel())[0])
        raise ParameterError(f"{what} must be at most {MAX_STEPS:.3g} steps of dt = {dt:g} s; "
                             f"got {arr.ravel()[k]:g} s")
    nearest = np.floor(ratio + 0.5 + 1e-6)  # half up, also where 1.5e-4 / 1e-4 = 1.4999...
    whole = np.isclose(ratio, nearest, rtol=1e-9, atol=1e-6)
    if rounding is None:
        if not np.all(whole):
            k = int(np.flatnonzero(~whole.ravel())[0])
            raise ParameterError(f"{what} must be a whole number of steps of dt = {dt:g} s; "
                                 f"{arr.ravel()[k]:g} s is {ratio.ravel()[k]:.6g} steps: {_HINT}")
        steps = nearest
    elif rounding == "nearest":
        steps = nearest
    else:  # Brian2's rule for refractory periods: floor, with a 1e-3-step tolerance
        steps = np.floor(ratio + 1e-3)
    if np.any(steps < low):
        k = int(np.flatnonzero((steps < low).ravel())[0])
        raise ParameterError(f"{what} must be at least {low} step{'s' if low != 1 else ''} "
                             f"(dt = {dt:g} s); got {arr.ravel()[k]:g} s")
    steps = steps.astype(np.int64)
    return int(steps) if steps.ndim == 0 else steps


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
