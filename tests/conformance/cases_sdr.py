"""Bad-input cases of :mod:`neurosparse.sdr`: the SDR type and its methods, SDRStats, every
theory function, every Monte Carlo estimator and MCEstimate, and the batch kernels.

Each use checks what the result must satisfy (an SDR's cells sorted, distinct and in range,
as many as asked for; probabilities in [0, 1]; hits within the trials; an interval around its
estimate), not only that it is finite. The Monte Carlo targets run with the draw budget
lowered to :data:`MC_DRAWS`, so that a legitimately long request (10**9 trials) is refused as
an absurd one is, by the same check, instead of running for minutes.
"""

from __future__ import annotations

import contextlib
import math
from fractions import Fraction

import numpy as np
from bad_input_cases import Target, base_outcomes, expect, function_target, scalar

from neurosparse.sdr import SDR, MCEstimate, SDRStats, batch, montecarlo, theory

PACKAGE = "sdr"
MC_DRAWS = 10**7  # about 0.1 s of drawing
N, A, S, THETA, V, M, B = 256, 8, 6, 3, 2, 3, 2
TRIALS = 256
EXAMPLES = 20


@contextlib.contextmanager
def _small_budget():
    saved = montecarlo.MAX_DRAWS
    montecarlo.MAX_DRAWS = MC_DRAWS
    try:
        yield
    finally:
        montecarlo.MAX_DRAWS = saved


def _base_sdr() -> SDR:
    return SDR([1, 5, 9, 13, 20], 32)


def _check_sdr(sdr: SDR, n: int | None = None, a: int | None = None) -> np.ndarray:
    idx = np.asarray(sdr.indices, dtype=np.int64)
    expect(isinstance(sdr, SDR), "an SDR is returned")
    expect(bool(np.all(idx[1:] > idx[:-1])), "the cells are sorted and distinct")
    expect(idx.size == 0 or (idx[0] >= 0 and idx[-1] < sdr.n), "the cells lie in [0, n)")
    expect(n is None or sdr.n == int(n), f"n is the n asked for ({n})")
    expect(a is None or sdr.a == int(a), f"a is the a asked for ({a})")
    return np.array([sdr.a, sdr.n, sdr.sparsity], dtype=np.float64)


def _as_ints(values) -> set:
    return {int(v) for v in values}


def _check_constructor(sdr: SDR, kw: dict) -> np.ndarray:
    out = _check_sdr(sdr, kw["n"])
    expect(set(sdr.indices.tolist()) == _as_ints(kw["indices"]), "the cells are exactly those given")
    expect(sdr.dead == frozenset(_as_ints(kw["dead"])), "the dead cells are those given")
    return out


def _check_dense(sdr: SDR, kw: dict) -> np.ndarray:
    bits = np.asarray(kw["array"]).ravel()
    expect(sdr.n == bits.size and sdr.a == int(np.count_nonzero(bits)), "one active cell per set bit")
    return _check_sdr(sdr)


def _check_overlap(overlap, kw) -> np.ndarray:
    expect(isinstance(overlap, int) and 0 <= overlap <= _base_sdr().a, "0 <= overlap <= a")
    return np.array([overlap], dtype=np.float64)


def _check_noise(out: SDR, kw) -> np.ndarray:
    x = _base_sdr()
    moved = int(round(kw["f"] * x.a))
    expect(out.a == x.a and out.overlap(x) == x.a - moved, "swap noise keeps a and moves round(f a) cells")
    return _check_sdr(out, x.n)


def _check_subsample(out: SDR, kw) -> np.ndarray:
    x = _base_sdr()
    expect(out.a == int(kw["k"]) and out.overlap(x) == out.a, "k of the active cells are kept")
    return _check_sdr(out, x.n)


def _check_killed(out: SDR, kw) -> np.ndarray:
    x = _base_sdr()
    expect(not set(out.indices.tolist()) & out.dead and out.overlap(x) == out.a,
           "no dead cell stays active and no cell is added")
    return _check_sdr(out, x.n)


