"""Exact SDR theory of Ahmad & Hawkins (2016), arXiv:1601.00720.

Notation as the paper: ``n`` cells, ``a`` active cells (the paper's w), ``s`` synapses on a
segment, ``theta`` its threshold, ``m`` stored patterns, ``v`` active cells swapped out by noise.

Probabilities are computed in log space: log-binomials through Stirling's series with the
Loader (2000) error term, which leaves no cancellation (every large term is positive), and a
log-sum-exp over the upper-tail terms, never ``1 - cdf``. Values down to 1e-300 and below keep
~1e-12 relative accuracy for n up to 1e6 and beyond, every function is vectorized over array
arguments (one numpy pass for a whole grid), and n = 1e6 costs well under a millisecond.
``exact=True`` returns :class:`fractions.Fraction` computed with :func:`math.comb`: a Fraction
for scalar arguments and, elementwise, an object ndarray of Fractions for array arguments.

Integer arguments must be integers (whole-valued floats pass; bools, NaN, strings do not) in
``[0, MAX_COUNT = 2**53]``; every error is a :class:`~neurosparse.errors.ParameterError` naming
the parameter, its value and the allowed range. A threshold above the synapses (theta > s) is a
segment that never fires: its false-match probability is 0, as in the authors' sums. Requests
whose cost is absurd are refused up front: ``exact=True`` beyond :data:`MAX_EXACT_BITS`-bit
binomials or :data:`MAX_EXACT_COST`, tails of more than :data:`MAX_TAIL_TERMS` terms, and union
size distributions of more than :data:`MAX_UNION_OPS` operations or :data:`MAX_UNION_PASSES` passes.

Differences from the authors' code and figures: the paper's union formula replaces s by the
*rounded expected* union size x = round(n (1 - (1 - s/n)^m)) (``method="paper"``); the exact
average over the union-size distribution (``method="exact"``) differs, most at small n or where
the false-match rate varies steeply with x.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
from scipy.special import logsumexp

from neurosparse._seed import as_generator
from neurosparse.errors import ParameterError
from neurosparse.sdr._checks import as_int, as_real, check_memory

__all__ = [
    "num_sdrs", "log_num_sdrs", "overlap_set_size", "p_overlap", "log_p_overlap",
    "false_match_probability", "log_false_match_probability", "false_negative_probability",
    "log_false_negative_probability", "union_size_distribution", "union_false_match_probability",
    "classification_error", "optimal_threshold", "threshold_error_statistics", "PAPER_THRESHOLD_GRID",
    "PUBLISHED_TABLE_N_VALUES", "MAX_COUNT", "MAX_EXACT_BITS", "MAX_EXACT_COST", "MAX_TAIL_TERMS",
    "MAX_UNION_OPS", "MAX_UNION_PASSES",
]

MAX_COUNT = 2**53
"""Largest n, a, s, theta, m, ... accepted (integers beyond are not exact as float64)."""
MAX_EXACT_BITS = 2**19
"""``exact=True`` refuses binomials C(n, a) of more than this many bits (a few seconds each)."""
MAX_EXACT_COST = 2**43
"""``exact=True`` refuses sums whose terms x bits**2 exceed this (about half a minute)."""
MAX_TAIL_TERMS = 10**9
"""Most log-space terms one call sums over all its tails (about a minute)."""
MAX_UNION_OPS = 10**10
"""Most array operations of :func:`union_size_distribution`, m (s + 1) (min(n, m s) + 1)."""
MAX_UNION_PASSES = 2 * 10**6
"""Most array passes of :func:`union_size_distribution`, m (s + 1) (each a few microseconds)."""

def _int(name: str, value: Any, lo: int = 0) -> np.ndarray:
    """``value`` as an int64 array of integers in ``[lo, MAX_COUNT]``; whole floats pass, bools,
    NaN, infinities, strings and other objects do not."""
    allowed = f"an integer in [{lo}, 2**53]"
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be {allowed} (or an array of them); got {value!r}") from None
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr)
        bad |= ~bad & (arr != np.floor(np.where(bad, 0.0, arr)))
        if np.any(bad):
            raise ParameterError(f"{name} must be {allowed}; got {_first_bad(arr, bad)}")
        bad = np.abs(arr) > MAX_COUNT
        if np.any(bad):
            raise ParameterError(f"{name} must be {allowed}; got {_first_bad(arr, bad)}")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind == "u":
        bad = arr > MAX_COUNT
        if np.any(bad):
            raise ParameterError(f"{name} must be {allowed}; got {_first_bad(arr, bad)}")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind != "i":
        what = "bools" if arr.dtype.kind == "b" else f"values of type {arr.dtype}"
        raise ParameterError(f"{name} must be {allowed}; got {what} ({value!r})")
    bad = (arr < lo) | (arr > MAX_COUNT)
    if np.any(bad):
        raise ParameterError(f"{name} must be {allowed}; got {_first_bad(arr, bad)}")
    return arr.astype(np.int64)


def _scalar_int(name: str, value: Any, lo: int = 0) -> int:
    """:func:`_int` for the calls that are not vectorized: a single integer."""
    arr = _int(name, value, lo)
    if arr.ndim:
        raise ParameterError(f"{name} must be a single integer in [{lo}, 2**53] (this function is not "
                             f"vectorized); got an array of shape {arr.shape}")
    return int(arr)


def _first_bad(arr: np.ndarray, bad: np.ndarray) -> str:
    if arr.ndim == 0:
        return repr(arr.item())
    where = np.flatnonzero(bad)
    more = f" (and {where.size - 1} more)" if where.size > 1 else ""
    return f"{arr.ravel()[where[0]].item()!r} at flat index {int(where[0])}{more}"


def _le(name_lo: str, lo: np.ndarray, name_hi: str, hi: np.ndarray) -> None:
    lo, hi = np.broadcast_arrays(lo, hi)
    bad = lo > hi
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        where = f" at flat index {i}" if lo.ndim else ""
        raise ParameterError(f"{name_lo} must satisfy 0 <= {name_lo} <= {name_hi}; got {name_lo}="
                             f"{lo.ravel()[i]} with {name_hi}={hi.ravel()[i]}{where}")


def _exact_map(fn: Any, *arrays: np.ndarray) -> Any:
    """``fn`` on Python ints elementwise over the broadcast arrays: a scalar for 0-d arguments,
    else an object ndarray of the results."""
    b = np.broadcast_arrays(*arrays)
    if b[0].ndim == 0:
        return fn(*(int(x) for x in b))
    out = np.empty(b[0].shape, dtype=object)
    for idx in np.ndindex(b[0].shape):
        out[idx] = fn(*(int(x[idx]) for x in b))
    return out


def _check_exact_cost(call: str, log_binom: Any, terms: Any) -> None:
    """Refuse exact results (``exact=True``, num_sdrs) when their binomials (``log_binom``: log C
    of the largest, per element) or their work (terms x bits**2, summed) pass MAX_EXACT_BITS or
    MAX_EXACT_COST."""
    bits = np.asarray(log_binom, dtype=np.float64) / math.log(2.0) + 1.0
    cost = float(np.sum(np.maximum(np.asarray(terms, dtype=np.float64), 1.0) * bits**2))
    top = float(np.max(bits)) if bits.size else 0.0
    if top > MAX_EXACT_BITS or cost > MAX_EXACT_COST:
        raise ParameterError(
            f"exact rational results are limited to binomials of {MAX_EXACT_BITS} = 2**19 bits and a cost of "
            f"{MAX_EXACT_COST:.3g} (terms x bits**2, about half a minute); {call} needs binomials of "
            f"{top:.3g} bits and a cost of {cost:.3g}. The float result is accurate to ~1e-12 "
            f"relative (the log_ variants beyond 1e-300; log_num_sdrs for C(n, a))")


_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
# stirlerr(k) = log k! - [(k + 1/2) log k - k + log sqrt(2 pi)] for k = 0..15, from exact lgamma.
_STIRLERR_SMALL = np.array([1.0 - _LOG_SQRT_2PI] + [
    math.lgamma(k + 1.0) - ((k + 0.5) * math.log(k) - k + _LOG_SQRT_2PI) for k in range(1, 16)])


def _stirlerr(k: np.ndarray) -> np.ndarray:
    """Error of Stirling's formula for log k! (Loader 2000); k >= 0 integer-valued floats."""
    k = np.asarray(k, dtype=np.float64)
    small = k <= 15
    out = np.empty_like(k)
    out[small] = _STIRLERR_SMALL[k[small].astype(np.int64)]
    kb = k[~small]
    k2 = kb * kb
    # asymptotic series 1/12k - 1/360k^3 + 1/1260k^5 - 1/1680k^7 + 1/1188k^9; next term < 3e-16 at k=16
    out[~small] = (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / 1188 / k2) / k2) / k2) / k2) / kb
    return out


