"""The SDR type, SDRStats and the batch kernels refuse bad arguments with messages that name the
parameter, the value and the allowed range, and refuse oversized requests before allocating."""

from __future__ import annotations

import time

import numpy as np
import pytest

from neurosparse import _validation
from neurosparse.errors import InsufficientMemoryError, NeurosparseError, ParameterError
from neurosparse.sdr import SDR, SDRStats
from neurosparse.sdr.batch import overlap_counts_against, overlaps, random_batch, swap_noise


def test_every_refusal_is_a_neurosparse_error_and_a_value_error():
    with pytest.raises(NeurosparseError):
        SDR([1.5], 5)
    assert issubclass(ParameterError, ValueError) and issubclass(InsufficientMemoryError, NeurosparseError)


@pytest.mark.parametrize("indices,match", [
    ([1.5, 2.7], r"indices must be whole numbers \(integers in \[0, n=5\)\); got 1\.5 at position 0"),
    (np.array([0.0, 2.5]), r"indices must be whole numbers \(integers in \[0, n=5\)\); got 2\.5"),
    ([1, 1, 2], r"indices must be unique .*repeated: 1\b"),
    ([0, 5], r"indices must be integers in \[0, n=5\); got 5 at position 1"),
    ([-1], r"indices must be integers in \[0, n=5\); got -1"),
    ([np.nan], r"indices must be integers in \[0, n=5\); got nan"),
    ([np.inf, 1], r"indices must be integers in \[0, n=5\); got inf"),
    (["a", "b"], r"indices must be integers in \[0, n=5\); got values of type <U1"),
    ("12", r"indices must be a 1-D sequence of integers in \[0, n=5\)"),
    ([True, False], r"indices must be integers in \[0, n=5\), not booleans"),
    (np.array([True, False]), r"indices must be integers in \[0, n=5\), not booleans"),
    (np.array([[0, 1], [2, 3]]), r"indices must be a 1-D sequence of integers in \[0, n=5\).*shape \(2, 2\)"),
    (np.array([7], dtype=np.uint64), r"indices must be integers in \[0, n=5\); got 7"),
    (3, r"indices must be a 1-D sequence of integers in \[0, n=5\); got 3"),
])
def test_constructor_refuses_non_integer_repeated_out_of_range_and_non_numeric_indices(indices, match):
    with pytest.raises(ParameterError, match=match):
        SDR(indices, 5)


def test_constructor_accepts_whole_valued_floats_and_sorts_them():
    x = SDR(np.array([4.0, 0.0, 2.0]), 5)
    assert x.indices.tolist() == [0, 2, 4] and x.indices.dtype == np.int32


@pytest.mark.parametrize("n,match", [
    (5.5, r"n must be an integer in \[0, 2147483648 = 2\*\*31 .*\]; got 5\.5"),
    (-1, r"n must be an integer in \[0, 2147483648 = 2\*\*31 .*\]; got -1"),
    (True, r"n must be an integer in \[0, 2147483648.*\]; got the bool True"),
    (float("nan"), r"n must be an integer in \[0, 2147483648.*\]; got nan"),
    ("10", r"n must be an integer in \[0, 2147483648.*\]; got '10'"),
    (2**31 + 1, r"n must be an integer in \[0, 2147483648 = 2\*\*31 \(indices are stored as int32\)\]"),
])
def test_constructor_refuses_bad_n_naming_the_range(n, match):
    with pytest.raises(ParameterError, match=match):
        SDR([], n)


def test_shape_and_dead_cells_are_checked():
    with pytest.raises(ParameterError, match=r"shape must be a non-empty tuple .* product n=6; got \(2, 2\)"):
        SDR([1], 6, shape=(2, 2))
    with pytest.raises(ParameterError, match=r"shape\[1\] must be an integer in \[0, inf\]; got 1\.5"):
        SDR([1], 6, shape=(4, 1.5))
    with pytest.raises(ParameterError, match=r"dead must be integers in \[0, n=6\); got 9"):
        SDR([1], 6, dead=[9])
    assert SDR([1], 6, dead=[2, 2]).dead == frozenset({2})  # dead cells are a set: repeats are harmless


