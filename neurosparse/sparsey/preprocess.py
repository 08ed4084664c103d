"""Binary input frames for Sparsey: thresholding, edges, skeletons and rescaling of images.

Sparsey's macs see binary pixels, and the papers feed their first level thin binary contours
rather than filled shapes (Rinkus 2010 uses edge-filtered, skeletonized MNIST digits): a
contour activates far fewer pixels per receptive field, which keeps the number pi of active
inputs of each mac within its band [pi_min, pi_max] and makes codes of similar shapes overlap.

- :func:`binarize`: :math:`b = [x > \\theta]`;
- :func:`edges`: the boundary of the binary shape, the on pixels whose 4-neighbourhood is
  not all on (pixels outside the image count as off);
- :func:`skeleton`: the 1-pixel-wide medial line (``skimage.morphology.skeletonize``);
- :func:`rescale`: resize with anti-aliasing, then binarize again;
- :func:`preprocess`: rescale (optional), binarize and one of the above.

Images are ``(rows, cols)`` or a stack ``(..., rows, cols)``; every function returns bool.
"""

from __future__ import annotations

import numpy as np

from neurosparse.errors import MissingDependencyError, ParameterError

__all__ = ["binarize", "edges", "skeleton", "rescale", "preprocess", "METHODS"]

METHODS = ("edges", "skeleton", "binary")


