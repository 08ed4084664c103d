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
from typing import Any

import numpy as np

from neurosparse._seed import SeedLike, as_generator
from neurosparse._validation import as_count
from neurosparse.errors import ParameterError

__all__ = [
    "DendriticSegment",
    "as_active_indices",
    "nmda_spike",
    "sample_synapses",
    "union_synapses",
]


def as_active_indices(x: Any, n: int, name: str = "x") -> np.ndarray:
    """Return the active cells of ``x`` as a sorted unique int32 array in ``[0, n)``.

    Parameters
    ----------
    x
        An SDR-like object (``indices`` and ``n`` attributes) or a 1-D array of cell indices.
    n
        Number of presynaptic cells.
    name
        Argument name used in error messages.

    Raises
    ------
    ParameterError
        If an index is outside ``[0, n)``, repeated, or the SDR has another size.
    """
    if hasattr(x, "indices") and hasattr(x, "n"):
        if int(x.n) != n:
            raise ParameterError(f"{name} is an SDR of {x.n} cells, expected n = {n}")
        x = x.indices
    idx = np.asarray(x)
    if idx.ndim != 1:
        raise ParameterError(f"{name} must be a 1-D array of active cell indices, got shape {idx.shape}")
    if idx.size and not np.issubdtype(idx.dtype, np.integer):
        raise ParameterError(f"{name} must hold integer cell indices, got dtype {idx.dtype}")
    idx = np.sort(idx.astype(np.int64, copy=False))
    if idx.size and (idx[0] < 0 or idx[-1] >= n):
        raise ParameterError(f"{name} must hold cell indices in [0, {n}), got {idx[0]}..{idx[-1]}")
    if idx.size > 1 and np.any(idx[1:] == idx[:-1]):
        raise ParameterError(f"{name} must not repeat a cell index")
    return idx.astype(np.int32)


def nmda_spike(overlap: Any, theta: int) -> np.ndarray:
    """The segment nonlinearity: ``overlap >= theta`` elementwise (a step at ``theta``)."""
    return np.asarray(overlap) >= theta


def sample_synapses(pattern: Any, s: int, n: int, seed: SeedLike = None) -> np.ndarray:
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

    Returns
    -------
    numpy.ndarray
        Sorted int32 presynaptic cells of the new synapses.
    """
    cells = as_active_indices(pattern, n, "pattern")
    s = as_count("s", s, low=1)
    if s > cells.size:
        raise ParameterError(f"s must be in [1, {cells.size}] (the pattern's active cells), got {s}")
    rng = as_generator(seed)
    return np.sort(rng.choice(cells, size=s, replace=False)).astype(np.int32)


def union_synapses(patterns: Iterable[Any], s: int, n: int, seed: SeedLike = None) -> np.ndarray:
    """Union of ``s`` synapses sampled independently from each pattern (one segment, m patterns)."""
    rng = as_generator(seed)
    parts = [sample_synapses(p, s, n, rng) for p in patterns]
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
        n = as_count("n_inputs", self.n_inputs, low=1)
        theta = as_count("theta", self.theta, low=1)
        object.__setattr__(self, "n_inputs", n)
        object.__setattr__(self, "theta", theta)
        object.__setattr__(self, "synapses", as_active_indices(self.synapses, n, "synapses"))
        self.synapses.setflags(write=False)

    @property
    def s(self) -> int:
        """Number of synapses."""
        return int(self.synapses.size)

    def overlap(self, x: Any) -> int:
        """Synapses of the segment on active cells of ``x``: ``|S ∩ x|``."""
        cells = as_active_indices(x, self.n_inputs)
        return int(np.intersect1d(self.synapses, cells, assume_unique=True).size)

    def is_active(self, x: Any) -> bool:
        """Whether ``x`` starts an NMDA spike: ``overlap(x) >= theta``."""
        return bool(nmda_spike(self.overlap(x), self.theta))

    @classmethod
    def from_pattern(cls, pattern: Any, s: int, theta: int, n_inputs: int,
                     seed: SeedLike = None) -> DendriticSegment:
        """A segment that learned ``pattern`` with ``s`` sampled synapses."""
        return cls(sample_synapses(pattern, s, n_inputs, seed), theta, n_inputs)

    @classmethod
    def from_patterns(cls, patterns: Iterable[Any], s: int, theta: int, n_inputs: int,
                      seed: SeedLike = None) -> DendriticSegment:
        """A segment storing the union of ``s`` sampled synapses from each pattern."""
        return cls(union_synapses(patterns, s, n_inputs, seed), theta, n_inputs)
