"""Sequence recall through the H weights replays the stored codes from the first frame."""

from __future__ import annotations

import numpy as np
import pytest

from neurosparse.errors import ParameterError
from neurosparse.sparsey import LevelSpec, MacParams, Sparsey
from neurosparse.sparsey.recall import recall_sequence


def _sequences(n: int, length: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.random((n, length, 10, 10)) < 0.2


def test_recall_from_first_frame_replays_each_stored_code_exactly():
    seqs = _sequences(4, 5, 0)
    params = MacParams(Q=12, K=8, sigma2=0.9, g_minus=0.2)
    model = Sparsey((10, 10), [LevelSpec((1, 1), 10, params, h_radius=0)], seed=3).fit(seqs)
    for seq in seqs:
        stored = np.stack([model.transform(seq[None, : t + 1])[0] for t in range(len(seq))])
        assert np.array_equal(recall_sequence(model, seq[0], len(seq)), stored)


def test_recall_rejects_models_without_h_or_with_several_levels():
    x = _sequences(1, 3, 2)
    no_h = Sparsey((10, 10), [LevelSpec((1, 1), 10, MacParams(Q=4, K=4))], seed=0).fit(x)
    with pytest.raises(ParameterError, match="h_radius"):
        recall_sequence(no_h, x[0, 0], 3)
    with pytest.raises(ParameterError, match="fit"):
        recall_sequence(Sparsey((10, 10), [LevelSpec((1, 1), 10, h_radius=0)]), x[0, 0], 3)
