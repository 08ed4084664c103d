"""Binary Sparsey inputs: thresholds, edges, skeletons, rescaling and their argument checks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from neurosparse.errors import ParameterError
from neurosparse.sparsey.preprocess import binarize, edges, preprocess, rescale, skeleton


def filled_square(size: int = 10, lo: int = 2, hi: int = 8) -> np.ndarray:
    img = np.zeros((size, size), dtype=np.bool_)
    img[lo:hi, lo:hi] = True
    return img


def test_binarize_is_strictly_above_threshold():
    x = np.array([[0.0, 0.5, 0.51], [1.0, 0.2, 0.9]])
    assert np.array_equal(binarize(x), [[False, False, True], [True, False, True]])
    assert binarize(x, threshold=0.1).sum() == 5 and binarize(x).dtype == np.bool_


def test_edges_of_a_filled_square_are_its_outline():
    square = filled_square()
    outline = square & ~filled_square(lo=3, hi=7)
    assert np.array_equal(edges(square), outline)
    assert edges(square).sum() == 4 * 6 - 4


def test_edges_keep_shapes_touching_the_border_and_work_on_stacks():
    full = np.ones((5, 5), dtype=np.bool_)
    assert edges(full).sum() == 16  # the border pixels: beyond the image counts as off
    stack = np.stack([filled_square(), np.zeros((10, 10), bool), full.repeat(2, 0).repeat(2, 1)])
    got = edges(stack)
    assert got.shape == stack.shape
    assert all(np.array_equal(got[i], edges(stack[i])) for i in range(3))


def test_edges_are_the_shape_minus_its_four_neighbour_erosion():
    rng = np.random.default_rng(0)
    blobs = ndimage.binary_dilation(rng.random((20, 20)) < 0.05, iterations=2)
    eroded = ndimage.binary_erosion(blobs, structure=ndimage.generate_binary_structure(2, 1), border_value=0)
    assert np.array_equal(edges(blobs), blobs & ~eroded)


def test_skeleton_of_a_thick_bar_is_a_one_pixel_line():
    bar = np.zeros((15, 30), dtype=np.bool_)
    bar[5:10, 3:27] = True  # 5 pixels thick, 24 long
    sk = skeleton(bar)
    assert sk.dtype == np.bool_ and sk.shape == bar.shape
    assert np.all(bar[sk])  # inside the bar
    # one pixel wide: no 2x2 block is all on, and nearly every column of the bar holds one pixel
    assert not np.any(sk[:-1, :-1] & sk[1:, :-1] & sk[:-1, 1:] & sk[1:, 1:])
    per_column = sk[:, 3:27].sum(axis=0)
    assert np.all(per_column <= 2) and np.mean(per_column == 1) > 0.75
    assert per_column.astype(bool).sum() >= 15  # spans most of the bar
    assert ndimage.label(sk, structure=np.ones((3, 3)))[1] == 1  # one connected line


def test_rescale_keeps_binary_dtype_and_gives_the_requested_shape():
    stack = np.stack([filled_square(28, 6, 22), filled_square(28, 10, 14)])
    for shape in ((14, 14), (40, 33)):
        out = rescale(stack, shape)
        assert out.dtype == np.bool_ and out.shape == (2,) + shape
    small = rescale(stack[0], (14, 14))
    assert np.array_equal(small, filled_square(14, 3, 11))  # a square halved is the half square


def test_preprocess_combines_rescale_binarize_and_method():
    img = filled_square(28, 6, 22).astype(np.float64) * 0.8
    assert np.array_equal(preprocess(img, method="binary"), img > 0.5)
    assert np.array_equal(preprocess(img), edges(img > 0.5))
    assert np.array_equal(preprocess(img, method="skeleton"), skeleton(img > 0.5))
    assert np.array_equal(preprocess(img, method="edges", shape=(14, 14)), edges(rescale(img, (14, 14))))
    assert preprocess(img, threshold=0.9).sum() == 0


@pytest.mark.parametrize(("call", "name"), [
    (lambda: binarize(np.zeros((4, 4)), threshold=np.nan), "threshold"),
    (lambda: binarize(np.zeros((4, 4)), threshold="high"), "threshold"),
    (lambda: binarize(np.zeros(4)), "images"),
    (lambda: binarize(np.full((4, 4), np.inf)), "images"),
    (lambda: binarize(np.array([["a", "b"], ["c", "d"]])), "images"),
    (lambda: edges(np.full((4, 4), 0.5)), "binary"),
    (lambda: skeleton(np.full((4, 4), 2)), "binary"),
    (lambda: rescale(np.zeros((4, 4)), (0, 3)), "shape"),
    (lambda: rescale(np.zeros((4, 4)), (3,)), "shape"),
    (lambda: rescale(np.zeros((4, 4)), (2.5, 3)), "shape"),
    (lambda: preprocess(np.zeros((4, 4)), method="canny"), "method"),
], ids=["nan threshold", "str threshold", "1-D", "inf", "strings", "edges non-binary", "skeleton non-binary",
        "shape 0", "shape 1-D", "shape float", "method"])
def test_bad_arguments_raise_parameter_error_naming_the_argument(call, name):
    with pytest.raises(ParameterError, match=rf"\b{name}\b"):
        call()
