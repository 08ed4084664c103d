"""Counting PyTorch models: our counts equal NeuroBench's where it defines them, closed forms elsewhere."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
snn = pytest.importorskip("snntorch")

from torch import nn  # noqa: E402

from neurosparse.errors import ParameterError  # noqa: E402
from neurosparse.hardware.sparsity import connection_sparsity  # noqa: E402
from neurosparse.hardware.torch_count import (  # noqa: E402
    Counter,
    UncountedLayerError,
    UncountedLayerWarning,
    count,
    footprint,
    parameter_matrices,
    register_counter,
)


# ------------------------------------------------------------------------- models
class SpikingNet(nn.Module):
    """Linear -> Synaptic -> Linear -> Leaky, one step per call, returning (spikes, mem) as
    NeuroBench's SNNTorchModel expects. fc1 has no bias and pruned weights, so neurons that get
    no input keep their membrane (membrane updates below the dense count)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(20, 30, bias=False)
        self.lif1 = snn.Synaptic(alpha=0.8, beta=0.9, init_hidden=True)
        self.fc2 = nn.Linear(30, 10)
        self.lif2 = snn.Leaky(beta=0.9, init_hidden=True, output=True)
        with torch.no_grad():
            self.fc1.weight.mul_(3.0)
            self.fc1.weight[self.fc1.weight.abs() < 0.3] = 0.0
            self.fc2.weight[:, :5] = 0.0

    def forward(self, x):
        return self.lif2(self.fc2(self.lif1(self.fc1(x))))


def relu_mlp():
    net = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 5),
                        nn.Sigmoid())
    with torch.no_grad():
        net[2].weight[net[2].weight.abs() < 0.05] = 0.0
    return net


def conv_net(padding=0):
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 6, 3, padding=padding), nn.ReLU(), nn.Flatten(),
                         nn.Linear(6 * (3 + 2 * padding) ** 2, 10))


# -------------------------------------------------------------------- NeuroBench
def neurobench_run(net, x, *, spiking, batch_size=None):
    """NeuroBench 2.x's Benchmark on (x, dummy labels): static and workload metrics."""
    pytest.importorskip("neurobench")
    from neurobench.benchmarks import Benchmark
    from neurobench.metrics.static import ConnectionSparsity, Footprint, ParameterCount
    from neurobench.metrics.workload import ActivationSparsity, MembraneUpdates, SynapticOperations
    from neurobench.models import SNNTorchModel, TorchModel
    from torch.utils.data import DataLoader, TensorDataset

    model = SNNTorchModel(net) if spiking else TorchModel(net)
    loader = DataLoader(TensorDataset(x, torch.zeros(len(x))), batch_size=batch_size or len(x))
    bench = Benchmark(model, loader, [], [], [[ParameterCount, Footprint, ConnectionSparsity],
                                             [SynapticOperations, ActivationSparsity, MembraneUpdates]])
    results = bench.run(quiet=True)
    bench.workload_metric_manager.cleanup_hooks(model)
    return results


def assert_matches_neurobench(trace, nb):
    ours = trace.totals(per_sample=True)
    ops = nb["SynapticOperations"]
    assert ours["dense_ops"] == ops["Dense"]
    assert ours["effective_macs"] == ops["Effective_MACs"]
    assert ours["effective_acs"] == ops["Effective_ACs"]
    assert ours["activation_sparsity"] == pytest.approx(nb["ActivationSparsity"], rel=1e-12)
    assert ours["membrane_updates"] == nb["MembraneUpdates"]
    assert sum(layer.n_params for layer in trace.layers.values()) == nb["ParameterCount"]
    assert round(connection_sparsity(trace), 4) == nb["ConnectionSparsity"]


@pytest.fixture
def spiking_net():
    torch.manual_seed(0)
    return SpikingNet().eval()


# ------------------------------------------------------------ agreement with NeuroBench
def test_snn_fed_real_values_matches_neurobench(spiking_net):
    x = 2.0 * torch.randn(8, 12, 20, generator=torch.Generator().manual_seed(1))  # [batch, T, in]
    nb = neurobench_run(spiking_net, x, spiking=True)
    trace = count(spiking_net, x, time_first=False)
    assert_matches_neurobench(trace, nb)
    t = trace.totals(per_sample=True)
    assert t["effective_macs"] > 0 and t["effective_acs"] > 0  # fc1 MACs, fc2 ACs on spikes
    assert t["synaptic_events"] == t["effective_acs"]
    assert t["membrane_updates"] == 40 * 12  # real-valued input moves every membrane


