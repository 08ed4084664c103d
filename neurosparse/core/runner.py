"""Drive the kernels over a run in chunks: progress, buffers, and assembling the Recording."""

from __future__ import annotations

import time
from dataclasses import fields, is_dataclass

import numba
import numpy as np
from tqdm import tqdm

from neurosparse.core import interpreter, tiers
from neurosparse.core.engine.arrays import P_MONITORED
from neurosparse.core.engine.parallel import run_chunk_parallel
from neurosparse.core.engine.serial import kernel_features, single_thread_kernel
from neurosparse.core.recording import (
    Recording,
    SpikeTrains,
    StateSamples,
    package_versions,
)
from neurosparse.core.spec import NetworkSpec, Population
from neurosparse.core.thread_choice import ThreadChooser, adaptive_threads_enabled
from neurosparse.core.trace import build_optrace
from neurosparse.errors import ParameterError

#: From this many neurons on, runs use every available thread by default.
PARALLEL_THRESHOLD = 100_000
#: with several threads, a population is split over them from this many neurons per
#: thread, and a step's spikes are propagated in parallel from this many spikes
SPLIT_NEURONS_PER_THREAD = 8192
SPLIT_SPIKES = 32
_TARGET_CHUNK_SECONDS = 0.25


def default_threads(n_neurons: int) -> int:
    """Threads a run uses when not told: 1 below :data:`PARALLEL_THRESHOLD` neurons."""
    return 1 if n_neurons < PARALLEL_THRESHOLD else numba.config.NUMBA_NUM_THREADS


