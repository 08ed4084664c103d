"""Generated images whose classes differ only in high- or only in low-spatial-frequency content.

Controlled tasks for the Max-Former paper's claim that spiking networks lose high-frequency
information (:mod:`neurosparse.snn.maxformer`). Each image is the sum of a class-free
component drawn fresh for every image and a class component confined to one band:

* ``kind="high"``: the class is the **orientation** of a fine grating (0, 45, 90 or 135
  degrees, within 10 degrees; frequency in ``[0.30, 0.45]`` cycles per pixel; periodic on the
  grid, so it has no power outside its own frequency; random phase, amplitude uniform in
  ``[0.4, 0.8]``) on top of a smooth random background
  (a Gaussian field with power ``~ 1/f**2`` cut off above 0.12 cycles per pixel, std 1). A
  low-pass filter removes the class; the background carries none.
* ``kind="low"``: the class is the **quadrant** of a smooth blob (a Gaussian of std
  ``side / 7``, centred at a quarter of the side from two edges, +-``side / 16`` jitter,
  amplitude uniform in ``[0.8, 1.6]``) on top of a fine random texture (white noise with every
  component below 0.25 cycles per pixel removed, std 1). A high-pass filter removes the class.

Both add white noise of std ``noise`` (0.1). Classes are balanced (``n // n_classes`` each,
the rest from the first classes) and shuffled. :func:`band_filter` keeps one band; the tests
check that a classifier reads the class from the class band and nothing from the other.
"""

from __future__ import annotations

import numpy as np

from neurosparse._validation import as_count
from neurosparse.errors import ParameterError

__all__ = ["FREQUENCY_TASKS", "band_filter", "frequency_task"]

#: The kinds of :func:`frequency_task`.
FREQUENCY_TASKS = ("high", "low")
N_CLASSES = 4


def _radial_frequency(side: int) -> np.ndarray:
    fy, fx = np.meshgrid(np.fft.fftfreq(side), np.fft.fftfreq(side), indexing="ij")
    return np.hypot(fx, fy)


def _band_filtered(rng: np.random.Generator, n: int, side: int, keep: np.ndarray, slope: float) -> np.ndarray:
    """Gaussian fields with power ~ 1/f**slope on the frequencies ``keep``, std 1 each."""
    f = _radial_frequency(side)
    amplitude = np.where(keep, np.maximum(f, 1.0 / side) ** (-slope / 2), 0.0)
    amplitude[0, 0] = 0.0
    field = np.real(np.fft.ifft2(np.fft.fft2(rng.standard_normal((n, side, side))) * amplitude))
    return field / np.maximum(field.std(axis=(1, 2), keepdims=True), 1e-12)


def _grating_wavevectors(side: int) -> list[np.ndarray]:
    """Per class, the integer wave vectors ``(kx, ky)`` (cycles per image, so the grating is
    periodic on the grid and leaks nothing into other frequencies) whose frequency
    ``|k| / side`` is in ``[0.30, 0.45]`` and whose orientation is within 10 degrees of the
    class's (0, 45, 90, 135 degrees)."""
    r = np.arange(-side // 2, side // 2 + 1)
    ky, kx = np.meshgrid(r, r, indexing="ij")
    k = np.stack([kx.ravel(), ky.ravel()], 1)
    f = np.hypot(k[:, 0], k[:, 1]) / side
    angle = np.rad2deg(np.arctan2(k[:, 1], k[:, 0])) % 180.0
    out = []
    for c in range(N_CLASSES):
        off = np.abs((angle - 45.0 * c + 90.0) % 180.0 - 90.0)
        chosen = k[(f >= 0.30) & (f <= 0.45) & (off <= 10.0)]
        if not len(chosen):
            raise ParameterError(f"side {side} has no grating of frequency 0.30-0.45 within 10 degrees of "
                                 f"{45 * c} degrees; use side >= 8")
        out.append(chosen)
    return out


def frequency_task(kind: str = "high", n: int = 512, *, side: int = 16, noise: float = 0.1,
                   seed: int | np.random.Generator = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` images ``float32 (n, 1, side, side)`` and labels ``int64 (n,)`` in ``0..3`` of the
    task ``kind`` (``"high"`` or ``"low"``; see the module docstring)."""
    if kind not in FREQUENCY_TASKS:
        raise ParameterError(f"kind must be one of {FREQUENCY_TASKS}, got {kind!r}")
    n = as_count("n", n, low=1, high=10_000_000)
    side = as_count("side", side, low=8, high=1024)
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not np.isfinite(noise) or noise < 0:
        raise ParameterError(f"noise must be a finite number >= 0, got {noise!r}")
    if n * side * side > 2 ** 31:
        raise ParameterError(f"n * side**2 must be at most 2**31 values, got {n * side * side}")
    rng = seed if isinstance(seed, np.random.Generator) else \
        np.random.default_rng(as_count("seed", seed, low=0))
    labels = rng.permutation(np.arange(n) % N_CLASSES).astype(np.int64)
    yy, xx = np.meshgrid(np.arange(side, dtype=np.float64), np.arange(side, dtype=np.float64), indexing="ij")
    f = _radial_frequency(side)
    if kind == "high":
        images = _band_filtered(rng, n, side, f <= 0.12, slope=2.0)
        waves = _grating_wavevectors(side)
        k = np.stack([waves[c][rng.integers(len(waves[c]))] for c in labels])  # (n, 2) cycles per image
        phase = rng.uniform(0, 2 * np.pi, n)
        amp = rng.uniform(0.4, 0.8, n)
        arg = 2 * np.pi * (k[:, 0, None, None] * xx + k[:, 1, None, None] * yy) / side
        images += amp[:, None, None] * np.cos(arg + phase[:, None, None])
    else:
        images = _band_filtered(rng, n, side, f >= 0.25, slope=0.0)
        quarter, jitter = side / 4.0, side / 16.0
        cy = np.where(labels // 2 == 0, quarter, side - 1 - quarter) + rng.uniform(-jitter, jitter, n)
        cx = np.where(labels % 2 == 0, quarter, side - 1 - quarter) + rng.uniform(-jitter, jitter, n)
        sigma = side / 7.0
        amp = rng.uniform(0.8, 1.6, n)
        images += amp[:, None, None] * np.exp(-((yy - cy[:, None, None]) ** 2 + (xx - cx[:, None, None]) ** 2)
                                              / (2 * sigma ** 2))
    images += noise * rng.standard_normal(images.shape)
    return images[:, None].astype(np.float32), labels


def band_filter(images: np.ndarray, cutoff: float = 0.2, keep: str = "low") -> np.ndarray:
    """``images`` ``(..., side, side)`` with every spatial frequency above (``keep="low"``) or at
    and below (``keep="high"``) ``cutoff`` cycles per pixel removed (an ideal FFT filter; the
    mean is kept by ``"low"`` only)."""
    if keep not in ("low", "high"):
        raise ParameterError(f"keep must be 'low' or 'high', got {keep!r}")
    if isinstance(cutoff, bool) or not isinstance(cutoff, (int, float)) or not 0 < cutoff < 0.75:
        raise ParameterError(f"cutoff must be a frequency in (0, 0.75) cycles per pixel, got {cutoff!r}")
    x = np.asarray(images, dtype=np.float64)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ParameterError(f"images must be (..., side, side), got shape {x.shape}")
    f = _radial_frequency(x.shape[-1])
    mask = f <= cutoff if keep == "low" else f > cutoff
    return np.real(np.fft.ifft2(np.fft.fft2(x) * mask)).astype(np.float32)
