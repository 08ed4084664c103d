"""Exact SDR theory of Ahmad & Hawkins (2016), arXiv:1601.00720.

Notation as the paper: ``n`` cells, ``a`` active cells (the paper's w), ``s`` synapses on a
segment, ``theta`` its threshold, ``m`` stored patterns, ``v`` active cells swapped out by noise.

Probabilities are computed in log space: log-binomials through Stirling's series with the
Loader (2000) error term, which leaves no cancellation (every large term is positive), and a
log-sum-exp over the upper-tail terms, never ``1 - cdf``. Values down to 1e-300 and below keep
~1e-12 relative accuracy for n up to 1e6 and beyond, every function is vectorized over array
arguments (one numpy pass for a whole grid), and n = 1e6 costs well under a millisecond.
``exact=True`` returns :class:`fractions.Fraction` computed with :func:`math.comb`.

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

from neurosparse.errors import ParameterError

__all__ = [
    "num_sdrs", "log_num_sdrs", "overlap_set_size", "p_overlap", "log_p_overlap",
    "false_match_probability", "log_false_match_probability", "false_negative_probability",
    "log_false_negative_probability", "union_size_distribution", "union_false_match_probability",
    "classification_error", "optimal_threshold", "threshold_error_statistics", "PAPER_THRESHOLD_GRID",
    "PUBLISHED_TABLE_N_VALUES",
]

def _int(name: str, value: Any, lo: int = 0) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ParameterError(f"{name} must be an integer >= {lo}, got {value!r}")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "iu":
        raise ParameterError(f"{name} must be an integer >= {lo}, got {value!r}")
    if np.any(arr < lo):
        raise ParameterError(f"{name} must be an integer >= {lo}, got {value!r}")
    return arr.astype(np.int64)


def _le(name_lo: str, lo: np.ndarray, name_hi: str, hi: np.ndarray) -> None:
    if np.any(lo > hi):
        raise ParameterError(f"{name_lo} must satisfy 0 <= {name_lo} <= {name_hi}")


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
    order = ok[np.argsort(width, kind="stable")]  # similar widths share a chunk: little padding
    start = 0
    while start < order.size:
        w_max = int(k_hi[order[start]] - k_lo[order[start]] + 1)
        stop = start + 1
        while stop < order.size:  # grow the chunk while the padded rectangle stays <= 4M terms
            w = int(k_hi[order[stop]] - k_lo[order[stop]] + 1)
            if max(w, w_max) * (stop - start + 1) > 4_000_000:
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


def num_sdrs(n: int, a: int) -> int:
    """Exact number of SDRs, C(n, a), as a Python int."""
    n_, a_ = int(_int("n", n)), int(_int("a", a))
    _le("a", np.int64(a_), "n", np.int64(n_))
    return math.comb(n_, a_)


def log_num_sdrs(n: Any, a: Any) -> Any:
    """Natural log of C(n, a); vectorized."""
    n_, a_ = np.broadcast_arrays(_int("n", n), _int("a", a))
    _le("a", a_, "n", n_)
    return _out(np.asarray(_lchoose(n_, a_), dtype=np.float64))


def overlap_set_size(n: int, a: int, b: int, w: int | None = None) -> int:
    """|Omega_x(n, a, b)| = C(|x|, b) C(n - |x|, a - b) with |x| = w (default a); exact int."""
    n_, a_, b_ = int(_int("n", n)), int(_int("a", a)), int(_int("b", b))
    w_ = a_ if w is None else int(_int("w", w))
    _le("a", np.int64(a_), "n", np.int64(n_))
    _le("w", np.int64(w_), "n", np.int64(n_))
    return math.comb(w_, b_) * math.comb(n_ - w_, a_ - b_)


def _check_nasb(n: Any, a: Any, s: Any, theta: Any) -> tuple[np.ndarray, ...]:
    n_, a_, s_, t_ = np.broadcast_arrays(_int("n", n), _int("a", a), _int("s", s), _int("theta", theta))
    _le("a", a_, "n", n_)
    _le("s", s_, "n", n_)
    _le("theta", t_, "s", s_)
    return n_, a_, s_, t_


def log_p_overlap(n: Any, a: Any, b: Any) -> Any:
    """log P(overlap exactly b) between a fixed and a random SDR (both a of n); vectorized."""
    n_, a_, b_ = np.broadcast_arrays(_int("n", n), _int("a", a), _int("b", b))
    _le("a", a_, "n", n_)
    _le("b", b_, "a", a_)
    out = _lchoose(a_, b_) + _lchoose(n_ - a_, a_ - b_) - _lchoose(n_, a_)
    return _out(np.minimum(np.asarray(out, dtype=np.float64), 0.0))


def p_overlap(n: Any, a: Any, b: Any, *, exact: bool = False) -> Any:
    """P(overlap exactly b) = |Omega_x(n, a, b)| / C(n, a)."""
    if exact:
        return Fraction(overlap_set_size(n, a, b), num_sdrs(n, a))
    return _out(_prob(np.asarray(log_p_overlap(n, a, b))))


def log_false_match_probability(n: Any, a: Any, s: Any, theta: Any) -> Any:
    """Natural log of :func:`false_match_probability`; -inf where it is 0."""
    n_, a_, s_, t_ = _check_nasb(n, a, s, theta)
    out = _log_hypergeom_tail(n_, s_, a_, t_).reshape(n_.shape)
    return _out(np.minimum(out, 0.0))


def false_match_probability(n: Any, a: Any, s: Any, theta: Any, *, exact: bool = False) -> Any:
    """P(segment of s synapses reaches theta on a random pattern of a active cells out of n).

    sum_{b=theta}^{min(s,a)} C(s, b) C(n - s, a - b) / C(n, a) (paper eq. for the false match;
    s = a is the full-pattern case). Vectorized over array arguments (broadcast).

    Parameters
    ----------
    n, a, s, theta : int or array of int
        Cells, active cells, synapses on the segment (0 <= s <= n), threshold (0 <= theta <= s).
    exact : bool
        Return a :class:`fractions.Fraction` (scalar arguments only).

    Returns
    -------
    float or ndarray
        Probabilities in [0, 1]; accurate to ~1e-12 relative down to the smallest doubles.
    """
    if exact:
        n_, a_, s_, t_ = (int(x) for x in _check_nasb(n, a, s, theta))
        num = sum(math.comb(s_, b) * math.comb(n_ - s_, a_ - b) for b in range(t_, min(s_, a_) + 1))
        return Fraction(num, math.comb(n_, a_))
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


def false_negative_probability(a: Any, s: Any, theta: Any, v: Any, *, exact: bool = False) -> Any:
    """P(segment with s synapses on a pattern of a cells drops below theta when v cells are swapped).

    The number k of removed cells among the segment's synapses is hypergeometric (population a,
    s successes, v draws); the segment fails when s - k < theta. Vectorized; ``exact=True``
    returns a Fraction (scalar arguments only).
    """
    if exact:
        a_, s_, t_, v_ = (int(x) for x in _check_astv(a, s, theta, v))
        num = sum(math.comb(s_, k) * math.comb(a_ - s_, v_ - k) for k in range(s_ - t_ + 1, min(s_, v_) + 1))
        return Fraction(num, math.comb(a_, v_))
    return _out(_prob(np.asarray(log_false_negative_probability(a, s, theta, v))))


def union_size_distribution(n: int, s: int, m: int) -> np.ndarray:
    """Exact distribution of the number of distinct synapses after storing m patterns.

    Model: each stored pattern is an independent uniform a-subset of n cells and the segment
    samples s of its a cells uniformly, so each pattern's synapse set is a uniform s-subset of
    the n cells (independent of a). The union size U is a Markov chain: from U = u, a new
    s-subset adds j new cells with j ~ Hypergeom(n, n - u, s). The transition matrix is the
    same at every step, so m steps cost O(m * min(n, m s) * s) array operations.

    Returns
    -------
    ndarray
        p[u] for u = 0 .. n (zero beyond min(n, m s)).
    """
    n_, s_, m_ = int(_int("n", n)), int(_int("s", s)), int(_int("m", m))
    _le("s", np.int64(s_), "n", np.int64(n_))
    top = min(n_, m_ * s_)
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


def union_false_match_probability(n: int, a: int, s: int, theta: int, m: int, method: str = "paper", *,
                                  trials: int = 100_000, seed: Any = None) -> float:
    """False-match probability of one segment storing the union of m patterns (s synapses each).

    method="paper": x = round(n (1 - (1 - s/n)^m)) synapses in the false-match formula.
    method="exact": the false-match formula averaged over :func:`union_size_distribution`.
    method="monte_carlo": :func:`neurosparse.sdr.montecarlo.union_false_match_rate` (its ``p``).
    """
    n_, a_, s_, t_ = (int(x) for x in _check_nasb(n, a, s, theta))
    m_ = int(_int("m", m, 1))
    if method == "paper":
        x = int(round(n_ * (1.0 - (1.0 - s_ / n_) ** m_)))
        return float(false_match_probability(n_, a_, max(x, t_), t_)) if x >= t_ else 0.0
    if method == "exact":
        p = union_size_distribution(n_, s_, m_)
        u = np.nonzero(p > 0)[0]
        u = u[u >= t_]
        if u.size == 0:
            return 0.0
        lf = _log_hypergeom_tail(np.full(u.size, n_), u, np.full(u.size, a_), np.full(u.size, t_))
        return float(_prob(np.asarray(logsumexp(lf, b=p[u]))))
    if method == "monte_carlo":
        from neurosparse.sdr.montecarlo import union_false_match_rate
        return float(union_false_match_rate(n_, a_, s_, t_, m_, trials=trials, seed=seed).p)
    raise ParameterError(f"method must be 'paper', 'exact' or 'monte_carlo', got {method!r}")


def classification_error(n: Any, a: Any, s: Any, theta: Any, m: Any, *, bound: bool = False) -> Any:
    """P(a random pattern falsely matches at least one of m stored segments).

    Exact: 1 - (1 - p)^m computed as -expm1(m log1p(-p)); ``bound=True``: the paper's union bound m p.
    """
    m_ = _int("m", m)
    p = np.asarray(false_match_probability(n, a, s, theta))
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
    nn = _int("n_values", n_values, 1).ravel()
    ss = _int("s_values", s_values).ravel()
    if sparsities is not None:
        sp = np.asarray(sparsities, dtype=np.float64).ravel()
        if not np.all(np.isfinite(sp)) or np.any((sp <= 0) | (sp > 1)):
            raise ParameterError(f"sparsities must lie in (0, 1], got {sparsities!r}")
        n3, sp3, s3 = np.meshgrid(nn, sp, ss, indexing="ij")
        a3 = np.round(sp3 * n3).astype(np.int64)  # the products are never exact halves on such grids
    else:
        n3, a3, s3 = np.meshgrid(nn, _int("a_values", a_values).ravel(), ss, indexing="ij")
    keep = (a3 <= n3) & (s3 <= n3)
    return n3[keep], a3[keep], s3[keep]


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
    th = _int("thetas", thetas).ravel()
    n1, a1, s1 = _threshold_grid(n_values, a_values, sparsities, s_values)
    if n1.size == 0 or th.size == 0:
        raise ParameterError("the (n, a, s) grid and thetas must not be empty")
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
