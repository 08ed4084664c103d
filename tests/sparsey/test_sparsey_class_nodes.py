"""Sparsey's class-node readout: binary Hebbian weights from code cells to one node per label."""

from __future__ import annotations

import inspect
import pickle

import numpy as np
import pytest
from sparsey_testing import random_items

from neurosparse.errors import ParameterError
from neurosparse.sparsey import LevelSpec, MacParams, Sparsey
from neurosparse.sparsey.readout import ClassNodeReadout


def one_mac(**kwargs) -> Sparsey:
    """One mac of Q = 16, K = 8 over a whole 12 x 12 input (stores 20 items exactly)."""
    mac = MacParams(Q=16, K=8, sigma2=0.9, g_minus=0.2)
    return Sparsey((12, 12), [LevelSpec((1, 1), 12, mac)], readout="class_nodes", seed=1, **kwargs)


def random_codes(rng: np.random.Generator, n: int, n_cells: int = 60, active: int = 6) -> np.ndarray:
    codes = np.zeros((n, n_cells), dtype=np.bool_)
    for code in codes:
        code[rng.choice(n_cells, active, replace=False)] = True
    return codes


def test_class_nodes_recover_the_label_of_every_stored_item_that_is_its_own_class():
    items = random_items(np.random.default_rng(0), 20)
    model = one_mac().fit(items, np.arange(20))
    assert np.array_equal(model.predict(items), np.arange(20))
    # each node's input from its own item's code is the whole code: Q cells
    scores = model.readout_.scores(model.transform(items))
    assert np.all(np.diag(scores) == 16) and np.all(scores - np.diag(np.diag(scores)) < 16)


def test_class_nodes_recover_the_class_of_noisy_copies_of_class_prototypes():
    rng = np.random.default_rng(1)
    prototypes = random_items(rng, 4)
    items, labels = [], []
    for c, proto in enumerate(prototypes):
        for _ in range(5):
            x = proto.copy().ravel()
            on, off = rng.choice(np.flatnonzero(x), 2, replace=False), rng.choice(np.flatnonzero(~x), 2)
            x[on], x[off] = False, True
            items.append(x.reshape(12, 12))
            labels.append(c)
    model = one_mac().fit(np.array(items), np.array(labels))
    assert np.array_equal(model.predict(prototypes), np.arange(4))


def test_weights_are_each_classes_union_of_codes_and_scores_count_the_active_cells_reaching_a_node():
    rng = np.random.default_rng(2)
    codes, y = random_codes(rng, 40), rng.integers(0, 3, 40)
    readout = ClassNodeReadout(60).fit(codes, y)
    assert readout.classes_.tolist() == list(dict.fromkeys(y.tolist()))  # in the order first stored
    for c, label in enumerate(readout.classes_):
        assert np.array_equal(readout.weights_[:, c], codes[y == label].any(axis=0))
    probes = random_codes(rng, 10)
    expected = np.array([[np.sum(p & codes[y == label].any(axis=0)) for label in readout.classes_]
                         for p in probes])
    assert np.array_equal(readout.scores(probes), expected)


def test_a_tie_between_class_nodes_goes_to_the_class_stored_first():
    codes = np.array([[1, 1, 0, 0], [0, 0, 1, 1]], dtype=bool)
    readout = ClassNodeReadout(4).fit(codes, ["late", "early"][::-1])
    assert readout.predict([[1, 0, 1, 0]]).tolist() == ["early"]


def test_the_readouts_size_and_reading_work_do_not_grow_with_the_items_stored():
    """The learned state is n_cells x classes bits whether 30 or 3,000 codes are stored, and a
    code's scores are computed from it alone (no stored code is visited)."""
    rng = np.random.default_rng(3)
    codes, y = random_codes(rng, 3000), np.arange(3000) % 3
    small = ClassNodeReadout(60).fit(codes[:30], y[:30])
    large = ClassNodeReadout(60).fit(codes, y)
    assert small.weights_.shape == large.weights_.shape == (60, 3)
    assert small.weights_.nbytes == large.weights_.nbytes
    assert set(vars(large)) == {"n_cells", "classes_", "weights_", "n_items_"} and large.n_items_ == 3000


def test_estimator_contract_fit_resets_partial_fit_continues():
    rng = np.random.default_rng(4)
    codes, y = random_codes(rng, 20), np.arange(20) % 4
    readout = ClassNodeReadout(60)
    assert set(vars(readout)) == set(inspect.signature(ClassNodeReadout.__init__).parameters) - {"self"}
    assert readout.fit(codes[:10], y[:10]) is readout
    assert readout.partial_fit(codes[10:], y[10:]) is readout
    whole = ClassNodeReadout(60).fit(codes, y)
    assert np.array_equal(readout.weights_, whole.weights_) and readout.n_items_ == 20
    readout.fit(codes[:5], y[:5])
    assert readout.n_items_ == 5 and readout.classes_.size == 4
    assert np.array_equal(readout.weights_, ClassNodeReadout(60).fit(codes[:5], y[:5]).weights_)


def test_sparsey_with_class_nodes_pickles_and_predicts_the_same():
    items = random_items(np.random.default_rng(5), 12)
    model = one_mac().fit(items, np.arange(12) % 3)
    clone = pickle.loads(pickle.dumps(model))
    assert np.array_equal(clone.predict(items), model.predict(items))
    retrieved = one_mac(readout_codes="retrieved").fit(items, np.arange(12) % 3)
    assert retrieved.score(items, np.arange(12) % 3) == 1.0


@pytest.mark.parametrize(("call", "match"), [
    (lambda r: r.fit(np.zeros((2, 5), bool), [0, 1]), r"codes must have shape \(n, 4\)"),
    (lambda r: r.fit(np.full((2, 4), 0.5), [0, 1]), "codes must be binary"),
    (lambda r: r.fit(np.zeros((2, 4), bool), [0, 1, 2]), r"y must have one label per code, shape \(2,\)"),
    (lambda r: r.predict(np.zeros((1, 4), bool)), "no stored items"),
    (lambda r: r.fit(np.zeros((1, 4), bool), [0]).predict(np.zeros((1, 3), bool)), r"shape \(n, 4\)"),
    (lambda r: ClassNodeReadout(0).fit(np.zeros((1, 4), bool), [0]), "n_cells must be a positive integer"),
], ids=["width", "non-binary", "y length", "predict before fit", "predict width", "n_cells"])
def test_bad_input_is_refused_naming_the_parameter(call, match):
    with pytest.raises(ParameterError, match=match):
        call(ClassNodeReadout(4))


def test_an_unknown_readout_name_lists_the_readouts():
    with pytest.raises(ParameterError, match="'class_nodes', 'label', 'knn', 'cosine'"):
        Sparsey((12, 12), [LevelSpec((1, 1), 12)], readout="nodes").fit(np.zeros((1, 12, 12), bool))
