"""Spoken-digit-like sounds through a cochlear model to spikes (a synthetic SHD-like task).

The Spiking Heidelberg Digits (Cramer et al. 2020, IEEE TNNLS 33, 2744) are recordings of
spoken digits passed through a model of the inner ear to spikes on 700 channels. This module
makes a small offline stand-in: synthetic utterances with a fixed phonetic recipe per class
and random speakers, passed through a gammatone filterbank and leaky integrate-and-fire
neurons, one per frequency channel.

Utterances (:func:`spoken_digit_waveforms`). Class ``k`` is a fixed sequence of 2-3
segments, :data:`DIGIT_SEGMENTS` (loosely the sounds of the English digit names: "six" is
frication, a vowel, frication). A voiced segment is two formant tones gliding linearly from
``(F1, F2)`` at its start to its end, amplitude-modulated by the glottal pulse,

.. math::  s(t) = e(t)\\, g(t) \\left[\\sin\\phi_1(t) + \\tfrac12 \\sin\\phi_2(t)\\right],
           \\quad g = \\left(\\tfrac{1 + \\cos\\phi_0}{2}\\right)^2,
           \\quad \\phi_i(t) = 2\\pi \\int_0^t F_i,

with ``F_0`` the pitch; a fricative segment is low-passed white noise (300 Hz) shifted to a
band around its centre frequency (noise times a carrier). ``e(t)`` is the segment's level
with 10 ms raised-cosine ramps. Each sample draws a speaker: pitch ``F_0 ~ U(90, 250)`` Hz
falling by 20 % over the clip, vocal-tract scale ``U(0.88, 1.12)`` on every frequency,
speaking rate (utterance length ``0.45 s * U(0.75, 1.25)``), per-segment length jitter
``U(0.8, 1.2)``, onset ``U(0.02, 0.12)`` s and loudness ``U(0.5, 1)``; white noise of
standard deviation ``noise_std`` is added to the whole clip.

Cochlea (:func:`cochlear_spikes`). ``n_channels`` 4th-order gammatone filters
(``scipy.signal.gammatone``, Slaney's IIR form) with centre frequencies equally spaced on
the ERB-number scale ``E(f) = 21.4 log10(1 + 0.00437 f)`` (Glasberg & Moore 1990) between
``f_min`` and ``f_max``; each output is half-wave rectified, averaged over each time step
``dt`` (the hair cell's low-pass), compressed as ``r^compression`` and drives a LIF neuron,

.. math::  \\tau_m \\frac{dv}{dt} = -v + \\text{gain}\\cdot r^{\\text{compression}},
           \\quad v \\ge 1 \\Rightarrow \\text{spike},\\ v \\leftarrow 0,

integrated with forward Euler at ``dt``, silent for ``refractory`` after each spike.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import signal as sps

from neurosparse._seed import SeedLike, as_generator
from neurosparse._validation import as_count, as_float_param, check_memory
from neurosparse.errors import ParameterError

__all__ = ["DIGIT_SEGMENTS", "Segment", "cochlear_spikes", "erb_space", "spoken_digit_waveforms",
           "synthetic_spoken_digits"]


class Segment(NamedTuple):
    """One segment of an utterance: a voiced glide of two formants, or a fricative noise band."""

    voiced: bool
    f1_start: float  # Hz; unused for fricatives
    f2_start: float  # Hz; the noise band's centre for fricatives
    f1_end: float
    f2_end: float
    length: float  # relative duration
    level: float


def _v(f1a, f2a, f1b, f2b, length, level=1.0):
    return Segment(True, f1a, f2a, f1b, f2b, length, level)


def _n(fc, length, level):
    return Segment(False, 0.0, fc, 0.0, fc, length, level)


#: The recipe of each class 0-9: vowels' (F1, F2) from Peterson & Barney's averages, nasals
#: as a weak (250, 1700) Hz voiced segment, fricatives and bursts as noise bands.
DIGIT_SEGMENTS: tuple[tuple[Segment, ...], ...] = (
    (_n(3100, 0.15, 0.4), _v(390, 1990, 490, 1350, 0.35), _v(570, 840, 440, 1020, 0.5)),  # zero
    (_v(300, 870, 640, 1190, 0.6), _v(250, 1700, 250, 1700, 0.3, 0.5)),                    # one
    (_n(2900, 0.08, 0.6), _v(300, 1700, 300, 870, 0.6)),                                    # two
    (_n(2800, 0.12, 0.25), _v(490, 1350, 490, 1350, 0.25), _v(270, 2290, 270, 2290, 0.5)),  # three
    (_n(3000, 0.15, 0.3), _v(570, 840, 490, 1350, 0.7)),                                    # four
    (_n(3000, 0.12, 0.3), _v(730, 1090, 270, 2290, 0.6), _v(250, 1500, 250, 1500, 0.2, 0.4)),  # five
    (_n(3300, 0.25, 0.5), _v(390, 1990, 390, 1990, 0.25), _n(3300, 0.3, 0.5)),             # six
    (_n(3300, 0.2, 0.5), _v(530, 1840, 490, 1350, 0.4), _v(250, 1700, 250, 1700, 0.25, 0.5)),  # seven
    (_v(530, 1840, 270, 2290, 0.6), _n(2900, 0.1, 0.5)),                                    # eight
    (_v(250, 1700, 250, 1700, 0.2, 0.5), _v(730, 1090, 270, 2290, 0.5),
     _v(250, 1700, 250, 1700, 0.25, 0.5)),                                                  # nine
)
_BASE_LENGTH = 0.45  # seconds, an utterance at rate 1
_RAMP = 0.01  # seconds of raised-cosine on/off ramp per segment
_NOISE_BAND = 300.0  # Hz, low-pass of the fricative noise (half its band width)
_BATCH = 256  # samples filtered at once (bounds memory)
_FLOAT32_MAX = float(np.finfo(np.float32).max)
#: Largest noise_std: the clips are float32, and 64 standard deviations must stay finite there.
MAX_NOISE_STD = _FLOAT32_MAX / 64
#: Longest clip in seconds: an utterance lasts at most 0.56 s, the rest of a clip is noise.
MAX_CLIP_SECONDS = 60.0


def synthetic_spoken_digits(
    n_per_class: int = 100,
    *,
    n_channels: int = 32,
    duration: float = 0.8,
    fs: float = 8000.0,
    dt: float = 1e-3,
    noise_std: float = 0.01,
    f_min: float = 100.0,
    f_max: float | None = None,
    seed: SeedLike = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Spike trains of synthetic spoken digits: :func:`spoken_digit_waveforms` then :func:`cochlear_spikes`.

    Parameters
    ----------
    n_per_class
        Samples per class (10 classes), >= 1.
    n_channels, f_min, f_max, dt
        The cochlea's channels and time step (:func:`cochlear_spikes`; its other parameters
        at their defaults: call the two functions to change them).
    duration, fs, noise_std
        Clip length, sampling rate and background noise (:func:`spoken_digit_waveforms`).
    seed
        Seed (int, SeedSequence or Generator). Same seed, same bits.

    Returns
    -------
    spikes : ndarray, float32, shape ``(T, n, n_channels)``
        0/1 spikes, time-first, ``T = duration / dt``, ``n = 10 n_per_class``.
    labels : ndarray, int64, shape ``(n,)``
        Interleaved classes ``0, 1, ..., 9, 0, ...`` (every prefix of ``10 k`` is balanced).

    Examples
    --------
    >>> spikes, labels = synthetic_spoken_digits(2, n_channels=16, seed=0)
    >>> spikes.shape, labels[:3].tolist()
    ((800, 20, 16), [0, 1, 2])
    """
    # the cochlea's arguments are checked before the (long) waveforms are drawn
    _samples_per_step(fs, dt)
    erb_space(f_min, 0.45 * fs if f_max is None else f_max, n_channels, fs=fs)
    waves, labels = spoken_digit_waveforms(n_per_class, duration=duration, fs=fs,
                                           noise_std=noise_std, seed=seed)
    spikes = cochlear_spikes(waves, fs, n_channels=n_channels, f_min=f_min, f_max=f_max, dt=dt)
    return spikes, labels


