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


# ------------------------------------------------------------------ invalid counts
@pytest.mark.parametrize("field,value,why", [
    ("dense_ops", -5, ">= 0"), ("effective_acs", float("nan"), ">= 0"),
    ("spikes", float("inf"), ">= 0"), ("neuron_updates", -2.5, ">= 0"),
    ("weight_bytes_read", -1.0, ">= 0"), ("n_params", 3.5, "whole"), ("dense_params", -2, ">= 0"),
    ("state_bytes", float("nan"), ">= 0"), ("activations", "12", "str"), ("spikes", True, "bool"),
])
def test_layer_counts_refuse_invalid_values_naming_the_field(field, value, why):
    from neurosparse.errors import NeurosparseError

    with pytest.raises(NeurosparseError, match=rf"LayerCounts 'fc1': {field} must be .*{why}"):
        LayerCounts("fc1", "linear", **{field: value})


def test_counts_may_be_expected_values_but_parameter_counts_must_be_whole():
    layer = LayerCounts("lif", "population", state_bytes_written=1.5, parameter_bytes=0.5, spikes=0.5)
    assert layer.state_bytes_written == 1.5 and layer.spikes == 0.5  # an expected count
    with pytest.raises(ValueError, match="whole"):
        LayerCounts("lif", "population", n_params=0.5)


@pytest.mark.parametrize("field,value", [("n_samples", 0), ("n_samples", -3), ("n_samples", 2.5),
                                         ("n_steps", 0), ("n_steps", float("nan")), ("dt", 0.0),
                                         ("dt", float("inf")), ("value_bytes", -4.0)])
def test_op_trace_refuses_invalid_sizes_naming_the_field_and_range(field, value):
    from neurosparse.errors import ParameterError

    with pytest.raises(ParameterError, match=rf"OpTrace: {field} must be .*[>]"):
        OpTrace(**{field: value})


def test_totals_refuse_counts_changed_to_invalid_values_after_construction():
    from neurosparse.errors import ParameterError

    trace = make_trace()
    trace.layers["fc1"].dense_ops = -5.0  # the defect: totals() returned -5 / n_samples
    with pytest.raises(ParameterError, match="'fc1': dense_ops must be a finite number >= 0, got -5.0"):
        trace.totals()
    trace = make_trace()
    trace.n_samples = 0
    with pytest.raises(ParameterError, match="n_samples must be a whole number >= 1"):
        trace.totals()


def test_invalid_per_step_series_and_misfiled_layers_are_refused():
    from neurosparse.errors import ParameterError

    with pytest.raises(ParameterError, match=r"per_step\['spikes'\] must be >= 0"):
        LayerCounts("p", "population", per_step={"spikes": np.array([1.0, -1.0])})
    with pytest.raises(ParameterError, match=r"per_step\['spikes'\] must be a finite 1-D array"):
        LayerCounts("p", "population", per_step={"spikes": np.ones((2, 2))})
    with pytest.raises(ParameterError, match="holds the layer named 'b'"):
        OpTrace(layers={"a": LayerCounts("b", "linear")})
    with pytest.raises(ParameterError, match="needs a LayerCounts"):
        OpTrace().add_layer({"name": "fc"})


def test_json_with_a_fractional_sample_count_is_refused_not_truncated(tmp_path):
    from neurosparse.errors import ParameterError

    data = make_trace().to_dict()
    data["n_samples"] = 2.5  # int() would have made it 2
    with pytest.raises(ParameterError, match="n_samples must be a whole number"):
        OpTrace.from_dict(data)


def test_parameter_and_state_bytes_sum_layers_and_do_not_add_over_batches():
    a = OpTrace(n_samples=2)
    a.add_layer(LayerCounts("fc", "linear", parameter_bytes=400.0))
    a.add_layer(LayerCounts("lif", "population", state_bytes=40.0, parameter_bytes=8.0))
    both = a.merge_batches(a)
    assert (a.parameter_bytes, a.state_bytes) == (408.0, 40.0)
    assert (both.parameter_bytes, both.state_bytes) == (408.0, 40.0)  # sizes, not counts


def test_activation_sparsity_by_layer_lists_layers_with_activations():
    assert make_trace().activation_sparsity_by_layer() == {"fc1": pytest.approx(0.75)}
