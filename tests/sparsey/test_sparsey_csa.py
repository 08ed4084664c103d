"""Properties of the CSA's codes: one winner per CM, the activation band, seeds, novelty."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sparsey_testing import random_items, two_level_model

from neurosparse.sparsey import LevelSpec, MacParams, Sparsey
from neurosparse.sparsey.csa import MODE_MAX, MODE_SAMPLE, select_codes


def mac_blocks(codes: np.ndarray, n_macs: int, Q: int, K: int) -> np.ndarray:
    """(n, macs, Q, K) view of (n, macs * Q * K) codes."""
    return codes.reshape(codes.shape[0], n_macs, Q, K)


@pytest.mark.parametrize("mode", [MODE_SAMPLE, MODE_MAX], ids=["sample", "max"])
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), Q=st.integers(1, 6), K=st.integers(1, 9))
def test_select_codes_gives_one_winner_in_each_cm(mode, seed, Q, K):
    rng = np.random.default_rng(seed)
    n = 5
    pis = [rng.integers(0, 5, size=n).astype(np.float64) for _ in range(3)]
    sums = [np.minimum(rng.integers(0, 5, size=(n, Q * K)), pi[:, None]).astype(np.int32) for pi in pis]
    winners, g, eta = select_codes(sums[0], pis[0], sums[1], pis[1], sums[2], pis[2], Q, K, 1.0, 1.0, 1.0,
                                   0.1, 100.0, 2.0, 20.0, 0.7, mode, np.uint64(seed), np.int64(0),
                                   np.arange(n, dtype=np.int64))
    assert winners.shape == (n, Q)
    assert np.array_equal(winners // K, np.broadcast_to(np.arange(Q), (n, Q)))  # winner q lies in CM q
    assert np.all((g >= 0) & (g <= 1)) and np.all(eta >= 1)


def test_active_macs_have_one_winner_per_cm_and_macs_outside_the_band_have_no_code():
    Q, K = 3, 4
    # two macs side by side on a 4x8 input; band [3, 6] active pixels
    model = Sparsey((4, 8), [LevelSpec((1, 2), 4, MacParams(Q=Q, K=K, pi_min=3, pi_max=6))], seed=1)
    X = np.zeros((4, 4, 8), dtype=np.bool_)
    X[0, 0, :4] = True                   # mac 0: 4 (in band), mac 1: 0 (below)
    X[1, :2, :4] = True                  # mac 0: 8 (above), mac 1: 0
    X[1, 0, 4:7] = True                  # mac 1: 3 (in band, lower edge)
    X[2, :2, 4:7] = True                 # mac 1: 6 (in band, upper edge), mac 0: 0
    X[3, 0, :2] = X[3, :3, 4:7] = True   # mac 0: 2 (below), mac 1: 9 (above)
    in_band = np.array([[True, False], [False, True], [False, True], [False, False]])
    sampling = Sparsey((4, 8), model.levels, retrieval="sample", seed=1)
    for codes in (model.fit(X).transform(X), sampling.fit(X).transform(X)):
        blocks = mac_blocks(codes, 2, Q, K)
        assert np.array_equal(blocks.sum(axis=3), np.where(in_band, 1, 0)[:, :, None] * np.ones((1, 1, Q)))
    fam = model.familiarity(X)
    assert np.isnan(fam[3, 0]) and np.all(np.isfinite(fam[:3, 0]))  # no mac active: no G


def test_every_active_mac_of_every_level_has_exactly_one_winner_per_cm():
    rng = np.random.default_rng(2)
    X = random_items(rng, 10)
    model = two_level_model().fit(X)
    for level, (n_macs, p) in enumerate([(9, model.levels[0].params), (1, model.levels[1].params)]):
        per_cm = mac_blocks(model.transform(X, level=level), n_macs, p.Q, p.K).sum(axis=3)
        assert set(np.unique(per_cm)) <= {0, 1}
        assert np.all((per_cm == 1).all(axis=2) | (per_cm == 0).all(axis=2))  # all CMs or none


def test_same_seed_gives_identical_codes_bit_for_bit():
    rng = np.random.default_rng(3)
    X, novel = random_items(rng, 8), random_items(rng, 5)
    runs = []
    for _ in range(2):
        model = two_level_model(seed=1234, retrieval="sample").fit(X)
        runs.append((model.transform(X), model.transform(novel),
                     [proj["U"].w.copy() for proj in model.projections_]))
    a, b = runs
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert all(np.array_equal(wa, wb) for wa, wb in zip(a[2], b[2]))


def test_different_seeds_give_different_codes_for_novel_inputs():
    rng = np.random.default_rng(4)
    X = random_items(rng, 6)
    codes = [two_level_model(seed=s).fit(X).transform(X, level=0) for s in (1, 2)]
    # the first item met an empty memory: its code is a fresh random draw under each seed
    overlap = (codes[0] & codes[1]).sum(axis=1) / codes[0].sum(axis=1)
    assert not np.array_equal(codes[0], codes[1])
    assert overlap.mean() < 0.5  # chance overlap is 1/K = 1/6


def test_novel_input_has_familiarity_well_below_one_with_few_items_stored():
    rng = np.random.default_rng(5)
    X, novel = random_items(rng, 4), random_items(rng, 20)
    model = two_level_model().fit(X)
    assert np.all(model.familiarity(X)[:, 0] == 1.0)  # stored winners have full support
    fam = model.familiarity(novel)
    assert fam[:, 0].max() < 0.7 and fam.mean(axis=0).max() < 0.8


@pytest.mark.parametrize("K", [4, 7])
def test_winners_are_uniform_when_familiarity_is_at_most_g_minus(K):
    """With G <= G^- eta = 1, so every mu is 1: cells with higher V are no likelier to win."""
    Q, n = 3, 3000
    g_minus = 0.3
    rng = np.random.default_rng(K)
    # V of cell k is min(k, 3) / 10: cells differ in V, but G = 0.3 <= g_minus in every CM
    pi = np.full(n, 10.0)
    u = np.tile(np.minimum(np.arange(K), 3), Q)[None, :].repeat(n, axis=0).astype(np.int32)
    absent = (np.zeros((n, Q * K), np.int32), np.zeros(n))
    winners, g, eta = select_codes(u, pi, *absent, *absent, Q, K, 1.0, 1.0, 1.0, g_minus, 100.0, 2.0, 20.0,
                                   0.7, MODE_SAMPLE, np.uint64(rng.integers(0, 2**63)), np.int64(17),
                                   np.arange(n, dtype=np.int64))
    assert np.all(g <= g_minus) and np.all(eta == 1.0)
    counts = np.bincount((winners % K).ravel(), minlength=K)
    assert stats.chisquare(counts).pvalue > 1e-3
    # control: the same V under a lower G^- favours the cells with the largest V
    winners_hi, _, _ = select_codes(u, pi, *absent, *absent, Q, K, 1.0, 1.0, 1.0, 0.0, 100.0, 2.0, 20.0,
                                       0.2, MODE_SAMPLE, np.uint64(1), np.int64(17),
                                       np.arange(n, dtype=np.int64))
    assert stats.chisquare(np.bincount((winners_hi % K).ravel(), minlength=K)).pvalue < 1e-6


def test_codes_of_an_empty_model_are_uniform_over_cells():
    """Nothing stored: every input is novel (G = 0), so each CM's winner is uniform."""
    rng = np.random.default_rng(6)
    p = MacParams(Q=4, K=5)
    model = Sparsey((12, 12), [LevelSpec((4, 4), 3, p)], retrieval="sample", seed=8)
    model.fit(np.zeros((0, 12, 12), dtype=np.bool_))
    X = random_items(rng, 200, on=60)
    assert np.all(model.familiarity(X[:5])[:, 0] == 0.0)
    blocks = mac_blocks(model.transform(X), 16, p.Q, p.K)
    active = blocks.any(axis=(2, 3))
    cells = np.argmax(blocks, axis=3)[active].ravel()
    assert cells.size > 5000
    assert stats.chisquare(np.bincount(cells, minlength=p.K)).pvalue > 1e-3
