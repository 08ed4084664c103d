"""Monte Carlo simulators of Ahmad & Hawkins (2016) that sample explicit random SDRs.

Every function returns an :class:`MCEstimate` (hit fraction, its binomial standard error and an
exact Clopper–Pearson interval). Random numbers come from counter-based streams
(:mod:`neurosparse.sdr._rng`): one 64-bit key is drawn from the Generator seeded by ``seed`` and
trial ``t`` draws from the stream (key, t) alone. Hits are integer sums over trials, so a seed
gives the same bits whatever the number of threads and however the trials are split.

Long runs are split into chunks, each one bounded compiled call of about 2**24 random draws (a
fraction of a second), so Ctrl-C (KeyboardInterrupt) stops a run between chunks, and a
tqdm bar (``progress``) shows how far it got. Requests beyond :data:`MAX_TRIALS` trials or
:data:`MAX_DRAWS` random draws (hours of computing) are refused up front with the estimated run
time: at that resolution, use the exact theory (:mod:`neurosparse.sdr.theory`) instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np
from numba import njit, prange
from scipy.special import betaincinv, erfinv
from tqdm import tqdm

from neurosparse._seed import SeedLike, as_generator
from neurosparse.errors import ParameterError
from neurosparse.sdr._checks import as_int, as_n, as_progress, check_memory
from neurosparse.sdr._rng import draw_key, stream_start
from neurosparse.sdr.batch import floyd_mark

__all__ = ["MCEstimate", "false_match_rate", "false_negative_rate", "union_false_match_rate",
           "overlap_distribution", "MAX_TRIALS", "MAX_DRAWS"]

MAX_TRIALS = 10**10
"""Most trials one Monte Carlo call runs (it resolves probabilities down to ~1e-10)."""
MAX_DRAWS = 10**12
"""Most random draws one Monte Carlo call makes (about 3 hours on one core)."""

# measured ~12 ns per draw and core, bookkeeping included (false_match_rate, n = 2048, a = 40)
_SECONDS_PER_DRAW = 1e-8
_CHUNK_DRAWS = 1 << 24  # random draws per compiled call: ~0.1-0.2 s on one core, the Ctrl-C latency
_MIN_BLOCK = 1024  # trials per parallel work item; results never depend on it (integer sums)
_AUTO_PROGRESS_CHUNKS = 8  # progress=None shows the bar (on a terminal) from this many chunks on


@dataclass(frozen=True)
class MCEstimate:
    """A Monte Carlo probability estimate from ``hits`` successes in ``trials`` trials.

    Attributes
    ----------
    p : float
        ``hits / trials``.
    stderr : float
        Plug-in binomial standard error ``sqrt(p (1 - p) / trials)``; it is 0 when ``hits`` is 0
        or ``trials``, so use :meth:`interval` (exact) to bound such estimates.
    hits, trials : int
        The counts, ``0 <= hits <= trials``, ``trials >= 1``.

    Construction checks that the counts are integers and that ``p`` and ``stderr`` are the
    values they determine (:meth:`from_hits` computes them).
    """

    p: float
    stderr: float
    hits: int
    trials: int

    def __post_init__(self) -> None:
        trials = as_int("trials", self.trials, 1)
        hits = as_int("hits", self.hits, 0, trials, f"trials={trials}")
        p = hits / trials
        derived = {"p": ("hits / trials", p),
                   "stderr": ("sqrt(p (1 - p) / trials)", math.sqrt(p * (1.0 - p) / trials))}
        for name, (formula, want) in derived.items():
            value = getattr(self, name)
            number = not isinstance(value, (bool, np.bool_)) and isinstance(
                value, (int, float, np.integer, np.floating))
            if not (number and abs(value - want) <= 1e-12 * want):
                raise ParameterError(f"{name} must be {formula} = {want!r} for hits={hits}, trials={trials}; "
                                     f"got {value!r} (MCEstimate.from_hits(hits, trials) computes it)")
        for name, value in (("hits", hits), ("trials", trials), ("p", p), ("stderr", derived["stderr"][1])):
            object.__setattr__(self, name, value)

    @classmethod
    def from_hits(cls, hits: int, trials: int) -> MCEstimate:
        """The estimate of ``hits`` successes in ``trials >= 1`` trials (``0 <= hits <= trials``)."""
        trials = as_int("trials", trials, 1)
        hits = as_int("hits", hits, 0, trials, f"trials={trials}")
        p = hits / trials
        return cls(p, math.sqrt(p * (1.0 - p) / trials), hits, trials)

    def interval(self, z: float = 1.96, *, confidence: float | None = None,
                 method: str = "exact") -> tuple[float, float]:
        """Two-sided confidence interval for the probability.

        Parameters
        ----------
        z : float
            Sets the confidence level 2 Phi(z) - 1 (Phi: the standard normal cdf), as for a
            normal interval p -/+ z stderr: the default 1.96 gives 95 % (0.9500042).
        confidence : float, optional
            The confidence level in (0, 1) directly; overrides ``z``.
        method : {"exact", "normal"}
            ``"exact"``: Clopper–Pearson, the quantiles alpha/2 and 1 - alpha/2 of the beta
            distributions Beta(hits, trials - hits + 1) and Beta(hits + 1, trials - hits) (lower
            bound 0 when hits = 0, upper bound 1 when hits = trials); it covers the true p with
            at least the stated probability for every p, and with 0 hits its upper bound is
            1 - (alpha/2)^(1/trials), about 3.69 / trials at 95 %. ``"normal"``: the earlier
            p -/+ z stderr clipped to [0, 1], which is (0, 0) with 0 hits.

        Returns
        -------
        (float, float)
            Lower and upper bounds, ``0 <= lower <= p <= upper <= 1``.
        """
        if confidence is None:
            if isinstance(z, (bool, np.bool_)) or not isinstance(z, (int, float, np.integer, np.floating)) \
                    or not (math.isfinite(z) and z > 0):
                raise ParameterError(f"z must be a finite number > 0; got {z!r}")
            level = math.erf(float(z) / math.sqrt(2.0))
        else:
            if isinstance(confidence, (bool, np.bool_)) or not isinstance(
                    confidence, (int, float, np.integer, np.floating)) or not 0 < confidence < 1:
                raise ParameterError(f"confidence must be a number in (0, 1); got {confidence!r}")
            level = float(confidence)
            z = math.sqrt(2.0) * float(erfinv(level))
        if method == "normal":
            return max(0.0, self.p - z * self.stderr), min(1.0, self.p + z * self.stderr)
        if method != "exact":
            raise ParameterError(f"method must be 'exact' or 'normal'; got {method!r}")
        alpha = 1.0 - level
        k, n = self.hits, self.trials
        lo = float(betaincinv(k, n - k + 1, alpha / 2)) if k > 0 else 0.0
        hi = float(betaincinv(k + 1, n - k, 1.0 - alpha / 2)) if k < n else 1.0
        return lo, hi


# ---------------------------------------------------------------------------------------------
# chunked runs


def _duration(seconds: float) -> str:
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} s"


def _check_budget(call: str, trials: int, draws_per_trial: int, per_trial: str) -> None:
    """Refuse runs beyond MAX_TRIALS trials or MAX_DRAWS draws, giving the estimated run time;
    ``per_trial`` spells out the draws per trial (``"2a + s with a=40, s=20"``)."""
    draws = trials * draws_per_trial
    if trials <= MAX_TRIALS and draws <= MAX_DRAWS:
        return
    draws_per_trial, draws = (float(min(x, 10**300)) for x in (draws_per_trial, draws))  # printable
    raise ParameterError(
        f"trials must be in [1, {MAX_TRIALS:.0e}] with at most {MAX_DRAWS:.0e} random draws per call; "
        f"got trials={trials:.3g}: {call} would draw about {draws:.3g} random numbers "
        f"({draws_per_trial:.4g} per trial: {per_trial}), an estimated "
        f"{_duration(draws * _SECONDS_PER_DRAW)} on one core. "
        f"Use neurosparse.sdr.theory for exact probabilities, or run several seeds and pool their hits")


def _plan(n: int, draws_per_trial: int, trials: int) -> tuple[int, int]:
    """(trials per parallel block, trials per compiled call). A block zeroes O(n) bitmaps once,
    so it holds at least n / draws trials (zeroing never dominates); a call holds about
    _CHUNK_DRAWS draws and at least one block per thread. Results do not depend on either."""
    block = max(_MIN_BLOCK, -(-n // draws_per_trial))
    chunk = max(_CHUNK_DRAWS // draws_per_trial, numba.get_num_threads() * block)
    chunk = -(-chunk // block) * block
    return block, min(chunk, trials)


def _run(run_chunk: Callable[[int, int], None], trials: int, chunk: int, progress: bool | None,
         desc: str) -> None:
    """Call ``run_chunk(start, stop)`` over consecutive trial ranges; Ctrl-C stops between calls."""
    n_chunks = -(-trials // chunk)
    if progress is None:  # tqdm's None: shown on a terminal only
        disable = None if n_chunks >= _AUTO_PROGRESS_CHUNKS else True
    else:
        disable = not progress
    bar = tqdm(total=trials, desc=desc, unit="trial", unit_scale=True, leave=False, mininterval=0.5,
               disable=disable)
    try:
        start = 0
        while start < trials:
            stop = min(trials, start + chunk)
            run_chunk(start, stop)
            bar.update(stop - start)
            start = stop
    finally:
        bar.close()


def _check_scratch(call: str, per_block_bytes: int) -> None:
    check_memory(numba.get_num_threads() * per_block_bytes, call,
                 "each thread keeps bitmaps of n cells; use fewer cells or fewer Numba threads")


def _theta(theta: int, top: int, top_text: str) -> int:
    theta = as_int("theta", theta, 0)
    if theta > top:
        raise ParameterError(f"theta must be an integer in [0, {top_text}]; got {theta} (the segment "
                             f"can never reach it: the probability is exactly 0, as "
                             f"neurosparse.sdr.theory computes)")
    return theta


# ---------------------------------------------------------------------------------------------
# false match


@njit(cache=True, parallel=True)
def _false_match_hits(n, a, s, theta, start, stop, block, key):  # pragma: no cover - compiled
    """Hits of trials start..stop-1 of the false-match experiment, trial t drawing from stream
    (key, t): a pattern of a cells, a segment of s of its cells, a second random pattern; hit when
    >= theta of the segment's cells are active in the second pattern. Marks in bitmaps, so
    nothing is sorted."""
    blocks = (stop - start + block - 1) // block
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
        for t in range(start + b * block, min(stop, start + (b + 1) * block)):
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


def false_match_rate(n: int, a: int, s: int, theta: int, *, trials: int, seed: SeedLike = None,
                     progress: bool | None = None) -> MCEstimate:
    """P(a segment of s synapses sampled from one pattern has >= theta active on a random pattern).

    Each trial samples the stored pattern, the segment's s synapses among its cells and an
    independent test pattern explicitly (one fused Numba kernel, parallel over blocks of trials).

    Parameters
    ----------
    n, a : int
        Cells (``0 <= n <= 2**31``) and active cells per pattern (``0 <= a <= n``).
    s, theta : int
        Synapses on the segment (``0 <= s <= a``) and its threshold (``0 <= theta <= s``).
    trials : int
        ``1 <= trials <= MAX_TRIALS`` and ``trials * (2a + s) <= MAX_DRAWS``.
    seed : int, SeedSequence, Generator or None
        Random source: the result depends on it only, not on threads or chunks.
    progress : bool or None
        tqdm bar: True always, False never, None on a terminal for runs of several chunks.

    Returns
    -------
    MCEstimate
    """
    n = as_n(n)
    a = as_int("a", a, 0, n, f"n={n}")
    s = as_int("s", s, 0, a, f"a={a}")
    theta = _theta(theta, s, f"s={s}")
    trials = as_int("trials", trials, 1)
    progress = as_progress(progress)
    draws = (max(1, 2 * a + s), f"2a + s with a={a}, s={s}")
    return _estimate("false_match_rate", f"false_match_rate(n={n})", 3 * n + 24 * a + 8 * s,
                     _false_match_hits, (n, a, s, theta), n, trials, draws, seed, progress)


# ---------------------------------------------------------------------------------------------
# false negative


@njit(cache=True, parallel=True)
def _false_negative_hits(n, a, s, theta, v, start, stop, block, key):  # pragma: no cover - compiled
    """Hits of trials start..stop-1, trial t drawing from stream (key, t): a pattern of a cells, a
    segment of s of its cells, swap noise moving v of the pattern's cells to v inactive cells;
    hit when the segment's overlap with the noisy pattern is below theta."""
    blocks = (stop - start + block - 1) // block
    hits = np.zeros(blocks, dtype=np.int64)
    for b in prange(blocks):
        in_pattern = np.zeros(n, dtype=np.bool_)
        in_segment = np.zeros(n, dtype=np.bool_)
        rank_taken = np.zeros(n - a, dtype=np.bool_)
        chosen_pos = np.zeros(a, dtype=np.bool_)
        removed_pos = np.zeros(a, dtype=np.bool_)
        pattern = np.empty(a, dtype=np.int64)
        ordered = np.empty(a, dtype=np.int64)
        positions = np.empty(s, dtype=np.int64)
        removed = np.empty(v, dtype=np.int64)
        ranks = np.empty(v, dtype=np.int64)
        h = 0
        for t in range(start + b * block, min(stop, start + (b + 1) * block)):
            state = stream_start(key, t)
            state = floyd_mark(n, a, state, in_pattern, pattern)
            state = floyd_mark(a, s, state, chosen_pos, positions)
            for i in range(s):
                in_segment[pattern[positions[i]]] = True
            state = floyd_mark(a, v, state, removed_pos, removed)  # positions of the cells that leave
            state = floyd_mark(n - a, v, state, rank_taken, ranks)  # ranks among inactive cells that enter
            c = 0
            for i in range(a):
                if not removed_pos[i] and in_segment[pattern[i]]:
                    c += 1
            # rank r -> the r-th inactive cell, r + #(pattern cells below it), by one merge pass
            ordered[:] = pattern
            ordered.sort()
            for q in range(v):
                rank_taken[ranks[q]] = False
            ranks.sort()
            j = 0
            for q in range(v):
                while j < a and ordered[j] <= ranks[q] + j:
                    j += 1
                if in_segment[ranks[q] + j]:  # never true (segments lie inside the pattern): kept explicit
                    c += 1
            h += c < theta
            for i in range(a):
                in_pattern[pattern[i]] = False
            for i in range(s):
                chosen_pos[positions[i]] = False
                in_segment[pattern[positions[i]]] = False
            for q in range(v):
                removed_pos[removed[q]] = False
        hits[b] = h
    return hits.sum()


