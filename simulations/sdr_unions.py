"""Unions on one segment: false matches and synapses vs the number M of stored patterns.

Ahmad & Hawkins (2016), union property (numenta/htmresearch, projects/sdr_paper/sdr_paper_unions.py):
a segment stores M patterns (a = 200 active of n cells each) by sampling s = 25 synapses from
each and fires at theta = 15. Its synapse count x is the size of the union of M random s-subsets.

* "paper": x = round(n (1 - (1 - s/n)^M)), the rounded *expected* union size, put into the
  false-match formula (the authors' method; their code prints exactly 1.0 for every M after the
  first one whose value reaches 0.9999999999: ``p_paper_as_published``).
* "exact": the false-match probability averaged over the exact distribution of x
  (``neurosparse.sdr.theory.union_size_distribution``). The two differ by rounding and by Jensen's
  inequality (the false-match probability is curved in x).
* Monte Carlo: ``neurosparse.sdr.montecarlo.union_false_match_rate`` where
  ``--mc-min-p`` <= p <= 1 - ``--mc-min-p`` (measurable and not saturated).

Writes ``unions.png`` (left: false match vs M; right: synapses after M unions, expected
n(1 - (1 - s/n)^M), the exact distribution's mean and 5-95 % band, and the naive M s) and
``summary.json`` (every point, relative differences, the authors' published values).

Example::

    python simulations/sdr_unions.py --out results/sdr_unions
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
from neurosparse.sdr.montecarlo import union_false_match_rate
from neurosparse.sdr.theory import union_false_match_probability, union_size_distribution

# authors' published values, numenta/htmresearch projects/sdr_paper (sdr_paper_unions.py output):
# n -> {M: false-match probability}, a = 200, s = 25, theta = 15.
AUTHORS_VALUES: dict[int, dict[int, float]] = {
    1000: {1: 1.00140315240769e-5, 2: 0.0473894530292855, 3: 0.501650232353378},
    10000: {1: 5.30352419025194e-20, 2: 2.35602184920806e-14, 3: 1.53934243906984e-11},
    20000: {1: 1.75826328738259e-24, 2: 9.73603540551588e-19, 3: 7.92130752699486e-16},
}
AUTHORS_CLAMP = 0.9999999999  # their code prints 1.0 for every M after a value reaches this


def expected_union_size(n: int, s: int, m: int) -> float:
    """E[x] = n (1 - (1 - s/n)^m): a cell is missed by each of m independent s-subsets w.p. 1 - s/n."""
    return n * (1.0 - (1.0 - s / n) ** m)


def union_size_stats(n: int, s: int, m: int) -> dict[str, float]:
    """Mean and 5 %, 50 %, 95 % quantiles of the exact union-size distribution."""
    pmf = union_size_distribution(n, s, m)
    x = np.arange(pmf.size)
    cdf = np.cumsum(pmf)
    q = {f"q{int(100 * f):02d}": int(np.searchsorted(cdf, f * cdf[-1])) for f in (0.05, 0.5, 0.95)}
    return {"mean": float(np.dot(x, pmf) / pmf.sum()), **q}


def run(ns: list[int], a: int, s: int, theta: int, ms: list[int], trials: int, seed: int,
        mc_min_p: float) -> dict[str, Any]:
    """Paper, exact and Monte Carlo false-match probabilities and union sizes for every (n, M)."""
    curves = []
    exact_seconds = 0.0
    jobs = []
    for n in ns:
        rows = []
        shown_before = 0.0  # the authors print 1.0 once the previous value reached AUTHORS_CLAMP
        for m in ms:
            ex = expected_union_size(n, s, m)
            paper = union_false_match_probability(n, a, s, theta, m, method="paper")
            t0 = time.perf_counter()
            exact = union_false_match_probability(n, a, s, theta, m, method="exact")
            exact_seconds += time.perf_counter() - t0
            row: dict[str, Any] = {
                "m": m, "expected_synapses": ex, "paper_synapses": int(round(ex)), "naive_synapses": m * s,
                "union_size": union_size_stats(n, s, m), "p_paper": paper,
                "p_paper_as_published": 1.0 if shown_before >= AUTHORS_CLAMP else paper, "p_exact": exact,
                "rel_diff_paper_vs_exact": (paper - exact) / exact if exact > 0 else 0.0,
                "rel_diff_exact_vs_paper": (exact - paper) / paper if paper > 0 else 0.0}
            theirs = AUTHORS_VALUES.get(n, {}).get(m) if (a, s, theta) == (200, 25, 15) else None
            if theirs is not None:
                row["authors"] = theirs
                row["rel_diff_authors_vs_paper"] = (theirs - paper) / paper
                row["rel_diff_authors_vs_exact"] = (theirs - exact) / exact
            if trials > 0 and mc_min_p <= exact <= 1.0 - mc_min_p:  # measurable, not saturated
                jobs.append((row, n, m))
            shown_before = row["p_paper_as_published"]
            rows.append(row)
        curves.append({"n": n, "points": rows})
    for k, (row, n, m) in enumerate(tqdm(jobs, desc="Monte Carlo points", disable=None)):
        est = union_false_match_rate(n, a, s, theta, m, trials=trials, seed=seed + k)
        row["mc"] = {"p": est.p, "stderr": est.stderr, "hits": est.hits, "trials": est.trials}
    return {"config": {"ns": ns, "a": a, "s": s, "theta": theta, "ms": ms, "trials": trials, "seed": seed,
                       "mc_min_p": mc_min_p},
            "curves": curves, "exact_method_seconds": exact_seconds}


def figure(summary: dict[str, Any]) -> Figure:
    """False match vs M (paper, exact, Monte Carlo); paper vs exact; synapses on the segment vs M."""
    fig = Figure(figsize=(15, 4.4))
    ax, ax3, ax2 = fig.subplots(1, 3)
    for k, c in enumerate(summary["curves"]):
        pts = c["points"]
        ms = [r["m"] for r in pts]
        ax.semilogy(ms, [max(r["p_paper"], 1e-300) for r in pts], color=f"C{k}", label=f"n = {c['n']}: paper")
        ax.semilogy(ms, [max(r["p_exact"], 1e-300) for r in pts], color=f"C{k}", ls="--", label="exact")
        ax3.plot(ms, [100 * r["rel_diff_paper_vs_exact"] for r in pts], "-o", ms=3, color=f"C{k}",
                 label=f"n = {c['n']}")
        mc = [r for r in pts if "mc" in r and r["mc"]["p"] > 0]
        if mc:
            ax.errorbar([r["m"] for r in mc], [r["mc"]["p"] for r in mc],
                        yerr=[r["mc"]["stderr"] for r in mc], fmt="o", ms=4, mfc="none", color=f"C{k}",
                        label="Monte Carlo")
        if k == len(summary["curves"]) - 1:  # synapse counts for the largest n
            ax2.plot(ms, [r["naive_synapses"] for r in pts], "k:", label="M s (no overlap)")
            ax2.plot(ms, [r["expected_synapses"] for r in pts], color=f"C{k}", label="n (1 - (1 - s/n)^M)")
        ax2.plot(ms, [r["union_size"]["mean"] for r in pts], "o", ms=3, color=f"C{k}",
                 label=f"n = {c['n']}: exact mean, 5-95 %")
        ax2.fill_between(ms, [r["union_size"]["q05"] for r in pts], [r["union_size"]["q95"] for r in pts],
                         color=f"C{k}", alpha=0.2)
        if k < len(summary["curves"]) - 1:
            ax2.plot(ms, [r["expected_synapses"] for r in pts], color=f"C{k}", lw=1)
    cfg = summary["config"]
    ax.set_xlabel("patterns stored M")
    ax.set_ylabel("false-match probability")
    ax.set_title(f"a = {cfg['a']}, s = {cfg['s']}, theta = {cfg['theta']}", fontsize=9)
    ax.set_ylim(bottom=1e-30)
    ax.legend(fontsize=6, ncol=2)
    ax3.axhline(0, color="k", lw=0.5)
    ax3.set_xlabel("patterns stored M")
    ax3.set_ylabel("(paper - exact) / exact  [%]")
    ax3.set_title("rounded expected union size vs exact distribution", fontsize=9)
    ax3.legend(fontsize=7)
    ax2.set_xlabel("patterns stored M")
    ax2.set_ylabel("synapses on the segment")
    ax2.set_title("synapses after M unions", fontsize=9)
    ax2.legend(fontsize=7)
    fig.tight_layout()
    return fig


def main(argv: list[str] | None = None) -> int:
    """Run from the command line; returns the exit status."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=Path("results/sdr_unions"))
    p.add_argument("--ns", type=int, nargs="+", default=[1000, 10000, 20000])
    p.add_argument("--a", type=int, default=200)
    p.add_argument("--s", type=int, default=25)
    p.add_argument("--theta", type=int, default=15)
    p.add_argument("--m-max", type=int, default=19, help="M = 1..m-max")
    p.add_argument("--trials", type=int, default=10_000, help="Monte Carlo trials per point (0: none)")
    p.add_argument("--mc-min-p", type=float, default=1e-3,
                   help="Monte Carlo only where this <= p_exact <= 1 - this")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--full", action="store_true", help="10^5 trials, mc-min-p 1e-4")
    args = p.parse_args(argv)
    if args.full:
        args.trials, args.mc_min_p = 100_000, 1e-4
    if not 1 <= args.theta <= args.s <= args.a or any(args.a > n for n in args.ns):
        p.error(f"need 1 <= --theta <= --s <= --a <= every --ns, got --theta={args.theta}, --s={args.s}, "
                f"--a={args.a}, --ns={args.ns}")
    if args.m_max < 1:
        p.error(f"--m-max must be >= 1, got {args.m_max}")
    if args.trials < 0:
        p.error(f"--trials must be >= 0, got {args.trials}")
    if not 0 < args.mc_min_p <= 0.5:
        p.error(f"--mc-min-p must lie in (0, 0.5], got {args.mc_min_p}")
    begin_outputs(args.out)  # an unwritable folder fails now, not after the run
    summary = run(args.ns, args.a, args.s, args.theta, list(range(1, args.m_max + 1)), args.trials, args.seed,
                  args.mc_min_p)
    write_run(args.out, summary, {"unions.png": figure(summary)})
    print(f"wrote {args.out}/unions.png and summary.json "
          f"(exact method: {summary['exact_method_seconds']:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
