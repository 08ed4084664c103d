"""A neuron with many segments: OR of segments, storage modes, the estimator contract."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from scipy import stats

from neurosparse.dendrites.layer import DendriticLayer
from neurosparse.dendrites.neuron import DendriticNeuron
from neurosparse.errors import ParameterError


def random_patterns(rng: np.random.Generator, n: int, a: int, m: int) -> np.ndarray:
    return np.sort(rng.permuted(np.tile(np.arange(n), (m, 1)), axis=1)[:, :a], axis=1)


@pytest.mark.parametrize("storage", ["segment", "union"])
def test_neuron_is_predictive_for_every_stored_pattern(storage):
    rng = np.random.default_rng(0)
    patterns = random_patterns(rng, 1024, 20, 30)
    neuron = DendriticNeuron(1024, s=12, theta=12, storage=storage, seed=1).fit(patterns)
    assert neuron.predict(patterns).all()
    assert len(neuron.segments_) == (30 if storage == "segment" else 1)
    assert neuron.n_patterns_ == 30


def test_neuron_is_the_or_of_its_segments():
    rng = np.random.default_rng(3)
    patterns = random_patterns(rng, 60, 8, 12)
    neuron = DendriticNeuron(60, s=6, theta=3, seed=2).fit(patterns)
    for x in random_patterns(rng, 60, 8, 200):
        by_segment = [seg.overlap(x) >= 3 for seg in neuron.segments_]
        assert neuron.is_predictive(x) == any(by_segment)
        assert neuron.active_segments(x).tolist() == by_segment


def test_neuron_false_positive_rate_is_one_minus_product_over_segments():
    # Given a random query, the m segments (independent uniform s-subsets) match independently
    # with the hypergeometric tail p, so the neuron fires falsely with 1 - (1 - p)^m.
    n, a, s, theta, m, neurons, queries = 200, 20, 10, 4, 4, 400, 400
    rng = np.random.default_rng(5)
    layer = DendriticLayer(n, s, theta, seed=6).fit(
        random_patterns(rng, n, a, m * neurons), neurons=np.repeat(np.arange(neurons), m))
    fired = layer.predict(random_patterns(rng, n, a, queries))
    p = stats.hypergeom(n, s, a).sf(theta - 1)
    expected = 1 - (1 - p) ** m
    se = np.sqrt(fired.mean(axis=1).var(ddof=1) / queries + fired.mean(axis=0).var(ddof=1) / neurons)
    assert 0.02 < expected < 0.5
    assert abs(fired.mean() - expected) < 4 * se


@pytest.mark.parametrize("storage", ["segment", "union"])
def test_neuron_and_single_neuron_layer_learn_the_same_synapses(storage):
    rng = np.random.default_rng(7)
    patterns = random_patterns(rng, 300, 15, 9)
    neuron = DendriticNeuron(300, 7, 4, storage=storage, seed=8).fit(patterns)
    layer = DendriticLayer(300, 7, 4, storage=storage, seed=8).fit(patterns, neurons=np.zeros(9, int))
    assert layer.n_segments_ == len(neuron.segments_)
    for g, seg in enumerate(neuron.segments_):
        assert np.array_equal(layer.segment(g).synapses, seg.synapses)
    queries = random_patterns(rng, 300, 15, 300)
    assert np.array_equal(layer.predict(queries)[:, 0], neuron.predict(queries))


@pytest.mark.parametrize("storage", ["segment", "union"])
def test_partial_fit_continues_fit_exactly(storage):
    rng = np.random.default_rng(9)
    patterns = random_patterns(rng, 400, 20, 10)
    whole = DendriticNeuron(400, 8, 5, storage=storage, seed=3).fit(patterns)
    parts = DendriticNeuron(400, 8, 5, storage=storage, seed=3).fit(patterns[:4]).partial_fit(patterns[4:])
    assert [s.synapses.tolist() for s in whole.segments_] == [s.synapses.tolist() for s in parts.segments_]


def test_estimator_contract_params_fit_returns_self_pickle_and_determinism():
    neuron = DendriticNeuron(100, s=5, theta=3, storage="union", seed=4)
    assert (neuron.n_inputs, neuron.s, neuron.theta, neuron.storage, neuron.seed) == (100, 5, 3, "union", 4)
    assert not hasattr(neuron, "segments_")
    with pytest.raises(ParameterError, match="not fitted"):
        neuron.predict([[1, 2, 3]])
    patterns = random_patterns(np.random.default_rng(0), 100, 10, 5)
    assert neuron.fit(patterns) is neuron
    again = pickle.loads(pickle.dumps(neuron))
    assert np.array_equal(again.segments_[0].synapses, neuron.segments_[0].synapses)
    other = DendriticNeuron(100, s=5, theta=3, storage="union", seed=4).fit(patterns)
    assert np.array_equal(other.segments_[0].synapses, neuron.segments_[0].synapses)


@pytest.mark.parametrize("kwargs, match", [
    ({"storage": "both"}, "storage must be one of"),
    ({"theta": 0}, "theta"),
    ({"s": 0}, "s must be"),
])
def test_bad_parameters_raise_at_fit(kwargs, match):
    params = {"n_inputs": 50, "s": 3, "theta": 2, **kwargs}
    with pytest.raises(ParameterError, match=match):
        DendriticNeuron(**params).fit([[1, 2, 3, 4]])
