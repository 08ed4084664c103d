"""Every shipped target has an honest range: low < value < high for every number that prices
an estimate, or an `exact` reason; estimates are never a single point unless all their
numbers are documented exact."""

from __future__ import annotations

import pytest
from pricing_traces import snn

from neurosparse.errors import TargetError
from neurosparse.hardware.estimate import estimate
from neurosparse.hardware.target import list_targets, load_target, target_from_dict
from neurosparse.optrace import LayerCounts, OpTrace

#: Quantities that never price an estimate (shown in the catalog only, or capacities that
#: choose a memory level).
UNPRICED = ("reference.",)


def priced_quantities(name: str):
    return [q for q in load_target(name).quantities()
            if not q.name.startswith(UNPRICED) and not q.name.endswith(".capacity")]


@pytest.mark.parametrize("name", list_targets())
def test_every_priced_number_has_a_range_or_says_why_it_is_exact(name):
    for q in priced_quantities(name):
        assert q.low < q.value < q.high or q.exact, (
            f"{name}: {q.name} = {q.value:g} ({q.low:g} ... {q.high:g}) has no range and no "
            f"'exact' reason")


@pytest.mark.parametrize("name", list_targets())
def test_every_target_prices_a_range_unless_every_number_behind_it_is_exact(name):
    t = load_target(name)
    precision = "fp32" if not t.precisions or "fp32" in t.precisions else t.precisions[0]
    r = estimate(snn(n_samples=2), name, precision=precision)
    by_name = {q.name: q for q in t.quantities()}
    behind = [by_name[n] for n in r.quantities if n in by_name]
    assert behind, "the report names the numbers that priced it"
    if r.energy_low_j < r.energy_j < r.energy_high_j:
        return
    one_sided = [q for q in behind if not (q.low < q.value < q.high)]
    assert all(q.exact for q in one_sided), [q.name for q in one_sided if not q.exact]


def test_spinnaker2_range_is_not_a_single_point_and_baseline_is_said_excluded():
    tr = OpTrace(n_samples=1, n_steps=10_000, dt=1e-4, source="neurosparse.core")
    tr.add_layer(LayerCounts("exc", "population", neuron_updates=4e7, spikes=22_091))
    tr.add_layer(LayerCounts("exc->exc:e", "projection", effective_acs=1.77e6, synaptic_events=1.77e6,
                             n_params=320_000, n_nonzero_params=320_000, dense_params=16_000_000))
    r = estimate(tr, "spinnaker2")
    central = 1.77e6 * 0.45e-9 + 4e7 * 2.19e-9
    assert r.energy_j == pytest.approx(central, rel=1e-12)
    assert r.energy_high_j == pytest.approx(2 * central, rel=1e-12)  # without DVFS
    assert r.energy_low_j < r.energy_high_j
    assert any("baseline power is excluded" in n for n in r.notes)
    assert "EXCLUDED" in load_target("spinnaker2").description


def test_exact_must_be_text(tmp_path):
    data = {"name": "c", "kind": "reference", "default_mode": "dense", "latency_model": "none",
            "precisions": ["fp32"],
            "energy": {"mac_fp32": {"value": 1, "unit": "pJ", "source": "s", "basis": "measured",
                                    "scope": "per-term", "exact": 3}}}
    with pytest.raises(TargetError, match="energy.mac_fp32.exact must be a string"):
        target_from_dict(data)
