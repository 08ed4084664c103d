"""The synaptic operations of one linear map, counted exactly from its operands' zero patterns.

Shared by the module counters of :mod:`neurosparse.hardware.torch_count` and the functional
counter of :mod:`neurosparse.hardware.torch_functional`, so that ``nn.Linear(x)`` and
``F.linear(x, W)`` (or ``x @ W.T``) give the same counts.

For a map ``y = f(x, w)`` bilinear in an input ``x`` and a weight ``w`` (a linear layer, a
convolution, a matrix product, an einsum), with ``m(t) = 1[t != 0]``:

* ``dense_ops``: the products a dense implementation performs, ``sum f(1, 1)``;
* ``effective``: the products with both operands non-zero, ``sum f(m(x), m(w))``;
* ``nonzero_input_ops`` / ``nonzero_weight_ops``: ``sum f(m(x), 1)`` and ``sum f(1, m(w))``.

The masks are mapped in float64, so every count is exact up to 2**53. The effective products
are accumulates (``effective_acs``, also ``synaptic_events``) when every input element is 0, 1
or -1 (binary or ternary spikes; NeuroBench's test), multiply-accumulates otherwise.

``neurobench=True`` (linear layers and convolutions) counts as NeuroBench 2.3 does: the map is
applied to the masks in the layer's own dtype and summed there by the same torch reduction (so a
float32 layer's total is rounded as NeuroBench's is once it passes 2**24, on the same machine and
thread count), truncated to an integer per call, and the dense count is ``f`` applied to an
all-ones input, so convolution padding zeros are left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F

from neurosparse.errors import NeurosparseWarning

__all__ = ["Uncountable", "UncountedLayerWarning", "conv_ops", "einsum_ops", "is_spikes", "linear_ops",
           "matmul_ops", "merge", "nnz", "output_tensor", "synaptic", "tensor_bytes"]

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


class UncountedLayerWarning(NeurosparseWarning):
    """A module with parameters was called but no counter knows how to count it."""


class Uncountable(Exception):
    """Raised by a counter for a call it cannot count (e.g. a PackedSequence input)."""


def merge(into: dict[str, float], more: Mapping[str, float]) -> dict[str, float]:
    """Add the increments ``more`` into ``into`` (in place) and return it."""
    for key, value in more.items():
        into[key] = into.get(key, 0.0) + float(value)
    return into


def output_tensor(output: Any) -> torch.Tensor:
    """A module's main output: the first element of a tuple or list, else the output."""
    return output[0] if isinstance(output, (tuple, list)) else output


def nnz(x: torch.Tensor) -> int:
    """Number of non-zero elements."""
    return int(torch.count_nonzero(x))


def is_spikes(x: torch.Tensor) -> bool:
    """NeuroBench's test for event input: every element is 0, 1 or -1."""
    return bool(((x == 0) | (x == 1) | (x == -1)).all())


def tensor_bytes(*tensors: Any) -> float:
    """Bytes of the tensors among ``tensors`` (anything else counts 0)."""
    return float(sum(t.numel() * t.element_size() for t in tensors if isinstance(t, torch.Tensor)))


def synaptic(dense: float, effective: float, nonzero_input: float, nonzero_weight: float,
             spikes: bool) -> dict[str, float]:
    """The count increments of one map: effective products as ACs (``spikes``) or MACs."""
    out = {"dense_ops": float(dense), "nonzero_input_ops": float(nonzero_input),
           "nonzero_weight_ops": float(nonzero_weight)}
    if spikes:
        out["effective_acs"] = float(effective)
        out["synaptic_events"] = float(effective)
    else:
        out["effective_macs"] = float(effective)
    return out


