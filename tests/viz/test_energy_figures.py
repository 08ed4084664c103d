"""Energy report figures are readable at a glance: shares on a linear scale that sum to one
per estimate, totals on a log axis in their own panel, no axis with more than MAX_BARS rows,
every label in the report's number format."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from neurosparse.si import format_si  # noqa: E402
from neurosparse.viz.energy import (  # noqa: E402
    MAX_BARS,
    energy_by_layer,
    energy_by_target,
    energy_shares,
    variant_comparison,
)


def row(variant: str, target: str, compute: float, memory: float, static: float,
        mode: str = "event (auto)", convention: str | None = None) -> dict:
    total = compute + memory + static
    return {"variant": variant, "target": target, "mode": mode, "convention": convention,
            "energy_j": total, "energy_low_j": 0.5 * total, "energy_high_j": 2.0 * total,
            "compute_energy_j": compute, "memory_energy_j": memory, "static_energy_j": static,
            "per_layer": {"fc1": {"energy_j": 0.7 * (compute + memory)},
                          "lif1": {"energy_j": 0.3 * (compute + memory)}}}


def many_rows(n_targets: int = 20, variants=("soft", "hardened")) -> list[dict]:
    rng = np.random.default_rng(0)
    rows = []
    for v in variants:
        for k in range(n_targets):
            parts = rng.random(3) * 10.0 ** rng.uniform(-9, -2)
            rows.append(row(v, f"chip{k}", *parts))
            rows.append(row(v, f"chip{k}", parts[0] / 10, 0, 0,
                            mode="event (E_MAC/E_AC convention)", convention="mac_ac"))
    rows.append(row(variants[0], "idle", 0.0, 0.0, 0.0))  # nothing priced: no share bar drawn
    return rows


def axes(fig, label: str):
    return [ax for ax in fig.axes if ax.get_label() == label]


def bar_rows(ax) -> dict[float, float]:
    """Total bar width at each bar position (one stacked bar per position)."""
    widths: dict[float, float] = {}
    for patch in ax.patches:
        y = round(patch.get_y() + patch.get_height() / 2, 6)
        widths[y] = widths.get(y, 0.0) + patch.get_width()
    return widths


def test_shares_sum_to_one_and_a_91_percent_memory_share_is_drawn_as_91_percent():
    r = row("run", "cpu", 0.09e-3, 0.91e-3, 0.0)
    assert energy_shares(r) == pytest.approx((0.09, 0.91, 0.0))
    assert np.isnan(energy_shares(row("run", "x", 0, 0, 0))).all()
    fig = energy_by_target([r])
    (ax,) = axes(fig, "shares")
    memory = [p for p in ax.patches if p.get_facecolor()[:3] == pytest.approx(
        matplotlib.colors.to_rgb("#DD8452"))]
    assert len(memory) == 1 and memory[0].get_width() == pytest.approx(91.0)
    assert ax.get_xscale() == "linear" and ax.get_xlim() == (0, 100)


def test_every_drawn_share_bar_sums_to_100_percent_and_matches_its_row():
    rows = many_rows(6)
    fig = energy_by_target(rows)
    for ax in axes(fig, "shares"):
        labels = [t.get_text() for t in ax.get_yticklabels()]
        widths = bar_rows(ax)
        for y, label in enumerate(labels):
            target, mode = label.split(" · ")
            variant = ax.get_title(loc="left").split(":")[0]
            (r,) = [r for r in rows if r["target"] == target and r["mode"] == mode
                    and r["variant"] == variant and not r["convention"]]
            if r["energy_j"] == 0:
                assert widths.get(float(y), 0.0) == 0.0
            else:
                assert widths[float(y)] == pytest.approx(100.0, abs=1e-9)


def test_totals_are_on_a_log_axis_in_their_own_panel_with_si_ticks():
    fig = energy_by_target(many_rows(6))
    totals = axes(fig, "totals")
    assert totals and all(ax.get_xscale() == "log" for ax in totals)
    assert len({ax.get_xlim() for ax in totals}) == 1  # one scale for every facet
    fig.canvas.draw()
    for ax in totals:
        ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        assert ticks and all("e" not in t.split(" ")[0] and t.endswith("J") for t in ticks)
        assert not ax.patches  # points and ranges, no bars standing on an arbitrary baseline


@pytest.mark.parametrize("max_bars", [MAX_BARS, 5])
def test_no_axis_holds_more_than_max_bars_rows_and_a_cut_says_so(max_bars):
    rows = many_rows(20)
    fig = energy_by_target(rows, max_bars=max_bars)
    shares = axes(fig, "shares")
    assert len(shares) == 2  # one facet per variant; convention rows are markers, not rows
    for ax in fig.axes:
        assert len(ax.get_yticks()) <= max_bars
        assert len(bar_rows(ax)) <= max_bars
    titles = [ax.get_title(loc="left") for ax in shares]
    assert any(f"{21 - max_bars} more, the costliest, in the table" in t for t in titles)
    # sorted and cut: the cheapest max_bars estimates of the facet are the ones drawn
    soft = sorted((r for r in rows if r["variant"] == "soft" and not r["convention"]),
                  key=lambda r: r["energy_j"])
    drawn = [t.get_text().split(" · ")[0] for t in shares[0].get_yticklabels()]
    assert drawn == [r["target"] for r in soft[:max_bars]]


def test_convention_rows_are_markers_beside_their_estimate():
    rows = many_rows(3, variants=("run",))[:-1]
    fig = energy_by_target(rows)
    (ax,) = axes(fig, "totals")
    conv = [line for line in ax.get_lines() if line.get_label() == "E_MAC/E_AC convention"]
    assert len(conv) == 1
    expected = {r["target"]: r["energy_j"] for r in rows if r["convention"]}
    labels = [t.get_text().split(" · ")[0] for t in axes(fig, "shares")[0].get_yticklabels()]
    for x, y in zip(*conv[0].get_data()):
        assert x == pytest.approx(expected[labels[int(y)]])


def test_value_labels_use_the_report_format():
    rows = [row("run", "loihi", 3.2e-3, 0.0, 0.85e-3), row("run", "cpu", 1e-6, 9e-6, 0.0)]
    fig = energy_by_target(rows)
    (ax,) = axes(fig, "totals")
    texts = {t.get_text() for t in ax.texts}
    assert texts == {format_si(4.05e-3, "J"), format_si(10e-6, "J")} == {"4.05 mJ", "10.0 uJ"}


def test_layer_heat_map_labels_every_cell_and_keeps_the_costliest_layers():
    rows = many_rows(4, variants=("run",))
    fig = energy_by_layer(rows)
    ax = fig.axes[0]
    assert not ax.patches  # a heat map, not 4 x 2 bars
    cells = [t.get_text() for t in ax.texts]
    first = [r for r in rows if not r["convention"]][:4]
    assert cells[:2] == [format_si(first[0]["per_layer"][k]["energy_j"], "J") for k in ("fc1", "lif1")]
    wide = [dict(r, per_layer={f"l{k}": {"energy_j": (k + 1) * 1e-9} for k in range(30)})
            for r in first]
    fig = energy_by_layer(wide, max_layers=10)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == [f"l{k}" for k in range(20, 30)]
    assert "the 10 costliest of 30 layers" in fig.axes[0].get_title()


def test_variant_comparison_has_one_row_per_variant_and_a_marker_per_target():
    rows = [row(v, t, 1e-6 * (k + 1), 0, 0, mode=m)
            for k, v in enumerate(("dense", "skip", "delta"))
            for t, m in (("eyeriss_v2", v), ("a100", "dense"))]
    fig = variant_comparison(rows)
    (ax,) = axes(fig, "variants")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["dense", "skip", "delta"]
    assert ax.get_xscale() == "log" and not ax.patches
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["eyeriss_v2", "a100 (dense)"]  # a target's mode shown once if shared
    assert "1.00 uJ (dense)" in {t.get_text() for t in ax.texts}
