"""Time to first result at N = 4,000 (1 s of CUBA), against Brian2 cpp_standalone.

Each round runs, in this order and one at a time, fresh processes of:

* neurosparse with an empty Numba cache and the default engine (``auto``: the interpreted
  first tier gives the result, the kernel compiles in the background);
* Brian2 cpp_standalone (generates, compiles in a new directory and runs the project);
* neurosparse with an empty Numba cache forced to compile first (``engine="numba"``);
* neurosparse with Numba's cache warm (every later run).

Usage::

    python benchmarks/time_to_first_result.py [--rounds 3] [--n 4000] [--out FILE.json]

Prints one row per round and the ratios to Brian2; with ``--out`` writes every
measurement as JSON (atomically, after each round).
"""

from __future__ import annotations

import argparse
import json

from tqdm import tqdm

from neurosparse._io import atomic_write
from neurosparse.bench import brian2_network, machine_info, time_to_first_result


def one_round(n: int, duration: float) -> dict:
    cold = time_to_first_result("cuba", n, duration, cold=True)
    brian2 = brian2_network("cuba", n, duration, mode="standalone")
    cold_compiled = time_to_first_result("cuba", n, duration, cold=True, engine="numba")
    warm = time_to_first_result("cuba", n, duration)
    return {"cold_auto": cold["wall_seconds"], "cold_auto_engine": cold["engine"],
            "cold_auto_process": cold["process_seconds"],
            "brian2_standalone": brian2["wall_seconds"],
            "cold_numba": cold_compiled["wall_seconds"], "warm": warm["wall_seconds"],
            "warm_engine": warm["engine"], "spikes": cold["spikes"],
            "spikes_agree": cold["spikes"] == cold_compiled["spikes"] == warm["spikes"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--out", default=None, help="write the measurements here (JSON)")
    args = parser.parse_args()
    rows = []
    print("round  cold(auto)  engine  Brian2  cold(numba)  warm   cold/B2  cold(numba)/B2  warm/B2")
    for k in tqdm(range(args.rounds), desc="rounds", leave=False):
        r = one_round(args.n, args.duration)
        rows.append(r)
        b2 = r["brian2_standalone"]
        print(f"{k + 1:5d}  {r['cold_auto']:10.2f}  {r['cold_auto_engine']:>6s}  {b2:6.2f}  "
              f"{r['cold_numba']:11.2f}  {r['warm']:5.2f}  {r['cold_auto'] / b2:7.3f}  "
              f"{r['cold_numba'] / b2:14.3f}  {r['warm'] / b2:7.3f}", flush=True)
        if args.out:
            data = json.dumps({"machine": machine_info(), "n": args.n, "duration": args.duration,
                               "rounds": rows}, indent=1).encode()
            atomic_write(args.out, lambda fh, data=data: fh.write(data))


if __name__ == "__main__":
    main()
