"""A dendritic segment: a set of synapses onto presynaptic cells and an NMDA threshold.

A segment with synapses on the cells ``S`` (``|S| = s``) sees an input pattern ``x`` (the set
of active presynaptic cells) through its overlap ``|S ∩ x|``. Enough coincident active
synapses start an NMDA spike; the model keeps only that nonlinearity, a step at the
threshold θ:

.. math::

    \\mathrm{NMDA}(x) = [\\,|S \\cap x| \\ge \\theta\\,].

A segment learns a pattern ``x`` of ``a`` active cells by forming synapses on ``s`` of them,
chosen uniformly without replacement; it then recognises ``x`` exactly when ``θ <= s``, and
falsely matches a random pattern with the hypergeometric tail probability
``sum_{b>=θ} C(s, b) C(n - s, a - b) / C(n, a)``. Storing ``m`` patterns on one segment
(union) samples ``s`` synapses from each and keeps their union.

Reference: S. Ahmad and J. Hawkins (2016), "How do neurons operate on sparse distributed
representations? A mathematical theory of sparsity, neurons and active dendrites",
arXiv:1601.00720.

Inputs are sorted unique index arrays of active cells, or any SDR-like object with
``indices`` and ``n`` attributes (``neurosparse.sdr.SDR``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from numbers import Number
from typing import Any

import numpy as np

from neurosparse._seed import SeedLike, as_generator
from neurosparse._validation import as_count
from neurosparse.errors import ParameterError

__all__ = [
    "MAX_INPUTS",
    "DendriticSegment",
    "as_active_indices",
    "as_n_inputs",
    "as_pattern_list",
    "as_threshold",
    "nmda_spike",
    "sample_synapses",
    "union_synapses",
]

#: Most presynaptic cells: cell indices are stored as int32.
MAX_INPUTS = 2**31


def as_n_inputs(value: Any, name: str = "n_inputs") -> int:
    """A number of presynaptic cells, an integer in ``[1, MAX_INPUTS]`` (cells are int32)."""
    return as_count(name, value, low=1, high=MAX_INPUTS, why="cells are stored as int32")


def as_threshold(value: Any, name: str = "theta", low: int = 1) -> int:
    """An NMDA threshold, an integer in ``[low, MAX_INPUTS]`` (no segment has more synapses)."""
    return as_count(name, value, low=low, high=MAX_INPUTS, why="no segment has more synapses")


def as_active_indices(x: Any, n: int, name: str = "x", *, n_name: str = "n") -> np.ndarray:
    """Return the active cells of ``x`` as a sorted unique int32 array in ``[0, n)``.

    Parameters
    ----------
    x
        An SDR-like object (``indices`` and ``n`` attributes) or a 1-D array of cell indices
        (integers: floats, booleans and strings are refused).
    n
        Number of presynaptic cells, ``1 <= n <= MAX_INPUTS``.
    name, n_name
        Names of ``x`` and ``n`` in error messages (``"synapses"``, ``"n_inputs"``).

    Raises
    ------
    ParameterError
        If an index is not an integer, is outside ``[0, n)`` or repeated, or the SDR has
        another size.
    """
    n = as_n_inputs(n, n_name)
    if hasattr(x, "indices") and hasattr(x, "n"):
        if x.n != n:
            raise ParameterError(f"{name} is an SDR of {x.n} cells, expected n = {n}"
                                 + (f" ({n_name})" if n_name != "n" else ""))
        x = x.indices
    if isinstance(x, (str, bytes)):
        raise ParameterError(f"{name} must be a 1-D array of active cell indices, got the string {x!r}")
    try:
        idx = np.asarray(x)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a 1-D array of active cell indices, got {x!r}") from None
    if idx.ndim != 1:
        got = f"the scalar {x!r}" if idx.ndim == 0 else f"shape {idx.shape}"
        raise ParameterError(f"{name} must be a 1-D array of active cell indices, got {got}")
    if idx.size and not np.issubdtype(idx.dtype, np.integer):
        raise ParameterError(f"{name} must hold integer cell indices, got dtype {idx.dtype}")
    idx = np.sort(idx.astype(np.int64, copy=False))
    if idx.size and (idx[0] < 0 or idx[-1] >= n):
        raise ParameterError(f"{name} must hold cell indices in [0, {n}) ({n_name} = {n}), got "
                             f"{idx[0]}..{idx[-1]}")
    if idx.size > 1 and np.any(idx[1:] == idx[:-1]):
        raise ParameterError(f"{name} must not repeat a cell index")
    return idx.astype(np.int32)


def as_pattern_list(patterns: Any, name: str = "patterns") -> list:
    """The patterns of ``patterns`` as a list (each still to be checked with
    :func:`as_active_indices` as ``patterns[k]``).

    Any iterable of patterns passes (a list of index arrays or SDRs, the rows of a 2-D array);
    a single pattern (an SDR, a string, a number) is refused: wrap it in a list.
    """
    single = hasattr(patterns, "indices") or isinstance(patterns, (str, bytes))
    if single or not isinstance(patterns, Iterable):
        raise ParameterError(f"{name} must be a sequence of patterns (index arrays or SDRs); got "
                             f"{type(patterns).__name__} {patterns!r:.80} (wrap a single pattern in a list)")
    items = list(patterns)
    if items and all(isinstance(p, (Number, np.number, np.bool_)) for p in items):
        raise ParameterError(f"{name} must be a sequence of patterns, each an index array or SDR; got "
                             f"numbers {items[:8]!r} (wrap a single pattern in a list: [{name}])")
    return items


def nmda_spike(overlap: Any, theta: int) -> np.ndarray:
    """The segment nonlinearity: ``overlap >= theta`` elementwise (a step at ``theta``).

    ``overlap`` holds counts (integers >= 0, scalar or array); ``theta`` is an integer in
    ``[0, MAX_INPUTS]``.
    """
    theta = as_threshold(theta, low=0)
    try:
        counts = np.asarray(overlap)
    except (TypeError, ValueError):
        raise ParameterError(f"overlap must be counts (integers >= 0), got {overlap!r}") from None
    if counts.size and not np.issubdtype(counts.dtype, np.integer):
        raise ParameterError(f"overlap must be counts (integers >= 0), got dtype {counts.dtype}")
    if counts.size and counts.min() < 0:
        raise ParameterError(f"overlap must be counts (integers >= 0), got {counts.min()}")
    return counts >= theta


def sample_synapses(pattern: Any, s: int, n: int, seed: SeedLike = None, *,
                    name: str = "pattern") -> np.ndarray:
    """Choose ``s`` of the pattern's active cells uniformly without replacement.

    Parameters
    ----------
    pattern
        Active cells (index array or SDR) of the pattern to learn.
    s
        Synapses to form, ``1 <= s <= |pattern|``.
    n
        Number of presynaptic cells.
    seed
        int, SeedSequence or Generator.
    name
        What the pattern is called in error messages (``"patterns[3]"``).

    Returns
    -------
    numpy.ndarray
        Sorted int32 presynaptic cells of the new synapses.
    """
    cells = as_active_indices(pattern, n, name)
    s = as_count("s", s, low=1)
    if s > cells.size:
        raise ParameterError(f"s must be in [1, {cells.size}] (the active cells of {name}), got {s}")
    rng = as_generator(seed)
    return np.sort(rng.choice(cells, size=s, replace=False)).astype(np.int32)


def union_synapses(patterns: Iterable[Any], s: int, n: int, seed: SeedLike = None) -> np.ndarray:
    """Union of ``s`` synapses sampled independently from each pattern (one segment, m patterns)."""
    items = as_pattern_list(patterns)
    rng = as_generator(seed)
    parts = [sample_synapses(p, s, n, rng, name=f"patterns[{k}]") for k, p in enumerate(items)]
    if not parts:
        raise ParameterError("patterns must hold at least one pattern")
    return np.unique(np.concatenate(parts)).astype(np.int32)


@dataclass(frozen=True)
class DendriticSegment:
    """One segment: synapses on presynaptic cells and the NMDA threshold θ.

    Parameters
    ----------
    synapses
        Presynaptic cells the segment has synapses on (sorted unique, in ``[0, n_inputs)``).
    theta
        NMDA threshold: the segment is active when at least ``theta`` of its synapses see
        active cells (``theta >= 1``).
    n_inputs
        Number of presynaptic cells ``n``.

    Examples
    --------
    >>> seg = DendriticSegment.from_pattern([3, 8, 20, 41, 77], s=4, theta=3, n_inputs=100, seed=0)
    >>> seg.is_active([3, 8, 20, 41, 77])
    True
    """

    synapses: np.ndarray
    theta: int
    n_inputs: int

    def __post_init__(self) -> None:
        n = as_n_inputs(self.n_inputs)
        theta = as_threshold(self.theta)
        object.__setattr__(self, "n_inputs", n)
        object.__setattr__(self, "theta", theta)
        synapses = as_active_indices(self.synapses, n, "synapses", n_name="n_inputs")
        object.__setattr__(self, "synapses", synapses)
        self.synapses.setflags(write=False)

    @property
    def s(self) -> int:
        """Number of synapses."""
        return int(self.synapses.size)

    def overlap(self, x: Any) -> int:
        """Synapses of the segment on active cells of ``x``: ``|S ∩ x|``."""
        cells = as_active_indices(x, self.n_inputs, n_name="n_inputs")
        return int(np.intersect1d(self.synapses, cells, assume_unique=True).size)

    def is_active(self, x: Any) -> bool:
        """Whether ``x`` starts an NMDA spike: ``overlap(x) >= theta``."""
        return bool(nmda_spike(self.overlap(x), self.theta))

    @classmethod
    def from_pattern(cls, pattern: Any, s: int, theta: int, n_inputs: int,
                     seed: SeedLike = None) -> DendriticSegment:
        """A segment that learned ``pattern`` with ``s`` sampled synapses."""
        n_inputs = as_n_inputs(n_inputs)
        return cls(sample_synapses(pattern, s, n_inputs, seed), as_threshold(theta), n_inputs)

    @classmethod
    def from_patterns(cls, patterns: Iterable[Any], s: int, theta: int, n_inputs: int,
                      seed: SeedLike = None) -> DendriticSegment:
        """A segment storing the union of ``s`` sampled synapses from each pattern."""
        n_inputs = as_n_inputs(n_inputs)
        return cls(union_synapses(patterns, s, n_inputs, seed), as_threshold(theta), n_inputs)
