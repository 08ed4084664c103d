r"""Active Dendrites Network for continual learning (Iyer et al. 2022), in PyTorch.

Iyer, Grewal, Velu, Souza, Dekel, Ahmad, Hawkins (2022), "Avoiding Catastrophe: Active
Dendrites Enable Multi-Task Learning in Dynamic Environments", *Frontiers in Neurorobotics*
16:846219 (arXiv:2201.00042). A hidden unit :math:`i` has a feed-forward (proximal) input and
:math:`S` dendritic segments that see a context vector :math:`c`:

.. math::

    \hat t_i = w_i \cdot x + b_i, \qquad d_{ij} = u_{ij} \cdot c, \qquad
    j^* = \arg\max_j |d_{ij}|, \qquad \hat y_i = \hat t_i \, \sigma(d_{ij^*}),

the segment that responds most strongly, by absolute value with its sign kept, gates the
feed-forward value through a sigmoid: a strongly positive segment lets it through
(:math:`\sigma \to 1`), a strongly negative one silences it (:math:`\sigma \to 0`). Each hidden
layer then keeps its :math:`k` largest gated values and zeroes the rest (k-winners-take-all,
:func:`kwinners`), so a context selects a sparse sub-network; without k-WTA a ReLU follows the
gate. Feed-forward weights may be sparse with a fixed random mask (:class:`SparseLinear`); the
output layer is a linear read-out without dendrites, shared by all tasks (one head).

The context of a task is its prototype, the mean of its training inputs
(:func:`prototype`); at test time no task label is given, and each input takes the prototype
nearest to it in Euclidean distance (:func:`nearest_prototype`). The published setup, the
defaults of :class:`ActiveDendritesNetwork`: 784 inputs, two hidden layers of 2048 units, one
segment per task, k-WTA keeping 5 % of each layer, feed-forward weight sparsity 0.5
(:class:`~neurosparse.dendrites.continual_learner.ContinualDendritesClassifier` trains it with
Adam on batches of 256).

Computing cost. The segment responses depend on the context only, so they are computed once
per distinct context in a batch (``torch.unique``; a training batch has one), not once per
sample: exactly the same result, and what a chip that caches each task's gates computes.

This module needs torch (the ``snn`` extra); ``neurosparse.dendrites`` imports without it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from neurosparse.errors import ParameterError

__all__ = [
    "ActiveDendritesNetwork",
    "DendriticSegments",
    "KWinners",
    "SparseLinear",
    "absolute_max_gate",
    "kwinners",
    "nearest_prototype",
    "prototype",
    "select_segments",
]


# ---------------------------------------------------------------------------- functions
def kwinners(x: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the ``k`` largest values of each row of ``x`` (last dimension), zero the others.

    Ties at the k-th value are broken toward the lower index, so exactly ``k`` values per row
    are kept whatever the input; the gradient flows to the winners only.

    Parameters
    ----------
    x
        ``(..., n)`` values, finite.
    k
        Winners per row, ``1 <= k <= n``.

    Returns
    -------
    torch.Tensor
        ``x`` with all but ``k`` entries per row set to 0 (the winners keep their value, even
        a negative one).
    """
    n = x.shape[-1]
    if not 1 <= k <= n:
        raise ParameterError(f"k must be in [1, {n}] (the layer's width), got {k}")
    if k == n:
        return x
    kth = torch.topk(x.detach(), k, dim=-1, sorted=True).values[..., -1:]
    above = x.detach() > kth
    tied = x.detach() == kth
    places_left = k - above.sum(dim=-1, keepdim=True)  # >= 1: the k-th value itself is tied
    winners = above | (tied & (torch.cumsum(tied, dim=-1) <= places_left))
    return torch.where(winners, x, torch.zeros((), dtype=x.dtype))


