"""The NMDA-threshold prediction of Ahmad & Hawkins (2016): false matches vs the threshold theta.

The authors' procedure (numenta/htmresearch, projects/sdr_paper/compute_optimal_threshold.py and
plot_optimal_threshold.py): over a grid of population sizes n, sparsities (a = round(sparsity n))
and synapse counts s, compute the false-match probability of a segment for each threshold theta,
summarise it per theta (mean, std, min, max, median) and predict the smallest theta whose MEDIAN
false-match rate is <= 1e-9 (``--target``). Theory: ``neurosparse.sdr.theory.threshold_error_statistics``
on ``PAPER_THRESHOLD_GRID`` by default (the grid is the arguments).

The published median table (plot_optimal_threshold.py) is reproduced to its 3 printed digits only
on the grid n = 10000, 30000, ..., 190000 of the earlier revision of compute_optimal_threshold.py
(same sparsities, s and theta); ``summary.json`` compares the authors' medians with ours on both
grids. Both grids predict theta = 10.

As a separate, secondary curve, the median false-negative probability when a fraction
``--noise`` of the a active cells is swapped (grid points with s <= a; theta > s never fires)
shows the other side of the trade-off; the paper's prediction uses the false matches only.

Writes ``threshold.png`` and ``summary.json`` into ``--out``.

Example::

    python simulations/sdr_threshold.py --out results/sdr_threshold
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from neurosparse._io import begin_outputs, write_run
from neurosparse.sdr.theory import (
    PAPER_THRESHOLD_GRID,
    PUBLISHED_TABLE_N_VALUES,
    false_negative_probability,
    optimal_threshold,
    threshold_error_statistics,
)

# authors' published values, numenta/htmresearch projects/sdr_paper (plot_optimal_threshold.py):
# the median false-positive error for theta = 3..24, printed to 3 significant digits.
AUTHORS_MEDIANS: dict[int, float] = dict(zip(range(3, 25), (
    0.018156949, 0.002227752, 0.000210173, 1.58e-05, 9.60e-07, 4.83e-08, 2.04e-09, 7.40e-11, 2.49e-12,
    7.63e-14, 2.05e-15, 4.88e-17, 1.03e-18, 1.95e-20, 3.28e-22, 4.90e-24, 5.32e-26, 4.11e-28, 2.68e-30,
    2.91e-32, 2.90e-34, 2.60e-36)))


def false_negative_medians(n_values: list[int], sparsities: list[float], s_values: list[int],
                           thetas: list[int], noise: float) -> tuple[np.ndarray, int]:
    """Median P(false negative) per theta over the grid points with s <= a; v = round(noise a).

    A segment with theta > s never fires: its false-negative probability is 1.

    Returns
    -------
    (ndarray, int)
        The median per theta and the number of grid points used.
    """
    pts = [(int(round(sp * n)), s) for n, sp, s in itertools.product(n_values, sparsities, s_values)]
    pts = [(a, s) for a, s in pts if s <= a]
    if not pts:
        return np.full(len(thetas), np.nan), 0
    a, s = (np.asarray(x, dtype=np.int64) for x in zip(*pts))
    v = np.round(noise * a).astype(np.int64)
    med = []
    for theta in thetas:
        p = np.ones(a.size)
        ok = theta <= s
        if np.any(ok):
            p[ok] = false_negative_probability(a[ok], s[ok], theta, v[ok])
        med.append(float(np.median(p)))
    return np.asarray(med), a.size


def _stats_table(stats: dict[str, np.ndarray]) -> list[dict[str, float]]:
    rows = []
    for i, theta in enumerate(stats["theta"]):
        values = {k: float(stats[k][i]) for k in ("mean", "std", "min", "max", "median")}
        rows.append({"theta": int(theta), **values})
    return rows


def _compare(rows: list[dict[str, float]]) -> list[dict[str, float]]:
    return [{"theta": r["theta"], "ours": r["median"], "authors": AUTHORS_MEDIANS[r["theta"]],
             "rel_diff": (AUTHORS_MEDIANS[r["theta"]] - r["median"]) / r["median"]}
            for r in rows if r["theta"] in AUTHORS_MEDIANS and r["median"] > 0]


def run(n_values: list[int], sparsities: list[float], s_values: list[int], thetas: list[int], target: float,
        noise: float) -> dict[str, Any]:
    """Per-theta statistics, the predicted theta, false negatives and the reference comparisons."""
    stats = threshold_error_statistics(n_values, s_values, thetas, sparsities=sparsities)
    table = _stats_table(stats)
    good = [r["theta"] for r in table if r["median"] <= target]
    predicted = good[0] if good else None
    check, _ = optimal_threshold(n_values, s_values=s_values, thetas=thetas, sparsities=sparsities,
                                 target=target) if good else (None, None)
    fn, fn_points = false_negative_medians(n_values, sparsities, s_values, thetas, noise)
    for r, x in zip(table, fn):
        r["median_false_negative"] = float(x)
    pub_stats = threshold_error_statistics(PUBLISHED_TABLE_N_VALUES, s_values, thetas, sparsities=sparsities)
    pub_table = _stats_table(pub_stats)
    pub_good = [r["theta"] for r in pub_table if r["median"] <= target]
    return {"config": {"n_values": n_values, "sparsities": sparsities, "s_values": s_values, "thetas": thetas,
                       "target": target, "noise": noise},
            "points": int(stats["points"]), "table": table, "predicted_theta": predicted,
            "optimal_threshold_check": check, "false_negative_points": fn_points,
            "authors_medians": {str(k): v for k, v in AUTHORS_MEDIANS.items()},
            "reference_comparison": _compare(table),
            "published_table_grid": {"n_values": list(PUBLISHED_TABLE_N_VALUES),
                                     "points": int(pub_stats["points"]), "table": pub_table,
                                     "predicted_theta": pub_good[0] if pub_good else None,
                                     "reference_comparison": _compare(pub_table)}}


def figure(summary: dict[str, Any]) -> Figure:
    """Left: the paper's criterion (median false match, band, target); right: false negatives."""
    fig = Figure(figsize=(11, 4.4))
    ax, ax2 = fig.subplots(1, 2)
    t = summary["table"]
    th = [r["theta"] for r in t]
    floor = 1e-300
    ax.fill_between(th, [max(r["min"], floor) for r in t], [max(r["max"], floor) for r in t], color="0.85",
                    label="min-max over the grid")
    ax.semilogy(th, [max(r["median"], floor) for r in t], "k-o", ms=3, label="median (the paper's statistic)")
    ax.semilogy(th, [max(r["mean"], floor) for r in t], "k--", lw=1, label="mean")
    auth = [(int(k), v) for k, v in summary["authors_medians"].items()]
    ax.semilogy([k for k, _ in auth], [v for _, v in auth], "rx", ms=5,
                label="authors' published median (n = 10000..190000 grid)")
    cfg = summary["config"]
    ax.axhline(cfg["target"], color="C0", ls=":", label=f"target {cfg['target']:g}")
    if summary["predicted_theta"] is not None:
        ax.axvline(summary["predicted_theta"], color="C3", ls="-.", lw=1,
                   label=f"predicted theta = {summary['predicted_theta']}")
    ax.set_ylim(bottom=1e-40, top=2)
    ax.set_xlabel("segment threshold theta")
    ax.set_ylabel("false-match probability")
    ax.set_title(f"{summary['points']} grid points: n {cfg['n_values'][0]}..{cfg['n_values'][-1]}, "
                 f"sparsity {min(cfg['sparsities']):.1%}..{max(cfg['sparsities']):.1%}, "
                 f"s {min(cfg['s_values'])}..{max(cfg['s_values'])}", fontsize=8)
    ax.legend(fontsize=7, loc="lower left")
    ax2.semilogy(th, [max(r["median_false_negative"], floor) for r in t], "C2-o", ms=3,
                 label=f"median false negative, {cfg['noise']:.0%} of a swapped")
    if summary["predicted_theta"] is not None:
        ax2.axvline(summary["predicted_theta"], color="C3", ls="-.", lw=1)
    ax2.set_xlabel("segment threshold theta")
    ax2.set_ylabel("false-negative probability")
    ax2.set_title(f"the other side of the trade-off ({summary['false_negative_points']} points with s <= a)",
                  fontsize=8)
    ax2.legend(fontsize=7)
    fig.tight_layout()
    return fig


