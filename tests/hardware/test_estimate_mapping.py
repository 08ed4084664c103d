"""Fit and mapping: cores, chips, fan-in and fan-out limits, tiles and hops, checked against
mappings computed by hand from the targets' [mapping] numbers."""

from __future__ import annotations

import math

import pytest
from pricing_traces import snn

from neurosparse.errors import TargetError
from neurosparse.hardware.estimate import estimate
from neurosparse.hardware.mapping import map_trace
from neurosparse.hardware.target import load_target, target_from_dict
from neurosparse.optrace import LayerCounts, OpTrace


def event_core_trace(n_exc: int = 2048, n_inh: int = 512, steps: int = 100) -> OpTrace:
    """An event-core-style trace: exc (fan-in 100 from exc) and inh (fan-in 50 from exc)."""
    tr = OpTrace(n_samples=1, n_steps=steps, dt=1e-3, source="neurosparse.core")
    tr.add_layer(LayerCounts("exc", "population", neuron_updates=n_exc * steps, spikes=500,
                             activations=n_exc * steps, nonzero_activations=500))
    tr.add_layer(LayerCounts("inh", "population", neuron_updates=n_inh * steps, spikes=100,
                             activations=n_inh * steps, nonzero_activations=100))
    tr.add_layer(LayerCounts("exc->exc:e", "projection", dense_ops=n_exc * n_exc * steps,
                             effective_acs=50_000, synaptic_events=50_000, n_params=n_exc * 100,
                             n_nonzero_params=n_exc * 100, dense_params=n_exc * n_exc))
    tr.add_layer(LayerCounts("exc->inh:e", "projection", dense_ops=n_exc * n_inh * steps,
                             effective_acs=6_250, synaptic_events=6_250, n_params=n_inh * 50,
                             n_nonzero_params=n_inh * 50, dense_params=n_exc * n_inh))
    return tr


def test_loihi_mapping_of_an_event_core_network_is_hand_computed():
    m = map_trace(event_core_trace(), load_target("loihi"))
    exc, inh = m.populations
    # exc: 100 synapses x 16 bits = 200 B per neuron; 128 KiB / 200 B = 655 neurons per core
    assert (exc.neurons, exc.fan_in) == (2048, 100)
    assert exc.neurons_per_core == 131072 * 8 // (100 * 16) == 655
    assert exc.limited_by == "synapse memory"
    assert exc.cores == math.ceil(2048 / 655) == 4
    # inh: 50 synapses -> 1,310 by memory, above 1,024 per core; 512 neurons fit one core
    assert (inh.neurons_per_core, inh.cores) == (512, 1)
    # distinct inputs of a 655-neuron exc core: 2048 (1 - (1 - 100/2048)^655), under 4,096
    assert exc.axons_in_per_core == pytest.approx(2048 * (1 - (1 - 100 / 2048) ** 655))
    # each exc neuron reaches its 4 exc cores (4 (1 - (3/4)^100)) and the one inh core
    assert exc.target_cores_per_neuron == pytest.approx(4 * (1 - 0.75 ** 100) + 1)
    assert (m.cores, m.chips, m.fits) == (5, 1, True)
    # 5 cores on 2 tiles of 4 cores: a 2 x 1 block, mean hops (2^2 - 1) / 6 = 0.5
    assert m.tiles == 2 and m.hops_per_spike == pytest.approx(0.5)
    assert m.occupied_fraction == pytest.approx(5 / 128)


def test_loihi_event_latency_uses_the_occupied_cores_and_their_tiles():
    tr = event_core_trace()
    r = estimate(tr, "loihi", mode="event")
    work = (50_000 + 6_250) * 3.5e-9 + (2048 + 512) * 100 * 8.4e-9 + 600 * (2.1e-9 + 0.5 * 5.3e-9)
    sync = 113e-9 + (465e-9 - 113e-9) * (2 - 1) / (32 - 1)  # 2 of 32 tiles
    assert r.latency_s == pytest.approx(100 * (work / (5 * 100) + sync), rel=1e-12)
    spike = 1.7e-12 + 0.5 * 3.5e-12  # hops from the mapping, not the assumed 2
    assert r.compute_energy_j == pytest.approx(
        (50_000 + 6_250) * 23.6e-12 + (2048 + 512) * 100 * 81e-12 + 600 * spike, rel=1e-12)


