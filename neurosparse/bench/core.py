"""Time the event core on a benchmark network: build, compile, simulate, memory.

Simulation time is the minimum over ``repeats`` runs of freshly built networks of the
same seed (the minimum is the least noisy estimate of what the code costs; the spread is
reported beside it). Compile time is the first step of the first run: JIT compilation, or
loading the kernels from Numba's on-disk cache.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from typing import Any

import numba
import numpy as np

from neurosparse._validation import as_count, as_float_param
from neurosparse.core.benchmark_networks import NETWORKS, mean_rate
from neurosparse.errors import UnknownNameError

#: Most repeats of a benchmark (the fastest run counts).
MAX_REPEATS = 1000


def machine_info() -> dict[str, Any]:
    """CPU, core count and library versions, to print beside every figure."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "numba_threads": numba.config.NUMBA_NUM_THREADS,
        "threading_layer": _threading_layer(),
    }


def _threading_layer() -> str:
    try:
        return numba.threading_layer()
    except ValueError:  # no parallel kernel has run yet in this process
        return str(numba.config.THREADING_LAYER)


def network_builder(name: str):
    """The builder of benchmark network ``name`` (``cuba`` or ``coba``)."""
    if name not in NETWORKS:
        raise UnknownNameError(f"unknown network {name!r}; choose one of {', '.join(NETWORKS)}")
    return NETWORKS[name]


def bench_network(name: str = "cuba", n: int = 4000, duration: float = 1.0,
                  threads: int | None = None, seed: int = 0, repeats: int = 1,
                  progress: bool = False) -> dict[str, Any]:
    """Build and run a benchmark network on the compiled kernels (``engine="numba"``);
    return timings, activity and memory.

    Parameters
    ----------
    name
        ``"cuba"`` or ``"coba"`` (see :mod:`neurosparse.core.benchmark_networks`).
    n
        Number of neurons (80 synapses per neuron).
    duration
        Simulated seconds per run.
    threads
        Numba threads (default: the engine's choice for this size).
    seed
        Network seed.
    repeats
        Runs of freshly built networks; ``sim_seconds`` is the fastest.
    progress
        Show a progress bar.

    Returns
    -------
    dict
        ``n``, ``synapses``, ``spikes``, ``rate_hz``, ``synaptic_events``,
        ``build_seconds``, ``compile_seconds``, ``sim_seconds`` (fastest run),
        ``sim_seconds_all``, ``events_per_second``, ``peak_memory_bytes`` (peak resident
        set of this process), ``estimated_memory_bytes``, ``bytes_per_synapse`` (synapse
        storage incl. row pointers and delays over the number of synapses), ``threads``.
    """
    build = network_builder(name)
    n = as_count("n", n, low=5)
    duration = as_float_param("duration", duration, low=0, low_inclusive=False, allow_array=False)
    repeats = as_count("repeats", repeats, low=1, high=MAX_REPEATS,
                       why="the fastest of more runs tells nothing new")
    sims, first = [], None
    for _ in range(repeats):
        tic = time.perf_counter()
        net = build(n, seed=seed)
        compiled = net.compile()
        build_seconds = time.perf_counter() - tic
        rec = net.run(duration, threads=threads, progress=progress, engine="numba")
        sims.append(rec.timings["sim_seconds"])
        if first is None:
            first = (net, compiled, rec, build_seconds)
        del net, compiled, rec
    net, compiled, rec, build_seconds = first
    projections = list(compiled.projections.values())
    n_syn = sum(p.n_synapses for p in projections)
    storage = sum(p.storage_bytes() for p in projections)
    events = rec.total_events()
    sim = min(sims)
    return {
        "network": name,
        "n": n,
        "duration": duration,
        "synapses": n_syn,
        "spikes": int(rec.spike_counts.sum()),
        "rate_hz": mean_rate(rec),
        "synaptic_events": int(events),
        "build_seconds": build_seconds,
        "compile_seconds": rec.timings["compile_seconds"],
        "sim_seconds": sim,
        "sim_seconds_all": sims,
        "events_per_second": events / sim if sim > 0 else float("nan"),
        "peak_memory_bytes": _peak_rss_bytes(),
        "estimated_memory_bytes": int(net.estimate_memory()),
        "bytes_per_synapse": storage / n_syn if n_syn else 0.0,
        "threads": int(rec.timings["threads"]),
        "seed": seed,
    }


def _peak_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # Linux reports KiB


_TTFR_SCRIPT = """
import time, json, sys
t0 = time.perf_counter()
from neurosparse.core.benchmark_networks import {name}
net = {name}({n}, seed={seed})
rec = net.run({duration}, threads=1, progress=False)
print(json.dumps({{"spikes": int(rec.spike_counts.sum()), "inner_seconds": time.perf_counter() - t0,
                  "engine": rec.timings["engine"]}}), flush=True)
# the result is out; a kernel compiling in the background finishes before this process ends
from neurosparse.core import tiers
tiers.wait_for_background()
"""


def time_to_first_result(name: str = "cuba", n: int = 4000, duration: float = 1.0, seed: int = 0,
                         cold: bool = False, engine: str = "auto",
                         timeout: float = 1800.0) -> dict[str, Any]:
    """Wall time from starting a fresh interpreter until it prints the result of importing
    neurosparse, building, compiling and simulating the network (one thread).

    With ``cold`` the kernels are not compiled yet (an empty Numba cache directory), as on
    the first run after installing; otherwise Numba's on-disk cache is used, as on every
    later run. ``engine`` is the run's engine (``auto``: on a cold start, the interpreted
    first tier, while the kernel compiles in the background; see
    :mod:`neurosparse.core.tiers`).

    Returns
    -------
    dict
        ``wall_seconds`` (to the result), ``engine`` (the engine that ran), ``spikes``,
        ``inner_seconds`` (measured inside the process, from before the import), and
        ``process_seconds``: until the process ended, after any background compilation.
    """
    network_builder(name)
    from neurosparse.core.tiers import BACKGROUND_ENV, ENGINE_ENV, check_engine

    env = dict(os.environ)
    env[ENGINE_ENV] = check_engine(engine)
    env[BACKGROUND_ENV] = "1"  # as installed: the defaults
    if cold:
        import tempfile

        env["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="neurosparse-cold-cache-")
    code = _TTFR_SCRIPT.format(name=name, n=int(n), seed=int(seed), duration=float(duration))
    tic = time.perf_counter()
    with subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as proc:
        line = proc.stdout.readline()
        wall = time.perf_counter() - tic
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        ended = time.perf_counter() - tic
    if proc.returncode != 0 or not line.strip():
        raise RuntimeError(f"time-to-first-result run failed ({proc.returncode}): {err[-2000:]}")
    result = json.loads(line)
    return {"wall_seconds": wall, "process_seconds": ended, "cold": cold, **result}
