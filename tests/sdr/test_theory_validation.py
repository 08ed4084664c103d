"""Exact theory: thresholds above s give 0, exact=True works elementwise on arrays, and bad or
absurd arguments are refused with messages naming the parameter and the allowed range."""

from __future__ import annotations

import math
import time
from fractions import Fraction

import numpy as np
import pytest

from neurosparse import _validation
from neurosparse.errors import InsufficientMemoryError, ParameterError
from neurosparse.sdr import theory as T


def _false_match_exact(n: int, a: int, s: int, theta: int) -> Fraction:
    num = sum(math.comb(s, b) * math.comb(n - s, a - b) for b in range(theta, min(s, a) + 1))
    return Fraction(num, math.comb(n, a))


def test_false_match_is_zero_where_theta_exceeds_s_and_exact_elsewhere():
    s = np.arange(5, 30)
    got = T.false_match_probability(2048, 40, s, 10)
    assert got.shape == s.shape
    assert np.all(got[s < 10] == 0.0)
    for si, p in zip(s[s >= 10].tolist(), got[s >= 10]):
        assert p == pytest.approx(float(_false_match_exact(2048, 40, si, 10)), rel=1e-10)
    logs = T.log_false_match_probability(2048, 40, s, 10)
    assert np.all(np.isneginf(logs[s < 10])) and np.all(np.isfinite(logs[s >= 10]))
    assert T.false_match_probability(100, 10, 5, 6) == 0.0  # scalars agree with arrays
    assert T.false_match_probability(100, 10, 20, 11) == 0.0  # theta > a: no pattern reaches it


def test_false_match_zero_above_s_agrees_with_threshold_error_statistics():
    stats = T.threshold_error_statistics([2048], [8, 24], [10], a_values=[40])
    direct = T.false_match_probability(2048, 40, np.array([8, 24]), 10)
    assert stats["min"][0] == 0.0 == direct[0] and stats["max"][0] == pytest.approx(direct[1], rel=1e-12)


def test_union_threshold_above_s_is_meaningful_and_zero_only_above_m_s():
    p = T.union_false_match_probability(1000, 40, 10, 15, 3, "exact")
    assert 0.0 < p < 1e-6  # 3 patterns store up to 30 synapses: theta = 15 > s = 10 can fire
    assert T.union_false_match_probability(1000, 40, 10, 15, 1, "exact") == 0.0
    assert T.union_false_match_probability(1000, 40, 10, 31, 3, "paper") == 0.0


@pytest.mark.parametrize("func,args,scalar", [
    (T.false_match_probability, (2048, 40, np.arange(5, 14)[:, None], np.array([3, 10])[None, :]),
     lambda s, t: T.false_match_probability(2048, 40, s, t, exact=True)),
    (T.false_negative_probability, (40, 20, np.arange(5, 9), 15),
     lambda t, _: T.false_negative_probability(40, 20, t, 15, exact=True)),
    (T.p_overlap, (100, 10, np.arange(11)), lambda b, _: T.p_overlap(100, 10, b, exact=True)),
])
def test_exact_with_arrays_returns_object_array_of_fractions_elementwise(func, args, scalar):
    got = func(*args, exact=True)
    assert isinstance(got, np.ndarray) and got.dtype == object
    floats = func(*args)
    assert got.shape == np.shape(floats)
    assert all(isinstance(f, Fraction) for f in got.ravel())
    np.testing.assert_allclose(got.astype(np.float64), floats, rtol=1e-10, atol=1e-300)
    arrays = [np.asarray(x) for x in args if np.ndim(x) > 0]
    b = np.broadcast_arrays(*arrays) if len(arrays) > 1 else [arrays[0], arrays[0]]
    for idx in np.ndindex(got.shape):
        assert got[idx] == scalar(int(b[0][idx]), int(b[1][idx]))


def test_exact_scalar_is_a_fraction_and_num_sdrs_works_elementwise():
    assert isinstance(T.false_match_probability(2048, 40, 24, 12, exact=True), Fraction)
    assert T.num_sdrs([10, 20], 3).tolist() == [120, 1140]
    assert T.overlap_set_size(np.array([10, 12]), 3, 1).tolist() == [3 * math.comb(7, 2), 3 * math.comb(9, 2)]
    assert T.overlap_set_size(10, 3, 3, w=2) == 0  # overlap 3 with a 2-cell SDR is impossible


def test_exact_refuses_absurd_binomials_quickly():
    t0 = time.perf_counter()
    with pytest.raises(ParameterError,
                       match=r"exact rational results are limited to binomials of 524288 = 2\*\*19 "
                             r"bits .*false_match_probability needs binomials of 4\.69e\+04 bits"):
        T.false_match_probability(10**5, 10**4, 10**4, 0, exact=True)  # minutes with math.comb
    with pytest.raises(ParameterError, match=r"num_sdrs needs binomials of 1e\+07 bits"):
        T.num_sdrs(10**7, 5 * 10**6)
    assert time.perf_counter() - t0 < 1.0


