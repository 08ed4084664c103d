"""The OpTrace type: totals, addition and JSON round trip."""

from __future__ import annotations

import numpy as np
import pytest

from neurosparse.optrace import COUNT_FIELDS, LayerCounts, OpTrace


def make_trace():
    trace = OpTrace(n_samples=4, n_steps=10, dt=1e-3, source="test")
    trace.add_layer(LayerCounts("fc1", "linear", dense_ops=400.0, effective_macs=120.0,
                                activations=80.0, nonzero_activations=20.0,
                                per_step={"effective_macs": np.arange(10.0)}))
    trace.add_layer(LayerCounts("lif1", "population", neuron_updates=200.0, spikes=30.0,
                                effective_acs=55.0))
    return trace


def test_totals_sum_layers_and_normalise_per_sample():
    trace = make_trace()
    tot = trace.totals(per_sample=False)
    assert tot["dense_ops"] == 400.0
    assert tot["effective_acs"] == 55.0
    assert tot["membrane_updates"] == tot["neuron_updates"] == 200.0
    assert tot["activation_sparsity"] == pytest.approx(0.75)
    per = trace.totals()
    assert per == trace.totals(per_sample=True)
    assert per["dense_ops"] == 100.0
    assert per["activation_sparsity"] == pytest.approx(0.75)
    assert set(COUNT_FIELDS) <= set(tot)


def test_adding_runs_adds_counts_and_appends_series():
    trace = make_trace()
    both = trace + make_trace()
    assert both.n_steps == 20
    assert both.layers["fc1"].dense_ops == 800.0
    assert both.layers["fc1"].per_step["effective_macs"].shape == (20,)
    with pytest.raises(ValueError, match="different dt"):
        trace + OpTrace(dt=2e-3)


def test_json_round_trip(tmp_path):
    trace = make_trace()
    trace.value_bytes = 4.0
    path = trace.save_json(tmp_path / "t.json")
    back = OpTrace.load_json(path)
    assert back.totals() == trace.totals()
    assert back.value_bytes == 4.0 and (back.n_samples, back.n_steps) == (trace.n_samples, trace.n_steps)
    np.testing.assert_array_equal(back.layers["fc1"].per_step["effective_macs"],
                                  trace.layers["fc1"].per_step["effective_macs"])
    assert back.layers["lif1"].kind == "population"


def test_layer_sparsity_is_nan_without_activations():
    assert np.isnan(LayerCounts("x", "projection").activation_sparsity)


def test_merge_batches_adds_samples_and_keeps_steps():
    a, b = make_trace(), make_trace()
    merged = a.merge_batches(b)
    assert merged.n_samples == a.n_samples + b.n_samples and merged.n_steps == a.n_steps
    assert merged.totals() == a.totals()  # same counts per sample
    np.testing.assert_array_equal(merged.layers["fc1"].per_step["effective_macs"],
                                  2 * a.layers["fc1"].per_step["effective_macs"])
    longer = make_trace()
    longer.n_steps += 1
    with pytest.raises(ValueError, match="n_steps"):
        a.merge_batches(longer)
