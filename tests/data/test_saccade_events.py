"""Saccade event streams: a DVS pixel's ON/OFF semantics, ordered in-frame events, learnable digits."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from neurosparse.data import EVENT_DTYPE, dvs_events, events_to_frames, saccade_digit_events
from neurosparse.errors import ParameterError


@pytest.fixture(scope="module")
def digit_streams():
    return saccade_digit_events("digits", 60, seed=3)


def test_events_are_time_ordered_in_frame_and_typed(digit_streams):
    events, labels = digit_streams
    assert len(events) == 60 and labels.shape == (60,) and labels.dtype == np.int64
    for ev in events:
        assert ev.dtype == EVENT_DTYPE and len(ev) > 100
        assert np.all(np.diff(ev["t"]) >= 0) and ev["t"].min() > 0 and ev["t"].max() <= 0.3
        assert ev["x"].min() >= 0 and ev["y"].min() >= 0 and ev["x"].max() < 12 and ev["y"].max() < 12
        assert set(np.unique(ev["p"]).tolist()) == {0, 1}


def test_mnist_source_fills_the_nmnist_sensor():
    events, _ = saccade_digit_events("mnist", 2, seed=0)
    assert max(int(ev["x"].max()) for ev in events) < 34 and all(len(ev) > 1000 for ev in events)


def test_same_seed_same_events():
    a, la = saccade_digit_events("digits", 5, noise_rate=2.0, threshold_sigma=0.03, seed=9)
    b, lb = saccade_digit_events("digits", 5, noise_rate=2.0, threshold_sigma=0.03, seed=9)
    assert np.array_equal(la, lb) and all(np.array_equal(x, y) for x, y in zip(a, b))
    c, _ = saccade_digit_events("digits", 5, noise_rate=2.0, threshold_sigma=0.03, seed=10)
    assert not all(len(x) == len(y) and np.array_equal(x, y) for x, y in zip(a, c))


def test_a_still_image_gives_no_events_and_noise_comes_at_its_rate():
    events, _ = saccade_digit_events("digits", 4, amplitude=0.0, seed=1)
    assert all(len(ev) == 0 for ev in events)
    events, _ = saccade_digit_events("digits", 20, amplitude=0.0, noise_rate=10.0, seed=1)
    expected = 10.0 * 12 * 12 * 0.3
    assert abs(np.mean([len(ev) for ev in events]) - expected) < 0.1 * expected


def test_brightening_gives_on_events_and_dimming_off_events_one_per_threshold():
    frames = np.full((5, 2, 3), 0.2)
    frames[1:, 0, :] = 0.2 * np.exp(0.55)  # row 0 brightens by 0.55 in log units after frame 0
    frames[3:, 1, :] = 0.2 * np.exp(-0.35)  # row 1 dims by 0.35 after frame 2
    ev = dvs_events(frames, 1e-3, contrast_threshold=0.1, log_offset=1e-9)
    on, off = ev[ev["p"] == 1], ev[ev["p"] == 0]
    assert np.all(on["y"] == 0) and np.all(off["y"] == 1)
    assert len(on) == 3 * 5 and len(off) == 3 * 3  # floor(0.55 / 0.1), floor(0.35 / 0.1) per pixel
    assert np.all((on["t"] > 0) & (on["t"] <= 1e-3)) and np.all((off["t"] > 2e-3) & (off["t"] <= 3e-3))


def test_on_events_lead_and_off_events_trail_a_bright_digit_moving_down(digit_streams):
    events, _ = digit_streams
    lead = []
    for ev in events:  # first saccade: the digit moves by (a, a/2) rows/cols, so down-right
        first = ev[ev["t"] < 0.1]
        lead.append(first["y"][first["p"] == 1].mean() - first["y"][first["p"] == 0].mean())
    assert np.mean(np.array(lead) > 0) > 0.9


def test_refractory_period_spaces_a_pixels_events():
    events, _ = saccade_digit_events("digits", 5, contrast_threshold=0.05, refractory=5e-3, seed=2)
    for ev in events:
        order = np.lexsort((ev["t"], ev["x"], ev["y"]))
        same_pixel = (np.diff(ev["x"][order]) == 0) & (np.diff(ev["y"][order]) == 0)
        assert np.all(np.diff(ev["t"][order])[same_pixel] >= 5e-3 - 1e-12)


@pytest.mark.parametrize("kwargs", [{}, {"refractory": 3e-3}, {"threshold_sigma": 0.05, "seed": 4}])
def test_numba_kernel_matches_the_numpy_reference(kwargs):
    rng = np.random.default_rng(0)
    frames = np.cumsum(rng.uniform(-0.05, 0.07, size=(40, 6, 5)), axis=0).clip(0.0)
    a = dvs_events(frames, 1e-3, contrast_threshold=0.08, **kwargs)
    b = dvs_events(frames, 1e-3, contrast_threshold=0.08, backend="numpy", **kwargs)
    assert len(a) > 50 and np.array_equal(a, b)


def test_events_to_frames_counts_each_event_in_its_bin_and_polarity(digit_streams):
    events, _ = digit_streams
    frames = events_to_frames(events[:4], (12, 12), 3, duration=0.3)
    assert frames.shape == (3, 4, 2, 12, 12) and frames.dtype == np.float32
    for k in range(4):
        ev = events[k]
        assert frames[:, k, 1].sum() == np.sum(ev["p"] == 1) and frames[:, k, 0].sum() == np.sum(ev["p"] == 0)
        assert frames[0, k].sum() == np.sum(ev["t"] < 0.1)
    one = events_to_frames(events[0], (12, 12), 3, duration=0.3, flatten=True)
    assert one.shape == (3, 288) and np.array_equal(one, frames[:, 0].reshape(3, -1))
    assert events_to_frames(events[:2], (12, 12), 5).sum() == len(events[0]) + len(events[1])


def test_digits_are_separable_from_event_counts():
    from sklearn.neighbors import NearestCentroid

    events, labels = saccade_digit_events("digits", 400, seed=0)
    x = events_to_frames(events, (12, 12), 3, duration=0.3, flatten=True).transpose(1, 0, 2).reshape(400, -1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # border pixels silent within a class
        score = NearestCentroid().fit(x[:300], labels[:300]).score(x[300:], labels[300:])
    assert score > 0.6  # chance is about 0.1


@pytest.mark.parametrize("kwargs,name", [
    ({"source": "cifar"}, "source"), ({"n": 0}, "n"), ({"amplitude": -1.0}, "amplitude"),
    ({"size": 9}, "size"), ({"saccade_duration": 0.0}, "saccade_duration"),
    ({"saccade_duration": 0.1005}, "saccade_duration"), ({"contrast_threshold": 0.0}, "contrast_threshold"),
    ({"threshold_sigma": -0.1}, "threshold_sigma"), ({"refractory": -1.0}, "refractory"),
    ({"noise_rate": -1.0}, "noise_rate"), ({"log_offset": 0.0}, "log_offset"), ({"split": "val"}, "split"),
])
def test_bad_arguments_raise_naming_them(kwargs, name):
    with pytest.raises(ParameterError, match=name):
        saccade_digit_events(**{"n": 2, **kwargs})


def test_events_to_frames_rejects_a_too_small_sensor_and_plain_arrays(digit_streams):
    events, _ = digit_streams
    with pytest.raises(ParameterError, match="shape"):
        events_to_frames(events[:2], (8, 8), 3)
    with pytest.raises(ParameterError, match="n_bins"):
        events_to_frames(events[:2], (12, 12), 0)
    with pytest.raises(ParameterError, match="fields"):
        events_to_frames([np.zeros(3)], (12, 12), 3)
