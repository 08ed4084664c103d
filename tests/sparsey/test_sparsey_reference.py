"""The CSA's Numba kernels equal the plain-NumPy reference on random small levels.

Each level is drawn by hypothesis: M macs of Q CMs of K cells, random receptive fields into
a U source (pixels), an H source (the level's own cells, own CM excluded) and a D source
(an upper level's cells), random binary weights, with decay on (random ages and use counts)
or off. Codes must be equal bit for bit; G and eta to rounding.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neurosparse.sparsey.csa import MODE_MAX, MODE_SAMPLE, learn_projection, projection_sums, select_codes
from neurosparse.sparsey.reference import reference_learn, reference_select, reference_sums

SETTINGS = settings(max_examples=40, deadline=None)
SIZES = dict(seed=st.integers(0, 2**32 - 1), M=st.integers(1, 4), Q=st.integers(1, 4), K=st.integers(1, 5))


def random_level(seed: int, source: str, decay: bool, M: int = 3, Q: int = 3, K: int = 4):
    """A level of M macs of Q CMs of K cells and one projection into it from ``source`` ("U", "H"
    or "D"), with random RFs, weights, input and (with decay) weight ages and use counts."""
    rng = np.random.default_rng(seed)
    QK = Q * K
    if source == "U":
        n_src = int(rng.integers(4, 30))
        rfs = [np.sort(rng.choice(n_src, size=rng.integers(1, n_src + 1), replace=False)) for _ in range(M)]
    elif source == "H":  # the level's own cells: each mac sees itself and some neighbours
        n_src = M * QK
        rfs = []
        for m in range(M):
            near = np.union1d([m], rng.choice(M, size=rng.integers(0, M + 1), replace=False))
            rfs.append(np.concatenate([np.arange(mm * QK, (mm + 1) * QK) for mm in near]))
    else:  # D: every cell of a few macs of an upper level
        upper_cells = int(rng.integers(1, 4)) * int(rng.integers(1, 13))
        n_src = upper_cells
        rfs = [np.sort(rng.choice(n_src, size=rng.integers(1, n_src + 1), replace=False)) for _ in range(M)]
    sizes = np.array([len(r) for r in rfs])
    rf_ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    rf_idx = np.concatenate(rfs).astype(np.int64)
    w_ptr = (rf_ptr[:-1] * QK).astype(np.int64)
    total = int(rf_ptr[-1]) * QK
    w = (rng.random(total) < rng.uniform(0.1, 0.9)).astype(np.uint8)
    now = int(rng.integers(0, 20))
    if decay:
        window, permanence = int(rng.integers(1, 6)), int(rng.integers(1, 4))
        last = rng.integers(0, now + 1, size=total).astype(np.int64)
        uses = rng.integers(0, permanence + 2, size=total).astype(np.uint8)
    else:
        window, permanence = 0, 2
        last, uses = np.zeros(1, np.int64), np.zeros(1, np.uint8)
    if source == "H":  # a previous code: one winner per CM of some macs
        active = np.zeros(n_src, dtype=np.bool_)
        for m in range(M):
            if rng.random() < 0.7:
                active[m * QK + np.arange(Q) * K + rng.integers(0, K, size=Q)] = True
    else:
        active = rng.random(n_src) < rng.uniform(0.1, 0.9)
    macs = np.sort(rng.choice(M, size=rng.integers(1, M + 1), replace=False)).astype(np.int64)
    return dict(M=M, Q=Q, K=K, active=active, rf_ptr=rf_ptr, rf_idx=rf_idx, w=w, w_ptr=w_ptr,
                last=last, uses=uses, now=now, window=window, permanence=permanence, macs=macs,
                own=source == "H", rng=rng)


def sums_args(lv):
    return (lv["active"], lv["rf_ptr"], lv["rf_idx"], lv["w"], lv["w_ptr"], lv["Q"], lv["K"], lv["macs"],
            lv["own"], lv["last"], lv["uses"], lv["now"], lv["window"], lv["permanence"])


@pytest.mark.parametrize("decay", [False, True], ids=["permanent", "decay"])
@pytest.mark.parametrize("source", ["U", "H", "D"])
@SETTINGS
@given(**SIZES)
def test_projection_sums_equal_reference(source, decay, seed, M, Q, K):
    lv = random_level(seed, source, decay, M, Q, K)
    sums, pis = projection_sums(*sums_args(lv))
    ref_sums, ref_pis = reference_sums(*sums_args(lv))
    assert sums.dtype == np.int32 and np.array_equal(sums, ref_sums)
    assert np.array_equal(pis, ref_pis)
    # no cell can receive more than pi_H from H: its own CM is excluded
    assert np.all(sums <= pis[:, None])


def random_select_inputs(seed: int, n: int, Q: int, K: int):
    """Random sums and pis for U, H and D (some sources absent), and random CSA parameters."""
    rng = np.random.default_rng(seed)
    QK = Q * K
    out = []
    for name in ("U", "H", "D"):
        pi = rng.integers(0 if name != "U" else 1, 6, size=n).astype(np.float64)
        if name == "H":  # own-CM correction: one input fewer per CM, never below 0
            pi = np.where((pi >= 1) & (rng.random(n) < 0.5), pi - 1.0, pi)
        # small integer sums, so that V ties (MODE_MAX picks the lowest index) are common
        sums = np.minimum(rng.integers(0, 7, size=(n, QK)), np.ceil(pi)[:, None]).astype(np.int32)
        out += [sums, pi]
    lambdas = [float(rng.choice([0.0, 0.5, 1.0, 2.0])) for _ in range(3)]
    g_minus = float(rng.uniform(0, 0.9))
    chi, gamma = float(rng.uniform(0, 200)), float(rng.uniform(0.5, 4))
    sigma1, sigma2 = float(rng.uniform(1, 50)), float(rng.uniform(0, 1))
    key = np.uint64(rng.integers(0, 2**63))
    stream_base = np.int64(rng.integers(0, 10_000))
    macs = np.sort(rng.choice(n + 3, size=n, replace=False)).astype(np.int64)
    return (*out, Q, K, *lambdas, g_minus, chi, gamma, sigma1, sigma2), key, stream_base, macs


@pytest.mark.parametrize("mode", [MODE_SAMPLE, MODE_MAX], ids=["sample", "max"])
@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 4), Q=st.integers(1, 4), K=st.integers(1, 6))
def test_select_codes_equal_reference(mode, seed, n, Q, K):
    args, key, stream_base, macs = random_select_inputs(seed, n, Q, K)
    winners, g, eta = select_codes(*args, mode, key, stream_base, macs)
    ref_winners, ref_g, ref_eta = reference_select(*args, mode, key, stream_base, macs)
    assert winners.dtype == np.int32 and np.array_equal(winners, ref_winners)
    np.testing.assert_allclose(g, ref_g, rtol=1e-12, atol=0)
    np.testing.assert_allclose(eta, ref_eta, rtol=1e-12, atol=0)


@pytest.mark.parametrize("decay", [False, True], ids=["permanent", "decay"])
@pytest.mark.parametrize("source", ["U", "H", "D"])
@SETTINGS
@given(**SIZES)
def test_learn_projection_equals_reference(source, decay, seed, M, Q, K):
    lv = random_level(seed, source, decay, M, Q, K)
    rng = lv["rng"]
    winners = (np.arange(Q) * K + rng.integers(0, K, size=(lv["macs"].size, Q))).astype(np.int32)
    states = []
    for learn in (learn_projection, reference_learn):
        w, last, uses = lv["w"].copy(), lv["last"].copy(), lv["uses"].copy()
        n_set = np.zeros(lv["M"], dtype=np.int64)
        learn(lv["active"], lv["rf_ptr"], lv["rf_idx"], w, lv["w_ptr"], Q, K, lv["macs"], winners, lv["own"],
              last, uses, lv["now"], lv["window"], lv["permanence"], n_set)
        states.append((w, last, uses, n_set))
    for got, ref in zip(*states):
        assert got.dtype == ref.dtype and np.array_equal(got, ref)


@pytest.mark.parametrize("decay", [False, True], ids=["permanent", "decay"])
@settings(max_examples=15, deadline=None)
@given(**SIZES)
def test_level_steps_with_h_source_equal_reference_over_a_sequence(decay, seed, M, Q, K):
    """Sums, selection and learning chained over several steps, the H input being the last code."""
    lv = random_level(seed, "H", decay, M, Q, K)
    rng = lv["rng"]
    key = np.uint64(rng.integers(0, 2**63))
    frames = rng.random((6, 12)) < 0.5  # U: a 12-pixel input, every mac sees all of it
    u_ptr = (np.arange(M + 1) * 12).astype(np.int64)
    u_idx = np.tile(np.arange(12), M).astype(np.int64)
    u_wptr = (u_ptr[:-1] * Q * K).astype(np.int64)
    runs = []
    for sums_fn, select_fn, learn_fn in ((projection_sums, select_codes, learn_projection),
                                         (reference_sums, reference_select, reference_learn)):
        wu = np.zeros(int(u_ptr[-1]) * Q * K, np.uint8)
        wh, last, uses = lv["w"].copy() * 0, lv["last"].copy() * 0, lv["uses"].copy() * 0
        code = np.zeros(M * Q * K, np.bool_)
        n_set = np.zeros(M, np.int64)
        macs = np.arange(M, dtype=np.int64)
        codes = []
        for t, frame in enumerate(frames):
            us, pu = sums_fn(frame, u_ptr, u_idx, wu, u_wptr, Q, K, macs, False, lv["last"][:1] * 0,
                             lv["uses"][:1] * 0, t, 0, 2)
            hs, ph = sums_fn(code, lv["rf_ptr"], lv["rf_idx"], wh, lv["w_ptr"], Q, K, macs, True,
                             last, uses, t, lv["window"], lv["permanence"])
            ds, pd = np.zeros_like(us), np.zeros(M)
            winners, _, _ = select_fn(us, pu, hs, ph, ds, pd, Q, K, 1.0, 1.0, 1.0, 0.1, 100.0, 2.0, 20.0, 0.7,
                                      MODE_SAMPLE, key, np.int64(t * M), macs)
            learn_fn(frame, u_ptr, u_idx, wu, u_wptr, Q, K, macs, winners, False, lv["last"][:1] * 0,
                     lv["uses"][:1] * 0, t, 0, 2, n_set)
            learn_fn(code, lv["rf_ptr"], lv["rf_idx"], wh, lv["w_ptr"], Q, K, macs, winners, True,
                     last, uses, t, lv["window"], lv["permanence"], np.zeros(M, np.int64))
            code = np.zeros(M * Q * K, np.bool_)
            code[(macs[:, None] * Q * K + winners).ravel()] = True
            codes.append(code)
        runs.append((np.array(codes), wu, wh, last, uses, n_set))
    for got, ref in zip(*runs):
        assert np.array_equal(got, ref)
