r"""The building blocks of Max-Former, Spikformer and Max-ResNet: time-first conv units,
token mixers, the spiking MLP and the transformer block.

Every module takes and returns ``[T, batch, C, H, W]``; convolutions and batch norm run on
the ``T * batch`` images at once, as the authors' code does. Spiking neurons are
:mod:`neurosparse.snn.multistep_lif` layers (``neuron="lif"``, ``"if"`` or ``"relu"`` for the
ANN twin). The residual paths add membrane-level (real-valued) tensors ("membrane shortcut",
MS-ResNet style): a block's output is a membrane input, and the next layer's neuron turns it
into spikes, so every convolution after the first one of the network sees binary spikes.

Token mixers (the ``mixer`` of :class:`Block`), after Fang et al.'s Max-Former (arXiv
2505.18608, code github.com/bic-L/MaxFormer; our implementation):

* ``"identity"``: the input unchanged;
* ``"max"`` / ``"avg"``: a 3x3, stride-1 max / average pool of the membrane input (average
  without the padding), replacing the tokens, no residual: the high-pass / low-pass mixers of
  the paper's motivating ablation;
* ``"dwc3"``, ``"dwc5"``, ``"dwc7"``: ``LIF -> k x k depth-wise conv (bias) -> BN`` plus the
  input;
* ``"ssa"``: Spikformer's spiking self-attention: ``LIF`` on the input, then
  :math:`Q, K, V = \mathrm{LIF}(\mathrm{BN}(W_{q,k,v} s))` (1x1 convs without bias),
  :math:`\mathrm{LIF}_{0.5}\bigl(0.125\,Q (K^\top V)\bigr)` per head (threshold 0.5), a 1x1
  projection (bias) and BN, plus the input. No softmax: the products of spikes are sums.

The MLP: ``LIF -> 1x1 conv -> BN -> LIF -> 1x1 conv -> BN`` plus the input, hidden width
``mlp_ratio * dim``.
"""

from __future__ import annotations

import re

try:
    import torch
    from torch import nn
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    from neurosparse.errors import MissingDependencyError

    raise MissingDependencyError("neurosparse.snn needs torch: pip install 'neurosparse[snn]'") from exc

from neurosparse.errors import ParameterError
from neurosparse.snn._checks import as_count, choice, real
from neurosparse.snn.multistep_lif import make_neuron

__all__ = ["MIXERS", "POOLS", "Block", "ConvUnit", "DepthwiseConvMixer", "IdentityMixer", "PoolMixer",
           "SpikingMLP", "SpikingSelfAttention", "make_mixer", "pool", "seq_apply"]

#: Token mixers :func:`make_mixer` builds.
MIXERS = ("identity", "max", "avg", "dwc3", "dwc5", "dwc7", "ssa")
#: Pooling kinds of :func:`pool`.
POOLS = ("max", "avg")

#: Threshold of the LIF after the attention product (Spikformer's and Max-Former's).
ATTENTION_THRESHOLD = 0.5
#: Scale of the attention product (Spikformer's and Max-Former's).
ATTENTION_SCALE = 0.125


