"""Pricing an OpTrace: exact sums on hand-built traces and targets, all-in vs per-term, static
power, roofline and event latency, the E_MAC/E_AC convention, ranges, and the break-even rate."""

from __future__ import annotations

import json
import math

import pytest

from neurosparse.errors import ParameterError, TargetError
from neurosparse.hardware.estimate import (
    E_AC_CONVENTION,
    E_MAC_CONVENTION,
    CostReport,
    ann_layer_energy,
    breakeven_spike_rate,
    estimate,
    snn_layer_energy,
)
from neurosparse.hardware.target import list_targets, load_target, target_from_dict
from neurosparse.optrace import LayerCounts, OpTrace

pJ = 1e-12


def q(value, unit, scope="per-term", **extra):
    return {"value": value, "unit": unit, "source": "test", "basis": "measured", "scope": scope, **extra}


def accel(**over):
    """A roofline accelerator with round numbers: MAC 2 pJ, AC 0.5 pJ, update 1 pJ, spike 0.25 pJ;
    a 256 B level at 1 pJ/B (no bandwidth figure) and an unbounded level at 10 pJ/B, 1 GB/s."""
    data = {
        "name": "accel", "kind": "accelerator", "default_mode": "skip", "latency_model": "roofline",
        "precisions": ["fp32"],
        "energy": {"mac_fp32": q(2, "pJ", low=1), "ac_fp32": q(0.5, "pJ", high=1),
                   "neuron_update": q(1, "pJ"), "spike": q(0.25, "pJ")},
        "memory": {"small": {"energy": q(1, "pJ/B"), "capacity": q(256, "B")},
                   "big": {"energy": q(10, "pJ/B", high=20)}},
        "memory_roles": {"weights": ["small", "big"], "state": ["small", "big"],
                         "metadata": ["small", "big"]},
        "power": {"static": q(1, "W")},
        "throughput": {"peak_macs_fp32": q(1, "Gops/s"), "peak_acs_fp32": q(2, "Gops/s"),
                       "bandwidth_big": q(1, "GB/s")},
    }
    data.update(over)
    return target_from_dict(data, where="accel")


def neuro(**over):
    """An event chip: per-term synaptic op 20 pJ, update 50 pJ; all-in synaptic op 100 pJ;
    2 ns per op, 4 ns per update, 1 ns per spike, 10 ns sync, 2 units at once; 0.5 W static."""
    data = {
        "name": "neuro", "kind": "neuromorphic", "default_mode": "event", "latency_model": "event",
        "precisions": [],
        "energy": {"synaptic_op": q(20, "pJ"), "neuron_update": q(50, "pJ")},
        "energy_all_in": {"synaptic_op": q(100, "pJ", scope="all-in")},
        "memory": {"sram": {"energy": q(3, "pJ/B")}},
        "memory_roles": {"weights": "sram", "state": "sram", "metadata": "sram"},
        "power": {"static": q(0.5, "W")},
        "timing": {"synaptic_op": q(2, "ns"), "neuron_update": q(4, "ns"), "spike": q(1, "ns"),
                   "sync": q(10, "ns")},
        "assumptions": {"parallel_units": q(2, "1")},
    }
    data.update(over)
    return target_from_dict(data, where="neuro")


def trace_with_bytes() -> OpTrace:
    """A linear layer, a projection and a population, with counted bytes; 10 steps, 1 sample."""
    tr = OpTrace(n_samples=1, n_steps=10, dt=1e-3, source="test")
    tr.add_layer(LayerCounts("fc", "linear", dense_ops=1000, effective_macs=300, delta_macs=120,
                             weight_bytes_read=1200, n_params=100, n_nonzero_params=100,
                             dense_params=100))
    tr.add_layer(LayerCounts("proj", "projection", dense_ops=2000, effective_acs=150,
                             synaptic_events=160, weight_bytes_read=640, metadata_bytes_read=960,
                             state_bytes_read=1280, state_bytes_written=1280, n_params=20,
                             n_nonzero_params=20, dense_params=20))
    tr.add_layer(LayerCounts("lif", "population", neuron_updates=500, spikes=40,
                             state_bytes_read=4000, state_bytes_written=4000))
    return tr


