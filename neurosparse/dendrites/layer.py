"""A layer of neurons with active dendrites, evaluated on batches of SDRs.

The layer's segments are stored as CSR: segment ``g`` has synapses on the presynaptic cells
``segment_synapses_[segment_indptr_[g]:segment_indptr_[g + 1]]`` and belongs to neuron
``segment_neuron_[g]``. For evaluation the transpose is kept too (presynaptic cell -> the
segments it has synapses on), so one input pattern costs one increment per (active cell,
synapse) pair, not ``n_inputs * n_segments``:

.. math::

    o_{b,g} = |S_g \\cap x_b|, \\qquad
    \\mathrm{predictive}_{b,j} = \\bigvee_{g:\\,\\mathrm{neuron}(g) = j} [\\,o_{b,g} \\ge \\theta\\,].

Batches of patterns are 2-D int arrays (one pattern of active cells per row), lists of index
arrays of any lengths, or lists of SDRs. :func:`segment_overlaps_numpy` is the dense NumPy
reference of the Numba kernel.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numba import njit

from neurosparse._seed import SeedLike, as_generator
from neurosparse._validation import as_count, as_int_array, check_memory
from neurosparse.dendrites.neuron import check_params
from neurosparse.dendrites.segment import (
    DendriticSegment,
    as_active_indices,
    as_n_inputs,
    as_pattern_list,
    sample_synapses,
)
from neurosparse.errors import ParameterError

__all__ = ["MAX_NEURONS", "DendriticLayer", "as_pattern_batch", "segment_overlaps_numpy"]

#: Most neurons of a layer: neuron indices are stored as int32.
MAX_NEURONS = 2**31


class DendriticLayer:
    """Neurons with many segments each, learned from SDR patterns and evaluated in batch.

    Parameters
    ----------
    n_inputs
        Number of presynaptic cells ``n``.
    s
        Synapses sampled from each learned pattern.
    theta
        NMDA threshold of every segment.
    storage
        ``"segment"``: each pattern gets its own segment on its neuron; ``"union"``: each
        neuron has one segment holding the union of its patterns' sampled synapses.
    seed
        int, SeedSequence or Generator for the synapse sampling.

    Attributes
    ----------
    n_neurons_, n_segments_ : int
    segment_indptr_ : int64 (n_segments_ + 1,)
    segment_synapses_ : int32 (total synapses,)
        CSR of the segments' presynaptic cells (sorted within each segment).
    segment_neuron_ : int32 (n_segments_,)
        The neuron each segment belongs to.
    post_indptr_ : int64 (n_inputs + 1,)
    post_segments_ : int32 (total synapses,)
        Transposed CSR: for each presynaptic cell, the segments it has a synapse on.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> patterns = np.sort(rng.permuted(np.tile(np.arange(1024), (5, 1)), axis=1)[:, :20], axis=1)
    >>> layer = DendriticLayer(1024, s=12, theta=8, seed=0).fit(patterns)
    >>> bool(layer.predict(patterns).diagonal().all())
    True
    """

    def __init__(self, n_inputs: int, s: int, theta: int, *, storage: str = "segment",
                 seed: SeedLike = None) -> None:
        self.n_inputs = n_inputs
        self.s = s
        self.theta = theta
        self.storage = storage
        self.seed = seed

    def fit(self, patterns: Any, neurons: Sequence[int] | np.ndarray | None = None,
            n_neurons: int | None = None) -> DendriticLayer:
        """Learn ``patterns``; pattern ``k`` is stored on neuron ``neurons[k]``.

        Parameters
        ----------
        patterns
            Batch of patterns (2-D int array, list of index arrays or SDRs).
        neurons
            Neuron of each pattern; default ``arange(len(patterns))`` (one neuron each).
        n_neurons
            Size of the layer; default ``max(neurons) + 1``.

        Returns
        -------
        DendriticLayer
            self.
        """
        n, s, _, _ = check_params(self.n_inputs, self.s, self.theta, self.storage)
        x_indptr, x_indices = as_pattern_batch(patterns, n)
        m = x_indptr.size - 1
        if neurons is None:
            neurons = np.arange(m)
        else:
            neurons = _neuron_indices("neurons", neurons)
            if neurons.shape != (m,):
                raise ParameterError(f"neurons must have one entry per pattern: patterns holds {m}, "
                                     f"neurons has shape {neurons.shape}")
        n_out = int(neurons.max()) + 1 if m else 0
        if n_neurons is not None:
            if _n_neurons(n_neurons) < n_out:
                raise ParameterError(f"n_neurons must be >= max(neurons) + 1 = {n_out}, got {n_neurons}")
            n_out = int(n_neurons)
        rng = as_generator(self.seed)
        samples = [sample_synapses(x_indices[x_indptr[k]:x_indptr[k + 1]], s, n, rng, name=f"patterns[{k}]")
                   for k in range(m)]
        if self.storage == "segment":
            segments, owner = samples, neurons
        else:
            order = np.argsort(neurons, kind="stable")  # patterns grouped by neuron, in order
            owner, first = np.unique(neurons[order], return_index=True)
            segments = [np.unique(np.concatenate([samples[k] for k in group]))
                        for group in np.split(order, first[1:])]
        self._set_segments(segments, owner, n_out)
        return self

    @classmethod
    def from_segments(cls, segments: Iterable[DendriticSegment], segment_neuron: Any = None,
                      n_neurons: int | None = None) -> DendriticLayer:
        """A fitted layer holding given segments (all with the same ``n_inputs`` and ``theta``).

        ``segment_neuron`` gives each segment's neuron (default: one neuron per segment).
        """
        if isinstance(segments, DendriticSegment) or not isinstance(segments, Iterable):
            raise ParameterError(f"segments must be a sequence of DendriticSegment; got "
                                 f"{type(segments).__name__} (wrap a single segment in a list)")
        segments = list(segments)
        if not segments:
            raise ParameterError("segments must hold at least one DendriticSegment")
        bad = [k for k, seg in enumerate(segments) if not isinstance(seg, DendriticSegment)]
        if bad:
            raise ParameterError(f"segments must hold DendriticSegment objects; segments[{bad[0]}] is "
                                 f"{type(segments[bad[0]]).__name__}")
        n, theta = segments[0].n_inputs, segments[0].theta
        if any(seg.n_inputs != n or seg.theta != theta for seg in segments):
            raise ParameterError("segments must all have the same n_inputs and theta")
        owner = (np.arange(len(segments)) if segment_neuron is None
                 else _neuron_indices("segment_neuron", segment_neuron))
        if owner.shape != (len(segments),):
            raise ParameterError(f"segment_neuron must hold one neuron index per segment ({len(segments)}), "
                                 f"got shape {owner.shape}")
        n_out = int(owner.max()) + 1 if n_neurons is None else _n_neurons(n_neurons)
        if n_out <= owner.max():
            raise ParameterError(f"n_neurons must be > max(segment_neuron) = {owner.max()}, got {n_out}")
        layer = cls(n, s=max(seg.s for seg in segments), theta=theta)
        layer._set_segments([seg.synapses for seg in segments], owner, n_out)
        return layer

    def _set_segments(self, segments: list[np.ndarray], owner: np.ndarray, n_neurons: int) -> None:
        lengths = np.array([len(g) for g in segments], dtype=np.int64)
        self.n_neurons_ = int(n_neurons)
        self.n_segments_ = len(segments)
        self.segment_indptr_ = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        self.segment_synapses_ = (np.concatenate(segments).astype(np.int32) if segments
                                  else np.zeros(0, np.int32))
        self.segment_neuron_ = np.asarray(owner, dtype=np.int32)
        # Transpose: presynaptic cell -> segments, so evaluation touches active cells only.
        seg_of_synapse = np.repeat(np.arange(self.n_segments_, dtype=np.int32), lengths)
        order = np.argsort(self.segment_synapses_, kind="stable")
        self.post_segments_ = seg_of_synapse[order]
        counts = np.bincount(self.segment_synapses_, minlength=int(self.n_inputs))
        self.post_indptr_ = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)

    @property
    def n_synapses_(self) -> int:
        """Total synapses over all segments."""
        return int(self.segment_synapses_.size)

    def segment(self, g: int) -> DendriticSegment:
        """Segment ``g`` as a :class:`DendriticSegment` (``0 <= g < n_segments_``)."""
        self._check_fitted()
        g = as_count("g", g, low=0, high=self.n_segments_ - 1,
                     why=f"the layer has {self.n_segments_} segments")
        lo, hi = self.segment_indptr_[g], self.segment_indptr_[g + 1]
        return DendriticSegment(self.segment_synapses_[lo:hi], int(self.theta), int(self.n_inputs))

    def segment_overlaps(self, patterns: Any) -> np.ndarray:
        """Overlap of every pattern with every segment, int32 ``(batch, n_segments_)``."""
        self._check_fitted()
        x_indptr, x_indices = as_pattern_batch(patterns, int(self.n_inputs))
        check_memory(4 * (x_indptr.size - 1) * self.n_segments_,
                     f"segment_overlaps of {x_indptr.size - 1} patterns on {self.n_segments_} segments",
                     "evaluate fewer patterns at a time, or use count_active_segments")
        return _overlaps_kernel(x_indptr, x_indices, self.post_indptr_, self.post_segments_,
                                self.n_segments_)

    def segment_activity(self, patterns: Any) -> np.ndarray:
        """NMDA spikes: ``segment_overlaps >= theta``, bool ``(batch, n_segments_)``."""
        return self.segment_overlaps(patterns) >= self.theta

    def predict(self, patterns: Any) -> np.ndarray:
        """Predictive neurons (any segment at θ), bool ``(batch, n_neurons_)``.

        Built without the ``(batch, n_segments_)`` overlap matrix.
        """
        self._check_fitted()
        x_indptr, x_indices = as_pattern_batch(patterns, int(self.n_inputs))
        check_memory((x_indptr.size - 1) * self.n_neurons_,
                     f"predict of {x_indptr.size - 1} patterns on n_neurons={self.n_neurons_}",
                     "predict fewer patterns at a time, or use count_active_segments")
        return _predict_kernel(x_indptr, x_indices, self.post_indptr_, self.post_segments_,
                               self.segment_neuron_, self.n_segments_, self.n_neurons_, int(self.theta))

    def count_active_segments(self, patterns: Any) -> np.ndarray:
        """Number of segments each pattern activates, int64 ``(batch,)``.

        Does not build the ``(batch, n_segments_)`` overlap matrix, so very large batches
        (false-match experiments) run in memory proportional to the layer.
        """
        self._check_fitted()
        x_indptr, x_indices = as_pattern_batch(patterns, int(self.n_inputs))
        return _count_active_kernel(x_indptr, x_indices, self.post_indptr_, self.post_segments_,
                                    self.n_segments_, int(self.theta))

    def _check_fitted(self) -> None:
        if not hasattr(self, "segment_indptr_"):
            raise ParameterError("this DendriticLayer is not fitted yet; call fit(patterns) first")


def as_pattern_batch(patterns: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A batch of patterns as CSR ``(indptr int64, indices int32)``, rows sorted and checked.

    Accepts a 2-D int array (one pattern per row), or a sequence of index arrays or SDRs;
    ``n`` is the number of presynaptic cells.
    """
    n = as_n_inputs(n, "n")
    if isinstance(patterns, np.ndarray) and patterns.ndim == 2:
        if patterns.size and not np.issubdtype(patterns.dtype, np.integer):
            raise ParameterError(f"patterns must hold integer cell indices, got dtype {patterns.dtype}")
        rows = np.sort(patterns, axis=1)
        if rows.size and (rows.min() < 0 or rows.max() >= n):
            raise ParameterError(f"patterns must hold cell indices in [0, {n}) (n = {n})")
        if rows.shape[1] > 1 and np.any(rows[:, 1:] == rows[:, :-1]):
            raise ParameterError("patterns must not repeat a cell index within a row")
        indptr = np.arange(rows.shape[0] + 1, dtype=np.int64) * rows.shape[1]
        return indptr, np.ascontiguousarray(rows, dtype=np.int32).ravel()
    rows = [as_active_indices(p, n, f"patterns[{k}]") for k, p in enumerate(as_pattern_list(patterns))]
    lengths = np.array([r.size for r in rows], dtype=np.int64)
    indptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    indices = np.concatenate(rows).astype(np.int32) if rows else np.zeros(0, np.int32)
    return indptr, indices


