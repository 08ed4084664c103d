"""Parameters and state reported apart: neither depends on the batch the model last ran, while
NeuroBench's Footprint (parameters plus every buffer) does."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
snn = pytest.importorskip("snntorch")

from test_torch_count import SpikingNet  # noqa: E402  (fc1 20-30, Synaptic, fc2 30-10, Leaky)
from torch import nn  # noqa: E402

from neurosparse.hardware.torch_count import count, footprint  # noqa: E402


def constant_buffer_bytes(m: nn.Module) -> int:
    return sum(b.numel() * b.element_size() for name, b in m.named_buffers()
               if name.rsplit(".", 1)[-1] not in ("mem", "syn"))


def test_parameter_and_state_bytes_do_not_depend_on_the_last_batch_but_footprint_does():
    net = SpikingNet().eval()
    params = 4 * (20 * 30 + 30 * 10 + 10)  # float32 weights and fc2's bias
    constants = constant_buffer_bytes(net)  # snnTorch's alpha, beta, threshold, ... scalars
    fresh = footprint(net)
    assert fresh == params + constants  # the state buffers are still empty
    traces = {}
    for batch in (1, 64):
        traces[batch] = count(net, torch.rand(3, batch, 20), time_first=True)
        # Synaptic holds syn and mem (30 + 30 floats), Leaky mem (10): per sample 70 floats
        assert traces[batch].state_bytes == 70 * 4
        assert traces[batch].parameter_bytes == params + constants
        assert footprint(net) == params + constants + batch * 70 * 4  # NeuroBench's: grows with the batch
    assert traces[1].layers["lif1"].state_bytes == 60 * 4 and traces[1].layers["fc1"].state_bytes == 0


def test_constant_non_persistent_buffers_are_parameters_not_state():
    from neurosparse.snn.ultralif import UltraDLIF

    neuron = UltraDLIF(16, topology="ring")  # its neighbour table is a non-persistent constant
    trace = count(nn.Sequential(nn.Linear(4, 16), neuron), torch.rand(5, 3, 4), time_first=True)
    layer = trace.layers["1"]
    assert layer.parameter_bytes == 16 * 2 * 8 + 4 * neuron.log_eps.numel()  # int64 neighbours, eps
    assert layer.state_bytes == 16 * 4  # the membrane returned with the spikes, one per neuron


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
def test_recurrent_layers_hold_h_and_c_per_layer_and_direction():
    H, B = 5, 3
    gru = count(nn.GRU(4, H, num_layers=2, bidirectional=True), torch.randn(6, B, 4), n_samples=B)
    lstm = count(nn.LSTM(4, H, proj_size=2), torch.randn(6, B, 4), n_samples=B)
    assert gru.state_bytes == 2 * 2 * H * 4  # h of 2 layers x 2 directions, float32
    assert lstm.state_bytes == (2 + H) * 4  # projected h (2) and c (H)
    cell = count(nn.LSTMCell(4, H), torch.randn(B, 4))
    assert cell.state_bytes == 2 * H * 4