def _lchoose(n: Any, k: Any) -> Any:
    """log C(n, k), vectorized; -inf outside 0 <= k <= n.

    Stirling's formula with Loader's error terms: every large term (k log(n/k) and
    (n-k) log1p(k/(n-k))) is positive, so the result keeps a few ulps of relative accuracy for
    any n (no log-gamma cancellation at n = 1e6 or 1e9).
    """
    n_, k_ = np.broadcast_arrays(np.asarray(n, dtype=np.float64), np.asarray(k, dtype=np.float64))
    out = np.full(n_.shape, -np.inf)
    valid = (k_ >= 0) & (k_ <= n_)
    edge = valid & ((k_ == 0) | (k_ == n_))
    out[edge] = 0.0
    mid = valid & ~edge
    if np.any(mid):
        nn = n_[mid]
        kk = np.minimum(k_[mid], nn - k_[mid])  # C(n, k) = C(n, n-k): keeps n/k away from 1
        rest = nn - kk
        out[mid] = (kk * np.log(nn / kk) + rest * np.log1p(kk / rest)
                    + 0.5 * np.log(nn / (kk * rest)) - _LOG_SQRT_2PI
                    + _stirlerr(nn) - _stirlerr(kk) - _stirlerr(rest))
    return out.item() if out.ndim == 0 else out


