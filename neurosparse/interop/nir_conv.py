r"""Convolutions and pooling unrolled to sparse matrices, for the event core's CSR projections.

A convolution's synapses share one kernel, so two ways of running it event-driven exist:
store the kernel once and compute each spike's targets on the fly, or unroll it to an
explicit synapse list. The event core does the second: every conv, pooling and linear node
between two neuron layers is composed into one sparse matrix and stored as a CSR
projection (:class:`~neurosparse.FromSparse`). A spike then walks its CSR row like any
other projection's, so a conv layer runs at the core's usual cost per synaptic event
(measured in ``benchmarks/nir_conv_events.py``, ``benchmarks/RESULTS.md``), and a conv
followed by a pooling or another linear node costs one walk, not two. The price is memory:
:math:`C_{out} H_{out} W_{out} \cdot C_{in} k_h k_w / g` synapses at up to 10 bytes each
(4 for the weight, 4 for the target, 2 for the delay) instead of the kernel alone, which for
the first layers of a spiking CNN at N-MNIST's 34 x 34 x 2 is a few megabytes.

For an input of shape :math:`(C_{in}, *S)` (NIR's channel-first layout without a batch
axis, flattened in C order) the matrix :math:`M` of shape ``(n_out, n_in)`` gives
:math:`y = M x`:

.. math::
    y[c_o, \mathbf{o}] = \sum_{c_i \in g(c_o)} \sum_{\mathbf{k}}
        W[c_o, c_i - g_0, \mathbf{k}]\; x[c_i, \mathbf{o} \odot \mathbf{s} - \mathbf{p}
        + \mathbf{k} \odot \mathbf{d}]

with stride :math:`\mathbf{s}`, left padding :math:`\mathbf{p}` (zeros outside the input),
dilation :math:`\mathbf{d}` and groups :math:`g`; output sizes
:math:`\lfloor (S + p_{left} + p_{right} - d (k - 1) - 1) / s \rfloor + 1` (PyTorch's).
``padding="same"`` (stride 1) pads :math:`d (k - 1)` in total, the smaller half on the left,
as PyTorch. Sum pooling is the depthwise convolution with a kernel of ones; average pooling
divides by :math:`k_h k_w`, padded positions included (PyTorch's ``count_include_pad=True``,
which snnTorch's importer uses). Explicit zero weights are dropped (they carry nothing).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["avgpool2d_matrix", "conv_matrix", "conv_output_shape", "sumpool2d_matrix"]


def conv_output_shape(
    spatial: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[tuple[int, int], ...],
    dilation: tuple[int, ...],
) -> tuple[int, ...]:
    """Output sizes of a convolution or pooling along each spatial axis (PyTorch's formula)."""
    return tuple(
        (n + lo + hi - d * (k - 1) - 1) // s + 1
        for n, k, s, (lo, hi), d in zip(spatial, kernel, stride, padding, dilation)
    )


def same_padding(kernel: tuple[int, ...], dilation: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """PyTorch's ``padding="same"`` for stride 1: ``d (k - 1)`` in total, less on the left."""
    return tuple(((d * (k - 1)) // 2, d * (k - 1) - (d * (k - 1)) // 2) for k, d in zip(kernel, dilation))


def conv_matrix(
    in_shape: tuple[int, ...],
    weight: np.ndarray,
    stride: tuple[int, ...],
    padding: tuple[tuple[int, int], ...],
    dilation: tuple[int, ...],
    groups: int = 1,
) -> tuple[sp.csr_matrix, tuple[int, ...]]:
    """The convolution as a sparse ``(n_out, n_in)`` matrix, and its output shape.

    Parameters
    ----------
    in_shape
        ``(C_in, *S)``: channels and one or two spatial sizes.
    weight
        ``(C_out, C_in / groups, *k)``.
    stride, dilation
        One int per spatial axis.
    padding
        ``(left, right)`` per spatial axis.
    groups
        Channel groups; ``C_in`` and ``C_out`` are multiples of it.

    Returns
    -------
    matrix, out_shape
        CSR matrix (float64) with ``y = matrix @ x`` on C-order flattened arrays, and
        ``(C_out, *S_out)``.
    """
    weight = np.asarray(weight, dtype=np.float64)
    spatial = tuple(in_shape[1:])
    c_out, c_group = weight.shape[0], weight.shape[1]
    kernel = tuple(weight.shape[2:])
    out_spatial = conv_output_shape(spatial, kernel, stride, padding, dilation)
    n_in = int(np.prod(in_shape))
    n_out_pos = int(np.prod(out_spatial))
    out_shape = (c_out, *out_spatial)
    if min(out_spatial, default=1) < 1:
        return sp.csr_matrix((c_out * max(n_out_pos, 0), n_in)), out_shape
    per_group_out = c_out // groups
    co = np.arange(c_out)[:, None, None]  # (C_out, C_group, positions)
    ci = (co // per_group_out) * c_group + np.arange(c_group)[None, :, None]
    out_pos = np.indices(out_spatial).reshape(len(spatial), 1, 1, -1)  # per axis (1, 1, positions)
    rows_all, cols_all, vals_all = [], [], []
    for tap in np.ndindex(*kernel):
        in_pos = [out_pos[a] * stride[a] - padding[a][0] + tap[a] * dilation[a] for a in range(len(spatial))]
        inside = np.ones(out_pos.shape[1:], dtype=bool)
        flat_in = np.zeros(out_pos.shape[1:], dtype=np.int64)
        for a, pos in enumerate(in_pos):
            inside &= (pos >= 0) & (pos < spatial[a])
            flat_in = flat_in * spatial[a] + pos
        w = weight[(slice(None), slice(None), *tap)][:, :, None]  # (C_out, C_group, 1)
        keep = np.broadcast_to(inside, (c_out, c_group, n_out_pos)) & (w != 0)
        if not keep.any():
            continue
        rows = np.broadcast_to(co * n_out_pos + np.arange(n_out_pos)[None, None, :], keep.shape)
        cols = np.broadcast_to(ci * int(np.prod(spatial)) + flat_in, keep.shape)
        rows_all.append(rows[keep])
        cols_all.append(cols[keep])
        vals_all.append(np.broadcast_to(w, keep.shape)[keep])
    if not rows_all:
        return sp.csr_matrix((c_out * n_out_pos, n_in)), out_shape
    matrix = sp.csr_matrix(
        (np.concatenate(vals_all), (np.concatenate(rows_all), np.concatenate(cols_all))),
        shape=(c_out * n_out_pos, n_in),
    )
    matrix.sum_duplicates()
    return matrix, out_shape


def sumpool2d_matrix(
    in_shape: tuple[int, int, int], kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int]
) -> tuple[sp.csr_matrix, tuple[int, ...]]:
    """Sum pooling of ``(C, H, W)`` per channel as a sparse matrix, and its output shape."""
    c = in_shape[0]
    ones = np.ones((c, 1, *kernel))
    return conv_matrix(in_shape, ones, stride, tuple((p, p) for p in padding), (1, 1), groups=c)


def avgpool2d_matrix(
    in_shape: tuple[int, int, int], kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int]
) -> tuple[sp.csr_matrix, tuple[int, ...]]:
    """Average pooling (``count_include_pad=True``): sum pooling divided by ``k_h k_w``."""
    matrix, shape = sumpool2d_matrix(in_shape, kernel, stride, padding)
    return (matrix / float(kernel[0] * kernel[1])).tocsr(), shape