def _use_stats(stats: SDRStats) -> np.ndarray:
    rng = np.random.default_rng(0)
    a = min(4, stats.n)
    for _ in range(3):
        stats.add(SDR.random(stats.n, a, rng))
    summary = stats.summary()
    expect(summary["count"] == 3 and summary["sparsity_mean"] == a / stats.n, "three SDRs of a cells")
    return np.array(list(summary.values()), dtype=np.float64)


def _probabilities(result, kw=None) -> np.ndarray:
    """Probabilities (floats or Fractions, scalars or arrays) as floats, each in [0, 1]."""
    arr = np.asarray(result, dtype=object).ravel()
    expect(all(isinstance(x, (float, Fraction, np.floating)) for x in arr), "probabilities are numbers")
    out = np.array([float(x) for x in arr], dtype=np.float64)
    expect(bool(np.all((out >= 0) & (out <= 1))), "probabilities lie in [0, 1]")
    return out


def _log_probabilities(result, kw=None) -> np.ndarray:
    out = np.asarray(result, dtype=np.float64).ravel()
    expect(bool(np.all(out <= 0)), "log-probabilities are <= 0")
    return np.exp(out)


def _counts(result, kw=None) -> np.ndarray:
    arr = np.asarray(result, dtype=object).ravel()
    expect(all(isinstance(x, int) and x >= 0 for x in arr), "counts are Python ints >= 0")
    return np.array([math.log(x) if x else 0.0 for x in arr], dtype=np.float64)


def _log_counts(result, kw=None) -> np.ndarray:
    out = np.asarray(result, dtype=np.float64).ravel()
    expect(bool(np.all(out >= 0)), "log C(n, a) >= 0")
    return out


def _distribution(p, kw) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    expect(p.shape == (int(kw["n"]) + 1,) and bool(np.all(p >= 0)) and abs(p.sum() - 1) < 1e-9,
           "a probability distribution over 0..n")
    return p


def _statistics(stats, kw) -> np.ndarray:
    values = np.concatenate([np.ravel(stats[k]) for k in ("mean", "std", "min", "max", "median")])
    expect(bool(np.all((stats["min"] <= stats["median"]) & (stats["median"] <= stats["max"]))),
           "min <= median <= max")
    return values


def _threshold(result, kw) -> np.ndarray:
    theta, values = result
    expect(theta in np.ravel(kw["thetas"]).tolist(), "the predicted theta is one of thetas")
    return _probabilities(values)


def _estimate(est: MCEstimate, kw) -> np.ndarray:
    expect(isinstance(est, MCEstimate) and 0 <= est.hits <= est.trials == int(kw["trials"]),
           "0 <= hits <= trials, as many trials as asked for")
    lo, hi = est.interval()
    expect(lo <= est.p <= hi and est.p == est.hits / est.trials, "the interval holds p = hits / trials")
    return np.array([est.p, est.stderr, lo, hi])


def _overlaps(result, kw) -> np.ndarray:
    values, freq = result
    expect(abs(freq.sum() - 1.0) < 1e-12 and values.size == int(kw["a"]) + 1, "frequencies of 0..a sum to 1")
    return freq


def _monte_carlo(fn):
    def call(**kwargs):
        with _small_budget():
            return fn(**kwargs)
    return call


def _interval(result, kw) -> np.ndarray:
    lo, hi = result
    est = MCEstimate.from_hits(3, 100)
    expect(0 <= lo <= est.p <= hi <= 1, "0 <= lower <= p <= upper <= 1")
    return np.array([lo, hi])


def _check_mc_estimate(est: MCEstimate, kw) -> np.ndarray:
    expect(est.p == est.hits / est.trials and 0 <= est.stderr <= 0.5, "p = hits / trials, stderr in [0, 0.5]")
    return _interval(est.interval(), kw) if est.hits == 3 and est.trials == 100 else np.array(
        [est.p, est.stderr])


