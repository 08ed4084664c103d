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
