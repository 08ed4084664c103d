"""Max-ResNet-18: a membrane-shortcut spiking ResNet whose downsampling is a max-pool.

After the Max-Former paper's Max-ResNet ("Spiking Neural Networks Need High Frequency
Information", Fang et al.; the authors' code github.com/bic-L/MaxFormer, ``max_resnet.py``; our
implementation). The MS-ResNet-18 of CIFAR: a ``conv3x3 -> BN`` stem of 64 channels on the image
(MACs), three stages of ``(3, 3, 2)`` basic blocks with 128, 256 and 512 channels, then a LIF,
global average pooling, a linear head and the mean over time. A basic block is

    out = BN(conv3x3(LIF(BN(down(conv3x3(LIF(x))))))) + shortcut(x)

with ``shortcut`` the identity, or ``conv1x1/s -> BN`` where the width or the resolution
changes. The first block of stages 2 and 3 downsamples by 2:

* ``downsample="max"`` (Max-ResNet): ``down`` is a 3x3 stride-2 max-pool after the first
  convolution's BN (the convolution keeps stride 1);
* ``downsample="conv"`` (the MS-ResNet baseline): the first convolution has stride 2 and
  ``down`` is nothing.

The shortcut is a strided 1x1 convolution in both, as the authors'. Same parameters either way:
12.50 M at 10 classes, 12.55 M at 100 (equal to the authors' code).
"""

from __future__ import annotations

try:
    import torch
    from torch import nn
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    from neurosparse.errors import MissingDependencyError

    raise MissingDependencyError("neurosparse.snn needs torch: pip install 'neurosparse[snn]'") from exc

from neurosparse.errors import ParameterError
from neurosparse.snn._checks import as_count, choice
from neurosparse.snn.maxformer import time_first_input
from neurosparse.snn.multistep_lif import NEURON_KINDS, make_neuron
from neurosparse.snn.spiking_blocks import ConvUnit

__all__ = ["BasicBlock", "MaxResNet", "max_resnet18"]

RESNET_DOWNSAMPLING = ("max", "conv")


class BasicBlock(nn.Module):
    """A membrane-shortcut basic block ``c_in -> c_out``, downsampling by ``stride`` (1 or 2)."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1, downsample: str = "max", neuron: str = "lif"):
        super().__init__()
        if stride not in (1, 2):
            raise ParameterError(f"stride must be 1 or 2, got {stride!r}")
        downsample = choice("downsample", downsample, RESNET_DOWNSAMPLING)
        pooled = "max" if stride == 2 and downsample == "max" else None
        self.conv1 = ConvUnit(c_in, c_out, 3, stride=stride if pooled is None else 1, neuron=neuron,
                              downsample_pool=pooled)
        self.conv2 = ConvUnit(c_out, c_out, 3, neuron=neuron)
        self.shortcut = ConvUnit(c_in, c_out, 1, stride=stride, neuron=None) \
            if stride != 1 or c_in != c_out else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.shortcut is None else self.shortcut(x)
        return self.conv2(self.conv1(x)) + identity


class MaxResNet(nn.Module):
    """A spiking ResNet (see the module docstring); ``forward(x)`` as
    :class:`~neurosparse.snn.maxformer.MaxFormer`'s."""

    def __init__(self, layers: tuple[int, ...] = (3, 3, 2), widths: tuple[int, ...] = (128, 256, 512), *,
                 stem_width: int = 64, in_channels: int = 3, num_classes: int = 10, time_steps: int = 4,
                 downsample: str = "max", neuron: str = "lif"):
        super().__init__()
        if len(layers) != len(widths) or not layers:
            raise ParameterError(f"layers and widths must have the same, non-zero length, got {layers!r} "
                                 f"and {widths!r}")
        self.in_channels = as_count("in_channels", in_channels, low=1)
        self.time_steps = as_count("time_steps", time_steps, low=1)
        self.downsample = choice("downsample", downsample, RESNET_DOWNSAMPLING)
        choice("neuron", neuron, NEURON_KINDS)
        stem_width = as_count("stem_width", stem_width, low=1)
        self.stem = ConvUnit(in_channels, stem_width, 3, neuron=None)
        blocks, c_in = [], stem_width
        for stage, (n, width) in enumerate(zip(layers, widths)):
            width = as_count(f"widths[{stage}]", width, low=1)
            for i in range(as_count(f"layers[{stage}]", n, low=1)):
                stride = 2 if stage > 0 and i == 0 else 1
                blocks.append(BasicBlock(c_in, width, stride, downsample, neuron))
                c_in = width
        self.blocks = nn.Sequential(*blocks)
        self.factor = 2 ** (len(layers) - 1)
        self.head_neuron = make_neuron(neuron)
        self.head = nn.Linear(c_in, as_count("num_classes", num_classes, low=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = time_first_input(x, self.time_steps, self.in_channels, self.factor)
        features = self.head_neuron(self.blocks(self.stem(x))).mean((3, 4))  # [T, batch, C]
        return self.head(features).mean(0)


def max_resnet18(num_classes: int = 10, *, downsample: str = "max", **kwargs) -> MaxResNet:
    """Max-ResNet-18 (``downsample="conv"``: the strided-conv MS-ResNet-18 baseline); keyword
    arguments as :class:`MaxResNet`'s (``in_channels``, ``time_steps``, ``neuron``, ``widths``,
    ``stem_width``)."""
    return MaxResNet(num_classes=num_classes, downsample=downsample, **kwargs)
