"""False-match probability of a dendritic segment vs n (Ahmad & Hawkins 2016, effect of n).

A segment of s = 24 synapses with threshold theta = 12 meets a random pattern of a active cells
out of n; it falsely matches when at least theta of its synapses are active:

    P(false match) = sum_{b=theta}^{s} C(s, b) C(n - s, a - b) / C(n, a)

(``neurosparse.sdr.theory.false_match_probability``, exact in log space). The paper's figure has
curves a = 64, 128, 256 and a dense curve computed with a = n/4, for n = 300, 500, ..., 19900.
Monte Carlo (``neurosparse.sdr.montecarlo.false_match_rate``, explicit random SDRs) is overlaid
where the probability is large enough to be sampled (p >= ``--mc-min-p``, a <= ``--mc-max-a``).

The second panel redraws the curves *as published* (numenta/htmresearch,
projects/sdr_paper/plot_effect_of_n.py): there the a = 128, a = 256 and dense lists, computed
from n = 300, are plotted against the n list from its second entry, i.e. one 200-cell step to
the right of where they belong, and the dense a = n/4 curve is labelled "a = n/2" (the true
a = n/2 curve, about 0.58 and flat, is drawn for comparison).

Writes into ``--out``:

    false_match_vs_n.png   left: corrected curves + Monte Carlo; right: as published
    summary.json           configuration, every plotted number, and the comparison with the
                           authors' published values

Example::

    python simulations/sdr_false_match.py --out results/sdr_false_match
    python simulations/sdr_false_match.py --full --out results/sdr_false_match_full
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

# authors' published values, numenta/htmresearch projects/sdr_paper (plot_effect_of_n.py lists),
# at n = 300, 500, 700; s = 24, theta = 12. Key: the curve label used in this script.
AUTHORS_VALUES: dict[str, dict[int, float]] = {
    "a=64": {300: 0.00109461662333690, 500: 5.69571108769533e-6, 700: 1.41253230930730e-7},
    "a=128": {300: 0.292078213737764, 500: 0.00736788303358289, 700: 0.000320106080889471},
    "a=256": {300: 0.999997973443107, 500: 0.629372754740777, 700: 0.121087724790945},
    "a=n/4": {300: 0.00518604306750049, 500: 0.00595902789913702, 700: 0.00630387009654985},
}
# Curves the authors plot against the n list shifted by one entry (plot_effect_of_n.py).
SHIFTED_CURVES = ("a=128", "a=256", "a=n/4")


def _active_count(label: str, n: np.ndarray) -> np.ndarray:
    """Active cells of a curve at each n: a fixed a, or n // 4, n // 2 for the dense curves."""
    if label == "a=n/4":
        return n // 4
    if label == "a=n/2":
        return n // 2
    return np.full(n.shape, int(label.split("=")[1]))


def theory_curves(ns: list[int], actives: list[int], s: int, theta: int) -> list[dict[str, Any]]:
    """Theory for the fixed-a curves and the dense a = n/4 and a = n/2 curves.

    Parameters
    ----------
    ns : list of int
        Population sizes, increasing.
    actives : list of int
        Fixed numbers of active cells, one curve each (points with a > n are left out).
    s, theta : int
        Synapses on the segment and its threshold.

    Returns
    -------
    list of dict
        One dict per curve: ``label``, ``n`` and ``a`` (lists) and ``p`` (false-match probability).
    """
    n_all = np.asarray(ns, dtype=np.int64)
    curves = []
    for label in [f"a={a}" for a in actives] + ["a=n/4", "a=n/2"]:
        a_all = _active_count(label, n_all)
        keep = (a_all <= n_all) & (a_all >= s) & (n_all >= s)
        n, a = n_all[keep], a_all[keep]
        p = np.atleast_1d(false_match_probability(n, a, s, theta)) if n.size else np.zeros(0)
        curves.append({"label": label, "n": n.tolist(), "a": a.tolist(), "p": [float(x) for x in p]})
    return curves


