"""Helpers shared by the Sparsey tests: random binary items and a small two-level model."""

from __future__ import annotations

import numpy as np

from neurosparse.sparsey import LevelSpec, MacParams, Sparsey


def random_items(rng: np.random.Generator, n: int, shape=(12, 12), on: int = 20) -> np.ndarray:
    """n binary images with ``on`` random pixels each."""
    X = np.zeros((n, shape[0] * shape[1]), dtype=np.bool_)
    for x in X:
        x[rng.choice(x.size, size=on, replace=False)] = True
    return X.reshape((n,) + tuple(shape))


def two_level_model(seed=0, **kwargs) -> Sparsey:
    """3 x 3 macs over 6 x 6 patches of a 12 x 12 input, then one mac over them."""
    levels = [LevelSpec((3, 3), 6, MacParams(Q=5, K=6, pi_min=2)), LevelSpec((1, 1), 3, MacParams(Q=5, K=6))]
    return Sparsey((12, 12), levels, seed=seed, **kwargs)
