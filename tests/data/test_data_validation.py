"""The dataset generators refuse bad arguments before any work, naming the argument.

Every case below was found by the bad-input conformance suite (tests/conformance/cases_data.py):
each raised a raw TypeError, ValueError or OverflowError from Python or NumPy, named another
argument, or was accepted with a wrong or infinite result.
"""

from __future__ import annotations

import numpy as np
import pytest

from neurosparse.data import (
    EVENT_DTYPE,
    bin_events,
    bouncing_trajectories,
    cochlear_spikes,
    digit_images,
    dvs_events,
    erb_space,
    events_to_frames,
    moving_digits,
    random_manifold_spikes,
    saccade_digit_events,
    spoken_digit_waveforms,
)
from neurosparse.data.action_videos import action_videos
from neurosparse.errors import InsufficientMemoryError, NeurosparseError, ParameterError


@pytest.mark.parametrize(("call", "match"), [
    (lambda: moving_digits(1e300, 3), r"moving_digits\(n_videos=1000000000000000052504760255204"),
    (lambda: moving_digits(2, 3, size=10**9), r"moving_digits\(n_videos=2, n_frames=3, size=1000000000\)"),
    (lambda: moving_digits(2, 3, source=[]), r"source must be one of \('digits', 'mnist'\)"),
    (lambda: digit_images(source=["digits"]), r"source must be one of"),
    (lambda: bouncing_trajectories(2, 3, 5.0, 1e300),
     r"speed \* \(n_frames - 1\) / extent must be at most 2\*\*40"),
    (lambda: action_videos("abc"), r"n_per_class must be an integer >= 1"),
    (lambda: action_videos(1, speed=1.5), r"speed must be an integer >= 0"),
    (lambda: action_videos(1, noise="abc"), r"noise must be a number"),
    (lambda: saccade_digit_events(n=2, amplitude=1e300, size=12), r"size must be at least the digit's side "
                                                                    r"\+ ceil\(amplitude\) \+ 1"),
    (lambda: saccade_digit_events(n=2, dt=1e-300), r"dt=1e-300"),
    (lambda: saccade_digit_events(n=2, noise_rate=1e300), r"noise_rate=1e\+300"),
    (lambda: dvs_events("abc", 1e-3), r"frames must be a finite, non-negative \(S, H, W\) array"),
    (lambda: events_to_frames(None, (4, 4), 2), r"events must be a structured array"),
    (lambda: events_to_frames(np.zeros(0, dtype=EVENT_DTYPE), 4.0, 2), r"shape must be \(H, W\)"),
    (lambda: events_to_frames([], (4, 4), 1e300), r"n_bins=1000000000000000052504760255204"),
    (lambda: random_manifold_spikes(2, 1, smoothness=1e-300, n_inputs=2, duration=0.01), None),  # 1000 terms
    (lambda: random_manifold_spikes(2, 1, n_inputs=1e300), r"n_inputs=1000000000000000052504760255204"),
    (lambda: random_manifold_spikes(2, 1, dt=1e-300), r"duration / dt must be at most 2\*\*53 time steps"),
    (lambda: bin_events("abc", [[0]], n_units=1, duration=0.01, dt=1e-3), r"times must be a 2-D array"),
    (lambda: bin_events([[0.0]], 0.5, n_units=1, duration=0.01, dt=1e-3), r"units must be a 2-D array"),
    (lambda: bin_events([[0.0]], [[0.5]], n_units=1, duration=0.01, dt=1e-3), r"units\[0\] must hold int"),
    (lambda: bin_events([[np.nan]], [[0]], n_units=1, duration=0.01, dt=1e-3), r"times\[0\] must hold fin"),
    (lambda: spoken_digit_waveforms(1, noise_std=1e300), r"noise_std must be in \[0, 5\.3"),  # was inf
    (lambda: spoken_digit_waveforms(1, duration=1e300), r"duration must be in \[0\.2, 60\]"),
    (lambda: spoken_digit_waveforms(1e300), r"spoken_digit_waveforms\(n_per_class=1000000000000000052504"),
    (lambda: cochlear_spikes("abc", 8000.0), r"signals must be a finite \(n, n_samples\) array"),
    (lambda: cochlear_spikes(np.zeros(80), 1e300), r"fs \* dt = .* samples \(fs=1e\+300 Hz"),  # named signals
    (lambda: cochlear_spikes(np.zeros(80), 8000.0, f_min=1e300), r"f_max must be above f_min = 1e\+300"),
    (lambda: cochlear_spikes(np.zeros(80), 8000.0, n_channels=1e300), r"n_channels=1000000000000000052504"),
    (lambda: cochlear_spikes(np.full(80, 1e300), 8000.0), r"signals are too loud for the float32 filterbank"),
    (lambda: erb_space(100.0, 3000.0, 4, fs="abc"), r"fs must be a number"),
])
def test_bad_arguments_are_refused_naming_them(call, match):
    if match is None:  # accepted: a legitimate extreme value
        call()
        return
    with pytest.raises(NeurosparseError, match=match) as exc:
        call()
    assert isinstance(exc.value, (ParameterError, InsufficientMemoryError))


def test_erb_space_starts_at_f_min_even_for_the_smallest_frequencies():
    """1 + 0.00437 f rounded to 1 for tiny f, so the first centre came out 0 (and the gammatone
    filter refused it); the scale is now computed with log1p and expm1."""
    centres = erb_space(1e-300, 3000.0, 4)
    assert centres[0] == pytest.approx(1e-300, rel=1e-12) and np.all(np.diff(centres) > 0)
    assert erb_space(100.0, 3600.0, 32)[-1] == pytest.approx(3600.0, rel=1e-12)
    assert cochlear_spikes(np.zeros(80), 8000.0, n_channels=2, f_min=1e-300).shape == (10, 2)


def test_a_refractory_period_beyond_the_signal_is_clipped_exactly():
    """A refractory of 1e300 s overflowed int64; one longer than the signal silences a neuron
    for the rest of it, as the clipped count does."""
    rng = np.random.default_rng(0)
    signals = rng.standard_normal((2, 800))
    long = cochlear_spikes(signals, 8000.0, n_channels=3, refractory=1e300)
    assert np.array_equal(long, cochlear_spikes(signals, 8000.0, n_channels=3, refractory=0.2))
    assert np.all(long.sum(axis=0) <= 1)  # at most one spike each
