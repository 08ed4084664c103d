"""Temporal memory speed: steps per second against steps learned (Hawkins & Ahmad 2016's layer).

Run: python benchmarks/tm_speed.py [--steps 30000] [--chunk 1000] [--json out.json]

One thread, 2048 columns, 40 active columns a step, the paper's parameters (32 cells per
column; also 10, htm.core's HelloSPTP size). Steps are timed in chunks of ``--chunk`` as the
layer learns, so a slow-down as segments accumulate shows as a falling rate. Two workloads:

* ``sequences``: 50 sequences of 10 elements over an alphabet of 200 (elements recur in ~2.5
  sequences), each drawn at random, back to back: after learning, one step in ten bursts (the
  first element of a sequence cannot be predicted);
* ``paper``: the high-order stream of Fig. 6 (``neurosparse.experiments.temporal_memory``),
  where half the elements are noise and burst every time.

Each chunk reports wall-clock and CPU (``time.process_time``) steps per second, segments,
synapses, the mean per-step work (synapses touched, bursting columns) and the CPU time per
synapse touched (flat when the data structures do not slow down as they grow: a step's cost
is its synapses); the machine and ``uptime`` are printed, since a shared machine slows
wall-clock rates. On the noisy stream every noise element bursts and gives 40 cells a new
segment that is never used again (the algorithm keeps them, up to ``max_segments_per_cell``), so
the synapses of the cells a burst activates, and with them the cost of a burst, grow with the
steps learned, in any implementation of the algorithm.

htm.core (the C++ temporal memory users know) has no wheel for Python 3.11, so it is not run
here: its published figure is about 5,000 steps per second for spatial pooler plus temporal
memory at 2048 columns x 10 cells (HelloSPTP, htm.core issue #267), and its users report
slow-downs as segments accumulate (issues #745 and #823).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time

import numba
import numpy as np

from neurosparse.bench.core import machine_info
from neurosparse.dendrites.temporal_memory import TemporalMemory
from neurosparse.experiments.temporal_memory import high_order_stream


def sequences_stream(n_steps: int, seed: int = 0) -> np.ndarray:
    """50 random sequences of 10 elements over 200 SDRs (40 of 2048), drawn at random."""
    rng = np.random.default_rng(seed)
    elems = np.array([np.sort(rng.choice(2048, 40, replace=False)) for _ in range(200)], np.int32)
    seqs = [rng.integers(0, 200, 10) for _ in range(50)]
    ids = np.concatenate([seqs[k] for k in rng.integers(0, 50, n_steps // 10 + 1)])[:n_steps]
    return elems[ids]


def measure(stream: np.ndarray, cells: int, chunk: int, seed: int = 0) -> dict:
    """Learn the stream chunk by chunk; time each chunk, then inference on the last one."""
    tm = TemporalMemory(cells_per_column=cells, seed=seed)
    tm.run(stream[:50], record=())  # compile / load the kernels
    tm = TemporalMemory(cells_per_column=cells, seed=seed)
    rows = []
    for lo in range(0, stream.shape[0], chunk):
        piece = stream[lo:lo + chunk]
        w0, c0 = time.perf_counter(), time.process_time()
        run = tm.run(piece, record=())
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        rows.append({"learned": lo + piece.shape[0], "steps_per_s_wall": piece.shape[0] / wall,
                     "steps_per_s_cpu": piece.shape[0] / max(cpu, 1e-9), "segments": tm.n_segments_,
                     "synapses": tm.n_synapses_,
                     "synapses_touched": float(run.counts["synapses_touched"].mean()),
                     "bursting_columns": float(run.counts["bursting_columns"].mean()),
                     "ns_per_synapse_touched": 1e9 * cpu / max(1, int(run.counts["synapses_touched"].sum())),
                     "load": os.getloadavg()[0]})
    piece = stream[-chunk:]
    w0, c0 = time.perf_counter(), time.process_time()
    tm.run(piece, learn=False, record=())
    infer = {"steps_per_s_wall": chunk / (time.perf_counter() - w0),
             "steps_per_s_cpu": chunk / max(time.process_time() - c0, 1e-9)}
    return {"cells_per_column": cells, "rows": rows, "inference": infer}


def _uptime() -> str:
    """The ``uptime`` line (load averages), or the load averages alone."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return f"load average {os.getloadavg()}"


def main(argv: list[str] | None = None) -> int:
    """Run from the command line; returns the exit status."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=30_000, help="steps learned per workload")
    p.add_argument("--chunk", type=int, default=1000, help="steps per timed chunk")
    p.add_argument("--cells", type=int, nargs="+", default=[32, 10], help="cells per column")
    p.add_argument("--workloads", nargs="+", default=["sequences", "paper"], choices=["sequences", "paper"])
    p.add_argument("--json", default=None, help="also write the results to this file")
    args = p.parse_args(argv)
    if args.steps < args.chunk or args.chunk < 1:
        p.error("--chunk must be >= 1 and --steps >= --chunk")
    numba.set_num_threads(1)
    machine = machine_info()
    uptime = _uptime()
    print(f"machine: {machine}\nuptime: {uptime}")
    results = {"machine": machine, "uptime_at_start": uptime, "runs": []}
    for workload in args.workloads:
        stream = (sequences_stream(args.steps) if workload == "sequences"
                  else high_order_stream(args.steps, seed=0).columns)
        for cells in args.cells:
            res = measure(stream, cells, args.chunk)
            res["workload"] = workload
            results["runs"].append(res)
            print(f"\n{workload}, 2048 x {cells} cells")
            print(" learned  steps/s wall  steps/s cpu  segments  synapses  touched/step  "
                  "bursting/step  cpu ns/touch  load")
            for r in res["rows"]:
                print(f"{r['learned']:8d}  {r['steps_per_s_wall']:12.0f}  {r['steps_per_s_cpu']:11.0f}  "
                      f"{r['segments']:8d}  {r['synapses']:8d}  {r['synapses_touched']:12.0f}  "
                      f"{r['bursting_columns']:13.1f}  {r['ns_per_synapse_touched']:12.1f}  {r['load']:4.1f}")
            late = [r for r in res["rows"] if r["learned"] > 10_000] or res["rows"][-1:]
            wall = np.median([r["steps_per_s_wall"] for r in late])
            print(f"after 10,000 steps learned: {wall:.0f} steps/s wall, "
                  f"{np.median([r['steps_per_s_cpu'] for r in late]):.0f} cpu (median of chunks); "
                  f"inference {res['inference']['steps_per_s_wall']:.0f} wall, "
                  f"{res['inference']['steps_per_s_cpu']:.0f} cpu")
    results["uptime_at_end"] = _uptime()
    print(f"\nuptime: {results['uptime_at_end']}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
