"""The temporal-memory sweep files load, expand to the runs their comments say, and their first
run, shrunk, gives numbers that hold (accuracies within the stream's best, cells killed)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from neurosparse.sweep import Sweep
from neurosparse.sweep.execute import _kwargs, evaluate

FOLDER = Path(__file__).resolve().parents[2] / "simulations" / "sweeps"
RUNS = {"tm_sequences": 10, "tm_faults": 21, "tm_capacity": 60}
SHRUNK = {"tm_sequences": {"n_elements": 600, "switch_at": 300, "window": 100},
          "tm_faults": {"n_train": 400, "n_after": 400, "window": 100},
          "tm_capacity": {"epochs": 2}}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_a_tm_sweep_expands_as_documented_and_its_first_run_succeeds(name):
    sweep = Sweep.from_toml(FOLDER / f"{name}.toml")
    points = sweep.expand()
    assert len(points) == RUNS[name]
    sweep = dataclasses.replace(sweep, fixed={**sweep.fixed, **SHRUNK[name]})
    outcome, _ = evaluate(sweep.function, _kwargs(sweep, points[0]), tuple(sweep.parameter_names()))
    assert outcome["status"] == "ok", outcome["error"]
    if name == "tm_sequences":
        assert outcome["best"] == 0.5 and 0 <= outcome["fo_final"] <= 0.5 and 0 <= outcome["ho_final"] <= 0.5
    elif name == "tm_faults":
        assert points[0].params["fraction"] == 0.0 and outcome["killed"] == 0
        assert 0 <= outcome["lowest"] <= outcome["just_after"] <= 0.5
    else:
        assert points[0].params == {"n_sequences": 50, "cells_per_column": 1, "synapses": 10}
        assert 0 <= outcome["accuracy"] <= 1 and outcome["stored"] <= 50
