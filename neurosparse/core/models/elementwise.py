"""Tools for writing a model's step once, for scalars (Numba) and arrays (NumPy) alike.

A model's step functions use plain arithmetic, comparisons, ``np.exp`` and :func:`select`,
so the compiled kernel can call them on one neuron's scalars (inlined) and the interpreted
tier on a population's arrays, with the same floating-point operations in the same order.

:func:`constants_at` builds a model's named constants for one neuron column of the kernel's
parameter table, in Python and inside Numba (where it unpacks a fixed-size row).
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload
from numba.np.unsafe.ndarray import to_fixed_tuple


def select(condition, if_true, if_false):
    """``if_true`` where ``condition`` holds, else ``if_false`` (elementwise on arrays).

    On scalars inside Numba this is the conditional expression: only the chosen value is
    used, exactly as ``if_true if condition else if_false``.
    """
    if np.ndim(condition) == 0 and np.ndim(if_true) == 0 and np.ndim(if_false) == 0:
        return if_true if condition else if_false
    return np.where(condition, if_true, if_false)


@overload(select)
def _select_numba(condition, if_true, if_false):
    if isinstance(condition, types.Array):
        return lambda condition, if_true, if_false: np.where(condition, if_true, if_false)

    def scalar(condition, if_true, if_false):
        return if_true if condition else if_false

    return scalar


def constants_at(constants_type, params: np.ndarray, col):
    """The ``constants_type`` (a NamedTuple of the model's derived constants) of column
    ``col`` of a parameter table (rows: columns of neurons; columns: constants in field
    order). With an array of columns, each field is an array."""
    n = len(constants_type._fields)
    return constants_type(*(params[col, k] for k in range(n)))


@overload(constants_at)
def _constants_at_numba(constants_type, params, col):
    n = len(constants_type.instance_class._fields)

    def impl(constants_type, params, col):
        return constants_type(*to_fixed_tuple(params[col, :n], n))

    return impl
