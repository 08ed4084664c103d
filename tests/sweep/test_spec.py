"""A sweep's points and seeds: seeds follow the parameters, never the position in a queue."""

from __future__ import annotations

import pytest

from neurosparse.errors import ParameterError
from neurosparse.sweep import Sweep, child_seed

SQUARE = "neurosparse.sweep.points.examples:noisy_square"


def _seeds(sweep: Sweep) -> dict:
    return {(tuple(sorted(p.params.items())), p.replica): p.seed for p in sweep.expand()}


def test_a_points_seed_depends_on_its_parameters_not_its_position():
    small = Sweep(SQUARE, grid={"x": [1.0, 2.0]}, replicas=2, seed=7)
    grown = Sweep(SQUARE, grid={"x": [0.5, 2.0, 1.0, 3.0]}, replicas=3, seed=7)
    a, b = _seeds(small), _seeds(grown)
    assert all(b[k] == v for k, v in a.items())  # adding values and replicas keeps old seeds
    assert len(set(b.values())) == len(b)  # every run its own seed
    assert _seeds(Sweep(SQUARE, grid={"x": [1.0, 2.0]}, replicas=2, seed=8)) != a  # the sweep's seed counts


def test_the_order_is_the_grid_then_points_then_samples_and_replicas_stay_together():
    sweep = Sweep(SQUARE, grid={"x": [1.0, 2.0], "noise": [0.0, 0.5]}, points=({"x": 9.0, "noise": 1.0},),
                  random={"samples": 2, "x": {"uniform": [0.0, 1.0]}, "noise": {"choice": [0.1]}}, replicas=2)
    points = sweep.expand()
    assert [p.index for p in points] == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]
    assert [p.params for p in points[:8:2]] == [{"x": 1.0, "noise": 0.0}, {"x": 1.0, "noise": 0.5},
                                                 {"x": 2.0, "noise": 0.0}, {"x": 2.0, "noise": 0.5}]
    assert points[8].params == {"x": 9.0, "noise": 1.0}
    assert all(0.0 <= p.params["x"] <= 1.0 and p.params["noise"] == 0.1 for p in points[10:])
    assert sweep.parameter_names() == ["x", "noise"]


def test_random_samples_are_reproducible_and_within_their_ranges():
    spec = {"samples": 200, "r": {"loguniform": [1e-3, 1.0]}, "k": {"integers": [2, 4]}}
    a = Sweep(SQUARE, random=spec, seed=1, seed_argument="").expand()
    b = Sweep(SQUARE, random=spec, seed=1, seed_argument="").expand()
    assert [p.params for p in a] == [p.params for p in b]
    assert {p.params["k"] for p in a} == {2, 3, 4}  # integers: both ends included
    assert all(1e-3 <= p.params["r"] <= 1.0 for p in a)


def test_child_seeds_fit_in_63_bits_and_keys_are_stable():
    seed, key = child_seed(0, {"x": 1.0}, 0)
    assert 0 <= seed < 2**63 and child_seed(0, {"x": 1.0}, 0) == (seed, key)
    assert child_seed(0, {"x": 1}, 0) != (seed, key)  # 1 and 1.0 are different parameters


def test_a_sweep_file_round_trips(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(f'[sweep]\nfunction = "{SQUARE}"\nseed = 3\nreplicas = 2\n[fixed]\nnoise = 0.5\n'
                    '[grid]\nx = [1.0, 2.0]\n')
    sweep = Sweep.from_toml(path)
    assert sweep.name == "s" and sweep.fixed == {"noise": 0.5} and len(sweep.expand()) == 4
    assert Sweep.from_dict(sweep.to_dict(), name="s") == sweep


@pytest.mark.parametrize("tables, message", [
    ({"sweep": {"function": SQUARE}, "grid": {"x": [1]}, "gird": {}}, "unknown sweep section"),
    ({"sweep": {}, "grid": {"x": [1]}}, "needs function"),
    ({"sweep": {"function": SQUARE, "seeds": 3}, "grid": {"x": [1]}}, "unknown key"),
    ({"sweep": {"function": "nodots"}, "grid": {"x": [1]}}, "import path"),
    ({"sweep": {"function": SQUARE}}, "needs a \\[grid\\]"),
    ({"sweep": {"function": SQUARE}, "grid": {"x": []}}, "non-empty list"),
    ({"sweep": {"function": SQUARE, "replicas": 0}, "grid": {"x": [1]}}, "replicas must be an integer >= 1"),
    ({"sweep": {"function": SQUARE, "seed": -1}, "grid": {"x": [1]}}, "seed must be an integer >= 0"),
    ({"sweep": {"function": SQUARE}, "grid": {"x": [1]}, "fixed": {"x": 2}}, "varied and also fixed"),
    ({"sweep": {"function": SQUARE}, "grid": {"seed": [1]}}, "varied and also fixed"),
    ({"sweep": {"function": SQUARE}, "random": {"samples": 0, "x": {"uniform": [0, 1]}}}, "samples"),
    ({"sweep": {"function": SQUARE}, "random": {"samples": 2, "x": {"normal": [0, 1]}}}, "must be one of"),
    ({"sweep": {"function": SQUARE}, "random": {"samples": 2, "x": {"uniform": [1, 0]}}}, "low < high"),
    ({"sweep": {"function": SQUARE}, "random": {"samples": 2, "x": {"loguniform": [0, 1]}}}, "low > 0"),
    ({"sweep": {"function": SQUARE}, "grid": {"x": [1, 1]}}, "same point twice"),
])
def test_bad_sweeps_are_refused_naming_what_is_wrong(tables, message):
    with pytest.raises(ParameterError, match=message):
        Sweep.from_dict(tables).expand()


def test_a_function_that_cannot_be_imported_is_named():
    from neurosparse.sweep.spec import load_function

    with pytest.raises(ParameterError, match="cannot import module 'no_such_module'"):
        load_function("no_such_module:f")
    with pytest.raises(ParameterError, match="has no 'nope'"):
        load_function("neurosparse.sweep.points.examples:nope")