_TAIL_CHUNK = 4_000_000  # terms per padded rectangle of the tail sums


def _log_hypergeom_tail(population: np.ndarray, successes: np.ndarray, draws: np.ndarray,
                        lo: np.ndarray) -> np.ndarray:
    """log P(X >= lo), X ~ Hypergeom(population, successes, draws), for arrays of parameters.

    Sums the terms C(succ, k) C(pop - succ, draws - k) / C(pop, draws) for k from lo to its
    largest possible value in log space (log-sum-exp), padded to a rectangle and chunked so
    memory stays bounded; never 1 - cdf.
    """
    pop, succ, dr, lo = (np.asarray(x, dtype=np.int64).ravel() for x in
                         np.broadcast_arrays(population, successes, draws, lo))
    k_lo = np.maximum.reduce([lo, dr - (pop - succ), np.zeros_like(lo)])
    k_hi = np.minimum(succ, dr)
    out = np.full(pop.shape, -np.inf)
    ok = np.nonzero(k_lo <= k_hi)[0]
    if ok.size == 0:
        return out
    width = k_hi[ok] - k_lo[ok] + 1
    total = float(np.sum(width, dtype=np.float64))
    if total > MAX_TAIL_TERMS:
        raise ParameterError(f"this call sums {total:.3g} hypergeometric terms, beyond the limit of "
                             f"{MAX_TAIL_TERMS:.0e} per call (about a minute); ask for fewer or "
                             f"narrower tails (the width is min(s, a) - theta + 1)")
    wide = ok[width > _TAIL_CHUNK]
    for i in wide:  # one row wider than a chunk: log-sum-exp piece by piece
        acc = -np.inf
        for k0 in range(int(k_lo[i]), int(k_hi[i]) + 1, _TAIL_CHUNK):
            k = np.arange(k0, min(k0 + _TAIL_CHUNK, int(k_hi[i]) + 1))
            acc = np.logaddexp(acc, logsumexp(_lchoose(succ[i], k) + _lchoose(pop[i] - succ[i], dr[i] - k)))
        out[i] = acc - _lchoose(pop[i], dr[i])
    ok, width = ok[width <= _TAIL_CHUNK], width[width <= _TAIL_CHUNK]
    order = ok[np.argsort(width, kind="stable")]  # similar widths share a chunk: little padding
    start = 0
    while start < order.size:
        w_max = int(k_hi[order[start]] - k_lo[order[start]] + 1)
        stop = start + 1
        while stop < order.size:  # grow the chunk while the padded rectangle stays <= 4M terms
            w = int(k_hi[order[stop]] - k_lo[order[stop]] + 1)
            if max(w, w_max) * (stop - start + 1) > _TAIL_CHUNK:
                break
            w_max = max(w, w_max)
            stop += 1
        idx = order[start:stop]
        k = k_lo[idx, None] + np.arange(w_max)[None, :]
        inside = k <= k_hi[idx, None]
        k = np.where(inside, k, k_lo[idx, None])
        terms = _lchoose(succ[idx, None], k) + _lchoose((pop - succ)[idx, None], dr[idx, None] - k)
        terms = np.where(inside, terms, -np.inf)
        out[idx] = logsumexp(terms, axis=1) - _lchoose(pop[idx], dr[idx])
        start = stop
    return out


