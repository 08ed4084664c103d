"""The Numba kernels equal the plain-Python reference step for step: the same active, winner and
predictive cells, the same counts and, at the end, the same segments and permanences (bit for
bit), on random high-order streams with noise and resets, with capacities small enough that
least-recently-used segments and the weakest synapses are evicted, and across cell death."""

from __future__ import annotations

import numpy as np
import pytest

from neurosparse.dendrites.temporal_memory import TemporalMemory

CASES = {
    "tight capacities": dict(n_columns=60, cells_per_column=4, activation_threshold=3, min_threshold=2,
                             max_new_synapses=5, max_synapses_per_segment=7, max_segments_per_cell=3,
                             predicted_segment_decrement=0.05, permanence_decrement=0.06),
    "min above activation": dict(n_columns=80, cells_per_column=3, activation_threshold=2, min_threshold=4,
                                 max_new_synapses=6, initial_permanence=0.5, connected_permanence=0.5),
    "no punishment, one cell": dict(n_columns=50, cells_per_column=1, activation_threshold=3,
                                    min_threshold=2, max_new_synapses=4, predicted_segment_decrement=0.0),
    "fast forgetting": dict(n_columns=64, cells_per_column=5, activation_threshold=2, min_threshold=1,
                            max_new_synapses=8, max_synapses_per_segment=8, permanence_decrement=0.3,
                            predicted_segment_decrement=0.2, permanence_increment=0.02),
}


def stream(rng: np.random.Generator, n_columns: int, a: int, steps: int) -> list[np.ndarray]:
    """Sequences over a small alphabet (elements recur in several contexts), noise between them."""
    alphabet = [np.sort(rng.choice(n_columns, a, replace=False)) for _ in range(10)]
    sequences = [rng.integers(0, 10, 5) for _ in range(4)]
    out: list[np.ndarray] = []
    while len(out) < steps:
        out += [alphabet[e] for e in sequences[rng.integers(4)]]
        if rng.random() < 0.3:
            out.append(np.sort(rng.choice(n_columns, rng.integers(0, a + 1), replace=False)))
    return out[:steps]


def same_run(x, y) -> None:
    assert x.n_steps == y.n_steps
    for name in ("active", "winner", "predictive"):
        a, b = getattr(x, name), getattr(y, name)
        diff = [t for t in range(len(a)) if not np.array_equal(a[t], b[t])]
        assert not diff, f"{name} cells differ first at step {diff[:1]}"
    for name in x.counts:
        assert np.array_equal(x.counts[name], y.counts[name]), name


def same_segments(a: TemporalMemory, b: TemporalMemory) -> None:
    sa, sb = a.segments(), b.segments()
    for key in sa:
        assert np.array_equal(sa[key], sb[key]), key
    assert sa["permanence"].dtype == np.float32


@pytest.mark.parametrize("case", sorted(CASES))
def test_kernels_equal_the_reference_step_for_step(case):
    params = CASES[case]
    rng = np.random.default_rng(sorted(CASES).index(case))
    cols = stream(rng, params["n_columns"], 6, 500)
    resets = rng.random(500) < 0.04
    fast = TemporalMemory(**params, seed=3, engine="numba")
    slow = TemporalMemory(**params, seed=3, engine="numpy")
    same_run(fast.run(cols, resets=resets), slow.run(cols, resets=resets))
    same_segments(fast, slow)
    assert fast._state.consistent()
    assert np.array_equal(fast.kill_cells(0.3), slow.kill_cells(0.3))
    assert np.array_equal(fast.predictive_cells_, slow.predictive_cells_)
    same_run(fast.run(cols[:150], learn=False), slow.run(cols[:150], learn=False))
    same_run(fast.run(cols[150:300]), slow.run(cols[150:300]))
    same_segments(fast, slow)
    assert fast._state.consistent()


def test_kernels_equal_the_reference_at_the_papers_parameters():
    rng = np.random.default_rng(9)
    fast = TemporalMemory(n_columns=512, cells_per_column=8, seed=1, engine="numba")
    slow = TemporalMemory(n_columns=512, cells_per_column=8, seed=1, engine="numpy")
    cols = stream(rng, 512, 40, 120)
    same_run(fast.run(cols), slow.run(cols))
    same_segments(fast, slow)


def test_a_run_cut_into_pieces_equals_one_run():
    params = CASES["tight capacities"]
    cols = stream(np.random.default_rng(4), params["n_columns"], 6, 300)
    whole = TemporalMemory(**params, seed=5)
    parts = TemporalMemory(**params, seed=5)
    full = whole.run(cols)
    pieces = [parts.run(cols[k:k + 37]) for k in range(0, 300, 37)]
    assert np.array_equal(full.winner.cells, np.concatenate([p.winner.cells for p in pieces]))
    same_segments(whole, parts)


def test_growing_capacity_mid_run_changes_nothing():
    """The kernel stops between steps to grow its arrays (segments, index pool, recording): a
    layer that must grow many times gives the same bits as the reference."""
    params = dict(n_columns=400, cells_per_column=16, activation_threshold=4, min_threshold=3,
                  max_new_synapses=20)
    cols = stream(np.random.default_rng(6), 400, 24, 400)
    fast = TemporalMemory(**params, seed=2)
    slow = TemporalMemory(**params, seed=2, engine="numpy")
    same_run(fast.run(cols), slow.run(cols))
    same_segments(fast, slow)
    assert fast._state.n_seg_rows > 1024 and fast._state.entries.size > 1 << 12
    assert fast._state.consistent()
