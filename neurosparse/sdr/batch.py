"""Numba kernels over batches of SDRs stored as 2-D int32 index arrays (one sorted row per SDR).

Random numbers come from counter-based streams (:mod:`neurosparse.sdr._rng`): one 64-bit key is
drawn from the caller's seeded Generator and row r draws from the stream (key, r), so results
are bit-identical for a seed whatever the number of Numba threads. Subsets are drawn with
Floyd's algorithm (a draws for a cells, no rejection).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from neurosparse._seed import SeedLike, as_generator
from neurosparse.errors import ParameterError
from neurosparse.sdr._rng import below, draw_key, stream_start

__all__ = ["random_batch", "overlaps", "overlap_counts_against", "union_size", "swap_noise"]


def _check_na(n: int, a: int, count: int) -> None:
    if int(n) < 0:
        raise ParameterError(f"n must be >= 0; got {n}")
    if not 0 <= int(a) <= int(n):
        raise ParameterError(f"a must satisfy 0 <= a <= n={n}; got {a}")
    if int(count) < 0:
        raise ParameterError(f"count must be >= 0; got {count}")


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

    Returns an int32 array of shape ``(count, a)`` with sorted, unique rows in ``[0, n)``.
    """
    _check_na(n, a, count)
    return _random_rows(int(n), int(a), int(count), draw_key(as_generator(seed)))


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


def overlaps(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Row-wise overlaps ``|x[i] & y[i]|`` of two batches of sorted index rows (int64, ``(count,)``)."""
    x = _as_batch(x, "x")
    y = _as_batch(y, "y")
    if x.shape[0] != y.shape[0]:
        raise ParameterError(f"x and y must have the same number of rows; got {x.shape[0]} and {y.shape[0]}")
    return _overlaps(x, y.astype(x.dtype, copy=False))


def overlap_counts_against(x: np.ndarray, pattern: np.ndarray) -> np.ndarray:
    """Overlap of every sorted row of ``x`` with one sorted ``pattern`` (int64, ``(count,)``)."""
    x = _as_batch(x, "x")
    p = np.ascontiguousarray(pattern, dtype=x.dtype)
    if p.ndim != 1:
        raise ParameterError(f"pattern must be 1-D; got shape {p.shape}")
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
    """Number of distinct cells active in any row of the batch."""
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

    Rows must be sorted and unique (as from :func:`random_batch`); returns new sorted rows.
    """
    batch = _as_batch(batch, "batch")
    count, a = batch.shape
    if int(n) < a:
        raise ParameterError(f"n must be >= the row length a={a}; got {n}")
    if not 0 <= int(v) <= min(a, int(n) - a):
        raise ParameterError(f"v must satisfy 0 <= v <= min(a, n - a) = {min(a, int(n) - a)}; got {v}")
    return _swap(batch, int(n), int(v), draw_key(as_generator(seed)))
