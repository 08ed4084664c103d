"""Plots of priced operation counts (rows produced by :func:`neurosparse.energy.run_recipe`).

Each row is a dict with ``variant``, ``target``, ``mode``, ``energy_j``, ``energy_low_j``,
``energy_high_j``, ``compute_energy_j``, ``memory_energy_j``, ``static_energy_j``,
``convention`` and ``per_layer`` ({layer: {"energy_j", ...}}). Functions return a matplotlib
Figure built without pyplot (no global state, safe in scripts and servers).

Readable at a glance, by construction:

* **Shares on a linear scale, totals on a log scale, in separate panels.** A stacked bar on
  a log axis misstates its parts (a 91 % memory share drawn from 1e-9 to the total looks
  like half), so :func:`energy_by_target` draws each estimate's compute, memory and static
  shares as a 100 % bar and its total, with the low-high range, as a point on a log axis
  beside it.
* **No crowded axes.** Estimates are faceted, one panel pair per variant (per target in
  :func:`variant_comparison`); no axis holds more than ``max_bars`` rows (default
  :data:`MAX_BARS`). A facet with more is sorted by energy and cut to the cheapest
  ``max_bars``, and its title says how many were left out (the report's table has them all).
  The E_MAC/E_AC convention rows are drawn as markers beside their estimate, not as rows.
* **One number format**: every label and tick uses :func:`neurosparse.si.format_si`, as the
  report's tables do.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from neurosparse.si import format_number, format_si

__all__ = ["MAX_BARS", "breakeven_curves", "energy_by_layer", "energy_by_target", "energy_shares",
           "variant_comparison"]

#: The most bars (rows) one axis holds; a facet with more is sorted and cut.
MAX_BARS = 15
_SPLIT = (("compute_energy_j", "compute", "#4C72B0"), ("memory_energy_j", "memory", "#DD8452"),
          ("static_energy_j", "static", "#8C8C8C"))
_ROW_HEIGHT = 0.34  # inches per bar
_FACET_EXTRA = 1.0  # inches per facet for its title and axis labels


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _is_convention(row: dict[str, Any]) -> bool:
    return bool(row.get("convention"))


def energy_shares(row: dict[str, Any]) -> tuple[float, float, float]:
    """The (compute, memory, static) shares of a row's energy, summing to 1; NaN for a row
    whose parts are zero or not finite."""
    parts = np.array([float(row.get(key, 0.0) or 0.0) for key, _, _ in _SPLIT])
    total = parts.sum()
    if not (np.all(np.isfinite(parts)) and total > 0):
        return (math.nan, math.nan, math.nan)
    return tuple(float(v) for v in parts / total)


def _key(row: dict[str, Any]) -> tuple[str, str, str]:
    """(variant, target, executed mode): a convention row is priced on its estimate's mode."""
    return str(row["variant"]), str(row["target"]), str(row["mode"]).split(" ")[0]


