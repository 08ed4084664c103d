"""Spatial sparsity: compressed-format byte formulas and the skip/gate transforms of a trace."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurosparse.errors import ParameterError, UnknownNameError
from neurosparse.hardware.sparsity import (
    FormatBytes,
    connection_sparsity,
    format_bytes,
    skip,
    skip_layer,
    with_weight_formats,
)
from neurosparse.optrace import LayerCounts, OpTrace

MATRIX = np.array([[0.0, 2.0, 0.0, 0.0],
                   [1.0, 0.0, 0.0, 3.0],
                   [0.0, 0.0, 0.0, 0.0]])  # R = 3, C = 4, n = 12, nnz = 3


# ----------------------------------------------------------------------- formats
@pytest.mark.parametrize("fmt, values, metadata", [
    ("dense", 12 * 4, 0),
    ("bitmask", 3 * 4, math.ceil(12 / 8)),
    ("csr", 3 * 4, 3 * 2 + (3 + 1) * 2),
    ("coo", 3 * 4, 2 * 3 * 2),
    ("rle", 3 * 4, 3 * 2),
])
def test_format_bytes_follow_the_documented_formulas(fmt, values, metadata):
    fb = format_bytes(MATRIX, fmt, value_bytes=4, index_bytes=2)
    assert (fb.value_bytes, fb.metadata_bytes) == (values, metadata)
    assert (fb.n, fb.nnz, fb.dense_bytes) == (12, 3, 48)
    assert fb.total_bytes == values + metadata


def test_csr_row_pointers_may_be_wider_than_indices():
    fb = format_bytes(MATRIX, "csr", value_bytes=2, index_bytes=1, pointer_bytes=4)
    assert (fb.value_bytes, fb.metadata_bytes) == (6, 3 * 1 + 4 * 4)


def test_rle_breaks_long_runs_with_fillers():
    # 5-bit run fields (Eyeriss): max run 31; a filler covers 32 zeros
    flat = np.zeros(100)
    flat[[3, 70, 99]] = 1.0  # gaps 3, 66, 28 -> fillers 0, 2, 0
    fb = format_bytes(flat, "rle", value_bytes=2, index_bytes=5 / 8)
    assert fb.value_bytes == 5 * 2 and fb.metadata_bytes == pytest.approx(5 * 5 / 8)
    # a 1-bit run field: runs of at most 1, gaps 1, 2, 2 in MATRIX's row-major order
    fb = format_bytes(MATRIX, "rle", value_bytes=4, index_bytes=1 / 8)
    assert fb.value_bytes == (3 + 0 + 1 + 1) * 4


def reference_rle_entries(flat, max_run):
    """A straightforward run-length encoder: (run, value) pairs, fillers (max_run, 0), trailing
    zeros dropped."""
    entries, pending, run = 0, 0, 0
    for v in flat:
        if v == 0:
            if run == max_run:
                pending += 1  # filler: run max_run followed by a stored zero
                run = 0
            else:
                run += 1
        else:
            entries += pending + 1
            pending = run = 0
    return entries


@pytest.mark.parametrize("density, index_bytes", [(0.05, 0.25), (0.3, 0.375), (0.01, 0.5), (0.5, 1)])
def test_rle_matches_a_reference_encoder(density, index_bytes):
    rng = np.random.default_rng(0)
    a = (rng.random((13, 37)) < density) * rng.standard_normal((13, 37))
    fb = format_bytes(a, "rle", value_bytes=1, index_bytes=index_bytes)
    assert fb.value_bytes == reference_rle_entries(a.ravel(), 2 ** int(8 * index_bytes) - 1)


def test_mask_and_values_cost_the_same_and_parts_add():
    mask = MATRIX != 0
    for fmt in ("bitmask", "csr", "coo", "rle"):
        assert format_bytes(mask, fmt) == format_bytes(MATRIX, fmt)
    bias = np.array([0.0, 1.0, 2.0])
    both = format_bytes([MATRIX, bias], "csr", index_bytes=2)
    assert both == format_bytes(MATRIX, "csr", index_bytes=2) + format_bytes(bias, "csr", index_bytes=2)
    assert both.n == 15 and both.nnz == 5
    # higher ranks are viewed as (d0, d1 * ...): a conv kernel's rows are output channels
    kernel = np.ones((4, 2, 3, 3))
    assert format_bytes(kernel, "csr", index_bytes=1).metadata_bytes == 72 * 1 + 5 * 1


def test_sparse_formats_pay_off_only_when_sparse():
    rng = np.random.default_rng(1)
    sparse = (rng.random((64, 64)) < 0.05) * 1.0
    dense = np.ones((64, 64))
    assert format_bytes(sparse, "csr").compression > 1 > format_bytes(dense, "csr").compression
    assert format_bytes(dense, "dense").compression == 1


def test_format_bytes_rejects_bad_arguments():
    with pytest.raises(ParameterError, match="fmt"):
        format_bytes(MATRIX, "ell")
    with pytest.raises(ParameterError, match="value_bytes"):
        format_bytes(MATRIX, "csr", value_bytes=0)
    with pytest.raises(ParameterError, match="whole number of bits"):
        format_bytes(MATRIX, "rle", index_bytes=0.3)


# ---------------------------------------------------------------------- skipping
def linear_layer(**extra):
    """Counts of Linear W = [[1,0,2],[0,0,3]] on x = [0,5,7] (see test_torch_count)."""
    return LayerCounts("fc", "linear", dense_ops=6, effective_macs=2, nonzero_input_ops=4,
                       nonzero_weight_ops=3, weight_bytes_read=32, n_params=8, n_nonzero_params=3,
                       dense_params=6, **extra)


def spiking_layer():
    return LayerCounts("fc2", "linear", dense_ops=100, effective_acs=12, synaptic_events=12,
                       nonzero_input_ops=20, nonzero_weight_ops=60,
                       per_step={"dense_ops": np.array([50.0, 50.0]),
                                 "effective_acs": np.array([5.0, 7.0]),
                                 "nonzero_input_ops": np.array([8.0, 12.0]),
                                 "nonzero_weight_ops": np.array([30.0, 30.0])})


def small_trace():
    trace = OpTrace(n_samples=2, n_steps=2, source="test")
    trace.add_layer(linear_layer())
    trace.add_layer(spiking_layer())
    trace.add_layer(LayerCounts("lif", "population", neuron_updates=40, spikes=9, activations=40,
                                nonzero_activations=9))
    return trace


@pytest.mark.parametrize("activations, weights, executed", [
    (True, True, 2), (True, False, 4), (False, True, 3), (False, False, 6)])
def test_skip_executes_the_documented_operand_subset(activations, weights, executed):
    skipped = skip_layer(linear_layer(), activations, weights, "skip")
    assert skipped.effective_macs == executed and skipped.gated_ops == 0
    gated = skip_layer(linear_layer(), activations, weights, "gate")
    assert gated.effective_macs == executed and gated.gated_ops == 6 - executed
    assert skipped.dense_ops == gated.dense_ops == 6


def test_gating_issues_every_op_and_skipping_issues_only_the_executed():
    trace = small_trace()
    for activations in (True, False):
        for weights in (True, False):
            gated = skip(trace, activations, weights, mode="gate")
            skipped = skip(trace, activations, weights, mode="skip")
            for name in ("fc", "fc2"):
                g, s = gated.layers[name], skipped.layers[name]
                assert g.effective_macs + g.effective_acs + g.gated_ops == trace.layers[name].dense_ops
                assert (g.effective_macs, g.effective_acs) == (s.effective_macs, s.effective_acs)
                assert s.gated_ops == 0


def test_skipping_more_operands_never_executes_more():
    trace = small_trace()
    executed = {}
    for a in (True, False):
        for w in (True, False):
            t = skip(trace, a, w).totals()
            executed[a, w] = t["effective_macs"] + t["effective_acs"]
    assert executed[True, True] <= min(executed[True, False], executed[False, True])
    assert max(executed[True, False], executed[False, True]) <= executed[False, False]
    assert executed[False, False] == trace.totals()["dense_ops"]
    assert executed[True, True] == trace.totals()["effective_macs"] + trace.totals()["effective_acs"]


def test_skip_keeps_the_kind_of_op_and_leaves_other_layers_alone():
    trace = small_trace()
    dense = skip(trace, activations=False, weights=False)
    assert dense.layers["fc2"].effective_acs == 100 and dense.layers["fc2"].effective_macs == 0
    assert dense.layers["fc"].effective_macs == 6
    assert dense.layers["lif"] == trace.layers["lif"]
    assert dense.layers["fc2"].synaptic_events == 12
    assert trace.layers["fc2"].effective_acs == 12  # the input trace is not modified


def test_skip_transforms_per_step_series_consistently():
    trace = small_trace()
    gated = skip(trace, activations=True, weights=False, mode="gate")
    layer = gated.layers["fc2"]
    np.testing.assert_array_equal(layer.per_step["effective_acs"], [8.0, 12.0])
    np.testing.assert_array_equal(layer.per_step["gated_ops"], [42.0, 38.0])
    for key in ("effective_acs", "gated_ops"):
        assert layer.per_step[key].sum() == getattr(layer, key)


def test_skip_refuses_what_a_trace_without_operand_counts_cannot_tell():
    # an event-core projection records effective ACs but no operand counts
    trace = OpTrace()
    trace.add_layer(LayerCounts("proj", "projection", dense_ops=1000, effective_acs=50,
                                synaptic_events=50, n_params=100, n_nonzero_params=100,
                                dense_params=1000))
    assert skip(trace).layers["proj"].effective_acs == 50
    with pytest.raises(ParameterError, match="nonzero_input_ops"):
        skip(trace, activations=True, weights=False)
    with pytest.raises(ParameterError, match="nonzero_weight_ops"):
        skip(trace, activations=False, weights=True)
    with pytest.raises(ParameterError, match="already gated"):
        skip(skip(small_trace(), mode="gate"), mode="gate")
    with pytest.raises(ParameterError, match="mode"):
        skip(small_trace(), mode="drop")


def test_weight_formats_scale_weight_reads_and_add_metadata():
    weights = [np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0]]), np.array([0.5, 0.0])]
    fb = format_bytes(weights, "csr", value_bytes=4, index_bytes=2)
    assert (fb.n, fb.nnz, fb.value_bytes, fb.metadata_bytes) == (8, 4, 16, 4 * 2 + 3 * 2 + 2 * 2)
    trace = small_trace()
    out = with_weight_formats(trace, {"fc": fb})
    assert out.layers["fc"].weight_bytes_read == 32 * 16 / 32
    assert out.layers["fc"].metadata_bytes_read == 32 * 18 / 32
    assert skip(trace, weight_formats={"fc": fb}).layers["fc"].metadata_bytes_read == 18
    with pytest.raises(UnknownNameError, match="conv9"):
        with_weight_formats(trace, {"conv9": fb})
    with pytest.raises(ParameterError, match="weight and bias"):
        with_weight_formats(trace, {"fc": format_bytes(weights[0], "csr")})


def test_connection_sparsity_over_synaptic_layers():
    trace = small_trace()
    assert connection_sparsity(trace) == pytest.approx(1 - 3 / 6)
    assert math.isnan(connection_sparsity(OpTrace()))


def test_skip_on_a_counted_model_is_exact():
    torch = pytest.importorskip("torch")
    from neurosparse.hardware.torch_count import count, parameter_matrices

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(12, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
    with torch.no_grad():
        net[2].weight[net[2].weight.abs() < 0.2] = 0.0
    x = torch.relu(torch.randn(5, 12))
    trace = count(net, x)
    hidden = torch.relu(net[0](x))
    w = net[2].weight
    layer = skip(trace, activations=True, weights=False).layers["2"]
    assert layer.effective_macs == int((hidden != 0).sum()) * 4
    layer = skip(trace, activations=False, weights=True).layers["2"]
    assert layer.effective_macs == 5 * int((w != 0).sum())
    fmts = {name: format_bytes(ms, "bitmask") for name, ms in parameter_matrices(net).items()}
    assert isinstance(fmts["2"], FormatBytes)
    compressed = skip(trace, weight_formats=fmts)
    assert compressed.layers["2"].weight_bytes_read < trace.layers["2"].weight_bytes_read
