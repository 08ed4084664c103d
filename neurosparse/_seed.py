"""Seed handling: every stochastic function takes an int, a SeedSequence or a Generator."""

from __future__ import annotations

from typing import Union

import numpy as np

from neurosparse.errors import ParameterError

SeedLike = Union[None, int, np.random.SeedSequence, np.random.Generator]  # noqa: UP007 (runtime alias)


def as_generator(seed: SeedLike) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` for ``seed``.

    A Generator is returned as is (its state advances), an int or SeedSequence seeds a new
    PCG64 generator, and ``None`` draws fresh entropy (not reproducible).
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return np.random.default_rng(int(seed))
    raise ParameterError(
        f"seed must be a non-negative int, a numpy SeedSequence or Generator, or None; got {seed!r}"
    )
