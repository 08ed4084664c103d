"""Monte Carlo simulators agree with exact hypergeometric results within 4 standard errors."""

import numpy as np
import pytest
from scipy import stats

from neurosparse.errors import ParameterError
from neurosparse.sdr import montecarlo as mc


def _within(est, exact, k=4.0):
    se = max(est.stderr, np.sqrt(exact * (1 - exact) / est.trials))
    assert abs(est.p - exact) <= k * se + 1e-12, (est, exact)


@pytest.mark.parametrize("n,a,s,theta", [(200, 20, 20, 5), (500, 30, 15, 3), (2048, 40, 20, 2)])
def test_false_match_rate_matches_hypergeometric_tail(n, a, s, theta):
    exact = stats.hypergeom(n, s, a).sf(theta - 1)
    _within(mc.false_match_rate(n, a, s, theta, trials=40000, seed=1), exact)


@pytest.mark.parametrize("a,s,theta,v", [(20, 15, 10, 8), (40, 20, 12, 10), (30, 30, 20, 5)])
def test_false_negative_rate_matches_hypergeometric(a, s, theta, v):
    exact = stats.hypergeom(a, s, v).sf(s - theta)  # fails when removed k > s - theta
    _within(mc.false_negative_rate(a, s, theta, v, n=500, trials=40000, seed=2), exact)


def _union_exact(n, a, s, theta, m):
    # each pattern's s synapses are a uniform s-subset of n: union size is an exact Markov chain
    dist = np.zeros(n + 1)
    dist[s] = 1.0
    for _ in range(m - 1):
        new = np.zeros(n + 1)
        for x in np.flatnonzero(dist):
            k = np.arange(0, s + 1)
            new[x + s - k] += dist[x] * stats.hypergeom(n, x, s).pmf(k)
        dist = new
    xs = np.arange(n + 1)
    return float(np.sum(dist * stats.hypergeom(n, xs, a).sf(theta - 1)))


@pytest.mark.parametrize("n,a,s,theta,m", [(200, 20, 10, 6, 5), (1000, 30, 12, 4, 10), (200, 20, 20, 5, 1)])
def test_union_false_match_rate_matches_exact_union_size_average(n, a, s, theta, m):
    est = mc.union_false_match_rate(n, a, s, theta, m, trials=30000, seed=3)
    _within(est, _union_exact(n, a, s, theta, m))


def test_overlap_distribution_matches_hypergeometric_pmf():
    values, freq = mc.overlap_distribution(100, 10, trials=50000, seed=4)
    pmf = stats.hypergeom(100, 10, 10).pmf(values)
    se = np.sqrt(pmf * (1 - pmf) / 50000)
    assert np.all(np.abs(freq - pmf) <= 4 * se + 1e-9)
    assert freq.sum() == pytest.approx(1.0)


def test_same_seed_same_estimate_and_interval_contains_p():
    e1 = mc.false_match_rate(300, 20, 20, 3, trials=5000, seed=11)
    e2 = mc.false_match_rate(300, 20, 20, 3, trials=5000, seed=11)
    assert e1 == e2 and e1.hits == round(e1.p * e1.trials)
    lo, hi = e1.interval()
    assert lo <= e1.p <= hi


def test_invalid_parameters_raise_parameter_error():
    with pytest.raises(ParameterError, match="a"):
        mc.false_match_rate(10, 11, 5, 2, trials=10, seed=0)
    with pytest.raises(ParameterError, match="theta"):
        mc.false_match_rate(100, 10, 5, 6, trials=10, seed=0)
    with pytest.raises(ParameterError, match="trials"):
        mc.false_match_rate(100, 10, 5, 2, trials=0, seed=0)


@pytest.mark.parametrize("n,a,s,theta", [(200, 20, 20, 5), (1024, 32, 16, 3)])
def test_false_match_rate_matches_theory_module(n, a, s, theta):
    theory = pytest.importorskip("neurosparse.sdr.theory")
    exact = float(theory.false_match_probability(n, a, s, theta))
    _within(mc.false_match_rate(n, a, s, theta, trials=40000, seed=5), exact)
