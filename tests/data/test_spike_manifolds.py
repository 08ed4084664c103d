"""Random manifolds of spike times: one spike per input on the grid, seeded, learnable but not trivial."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from neurosparse.data import bin_events, random_manifold_spikes
from neurosparse.errors import ParameterError


def _binned_features(times, units, n_inputs, n_bins, duration=0.1):
    dense = bin_events(times, units, n_units=n_inputs, duration=duration, dt=duration / n_bins)
    return dense.transpose(1, 0, 2).reshape(dense.shape[1], -1)


def test_one_spike_per_input_on_the_time_grid_with_interleaved_labels():
    times, units, labels = random_manifold_spikes(4, 5, n_inputs=7, duration=0.05, dt=1e-3, seed=0)
    assert times.shape == units.shape == (20, 7) and times.dtype == np.float64 and units.dtype == np.int64
    assert labels.dtype == np.int64 and labels.tolist() == list(range(4)) * 5
    assert np.array_equal(units, np.broadcast_to(np.arange(7), (20, 7)))
    steps = times / 1e-3
    assert np.allclose(steps, np.round(steps)) and times.min() >= 0 and times.max() <= 0.05 - 1e-3 + 1e-12
    times2, units2, _ = random_manifold_spikes(2, 3, n_inputs=4, spikes_per_input=3, seed=0)
    assert times2.shape == (6, 12) and np.array_equal(units2[0], np.tile(np.arange(4), 3))


def test_same_seed_same_bits_and_a_class_does_not_depend_on_batch_size():
    a = random_manifold_spikes(3, 10, seed=5)
    b = random_manifold_spikes(3, 10, seed=5)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], random_manifold_spikes(3, 10, seed=6)[0])
    more = random_manifold_spikes(5, 20, seed=5)  # more classes and samples: the first ones stay
    first = more[0].reshape(20, 5, -1)[:10, :3].reshape(30, -1)
    assert np.array_equal(first, a[0])


def test_bin_events_counts_every_spike_once_time_first():
    times, units, _ = random_manifold_spikes(3, 4, n_inputs=6, seed=1)
    dense = bin_events(times, units, n_units=6, duration=0.1, dt=1e-3)
    assert dense.shape == (100, 12, 6) and dense.dtype == np.float32
    assert np.all(dense.sum(axis=0) == 1.0)  # one spike per input, each in its own grid bin
    step = np.argmax(dense, axis=0)
    assert np.allclose(step * 1e-3, times)
    ragged = bin_events([np.array([0.0, 0.0105]), np.array([0.099])], [np.array([1, 1]), np.array([0])],
                        n_units=2, duration=0.1, dt=1e-2)
    assert ragged.shape == (10, 2, 2) and ragged.sum() == 3
    assert ragged[0, 0, 1] == 1 and ragged[1, 0, 1] == 1 and ragged[9, 1, 0] == 1


def test_classes_beat_chance_clearly_but_nearest_centroid_is_not_perfect():
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import NearestCentroid

    times, units, labels = random_manifold_spikes(10, 100, seed=0)
    x = _binned_features(times, units, 20, n_bins=10)
    train, test = slice(0, 600), slice(600, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # constant features within a class
        centroid = NearestCentroid().fit(x[train], labels[train]).score(x[test], labels[test])
    logistic = LogisticRegression(max_iter=2000).fit(x[train], labels[train]).score(x[test], labels[test])
    assert 0.3 < centroid < 0.95  # chance is 0.1
    assert logistic > 0.6


def test_rougher_manifolds_are_harder_to_classify():
    from sklearn.linear_model import LogisticRegression

    scores = []
    for smoothness in (3.0, 0.7):
        times, units, labels = random_manifold_spikes(5, 80, n_inputs=10, smoothness=smoothness, seed=2)
        x = _binned_features(times, units, 10, n_bins=10)
        model = LogisticRegression(max_iter=2000).fit(x[:250], labels[:250])
        scores.append(model.score(x[250:], labels[250:]))
    assert scores[0] > scores[1] + 0.15


@pytest.mark.parametrize("kwargs,name", [
    ({"n_classes": 1}, "n_classes"), ({"n_per_class": 0}, "n_per_class"), ({"n_inputs": 0}, "n_inputs"),
    ({"duration": -1.0}, "duration"), ({"dt": 0.0}, "dt"), ({"dt": 0.03}, "duration / dt"),
    ({"manifold_dim": 0}, "manifold_dim"), ({"smoothness": 0.0}, "smoothness"),
    ({"spikes_per_input": 0}, "spikes_per_input"), ({"seed": -1}, "seed"),
])
def test_bad_arguments_raise_naming_them(kwargs, name):
    with pytest.raises(ParameterError, match=name):
        random_manifold_spikes(**{"n_classes": 2, "n_per_class": 2, **kwargs})


def test_bin_events_rejects_units_out_of_range():
    with pytest.raises(ParameterError, match="n_units"):
        bin_events(np.zeros((1, 2)), np.array([[0, 5]]), n_units=3, duration=0.1, dt=1e-3)
