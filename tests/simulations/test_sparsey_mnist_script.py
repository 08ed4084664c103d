"""simulations/sparsey_mnist.py runs end to end on the bundled 8x8 digits and classifies them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "simulations" / "sparsey_mnist.py"

pytest.importorskip("sklearn")


def test_digits_json_has_the_keys_and_accuracy_far_above_chance(tmp_path):
    out = subprocess.run([sys.executable, str(SCRIPT), "--json", "--source", "digits", "--per-class", "30",
                          "--out", str(tmp_path)], capture_output=True, text=True, check=True, timeout=120)
    summary = json.loads(out.stdout)
    for key in ("accuracy", "train_seconds", "test_seconds", "compile_seconds", "n_train", "n_test",
                "settings"):
        assert key in summary
    assert summary["n_train"] == 300
    assert summary["n_train"] + summary["n_test"] == 1797
    assert summary["accuracy"] > 0.4  # chance is 0.1
    assert summary["train_seconds"] > 0 and summary["test_seconds"] > 0
    assert json.loads((tmp_path / "summary.json").read_text()) == summary
    # every readout scored on the same codes; the default readout's is the headline accuracy
    assert summary["readout"] == "cosine"
    assert set(summary["accuracy_by_readout"]) == {"class_nodes", "label", "knn", "cosine"}
    assert summary["accuracy_by_readout"]["cosine"] == summary["accuracy"]
    assert 0.4 < summary["raw_pixel_1nn_accuracy"] <= 1.0
    assert 1.0 <= summary["cells_used_per_cm"] <= 32


def test_readout_option_picks_the_readout_that_gives_the_accuracy():
    from neurosparse.experiments.scripts import load_path

    summary = load_path(SCRIPT).main(["--json", "--source", "digits", "--per-class", "30",
                                      "--readout", "class_nodes"])
    assert summary["readout"] == "class_nodes"
    assert summary["accuracy"] == summary["accuracy_by_readout"]["class_nodes"] > 0.2  # chance is 0.1
    assert "class nodes" in summary["settings"]["readout"]


def test_split_takes_the_first_items_of_each_class():
    import importlib.util

    import numpy as np

    spec = importlib.util.spec_from_file_location("sparsey_mnist", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    labels = np.array([0, 1, 0, 1, 0, 1, 2, 2])
    train, test = mod.split_per_class(labels, 2)
    assert train.tolist() == [0, 1, 2, 3, 6, 7]
    assert test.tolist() == [4, 5]
