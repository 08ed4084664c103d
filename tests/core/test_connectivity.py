"""Connection rules: the structure they promise, checked on the built CSR."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import neurosparse as ns


def build(rule, n_pre=200, n_post=150, same=False, seed=0):
    return rule.build(n_pre, n_post, same, np.random.default_rng(seed))


def assert_rows_sorted(indptr, indices):
    for i in range(len(indptr) - 1):
        row = indices[indptr[i]:indptr[i + 1]]
        assert np.all(np.diff(row) >= 0)


def test_fixed_probability_count_is_binomial_and_rows_sorted():
    p = 0.05
    indptr, indices, _ = build(ns.FixedProbability(p), 400, 300)
    n = indices.size
    mean, sd = p * 400 * 300, np.sqrt(400 * 300 * p * (1 - p))
    assert abs(n - mean) < 5 * sd
    assert_rows_sorted(indptr, indices)
    assert np.all(np.diff(indices[indptr[0]:indptr[1]]) > 0)  # no duplicates in a row
    # targets are uniform: chi-square on the in-degrees
    in_deg = np.bincount(indices, minlength=300)
    chi2 = ((in_deg - in_deg.mean()) ** 2 / in_deg.mean()).sum()
    assert stats.chi2.sf(chi2, 299) > 1e-4


def test_fixed_probability_without_autapses():
    indptr, indices, _ = build(ns.FixedProbability(0.5, allow_self=False), 50, 50, same=True)
    pre = np.repeat(np.arange(50), np.diff(indptr))
    assert not np.any(pre == indices)


def test_fixed_probability_extremes():
    _, none, _ = build(ns.FixedProbability(0.0))
    assert none.size == 0
    indptr, full, _ = build(ns.FixedProbability(1.0), 10, 7)
    assert full.size == 70 and np.all(np.diff(indptr) == 7)


@pytest.mark.parametrize("k", [1, 10, 120])
def test_fixed_out_degree_is_exact_and_distinct(k):
    indptr, indices, _ = build(ns.FixedOutDegree(k, allow_self=False), 150, 150, same=True)
    assert np.all(np.diff(indptr) == k)
    pre = np.repeat(np.arange(150), k)
    assert not np.any(pre == indices)
    for i in range(150):
        row = indices[indptr[i]:indptr[i + 1]]
        assert np.all(np.diff(row) > 0)


@pytest.mark.parametrize("k", [1, 7, 100])
def test_fixed_in_degree_is_exact_and_distinct(k):
    indptr, indices, _ = build(ns.FixedInDegree(k), 120, 80)
    assert np.all(np.bincount(indices, minlength=80) == k)
    pre = np.repeat(np.arange(120), np.diff(indptr))
    pairs = set(zip(pre.tolist(), indices.tolist()))
    assert len(pairs) == indices.size
    assert_rows_sorted(indptr, indices)


def test_degree_larger_than_population_is_rejected():
    with pytest.raises(ns.ParameterError, match="exceeds"):
        build(ns.FixedOutDegree(151), 10, 150, same=True)


def test_all_to_all_with_and_without_autapses():
    indptr, indices, _ = build(ns.AllToAll(), 4, 5)
    assert indices.size == 20
    indptr, indices, _ = build(ns.AllToAll(allow_self=False), 5, 5, same=True)
    assert indices.size == 20
    pre = np.repeat(np.arange(5), np.diff(indptr))
    assert not np.any(pre == indices)


def test_generated_connectivity_is_reproducible():
    a = build(ns.FixedProbability(0.1), seed=3)
    b = build(ns.FixedProbability(0.1), seed=3)
    c = build(ns.FixedProbability(0.1), seed=4)
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1][:100], c[1][:100])


@pytest.mark.parametrize(("p", "n_pre", "n_post", "exclude_self"), [
    (0.02, 2000, 2000, False), (0.02, 500, 700, True), (0.5, 300, 300, True),  # inversion
    (0.34, 200, 200, False), (0.9, 100, 50, True), (0.999, 40, 40, True),  # NumPy's search branch
    (3e-4, 3000, 3000, False), (1.0, 30, 30, True), (1.0, 20, 30, False), (0.0, 10, 10, False),
    (0.01, 1, 3, False)])
def test_numpy_builder_draws_exactly_what_the_numba_builder_draws(p, n_pre, n_post, exclude_self):
    """Small FixedProbability projections are built in NumPy (no compilation on a cold
    start): the same synapses, and the generator left in the same state."""
    from neurosparse.core.connectivity import _bernoulli_rows, _bernoulli_rows_numpy

    for seed in range(3):
        rng_numba, rng_numpy = np.random.default_rng(seed), np.random.default_rng(seed)
        indptr, indices, ok = _bernoulli_rows(n_pre, n_post, p, exclude_self, 10**6, rng_numba)
        indptr_np, indices_np = _bernoulli_rows_numpy(n_pre, n_post, p, exclude_self, rng_numpy)
        assert ok
        np.testing.assert_array_equal(indptr_np, indptr)
        np.testing.assert_array_equal(indices_np, indices[:indptr[-1]])
        assert indices_np.dtype == np.int32 and indptr_np.dtype == np.int64
        assert rng_numpy.bit_generator.state == rng_numba.bit_generator.state


def test_fixed_probability_is_the_same_built_either_way(monkeypatch):
    """The size threshold between the two builders does not change a network."""
    from neurosparse.core import connectivity

    rule = ns.FixedProbability(0.05, allow_self=False)
    small = rule.build(400, 400, True, np.random.default_rng(7))
    monkeypatch.setattr(connectivity, "NUMPY_BUILD_MAX_DRAWS", 0)
    large = rule.build(400, 400, True, np.random.default_rng(7))
    for x, y in zip(small[:2], large[:2]):
        np.testing.assert_array_equal(x, y)
