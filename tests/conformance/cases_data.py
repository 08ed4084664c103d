"""Bad-input cases of :mod:`neurosparse.data`: the moving-digit videos and their trajectories,
the bundled digit images, action videos, saccade event streams and the DVS emulator, event
binning, random-manifold spike times and the synthetic spoken digits with their cochlea.

Every generator is called with tiny sizes (two samples, a few frames). Each use checks what the
generator promises: values in range (pixels in [0, 1], positions in the box, 0/1 spikes),
shapes as documented, events inside the sensor and the stream's duration, labels in their
classes.
"""

from __future__ import annotations

import numpy as np
from bad_input_cases import Target, base_outcomes, expect, function_target

from neurosparse.data import (
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
    synthetic_spoken_digits,
)
from neurosparse.data.action_videos import ACTIONS, action_videos

PACKAGE = "data"
EXAMPLES = 12


def _videos(result, kw) -> np.ndarray:
    videos, labels = result
    expect(videos.ndim == 5 and videos.shape[:2] == (int(kw["n_videos"]), int(kw["n_frames"])),
           "(n_videos, n_frames, 1, size, size) videos")
    expect(bool(np.all((videos >= 0) & (videos <= 1))) and bool(np.all((labels >= 0) & (labels <= 9))),
           "pixels in [0, 1] and digit labels")
    return videos.ravel()


def _trajectories(positions, kw) -> np.ndarray:
    expect(positions.shape == (int(kw["n"]), int(kw["n_frames"]), 2), "(n, n_frames, 2) positions")
    expect(bool(np.all((positions >= 0) & (positions <= kw["extent"]))), "positions in [0, extent]")
    return positions.ravel()


def _images(result, kw) -> np.ndarray:
    images, labels = result
    expect(images.ndim == 3 and len(images) == len(labels) > 0, "(n, side, side) images with labels")
    expect(bool(np.all((images >= 0) & (images <= 1))), "intensities in [0, 1]")
    return labels.astype(np.float64)


def _actions(result, kw) -> np.ndarray:
    videos, labels = result
    n = len(ACTIONS) * int(kw["n_per_class"])
    side = int(kw["side"])
    expect(videos.dtype == np.bool_ and videos.shape == (n, int(kw["n_frames"]), side, side),
           "(n, n_frames, side, side) bool videos")
    expect(bool(np.all((labels >= 0) & (labels < len(ACTIONS)))), "action labels")
    return labels.astype(np.float64)


def _events_in(ev: np.ndarray, size: int, duration: float) -> None:
    expect(bool(np.all((ev["x"] >= 0) & (ev["x"] < size) & (ev["y"] >= 0) & (ev["y"] < size))),
           "events inside the sensor")
    expect(bool(np.all((ev["t"] >= 0) & (ev["t"] <= duration * (1 + 1e-12)))), "event times in the stream")
    expect(bool(np.all(np.diff(ev["t"]) >= 0)), "events sorted by time")


def _saccades(result, kw) -> np.ndarray:
    events, labels = result
    expect(len(events) == len(labels) == int(kw["n"]), "n streams and labels")
    size = int(kw["size"]) if kw["size"] is not None else max(12, 8 + int(np.ceil(kw["amplitude"])) + 2)
    for ev in events:
        _events_in(ev, size, 3 * kw["saccade_duration"])
    return np.concatenate([ev["t"] for ev in events] + [labels.astype(np.float64)])


def _dvs(ev, kw) -> np.ndarray:
    frames = np.asarray(kw["frames"])
    _events_in(ev, frames.shape[1], (len(frames) - 1) * kw["dt"])
    return ev["t"]


def _binned(out, kw) -> np.ndarray:
    expect(out.dtype == np.float32 and bool(np.all(out >= 0)), "non-negative counts")
    return out.ravel()


def _manifold(result, kw) -> np.ndarray:
    times, units, labels = result
    n = int(kw["n_classes"]) * int(kw["n_per_class"])
    expect(times.shape == (n, int(kw["n_inputs"]) * int(kw["spikes_per_input"])),
           "(n, inputs x spikes) times")
    expect(bool(np.all((times >= 0) & (times < kw["duration"]))), "spike times in [0, duration)")
    expect(bool(np.all((units >= 0) & (units < int(kw["n_inputs"])))), "units in [0, n_inputs)")
    return times.ravel()


def _waves(result, kw) -> np.ndarray:
    waves, labels = result
    expect(waves.shape == (10 * int(kw["n_per_class"]), round(kw["duration"] * kw["fs"])),
           "(n, samples) waves")
    return waves.ravel()


