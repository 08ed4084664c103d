"""Sparsey's estimator contract (scikit-learn style), its parameter errors and its OpTrace."""

from __future__ import annotations

import inspect
import pickle

import numpy as np
import pytest
from sparsey_testing import random_items

from neurosparse.errors import ParameterError
from neurosparse.sparsey import LevelSpec, MacParams, Sparsey


def small_model(**kwargs) -> Sparsey:
    levels = [LevelSpec((3, 3), 6, MacParams(Q=5, K=6, pi_min=2)), LevelSpec((1, 1), 3, MacParams(Q=5, K=6))]
    return Sparsey((12, 12), levels, **{"seed": 0, **kwargs})


@pytest.fixture
def items() -> np.ndarray:
    return random_items(np.random.default_rng(20), 12)


def test_constructor_stores_its_parameters_only():
    kwargs = dict(frames_per_item=2, retrieval="sample", readout="knn", readout_levels=[0, 1], progress=False,
                  seed=5)
    model = small_model(**kwargs)
    names = set(inspect.signature(Sparsey.__init__).parameters) - {"self"}
    assert set(vars(model)) == names
    assert all(getattr(model, k) == v for k, v in kwargs.items())
    assert not [k for k in vars(model) if k.endswith("_")]
    # no validation yet: a bad value is reported by fit
    Sparsey((12, 12), [], retrieval="nearest")


def test_fit_returns_self_and_partial_fit_continues(items):
    model = small_model()
    assert model.fit(items[:6]) is model and model.n_items_ == 6
    assert model.partial_fit(items[6:]) is model and model.n_items_ == 12
    assert np.all(model.familiarity(items)[:, 0] == 1.0)  # the first fit's items are still stored
    model.fit(items[6:])  # fit starts over
    assert model.n_items_ == 6
    assert model.familiarity(items[:6])[:, 0].max() < 1.0


def test_partial_fit_on_a_new_model_equals_fit(items):
    a = small_model().fit(items)
    b = small_model().partial_fit(items[:5]).partial_fit(items[5:])
    assert np.array_equal(a.transform(items), b.transform(items))


def test_predict_before_fit_raises():
    with pytest.raises(ParameterError, match="fit"):
        small_model().predict(np.zeros((1, 12, 12), dtype=bool))
    with pytest.raises(ParameterError, match="fit"):
        small_model().transform(np.zeros((1, 12, 12), dtype=bool))


def test_predict_recalls_the_labels_of_stored_items(items):
    y = np.arange(len(items)) % 3
    for readout in ("label", "knn"):
        model = small_model(readout=readout, readout_levels=[0, 1]).fit(items, y)
        assert model.score(items, y) >= 0.9


def test_pickling_round_trip_gives_the_same_transform(items):
    model = small_model(retrieval="sample").fit(items[:8], np.arange(8) % 2)
    clone = pickle.loads(pickle.dumps(model))
    assert np.array_equal(clone.transform(items), model.transform(items))  # same draws, same step
    assert np.array_equal(clone.predict(items), model.predict(items))


@pytest.mark.parametrize(("make", "name"), [
    (lambda: MacParams(Q=0), "Q"),
    (lambda: MacParams(K=0), "K"),
    (lambda: MacParams(pi_min=5, pi_max=3), "pi_max"),
    (lambda: MacParams(g_minus=1.0), "g_minus"),
    (lambda: LevelSpec((0, 2), 3), "grid"),
    (lambda: LevelSpec((2, 2), 3, h_radius=-2), "h_radius"),
    (lambda: small_model(retrieval="nearest").fit(np.zeros((1, 12, 12), bool)), "retrieval"),
    (lambda: small_model(readout="svm").fit(np.zeros((1, 12, 12), bool)), "readout"),
    (lambda: small_model(frames_per_item=0).fit(np.zeros((1, 12, 12), bool)), "frames_per_item"),
    (lambda: small_model(readout_levels=[2]).fit(np.zeros((1, 12, 12), bool)), "readout_levels"),
    (lambda: small_model(seed=-1).fit(np.zeros((1, 12, 12), bool)), "seed"),
    (lambda: small_model().fit(np.full((1, 12, 12), 0.5)), "X"),
    (lambda: small_model().fit(np.zeros((12, 12), bool)), "X"),
    (lambda: small_model().fit(np.zeros((1, 10, 12), bool)), "shape"),
    (lambda: small_model().fit(np.zeros((2, 12, 12), bool), [0]), "y"),
], ids=["Q=0", "K=0", "pi_max<pi_min", "g_minus=1", "grid", "h_radius", "retrieval", "readout",
        "frames_per_item", "readout_levels", "seed", "non-binary X", "X ndim", "item shape", "y length"])
def test_bad_parameters_raise_parameter_error_naming_the_parameter(make, name):
    with pytest.raises(ParameterError, match=rf"\b{name}\b"):
        make()


def test_optrace_counts_equal_hand_counts_for_a_tiny_model():
    """Two macs side by side (each sees a 2x2 patch), Q = 2, K = 3, H from the mac's own cells.

    The item lights 3 pixels of mac 0 and none of mac 1 (inactive: pi = 0 < pi_min = 1) and
    is shown for 2 frames. Each active input reads one row of Q*K = 6 weights:

    - frame 1: U, mac 0 has pi = 3 -> 3 * 6 = 18 events; H is empty (first frame) -> 0;
    - frame 2: U again 18; H: mac 0's own 2 winners, each reaching the 2 cells of the other CM
      only (its own CM excluded) -> 2 * 3 = 6 = pi_H * Q*K with pi_H = 2 - 2/2 = 1.

    Neuron updates: one active mac of 6 cells per frame; spikes: its Q = 2 winners per frame.
    """
    Q, K = 2, 3
    level = LevelSpec((1, 2), 2, MacParams(Q=Q, K=K), h_radius=0)
    model = Sparsey((2, 4), [level], frames_per_item=2, seed=0)
    item = np.zeros((1, 2, 4), dtype=bool)
    item[0, 0, 0] = item[0, 1, 0] = item[0, 1, 1] = True
    model.fit(item)
    counts = model.optrace_.layers["level1"]
    assert counts.synaptic_events == 18 + 18 + 6
    assert counts.weight_bytes_read == (18 + 18 + 6) / 8
    assert counts.neuron_updates == 2 * Q * K
    assert counts.spikes == 2 * Q
    model.transform(item)  # retrieval costs the same as learning the item did
    assert counts.synaptic_events == 2 * (18 + 18 + 6)
    assert counts.neuron_updates == 4 * Q * K and counts.spikes == 4 * Q
