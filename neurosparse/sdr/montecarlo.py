"""Monte Carlo simulators of Ahmad & Hawkins (2016) that sample explicit random SDRs.

Every function returns an :class:`MCEstimate` (hit fraction with its binomial standard error).
Random numbers come from counter-based streams keyed by one word of the Generator seeded by
``seed`` (:mod:`neurosparse.sdr._rng`), one stream per row or trial, so a seed gives the same
bits whatever the number of threads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from neurosparse._seed import SeedLike, as_generator
from neurosparse.errors import ParameterError
from neurosparse.sdr._rng import draw_key, stream_start
from neurosparse.sdr.batch import floyd_mark, overlaps, random_batch, swap_noise

__all__ = ["MCEstimate", "false_match_rate", "false_negative_rate", "union_false_match_rate",
           "overlap_distribution"]

_CHUNK = 1 << 16
_BLOCK = 1024  # trials per parallel work item; fixed, so hits never depend on the thread count


@dataclass(frozen=True)
class MCEstimate:
    """A Monte Carlo probability estimate: ``p = hits / trials``, ``stderr = sqrt(p (1 - p) / trials)``."""

    p: float
    stderr: float
    hits: int
    trials: int

    @classmethod
    def from_hits(cls, hits: int, trials: int) -> MCEstimate:
        p = hits / trials
        return cls(p, math.sqrt(p * (1.0 - p) / trials), int(hits), int(trials))

    def interval(self, z: float = 1.96) -> tuple[float, float]:
        """Normal-approximation interval ``p -/+ z * stderr`` clipped to [0, 1]."""
        return max(0.0, self.p - z * self.stderr), min(1.0, self.p + z * self.stderr)


def _int(name: str, value: int, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or int(value) != value:
        raise ParameterError(f"{name} must be an integer; got {value!r}")
    value = int(value)
    if value < lo or (hi is not None and value > hi):
        raise ParameterError(f"{name} must be in [{lo}, {hi if hi is not None else 'inf'}]; got {value}")
    return value


def _chunks(trials: int):
    done = 0
    while done < trials:
        k = min(_CHUNK, trials - done)
        yield k
        done += k


def _sample_from_rows(rows: np.ndarray, s: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform s-subset of each row (sorted), via random positions into the row."""
    pos = random_batch(rows.shape[1], s, rows.shape[0], rng)
    return np.take_along_axis(rows, pos.astype(np.intp), axis=1)


@njit(cache=True, parallel=True)
def _false_match_hits(n, a, s, theta, trials, key):  # pragma: no cover - compiled
    """Hits of the false-match experiment, trial t drawing from stream (key, t): a pattern of a
    cells, a segment of s of its cells, a second random pattern; hit when >= theta of the
    segment's cells are active in the second pattern. Marks in bitmaps, so nothing is sorted."""
    blocks = (trials + _BLOCK - 1) // _BLOCK
    hits = np.zeros(blocks, dtype=np.int64)
    for b in prange(blocks):
        in_pattern = np.zeros(n, dtype=np.bool_)
        in_segment = np.zeros(n, dtype=np.bool_)
        in_test = np.zeros(n, dtype=np.bool_)
        chosen_pos = np.zeros(a, dtype=np.bool_)
        pattern = np.empty(a, dtype=np.int64)
        positions = np.empty(s, dtype=np.int64)
        test = np.empty(a, dtype=np.int64)
        h = 0
        for t in range(b * _BLOCK, min(trials, (b + 1) * _BLOCK)):
            state = stream_start(key, t)
            state = floyd_mark(n, a, state, in_pattern, pattern)
            state = floyd_mark(a, s, state, chosen_pos, positions)
            for i in range(s):
                in_segment[pattern[positions[i]]] = True
            state = floyd_mark(n, a, state, in_test, test)
            c = 0
            for i in range(a):
                if in_segment[test[i]]:
                    c += 1
            h += c >= theta
            for i in range(a):
                in_pattern[pattern[i]] = False
                in_test[test[i]] = False
            for i in range(s):
                chosen_pos[positions[i]] = False
                in_segment[pattern[positions[i]]] = False
        hits[b] = h
    return hits.sum()


