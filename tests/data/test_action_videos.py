"""Generated action videos: classes, shapes and motion as documented, seeded, validated."""

from __future__ import annotations

import numpy as np
import pytest

from neurosparse.data.action_videos import ACTIONS, action_videos
from neurosparse.errors import ParameterError


def _centroids(video: np.ndarray) -> np.ndarray:
    return np.array([np.argwhere(f).mean(axis=0) if f.any() else (np.nan, np.nan) for f in video])


def test_each_action_moves_the_shape_by_speed_per_frame_in_its_direction():
    videos, labels = action_videos(5, side=16, n_frames=6, speed=2, seed=1)
    assert videos.shape == (25, 6, 16, 16) and videos.dtype == np.bool_
    assert np.array_equal(np.bincount(labels), [5] * len(ACTIONS))
    for video, label in zip(videos, labels):
        dr, dc = list(ACTIONS.values())[label]
        c = _centroids(video)
        if (dr, dc) == (0, 0):  # blink: on, off, on, ...
            assert np.all(video[1::2].sum(axis=(1, 2)) == 0) and np.all(video[0::2].sum(axis=(1, 2)) > 0)
        else:
            assert np.allclose(np.diff(c, axis=0), [2 * dr, 2 * dc])
            assert len({int(f.sum()) for f in video}) == 1  # the shape never leaves the frame


def test_same_seed_same_videos_and_noise_flips_pixels():
    a, _ = action_videos(3, seed=4)
    b, _ = action_videos(3, seed=4)
    assert np.array_equal(a, b)
    noisy, _ = action_videos(50, noise=0.1, seed=4)
    background = noisy.mean()
    assert 0.09 < background < 0.15


@pytest.mark.parametrize("kwargs,name", [({"n_per_class": 0}, "n_per_class"), ({"n_frames": 1}, "n_frames"),
                                         ({"side": 8}, "side"), ({"noise": 0.7}, "noise")])
def test_bad_arguments_raise_naming_them(kwargs, name):
    with pytest.raises(ParameterError, match=name):
        action_videos(**{"n_per_class": 2, **kwargs})
