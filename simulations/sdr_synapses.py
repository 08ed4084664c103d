"""False-match probability vs the number of synapses s and the threshold theta (Ahmad & Hawkins 2016).

Two figures of the paper's "effect of s" analysis (numenta/htmresearch,
projects/sdr_paper/plot_effect_of_s.py):

1. ``false_match_vs_s.png``: theta = s/2, s = 2, 4, ..., 30, for (a, n) = (32, 2000),
   (32, 4000), (512, 16000) and the dense case (4000, 16000, dashed). More synapses with a
   proportional threshold make false matches vanish for sparse codes, but barely for the dense one.
2. ``false_match_theta_s.png``: a heatmap of log10 P(false match) over (theta, s), 1 <= theta <= s,
   at one (n, a) (default n = 2048, a = 40), with the 1e-9 contour.

Theory: ``neurosparse.sdr.theory.false_match_probability`` (vectorized, exact in log space);
Monte Carlo markers (``neurosparse.sdr.montecarlo.false_match_rate``) where p >= ``--mc-min-p``
and a <= ``--mc-max-a``. ``summary.json`` holds every number and the comparison with the
authors' published values.

Example::

    python simulations/sdr_synapses.py --out results/sdr_synapses
    python simulations/sdr_synapses.py --full --out results/sdr_synapses_full
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
from neurosparse.sdr.montecarlo import false_match_rate
from neurosparse.sdr.theory import false_match_probability

PAPER_CURVES: tuple[tuple[int, int], ...] = ((32, 2000), (32, 4000), (512, 16000), (4000, 16000))
# authors' published values, numenta/htmresearch projects/sdr_paper (plot_effect_of_s.py lists):
# (a, n) -> {s: P(false match) at theta = s/2}
AUTHORS_VALUES: dict[tuple[int, int], dict[int, float]] = {
    (32, 2000): {2: 0.0317518759379690, 4: 0.00145910198652343, 6: 7.21043526586462e-5},
    (4000, 16000): {2: 0.437511719482468, 4: 0.261705563155493, 6: 0.169396504590094},
    (512, 16000): {30: 3.07765573247024e-15},
    (32, 4000): {30: 1.03307534135054e-25},
}


def curves_vs_s(pairs: list[tuple[int, int]], ss: list[int]) -> list[dict[str, Any]]:
    """P(false match) at theta = s // 2 for each (a, n) and each s (points with s > a left out).

    Returns
    -------
    list of dict
        ``a``, ``n``, ``s``, ``theta`` and ``p`` (lists) per curve.
    """
    out = []
    for a, n in pairs:
        s = np.asarray([x for x in ss if x <= a], dtype=np.int64)
        theta = s // 2
        p = np.atleast_1d(false_match_probability(n, a, s, theta)) if s.size else np.zeros(0)
        out.append({"a": a, "n": n, "s": s.tolist(), "theta": theta.tolist(), "p": [float(x) for x in p]})
    return out


def theta_s_grid(n: int, a: int, s_max: int) -> dict[str, Any]:
    """P(false match) for s = 1..s_max, theta = 1..s (NaN above the diagonal theta > s)."""
    s, theta = np.meshgrid(np.arange(1, s_max + 1), np.arange(1, s_max + 1), indexing="ij")
    ok = theta <= s
    p = np.full(s.shape, np.nan)
    p[ok] = false_match_probability(n, a, s[ok], theta[ok])
    return {"n": n, "a": a, "s": list(range(1, s_max + 1)), "theta": list(range(1, s_max + 1)),
            "p": [[None if np.isnan(x) else float(x) for x in row] for row in p]}


def monte_carlo(curves: list[dict[str, Any]], trials: int, seed: int, mc_min_p: float, mc_max_a: int) -> None:
    """Add ``curve["mc"]``: Monte Carlo estimates where p >= mc_min_p and a <= mc_max_a."""
    jobs = [(c, i) for c in curves if c["a"] <= mc_max_a for i, p in enumerate(c["p"]) if p >= mc_min_p]
    for c in curves:
        c["mc"] = []
    for k, (c, i) in enumerate(tqdm(jobs, desc="Monte Carlo points", disable=None)):
        est = false_match_rate(c["n"], c["a"], c["s"][i], c["theta"][i], trials=trials, seed=seed + k)
        c["mc"].append({"s": c["s"][i], "p": est.p, "stderr": est.stderr, "hits": est.hits,
                        "trials": est.trials})


def reference_comparison(curves: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Our values beside the authors' published ones where both exist."""
    rows = []
    for c in curves:
        ref = AUTHORS_VALUES.get((c["a"], c["n"]), {})
        for s, p in zip(c["s"], c["p"]):
            if s in ref:
                rows.append({"a": c["a"], "n": c["n"], "s": s, "theta": s // 2, "ours": p, "authors": ref[s],
                             "rel_diff": (ref[s] - p) / p})
    return rows


def run(pairs: list[tuple[int, int]], ss: list[int], grid_n: int, grid_a: int, grid_s_max: int,
        trials: int, seed: int, mc_min_p: float, mc_max_a: int) -> dict[str, Any]:
    """Both analyses and the reference comparison, as one JSON-ready dict."""
    curves = curves_vs_s(pairs, ss)
    if trials > 0:
        monte_carlo(curves, trials, seed, mc_min_p, mc_max_a)
    return {"config": {"pairs": [list(x) for x in pairs], "ss": ss, "grid_n": grid_n, "grid_a": grid_a,
                       "grid_s_max": grid_s_max, "trials": trials, "seed": seed, "mc_min_p": mc_min_p,
                       "mc_max_a": mc_max_a},
            "curves": curves, "theta_s_grid": theta_s_grid(grid_n, grid_a, grid_s_max),
            "reference_comparison": reference_comparison(curves)}


