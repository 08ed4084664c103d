"""A single segment: exact recognition, uniform sampling, noise robustness and unions (theory)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from neurosparse.dendrites.segment import (
    DendriticSegment,
    as_active_indices,
    nmda_spike,
    sample_synapses,
    union_synapses,
)
from neurosparse.errors import ParameterError


def random_pattern(rng: np.random.Generator, n: int, a: int) -> np.ndarray:
    return np.sort(rng.choice(n, size=a, replace=False))


@pytest.mark.parametrize("s", [1, 5, 12, 20])
def test_segment_matches_learned_pattern_exactly_when_theta_at_most_s(s):
    rng = np.random.default_rng(s)
    n, a = 500, 20
    for _ in range(20):
        x = random_pattern(rng, n, a)
        synapses = sample_synapses(x, s, n, rng)
        for theta in range(1, s + 1):
            assert DendriticSegment(synapses, theta, n).is_active(x)
        # the overlap with the learned pattern is exactly s, so theta = s + 1 never fires
        assert DendriticSegment(synapses, s + 1, n).overlap(x) == s
        assert not DendriticSegment(synapses, s + 1, n).is_active(x)


def test_sampled_synapses_are_a_uniform_subset_of_the_pattern():
    n, a, s, trials = 100, 10, 4, 4000
    x = np.arange(0, n, n // a)
    rng = np.random.default_rng(0)
    hits = np.zeros(n)
    for _ in range(trials):
        syn = sample_synapses(x, s, n, rng)
        assert np.all(np.isin(syn, x)) and np.unique(syn).size == s
        hits[syn] += 1
    # every cell of the pattern is chosen with probability s / a, no other cell ever
    assert hits[np.setdiff1d(np.arange(n), x)].sum() == 0
    chi2 = stats.chisquare(hits[x])
    assert chi2.pvalue > 1e-4
    assert hits[x].sum() == trials * s


def test_sampling_is_reproducible_under_a_seed():
    x = np.arange(0, 300, 7)
    assert np.array_equal(sample_synapses(x, 10, 300, 5), sample_synapses(x, 10, 300, 5))
    assert not np.array_equal(sample_synapses(x, 10, 300, 5), sample_synapses(x, 10, 300, 6))


def test_false_negative_rate_under_swap_noise_matches_hypergeometric():
    # Replace v of the a active cells: the number k of removed cells among the s synapses is
    # hypergeometric (population a, s successes, v draws); the segment fails when s - k < theta.
    n, a, s, theta, v, trials = 400, 24, 12, 8, 8, 3000
    rng = np.random.default_rng(11)
    fails = 0
    for _ in range(trials):
        x = random_pattern(rng, n, a)
        seg = DendriticSegment.from_pattern(x, s, theta, n, seed=rng)
        removed = rng.choice(x, size=v, replace=False)
        added = rng.choice(np.setdiff1d(np.arange(n), x), size=v, replace=False)
        noisy = np.union1d(np.setdiff1d(x, removed), added)
        assert noisy.size == a
        fails += not seg.is_active(noisy)
    p = stats.hypergeom(a, s, v).sf(s - theta)  # P(k > s - theta)
    se = np.sqrt(p * (1 - p) / trials)
    assert 0.05 < p < 0.95
    assert abs(fails / trials - p) < 4 * se


def test_union_size_has_the_expected_mean():
    # Each sample is a uniform s-subset of the n cells, so a cell is in the union of m samples
    # with probability 1 - (1 - s/n)^m (the paper's expected number of distinct synapses).
    n, a, s, m, trials = 300, 20, 10, 15, 600
    rng = np.random.default_rng(2)
    sizes = np.array([union_synapses([random_pattern(rng, n, a) for _ in range(m)], s, n, rng).size
                      for _ in range(trials)])
    expected = n * (1 - (1 - s / n) ** m)
    assert abs(sizes.mean() - expected) < 4 * sizes.std(ddof=1) / np.sqrt(trials)
    assert sizes.max() <= m * s


def test_union_segment_recognises_every_stored_pattern():
    n, a, s, m = 1000, 30, 12, 10
    rng = np.random.default_rng(4)
    patterns = [random_pattern(rng, n, a) for _ in range(m)]
    seg = DendriticSegment.from_patterns(patterns, s, theta=s, n_inputs=n, seed=rng)
    assert all(seg.is_active(x) for x in patterns)


def test_sdr_like_inputs_are_accepted():
    class FakeSDR:
        def __init__(self, indices, n):
            self.indices, self.n = np.asarray(indices), n

    seg = DendriticSegment([2, 4, 6], theta=2, n_inputs=10)
    assert seg.overlap(FakeSDR([4, 6, 9], 10)) == 2
    with pytest.raises(ParameterError, match="n = 10"):
        seg.overlap(FakeSDR([4, 6], 12))


def test_segment_accepts_the_sdr_type():
    sdr_mod = pytest.importorskip("neurosparse.sdr.sdr")
    x = sdr_mod.SDR.random(200, 10, seed=1)
    seg = DendriticSegment.from_pattern(x, 6, 6, 200, seed=0)
    assert seg.is_active(x)


def test_nmda_spike_is_a_step_at_theta():
    assert nmda_spike(np.arange(6), 3).tolist() == [False, False, False, True, True, True]


@pytest.mark.parametrize("bad, match", [
    (lambda: sample_synapses([1, 2, 3], 4, 10), "s must be in"),
    (lambda: sample_synapses([1, 2, 3], 0, 10), "s must be"),
    (lambda: DendriticSegment([1, 2], 0, 10), "theta"),
    (lambda: DendriticSegment([1, 12], 1, 10), r"\[0, 10\)"),
    (lambda: DendriticSegment([1, 1], 1, 10), "repeat"),
    (lambda: as_active_indices([0.5], 10), "integer"),
    (lambda: union_synapses([], 2, 10), "at least one"),
    # found by the bad-input conformance suite (tests/conformance/cases_dendrites.py)
    (lambda: sample_synapses([1, 2, 3], 2, float("nan")), r"n must be an integer"),  # was accepted
    (lambda: sample_synapses([1, 2, 3], 2, "abc"), r"n must be an integer"),  # was a raw TypeError
    # cells beyond int32 were wrapped silently
    (lambda: DendriticSegment([2**31 + 5], 1, 2**40), r"n_inputs must be an integer in \[1, 2147483648\] "
                                                       r"\(cells are stored as int32\)"),
    (lambda: DendriticSegment.from_pattern([1, 2], 1, 1, -1.0), r"n_inputs must be"),  # named n only
    (lambda: union_synapses(None, 2, 10), r"patterns must be a sequence of patterns"),  # raw TypeError
    (lambda: union_synapses([1.0, 2.0], 2, 10), r"patterns must be a sequence of patterns.*numbers"),
    (lambda: union_synapses([[1, 2], "ab"], 1, 10), r"patterns\[1\] must be a 1-D array"),
    (lambda: as_active_indices([[1, 2], [3]], 10), r"x must be a 1-D array"),  # ragged: raw ValueError
    (lambda: nmda_spike("abc", 3), r"overlap must be counts"),  # was a raw UFuncTypeError
    (lambda: nmda_spike([1, 2], None), r"theta must be an integer"),  # was a raw TypeError
    (lambda: nmda_spike([1, 2], float("nan")), r"theta must be an integer"),  # was all False
])
def test_bad_arguments_raise_parameter_error_naming_them(bad, match):
    with pytest.raises(ParameterError, match=match):
        bad()