def false_match_rate(n: int, a: int, s: int, theta: int, *, trials: int, seed: SeedLike = None) -> MCEstimate:
    """P(a segment of s synapses sampled from one pattern has >= theta active on a random pattern).

    Each trial samples the stored pattern, the segment's s synapses among its cells and an
    independent test pattern explicitly (one fused Numba kernel, parallel over fixed blocks of
    trials; the result depends on the seed only, not on the thread count).
    """
    n = _int("n", n, 0)
    a = _int("a", a, 0, n)
    s = _int("s", s, 0, a)
    theta = _int("theta", theta, 0, s)
    trials = _int("trials", trials, 1)
    hits = _false_match_hits(n, a, s, theta, trials, draw_key(as_generator(seed)))
    return MCEstimate.from_hits(int(hits), trials)


def false_negative_rate(a: int, s: int, theta: int, v: int, *, n: int, trials: int,
                        seed: SeedLike = None) -> MCEstimate:
    """P(a segment stops matching its pattern, overlap < theta, after v of the a cells are swapped)."""
    n = _int("n", n, 0)
    a = _int("a", a, 0, n)
    s = _int("s", s, 0, a)
    theta = _int("theta", theta, 0, s)
    v = _int("v", v, 0, min(a, n - a))
    trials = _int("trials", trials, 1)
    rng = as_generator(seed)
    hits = 0
    for k in _chunks(trials):
        patterns = random_batch(n, a, k, rng)
        segments = _sample_from_rows(patterns, s, rng)
        noisy = swap_noise(patterns, n, v, rng)
        hits += int(np.count_nonzero(overlaps(segments, noisy) < theta))
    return MCEstimate.from_hits(hits, trials)


@njit(cache=True, parallel=True)
def _union_overlaps(segments, tests):  # pragma: no cover - compiled
    out = np.empty(segments.shape[0], dtype=np.int64)
    for r in prange(segments.shape[0]):
        syn = np.sort(segments[r])  # synapses of m patterns, duplicates allowed
        idx = np.searchsorted(syn, tests[r])
        c = 0
        for i in range(tests.shape[1]):
            if idx[i] < syn.shape[0] and syn[idx[i]] == tests[r, i]:
                c += 1
        out[r] = c
    return out


def union_false_match_rate(n: int, a: int, s: int, theta: int, m: int, *, trials: int,
                           seed: SeedLike = None) -> MCEstimate:
    """P(false match) of a segment holding s synapses sampled from each of m random patterns."""
    n = _int("n", n, 0)
    a = _int("a", a, 0, n)
    s = _int("s", s, 0, a)
    theta = _int("theta", theta, 0, None)
    m = _int("m", m, 1)
    trials = _int("trials", trials, 1)
    rng = as_generator(seed)
    hits = 0
    per = max(1, _CHUNK // m)
    done = 0
    while done < trials:
        k = min(per, trials - done)
        segs = _sample_from_rows(random_batch(n, a, k * m, rng), s, rng).reshape(k, m * s)
        ov = _union_overlaps(np.ascontiguousarray(segs), random_batch(n, a, k, rng))
        hits += int(np.count_nonzero(ov >= theta))
        done += k
    return MCEstimate.from_hits(hits, trials)


def overlap_distribution(
    n: int, a: int, *, trials: int, seed: SeedLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Empirical distribution of the overlap of two random SDRs: ``(values 0..a, frequencies)``."""
    n = _int("n", n, 0)
    a = _int("a", a, 0, n)
    trials = _int("trials", trials, 1)
    rng = as_generator(seed)
    counts = np.zeros(a + 1, dtype=np.int64)
    for k in _chunks(trials):
        ov = overlaps(random_batch(n, a, k, rng), random_batch(n, a, k, rng))
        counts += np.bincount(ov, minlength=a + 1)
    return np.arange(a + 1), counts / trials
