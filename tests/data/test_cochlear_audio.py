"""Synthetic spoken digits through a cochlea: tonotopy, silence is silent, seeded, learnable."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from neurosparse.data import (
    DIGIT_SEGMENTS,
    cochlear_spikes,
    erb_space,
    spoken_digit_waveforms,
    synthetic_spoken_digits,
)
from neurosparse.errors import ParameterError


@pytest.fixture(scope="module")
def digits():
    return synthetic_spoken_digits(20, n_channels=16, seed=0)


def test_spikes_are_time_first_binary_with_interleaved_labels(digits):
    spikes, labels = digits
    assert spikes.shape == (800, 200, 16) and spikes.dtype == np.float32
    assert set(np.unique(spikes).tolist()) == {0.0, 1.0}
    assert labels.dtype == np.int64 and labels[:12].tolist() == [*range(10), 0, 1]
    assert len(DIGIT_SEGMENTS) == 10 and all(2 <= len(recipe) <= 3 for recipe in DIGIT_SEGMENTS)
    assert np.all(spikes.sum(axis=(0, 2)) > 10)  # every utterance is heard


def test_waveforms_fit_the_clip_and_same_seed_gives_same_bits():
    waves, labels = spoken_digit_waveforms(2, duration=0.5, fs=16000, seed=3)
    assert waves.shape == (20, 8000) and waves.dtype == np.float32 and labels.shape == (20,)
    assert 0.3 < np.abs(waves).max() < 3.0
    again, _ = spoken_digit_waveforms(2, duration=0.5, fs=16000, seed=3)
    assert np.array_equal(waves, again)
    assert not np.array_equal(waves, spoken_digit_waveforms(2, duration=0.5, fs=16000, seed=4)[0])
    a, _ = synthetic_spoken_digits(1, n_channels=8, seed=7)
    b, _ = synthetic_spoken_digits(1, n_channels=8, seed=7)
    assert np.array_equal(a, b)


def test_erb_space_is_ascending_from_f_min_to_f_max():
    centres = erb_space(100.0, 3600.0, 32)
    assert centres[0] == pytest.approx(100.0) and centres[-1] == pytest.approx(3600.0)
    assert np.all(np.diff(centres) > 0) and np.all(np.diff(np.diff(centres)) > 0)  # denser at low f


def test_the_most_active_channel_tracks_the_tone_frequency():
    fs, freqs = 8000.0, np.array([150.0, 300.0, 600.0, 1000.0, 2000.0, 3000.0])
    t = np.arange(3200) / fs
    tones = 0.5 * np.sin(2 * np.pi * freqs[:, None] * t)
    counts = cochlear_spikes(tones, fs, n_channels=32).sum(axis=0)  # (tone, channel)
    best = counts.argmax(axis=1)
    assert np.all(np.diff(best) > 0)  # low tone -> low channel
    nearest = np.abs(erb_space(100.0, 0.45 * fs, 32)[None, :] - freqs[:, None]).argmin(axis=1)
    assert np.all(np.abs(best - nearest) <= 1)
    assert cochlear_spikes(tones[0], fs, n_channels=32).shape == (400, 32)


def test_silence_and_faint_noise_give_no_spikes():
    quiet = 0.01 * np.random.default_rng(0).standard_normal((4, 4000))
    assert cochlear_spikes(np.zeros((2, 4000)), 8000.0).sum() == 0
    assert cochlear_spikes(quiet, 8000.0).sum() == 0


def test_louder_sound_fires_more():
    t = np.arange(4000) / 8000.0
    counts = [cochlear_spikes(a * np.sin(2 * np.pi * 800 * t), 8000.0).sum() for a in (0.1, 0.3, 1.0)]
    assert counts[0] < counts[1] < counts[2]


def test_classes_are_separable_from_binned_spike_counts(digits):
    from sklearn.neighbors import NearestCentroid

    spikes, labels = digits
    x = spikes.reshape(8, 100, *spikes.shape[1:]).sum(axis=1).transpose(1, 0, 2).reshape(len(labels), -1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # channels silent within a class
        score = NearestCentroid().fit(x[:140], labels[:140]).score(x[140:], labels[140:])
    assert score > 0.5  # chance is 0.1


@pytest.mark.parametrize("kwargs,name", [
    ({"n_per_class": 0}, "n_per_class"), ({"n_channels": 0}, "n_channels"),
    ({"duration": 0.1}, "duration"), ({"fs": 4000.0}, "fs"), ({"dt": 0.0}, "dt"),
    ({"dt": 1.1e-3}, "fs \\* dt"), ({"noise_std": -1.0}, "noise_std"), ({"f_min": 0.0}, "f_min"),
    ({"f_max": 50.0}, "f_max"), ({"f_max": 4000.0}, "f_max"), ({"seed": 1.5}, "seed"),
])
def test_bad_arguments_raise_naming_them(kwargs, name):
    with pytest.raises(ParameterError, match=name):
        synthetic_spoken_digits(**{"n_per_class": 1, "duration": 0.2, **kwargs})


@pytest.mark.parametrize("kwargs,name", [
    ({"compression": 0.0}, "compression"), ({"gain": 0.0}, "gain"), ({"tau_m": 1e-4}, "tau_m"),
    ({"refractory": -1.0}, "refractory"), ({"signals": np.zeros((2, 2, 8))}, "signals"),
    ({"signals": np.zeros((1, 12))}, "signals"),
])
def test_cochlea_bad_arguments_raise_naming_them(kwargs, name):
    with pytest.raises(ParameterError, match=name):
        cochlear_spikes(**{"signals": np.zeros((1, 80)), "fs": 8000.0, **kwargs})
