"""Does the cost of a simulated second grow linearly with the synaptic events?

A fixed network (Poisson sources -> LIF neurons held below threshold, fixed out-degree)
is run at increasing input rates. The neuron updates are the same in every run; only the
spikes and synaptic events change. A least-squares line ``sim_seconds = a + b * events``
is fitted: ``a`` is the cost of updating the neurons, ``b`` the cost per event, and R^2
says how linear it is. Rate 0 checks that a silent network propagates nothing.

Run: ``python benchmarks/scaling_events.py [--json]``.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

import neurosparse as ns
from neurosparse.bench import machine_info


def build(n_sources: int, n_neurons: int, out_degree: int, rate: float, seed: int) -> ns.Network:
    """Poisson sources onto LIF neurons whose threshold they cannot reach."""
    net = ns.Network(dt=1e-4, seed=seed)
    net.add_population("lif", n_neurons, ns.LIF(v_th=1.0, v_reset=-70e-3),
                       ports={"e": ns.CurrentSynapse(5e-3)})
    net.add_input("poisson", ns.PoissonGroup(n_sources, rate))
    net.connect("poisson", "lif", "e", ns.FixedOutDegree(out_degree), weight=1e-12)
    return net


def measure(rates, n_sources=20_000, n_neurons=50_000, out_degree=100, duration=1.0,
            repeats=3, threads=1):
    """Simulated seconds and events for each rate (best of ``repeats``)."""
    rows = []
    for rate in rates:
        best = None
        for r in range(repeats):
            rec = build(n_sources, n_neurons, out_degree, rate, seed=r).run(duration, threads=threads)
            if best is None or rec.timings["sim_seconds"] < best[0]:
                best = (rec.timings["sim_seconds"], rec.total_events(), rec.total_spikes())
        rows.append({"rate_hz": rate, "sim_seconds": best[0], "events": best[1],
                     "spikes": best[2]})
    return rows


def fit(rows):
    """Least-squares ``sim_seconds = a + b * events`` and its R^2."""
    x = np.array([r["events"] for r in rows], dtype=np.float64)
    y = np.array([r["sim_seconds"] for r in rows])
    b, a = np.polyfit(x, y, 1)
    resid = y - (a + b * x)
    r2 = 1.0 - resid.var() / y.var()
    return {"intercept_seconds": a, "seconds_per_event": b, "ns_per_event": b * 1e9,
            "r_squared": r2}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[0, 5, 10, 20, 40, 80])
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    build(10, 10, 1, 1.0, 0).run(0.001)  # compile outside the timings
    rows = measure(args.rates, duration=args.duration, repeats=args.repeats)
    result = {"rows": rows, "fit": fit(rows), "machine": machine_info()}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{'rate Hz':>8} {'spikes':>10} {'events':>12} {'sim s':>8}")
        for r in rows:
            print(f"{r['rate_hz']:8.1f} {r['spikes']:10d} {r['events']:12d} {r['sim_seconds']:8.3f}")
        f = result["fit"]
        print(f"fit: {f['intercept_seconds']:.3f} s + {f['ns_per_event']:.2f} ns/event, "
              f"R^2 = {f['r_squared']:.4f}")
    return result


if __name__ == "__main__":
    main()
