"""Sweeps on Dask on this machine: speed-up of 2 local workers over 1, per-run overhead, and the
time to resume a finished sweep.

    python benchmarks/sweep_scaling.py [--repeats 3] [--json OUT]

* **Speed-up**: a CPU-bound sweep, the SDR false-match Monte Carlo (Numba, one thread per
  worker) at 16 points of 2 million trials, on a local cluster of 1 and of 2 workers; the
  cluster's start-up is timed apart from the sweep.
* **Overhead**: 1,000 trivial points (``noisy_square``, microseconds of work) on 2 workers,
  and here without Dask (``workers=0``), each writing its journal and table to disk:
  seconds per run.
* **Resume**: the finished 1,000-point sweep run again into its folder (nothing to do but
  read the journal and write the table).

Configurations are interleaved within each repeat; the median and the range are printed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from neurosparse.bench.core import machine_info
from neurosparse.sweep import Sweep, run
from neurosparse.sweep.execute import _client, _run_on
from neurosparse.sweep.store import ResultStore

CPU_BOUND = Sweep("neurosparse.sweep.points.sdr:false_match", grid={"n": [1024, 2048, 4096, 8192],
                                                                       "theta": [6, 8, 10, 12]},
                  fixed={"a": 64, "s": 24, "trials": 2_000_000}, seed=1, name="cpu_bound")
TRIVIAL = Sweep("neurosparse.sweep.points.examples:noisy_square",
                grid={"x": [float(i) for i in range(1000)]}, seed=1, name="trivial")


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass


def _on_cluster(sweep: Sweep, workers: int, out: Path | None) -> tuple[float, float]:
    """(seconds to start the cluster, seconds to run the sweep on it)."""
    tic = time.perf_counter()
    with _client(workers, None, None) as client:
        client.wait_for_workers(workers)
        started = time.perf_counter() - tic
        store = ResultStore(sweep, out, restart=True)
        tic = time.perf_counter()
        _run_on(client, sweep, sweep.expand(), store, _NoBar())
        store.write(final=True)
        return started, time.perf_counter() - tic


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    times: dict[str, list[float]] = {k: [] for k in ("start_1", "cpu_1", "start_2", "cpu_2", "trivial_2",
                                                     "trivial_here", "resume")}
    with tempfile.TemporaryDirectory() as tmp:
        run(CPU_BOUND, workers=1, progress=False)  # warm Numba's cache for the workers
        for _ in range(args.repeats):
            s1, c1 = _on_cluster(CPU_BOUND, 1, None)
            s2, c2 = _on_cluster(CPU_BOUND, 2, None)
            _, t2 = _on_cluster(TRIVIAL, 2, Path(tmp, "trivial"))
            tic = time.perf_counter()
            run(TRIVIAL, Path(tmp, "here"), workers=0, progress=False, restart=True)
            here = time.perf_counter() - tic
            tic = time.perf_counter()
            run(TRIVIAL, Path(tmp, "trivial"), workers=2, progress=False)  # all finished: resume only
            resume = time.perf_counter() - tic
            for key, value in zip(times, (s1, c1, s2, c2, t2, here, resume)):
                times[key].append(value)
    med = {k: statistics.median(v) for k, v in times.items()}
    summary = {
        "machine": machine_info(), "repeats": args.repeats, "seconds": times,
        "cpu_bound_runs": len(CPU_BOUND.expand()), "trivial_runs": len(TRIVIAL.expand()),
        "speedup_2_over_1": med["cpu_1"] / med["cpu_2"],
        "speedup_range": [min(times["cpu_1"]) / max(times["cpu_2"]),
                          max(times["cpu_1"]) / min(times["cpu_2"])],
        "overhead_ms_per_run_2_workers": 1e3 * med["trivial_2"] / len(TRIVIAL.expand()),
        "overhead_ms_per_run_here": 1e3 * med["trivial_here"] / len(TRIVIAL.expand()),
        "resume_seconds": med["resume"],
    }
    print(json.dumps({k: v for k, v in summary.items() if k != "machine"}, indent=1))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
