"""The ``neurosparse`` command.

Subcommands::

    neurosparse simulate cuba --duration 1          # run a demo network, save raster + recording
    neurosparse simulate MODEL.nir --input IN.npz --dt 1e-4 --out OUT.npz   # a NIR graph on the core
    neurosparse bench cuba --n 4000 --duration 1 --against brian2 [--json]
    neurosparse energy hardware/cuba.toml --out DIR  # price a model on chips, render a report
    neurosparse energy MODEL.nir --input IN.npz --target loihi   # price a NIR graph's run directly
    neurosparse precompile                          # compile every kernel now (images, clusters)
    neurosparse sweep SWEEP.toml --out DIR [--workers N | --scheduler tcp://HOST:PORT]
    neurosparse reproduce [NAME ... | all] [--full] [--list]   # run the paper notebooks

Errors in the arguments (a negative size, an unknown network) print one line naming the
parameter and exit with status 2; nothing is simulated.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from neurosparse.errors import NeurosparseError, ParameterError

NETWORK_NAMES = ("cuba", "coba")


def _network_or_nir(value: str) -> str:
    """A demo network's name or the path of a ``.nir`` file."""
    if value in NETWORK_NAMES or value.endswith(".nir"):
        return value
    raise argparse.ArgumentTypeError(f"invalid choice: {value!r} (choose from {', '.join(NETWORK_NAMES)}, "
                                     "or give a .nir file)")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except NeurosparseError as exc:
        print(f"neurosparse {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; results already written are complete", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neurosparse", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")

    sim = sub.add_parser("simulate", help="run a demo network or a NIR graph; save what it computed")
    sim.add_argument("network", type=_network_or_nir, help="cuba, coba, or a NIR graph (MODEL.nir)")
    sim.add_argument("--n", type=int, default=4000, help="number of neurons (default 4000)")
    sim.add_argument("--duration", type=float, default=1.0, help="simulated seconds (default 1)")
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--threads", type=int, default=None)
    sim.add_argument("--engine", choices=("auto", "numba", "numpy"), default=None,
                     help="compiled kernels, interpreter, or auto (default: auto; see README)")
    sim.add_argument("--out", default=None, help="output folder (default results/<network>); for a .nir "
                                                 "graph an .npz file (default results/nir/<model>.npz)")
    _nir_arguments(sim)
    sim.set_defaults(func=_simulate)

    bench = sub.add_parser("bench", help="time a benchmark network, optionally against Brian2")
    bench.add_argument("network", choices=NETWORK_NAMES)
    bench.add_argument("--n", type=int, default=4000, help="number of neurons (default 4000)")
    bench.add_argument("--duration", type=float, default=1.0, help="simulated seconds (default 1)")
    bench.add_argument("--threads", type=int, default=None,
                       help="Numba threads (default: 1 below 100,000 neurons, else all cores)")
    bench.add_argument("--seed", type=int, default=0)
    bench.add_argument("--repeats", type=int, default=3,
                       help="runs of freshly built networks; the fastest counts (default 3)")
    bench.add_argument("--against", choices=("brian2",), default=None,
                       help="also run Brian2 runtime and cpp_standalone (one thread) in subprocesses")
    bench.add_argument("--brian2-modes", default="standalone,runtime",
                       help="comma-separated Brian2 modes for --against (default standalone,runtime)")
    bench.add_argument("--ttfr", action="store_true",
                       help="also measure time to first result from a fresh interpreter, with Numba's "
                            "cache warm and cold (an empty cache, as the first run after installing)")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.set_defaults(func=_bench)

    energy = sub.add_parser("energy", help="price a model on hardware targets and render a report")
    energy.add_argument("recipe", help="recipe TOML file (see hardware/*.toml), or a NIR graph (MODEL.nir) "
                                       "with --input and --target")
    energy.add_argument("--out", default=None, help="output folder (default hardware/reports/<recipe>)")
    energy.add_argument("--json", action="store_true", help="print the JSON summary")
    energy.add_argument("--target", action="append", default=None,
                        help="a NIR graph's target (catalog name or TOML); repeat for several")
    _nir_arguments(energy)
    energy.set_defaults(func=_energy)

    pre = sub.add_parser("precompile", help="compile the event core's kernels into Numba's cache now")
    pre.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                     help="processes compiling at once (default %(default)s: two halve the time)")
    pre.set_defaults(func=_precompile)

    sweep = sub.add_parser("sweep", help="run a parameter sweep on Dask (local cluster or a scheduler)",
                           description="Run a sweep file's function at every point, on a local Dask "
                                       "cluster (127.0.0.1 only) or an existing scheduler. Running a "
                                       "sweep file runs the code it names: run only files you trust.")
    sweep.add_argument("sweep_file", help="sweep TOML file (see simulations/sweeps/)")
    sweep.add_argument("--out", default=None, help="output folder (default results/sweeps/<file name>); "
                                                   "running again into it resumes")
    sweep.add_argument("--workers", type=int, default=None,
                       help="local worker processes (default: every CPU; 0: run here without Dask)")
    sweep.add_argument("--scheduler", default=None,
                       help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 or tls://...")
    sweep.add_argument("--tls-ca-file", default=None, help="CA certificate for a tls:// scheduler")
    sweep.add_argument("--tls-cert", default=None, help="this client's TLS certificate")
    sweep.add_argument("--tls-key", default=None, help="this client's TLS private key")
    sweep.add_argument("--restart", action="store_true", help="discard the results in --out first")
    sweep.add_argument("--retry-errors", action="store_true", help="run again the points that raised")
    sweep.add_argument("--no-progress", action="store_true", help="no progress bar")
    sweep.set_defaults(func=_sweep)

    rep = sub.add_parser("reproduce", help="run the paper reproductions (notebooks) and collect figures",
                         description="Execute the reproduction notebooks, small by default, at the "
                                     "committed sizes with --full, writing each one's executed "
                                     "notebook, figures and summary.json.")
    rep.add_argument("names", nargs="*", default=["all"], help="reproductions to run (default: all)")
    rep.add_argument("--full", action="store_true", help="the committed notebooks' sizes (slow)")
    rep.add_argument("--list", action="store_true", help="list the reproductions and their run times")
    rep.add_argument("--out", default=None, help="output folder (default results/reproduce)")
    rep.add_argument("--timeout", type=float, default=None, help="seconds a cell may run (default: no limit)")
    rep.set_defaults(func=_reproduce)
    return parser


def _nir_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("NIR graphs (MODEL.nir)")
    group.add_argument("--input", default=None,
                       help="input .npz: an array 'input' [T, ...] or event arrays t, i")
    group.add_argument("--dt", type=float, default=1e-4,
                       help="time step in seconds (default 1e-4, snnTorch's)")
    group.add_argument("--method", choices=("euler", "exact"), default="euler",
                       help="discretisation of the neuron ODEs (default euler, snnTorch's map)")
    group.add_argument("--reset", choices=("zero", "subtract"), default=None,
                       help="reset of every spiking node (default: the node's metadata, else zero)")


def _simulate_nir(args: argparse.Namespace) -> int:
    from pathlib import Path

    from neurosparse.interop.nir_cli import simulate_file

    if args.input is None:
        raise ParameterError("--input is required for a .nir graph (an .npz with 'input' or 't' and 'i')")
    out = args.out or str(Path("results", "nir", Path(args.network).stem + ".npz"))
    summary = simulate_file(args.network, args.input, out, dt=args.dt, method=args.method, reset=args.reset)
    counts = ", ".join(f"{k} {v}" for k, v in summary["spike_counts"].items())
    print(f"{args.network}: {summary['steps']} steps on the event core (pipeline depth {summary['depth']}); "
          f"spikes: {counts or 'none'}")
    print(f"wrote {summary['npz']} and {summary['optrace']}")
    return 0


def _energy_nir(args: argparse.Namespace) -> int:
    from neurosparse.interop.nir_cli import price_file

    if args.input is None or not args.target:
        raise ParameterError("a .nir graph needs --input INPUT.npz and at least one --target")
    rows = price_file(args.recipe, args.input, args.target, dt=args.dt, method=args.method, reset=args.reset)
    if args.json:
        print(json.dumps(rows, default=float))
    else:
        for row in rows:
            print(f"{row['target']:>14s} {row['mode']:>10s}  {row['energy_j']:.3e} J per sample  "
                  f"[{row['energy_low_j']:.2e}, {row['energy_high_j']:.2e}]  latency {row['latency_s']:.3e} s"
                  "  (model estimate)")
    return 0


def _reproduce(args: argparse.Namespace) -> int:
    from pathlib import Path

    from neurosparse import reproduce

    if args.list:
        print(reproduce.listing())
        return 0
    if args.timeout is not None and not args.timeout > 0:
        raise ParameterError(f"--timeout must be > 0 seconds, got {args.timeout}")
    chosen = reproduce.find(args.names)
    root = Path(args.out) if args.out else Path("results", "reproduce")
    failed = []
    for r in chosen:
        print(f"{r.name}: running ({'full' if args.full else 'small'} size) ...", flush=True)
        summary = reproduce.run(r, root / r.name, full=args.full, timeout_s=args.timeout)
        status = "ok" if summary["ok"] else f"FAILED: {summary['error']}"
        print(f"{r.name}: {status} in {summary['seconds']:.0f} s, {len(summary['figures'])} figures "
              f"in {root / r.name}", flush=True)
        if not summary["ok"]:
            failed.append(r.name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from pathlib import Path

    from neurosparse.sweep import Sweep, run
    from neurosparse.sweep.store import SIDECAR, TABLE

    sweep = Sweep.from_toml(args.sweep_file)
    out = Path(args.out) if args.out else Path("results", "sweeps", Path(args.sweep_file).stem)
    tls = (args.tls_ca_file, args.tls_cert, args.tls_key)
    if any(tls) and not args.scheduler:
        raise ParameterError("--tls-ca-file, --tls-cert and --tls-key are for a remote --scheduler")
    security = None
    if any(tls):
        if not all(tls):
            raise ParameterError("TLS needs all three of --tls-ca-file, --tls-cert and --tls-key")
        from distributed.security import Security

        security = Security(tls_ca_file=args.tls_ca_file, tls_client_cert=args.tls_cert,
                            tls_client_key=args.tls_key, require_encryption=True)
    if args.workers is not None and args.scheduler:
        raise ParameterError("--workers starts a local cluster; it cannot be combined with --scheduler")
    table = run(sweep, out, workers=args.workers, scheduler=args.scheduler, security=security,
                restart=args.restart, retry_errors=args.retry_errors, progress=not args.no_progress)
    errors = int((table["status"] != "ok").sum()) if len(table) else 0
    print(f"{len(table)} runs ({errors} with errors) in {out / TABLE}; sweep record in {out / SIDECAR}")
    return 0


def _precompile(args: argparse.Namespace) -> int:
    from neurosparse.core.precompile import compile_all

    if args.jobs < 1:
        raise ParameterError(f"--jobs must be >= 1, got {args.jobs}")
    compile_all(progress=True, jobs=args.jobs)
    return 0


def _simulate(args: argparse.Namespace) -> int:
    if args.network.endswith(".nir"):
        return _simulate_nir(args)
    if args.input is not None:
        raise ParameterError(f"--input is for a .nir graph; {args.network} generates its own input")
    from neurosparse.demo import run_demo

    out = args.out or f"results/{args.network}"
    run_demo(args.network, n=args.n, duration=args.duration, seed=args.seed, threads=args.threads,
             out_dir=out, engine=args.engine)
    return 0


def _energy(args: argparse.Namespace) -> int:
    from pathlib import Path

    from neurosparse.energy import load_recipe, render_report, run_recipe, summary_dict

    if args.recipe.endswith(".nir"):
        return _energy_nir(args)
    recipe = load_recipe(args.recipe)
    recipe_path = Path(args.recipe).resolve()
    out = Path(args.out) if args.out else recipe_path.parent / "reports" / recipe_path.stem
    result = run_recipe(recipe)
    written = render_report(result, out)
    if args.json:
        print(json.dumps(summary_dict(result), default=float))
    else:
        for row in result.priced:
            print(f"{row['variant']:>8s} {row['target']:>14s} {row['mode']:>34s}  "
                  f"{row['energy_j']:.3e} J  [{row['energy_low_j']:.2e}, {row['energy_high_j']:.2e}]  "
                  f"latency {row['latency_s']:.3e} s")
        print(f"wrote {written['markdown']} and {written['html']}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from neurosparse.bench import bench_network, brian2_network, machine_info, time_to_first_result

    modes = [m.strip() for m in args.brian2_modes.split(",") if m.strip()]
    if args.against == "brian2":  # checked before anything runs
        from neurosparse.bench.brian2_runner import MODES

        if not modes or any(m not in MODES for m in modes):
            raise ParameterError(f"--brian2-modes must be a comma-separated list of {', '.join(MODES)}; "
                                 f"got {args.brian2_modes!r}")
    result: dict[str, Any] = bench_network(args.network, n=args.n, duration=args.duration,
                                           threads=args.threads, seed=args.seed,
                                           repeats=args.repeats, progress=False)
    result["machine"] = machine_info()
    if args.ttfr:
        result["time_to_first_result_seconds"] = time_to_first_result(
            args.network, args.n, args.duration, args.seed)["wall_seconds"]
        cold = time_to_first_result(args.network, args.n, args.duration, args.seed, cold=True)
        result["time_to_first_result_cold_seconds"] = cold["wall_seconds"]
        result["time_to_first_result_cold_engine"] = cold["engine"]
    if args.against == "brian2":
        for mode in modes:
            b2 = brian2_network(args.network, args.n, args.duration, mode=mode, seed=args.seed)
            result[f"brian2_{mode}_sim_seconds"] = b2["sim_seconds"]
            result[f"brian2_{mode}_rate_hz"] = b2["rate_hz"]
            result[f"brian2_{mode}_wall_seconds"] = b2["wall_seconds"]
            result[f"ratio_vs_brian2_{mode}"] = result["sim_seconds"] / b2["sim_seconds"]
            result["brian2_version"] = b2["brian2_version"]
        if "standalone" in modes and args.ttfr:
            b2_wall = result["brian2_standalone_wall_seconds"]
            result["ttfr_ratio_vs_brian2_standalone"] = result["time_to_first_result_seconds"] / b2_wall
            cold = result["time_to_first_result_cold_seconds"]
            result["ttfr_cold_ratio_vs_brian2_standalone"] = cold / b2_wall
    if args.json:
        print(json.dumps(result))
    else:
        print(format_bench(result))
    return 0


def format_bench(r: dict[str, Any]) -> str:
    """A human-readable report of :func:`neurosparse.bench.bench_network`'s result."""
    m = r["machine"]
    lines = [
        f"{r['network'].upper()} network, {r['n']:,} neurons, {r['synapses']:,} synapses, "
        f"{r['duration']:g} s simulated, {r['threads']} thread(s)",
        f"machine: {m['cpu']} ({m['cores']} cores), numba {m['numba']}, numpy {m['numpy']}",
        f"  build          {r['build_seconds']:9.3f} s",
        f"  compile/load   {r['compile_seconds']:9.3f} s",
        f"  simulate       {r['sim_seconds']:9.4f} s   (fastest of {len(r['sim_seconds_all'])})",
        f"  spikes         {r['spikes']:>12,d}   ({r['rate_hz']:.2f} Hz)",
        f"  synaptic events{r['synaptic_events']:>12,d}   ({r['events_per_second'] / 1e6:.1f} M/s)",
        f"  peak memory    {r['peak_memory_bytes'] / 2**20:9.1f} MiB",
        f"  bytes/synapse  {r['bytes_per_synapse']:9.2f}",
    ]
    if "time_to_first_result_seconds" in r:
        lines.append(f"  time to first result {r['time_to_first_result_seconds']:.2f} s "
                     "(fresh interpreter, warm Numba cache)")
    if "time_to_first_result_cold_seconds" in r:
        engine = r.get("time_to_first_result_cold_engine", "numba")
        lines.append(f"  time to first result {r['time_to_first_result_cold_seconds']:.2f} s "
                     f"(fresh interpreter, empty Numba cache: the first run after installing; "
                     f"engine {engine})")
    for key, label in (("ttfr_ratio_vs_brian2_standalone", "warm"),
                       ("ttfr_cold_ratio_vs_brian2_standalone", "cold")):
        if key in r:
            lines.append(f"  time to first result / Brian2 standalone's whole run ({label}) = {r[key]:.3f}")
    for mode in ("standalone", "runtime"):
        key = f"brian2_{mode}_sim_seconds"
        if key in r:
            rate = r[f"brian2_{mode}_rate_hz"]
            lines.append(f"  Brian2 {mode:<10s} simulate {r[key]:9.4f} s ({rate:.2f} Hz)"
                         f"  ratio neurosparse/Brian2 = {r[f'ratio_vs_brian2_{mode}']:.3f};"
                         f" whole run {r[f'brian2_{mode}_wall_seconds']:.1f} s")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