def segment_overlaps_numpy(x_indptr: np.ndarray, x_indices: np.ndarray, segment_indptr: np.ndarray,
                           segment_synapses: np.ndarray, n_inputs: int) -> np.ndarray:
    """Dense NumPy reference of the overlap kernel: ``X @ S`` with 0/1 matrices.

    ``(x_indptr, x_indices)`` is a batch of patterns and ``(segment_indptr, segment_synapses)``
    the segments, both CSR over ``n_inputs`` cells (as :func:`as_pattern_batch` and a fitted
    layer's ``segment_indptr_`` / ``segment_synapses_`` hold them).
    """
    n_inputs = as_n_inputs(n_inputs)
    x_indptr, x_indices = _csr("x_indptr", x_indptr, "x_indices", x_indices, n_inputs)
    segment_indptr, segment_synapses = _csr("segment_indptr", segment_indptr, "segment_synapses",
                                            segment_synapses, n_inputs)
    batch, n_seg = x_indptr.size - 1, segment_indptr.size - 1
    check_memory(4 * n_inputs * (batch + n_seg) + 4 * batch * n_seg,
                 f"segment_overlaps_numpy of {batch} patterns, {n_seg} segments and n_inputs={n_inputs} "
                 f"(dense 0/1 matrices)", "use DendriticLayer.segment_overlaps (sparse)")
    x = np.zeros((batch, n_inputs), dtype=np.int32)
    x[np.repeat(np.arange(batch), np.diff(x_indptr)), x_indices] = 1
    s = np.zeros((n_inputs, n_seg), dtype=np.int32)
    s[segment_synapses, np.repeat(np.arange(n_seg), np.diff(segment_indptr))] = 1
    return x @ s