def main(argv: list[str] | None = None) -> int:
    """Run from the command line; returns the exit status."""
    g = PAPER_THRESHOLD_GRID
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=Path("results/sdr_threshold"))
    p.add_argument("--n-values", type=int, nargs="+", default=list(g["n_values"]))
    p.add_argument("--sparsities", type=float, nargs="+", default=list(g["sparsities"]),
                   help="a = round(sparsity * n)")
    p.add_argument("--s-values", type=int, nargs="+", default=list(g["s_values"]))
    p.add_argument("--thetas", type=int, nargs="+", default=list(g["thetas"]))
    p.add_argument("--target", type=float, default=1e-9, help="median false-match rate to reach")
    p.add_argument("--noise", type=float, default=0.3, help="fraction of a swapped for the false negatives")
    args = p.parse_args(argv)
    if any(n < 1 for n in args.n_values):
        p.error(f"--n-values must be >= 1, got {args.n_values}")
    if any(not 0 < x <= 1 for x in args.sparsities):
        p.error(f"--sparsities must lie in (0, 1], got {args.sparsities}")
    if any(s < 1 for s in args.s_values) or any(s > n for s in args.s_values for n in args.n_values):
        p.error(f"--s-values must lie in [1, min(--n-values)], got {args.s_values}")
    if any(t < 1 for t in args.thetas) or sorted(args.thetas) != args.thetas:
        p.error(f"--thetas must be increasing and >= 1, got {args.thetas}")
    if not 0 < args.target < 1:
        p.error(f"--target must lie in (0, 1), got {args.target}")
    if not 0 <= args.noise <= 1:
        p.error(f"--noise must lie in [0, 1], got {args.noise}")
    begin_outputs(args.out)  # an unwritable folder fails now, not after the run
    summary = run(args.n_values, args.sparsities, args.s_values, args.thetas, args.target, args.noise)
    write_run(args.out, summary, {"threshold.png": figure(summary)})
    print(f"wrote {args.out}/threshold.png and summary.json; predicted theta = {summary['predicted_theta']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
