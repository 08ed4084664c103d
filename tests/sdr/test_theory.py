"""Exact SDR theory: float results against Fractions, brute force and a local sampler."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.stats import hypergeom

from neurosparse.errors import ParameterError
from neurosparse.sdr import theory as T


def test_num_sdrs_is_exact_binomial_and_log_matches():
    assert T.num_sdrs(2048, 40) == math.comb(2048, 40)
    assert T.log_num_sdrs(2048, 40) == pytest.approx(math.log(math.comb(2048, 40)), rel=1e-13)


def test_overlap_probabilities_sum_to_one_and_match_fractions():
    n, a = 64, 9
    ps = [T.p_overlap(n, a, b, exact=True) for b in range(a + 1)]
    assert sum(ps) == 1
    for b, f in enumerate(ps):
        assert T.p_overlap(n, a, b) == pytest.approx(float(f), rel=1e-12)


@pytest.mark.parametrize("n,a,s,theta", [
    (64, 8, 8, 1), (512, 16, 12, 6), (1024, 8, 8, 8), (2048, 40, 40, 20), (2048, 40, 24, 12),
    (4000, 200, 200, 150), (20000, 300, 300, 290), (100000, 2000, 300, 300), (10**6, 40, 40, 40),
    (2048, 40, 2048, 40),
])
def test_false_match_float_equals_fraction_to_1e10_including_tiny(n, a, s, theta):
    exact = T.false_match_probability(n, a, s, theta, exact=True)
    approx = T.false_match_probability(n, a, s, theta)
    if exact == 0:
        assert approx == 0.0
    else:
        lf = math.log(exact.numerator) - math.log(exact.denominator)
        assert T.log_false_match_probability(n, a, s, theta) == pytest.approx(lf, abs=1e-10)
        if float(exact) > 0:
            assert approx == pytest.approx(float(exact), rel=1e-10)


def test_false_match_reaches_below_1e300_in_log_space():
    lp = T.log_false_match_probability(10**6, 300, 300, 300)
    ex = -sum(math.log((10**6 - i) / (300 - i)) for i in range(300))
    assert lp < math.log(1e-300) and lp == pytest.approx(ex, rel=1e-12)


def test_false_match_vectorized_and_agrees_with_scipy():
    n = np.array([500, 1000, 2000])[:, None]
    s = np.array([10, 20])[None, :]
    got = T.false_match_probability(n, 20, s, 5)
    ref = hypergeom(n, s, 20).sf(4)
    assert got.shape == (3, 2)
    np.testing.assert_allclose(got, ref, rtol=1e-9)


@pytest.mark.parametrize("a,s,theta,v", [(40, 20, 10, 15), (40, 40, 20, 30), (100, 30, 25, 1), (8, 8, 8, 0),
                                         (200, 50, 10, 190)])
def test_false_negative_float_equals_fraction(a, s, theta, v):
    exact = T.false_negative_probability(a, s, theta, v, exact=True)
    approx = T.false_negative_probability(a, s, theta, v)
    assert approx == pytest.approx(float(exact), rel=1e-10, abs=0 if exact else 1e-300)


def test_union_size_distribution_matches_brute_force_enumeration():
    n, s, m = 6, 2, 3
    subsets = list(itertools.combinations(range(n), s))
    counts = np.zeros(n + 1)
    for combo in itertools.product(subsets, repeat=m):
        counts[len(set().union(*combo))] += 1
    got = T.union_size_distribution(n, s, m)
    np.testing.assert_allclose(got, counts / counts.sum(), rtol=1e-12, atol=1e-15)


def test_union_exact_matches_brute_force_false_match():
    n, a, s, theta, m = 6, 3, 2, 2, 2
    subsets = list(itertools.combinations(range(n), s))
    pats = list(itertools.combinations(range(n), a))
    hits = tot = 0
    for combo in itertools.product(subsets, repeat=m):
        u = set().union(*combo)
        for p in pats:
            hits += len(u & set(p)) >= theta
            tot += 1
    assert T.union_false_match_probability(n, a, s, theta, m, "exact") == pytest.approx(hits / tot, rel=1e-12)


def test_union_exact_agrees_with_local_monte_carlo_and_differs_from_paper():
    n, a, s, theta, m, trials = 256, 8, 6, 4, 5, 40000
    rng = np.random.default_rng(1)
    hits = 0
    for _ in range(trials):
        seg = set()
        for _ in range(m):
            seg.update(rng.choice(rng.choice(n, a, replace=False), s, replace=False).tolist())
        hits += len(seg.intersection(rng.choice(n, a, replace=False).tolist())) >= theta
    p_mc, se = hits / trials, math.sqrt(hits / trials * (1 - hits / trials) / trials)
    p_ex = T.union_false_match_probability(n, a, s, theta, m, "exact")
    assert abs(p_mc - p_ex) < 4 * se
    assert T.union_false_match_probability(n, a, s, theta, m, "paper") != pytest.approx(p_ex, rel=1e-3)


def test_classification_error_exact_below_union_bound():
    p = T.false_match_probability(1024, 20, 20, 8)
    e = T.classification_error(1024, 20, 20, 8, 1000)
    assert e == pytest.approx(1 - (1 - p) ** 1000, rel=1e-10)
    assert e <= T.classification_error(1024, 20, 20, 8, 1000, bound=True)


def test_optimal_threshold_is_smallest_theta_meeting_target():
    th, stats = T.optimal_threshold([10000, 100000], [100, 200], [20, 30, 40], np.arange(1, 21), target=1e-9)
    assert np.all(np.diff(stats) <= 0)
    assert stats[th - 1] <= 1e-9 and stats[th - 2] > 1e-9


@pytest.mark.parametrize("call,name", [
    (lambda: T.false_match_probability(10, 11, 5, 2), "a"),
    (lambda: T.false_match_probability(100, 10, 5, -1), "theta"),  # theta > s is 0, not an error
    (lambda: T.false_match_probability(100, 10, -5, 2), "s"),
    (lambda: T.false_match_probability(100.5, 10, 5, 2), "n"),
    (lambda: T.false_negative_probability(10, 11, 5, 2), "s"),
    (lambda: T.num_sdrs(5, 6), "a"),
    (lambda: T.union_false_match_probability(100, 10, 5, 2, 3, "bogus"), "method"),
])
def test_invalid_arguments_raise_parameter_error_naming_argument(call, name):
    with pytest.raises(ParameterError, match=name):
        call()


def test_lchoose_matches_exact_log_binomial_to_1e13():
    rng = np.random.default_rng(7)
    n = rng.integers(1, 10**7, 300)
    k = np.minimum(rng.integers(0, 3000, 300), n)
    k[::3] = n[::3] - k[::3]  # the symmetric side too
    exact = np.array([math.log(math.comb(int(a), int(b))) for a, b in zip(n, k)])
    got = T._lchoose(n, k)
    big = exact > 1.0
    assert np.max(np.abs(got[big] / exact[big] - 1)) < 1e-13
    assert np.all(np.abs(got[~big] - exact[~big]) < 1e-14)
    small = [(nn, kk) for nn in range(0, 40) for kk in range(nn + 1)]
    assert all(abs(T._lchoose(nn, kk) - math.log(math.comb(nn, kk))) < 1e-13 for nn, kk in small)


# Values printed by the authors' code (numenta/htmresearch, projects/sdr_paper), where that code is
# exact (sympy binomials) and our float path must agree to 1e-10.
@pytest.mark.parametrize("value,published", [
    (lambda: T.false_match_probability(300, 64, 24, 12), 0.00109461662333690),     # effect of n
    (lambda: T.false_match_probability(300, 128, 24, 12), 0.292078213737764),
    (lambda: T.false_match_probability(300, 300 // 4, 24, 12), 0.00518604306750049),
    (lambda: T.false_match_probability(2000, 32, 2, 1), 0.0317518759379690),       # effect of s
    (lambda: T.false_negative_probability(128, 30, 16, 19), 2.65549705827547e-8),  # noise
    (lambda: T.union_false_match_probability(1000, 200, 25, 15, 1, "paper"), 1.00140315240769e-5),
    (lambda: T.union_false_match_probability(10000, 200, 25, 15, 2, "paper"), 2.35602184920806e-14),
])
def test_reproduces_authors_published_values_to_1e10(value, published):
    assert value() == pytest.approx(published, rel=1e-10)


@pytest.mark.parametrize("value,exact,theirs", [
    # noise theta=8, v=26: their float sum loses ~0.9%
    (lambda: T.false_negative_probability(128, 30, 8, 26),
     lambda: T.false_negative_probability(128, 30, 8, 26, exact=True), 3.1134e-16),
    # union n=20000, m=3 (paper method): their result is 0.11% low
    (lambda: T.union_false_match_probability(20000, 200, 25, 15, 3, "paper"),
     lambda: T.false_match_probability(20000, 200, round(20000 * (1 - (1 - 25 / 20000) ** 3)), 15,
                                       exact=True),
     7.92130752699486e-16),
])
def test_exact_where_authors_published_values_lost_precision(value, exact, theirs):
    ours, truth = value(), float(exact())
    assert ours == pytest.approx(truth, rel=1e-10)
    assert abs(theirs / truth - 1) > 1e-3  # the published figure is measurably off; ours is not


def test_false_negative_never_exceeds_one_after_rounding():
    assert 0.0 <= T.false_negative_probability(40, 12, 4, 37) <= 1.0
    grid = T.false_negative_probability(40, 12, np.arange(1, 13)[:, None], np.arange(0, 41)[None, :])
    assert np.all((grid >= 0) & (grid <= 1))
    assert np.all(np.diff(grid, axis=1) >= -1e-14)  # more noise never helps (up to rounding)


def test_large_n_float_agrees_with_fraction():
    """At n = 10^6 the float path keeps its accuracy (its speed is a benchmark's business:
    ``benchmarks/sdr_theory_timing.py``, not an assertion on a shared machine's clock)."""
    f = T.false_match_probability(10**6, 2000, 2000, 20)
    assert f == pytest.approx(float(T.false_match_probability(10**6, 2000, 2000, 20, exact=True)), rel=1e-10)


def test_paper_threshold_prediction_is_ten_and_published_medians_reproduced():
    theta, _ = T.optimal_threshold()
    assert theta == 10
    g = T.PAPER_THRESHOLD_GRID
    stats = T.threshold_error_statistics(T.PUBLISHED_TABLE_N_VALUES, g["s_values"], range(3, 25),
                                         sparsities=g["sparsities"])
    assert stats["points"] == 420
    published = np.array([0.018156949, 0.002227752, 0.000210173, 1.58e-05, 9.60e-07, 4.83e-08, 2.04e-09,
                          7.40e-11, 2.49e-12, 7.63e-14, 2.05e-15, 4.88e-17, 1.03e-18, 1.95e-20, 3.28e-22,
                          4.90e-24, 5.32e-26, 4.11e-28, 2.68e-30, 2.91e-32, 2.90e-34, 2.60e-36])
    assert np.max(np.abs(stats["median"] / published - 1)) < 5e-3  # 3 printed digits
    assert stats["theta"][np.argmax(stats["median"] <= 1e-9)] == 10
