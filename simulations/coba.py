"""The COBA network (conductance-based synapses; Vogels & Abbott 2005): raster, rates, ISI CV, v traces.

Runs :func:`neurosparse.demo.run_demo` (which writes ``recording.npz`` and ``raster.png``)
with the membrane potential of a few excitatory neurons sampled every step, then writes
into ``--out``:

    activity.png   raster of ~500 neurons and population rates over the last 0.5 s,
                   ISI CV histogram of the excitatory population, v traces
    summary.json   parameters, rates, mean ISI CVs, synaptic events, timings

Example::

    python simulations/coba.py --n 4000 --duration 1 --out results/coba
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from neurosparse._io import atomic_write
from neurosparse.demo import activity_statistics, run_demo
from neurosparse.errors import NeurosparseError
from neurosparse.viz import activity_figure, save_figure

NETWORK = "coba"
WINDOW = 0.5  # s: the raster, rate and traces show the last WINDOW seconds
RASTER_NEURONS = 500
TRACE_NEURONS = 4


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4000, help="number of neurons (default 4000)")
    parser.add_argument("--duration", type=float, default=1.0, help="simulated seconds (default 1)")
    parser.add_argument("--seed", type=int, default=1, help="network seed (default 1)")
    parser.add_argument("--threads", type=int, default=None, help="Numba threads (default: automatic)")
    parser.add_argument("--out", type=Path, default=Path("results", NETWORK),
                        help=f"output folder (default results/{NETWORK})")
    args = parser.parse_args(argv)
    try:
        rec = run_demo(NETWORK, n=args.n, duration=args.duration, seed=args.seed,
                       threads=args.threads, out_dir=args.out, trace_neurons=TRACE_NEURONS)
    except NeurosparseError as exc:
        parser.error(str(exc))

    t_stop = (rec.t_start_step + rec.n_steps) * rec.dt
    t_range = (max(rec.t_start_step * rec.dt, t_stop - WINDOW), t_stop)
    title = (f"{NETWORK.upper()}, {args.n} neurons, {rec.duration:g} s, seed {args.seed} "
             f"(shown: {t_range[0]:g}\u2013{t_range[1]:g} s; ISI CV over the whole run)")
    fig = activity_figure(rec, t_range=t_range, max_neurons=RASTER_NEURONS, cv_population="exc",
                          trace_population="exc", title=title)
    fig_path = save_figure(fig, args.out / "activity.png")

    summary = {"network": NETWORK, "n": args.n, "duration": rec.duration, "dt": rec.dt,
               "seed": args.seed, **activity_statistics(rec),
               "synaptic_events": rec.total_events(), "timings": rec.timings}
    json_path = atomic_write(args.out / "summary.json",
                             lambda fh: fh.write(json.dumps(summary, indent=2).encode()))
    print(f"wrote {fig_path} and {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
