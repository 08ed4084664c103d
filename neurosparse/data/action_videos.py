"""Synthetic event videos: small shapes performing actions, for spatiotemporal recognition.

Each video shows one shape (square, cross, bar, L or T) on a blank binary frame, doing one
action for ``n_frames`` frames: moving right, left, down or up by ``speed`` pixels per frame,
or staying and blinking. The class is the action, not the shape, so a model must use the
order of the frames (the last frame alone does not tell "left" from "right"). Start
positions and shapes are random; ``noise`` flips each pixel independently with that
probability. Generated, never downloaded.
"""

from __future__ import annotations

import numpy as np

from neurosparse._seed import SeedLike, as_generator
from neurosparse._validation import as_count, as_float_param, check_memory
from neurosparse.errors import ParameterError

__all__ = ["ACTIONS", "SHAPES", "action_videos"]

SHAPES: dict[str, np.ndarray] = {
    "square": np.ones((3, 3), dtype=np.bool_),
    "cross": np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=np.bool_),
    "bar": np.ones((1, 4), dtype=np.bool_),
    "L": np.array([[1, 0], [1, 0], [1, 1]], dtype=np.bool_),
    "T": np.array([[1, 1, 1], [0, 1, 0], [0, 1, 0]], dtype=np.bool_),
}
ACTIONS: dict[str, tuple[int, int]] = {
    "right": (0, 1),
    "left": (0, -1),
    "down": (1, 0),
    "up": (-1, 0),
    "blink": (0, 0),
}


def action_videos(
    n_per_class: int,
    *,
    side: int = 16,
    n_frames: int = 6,
    speed: int = 2,
    noise: float = 0.0,
    seed: SeedLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Videos (n, n_frames, side, side) bool and action labels (n,) int64, classes in ACTIONS order.

    Videos are grouped by class (``n_per_class`` each, >= 1); shuffle before streaming them.
    ``n_frames >= 2``, ``speed`` an integer >= 0 (pixels per frame), ``side >= speed (n_frames
    - 1) + 5`` pixels, ``noise`` in [0, 0.5].
    """
    n_per_class = as_count("n_per_class", n_per_class, low=1)
    n_frames = as_count("n_frames", n_frames, low=2)
    speed = as_count("speed", speed, low=0)
    side = as_count("side", side, low=1)
    travel = speed * (n_frames - 1)
    if side < travel + 5:
        raise ParameterError(
            f"side must be an integer >= speed * (n_frames - 1) + 5 = {travel + 5} (speed={speed}, "
            f"n_frames={n_frames}); got {side!r}"
        )
    noise = as_float_param("noise", noise, low=0.0, high=0.5, allow_array=False)
    check_memory(9.0 * len(ACTIONS) * n_per_class * n_frames * side * side,
                 f"action_videos(n_per_class={n_per_class}, n_frames={n_frames}, side={side})",
                 "the videos take a byte a pixel, the noise eight more")
    rng = as_generator(seed)
    shapes = list(SHAPES.values())
    videos = np.zeros((len(ACTIONS) * n_per_class, n_frames, side, side), dtype=np.bool_)
    labels = np.repeat(np.arange(len(ACTIONS)), n_per_class)
    for v, label in enumerate(labels):
        shape = shapes[rng.integers(len(shapes))]
        dr, dc = list(ACTIONS.values())[label]
        h, w = shape.shape
        # start so the whole path stays inside the frame
        r_lo, r_hi = (travel if dr < 0 else 0), side - h - (travel if dr > 0 else 0)
        c_lo, c_hi = (travel if dc < 0 else 0), side - w - (travel if dc > 0 else 0)
        r, c = rng.integers(r_lo, r_hi + 1), rng.integers(c_lo, c_hi + 1)
        for t in range(n_frames):
            if dr == 0 and dc == 0 and t % 2 == 1:
                continue  # blink: the shape is off on odd frames
            rr, cc = r + dr * speed * t, c + dc * speed * t
            videos[v, t, rr : rr + h, cc : cc + w] |= shape
    if noise > 0:
        videos ^= rng.random(videos.shape) < noise
    return videos, labels
