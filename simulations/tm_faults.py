"""Fault tolerance of a temporal memory (Hawkins & Ahmad 2016, Fig. 6B).

A temporal memory of 2048 columns x 32 cells learns the high-order stream of
``simulations/tm_sequences.py`` (best possible accuracy 50 %) for ``--n-train`` elements;
then a fraction of its cells dies (their segments go, they never become active again) and it
goes on learning for ``--n-after`` elements. The paper: almost no effect up to 40 % of the
cells, then a decline, and a recovery as the remaining cells relearn.

Writes ``faults.png`` (accuracy against elements, one line per fraction), ``summary.png``
(before, just after, lowest and late accuracy against the fraction) and ``summary.json``.
For several seeds run ``neurosparse sweep simulations/sweeps/tm_faults.toml``.

Example::

    python simulations/tm_faults.py --out results/tm_faults
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from tqdm import tqdm

from neurosparse._io import begin_outputs, write_run
from neurosparse.experiments.temporal_memory import fault_tolerance

#: The paper's fractions of cells killed.
PAPER_FRACTIONS = (0.0, 0.1, 0.2, 0.4, 0.5, 0.6, 0.75)


def run(fractions: list[float], n_train: int, n_after: int, window: int, seed: int) -> dict[str, Any]:
    """One run per fraction, on the same stream and the same initial layer (same seed)."""
    rows, curves = [], {}
    tic = time.perf_counter()
    for f in tqdm(fractions, desc="fractions killed", disable=None):
        out = fault_tolerance(f, n_train=n_train, n_after=n_after, window=window, seed=seed)
        curves[f"{f:g}"] = out.pop("accuracy")[::10].tolist()
        rows.append({"fraction": f, **out})
    return {"config": {"fractions": fractions, "n_train": n_train, "n_after": n_after, "window": window,
                       "seed": seed}, "rows": rows, "curves": curves, "seconds": time.perf_counter() - tic}


def figures(summary: dict[str, Any]) -> dict[str, Figure]:
    """Accuracy curves per fraction, and the summary numbers against the fraction."""
    cfg = summary["config"]
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    for k, (label, curve) in enumerate(summary["curves"].items()):
        x = np.arange(len(curve)) * 10
        ax.plot(x[x >= cfg["window"]], np.asarray(curve)[x >= cfg["window"]], color=f"C{k}",
                label=f"{100 * float(label):.0f} % killed")
    ax.axvline(cfg["n_train"], color="grey", lw=0.8)
    ax.set_xlabel("sequence elements seen")
    ax.set_ylabel(f"prediction accuracy (last {cfg['window']} elements)")
    ax.set_ylim(0, 0.6)
    ax.legend(fontsize=7, ncol=2, loc="lower left")
    fig.tight_layout()
    sfig = Figure(figsize=(5.5, 3.6))
    ax = sfig.subplots()
    frac = [100 * r["fraction"] for r in summary["rows"]]
    for key, style in (("before", "k--"), ("just_after", "C3o-"), ("lowest", "C1s-"), ("late", "C2^-")):
        ax.plot(frac, [r[key] for r in summary["rows"]], style, label=key.replace("_", " "))
    ax.set_xlabel("cells killed (%)")
    ax.set_ylabel("prediction accuracy")
    ax.set_ylim(0, 0.55)
    ax.legend(fontsize=8)
    sfig.tight_layout()
    return {"faults.png": fig, "summary.png": sfig}


def main(argv: list[str] | None = None) -> int:
    """Run from the command line; returns the exit status."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=Path("results/tm_faults"))
    p.add_argument("--fractions", type=float, nargs="+", default=list(PAPER_FRACTIONS))
    p.add_argument("--n-train", type=int, default=6000, help="elements learned before the cells die")
    p.add_argument("--n-after", type=int, default=4000, help="elements learned after")
    p.add_argument("--window", type=int, default=200, help="elements of the moving average")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if any(not 0 <= f <= 1 for f in args.fractions):
        p.error(f"--fractions must lie in [0, 1], got {args.fractions}")
    if args.window < 1 or args.n_train < args.window or args.n_after < 2 * args.window:
        p.error("--window must be >= 1, --n-train >= --window and --n-after >= 2 --window")
    begin_outputs(args.out)
    summary = run(args.fractions, args.n_train, args.n_after, args.window, args.seed)
    write_run(args.out, summary, figures(summary))
    for r in summary["rows"]:
        print(f"{100 * r['fraction']:4.0f} % killed: before {r['before']:.3f}, just after "
              f"{r['just_after']:.3f}, lowest {r['lowest']:.3f}, late {r['late']:.3f}, recovered after "
              f"{r['recovered_after']}")
    print(f"wrote {args.out}/faults.png, summary.png and summary.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
