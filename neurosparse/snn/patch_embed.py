"""Patch embeddings of Max-Former: the original stem, and "Embed_Max" with its baselines.

All take ``[T, batch, C, H, W]`` and return the membrane input of the next stage,
``[T, batch, D, H', W']`` (a sum of two BN outputs: a main path and a shortcut).

* :class:`StemImageNet` (stage 1 at 224x224, downsamples 4x): ``conv3x3/2 -> BN`` on the image
  (real-valued MACs), then ``s = LIF``; main ``conv3x3/2 -> BN -> LIF -> conv3x3 -> BN``,
  shortcut ``conv1x1/2 -> BN`` of the same spikes ``s``.
* :class:`StemCIFAR` (stage 1 at 32x32, no downsampling): ``conv3x3 -> BN`` on the image, then
  ``s = LIF``; main ``conv3x3 -> BN``, shortcut ``conv1x1 -> BN``, both of ``s``.
* :class:`EmbedDown` (stages 2 and 3, downsamples 2x, ``c_in -> D``), with ``s = LIF(x)``:

  - ``downsample="max"`` (Max-Former's Embed_Max): main ``conv3x3 -> BN -> maxpool3x3/2 ->
    LIF -> conv3x3 -> BN``, shortcut ``conv1x1 -> BN -> maxpool3x3/2`` of ``s``: the shortcut
    is pooled the same way;
  - ``"avg"``: the same with average pools (a low-pass embedding);
  - ``"conv"``: strided convolutions instead of pools (main ``conv3x3 -> BN -> LIF ->
    conv3x3/2 -> BN``, shortcut ``conv1x1/2 -> BN``), the same parameters.

The Max-Former authors' code keeps one LIF per path where both paths read the same tensor;
those LIFs see the same input and emit the same spikes, so one is computed here.
"""

from __future__ import annotations

try:
    import torch
    from torch import nn
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    from neurosparse.errors import MissingDependencyError

    raise MissingDependencyError("neurosparse.snn needs torch: pip install 'neurosparse[snn]'") from exc

from neurosparse.snn._checks import as_count, choice
from neurosparse.snn.multistep_lif import make_neuron
from neurosparse.snn.spiking_blocks import ConvUnit

__all__ = ["DOWNSAMPLING", "EmbedDown", "StemCIFAR", "StemImageNet"]

#: Downsampling kinds of :class:`EmbedDown`.
DOWNSAMPLING = ("max", "avg", "conv")


class StemImageNet(nn.Module):
    """Max-Former's stage-1 embedding for ImageNet (4x downsampling), ``c_in -> dim``."""

    factor = 4

    def __init__(self, c_in: int, dim: int, neuron: str = "lif"):
        super().__init__()
        dim = as_count("dim", dim, low=2)
        self.proj = ConvUnit(c_in, dim // 2, 3, stride=2, neuron=None)
        self.neuron = make_neuron(neuron)
        self.down = ConvUnit(dim // 2, dim, 3, stride=2, neuron=None)
        self.main = ConvUnit(dim, dim, 3, neuron=neuron)
        self.shortcut = ConvUnit(dim // 2, dim, 1, stride=2, neuron=None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.neuron(self.proj(x))
        return self.main(self.down(s)) + self.shortcut(s)


class StemCIFAR(nn.Module):
    """Max-Former's stage-1 embedding for CIFAR (no downsampling), ``c_in -> dim``."""

    factor = 1

    def __init__(self, c_in: int, dim: int, neuron: str = "lif"):
        super().__init__()
        dim = as_count("dim", dim, low=2)
        self.proj = ConvUnit(c_in, dim // 2, 3, neuron=None)
        self.neuron = make_neuron(neuron)
        self.main = ConvUnit(dim // 2, dim, 3, neuron=None)
        self.shortcut = ConvUnit(dim // 2, dim, 1, neuron=None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.neuron(self.proj(x))
        return self.main(s) + self.shortcut(s)


class EmbedDown(nn.Module):
    """A 2x downsampling patch embedding ``c_in -> dim`` (see the module docstring).

    Parameters
    ----------
    c_in, dim
        Channels in and out.
    downsample
        ``"max"`` (Embed_Max), ``"avg"`` or ``"conv"`` (strided convolutions).
    neuron
        Neuron kind.
    """

    factor = 2

    def __init__(self, c_in: int, dim: int, downsample: str = "max", neuron: str = "lif"):
        super().__init__()
        self.downsample = choice("downsample", downsample, DOWNSAMPLING)
        pooled = None if downsample == "conv" else downsample
        stride = 2 if downsample == "conv" else 1
        self.neuron = make_neuron(neuron)
        self.down = ConvUnit(c_in, dim, 3, neuron=None, downsample_pool=pooled)
        self.main = ConvUnit(dim, dim, 3, stride=stride, neuron=neuron)
        self.shortcut = ConvUnit(c_in, dim, 1, stride=stride, neuron=None, downsample_pool=pooled)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.neuron(x)
        return self.main(self.down(s)) + self.shortcut(s)
