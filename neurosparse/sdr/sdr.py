"""The SDR type: a sparse distributed representation of ``a`` active cells out of ``n``.

Stored as sorted, unique int32 indices (Ahmad & Hawkins 2016 notation: n cells, a active), so
``n <= 2**31`` (:data:`SDR.MAX_N`). Construction sorts the given indices and refuses, with a
:class:`~neurosparse.errors.ParameterError` naming the offending value, indices that are
repeated, out of ``[0, n)``, not whole numbers (``1.5``; ``2.0`` passes), NaN, infinite,
booleans or strings: an SDR is a set of cells, and a silently dropped or truncated index is a bug.
Calls that would allocate an n-sized array (:meth:`SDR.dense`, noise on a dense SDR) check the
free memory first (:class:`~neurosparse.errors.InsufficientMemoryError`); :meth:`SDR.random`
and :meth:`SDR.add_noise` sample sparsely, in O(a) memory, wherever ``a`` is small against ``n``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from neurosparse._seed import SeedLike, as_generator
from neurosparse.errors import ParameterError
from neurosparse.sdr._checks import MAX_N, as_indices, as_int, as_n, as_real, check_memory

__all__ = ["SDR"]

# Above this many cells, swap noise on a sparse SDR draws its new cells by rejection (O(v)
# memory) instead of listing every free cell (9 n bytes).
_DENSE_NOISE_MAX_N = 2**24
_BYTES_PER_DEAD_CELL = 100  # a Python int in a frozenset


def _check_shape(shape: Iterable[int] | None, n: int) -> tuple[int, ...] | None:
    if shape is None:
        return None
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Iterable):
        raise ParameterError(f"shape must be a tuple of integers >= 0 with product n={n}; got {shape!r}")
    dims = tuple(as_int(f"shape[{i}]", d, 0) for i, d in enumerate(shape))
    if not dims or math.prod(dims) != n:
        raise ParameterError(f"shape must be a non-empty tuple of integers >= 0 with product n={n}; "
                             f"got {dims} (product {math.prod(dims)})")
    return dims


def _choice_bytes(n: int, k: int) -> int:
    """Bytes ``Generator.choice(n, k, replace=False)`` allocates: NumPy shuffles a whole
    ``arange(n)`` when n > 10000 and k > n // 50, else uses Floyd's algorithm on a hash set."""
    if n > 10000 and k > n // 50:
        return 8 * n + 24 * k  # the arange, its tail, the sorted copy and the int32 indices
    return 48 * k  # the hash set, the draws, the sorted copy and the int32 indices


