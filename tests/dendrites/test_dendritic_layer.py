"""The batch layer: Numba kernels against the NumPy reference, false matches against theory."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from neurosparse.dendrites.layer import DendriticLayer, as_pattern_batch, segment_overlaps_numpy
from neurosparse.dendrites.segment import DendriticSegment
from neurosparse.errors import ParameterError


def random_patterns(rng: np.random.Generator, n: int, a: int, m: int) -> np.ndarray:
    return np.sort(rng.permuted(np.tile(np.arange(n), (m, 1)), axis=1)[:, :a], axis=1)


def ragged_patterns(rng: np.random.Generator, n: int, m: int, max_a: int) -> list[np.ndarray]:
    return [np.sort(rng.choice(n, size=rng.integers(0, max_a + 1), replace=False)) for _ in range(m)]


def two_way_mean_and_stderr(hits: np.ndarray) -> tuple[float, float]:
    """Mean of a (queries, segments) 0/1 matrix and its standard error: rows (queries) and
    columns (segments) are independent random draws, pairs sharing one are correlated."""
    q, g = hits.shape
    se = np.sqrt(hits.mean(axis=1).var(ddof=1) / q + hits.mean(axis=0).var(ddof=1) / g)
    return float(hits.mean()), float(se)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_numba_overlaps_equal_numpy_reference_on_random_inputs(seed):
    rng = np.random.default_rng(seed)
    n = 97
    segments = [DendriticSegment(np.sort(rng.choice(n, size=rng.integers(0, 30), replace=False)), 2, n)
                for _ in range(40)]
    layer = DendriticLayer.from_segments(segments, segment_neuron=rng.integers(0, 7, size=40), n_neurons=9)
    queries = ragged_patterns(rng, n, 60, 40)
    got = layer.segment_overlaps(queries)
    x_indptr, x_indices = as_pattern_batch(queries, n)
    ref = segment_overlaps_numpy(x_indptr, x_indices, layer.segment_indptr_, layer.segment_synapses_, n)
    assert got.dtype == np.int32 and np.array_equal(got, ref)
    # direct set intersection, one pair at a time
    assert got[5, 3] == np.intersect1d(queries[5], segments[3].synapses).size
    # neuron activity: OR over each neuron's segments, neurons without segments never fire
    active = ref >= 2
    expected = np.zeros((len(queries), 9), dtype=bool)
    for g in range(40):
        expected[:, layer.segment_neuron_[g]] |= active[:, g]
    assert np.array_equal(layer.predict(queries), expected)
    assert np.array_equal(layer.count_active_segments(queries), active.sum(axis=1))


def test_two_dimensional_and_list_batches_agree():
    rng = np.random.default_rng(3)
    patterns = random_patterns(rng, 256, 12, 50)
    layer = DendriticLayer(256, 6, 3, seed=0).fit(patterns)
    shuffled = rng.permuted(patterns, axis=1)  # rows need not be sorted
    assert np.array_equal(layer.segment_overlaps(shuffled), layer.segment_overlaps(list(patterns)))


@pytest.mark.parametrize("n, a, s, theta", [
    (256, 16, 12, 3),
    (512, 32, 20, 4),
    (200, 40, 30, 10),
    (1024, 64, 24, 5),
])
def test_false_match_fraction_matches_hypergeometric_tail(n, a, s, theta):
    # A segment with s synapses overlaps a random a-of-n pattern in Hypergeom(n, s, a) cells;
    # the paper's false-match probability is its tail from theta.
    rng = np.random.default_rng(n + theta)
    layer = DendriticLayer(n, s, theta, seed=rng).fit(random_patterns(rng, n, a, 1500))
    hits = layer.segment_activity(random_patterns(rng, n, a, 1500))
    p = stats.hypergeom(n, s, a).sf(theta - 1)
    rate, se = two_way_mean_and_stderr(hits)
    assert 1e-3 < p < 0.5
    assert abs(rate - p) < 4 * se, (rate, p, se)


def test_false_match_fraction_matches_theory_module():
    theory = pytest.importorskip("neurosparse.sdr.theory")
    n, a, s, theta = 512, 32, 20, 4
    rng = np.random.default_rng(8)
    layer = DendriticLayer(n, s, theta, seed=rng).fit(random_patterns(rng, n, a, 1500))
    rate, se = two_way_mean_and_stderr(layer.segment_activity(random_patterns(rng, n, a, 1500)))
    assert abs(rate - float(theory.false_match_probability(n, a, s, theta))) < 4 * se


def test_union_false_match_equals_tail_averaged_over_union_sizes():
    # Given a union segment of x distinct synapses, a random pattern overlaps it in
    # Hypergeom(n, x, a) cells, so the exact false-match rate averages that tail over the
    # segments' union sizes.
    n, a, s, theta, m, neurons = 600, 30, 10, 6, 12, 1200
    rng = np.random.default_rng(9)
    layer = DendriticLayer(n, s, theta, storage="union", seed=rng).fit(
        random_patterns(rng, n, a, m * neurons), neurons=np.repeat(np.arange(neurons), m))
    assert layer.n_segments_ == neurons
    sizes = np.diff(layer.segment_indptr_)
    hits = layer.segment_activity(random_patterns(rng, n, a, 1500))
    exact = stats.hypergeom(n, sizes, a).sf(theta - 1).mean()
    rate, se = two_way_mean_and_stderr(hits)
    assert 1e-3 < exact < 0.5
    assert abs(rate - exact) < 4 * se, (rate, exact, se)
    # the paper's approximation replaces the sizes by their mean n(1 - (1 - s/n)^m)
    x_paper = round(n * (1 - (1 - s / n) ** m))
    assert abs(sizes.mean() - x_paper) < 1.0
    assert rate > stats.hypergeom(n, s, a).sf(theta - 1)  # unions match more than one pattern


@pytest.mark.parametrize("storage", ["segment", "union"])
def test_layer_recognises_every_stored_pattern_when_theta_at_most_s(storage):
    rng = np.random.default_rng(10)
    n, a, s, m, neurons = 2048, 40, 20, 5, 50
    patterns = random_patterns(rng, n, a, m * neurons)
    owner = rng.permutation(np.repeat(np.arange(neurons), m))
    layer = DendriticLayer(n, s, s, storage=storage, seed=1).fit(patterns, neurons=owner)
    predicted = layer.predict(patterns)
    assert predicted[np.arange(m * neurons), owner].all()
    assert layer.n_segments_ == (m * neurons if storage == "segment" else neurons)


def test_count_active_segments_handles_large_batches_without_overlap_matrix():
    rng = np.random.default_rng(12)
    n, a, s, theta = 300, 20, 15, 3
    layer = DendriticLayer(n, s, theta, seed=rng).fit(random_patterns(rng, n, a, 500))
    queries = random_patterns(rng, n, a, 4000)
    counts = layer.count_active_segments(queries)
    p = stats.hypergeom(n, s, a).sf(theta - 1)
    per_query = counts / layer.n_segments_
    assert abs(per_query.mean() - p) < 5 * per_query.std(ddof=1) / np.sqrt(4000) + 0.01
    assert np.array_equal(counts[:100], layer.segment_activity(queries[:100]).sum(axis=1))


def test_fit_is_deterministic_under_a_seed():
    patterns = random_patterns(np.random.default_rng(0), 500, 25, 40)
    one = DendriticLayer(500, 10, 5, seed=3).fit(patterns)
    two = DendriticLayer(500, 10, 5, seed=3).fit(patterns)
    assert np.array_equal(one.segment_synapses_, two.segment_synapses_)


@pytest.mark.parametrize("call, match", [
    (lambda: DendriticLayer(10, 2, 1).fit([[1, 2, 3]], neurons=[0, 1]), "one entry per pattern"),
    (lambda: DendriticLayer(10, 2, 1).fit([[1, 2, 3]], n_neurons=0), "n_neurons"),
    (lambda: DendriticLayer(10, 2, 1).fit(np.array([[1, 2, 10]])), r"\[0, 10\)"),
    (lambda: DendriticLayer(10, 2, 1).fit(np.array([[1, 1, 2]])), "repeat"),
    (lambda: DendriticLayer(10, 2, 1).fit(np.array([1, 2, 3])), "wrap a single pattern"),
    (lambda: DendriticLayer(10, 2, 1, storage="x").fit([[1, 2]]), "storage"),
    (lambda: DendriticLayer(10, 2, 1).predict([[1, 2]]), "not fitted"),
    # found by the bad-input conformance suite (tests/conformance/cases_dendrites.py)
    (lambda: DendriticLayer(10, 2, 1).fit([[1, 2, 3]], neurons=[0.5]),
     r"neurons \(neuron indices\) must be a 1-D integer array"),  # was truncated to 0
    (lambda: DendriticLayer(10, 2, 1).fit([[1, 2, 3]], neurons=["a"]), "neurons .* must be"),  # ValueError
    (lambda: DendriticLayer(10, 2, 1).fit([[1, 2, 3]], n_neurons=1e300), r"n_neurons must be an integer in"),
    (lambda: DendriticLayer(10, 2, 1e300).fit([[1, 2, 3]]), r"theta must be an integer in"),  # OverflowError
    (lambda: DendriticLayer(10, 2, 1).fit([], neurons=[0]), r"patterns holds 0"),  # named neurons only
    (lambda: DendriticLayer(10, 2, 1).fit([[1, 2, 3]]).segment(1.5), r"g must be an integer in \[0, 0\]"),
    (lambda: DendriticLayer.from_segments(None), "segments must be a sequence"),  # raw TypeError
    (lambda: DendriticLayer.from_segments([1.0]), r"segments\[0\] is float"),  # raw AttributeError
    (lambda: DendriticLayer.from_segments([DendriticSegment([1], 1, 10)], [float("nan")]), "segment_neuron"),
    (lambda: segment_overlaps_numpy([0, 2], [1, 2], [0, 1], [12], 10), r"segment_synapses must hold cells"),
    (lambda: segment_overlaps_numpy([0, 3], [1, 2], [0, 1], [1], 10), r"x_indptr must rise from 0"),
])
def test_bad_arguments_raise_parameter_error(call, match):
    with pytest.raises(ParameterError, match=match):
        call()


def test_layer_accepts_lists_of_the_sdr_type():
    sdr_mod = pytest.importorskip("neurosparse.sdr.sdr")
    patterns = [sdr_mod.SDR.random(300, 15, seed=k) for k in range(8)]
    layer = DendriticLayer(300, 10, 10, seed=0).fit(patterns)
    as_arrays = [np.asarray(p.indices) for p in patterns]
    assert np.array_equal(layer.segment_overlaps(patterns), layer.segment_overlaps(as_arrays))
    assert layer.predict(patterns).diagonal().all()