def test_snn_fed_spikes_matches_neurobench_in_both_time_layouts(spiking_net):
    x = (torch.rand(8, 12, 20, generator=torch.Generator().manual_seed(2)) < 0.1).float()
    nb = neurobench_run(spiking_net, x, spiking=True)
    batch_first = count(spiking_net, x, time_first=False)
    time_first = count(spiking_net, x.transpose(0, 1), time_first=True)
    for trace in (batch_first, time_first):
        assert_matches_neurobench(trace, nb)
        assert trace.n_samples == 8 and trace.n_steps == 12
    t = time_first.totals(per_sample=True)
    assert t["effective_macs"] == 0 and t["effective_acs"] > 0
    assert 0 < t["membrane_updates"] < 40 * 12  # silent neurons keep their membrane
    lif1 = time_first.layers["lif1"]
    assert lif1.kind == "population" and lif1.spikes == lif1.nonzero_activations


def test_accumulated_metrics_match_neurobench_over_several_batches(spiking_net):
    x = (torch.rand(8, 6, 20, generator=torch.Generator().manual_seed(3)) < 0.2).float()
    nb = neurobench_run(spiking_net, x, spiking=True, batch_size=4)
    first = count(spiking_net, x[:4], time_first=False, per_step=True)
    second = count(spiking_net, x[4:], time_first=False, per_step=True)
    both = first.merge_batches(second)
    assert both.n_samples == 8 and both.n_steps == first.n_steps
    tot = both.totals()  # per sample over all 8
    assert tot["dense_ops"] == nb["SynapticOperations"]["Dense"]
    assert tot["effective_acs"] == nb["SynapticOperations"]["Effective_ACs"]
    assert tot["neuron_updates"] == nb["MembraneUpdates"]
    for layer in both.layers.values():  # per-step series add step by step
        for key, series in layer.per_step.items():
            if not hasattr(layer, key):
                continue  # series-only counts (dense_neuron_updates)
            assert len(series) == both.n_steps
            assert np.sum(series) == pytest.approx(getattr(layer, key))


def test_relu_mlp_matches_neurobench():
    torch.manual_seed(4)
    net = relu_mlp().eval()
    x = torch.relu(torch.randn(10, 16))
    assert_matches_neurobench(count(net, x), neurobench_run(net, x, spiking=False))


def test_conv_net_matches_neurobench_without_padding():
    torch.manual_seed(5)
    net = conv_net(padding=0).eval()
    x = torch.relu(torch.randn(6, 1, 12, 12))
    trace = count(net, x)
    assert_matches_neurobench(trace, neurobench_run(net, x, spiking=False))
    assert trace.layers["2"].kind == "pool" and trace.layers["2"].dense_ops == 0  # pooling: no synops


def test_conv_padding_counts_in_dense_ops_but_not_in_neurobench():
    torch.manual_seed(6)
    net = conv_net(padding=1).eval()
    x = torch.relu(torch.randn(6, 1, 12, 12))
    trace = count(net, x)
    nb = neurobench_run(net, x, spiking=False)["SynapticOperations"]
    ours = trace.totals(per_sample=True)
    assert ours["effective_macs"] == nb["Effective_MACs"]
    # second conv: 4x5x5 input, 6 outputs, k=3, padding 1 -> 5x5 outputs
    assert trace.layers["3"].dense_ops / 6 == 6 * 5 * 5 * 4 * 9
    in_bounds = sum(sum(0 <= o - 1 + k < 5 for k in range(3)) for o in range(5))  # per axis: 13
    padded = 6 * 4 * (25 * 9 - in_bounds**2)
    assert ours["dense_ops"] - nb["Dense"] == padded


def test_rnn_cells_with_explicit_state_match_neurobench():
    pytest.importorskip("neurobench")
    torch.manual_seed(7)
    for cell_type in (nn.RNNCell, nn.GRUCell, nn.LSTMCell):
        net = UnrolledCell(cell_type(5, 7)).eval()
        x = torch.randn(3, 4, 5)
        x[:, :, 1] = 0.0
        nb = neurobench_run(net, x, spiking=False)["SynapticOperations"]
        ours = count(net, x).totals(per_sample=True)
        assert (ours["dense_ops"], ours["effective_macs"]) == (nb["Dense"], nb["Effective_MACs"])


