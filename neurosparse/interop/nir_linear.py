r"""Each linear NIR node as a sparse operator on C-order flattened signals.

:func:`linear_operator` turns Affine, Linear, Scale, Conv1d, Conv2d, SumPool2d, AvgPool2d,
Flatten, Delay and pass-through nodes (the Input and Output nodes inside nested graphs,
``nir.ir.graph.Identity``) into a :class:`LinearOp`: :math:`y = M x + b` with an optional
per-element delay in whole steps (Delay). :mod:`neurosparse.interop.nir_import` composes
these up to the next neuron layer. Shapes follow NIR: channel first, no batch axis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from neurosparse.interop.nir_conv import (
    avgpool2d_matrix,
    conv_matrix,
    same_padding,
    sumpool2d_matrix,
)
from neurosparse.interop.nir_primitives import NIRGraphError

__all__ = ["LinearOp", "linear_operator", "output_shape"]


@dataclass
class LinearOp:
    """``y = matrix @ x + bias`` (``matrix`` None: the identity), then ``delay_steps`` per
    output element (None: no delay)."""

    matrix: sp.csr_matrix | None
    bias: np.ndarray | None
    out_shape: tuple[int, ...]
    delay_steps: np.ndarray | None = None


def _tuple(name: str, field: str, value, dims: int) -> tuple[int, ...]:
    arr = np.asarray(value).reshape(-1)
    if arr.size == 1:
        arr = np.repeat(arr, dims)
    if arr.size != dims or not np.all(np.isfinite(arr.astype(float))) or np.any(arr != np.round(arr)):
        raise NIRGraphError(name, f"{field} must be {dims} whole numbers, got {value!r}")
    return tuple(int(v) for v in arr)


def _conv(name: str, node, in_shape: tuple[int, ...], dims: int) -> LinearOp:
    weight = np.asarray(node.weight, dtype=np.float64)
    if weight.ndim != dims + 2:
        raise NIRGraphError(
            name, f"weight must have {dims + 2} axes (C_out, C_in/groups, kernel), got shape {weight.shape}"
        )
    if len(in_shape) != dims + 1:
        raise NIRGraphError(name, f"input must be (channels, {dims} spatial sizes), got shape {in_shape}")
    groups = int(np.asarray(node.groups).reshape(-1)[0])
    if (
        groups < 1
        or in_shape[0] % groups
        or weight.shape[0] % groups
        or weight.shape[1] * groups != in_shape[0]
    ):
        raise NIRGraphError(
            name, f"{in_shape[0]} input channels and weight {weight.shape} do not fit groups={groups}"
        )
    stride = _tuple(name, "stride", node.stride, dims)
    dilation = _tuple(name, "dilation", node.dilation, dims)
    kernel = tuple(weight.shape[2:])
    padding = node.padding
    if isinstance(padding, bytes):
        padding = padding.decode()
    if isinstance(padding, str):
        if padding == "valid":
            pads = tuple((0, 0) for _ in range(dims))
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise NIRGraphError(name, "padding='same' needs stride 1 (as PyTorch)")
            pads = same_padding(kernel, dilation)
        else:
            raise NIRGraphError(name, f"padding must be 'same', 'valid' or whole numbers, got {padding!r}")
    else:
        pads = tuple((p, p) for p in _tuple(name, "padding", padding, dims))
    matrix, out_shape = conv_matrix(in_shape, weight, stride, pads, dilation, groups)
    if min(out_shape[1:]) < 1:
        raise NIRGraphError(name, f"the kernel {kernel} does not fit the input {in_shape}")
    bias = np.asarray(getattr(node, "bias", 0.0), dtype=np.float64).reshape(-1)
    if bias.size not in (1, weight.shape[0]):
        raise NIRGraphError(name, f"bias has {bias.size} values for {weight.shape[0]} output channels")
    bias = np.repeat(np.broadcast_to(bias, (weight.shape[0],)), int(np.prod(out_shape[1:])))
    return LinearOp(matrix, bias if np.any(bias) else None, out_shape)


def _pool(name: str, node, in_shape: tuple[int, ...], average: bool) -> LinearOp:
    if len(in_shape) != 3:
        raise NIRGraphError(name, f"input must be (channels, height, width), got shape {in_shape}")
    kernel = _tuple(name, "kernel_size", node.kernel_size, 2)
    stride = _tuple(name, "stride", node.stride, 2)
    padding = _tuple(name, "padding", node.padding, 2)
    build = avgpool2d_matrix if average else sumpool2d_matrix
    matrix, out_shape = build(in_shape, kernel, stride, padding)
    if min(out_shape[1:]) < 1:
        raise NIRGraphError(name, f"the window {kernel} does not fit the input {in_shape}")
    return LinearOp(matrix, None, out_shape)


def _dense(name: str, node, in_shape: tuple[int, ...], with_bias: bool) -> LinearOp:
    weight = np.asarray(node.weight, dtype=np.float64)
    if weight.ndim != 2:
        raise NIRGraphError(name, f"weight must be a matrix (out, in), got shape {weight.shape}")
    n_in = int(np.prod(in_shape))
    if weight.shape[1] != n_in:
        raise NIRGraphError(name, f"weight {weight.shape} does not fit an input of {n_in} values")
    bias = None
    if with_bias:
        bias = np.asarray(node.bias, dtype=np.float64).reshape(-1)
        if bias.size == 1:
            bias = np.full(weight.shape[0], bias[0])
        if bias.size != weight.shape[0]:
            raise NIRGraphError(name, f"bias has {bias.size} values for {weight.shape[0]} outputs")
        bias = bias if np.any(bias) else None
    matrix = sp.csr_matrix(weight)
    matrix.eliminate_zeros()
    return LinearOp(matrix, bias, (weight.shape[0],))


def _elementwise(name: str, values, in_shape: tuple[int, ...], what: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    n = int(np.prod(in_shape))
    if arr.size == 1:
        arr = np.full(n, arr[0])
    if arr.size != n:
        raise NIRGraphError(name, f"{what} has {arr.size} values for an input of {n}")
    if not np.all(np.isfinite(arr)):
        raise NIRGraphError(name, f"{what} must be finite")
    return arr


def _flatten(name: str, node, in_shape: tuple[int, ...]) -> LinearOp:
    start, end = int(node.start_dim), int(node.end_dim)
    nd = len(in_shape)
    lo, hi = (start + nd if start < 0 else start), (end + nd if end < 0 else end)
    if not (0 <= lo <= hi < max(nd, 1)):
        raise NIRGraphError(name, f"start_dim={start}, end_dim={end} do not fit an input of shape {in_shape}")
    out = (*in_shape[:lo], int(np.prod(in_shape[lo : hi + 1])), *in_shape[hi + 1 :]) if nd else ()
    return LinearOp(None, None, tuple(out))


def linear_operator(name: str, node, in_shape: tuple[int, ...], dt: float) -> LinearOp:
    """The :class:`LinearOp` of a linear node fed by a signal of shape ``in_shape``."""
    kind = type(node).__name__
    if kind == "Affine":
        return _dense(name, node, in_shape, True)
    if kind == "Linear":
        return _dense(name, node, in_shape, False)
    if kind == "Conv1d":
        return _conv(name, node, in_shape, 1)
    if kind == "Conv2d":
        return _conv(name, node, in_shape, 2)
    if kind in ("SumPool2d", "AvgPool2d"):
        return _pool(name, node, in_shape, kind == "AvgPool2d")
    if kind == "Flatten":
        return _flatten(name, node, in_shape)
    if kind == "Scale":
        scale = _elementwise(name, node.scale, in_shape, "scale")
        return LinearOp(sp.diags(scale, format="csr"), None, in_shape)
    if kind == "Delay":
        delay = _elementwise(name, node.delay, in_shape, "delay")
        steps = delay / dt
        whole = np.round(steps)
        if np.any(delay < 0) or np.any(np.abs(steps - whole) > 1e-6 * np.maximum(1.0, whole)):
            raise NIRGraphError(
                name,
                f"delay must be >= 0 and a whole number of steps of dt = {dt:g} s, "
                f"got {np.unique(delay)[:5]} s",
            )
        return LinearOp(None, None, in_shape, whole.astype(np.int64))
    if kind in ("Input", "Output", "Identity"):  # inside a nested graph: values pass through
        return LinearOp(None, None, in_shape)
    raise NIRGraphError(name, f"{kind} is not a linear node")


def output_shape(name: str, node, in_shape: tuple[int, ...] | None) -> tuple[int, ...] | None:
    """The output shape of a non-linear node (neurons, Threshold: their parameters' shape,
    else their input's)."""
    for field in ("v_threshold", "threshold", "r", "tau", "v_leak"):
        value = getattr(node, field, None)
        if value is not None and np.size(value) > 1:
            shape = tuple(int(s) for s in np.shape(value))
            if in_shape is not None and int(np.prod(shape)) != int(np.prod(in_shape)):
                raise NIRGraphError(
                    name, f"has {int(np.prod(shape))} neurons but its input has shape {in_shape}"
                )
            return shape
    return in_shape