def false_negative_rate(a: int, s: int, theta: int, v: int, *, n: int, trials: int,
                        seed: SeedLike = None, progress: bool | None = None) -> MCEstimate:
    """P(a segment stops matching its pattern, overlap < theta, after v of the a cells are swapped).

    Each trial samples a pattern of a of n cells, the segment's s synapses among them, and swap
    noise (v of the pattern's cells move to v distinct inactive cells) explicitly, in one fused
    Numba kernel.

    Parameters
    ----------
    a, s, theta : int
        Active cells (``0 <= a <= n``), synapses (``0 <= s <= a``), threshold (``0 <= theta <= s``).
    v : int
        Cells swapped, ``0 <= v <= min(a, n - a)``.
    n : int
        Cells, ``0 <= n <= 2**31``.
    trials, seed, progress
        As for :func:`false_match_rate`; ``trials * (a + s + 2v) <= MAX_DRAWS``.

    Returns
    -------
    MCEstimate
    """
    n = as_n(n)
    a = as_int("a", a, 0, n, f"n={n}")
    s = as_int("s", s, 0, a, f"a={a}")
    theta = as_int("theta", theta, 0, s, f"s={s}")
    v = as_int("v", v, 0, min(a, n - a), f"min(a, n - a) = {min(a, n - a)}")
    trials = as_int("trials", trials, 1)
    progress = as_progress(progress)
    draws = (max(1, a + s + 2 * v), f"a + s + 2v with a={a}, s={s}, v={v}")
    return _estimate("false_negative_rate", f"false_negative_rate(n={n})", 3 * n + 26 * a + 8 * s + 16 * v,
                     _false_negative_hits, (n, a, s, theta, v), n, trials, draws, seed, progress)


