"""The SDR type: a sparse distributed representation of ``a`` active cells out of ``n``.

Stored as sorted, unique int32 indices (Ahmad & Hawkins 2016 notation: n cells, a active).
Construction sorts and deduplicates the given indices; out-of-range indices are rejected.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from neurosparse._seed import SeedLike, as_generator
from neurosparse.errors import ParameterError

__all__ = ["SDR"]


class SDR:
    """A binary vector of ``n`` cells given by its active indices.

    Parameters
    ----------
    indices : iterable of int
        Active cells. Sorted and deduplicated on construction; each must lie in ``[0, n)``.
    n : int
        Number of cells (``n >= 0``).
    shape : tuple of int, optional
        Layout for :meth:`dense` and :meth:`coordinates`; its product must equal ``n``.

    Attributes
    ----------
    dead : frozenset of int
        Cells removed by :meth:`kill_cells` (kept so noise never activates them).
    """

    __slots__ = ("indices", "n", "shape", "dead")

    def __init__(self, indices: Iterable[int], n: int, *, shape: tuple[int, ...] | None = None,
                 dead: Iterable[int] = ()) -> None:
        n = int(n)
        if n < 0:
            raise ParameterError(f"n must be >= 0; got {n}")
        idx = np.unique(np.asarray(list(indices) if not isinstance(indices, np.ndarray) else indices,
                                   dtype=np.int64).ravel())
        if idx.size and (idx[0] < 0 or idx[-1] >= n):
            raise ParameterError(f"indices must lie in [0, n={n}); got min {idx[0]}, max {idx[-1]}")
        if shape is not None:
            shape = tuple(int(s) for s in shape)
            if int(np.prod(shape)) != n or any(s < 0 for s in shape):
                raise ParameterError(f"shape must be non-negative with product n={n}; got {shape}")
        self.indices = idx.astype(np.int32)
        self.indices.flags.writeable = False
        self.n = n
        self.shape = shape
        self.dead = frozenset(int(c) for c in dead)

    # construction -------------------------------------------------------------------------
    @classmethod
    def from_dense(cls, array: np.ndarray) -> SDR:
        """SDR of the nonzero entries of a 1-D or N-D array (N-D keeps its shape)."""
        arr = np.asarray(array)
        shape = arr.shape if arr.ndim > 1 else None
        return cls(np.flatnonzero(arr.ravel()), arr.size, shape=shape)

    @classmethod
    def random(cls, n: int, a: int, seed: SeedLike = None, *, shape: tuple[int, ...] | None = None) -> SDR:
        """Uniformly random SDR with exactly ``a`` of ``n`` cells active."""
        if int(n) < 0 or not 0 <= int(a) <= int(n):
            raise ParameterError(f"need n >= 0 and 0 <= a <= n; got n={n}, a={a}")
        rng = as_generator(seed)
        return cls(rng.choice(int(n), size=int(a), replace=False), n, shape=shape)

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
        d = np.zeros(self.n, dtype=bool)
        d[self.indices] = True
        return d.reshape(self.shape) if self.shape is not None else d

    def coordinates(self) -> np.ndarray:
        """``(a, ndim)`` int array of active-cell coordinates in ``shape`` (``(a, 1)`` if no shape)."""
        shape = self.shape if self.shape is not None else (self.n,)
        return np.stack(np.unravel_index(self.indices, shape), axis=1).astype(np.int64)

    # set operations -----------------------------------------------------------------------
    def _check_same(self, other: SDR) -> None:
        if not isinstance(other, SDR) or other.n != self.n:
            raise ParameterError(f"other must be an SDR with n={self.n}")

    def overlap(self, other: SDR) -> int:
        """Number of cells active in both."""
        self._check_same(other)
        return int(np.intersect1d(self.indices, other.indices, assume_unique=True).size)

    def union(self, other: SDR) -> SDR:
        """Cells active in either."""
        self._check_same(other)
        return SDR(np.union1d(self.indices, other.indices), self.n, shape=self.shape, dead=self.dead)

    def intersection(self, other: SDR) -> SDR:
        """Cells active in both."""
        self._check_same(other)
        return SDR(np.intersect1d(self.indices, other.indices, assume_unique=True), self.n,
                   shape=self.shape, dead=self.dead)

    # noise --------------------------------------------------------------------------------
    def add_noise(self, f: float, seed: SeedLike = None) -> SDR:
        """Swap noise: move ``round(f * a)`` active cells to as many inactive (living) cells; a is kept.

        ``round`` is Python's (half to even). Raises if fewer inactive living cells exist.
        """
        f = float(f)
        if not 0.0 <= f <= 1.0:
            raise ParameterError(f"f must be in [0, 1]; got {f}")
        v = int(round(f * self.a))
        mask = np.ones(self.n, dtype=bool)
        mask[self.indices] = False
        if self.dead:
            mask[np.fromiter(self.dead, dtype=np.int64)] = False
        free = np.flatnonzero(mask)
        if v > free.size:
            raise ParameterError(f"f={f} moves {v} cells but only {free.size} inactive cells are free")
        rng = as_generator(seed)
        out = rng.choice(self.a, size=v, replace=False)
        new = rng.choice(free, size=v, replace=False)
        kept = np.delete(self.indices, out)
        return SDR(np.concatenate([kept, new]), self.n, shape=self.shape, dead=self.dead)

    def subsample(self, k: int, seed: SeedLike = None) -> SDR:
        """Uniformly random ``k`` of the active cells (``0 <= k <= a``)."""
        if not 0 <= int(k) <= self.a:
            raise ParameterError(f"k must satisfy 0 <= k <= a={self.a}; got {k}")
        rng = as_generator(seed)
        kept = rng.choice(self.indices, size=int(k), replace=False)
        return SDR(kept, self.n, shape=self.shape, dead=self.dead)

    def kill_cells(self, cells: Iterable[int] | float, seed: SeedLike = None) -> SDR:
        """Remove cells and mark them dead.

        ``cells`` is either explicit cell indices (in ``[0, n)``) or a float fraction in [0, 1]:
        then ``round(fraction * n)`` cells out of all ``n`` are killed at random with ``seed``.
        Active dead cells are removed, so ``a`` may drop; dead cells never receive noise.
        """
        if isinstance(cells, (float, np.floating)):
            frac = float(cells)
            if not 0.0 <= frac <= 1.0:
                raise ParameterError(f"fraction of cells to kill must be in [0, 1]; got {frac}")
            cells = as_generator(seed).choice(self.n, size=int(round(frac * self.n)), replace=False)
        cells = cells if isinstance(cells, np.ndarray) else list(cells)
        dead = np.unique(np.asarray(cells, dtype=np.int64))
        if dead.size and (dead[0] < 0 or dead[-1] >= self.n):
            raise ParameterError(f"cells to kill must lie in [0, n={self.n})")
        keep = self.indices[~np.isin(self.indices, dead)]
        return SDR(keep, self.n, shape=self.shape, dead=self.dead | frozenset(dead.tolist()))

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