def _mask(x: torch.Tensor, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    return (x != 0).to(dtype)


def _neurobench_sum(y: torch.Tensor) -> float:
    """NeuroBench's per-call total: the sum in the map's dtype, truncated to an integer."""
    return float(int(y.sum()))


def linear_ops(x: torch.Tensor, weight: torch.Tensor, *, neurobench: bool = False) -> dict[str, float]:
    """Ops of ``x @ weight.T`` for ``x`` ``[..., in]`` and ``weight`` ``[out, in]``."""
    n_out, n_in = weight.shape
    rows = x.numel() // n_in if n_in else 0
    if neurobench:
        dt = weight.dtype
        effective = _neurobench_sum(F.linear(_mask(x, dt), _mask(weight, dt)))
        dense = _neurobench_sum(F.linear(torch.ones_like(x, dtype=dt), torch.ones_like(weight)))
    else:
        col_nnz = _mask(weight).sum(0)
        x_nz = _mask(x).reshape(-1, n_in).sum(0)
        effective = float(x_nz @ col_nnz)
        dense = float(rows * n_in * n_out)
    return synaptic(dense, effective, nnz(x) * n_out, rows * nnz(weight), is_spikes(x))


def conv_ops(x: torch.Tensor, weight: torch.Tensor, out: torch.Tensor, *, stride: Any = 1,
             padding: Any = 0, dilation: Any = 1, groups: int = 1, padding_mode: str = "zeros",
             reversed_padding: Sequence[int] | None = None, neurobench: bool = False) -> dict[str, float]:
    """Ops of a convolution of ``x`` with ``weight`` that produced ``out``.

    ``padding_mode`` other than ``"zeros"`` pads the input mask as the layer pads its input
    (``reversed_padding`` is the layer's ``_reversed_padding_repeated_twice``). The default dense
    count includes the products with zero padding (``out.numel() * fan_in``); NeuroBench's
    (``neurobench=True``) applies the convolution to an all-ones input, which leaves them out.
    """
    conv = _CONV[weight.dim() - 2]
    dt = weight.dtype if neurobench else torch.float64
    mask = _mask(x, dt)
    ones = torch.ones_like(mask)
    if padding_mode != "zeros":
        mask = F.pad(mask, list(reversed_padding), mode=padding_mode)
        ones = F.pad(ones, list(reversed_padding), mode=padding_mode)
        padding = 0
    w_mask = _mask(weight, dt)

    def apply(inp: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return conv(inp, w, None, stride, padding, dilation, groups)

    fan_in = weight[0].numel()
    positions = out.numel() // weight.shape[0]
    if neurobench:
        dense = _neurobench_sum(apply(ones, torch.ones_like(w_mask)))
        effective = _neurobench_sum(apply(mask, w_mask))
    else:
        dense = float(out.numel() * fan_in)
        effective = float(apply(mask, w_mask).sum())
    nonzero_input = float(apply(mask, torch.ones_like(w_mask)).sum())
    return synaptic(dense, effective, nonzero_input, positions * nnz(weight), is_spikes(x))


def matmul_ops(op: Any, a: torch.Tensor, b: torch.Tensor, input_index: int = 0) -> dict[str, float]:
    """Ops of ``op(a, b)`` for ``op`` one of ``torch.matmul``, ``torch.mm``, ``torch.bmm``.

    ``input_index`` says which operand is the input (the other is the weight): it decides
    ACs vs MACs and which operand ``nonzero_input_ops`` keeps.
    """
    ma, mb = _mask(a), _mask(b)
    ones_a, ones_b = torch.ones_like(ma), torch.ones_like(mb)
    both = op(ma, mb)
    dense = float(both.numel() * a.shape[-1])  # every output sums over a's last axis
    nz_a = float(op(ma, ones_b).sum())
    nz_b = float(op(ones_a, mb).sum())
    x = a if input_index == 0 else b
    nz_in, nz_w = (nz_a, nz_b) if input_index == 0 else (nz_b, nz_a)
    return synaptic(dense, float(both.sum()), nz_in, nz_w, is_spikes(x))


def einsum_ops(equation: str, operands: Sequence[torch.Tensor], input_index: int = 0
               ) -> dict[str, float] | None:
    """Ops of ``torch.einsum(equation, *operands)``: products of all operands; None for a
    single-operand einsum (a sum or a transpose: no products)."""
    if len(operands) < 2:
        return None
    masks = [_mask(t) for t in operands]
    ones = [torch.ones_like(m) for m in masks]

    def total(pattern: list[torch.Tensor]) -> float:
        return float(torch.einsum(equation, *pattern).sum())

    x = operands[input_index]
    only_input = [m if k == input_index else o for k, (m, o) in enumerate(zip(masks, ones))]
    only_weights = [o if k == input_index else m for k, (m, o) in enumerate(zip(masks, ones))]
    return synaptic(total(ones), total(masks), total(only_input), total(only_weights), is_spikes(x))
