"""Delta encoding over time with a threshold and a carried residue (temporal sparsity).

A layer whose input changes little from one frame to the next need not recompute its
output: a linear layer can update ``W x_t = W x_{t-1} + W (x_t - x_{t-1})`` and skip every
MAC whose input change is zero. Delta networks (Neil et al. 2017, "Delta Networks for
Optimized Recurrent Network Computation") and sigma-delta neurons (Yousefzadeh et al. 2019;
O'Connor & Welling 2016) make the changes sparse with a threshold: an element transmits
only when it has drifted far enough from what the receiver last saw.

The encoder keeps, per element, the receiver's copy ``xhat`` (the *reconstruction*, zero
before the first step). At step ``t``

.. math::

    c_t = x_t - \\hat x_{t-1} \\qquad \\text{(accumulated change: new change + carried residue)}

    d_t = c_t \\;\\text{ if } |c_t| > \\theta \\text{ else } 0, \\qquad
    \\hat x_t = x_t \\;\\text{ if } |c_t| > \\theta \\text{ else } \\hat x_{t-1}

so a change below the threshold is not lost: it stays in the residue ``x_t - \\hat x_t`` and
is sent, together with later changes, once the sum exceeds the threshold.

Properties (held by ``tests/hardware/test_delta.py``):

* **bounded error**: ``|x_t - xhat_t| <= threshold`` at every step and element;
* **exact where sent**: ``xhat_t == x_t`` wherever ``d_t != 0``; a receiver that adds up the
  deltas (``cumsum(d)`` over time) gets ``xhat`` up to floating-point rounding;
* **threshold 0 is lossless**: ``xhat == x``, and the number of non-zero deltas equals the
  number of changes ``x_t != x_{t-1}`` (with ``x_{-1} = 0``);
* **no drift is lost**: a ramp rising ``eps < threshold`` per step is transmitted within
  ``floor(threshold / eps) + 1`` steps of the last transmission.

This module is numpy only; :mod:`neurosparse.hardware.torch_delta` has the trainable
PyTorch layer (Delta Activation Layer) that makes deltas sparse by quantization.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from neurosparse._validation import as_float_param
from neurosparse.errors import ParameterError

__all__ = ["DeltaCounts", "DeltaEncoding", "delta_counts", "delta_encode"]


class DeltaEncoding(NamedTuple):
    """What :func:`delta_encode` returns (unpacks as ``deltas, reconstruction``).

    Attributes
    ----------
    deltas
        The transmitted changes, same shape and dtype as the input, zero where nothing was
        sent.
    reconstruction
        The receiver's copy ``xhat`` after each step.
    """

    deltas: np.ndarray
    reconstruction: np.ndarray


@dataclass(frozen=True)
class DeltaCounts:
    """How many deltas a delta encoding sends.

    Attributes
    ----------
    n_values
        Elements over all steps (the number of values a dense encoding sends).
    n_nonzero
        Non-zero deltas (the values a delta encoding sends).
    nonzero_per_step
        Non-zero deltas at each step, shape ``(n_steps,)``.
    """

    n_values: int
    n_nonzero: int
    nonzero_per_step: np.ndarray

    @property
    def nonzero_fraction(self) -> float:
        """``n_nonzero / n_values``: the fraction of MACs a delta layer still performs."""
        return self.n_nonzero / self.n_values if self.n_values else float("nan")

    @property
    def sparsity(self) -> float:
        """``1 - nonzero_fraction``: the temporal (delta) sparsity."""
        return 1.0 - self.nonzero_fraction


def delta_encode(
    x: np.ndarray, threshold: float, axis: int = 0, initial: np.ndarray | None = None
) -> DeltaEncoding:
    """Delta-encode ``x`` over time: send a change only when it exceeds ``threshold``.

    Parameters
    ----------
    x
        Real-valued array; ``axis`` is time. Integer input is converted to float64; float
        input keeps its dtype.
    threshold
        ``theta >= 0``: an element is sent when ``|x_t - xhat_{t-1}| > theta`` (strictly).
        ``0`` sends every change exactly.
    axis
        The time axis.
    initial
        The receiver's state before the first step, shaped like one step of ``x``
        (default zeros, so the first step sends every element above the threshold).

    Returns
    -------
    DeltaEncoding
        ``(deltas, reconstruction)``, each shaped like ``x``. See the module docstring for
        the update and the properties it guarantees.

    Examples
    --------
    >>> x = np.array([0.0, 0.3, 0.6, 0.7, 0.7])
    >>> d, xhat = delta_encode(x, threshold=0.5)
    >>> d.tolist(), xhat.tolist()
    ([0.0, 0.0, 0.6, 0.0, 0.0], [0.0, 0.0, 0.6, 0.6, 0.6])
    """
    x = _as_real_array(x)
    threshold = as_float_param("threshold", threshold, low=0.0, allow_array=False)
    if not -x.ndim <= axis < x.ndim:
        raise ParameterError(f"axis {axis} is out of range for an array with {x.ndim} dimensions")
    xt = np.moveaxis(x, axis, 0)
    if initial is None:
        xhat = np.zeros(xt.shape[1:], dtype=x.dtype)
    else:
        xhat = np.array(initial, dtype=x.dtype)
        if xhat.shape != xt.shape[1:]:
            raise ParameterError(
                f"initial must have the shape of one time step {xt.shape[1:]}, got {xhat.shape}")
    deltas = np.zeros_like(xt)
    recon = np.empty_like(xt)
    for t in range(xt.shape[0]):
        change = xt[t] - xhat
        send = np.abs(change) > threshold
        deltas[t] = np.where(send, change, 0)
        xhat = np.where(send, xt[t], xhat)
        recon[t] = xhat
    return DeltaEncoding(np.moveaxis(deltas, 0, axis), np.moveaxis(recon, 0, axis))


def delta_counts(
    x: np.ndarray, threshold: float, axis: int = 0, initial: np.ndarray | None = None
) -> DeltaCounts:
    """Count the non-zero deltas of :func:`delta_encode` (same arguments).

    ``delta_counts(x, theta).nonzero_fraction`` is the fraction of a layer's input values
    that a delta implementation transmits; multiplied by the layer's dense MACs it estimates
    the delta MACs (exactly so for a fully connected layer with dense weights).
    """
    deltas, _ = delta_encode(x, threshold, axis=axis, initial=initial)
    nonzero = np.moveaxis(deltas != 0, axis, 0)
    per_step = nonzero.reshape(nonzero.shape[0], -1).sum(axis=1).astype(np.int64)
    return DeltaCounts(n_values=int(deltas.size), n_nonzero=int(per_step.sum()),
                       nonzero_per_step=per_step)


def _as_real_array(x: np.ndarray) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind != "f":
        raise ParameterError(f"x must be a real-valued array, got dtype {arr.dtype}")
    if arr.ndim == 0:
        raise ParameterError("x must have a time axis (at least one dimension), got a scalar")
    if not np.all(np.isfinite(arr)):
        raise ParameterError("x must be finite (no NaN or inf)")
    return arr