def test_truenorth_fan_in_limits_neurons_per_core():
    # 1,000 random sources, fan-in 10: A(k) = 1000 (1 - 0.99^k) <= 256 axons -> k = 29
    tr = OpTrace(n_samples=1, n_steps=10, source="neurosparse.core")
    tr.add_layer(LayerCounts("src", "population", neuron_updates=1000 * 10))
    tr.add_layer(LayerCounts("dst", "population", neuron_updates=512 * 10))
    tr.add_layer(LayerCounts("src->dst:e", "projection", n_params=512 * 10, dense_params=1000 * 512))
    m = map_trace(tr, load_target("truenorth"))
    dst = next(p for p in m.populations if p.name == "dst")
    assert 1000 * (1 - 0.99 ** 29) <= 256 < 1000 * (1 - 0.99 ** 30)
    assert dst.neurons_per_core == 29 and dst.limited_by.startswith("fan-in")
    assert dst.cores == math.ceil(512 / 29) == 18
    # each src neuron has 5.12 targets spread over 18 cores: more than the one core it may reach
    assert not m.fits and any("splitter neurons" in p for p in m.problems)
    r = estimate(tr, "truenorth")
    assert any("DOES NOT FIT" in n for n in r.notes)


def test_a_dense_layer_wider_than_a_cores_axons_does_not_fit_truenorth():
    tr = OpTrace(n_samples=1, n_steps=4)
    tr.add_layer(LayerCounts("fc", "linear", dense_ops=300 * 100 * 4, n_params=300 * 100,
                             dense_params=300 * 100))
    tr.add_layer(LayerCounts("lif", "population", neuron_updates=100 * 4))
    m = map_trace(tr, load_target("truenorth"))
    assert m.populations[0].fan_in == 300 and not m.fits
    assert any("one neuron's inputs exceed a core" in p for p in m.problems)


def test_sequential_pytorch_layers_feed_the_next_population():
    m = map_trace(snn(), load_target("loihi"))
    lif1, lif2 = m.populations
    assert (lif1.name, lif1.neurons, lif1.fan_in) == ("lif1", 128, 64)
    assert (lif2.name, lif2.neurons, lif2.fan_in) == ("lif2", 10, 128)
    assert lif1.target_cores_per_neuron == pytest.approx(1.0)  # lif1 -> fc2 -> lif2 on one core
    assert (m.cores, m.chips, m.tiles, m.hops_per_spike) == (2, 1, 1, 0.0)


def test_targets_without_a_mapping_table_say_fit_is_not_checked():
    assert map_trace(snn(), load_target("h100")) is None
    r = estimate(snn(), "h100")
    assert r.mapping is None and any("fit not checked" in n for n in r.notes)


def test_mapping_tables_are_validated():
    base = {"name": "c", "kind": "neuromorphic", "default_mode": "event", "latency_model": "event",
            "precisions": [], "energy": {"synaptic_op": {"value": 1, "unit": "pJ", "source": "s",
                                                          "basis": "measured", "scope": "per-term"}},
            "timing": {"step_min": {"value": 1, "unit": "ms", "source": "s", "basis": "specified",
                                    "scope": "per-term"}}}
    one = {"value": 4, "unit": "1", "source": "s", "basis": "specified", "scope": "per-term"}
    with pytest.raises(TargetError, match="mapping needs mapping.neurons_per_core"):
        target_from_dict({**base, "mapping": {"cores_per_chip": one}})
    with pytest.raises(TargetError, match="mesh needs all of"):
        target_from_dict({**base, "mapping": {"cores_per_chip": one, "neurons_per_core": one,
                                              "cores_per_tile": one}})
    with pytest.raises(TargetError, match="unknown quantity mapping.cores"):
        target_from_dict({**base, "mapping": {"cores": one}})
