"""Functional calls (F.linear, F.conv*, matmul, @, mm, bmm, einsum) are counted like the modules
they stand for, with their sparsity, and nothing is counted twice."""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from neurosparse.hardware.torch_count import UncountedLayerWarning, count  # noqa: E402

# x: 2 rows, 3 of 4 inputs non-zero in row 0, 2 in row 1; W: 3 x 4 with 6 zeros
X = torch.tensor([[1.5, 0.0, -2.0, 3.0], [0.0, 0.0, 4.0, 1.0]])
W = torch.tensor([[1.0, 0.0, 0.0, 2.0], [0.0, 3.0, 0.0, 0.0], [1.0, 1.0, 1.0, 0.0]])
# hand counts of x @ W.T: dense 2*4*3; effective = sum over rows and outputs of |nz(x) & nz(w)|
# row 0 (inputs 0, 2, 3): outputs 2 + 0 + 2 = 4; row 1 (inputs 2, 3): 1 + 0 + 1 = 2
DENSE, EFFECTIVE, NZ_INPUT, NZ_WEIGHT = 24, 6, (3 + 2) * 3, 2 * 6


class Functional(nn.Module):
    """The issue's example: the weight of a Linear used through F.linear."""

    def __init__(self, style):
        super().__init__()
        self.lin = nn.Linear(4, 3, bias=False)
        with torch.no_grad():
            self.lin.weight.copy_(W)
        self.style = style

    def forward(self, x):
        w = self.lin.weight
        return {"module": lambda: self.lin(x), "linear": lambda: F.linear(x, w), "at": lambda: x @ w.T,
                "matmul": lambda: torch.matmul(x, w.t()), "mm": lambda: x.mm(w.t()),
                "bmm": lambda: torch.bmm(x[None], w.t()[None])[0],
                "einsum": lambda: torch.einsum("bi,oi->bo", x, w),
                "weight_first": lambda: (w @ x.T).T}[self.style]()


@pytest.mark.parametrize("style", ["module", "linear", "at", "matmul", "mm", "bmm", "einsum", "weight_first"])
def test_every_style_of_the_same_linear_map_counts_the_same_hand_counted_ops(style):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no uncounted-layer warning: the weight was counted
        trace = count(Functional(style), X)
    layer = trace.layers["lin"]  # the weight's owner carries the counts
    assert (layer.dense_ops, layer.effective_macs, layer.effective_acs) == (DENSE, EFFECTIVE, 0)
    assert (layer.nonzero_input_ops, layer.nonzero_weight_ops) == (NZ_INPUT, NZ_WEIGHT)
    assert (layer.dense_params, layer.n_nonzero_params, layer.n_params) == (12, 6, 12)
    assert trace.totals(per_sample=False)["dense_ops"] == DENSE  # once, never twice
    assert list(trace.layers) == ["lin"]


def test_spike_inputs_through_functional_calls_are_accumulates():
    x = (X != 0).float()
    layer = count(Functional("linear"), x).layers["lin"]
    assert (layer.effective_acs, layer.synaptic_events, layer.effective_macs) == (EFFECTIVE, EFFECTIVE, 0)


def test_module_calls_are_not_counted_again_by_the_functional_counter():
    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Conv1d(1, 2, 3, padding=1))

    class Wrap(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = net

        def forward(self, x):
            return self.net[2](self.net[1](self.net[0](x)).unsqueeze(1))

    t = count(Wrap(), X).totals(per_sample=False)
    assert t["dense_ops"] == 2 * 4 * 3 + 2 * (2 * 3) * 3  # Linear + Conv1d (padding counted), once each


def test_functional_conv_counts_as_the_conv_module_including_padding():
    torch.manual_seed(0)
    conv = nn.Conv2d(2, 3, 3, padding=1, bias=False)
    with torch.no_grad():
        conv.weight[conv.weight.abs() < 0.1] = 0.0
    x = torch.relu(torch.randn(2, 2, 5, 5))

    class FConv(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = conv

        def forward(self, x):
            return F.conv2d(x, self.conv.weight, None, 1, 1)

    module = count(conv, x).layers["conv2d"]
    functional = count(FConv(), x).layers["conv"]
    for key in ("dense_ops", "effective_macs", "nonzero_input_ops", "nonzero_weight_ops"):
        assert getattr(functional, key) == getattr(module, key), key
    assert functional.dense_ops == 2 * 3 * 25 * 2 * 9


def test_product_of_two_activations_goes_to_a_layer_named_after_module_and_operator():
    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.q = nn.Linear(4, 4, bias=False)

        def forward(self, x):  # [batch, tokens, 4]
            q = self.q(x)
            return torch.softmax(q @ q.transpose(1, 2), -1) @ x

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = Attention()

        def forward(self, x):
            return self.attn(x)

    B, N, D = 2, 5, 4
    trace = count(Net(), torch.randn(B, N, D))
    assert trace.layers["attn.matmul"].kind == "matmul"
    assert trace.layers["attn.matmul"].dense_ops == 2 * B * N * N * D  # q k^T and A v
    assert trace.layers["attn.q"].dense_ops == B * N * D * D


def test_own_parameter_used_functionally_is_counted_not_warned():
    class Dense(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(W.T.clone())

        def forward(self, x):
            return x @ self.w

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer = count(Dense(), X).layers["dense"]
    assert layer.kind == "matmul" and (layer.dense_ops, layer.effective_macs) == (DENSE, EFFECTIVE)
    assert layer.dense_params == 12 and layer.n_nonzero_params == 6

    class Scaled(Dense):  # a parameter no counted call used: still warned
        def __init__(self):
            super().__init__()
            self.gain = nn.Parameter(torch.ones(3))

        def forward(self, x):
            return (x @ self.w) * self.gain

    with pytest.warns(UncountedLayerWarning, match="Scaled"):
        count(Scaled(), X)


def test_neurobench_convention_leaves_functional_calls_out_and_says_so():
    with pytest.warns(UncountedLayerWarning, match="1 functional calls .* left out"):
        trace = count(Functional("linear"), X, neurobench=True)
    assert trace.totals()["dense_ops"] == 0 and trace.convention == "neurobench"


def test_functional_products_count_does_not_know_are_warned_not_silent():
    from neurosparse.hardware.torch_count import UncountedLayerError

    class AddMM(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(W.T.clone())
            self.b = nn.Parameter(torch.zeros(3))

        def forward(self, x):
            return torch.addmm(self.b, x, self.w)

    with pytest.warns(UncountedLayerWarning) as record:
        count(AddMM(), X)
    messages = [str(w.message) for w in record]
    assert any("functional addmm (in 'addmm') is not counted" in m for m in messages)
    assert any("no counter for AddMM" in m for m in messages)  # its parameters were not counted either
    with pytest.raises(UncountedLayerError, match="functional addmm"):
        count(AddMM(), X, strict=True)
