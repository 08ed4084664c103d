"""High-order sequence learning with a temporal memory (Hawkins & Ahmad 2016, Fig. 6A).

A temporal memory of 2048 columns x 32 cells (the paper's parameters) and a first-order one
(1 cell per column) learn the same stream online: sequences in groups sharing their middle
(``[u, m_1 .. m_4, v]``: the ending ``v`` follows from ``u`` only), the groups ordering the same
middle elements differently, each sequence followed by noise, so that the best possible
accuracy is 50 %. At ``--switch-at`` the sequences are replaced
(``--switch new``) or their endings swapped (``--switch endings``). Accuracy is the moving
average (``--window`` elements) of "the element best matching the predictive columns is the
next element" (:mod:`neurosparse.experiments.temporal_memory`).

Writes ``accuracy.png`` (accuracy against elements seen), ``positions.png`` (accuracy at each
position of a block, after the learning phase) and ``summary.json`` (the numbers, the
curves every 10 elements, and the OpTrace totals of the high-order run).

Example::

    python simulations/tm_sequences.py --out results/tm_sequences
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
from neurosparse.experiments.temporal_memory import sequence_learning

LABELS = {"high_order": "32 cells per column (high order)", "first_order": "1 cell per column (first order)"}


def run(n_elements: int, switch_at: int | None, switch: str, window: int, seed: int, n_groups: int,
        group_size: int, length: int) -> dict[str, Any]:
    """Both models on one stream; the summary numbers and curves."""
    tic = time.perf_counter()
    out = sequence_learning(n_elements, switch_at, switch=switch, window=window, seed=seed,
                            stream_kw=dict(n_groups=n_groups, group_size=group_size, length=length))
    seconds = time.perf_counter() - tic
    stream = out["stream"]
    block = 2 * length - 2
    target_pos = np.full(n_elements, -1)
    starts = np.flatnonzero(np.diff(np.concatenate(([0], (stream.element >= 0).astype(int)))) == 1)
    for s in starts:  # positions of the block that starts with each sequence
        target_pos[s:s + block] = np.arange(min(block, n_elements - s))
    nxt = np.append(target_pos[1:], -1)
    learned = slice((switch_at or n_elements) // 2, switch_at or n_elements)
    positions = {name: [float(c[learned][nxt[learned] == k].mean()) for k in range(block)]
                 for name, c in out["correct"].items()}
    return {"config": {"n_elements": n_elements, "switch_at": switch_at, "switch": switch, "window": window,
                       "seed": seed, "n_groups": n_groups, "group_size": group_size, "length": length},
            "summary": out["summary"], "positions": positions, "seconds": seconds,
            "positions_range": [learned.start, learned.stop],
            "optrace_totals": {name: trace.totals() for name, trace in out["optrace"].items()},
            "curves": {name: acc[::10].tolist() for name, acc in out["accuracy"].items()},
            "best_curve": out["best"][::10].tolist()}


def figures(summary: dict[str, Any]) -> dict[str, Figure]:
    """Accuracy against elements seen, and accuracy by position in a block."""
    cfg = summary["config"]
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    x = np.arange(len(summary["best_curve"])) * 10
    full = x >= cfg["window"]  # whole windows only
    ax.plot(x[full], np.asarray(summary["best_curve"])[full], "k--", lw=1, label="best possible")
    for name, color in (("high_order", "C3"), ("first_order", "C0")):
        ax.plot(x, summary["curves"][name], color=color, label=LABELS[name])
    if cfg["switch_at"]:
        ax.axvline(cfg["switch_at"], color="grey", lw=0.8)
        ax.text(cfg["switch_at"], 0.56, f" sequences changed ({cfg['switch']})", fontsize=8)
    ax.set_xlabel("sequence elements seen")
    ax.set_ylabel(f"prediction accuracy (last {cfg['window']} elements)")
    ax.set_ylim(0, 0.6)
    ax.legend(fontsize=8, loc="lower right", framealpha=0.9)
    fig.tight_layout()
    pos = Figure(figsize=(6, 3.2))
    ax = pos.subplots()
    block = len(summary["positions"]["high_order"])
    for k, (name, color) in enumerate((("high_order", "C3"), ("first_order", "C0"))):
        ax.bar(np.arange(block) + 0.4 * k - 0.2, summary["positions"][name], 0.4, color=color,
               label=LABELS[name])
    ax.set_xticks(range(block), ["u"] + [f"m{k}" for k in range(1, cfg["length"] - 1)] + ["v"]
                  + ["noise"] * (block - cfg["length"]), fontsize=7)
    ax.set_ylabel("accuracy predicting it")
    lo, hi = summary["positions_range"]
    ax.set_title(f"by position in a block, elements {lo}-{hi}", fontsize=9)
    ax.legend(fontsize=7)
    pos.tight_layout()
    return {"accuracy.png": fig, "positions.png": pos}


def main(argv: list[str] | None = None) -> int:
    """Run from the command line; returns the exit status."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=Path("results/tm_sequences"))
    p.add_argument("--n-elements", type=int, default=6000, help="length of the stream")
    p.add_argument("--switch-at", type=int, default=3000, help="where the sequences change (0: never)")
    p.add_argument("--switch", choices=("new", "endings"), default="new")
    p.add_argument("--window", type=int, default=200, help="elements of the moving average")
    p.add_argument("--groups", type=int, default=4, help="groups of sequences sharing a middle")
    p.add_argument("--group-size", type=int, default=2, help="sequences per group")
    p.add_argument("--length", type=int, default=6, help="elements per sequence")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    for name in ("n_elements", "window", "groups", "group_size"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    if args.length < 3:
        p.error("--length must be >= 3")
    if not 0 <= args.switch_at < args.n_elements:
        p.error(f"--switch-at must be in [0, --n-elements={args.n_elements})")
    begin_outputs(args.out)
    summary = run(args.n_elements, args.switch_at or None, args.switch, args.window, args.seed, args.groups,
                  args.group_size, args.length)
    write_run(args.out, summary, figures(summary))
    for name, numbers in summary["summary"].items():
        print(name, {k: v for k, v in numbers.items()})
    print(f"wrote {args.out}/accuracy.png, positions.png and summary.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
