"""Freezing (critical periods): a mac stops learning at its weight fraction, lower levels first."""

from __future__ import annotations

import numpy as np

from neurosparse.sparsey import LevelSpec, MacParams, Sparsey


def _two_levels(freeze_l1: float, freeze_l2: float) -> Sparsey:
    return Sparsey((8, 8), [LevelSpec((2, 2), 4, MacParams(Q=4, K=4, freeze_fraction=freeze_l1)),
                            LevelSpec((1, 1), 2, MacParams(Q=4, K=4, freeze_fraction=freeze_l2))], seed=0)


def test_a_frozen_mac_keeps_its_weights_and_level1_freezes_at_its_fraction():
    rng = np.random.default_rng(0)
    X = rng.random((200, 8, 8)) < 0.3
    model = _two_levels(0.2, 1.0).fit(X[:100])
    assert model.frozen_[0].all()
    w = model.projections_[0]["U"].w.copy()
    model.partial_fit(X[100:])
    assert np.array_equal(model.projections_[0]["U"].w, w)  # frozen: nothing more is learned
    fill = model._n_set[0] / (model.projections_[0]["U"].rf_sizes() * 16)
    assert np.all(fill >= 0.2)


def test_upper_level_freezes_only_after_the_level_below():
    rng = np.random.default_rng(1)
    X = rng.random((60, 8, 8)) < 0.3
    # level 2 would freeze almost at once, level 1 never: level 2 must keep learning
    model = _two_levels(1.0, 0.01).fit(X)
    assert not model.frozen_[0].any() and not model.frozen_[1].any()
    # once level 1 can freeze (and does), level 2 follows
    model = _two_levels(0.2, 0.01).fit(X)
    assert model.frozen_[0].all() and model.frozen_[1].all()
