"""Numba kernels over batches of SDRs stored as 2-D int32 index arrays (one sorted row per SDR).

Random numbers come from counter-based streams (:mod:`neurosparse.sdr._rng`): one 64-bit key is
drawn from the caller's seeded Generator and row r draws from the stream (key, r), so results
are bit-identical for a seed whatever the number of Numba threads. Subsets are drawn with
Floyd's algorithm (a draws for a cells, no rejection).

Rows are int32, so ``n <= 2**31``. Every public function checks its arguments (integers, not
bools or non-whole floats; ``0 <= a <= n``; sorted, unique, in-range rows) and raises
:class:`~neurosparse.errors.ParameterError` naming the parameter and its allowed range; a call
whose output or per-thread scratch would not fit in memory raises
:class:`~neurosparse.errors.InsufficientMemoryError` before allocating.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from neurosparse._seed import SeedLike, as_generator
from neurosparse.errors import ParameterError
from neurosparse.sdr._checks import MAX_N, as_int, as_n, check_memory
from neurosparse.sdr._rng import below, draw_key, stream_start

__all__ = ["random_batch", "overlaps", "overlap_counts_against", "union_size", "swap_noise"]


def _check_na(n: int, a: int, count: int) -> tuple[int, int, int]:
    n = as_n(n)
    a = as_int("a", a, 0, n, f"n={n}")
    count = as_int("count", count, 0)
    return n, a, count


_BLOCK = 256  # rows per parallel work item; fixed, so results never depend on the thread count


@njit(cache=True, inline="always")
def _insertion_sort(row):  # pragma: no cover - compiled
    for i in range(1, row.shape[0]):
        v = row[i]
        q = i - 1
        while q >= 0 and row[q] > v:
            row[q + 1] = row[q]
            q -= 1
        row[q + 1] = v


@njit(cache=True, inline="always")
def _bucket_sort(row, n, counts, tmp):  # pragma: no cover - compiled
    """Sort distinct values of [0, n) spread ~uniformly: scatter into a buckets by value, then an
    insertion sort that only fixes the few inversions left inside buckets (O(a), not O(a^2))."""
    a = row.shape[0]
    scale = (np.int64(a) << 32) // n  # bucket = value * a / n by multiply-shift: no division per cell
    counts[:] = 0
    for i in range(a):
        counts[((np.int64(row[i]) * scale) >> 32) + 1] += 1
    for b in range(a):
        counts[b + 1] += counts[b]
    for i in range(a):
        b = (np.int64(row[i]) * scale) >> 32
        tmp[counts[b]] = row[i]
        counts[b] += 1
    row[:] = tmp
    _insertion_sort(row)


@njit(cache=True, inline="always")
def floyd_mark(n, count, state, taken, picked):  # pragma: no cover - compiled
    """Floyd's algorithm: ``count`` distinct values of range(n) into ``picked`` (unsorted), each
    marked in the bitmap ``taken``; returns the new stream state. One draw per value."""
    k = 0
    for j in range(n - count, n):
        state, t = below(state, j + 1)
        # take t unless already chosen, then take j (which cannot be chosen yet)
        c = j if taken[t] else t
        taken[c] = True
        picked[k] = c
        k += 1
    return state


@njit(cache=True, inline="always")
def _floyd_scan(n, count, state, picked):  # pragma: no cover - compiled
    """Floyd's algorithm with membership by scanning ``picked`` (small count, no bitmap)."""
    k = 0
    for j in range(n - count, n):
        state, t = below(state, j + 1)
        found = False
        for q in range(k):
            if picked[q] == t:
                found = True
                break
        picked[k] = j if found else t
        k += 1
    return state


@njit(cache=True, inline="always")
def _floyd_into(row, n, key, index, taken, counts, tmp):  # pragma: no cover - compiled
    """Uniform a-subset of range(n) into ``row`` (sorted), using and then clearing ``taken``."""
    a = row.shape[0]
    floyd_mark(n, a, stream_start(key, index), taken, row)
    for i in range(a):
        taken[row[i]] = False
    if a <= 16:
        _insertion_sort(row)
    else:
        _bucket_sort(row, n, counts, tmp)


