"""simulations/ultralif_compare.py runs a small sweep, logs each run, and shows timing matters."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
SIMULATIONS = Path(__file__).resolve().parents[2] / "simulations"


def _load():
    spec = importlib.util.spec_from_file_location("ultralif_compare", SIMULATIONS / "ultralif_compare.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_spike_timing_task_carries_nothing_in_one_time_bin():
    mod = _load()
    x_tr, _, _, _ = mod.load_task("manifolds", 1)
    assert np.all(x_tr == x_tr[:, :1])  # every input spikes once per sample: one bin is the same everywhere
    x4, _, _, _ = mod.load_task("manifolds", 4)
    assert x4.shape[0] == 4 and not np.all(x4 == x4[:, :1])


def test_sweep_writes_one_row_per_run_and_a_table(tmp_path):
    mod = _load()
    args = ["--out", str(tmp_path), "--tasks", "digits", "manifolds", "--seeds", "0", "--depths", "1",
            "--steps", "1", "4", "--epochs", "3"]
    assert mod.main(args) == 0
    rows = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 2 * 2 * 3  # tasks x T x neurons
    summary = json.loads((tmp_path / "summary.json").read_text())["summary"]
    at_t1 = [s for s in summary if s["task"] == "manifolds" and s["T"] == 1]
    assert all(s["accuracy"] < 0.2 for s in at_t1)  # chance is 0.1: timing is gone at T = 1
    digits = [s for s in summary if s["task"] == "digits"]
    assert all(s["accuracy"] > 0.5 for s in digits)
    ultra = [s for s in summary if s["neuron"] == "ultralif"]
    assert all(s["binary_fraction"] < 0.5 for s in ultra)  # UltraLIF's spikes are continuous values
    assert "| digits | ultralif |" in (tmp_path / "table.md").read_text()
