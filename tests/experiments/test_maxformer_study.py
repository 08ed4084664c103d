"""The Max-Former study: variants change one operator each, tasks load as documented, and a
training run is the same for the same seed."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from neurosparse.errors import ParameterError  # noqa: E402
from neurosparse.experiments.maxformer_study import (  # noqa: E402
    TASKS,
    VARIANTS,
    load_task,
    mini_config,
    train_and_evaluate,
)
from neurosparse.sweep.points.maxformer import train_and_test  # noqa: E402


def test_each_variant_changes_exactly_the_operator_it_names():
    base = dataclasses.asdict(mini_config("maxformer"))
    changed = {v: {k for k, x in dataclasses.asdict(mini_config(v)).items() if x != base[k]}
               for v in VARIANTS}
    assert changed == {"maxformer": set(), "max_mixing": {"mixers"}, "avg_mixing": {"mixers"},
                       "conv_down": {"downsample"}, "attention": {"mixers"}, "if": {"neuron"},
                       "ann": {"neuron"}}
    assert mini_config("max_mixing").mixers == ("max",) * 3
    assert mini_config("avg_mixing").mixers == ("avg",) * 3


@pytest.mark.parametrize("task", [t for t in TASKS if t != "mnist"])  # mnist: 30 s to load; digits' code
def test_tasks_are_16x16_standardised_and_split(task):
    x_tr, y_tr, x_te, y_te = load_task(task, n_train=40, n_test=20, time_steps=3, seed=1)
    if task == "dvs":
        assert x_tr.shape == (3, 40, 2, 16, 16) and x_te.shape == (3, 20, 2, 16, 16)
    else:
        assert x_tr.shape[0] == 40 and x_tr.shape[2:] == (16, 16) and x_te.shape[0] == 20
    assert len(y_tr) == 40 and len(y_te) == 20
    assert abs(float(x_tr.mean())) < 1e-4 and abs(float(x_tr.std()) - 1) < 1e-3


def test_a_run_is_deterministic_under_its_seed_and_reports_energy_and_rates():
    kw = dict(epochs=1, n_train=32, n_test=16, n_priced=8, targets=("loihi",))
    a = train_and_evaluate("maxformer", "freq-low", 3, **kw)
    b = train_and_evaluate("maxformer", "freq-low", 3, **kw)
    timing = {"train_seconds", "cpu_seconds"}
    assert {k: v for k, v in a.items() if k not in timing} == {k: v for k, v in b.items() if k not in timing}
    assert 0 <= a["accuracy"] <= 1 and 0 < a["firing_rate"] < 1
    assert a["acs"] > 0 and a["macs"] > 0  # the first layer multiplies, the rest accumulates
    assert a["energy_mac_ac_j"] == pytest.approx(4.6e-12 * a["macs"] + 0.9e-12 * a["acs"])
    assert a["energy_loihi_j"] > 0


def test_the_sweep_point_gives_a_row_of_numbers_and_the_ann_twin_no_spikes_and_only_macs():
    row = train_and_test("ann", "digits", 0, epochs=1, n_train=32, n_test=16)
    assert {"accuracy", "firing_rate", "energy_mac_ac_j", "energy_loihi_j", "cpu_seconds"} <= set(row)
    assert all(isinstance(v, float) for v in row.values())
    assert np.isnan(row["firing_rate"]) and row["acs"] == 0 and row["macs"] > 0


@pytest.mark.parametrize("call, name", [(lambda: mini_config("median"), "variant"),
                                        (lambda: load_task("cifar"), "task"),
                                        (lambda: load_task("digits", n_train=2000), "n_train"),
                                        (lambda: train_and_evaluate(epochs=0), "epochs")])
def test_bad_arguments_are_refused_by_name(call, name):
    with pytest.raises(ParameterError, match=name):
        call()