def test_package_spiking_mlp_matches_neurobench():
    from neurosparse.snn.baseline import SpikingMLP

    class WithMembrane(nn.Module):  # SNNTorchModel unpacks (spikes, _) from each step
        def __init__(self, mlp):
            super().__init__()
            self.mlp = mlp

        def reset(self):
            self.mlp.reset()

        def forward(self, x):
            return self.mlp(x), None

    torch.manual_seed(8)
    mlp = SpikingMLP(n_in=16, n_hidden=24, n_out=4).eval()
    x = (torch.rand(5, 10, 16, generator=torch.Generator().manual_seed(9)) < 0.3).float()
    nb = neurobench_run(WithMembrane(mlp), x, spiking=True)
    assert_matches_neurobench(count(mlp, x.transpose(0, 1), time_first=True), nb)


def test_footprint_is_neurobench_footprint(spiking_net):
    pytest.importorskip("neurobench")
    from neurobench.metrics.static import Footprint
    from neurobench.models import SNNTorchModel

    count(spiking_net, torch.rand(3, 2, 20), time_first=True)
    assert footprint(spiking_net) == Footprint()(SNNTorchModel(spiking_net))


# ---------------------------------------------------------------- recurrent layers
class UnrolledCell(nn.Module):
    """A cell looped over time from an explicit non-zero initial state."""

    def __init__(self, cell):
        super().__init__()
        self.cell = cell

    def forward(self, x, h=None):
        g = torch.Generator().manual_seed(10)
        if h is None:
            h = torch.randn(x.shape[0], self.cell.hidden_size, generator=g)
            if isinstance(self.cell, nn.LSTMCell):
                h = (h, 0.5 * torch.randn(x.shape[0], self.cell.hidden_size, generator=g))
        for t in range(x.shape[1]):
            h = self.cell(x[:, t], h)
        return h[0] if isinstance(h, tuple) else h


def test_neurobench_reports_zero_for_whole_gru_and_lstm_layers_we_count_them():
    torch.manual_seed(11)
    for layer in (nn.GRU(5, 7, batch_first=True), nn.LSTM(5, 7, batch_first=True)):
        net = nn.Sequential(layer)
        x = torch.randn(3, 4, 5)
        nb = neurobench_run(net, x, spiking=False)
        assert nb["SynapticOperations"] == 0.0  # NeuroBench raises inside and reports 0.0
        gates = 3 if isinstance(layer, nn.GRU) else 4
        assert count(net, x).totals(per_sample=True)["dense_ops"] == 4 * (gates * 7 * (5 + 7) + 3 * 7)


def test_stacked_bidirectional_gru_dense_ops_closed_form():
    I, H, T, B = 5, 6, 7, 3
    torch.manual_seed(12)
    gru = nn.GRU(I, H, num_layers=2, bidirectional=True).eval()
    trace = count(gru, torch.randn(T, B, I), n_samples=B)
    per_dir = (3 * H * (I + H) + 3 * H) + (3 * H * (2 * H + H) + 3 * H)
    layer = trace.layers["gru"]
    assert layer.dense_ops == B * T * 2 * per_dir
    assert trace.n_steps == T and trace.n_samples == B
    assert layer.dense_params == layer.n_params == sum(p.numel() for p in gru.parameters())
    # generic real data: every product is effective but those with the zero initial state
    # (each layer and direction's first step: W_hh h_0 and z*h_0)
    assert layer.effective_macs == layer.dense_ops - B * 2 * 2 * (3 * H * H + H)


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
def test_projected_lstm_dense_ops_closed_form():
    I, H, P, T, B = 4, 6, 3, 5, 2
    torch.manual_seed(13)
    lstm = nn.LSTM(I, H, num_layers=2, proj_size=P, bidirectional=True, batch_first=True).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UncountedLayerWarning)  # the replay reproduces the output
        trace = count(lstm, torch.randn(B, T, I))
    per_dir = (4 * H * (I + P) + P * H + 3 * H) + (4 * H * (2 * P + P) + P * H + 3 * H)
    assert trace.layers["lstm"].dense_ops == B * T * 2 * per_dir