def _facets(rows: list[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(str(r[key]), []).append(r)
    return out


def _sorted_cut(rows: list[dict[str, Any]], max_bars: int) -> tuple[list[dict[str, Any]], int]:
    """The rows sorted by energy (cheapest first), cut to ``max_bars``; and how many were cut."""
    if len(rows) <= max_bars:
        return sorted(rows, key=_energy_key), 0
    ranked = sorted(rows, key=_energy_key)
    return ranked[:max_bars], len(rows) - max_bars


def _energy_key(row: dict[str, Any]) -> float:
    e = float(row.get("energy_j", math.nan))
    return e if math.isfinite(e) else math.inf


def _log_limits(values: np.ndarray) -> tuple[float, float] | None:
    """Log-axis limits around the finite positive ``values``, with room on the right for
    value labels; None where there are none."""
    v = values[np.isfinite(values) & (values > 0)]
    if not v.size:
        return None
    return v.min() / 3, v.max() * 12


def _log_x(ax, limits: tuple[float, float] | None) -> None:
    """A log x axis with ``limits``, ticked with :func:`format_si` (decades)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_xscale("log")
    if limits is not None:
        ax.set_xlim(*limits)
    ax.xaxis.set_major_locator(LogLocator(base=10, numticks=12))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: format_si(x, "J", 1)))
    ax.xaxis.set_minor_formatter(NullFormatter())


def _row_energies(rows: list[dict[str, Any]]) -> np.ndarray:
    return np.array([r[k] for r in rows for k in ("energy_j", "energy_low_j", "energy_high_j")],
                    dtype=float)


def _dot_panel(ax, rows: list[dict[str, Any]], markers: dict[int, float] | None = None,
               limits: tuple[float, float] | None = None) -> None:
    """Totals of ``rows`` as points with their low-high range on a log axis, each labelled
    with its value; ``markers`` maps a row index to a second energy (the convention);
    ``limits`` the axis range (default: fitted to these rows)."""
    y = np.arange(len(rows))
    total = np.array([r["energy_j"] for r in rows], dtype=float)
    low = np.array([r["energy_low_j"] for r in rows], dtype=float)
    high = np.array([r["energy_high_j"] for r in rows], dtype=float)
    ok = np.isfinite(total) & (total > 0)
    ax.errorbar(total[ok], y[ok], xerr=np.vstack([(total - low)[ok], (high - total)[ok]]), fmt="o",
                color="k", ecolor="#555555", capsize=3, ms=4, label="estimate (low–high range)")
    for k in np.flatnonzero(ok):
        ax.annotate(format_si(total[k], "J"), (high[k], y[k]), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=7)
    extra = []
    if markers:
        idx = np.array(sorted(markers))
        conv = np.array([markers[i] for i in idx], dtype=float)
        ax.plot(conv, idx, "D", mfc="none", color="#C44E52", ms=5, label="E_MAC/E_AC convention")
        extra = [conv]
    _log_x(ax, limits or _log_limits(np.concatenate([low, total, high, *extra])))
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(axis="x", which="major", lw=0.4, alpha=0.5)


def energy_by_target(rows: list[dict[str, Any]], max_bars: int = MAX_BARS):
    """Per variant: each estimate's compute / memory / static shares (a 100 % bar, linear)
    beside its total energy with the low-high range (log axis); convention rows are markers
    on their estimate's line. Rows sorted by energy; a facet with more than ``max_bars``
    estimates keeps the cheapest and says how many it left out."""
    main = [r for r in rows if not _is_convention(r)]
    conventions = {_key(r): r["energy_j"] for r in rows if _is_convention(r)}
    facets = _facets(main, "variant")
    shown = {name: _sorted_cut(group, max_bars) for name, group in facets.items()}
    n_rows = sum(len(kept) for kept, _ in shown.values())
    limits = _log_limits(np.concatenate([_row_energies(main), list(conventions.values())]))
    fig = _figure(11.0, _ROW_HEIGHT * n_rows + _FACET_EXTRA * len(shown) + 0.6)
    grid = fig.add_gridspec(len(shown), 2, width_ratios=[1.0, 1.25],
                            height_ratios=[max(len(kept), 1) + 2.5 for kept, _ in shown.values()])
    for i, (variant, (kept, cut)) in enumerate(shown.items()):
        ax_share = fig.add_subplot(grid[i, 0])
        ax_total = fig.add_subplot(grid[i, 1], sharey=ax_share)
        ax_share.set_label("shares")
        ax_total.set_label("totals")
        y = np.arange(len(kept))
        left = np.zeros(len(kept))
        shares = np.array([energy_shares(r) for r in kept]).reshape(len(kept), 3)
        for j, (_, label, color) in enumerate(_SPLIT):
            width = np.nan_to_num(shares[:, j]) * 100.0
            ax_share.barh(y, width, left=left, color=color, label=label, height=0.7)
            for k in np.flatnonzero(width >= 12):
                ax_share.text(left[k] + width[k] / 2, y[k], f"{width[k]:.0f} %", ha="center",
                              va="center", fontsize=7, color="white")
            left += width
        for k in np.flatnonzero(np.isnan(shares[:, 0])):
            ax_share.text(1, y[k], "no energy", va="center", fontsize=7)
        ax_share.set_xlim(0, 100)
        ax_share.set_yticks(y, [f"{r['target']} · {r['mode']}" for r in kept], fontsize=8)
        ax_share.set_ylim(len(kept) - 0.5, -0.5)
        ax_share.set_xlabel("share of the energy (%)", fontsize=8)
        markers = {k: conventions[_key(r)] for k, r in enumerate(kept) if _key(r) in conventions}
        _dot_panel(ax_total, kept, markers, limits)  # one scale for every facet
        ax_total.tick_params(axis="y", labelleft=False)
        ax_total.set_xlabel("energy per sample", fontsize=8)
        head = f"{variant}: " if len(shown) > 1 else ""
        more = f" ({cut} more, the costliest, in the table)" if cut else ""
        ax_share.set_title(f"{head}compute, memory and static shares{more}", fontsize=9, loc="left")
        ax_total.set_title(f"{head}total per sample, cheapest first", fontsize=9, loc="left")
        if i == 0:
            handles = [h for a in (ax_share, ax_total) for h in a.get_legend_handles_labels()[0]]
            fig.legend(handles=handles, loc="outside upper center", ncols=len(handles), fontsize=7,
                       frameon=False)
    return fig


def energy_by_layer(rows: list[dict[str, Any]], max_layers: int = MAX_BARS,
                    max_targets: int = MAX_BARS):
    """A heat map of each layer's energy (compute and memory; static power belongs to the
    chip) on each target, for the first variant and mode of each target, every cell
    labelled. More than ``max_layers`` layers keeps the costliest (said in the title)."""
    from matplotlib.colors import LogNorm

    first: dict[str, dict[str, Any]] = {}
    for r in rows:
        if not _is_convention(r):
            first.setdefault(r["target"], r)
    targets = list(first)[:max_targets]
    layers = list(dict.fromkeys(name for t in targets for name in first[t].get("per_layer", {})))
    matrix = np.array([[first[t].get("per_layer", {}).get(name, {}).get("energy_j", 0.0)
                        for name in layers] for t in targets], dtype=float).reshape(len(targets),
                                                                                    len(layers))
    cut = 0
    if len(layers) > max_layers:
        keep = np.sort(np.argsort(-np.nansum(matrix, axis=0), kind="stable")[:max_layers])
        cut = len(layers) - max_layers
        layers, matrix = [layers[k] for k in keep], matrix[:, keep]
    fig = _figure(max(6.0, 1.15 * len(layers) + 3.0), 0.42 * len(targets) + 1.8)
    ax = fig.add_subplot()
    positive = matrix[np.isfinite(matrix) & (matrix > 0)]
    if positive.size:
        norm = LogNorm(vmin=positive.min(), vmax=max(positive.max(), positive.min() * 10))
        image = ax.imshow(np.where(matrix > 0, matrix, np.nan), aspect="auto", cmap="viridis",
                          norm=norm)
        bar = fig.colorbar(image, ax=ax, shrink=0.9)
        bar.ax.yaxis.set_major_formatter(_si_ticks("J"))
        bar.ax.yaxis.set_minor_formatter(_si_ticks(""))
        bar.set_label("energy per sample", fontsize=8)
        for i in range(len(targets)):
            for j in range(len(layers)):
                v = matrix[i, j]
                light = positive.size and v > 0 and norm(v) > 0.6
                ax.text(j, i, format_si(v, "J"), ha="center", va="center", fontsize=7,
                        color="black" if light else ("white" if v > 0 else "#888888"))
    ax.set_xticks(np.arange(len(layers)), layers, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(np.arange(len(targets)), [f"{t} · {first[t]['mode']}" for t in targets],
                  fontsize=8)
    variant = first[targets[0]]["variant"] if targets else ""
    more = f"; the {max_layers} costliest of {len(layers) + cut} layers" if cut else ""
    ax.set_title(f"Energy per layer ({variant}; compute and memory, not static{more})", fontsize=9)
    return fig


def _si_ticks(unit: str):
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _pos: format_si(x, unit, 1) if unit else "")


def variant_comparison(rows: list[dict[str, Any]], max_bars: int = MAX_BARS):
    """The energy of each variant (e.g. dense, zero-skipping, delta), one row per variant and
    one marker per target, with its range on a log axis (convention rows left out). A
    target's mode is in the legend where it ran every variant the same way, else beside
    each point."""
    rows = [r for r in rows if not _is_convention(r)]
    variants = list(dict.fromkeys(r["variant"] for r in rows))
    cut = max(len(variants) - max_bars, 0)
    variants = variants[:max_bars]
    by_target: dict[str, dict[str, dict[str, Any]]] = {}
    for r in rows:
        if r["variant"] in variants:
            by_target.setdefault(r["target"], {}).setdefault(r["variant"], r)
    fig = _figure(8.5, _ROW_HEIGHT * 1.6 * len(variants) + 1.8)
    ax = fig.add_subplot()
    ax.set_label("variants")
    n = max(len(by_target), 1)
    offsets = np.linspace(-0.25, 0.25, n) if n > 1 else np.zeros(1)
    styles = "osD^vP*X"
    for k, (target, first) in enumerate(by_target.items()):
        group = [first[v] for v in variants if v in first]
        y = np.array([variants.index(r["variant"]) for r in group]) + offsets[k]
        total = np.array([r["energy_j"] for r in group], dtype=float)
        low = np.array([r["energy_low_j"] for r in group], dtype=float)
        high = np.array([r["energy_high_j"] for r in group], dtype=float)
        modes = {r["mode"] for r in group}
        label = f"{target} ({modes.pop()})" if len(modes) == 1 else target
        ax.errorbar(total, y, xerr=np.vstack([total - low, high - total]), fmt=styles[k % len(styles)],
                    color=f"C{k % 10}", capsize=2, ms=5, label=label)
        for r, yy, hi, e in zip(group, y, high, total):
            text = format_si(e, "J") + ("" if len(set(g["mode"] for g in group)) == 1
                                        else f" ({r['mode']})")
            ax.annotate(text, (hi, yy), xytext=(4, 0), textcoords="offset points", va="center",
                        fontsize=7, color=f"C{k % 10}")
    _log_x(ax, _log_limits(_row_energies([r for f in by_target.values() for r in f.values()])))
    ax.set_yticks(np.arange(len(variants)), variants, fontsize=8)
    ax.set_ylim(len(variants) - 0.5, -0.5)
    ax.grid(axis="x", which="major", lw=0.4, alpha=0.5)
    ax.set_xlabel("energy per sample", fontsize=8)
    more = f" ({cut} more variants in the table)" if cut else ""
    ax.set_title(f"Variants on each target{more}", fontsize=9, loc="left")
    ax.legend(fontsize=7, loc="best", title="target (mode)", title_fontsize=7)
    return fig


def breakeven_curves(curves: dict[str, tuple[np.ndarray, np.ndarray, float]],
                     measured_rate: float | None = None):
    """E_SNN(r) / E_ANN against the spike rate r, one line per target, log-log.

    ``curves`` maps a label to ``(rates, ratio, breakeven_rate)``; the SNN wins below the
    line ratio = 1, at rates below its break-even point (marked). ``measured_rate`` draws the
    model's own spike rate as a vertical line. Beyond ten targets the colours repeat with
    dashed, then dotted lines.
    """
    fig = _figure(7.0, 4.6)
    ax = fig.add_subplot()
    styles = ("-", "--", ":")
    for k, (label, (rates, ratio, r_star)) in enumerate(curves.items()):
        color = f"C{k % 10}"
        ax.plot(rates, ratio, color=color, ls=styles[(k // 10) % 3], label=label)
        if 0 < r_star <= rates[-1]:
            ax.plot([r_star], [1.0], "o", color=color)
    ax.axhline(1.0, color="k", lw=0.8)
    if measured_rate is not None and measured_rate > 0:
        ax.axvline(measured_rate, color="k", ls="--", lw=0.8,
                   label=f"this model: r = {format_number(measured_rate)}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("input spike rate r (spikes per input per time step)")
    ax.set_ylabel("E_SNN / E_ANN (same layer)")
    ax.set_title("Where the SNN stops winning (dots: break-even rate)")
    ax.legend(fontsize=7, loc="upper left", ncols=2 if len(curves) > 8 else 1)
    return fig
