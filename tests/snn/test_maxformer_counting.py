"""The OpTrace of a Max-Former forward against hand counts, and its energy by the paper's
convention.

Every BN is set to output 10 whatever its input (weight 0, bias 10), so every neuron spikes at
every step, and every weight is non-zero: each spike-driven product is then an accumulate (AC)
of a weight inside the image (padding excluded), each product with the image (0.5 everywhere:
not a spike, so MACs) a MAC, and the totals follow from the layer shapes alone.
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

import neurosparse.hardware as hw  # noqa: E402
from neurosparse.snn.max_resnet import max_resnet18  # noqa: E402
from neurosparse.snn.maxformer import max_former  # noqa: E402

T, B, S = 2, 3, 8  # steps, batch, input side


def taps(side: int, k: int, stride: int = 1) -> int:
    """Products of a k-tap, padding k//2 convolution along one axis that land inside the input."""
    p = k // 2
    return sum(1 for o in range(0, side, stride) for j in range(k) if 0 <= o - p + j < side)


def conv(c_in: int, c_out: int, side: int, k: int, stride: int = 1, groups: int = 1) -> int:
    return (c_in // groups) * c_out * taps(side, k, stride) ** 2


def _saturated(model: nn.Module, bn_bias: float = 10.0) -> nn.Module:
    torch.manual_seed(0)
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            nn.init.zeros_(m.weight)
            nn.init.constant_(m.bias, bn_bias)
        elif isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Linear)):
            with torch.no_grad():
                m.weight.copy_(torch.rand_like(m.weight) + 0.1)  # every weight non-zero
    return model.eval()


def _trace(model, x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may go uncounted
        return hw.count(model, x, n_samples=x.shape[1])


def test_max_former_acs_and_macs_equal_hand_counts_when_every_neuron_fires():
    w1, w2, w3, heads, classes = 4, 8, 16, 2, 3
    model = _saturated(max_former("cifar", embed_dim=w3, depths=(1, 1, 1), mixers=("dwc3", "dwc3", "ssa"),
                                  num_heads=heads, in_channels=1, num_classes=classes, time_steps=T))
    trace = _trace(model, torch.full((T, B, 1, S, S), 0.5))  # every pixel non-zero and not a spike
    s2, s3 = S // 2, S // 4
    n_tokens, head_dim = s3 * s3, w3 // heads
    macs = conv(1, w1 // 2, S, 3)  # the stem's first conv sees the image
    acs = (conv(w1 // 2, w1, S, 3) + conv(w1 // 2, w1, S, 1)  # stem main and shortcut
           + conv(w1, w1, S, 3, groups=w1) + 2 * conv(w1, 4 * w1, S, 1)  # stage 1: dwc3, MLP
           + conv(w1, w2, S, 3) + conv(w2, w2, s2, 3) + conv(w1, w2, S, 1)  # Embed_Max 2
           + conv(w2, w2, s2, 3, groups=w2) + 2 * conv(w2, 4 * w2, s2, 1)  # stage 2
           + conv(w2, w3, s2, 3) + conv(w3, w3, s3, 3) + conv(w2, w3, s2, 1)  # Embed_Max 3
           + 4 * w3 * w3 * n_tokens  # q, k, v and the projection
           + 2 * heads * n_tokens * head_dim ** 2  # K^T V and Q (K^T V)
           + 2 * conv(w3, 4 * w3, s3, 1)  # stage 3 MLP
           + w3 * classes)  # the head
    totals = trace.totals()
    assert totals["effective_macs"] == T * macs
    assert totals["effective_acs"] == T * acs
    assert trace.n_steps == T and trace.n_samples == B
    neurons = sum(layer.neuron_updates for layer in trace.layers.values() if layer.kind == "population")
    assert totals["spikes"] == neurons / B  # every neuron fired at every step (per sample)
    # the paper's convention: 4.6 pJ per MAC, 0.9 pJ per AC, per sample
    energy = hw.estimate(trace, "horowitz45nm", convention="mac_ac").per_sample().energy_j
    assert energy == pytest.approx(T * (4.6e-12 * macs + 0.9e-12 * acs), rel=1e-12)


def test_silent_network_does_no_accumulates_and_only_the_first_layer_computes():
    model = _saturated(max_former("cifar", embed_dim=16, depths=(1, 1, 1), num_heads=2, in_channels=1,
                                  num_classes=3, time_steps=T), bn_bias=-10.0)
    totals = _trace(model, torch.full((T, B, 1, S, S), 0.5)).totals()
    assert totals["effective_acs"] == 0 and totals["spikes"] == 0
    assert totals["effective_macs"] == T * conv(1, 2, S, 3)


def test_strided_downsampling_counts_its_strided_taps():
    model = _saturated(max_former("cifar", embed_dim=16, depths=(0, 0, 0), downsample="conv", in_channels=1,
                                  num_classes=3, num_heads=2, time_steps=T))
    acs = (conv(2, 4, S, 3) + conv(2, 4, S, 1)
           + conv(4, 8, S, 3) + conv(8, 8, S, 3, stride=2) + conv(4, 8, S, 1, stride=2)
           + conv(8, 16, S // 2, 3) + conv(16, 16, S // 2, 3, stride=2) + conv(8, 16, S // 2, 1, stride=2)
           + 16 * 3)
    assert _trace(model, torch.full((T, B, 1, S, S), 0.5)).totals()["effective_acs"] == T * acs


def test_max_resnet_shortcuts_see_membranes_so_they_are_macs():
    model = _saturated(max_resnet18(3, in_channels=1, widths=(4, 8, 8), stem_width=2, layers=(1, 1, 1),
                                    time_steps=T))
    totals = _trace(model, torch.full((T, B, 1, S, S), 0.5)).totals()
    # MACs: the stem on the image, and the 1x1 shortcuts on the real-valued block inputs
    macs = conv(1, 2, S, 3) + conv(2, 4, S, 1) + conv(4, 8, S, 1, stride=2) + conv(8, 8, S // 2, 1, stride=2)
    acs = (conv(2, 4, S, 3) + conv(4, 4, S, 3)  # block 1
           + conv(4, 8, S, 3) + conv(8, 8, S // 2, 3)  # block 2: conv at full size, then max-pool
           + conv(8, 8, S // 2, 3) + conv(8, 8, S // 4, 3)  # block 3
           + 8 * 3)
    assert totals["effective_macs"] == T * macs
    assert totals["effective_acs"] == T * acs
