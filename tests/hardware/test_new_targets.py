"""The targets added for issue 16 (Loihi 2, SpiNNaker 2 22FDX, Akida AKD1000, Xylo Audio 2,
Jetson Orin Nano): estimates of small hand-built traces recomputed by hand from the TOML
numbers, and the assumptions each file states."""

from __future__ import annotations

import pytest
from pricing_traces import snn

from neurosparse.hardware.estimate import estimate
from neurosparse.hardware.target import load_target
from neurosparse.optrace import LayerCounts, OpTrace

NEW = ("loihi2", "spinnaker2_22nm", "akida_akd1000", "xylo_audio2", "jetson_orin_nano")


def recurrent_population(steps: int = 50) -> OpTrace:
    """An event-core trace: 100 neurons, a recurrent projection of fan-in 20, 6,000 events."""
    tr = OpTrace(n_samples=1, n_steps=steps, dt=1e-3, source="neurosparse.core")
    tr.add_layer(LayerCounts("pop", "population", neuron_updates=100 * steps, spikes=300))
    tr.add_layer(LayerCounts("pop->pop:e", "projection", dense_ops=100 * 100 * steps,
                             effective_acs=6000, synaptic_events=6000, n_params=2000,
                             n_nonzero_params=2000, dense_params=10_000))
    return tr


def test_loihi2_event_estimate_is_recomputed_from_its_toml_numbers():
    r = estimate(recurrent_population(), "loihi2", mode="event")
    # mapping: 20 synapses x 16 bits per neuron fit 3,276 per core; 100 neurons on one core,
    # one position of the 8 x 16 mesh: no hops, the one-tile barrier (113 ns)
    assert (r.mapping["cores"], r.mapping["chips"], r.mapping["tiles"]) == (1, 1, 1)
    assert r.mapping["hops_per_spike"] == 0.0
    compute = 6000 * 3.4e-12 + 5000 * 5.4e-12 + 300 * 0.25e-12
    latency = 6000 * 0.37e-9 + 5000 * 0.59e-9 + 50 * 113e-9
    assert r.compute_energy_j == pytest.approx(compute, rel=1e-12)
    assert r.memory_energy_j == 0.0
    assert r.latency_s == pytest.approx(latency, rel=1e-12)
    assert r.static_energy_j == pytest.approx(104e-3 * latency, rel=1e-12)
    assert r.energy_j == pytest.approx(compute + 104e-3 * latency, rel=1e-12)
    # bounds: low energies with the low static power; high energies, hops of a random
    # placement (7.94 at 4.0 pJ over a 1.7 pJ spike), Loihi 1's times and the whole-mesh barrier
    low = 6000 * 0.7e-12 + 5000 * 1.1e-12 + 300 * 0.25e-12 + 35e-3 * latency
    latency_high = 6000 * 3.5e-9 + 5000 * 8.4e-9 + 50 * 465e-9
    high = (6000 * 6.8e-12 + 5000 * 10.8e-12 + 300 * (1.7e-12 + 7.94 * 4.0e-12)
            + 300e-3 * latency_high)
    assert r.energy_low_j == pytest.approx(low, rel=1e-12)
    assert r.latency_high_s == pytest.approx(latency_high, rel=1e-12)
    assert r.energy_high_j == pytest.approx(high, rel=1e-12)


def test_jetson_orin_nano_batch_one_snn_is_launch_bound_and_mostly_idle_power():
    r = estimate(snn(), "jetson_orin_nano", mode="dense")  # 4 layers x 20 steps, batch 1
    macs = (64 * 128 + 128 * 10) * 20
    updates = (128 + 10) * 20
    # no neuron-update or accumulate figure: an update is one MAC plus one accumulate (as a MAC)
    compute = macs * 18.8e-12 + updates * 2 * 18.8e-12
    latency = 4 * 20 * 10e-6
    assert r.compute_energy_j == pytest.approx(compute, rel=1e-12)
    assert r.memory_energy_j == 0.0  # 37.9 kB of weights fit on chip, priced inside the MACs
    assert r.latency_s == pytest.approx(latency, rel=1e-12)
    assert (r.latency_low_s, r.latency_high_s) == pytest.approx((80 * 3.25e-6, 80 * 40e-6), rel=1e-12)
    assert r.static_energy_j == pytest.approx(3.0 * latency, rel=1e-12)
    assert r.energy_j == pytest.approx(compute + 3.0 * latency, rel=1e-12)
    assert r.static_energy_j / r.energy_j > 0.99


def test_xylo_audio2_is_one_serial_core_priced_mostly_by_idle_power():
    r = estimate(recurrent_population(), "xylo_audio2", mode="event")
    latency = 6000 * 140e-9 + 5000 * 440e-9  # 7 and 22 cycles at 50 MHz, one core
    compute = 6000 * 5e-12 + 5000 * 10e-12
    assert r.latency_s == pytest.approx(latency, rel=1e-12)
    assert r.compute_energy_j == pytest.approx(compute, rel=1e-12)
    assert r.energy_j == pytest.approx(compute + 219e-6 * latency, rel=1e-12)
    assert r.energy_high_j == pytest.approx(6000 * 50e-12 + 5000 * 100e-12
                                            + 577.6e-6 * (6000 * 1120e-9 + 5000 * 3520e-9), rel=1e-12)
    assert any("fit not checked" in n for n in r.notes)


def test_akida_event_energy_is_the_derived_per_event_figure_plus_assumed_static():
    r = estimate(recurrent_population(), "akida_akd1000", mode="event")
    per_event = 2.5016e-3 / (0.5 * 350_502_144)  # AkidaNet: energy above the floor / events
    assert load_target("akida_akd1000").energy["synaptic_op"].value == pytest.approx(per_event, rel=2e-3)
    latency = 6000 * 8.92e-9 / 80  # spread over the 80 NPs; no neuron-update time published
    assert r.latency_s == pytest.approx(latency, rel=1e-12)
    assert r.energy_j == pytest.approx((6000 + 5000) * 14.3e-12 + 50e-3 * latency, rel=1e-12)


def test_spinnaker2_22nm_prices_baseline_power_that_the_prototype_target_leaves_out():
    tr = recurrent_population()
    final, prototype = estimate(tr, "spinnaker2_22nm"), estimate(tr, "spinnaker2")
    # voltage-scaled energies: 0.45 nJ and 2.19 nJ x (0.5 / 0.7)^2, rounded in the TOML
    assert load_target("spinnaker2_22nm").energy["synaptic_op"].value == pytest.approx(
        0.45e-9 * (0.5 / 0.7) ** 2, rel=0.01)
    assert final.compute_energy_j == pytest.approx(6000 * 0.23e-9 + 5000 * 1.12e-9, rel=1e-12)
    assert final.latency_s == pytest.approx(50 * 1e-3)  # real-time 1 ms ticks
    assert final.static_energy_j == pytest.approx(0.5 * 50e-3, rel=1e-12)
    assert prototype.static_energy_j == 0.0
    assert any("baseline power is excluded" in n for n in prototype.notes)
    assert not any("baseline power is excluded" in n for n in final.notes)


@pytest.mark.parametrize("name", NEW)
def test_unpublished_figures_are_said_to_be_assumptions(name):
    t = load_target(name)
    for q in t.quantities():
        if q.basis == "assumed" and q.name.startswith(("energy.", "power.", "timing.")):
            assert "assum" in (q.source + q.note).lower(), q.name
    assert t.references