# Footprints: weights (100 + 20) x 4 B = 480 B > 256 B -> "big" (10 pJ/B); state 500 updates /
# 10 steps x 4 B = 200 B -> "small" (1 pJ/B); metadata 20 x 4 B = 80 B -> "small".
# Sparse modes read at most one 4-byte weight per executed op: fc min(1200, MACs x 4),
# proj min(640, ACs x 4).
OTHER_MEMORY = (1280 + 1280 + 4000 + 4000) * 1 + 960 * 1  # pJ
SKIP_MEMORY = (min(1200, 300 * 4) + min(640, 150 * 4)) * 10 + OTHER_MEMORY
EVENT_MEMORY = (min(1200, 300 * 4) + min(640, 160 * 4)) * 10 + OTHER_MEMORY
DELTA_MEMORY = (min(1200, 120 * 4) + min(640, 150 * 4)) * 10 + OTHER_MEMORY


@pytest.mark.parametrize("mode, compute_pj, memory_pj", [
    ("skip", 300 * 2 + 150 * 0.5 + 500 * 1 + 40 * 0.25, SKIP_MEMORY),
    ("event", 300 * 2 + 160 * 0.5 + 500 * 1 + 40 * 0.25, EVENT_MEMORY),
    ("delta", 120 * 2 + 150 * 0.5 + 500 * 1 + 40 * 0.25, DELTA_MEMORY),
])
def test_sparse_modes_equal_hand_computed_sums(mode, compute_pj, memory_pj):
    r = estimate(trace_with_bytes(), accel(), mode=mode)
    assert r.mode == mode
    assert r.compute_energy_j == pytest.approx(compute_pj * pJ, rel=1e-12)
    assert r.memory_energy_j == pytest.approx(memory_pj * pJ, rel=1e-12)
    assert r.energy_j == pytest.approx(r.compute_energy_j + r.memory_energy_j + r.static_energy_j,
                                       rel=1e-12)
    layers = r.per_layer
    assert layers["lif"]["compute_energy_j"] == pytest.approx((500 + 10) * pJ, rel=1e-12)
    assert layers["lif"]["memory_energy_j"] == pytest.approx(8000 * pJ, rel=1e-12)
    assert sum(d["energy_j"] for d in layers.values()) == pytest.approx(
        r.compute_energy_j + r.memory_energy_j, rel=1e-12)


def test_dense_mode_runs_every_dense_op_as_a_mac_and_reads_every_weight():
    r = estimate(trace_with_bytes(), accel(), mode="dense")
    assert r.compute_energy_j == pytest.approx(((1000 + 2000) * 2 + 500 + 40 * 0.25) * pJ, rel=1e-12)
    # at least the dense matrix once per step: fc max(counted 1200, 100 x 4 B x 10) = 4000 B,
    # proj max(640, 20 x 4 B x 10) = 800 B; metadata dropped; state as counted.
    memory = (4000 + 800) * 10 + (2560 + 8000) * 1
    assert r.memory_energy_j == pytest.approx(memory * pJ, rel=1e-12)
    assert r.work["macs"] == 3000 and r.work["acs"] == 0 and r.work["metadata_bytes"] == 0


def test_roofline_latency_and_static_energy_are_exact():
    r = estimate(trace_with_bytes(), accel(), mode="skip")
    # fc: max(300 / 1e9, 1200 B / 1e9) ; proj: max(150 / 2e9, min(640, 150 x 4) B / 1e9) ;
    # lif: 2 x 500 / 1e9
    latency = 1.2e-6 + 6.0e-7 + 1e-6
    assert r.latency_s == pytest.approx(latency, rel=1e-12)
    assert r.static_energy_j == pytest.approx(1.0 * latency, rel=1e-12)
    assert any("memory-bound layers: fc, proj" in n for n in r.notes)


