"""Properties of the SDR type."""

import numpy as np
import pytest

from neurosparse.errors import ParameterError
from neurosparse.sdr import SDR


def test_indices_are_sorted_int32():
    x = SDR([5, 1, 3], 10)  # repeated cells are refused: tests/sdr/test_sdr_validation.py
    assert x.indices.dtype == np.int32
    assert x.indices.tolist() == [1, 3, 5] and x.a == 3 == len(x)


@pytest.mark.parametrize("bad", [dict(indices=[10], n=10), dict(indices=[-1], n=10), dict(indices=[], n=-1)])
def test_invalid_construction_raises_parameter_error(bad):
    with pytest.raises(ParameterError):
        SDR(**bad)


def test_random_rejects_a_greater_than_n():
    with pytest.raises(ParameterError, match="a"):
        SDR.random(5, 6, seed=0)


def test_overlap_union_intersection_equal_set_operations_on_random_cases():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 300))
        x = SDR.random(n, int(rng.integers(0, n + 1)), seed=rng)
        y = SDR.random(n, int(rng.integers(0, n + 1)), seed=rng)
        sx, sy = set(x.indices.tolist()), set(y.indices.tolist())
        assert x.overlap(y) == len(sx & sy)
        assert set(x.union(y).indices.tolist()) == sx | sy
        assert set(x.intersection(y).indices.tolist()) == sx & sy


def test_dense_roundtrip_and_coordinates_for_2d_layout():
    x = SDR.random(64, 7, seed=1, shape=(8, 8))
    d = x.dense()
    assert d.shape == (8, 8) and d.sum() == 7
    assert SDR.from_dense(d) == x
    coords = x.coordinates()
    assert np.all(d[coords[:, 0], coords[:, 1]])


@pytest.mark.parametrize("f", [0.0, 0.1, 0.25, 0.5, 1.0])
def test_add_noise_keeps_a_and_changes_exactly_round_f_a_bits(f):
    x = SDR.random(500, 40, seed=3)
    y = x.add_noise(f, seed=4)
    assert y.a == x.a
    assert x.a - x.overlap(y) == round(f * x.a)


def test_add_noise_rejects_f_outside_unit_interval():
    with pytest.raises(ParameterError, match="f"):
        SDR.random(100, 10, seed=0).add_noise(1.5, seed=0)


def test_same_seed_same_bits():
    assert SDR.random(2048, 40, seed=7) == SDR.random(2048, 40, seed=7)
    x = SDR.random(2048, 40, seed=7)
    assert x.add_noise(0.3, seed=1) == x.add_noise(0.3, seed=1)
    assert x.subsample(10, seed=2) == x.subsample(10, seed=2)


def test_subsample_is_subset_of_size_k():
    x = SDR.random(300, 30, seed=5)
    y = x.subsample(12, seed=6)
    assert y.a == 12 and x.overlap(y) == 12


def test_kill_cells_removes_them_and_noise_never_revives_them():
    x = SDR(range(10), 20)
    y = x.kill_cells(list(range(5, 15)))
    assert y.indices.tolist() == [0, 1, 2, 3, 4]
    z = y.add_noise(1.0, seed=0)
    assert set(z.indices.tolist()) <= set(range(15, 20))
    w = SDR.random(1000, 50, seed=1).kill_cells(0.1, seed=2)
    assert len(w.dead) == 100 and not set(w.indices.tolist()) & w.dead


def test_equal_sdrs_hash_equal_and_repr_names_sizes():
    assert hash(SDR([1, 2], 5)) == hash(SDR([2, 1], 5))
    assert SDR([1, 2], 5) != SDR([1, 2], 6)
    assert "n=5" in repr(SDR([1, 2], 5)) and "a=2" in repr(SDR([1, 2], 5))
