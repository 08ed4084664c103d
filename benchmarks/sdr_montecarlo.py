"""Monte Carlo throughput of neurosparse.sdr (pairs of SDRs per second) at n=2048, a=40.

Run: python benchmarks/sdr_montecarlo.py [--pairs 2000000]
Prints, for 1 and 2 Numba threads: random_batch + overlaps (pairs/s), overlaps alone (pairs/s)
and false_match_rate end to end (trials/s). Results are bit-identical across thread counts.
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

from neurosparse.sdr.batch import overlaps, random_batch
from neurosparse.sdr.montecarlo import false_match_rate


def _best(fn, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    from neurosparse.bench.core import machine_info

    print("machine:", machine_info())
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=2_000_000)
    parser.add_argument("--n", type=int, default=2048)
    parser.add_argument("--a", type=int, default=40)
    args = parser.parse_args()
    n, a, pairs = args.n, args.a, args.pairs
    false_match_rate(n, a, a, 2, trials=100, seed=0)  # JIT warm-up
    overlaps(random_batch(n, a, 10, 0), random_batch(n, a, 10, 1))
    ref = None
    for threads in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
        numba.set_num_threads(threads)
        t_gen, x = _best(lambda: random_batch(n, a, pairs, 1))
        y = random_batch(n, a, pairs, 2)
        t_ov, ov = _best(lambda x=x, y=y: overlaps(x, y))
        t_fm, est = _best(lambda: false_match_rate(n, a, a, 2, trials=pairs, seed=3), repeats=1)
        if ref is None:
            ref = (ov, est)
        assert np.array_equal(ref[0], ov) and ref[1] == est, "results differ across thread counts"
        print(f"threads={threads} n={n} a={a} pairs={pairs}: "
              f"random_batch+overlaps {pairs / (2 * t_gen + t_ov):,.0f} pairs/s; "
              f"overlaps {pairs / t_ov:,.0f} pairs/s; "
              f"false_match_rate {pairs / t_fm:,.0f} trials/s (p={est.p:.4g})")


if __name__ == "__main__":
    main()