# ---------------------------------------------------------------------------------------------
# union of m patterns


@njit(cache=True, parallel=True)
def _union_hits(n, a, s, theta, m, start, stop, block, key):  # pragma: no cover - compiled
    """Hits of trials start..stop-1, trial t drawing from stream (key, t): m patterns of a cells,
    s synapses sampled from each into one segment (their union), a random test pattern; hit when
    >= theta of the test pattern's cells are synapses of the segment."""
    blocks = (stop - start + block - 1) // block
    hits = np.zeros(blocks, dtype=np.int64)
    for b in prange(blocks):
        in_pattern = np.zeros(n, dtype=np.bool_)
        in_segment = np.zeros(n, dtype=np.bool_)
        in_test = np.zeros(n, dtype=np.bool_)
        chosen_pos = np.zeros(a, dtype=np.bool_)
        pattern = np.empty(a, dtype=np.int64)
        positions = np.empty(s, dtype=np.int64)
        test = np.empty(a, dtype=np.int64)
        synapses = np.empty(min(n, m * s), dtype=np.int64)
        h = 0
        for t in range(start + b * block, min(stop, start + (b + 1) * block)):
            state = stream_start(key, t)
            u = 0
            for _ in range(m):
                state = floyd_mark(n, a, state, in_pattern, pattern)
                state = floyd_mark(a, s, state, chosen_pos, positions)
                for i in range(s):
                    cell = pattern[positions[i]]
                    if not in_segment[cell]:
                        in_segment[cell] = True
                        synapses[u] = cell
                        u += 1
                for i in range(a):
                    in_pattern[pattern[i]] = False
                for i in range(s):
                    chosen_pos[positions[i]] = False
            state = floyd_mark(n, a, state, in_test, test)
            c = 0
            for i in range(a):
                if in_segment[test[i]]:
                    c += 1
            h += c >= theta
            for i in range(a):
                in_test[test[i]] = False
            for i in range(u):
                in_segment[synapses[i]] = False
        hits[b] = h
    return hits.sum()