def _csr(ptr_name: str, indptr: Any, idx_name: str, indices: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A CSR pair checked: 1-D integer arrays, ``indptr`` from 0 to ``len(indices)`` and
    non-decreasing, ``indices`` in ``[0, n)``."""
    ptr, idx = as_int_array(ptr_name, indptr), as_int_array(idx_name, indices)
    if ptr.size == 0 or ptr[0] != 0 or ptr[-1] != idx.size or np.any(np.diff(ptr) < 0):
        raise ParameterError(f"{ptr_name} must rise from 0 to len({idx_name}) = {idx.size}, never falling; "
                             f"got {ptr[:8].tolist()}{' ...' if ptr.size > 8 else ''}")
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ParameterError(f"{idx_name} must hold cells in [0, n_inputs={n}), got {idx.min()}..{idx.max()}")
    return ptr, idx


def _neuron_indices(name: str, values: Any) -> np.ndarray:
    """Neuron indices: a 1-D array of integers in ``[0, MAX_NEURONS)``."""
    arr = as_int_array(f"{name} (neuron indices)", values)
    if arr.size and (arr.min() < 0 or arr.max() >= MAX_NEURONS):
        raise ParameterError(f"{name} must hold neuron indices in [0, {MAX_NEURONS}) (int32), got "
                             f"{arr.min()}..{arr.max()}")
    return arr


def _n_neurons(value: Any) -> int:
    return as_count("n_neurons", value, low=0, high=MAX_NEURONS, why="neuron indices are int32")


@njit(cache=True)
def _overlaps_kernel(x_indptr, x_indices, post_indptr, post_segments, n_segments):  # pragma: no cover
    batch = x_indptr.size - 1
    out = np.zeros((batch, n_segments), np.int32)
    for b in range(batch):
        for k in range(x_indptr[b], x_indptr[b + 1]):
            cell = x_indices[k]
            for j in range(post_indptr[cell], post_indptr[cell + 1]):
                out[b, post_segments[j]] += 1
    return out


@njit(cache=True, inline="always")
def _segments_reaching(x_indptr, x_indices, b, post_indptr, post_segments, theta, counts, touched,
                       hits):  # pragma: no cover
    """Segments with at least ``theta`` active synapses for pattern ``b``, into ``hits``.

    ``counts`` (zeros on entry and on return) and ``touched`` are scratch arrays of one
    entry per segment; only the segments this pattern touched are reset. Returns how many
    segments reached ``theta``.
    """
    n_touched = 0
    n_hits = 0
    for k in range(x_indptr[b], x_indptr[b + 1]):
        cell = x_indices[k]
        for j in range(post_indptr[cell], post_indptr[cell + 1]):
            g = post_segments[j]
            if counts[g] == 0:
                touched[n_touched] = g
                n_touched += 1
            counts[g] += 1
            if counts[g] == theta:
                hits[n_hits] = g
                n_hits += 1
    for t in range(n_touched):
        counts[touched[t]] = 0
    return n_hits


@njit(cache=True)
def _count_active_kernel(x_indptr, x_indices, post_indptr, post_segments, n_segments,
                         theta):  # pragma: no cover
    batch = x_indptr.size - 1
    out = np.zeros(batch, np.int64)
    counts = np.zeros(n_segments, np.int32)
    touched = np.empty(n_segments, np.int32)
    hits = np.empty(n_segments, np.int32)
    for b in range(batch):
        out[b] = _segments_reaching(x_indptr, x_indices, b, post_indptr, post_segments, theta, counts,
                                    touched, hits)
    return out


@njit(cache=True)
def _predict_kernel(x_indptr, x_indices, post_indptr, post_segments, segment_neuron, n_segments,
                    n_neurons, theta):  # pragma: no cover
    batch = x_indptr.size - 1
    out = np.zeros((batch, n_neurons), np.bool_)
    counts = np.zeros(n_segments, np.int32)
    touched = np.empty(n_segments, np.int32)
    hits = np.empty(n_segments, np.int32)
    for b in range(batch):
        n_hits = _segments_reaching(x_indptr, x_indices, b, post_indptr, post_segments, theta, counts,
                                    touched, hits)
        for h in range(n_hits):
            out[b, segment_neuron[hits[h]]] = True
    return out