def test_static_energy_is_power_times_the_given_duration():
    r = estimate(trace_with_bytes(), neuro(), duration_s=2.0)
    assert r.static_energy_j == pytest.approx(0.5 * 2.0, rel=1e-15)
    r = estimate(trace_with_bytes(), accel(power={}), mode="skip")
    assert r.static_energy_j == 0.0 and any("no static (baseline) power" in n for n in r.notes)


def test_event_latency_is_ops_times_time_over_units_plus_sync_per_step():
    r = estimate(trace_with_bytes(), neuro())
    work = (300 + 160) * 2e-9 + 500 * 4e-9 + 40 * 1e-9  # MACs run as synaptic ops
    assert r.latency_s == pytest.approx(10 * (work / (2 * 10) + 10e-9), rel=1e-12)
    ticked = estimate(trace_with_bytes(), neuro(timing={"step_min": q(1, "ms")}))
    assert ticked.latency_s == pytest.approx(10 * 1e-3, rel=1e-12)


def test_per_term_event_chip_prices_ops_updates_and_its_memory():
    r = estimate(trace_with_bytes(), neuro(), scope="per-term")
    assert r.compute_energy_j == pytest.approx(((300 + 160) * 20 + 500 * 50) * pJ, rel=1e-12)
    assert r.memory_energy_j == pytest.approx((1840 + 10560 + 960) * 3 * pJ, rel=1e-12)


def test_all_in_figure_is_used_alone_without_memory_and_raised_to_the_static_floor():
    chip = neuro(default_scope="all-in")
    r = estimate(trace_with_bytes(), chip)
    assert r.scope == "all-in"
    assert r.memory_energy_j == 0.0
    assert r.compute_energy_j == pytest.approx((300 + 160) * 100 * pJ, rel=1e-12)
    # latency: 10 steps x (work / (2 units x 10 steps) + 10 ns sync)
    work = (300 + 160) * 2e-9 + 500 * 4e-9 + 40 * 1e-9
    latency = 10 * (work / 20 + 10e-9)
    assert r.latency_s == pytest.approx(latency, rel=1e-12)
    floor = 0.5 * latency  # 0.5 W x run time > 46 nJ of all-in energy: the floor holds
    assert r.energy_j == pytest.approx(floor, rel=1e-12) == r.energy_low_j == r.energy_high_j
    assert r.static_energy_j == pytest.approx(floor - r.compute_energy_j, rel=1e-12)
    assert any("all-in figures only" in n and "not added" in n for n in r.notes)
    assert any("static power is a floor, not added" in n and "raises the estimate" in n
               for n in r.notes)
    per_term = estimate(trace_with_bytes(), chip, scope="per-term")
    assert per_term.memory_energy_j > 0 and per_term.static_energy_j > 0


def test_all_in_floor_applies_to_value_and_both_bounds():
    r = estimate(trace_with_bytes(), neuro(default_scope="all-in"), duration_s=1.0)
    assert r.compute_energy_j == pytest.approx(460 * 100 * pJ)
    assert r.energy_j == r.energy_low_j == r.energy_high_j == pytest.approx(0.5)
    loud = estimate(trace_with_bytes(), neuro(default_scope="all-in"), duration_s=1e-9)
    assert loud.energy_j == pytest.approx(460 * 100 * pJ) and loud.static_energy_j == 0.0


def test_truenorth_prices_synaptic_events_at_26_pj_never_below_its_static_floor():
    tr = trace_with_bytes()
    # 10 steps at the 1 ms tick; one core (50 neurons), one chip
    r = estimate(tr, "truenorth", static="chips")
    events = (300 + 160) * 26 * pJ
    assert r.compute_energy_j == pytest.approx(events, rel=1e-12)
    assert r.memory_energy_j == 0.0
    assert r.latency_s == pytest.approx(10 * 1e-3)
    assert r.energy_j == pytest.approx(42e-3 * 10e-3, rel=1e-12)  # the floor, above the events
    assert r.energy_low_j == pytest.approx(42e-3 * 10e-3, rel=1e-12)
    assert r.energy_high_j == pytest.approx(65e-3 * 10e-3, rel=1e-12)
    occ = estimate(tr, "truenorth", static="occupied")  # 1 of 4,096 cores powered
    assert occ.energy_j == pytest.approx(max(events, 42e-3 / 4096 * 10e-3), rel=1e-12)
    assert occ.energy_low_j == pytest.approx(max((300 + 160) * 25.4 * pJ, 42e-3 / 4096 * 10e-3))


