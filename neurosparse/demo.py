"""The demo behind ``neurosparse simulate``: build a benchmark network, run it, report, save.

:func:`run_demo` builds the CUBA or COBA network of :mod:`neurosparse.core.benchmark_networks`, runs
it, prints the run's summary with the mean rate and ISI CV of each population, and writes
into its output folder (each file atomically)::

    recording.npz   the Recording (spikes, counts, OpTrace, config, seed, versions)
    raster.png      a raster of the network above its population rates

:func:`activity_statistics` gives the printed numbers as a JSON-ready dict.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from neurosparse._io import atomic_write, begin_outputs, finish_outputs
from neurosparse._validation import as_count, as_float_param
from neurosparse.analysis import isi_cv, mean_rate
from neurosparse.core.benchmark_networks import NETWORKS
from neurosparse.core.recording import Recording
from neurosparse.core.tiers import ENGINES, check_engine
from neurosparse.errors import NeurosparseError, UnknownNameError
from neurosparse.viz import activity_figure, raster_rate_figure, save_figure

#: neurons drawn in ``raster.png`` (the first ones of each population, in proportion)
RASTER_NEURONS = 1000

__all__ = ["RASTER_NEURONS", "activity_statistics", "run_demo"]


def run_demo(name: str, n: int = 4000, duration: float = 1.0, seed: int = 1,
             threads: int | None = None, out_dir: str | os.PathLike | None = None,
             progress: bool = True, *, trace_neurons: int = 0,
             engine: str | None = None) -> Recording:
    """Simulate benchmark network ``name`` and save its recording and raster plot.

    Parameters
    ----------
    name
        ``"cuba"`` or ``"coba"`` (see :mod:`neurosparse.core.benchmark_networks`).
    n
        Number of neurons (80 % excitatory, 80 synapses per neuron, so at least 80).
    duration
        Simulated seconds, > 0, a whole number of 0.1 ms steps.
    seed
        Network seed (connectivity and initial potentials).
    threads
        Numba threads (default: the engine's choice for this size).
    out_dir
        Output folder, created if needed (default ``results/<name>``).
    progress
        Show a progress bar when writing to a terminal (``False``: never).
    trace_neurons
        Also sample the membrane potential ``v`` of this many excitatory neurons (the
        first ones) every step, into ``recording.state["exc"]``.
    engine
        ``"auto"``, ``"numba"`` or ``"numpy"`` (see :meth:`Network.run`; default
        ``NEUROSPARSE_ENGINE``, else ``"auto"``).

    Returns
    -------
    Recording
        The run, as saved to ``out_dir/recording.npz``.

    Raises
    ------
    UnknownNameError
        If ``name`` is not a known network.
    ParameterError
        If ``n``, ``duration``, ``seed``, ``threads``, ``trace_neurons`` or ``engine`` is out
        of range (checked before anything is simulated or written).
    FileError
        If ``out_dir`` cannot be written (checked before anything is simulated). The folder's
        ``manifest.json`` is removed first and written last, so a run interrupted while
        writing leaves no manifest (:func:`neurosparse._io.check_outputs` tells).
    """
    if name not in NETWORKS:
        raise UnknownNameError(f"unknown network {name!r}; choose one of {', '.join(NETWORKS)}")
    n = as_count("n", n, low=1)
    duration = as_float_param("duration", duration, low=0, low_inclusive=False, allow_array=False)
    trace_neurons = as_count("trace_neurons", trace_neurons, low=0)
    check_engine(engine)
    out_dir = begin_outputs(Path("results", name) if out_dir is None else Path(out_dir))

    net = NETWORKS[name](n, seed=seed)
    if trace_neurons:
        n_exc = net.populations["exc"].n
        net.monitor_state("exc", "v", indices=np.arange(min(trace_neurons, n_exc)))
    rec = net.run(duration, threads=threads, progress=None if progress else False, engine=engine)

    print(rec.summary())
    print(_format_statistics(activity_statistics(rec)))
    rec_path = rec.save(out_dir / "recording.npz")
    fig = raster_rate_figure(rec, max_neurons=RASTER_NEURONS,
                             title=f"{name.upper()}, {n} neurons, {duration:g} s, seed {seed}")
    fig_path = save_figure(fig, out_dir / "raster.png")
    finish_outputs(out_dir, [rec_path, fig_path], {"network": name, "n": n, "duration_s": duration,
                                                   "seed": seed})
    print(f"wrote {rec_path} and {fig_path}")
    return rec


def activity_statistics(recording: Recording) -> dict[str, Any]:
    """Mean rate over all monitored neurons and, per population, its rate and ISI CV.

    Returns
    -------
    dict
        ``{"mean_rate_hz": float, "populations": {name: {"n", "spikes", "rate_hz",
        "isi_cv_mean", "neurons_with_isi_cv"}}}``, JSON-ready: ``isi_cv_mean`` is None
        when no neuron fired 3 spikes (see :func:`neurosparse.analysis.isi_cv`), and
        ``mean_rate_hz`` None when no spikes were monitored.
    """
    populations = {}
    for name, tr in recording.spikes.items():
        cv = isi_cv(tr.steps, tr.i, tr.n)
        has_cv = np.isfinite(cv)
        populations[name] = {
            "n": tr.n,
            "spikes": len(tr),
            "rate_hz": mean_rate(tr.t, tr.n, tr.duration),
            "isi_cv_mean": float(cv[has_cv].mean()) if has_cv.any() else None,
            "neurons_with_isi_cv": int(has_cv.sum()),
        }
    n_total = sum(p["n"] for p in populations.values())
    spikes = sum(p["spikes"] for p in populations.values())
    return {"mean_rate_hz": spikes / (n_total * recording.duration) if n_total else None,
            "populations": populations}


def _format_statistics(stats: dict[str, Any]) -> str:
    if stats["mean_rate_hz"] is None:
        return "  no spikes monitored"
    lines = [f"  mean rate: {stats['mean_rate_hz']:.3f} Hz"]
    for name, p in stats["populations"].items():
        cv = "n/a" if p["isi_cv_mean"] is None else f"{p['isi_cv_mean']:.3f}"
        lines.append(f"  {name:>12s}: ISI CV {cv} (mean over {p['neurons_with_isi_cv']} "
                     "neurons with >= 3 spikes)")
    return "\n".join(lines)


def activity_script(network: str, description: str, argv: list[str] | None = None, *,
                    window: float = 0.5, raster_neurons: int = 500, trace_neurons: int = 4) -> int:
    """The command line of ``simulations/cuba.py`` and ``coba.py``: run the demo network, then
    write ``activity.png`` (raster, rates, ISI CV, v traces over the last ``window`` seconds)
    and ``summary.json`` into ``--out``. Returns the exit status."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--n", type=int, default=4000, help="number of neurons (default 4000)")
    parser.add_argument("--duration", type=float, default=1.0, help="simulated seconds (default 1)")
    parser.add_argument("--seed", type=int, default=1, help="network seed (default 1)")
    parser.add_argument("--threads", type=int, default=None, help="Numba threads (default: automatic)")
    parser.add_argument("--engine", choices=ENGINES, default=None,
                        help="compiled kernels, interpreter, or auto (default: auto)")
    parser.add_argument("--out", type=Path, default=Path("results", network),
                        help=f"output folder (default results/{network})")
    args = parser.parse_args(argv)
    try:
        rec = run_demo(network, n=args.n, duration=args.duration, seed=args.seed,
                       threads=args.threads, out_dir=args.out, trace_neurons=trace_neurons,
                       engine=args.engine)
    except NeurosparseError as exc:
        parser.error(str(exc))

    t_stop = (rec.t_start_step + rec.n_steps) * rec.dt
    t_range = (max(rec.t_start_step * rec.dt, t_stop - window), t_stop)
    title = (f"{network.upper()}, {args.n} neurons, {rec.duration:g} s, seed {args.seed} "
             f"(shown: {t_range[0]:g}\u2013{t_range[1]:g} s; ISI CV over the whole run)")
    fig = activity_figure(rec, t_range=t_range, max_neurons=raster_neurons, cv_population="exc",
                          trace_population="exc", title=title)
    fig_path = save_figure(fig, args.out / "activity.png")

    summary = {"network": network, "n": args.n, "duration": rec.duration, "dt": rec.dt,
               "seed": args.seed, **activity_statistics(rec),
               "synaptic_events": rec.total_events(), "timings": rec.timings}
    json_path = atomic_write(args.out / "summary.json",
                             lambda fh: fh.write(json.dumps(summary, indent=2).encode()))
    print(f"wrote {fig_path} and {json_path}")
    return 0