def monte_carlo(curves: list[dict[str, Any]], s: int, theta: int, trials: int, seed: int,
                mc_min_p: float, mc_max_a: int) -> None:
    """Add Monte Carlo estimates (``curve["mc"]``) where p >= mc_min_p and a <= mc_max_a."""
    jobs = [(c, i) for c in curves if c["label"] != "a=n/2" for i, p in enumerate(c["p"])
            if p >= mc_min_p and c["a"][i] <= mc_max_a]
    for c in curves:
        c["mc"] = []
    for k, (c, i) in enumerate(tqdm(jobs, desc="Monte Carlo points", disable=None)):
        est = false_match_rate(c["n"][i], c["a"][i], s, theta, trials=trials, seed=seed + k)
        c["mc"].append({"n": c["n"][i], "a": c["a"][i], "p": est.p, "stderr": est.stderr,
                        "hits": est.hits, "trials": est.trials})


def reference_comparison(curves: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Our values beside the authors' published ones at their reference points."""
    by_label = {c["label"]: dict(zip(c["n"], c["p"])) for c in curves}
    rows = []
    for label, ref in AUTHORS_VALUES.items():
        for n, theirs in ref.items():
            if n in by_label.get(label, {}):
                ours = by_label[label][n]
                rows.append({"curve": label, "n": n, "ours": ours, "authors": theirs,
                             "rel_diff": (theirs - ours) / ours})
    return rows


def as_published(curves: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The curves where the published figure draws them: shifted ones moved one n-step right.

    Each row of ``"misplaced"`` gives, at a plotted x, the value the figure shows there (computed
    at the previous grid n) beside the true value at x.
    """
    out = []
    for c in curves:
        if c["label"] == "a=n/2":
            continue
        shifted = c["label"] in SHIFTED_CURVES
        x = c["n"][1:] if shifted else c["n"]
        y = c["p"][:len(x)]
        misplaced = [{"x": xx, "shown": yy, "true_at_x": c["p"][j + 1], "shown_over_true": yy / c["p"][j + 1]}
                     for j, (xx, yy) in enumerate(zip(x[:3], y[:3]))] if shifted else []
        out.append({"label": c["label"], "published_label": "a=n/2" if c["label"] == "a=n/4" else c["label"],
                    "x": x, "p": y, "shifted": shifted, "misplaced": misplaced})
    return out


def run(ns: list[int], actives: list[int], s: int, theta: int, trials: int, seed: int,
        mc_min_p: float, mc_max_a: int) -> dict[str, Any]:
    """Theory, Monte Carlo, the as-published redraw and the comparison with the authors' values."""
    curves = theory_curves(ns, actives, s, theta)
    if trials > 0:
        monte_carlo(curves, s, theta, trials, seed, mc_min_p, mc_max_a)
    return {"config": {"ns": ns, "actives": actives, "s": s, "theta": theta, "trials": trials,
                       "seed": seed, "mc_min_p": mc_min_p, "mc_max_a": mc_max_a},
            "curves": curves, "as_published": as_published(curves),
            "reference_comparison": reference_comparison(curves)}


def figure(summary: dict[str, Any]) -> Figure:
    """Left: corrected theory with Monte Carlo; right: the curves as the paper draws them."""
    fig = Figure(figsize=(11, 4.4))
    ax, ax2 = fig.subplots(1, 2)
    colors = {}
    for k, c in enumerate(summary["curves"]):
        colors[c["label"]] = f"C{k}"
        dense = c["label"].startswith("a=n/")
        ax.semilogy(c["n"], np.maximum(c["p"], 1e-300), color=f"C{k}", ls="--" if dense else "-",
                    label=c["label"].replace("a=", "a = "))
        mc = [r for r in c.get("mc", []) if r["p"] > 0]
        if mc:
            ax.errorbar([r["n"] for r in mc], [r["p"] for r in mc], yerr=[r["stderr"] for r in mc],
                        fmt="o", ms=3, color=f"C{k}")
    cfg = summary["config"]
    ax.set_title(f"s = {cfg['s']}, theta = {cfg['theta']} (lines: theory, dots: Monte Carlo)", fontsize=9)
    for c in summary["as_published"]:
        ax2.semilogy(c["x"], np.maximum(c["p"], 1e-300), color=colors[c["label"]],
                     ls="--" if c["label"] == "a=n/4" else "-",
                     label=c["published_label"].replace("a=", "a = ") + (" (shifted)" * c["shifted"]))
    for c in summary["curves"]:  # the corrected curves, thin, for comparison
        if c["label"] != "a=n/2":
            ax2.semilogy(c["n"], np.maximum(c["p"], 1e-300), color=colors[c["label"]], lw=0.8, ls=":")
    half = next(c for c in summary["curves"] if c["label"] == "a=n/2")
    ax2.semilogy(half["n"], half["p"], color="0.4", lw=1.5, ls="-.", label="true a = n/2")
    step = cfg["ns"][1] - cfg["ns"][0] if len(cfg["ns"]) > 1 else 1
    ax2.set_xlim(cfg["ns"][0], min(cfg["ns"][-1], cfg["ns"][0] + 14 * step))
    ax2.set_ylim(1e-12, 3)
    ax2.set_title(f"as published (zoom; dotted: correct): shifted {step} cells, n/4 labelled n/2", fontsize=9)
    for a in (ax, ax2):
        a.set_xlabel("n (cells)")
        a.legend(fontsize=7)
    ax.set_ylabel("false-match probability")
    ax.set_ylim(bottom=1e-30)
    fig.tight_layout()
    return fig


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=Path("results/sdr_false_match"))
    p.add_argument("--s", type=int, default=24, help="synapses on the segment")
    p.add_argument("--theta", type=int, default=12, help="segment threshold")
    p.add_argument("--actives", type=int, nargs="+", default=[64, 128, 256], help="fixed a curves")
    p.add_argument("--n-min", type=int, default=300)
    p.add_argument("--n-max", type=int, default=19900)
    p.add_argument("--n-step", type=int, default=200)
    p.add_argument("--trials", type=int, default=20_000, help="Monte Carlo trials per point (0: none)")
    p.add_argument("--mc-min-p", type=float, default=1e-3, help="Monte Carlo only where p >= this")
    p.add_argument("--mc-max-a", type=int, default=256, help="Monte Carlo only where a <= this (cost ~ a)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--full", action="store_true",
                   help="10^5 trials, mc-min-p 1e-4, Monte Carlo up to a = 1000")
    return p


def _check(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.s < 1:
        p.error(f"--s must be >= 1, got {args.s}")
    if not 1 <= args.theta <= args.s:
        p.error(f"--theta must lie in [1, --s={args.s}], got {args.theta}")
    if any(a < args.s for a in args.actives):
        p.error(f"--actives must all be >= --s={args.s}, got {args.actives}")
    if args.n_step < 1 or args.n_min < args.s or args.n_max < args.n_min:
        p.error(f"need --n-step >= 1 and --s <= --n-min <= --n-max, got --n-min={args.n_min}, "
                f"--n-max={args.n_max}, --n-step={args.n_step}")
    if args.trials < 0:
        p.error(f"--trials must be >= 0, got {args.trials}")
    if not 0 < args.mc_min_p <= 1:
        p.error(f"--mc-min-p must lie in (0, 1], got {args.mc_min_p}")


def main(argv: list[str] | None = None) -> int:
    """Run from the command line; returns the exit status."""
    p = _parser()
    args = p.parse_args(argv)
    if args.full:
        args.trials, args.mc_min_p, args.mc_max_a = 100_000, 1e-4, 1000
    _check(p, args)
    ns = list(range(args.n_min, args.n_max + 1, args.n_step))
    begin_outputs(args.out)  # an unwritable folder fails now, not after the run
    summary = run(ns, args.actives, args.s, args.theta, args.trials, args.seed, args.mc_min_p, args.mc_max_a)
    write_run(args.out, summary, {"false_match_vs_n.png": figure(summary)})
    n_mc = sum(len(c.get("mc", [])) for c in summary["curves"])
    print(f"wrote {args.out}/false_match_vs_n.png and summary.json "
          f"({len(ns)} n values, {n_mc} Monte Carlo points)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