def _prob(log_p: np.ndarray) -> np.ndarray:
    """exp of a log-probability, clipped to [0, 1] (rounding can put a sum of terms a few ulps above 1)."""
    return np.clip(np.exp(np.minimum(log_p, 0.0)), 0.0, 1.0)


def _out(x: np.ndarray) -> Any:
    return x.item() if x.ndim == 0 else x


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ParameterError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def _check_na(n: Any, a: Any) -> tuple[np.ndarray, np.ndarray]:
    n_, a_ = np.broadcast_arrays(_int("n", n), _int("a", a))
    _le("a", a_, "n", n_)
    return n_, a_


def num_sdrs(n: Any, a: Any) -> Any:
    """Exact number of SDRs of a active cells out of n, C(n, a).

    Parameters
    ----------
    n, a : int or array of int
        ``0 <= a <= n <= 2**53``; C(n, a) may have at most :data:`MAX_EXACT_BITS` bits.

    Returns
    -------
    int or ndarray
        A Python int; for array arguments an object ndarray of Python ints (broadcast).
    """
    n_, a_ = _check_na(n, a)
    _check_exact_cost("num_sdrs", _lchoose(n_, a_), 1)
    return _exact_map(math.comb, n_, a_)


def log_num_sdrs(n: Any, a: Any) -> Any:
    """Natural log of C(n, a) (``0 <= a <= n``); vectorized, float or float ndarray."""
    n_, a_ = _check_na(n, a)
    return _out(np.asarray(_lchoose(n_, a_), dtype=np.float64))


def overlap_set_size(n: Any, a: Any, b: Any, w: Any = None) -> Any:
    """|Omega_x(n, a, b)| = C(|x|, b) C(n - |x|, a - b): SDRs of a of n cells with overlap b with x.

    Parameters
    ----------
    n, a, b : int or array of int
        ``0 <= a <= n``, overlap ``0 <= b <= a``.
    w : int or array of int, optional
        ``|x|``, ``0 <= w <= n`` (default a); the count is 0 where b > w.

    Returns
    -------
    int or ndarray
        Exact Python int; an object ndarray of them for array arguments.
    """
    n_, a_ = _check_na(n, a)
    b_ = _int("b", b)
    w_ = a_ if w is None else _int("w", w)
    n_, a_, b_, w_ = np.broadcast_arrays(n_, a_, b_, w_)
    _le("b", b_, "a", a_)
    _le("w", w_, "n", n_)
    _check_exact_cost("overlap_set_size", _lchoose(n_, a_), 1)
    return _exact_map(lambda n1, a1, b1, w1: math.comb(w1, b1) * math.comb(n1 - w1, a1 - b1), n_, a_, b_, w_)


def _check_nasb(n: Any, a: Any, s: Any, theta: Any) -> tuple[np.ndarray, ...]:
    """n, a, s, theta broadcast; a <= n and s <= n. theta may exceed s (probability 0)."""
    n_, a_, s_, t_ = np.broadcast_arrays(_int("n", n), _int("a", a), _int("s", s), _int("theta", theta))
    _le("a", a_, "n", n_)
    _le("s", s_, "n", n_)
    return n_, a_, s_, t_


def _check_nab(n: Any, a: Any, b: Any) -> tuple[np.ndarray, ...]:
    n_, a_, b_ = np.broadcast_arrays(_int("n", n), _int("a", a), _int("b", b))
    _le("a", a_, "n", n_)
    _le("b", b_, "a", a_)
    return n_, a_, b_


def log_p_overlap(n: Any, a: Any, b: Any) -> Any:
    """log P(overlap exactly b) between a fixed and a random SDR (both a of n, ``0 <= b <= a``)."""
    n_, a_, b_ = _check_nab(n, a, b)
    out = _lchoose(a_, b_) + _lchoose(n_ - a_, a_ - b_) - _lchoose(n_, a_)
    return _out(np.minimum(np.asarray(out, dtype=np.float64), 0.0))


