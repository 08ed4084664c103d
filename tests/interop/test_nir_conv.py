"""Convolutions and pooling unrolled to sparse matrices equal PyTorch's operators."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from neurosparse.interop.nir_conv import (  # noqa: E402
    avgpool2d_matrix,
    conv_matrix,
    same_padding,
    sumpool2d_matrix,
)


@pytest.mark.parametrize(
    "c_in, c_out, k, stride, pad, dil, groups, size",
    [
        (2, 4, (3, 3), (1, 1), (1, 1), (1, 1), 1, (7, 6)),
        (2, 4, (3, 2), (2, 1), (0, 1), (1, 1), 2, (9, 8)),
        (3, 6, (3, 3), (1, 2), (2, 2), (2, 1), 3, (8, 8)),
        (1, 2, (5, 5), (3, 3), (2, 0), (1, 1), 1, (11, 12)),
    ],
)
def test_conv2d_matrix_equals_torch_conv2d(c_in, c_out, k, stride, pad, dil, groups, size):
    rng = np.random.default_rng(0)
    w = rng.normal(size=(c_out, c_in // groups, *k))
    x = rng.normal(size=(c_in, *size))
    matrix, shape = conv_matrix((c_in, *size), w, stride, tuple((p, p) for p in pad), dil, groups)
    want = F.conv2d(
        torch.from_numpy(x[None]),
        torch.from_numpy(w),
        stride=stride,
        padding=pad,
        dilation=dil,
        groups=groups,
    )[0].numpy()
    assert shape == want.shape
    np.testing.assert_allclose((matrix @ x.reshape(-1)).reshape(shape), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("k, dil", [((3, 3), (1, 1)), ((4, 2), (1, 2)), ((5, 3), (2, 1))])
def test_same_padding_is_pytorchs(k, dil):
    rng = np.random.default_rng(1)
    w = rng.normal(size=(2, 2, *k))
    x = rng.normal(size=(2, 9, 10))
    matrix, shape = conv_matrix((2, 9, 10), w, (1, 1), same_padding(k, dil), dil)
    want = F.conv2d(torch.from_numpy(x[None]), torch.from_numpy(w), padding="same", dilation=dil)[0].numpy()
    assert shape == want.shape == (2, 9, 10)
    np.testing.assert_allclose((matrix @ x.reshape(-1)).reshape(shape), want, rtol=1e-12, atol=1e-12)


def test_conv1d_matrix_equals_torch_conv1d():
    rng = np.random.default_rng(2)
    w = rng.normal(size=(4, 1, 3))
    x = rng.normal(size=(2, 15))
    matrix, shape = conv_matrix((2, 15), w, (2,), ((1, 1),), (2,), groups=2)
    want = F.conv1d(
        torch.from_numpy(x[None]), torch.from_numpy(w), stride=2, padding=1, dilation=2, groups=2
    )[0].numpy()
    np.testing.assert_allclose((matrix @ x.reshape(-1)).reshape(shape), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "k, s, p", [((2, 2), (2, 2), (0, 0)), ((3, 3), (2, 2), (1, 1)), ((3, 2), (1, 2), (1, 0))]
)
def test_pooling_matrices_equal_torch_avg_pool_and_its_sum(k, s, p):
    x = np.random.default_rng(3).normal(size=(3, 8, 9))
    avg, shape = avgpool2d_matrix((3, 8, 9), k, s, p)
    summed, _ = sumpool2d_matrix((3, 8, 9), k, s, p)
    want = F.avg_pool2d(torch.from_numpy(x[None]), k, s, p, count_include_pad=True)[0].numpy()
    np.testing.assert_allclose((avg @ x.reshape(-1)).reshape(shape), want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        (summed @ x.reshape(-1)).reshape(shape), want * k[0] * k[1], rtol=1e-12, atol=1e-12
    )


def test_zero_weights_make_no_synapses():
    w = np.zeros((2, 1, 3, 3))
    w[0, 0, 1, 1] = 1.0
    matrix, shape = conv_matrix((1, 5, 5), w, (1, 1), ((1, 1), (1, 1)), (1, 1))
    assert matrix.nnz == 25  # one synapse per output of channel 0, none for channel 1
