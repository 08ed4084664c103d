"""The table of benchmarks/RESULTS.md: neurosparse vs Brian2 on CUBA, side by side.

For each configuration, ``neurosparse bench`` is run (in this process, fastest of several
runs) and Brian2 cpp_standalone (and, where it finishes in reasonable time, runtime) in
subprocesses of the same invocation, so the ratios compare numbers taken minutes apart
on the same machine. Results are appended to a JSON file atomically after each
configuration, so an interrupted run keeps what it finished.

Run: ``python benchmarks/cuba_vs_brian2.py [--quick] [--out benchmarks/results/cuba_vs_brian2.json]``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tqdm import tqdm

from neurosparse._io import atomic_write
from neurosparse.bench import bench_network, brian2_network, machine_info, time_to_first_result

# (n, duration, threads, repeats, brian2 modes)
CONFIGS = [
    (4_000, 1.0, 1, 7, ("standalone", "runtime")),
    (256_000, 1.0, 1, 3, ("standalone",)),
    (256_000, 1.0, 2, 3, ()),
    (1_000_000, 0.2, 2, 1, ()),
]
QUICK = [(4_000, 1.0, 1, 5, ("standalone",))]


def run(configs, out: Path, ttfr: bool = True) -> dict:
    results = {"machine": machine_info(), "rows": []}
    for n, duration, threads, repeats, modes in tqdm(configs, desc="configurations"):
        row = bench_network("cuba", n=n, duration=duration, threads=threads, repeats=repeats)
        for mode in modes:
            b2 = brian2_network("cuba", n, duration, mode=mode)
            row[f"brian2_{mode}_sim_seconds"] = b2["sim_seconds"]
            row[f"brian2_{mode}_rate_hz"] = b2["rate_hz"]
            row[f"brian2_{mode}_wall_seconds"] = b2["wall_seconds"]
            row[f"ratio_vs_brian2_{mode}"] = row["sim_seconds"] / b2["sim_seconds"]
        results["rows"].append(row)
        results["machine"] = machine_info()  # the threading layer is known once a run used it
        _save(results, out)
    if ttfr:
        warm = time_to_first_result("cuba", 4000, 1.0)
        cold = time_to_first_result("cuba", 4000, 1.0, cold=True)
        b2 = brian2_network("cuba", 4000, 1.0, mode="standalone")
        results["time_to_first_result"] = {
            "neurosparse_warm_cache_seconds": warm["wall_seconds"],
            "neurosparse_cold_cache_seconds": cold["wall_seconds"],
            "brian2_standalone_seconds": b2["wall_seconds"],
            "ratio_warm": warm["wall_seconds"] / b2["wall_seconds"],
            "ratio_cold": cold["wall_seconds"] / b2["wall_seconds"],
        }
        _save(results, out)
    return results


def _save(results: dict, out: Path) -> None:
    data = json.dumps(results, indent=1).encode()
    atomic_write(out, lambda fh: fh.write(data))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only N = 4,000")
    parser.add_argument("--no-ttfr", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/cuba_vs_brian2.json"))
    args = parser.parse_args(argv)
    results = run(QUICK if args.quick else CONFIGS, args.out, ttfr=not args.no_ttfr)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
