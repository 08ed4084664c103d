"""Noise robustness of a dendritic segment: false negatives vs swapped cells v (Ahmad & Hawkins 2016).

A segment holds s = 30 synapses sampled from a stored pattern of a = 128 active cells and fires
at theta. Noise swaps v of the pattern's a cells for other cells; the number k of swapped cells
among the segment's synapses is hypergeometric (population a, s successes, v draws) and the
segment fails when s - k < theta:

    P(false negative) = sum_{k=s-theta+1}^{min(s, v)} C(s, k) C(a - s, v - k) / C(a, v)

Theory: ``neurosparse.sdr.theory.false_negative_probability``; simulation (explicit SDRs of n
cells): ``neurosparse.sdr.montecarlo.false_negative_rate``. The paper's grid (numenta/htmresearch,
projects/sdr_paper/plot_noise_results.py) is theta = 8, 12, 16 and v = round(a f) for noise
fractions f = 0.05, 0.10, ..., 0.80. ``summary.json`` compares our theory with the authors'
published theory values, including their theta = 8, v = 26 value, 0.9 % below the exact
rational value (stored as ``exact_fraction``).

Example::

    python simulations/sdr_noise.py --out results/sdr_noise
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
from neurosparse.sdr.montecarlo import false_negative_rate
from neurosparse.sdr.theory import false_negative_probability

# authors' published values, numenta/htmresearch projects/sdr_paper (plot_noise_results.py):
# (theta, v) -> their theory value at a = 128, s = 30.
AUTHORS_VALUES: dict[tuple[int, int], float] = {
    (8, 26): 3.11341516283240e-16,  # their precision loss: the exact value is 0.9 % higher
    (16, 19): 2.65549705827547e-8,
    (16, 64): 0.582501773030327,
}


def paper_vs(a: int, fractions: int = 16) -> list[int]:
    """The paper's swapped-cell counts: v = round(a f) for f = 0.05, 0.10, ..., 0.05 * fractions."""
    return [int(round(a * k / 20)) for k in range(1, fractions + 1)]


def run(a: int, s: int, thetas: list[int], vs: list[int], n: int, trials: int, seed: int) -> dict[str, Any]:
    """Theory and Monte Carlo at every (theta, v); the reference comparison.

    Parameters
    ----------
    a, s : int
        Active cells of the stored pattern, synapses on the segment (s <= a).
    thetas, vs : list of int
        Thresholds, numbers of swapped cells.
    n : int
        Cells in the population of the Monte Carlo patterns (v <= n - a).
    trials, seed : int
        Monte Carlo trials per point (0: none) and seed.
    """
    v_arr = np.asarray(vs, dtype=np.int64)
    curves = []
    jobs = []
    for theta in thetas:
        p = np.atleast_1d(false_negative_probability(a, s, theta, v_arr))
        curve = {"theta": theta, "v": vs, "noise": [v / a for v in vs], "p": [float(x) for x in p], "mc": []}
        curves.append(curve)
        jobs += [(curve, v) for v in vs]
    if trials > 0:
        for k, (curve, v) in enumerate(tqdm(jobs, desc="Monte Carlo points", disable=None)):
            est = false_negative_rate(a, s, curve["theta"], v, n=n, trials=trials, seed=seed + k)
            curve["mc"].append({"v": v, "p": est.p, "stderr": est.stderr, "hits": est.hits,
                                "trials": est.trials})
    rows = []
    for (theta, v), theirs in AUTHORS_VALUES.items():
        if a == 128 and s == 30 and theta in thetas and v in vs:
            ours = next(c for c in curves if c["theta"] == theta)["p"][vs.index(v)]
            exact = float(false_negative_probability(a, s, theta, v, exact=True))
            rows.append({"theta": theta, "v": v, "ours": ours, "authors": theirs, "exact_fraction": exact,
                         "rel_diff": (theirs - exact) / exact, "ours_rel_diff_exact": (ours - exact) / exact})
    return {"config": {"a": a, "s": s, "thetas": thetas, "vs": vs, "n": n, "trials": trials, "seed": seed},
            "curves": curves, "reference_comparison": rows}


def figure(summary: dict[str, Any]) -> Figure:
    """log P(false negative) vs noise fraction, one line per theta, Monte Carlo markers."""
    fig = Figure(figsize=(6, 4.4))
    ax = fig.subplots()
    for k, c in enumerate(summary["curves"]):
        pos = [(x, y) for x, y in zip(c["noise"], c["p"]) if y > 0]  # exactly 0 below v = s - theta + 1
        ax.semilogy([x for x, _ in pos], [y for _, y in pos], "-", marker=".", color=f"C{k}",
                    label=f"theta = {c['theta']}")
        mc = [r for r in c["mc"] if r["p"] > 0]
        if mc:
            ax.errorbar([r["v"] / summary["config"]["a"] for r in mc], [r["p"] for r in mc],
                        yerr=[r["stderr"] for r in mc], fmt="o", ms=4, mfc="none", color=f"C{k}")
    cfg = summary["config"]
    ax.set_xlabel("noise: fraction v/a of the active cells swapped")
    ax.set_ylabel("false-negative probability")
    mc_note = f", circles: Monte Carlo n = {cfg['n']}, {cfg['trials']} trials" if cfg["trials"] else ""
    ax.set_title(f"a = {cfg['a']}, s = {cfg['s']} (lines: theory{mc_note})", fontsize=9)
    ax.set_ylim(1e-20, 2)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def main(argv: list[str] | None = None) -> int:
    """Run from the command line; returns the exit status."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=Path("results/sdr_noise"))
    p.add_argument("--a", type=int, default=128, help="active cells of the stored pattern")
    p.add_argument("--s", type=int, default=30, help="synapses on the segment")
    p.add_argument("--thetas", type=int, nargs="+", default=[8, 12, 16])
    p.add_argument("--vs", type=int, nargs="+", default=None,
                   help="swapped cells (default: the paper's round(a f), f = 0.05..0.80)")
    p.add_argument("--n", type=int, default=2048, help="population of the Monte Carlo patterns")
    p.add_argument("--trials", type=int, default=20_000, help="Monte Carlo trials per point (0: none)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--full", action="store_true", help="10^6 Monte Carlo trials per point (~10 min)")
    args = p.parse_args(argv)
    if args.full:
        args.trials = 1_000_000
    vs = args.vs if args.vs is not None else paper_vs(args.a)
    if not 1 <= args.s <= args.a:
        p.error(f"--s must lie in [1, --a={args.a}], got {args.s}")
    if any(not 1 <= t <= args.s for t in args.thetas):
        p.error(f"--thetas must lie in [1, --s={args.s}], got {args.thetas}")
    if any(not 0 <= v <= min(args.a, args.n - args.a) for v in vs):
        p.error(f"--vs must lie in [0, min(--a, --n - --a) = {min(args.a, args.n - args.a)}], got {vs}")
    if args.trials < 0:
        p.error(f"--trials must be >= 0, got {args.trials}")
    begin_outputs(args.out)  # an unwritable folder fails now, not after the run
    summary = run(args.a, args.s, args.thetas, vs, args.n, args.trials, args.seed)
    write_run(args.out, summary, {"noise.png": figure(summary)})
    print(f"wrote {args.out}/noise.png and summary.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
