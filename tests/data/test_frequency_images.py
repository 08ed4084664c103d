"""The controlled frequency tasks carry their classes in one band only."""

from __future__ import annotations

import numpy as np
import pytest

from neurosparse.data.frequency_images import band_filter, frequency_task
from neurosparse.errors import ParameterError

sklearn = pytest.importorskip("sklearn")
from sklearn.linear_model import LogisticRegression  # noqa: E402


def _features(x: np.ndarray) -> np.ndarray:
    """Pixels and Fourier amplitudes: a linear read-out of either position or texture energy."""
    x = x.reshape(len(x), x.shape[-2], x.shape[-1])
    return np.concatenate([x.reshape(len(x), -1), np.abs(np.fft.fft2(x)).reshape(len(x), -1)], 1)


def _accuracy(x: np.ndarray, y: np.ndarray) -> float:
    clf = LogisticRegression(max_iter=2000).fit(_features(x[:450]), y[:450])
    return clf.score(_features(x[450:]), y[450:])


@pytest.mark.parametrize("kind, class_band", [("high", "high"), ("low", "low")])
def test_the_class_is_in_its_band_and_nowhere_else(kind, class_band):
    x, y = frequency_task(kind, 650, seed=3)
    other = "low" if class_band == "high" else "high"
    assert _accuracy(band_filter(x, 0.2, class_band), y) > 0.95
    assert _accuracy(band_filter(x, 0.2, other), y) < 0.4  # chance is 0.25


def test_tasks_are_balanced_seeded_and_shaped():
    x, y = frequency_task("high", 10, side=12, seed=5)
    assert x.shape == (10, 1, 12, 12) and x.dtype == np.float32
    assert np.bincount(y).tolist() == [3, 3, 2, 2]
    x2, y2 = frequency_task("high", 10, side=12, seed=5)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    assert not np.array_equal(x, frequency_task("high", 10, side=12, seed=6)[0])


def test_band_filter_splits_an_image_into_two_bands():
    x = np.random.default_rng(0).standard_normal((4, 16, 16))
    np.testing.assert_allclose(band_filter(x, 0.2, "low") + band_filter(x, 0.2, "high"), x, atol=1e-5)


@pytest.mark.parametrize("call, name", [
    (lambda: frequency_task("middle"), "kind"), (lambda: frequency_task("high", 0), "n"),
    (lambda: frequency_task("high", side=4), "side"), (lambda: frequency_task("low", noise=-1), "noise"),
    (lambda: band_filter(np.zeros((3, 4, 5))), "images"),
    (lambda: band_filter(np.zeros((4, 4)), 1.0), "cutoff"),
    (lambda: band_filter(np.zeros((4, 4)), keep="mid"), "keep"),
])
def test_bad_arguments_are_refused_by_name(call, name):
    with pytest.raises(ParameterError, match=name):
        call()