def binarize(images: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Pixels strictly above ``threshold``, as bool.

    Parameters
    ----------
    images
        Real-valued (or bool) images, ``(rows, cols)`` or ``(..., rows, cols)``. Scale them to
        [0, 1] first for the default threshold (e.g. MNIST: divide by 255).
    threshold
        Finite number; a pixel is on if its value is greater than it.

    Returns
    -------
    ndarray of bool, the shape of ``images``.
    """
    x = _as_images(images)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number)) \
            or not np.isfinite(threshold):
        raise ParameterError(f"threshold must be a finite number; got {threshold!r}")
    return x > threshold


def edges(binary: np.ndarray) -> np.ndarray:
    """The boundary pixels of a binary shape: on pixels with an off 4-neighbour.

    :math:`e = b \\wedge \\neg(b_{up} \\wedge b_{down} \\wedge b_{left} \\wedge b_{right})`, with
    pixels beyond the image border taken as off (a shape touching the border keeps its
    border pixels). The edges of a filled square are its one-pixel outline.

    Parameters
    ----------
    binary
        Bool (or 0/1) images, ``(rows, cols)`` or ``(..., rows, cols)``.

    Returns
    -------
    ndarray of bool, the shape of ``binary``.
    """
    b = _as_binary(binary, "binary")
    pad = [(0, 0)] * (b.ndim - 2) + [(1, 1), (1, 1)]
    p = np.pad(b, pad, constant_values=False)
    interior = (p[..., :-2, 1:-1] & p[..., 2:, 1:-1] & p[..., 1:-1, :-2] & p[..., 1:-1, 2:])
    return b & ~interior


def skeleton(binary: np.ndarray) -> np.ndarray:
    """The 1-pixel-wide skeleton of each binary image (``skimage.morphology.skeletonize``).

    Parameters
    ----------
    binary
        Bool (or 0/1) images, ``(rows, cols)`` or ``(..., rows, cols)``; each 2-D image is
        skeletonized on its own.

    Returns
    -------
    ndarray of bool, the shape of ``binary``.
    """
    b = _as_binary(binary, "binary")
    skeletonize = _skimage().morphology.skeletonize
    flat = b.reshape((-1,) + b.shape[-2:])
    out = np.stack([skeletonize(img) for img in flat]) if flat.shape[0] else flat.copy()
    return out.reshape(b.shape).astype(np.bool_)


def rescale(images: np.ndarray, shape: tuple[int, int], threshold: float = 0.5) -> np.ndarray:
    """Resize images to ``shape`` with anti-aliasing, then binarize (the result is bool).

    Parameters
    ----------
    images
        Images ``(rows, cols)`` or ``(..., rows, cols)``; bool input is read as 0/1.
    shape
        (rows, cols) of the output, positive integers.
    threshold
        Applied to the resized (real-valued) images, see :func:`binarize`.

    Returns
    -------
    ndarray of bool, shape ``images.shape[:-2] + shape``.
    """
    x = _as_images(images).astype(np.float64)
    out_shape = _check_shape(shape)
    resize = _skimage().transform.resize
    flat = x.reshape((-1,) + x.shape[-2:])
    if flat.shape[0]:
        resized = np.stack([resize(img, out_shape, order=1, mode="constant", cval=0.0,
                                   anti_aliasing=True, preserve_range=True) for img in flat])
    else:
        resized = np.zeros((0,) + out_shape)
    return binarize(resized.reshape(x.shape[:-2] + out_shape), threshold)


def preprocess(images: np.ndarray, *, method: str = "edges", shape: tuple[int, int] | None = None,
               threshold: float = 0.5) -> np.ndarray:
    """Binary Sparsey input from images: optional rescale, binarize, then edges or skeleton.

    Parameters
    ----------
    images
        Real-valued images ``(rows, cols)`` or ``(..., rows, cols)``, scaled so that
        ``threshold`` separates ink from background (MNIST: divide by 255 first).
    method
        ``"edges"`` (boundary pixels, :func:`edges`), ``"skeleton"`` (:func:`skeleton`) or
        ``"binary"`` (the thresholded images unchanged).
    shape
        (rows, cols) to rescale to before binarizing; None keeps the size.
    threshold
        Binarization threshold, see :func:`binarize`.

    Returns
    -------
    ndarray of bool, shape ``images.shape`` (or ``images.shape[:-2] + shape``).

    Examples
    --------
    >>> import numpy as np
    >>> square = np.zeros((6, 6)); square[1:5, 1:5] = 1.0
    >>> int(preprocess(square, method="edges").sum())  # the 4x4 square's outline
    12
    """
    if method not in METHODS:
        raise ParameterError(f"method must be one of {METHODS}; got {method!r}")
    binary = rescale(images, shape, threshold) if shape is not None else binarize(images, threshold)
    if method == "edges":
        return edges(binary)
    if method == "skeleton":
        return skeleton(binary)
    return binary


# ----------------------------------------------------------------------------- helpers
def _as_images(images: np.ndarray, name: str = "images") -> np.ndarray:
    x = np.asarray(images)
    if x.ndim < 2:
        raise ParameterError(f"{name} must have at least 2 dimensions (..., rows, cols); got shape {x.shape}")
    if not (x.dtype == np.bool_ or np.issubdtype(x.dtype, np.number)):
        raise ParameterError(f"{name} must be numeric or bool; got dtype {x.dtype}")
    if x.size and np.issubdtype(x.dtype, np.number) and not np.all(np.isfinite(x)):
        raise ParameterError(f"{name} must be finite (no NaN or inf)")
    return x


def _as_binary(binary: np.ndarray, name: str) -> np.ndarray:
    x = _as_images(binary, name)
    if x.dtype != np.bool_:
        if not np.all((x == 0) | (x == 1)):
            raise ParameterError(f"{name} must be binary (bool or 0/1); binarize it first")
        x = x.astype(np.bool_)
    return x


def _check_shape(shape) -> tuple[int, int]:
    try:
        dims = tuple(shape)
    except TypeError:
        dims = ()
    if len(dims) != 2 or not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 1
                                 for d in dims):
        raise ParameterError(f"shape must be (rows, cols) of integers >= 1; got {shape!r}")
    return int(dims[0]), int(dims[1])


def _skimage():
    try:
        import skimage.morphology
        import skimage.transform
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise MissingDependencyError(
            "neurosparse.sparsey.preprocess needs scikit-image: pip install 'neurosparse[data]'") from err
    return skimage