def p_overlap(n: Any, a: Any, b: Any, *, exact: bool = False) -> Any:
    """P(overlap exactly b) = |Omega_x(n, a, b)| / C(n, a), for SDRs of a of n cells.

    Parameters
    ----------
    n, a, b : int or array of int
        ``0 <= a <= n``, ``0 <= b <= a``; broadcast.
    exact : bool
        Return :class:`fractions.Fraction` (an object ndarray of them for array arguments).

    Returns
    -------
    float, ndarray, Fraction or ndarray of Fraction
    """
    if _flag("exact", exact):
        n_, a_, b_ = _check_nab(n, a, b)
        _check_exact_cost("p_overlap", _lchoose(n_, a_), 1)
        return _exact_map(lambda n1, a1, b1: Fraction(math.comb(a1, b1) * math.comb(n1 - a1, a1 - b1),
                                                      math.comb(n1, a1)), n_, a_, b_)
    return _out(_prob(np.asarray(log_p_overlap(n, a, b))))


def log_false_match_probability(n: Any, a: Any, s: Any, theta: Any) -> Any:
    """Natural log of :func:`false_match_probability`; -inf where it is 0 (theta > min(s, a))."""
    n_, a_, s_, t_ = _check_nasb(n, a, s, theta)
    out = _log_hypergeom_tail(n_, s_, a_, t_).reshape(n_.shape)
    return _out(np.minimum(out, 0.0))


def _false_match_fraction(n: int, a: int, s: int, theta: int) -> Fraction:
    num = sum(math.comb(s, b) * math.comb(n - s, a - b) for b in range(theta, min(s, a) + 1))
    return Fraction(num, math.comb(n, a))


def false_match_probability(n: Any, a: Any, s: Any, theta: Any, *, exact: bool = False) -> Any:
    """P(segment of s synapses reaches theta on a random pattern of a active cells out of n).

    sum_{b=theta}^{min(s,a)} C(s, b) C(n - s, a - b) / C(n, a) (paper eq. for the false match;
    s = a is the full-pattern case). Vectorized over array arguments (broadcast).

    Parameters
    ----------
    n, a, s, theta : int or array of int
        Cells, active cells (0 <= a <= n), synapses on the segment (0 <= s <= n), threshold
        (theta >= 0). Where theta > s (or theta > a) the segment can never fire and the
        probability is exactly 0, as in :func:`threshold_error_statistics`.
    exact : bool
        Return a :class:`fractions.Fraction`; for array arguments an object ndarray of Fractions,
        elementwise (limited by :data:`MAX_EXACT_BITS` and :data:`MAX_EXACT_COST`).

    Returns
    -------
    float, ndarray, Fraction or ndarray of Fraction
        Probabilities in [0, 1]; floats accurate to ~1e-12 relative down to the smallest doubles.
    """
    if _flag("exact", exact):
        n_, a_, s_, t_ = _check_nasb(n, a, s, theta)
        _check_exact_cost("false_match_probability", _lchoose(n_, a_), np.minimum(s_, a_) - t_ + 1)
        return _exact_map(_false_match_fraction, n_, a_, s_, t_)
    return _out(_prob(np.asarray(log_false_match_probability(n, a, s, theta))))


def _check_astv(a: Any, s: Any, theta: Any, v: Any) -> tuple[np.ndarray, ...]:
    a_, s_, t_, v_ = np.broadcast_arrays(_int("a", a), _int("s", s), _int("theta", theta), _int("v", v))
    _le("s", s_, "a", a_)
    _le("theta", t_, "s", s_)
    _le("v", v_, "a", a_)
    return a_, s_, t_, v_


def log_false_negative_probability(a: Any, s: Any, theta: Any, v: Any) -> Any:
    """Natural log of :func:`false_negative_probability`."""
    a_, s_, t_, v_ = _check_astv(a, s, theta, v)
    # k removed synapses ~ Hypergeom(population a, s successes, v draws); fail iff k >= s - theta + 1
    out = _log_hypergeom_tail(a_, s_, v_, s_ - t_ + 1).reshape(a_.shape)
    return _out(np.minimum(out, 0.0))


def _false_negative_fraction(a: int, s: int, theta: int, v: int) -> Fraction:
    num = sum(math.comb(s, k) * math.comb(a - s, v - k) for k in range(s - theta + 1, min(s, v) + 1))
    return Fraction(num, math.comb(a, v))