def figure_vs_s(summary: dict[str, Any]) -> Figure:
    """log P(false match) vs s at theta = s/2, one line per (a, n), Monte Carlo markers."""
    fig = Figure(figsize=(6, 4.4))
    ax = fig.subplots()
    for k, c in enumerate(summary["curves"]):
        dense = c["a"] / c["n"] > 0.1
        ax.semilogy(c["s"], np.maximum(c["p"], 1e-300), color=f"C{k}", ls="--" if dense else "-",
                    marker=".", label=f"a = {c['a']}, n = {c['n']}")
        mc = [r for r in c.get("mc", []) if r["p"] > 0]
        if mc:
            ax.errorbar([r["s"] for r in mc], [r["p"] for r in mc], yerr=[r["stderr"] for r in mc],
                        fmt="o", mfc="none", ms=6, color=f"C{k}")
    ax.set_xlabel("synapses on the segment s (threshold theta = s/2)")
    ax.set_ylabel("false-match probability")
    ax.set_title("lines: theory, circles: Monte Carlo", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def figure_theta_s(summary: dict[str, Any]) -> Figure:
    """Heatmap of log10 P(false match) over (theta, s) with the 1e-9 contour."""
    g = summary["theta_s_grid"]
    p = np.array([[np.nan if x is None else x for x in row] for row in g["p"]], dtype=float)
    logp = np.log10(np.maximum(p, 1e-300))
    fig = Figure(figsize=(6.4, 4.8))
    ax = fig.subplots()
    s, th = np.asarray(g["s"]), np.asarray(g["theta"])
    im = ax.pcolormesh(s, th, logp.T, shading="nearest", cmap="viridis", vmin=max(np.nanmin(logp), -60),
                       vmax=0)
    fig.colorbar(im, ax=ax, label="log10 P(false match)")
    if np.nanmin(logp) < -9 < np.nanmax(logp):
        ax.contour(s, th, np.ma.masked_invalid(logp.T), levels=[-9], colors="w", linewidths=1.2)
    ax.plot(s, s / 2, "r:", lw=1, label="theta = s/2")
    ax.set_xlabel("synapses on the segment s")
    ax.set_ylabel("threshold theta")
    ax.set_title(f"n = {g['n']}, a = {g['a']} (white: P = 1e-9; colours clipped at 1e-60)", fontsize=9)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=Path("results/sdr_synapses"))
    p.add_argument("--pairs", type=int, nargs="+", default=[x for ap in PAPER_CURVES for x in ap],
                   help="(a, n) pairs, flattened: a1 n1 a2 n2 ...")
    p.add_argument("--s-max", type=int, default=30, help="s = 2, 4, ..., s-max")
    p.add_argument("--grid-n", type=int, default=2048, help="n of the (theta, s) heatmap")
    p.add_argument("--grid-a", type=int, default=40, help="a of the (theta, s) heatmap")
    p.add_argument("--grid-s-max", type=int, default=64, help="largest s of the heatmap")
    p.add_argument("--trials", type=int, default=20_000, help="Monte Carlo trials per point (0: none)")
    p.add_argument("--mc-min-p", type=float, default=1e-3)
    p.add_argument("--mc-max-a", type=int, default=600, help="Monte Carlo only for curves with a <= this")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--full", action="store_true", help="10^5 trials, mc-min-p 1e-4, dense curve included")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run from the command line; returns the exit status."""
    p = _parser()
    args = p.parse_args(argv)
    if args.full:
        args.trials, args.mc_min_p, args.mc_max_a = 100_000, 1e-4, 4000
    if len(args.pairs) % 2:
        p.error(f"--pairs takes a n pairs (an even count of numbers), got {args.pairs}")
    pairs = list(zip(args.pairs[::2], args.pairs[1::2]))
    if any(not 2 <= a <= n for a, n in pairs):
        p.error(f"--pairs needs 2 <= a <= n for every pair, got {pairs}")
    if args.s_max < 2:
        p.error(f"--s-max must be >= 2, got {args.s_max}")
    if not 1 <= args.grid_s_max <= args.grid_n or not 1 <= args.grid_a <= args.grid_n:
        p.error(f"need 1 <= --grid-s-max <= --grid-n and 1 <= --grid-a <= --grid-n, got "
                f"--grid-s-max={args.grid_s_max}, --grid-a={args.grid_a}, --grid-n={args.grid_n}")
    if args.trials < 0:
        p.error(f"--trials must be >= 0, got {args.trials}")
    if not 0 < args.mc_min_p <= 1:
        p.error(f"--mc-min-p must lie in (0, 1], got {args.mc_min_p}")
    ss = list(range(2, args.s_max + 1, 2))
    begin_outputs(args.out)  # an unwritable folder fails now, not after the run
    summary = run(pairs, ss, args.grid_n, args.grid_a, args.grid_s_max, args.trials, args.seed,
                  args.mc_min_p, args.mc_max_a)
    write_run(args.out, summary, {"false_match_vs_s.png": figure_vs_s(summary),
                                  "false_match_theta_s.png": figure_theta_s(summary)})
    print(f"wrote {args.out}/false_match_vs_s.png, false_match_theta_s.png and summary.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