def select_segments(responses: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The response of largest absolute value over the segments (last dimension), sign kept.

    Parameters
    ----------
    responses
        ``(..., n_segments)`` segment responses :math:`d_{ij}`.

    Returns
    -------
    (selected, index)
        ``selected`` ``(...)``: :math:`d_{ij^*}`, ``index`` ``(...)`` int64: :math:`j^*`
        (the first segment among equal absolute values).
    """
    index = responses.detach().abs().argmax(dim=-1)
    return responses.gather(-1, index.unsqueeze(-1)).squeeze(-1), index


def absolute_max_gate(values: torch.Tensor, responses: torch.Tensor) -> torch.Tensor:
    r"""Gate ``values`` by the sigmoid of their strongest segment: :math:`\hat t \sigma(d_{j^*})`.

    Parameters
    ----------
    values
        ``(..., n_units)`` feed-forward values :math:`\hat t`.
    responses
        ``(..., n_units, n_segments)`` segment responses, broadcastable against ``values``.
    """
    selected, _ = select_segments(responses)
    return values * torch.sigmoid(selected)


def prototype(x: torch.Tensor) -> torch.Tensor:
    """A task's context: the mean of its training inputs, ``(n, d) -> (d,)``."""
    if x.dim() != 2 or x.shape[0] == 0:
        raise ParameterError(f"prototype needs a non-empty (n, d) batch of inputs, got shape "
                             f"{tuple(x.shape)}")
    return x.mean(dim=0)


def nearest_prototype(x: torch.Tensor, prototypes: torch.Tensor) -> torch.Tensor:
    """For each row of ``x`` ``(n, d)``, the index of the nearest row of ``prototypes`` ``(m, d)``
    (Euclidean; the lower index on a tie), int64 ``(n,)``."""
    if x.dim() != 2 or prototypes.dim() != 2 or x.shape[1] != prototypes.shape[1] or not len(prototypes):
        raise ParameterError(f"nearest_prototype needs x (n, d) and prototypes (m >= 1, d), got "
                             f"{tuple(x.shape)} and {tuple(prototypes.shape)}")
    # |x - p|^2 = |x|^2 - 2 x.p + |p|^2; |x|^2 is the same for every p
    scores = (prototypes * prototypes).sum(dim=1) - 2.0 * (x @ prototypes.T)
    return scores.argmin(dim=1)


# ---------------------------------------------------------------------------- modules
class KWinners(nn.Module):
    """k-winners-take-all over the last dimension (:func:`kwinners`), the same in training and
    inference (no boosting).

    Parameters
    ----------
    n
        Width of the layer.
    percent_on
        Fraction of units kept, ``k = max(1, round(percent_on * n))``.
    """

    def __init__(self, n: int, percent_on: float):
        super().__init__()
        if not 0.0 < percent_on <= 1.0:
            raise ParameterError(f"percent_on must be in (0, 1], got {percent_on}")
        self.n = int(n)
        self.percent_on = float(percent_on)
        self.k = max(1, int(round(percent_on * n)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return kwinners(x, self.k)

    def extra_repr(self) -> str:
        return f"n={self.n}, k={self.k}"


class SparseLinear(nn.Linear):
    """A linear layer whose weights are zero outside a fixed random mask.

    Every output unit keeps ``round((1 - weight_sparsity) * in_features)`` of its inputs, drawn
    from ``generator``; the others stay zero for good: :meth:`rezero_weights` (called after every
    optimizer step) puts back any value an update gave them. Weights start uniform in
    ``±1 / sqrt(n_kept * input_density)``: PyTorch's default bound for the fan-in that is
    expected to be non-zero, the paper's sparse ("modified") Kaiming initialization, so that a
    layer fed by a k-WTA layer (``input_density = k / n``) starts at the same scale as a dense
    one. Biases start uniform in ``±1 / sqrt(in_features)``, as PyTorch's.

    Parameters
    ----------
    in_features, out_features
        Sizes, as :class:`torch.nn.Linear`.
    weight_sparsity
        Fraction of each unit's weights fixed at zero, in ``[0, 1)``.
    generator
        Torch generator for the weights and the mask.
    input_density
        Expected fraction of non-zero inputs, in ``(0, 1]`` (for the initialization only).
    """

    def __init__(self, in_features: int, out_features: int, weight_sparsity: float = 0.0,
                 generator: torch.Generator | None = None, input_density: float = 1.0):
        if not 0.0 <= weight_sparsity < 1.0:
            raise ParameterError(f"weight_sparsity must be in [0, 1), got {weight_sparsity}")
        if not 0.0 < input_density <= 1.0:
            raise ParameterError(f"input_density must be in (0, 1], got {input_density}")
        super().__init__(in_features, out_features)
        self.weight_sparsity = float(weight_sparsity)
        n_kept = max(1, int(round((1.0 - weight_sparsity) * in_features)))
        bound = 1.0 / math.sqrt(max(1.0, n_kept * float(input_density)))
        mask = torch.ones(out_features, in_features, dtype=torch.bool)
        if n_kept < in_features:
            order = torch.rand(out_features, in_features, generator=generator).argsort(dim=1)
            mask = torch.zeros_like(mask).scatter_(1, order[:, :n_kept], True)
        self.register_buffer("weight_mask", mask)
        with torch.no_grad():
            self.weight.uniform_(-bound, bound, generator=generator)
            bias_bound = 1.0 / math.sqrt(in_features)
            self.bias.uniform_(-bias_bound, bias_bound, generator=generator)
            self.weight.mul_(mask)

    def rezero_weights(self) -> None:
        """Set the weights outside the mask back to zero."""
        with torch.no_grad():
            self.weight.mul_(self.weight_mask)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", weight_sparsity={self.weight_sparsity}"


class DendriticSegments(nn.Module):
    r"""``n_segments`` dendritic segments on each of ``n_units`` units: responses
    :math:`d_{ij} = u_{ij} \cdot c` to a context :math:`c`.

    The weights ``weight`` ``(n_units, n_segments, dim_context)`` start uniform in
    ``±init_scale / sqrt(dim_context)``. The responses are computed once per distinct context of the
    batch (one linear map of the distinct contexts), then indexed back to the samples.
    """

    def __init__(self, n_units: int, n_segments: int, dim_context: int,
                 generator: torch.Generator | None = None, init_scale: float = 1.0):
        super().__init__()
        for name, v in (("n_units", n_units), ("n_segments", n_segments), ("dim_context", dim_context)):
            if int(v) < 1:
                raise ParameterError(f"{name} must be >= 1, got {v}")
        self.n_units, self.n_segments, self.dim_context = int(n_units), int(n_segments), int(dim_context)
        bound = float(init_scale) / math.sqrt(dim_context)
        self.weight = nn.Parameter(torch.empty(n_units, n_segments, dim_context).uniform_(
            -bound, bound, generator=generator))

    def forward(self, contexts: torch.Tensor) -> torch.Tensor:
        """Responses of every segment to ``contexts`` ``(m, dim_context)``: ``(m, n_units, n_segments)``."""
        flat = F.linear(contexts, self.weight.view(self.n_units * self.n_segments, self.dim_context))
        return flat.view(contexts.shape[0], self.n_units, self.n_segments)

    def extra_repr(self) -> str:
        return f"n_units={self.n_units}, n_segments={self.n_segments}, dim_context={self.dim_context}"


class ActiveDendriteLayer(nn.Module):
    """One hidden layer: sparse feed-forward weights, optional dendritic gating, then k-WTA
    (``kw=True``) or ReLU."""

    def __init__(self, in_features: int, out_features: int, *, n_segments: int, dim_context: int,
                 dendrites: bool, kw: bool, kw_percent_on: float, weight_sparsity: float,
                 segment_init: float, input_density: float, generator: torch.Generator):
        super().__init__()
        self.linear = SparseLinear(in_features, out_features, weight_sparsity, generator, input_density)
        self.segments = DendriticSegments(out_features, n_segments, dim_context, generator,
                                          segment_init) if dendrites else None
        self.activation = KWinners(out_features, kw_percent_on) if kw else nn.ReLU()

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None) -> torch.Tensor:
        y = self.linear(x)
        if self.segments is not None:
            if context is None:
                raise ParameterError("a network with dendrites needs a context (its task's prototype)")
            y = y * self.gates(context, len(x))
        return self.activation(y)

    def gates(self, context: torch.Tensor, n: int) -> torch.Tensor:
        r""":math:`\sigma(d_{ij^*})` for each sample, ``(n, out_features)``, from a context ``(d,)``
        shared by the batch or one context per sample ``(n, d)``."""
        d = self.segments.dim_context
        if tuple(context.shape) not in ((d,), (n, d)):
            raise ParameterError(f"the context must be ({d},) or one row per sample ({n}, {d}), got shape "
                                 f"{tuple(context.shape)}")
        if context.dim() == 1:
            return torch.sigmoid(select_segments(self.segments(context.unsqueeze(0)))[0])
        distinct, which = torch.unique(context, dim=0, return_inverse=True)
        return torch.sigmoid(select_segments(self.segments(distinct))[0])[which]


class ActiveDendritesNetwork(nn.Module):
    """An MLP of active-dendrite layers with k-WTA and a single-head linear read-out.

    Parameters
    ----------
    input_size, output_size
        Inputs (784 for MNIST) and classes (10, shared by every task).
    hidden_sizes
        Widths of the hidden layers.
    num_segments
        Segments per hidden unit (one per task in the published setup).
    dim_context
        Length of the context vector (784: a prototype is an input).
    dendrites
        Whether hidden units are gated by dendritic segments; ``False`` gives a plain
        (sparse) MLP that takes no context.
    kw
        k-winners-take-all on each hidden layer (else ReLU).
    kw_percent_on
        Fraction of each hidden layer k-WTA keeps.
    weight_sparsity
        Fraction of the feed-forward weights of every layer (the read-out too) fixed at zero.
    segment_init
        Segment weights start uniform in ``±segment_init / sqrt(dim_context)``
        (:class:`DendriticSegments`).
    seed
        Seeds the initial weights and the sparsity masks (``torch.Generator``).

    Shapes: ``forward(x (n, input_size), context (dim_context,) or (n, dim_context))`` ->
    logits ``(n, output_size)``.

    Example
    -------
    >>> net = ActiveDendritesNetwork(hidden_sizes=(64, 64), num_segments=3, seed=0)
    >>> net(torch.rand(5, 784), torch.rand(784)).shape
    torch.Size([5, 10])
    """

    def __init__(self, input_size: int = 784, output_size: int = 10,
                 hidden_sizes: Sequence[int] = (2048, 2048), num_segments: int = 10,
                 dim_context: int = 784, *, dendrites: bool = True, kw: bool = True,
                 kw_percent_on: float = 0.05, weight_sparsity: float = 0.5, segment_init: float = 1.0,
                 seed: int = 0):
        super().__init__()
        sizes = [int(input_size), *(int(h) for h in hidden_sizes)]
        if min(sizes) < 1 or int(output_size) < 1 or not hidden_sizes:
            raise ParameterError(f"input_size, output_size and every hidden size must be >= 1 and there "
                                 f"must be a hidden layer; got {input_size}, {output_size}, "
                                 f"{tuple(hidden_sizes)}")
        generator = torch.Generator().manual_seed(int(seed))
        self.dendrites, self.kw = bool(dendrites), bool(kw)
        self.dim_context = int(dim_context)
        fed_by_kw = kw_percent_on if kw else 1.0  # density of a hidden layer's output
        self.hidden = nn.ModuleList(
            ActiveDendriteLayer(a, b, n_segments=num_segments, dim_context=dim_context, dendrites=dendrites,
                                kw=kw, kw_percent_on=kw_percent_on, weight_sparsity=weight_sparsity,
                                segment_init=segment_init, input_density=1.0 if i == 0 else fed_by_kw,
                                generator=generator)
            for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])))
        self.output = SparseLinear(sizes[-1], int(output_size), weight_sparsity, generator, fed_by_kw)

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None) -> torch.Tensor:
        for layer in self.hidden:
            x = layer(x, context)
        return self.output(x)

    def hidden_activity(self, x: torch.Tensor, context: torch.Tensor | None = None) -> list[torch.Tensor]:
        """The output of every hidden layer (after k-WTA or ReLU), without gradients."""
        out = []
        with torch.no_grad():
            for layer in self.hidden:
                x = layer(x, context)
                out.append(x)
        return out

    def rezero_weights(self) -> None:
        """Put the zeros of every sparse weight mask back (after an optimizer step)."""
        for layer in self.hidden:
            layer.linear.rezero_weights()
        self.output.rezero_weights()