def _batch_rows(rows, kw) -> np.ndarray:
    rows = np.asarray(rows)
    expect(rows.ndim == 2 and (rows.shape[1] < 2 or bool(np.all(rows[:, 1:] > rows[:, :-1]))),
           "sorted rows of distinct cells")
    expect(rows.size == 0 or (rows.min() >= 0 and rows.max() < int(kw["n"])), "cells in [0, n)")
    return rows.astype(np.float64).ravel()


_ROWS = np.array([[1, 4, 7, 9], [0, 2, 4, 8]], dtype=np.int32)


def _batch_overlaps(result, kw) -> np.ndarray:
    result = np.asarray(result)
    expect(bool(np.all((result >= 0) & (result <= _ROWS.shape[1]))), "0 <= overlap <= a")
    return result.astype(np.float64)


def targets() -> list[Target]:
    """The public calls of neurosparse.sdr, each with valid small arguments as its base."""
    x = _base_sdr()
    sdr_methods = [
        function_target("SDR", SDR, {"indices": [1, 5, 9], "n": 16, "shape": (4, 4), "dead": ()},
                        _check_constructor, EXAMPLES),
        function_target("SDR.random", SDR.random, {"n": N, "a": A, "seed": 0, "shape": None},
                        lambda sdr, kw: _check_sdr(sdr, kw["n"], kw["a"]), EXAMPLES),
        function_target("SDR.from_dense", SDR.from_dense, {"array": [0, 1, 1, 0, 1]}, _check_dense, EXAMPLES),
        function_target("SDR.overlap", lambda other: x.overlap(other), {"other": SDR([5, 6], 32)},
                        _check_overlap, 8),
        function_target("SDR.union", lambda other: x.union(other), {"other": SDR([5, 6], 32)},
                        lambda out, kw: _check_sdr(out, x.n), 8),
        function_target("SDR.intersection", lambda other: x.intersection(other), {"other": SDR([5, 6], 32)},
                        lambda out, kw: _check_sdr(out, x.n), 8),
        function_target("SDR.add_noise", lambda f, seed: x.add_noise(f, seed), {"f": 0.4, "seed": 0},
                        _check_noise, EXAMPLES),
        function_target("SDR.subsample", lambda k, seed: x.subsample(k, seed), {"k": 3, "seed": 0},
                        _check_subsample, EXAMPLES),
        function_target("SDR.kill_cells", lambda cells, seed: x.kill_cells(cells, seed),
                        {"cells": [1, 2], "seed": 0}, _check_killed, EXAMPLES),
        function_target("SDRStats", SDRStats, {"n": 32}, lambda stats, kw: _use_stats(stats), EXAMPLES),
        function_target("SDRStats.add", lambda sdr: SDRStats(32).add(sdr), {"sdr": x},
                        lambda stats, kw: np.array([stats.count, stats.activation_counts.sum()]), 8),
    ]
    nab = {"n": N, "a": A, "b": B}
    nast = {"n": N, "a": A, "s": S, "theta": THETA}
    astv = {"a": A, "s": S, "theta": THETA, "v": V}
    theory_calls = [
        function_target("num_sdrs", theory.num_sdrs, {"n": N, "a": A}, _counts, EXAMPLES),
        function_target("log_num_sdrs", theory.log_num_sdrs, {"n": N, "a": A}, _log_counts, EXAMPLES),
        function_target("overlap_set_size", theory.overlap_set_size, {**nab, "w": None}, _counts, EXAMPLES),
        function_target("p_overlap", theory.p_overlap, {**nab, "exact": False}, _probabilities, EXAMPLES),
        function_target("log_p_overlap", theory.log_p_overlap, nab, _log_probabilities, EXAMPLES),
        function_target("false_match_probability", theory.false_match_probability, {**nast, "exact": True},
                        _probabilities, EXAMPLES),
        function_target("log_false_match_probability", theory.log_false_match_probability, nast,
                        _log_probabilities, EXAMPLES),
        function_target("false_negative_probability", theory.false_negative_probability,
                        {**astv, "exact": False}, _probabilities, EXAMPLES),
        function_target("log_false_negative_probability", theory.log_false_negative_probability, astv,
                        _log_probabilities, EXAMPLES),
        function_target("union_size_distribution", theory.union_size_distribution, {"n": 64, "s": 4, "m": M},
                        _distribution, EXAMPLES),
        function_target("union_false_match_probability", _monte_carlo(theory.union_false_match_probability),
                        {**nast, "m": M, "method": "monte_carlo", "trials": TRIALS, "seed": 0},
                        _probabilities, EXAMPLES),
        function_target("classification_error", theory.classification_error, {**nast, "m": M, "bound": False},
                        _probabilities, EXAMPLES),
        function_target("threshold_error_statistics", theory.threshold_error_statistics,
                        {"n_values": (1000, 2000), "s_values": (20, 25), "thetas": (5, 10), "a_values": None,
                         "sparsities": (0.01, 0.02)}, _statistics, EXAMPLES),
        function_target("optimal_threshold", theory.optimal_threshold,
                        {"n_values": (1000, 2000), "a_values": None, "s_values": (20, 25),
                         "thetas": (5, 10, 15), "sparsities": (0.01, 0.02), "target": 1e-3,
                         "statistic": "median"},
                        _threshold, EXAMPLES),
    ]
    mc = {"trials": TRIALS, "seed": 0, "progress": False}
    monte_carlo = [
        function_target("false_match_rate", _monte_carlo(montecarlo.false_match_rate), {**nast, **mc},
                        _estimate, EXAMPLES),
        function_target("false_negative_rate", _monte_carlo(montecarlo.false_negative_rate),
                        {**astv, "n": N, **mc}, _estimate, EXAMPLES),
        function_target("union_false_match_rate", _monte_carlo(montecarlo.union_false_match_rate),
                        {**nast, "m": M, **mc}, _estimate, EXAMPLES),
        function_target("overlap_distribution", _monte_carlo(montecarlo.overlap_distribution),
                        {"n": N, "a": A, **mc}, _overlaps, EXAMPLES),
        function_target("MCEstimate", MCEstimate, {"p": 0.03, "stderr": math.sqrt(0.03 * 0.97 / 100),
                                                   "hits": 3, "trials": 100}, _check_mc_estimate, EXAMPLES),
        function_target("MCEstimate.from_hits", MCEstimate.from_hits, {"hits": 3, "trials": 100},
                        _check_mc_estimate, EXAMPLES),
        function_target("MCEstimate.interval", MCEstimate.from_hits(3, 100).interval,
                        {"z": 1.96, "confidence": None, "method": "exact"}, _interval, EXAMPLES),
    ]
    batches = [
        function_target("batch.random_batch", batch.random_batch, {"n": N, "a": A, "count": 4, "seed": 0},
                        _batch_rows, EXAMPLES),
        function_target("batch.overlaps", batch.overlaps, {"x": _ROWS, "y": _ROWS[::-1].copy()},
                        _batch_overlaps, EXAMPLES),
        function_target("batch.overlap_counts_against", batch.overlap_counts_against,
                        {"x": _ROWS, "pattern": np.array([2, 4, 9])}, _batch_overlaps, EXAMPLES),
        function_target("batch.union_size", batch.union_size, {"batch_of_rows": _ROWS},
                        lambda u, kw: scalar(u, u == 7, "7 distinct cells"), 8),
        function_target("batch.swap_noise", batch.swap_noise, {"batch": _ROWS, "n": 16, "v": 1, "seed": 0},
                        _batch_rows, EXAMPLES),
    ]
    return sdr_methods + theory_calls + monte_carlo + batches


def warm_up() -> None:
    """Compile (or load) the Monte Carlo and batch kernels: every target with its base arguments."""
    base_outcomes(targets())