def _spikes(spikes, kw) -> np.ndarray:
    spikes = spikes[0] if isinstance(spikes, tuple) else spikes
    expect(spikes.dtype == np.float32 and bool(np.all((spikes == 0) | (spikes == 1))), "0/1 spikes")
    expect(spikes.shape[-1] == int(kw["n_channels"]), "one neuron per channel")
    return spikes.ravel()


def _centres(freq, kw) -> np.ndarray:
    expect(freq.shape == (int(kw["n_channels"]),) and bool(np.all(np.diff(freq) > 0) or len(freq) == 1),
           "ascending centre frequencies")
    expect(abs(freq[0] - kw["f_min"]) <= 1e-9 * kw["f_min"], "the first centre is f_min")
    return freq


_STREAM = saccade_digit_events("digits", 1, seed=0)[0][0]
_FRAMES = np.linspace(0.0, 1.0, 4)[:, None, None] * np.ones((4, 3, 3))
_TIMES, _UNITS, _ = random_manifold_spikes(2, 1, n_inputs=3, duration=0.01, dt=1e-3, seed=0)
_SOUND = spoken_digit_waveforms(1, duration=0.2, seed=0)[0][:1, :800]


MOVING = {"n_videos": 2, "n_frames": 2, "size": 24, "source": "digits", "speed": 1.0, "seed": 0,
          "split": "all"}  # a canvas of 24: the memory cap bounds the videos, and so their splat loop
TRAJECTORIES = {"n": 2, "n_frames": 3, "extent": 5.0, "speed": 1.0, "seed": 0}
ACTION = {"n_per_class": 1, "side": 9, "n_frames": 3, "speed": 1, "noise": 0.0, "seed": 0}
DVS = {"contrast_threshold": 0.2, "threshold_sigma": 0.0, "refractory": 0.0, "log_offset": 0.1}
SACCADES = {"source": "digits", "n": 2, "amplitude": 2.0, "size": 12, "saccade_duration": 0.01, "dt": 1e-3,
            **DVS, "noise_rate": 0.0, "split": "all", "seed": 0}
FRAMES = {"events": _STREAM, "shape": (12, 12), "n_bins": 3, "duration": 0.3, "flatten": False}
MANIFOLD = {"n_classes": 2, "n_per_class": 2, "n_inputs": 3, "duration": 0.01, "dt": 1e-3, "manifold_dim": 1,
            "smoothness": 2.0, "spikes_per_input": 1, "seed": 0}
BINS = {"times": _TIMES, "units": _UNITS, "n_units": 3, "duration": 0.01, "dt": 1e-3}
WAVES = {"n_per_class": 1, "duration": 0.2, "fs": 8000.0, "noise_std": 0.01, "seed": 0}
COCHLEA = {"signals": _SOUND, "fs": 8000.0, "n_channels": 3, "f_min": 100.0, "f_max": None, "dt": 1e-3,
           "compression": 0.3, "gain": 3.0, "tau_m": 5e-3, "refractory": 2e-3}
ERB = {"f_min": 100.0, "f_max": 3000.0, "n_channels": 4, "fs": 8000.0}
SPOKEN = {"n_per_class": 1, "n_channels": 3, "duration": 0.2, "fs": 8000.0, "dt": 1e-3, "noise_std": 0.01,
          "f_min": 100.0, "f_max": None, "seed": 0}


def targets() -> list[Target]:
    """The generators and transforms of neurosparse.data, with tiny valid arguments as their base."""
    calls = [("moving_digits", moving_digits, MOVING, _videos),
             ("bouncing_trajectories", bouncing_trajectories, TRAJECTORIES, _trajectories),
             ("action_videos", action_videos, ACTION, _actions),
             ("saccade_digit_events", saccade_digit_events, SACCADES, _saccades),
             ("dvs_events", dvs_events, {"frames": _FRAMES, "dt": 1e-3, **DVS, "seed": 0, "backend": "numba"},
              _dvs),
             ("events_to_frames", events_to_frames, FRAMES, _binned),
             ("random_manifold_spikes", random_manifold_spikes, MANIFOLD, _manifold),
             ("bin_events", bin_events, BINS, _binned),
             ("spoken_digit_waveforms", spoken_digit_waveforms, WAVES, _waves),
             ("cochlear_spikes", cochlear_spikes, COCHLEA, _spikes),
             ("synthetic_spoken_digits", synthetic_spoken_digits, SPOKEN, _spikes),
             ("erb_space", erb_space, ERB, _centres)]
    out = [function_target(name, call, base, check, EXAMPLES) for name, call, base, check in calls]
    images = {"source": "digits", "split": "test"}
    return out + [function_target("digit_images", digit_images, images, _images, 6)]


def warm_up() -> None:
    """Load the bundled digits and compile (or load) the DVS kernels: every target at its base."""
    base_outcomes(targets())
