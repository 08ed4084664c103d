"""Sparsey as a memory: exact recall of stored codes, graded overlap, fixed-time retrieval,
sequence context from H, and retrieval leaving the memory unchanged."""

from __future__ import annotations

import numpy as np
from scipy import stats
from sparsey_testing import random_items, two_level_model

from neurosparse.sparsey import LevelSpec, MacParams, Sparsey
from neurosparse.sparsey.csa import MODE_SAMPLE


def learn_returning_codes(model: Sparsey, X: np.ndarray) -> list[list[np.ndarray]]:
    """Learn each item once, as ``partial_fit`` does, and return the codes chosen while learning
    (per item, per level): ``fit`` returns the model, not the codes it stored."""
    model.partial_fit(X[:0])
    stored = []
    for item in X:
        codes, _ = model._run_item(item, True, MODE_SAMPLE)
        model.n_items_ += 1
        stored.append(codes)
    return stored


def move_pixels(rng: np.random.Generator, item: np.ndarray, n_moved: int) -> np.ndarray:
    """A noisy copy: ``n_moved`` of the on pixels moved to random off pixels (same count on)."""
    flat = item.ravel().copy()
    on, off = np.flatnonzero(flat), np.flatnonzero(~flat)
    flat[rng.choice(on, size=n_moved, replace=False)] = False
    flat[rng.choice(off, size=n_moved, replace=False)] = True
    return flat.reshape(item.shape)


def disjoint_items(rng: np.random.Generator, n: int, shape=(12, 12), on: int = 24) -> np.ndarray:
    """n binary images with ``on`` pixels each, no pixel on in two of them."""
    pixels = rng.permutation(shape[0] * shape[1])[:n * on].reshape(n, on)
    X = np.zeros((n, shape[0] * shape[1]), dtype=np.bool_)
    np.put_along_axis(X, pixels, True, axis=1)
    return X.reshape((n,) + tuple(shape))


def test_stored_items_are_retrieved_with_exactly_their_codes_and_familiarity_one_at_every_level():
    """Retrieval by max V returns the stored code. The items share no pixel: with shared pixels,
    a cell of another code can also get full support (V = 1) from the union of other items,
    and the tie goes to the lowest index, which need not be the stored cell."""
    rng = np.random.default_rng(10)
    X = disjoint_items(rng, 5)
    model = two_level_model(retrieval="max")
    stored = learn_returning_codes(model, X)
    for level in range(2):
        retrieved = model.transform(X, level=level)
        assert np.array_equal(retrieved, np.array([codes[level] for codes in stored]))
    assert np.all(model.familiarity(X) == 1.0)


def test_code_overlap_grows_with_input_similarity():
    rng = np.random.default_rng(11)
    item = random_items(rng, 1, on=24)
    model = two_level_model(retrieval="sample")
    stored = learn_returning_codes(model, item)[0][0]
    moved = [0, 3, 6, 9, 12, 18, 24]
    mean_overlap = []
    for n_moved in moved:
        copies = np.array([move_pixels(rng, item[0], n_moved) for _ in range(12)])
        codes = model.transform(copies, level=0)
        mean_overlap.append(float((codes & stored).sum(axis=1).mean() / stored.sum()))
    similarity = [1 - n / 24 for n in moved]
    assert stats.spearmanr(similarity, mean_overlap).statistic > 0.8
    assert mean_overlap[0] > 0.9 and mean_overlap[-1] < 0.5


def test_retrieval_work_is_flat_in_the_number_of_items_stored():
    """Retrieving the same probes reads the same weight rows whether 50 or 1,000 items are
    stored: the counted work (the model's OpTrace) is identical. (The wall-clock version of
    this claim is a benchmark, ``benchmarks/sparsey_fixed_time.py``, not an assertion on a
    shared machine's clock.)"""
    rng = np.random.default_rng(12)
    X = random_items(rng, 1000)
    probe = X[:50]
    work = {}
    for n_stored in (50, 1000):
        model = two_level_model().fit(X[:n_stored])
        before = {k: v for k, v in model.optrace_.totals(per_sample=False).items()}
        model.transform(probe)
        after = model.optrace_.totals(per_sample=False)
        work[n_stored] = {k: after[k] - before[k] for k in ("synaptic_events", "weight_bytes_read")}
    assert work[50]["synaptic_events"] > 0
    assert work[1000] == work[50]


def sequence_model(h_radius: int, seed: int = 0) -> Sparsey:
    levels = [LevelSpec((2, 2), 8, MacParams(Q=5, K=6, pi_min=2), h_radius=h_radius)]
    return Sparsey((12, 12), levels, seed=seed)


def test_same_frame_in_two_sequence_contexts_gets_different_codes_with_h_input():
    rng = np.random.default_rng(13)
    A, B, X = random_items(rng, 3)
    sequences = np.array([[A, X], [B, X]])
    for h_radius in (0, 1):
        model = sequence_model(h_radius)
        stored = learn_returning_codes(model, sequences)
        x_after_a, x_after_b = stored[0][0], stored[1][0]
        assert not np.array_equal(x_after_a, x_after_b)
        # and each context retrieves its own code for X
        retrieved = model.transform(sequences)
        assert np.array_equal(retrieved[0], x_after_a) and np.array_equal(retrieved[1], x_after_b)
    # without H the frame's code ignores its context
    model = sequence_model(-1).fit(sequences)
    retrieved = model.transform(sequences)
    assert np.array_equal(retrieved[0], retrieved[1])


def test_retrieval_does_not_make_stored_weights_decay():
    rng = np.random.default_rng(14)
    X = random_items(rng, 3)
    levels = [LevelSpec((3, 3), 6, MacParams(Q=5, K=6, pi_min=2, decay_window=4))]
    model = Sparsey((12, 12), levels, seed=0).fit(X)
    for _ in range(6):
        assert np.all(model.familiarity(X) == 1.0)
