"""The Sparsey experiment scripts run at small sizes and show the properties they are about."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import numpy as np

SIMULATIONS = Path(__file__).resolve().parents[2] / "simulations"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, SIMULATIONS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_memory_script_preserves_similarity_stores_in_one_trial_and_fills_up(tmp_path):
    mod = _load("sparsey_memory")
    assert mod.main(["--out", str(tmp_path), "--n-values", "10", "80"]) == 0
    s = json.loads((tmp_path / "summary.json").read_text())
    assert (tmp_path / "memory.png").stat().st_size > 10_000
    curves = s["similarity"]["curves"]
    sparsey = np.array(curves["sparsey"]["probe"])  # similarity from 1 down to 0
    assert sparsey[0] > 0.9 and sparsey[-1] < 0.3 and np.all(np.diff(sparsey) <= 0.05)  # graded
    random_codes = np.array(curves["random codes (chi = 0)"]["probe"])
    assert np.all(np.abs(random_codes - s["similarity"]["chance"]) < 0.08)  # flat at chance
    assert s["storage"]["exact_reactivation"] == 1.0
    assert s["storage"]["G_stored_min"] == 1.0 and s["storage"]["G_novel_max"] < 0.9
    rows = s["capacity"]["variants"]["sparsey"]
    assert rows[0]["best_match_accuracy"] == 1.0  # 10 items: all retrieved
    assert rows[-1]["best_match_accuracy"] < 0.5 and rows[-1]["weight_fill"] > rows[0]["weight_fill"]


def test_sequences_script_gives_context_codes_and_recalls_from_the_first_frame(tmp_path):
    mod = _load("sparsey_sequences")
    assert mod.main(["--out", str(tmp_path)]) == 0
    s = json.loads((tmp_path / "summary.json").read_text())
    assert s["with H"]["context_overlap"] < 0.4 < 0.9 < s["without H"]["context_overlap"]
    assert s["with H"]["sequences_recalled_exactly"] == 1.0
    assert min(s["with H"]["recall_item_accuracy_by_position"]) == 1.0


def test_events_script_beats_chance_and_reports_baselines(tmp_path):
    mod = _load("sparsey_events")
    assert mod.main(["--out", str(tmp_path), "--train", "10", "--test", "10"]) == 0
    s = json.loads((tmp_path / "summary.json").read_text())
    assert [r["noise"] for r in s["rows"]] == [0.0, 0.01, 0.02, 0.05, 0.1]
    assert s["rows"][0]["sparsey"] > 2 * s["chance"]
    assert all(0 <= r["nearest_video"] <= 1 and 0 <= r["nearest_last_frame"] <= 1 for r in s["rows"])