def test_gru_effective_macs_skip_zero_inputs_and_zero_weights():
    I, H, T, B, dead = 6, 5, 4, 3, 2
    torch.manual_seed(14)
    gru = nn.GRU(I, H).eval()
    with torch.no_grad():
        gru.weight_hh_l0[:, 0] = 0.0  # one hidden unit's recurrent column pruned
    x = torch.randn(T, B, I)
    x[:, :, :dead] = 0.0  # two input features always zero
    layer = count(gru, x, n_samples=B).layers["gru"]
    G = 3
    ih = T * B * G * H * (I - dead)
    # h_0 = 0: no hidden products at the first step; afterwards every h is non-zero
    hh = (T - 1) * B * (G * H * H - G * H)
    gate_products = B * H * (3 * T - 1)  # r*(W_hn h + b_hn), (1-z)*n every step; z*h from step 2
    assert layer.effective_macs == ih + hh + gate_products
    assert layer.nonzero_input_ops == T * B * G * H * (I - dead) + (T - 1) * B * G * H * H + gate_products
    assert layer.dense_ops == T * B * (G * H * (I + H) + 3 * H)


def test_whole_layer_counts_equal_the_unrolled_cell_that_neurobench_counts():
    I, H, T, B = 4, 5, 6, 2
    torch.manual_seed(15)
    gru = nn.GRU(I, H, batch_first=True).eval()
    cell = nn.GRUCell(I, H)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(gru, name + "_l0"))
    x = torch.randn(B, T, I)
    h0 = torch.randn(B, H, generator=torch.Generator().manual_seed(10))
    whole = count(gru, (x, h0.unsqueeze(0))).totals()
    unrolled = count(UnrolledCell(cell).eval(), x).totals()
    for key in ("dense_ops", "effective_macs", "nonzero_input_ops", "nonzero_weight_ops"):
        assert whole[key] == unrolled[key]


def test_cell_without_state_counts_dense_hidden_products():
    cell = nn.LSTMCell(3, 4)
    t = count(cell, torch.randn(2, 3)).totals(per_sample=False)  # batch of 2
    assert t["dense_ops"] == 2 * (4 * 4 * (3 + 4) + 3 * 4)
    assert t["effective_macs"] == 2 * (4 * 4 * 3 + 2 * 4)  # h = c = 0: only i*g, o*tanh(c)


# ---------------------------------------------------------------- layer by layer
def test_linear_counts_every_operand_subset_exactly():
    fc = nn.Linear(3, 2)
    with torch.no_grad():
        fc.weight.copy_(torch.tensor([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0]]))
    layer = count(fc, torch.tensor([[0.0, 5.0, 7.0]])).layers["linear"]
    assert (layer.dense_ops, layer.nonzero_input_ops, layer.nonzero_weight_ops, layer.effective_macs) == (
        6, 4, 3, 2)
    assert layer.weight_bytes_read == 4 * 8  # 6 weights and 2 biases, float32
    assert layer.activation_bytes_read == 12 and layer.activation_bytes_written == 8
    assert (layer.n_params, layer.dense_params, layer.n_nonzero_params) == (8, 6, 3)


def test_ternary_inputs_are_accumulates():
    fc = nn.Linear(4, 3)
    t = count(fc, torch.tensor([[1.0, -1.0, 0.0, 1.0]])).totals()
    assert t["effective_acs"] == t["synaptic_events"] == 9 and t["effective_macs"] == 0


def test_per_step_series_sum_to_totals(spiking_net):
    x = (torch.rand(7, 4, 20, generator=torch.Generator().manual_seed(16)) < 0.2).float()
    trace = count(spiking_net, x, time_first=True, per_step=True)
    for layer in trace.layers.values():
        for key, series in layer.per_step.items():
            assert series.shape == (7,)
            if key != "dense_neuron_updates":
                assert series.sum() == pytest.approx(getattr(layer, key))
    lif = trace.layers["lif2"]
    assert lif.per_step["dense_neuron_updates"].sum() == 7 * 4 * 10
    assert lif.per_step["neuron_updates"][0] == 4 * 10  # the first call updates every neuron


def test_unknown_module_with_parameters_warns_or_raises_in_strict_mode():
    class Scale(nn.Module):
        def __init__(self):
            super().__init__()
            self.gain = nn.Parameter(torch.ones(4))

        def forward(self, x):
            return x * self.gain

    net = nn.Sequential(nn.Linear(4, 4), Scale())
    with pytest.warns(UncountedLayerWarning, match="Scale"):
        trace = count(net, torch.randn(2, 4))
    assert trace.layers["1"].kind == "uncounted" and trace.layers["1"].n_params == 4
    with pytest.raises(UncountedLayerError, match="Scale"):
        count(net, torch.randn(2, 4), strict=True)


def test_parameter_free_modules_are_silent():
    net = nn.Sequential(nn.Flatten(), nn.Dropout(0.0), nn.Linear(6, 2), nn.Tanh())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trace = count(net, torch.randn(3, 2, 3))
    assert list(trace.layers) == ["2"]