def false_negative_probability(a: Any, s: Any, theta: Any, v: Any, *, exact: bool = False) -> Any:
    """P(segment with s synapses on a pattern of a cells drops below theta when v cells are swapped).

    The number k of removed cells among the segment's synapses is hypergeometric (population a,
    s successes, v draws); the segment fails when s - k < theta. Vectorized (broadcast).

    Parameters
    ----------
    a, s, theta, v : int or array of int
        ``0 <= s <= a``, ``0 <= theta <= s`` (a segment with theta > s never matched, so it has
        no false negative to count), ``0 <= v <= a``.
    exact : bool
        Return a Fraction; for array arguments an object ndarray of Fractions, elementwise.

    Returns
    -------
    float, ndarray, Fraction or ndarray of Fraction
    """
    if _flag("exact", exact):
        a_, s_, t_, v_ = _check_astv(a, s, theta, v)
        _check_exact_cost("false_negative_probability", _lchoose(a_, v_), np.minimum(s_, v_) - (s_ - t_))
        return _exact_map(_false_negative_fraction, a_, s_, t_, v_)
    return _out(_prob(np.asarray(log_false_negative_probability(a, s, theta, v))))


def union_size_distribution(n: int, s: int, m: int) -> np.ndarray:
    """Exact distribution of the number of distinct synapses after storing m patterns.

    Model: each stored pattern is an independent uniform a-subset of n cells and the segment
    samples s of its a cells uniformly, so each pattern's synapse set is a uniform s-subset of
    the n cells (independent of a). The union size U is a Markov chain: from U = u, a new
    s-subset adds j new cells with j ~ Hypergeom(n, n - u, s). The transition matrix is the
    same at every step, so m steps cost O(m * min(n, m s) * s) array operations.

    Parameters
    ----------
    n, s, m : int
        Cells, synapses per pattern (``0 <= s <= n``) and patterns (``m >= 0``). The n + 1
        probabilities must fit in memory, m (s + 1) (min(n, m s) + 1) may not pass
        :data:`MAX_UNION_OPS` nor m (s + 1) :data:`MAX_UNION_PASSES`. Single integers: this
        function is not vectorized.

    Returns
    -------
    ndarray
        p[u] for u = 0 .. n (zero beyond min(n, m s)).
    """
    n_, s_, m_ = _scalar_int("n", n), _scalar_int("s", s), _scalar_int("m", m)
    _le("s", np.int64(s_), "n", np.int64(n_))
    top = min(n_, m_ * s_)
    ops = m_ * (s_ + 1) * (top + 1)
    if ops > MAX_UNION_OPS or m_ * (s_ + 1) > MAX_UNION_PASSES:
        raise ParameterError(f"union_size_distribution(n={n_}, s={s_}, m={m_}) needs m (s + 1) "
                             f"(min(n, m s) + 1) = {float(ops):.3g} array operations in m (s + 1) = "
                             f"{float(m_ * (s_ + 1)):.3g} passes, beyond the limits of {MAX_UNION_OPS:.0e} "
                             f"operations and {MAX_UNION_PASSES:.0e} passes (about 10 s); use "
                             f"method='paper' or fewer patterns m")
    check_memory(8 * (n_ + 1) + 32 * (top + 1) * (s_ + 1), f"union_size_distribution(n={n_}, s={s_}, m={m_})")
    u = np.arange(top + 1)[:, None]
    j = np.arange(s_ + 1)[None, :]
    log_t = _lchoose(n_ - u, j) + _lchoose(u, s_ - j) - _lchoose(n_, s_)
    trans = np.exp(np.minimum(log_t, 0.0))  # trans[u, j] = P(j new cells | U = u)
    p = np.zeros(top + 1)
    p[0] = 1.0
    for _ in range(m_):
        q = np.zeros(top + 1 + s_)
        for jj in range(s_ + 1):
            q[jj:jj + top + 1] += p * trans[:, jj]
        p = q[:top + 1]  # mass beyond min(n, m s) is exactly 0
    return np.concatenate([p, np.zeros(n_ - top)])


_UNION_METHODS = ("paper", "exact", "monte_carlo")


