"""Plots of priced operation counts (rows produced by :func:`neurosparse.energy.run_recipe`).

Each row is a dict with ``variant``, ``target``, ``mode``, ``energy_j``, ``energy_low_j``,
``energy_high_j``, ``compute_energy_j``, ``memory_energy_j``, ``static_energy_j`` and
``per_layer`` ({layer: {"energy_j", ...}}). Functions return a matplotlib Figure built
without pyplot (no global state, safe in scripts and servers).
"""

from __future__ import annotations

from typing import Any

import numpy as np

_SPLIT = (("compute_energy_j", "compute", "#4C72B0"), ("memory_energy_j", "memory", "#DD8452"),
          ("static_energy_j", "static", "#8C8C8C"))


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _label(row: dict[str, Any], with_variant: bool) -> str:
    label = f"{row['target']}\n{row['mode']}"
    return f"{row['variant']}: {label}" if with_variant else label


def _log_limits(ax, values: np.ndarray) -> None:
    """Fit a log axis to the finite positive ``values`` (bars start from the bottom edge)."""
    v = values[np.isfinite(values) & (values > 0)]
    if v.size:
        ax.set_ylim(v.min() / 4, v.max() * 2)


def energy_by_target(rows: list[dict[str, Any]]):
    """Stacked bars of compute / memory / static energy per (target, mode), log scale,
    with the low-high range as an error bar."""
    with_variant = len({r["variant"] for r in rows}) > 1
    fig = _figure(max(6.0, 0.9 * len(rows) + 2), 4.5)
    ax = fig.add_subplot()
    x = np.arange(len(rows))
    bottom = np.zeros(len(rows))
    for key, label, color in _SPLIT:
        vals = np.array([r[key] for r in rows])
        ax.bar(x, vals, bottom=bottom, color=color, label=label, width=0.7)
        bottom += vals
    total = np.array([r["energy_j"] for r in rows])
    low = np.array([r["energy_low_j"] for r in rows])
    high = np.array([r["energy_high_j"] for r in rows])
    ax.errorbar(x, total, yerr=[total - low, high - total], fmt="none", ecolor="k", capsize=3,
                label="low–high range")
    ax.set_yscale("log")
    _log_limits(ax, np.concatenate([low, total, high]))
    ax.set_xticks(x, [_label(r, with_variant) for r in rows], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("energy per sample (J)")
    ax.set_title("Energy per target: compute, memory and static")
    ax.legend(fontsize=8)
    return fig


def energy_by_layer(rows: list[dict[str, Any]]):
    """Energy of each layer on each target (the first variant and mode of each target)."""
    first: dict[str, dict[str, Any]] = {}
    for r in rows:
        first.setdefault(r["target"], r)
    layers = list(dict.fromkeys(name for r in first.values() for name in r.get("per_layer", {})))
    fig = _figure(max(6.0, 0.5 * len(layers) * len(first) + 3), 4.5)
    ax = fig.add_subplot()
    width = 0.8 / max(len(first), 1)
    x = np.arange(len(layers))
    for k, (target, r) in enumerate(first.items()):
        vals = [r.get("per_layer", {}).get(name, {}).get("energy_j", 0.0) for name in layers]
        ax.bar(x + k * width, np.maximum(vals, 1e-30), width=width, label=f"{target} ({r['mode']})")
    ax.set_yscale("log")
    _log_limits(ax, np.array([d.get("energy_j", 0.0) for r in first.values()
                              for d in r.get("per_layer", {}).values()]))
    ax.set_xticks(x + width * (len(first) - 1) / 2, layers, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("energy per sample (J)")
    ax.set_title("Energy per layer")
    ax.legend(fontsize=8)
    return fig


def variant_comparison(rows: list[dict[str, Any]]):
    """Energy of each variant (e.g. dense, zero-skipping, delta) on each target, each bar
    labelled with the mode it ran in (convention rows left out)."""
    rows = [r for r in rows if not r.get("convention")]
    variants = list(dict.fromkeys(r["variant"] for r in rows))
    targets = list(dict.fromkeys(r["target"] for r in rows))
    fig = _figure(max(6.0, 1.6 * len(targets) + 2), 4.5)
    ax = fig.add_subplot()
    width = 0.8 / max(len(variants), 1)
    x = np.arange(len(targets))
    for k, variant in enumerate(variants):
        first: dict[str, dict[str, Any]] = {}
        for r in rows:
            if r["variant"] == variant:
                first.setdefault(r["target"], r)
        vals = [first[t]["energy_j"] if t in first else np.nan for t in targets]
        bars = ax.bar(x + k * width, vals, width=width, label=variant)
        for bar, t in zip(bars, targets):
            if t in first:
                ax.annotate(first[t]["mode"], (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                            ha="center", va="bottom", fontsize=7, rotation=90,
                            xytext=(0, 2), textcoords="offset points")
    ax.set_yscale("log")
    _log_limits(ax, np.array([r["energy_j"] for r in rows]))
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi * 4)  # room for the mode labels
    ax.set_xticks(x + width * (len(variants) - 1) / 2, targets)
    ax.set_ylabel("energy per sample (J)")
    ax.set_title("Variants per target (bar label: how it ran)")
    ax.legend(fontsize=8, title="variant")
    return fig


def breakeven_curves(curves: dict[str, tuple[np.ndarray, np.ndarray, float]],
                     measured_rate: float | None = None):
    """E_SNN(r) / E_ANN against the spike rate r, one line per target, log-log.

    ``curves`` maps a label to ``(rates, ratio, breakeven_rate)``; the SNN wins below the
    line ratio = 1, at rates below its break-even point (marked). ``measured_rate`` draws the
    model's own spike rate as a vertical line.
    """
    fig = _figure(6.5, 4.2)
    ax = fig.add_subplot()
    for k, (label, (rates, ratio, r_star)) in enumerate(curves.items()):
        color = f"C{k % 10}"
        ax.plot(rates, ratio, color=color, label=label)
        if 0 < r_star <= rates[-1]:
            ax.plot([r_star], [1.0], "o", color=color)
    ax.axhline(1.0, color="k", lw=0.8)
    if measured_rate is not None and measured_rate > 0:
        ax.axvline(measured_rate, color="k", ls="--", lw=0.8, label=f"this model: r = {measured_rate:.3g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("input spike rate r (spikes per input per time step)")
    ax.set_ylabel("E_SNN / E_ANN (same layer)")
    ax.set_title("Where the SNN stops winning (dots: break-even rate)")
    ax.legend(fontsize=7, loc="upper left")
    return fig