class SDR:
    """A binary vector of ``n`` cells given by its active indices.

    Parameters
    ----------
    indices : iterable of int
        Active cells: distinct integers in ``[0, n)`` (any order; whole-valued floats pass).
        Sorted on construction; repeats, non-integers, NaN and out-of-range values raise
        :class:`~neurosparse.errors.ParameterError` (``np.unique`` merges repeats first).
    n : int
        Number of cells, ``0 <= n <= 2**31`` (:data:`MAX_N`: indices are int32).
    shape : tuple of int, optional
        Layout for :meth:`dense` and :meth:`coordinates`; its product must equal ``n``.
    dead : iterable of int, optional
        Cells in ``[0, n)`` that noise must never activate (repeats allowed: a set).

    Attributes
    ----------
    indices : ndarray of int32
        The sorted active cells (read-only).
    dead : frozenset of int
        Cells removed by :meth:`kill_cells` (kept so noise never activates them).
    """

    __slots__ = ("indices", "n", "shape", "dead")

    MAX_N: int = MAX_N
    """Largest number of cells (2**31): indices are stored as int32."""

    def __init__(self, indices: Iterable[int], n: int, *, shape: tuple[int, ...] | None = None,
                 dead: Iterable[int] = ()) -> None:
        n = as_n(n)
        idx = as_indices("indices", indices, n)
        shape = _check_shape(shape, n)
        dead_cells = as_indices("dead", dead, n, unique=False)
        self._set(idx.astype(np.int32), n, shape, frozenset(dead_cells.tolist()))

    def _set(self, idx: np.ndarray, n: int, shape: tuple[int, ...] | None, dead: frozenset) -> None:
        self.indices = idx
        self.indices.flags.writeable = False
        self.n = n
        self.shape = shape
        self.dead = dead

    @classmethod
    def _trusted(cls, idx: np.ndarray, n: int, shape: tuple[int, ...] | None, dead: frozenset) -> SDR:
        """An SDR of already sorted, unique, in-range indices (no checks)."""
        out = cls.__new__(cls)
        out._set(np.asarray(idx, dtype=np.int32), n, shape, dead)
        return out

    # construction -------------------------------------------------------------------------
    @classmethod
    def from_dense(cls, array: np.ndarray) -> SDR:
        """SDR of the set bits of a 1-D or N-D bit array (N-D keeps its shape).

        Parameters
        ----------
        array : array_like of bool or of 0/1 numbers
            The bits; any other value (2, 0.5, NaN, a string) raises ParameterError.

        Returns
        -------
        SDR
            ``n = array.size``, active cells at the flat positions of the ones.
        """
        arr = np.asarray(array)
        if arr.ndim == 0:
            raise ParameterError(f"array must be a 1-D or N-D bit array; got the scalar {array!r}")
        as_n(arr.size, "array.size")
        if arr.dtype.kind in "iuf":
            flat = arr.ravel()
            bad = (flat != 0) & (flat != 1)
            if np.any(bad):
                where = int(np.flatnonzero(bad)[0])
                raise ParameterError(f"array must hold bits (0 or 1, or booleans); got "
                                     f"{flat[where].item()!r} at flat position {where}")
        elif arr.dtype.kind != "b":
            raise ParameterError(f"array must hold bits (0 or 1, or booleans); got values of type "
                                 f"{arr.dtype}")
        shape = arr.shape if arr.ndim > 1 else None
        return cls._trusted(np.flatnonzero(arr.ravel()), arr.size, shape, frozenset())

    @classmethod
    def random(cls, n: int, a: int, seed: SeedLike = None, *, shape: tuple[int, ...] | None = None) -> SDR:
        """Uniformly random SDR with exactly ``a`` of ``n`` cells active.

        Parameters
        ----------
        n : int
            Cells, ``0 <= n <= 2**31``.
        a : int
            Active cells, ``0 <= a <= n``.
        seed : int, SeedSequence, Generator or None
            Random source (same seed, same SDR).
        shape : tuple of int, optional
            Layout with product ``n``.

        Returns
        -------
        SDR
            Sampled by Floyd's algorithm in O(a) memory when ``a`` is small against ``n`` (so
            ``SDR.random(2**31, 40)`` is instant); NumPy shuffles an n-sized array otherwise,
            after checking that it fits in memory.
        """
        n = as_n(n)
        a = as_int("a", a, 0, n, f"n={n}")
        shape = _check_shape(shape, n)
        rng = as_generator(seed)
        check_memory(_choice_bytes(n, a), f"SDR.random(n={n}, a={a})", "ask for fewer active cells")
        idx = np.sort(rng.choice(n, size=a, replace=False))
        return cls._trusted(idx, n, shape, frozenset())

    # views --------------------------------------------------------------------------------
    @property
    def a(self) -> int:
        """Number of active cells."""
        return int(self.indices.size)

    @property
    def sparsity(self) -> float:
        """Fraction of active cells ``a / n`` (0 when n = 0)."""
        return self.a / self.n if self.n else 0.0

    def dense(self) -> np.ndarray:
        """Boolean array of length ``n`` (or of ``shape``) with the active cells set."""
        check_memory(self.n, f"SDR.dense() of n={self.n} cells", "use the indices instead")
        d = np.zeros(self.n, dtype=bool)
        d[self.indices] = True
        return d.reshape(self.shape) if self.shape is not None else d

    def coordinates(self) -> np.ndarray:
        """``(a, ndim)`` int array of active-cell coordinates in ``shape`` (``(a, 1)`` if no shape)."""
        shape = self.shape if self.shape is not None else (self.n,)
        return np.stack(np.unravel_index(self.indices, shape), axis=1).astype(np.int64)

    # set operations -----------------------------------------------------------------------
    def _check_same(self, other: SDR) -> None:
        if not isinstance(other, SDR):
            raise ParameterError(f"other must be an SDR with n={self.n}; got {type(other).__name__}")
        if other.n != self.n:
            raise ParameterError(f"other must be an SDR with n={self.n}; got one with n={other.n}")

    def overlap(self, other: SDR) -> int:
        """Number of cells active in both."""
        self._check_same(other)
        return int(np.intersect1d(self.indices, other.indices, assume_unique=True).size)

    def union(self, other: SDR) -> SDR:
        """Cells active in either."""
        self._check_same(other)
        return SDR._trusted(np.union1d(self.indices, other.indices), self.n, self.shape, self.dead)

    def intersection(self, other: SDR) -> SDR:
        """Cells active in both."""
        self._check_same(other)
        return SDR._trusted(np.intersect1d(self.indices, other.indices, assume_unique=True), self.n,
                            self.shape, self.dead)

    # noise --------------------------------------------------------------------------------
    def add_noise(self, f: float, seed: SeedLike = None) -> SDR:
        """Swap noise: move ``round(f * a)`` active cells to as many inactive (living) cells; a is kept.

        Parameters
        ----------
        f : float
            Fraction of the active cells that move, in [0, 1]; ``round`` is Python's (half to even).
        seed : int, SeedSequence, Generator or None
            Random source.

        Returns
        -------
        SDR
            Same ``n``, ``shape`` and dead cells. Raises ParameterError if fewer inactive living
            cells exist than cells to move. Above 2**24 cells, with most cells free, the new cells
            are drawn by rejection in O(a) memory; otherwise from the list of free cells (9 n
            bytes, checked against the free memory).
        """
        f = as_real("f", f, 0.0, 1.0)
        v = int(round(f * self.a))
        dead = np.fromiter(self.dead, dtype=np.int64, count=len(self.dead))
        blocked = np.union1d(self.indices.astype(np.int64), dead)
        n_free = self.n - blocked.size
        if v > n_free:
            raise ParameterError(f"f={f} moves {v} cells but only {n_free} inactive cells are free; "
                                 f"f must be at most {n_free / self.a if self.a else 0:.4g}")
        rng = as_generator(seed)
        if self.n <= _DENSE_NOISE_MAX_N or n_free < self.n // 2:
            check_memory(9 * self.n, f"add_noise on an SDR of n={self.n} cells")
            mask = np.ones(self.n, dtype=bool)
            mask[blocked] = False
            free = np.flatnonzero(mask)
            out = rng.choice(self.a, size=v, replace=False)
            new = rng.choice(free, size=v, replace=False)
        else:
            out = rng.choice(self.a, size=v, replace=False)
            new = _draw_free_cells(self.n, blocked, v, rng)
        kept = np.delete(self.indices, out)
        return SDR._trusted(np.sort(np.concatenate([kept, new])), self.n, self.shape, self.dead)

    def subsample(self, k: int, seed: SeedLike = None) -> SDR:
        """Uniformly random ``k`` of the active cells (``0 <= k <= a``), same ``n`` and shape."""
        k = as_int("k", k, 0, self.a, f"a={self.a}")
        rng = as_generator(seed)
        kept = rng.choice(self.indices, size=k, replace=False)
        return SDR._trusted(np.sort(kept), self.n, self.shape, self.dead)

    def kill_cells(self, cells: Iterable[int] | float, seed: SeedLike = None) -> SDR:
        """Remove cells and mark them dead.

        Parameters
        ----------
        cells : iterable of int or float
            Explicit cell indices (integers in ``[0, n)``, repeats allowed), or a float fraction
            in [0, 1]: then ``round(fraction * n)`` of all ``n`` cells are killed at random with
            ``seed``. A bare int is refused (write ``[3]`` for a cell, ``1.0`` for a fraction).
        seed : int, SeedSequence, Generator or None
            Random source for a fraction.

        Returns
        -------
        SDR
            Active dead cells are removed, so ``a`` may drop; dead cells never receive noise.
        """
        if isinstance(cells, (float, np.floating)):
            frac = as_real("fraction of cells to kill", cells, 0.0, 1.0)
            k = int(round(frac * self.n))
            check_memory(_choice_bytes(self.n, k) + _BYTES_PER_DEAD_CELL * k,
                         f"kill_cells({frac}) of n={self.n} cells")
            dead = np.sort(as_generator(seed).choice(self.n, size=k, replace=False))
        elif isinstance(cells, (bool, np.bool_, int, np.integer)):
            raise ParameterError(f"cells must be cell indices (an iterable of integers in [0, n={self.n})) "
                                 f"or a float fraction in [0, 1]; got {cells!r} (write [{cells!r}] for one "
                                 f"cell or {float(cells)!r} for a fraction)")
        else:
            dead = np.unique(as_indices("cells", cells, self.n, unique=False))
            check_memory(_BYTES_PER_DEAD_CELL * dead.size, f"kill_cells of {dead.size} cells")
        keep = self.indices[~np.isin(self.indices, dead)]
        return SDR._trusted(keep, self.n, self.shape, self.dead | frozenset(dead.tolist()))

    # protocol -----------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.a

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SDR):
            return NotImplemented
        return self.n == other.n and np.array_equal(self.indices, other.indices)

    def __hash__(self) -> int:
        return hash((self.n, self.indices.tobytes()))

    def __repr__(self) -> str:
        shown = ", ".join(map(str, self.indices[:8].tolist())) + (", ..." if self.a > 8 else "")
        return f"SDR(n={self.n}, a={self.a}, indices=[{shown}])"


def _draw_free_cells(n: int, blocked: np.ndarray, v: int, rng: np.random.Generator) -> np.ndarray:
    """``v`` distinct cells of ``[0, n)`` outside the sorted ``blocked``, uniformly, by rejection:
    candidates drawn uniformly in turn, a candidate kept if neither blocked nor already kept (so
    each kept cell is uniform over the cells still free). O(v) memory; at least half of the cells
    must be free (the caller's condition), so about 2 v draws."""
    picked: list[int] = []
    seen: set[int] = set()
    while len(picked) < v:
        cand = rng.integers(0, n, size=2 * (v - len(picked)) + 16)
        pos = np.searchsorted(blocked, cand)
        free = cand[(pos >= blocked.size) | (blocked[np.minimum(pos, blocked.size - 1)] != cand)]
        for c in free.tolist():
            if c not in seen:
                seen.add(c)
                picked.append(c)
                if len(picked) == v:
                    break
    return np.asarray(picked, dtype=np.int64)