def union_false_match_probability(n: int, a: int, s: int, theta: int, m: int, method: str = "paper", *,
                                  trials: int = 100_000, seed: Any = None) -> float:
    """False-match probability of one segment storing the union of m patterns (s synapses each).

    Parameters
    ----------
    n, a, s : int
        Cells, active cells (``0 <= a <= n``), synapses per pattern (``0 <= s <= a``).
    theta : int
        Threshold, ``>= 0``; the probability is exactly 0 where theta > min(a, m s).
    m : int
        Stored patterns, ``m >= 1``.
    method : {"paper", "exact", "monte_carlo"}
        "paper": x = round(n (1 - (1 - s/n)^m)) synapses in the false-match formula.
        "exact": the false-match formula averaged over :func:`union_size_distribution`.
        "monte_carlo": :func:`neurosparse.sdr.montecarlo.union_false_match_rate` (its ``p``).
    trials, seed
        For "monte_carlo" (checked whatever the method: ``trials >= 1``, a valid seed).

    Not vectorized: every number is a single integer.

    Returns
    -------
    float
    """
    if not isinstance(method, str) or method not in _UNION_METHODS:
        raise ParameterError(f"method must be 'paper', 'exact' or 'monte_carlo', got {method!r}")
    n_, a_, s_, t_ = (_scalar_int(name, x) for name, x in zip(("n", "a", "s", "theta"), (n, a, s, theta)))
    _check_nasb(n_, a_, s_, t_)
    _le("s", np.int64(s_), "a", np.int64(a_))
    m_ = _scalar_int("m", m, 1)
    trials = as_int("trials", trials, 1)  # checked whatever the method, like every argument
    rng = as_generator(seed)
    if t_ > min(a_, m_ * s_):
        return 0.0  # no pattern of a cells can reach theta on at most min(n, m s) synapses
    if method == "paper":
        x = int(round(n_ * (1.0 - (1.0 - s_ / n_) ** m_))) if n_ else 0
        return float(false_match_probability(n_, a_, x, t_))
    if method == "exact":
        p = union_size_distribution(n_, s_, m_)
        u = np.nonzero(p > 0)[0]
        u = u[u >= t_]
        if u.size == 0:
            return 0.0
        lf = _log_hypergeom_tail(np.full(u.size, n_), u, np.full(u.size, a_), np.full(u.size, t_))
        return float(_prob(np.asarray(logsumexp(lf, b=p[u]))))
    from neurosparse.sdr.montecarlo import union_false_match_rate
    return float(union_false_match_rate(n_, a_, s_, t_, m_, trials=trials, seed=rng).p)


def classification_error(n: Any, a: Any, s: Any, theta: Any, m: Any, *, bound: bool = False) -> Any:
    """P(a random pattern falsely matches at least one of m stored segments).

    Exact: 1 - (1 - p)^m computed as -expm1(m log1p(-p)), with p from
    :func:`false_match_probability` (same arguments; ``m >= 0``); ``bound=True``: the paper's
    union bound m p (which may exceed 1). Vectorized.
    """
    m_ = _int("m", m)
    bound = _flag("bound", bound)
    p = np.asarray(false_match_probability(n, a, s, theta))
    with np.errstate(divide="ignore"):  # p = 1: log1p(-1) = -inf, and the error is exactly 1
        out = m_ * p if bound else -np.expm1(m_ * np.log1p(-p))
    return _out(np.asarray(out, dtype=np.float64))


PAPER_THRESHOLD_GRID: dict[str, tuple] = {
    # The grid of the authors' threshold computation (numenta/htmresearch,
    # projects/sdr_paper/compute_optimal_threshold.py, final revision): a = round(sparsity * n).
    # The median table they published (plot_optimal_threshold.py) was computed on an earlier
    # revision's n values, PUBLISHED_TABLE_N_VALUES; both grids predict theta = 10.
    "n_values": (1000, 5000, 9000, 13000, 17000),
    "sparsities": (0.005, 0.01, 0.015, 0.02, 0.025, 0.03),
    "s_values": (20, 25, 30, 35, 40, 45, 50),
    "thetas": tuple(range(3, 25)),
}


# n of the grid behind the published median table (same sparsities, s and thetas).
PUBLISHED_TABLE_N_VALUES: tuple[int, ...] = tuple(range(10000, 200000, 20000))


