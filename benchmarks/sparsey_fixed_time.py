"""Sparsey's fixed-time claim: storing and retrieving an item costs the same whatever the number stored.

Run: python benchmarks/sparsey_fixed_time.py [--max-items 10000]

A two-level model (level 1: 4 x 4 macs over 8 x 8 patches of a 20 x 20 binary input, Q = 8,
K = 8; level 2: 1 mac, Q = 12, K = 8) stores random inputs in one pass; at each checkpoint of
the number stored (200 to ``--max-items``), the time to store 200 more items and to retrieve 200 stored items
is measured (best of 3, one Numba thread, after JIT warm-up) and printed per item, beside the
same for a nearest-neighbour search over the stored codes (whose cost grows with N).
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

from neurosparse.bench.core import machine_info
from neurosparse.sparsey import LevelSpec, MacParams, Sparsey

SIDE = 20


def build(seed: int) -> Sparsey:
    return Sparsey((SIDE, SIDE), [LevelSpec((4, 4), 8, MacParams(Q=8, K=8, pi_min=1, pi_max=64)),
                                  LevelSpec((1, 1), 4, MacParams(Q=12, K=8, pi_min=1, pi_max=16))],
                   readout="knn", seed=seed)


def _best(fn, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-items", type=int, default=10_000)
    parser.add_argument("--probe", type=int, default=200)
    args = parser.parse_args()
    numba.set_num_threads(1)
    print("machine:", machine_info())
    rng = np.random.default_rng(0)
    model = build(0)
    model.fit(rng.random((5, SIDE, SIDE)) < 0.15, np.arange(5))  # JIT warm-up
    model = build(0)
    stored = 0
    checkpoints = [n for n in (200, 1000, 3000, 10_000, 30_000, 100_000) if n <= args.max_items]
    all_items = None
    print(f"{'stored N':>9} {'store us/item':>14} {'retrieve us/item':>17} {'1-NN over codes us/item':>24} "
          f"{'weights set L1/L2':>18}")
    for n in checkpoints:
        chunk = rng.random((n - stored, SIDE, SIDE)) < 0.15
        all_items = chunk if stored == 0 else np.concatenate([all_items, chunk])
        model.partial_fit(chunk, np.arange(stored, n))
        stored = n
        probe_new = rng.random((args.probe, SIDE, SIDE)) < 0.15
        probe_old = all_items[max(0, n - args.probe):n]

        def store(probe_new=probe_new):
            import copy

            twin = copy.deepcopy(model)
            t0 = time.perf_counter()
            twin.partial_fit(probe_new)
            return time.perf_counter() - t0

        t_store = min(store() for _ in range(3)) / args.probe
        t_retrieve = _best(lambda probe_old=probe_old: model.transform(probe_old)) / len(probe_old)
        codes = model.transform(probe_old).astype(np.float32)
        stored_codes = model.readout_.codes.astype(np.float32)
        t_nn = _best(lambda c=codes, s=stored_codes: np.argmax(c @ s.T, axis=1)) / len(probe_old)
        fill = "/".join(f"{f:.2f}" for f in model.weight_fill())
        print(f"{n:>9} {1e6 * t_store:>14.1f} {1e6 * t_retrieve:>17.1f} {1e6 * t_nn:>24.2f} {fill:>18}")


if __name__ == "__main__":
    main()