@pytest.mark.parametrize("array,match", [
    ([0, 1, 0.5], r"array must hold bits \(0 or 1, or booleans\); got 0\.5 at flat position 2"),
    ([0, 2], r"array must hold bits \(0 or 1, or booleans\); got 2 at flat position 1"),
    ([0, np.nan], r"array must hold bits \(0 or 1, or booleans\); got nan"),
    (["0", "1"], r"array must hold bits \(0 or 1, or booleans\); got values of type <U1"),
    (1, r"array must be a 1-D or N-D bit array; got the scalar 1"),
])
def test_from_dense_refuses_anything_but_bits(array, match):
    with pytest.raises(ParameterError, match=match):
        SDR.from_dense(array)


def test_from_dense_accepts_0_1_numbers_and_booleans():
    assert SDR.from_dense(np.array([0.0, 1.0, 1.0])) == SDR([1, 2], 3) == SDR.from_dense([False, True, True])


@pytest.mark.parametrize("n,a,match", [
    (5, 6, r"a must be an integer in \[0, n=5\]; got 6"),
    (5, 2.5, r"a must be an integer in \[0, n=5\]; got 2\.5"),
    (5, True, r"a must be an integer in \[0, n=5\]; got the bool True"),
    (5.5, 2, r"n must be an integer in \[0, 2147483648"),
    (-3, 0, r"n must be an integer in \[0, 2147483648.*got -3"),
    (10**12, 40, r"n must be an integer in \[0, 2147483648 = 2\*\*31 \(indices are stored as int32\)\]; "
                 r"got 1000000000000"),
])
def test_random_refuses_bad_sizes_naming_the_range(n, a, match):
    with pytest.raises(ParameterError, match=match):
        SDR.random(n, a, seed=0)


def test_random_samples_sparsely_at_the_largest_n_without_allocating_it():
    t0 = time.perf_counter()
    x = SDR.random(2**31, 40, seed=1)
    assert time.perf_counter() - t0 < 1.0  # O(a): no 2**31-sized array
    assert x.a == 40 and x.n == 2**31 and np.all(np.diff(x.indices) > 0) and x.indices[-1] < 2**31
    assert x == SDR.random(2**31, 40, seed=1)
    y = x.add_noise(0.5, seed=2)  # rejection sampling of the new cells, O(a) memory too
    assert y.a == 40 and x.overlap(y) == 20 and np.all(np.diff(y.indices) > 0)


def test_dense_sampling_refuses_up_front_when_memory_is_short(monkeypatch):
    monkeypatch.setattr(_validation, "available_memory", lambda: 2**30)
    with pytest.raises(InsufficientMemoryError, match=r"SDR\.random\(n=2147483648, a=1073741824\) needs "
                                                      r"about 40\.00 GiB but only 1\.00 GiB is available"):
        SDR.random(2**31, 2**30, seed=0)
    with pytest.raises(InsufficientMemoryError,
                       match=r"SDR\.dense\(\) of n=2147483648 cells needs about 2\.00 GiB"):
        SDR([1], 2**31).dense()
    with pytest.raises(InsufficientMemoryError, match=r"SDRStats\(n=2147483648\) needs about 16\.00 GiB"):
        SDRStats(2**31)


@pytest.mark.parametrize("f,match", [
    (1.5, r"f must be a number in \[0, 1\]; got 1\.5"),
    (-0.1, r"f must be a number in \[0, 1\]; got -0\.1"),
    (float("nan"), r"f must be a number in \[0, 1\]; got nan"),
    ("0.5", r"f must be a number in \[0, 1\]; got '0\.5'"),
    (True, r"f must be a number in \[0, 1\]; got True"),
])
def test_add_noise_refuses_f_outside_unit_interval_or_not_a_number(f, match):
    with pytest.raises(ParameterError, match=match):
        SDR.random(100, 10, seed=0).add_noise(f, seed=0)


def test_add_noise_refuses_more_moves_than_free_cells():
    with pytest.raises(ParameterError, match=r"f=1\.0 moves 4 cells but only 2 inactive cells are free; "
                                             r"f must be at most 0\.5"):
        SDR([0, 1, 2, 3], 6).add_noise(1.0, seed=0)


