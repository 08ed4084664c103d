"""Properties of the Numba batch kernels."""

import numpy as np
import pytest
from scipy import stats

from neurosparse.errors import ParameterError
from neurosparse.sdr.batch import overlap_counts_against, overlaps, random_batch, swap_noise, union_size


def test_random_batch_rows_sorted_unique_in_range():
    x = random_batch(2048, 40, 5000, seed=0)
    assert x.dtype == np.int32 and x.shape == (5000, 40)
    assert np.all(np.diff(x, axis=1) > 0)
    assert x.min() >= 0 and x.max() < 2048


def test_random_batch_cells_uniform_by_chi_square():
    n, a, count = 50, 7, 20000
    x = random_batch(n, a, count, seed=1)
    counts = np.bincount(x.ravel(), minlength=n)
    assert stats.chisquare(counts).pvalue > 1e-3


def test_random_batch_subsets_uniform_by_chi_square():
    # all C(6, 3) = 20 subsets equally likely
    x = random_batch(6, 3, 40000, seed=2)
    codes = (1 << x.astype(np.int64)).sum(axis=1)
    _, counts = np.unique(codes, return_counts=True)
    assert counts.size == 20 and stats.chisquare(counts).pvalue > 1e-3


def test_random_batch_same_seed_same_bits():
    assert np.array_equal(random_batch(2048, 40, 1000, seed=9), random_batch(2048, 40, 1000, seed=9))


def test_random_batch_rejects_a_greater_than_n():
    with pytest.raises(ParameterError, match="a"):
        random_batch(10, 11, 1, seed=0)


def test_overlaps_equal_set_intersection_sizes():
    x = random_batch(100, 20, 300, seed=3)
    y = random_batch(100, 20, 300, seed=4)
    ref = [len(set(r) & set(q)) for r, q in zip(x.tolist(), y.tolist())]
    assert overlaps(x, y).tolist() == ref
    assert overlap_counts_against(x, y[0]).tolist() == [len(set(r) & set(y[0].tolist())) for r in x.tolist()]


def test_union_size_equals_distinct_cells():
    x = random_batch(100, 20, 7, seed=5)
    assert union_size(x) == len(set(x.ravel().tolist()))


def test_swap_noise_keeps_a_and_moves_exactly_v_cells():
    x = random_batch(2048, 40, 2000, seed=6)
    y = swap_noise(x, 2048, 13, seed=7)
    assert np.all(np.diff(y, axis=1) > 0) and y.max() < 2048
    assert np.all(overlaps(x, y) == 40 - 13)


def test_swap_noise_new_cells_uniform_over_inactive():
    pattern = np.array([[0, 1, 2]] * 30000, dtype=np.int32)
    y = swap_noise(pattern, 10, 1, seed=8)
    counts = np.bincount(y.ravel(), minlength=10)
    assert stats.chisquare(counts[3:]).pvalue > 1e-3
    assert stats.chisquare(counts[:3]).pvalue > 1e-3


def test_results_bit_identical_for_one_and_two_threads():
    import numba

    from neurosparse.sdr.montecarlo import false_match_rate

    before = numba.get_num_threads()
    try:
        results = []
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(threads)
            x = random_batch(2048, 40, 3000, seed=5)
            est = false_match_rate(500, 20, 20, 2, trials=3000, seed=7)
            results.append((x, swap_noise(x, 2048, 7, seed=6), est))
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(results[0][0], results[1][0]) and np.array_equal(results[0][1], results[1][1])
    assert results[0][2] == results[1][2]
