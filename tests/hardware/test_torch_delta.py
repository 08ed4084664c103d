"""The Delta Activation Layer: outputs, straight-through gradients, loss, delta inference, counting."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from neurosparse.errors import ParameterError  # noqa: E402
from neurosparse.hardware.torch_delta import (  # noqa: E402
    DeltaAccumulator,
    DeltaActivationLayer,
    fan_out_of,
    measure_delta_sparsity,
)


def quantized(x, step):
    return step * torch.round(torch.relu(x) / step)


def sequence(t=6, batch=3, features=(4, 5), seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(t, batch, *features, generator=gen)


def test_output_is_the_change_of_quantized_activations_between_frames():
    x = sequence()
    layer = DeltaActivationLayer(step_size=0.25)
    out = layer(x)
    q = quantized(x, 0.25)
    torch.testing.assert_close(out[1:], q[1:] - q[:-1])
    torch.testing.assert_close(out[0], q[0])  # first frame: the activation itself
    assert torch.all(torch.remainder(q, 0.25) < 1e-6)


def test_activation_output_and_frame_by_frame_calls_agree_with_the_sequence_call():
    x = sequence(seed=1)
    whole = DeltaActivationLayer(0.2)(x)
    stepwise = DeltaActivationLayer(0.2, time_first=False)
    frames = torch.stack([stepwise(x[t]) for t in range(len(x))])
    torch.testing.assert_close(frames, whole)
    chunked = DeltaActivationLayer(0.2)
    torch.testing.assert_close(torch.cat([chunked(x[:2]), chunked(x[2:])]), whole)  # state carries
    chunked.reset_state()
    torch.testing.assert_close(chunked(x), whole)
    activation = DeltaActivationLayer(0.2, output="activation")
    torch.testing.assert_close(activation(x), quantized(x, 0.2))
    torch.testing.assert_close(activation.last_delta, whole)


def test_gradient_flows_through_the_straight_through_estimator_to_step_and_input():
    x = sequence(seed=2).requires_grad_()
    layer = DeltaActivationLayer(0.3, output="activation")
    upstream = torch.randn(x.shape, generator=torch.Generator().manual_seed(0))
    (layer(x) * upstream).sum().backward()
    # d q / d x = 1 where x > 0 (rounding passed straight through), 0 elsewhere (ReLU)
    torch.testing.assert_close(x.grad, upstream * (x > 0))
    # d q / d s = round(x/s) - x/s, and s = exp(log_s), so d/d log_s = s * d/d s
    s = layer.step_size.item()
    y = torch.relu(x.detach()).double() / s
    terms = upstream.double() * (torch.round(y) - y) * s
    assert layer.log_step_size.grad is not None and layer.log_step_size.grad.abs() > 0
    tolerance = 1e-5 * terms.abs().sum().item()
    assert layer.log_step_size.grad.item() == pytest.approx(terms.sum().item(), abs=tolerance)


def test_delta_output_passes_gradients_too():
    x = sequence(seed=3).requires_grad_()
    layer = DeltaActivationLayer(0.3)
    (layer(x) * torch.randn(x.shape, generator=torch.Generator().manual_seed(1))).sum().backward()
    assert x.grad.abs().sum() > 0 and layer.log_step_size.grad.abs() > 0


def test_sparsity_loss_is_fan_out_times_mean_abs_change_and_scales_with_fan_out():
    x = sequence(seed=4)
    one, three = DeltaActivationLayer(0.1, fan_out=1.0), DeltaActivationLayer(0.1, fan_out=3.0)
    delta = one(x)
    three(x)
    torch.testing.assert_close(one.loss(), delta.abs().mean())
    torch.testing.assert_close(three.loss(), 3.0 * one.loss())


def test_sparsity_loss_trains_the_input_and_only_optionally_the_step():
    x = sequence(seed=5).requires_grad_()
    layer = DeltaActivationLayer(0.1, fan_out=4.0)
    layer(x)
    layer.loss().backward()
    assert x.grad.abs().sum() > 0
    assert layer.log_step_size.grad is None or layer.log_step_size.grad == 0
    both = DeltaActivationLayer(0.1, fan_out=4.0, step_from_loss=True)
    both(x.detach())
    both.loss().backward()
    assert both.log_step_size.grad.abs() > 0


def test_loss_accumulates_over_frames_and_resets():
    x = sequence(seed=6)
    layer = DeltaActivationLayer(0.1, time_first=False)
    assert layer.loss() == 0
    deltas = torch.stack([layer(x[t]) for t in range(len(x))])
    torch.testing.assert_close(layer.loss(), deltas.abs().mean())
    layer.reset_state()
    assert layer.loss() == 0


def test_fixed_step_is_a_buffer():
    layer = DeltaActivationLayer(0.5, learn_step=False)
    assert not any(p is layer.log_step_size for p in layer.parameters())
    assert layer.step_size.item() == pytest.approx(0.5)


@pytest.mark.parametrize("make", [lambda: nn.Conv2d(4, 6, 3, padding=1), lambda: nn.Linear(5, 7),
                                  lambda: nn.Conv1d(4, 3, 3, stride=2)])
def test_delta_inference_reproduces_the_quantized_network(make):
    torch.manual_seed(0)
    layer = make()
    feats = {nn.Conv2d: (4, 5, 5), nn.Linear: (5,), nn.Conv1d: (4, 9)}[type(layer)]
    x = sequence(t=7, batch=2, features=feats, seed=7)
    dense = DeltaActivationLayer(0.2, output="activation")(x)
    reference = layer(dense.flatten(0, 1)).reshape(7, 2, *layer(dense[0]).shape[1:])
    delta_net = DeltaAccumulator(layer)
    torch.testing.assert_close(delta_net(DeltaActivationLayer(0.2)(x)), reference, atol=1e-5, rtol=1e-5)
    per_frame = DeltaAccumulator(layer, time_first=False)
    dal = DeltaActivationLayer(0.2, time_first=False)
    frames = torch.stack([per_frame(dal(x[t])) for t in range(7)])
    torch.testing.assert_close(frames, reference, atol=1e-5, rtol=1e-5)


def test_fan_out_of_linear_and_conv_layers():
    assert fan_out_of(nn.Linear(3, 10)) == 10
    assert fan_out_of(nn.Conv2d(4, 8, 3)) == 72
    assert fan_out_of(nn.Conv2d(4, 8, 3, stride=2)) == 18
    assert fan_out_of(nn.Conv1d(4, 8, 5, groups=2)) == 20
    with pytest.raises(ParameterError):
        fan_out_of(nn.ReLU())


def test_measure_counts_dense_skip_and_delta_macs_exactly():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 3))
    with torch.no_grad():
        model[0].weight[0, :3] = 0.0  # 3 zero weights
    frame = torch.tensor([[1.0, 0.0, 2.0, 0.0, 0.0, 3.0]])  # inputs 0, 2, 5 non-zero
    videos = torch.stack([frame, frame, frame * 2.0, frame * 2.0], dim=1)  # (1, T=4, 6)
    measured = measure_delta_sparsity(model, videos)
    first = measured.trace.layers["0"]
    assert first.dense_ops == 4 * 6 * 4
    # per frame: 3 non-zero inputs x 4 outputs, less the 2 zero weights they meet (inputs 0, 2)
    assert first.effective_macs == 4 * (3 * 4 - 2)
    # the input changes at frames 0 and 2 only
    assert first.delta_macs == 2 * (3 * 4 - 2)
    np.testing.assert_array_equal(first.per_step["nonzero_deltas"], [3, 0, 3, 0])
    assert first.activation_sparsity == pytest.approx(0.5)
    assert measured.outputs.shape == (1, 4, 3)
    torch.testing.assert_close(measured.outputs[0], model(videos[0]))
    summary = measured.summary()
    assert summary["0"]["delta_sparsity"] == pytest.approx(1 - 6 / 24)
    assert summary["total"]["dense_macs"] == pytest.approx(4 * (24 + 12))


def test_measure_resets_delta_layers_between_video_batches():
    layer = DeltaActivationLayer(0.5, output="activation", time_first=False)
    model = nn.Sequential(layer, nn.Linear(3, 2))
    videos = torch.ones(5, 3, 3)  # still videos: after the first frame nothing changes
    measured = measure_delta_sparsity(model, videos, batch_size=2)
    fc = measured.trace.layers["1"]
    np.testing.assert_array_equal(fc.per_step["nonzero_deltas"], [15, 0, 0])
    assert fc.delta_macs == 5 * 3 * 2 and fc.effective_macs == 3 * fc.delta_macs
    assert measured.trace.n_samples == 5 and measured.trace.n_steps == 3


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ParameterError, match="step_size"):
        DeltaActivationLayer(0.0)
    with pytest.raises(ParameterError, match="output"):
        DeltaActivationLayer(0.1, output="spikes")
    with pytest.raises(ParameterError, match="fan_out"):
        DeltaActivationLayer(0.1, fan_out=-1)
    layer = DeltaActivationLayer(0.1, time_first=False)
    layer(torch.zeros(2, 3))
    with pytest.raises(ParameterError, match="reset_state"):
        layer(torch.zeros(4, 3))
    with pytest.raises(ParameterError, match="DeltaAccumulator"):
        DeltaAccumulator(nn.ReLU())
    with pytest.raises(ParameterError, match="no nn.Linear"):
        measure_delta_sparsity(nn.ReLU(), torch.zeros(1, 2, 3))


def test_counts_agree_with_torch_count_and_delta_inference_counts_delta_macs():
    torch_count = pytest.importorskip("neurosparse.hardware.torch_count")
    from neurosparse.hardware.torch_delta import reset_delta_state

    torch.manual_seed(1)
    conv, fc = nn.Conv2d(1, 4, 3, padding=1), nn.Linear(4 * 6 * 6, 3)

    def network(output):
        return nn.Sequential(conv, DeltaActivationLayer(0.3, output=output, time_first=False),
                             nn.Flatten())

    dense_form = nn.Sequential(*network("activation"), fc)
    videos = torch.zeros(3, 5, 1, 6, 6)
    videos[:, :, :, 2:4, 1:3] = 1.0
    videos[:, 2:, :, 2:4, 3:5] = 0.7  # a second blob appears at frame 2 and stays
    videos += 0.05 * torch.rand(3, 5, 1, 6, 6, generator=torch.Generator().manual_seed(0))
    measured = measure_delta_sparsity(dense_form, videos)
    counters = {DeltaActivationLayer: torch_count.Counter(torch_count.count_activation, "activation")}
    counted = torch_count.count(dense_form, videos, time_first=False, counters=counters)
    for name in ("0", "3"):
        mine = measured.trace.layers[name]
        assert counted.layers[name].dense_ops == mine.dense_ops
        assert counted.layers[name].effective_macs == pytest.approx(mine.effective_macs)
    # the same network in delta-inference form: fc sees the changes, so count's effective MACs are
    # the delta MACs, and the outputs are those of the quantized network
    delta_form = nn.Sequential(*network("delta"), DeltaAccumulator(fc, time_first=False))
    reset_delta_state(delta_form)
    delta_counted = torch_count.count(delta_form, videos, time_first=False, counters=counters)
    delta_macs = measured.trace.layers["3"].delta_macs
    assert delta_counted.layers["3.layer"].effective_macs == pytest.approx(delta_macs)
    assert measured.trace.layers["3"].delta_macs < measured.trace.layers["3"].effective_macs
    torch.testing.assert_close(measure_delta_sparsity(delta_form, videos).outputs, measured.outputs,
                               atol=1e-5, rtol=1e-5)