@pytest.mark.parametrize("nbytes, bound", [(1e6, "compute"), (1e7, "compute"), (1e8, "memory"),
                                           (1e9, "memory")])  # crossover near 13 MB
def test_roofline_switches_from_compute_to_memory_bound_as_bytes_grow(nbytes, bound):
    tr = OpTrace(n_samples=1, n_steps=1)
    tr.add_layer(LayerCounts("fc", "linear", dense_ops=1e9, effective_macs=1e9,
                             weight_bytes_read=nbytes, n_params=10**8, dense_params=10**8))
    r = estimate(tr, "a100", mode="skip", precision="fp16")
    t_compute, t_memory = 1e9 / 156e12, nbytes / 2.039e12
    # one kernel: at least the 6.25 us launch floor; no outputs known: full utilisation
    assert r.latency_s == pytest.approx(max(6.25e-6, t_compute, t_memory), rel=1e-12)
    assert (t_memory > t_compute) == (bound == "memory")
    assert any("memory-bound" in n for n in r.notes) == (bound == "memory")
    assert r.memory_energy_j == pytest.approx(nbytes * 3.9 * 8 * pJ, rel=1e-12)


def test_mac_ac_convention_reproduces_the_4_6_and_0_9_pj_arithmetic():
    tr = trace_with_bytes()
    for name in ("horowitz45nm", "loihi", "a100"):
        r = estimate(tr, name, mode="skip", convention="mac_ac")
        assert r.energy_j == pytest.approx(300 * 4.6 * pJ + 150 * 0.9 * pJ, rel=1e-12)
        assert r.memory_energy_j == r.static_energy_j == 0.0
        assert r.energy_low_j == r.energy_j == r.energy_high_j
        assert r.convention == "mac_ac"
    h = load_target("horowitz45nm")
    assert E_MAC_CONVENTION == pytest.approx(h.energy["mul_fp32"].value + h.energy["add_fp32"].value)
    assert E_AC_CONVENTION == pytest.approx(h.energy["add_fp32"].value)
    priced = estimate(tr, "horowitz45nm", mode="skip")
    assert priced.memory_energy_j > 0 and priced.energy_j > 2 * r.energy_j


def test_modeled_traffic_when_the_trace_has_no_bytes():
    tr = OpTrace(n_samples=2, n_steps=5)
    # a conv layer: 8 weights applied at 9 positions, per sample and step
    tr.add_layer(LayerCounts("conv", "conv2d", dense_ops=8 * 9 * 10, effective_macs=360,
                             n_params=8, dense_params=8))
    tr.add_layer(LayerCounts("lif", "population", neuron_updates=40))
    r = estimate(tr, accel(), mode="skip")
    # reuse = 720 / (8 x 5 x 2) = 9: 360 x 4 B / 9 = 160 B of weights; state 40 x 2 x 4 B = 320 B
    assert r.work["weights_bytes"] == pytest.approx(160)
    assert r.work["state_bytes"] == pytest.approx(320)
    assert r.memory_energy_j == pytest.approx((160 + 320) * 1 * pJ, rel=1e-12)  # footprints fit "small"
    assert any("memory traffic modeled" in n for n in r.notes)


@pytest.mark.parametrize("name", sorted(list_targets()))
@pytest.mark.parametrize("mode", ["auto", "dense", "skip", "delta", "event"])
def test_low_le_central_le_high_on_every_target(name, mode):
    for precision in load_target(name).precisions or ("fp32", "int8"):
        r = estimate(trace_with_bytes(), name, mode=mode, precision=precision)
        assert 0 <= r.energy_low_j <= r.energy_j <= r.energy_high_j
        assert r.energy_j == pytest.approx(r.compute_energy_j + r.memory_energy_j + r.static_energy_j)
        if not math.isnan(r.latency_s):
            assert 0 <= r.latency_low_s <= r.latency_s <= r.latency_high_s