def seq_apply(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Apply an image module to ``[T, batch, ...]`` by merging the first two axes."""
    t, b = x.shape[:2]
    y = module(x.flatten(0, 1))
    return y.reshape(t, b, *y.shape[1:])


def pool(kind: str, kernel_size: int = 3, stride: int = 2) -> nn.Module:
    """A ``kernel_size`` pool with padding ``kernel_size // 2``: ``"max"`` or ``"avg"`` (the
    average over the window's pixels inside the image, ``count_include_pad=False``)."""
    kind = choice("pool", kind, POOLS)
    if kind == "max":
        return nn.MaxPool2d(kernel_size, stride=stride, padding=kernel_size // 2)
    return nn.AvgPool2d(kernel_size, stride=stride, padding=kernel_size // 2, count_include_pad=False)


class ConvUnit(nn.Module):
    """``[neuron] -> conv -> BN -> [pool]`` on ``[T, batch, C, H, W]``.

    Parameters
    ----------
    c_in, c_out
        Channels in and out.
    kernel_size, stride, groups, bias
        Of the convolution (padding ``kernel_size // 2``).
    neuron
        Kind of the neuron layer in front (:data:`~neurosparse.snn.multistep_lif.NEURON_KINDS`),
        or None for none (the network's first layer, which sees the image, and shortcut
        convolutions fed spikes already).
    downsample_pool
        ``"max"`` or ``"avg"`` for a 3x3 stride-2 pool after BN, or None.
    """

    def __init__(self, c_in: int, c_out: int, kernel_size: int = 3, *, stride: int = 1, groups: int = 1,
                 bias: bool = False, neuron: str | None = "lif", downsample_pool: str | None = None):
        super().__init__()
        c_in, c_out = as_count("c_in", c_in, low=1), as_count("c_out", c_out, low=1)
        kernel_size = as_count("kernel_size", kernel_size, low=1)
        self.neuron = None if neuron is None else make_neuron(neuron)
        self.conv = nn.Conv2d(c_in, c_out, kernel_size, stride=as_count("stride", stride, low=1),
                              padding=kernel_size // 2, groups=as_count("groups", groups, low=1), bias=bias)
        self.bn = nn.BatchNorm2d(c_out)
        self.pool = None if downsample_pool is None else pool(downsample_pool)

    def spikes(self, x: torch.Tensor) -> torch.Tensor:
        """The neuron layer's output (the input itself without one)."""
        return x if self.neuron is None else self.neuron(x)

    def project(self, s: torch.Tensor) -> torch.Tensor:
        """conv -> BN -> pool of spikes (or of the image) ``s``."""
        y = self.bn(self.conv(s.flatten(0, 1)))
        if self.pool is not None:
            y = self.pool(y)
        return y.reshape(s.shape[0], s.shape[1], *y.shape[1:])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.project(self.spikes(x))


class IdentityMixer(nn.Module):
    """The identity token mixer."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class PoolMixer(nn.Module):
    """3x3 stride-1 max or average pooling of the tokens (no residual, no parameters)."""

    def __init__(self, kind: str = "max"):
        super().__init__()
        self.kind = choice("mixer pool", kind, POOLS)
        self.pool = pool(kind, 3, stride=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return seq_apply(self.pool, x)


class DepthwiseConvMixer(nn.Module):
    """``neuron -> k x k depth-wise conv (bias) -> BN`` plus the input."""

    def __init__(self, dim: int, kernel_size: int = 7, neuron: str = "lif"):
        super().__init__()
        self.unit = ConvUnit(dim, dim, kernel_size, groups=dim, bias=True, neuron=neuron)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.unit(x)


class SpikingSelfAttention(nn.Module):
    """Spikformer's spiking self-attention with a membrane shortcut (see the module docstring).

    Parameters
    ----------
    dim
        Channels (tokens' width), divisible by ``num_heads``.
    num_heads
        Attention heads.
    neuron
        Neuron kind of every LIF in the block (the attention LIF keeps its threshold 0.5).
    scale
        Scale of ``Q K^T V`` (0.125).
    """

    def __init__(self, dim: int, num_heads: int = 8, neuron: str = "lif", scale: float = ATTENTION_SCALE):
        super().__init__()
        dim, num_heads = as_count("dim", dim, low=1), as_count("num_heads", num_heads, low=1)
        if dim % num_heads:
            raise ParameterError(f"num_heads must divide dim ({dim}), got {num_heads}")
        self.dim, self.num_heads = dim, num_heads
        self.scale = real("scale", scale, low=0.0, low_inclusive=False)
        self.x_neuron = make_neuron(neuron)
        for name in "qkv":
            setattr(self, f"{name}_conv", nn.Conv1d(dim, dim, 1, bias=False))
            setattr(self, f"{name}_bn", nn.BatchNorm1d(dim))
            setattr(self, f"{name}_neuron", make_neuron(neuron))
        self.attn_neuron = make_neuron(neuron, v_threshold=ATTENTION_THRESHOLD)
        self.proj_conv = nn.Conv1d(dim, dim, 1)
        self.proj_bn = nn.BatchNorm1d(dim)

    def _heads(self, s: torch.Tensor, name: str, t: int, b: int) -> torch.Tensor:
        """``[T*B, C, N]`` spikes -> ``[T, B, heads, N, C/heads]`` of Q, K or V."""
        conv, bn, neuron = (getattr(self, f"{name}_{part}") for part in ("conv", "bn", "neuron"))
        y = neuron(bn(conv(s)).reshape(t, b, self.dim, -1))
        y = y.transpose(-1, -2).reshape(t, b, -1, self.num_heads, self.dim // self.num_heads)
        return y.transpose(2, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t, b, c, h, w = x.shape
        s = self.x_neuron(x).flatten(3).flatten(0, 1)  # [T*B, C, N]
        q, k, v = (self._heads(s, name, t, b) for name in "qkv")
        attn = (q @ (k.transpose(-2, -1) @ v)) * self.scale  # [T, B, heads, N, C/heads]
        attn = attn.transpose(3, 4).reshape(t, b, c, h * w)
        y = self.proj_bn(self.proj_conv(self.attn_neuron(attn).flatten(0, 1)))
        return x + y.reshape(t, b, c, h, w)


class SpikingMLP(nn.Module):
    """``neuron -> 1x1 conv -> BN -> neuron -> 1x1 conv -> BN`` plus the input."""

    def __init__(self, dim: int, hidden: int, neuron: str = "lif"):
        super().__init__()
        self.fc1 = ConvUnit(dim, hidden, 1, bias=True, neuron=neuron)
        self.fc2 = ConvUnit(hidden, dim, 1, bias=True, neuron=neuron)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.fc2(self.fc1(x))


def make_mixer(kind: str, dim: int, num_heads: int = 8, neuron: str = "lif") -> nn.Module:
    """The token mixer ``kind`` (one of :data:`MIXERS`) for ``dim`` channels."""
    kind = choice("mixer", kind, MIXERS)
    if kind == "identity":
        return IdentityMixer()
    if kind in POOLS:
        return PoolMixer(kind)
    if kind == "ssa":
        return SpikingSelfAttention(dim, num_heads, neuron=neuron)
    return DepthwiseConvMixer(dim, int(re.fullmatch(r"dwc(\d)", kind).group(1)), neuron=neuron)


class Block(nn.Module):
    """A token mixer followed by the spiking MLP (hidden width ``mlp_ratio * dim``)."""

    def __init__(self, dim: int, mixer: str = "ssa", *, num_heads: int = 8, mlp_ratio: float = 4.0,
                 neuron: str = "lif"):
        super().__init__()
        mlp_ratio = real("mlp_ratio", mlp_ratio, low=0.0, low_inclusive=False)
        self.mixer = make_mixer(mixer, dim, num_heads, neuron)
        self.mlp = SpikingMLP(dim, max(1, int(dim * mlp_ratio)), neuron)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.mixer(x))