def test_own_neurons_plug_in_through_a_counter(monkeypatch):
    class StepNeuron(nn.Module):
        def forward(self, x):
            return (x > 0.5).float()

    def count_step(module, args, output, state):
        return {"neuron_updates": output.numel(), "spikes": int(output.sum()),
                "activations": output.numel(), "nonzero_activations": int(output.sum())}

    net = nn.Sequential(nn.Linear(3, 5), StepNeuron())
    x = torch.randn(4, 2, 3)
    local = count(net, x, time_first=True, counters={StepNeuron: Counter(count_step, "population")})
    from neurosparse.hardware import torch_count

    monkeypatch.setattr(torch_count, "_COUNTERS", {})
    register_counter(StepNeuron, count_step, kind="population")
    registered = count(net, x, time_first=True)
    for trace in (local, registered):
        assert trace.layers["1"].kind == "population"
        assert trace.layers["1"].neuron_updates == 4 * 2 * 5
    assert registered.totals() == local.totals()


def test_parameter_matrices_cover_every_parameter():
    net = relu_mlp()
    mats = parameter_matrices(net)
    assert set(mats) == {"0", "2", "4"}
    assert sum(m.size for ms in mats.values() for m in ms) == sum(p.numel() for p in net.parameters())
    assert mats["0"][0].shape == (32, 16) and mats["0"][1].shape == (1, 32)


def test_trace_round_trips_through_json(tmp_path, spiking_net):
    from neurosparse.optrace import OpTrace

    trace = count(spiking_net, torch.rand(3, 2, 20), time_first=True, per_step=True)
    back = OpTrace.load_json(trace.save_json(tmp_path / "t.json"))
    assert back.totals() == trace.totals()
    np.testing.assert_array_equal(back.layers["fc1"].per_step["dense_ops"],
                                  trace.layers["fc1"].per_step["dense_ops"])


class _Log(nn.Module):
    """Parameter-free (so not counted itself): log of its input, NaN for negative values."""

    def forward(self, x):
        return torch.log(x)


def _calls(model):
    """A list that grows by one on every forward call of ``model``."""
    calls = []
    model.register_forward_pre_hook(lambda module, args: calls.append(1))
    return calls


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_inputs_are_refused_naming_the_input_count_and_position_before_counting(bad):
    net = relu_mlp()
    calls = _calls(net)
    x = torch.rand(6, 16)
    x[4, 7] = bad
    x[5, 0] = bad
    with pytest.raises(ParameterError, match=r"inputs holds 2 non-finite values .* out of 96, the first at "
                                             r"index \(4, 7\)"):
        count(net, x)
    assert calls == []  # refused before the model ran: nothing counted
    # time-first inputs give the position with the time axis; a sequence names the argument
    seq = torch.rand(3, 2, 16)
    seq[2, 1, 3] = bad
    with pytest.raises(ParameterError, match=r"inputs holds 1 non-finite values .* index \(2, 1, 3\)"):
        count(net, seq, time_first=True)
    with pytest.raises(ParameterError, match=r"inputs\[1\] holds 1 non-finite"):
        count(nn.Bilinear(16, 16, 2), (torch.rand(2, 16), seq[2]))
    assert calls == []


def test_non_finite_weights_are_refused_naming_the_parameter_before_counting():
    net = relu_mlp()
    with torch.no_grad():
        net[2].weight[3, 1] = float("nan")
    calls = _calls(net)
    with pytest.raises(ParameterError, match=r"parameter '2.weight' of the model holds 1 non-finite values "
                                             r".* index \(3, 1\) \(nan\)"):
        count(net, torch.rand(4, 16))
    assert calls == []


def test_nan_reaching_a_counted_layer_is_refused_not_counted_as_nonzero_macs():
    net = nn.Sequential(nn.Linear(8, 8), _Log(), nn.Linear(8, 3))
    with torch.no_grad():
        net[0].bias.fill_(-10.0)  # every input of the log is negative: NaN reaches layer '2'
    with pytest.raises(ParameterError, match=r"input 0 of layer '2' at call 0 holds 8 non-finite values"):
        count(net, torch.rand(1, 8))


def test_importing_the_package_does_not_import_torch():
    import subprocess

    code = ("import sys, neurosparse.hardware, neurosparse.hardware.sparsity; "
            "assert 'torch' not in sys.modules; from neurosparse.hardware import count; "
            "assert 'torch' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
