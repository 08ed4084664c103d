"""Capacity of a temporal memory: sequences stored against cells per column and synapses per
segment (at the paper's 2048 columns).

Each of ``--n-sequences`` sequences is its own first element followed by ``--length - 1``
elements of a shared alphabet of ``--symbols`` (so every shared element recurs in many
contexts and only high-order context tells what comes next). The layer learns them with a
reset before each, ``--epochs`` passes in shuffled order, and is then tested without
learning: an element counts when the element best matching the predictive columns is the
next one; a sequence is stored when all its elements after the first are predicted.
``synapses`` is what a segment grows for a pattern (``max_new_synapses``), with the paper's
thresholds scaled to it (15/40). The grid runs as a sweep (:mod:`neurosparse.sweep`, the point
function ``neurosparse.sweep.points.tm:capacity``), so its rows are those of
``simulations/sweeps/tm_capacity.toml`` for the same values.

Writes ``capacity.png`` (accuracy and sequences stored against the number of sequences, per
cells per column and synapses), ``results.csv`` and ``summary.json``.

Example::

    python simulations/tm_capacity.py --out results/tm_capacity          # 24 runs
    python simulations/tm_capacity.py --full --out results/tm_capacity   # the sweep file's 60
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from neurosparse._io import begin_outputs, write_run
from neurosparse.sweep import run as run_sweep

SWEEP_SEED = 2016  # simulations/sweeps/tm_capacity.toml
FULL = {"n_sequences": [50, 100, 200, 400], "cells_per_column": [1, 2, 4, 8, 32], "synapses": [10, 20, 40]}
SMALL = {"n_sequences": [50, 100, 200], "cells_per_column": [1, 2, 4, 32], "synapses": [10, 40]}


def run(grid: dict[str, list[int]], fixed: dict[str, int], workers: int) -> dict[str, Any]:
    """The grid as a sweep: one row per (n_sequences, cells_per_column, synapses)."""
    tic = time.perf_counter()
    table = run_sweep({"sweep": {"function": "neurosparse.sweep.points.tm:capacity", "seed": SWEEP_SEED,
                                 "name": "tm_capacity"}, "fixed": fixed, "grid": grid},
                      workers=workers, progress=None)
    bad = table[table["status"] != "ok"]
    if len(bad):
        raise RuntimeError(f"capacity runs failed: {bad['error'].iloc[0]}")
    keep = ["n_sequences", "cells_per_column", "synapses", "seed", "accuracy", "stored", "stored_fraction",
            "contexts_per_symbol", "segments", "synapses_total"]
    return {"config": {"grid": grid, **fixed, "sweep_seed": SWEEP_SEED},
            "rows": table[keep].to_dict(orient="records"), "seconds": time.perf_counter() - tic}


def figure(summary: dict[str, Any]) -> Figure:
    """Accuracy and sequences stored against the number of sequences."""
    rows = summary["rows"]
    cells = sorted({r["cells_per_column"] for r in rows})
    synapses = sorted({r["synapses"] for r in rows})
    fig = Figure(figsize=(9, 3.8))
    axes = fig.subplots(1, 2)
    styles = ["-", "--", ":"]
    for k, c in enumerate(cells):
        for j, s in enumerate(synapses):
            pts = sorted((r["n_sequences"], r["accuracy"], r["stored"]) for r in rows
                         if r["cells_per_column"] == c and r["synapses"] == s)
            n, acc, stored = (np.array(v) for v in zip(*pts))
            label = f"{c} cells, {s} syn" if len(synapses) > 1 else f"{c} cells"
            axes[0].plot(n, acc, styles[j % 3], marker="o", ms=3, color=f"C{k}", label=label)
            axes[1].plot(n, stored, styles[j % 3], marker="o", ms=3, color=f"C{k}")
    axes[1].plot(n, n, "k", lw=0.6, label="all")
    for ax, ylabel in zip(axes, ("elements predicted (after the first)", "sequences stored")):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("sequences learned")
        ax.set_ylabel(ylabel)
    axes[0].set_ylim(0, 1.02)
    axes[0].legend(fontsize=6, ncol=2)
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    return fig


def main(argv: list[str] | None = None) -> int:
    """Run from the command line; returns the exit status."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=Path("results/tm_capacity"))
    p.add_argument("--n-sequences", type=int, nargs="+", default=None)
    p.add_argument("--cells", type=int, nargs="+", default=None, help="cells per column")
    p.add_argument("--synapses", type=int, nargs="+", default=None, help="synapses grown per segment")
    p.add_argument("--length", type=int, default=6)
    p.add_argument("--symbols", type=int, default=50, help="shared alphabet")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--workers", type=int, default=0, help="Dask workers (0: run here)")
    p.add_argument("--full", action="store_true", help="the sweep file's grid (60 runs)")
    args = p.parse_args(argv)
    base = FULL if args.full else SMALL
    grid = {"n_sequences": args.n_sequences or base["n_sequences"],
            "cells_per_column": args.cells or base["cells_per_column"],
            "synapses": args.synapses or base["synapses"]}
    if any(v < 1 for vals in grid.values() for v in vals) or args.length < 2 or args.epochs < 1:
        p.error("--n-sequences, --cells, --synapses and --epochs must be >= 1, --length >= 2")
    if args.symbols < 2:
        p.error("--symbols must be >= 2")
    if args.workers < 0:
        p.error("--workers must be >= 0")
    begin_outputs(args.out)
    fixed = {"length": args.length, "n_symbols": args.symbols, "epochs": args.epochs}
    summary = run(grid, fixed, args.workers)
    header = list(summary["rows"][0])
    csv = "\n".join([",".join(header)] + [",".join(str(r[k]) for k in header) for r in summary["rows"]])
    write_run(args.out, summary, {"capacity.png": figure(summary)}, {"results.csv": (csv + "\n").encode()})
    for r in summary["rows"]:
        print(f"{r['n_sequences']:4d} sequences, {r['cells_per_column']:2d} cells, {r['synapses']:2d} "
              f"synapses: accuracy {r['accuracy']:.3f}, stored {r['stored']}")
    print(f"wrote {args.out}/capacity.png, results.csv and summary.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