def test_gated_ops_take_time_but_no_energy():
    tr = OpTrace(n_samples=1, n_steps=1)
    tr.add_layer(LayerCounts("fc", "linear", dense_ops=1000, effective_macs=300,
                             weight_bytes_read=1, n_params=10, dense_params=10))
    plain = estimate(tr, accel(), mode="skip")
    tr.layers["fc"].gated_ops = 700.0
    gated = estimate(tr, accel(), mode="skip")
    assert gated.compute_energy_j == plain.compute_energy_j == pytest.approx(300 * 2 * pJ)
    assert plain.latency_s == pytest.approx(300 / 1e9) and gated.latency_s == pytest.approx(1000 / 1e9)
    assert any("700 gated ops per sample take issue slots" in n for n in gated.notes)


def test_counted_activation_bytes_are_priced_at_the_state_level():
    tr = OpTrace(n_samples=1, n_steps=1)
    tr.add_layer(LayerCounts("pool", "maxpool2d", activation_bytes_read=100,
                             activation_bytes_written=50))
    r = estimate(tr, accel(), mode="skip")
    assert r.work["activations_bytes"] == 150
    assert r.memory_energy_j == pytest.approx(150 * 1 * pJ, rel=1e-12)  # the small level, 1 pJ/B


def test_precision_the_target_lacks_is_refused_naming_target_precision_and_choices():
    with pytest.raises(ParameterError) as info:
        estimate(trace_with_bytes(), "eyeriss_v2", precision="fp32")
    msg = str(info.value)
    assert "eyeriss_v2" in msg and "fp32" in msg and "its precisions are int8" in msg
    assert estimate(trace_with_bytes(), "eyeriss_v2", precision="int8").precision == "int8"
    assert estimate(trace_with_bytes(), "loihi", precision="int8").precision == "int8"  # agnostic
    with pytest.raises(ParameterError, match="eyeriss_v2 has no fp16"):
        breakeven_spike_rate("eyeriss_v2", fan_in=64, n_steps=20, precision="fp16")


def test_delta_mode_without_delta_counts_uses_effective_macs_and_says_so():
    tr = OpTrace()
    tr.add_layer(LayerCounts("fc", "linear", dense_ops=10, effective_macs=6))
    r = estimate(tr, accel(), mode="delta")
    assert r.work["macs"] == 6 and any("no delta_macs for fc" in n for n in r.notes)


def test_per_sample_divides_and_to_dict_has_stable_json_keys():
    tr = trace_with_bytes()
    tr.n_samples = 4
    r = estimate(tr, accel(), mode="skip")
    per = r.per_sample()
    assert per.energy_j == pytest.approx(r.energy_j / 4)
    assert per.per_layer["fc"]["energy_j"] == pytest.approx(r.per_layer["fc"]["energy_j"] / 4)
    d = r.to_dict()
    assert {"target", "mode", "precision", "energy_j", "energy_low_j", "energy_high_j",
            "compute_energy_j", "memory_energy_j", "static_energy_j", "latency_s", "latency_low_s",
            "latency_high_s", "per_layer", "notes", "n_samples"} <= set(d)
    assert set(d["per_layer"]["fc"]) == {"compute_energy_j", "memory_energy_j", "energy_j"}
    assert d["energy_per_sample_j"] == pytest.approx(per.energy_j)
    assert per.to_dict()["per_sample"] is True
    json.dumps(d)
    assert isinstance(r, CostReport)


