"""A neuron with active dendrites: many segments, predictive when any segment reaches θ.

Each segment is an independent coincidence detector (:class:`DendriticSegment`); the neuron
OR-combines them:

.. math::

    \\mathrm{predictive}(x) = \\bigvee_{k} [\\,|S_k \\cap x| \\ge \\theta\\,].

Patterns are stored either one per segment (``storage="segment"``: each learned pattern adds a
segment with ``s`` synapses sampled from it) or all on one segment (``storage="union"``: the
neuron's single segment holds the union of ``s`` synapses sampled from each pattern; its
false-match rate grows with the union size, Ahmad & Hawkins 2016, section "Unions").

This is the readable reference; :class:`neurosparse.dendrites.layer.DendriticLayer` evaluates
many such neurons on batches of SDRs with Numba kernels.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from neurosparse._seed import SeedLike, as_generator
from neurosparse._validation import as_count
from neurosparse.dendrites.segment import (
    MAX_INPUTS,
    DendriticSegment,
    as_active_indices,
    as_n_inputs,
    as_pattern_list,
    as_threshold,
    sample_synapses,
)
from neurosparse.errors import ParameterError

__all__ = ["DendriticNeuron", "STORAGE_MODES", "check_params", "check_storage"]

#: How patterns are stored: one segment each, or one segment holding their union.
STORAGE_MODES: tuple[str, ...] = ("segment", "union")


def check_params(n_inputs: Any, s: Any, theta: Any, storage: Any) -> tuple[int, int, int, str]:
    """The shared parameters of :class:`DendriticNeuron` and the layer, checked: ``n_inputs``
    in ``[1, MAX_INPUTS]``, ``s >= 1``, ``theta`` in ``[1, MAX_INPUTS]``, a storage mode."""
    s = as_count("s", s, low=1, high=MAX_INPUTS, why="at most one synapse per cell")
    return as_n_inputs(n_inputs), s, as_threshold(theta), check_storage(storage)


def check_storage(storage: str) -> str:
    """Return ``storage`` if it is one of :data:`STORAGE_MODES`, else raise ParameterError."""
    if not isinstance(storage, str) or storage not in STORAGE_MODES:
        raise ParameterError(f"storage must be one of {STORAGE_MODES}, got {storage!r}")
    return storage


class DendriticNeuron:
    """A neuron whose segments learn SDR patterns (scikit-learn style estimator).

    Parameters
    ----------
    n_inputs
        Number of presynaptic cells ``n``.
    s
        Synapses sampled from each learned pattern.
    theta
        NMDA threshold of every segment.
    storage
        ``"segment"`` (one segment per pattern) or ``"union"`` (one segment, union of samples).
    seed
        int, SeedSequence or Generator for the synapse sampling.

    Attributes
    ----------
    segments_ : list of DendriticSegment
        Learned segments (one per pattern, or a single union segment).
    n_patterns_ : int
        Patterns learned so far.

    Examples
    --------
    >>> neuron = DendriticNeuron(n_inputs=1024, s=10, theta=6, seed=1)
    >>> neuron = neuron.fit([np.arange(0, 400, 20), np.arange(1, 401, 20)])
    >>> bool(neuron.is_predictive(np.arange(0, 400, 20)))
    True
    """

    def __init__(self, n_inputs: int, s: int, theta: int, *, storage: str = "segment",
                 seed: SeedLike = None) -> None:
        self.n_inputs = n_inputs
        self.s = s
        self.theta = theta
        self.storage = storage
        self.seed = seed

    def _check_params(self) -> None:
        check_params(self.n_inputs, self.s, self.theta, self.storage)

    def fit(self, patterns: Iterable[Any]) -> DendriticNeuron:
        """Learn ``patterns`` from scratch (forgets earlier ones); returns self.

        Nothing changes if a parameter or a pattern is refused."""
        self._check_params()
        rng = as_generator(self.seed)
        new = self._sample(patterns, rng)
        self._rng = rng
        self.segments_: list[DendriticSegment] = []
        self.n_patterns_ = 0
        return self._store(new)

    def partial_fit(self, patterns: Iterable[Any]) -> DendriticNeuron:
        """Learn more patterns, keeping those already stored; returns self."""
        if not hasattr(self, "segments_"):
            return self.fit(patterns)
        return self._store(self._sample(patterns, self._rng))

    def _sample(self, patterns: Iterable[Any], rng: np.random.Generator) -> list[np.ndarray]:
        return [sample_synapses(p, self.s, self.n_inputs, rng, name=f"patterns[{k}]")
                for k, p in enumerate(as_pattern_list(patterns))]

    def _store(self, new: list[np.ndarray]) -> DendriticNeuron:
        if self.storage == "segment":
            self.segments_.extend(DendriticSegment(syn, self.theta, self.n_inputs) for syn in new)
        elif new:
            old = [self.segments_[0].synapses] if self.segments_ else []
            union = np.unique(np.concatenate(old + new))
            self.segments_ = [DendriticSegment(union, self.theta, self.n_inputs)]
        self.n_patterns_ += len(new)
        return self

    def segment_overlaps(self, x: Any) -> np.ndarray:
        """Overlap of ``x`` with every segment, int64 of length ``len(segments_)``."""
        self._check_fitted()
        cells = as_active_indices(x, self.n_inputs, n_name="n_inputs")
        return np.array([np.intersect1d(seg.synapses, cells, assume_unique=True).size
                         for seg in self.segments_], dtype=np.int64)

    def active_segments(self, x: Any) -> np.ndarray:
        """Which segments ``x`` drives to an NMDA spike (bool array)."""
        return self.segment_overlaps(x) >= self.theta

    def is_predictive(self, x: Any) -> bool:
        """Whether any segment reaches θ on ``x``."""
        return bool(np.any(self.active_segments(x)))

    def predict(self, patterns: Iterable[Any]) -> np.ndarray:
        """:meth:`is_predictive` of each pattern, a bool array."""
        self._check_fitted()
        items = as_pattern_list(patterns)
        cells = [as_active_indices(x, self.n_inputs, f"patterns[{k}]", n_name="n_inputs")
                 for k, x in enumerate(items)]
        return np.array([self.is_predictive(x) for x in cells], dtype=bool)

    def _check_fitted(self) -> None:
        if not hasattr(self, "segments_"):
            raise ParameterError("this DendriticNeuron is not fitted yet; call fit(patterns) first")
