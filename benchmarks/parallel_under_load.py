"""Multi-thread runs under a competing CPU load: one thread, two adaptive, two forced.

    python benchmarks/parallel_under_load.py [--n 128000] [--duration 0.5] [--rounds 2]

For each load (0, 1 and 2 busy processes, each spinning on a core as another user's job
would), it runs CUBA on one thread, on two threads with the default adaptive choice
(``neurosparse.core.thread_choice``: a multi-thread run falls back to one thread chunk by
chunk when that is faster) and on two threads forced (``NEUROSPARSE_ADAPTIVE_THREADS=0``),
one fresh process each, interleaved, ``--rounds`` times. Prints simulate seconds and the
ratios to one thread; ``--json`` writes them as JSON.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import subprocess
import sys
import time

_RUN = """
import json, sys, warnings
warnings.simplefilter("ignore")
from neurosparse.core.benchmark_networks import cuba
net = cuba({n}, seed=1)
net.run(1e-4, threads={threads}, engine="numba")  # compile or load, build
rec = net.run({duration}, threads={threads}, engine="numba", progress=False)
print(json.dumps({{"sim_seconds": rec.timings["sim_seconds"], "spikes": int(rec.spike_counts.sum()),
                  "parallel_steps": rec.timings.get("parallel_steps"),
                  "serial_steps": rec.timings.get("serial_steps")}}))
"""


def _spin(stop) -> None:
    while not stop.is_set():
        for _ in range(10_000):
            pass


def run_case(n: int, duration: float, threads: int, adaptive: bool) -> dict:
    env = {**os.environ, "NEUROSPARSE_ADAPTIVE_THREADS": "1" if adaptive else "0"}
    out = subprocess.run([sys.executable, "-c", _RUN.format(n=n, duration=duration, threads=threads)],
                         capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=128_000)
    parser.add_argument("--duration", type=float, default=0.5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--loads", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    cases = [("1 thread", 1, True), ("2 threads, adaptive", 2, True), ("2 threads, forced", 2, False)]
    rows = []
    for load in args.loads:
        stop = mp.Event()
        spinners = [mp.Process(target=_spin, args=(stop,), daemon=True) for _ in range(load)]
        for p in spinners:
            p.start()
        time.sleep(0.5)
        try:
            for r in range(args.rounds):
                for label, threads, adaptive in cases:
                    res = run_case(args.n, args.duration, threads, adaptive)
                    rows.append({"load": load, "round": r, "case": label, **res})
                    print(f"load {load}  round {r}  {label:<22s} {res['sim_seconds']:7.2f} s  "
                          f"(parallel steps {res['parallel_steps']}, serial steps {res['serial_steps']})",
                          flush=True)
        finally:
            stop.set()
            for p in spinners:
                p.join()
    print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"CUBA N = {args.n}, {args.duration} s simulated")
    for load in args.loads:
        one = [r["sim_seconds"] for r in rows if r["load"] == load and r["case"] == "1 thread"]
        for label, _, _ in cases[1:]:
            t = [r["sim_seconds"] for r in rows if r["load"] == load and r["case"] == label]
            ratios = [a / b for a, b in zip(t, one)]
            print(f"load {load}: {label:<22s} {min(t):6.2f}-{max(t):6.2f} s, "
                  f"ratio to 1 thread {min(ratios):.2f}-{max(ratios):.2f}")
    if args.json:
        print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