def test_subsample_and_kill_cells_refuse_bad_counts_and_cells():
    x = SDR.random(100, 10, seed=0)
    with pytest.raises(ParameterError, match=r"k must be an integer in \[0, a=10\]; got 11"):
        x.subsample(11, seed=0)
    with pytest.raises(ParameterError, match=r"k must be an integer in \[0, a=10\]; got 2\.5"):
        x.subsample(2.5, seed=0)
    with pytest.raises(ParameterError,
                       match=r"fraction of cells to kill must be a number in \[0, 1\]; got 1\.5"):
        x.kill_cells(1.5, seed=0)
    with pytest.raises(ParameterError,
                       match=r"cells must be cell indices .*\[0, n=100\)\) or a float fraction "
                             r"in \[0, 1\]; got 1"):
        x.kill_cells(1)
    with pytest.raises(ParameterError,
                       match=r"cells must be whole numbers \(integers in \[0, n=100\)\); got 2\.5"):
        x.kill_cells([2.5])
    with pytest.raises(ParameterError, match=r"cells must be integers in \[0, n=100\); got 100"):
        x.kill_cells([100])
    assert x.kill_cells([3, 3]).dead == frozenset({3})  # repeated cells to kill are one cell


def test_set_operations_name_the_mismatched_n():
    with pytest.raises(ParameterError, match=r"other must be an SDR with n=5; got one with n=6"):
        SDR([1], 5).overlap(SDR([1], 6))
    with pytest.raises(ParameterError, match=r"sdr must be an SDR with n=10; got one with n=11"):
        SDRStats(10).add(SDR([1], 11))
    with pytest.raises(ParameterError, match=r"n must be an integer in \[1, 2147483648 = 2\*\*31\]; got 0"):
        SDRStats(0)


@pytest.mark.parametrize("args,match", [
    ((10, 11, 1), r"a must be an integer in \[0, n=10\]; got 11"),
    ((10.5, 3, 1), r"n must be an integer in \[0, 2147483648"),
    ((10, 3, -1), r"count must be an integer in \[0, inf\]; got -1"),
    ((10, 3, 2.5), r"count must be an integer in \[0, inf\]; got 2\.5"),
    ((10, True, 1), r"a must be an integer in \[0, n=10\]; got the bool True"),
    ((2**32, 3, 1), r"n must be an integer in \[0, 2147483648 = 2\*\*31"),
])
def test_random_batch_refuses_bad_sizes_naming_the_range(args, match):
    with pytest.raises(ParameterError, match=match):
        random_batch(*args, seed=0)


def test_random_batch_refuses_oversized_output_before_allocating(monkeypatch):
    monkeypatch.setattr(_validation, "available_memory", lambda: 2**30)
    with pytest.raises(InsufficientMemoryError,
                       match=r"random_batch\(n=2048, a=40, count=1000000000000\) needs "
                             r"about 145\.\d+ TiB"):
        random_batch(2048, 40, 10**12, seed=0)


def test_batch_functions_refuse_unsorted_repeated_or_out_of_range_rows():
    good = random_batch(100, 5, 3, seed=0)
    unsorted = good[:, ::-1].copy()
    with pytest.raises(ParameterError, match=r"x must have sorted rows of distinct cells; row 0"):
        overlaps(unsorted, good)
    with pytest.raises(ParameterError, match=r"pattern must have sorted rows of distinct cells"):
        overlap_counts_against(good, np.array([3, 3]))
    with pytest.raises(ParameterError, match=r"batch must hold cells in \[0, n=50\)"):
        swap_noise(good + 50, 50, 1, seed=0)
    with pytest.raises(ParameterError, match=r"v must be an integer in \[0, min\(a, n - a\) = 5\]; got 6"):
        swap_noise(good, 100, 6, seed=0)
    with pytest.raises(ParameterError, match=r"n must be an integer in \[the row length a=5, "):
        swap_noise(good, 4, 1, seed=0)
    assert overlaps(good, good.astype(np.int64)).tolist() == [5, 5, 5]  # mixed dtypes are fine
