"""Connection rules that build a projection's CSR structure.

Every rule returns ``(indptr, indices)``: for presynaptic neuron ``i`` its targets are
``indices[indptr[i]:indptr[i+1]]``, sorted ascending (the kernels rely on sorted rows).
Stochastic rules draw from a ``numpy.random.Generator`` in Numba (small
:class:`FixedProbability` projections in NumPy, with the same draws); the same seed gives
the same connectivity bit for bit.

Rules: :class:`AllToAll`, :class:`FixedProbability` (independent Bernoulli per pair, as
Brian2's ``connect(p=...)``), :class:`FixedInDegree`, :class:`FixedOutDegree`,
:class:`FromArrays` (explicit pre, post and optionally weight and delay) and
:class:`FromSparse` (a scipy sparse matrix, rows = presynaptic).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from neurosparse._validation import as_count, as_float_param
from neurosparse.errors import ParameterError

INDEX_DTYPE = np.int32
INDPTR_DTYPE = np.int64


class ConnectionRule:
    """Base class: ``build(n_pre, n_post, same, rng)`` returns ``(indptr, indices, order)``.

    ``same`` is True when source and target are the same population (autapses apply).
    ``order`` maps CSR positions to the user's synapse order for explicit rules (None for
    generated rules).
    """

    def expected_synapses(self, n_pre: int, n_post: int) -> float:
        """Expected number of synapses (for the memory estimate before building)."""
        raise NotImplementedError

    def build(self, n_pre: int, n_post: int, same: bool, rng: np.random.Generator):
        raise NotImplementedError


@dataclass(frozen=True)
class AllToAll(ConnectionRule):
    """Every presynaptic neuron to every postsynaptic one (``allow_self`` for autapses)."""

    allow_self: bool = True

    def expected_synapses(self, n_pre, n_post):
        return float(n_pre) * n_post

    def build(self, n_pre, n_post, same, rng):
        drop = same and not self.allow_self
        row = np.arange(n_post, dtype=INDEX_DTYPE)
        if not drop:
            indices = np.tile(row, n_pre)
            indptr = np.arange(n_pre + 1, dtype=INDPTR_DTYPE) * n_post
        else:
            full = np.tile(row, n_pre).reshape(n_pre, n_post)
            keep = full != np.arange(n_pre)[:, None]
            indices = full[keep]
            indptr = np.concatenate([[0], np.cumsum(keep.sum(axis=1))]).astype(INDPTR_DTYPE)
        return indptr, indices, None


@dataclass(frozen=True)
class FixedProbability(ConnectionRule):
    """Each pair is connected independently with probability ``p``."""

    p: float
    allow_self: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "p", as_float_param("FixedProbability.p", self.p, low=0,
                                                     high=1, allow_array=False))

    def expected_synapses(self, n_pre, n_post):
        return self.p * n_pre * n_post

    def build(self, n_pre, n_post, same, rng):
        mean = self.p * n_pre * n_post
        exclude_self = same and not self.allow_self
        if n_pre * (mean / max(n_pre, 1) + 1) <= NUMPY_BUILD_MAX_DRAWS:
            # small: vectorised NumPy, the same draws and result, and no Numba compilation
            return (*_bernoulli_rows_numpy(n_pre, n_post, self.p, exclude_self, rng), None)
        cap = int(mean + 8 * np.sqrt(mean + 1) + 1024)
        while True:
            state = rng.bit_generator.state
            indptr, indices, ok = _bernoulli_rows(n_pre, n_post, self.p, exclude_self, cap, rng)
            if ok:
                return indptr, indices[: indptr[-1]].copy(), None
            rng.bit_generator.state = state  # same draws with a larger buffer
            cap *= 2


@dataclass(frozen=True)
class FixedOutDegree(ConnectionRule):
    """Each presynaptic neuron gets exactly ``k`` distinct targets."""

    k: int
    allow_self: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "k", as_count("FixedOutDegree.k", self.k))

    def expected_synapses(self, n_pre, n_post):
        return float(self.k) * n_pre

    def build(self, n_pre, n_post, same, rng):
        avail = n_post - (1 if same and not self.allow_self else 0)
        if self.k > avail:
            raise ParameterError(f"FixedOutDegree.k = {self.k} exceeds the {avail} possible targets")
        indices = _sample_rows(n_pre, n_post, self.k, same and not self.allow_self, rng)
        indptr = np.arange(n_pre + 1, dtype=INDPTR_DTYPE) * self.k
        return indptr, indices, None


@dataclass(frozen=True)
class FixedInDegree(ConnectionRule):
    """Each postsynaptic neuron gets exactly ``k`` distinct sources."""

    k: int
    allow_self: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "k", as_count("FixedInDegree.k", self.k))

    def expected_synapses(self, n_pre, n_post):
        return float(self.k) * n_post

    def build(self, n_pre, n_post, same, rng):
        avail = n_pre - (1 if same and not self.allow_self else 0)
        if self.k > avail:
            raise ParameterError(f"FixedInDegree.k = {self.k} exceeds the {avail} possible sources")
        pre = _sample_rows(n_post, n_pre, self.k, same and not self.allow_self, rng)
        post = np.repeat(np.arange(n_post, dtype=INDEX_DTYPE), self.k)
        indptr, indices, _ = csr_from_pairs(pre, post, n_pre)
        return indptr, indices, None


@dataclass(frozen=True)
class FromArrays(ConnectionRule):
    """Explicit synapses ``pre[k] -> post[k]``, optionally with per-synapse weight and delay.

    Duplicate pairs are allowed (multapses). ``weight`` and ``delay`` given here override
    the projection's.
    """

    pre: Any
    post: Any
    weight: Any = None
    delay: Any = None

    def __post_init__(self) -> None:
        pre = np.asarray(self.pre).reshape(-1)
        post = np.asarray(self.post).reshape(-1)
        if pre.shape != post.shape:
            raise ParameterError(
                f"FromArrays.pre ({pre.size}) and FromArrays.post ({post.size}) must have "
                "the same length")
        for name, arr in (("pre", pre), ("post", post)):
            if arr.size and not np.issubdtype(arr.dtype, np.integer):
                raise ParameterError(f"FromArrays.{name} must be integers")
        for name in ("weight", "delay"):
            val = getattr(self, name)
            if val is not None and np.ndim(val) == 1 and len(val) != pre.size:
                raise ParameterError(
                    f"FromArrays.{name} has {len(val)} values for {pre.size} synapses")
        object.__setattr__(self, "pre", pre.astype(np.int64))
        object.__setattr__(self, "post", post.astype(np.int64))

    def expected_synapses(self, n_pre, n_post):
        return float(self.pre.size)

    def build(self, n_pre, n_post, same, rng):
        for name, arr, n in (("pre", self.pre, n_pre), ("post", self.post, n_post)):
            if arr.size and (arr.min() < 0 or arr.max() >= n):
                raise ParameterError(
                    f"FromArrays.{name} indices must be in [0, {n}), got "
                    f"[{arr.min()}, {arr.max()}]")
        return csr_from_pairs(self.pre, self.post, n_pre)


@dataclass(frozen=True)
class FromSparse(ConnectionRule):
    """Synapses and weights from a scipy sparse matrix of shape ``(n_pre, n_post)``.

    Explicitly stored zeros are kept as synapses of weight 0.
    """

    matrix: Any

    def expected_synapses(self, n_pre, n_post):
        return float(self.matrix.nnz)

    def build(self, n_pre, n_post, same, rng):
        if self.matrix.shape != (n_pre, n_post):
            raise ParameterError(
                f"FromSparse.matrix has shape {self.matrix.shape}, expected "
                f"(n_pre, n_post) = ({n_pre}, {n_post})")
        coo = self.matrix.tocoo()
        return csr_from_pairs(coo.row.astype(np.int64), coo.col.astype(np.int64), n_pre)

    def weights(self) -> np.ndarray:
        coo = self.matrix.tocoo()
        return np.asarray(coo.data, dtype=np.float64)


def csr_from_pairs(pre: np.ndarray, post: np.ndarray, n_pre: int):
    """CSR from synapse pairs, rows sorted by post; ``order`` maps CSR position -> input."""
    order = np.lexsort((post, pre))
    indices = post[order].astype(INDEX_DTYPE)
    counts = np.bincount(pre, minlength=n_pre) if pre.size else np.zeros(n_pre, np.int64)
    indptr = np.zeros(n_pre + 1, dtype=INDPTR_DTYPE)
    np.cumsum(counts, out=indptr[1:])
    return indptr, indices, order


#: :class:`FixedProbability` builds in NumPy up to this many geometric draws (about one per
#: synapse plus one per row), in Numba above (compiled once, then faster and leaner)
NUMPY_BUILD_MAX_DRAWS = 4_000_000


def _bernoulli_rows_numpy(n_pre: int, n_post: int, p: float, exclude_self: bool,
                          rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_bernoulli_rows` in NumPy: the same stream of geometric gaps, drawn in one
    block, cut into rows, with the generator left in the same state."""
    indptr = np.zeros(n_pre + 1, INDPTR_DTYPE)
    if p <= 0.0 or n_pre == 0:
        return indptr, np.zeros(0, INDEX_DTYPE)
    if p >= 1.0:  # every pair, no draws
        return AllToAll(allow_self=not exclude_self).build(n_pre, n_post, True, rng)[:2]
    state = rng.bit_generator.state
    mean = n_pre * (n_post * p + 1)
    size = int(mean + 6 * np.sqrt(mean) + 64)
    while True:
        # a gap past the row's end only ends the row: clipped, a tiny p cannot overflow the sum
        pos = np.cumsum(np.minimum(rng.geometric(p, size=size), n_post + 1))
        # a row's gaps run until its position passes n_post - 1: the row starting after
        # draw k ends at draw nxt[k]; the rows are the chain of ends from the first
        nxt = np.searchsorted(pos, pos + (n_post + 1)).tolist()
        end = int(np.searchsorted(pos, n_post + 1))
        ends = []
        for _ in range(n_pre):
            if end >= size:
                break
            ends.append(end)
            end = nxt[end]
        rng.bit_generator.state = state
        if len(ends) == n_pre:
            break
        size *= 2  # too few draws for every row: the same draws with a longer block
    ends_arr = np.asarray(ends, np.int64)
    used = int(ends_arr[-1]) + 1
    rng.geometric(p, size=used)  # advance the generator past exactly the draws used
    lengths = np.diff(ends_arr, prepend=-1)  # draws per row, its overshoot included
    row = np.repeat(np.arange(n_pre), lengths)
    row_base = np.repeat(np.concatenate([[0], pos[ends_arr[:-1]]]), lengths)
    col = pos[:used] - row_base - 1
    keep = np.ones(used, bool)
    keep[ends_arr] = False
    if exclude_self:
        keep &= col != row
    np.cumsum(np.bincount(row[keep], minlength=n_pre), out=indptr[1:])
    return indptr, col[keep].astype(INDEX_DTYPE)


