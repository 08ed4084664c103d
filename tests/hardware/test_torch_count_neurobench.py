"""count(..., neurobench=True) and neurobench_metrics reproduce NeuroBench 2.3 exactly: every
metric Benchmark.run returns, equal as numbers (==), on spiking, ReLU, convolutional and
recurrent models, over several batches; and hand counts from NeuroBench's definitions."""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")
snn = pytest.importorskip("snntorch")

from test_torch_count import SpikingNet, conv_net, relu_mlp  # noqa: E402
from torch import nn  # noqa: E402

from neurosparse.hardware.torch_count import UncountedLayerWarning, count  # noqa: E402
from neurosparse.hardware.torch_neurobench import NEURON_OPS, neurobench_metrics  # noqa: E402

ALL = ("ParameterCount", "Footprint", "ConnectionSparsity", "SynapticOperations", "ActivationSparsity",
       "ActivationSparsityByLayer", "MembraneUpdates", "NeuronOperations")


def neurobench_results(net, x, *, spiking, batch_size=None):
    """What neurobench's Benchmark.run returns for ``net`` on ``x`` (dummy labels)."""
    pytest.importorskip("neurobench")
    from neurobench.benchmarks import Benchmark
    from neurobench.metrics import static as st
    from neurobench.metrics import workload as wl
    from neurobench.models import SNNTorchModel, TorchModel
    from torch.utils.data import DataLoader, TensorDataset

    model = SNNTorchModel(net) if spiking else TorchModel(net)
    loader = DataLoader(TensorDataset(x, torch.zeros(len(x))), batch_size=batch_size or len(x))
    metrics = [[st.ParameterCount, st.Footprint, st.ConnectionSparsity],
               [wl.SynapticOperations, wl.ActivationSparsity, wl.ActivationSparsityByLayer,
                wl.MembraneUpdates, wl.NeuronOperations]]
    bench = Benchmark(model, loader, [], [], metrics)
    results = bench.run(quiet=True)
    bench.workload_metric_manager.cleanup_hooks(model)
    return results


def ours_then_neurobench(net, x, *, spiking, batch_size=None):
    """Both, measured on the same model state: NeuroBench's Footprint counts the state buffers
    as the last batch left them, so the model first runs a batch of the last batch's size."""
    size = batch_size or len(x)
    last = len(x) - size * ((len(x) - 1) // size)
    time_first = False if spiking else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UncountedLayerWarning)
        count(net, x[:last], time_first=time_first)
        ours = neurobench_metrics(net, x, time_first=time_first, batch_size=batch_size)
    return ours, neurobench_results(net, x, spiking=spiking, batch_size=batch_size)


@pytest.fixture
def spiking_net():
    torch.manual_seed(0)
    return SpikingNet().eval()


@pytest.mark.parametrize("data", ["real", "spikes"])
@pytest.mark.parametrize("batch_size", [None, 3])
def test_every_metric_equals_neurobench_on_an_snn(spiking_net, data, batch_size):
    g = torch.Generator().manual_seed(1)
    x = 2.0 * torch.randn(8, 6, 20, generator=g) if data == "real" else (
        torch.rand(8, 6, 20, generator=g) < 0.2).float()
    ours, nb = ours_then_neurobench(spiking_net, x, spiking=True, batch_size=batch_size)
    assert set(ours) == set(ALL)
    assert ours == nb  # every value, exactly (8 samples in batches of 3, 3 and 2 included)
    assert isinstance(nb["NeuronOperations"], dict) and nb["NeuronOperations"]["Effective Neuron Ops"] > 0


def test_every_metric_equals_neurobench_on_a_relu_mlp_and_a_padded_conv_net():
    torch.manual_seed(4)
    mlp = relu_mlp().eval()
    ours, nb = ours_then_neurobench(mlp, torch.relu(torch.randn(10, 16)), spiking=False)
    assert ours == nb
    assert nb["NeuronOperations"] == 0.0  # NeuroBench's table has no ReLU: its metric fails to 0.0
    torch.manual_seed(6)
    net = conv_net(padding=1).eval()
    x = torch.relu(torch.randn(6, 1, 12, 12))
    ours, nb = ours_then_neurobench(net, x, spiking=False, batch_size=4)
    assert ours == nb
    default = count(net, x).totals()["dense_ops"]
    assert count(net, x, neurobench=True).totals()["dense_ops"] == nb["SynapticOperations"]["Dense"] < default


def test_a_whole_recurrent_layer_gives_neurobench_s_zero_and_is_left_out_with_a_warning():
    torch.manual_seed(11)
    net = nn.Sequential(nn.GRU(5, 7, batch_first=True))
    ours, nb = ours_then_neurobench(net, torch.randn(3, 4, 5), spiking=False)
    assert ours == nb and nb["SynapticOperations"] == 0.0
    with pytest.warns(UncountedLayerWarning, match=r"layers 0 are left out.*RNN/GRU/LSTM"):
        assert count(net, torch.randn(3, 4, 5), neurobench=True).totals()["dense_ops"] == 0