def test_bad_arguments_are_clear_errors():
    tr = trace_with_bytes()
    with pytest.raises(ParameterError, match="mode must be"):
        estimate(tr, accel(), mode="sparse")
    with pytest.raises(ParameterError, match="precision must be"):
        estimate(tr, accel(), precision="fp64")
    with pytest.raises(ParameterError, match="convention must be"):
        estimate(tr, accel(), convention="snn")
    with pytest.raises(TargetError, match="unknown target"):
        estimate(tr, "no_such_chip")
    with pytest.raises(TargetError, match="no all-in energies"):
        estimate(tr, accel(), scope="all-in")
    with pytest.raises(ParameterError, match="'fc': effective_macs"):  # refused when built
        LayerCounts("fc", "linear", effective_macs=-1)
    bad = OpTrace()
    bad.add_layer(LayerCounts("fc", "linear"))
    bad.layers["fc"].effective_macs = -1  # and when changed after
    with pytest.raises(ParameterError, match="'fc': effective_macs"):
        estimate(bad, accel())


@pytest.mark.parametrize("name", ["horowitz45nm", "a100", "h100", "cpu", "loihi", "spinnaker2",
                                  "truenorth", "spinnaker"])
@pytest.mark.parametrize("include_memory", [True, False])
def test_breakeven_rate_equalizes_snn_and_ann_energy(name, include_memory):
    kw = {"fan_in": 256, "n_neurons": 64, "precision": "fp32", "include_memory": include_memory}
    rate = breakeven_spike_rate(name, n_steps=8, **kw)
    e_ann = ann_layer_energy(name, **kw)
    if rate > 0:
        assert snn_layer_energy(name, rate, n_steps=8, **kw) == pytest.approx(e_ann, rel=1e-9)
        assert snn_layer_energy(name, 0.5 * rate, n_steps=8, **kw) < e_ann
    else:
        assert snn_layer_energy(name, 0.0, n_steps=8, **kw) >= e_ann


def test_breakeven_without_memory_matches_the_closed_form_on_horowitz():
    rate = breakeven_spike_rate("horowitz45nm", fan_in=128, n_neurons=128, n_steps=20,
                                include_memory=False)
    # (f x 4.6 / T - e_update) / (f x 0.9), with e_update = 4.6 + 0.9 pJ
    assert rate == pytest.approx((128 * 4.6 / 20 - 5.5) / (128 * 0.9), rel=1e-12)
    with_memory = breakeven_spike_rate("horowitz45nm", fan_in=128, n_neurons=128, n_steps=20)
    assert with_memory < rate  # state traffic every step eats the SNN's advantage


def test_breakeven_is_zero_when_updates_alone_cost_more_than_the_ann():
    assert breakeven_spike_rate("horowitz45nm", fan_in=4, n_steps=1000) == 0.0


def test_counted_bytes_rescale_to_the_price_precision_and_sparse_modes_read_compressed_inputs():
    # counted at 2 bytes per value, priced at fp32 (4): every counted weight/activation byte x 2
    tr = OpTrace(n_samples=1, n_steps=1, value_bytes=2)
    tr.add_layer(LayerCounts("fc", "linear", dense_ops=1000, nonzero_input_ops=250, effective_macs=200,
                             weight_bytes_read=400, activation_bytes_read=40,
                             activation_bytes_written=400, n_params=100, dense_params=100))
    # weights (400 B footprint) live in "big" (10 pJ/B); activations and metadata in "small" (1 pJ/B)
    dense = estimate(tr, accel(), mode="dense")
    assert dense.memory_energy_j == pytest.approx((800 * 10 + (80 + 800)) * pJ, rel=1e-12)
    skip = estimate(tr, accel(), mode="skip")
    # weights min(800, 200 MACs x 4 B); input read 80 B x 250/1000 plus a bitmask of 20 values
    assert skip.work["activations_bytes"] == pytest.approx(80 * 0.25 + 800)
    assert skip.work["metadata_bytes"] == pytest.approx(20 / 8)
    assert skip.memory_energy_j == pytest.approx((800 * 10 + 20 + 800 + 2.5) * pJ, rel=1e-12)
    unscaled = estimate(OpTrace(n_samples=1, n_steps=1, layers=dict(tr.layers)), accel(), mode="dense")
    assert unscaled.work["activations_bytes"] == 440  # value_bytes None: bytes as counted