@pytest.mark.parametrize("call,match", [
    (lambda: T.false_match_probability(True, 40, 5, 3), r"n must be an integer in \[0, 2\*\*53\]; got bools"),
    (lambda: T.false_match_probability(100.5, 40, 5, 3),
     r"n must be an integer in \[0, 2\*\*53\]; got 100\.5"),
    (lambda: T.false_match_probability(np.nan, 40, 5, 3), r"n must be an integer in \[0, 2\*\*53\]; got nan"),
    (lambda: T.false_match_probability("100", 40, 5, 3),
     r"n must be an integer in \[0, 2\*\*53\]; got values of type"),
    (lambda: T.false_match_probability(1e300, 40, 5, 3),
     r"n must be an integer in \[0, 2\*\*53\]; got 1e\+300"),
    (lambda: T.false_match_probability(100, [10, -1], 5, 3),
     r"a must be an integer in \[0, 2\*\*53\]; got -1 at flat index 1"),
    (lambda: T.false_match_probability(10, 11, 5, 3), r"a must satisfy 0 <= a <= n; got a=11 with n=10"),
    (lambda: T.false_match_probability(10, 5, 11, 3), r"s must satisfy 0 <= s <= n; got s=11 with n=10"),
    (lambda: T.false_match_probability(10, 5, 5, 3, exact=1), r"exact must be True or False; got 1"),
    (lambda: T.false_negative_probability(40, 20, 21, 5),
     r"theta must satisfy 0 <= theta <= s; got theta=21 with s=20"),
    (lambda: T.false_negative_probability(40, 20, 10, 41), r"v must satisfy 0 <= v <= a; got v=41 with a=40"),
    (lambda: T.p_overlap(100, 10, 11), r"b must satisfy 0 <= b <= a; got b=11 with a=10"),
    (lambda: T.p_overlap(100, 10, 11, exact=True), r"b must satisfy 0 <= b <= a; got b=11 with a=10"),
    (lambda: T.overlap_set_size(10, 3, 5), r"b must satisfy 0 <= b <= a; got b=5 with a=3"),
    (lambda: T.union_size_distribution(10, 11, 2), r"s must satisfy 0 <= s <= n; got s=11 with n=10"),
    (lambda: T.union_false_match_probability(100, 10, 11, 2, 3),
     r"s must satisfy 0 <= s <= a; got s=11 with a=10"),
    (lambda: T.union_false_match_probability(100, 10, 5, 2, 0),
     r"m must be an integer in \[1, 2\*\*53\]; got 0"),
    (lambda: T.union_false_match_probability(100, 10, 5, 2, 3, None), r"method must be 'paper', 'exact' or"),
    (lambda: T.classification_error(100, 10, 5, 2, 2.5), r"m must be an integer in \[0, 2\*\*53\]; got 2\.5"),
    (lambda: T.optimal_threshold(target="x"), r"target must be a number in \[0, 1\]; got 'x'"),
    (lambda: T.optimal_threshold(target=1.0), r"target must lie in \(0, 1\)"),
    (lambda: T.optimal_threshold(sparsities=["a"]), r"sparsities must be numbers in \(0, 1\]"),
    # found by the bad-input conformance suite (tests/conformance/cases_sdr.py)
    (lambda: T.union_size_distribution([10, 20], 2, 3),
     r"n must be a single integer in \[0, 2\*\*53\] \(this function is not vectorized\)"),  # raw TypeError
    (lambda: T.union_false_match_probability(100, 10, 5, [], 3), r"theta must be a single integer"),
    (lambda: T.union_false_match_probability(100, 10, 5, 2, 3, "paper", trials="abc"),
     r"trials must be an integer in \[1, inf\]"),  # was ignored by the other methods
    (lambda: T.union_false_match_probability(100, 10, 5, 2, 3, "exact", seed=-1), r"seed must be"),
    (lambda: T.threshold_error_statistics([], [20], [5], a_values=[10]), r"n_values must hold at least one"),
    (lambda: T.threshold_error_statistics([1000], [20], [5], sparsities=[]),
     r"sparsities must hold at least"),
    (lambda: T.threshold_error_statistics([1, 2], [20, 25], [5], a_values=[1]),
     r"no grid point has a <= n and s <= n: n_values=\[1, 2\], a_values and s_values=\[20, 25\]"),
])
def test_invalid_theory_arguments_name_parameter_and_range(call, match):
    with pytest.raises(ParameterError, match=match):
        call()


def test_union_size_distribution_refuses_huge_requests_up_front(monkeypatch):
    with pytest.raises(ParameterError,
                       match=r"needs m \(s \+ 1\) \(min\(n, m s\) \+ 1\) = 1e\+14 array operations in "
                             r"m \(s \+ 1\) = 1e\+07 passes, beyond the limits of 1e\+10 operations"):
        T.union_size_distribution(10**9, 1000, 10**4)
    # few operations but many passes (each a few microseconds of Python): refused as well
    with pytest.raises(ParameterError, match=r"= 2\.5e\+07 passes, beyond the limits .* 2e\+06 passes"):
        T.union_size_distribution(64, 4, 5 * 10**6)
    monkeypatch.setattr(_validation, "available_memory", lambda: 2**30)
    with pytest.raises(InsufficientMemoryError,
                       match=r"union_size_distribution\(n=1000000000000, s=24, m=10\) "
                             r"needs about 7\.28 TiB"):
        T.union_size_distribution(10**12, 24, 10)


def test_tails_wider_than_a_chunk_are_summed_piecewise_and_absurd_ones_refused(monkeypatch):
    ref = T.false_match_probability(5000, 300, 300, 2)
    monkeypatch.setattr(T, "_TAIL_CHUNK", 7)  # force the piecewise path on a 299-term tail
    assert T.false_match_probability(5000, 300, 300, 2) == pytest.approx(ref, rel=1e-13)
    monkeypatch.setattr(T, "MAX_TAIL_TERMS", 100)
    with pytest.raises(ParameterError,
                       match=r"this call sums 299 hypergeometric terms, beyond the limit of 1e\+02"):
        T.false_match_probability(5000, 300, 300, 2)


def test_classification_error_of_a_certain_match_is_one_without_a_warning():
    with np.errstate(all="raise"):  # p = 1 (theta = 0): log1p(-1) is -inf, the error exactly 1
        assert T.classification_error(100, 10, 5, 0, 3) == 1.0