@njit(cache=True)
def _bernoulli_rows(n_pre, n_post, p, exclude_self, cap, rng):
    indptr = np.zeros(n_pre + 1, np.int64)
    indices = np.empty(cap, np.int32)
    m = 0
    if p <= 0.0:
        return indptr, indices, True
    for i in range(n_pre):
        j = -1
        while True:
            gap = rng.geometric(p) if p < 1.0 else 1
            if gap < 1 or gap > n_post:  # past the row's end (or wrapped, for a tiny p)
                break
            j += gap
            if j >= n_post:
                break
            if exclude_self and j == i:
                continue
            if m >= cap:
                return indptr, indices, False
            indices[m] = j
            m += 1
        indptr[i + 1] = m
    return indptr, indices, True


@njit(cache=True)
def _sample_rows(n_rows, n_choices, k, exclude_diag, rng):
    """``k`` distinct sorted values in ``[0, n_choices)`` per row (excluding the row index)."""
    out = np.empty(n_rows * k, np.int32)
    buf = np.empty(k, np.int64)
    for i in range(n_rows):
        if 4 * k > n_choices:
            # selection sampling (Knuth's algorithm S): O(n_choices), sorted by construction
            avail = n_choices - (1 if exclude_diag and i < n_choices else 0)
            need = k
            m = 0
            for j in range(n_choices):
                if exclude_diag and j == i:
                    continue
                if rng.random() * avail < need:
                    buf[m] = j
                    m += 1
                    need -= 1
                avail -= 1
        else:
            m = 0
            while m < k:
                for q in range(m, k):
                    buf[q] = rng.integers(0, n_choices)
                buf.sort()
                # drop duplicates and the excluded index, keep sorted
                w = 0
                for q in range(k):
                    x = buf[q]
                    if exclude_diag and x == i:
                        continue
                    if w > 0 and buf[w - 1] == x:
                        continue
                    buf[w] = x
                    w += 1
                m = w
        for q in range(k):
            out[i * k + q] = buf[q]
    return out
