"""Sparsey as an associative memory: similarity preservation, single-trial storage, capacity.

Three results of Rinkus (2010, 2014) on one mac whose receptive field is a whole 12 x 12
binary input of ``a`` active pixels (random patterns, so the mac sees no structure but the
items themselves):

1. **Similarity preservation.** Each stored item is probed with copies in which a fraction f
   of its active pixels is moved elsewhere (input similarity 1 - f). The probe's code is drawn
   by the CSA without learning (``retrieval="sample"``) and compared with the item's stored
   code (overlap / Q). Sparsey grades code overlap with input similarity; two baselines do not:
   *random codes* (chi = 0: eta = 1 whatever G, every code uniform) and *no familiarity*
   (gamma -> 0: eta = 1 + chi K for any G > G^-, i.e. always exploit, so a probe snaps to the
   stored code until V collapses). Novel pairs (two unstored items at the same similarity)
   are coded with the same procedure.
2. **Single-trial storage.** After one presentation each, every item is retrieved
   (``retrieval="max"``): the fraction reactivated exactly, and familiarity G for stored items
   vs novel ones.
3. **Capacity.** N items are stored; each is probed with noise f and counted correct when the
   retrieved code overlaps its own stored code more than any other stored code (best match).
   Accuracy vs N, with the fraction of weights set, shows where crosstalk breaks retrieval.

Writes ``memory.png`` and ``summary.json`` into ``--out``.

Example::

    python simulations/sparsey_memory.py --out results/sparsey_memory
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from tqdm import tqdm

from neurosparse._io import begin_outputs, write_run
from neurosparse.sdr.batch import random_batch, swap_noise
from neurosparse.sparsey import LevelSpec, MacParams, Sparsey

SIDE = 12
VARIANTS = {
    "sparsey": {},
    "random codes (chi = 0)": {"chi": 0.0},
    "no familiarity (eta fixed)": {"gamma": 1e-6},
}


def random_patterns(count: int, a: int, seed: int) -> np.ndarray:
    """``count`` random binary SIDE x SIDE images with exactly ``a`` active pixels."""
    rows = random_batch(SIDE * SIDE, a, count, seed)
    out = np.zeros((count, SIDE * SIDE), dtype=np.bool_)
    np.put_along_axis(out, rows.astype(np.intp), True, axis=1)
    return out.reshape(count, SIDE, SIDE)


def noisy(items: np.ndarray, f: float, seed: int) -> np.ndarray:
    """Copies with round(f a) active pixels moved to inactive ones (a kept)."""
    flat = items.reshape(len(items), -1)
    a = int(flat[0].sum())
    rows = np.sort(np.nonzero(flat)[1].reshape(len(items), a), axis=1).astype(np.int32)
    moved = swap_noise(rows, SIDE * SIDE, int(round(f * a)), seed)
    out = np.zeros_like(flat)
    np.put_along_axis(out, moved.astype(np.intp), True, axis=1)
    return out.reshape(items.shape)


def one_mac(params: MacParams, seed: int, retrieval: str = "max", readout: str = "knn") -> Sparsey:
    """A single mac whose RF is the whole input."""
    return Sparsey(
        (SIDE, SIDE), [LevelSpec((1, 1), SIDE, params)], retrieval=retrieval, readout=readout, seed=seed
    )


def code_overlap(x: np.ndarray, y: np.ndarray, q: int) -> np.ndarray:
    return (x & y).sum(axis=1) / q


def similarity_preservation(
    params: MacParams, a: int, n_items: int, noises: list[float], seed: int
) -> dict[str, Any]:
    """Mean code overlap vs input similarity, for Sparsey and the two baselines.

    "probe": noisy copies of stored items coded by the CSA without learning, against the
    stored codes. "learned": after the stored items, a new item and then a noisy copy of it
    are both stored; the two codes the CSA assigned while learning are compared (each pair in
    its own model with its own seed, so the pairs are independent). This is the papers'
    similarity-preserving property: similar inputs get similar codes when stored.
    """
    items = random_patterns(n_items, a, seed)
    fresh = random_patterns(n_items, a, seed + 1)
    out: dict[str, Any] = {
        "similarity": [1.0 - f for f in noises],
        "curves": {},
        "chance": params.Q / params.cells,
    }
    for name, change in VARIANTS.items():
        p = MacParams(**{**params.to_dict(), **change})
        model = one_mac(p, seed).fit(items, np.arange(n_items))
        stored = model.readout_.codes
        model.retrieval = "sample"
        probe, learned = [], []
        for k, f in enumerate(noises):
            probes = noisy(items, f, seed + 10 + k)
            probe.append(float(code_overlap(stored, model.transform(probes), p.Q).mean()))
            twins = noisy(fresh, f, seed + 50 + k)
            overlaps = []
            for i in range(n_items):  # each pair stored on top of the n_items, in its own model and seed
                both = np.concatenate([items, fresh[i : i + 1], twins[i : i + 1]])
                twin = one_mac(p, seed + 1000 * (i + 1) + k).fit(both, np.arange(n_items + 2))
                codes = twin.readout_.codes[n_items:]
                overlaps.append(float(code_overlap(codes[:1], codes[1:], p.Q)[0]))
            learned.append(float(np.mean(overlaps)))
        out["curves"][name] = {"probe": probe, "learned": learned}
    return out


def storage_and_familiarity(params: MacParams, a: int, n_items: int, seed: int) -> dict[str, Any]:
    """Exact reactivation after one presentation each; familiarity G of stored vs novel items."""
    items = random_patterns(n_items, a, seed)
    model = one_mac(params, seed).fit(items, np.arange(n_items))  # the knn readout keeps the learned codes
    learned = model.readout_.codes
    retrieved = model.transform(items)
    g_stored = model.familiarity(items)[:, 0]
    g_novel = model.familiarity(random_patterns(n_items, a, seed + 1))[:, 0]
    return {
        "n_items": n_items,
        "exact_reactivation": float(np.mean(np.all(retrieved == learned, axis=1))),
        "mean_overlap_with_learned": float(code_overlap(retrieved, learned, params.Q).mean()),
        "G_stored": g_stored.tolist(),
        "G_novel": g_novel.tolist(),
        "G_stored_mean": float(g_stored.mean()),
        "G_stored_min": float(g_stored.min()),
        "G_novel_mean": float(g_novel.mean()),
        "G_novel_max": float(g_novel.max()),
    }


def capacity(
    params: MacParams, a: int, n_values: list[int], noise: float, seed: int, progress: bool = True
) -> dict[str, Any]:
    """Best-match retrieval accuracy of noisy probes and weight fill vs the number stored,
    for Sparsey and the no-familiarity baseline."""
    out: dict[str, Any] = {"noise": noise, "variants": {}}
    for name in ("sparsey", "no familiarity (eta fixed)"):
        p = MacParams(**{**params.to_dict(), **VARIANTS[name]})
        rows = []
        for n in tqdm(n_values, desc=f"capacity, {name}", disable=not progress, leave=False):
            items = random_patterns(n, a, seed + n)
            model = one_mac(p, seed).fit(items, np.arange(n))
            probes = noisy(items, noise, seed + 7 * n)
            correct = model.predict(probes) == np.arange(n)
            exact = np.all(model.transform(probes) == model.readout_.codes, axis=1)
            distinct = len({c.tobytes() for c in model.readout_.codes})
            rows.append(
                {
                    "n_items": n,
                    "best_match_accuracy": float(correct.mean()),
                    "exact_code_recovery": float(exact.mean()),
                    "distinct_codes": distinct,
                    "weight_fill": model.weight_fill()[0],
                    "G_probe_mean": float(model.familiarity(probes)[:, 0].mean()),
                }
            )
        out["variants"][name] = rows
    out["rows"] = out["variants"]["sparsey"]
    return out


def run(
    Q: int,
    K: int,
    a: int,
    n_items: int,
    noises: list[float],
    n_values: list[int],
    capacity_noise: float,
    seed: int,
    progress: bool = True,
) -> dict[str, Any]:
    """All three results with one set of mac parameters."""
    # inflection sigma2 = 0.9 and G^- = 0.2: crosstalk V (~0.6-0.8 once a mac holds tens of
    # items) then barely biases novel codes, while a familiar input (V = 1) reactivates its code
    params = MacParams(Q=Q, K=K, pi_min=1, pi_max=SIDE * SIDE, sigma2=0.9, g_minus=0.2, gamma=2.0)
    return {
        "config": {"params": params.to_dict(), "side": SIDE, "a": a, "n_items": n_items, "seed": seed},
        "similarity": similarity_preservation(params, a, n_items, noises, seed),
        "storage": storage_and_familiarity(params, a, n_items, seed),
        "capacity": capacity(params, a, n_values, capacity_noise, seed, progress),
    }


def plot(summary: dict[str, Any]) -> Figure:
    fig = Figure(figsize=(13, 3.8), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)
    sim = summary["similarity"]
    for (name, c), color in zip(sim["curves"].items(), ("C0", "C3", "C2")):
        ax1.plot(sim["similarity"], c["probe"], "o-", color=color, label=f"{name}: probe vs stored")
        ax1.plot(
            sim["similarity"], c["learned"], "s--", color=color, alpha=0.6, label=f"{name}: both learned"
        )
    ax1.axhline(sim["chance"], color="0.5", lw=0.8, ls=":", label="chance (1/K)")
    ax1.set(
        xlabel="input similarity (shared active pixels / a)",
        ylabel="code overlap / Q",
        title="1. similarity preservation",
    )
    ax1.legend(fontsize=6)
    st = summary["storage"]
    bins = np.linspace(0, 1, 26)
    ax2.hist(st["G_stored"], bins=bins, alpha=0.7, label="stored")
    ax2.hist(st["G_novel"], bins=bins, alpha=0.7, label="novel")
    ax2.set(
        xlabel="familiarity G",
        ylabel="items",
        title=f"2. one trial: {100 * st['exact_reactivation']:.0f}% reactivated exactly",
    )
    ax2.legend()
    cap = summary["capacity"]
    for (name, rows), color in zip(cap["variants"].items(), ("C0", "C2")):
        n = [r["n_items"] for r in rows]
        ax3.plot(n, [r["best_match_accuracy"] for r in rows], "o-", color=color, label=f"{name}: best match")
        ax3.plot(
            n,
            [r["distinct_codes"] / r["n_items"] for r in rows],
            "^:",
            color=color,
            label=f"{name}: distinct codes / N",
        )
        ax3.plot(
            n, [r["weight_fill"] for r in rows], "s--", color=color, alpha=0.6, label=f"{name}: weights set"
        )
    ax3.set(
        xscale="log",
        xlabel="items stored",
        ylim=(0, 1.02),
        title=f"3. capacity (probe noise {cap['noise']:.0%})",
    )
    ax3.legend(fontsize=7)
    return fig


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=Path("results/sparsey_memory"))
    p.add_argument("--Q", type=int, default=16)
    p.add_argument("--K", type=int, default=8)
    p.add_argument("--a", type=int, default=20, help="active pixels per item (of 144)")
    p.add_argument("--items", type=int, default=20, help="items stored for results 1 and 2")
    p.add_argument("--n-values", type=int, nargs="+", default=[10, 20, 40, 60, 80, 160])
    p.add_argument("--noise", type=float, default=0.1, help="probe noise of the capacity curve")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--full", action="store_true", help="50 items; capacity up to 640 items")
    args = p.parse_args(argv)
    if args.full:
        args.items = 50
        args.n_values = [10, 20, 30, 40, 50, 60, 80, 120, 160, 320, 640]
    noises = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0]
    begin_outputs(args.out)  # an unwritable folder fails now, not after the run
    summary = run(args.Q, args.K, args.a, args.items, noises, args.n_values, args.noise, args.seed)
    write_run(args.out, summary, {"memory.png": plot(summary)})
    st = summary["storage"]
    print(
        f"stored {st['n_items']} items once: {100 * st['exact_reactivation']:.0f}% reactivated exactly; "
        f"G stored {st['G_stored_mean']:.3f} (min {st['G_stored_min']:.3f}), "
        f"novel {st['G_novel_mean']:.3f} (max {st['G_novel_max']:.3f})"
    )
    for r in summary["capacity"]["rows"]:
        print(
            f"  N={r['n_items']:5d}: best match {r['best_match_accuracy']:.3f}, "
            f"weights set {r['weight_fill']:.3f}"
        )
    print(f"wrote {args.out / 'memory.png'} and summary.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