def _threshold_grid(n_values: Any, a_values: Any, sparsities: Any, s_values: Any) -> tuple[np.ndarray, ...]:
    """Flattened (n, a, s) grid points; a from ``a_values`` or round(sparsity * n)."""
    if (a_values is None) == (sparsities is None):
        raise ParameterError("give exactly one of a_values or sparsities")
    nn = _nonempty("n_values", _int("n_values", n_values, 1).ravel())
    ss = _nonempty("s_values", _int("s_values", s_values).ravel())
    if sparsities is not None:
        raw = np.asarray(sparsities)
        if raw.dtype.kind not in "iuf":
            raise ParameterError(f"sparsities must be numbers in (0, 1], got {sparsities!r}")
        sp = _nonempty("sparsities", raw.astype(np.float64).ravel())
        check_memory(64 * nn.size * sp.size * ss.size, "the (n, sparsity, s) grid")
        if not np.all(np.isfinite(sp)) or np.any((sp <= 0) | (sp > 1)):
            raise ParameterError(f"sparsities must lie in (0, 1], got {sparsities!r}")
        n3, sp3, s3 = np.meshgrid(nn, sp, ss, indexing="ij")
        a3 = np.round(sp3 * n3).astype(np.int64)  # the products are never exact halves on such grids
    else:
        aa = _nonempty("a_values", _int("a_values", a_values).ravel())
        check_memory(64 * nn.size * aa.size * ss.size, "the (n, a, s) grid")
        n3, a3, s3 = np.meshgrid(nn, aa, ss, indexing="ij")
    keep = (a3 <= n3) & (s3 <= n3)
    if not np.any(keep):
        what = "a_values" if sparsities is None else "sparsities"
        raise ParameterError(f"no grid point has a <= n and s <= n: n_values={nn.tolist()[:8]}, "
                             f"{what} and s_values={ss.tolist()[:8]} leave an empty (n, a, s) grid")
    return n3[keep], a3[keep], s3[keep]


def _nonempty(name: str, values: np.ndarray) -> np.ndarray:
    if values.size == 0:
        raise ParameterError(f"{name} must hold at least one value; got an empty array")
    return values


def threshold_error_statistics(n_values: Any, s_values: Any, thetas: Any, *, a_values: Any = None,
                               sparsities: Any = None) -> dict[str, np.ndarray]:
    """False-match statistics over a grid of (n, a, s), one row per threshold theta.

    The paper's NMDA-threshold argument: for each theta, the false-match probability of a
    segment over a biologically plausible grid of population sizes n, activities a (given
    directly or as sparsities, a = round(sparsity * n)) and synapse counts s. Grid points with
    s < theta count as probability 0 (such a segment can never fire), as in the authors' sums.

    Returns
    -------
    dict
        ``theta``, ``mean``, ``std`` (population), ``min``, ``max``, ``median`` (arrays, one
        entry per theta) and ``points`` (grid size).
    """
    th = _nonempty("thetas", _int("thetas", thetas).ravel())
    n1, a1, s1 = _threshold_grid(n_values, a_values, sparsities, s_values)
    check_memory(80 * th.size * n1.size, f"threshold_error_statistics over {th.size} x {n1.size} points")
    n2, a2, s2, t2 = (np.broadcast_to(x, (th.size, n1.size)) for x in (n1, a1, s1, th[:, None]))
    p = np.zeros(n2.shape)
    fires = s2 >= t2
    p[fires] = _prob(_log_hypergeom_tail(n2[fires], s2[fires], a2[fires], t2[fires]))
    return {"theta": th, "mean": p.mean(axis=1), "std": p.std(axis=1), "min": p.min(axis=1),
            "max": p.max(axis=1), "median": np.median(p, axis=1), "points": np.int64(n1.size)}


def optimal_threshold(n_values: Any = PAPER_THRESHOLD_GRID["n_values"], a_values: Any = None,
                      s_values: Any = PAPER_THRESHOLD_GRID["s_values"],
                      thetas: Any = PAPER_THRESHOLD_GRID["thetas"], *, sparsities: Any = None,
                      target: float = 1e-9, statistic: str = "median") -> tuple[int, np.ndarray]:
    """The paper's NMDA-threshold prediction: smallest theta whose grid statistic is <= target.

    With no arguments, the authors' grid (:data:`PAPER_THRESHOLD_GRID`) and criterion (median
    false-match rate <= 1e-9) are used; the prediction is theta = 10. ``statistic`` is one of
    "median", "mean", "max".

    Returns
    -------
    (int, ndarray)
        The predicted theta and the per-theta statistic.
    """
    if statistic not in ("median", "mean", "max"):
        raise ParameterError(f"statistic must be 'median', 'mean' or 'max', got {statistic!r}")
    target = as_real("target", target, 0.0, 1.0)
    if not (0 < target < 1):
        raise ParameterError(f"target must lie in (0, 1), got {target!r}")
    if a_values is None and sparsities is None:
        sparsities = PAPER_THRESHOLD_GRID["sparsities"]
    stats = threshold_error_statistics(n_values, s_values, thetas, a_values=a_values, sparsities=sparsities)
    values = stats[statistic]
    good = np.nonzero(values <= target)[0]
    if good.size == 0:
        raise ParameterError(f"no theta in thetas reaches target={target}; widen thetas")
    return int(stats["theta"][good[0]]), values
