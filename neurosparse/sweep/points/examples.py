"""Small functions for trying sweeps out and for testing them: a noisy measurement, a point
that fails, and one whose worker dies the first time it runs it."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def noisy_square(x: float, seed: int, noise: float = 0.1) -> dict[str, float]:
    """``x**2`` plus Gaussian noise of standard deviation ``noise`` drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    return {"y": float(x) ** 2 + noise * float(rng.standard_normal()), "x_squared": float(x) ** 2}


def fail_above(x: float, seed: int, limit: float = 2.0) -> dict[str, float]:
    """``noisy_square``, but raises ValueError for ``x > limit`` (error capture)."""
    if x > limit:
        raise ValueError(f"x = {x} is above the limit {limit}")
    return noisy_square(x, seed)


def die_once(x: float, seed: int, marker_folder: str) -> dict[str, float]:
    """``noisy_square``, but the first time a point runs its process exits at once, as a
    worker killed by the OOM killer would (a marker file remembers it happened)."""
    marker = Path(marker_folder) / f"died-{x!r}"
    if not marker.exists():
        marker.write_text("this point's worker died once\n")
        os._exit(1)
    return noisy_square(x, seed)


def slow_square(x: float, seed: int, seconds: float = 0.2, calls_file: str = "") -> dict[str, float]:
    """``noisy_square`` after sleeping ``seconds`` (for interrupting a sweep mid-run); each
    call appends ``x`` to ``calls_file`` if given (to count what a resumed sweep runs)."""
    import time

    if calls_file:
        with open(calls_file, "a") as fh:
            fh.write(f"{x!r}\n")
    time.sleep(seconds)
    return noisy_square(x, seed)
