"""Static power is priced the same way on every target, with the choice explicit: whole chips
powered (static="chips") or the share of cores the model occupies (static="occupied"); all-in
targets are raised to their static floor; notes give per-sample figures."""

from __future__ import annotations

import math
import re

import pytest
from pricing_traces import snn

from neurosparse.errors import ParameterError
from neurosparse.hardware.estimate import estimate
from neurosparse.hardware.target import list_targets, load_target
from neurosparse.optrace import LayerCounts, OpTrace
from neurosparse.si import format_si


def default_precision(name: str) -> str:
    t = load_target(name)
    return "fp32" if not t.precisions or "fp32" in t.precisions else t.precisions[0]


@pytest.mark.parametrize("name", list_targets())
@pytest.mark.parametrize("static", ["chips", "occupied"])
def test_every_row_states_the_static_choice(name, static):
    for convention in (None, "mac_ac"):
        r = estimate(snn(), name, precision=default_precision(name), static=static,
                     convention=convention)
        assert r.static == static
        assert sum(n.startswith("static:") for n in r.notes) == 1, r.notes


@pytest.mark.parametrize("name", [n for n in list_targets() if "static" in load_target(n).power])
def test_static_energy_is_power_times_share_times_run_time_on_every_target(name):
    t = load_target(name)
    power = t.power["static"].value
    for static in ("chips", "occupied"):
        r = estimate(snn(), name, precision=default_precision(name), static=static)
        if r.mapping is None:
            share = 1.0  # one device, whichever the choice
        elif static == "chips":
            share = r.mapping["chips"]
        else:
            share = r.mapping["cores"] / r.mapping["cores_per_chip"]
        floor = power * share * r.latency_s
        if r.scope == "per-term":
            assert r.static_energy_j == pytest.approx(floor, rel=1e-12)
        else:  # all-in: never below the floor, the floor not added on top
            assert r.energy_j == pytest.approx(max(r.compute_energy_j, floor), rel=1e-12)
            assert r.energy_low_j >= t.power["static"].low * share * r.latency_low_s * (1 - 1e-12)


def test_loihi_whole_chip_and_occupied_static_are_hand_computed():
    # lif1 (128 neurons) and lif2 (10) each on one core: 2 of 128 cores, one chip
    r = estimate(snn(), "loihi", static="chips")
    assert r.mapping["cores"] == 2 and r.mapping["chips"] == 1
    assert r.static_energy_j == pytest.approx(0.1044 * r.latency_s, rel=1e-12)
    occ = estimate(snn(), "loihi", static="occupied")
    assert occ.static_energy_j == pytest.approx(0.1044 * 2 / 128 * occ.latency_s, rel=1e-12)
    assert occ.compute_energy_j == r.compute_energy_j
    assert any("whole chips powered (static='chips'): 1 chip" in n for n in r.notes)
    assert any("2 of 128 cores per chip" in n for n in occ.notes)


def test_truenorth_central_estimate_is_never_below_its_static_floor():
    tr = snn()
    r = estimate(tr, "truenorth")  # 20 ticks of 1 ms, one chip at 42 mW
    floor = 42e-3 * 20e-3
    assert r.compute_energy_j < floor
    assert r.energy_j == pytest.approx(floor, rel=1e-12)
    assert r.energy_low_j == pytest.approx(floor, rel=1e-12)
    assert r.energy_high_j == pytest.approx(65e-3 * 20e-3, rel=1e-12)
    assert r.energy_j == pytest.approx(r.compute_energy_j + r.memory_energy_j + r.static_energy_j)


def test_notes_give_per_sample_figures_in_a_many_sample_trace():
    one, many = snn(1), snn(360)
    r1 = estimate(one, "truenorth").per_sample()
    r360 = estimate(many, "truenorth").per_sample()
    assert r360.energy_j == pytest.approx(r1.energy_j, rel=1e-12)
    note = next(n for n in r360.notes if n.startswith("static:"))
    assert f"= {format_si(42e-3 * 20e-3, 'J')} per sample" in note  # 0.84 mJ, not 360 x that
    assert note == next(n for n in r1.notes if n.startswith("static:"))
    loihi = next(n for n in estimate(many, "loihi").notes if n.startswith("static:"))
    per_sample = float(re.search(r"= ([0-9.e+-]+) uJ per sample", loihi).group(1))
    assert per_sample * 1e-6 == pytest.approx(estimate(many, "loihi").per_sample().static_energy_j,
                                              rel=1e-2)


def test_a_model_needing_two_chips_pays_two_chips_of_static_power():
    tr = OpTrace(n_samples=1, n_steps=10)
    tr.add_layer(LayerCounts("big", "population", neuron_updates=200_000 * 10, spikes=1000))
    r = estimate(tr, "loihi", static="chips")
    assert r.mapping["cores"] == math.ceil(200_000 / 1024) == 196 and r.mapping["chips"] == 2
    assert r.static_energy_j == pytest.approx(2 * 0.1044 * r.latency_s, rel=1e-12)
    assert any("priced on 2 chips" in n for n in r.notes)
    occ = estimate(tr, "loihi", static="occupied")
    assert occ.static_energy_j == pytest.approx(196 / 128 * 0.1044 * occ.latency_s, rel=1e-12)


def test_bad_static_choice_names_the_allowed_values():
    with pytest.raises(ParameterError, match="static must be one of 'chips', 'occupied', got 'all'"):
        estimate(snn(), "loihi", static="all")