@njit(cache=True, parallel=True)
def _random_rows(n, a, count, key):  # pragma: no cover - compiled
    out = np.empty((count, a), dtype=np.int32)
    for b in prange((count + _BLOCK - 1) // _BLOCK):
        taken = np.zeros(n, dtype=np.bool_)  # O(1) membership, allocated once per block
        counts = np.empty(a + 1, dtype=np.int64)
        tmp = np.empty(a, dtype=np.int32)
        for r in range(b * _BLOCK, min(count, (b + 1) * _BLOCK)):
            _floyd_into(out[r], n, key, r, taken, counts, tmp)
    return out


def random_batch(n: int, a: int, count: int, seed: SeedLike = None) -> np.ndarray:
    """Draw ``count`` uniformly random SDRs of ``a`` active cells out of ``n``.

    Parameters
    ----------
    n : int
        Cells, ``0 <= n <= 2**31``.
    a : int
        Active cells per row, ``0 <= a <= n``.
    count : int
        Rows, ``>= 0``.
    seed : int, SeedSequence, Generator or None
        Random source; the rows depend on it only, not on the thread count.

    Returns
    -------
    ndarray
        int32, shape ``(count, a)``, sorted unique rows in ``[0, n)``. Needs ``4 count a`` bytes
        plus an n-byte bitmap per thread, checked against the free memory first.
    """
    n, a, count = _check_na(n, a, count)
    check_memory(4 * count * a + numba.get_num_threads() * (n + 16 * (a + 1)),
                 f"random_batch(n={n}, a={a}, count={count})", "draw fewer rows at a time")
    return _random_rows(n, a, count, draw_key(as_generator(seed)))


@njit(cache=True, inline="always")
def _merge_overlap(x, y):  # pragma: no cover - compiled
    i = 0
    j = 0
    c = 0
    while i < x.shape[0] and j < y.shape[0]:
        if x[i] < y[j]:
            i += 1
        elif x[i] > y[j]:
            j += 1
        else:
            c += 1
            i += 1
            j += 1
    return c


@njit(cache=True, parallel=True)
def _overlaps(x, y):  # pragma: no cover - compiled
    out = np.empty(x.shape[0], dtype=np.int64)
    for r in prange(x.shape[0]):
        out[r] = _merge_overlap(x[r], y[r])
    return out


@njit(cache=True, parallel=True)
def _overlaps_against(x, p):  # pragma: no cover - compiled
    out = np.empty(x.shape[0], dtype=np.int64)
    for r in prange(x.shape[0]):
        out[r] = _merge_overlap(x[r], p)
    return out


def _as_batch(x: np.ndarray, name: str) -> np.ndarray:
    x = np.ascontiguousarray(x)
    if x.ndim != 2 or not np.issubdtype(x.dtype, np.integer):
        raise ParameterError(
            f"{name} must be a 2-D integer array of sorted index rows; got {x.dtype} {x.shape}"
        )
    return x


_CHECK_ROWS = 1 << 16  # rows checked at a time


def _check_rows(x: np.ndarray, name: str, n: int | None = None) -> None:
    """Rows strictly increasing (sorted, unique) and in ``[0, n)`` (``[0, inf)`` without n)."""
    if x.size == 0:
        return
    if x.shape[1] > 1:
        for start in range(0, x.shape[0], _CHECK_ROWS):  # bounded temporaries on huge batches
            part = x[start:start + _CHECK_ROWS]
            bad = part[:, 1:] <= part[:, :-1]  # compares, no subtraction: no overflow
            if np.any(bad):
                r = start + int(np.flatnonzero(bad.any(axis=1))[0])
                raise ParameterError(f"{name} must have sorted rows of distinct cells; row {r} is "
                                     f"{x[r, :8].tolist()}{' ...' if x.shape[1] > 8 else ''}")
    lo, hi = x[:, 0].min(), x[:, -1].max()
    if lo < 0 or (n is not None and hi >= n):
        top = f"n={n}" if n is not None else "inf"
        raise ParameterError(f"{name} must hold cells in [0, {top}); got min {lo}, max {hi}")


def _common(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if x.dtype == y.dtype:
        return x, y
    return x.astype(np.int64), y.astype(np.int64)


def overlaps(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Row-wise overlaps ``|x[i] & y[i]|`` of two batches of sorted index rows.

    Parameters
    ----------
    x, y : ndarray of int, shape (count, a) and (count, b)
        Rows sorted, of distinct non-negative cells (as from :func:`random_batch`).

    Returns
    -------
    ndarray
        int64, shape ``(count,)``.
    """
    x = _as_batch(x, "x")
    y = _as_batch(y, "y")
    if x.shape[0] != y.shape[0]:
        raise ParameterError(f"x and y must have the same number of rows; got {x.shape[0]} and {y.shape[0]}")
    _check_rows(x, "x")
    _check_rows(y, "y")
    return _overlaps(*_common(x, y))


def overlap_counts_against(x: np.ndarray, pattern: np.ndarray) -> np.ndarray:
    """Overlap of every sorted row of ``x`` with one sorted ``pattern``.

    Parameters
    ----------
    x : ndarray of int, shape (count, a)
        Rows sorted, of distinct non-negative cells.
    pattern : array_like of int, shape (b,)
        Sorted distinct non-negative cells.

    Returns
    -------
    ndarray
        int64, shape ``(count,)``.
    """
    x = _as_batch(x, "x")
    p = np.ascontiguousarray(pattern)
    if p.ndim != 1 or not np.issubdtype(p.dtype, np.integer):
        raise ParameterError(f"pattern must be a 1-D integer array of sorted cells; got {p.dtype} {p.shape}")
    _check_rows(x, "x")
    _check_rows(p[None, :], "pattern")
    x, p = _common(x, p)
    return _overlaps_against(x, p)


@njit(cache=True)
def _union_size(x):  # pragma: no cover - compiled
    flat = np.sort(x.ravel())
    if flat.shape[0] == 0:
        return 0
    c = 1
    for i in range(1, flat.shape[0]):
        if flat[i] != flat[i - 1]:
            c += 1
    return c


def union_size(batch_of_rows: np.ndarray) -> int:
    """Number of distinct cells active in any row of a 2-D integer batch (rows in any order)."""
    return int(_union_size(_as_batch(batch_of_rows, "batch_of_rows")))


@njit(cache=True, parallel=True)
def _swap(batch, n, v, key):  # pragma: no cover - compiled
    count, a = batch.shape
    out = np.empty_like(batch)
    for r in prange(count):
        row = batch[r]
        state = stream_start(key, r)
        keep = np.ones(a, dtype=np.bool_)
        chosen = np.empty(v, dtype=np.int64)
        state = _floyd_scan(a, v, state, chosen)  # positions 0..a-1 of the v active cells that leave
        for q in range(v):
            keep[chosen[q]] = False
        state = _floyd_scan(n - a, v, state, chosen)  # ranks among inactive cells of those that enter
        new = np.empty(a, dtype=batch.dtype)
        w = 0
        for i in range(a):
            if keep[i]:
                new[w] = row[i]
                w += 1
        for q in range(v):
            cell = chosen[q]  # rank among inactive cells -> cell index (row is sorted)
            for i in range(a):
                if row[i] <= cell:
                    cell += 1
                else:
                    break
            new[w] = cell
            w += 1
        out[r] = np.sort(new)
    return out


def swap_noise(batch: np.ndarray, n: int, v: int, seed: SeedLike = None) -> np.ndarray:
    """Swap noise on every row: ``v`` active cells move to ``v`` distinct inactive cells; a is kept.

    Parameters
    ----------
    batch : ndarray of int, shape (count, a)
        Rows sorted, of distinct cells in ``[0, n)`` (as from :func:`random_batch`).
    n : int
        Cells, ``a <= n <= 2**31``.
    v : int
        Cells moved per row, ``0 <= v <= min(a, n - a)``.
    seed : int, SeedSequence, Generator or None
        Random source.

    Returns
    -------
    ndarray
        New sorted rows, same shape and dtype.
    """
    batch = _as_batch(batch, "batch")
    count, a = batch.shape
    n = as_int("n", n, a, MAX_N, f"{MAX_N} = 2**31 (int32 rows)", f"the row length a={a}")
    v = as_int("v", v, 0, min(a, n - a), f"min(a, n - a) = {min(a, n - a)}")
    _check_rows(batch, "batch", n)
    check_memory(2 * batch.nbytes, f"swap_noise on a {count} x {a} batch")
    return _swap(batch, n, v, draw_key(as_generator(seed)))