def test_float32_totals_are_rounded_as_neurobench_rounds_them():
    """Per call NeuroBench sums the layer's float32 output: past 2**24 the sum is rounded."""
    torch.manual_seed(12)
    fc = nn.Linear(999, 1001, bias=False)
    with torch.no_grad():
        fc.weight[torch.rand(fc.weight.shape) < 0.3] = 0.0
    net = nn.Sequential(fc, nn.ReLU())
    x = torch.relu(torch.randn(80, 999))
    exact = count(net, x).totals(per_sample=False)["effective_macs"]
    assert exact > 2**24
    rounded = count(net, x, neurobench=True).totals(per_sample=False)
    assert count(net, x).totals(per_sample=False)["dense_ops"] == 80 * 999 * 1001 > 2**24
    # float32 sums (their rounding depends on torch's reduction, so on the thread count; measured
    # on one thread: 27,922,750 effective and 79,999,928 dense MACs against 27,922,751 and 79,999,920)
    assert rounded["dense_ops"] == pytest.approx(80 * 999 * 1001, rel=1e-6)
    assert rounded["effective_macs"] == pytest.approx(exact, rel=1e-6)
    ours, nb = ours_then_neurobench(net, x, spiking=False)
    assert ours == nb
    assert nb["SynapticOperations"]["Effective_MACs"] == rounded["effective_macs"] / 80


def test_neuron_operations_by_hand_from_neurobench_s_table():
    """Real-valued drive moves every membrane at every step: updates = T * B * n, and each costs
    NeuroBench's operations for the neuron type and reset (Leaky 4; Synaptic, reset to zero, 8)."""
    T, B = 5, 3
    synaptic = snn.Synaptic(alpha=0.8, beta=0.9, init_hidden=True, reset_mechanism="zero")
    for neuron, per_update in ((snn.Leaky(beta=0.9, init_hidden=True), 4), (synaptic, 8)):
        assert NEURON_OPS[type(neuron).__name__][neuron.reset_mechanism] == per_update
        net = nn.Sequential(nn.Linear(4, 6), neuron)
        x = torch.randn(T, B, 4, generator=torch.Generator().manual_seed(3))
        layer = count(net, x, time_first=True).layers["1"]
        assert layer.neuron_updates == layer.dense_neuron_updates == T * B * 6
        assert layer.neuron_ops == layer.dense_neuron_ops == per_update * T * B * 6


def test_activation_sparsity_by_layer_is_keyed_and_pooled_as_neurobench_keys_it():
    """NeuroBench keys a layer by its attribute name, so two blocks' ReLUs named "1" pool."""
    net = nn.Sequential(nn.Sequential(nn.Linear(3, 4), nn.ReLU()), nn.Sequential(nn.Linear(4, 4), nn.ReLU()))
    with torch.no_grad():
        net[0][0].weight.zero_()
        net[0][0].bias.copy_(torch.tensor([1.0, -1.0, 1.0, -1.0]))  # block 0: half the outputs zero
        net[1][0].weight.zero_()
        net[1][0].bias.fill_(-1.0)  # block 1: every output zero
    x = torch.randn(5, 3)
    by_layer = count(net, x).activation_sparsity_by_layer()
    assert by_layer == {"0.1": 0.5, "1.1": 1.0}
    ours = neurobench_metrics(net, x)["ActivationSparsityByLayer"]
    assert ours == {"1": (0.5 * 20 + 1.0 * 20) / 40}
    pytest.importorskip("neurobench")
    assert ours == neurobench_results(net, x, spiking=False)["ActivationSparsityByLayer"]


def test_what_neurobench_does_not_hook_is_left_out_by_name():
    """NeuroBench hooks the model's submodules only, and snnTorch neurons, not ours."""
    from neurosparse.snn.ultralif import UltraLIF

    with pytest.warns(UncountedLayerWarning, match="layers linear are left out"):
        trace = count(nn.Linear(3, 2), torch.randn(4, 3), neurobench=True)
    assert trace.totals()["dense_ops"] == 0 and trace.layers["linear"].n_params == 8
    with pytest.warns(UncountedLayerWarning):
        assert neurobench_metrics(nn.Linear(3, 2), torch.randn(4, 3))["ConnectionSparsity"] is None
    net = nn.Sequential(nn.Linear(3, 5), UltraLIF(5))
    with pytest.warns(UncountedLayerWarning, match="layers 1 are left out"):
        trace = count(net, torch.randn(4, 2, 3), time_first=True, neurobench=True)
    assert trace.layers["1"].activations == 0 and trace.layers["0"].dense_ops == 4 * 2 * 3 * 5


def test_recurrent_cells_with_explicit_state_match_neurobench_and_without_one_warn():
    from test_torch_count import UnrolledCell

    torch.manual_seed(7)
    for cell_type in (nn.RNNCell, nn.GRUCell, nn.LSTMCell):
        net = UnrolledCell(cell_type(5, 7)).eval()
        x = torch.randn(3, 4, 5)
        x[:, :, 1] = 0.0
        ours, nb = ours_then_neurobench(net, x, spiking=False)
        assert ours == nb
    with pytest.warns(UncountedLayerWarning, match="GRUCell called without a state"):
        count(nn.Sequential(nn.GRUCell(3, 4)), torch.randn(2, 3), neurobench=True)