def spoken_digit_waveforms(
    n_per_class: int = 100,
    *,
    duration: float = 0.8,
    fs: float = 8000.0,
    noise_std: float = 0.01,
    seed: SeedLike = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic utterances of the ten digit recipes by random speakers (module docstring).

    Parameters
    ----------
    n_per_class
        Samples per class, >= 1.
    duration
        Clip length in seconds, in [0.2, 60]; an utterance longer than the clip leaves is
        shortened to end 10 ms before the clip does.
    fs
        Sampling rate in Hz, >= 8000 (the fricative bands reach 3.7 kHz + 300 Hz at the
        largest vocal-tract scale and must stay below ``fs / 2``).
    noise_std
        Standard deviation of the added white noise, >= 0 (utterances peak near 1).
    seed
        Seed (int, SeedSequence or Generator). Same seed, same bits.

    Returns
    -------
    signals : ndarray, float32, shape ``(n, round(duration fs))``
    labels : ndarray, int64, shape ``(n,)``, interleaved classes.
    """
    n_per_class = as_count("n_per_class", n_per_class, low=1)
    duration = as_float_param("duration", duration, low=0.2, high=MAX_CLIP_SECONDS, allow_array=False)
    fs = as_float_param("fs", fs, low=8000.0, allow_array=False)
    noise_std = as_float_param("noise_std", noise_std, low=0.0, high=MAX_NOISE_STD, allow_array=False)
    n, n_samples = len(DIGIT_SEGMENTS) * n_per_class, round(duration * fs)
    check_memory(64.0 * n * n_samples, f"spoken_digit_waveforms(n_per_class={n_per_class}) of "
                                       f"{n_samples} samples (duration={duration:g} s at fs={fs:g} Hz)",
                 "the clips and their formant tracks take about 64 bytes a sample; make fewer or "
                 "shorter ones")
    rng = as_generator(seed)
    labels = np.tile(np.arange(len(DIGIT_SEGMENTS), dtype=np.int64), n_per_class)

    pitch = rng.uniform(90.0, 250.0, n)
    scale = rng.uniform(0.88, 1.12, n)
    length = _BASE_LENGTH * rng.uniform(0.75, 1.25, n)
    jitter = rng.uniform(0.8, 1.2, (n, 3))
    onset = rng.uniform(0.02, 0.12, n)
    loudness = rng.uniform(0.5, 1.0, n)

    f1, f2, fc = (np.zeros((n, n_samples)) for _ in range(3))
    env_voiced, env_noise = (np.zeros((n, n_samples), dtype=np.float32) for _ in range(2))
    for k, label in enumerate(labels):
        segments = DIGIT_SEGMENTS[label]
        rel = np.array([seg.length for seg in segments]) * jitter[k, : len(segments)]
        seconds = rel / rel.sum() * min(length[k], duration - onset[k] - 0.01)
        edges = np.round((onset[k] + np.concatenate([[0.0], np.cumsum(seconds)])) * fs).astype(int)
        for seg, i0, i1 in zip(segments, edges[:-1], edges[1:]):
            u = np.linspace(0.0, 1.0, i1 - i0)
            envelope = seg.level * _ramp(i1 - i0, round(_RAMP * fs))
            if seg.voiced:
                f1[k, i0:i1] = scale[k] * (seg.f1_start + (seg.f1_end - seg.f1_start) * u)
                f2[k, i0:i1] = scale[k] * (seg.f2_start + (seg.f2_end - seg.f2_start) * u)
                env_voiced[k, i0:i1] = envelope
            else:
                fc[k, i0:i1] = scale[k] * seg.f2_start
                env_noise[k, i0:i1] = envelope

    time = np.arange(n_samples) / fs
    f0 = pitch[:, None] * (1.0 - 0.2 * time / duration)
    glottal = 1.0 + np.cos(_phase(f0, fs))
    glottal *= glottal / 4.0
    voiced = glottal * (np.sin(_phase(f1, fs)) + np.float32(0.5) * np.sin(_phase(f2, fs)))
    lowpass = sps.butter(2, _NOISE_BAND, fs=fs, output="sos")
    impulse = sps.sosfilt(lowpass, np.eye(1, round(fs))[0])
    band = sps.sosfilt(lowpass.astype(np.float32), rng.standard_normal((n, n_samples), dtype=np.float32))
    frication = np.float32(0.5 / np.sqrt(np.sum(impulse**2))) * band * np.sin(_phase(fc, fs))
    waves = loudness[:, None].astype(np.float32) * (env_voiced * voiced + env_noise * frication)
    if noise_std > 0:
        waves += np.float32(noise_std) * rng.standard_normal((n, n_samples), dtype=np.float32)
    return waves, labels


def cochlear_spikes(
    signals: np.ndarray,
    fs: float,
    *,
    n_channels: int = 32,
    f_min: float = 100.0,
    f_max: float | None = None,
    dt: float = 1e-3,
    compression: float = 0.3,
    gain: float = 3.0,
    tau_m: float = 5e-3,
    refractory: float = 2e-3,
) -> np.ndarray:
    """Spikes of a gammatone-filterbank cochlea with one LIF neuron per channel.

    Parameters
    ----------
    signals
        Sound, shape ``(n, n_samples)`` or ``(n_samples,)``, sampled at ``fs``; ``n_samples``
        a whole number of steps ``dt``.
    fs
        Sampling rate in Hz, > 0; ``fs dt`` must be a whole number >= 1.
    n_channels
        Frequency channels, >= 1, lowest centre frequency first.
    f_min, f_max
        Centre frequencies of the first and last channel in Hz, ``0 < f_min < f_max < fs/2``;
        ``f_max=None`` takes ``0.45 fs``.
    dt
        Time step of the neurons in seconds, > 0.
    compression
        Exponent of the compressive non-linearity, in ``(0, 1]``.
    gain
        Input to the LIF per unit compressed response, > 0; a neuron fires when its input
        stays above 1.
    tau_m
        Membrane time constant in seconds, >= dt.
    refractory
        Seconds a neuron stays silent after a spike, >= 0.

    Returns
    -------
    ndarray, float32, shape ``(T, n, n_channels)`` (``(T, n_channels)`` for 1-D input)
        0/1 spikes, ``T = n_samples / (fs dt)``.
    """
    try:
        signals = np.asarray(signals, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"signals must be a finite (n, n_samples) array of sound, got "
                             f"{signals!r:.60}") from None
    single = signals.ndim == 1
    if single:
        signals = signals[None]
    if signals.ndim != 2 or signals.shape[1] == 0 or not np.all(np.isfinite(signals)):
        raise ParameterError(f"signals must be a finite (n, n_samples) array, got shape {signals.shape}")
    if np.any(np.abs(signals) > _FLOAT32_MAX):
        raise ParameterError(f"signals are too loud for the float32 filterbank: |signal| must be at most "
                             f"{_FLOAT32_MAX:.3g}, got {np.max(np.abs(signals)):.3g}; scale them down")
    fs, dt, per_step = _samples_per_step(fs, dt)
    if signals.shape[1] % per_step:
        raise ParameterError(f"signals must hold a whole number of dt steps of fs * dt = {per_step} samples "
                             f"(fs={fs:g} Hz, dt={dt:g} s), got {signals.shape[1]} samples")
    compression = as_float_param("compression", compression, low=0.0, high=1.0, low_inclusive=False,
                                 allow_array=False)
    gain = as_float_param("gain", gain, low=0.0, low_inclusive=False, allow_array=False)
    tau_m = as_float_param("tau_m", tau_m, low=dt, allow_array=False)
    refractory = as_float_param("refractory", refractory, low=0.0, allow_array=False)
    n_channels = as_count("n_channels", n_channels, low=1)
    n, n_steps = signals.shape[0], signals.shape[1] // per_step
    check_memory(12.0 * n_steps * n * n_channels + 8.0 * n_channels,
                 f"cochlear_spikes of {n} signals x {n_steps} steps x n_channels={n_channels}",
                 "the drive and the spikes take 8 bytes per step and channel; use fewer channels")
    centres = erb_space(f_min, 0.45 * fs if f_max is None else f_max, n_channels, fs=fs)
    drive = np.empty((n_steps, n, len(centres)), dtype=np.float32)
    signals = signals.astype(np.float32)
    for ch, fc in enumerate(centres):
        sos = sps.tf2sos(*sps.gammatone(fc, "iir", fs=fs)).astype(np.float32)
        for start in range(0, n, _BATCH):
            out = sps.sosfilt(sos, signals[start:start + _BATCH], axis=1)
            rectified = np.maximum(out, 0.0).reshape(len(out), n_steps, per_step).mean(axis=2)
            drive[:, start:start + _BATCH, ch] = (gain * rectified ** compression).T
    if not np.all(np.isfinite(drive)):
        raise ParameterError(f"signals are too loud for the float32 filterbank (max |signal| = "
                             f"{np.max(np.abs(signals)):.3g}; with gain={gain:g} the drive overflows); scale "
                             f"them down")
    # a neuron silent beyond the last step is as silent as one silent until then
    spikes = _lif(drive, dt / tau_m, min(round(refractory / dt), n_steps + 1))
    return spikes[:, 0] if single else spikes


def _samples_per_step(fs: float, dt: float) -> tuple[float, float, int]:
    """``fs``, ``dt`` checked and the whole number of samples per step ``fs dt``."""
    fs = as_float_param("fs", fs, low=0.0, low_inclusive=False, allow_array=False)
    dt = as_float_param("dt", dt, low=0.0, low_inclusive=False, allow_array=False)
    per_step = round(fs * dt)
    if per_step < 1 or abs(per_step - fs * dt) > 1e-9 * fs * dt:
        raise ParameterError(f"fs * dt must be a whole number >= 1 of samples per step, "
                             f"got fs={fs:g}, dt={dt:g}")
    return fs, dt, per_step


def erb_space(f_min: float, f_max: float, n_channels: int, *, fs: float | None = None) -> np.ndarray:
    """``n_channels`` frequencies (Hz) equally spaced on the ERB-number scale, ascending.

    ``E(f) = 21.4 log10(1 + 0.00437 f)`` (Glasberg & Moore 1990); with one channel, ``f_min``.
    ``fs`` (if given) requires ``f_max < fs / 2``.
    """
    f_min = as_float_param("f_min", f_min, low=0.0, low_inclusive=False, allow_array=False)
    f_max = as_float_param("f_max", f_max, low=0.0, low_inclusive=False, allow_array=False)
    if not f_max > f_min:
        raise ParameterError(f"f_max must be above f_min = {f_min:g} Hz, got {f_max:g}")
    n_channels = as_count("n_channels", n_channels, low=1)
    if fs is not None:
        fs = as_float_param("fs", fs, low=0.0, low_inclusive=False, allow_array=False)
        if f_max >= fs / 2:
            raise ParameterError(f"f_max must be below the Nyquist frequency fs/2 = {fs / 2:g} Hz "
                                 f"(fs={fs:g}), got {f_max:g}")
    check_memory(24.0 * n_channels, f"erb_space(n_channels={n_channels})")
    erb = np.linspace(_erb_number(f_min), _erb_number(f_max), n_channels)
    return np.expm1(erb * (np.log(10.0) / 21.4)) / 0.00437


def _erb_number(f: float) -> float:
    # log1p and expm1 (above): exact for the smallest f too, where 1 + 0.00437 f rounds to 1
    return 21.4 / np.log(10.0) * np.log1p(0.00437 * f)


def _phase(freq: np.ndarray, fs: float) -> np.ndarray:
    """``2 pi`` times the running integral of ``freq`` (Hz) along the last axis, float32.

    The cycles are summed in float64 and wrapped to ``[0, 1)`` before the cast, so the phase
    keeps float32's precision near ``2 pi`` however long the clip.
    """
    cycles = np.cumsum(freq, axis=-1) / fs
    cycles -= np.floor(cycles)
    return (2.0 * np.pi * cycles).astype(np.float32)


def _ramp(n: int, n_ramp: int) -> np.ndarray:
    """A window of ``n`` ones with raised-cosine on- and offsets of ``min(n_ramp, n // 2)``."""
    window = np.ones(n)
    m = min(n_ramp, n // 2)
    if m > 0:
        rise = (1.0 - np.cos(np.pi * (np.arange(m) + 0.5) / m)) / 2.0
        window[:m], window[n - m:] = rise, rise[::-1]
    return window


def _lif(drive: np.ndarray, leak: float, refractory_steps: int) -> np.ndarray:
    """Forward-Euler LIF over the time-first ``drive (T, ...)``: 0/1 spikes, float32."""
    v = np.zeros(drive.shape[1:])
    silent = np.zeros(drive.shape[1:], dtype=np.int64)
    spikes = np.zeros(drive.shape, dtype=np.float32)
    for t in range(len(drive)):
        v += leak * (drive[t] - v)
        v[silent > 0] = 0.0
        fired = v >= 1.0
        spikes[t][fired] = 1.0
        v[fired] = 0.0
        silent -= 1
        silent[fired] = refractory_steps
    return spikes
