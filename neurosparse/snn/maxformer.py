"""Max-Former: a spiking transformer that restores high-frequency information.

After "Spiking Neural Networks Need High Frequency Information" (Fang et al., arXiv 2505.18608;
the authors' code is github.com/bic-L/MaxFormer; this is our implementation, with the same
architecture and parameter counts). Three stages of widths ``D/4, D/2, D``:

====== ======= ================== ==========================================
stage  width   embedding          blocks (token mixer + spiking MLP, ratio 4)
====== ======= ================== ==========================================
1      D/4     original stem      ImageNet: 1 x 7x7 depth-wise conv; CIFAR: 1 x identity
2      D/2     Embed_Max (2x)     ImageNet: 2 x 5x5 depth-wise conv; CIFAR: 1 x 3x3
3      D       Embed_Max (2x)     ImageNet: 7 x self-attention (D/64 heads); CIFAR: 2 x (12 heads)
====== ======= ================== ==========================================

then the mean over the tokens, a LIF, a linear head, and the mean over time. The two
frequency-enhancing operators are the extra max-pool of the patch embedding (Embed_Max,
:class:`~neurosparse.snn.patch_embed.EmbedDown`) and the depth-wise convolutions in place of
self-attention early on (:mod:`neurosparse.snn.spiking_blocks`).

:func:`max_former` builds a named configuration (:data:`CONFIGS`), any field overridable:
``max_former("cifar", mixers=("identity", "avg", "ssa"))`` swaps stage 2's mixer,
``downsample="conv"`` the embedding's pools, ``neuron="if"`` every neuron.

Parameter counts (tested; the paper's in brackets): ``imagenet-10-384`` 16.24 M (16.24 M),
``imagenet-10-512`` 28.65 M (28.65 M), ``imagenet-10-768`` 63.99 M (63.99 M), ``cifar``
6.57 M at 10 classes (6.57 M; 6.60 M at 100 classes), each equal to the authors' code to the
parameter. ``cifar`` is ``D = 384`` with 12 heads (the authors' CIFAR settings; their CIFAR
code hard-codes 8 heads, which changes no parameter), "patch 4" (two 2x embeddings) and T = 4.
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
from neurosparse.snn._checks import as_count, choice, real
from neurosparse.snn.multistep_lif import NEURON_KINDS, make_neuron
from neurosparse.snn.patch_embed import DOWNSAMPLING, EmbedDown, StemCIFAR, StemImageNet
from neurosparse.snn.spiking_blocks import MIXERS, Block

__all__ = ["CONFIGS", "MaxFormer", "MaxFormerConfig", "max_former", "time_first_input"]

STEMS = ("imagenet", "cifar")


@dataclass(frozen=True)
class MaxFormerConfig:
    """The architecture of a :class:`MaxFormer`.

    Parameters
    ----------
    embed_dim
        ``D``, the width of stage 3 (stages 1 and 2 have ``D/4`` and ``D/2``); divisible by 8.
    depths
        Blocks in each of the three stages.
    mixers
        Token mixer of each stage (:data:`~neurosparse.snn.spiking_blocks.MIXERS`).
    num_heads
        Attention heads of every self-attention mixer (must divide its stage's width).
    mlp_ratio
        Hidden width of the MLPs over the block width.
    stem
        ``"imagenet"`` (stage-1 embedding downsampling 4x) or ``"cifar"`` (none).
    downsample
        Embedding of stages 2 and 3: ``"max"`` (Embed_Max), ``"avg"`` or ``"conv"``.
    in_channels, num_classes
        Image channels and classes.
    time_steps
        ``T`` used when the input is a static batch ``[batch, C, H, W]`` (repeated ``T`` times).
    neuron
        ``"lif"``, ``"if"`` or ``"relu"`` (the ANN twin) for every neuron.
    """

    embed_dim: int = 384
    depths: tuple[int, int, int] = (1, 1, 2)
    mixers: tuple[str, str, str] = ("identity", "dwc3", "ssa")
    num_heads: int = 12
    mlp_ratio: float = 4.0
    stem: str = "cifar"
    downsample: str = "max"
    in_channels: int = 3
    num_classes: int = 10
    time_steps: int = 4
    neuron: str = "lif"

    def __post_init__(self) -> None:
        dim = as_count("embed_dim", self.embed_dim, low=8)
        if dim % 8:
            raise ParameterError(f"embed_dim must be divisible by 8, got {dim}")
        if not isinstance(self.depths, (tuple, list)) or len(self.depths) != 3:
            raise ParameterError(f"depths must be three block counts, got {self.depths!r}")
        depths = tuple(as_count(f"depths[{i}]", d, low=0) for i, d in enumerate(self.depths))
        if not isinstance(self.mixers, (tuple, list)) or len(self.mixers) != 3:
            raise ParameterError(f"mixers must name three token mixers, got {self.mixers!r}")
        mixers = tuple(choice(f"mixers[{i}]", m, MIXERS) for i, m in enumerate(self.mixers))
        heads = as_count("num_heads", self.num_heads, low=1)
        for stage, (mixer, width) in enumerate(zip(mixers, self.widths)):
            if mixer == "ssa" and width % heads:
                raise ParameterError(f"num_heads ({heads}) must divide the width of stage {stage + 1} "
                                     f"({width}), which uses self-attention")
        object.__setattr__(self, "depths", depths)
        object.__setattr__(self, "mixers", mixers)
        real("mlp_ratio", self.mlp_ratio, low=0.0, low_inclusive=False)
        choice("stem", self.stem, STEMS)
        choice("downsample", self.downsample, DOWNSAMPLING)
        as_count("in_channels", self.in_channels, low=1)
        as_count("num_classes", self.num_classes, low=1)
        as_count("time_steps", self.time_steps, low=1)
        choice("neuron", self.neuron, NEURON_KINDS)

    @property
    def widths(self) -> tuple[int, int, int]:
        """Channels of stages 1, 2 and 3."""
        return (self.embed_dim // 4, self.embed_dim // 2, self.embed_dim)

    @property
    def downsampling(self) -> int:
        """Total downsampling factor of the input side (16 ImageNet, 4 CIFAR)."""
        return (4 if self.stem == "imagenet" else 1) * 4


def _imagenet(dim: int) -> MaxFormerConfig:
    return MaxFormerConfig(embed_dim=dim, depths=(1, 2, 7), mixers=("dwc7", "dwc5", "ssa"),
                           num_heads=dim // 64, stem="imagenet", num_classes=1000, time_steps=1)


#: The paper's configurations (ImageNet ones at T = 1 for static input, as the authors' default).
CONFIGS: dict[str, MaxFormerConfig] = {
    "imagenet-10-384": _imagenet(384),
    "imagenet-10-512": _imagenet(512),
    "imagenet-10-768": _imagenet(768),
    "cifar": MaxFormerConfig(),
}


def time_first_input(x: torch.Tensor, time_steps: int, in_channels: int, factor: int) -> torch.Tensor:
    """``x`` as ``[T, batch, C, H, W]``: a 4-D static batch is repeated ``time_steps`` times.
    Raises ParameterError naming ``x`` for a wrong rank, channel count or size."""
    if not isinstance(x, torch.Tensor) or x.dim() not in (4, 5):
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ParameterError(f"x must be [T, batch, C, H, W] (or a static [batch, C, H, W]), got {shape}")
    if x.dim() == 4:
        x = x.unsqueeze(0).expand(time_steps, *x.shape)
    t, b, c, h, w = x.shape
    if min(t, b) < 1:
        raise ParameterError(f"x needs at least one time step and one sample, got shape {tuple(x.shape)}")
    if c != in_channels:
        raise ParameterError(f"x must have {in_channels} channels (dimension 2), got {c}")
    if h % factor or w % factor or h < factor:
        raise ParameterError(f"x's height and width must be multiples of {factor} (the downsampling), "
                             f"got {h}x{w}")
    return x


class MaxFormer(nn.Module):
    """Max-Former for a :class:`MaxFormerConfig` (use :func:`max_former`).

    ``forward(x)`` takes ``[T, batch, C, H, W]`` (or a static ``[batch, C, H, W]``, repeated
    ``config.time_steps`` times) and returns logits ``[batch, num_classes]``, the head's output
    averaged over time. :attr:`stages` lists the three ``(embedding, blocks)`` pairs.
    """

    def __init__(self, config: MaxFormerConfig):
        super().__init__()
        if not isinstance(config, MaxFormerConfig):
            raise ParameterError(f"config must be a MaxFormerConfig, got {type(config).__name__}")
        self.config = cfg = config
        w1, w2, w3 = cfg.widths
        stem = StemImageNet if cfg.stem == "imagenet" else StemCIFAR
        self.embed1 = stem(cfg.in_channels, w1, cfg.neuron)
        self.embed2 = EmbedDown(w1, w2, cfg.downsample, cfg.neuron)
        self.embed3 = EmbedDown(w2, w3, cfg.downsample, cfg.neuron)
        for i, width in enumerate(cfg.widths):
            setattr(self, f"stage{i + 1}", nn.Sequential(*[
                Block(width, cfg.mixers[i], num_heads=cfg.num_heads, mlp_ratio=cfg.mlp_ratio,
                      neuron=cfg.neuron) for _ in range(cfg.depths[i])]))
        self.head_neuron = make_neuron(cfg.neuron)
        self.head = nn.Linear(w3, cfg.num_classes)
        self.apply(_init_weights)

    @property
    def stages(self) -> list[tuple[nn.Module, nn.Sequential]]:
        return [(self.embed1, self.stage1), (self.embed2, self.stage2), (self.embed3, self.stage3)]

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The last stage's membrane input ``[T, batch, D, H/f, W/f]``."""
        cfg = self.config
        x = time_first_input(x, cfg.time_steps, cfg.in_channels, cfg.downsampling)
        for embed, blocks in self.stages:
            x = blocks(embed(x))
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = self.features(x).flatten(3).mean(3)  # [T, batch, D]
        return self.head(self.head_neuron(tokens)).mean(0)


def _init_weights(m: nn.Module) -> None:
    """The authors' initialisation: truncated normal (std 0.02) weights and zero biases for
    convolutions and the head, BN at weight 1 and bias 0."""
    if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Linear)):
        if m.weight.device.type != "meta":
            nn.init.trunc_normal_(m.weight, std=0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)


def max_former(config: str | MaxFormerConfig = "cifar", **overrides) -> MaxFormer:
    """Max-Former of a named configuration (:data:`CONFIGS`) or a :class:`MaxFormerConfig`,
    with any of its fields overridden.

    Examples
    --------
    >>> with torch.device("meta"):
    ...     model = max_former("imagenet-10-768")
    >>> round(sum(p.numel() for p in model.parameters()) / 1e6, 2)
    63.99
    """
    if isinstance(config, str):
        if config not in CONFIGS:
            raise ParameterError(f"config must be one of {tuple(CONFIGS)} or a MaxFormerConfig, "
                                 f"got {config!r}")
        config = CONFIGS[config]
    elif not isinstance(config, MaxFormerConfig):
        raise ParameterError(f"config must be one of {tuple(CONFIGS)} or a MaxFormerConfig, got {config!r}")
    fields = {f.name for f in dataclasses.fields(MaxFormerConfig)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ParameterError(f"unknown Max-Former option(s) {unknown}; the options are {sorted(fields)}")
    return MaxFormer(dataclasses.replace(config, **overrides) if overrides else config)