def union_false_match_rate(n: int, a: int, s: int, theta: int, m: int, *, trials: int,
                           seed: SeedLike = None, progress: bool | None = None) -> MCEstimate:
    """P(false match) of a segment holding s synapses sampled from each of m random patterns.

    Parameters
    ----------
    n, a, s : int
        Cells (``0 <= n <= 2**31``), active cells (``0 <= a <= n``), synapses per pattern
        (``0 <= s <= a``).
    theta : int
        Threshold, ``0 <= theta <= min(a, m s)`` (beyond, no test pattern can reach it).
    m : int
        Patterns stored on the segment, ``m >= 1``.
    trials, seed, progress
        As for :func:`false_match_rate`; ``trials * (m (a + s) + a) <= MAX_DRAWS``.

    Returns
    -------
    MCEstimate
    """
    n = as_n(n)
    a = as_int("a", a, 0, n, f"n={n}")
    s = as_int("s", s, 0, a, f"a={a}")
    m = as_int("m", m, 1)
    theta = _theta(theta, min(a, m * s), f"min(a, m s) = {min(a, m * s)}")
    trials = as_int("trials", trials, 1)
    progress = as_progress(progress)
    draws = (max(1, m * (a + s) + a), f"m (a + s) + a with m={m}, a={a}, s={s}")
    return _estimate("union_false_match_rate", f"union_false_match_rate(n={n}, m={m})",
                     3 * n + 17 * a + 8 * s + 8 * min(n, m * s), _union_hits, (n, a, s, theta, m), n,
                     trials, draws, seed, progress)


