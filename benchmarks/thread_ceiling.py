"""What two threads can give on this machine, for comparison with the engine's speed-up.

A memory-bound loop (one multiply-add per 16 bytes streamed, 32 MB of state, like a
neuron update) and a compute-bound loop (a sine per element), each split in halves over
one or two Numba threads. The engine's two-thread speed-up at N = 256,000 should be read
against the memory-bound ratio.

Run: ``python benchmarks/thread_ceiling.py``
"""

from __future__ import annotations

import time

import numba
import numpy as np
from numba import njit, prange


@njit(parallel=True, cache=True)
def _compute(x, reps, n_threads):
    partial = np.zeros(n_threads)
    for th in prange(n_threads):
        lo = th * x.size // n_threads
        hi = (th + 1) * x.size // n_threads
        acc = 0.0
        for _ in range(reps):
            for i in range(lo, hi):
                acc += np.sin(x[i])
        partial[th] = acc
    return partial.sum()


@njit(parallel=True, cache=True)
def _stream(x, y, reps, n_threads):
    for _ in range(reps):
        for th in prange(n_threads):
            lo = th * x.size // n_threads
            hi = (th + 1) * x.size // n_threads
            for i in range(lo, hi):
                y[i] = y[i] * 0.99 + x[i]


def measure(repeats: int = 5) -> dict[str, float]:
    """Fastest time of each loop with one and two threads, and the speed-ups."""
    x = np.random.default_rng(0).random(2_000_000)
    y = np.zeros_like(x)
    out = {}
    for threads in (1, 2):
        numba.set_num_threads(threads)
        _compute(x, 1, threads)
        _stream(x, y, 1, threads)
        best_c = best_s = float("inf")
        for _ in range(repeats):
            tic = time.perf_counter()
            _compute(x, 5, threads)
            best_c = min(best_c, time.perf_counter() - tic)
            tic = time.perf_counter()
            _stream(x, y, 50, threads)
            best_s = min(best_s, time.perf_counter() - tic)
        out[f"compute_{threads}"] = best_c
        out[f"memory_{threads}"] = best_s
    out["compute_speedup"] = out["compute_1"] / out["compute_2"]
    out["memory_speedup"] = out["memory_1"] / out["memory_2"]
    return out


if __name__ == "__main__":
    r = measure()
    print(f"compute-bound: 1 thread {r['compute_1']:.3f} s, 2 threads {r['compute_2']:.3f} s, "
          f"speed-up {r['compute_speedup']:.2f}")
    print(f"memory-bound:  1 thread {r['memory_1']:.3f} s, 2 threads {r['memory_2']:.3f} s, "
          f"speed-up {r['memory_speedup']:.2f}")
