"""The sweep files in simulations/sweeps/ load, name importable functions, and their first run
gives a result that holds to its theory."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from neurosparse.sweep import Sweep
from neurosparse.sweep.execute import _kwargs, evaluate

SWEEPS = sorted((Path(__file__).resolve().parents[2] / "simulations" / "sweeps").glob("*.toml"))


#: Runs per shipped sweep; a sweep listed here also has its first run executed below.
EXPECTED_RUNS = {"sdr_false_match": 36, "snn_energy": 336, "ultralif_seeds": 60,
                 "continual_dendrites": 20, "continual_dendrites_full": 20, "maxformer": 105,
                 "maxformer_mixing": 48}


def test_the_shipped_sweeps_are_there():
    assert {"sdr_false_match", "snn_energy", "ultralif_seeds"} <= {p.stem for p in SWEEPS}


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.stem)
def test_a_shipped_sweep_loads_and_its_first_run_succeeds(path):
    if path.stem in ("ultralif_seeds", "continual_dendrites", "continual_dendrites_full") or \
            path.stem.startswith("maxformer"):
        pytest.importorskip("torch")
    sweep = Sweep.from_toml(path)
    points = sweep.expand()
    sweep.load_function()
    if path.stem not in EXPECTED_RUNS:  # another study's sweep: its own tests run it
        return
    assert len(points) == EXPECTED_RUNS[path.stem]
    if path.stem.startswith("continual_dendrites"):  # minutes at its size: its first run, shrunk
        assert sweep.fixed["n_tasks"] == (50 if path.stem.endswith("full") else 10)
        sweep = dataclasses.replace(sweep, fixed={**sweep.fixed, "n_tasks": 2, "hidden": 32, "epochs": 1})
    if path.stem.startswith("maxformer"):  # 6 epochs on 384 images: its first run, shrunk
        sweep = dataclasses.replace(sweep, fixed={**sweep.fixed, "epochs": 1, "n_train": 32, "n_test": 16})
    outcome, _ = evaluate(sweep.function, _kwargs(sweep, points[0]), tuple(sweep.parameter_names()))
    assert outcome["status"] == "ok", outcome["error"]
    if path.stem == "sdr_false_match":
        assert abs(outcome["p"] - outcome["p_exact"]) <= 6 * outcome["stderr"]  # n = 256: p ~ 0.9
    if path.stem == "snn_energy":
        assert outcome["energy_low_j"] <= outcome["energy_j"] <= outcome["energy_high_j"]
    if path.stem == "ultralif_seeds":
        assert 0.1 < outcome["accuracy"] <= 1.0  # better than chance on 10 digits
    if path.stem.startswith("maxformer"):  # a spiking network, priced
        assert 0 < outcome["firing_rate"] < 1 and outcome["energy_mac_ac_j"] > 0
        assert 0 <= outcome["accuracy"] <= 1
    if path.stem.startswith("continual_dendrites"):  # active dendrites, 2 tasks: above chance, priced
        assert 10.0 < outcome["accuracy_2"] <= 100.0 and outcome["task_inference"] > 0.99
        assert 0 < outcome["effective_macs"] < outcome["dense_macs"] and outcome["eyeriss_v2_nj"] > 0