# ---------------------------------------------------------------------------------------------
# overlap distribution


@njit(cache=True, parallel=True)
def _overlap_counts(n, a, start, stop, block, key):  # pragma: no cover - compiled
    """Histogram over trials start..stop-1 of the overlap of two random a-of-n patterns, trial t
    drawing both from stream (key, t)."""
    blocks = (stop - start + block - 1) // block
    counts = np.zeros((blocks, a + 1), dtype=np.int64)
    for b in prange(blocks):
        in_x = np.zeros(n, dtype=np.bool_)
        in_y = np.zeros(n, dtype=np.bool_)
        x = np.empty(a, dtype=np.int64)
        y = np.empty(a, dtype=np.int64)
        for t in range(start + b * block, min(stop, start + (b + 1) * block)):
            state = stream_start(key, t)
            state = floyd_mark(n, a, state, in_x, x)
            state = floyd_mark(n, a, state, in_y, y)
            c = 0
            for i in range(a):
                if in_x[y[i]]:
                    c += 1
            counts[b, c] += 1
            for i in range(a):
                in_x[x[i]] = False
                in_y[y[i]] = False
    return counts.sum(axis=0)


def overlap_distribution(n: int, a: int, *, trials: int, seed: SeedLike = None,
                         progress: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Empirical distribution of the overlap of two random SDRs of a active cells out of n.

    Parameters
    ----------
    n, a : int
        Cells (``0 <= n <= 2**31``) and active cells (``0 <= a <= n``).
    trials, seed, progress
        As for :func:`false_match_rate`; ``trials * 2a <= MAX_DRAWS``.

    Returns
    -------
    (ndarray, ndarray)
        Overlap values ``0..a`` and their frequencies (summing to 1).
    """
    n = as_n(n)
    a = as_int("a", a, 0, n, f"n={n}")
    trials = as_int("trials", trials, 1)
    progress = as_progress(progress)
    draws = max(1, 2 * a)
    _check_budget("overlap_distribution", trials, draws, f"2a with a={a}")
    block, chunk = _plan(n, draws, trials)
    _check_scratch(f"overlap_distribution(n={n})", 2 * n + 24 * a)
    key = draw_key(as_generator(seed))
    counts = np.zeros(a + 1, dtype=np.int64)

    def run_chunk(start: int, stop: int) -> None:
        counts[:] += _overlap_counts(n, a, start, stop, block, key)

    _run(run_chunk, trials, chunk, progress, "overlap_distribution")
    return np.arange(a + 1), counts / trials


def _estimate(name: str, label: str, scratch_bytes: int, kernel, args: tuple, n: int, trials: int,
              draws: tuple[int, str], seed: SeedLike, progress: bool | None) -> MCEstimate:
    """The Monte Carlo driver shared by the hit-counting estimators: refuse what cannot finish
    or fit, then run ``kernel(*args, start, stop, block, key)`` chunk by chunk (Ctrl-C stops
    between chunks) and count its hits. Trial t draws from stream (key, t) whatever the chunks.
    ``draws`` is (random draws per trial, how they are counted, for the refusal's message)."""
    draws, per_trial = draws
    _check_budget(name, trials, draws, per_trial)
    block, chunk = _plan(n, draws, trials)
    _check_scratch(label, scratch_bytes)
    key = draw_key(as_generator(seed))
    hits = [0]

    def run_chunk(start: int, stop: int) -> None:
        hits[0] += int(kernel(*args, start, stop, block, key))

    _run(run_chunk, trials, chunk, progress, name)
    return MCEstimate.from_hits(hits[0], trials)
