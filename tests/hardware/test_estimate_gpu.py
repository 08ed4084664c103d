"""GPUs at small batch: one kernel per layer per step per batch, each at least the launch-and-
synchronisation floor; utilisation from wave quantization over the GPU's lanes."""

from __future__ import annotations

import math

import pytest
from pricing_traces import snn

from neurosparse.hardware.estimate import estimate
from neurosparse.hardware.target import load_target
from neurosparse.optrace import LayerCounts, OpTrace

LAUNCH, LAUNCH_LOW, LAUNCH_HIGH = 6.25e-6, 3.25e-6, 20e-6


@pytest.mark.parametrize("name", ["h100", "a100"])
def test_batch_one_snn_is_layers_times_steps_times_the_launch_floor(name):
    r = estimate(snn(), name, mode="dense")  # 4 layers, 20 steps, 1 sample: 80 kernels
    assert r.latency_s == pytest.approx(4 * 20 * LAUNCH, rel=1e-12)
    assert r.latency_low_s == pytest.approx(4 * 20 * LAUNCH_LOW, rel=1e-12)
    assert r.latency_high_s == pytest.approx(4 * 20 * LAUNCH_HIGH, rel=1e-12)
    idle = load_target(name).power["static"].value
    assert r.static_energy_j == pytest.approx(idle * r.latency_s, rel=1e-12)
    assert any("80 kernels per sample in sequence (80 in all" in n for n in r.notes)
    assert any("launch-bound layers" in n and "fc1" in n for n in r.notes)
    # the old roofline over the whole trace's MACs gave nanoseconds
    assert r.latency_s > 1000 * (64 * 128 + 128 * 10) * 20 / 33.5e12


def test_batching_amortizes_the_launches():
    many = snn(n_samples=64)
    one_by_one = estimate(many, "h100", mode="dense", batch_size=1)
    batched = estimate(many, "h100", mode="dense", batch_size=64)
    assert one_by_one.latency_s == pytest.approx(64 * 4 * 20 * LAUNCH, rel=1e-12)
    assert batched.latency_s == pytest.approx(4 * 20 * LAUNCH, rel=1e-12)  # still launch-bound
    assert batched.per_sample().energy_j < one_by_one.per_sample().energy_j / 10
    assert any("80 kernels per sample in sequence (5,120 in all" in n for n in one_by_one.notes)


def test_utilisation_at_small_batch_is_wave_quantization_over_the_lanes():
    # one 10^9-MAC layer feeding 128 neurons, one step: compute-bound, far above the floor
    tr = OpTrace(n_samples=1, n_steps=1)
    tr.add_layer(LayerCounts("fc", "linear", dense_ops=1e9, n_params=1000, dense_params=10**6))
    tr.add_layer(LayerCounts("lif", "population", neuron_updates=128))
    r = estimate(tr, "h100", mode="dense", precision="fp32")
    lanes = 132 * 128
    u = 128 / lanes  # one wave, 128 of 16,896 lanes busy
    t_fc = 1e9 / 33.5e12 / u
    t_lif = max(LAUNCH, 2 * 128 / 33.5e12 / u)
    assert r.latency_s == pytest.approx(t_fc + t_lif, rel=1e-9)
    # low: a quarter of the lanes fill the chip (u 4x higher); high: four times as many
    assert r.latency_low_s == pytest.approx(1e9 / 33.5e12 / (4 * u) + LAUNCH_LOW, rel=1e-9)
    assert r.latency_high_s == pytest.approx(1e9 / 33.5e12 / (u / 4) + LAUNCH_HIGH, rel=1e-9)


def test_many_outputs_fill_the_gpu_up_to_the_last_partial_wave():
    tr = OpTrace(n_samples=1, n_steps=1)
    n_out = 3 * 16_896 + 100  # four waves, the last nearly empty
    tr.add_layer(LayerCounts("fc", "linear", dense_ops=1e10, n_params=1000, dense_params=10**6))
    tr.add_layer(LayerCounts("lif", "population", neuron_updates=n_out))
    r = estimate(tr, "h100", mode="dense")
    u = n_out / (math.ceil(n_out / 16_896) * 16_896)
    assert r.latency_s == pytest.approx(1e10 / 33.5e12 / u + max(LAUNCH, 2 * n_out / 33.5e12 / u),
                                        rel=1e-9)


def test_cpu_keeps_its_roofline_without_launches():
    r = estimate(snn(), "cpu", mode="dense")
    macs = (64 * 128 + 128 * 10) * 20
    updates = (128 + 10) * 20
    assert r.latency_s == pytest.approx((macs + 2 * updates) / 73.6e9, rel=1e-12)
    assert not any("kernels in sequence" in n for n in r.notes)
