"""simulations/nir_pipeline.py, small: an snnTorch CNN trained, exported to NIR, run on the event
core with PyTorch's accuracy and activity, and priced on three targets."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("snntorch")
pytest.importorskip("nir")

from neurosparse.experiments.scripts import load_script  # noqa: E402
from neurosparse.interop import import_nir  # noqa: E402


def test_small_pipeline_matches_pytorch_and_prices_three_targets(tmp_path):
    mod = load_script("nir_pipeline")
    n_test = 60
    assert mod.main(["--out", str(tmp_path), "--epochs", "1", "--train", "200", "--test", str(n_test),
                     "--steps", "8", "--core-batch", "25"]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    # the same binary spikes through the same map: at most a digit apart (float32 PyTorch vs the core)
    assert abs(summary["accuracy_core"] - summary["accuracy_torch"]) <= 1 / n_test
    assert [r["layer"] for r in summary["layers"]] == list(mod.LAYERS.values())
    for layer in summary["layers"]:
        assert layer["cosine_similarity"] >= 0.999 and layer["identical_spike_fraction"] >= 0.999
    assert summary["layers"][0]["rate_core"] > 0
    rows = summary["energy_per_sample"]
    assert [r["target"] for r in rows] == list(mod.TARGETS)
    assert all(0 < r["energy_low_j"] <= r["energy_j"] <= r["energy_high_j"] for r in rows)
    assert summary["core_per_sample"]["synaptic_events"] > 0
    model = import_nir(tmp_path / "model.nir", dt=1e-4, reset="subtract")  # the file snnTorch wrote
    assert model.layers["1"].shape == (8, 8, 8)
    for name in ("table.md", "activity.png", "manifest.json"):
        assert (tmp_path / name).is_file()
