"""The model of ``benchmarks/sparsey_fixed_time.py`` still works as a memory where it is timed.

A fixed-time claim measured on a saturated memory says nothing (issue 15): the benchmark's
earlier model gave novel random inputs familiarity G = 1.000 with 200 items stored. These
tests run a small version of the benchmark's model at the same load (stored items per cell,
N / K at level 1 and N / (K_1 K_2) at level 2, as at the benchmark's largest N) and hold it to
telling stored inputs from novel ones; the same check fails on the earlier configuration.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurosparse.experiments.scripts import load_path
from neurosparse.sparsey import LevelSpec, MacParams, Sparsey

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "sparsey_fixed_time.py"


@pytest.fixture(scope="module")
def bench():
    return load_path(BENCHMARK)


def stored_and_novel_quality(bench, model: Sparsey, stored: np.ndarray, novel: np.ndarray) -> dict:
    model.fit(stored, np.arange(len(stored)))
    index = np.linspace(0, len(stored) - 1, 100).astype(np.int64)
    return bench.memory_quality(model, stored[index], index, novel)


def test_stored_inputs_are_more_familiar_than_novel_ones_at_the_benchmarks_largest_load(bench):
    """K_1 = 32 (the benchmark's 256 / 8) with 1,250 items (its 10,000 / 8): the same
    expected weight fill at both levels (0.32 and 0.26) as at the benchmark's default largest N."""
    n, k1, k2 = 10_000 // 8, 256 // 8, 128
    stored = bench.random_items(n, seed=3)
    novel = bench.random_items(100, seed=4)
    quality = stored_and_novel_quality(bench, bench.build(0, k1=k1, k2=k2), stored, novel)
    for level in range(2):
        assert quality["G_stored"][level] > 0.99
        assert quality["G_stored"][level] - quality["G_novel"][level] > 0.3
        assert quality["G_novel_max"][level] < 0.85
    assert quality["best_match"] == 1.0
    assert quality["exact"] > 0.95


def old_saturated_model(seed: int) -> Sparsey:
    """The benchmark's model before issue 15: 20 x 20 inputs, 4 x 4 macs over 8 x 8 patches, K = 8."""
    return Sparsey((20, 20), [LevelSpec((4, 4), 8, MacParams(Q=8, K=8, pi_min=1, pi_max=64)),
                              LevelSpec((1, 1), 4, MacParams(Q=12, K=8, pi_min=1, pi_max=16))],
                   readout="knn", seed=seed)


def test_the_same_check_fails_on_the_earlier_saturated_configuration(bench):
    """200 items at 15 % density (its smallest N): novel inputs as familiar as stored ones."""
    rng = np.random.default_rng(5)
    stored, novel = rng.random((200, 20, 20)) < 0.15, rng.random((100, 20, 20)) < 0.15
    quality = stored_and_novel_quality(bench, old_saturated_model(0), stored, novel)
    assert quality["G_stored"][0] - quality["G_novel"][0] < 0.05
    assert quality["best_match"] < 0.5
