"""Every dendritic estimator follows the scikit-learn contract (parameters, fit, seeds, pickling)."""

from __future__ import annotations

import inspect
import pickle

import numpy as np
import pytest

from neurosparse.dendrites.layer import DendriticLayer
from neurosparse.dendrites.neuron import STORAGE_MODES, DendriticNeuron
from neurosparse.errors import ParameterError

ESTIMATORS = [DendriticNeuron, DendriticLayer]


def random_patterns(seed: int, m: int, n: int = 128, a: int = 10) -> np.ndarray:
    return np.sort(np.random.default_rng(seed).permuted(np.tile(np.arange(n), (m, 1)), axis=1)[:, :a], axis=1)


PATTERNS = random_patterns(0, 12)
QUERIES = random_patterns(1, 40)


def learned(est) -> list[list[int]]:
    if isinstance(est, DendriticNeuron):
        return [seg.synapses.tolist() for seg in est.segments_]
    return [est.segment(g).synapses.tolist() for g in range(est.n_segments_)]


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_constructor_stores_its_keyword_arguments_unchanged_and_learns_nothing(cls):
    params = {"n_inputs": 128, "s": 6, "theta": 4, "storage": "union", "seed": 7}
    est = cls(**params)
    names = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    assert sorted(names) == sorted(params)
    assert all(getattr(est, k) == v for k, v in params.items())
    assert not [k for k in vars(est) if k.endswith("_")]


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("storage", STORAGE_MODES)
def test_fit_returns_self_is_deterministic_under_a_seed_and_pickles(cls, storage):
    est = cls(128, 6, 4, storage=storage, seed=3)
    assert est.fit(PATTERNS) is est
    assert learned(cls(128, 6, 4, storage=storage, seed=3).fit(PATTERNS)) == learned(est)
    assert learned(cls(128, 6, 4, storage=storage, seed=4).fit(PATTERNS)) != learned(est)
    clone = pickle.loads(pickle.dumps(est))
    assert learned(clone) == learned(est)
    out = est.predict(QUERIES)
    assert out.dtype == bool and out.shape[0] == len(QUERIES)
    assert np.array_equal(clone.predict(QUERIES), out)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_a_generator_seed_advances_between_fits(cls):
    rng = np.random.default_rng(5)
    first = learned(cls(128, 6, 4, seed=rng).fit(PATTERNS))
    second = learned(cls(128, 6, 4, seed=rng).fit(PATTERNS))
    assert first != second


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("bad, match", [
    ({"n_inputs": 0}, "n_inputs"), ({"s": -1}, "s must be"), ({"theta": 1.5}, "theta"),
    ({"storage": "dense"}, "storage"), ({"seed": -3}, "seed"),
])
def test_bad_parameters_raise_parameter_error_naming_them(cls, bad, match):
    params = {"n_inputs": 128, "s": 6, "theta": 4, **bad}
    with pytest.raises(ParameterError, match=match):
        cls(**params).fit(PATTERNS)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_predict_before_fit_raises(cls):
    with pytest.raises(ParameterError, match="not fitted"):
        cls(128, 6, 4).predict(QUERIES)
