"""Spikformer, the baseline Max-Former is compared with, and its pooling-mixer variants.

After Zhou et al., "Spikformer: When Spiking Neural Network Meets Transformer" (ICLR 2023;
code github.com/ZK-Zhou/spikformer; our implementation). Spiking patch splitting (SPS):
four ``conv3x3 -> BN -> LIF`` layers of widths ``D/8, D/4, D/2, D``, each of the last
``n_pools`` followed by a 3x3 stride-2 max-pool, then a relative position embedding
``conv3x3 -> BN -> LIF`` added to its input. Then ``depth`` blocks
``x = x + mixer(x); x = x + MLP(x)`` where, unlike Max-Former, the residuals add spikes: the
attention ends in a LIF after its projection and the MLP is ``1x1 conv -> BN -> LIF`` twice.

``mixer="ssa"`` is Spikformer (:math:`\\mathrm{LIF}(Q K^\\top V \\cdot 0.125)`, threshold 0.5, no
softmax); ``"avg"`` and ``"max"`` replace the attention by a 3x3 stride-1 pool of the spikes
(the paper's motivating comparison of a low-pass and a high-pass token mixer on a spiking
transformer).

Parameter counts (tested): ``imagenet-8-768`` 66.34 M, the paper's (the authors' code also
builds two LayerNorms per block that its forward never uses, 24,576 parameters at 8-768,
left out here as in the paper's count), ``cifar-4-384`` 9.36 M at 100 classes (the authors'
CIFAR code without its unused LayerNorms; its Q, K, V projections have biases).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

try:
    import torch
    from torch import nn
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    from neurosparse.errors import MissingDependencyError

    raise MissingDependencyError("neurosparse.snn needs torch: pip install 'neurosparse[snn]'") from exc

from neurosparse.errors import ParameterError
from neurosparse.snn._checks import as_count, choice, flag
from neurosparse.snn.maxformer import time_first_input
from neurosparse.snn.multistep_lif import NEURON_KINDS, make_neuron
from neurosparse.snn.spiking_blocks import ATTENTION_SCALE, ATTENTION_THRESHOLD, PoolMixer, seq_apply

__all__ = ["SPIKFORMER_CONFIGS", "Spikformer", "SpikformerConfig", "spikformer"]

SPIKFORMER_MIXERS = ("ssa", "avg", "max")


@dataclass(frozen=True)
class SpikformerConfig:
    """The architecture of a :class:`Spikformer`.

    Parameters
    ----------
    embed_dim
        ``D``, divisible by 8 and by ``num_heads``.
    depth
        Transformer blocks.
    num_heads
        Attention heads.
    mlp_ratio
        MLP hidden width over ``D`` (an integer multiple here, as in the authors' code).
    n_pools
        SPS max-pools (downsampling ``2 ** n_pools``): 4 at 224x224, 2 at 32x32.
    mixer
        ``"ssa"``, ``"avg"`` or ``"max"``.
    qkv_bias
        Biases in the Q, K, V projections (the authors' CIFAR code has them, ImageNet's not).
    in_channels, num_classes, time_steps, neuron
        As in :class:`~neurosparse.snn.maxformer.MaxFormerConfig`.
    """

    embed_dim: int = 384
    depth: int = 4
    num_heads: int = 12
    mlp_ratio: int = 4
    n_pools: int = 2
    mixer: str = "ssa"
    qkv_bias: bool = True
    in_channels: int = 3
    num_classes: int = 100
    time_steps: int = 4
    neuron: str = "lif"

    def __post_init__(self) -> None:
        dim = as_count("embed_dim", self.embed_dim, low=8)
        heads = as_count("num_heads", self.num_heads, low=1)
        if dim % 8 or dim % heads:
            raise ParameterError(f"embed_dim must be divisible by 8 and by num_heads ({heads}), got {dim}")
        as_count("depth", self.depth, low=0)
        as_count("mlp_ratio", self.mlp_ratio, low=1)
        as_count("n_pools", self.n_pools, low=0, high=4)
        choice("mixer", self.mixer, SPIKFORMER_MIXERS)
        flag("qkv_bias", self.qkv_bias)
        as_count("in_channels", self.in_channels, low=1)
        as_count("num_classes", self.num_classes, low=1)
        as_count("time_steps", self.time_steps, low=1)
        choice("neuron", self.neuron, NEURON_KINDS)


#: Spikformer-8-768 on ImageNet (T = 4) and Spikformer-4-384 on CIFAR-100.
SPIKFORMER_CONFIGS: dict[str, SpikformerConfig] = {
    "imagenet-8-768": SpikformerConfig(embed_dim=768, depth=8, num_heads=12, n_pools=4, qkv_bias=False,
                                       num_classes=1000),
    "cifar-4-384": SpikformerConfig(),
}


class _ConvBNNeuron(nn.Module):
    """``conv -> BN -> neuron`` on ``[T, batch, C, H, W]`` (Spikformer's order)."""

    def __init__(self, c_in: int, c_out: int, kernel_size: int, neuron: str, *, bias: bool = False,
                 conv: type = nn.Conv2d, v_threshold: float = 1.0):
        super().__init__()
        self.conv = conv(c_in, c_out, kernel_size, padding=kernel_size // 2, bias=bias)
        self.bn = nn.BatchNorm2d(c_out) if conv is nn.Conv2d else nn.BatchNorm1d(c_out)
        self.neuron = make_neuron(neuron, v_threshold=v_threshold)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.neuron(seq_apply(lambda y: self.bn(self.conv(y)), x))


class _SPS(nn.Module):
    def __init__(self, cfg: SpikformerConfig):
        super().__init__()
        d = cfg.embed_dim
        widths = (cfg.in_channels, d // 8, d // 4, d // 2, d)
        self.layers = nn.ModuleList(_ConvBNNeuron(widths[i], widths[i + 1], 3, cfg.neuron) for i in range(4))
        self.pool_after = set(range(4 - cfg.n_pools, 4))
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.rpe = _ConvBNNeuron(d, d, 3, cfg.neuron)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i in self.pool_after:
                x = seq_apply(self.pool, x)
        return x + self.rpe(x)


class _SpikformerAttention(nn.Module):
    def __init__(self, dim: int, num_heads: int, neuron: str, qkv_bias: bool):
        super().__init__()
        self.dim, self.num_heads = dim, num_heads
        self.q, self.k, self.v = (_ConvBNNeuron(dim, dim, 1, neuron, bias=qkv_bias, conv=nn.Conv1d)
                                  for _ in range(3))
        self.attn_neuron = make_neuron(neuron, v_threshold=ATTENTION_THRESHOLD)
        self.proj = _ConvBNNeuron(dim, dim, 1, neuron, bias=True, conv=nn.Conv1d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t, b, c, h, w = x.shape
        tokens = x.flatten(3)  # [T, B, C, N]

        def heads(layer: nn.Module) -> torch.Tensor:
            y = layer(tokens).transpose(-1, -2)  # [T, B, N, C]
            return y.reshape(t, b, h * w, self.num_heads, c // self.num_heads).transpose(2, 3)

        q, k, v = heads(self.q), heads(self.k), heads(self.v)
        attn = (q @ (k.transpose(-2, -1) @ v)) * ATTENTION_SCALE
        attn = self.attn_neuron(attn.transpose(3, 4).reshape(t, b, c, h * w))
        return self.proj(attn).reshape(t, b, c, h, w)


class _SpikformerBlock(nn.Module):
    def __init__(self, cfg: SpikformerConfig):
        super().__init__()
        d = cfg.embed_dim
        self.mixer = _SpikformerAttention(d, cfg.num_heads, cfg.neuron, cfg.qkv_bias) \
            if cfg.mixer == "ssa" else PoolMixer(cfg.mixer)
        self.fc1 = _ConvBNNeuron(d, d * cfg.mlp_ratio, 1, cfg.neuron, bias=True)
        self.fc2 = _ConvBNNeuron(d * cfg.mlp_ratio, d, 1, cfg.neuron, bias=True)
        self.residual_mixer = cfg.mixer == "ssa"  # a pool replaces the tokens, as Max-Former's ablation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.mixer(x) if self.residual_mixer else self.mixer(x)
        return x + self.fc2(self.fc1(x))


class Spikformer(nn.Module):
    """Spikformer for a :class:`SpikformerConfig` (use :func:`spikformer`); called as
    :class:`~neurosparse.snn.maxformer.MaxFormer` is."""

    def __init__(self, config: SpikformerConfig):
        super().__init__()
        if not isinstance(config, SpikformerConfig):
            raise ParameterError(f"config must be a SpikformerConfig, got {type(config).__name__}")
        self.config = config
        self.patch_embed = _SPS(config)
        self.blocks = nn.Sequential(*[_SpikformerBlock(config) for _ in range(config.depth)])
        self.head = nn.Linear(config.embed_dim, config.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cfg = self.config
        x = time_first_input(x, cfg.time_steps, cfg.in_channels, 2 ** cfg.n_pools)
        tokens = self.blocks(self.patch_embed(x)).flatten(3).mean(3)
        return self.head(tokens).mean(0)


def spikformer(config: str | SpikformerConfig = "cifar-4-384", **overrides) -> Spikformer:
    """Spikformer of a named configuration (:data:`SPIKFORMER_CONFIGS`) or a
    :class:`SpikformerConfig`, with any field overridden (``mixer="avg"``)."""
    if isinstance(config, str) and config in SPIKFORMER_CONFIGS:
        config = SPIKFORMER_CONFIGS[config]
    elif not isinstance(config, SpikformerConfig):
        raise ParameterError(f"config must be one of {tuple(SPIKFORMER_CONFIGS)} or a SpikformerConfig, "
                             f"got {config!r}")
    fields = {f.name for f in dataclasses.fields(SpikformerConfig)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ParameterError(f"unknown Spikformer option(s) {unknown}; the options are {sorted(fields)}")
    return Spikformer(dataclasses.replace(config, **overrides) if overrides else config)