def run_network(net: NetworkSpec, compiled, t0: int, n_steps: int,
                seed: np.random.SeedSequence | np.random.Generator,
                threads: int | None = None, progress: bool | None = None,
                engine: str | None = None) -> Recording:
    """Run steps ``t0 .. t0 + n_steps - 1`` of the network ``net`` (compiled as
    ``compiled``, whose arrays hold its state and are updated in place) and return the
    recording. ``seed`` seeds this run's random draws (Poisson inputs); a Generator is used
    as it is and left advanced, so that the next run continues its stream.

    ``engine``: ``"numba"`` (the compiled kernels), ``"numpy"`` (the interpreted first tier,
    one thread; see :func:`neurosparse.core.interpreter.supports`) or ``"auto"`` (see
    :mod:`neurosparse.core.tiers`);
    default from ``NEUROSPARSE_ENGINE``, else ``"auto"``.
    """
    a = compiled.arrays
    n_total = int(compiled.starts[-1])
    engine = tiers.check_engine(engine)
    threads_given = threads is not None
    if threads is None:
        threads = default_threads(n_total)
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or not (
            1 <= threads <= numba.config.NUMBA_NUM_THREADS):
        raise ParameterError(f"threads must be an integer in [1, {numba.config.NUMBA_NUM_THREADS}] "
                             f"(the cores Numba can use), got {threads!r}")
    if engine == "numpy":
        if not interpreter.supports(a):
            raise ParameterError(
                "engine='numpy' runs only networks without STDP whose neuron populations are "
                "LIF or IF without conductance ports, Izhikevich, MaxPlusLIF or DiscreteLIF; "
                "use engine='numba' or 'auto'")
        if threads_given and threads != 1:
            raise ParameterError(f"engine='numpy' runs on one thread; got threads={threads}")
    rng = np.random.default_rng(seed)
    P = len(compiled.names)
    J = len(compiled.proj_names)
    n_mon = int(sum(compiled.starts[p + 1] - compiled.starts[p]
                    for p in range(P) if a.pop_info[p, P_MONITORED]))
    cap = max(4 * n_mon, 1 << 16)
    spk_t = np.empty(cap, np.int64)
    spk_i = np.empty(cap, np.int64)
    scratch = np.zeros((6, max(n_total, P + 1)), np.int64)
    n_cols = len(compiled.monitor_columns)
    every = a.rec_every if n_cols else 0
    arrays = a._replace(rec_every=every)
    # compiled with only the paths this network can take (STDP, general neuron update,
    # Poisson sampling): less to compile on a cold start
    features = kernel_features(arrays.pop_info, arrays.has_plastic)
    serial_kernel = single_thread_kernel(*features)

    t_end = t0 + n_steps
    counts = np.zeros((n_steps, P), np.int32)
    events = np.zeros((n_steps, J), np.int64)
    if engine == "auto":
        supported = threads == 1 and interpreter.supports(a)
        estimate = tiers.interpreter_seconds(n_total, n_steps, interpreter.draw_calls_per_step(a)
                                             ) if supported else 0.0
        engine = tiers.choose_auto(supported, estimate, lambda: tiers.kernel_ready(serial_kernel, (
            arrays, t0, t0 + 1, rng, spk_t, spk_i, 0, np.empty((0, n_cols)), 0, counts, events,
            scratch)), features)
    if engine == "numpy":
        rec = _run_interpreted(net, compiled, arrays, t0, t_end, counts, events, rng, progress)
        tiers.record_run("numpy", rec.timings["sim_seconds"])
        return rec
    spike_parts_t, spike_parts_i, rec_parts = [], [], []
    timings = {"build_seconds": compiled.build_seconds}
    compile_seconds = 0.0
    sim_seconds = 0.0
    show = progress if progress is not None else None
    bar = tqdm(total=n_steps, unit="step", disable=(not show) if show is not None else None,
               leave=False, mininterval=0.5)
    # a multi-thread run falls back to one thread, chunk by chunk, where that is faster (a
    # busy machine); a probe never compiles the serial kernel, it is compiled meanwhile
    chooser = ThreadChooser(lambda: _serial_ready(serial_kernel, arrays, rng, n_cols, counts, events,
                                                  scratch, features),
                            enabled=threads > 1 and adaptive_threads_enabled())
    # the first call of a kernel runs one step: it includes JIT compilation (or loading the
    # compiled kernel from Numba's cache), reported as compile time; later calls are simulation
    chunk = 1
    t = t0
    first = True
    try:
        while t < t_end:
            mode = "serial" if threads == 1 else chooser.next()
            warm_up = threads > 1 and chooser.needs_warm_up(mode)
            if warm_up:
                chunk = 1
            elif not first:
                per_step = chooser.per_step_seconds(mode) or chooser.per_step_seconds("parallel")
                if per_step:
                    chunk = int(min(max(_TARGET_CHUNK_SECONDS / per_step, 100), 1_000_000))
            t1 = min(t + chunk, t_end)
            n_rec_max = 0 if every == 0 else ((t1 - 1) // every - (t - 1) // every)
            rec_buf = np.empty((n_rec_max, n_cols))
            tic = time.perf_counter()
            if mode == "serial":
                t_done, n_spk, n_rec = serial_kernel(
                    arrays, t, t1, rng, spk_t, spk_i, 0, rec_buf, 0,
                    counts[t - t0:], events[t - t0:], scratch)
            else:
                numba.set_num_threads(int(threads))
                t_done, n_spk, n_rec = run_chunk_parallel(
                    arrays, t, t1, rng, spk_t, spk_i, 0, rec_buf, 0,
                    counts[t - t0:], events[t - t0:], scratch, int(threads),
                    SPLIT_NEURONS_PER_THREAD, SPLIT_SPIKES)
            elapsed = time.perf_counter() - tic
            done_steps = t_done - t
            if first or warm_up:
                compile_seconds += elapsed
                if warm_up:
                    chooser.record(mode, done_steps, elapsed, warm_up=True)
                if first:
                    chunk = 200
                first = False
            else:
                sim_seconds += elapsed
                chooser.record(mode, done_steps, elapsed)  # sizes the next chunk of this kernel
            spike_parts_t.append(spk_t[:n_spk].copy())
            spike_parts_i.append(spk_i[:n_spk].copy())
            rec_parts.append(rec_buf[:n_rec].copy())
            bar.update(done_steps)
            t = t_done
    finally:
        bar.close()
    tiers.record_run("numba", compile_seconds + sim_seconds)
    timings.update(compile_seconds=compile_seconds, sim_seconds=sim_seconds, threads=threads,
                   engine="numba")
    if threads > 1:
        timings.update(parallel_steps=chooser.steps["parallel"], serial_steps=chooser.steps["serial"])
    all_t = np.concatenate(spike_parts_t) if spike_parts_t else np.zeros(0, np.int64)
    all_i = np.concatenate(spike_parts_i) if spike_parts_i else np.zeros(0, np.int64)
    return _recording(net, compiled, t0, t_end, counts, events, all_t, all_i, rec_parts, timings)


def _serial_ready(serial_kernel, arrays, rng, n_cols, counts, events, scratch, features) -> bool:
    """Whether the serial kernel runs without compiling; if not, compile it in the background."""
    spk = np.empty(1, np.int64)
    ready = tiers.kernel_ready(serial_kernel, (arrays, 0, 1, rng, spk, spk, 0, np.empty((0, n_cols)), 0,
                                               counts, events, scratch))
    if not ready:
        tiers.compile_in_background(features)
    return ready


def _run_interpreted(net, compiled, arrays, t0, t_end, counts, events, rng, progress) -> Recording:
    """Run on the interpreted first tier (:mod:`neurosparse.core.interpreter`)."""
    n_steps = t_end - t0
    bar = tqdm(total=n_steps, unit="step", disable=(not progress) if progress is not None else None,
               leave=False, mininterval=0.5)
    tic = time.perf_counter()
    try:
        all_t, all_i, rec = interpreter.run_steps(arrays, t0, t_end, compiled.starts, rng,
                                                  on_progress=bar.update)
    finally:
        bar.close()
    sim_seconds = time.perf_counter() - tic
    pop = interpreter.count(arrays, compiled.starts, t0, all_t, all_i, counts, events)
    keep = arrays.pop_info[pop, P_MONITORED] == 1
    timings = {"build_seconds": compiled.build_seconds, "compile_seconds": 0.0,
               "sim_seconds": sim_seconds, "threads": 1, "engine": "numpy"}
    return _recording(net, compiled, t0, t_end, counts, events, all_t[keep], all_i[keep], [rec],
                      timings)


def _recording(net, compiled, t0, t_end, counts, events, all_t, all_i, rec_parts,
               timings) -> Recording:
    """Assemble the Recording (and its OpTrace) of a finished run."""
    a = compiled.arrays
    P = len(compiled.names)
    n_steps = t_end - t0
    every = a.rec_every if compiled.monitor_columns else 0
    spikes = {}
    for p, name in enumerate(compiled.names):
        if not a.pop_info[p, P_MONITORED]:
            continue
        lo, hi = compiled.starts[p], compiled.starts[p + 1]
        sel = (all_i >= lo) & (all_i < hi)
        spikes[name] = SpikeTrains(steps=all_t[sel], i=(all_i[sel] - lo).astype(np.int32),
                                   n=int(hi - lo), dt=net.dt, t_start=t0 * net.dt,
                                   t_stop=t_end * net.dt)
    state = _assemble_state(compiled, rec_parts, t0, t_end, every, net.dt)
    rec = Recording(
        dt=net.dt, t_start_step=t0, n_steps=n_steps, population_names=list(compiled.names),
        population_sizes=[int(compiled.starts[p + 1] - compiled.starts[p]) for p in range(P)],
        projection_names=list(compiled.proj_names), spike_counts=counts,
        synaptic_events=events, spikes=spikes, state=state,
        config=describe_network(net), versions=package_versions(), timings=timings)
    rec.optrace = build_optrace(net, compiled, rec)
    return rec


def _assemble_state(compiled, rec_parts, t0, t_end, every, dt):
    if not compiled.monitor_columns:
        return {}
    data = np.concatenate(rec_parts, axis=0) if rec_parts else np.zeros((0, 0))
    first = -(-t0 // every) * every
    steps = np.arange(first, t_end, every, dtype=np.int64)
    state: dict[str, StateSamples] = {}
    by_pop: dict[str, dict[str, list[int]]] = {}
    idx_by_pop: dict[str, dict[str, list[int]]] = {}
    for c, (pop, var, li) in enumerate(compiled.monitor_columns):
        by_pop.setdefault(pop, {}).setdefault(var, []).append(c)
        idx_by_pop.setdefault(pop, {}).setdefault(var, []).append(li)
    for pop, per_var in by_pop.items():
        first_var = next(iter(per_var))
        indices = np.asarray(idx_by_pop[pop][first_var], np.int64)
        values = {var: data[:, cols] for var, cols in per_var.items()}
        state[pop] = StateSamples(steps=steps, indices=indices, values=values,
                                  record_dt=every * dt, dt=dt)
    return state


def describe_network(net: NetworkSpec) -> dict:
    """The network's configuration as JSON-serialisable data (arrays summarised)."""
    pops = {}
    for name, pop in net.populations.items():
        if isinstance(pop, Population):
            pops[name] = {"n": pop.n, "model": _describe(pop.model),
                          "ports": {k: _describe(v) for k, v in pop.ports.items()},
                          "currents": [_describe(c) for c in pop.currents],
                          "initial": {k: _summarise(v) for k, v in pop.initial.items()}}
        else:
            pops[name] = {"n": pop.n, "input": _describe(pop.group)}
    projs = []
    for spec in net.projections:
        projs.append({"name": spec.name, "source": spec.source, "target": spec.target,
                      "port": spec.port, "rule": _describe(spec.rule),
                      "weight": _summarise(spec.weight), "delay": _summarise(spec.delay),
                      "plasticity": _describe(spec.plasticity) if spec.plasticity else None,
                      "seed_entropy": str(spec.seed.entropy),
                      "seed_spawn_key": list(spec.seed.spawn_key)})
    return {"dt": net.dt, "seed_entropy": str(net.seed.entropy),
            "seed_spawn_key": list(net.seed.spawn_key), "populations": pops,
            "projections": projs}


def _describe(obj) -> dict:
    if is_dataclass(obj):
        out = {"type": type(obj).__name__}
        for f in fields(obj):
            out[f.name] = _summarise(getattr(obj, f.name))
        return out
    return {"type": type(obj).__name__}


def _summarise(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if callable(value):
        return {"callable": getattr(value, "__name__", repr(value))}
    if is_dataclass(value):
        return _describe(value)
    if hasattr(value, "shape") and hasattr(value, "dtype") and not hasattr(value, "tocoo"):
        arr = np.asarray(value)
        if arr.ndim == 0:
            return float(arr)
        if arr.size <= 16:
            return arr.tolist()
        return {"shape": list(arr.shape), "mean": float(arr.mean()), "min": float(arr.min()),
                "max": float(arr.max())}
    if hasattr(value, "tocoo"):
        return {"sparse_shape": list(value.shape), "nnz": int(value.nnz)}
    return repr(value)
