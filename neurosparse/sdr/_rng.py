"""Counter-based random streams for the Numba SDR kernels.

Each row (or trial) ``r`` of a batch owns its own stream, keyed by one 64-bit word drawn from the
caller's numpy Generator and by ``r``; the stream is SplitMix64 (Steele, Lea & Flood 2014: the
generator behind Java's SplittableRandom, which passes BigCrush) started at ``mix(key + r * G)``.
A row's numbers therefore depend on (key, r) only, never on which thread draws them, and no
array of random words is written to memory: the kernels draw ~1 ns per number instead of
streaming numpy's output through RAM.

Bounded integers use the top 53 bits as a float in [0, 1) times the bound, so the
non-uniformity is below bound / 2**53 (1e-10 at n = 1e6), far under any Monte Carlo resolution.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


def draw_key(rng: np.random.Generator) -> np.uint64:
    """One 64-bit key for a batch, drawn from the caller's Generator (advances it by one word)."""
    return np.uint64(rng.integers(0, np.iinfo(np.uint64).max, dtype=np.uint64, endpoint=True))


@njit(inline="always", cache=True)
def mix64(z):  # pragma: no cover - compiled
    """SplitMix64's output function (a bijection of 64-bit words)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(inline="always", cache=True)
def stream_start(key, index):  # pragma: no cover - compiled
    """Initial state of the stream of row ``index`` under ``key``."""
    return mix64(key + np.uint64(index) * _GAMMA)


@njit(inline="always", cache=True)
def below(state, bound):  # pragma: no cover - compiled
    """(new state, integer uniform in [0, bound)) from a SplitMix64 state."""
    state = state + _GAMMA
    u = mix64(state)
    return state, np.int64(np.float64(u >> _S11) * _INV53 * bound)
