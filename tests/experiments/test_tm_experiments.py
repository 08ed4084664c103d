"""The temporal-memory experiments measure what they claim: the stream's best accuracy is
exactly 50 %, the accuracy measure rewards exactly a correct next-element prediction, a
high-order memory beats a first-order one on high-order sequences, killing cells costs
accuracy only past a threshold, and more cells per column store more sequences."""

from __future__ import annotations

import numpy as np
import pytest

from neurosparse.dendrites.temporal_memory import CellSets
from neurosparse.errors import ParameterError
from neurosparse.experiments import temporal_memory as exp


def test_the_stream_can_be_predicted_at_best_half_the_time_and_shares_subsequences():
    s = exp.high_order_stream(1000, n_groups=4, group_size=2, length=6, seed=0)
    assert s.predictable[:1000].mean() == 0.5  # 100 whole blocks of 10
    noise = s.element < 0
    assert noise.sum() == 400 and not np.any(s.predictable[noise])
    # every noise element is new; sequence elements are their alphabet entry
    assert len({tuple(c) for c in s.columns[noise]}) == 400
    assert np.array_equal(s.columns[~noise], s.alphabet[s.element[~noise]])
    # groups of two share the middle; the groups order the same middle elements differently
    middles = [tuple(seq[1:-1]) for seq in s.sequences]
    assert middles[0] == middles[1] and middles[0] != middles[2]
    assert set(middles[0]) == set(middles[2]) == set(middles[6])
    assert len({seq[0] for seq in s.sequences}) == len({seq[-1] for seq in s.sequences}) == 8


def test_a_switch_replaces_the_sequences_or_rotates_their_endings():
    new = exp.high_order_stream(2000, switch_at=1000, switch="new", seed=1)
    old_ids = set(new.element[:1000][new.element[:1000] >= 0].tolist())
    late = set(new.element[1100:][new.element[1100:] >= 0].tolist())
    assert not old_ids & late
    ends = exp.high_order_stream(2000, switch_at=1000, switch="endings", seed=1)
    before, after = ends.sequences[:8], ends.sequences[8:]
    assert [s[:-1] for s in before] == [s[:-1] for s in after]
    assert [s[-1] for s in after] == [before[k ^ 1][-1] for k in range(8)]
    with pytest.raises(ParameterError, match="n_groups"):
        exp.high_order_stream(100, n_groups=30, length=5)


def test_accuracy_counts_a_prediction_of_exactly_the_next_element():
    s = exp.high_order_stream(300, seed=2)
    nxt = np.append(s.element[1:], -1)
    oracle = [s.alphabet[e] if e >= 0 else np.zeros(0, np.int32) for e in nxt]
    lengths = np.array([len(x) for x in oracle])
    sets = CellSets(np.concatenate(([0], np.cumsum(lengths))), np.concatenate(oracle).astype(np.int32), 2048)
    correct = exp.prediction_accuracy(sets, s.element, s.alphabet, 2048)
    assert np.array_equal(correct, nxt >= 0)
    # predicting two elements at once is right about half the time (ties drawn at random)
    pairs = [np.union1d(s.alphabet[0], s.alphabet[1])] * 4000
    both = CellSets(np.arange(4001) * pairs[0].size, np.concatenate(pairs).astype(np.int32), 2048)
    hit = exp.prediction_accuracy(both, np.zeros(4001, np.int64), s.alphabet, 2048, seed=3)
    assert 0.45 < hit.mean() < 0.55


def test_a_high_order_memory_beats_a_first_order_one_and_relearns_after_a_switch():
    out = exp.sequence_learning(4000, 2000, seed=0)
    ho, fo = out["summary"]["high_order"], out["summary"]["first_order"]
    assert ho["before_switch"] > fo["before_switch"] + 0.15 and fo["before_switch"] < 0.3
    assert ho["lowest_after_switch"] < 0.2 < ho["final"]
    assert all(v <= 0.5 + 1e-12 for v in out["accuracy"]["high_order"][200:])
    assert out["optrace"]["high_order"].layers["tm_distal"].synaptic_events > 0


def test_killing_a_few_cells_costs_nothing_and_most_cells_costs_accuracy():
    few = exp.fault_tolerance(0.1, n_train=3000, n_after=1000, seed=0)
    most = exp.fault_tolerance(0.75, n_train=3000, n_after=1000, seed=0)
    assert few["killed"] == round(0.1 * 2048 * 32)
    assert few["just_after"] >= few["before"] - 0.03
    assert most["just_after"] < most["before"] - 0.15


def test_more_cells_per_column_store_more_high_order_sequences():
    one = exp.capacity(40, cells_per_column=1, epochs=10, seed=0)
    four = exp.capacity(40, cells_per_column=4, epochs=10, seed=0)
    assert four["accuracy"] > one["accuracy"] + 0.3 and four["stored"] > one["stored"]
    assert one["contexts_per_symbol"] == 40 * 5 / 50
