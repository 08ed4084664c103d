"""Spatial sparsity: zero-skipping and gating on an OpTrace; compressed formats and their bytes.

A counted trace (:func:`neurosparse.hardware.torch_count.count`) records, per layer, the
dense synaptic ops and three subsets of them: the ops whose input (activation) is non-zero
(``nonzero_input_ops``), those whose weight is non-zero (``nonzero_weight_ops``) and those
with both non-zero (``effective_macs + effective_acs``). Hardware that exploits zeros
executes one of these four sets:

=====================  =====================  ===================================
skip activations       skip weights           ops executed
=====================  =====================  ===================================
no                     no                     ``dense_ops``
yes                    no                     ``nonzero_input_ops``
no                     yes                    ``nonzero_weight_ops``
yes                    yes                    ``effective_macs + effective_acs``
=====================  =====================  ===================================

**Skipping** (``mode="skip"``, e.g. Eyeriss v2, SparTen) never issues the other ops: it saves
their energy and their time. **Gating** (``mode="gate"``, e.g. Eyeriss v1's zero-activation
gating) issues every op but suppresses the arithmetic of the zero ones: it saves energy,
not time. :func:`skip` returns a new trace in which

* ``effective_macs`` / ``effective_acs`` are the ops executed (arithmetic done), split
  between MACs and ACs in the proportion of the layer's effective counts (exact when a
  layer's inputs are always spikes or always real-valued, the usual case; all MACs when the
  layer had no effective op);
* ``gated_ops`` are the ops issued but gated: ``dense_ops - executed`` when gating, 0 when
  skipping. The slots that take time are ``effective_macs + effective_acs + gated_ops``;
* ``dense_ops``, ``synaptic_events``, neuron counts and every other field are unchanged.
  Memory traffic for compressed weights is the separate :func:`with_weight_formats`
  (``skip(..., weight_formats=...)`` applies it too); activation traffic is left as counted.

Per-step series of the same fields are transformed alike when the trace has them. Apply the
transforms to a counted trace, not to one already transformed.

Compressed formats (:func:`format_bytes`) store a matrix of ``R`` rows and ``C`` columns
(``n = R*C`` entries, ``nnz`` of them non-zero) in ``value_bytes`` per value and
``index_bytes`` per index:

==========  ==================================  ===========================================
format      value bytes                         metadata bytes
==========  ==================================  ===========================================
dense       ``n * value_bytes``                 0
bitmask     ``nnz * value_bytes``               ``ceil(n / 8)`` (one bit per entry)
csr         ``nnz * value_bytes``               ``nnz * index_bytes + (R + 1) * pointer_bytes``
coo         ``nnz * value_bytes``               ``2 * nnz * index_bytes`` (row and column)
rle         ``E * value_bytes``                 ``E * index_bytes``
==========  ==================================  ===========================================

Run-length encoding (as in Eyeriss's RLC) walks the entries in row-major order and stores
each non-zero as (run of zeros before it, value), with a run field of ``index_bytes`` bytes,
so runs up to ``M = 2**(8 * index_bytes) - 1``. A longer run is broken by filler entries
(run ``M``, value 0), each covering ``M + 1`` zeros: a gap of ``g`` zeros before a non-zero
costs ``floor(g / (M + 1))`` fillers, and ``E = nnz + sum over gaps of floor(g / (M + 1))``.
Trailing zeros are not stored (the shape is known). Arrays of other ranks are viewed as
matrices: a vector as one row, an array ``(d0, d1, ...)`` as ``(d0, d1 * ...)``.

This module is numpy only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

import numpy as np

from neurosparse.errors import ParameterError, UnknownNameError
from neurosparse.optrace import LayerCounts, OpTrace

__all__ = ["FORMATS", "MODES", "FormatBytes", "connection_sparsity", "format_bytes", "skip",
           "skip_layer", "with_weight_formats"]

#: Compressed formats :func:`format_bytes` knows.
FORMATS: tuple[str, ...] = ("dense", "bitmask", "csr", "coo", "rle")
#: How zero operands are exploited: never issued, or issued but gated.
MODES: tuple[str, ...] = ("skip", "gate")


@dataclass(frozen=True)
class FormatBytes:
    """Storage of a matrix (or several) in a format.

    Attributes
    ----------
    fmt
        The format name.
    n, nnz
        Entries and non-zero entries.
    value_bytes, metadata_bytes
        Bytes of the stored values and of the indices, pointers, masks or run lengths.
    dense_bytes
        Bytes of the same entries stored densely at the same value width.
    """

    fmt: str
    n: int
    nnz: int
    value_bytes: float
    metadata_bytes: float
    dense_bytes: float

    @property
    def total_bytes(self) -> float:
        """Values plus metadata."""
        return self.value_bytes + self.metadata_bytes

    @property
    def compression(self) -> float:
        """Dense bytes over stored bytes (above 1: the format saves memory)."""
        return self.dense_bytes / self.total_bytes if self.total_bytes else float("inf")

    def __add__(self, other: FormatBytes) -> FormatBytes:
        if self.fmt != other.fmt:
            raise ParameterError(f"cannot add {other.fmt} storage to {self.fmt} storage")
        return FormatBytes(self.fmt, self.n + other.n, self.nnz + other.nnz,
                           self.value_bytes + other.value_bytes,
                           self.metadata_bytes + other.metadata_bytes,
                           self.dense_bytes + other.dense_bytes)


def format_bytes(matrix_or_mask, fmt: str = "dense", *, value_bytes: float = 4,
                 index_bytes: float = 4, pointer_bytes: float | None = None) -> FormatBytes:
    """Bytes of values and metadata to store a matrix in a compressed format.

    Parameters
    ----------
    matrix_or_mask
        An array (any entry that is not 0 counts as non-zero; a boolean mask works), or a
        list/tuple of arrays stored separately (a layer's weight and bias), whose bytes add.
    fmt
        One of :data:`FORMATS`; the formulas are in the module docstring.
    value_bytes
        Bytes per stored value (0.5 for int4).
    index_bytes
        Bytes per column/row index (CSR, COO) and per run length (RLE).
    pointer_bytes
        Bytes per CSR row pointer; ``index_bytes`` by default.
    """
    if fmt not in FORMATS:
        raise ParameterError(f"fmt must be one of {', '.join(FORMATS)}, got {fmt!r}")
    for name, value in (("value_bytes", value_bytes), ("index_bytes", index_bytes)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ParameterError(f"{name} must be a positive number of bytes, got {value!r}")
    pointer_bytes = index_bytes if pointer_bytes is None else pointer_bytes
    if not (isinstance(pointer_bytes, (int, float)) and pointer_bytes > 0):
        raise ParameterError(f"pointer_bytes must be a positive number of bytes, got {pointer_bytes!r}")
    if isinstance(matrix_or_mask, (list, tuple)) and matrix_or_mask and all(
            hasattr(part, "shape") for part in matrix_or_mask):
        parts = [format_bytes(p, fmt, value_bytes=value_bytes, index_bytes=index_bytes,
                              pointer_bytes=pointer_bytes) for p in matrix_or_mask]
        total = parts[0]
        for part in parts[1:]:
            total = total + part
        return total
    nonzero = _as_matrix(np.asarray(matrix_or_mask)) != 0
    rows, cols = nonzero.shape
    n, nnz = rows * cols, int(np.count_nonzero(nonzero))
    dense = float(n * value_bytes)
    if fmt == "dense":
        return FormatBytes(fmt, n, nnz, dense, 0.0, dense)
    values = float(nnz * value_bytes)
    if fmt == "bitmask":
        metadata = float(math.ceil(n / 8))
    elif fmt == "csr":
        metadata = float(nnz * index_bytes + (rows + 1) * pointer_bytes)
    elif fmt == "coo":
        metadata = float(2 * nnz * index_bytes)
    else:  # rle
        entries = _rle_entries(nonzero.ravel(), index_bytes)
        values, metadata = float(entries * value_bytes), float(entries * index_bytes)
    return FormatBytes(fmt, n, nnz, values, metadata, dense)


def _as_matrix(a: np.ndarray) -> np.ndarray:
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a.reshape(1, -1)
    return a.reshape(a.shape[0], -1)


def _rle_entries(nonzero: np.ndarray, index_bytes: float) -> int:
    """Stored entries of the run-length code of a flat non-zero mask (fillers included)."""
    bits = 8 * index_bytes
    if bits != int(bits) or bits < 1:
        raise ParameterError(f"rle needs a whole number of bits per run length, "
                             f"got index_bytes={index_bytes}")
    positions = np.flatnonzero(nonzero)
    if positions.size == 0:
        return 0
    gaps = np.diff(positions, prepend=-1) - 1
    span = 2 ** int(bits)  # max run M = span - 1; a filler covers M + 1 = span zeros
    return int(positions.size + (gaps // span).sum())


# -------------------------------------------------------------------------- skipping
def skip(trace: OpTrace, activations: bool = True, weights: bool = True, mode: str = "skip", *,
         weight_formats: Mapping[str, FormatBytes] | None = None) -> OpTrace:
    """The trace of hardware that skips (or gates) zero activations and/or zero weights.

    Parameters
    ----------
    trace
        A counted trace (with ``nonzero_input_ops`` / ``nonzero_weight_ops`` where one of
        ``activations``, ``weights`` is False).
    activations, weights
        Which zero operands are exploited.
    mode
        ``"skip"`` (saves energy and time) or ``"gate"`` (saves energy only); see the
        module docstring for the fields of the result.
    weight_formats
        Optional layer name -> :class:`FormatBytes` of its parameters; see
        :func:`with_weight_formats`.
    """
    out = OpTrace(n_samples=trace.n_samples, n_steps=trace.n_steps, dt=trace.dt,
                  value_bytes=trace.value_bytes,
                  source=f"{trace.source} | skip(activations={activations}, weights={weights}, mode={mode})")
    for name, layer in trace.layers.items():
        out.layers[name] = skip_layer(layer, activations, weights, mode)
    return with_weight_formats(out, weight_formats) if weight_formats else out


def skip_layer(layer: LayerCounts, activations: bool = True, weights: bool = True,
               mode: str = "skip") -> LayerCounts:
    """:func:`skip` for one layer's counts (a new :class:`LayerCounts`)."""
    if mode not in MODES:
        raise ParameterError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    new = _copy(layer)
    if layer.dense_ops <= 0:
        return new  # no synaptic ops: populations, activations, pooling
    if layer.gated_ops:
        raise ParameterError(f"layer {layer.name!r} is already gated; transform the counted trace instead")
    _check_operands(layer, activations, weights)
    new.effective_macs, new.effective_acs, new.gated_ops = _executed(
        {key: getattr(layer, key) for key in _OPERANDS}, activations, weights, mode)
    recorded = set(layer.per_step)
    if _needed(activations, weights, mode) <= recorded and recorded & {"effective_macs", "effective_acs"}:
        series = {key: np.asarray(layer.per_step.get(key, 0.0), dtype=float) for key in _OPERANDS}
        mac, ac, gated = _executed(series, activations, weights, mode)
        shape = np.broadcast(*series.values()).shape
        new.per_step.update(effective_macs=np.broadcast_to(mac, shape).copy(),
                            effective_acs=np.broadcast_to(ac, shape).copy(),
                            gated_ops=np.broadcast_to(gated, shape).copy())
    else:
        for key in ("effective_macs", "effective_acs", "gated_ops"):
            new.per_step.pop(key, None)
    return new


def with_weight_formats(trace: OpTrace, formats: Mapping[str, FormatBytes]) -> OpTrace:
    """The trace with each named layer's parameters stored in a compressed format.

    For a layer with format ``f`` (from :func:`format_bytes` on all its parameters, e.g.
    :func:`neurosparse.hardware.torch_count.parameter_matrices`), every weight read becomes
    a compressed read: ``weight_bytes_read *= f.value_bytes / f.dense_bytes`` and
    ``metadata_bytes_read += weight_bytes_read * f.metadata_bytes / f.dense_bytes`` (the
    counted bytes times the format's ratios at equal value width).
    """
    out = OpTrace(n_samples=trace.n_samples, n_steps=trace.n_steps, dt=trace.dt, source=trace.source,
                  value_bytes=trace.value_bytes)
    for name, layer in trace.layers.items():
        out.layers[name] = _copy(layer)
    for name, fb in formats.items():
        if name not in out.layers:
            raise UnknownNameError(f"weight_formats names layer {name!r}, not in the trace "
                                   f"(layers: {', '.join(out.layers)})")
        layer = out.layers[name]
        if layer.n_params and fb.n != layer.n_params:
            raise ParameterError(f"the format for {name!r} covers {fb.n} entries but the layer holds "
                                 f"{layer.n_params} parameters; format all of them (weight and bias)")
        if fb.dense_bytes <= 0:
            continue
        read = layer.weight_bytes_read
        layer.weight_bytes_read = read * fb.value_bytes / fb.dense_bytes
        layer.metadata_bytes_read += read * fb.metadata_bytes / fb.dense_bytes
    return out


def connection_sparsity(trace: OpTrace | Iterable[LayerCounts]) -> float:
    """``1 - sum(n_nonzero_params) / sum(dense_params)`` over layers with synapses (NaN if none).

    NeuroBench's ``ConnectionSparsity`` on a counted PyTorch model (which rounds it to 4
    decimals).
    """
    layers = list(trace.layers.values() if isinstance(trace, OpTrace) else trace)
    dense = sum(layer.dense_params for layer in layers)
    if dense == 0:
        return float("nan")
    return 1.0 - sum(layer.n_nonzero_params for layer in layers if layer.dense_params) / dense


_OPERANDS = ("dense_ops", "effective_macs", "effective_acs", "nonzero_input_ops", "nonzero_weight_ops")


def _needed(activations: bool, weights: bool, mode: str) -> set[str]:
    """The per-step series the transform of a layer's series needs (besides one of the
    effective series: a missing effective series is zero, as counters record only the kind
    of op a layer performed)."""
    needed = set()
    if activations and not weights:
        needed.add("nonzero_input_ops")
    if weights and not activations:
        needed.add("nonzero_weight_ops")
    if mode == "gate" or not (activations or weights):
        needed.add("dense_ops")
    return needed


def _executed(d: dict, activations: bool, weights: bool, mode: str):
    """(MACs, ACs, gated ops) executed; works on scalars and on per-step arrays alike."""
    effective = np.add(d["effective_macs"], d["effective_acs"])
    if activations and weights:
        executed = effective
    elif activations:
        executed = d["nonzero_input_ops"]
    elif weights:
        executed = d["nonzero_weight_ops"]
    else:
        executed = d["dense_ops"]
    with np.errstate(invalid="ignore", divide="ignore"):
        ac_fraction = np.where(effective > 0, np.divide(d["effective_acs"], effective), 0.0)
    acs = np.multiply(executed, ac_fraction)
    macs = np.subtract(executed, acs)
    gated = np.subtract(d["dense_ops"], executed) if mode == "gate" else np.zeros_like(macs)
    if np.ndim(macs) == 0:
        return float(macs), float(acs), float(gated)
    return macs, acs, gated


def _check_operands(layer: LayerCounts, activations: bool, weights: bool) -> None:
    effective = layer.effective_macs + layer.effective_acs
    slack = 1e-9 * max(layer.dense_ops, 1.0)
    if activations and not weights and layer.nonzero_input_ops + slack < effective:
        raise ParameterError(
            f"layer {layer.name!r} has no nonzero_input_ops count (its producer does not record "
            "operand counts), so skipping zero activations alone cannot be derived; count the model "
            "with neurosparse.hardware.torch_count.count")
    if weights and not activations and (
            layer.nonzero_weight_ops + slack < effective
            or (layer.nonzero_weight_ops == 0 and layer.n_nonzero_params > 0)):
        raise ParameterError(
            f"layer {layer.name!r} has no nonzero_weight_ops count (its producer does not record "
            "operand counts), so skipping zero weights alone cannot be derived; count the model "
            "with neurosparse.hardware.torch_count.count")


def _copy(layer: LayerCounts) -> LayerCounts:
    values = {f.name: getattr(layer, f.name) for f in fields(layer) if f.name != "per_step"}
    return LayerCounts(per_step={k: np.array(v, copy=True) for k, v in layer.per_step.items()}, **values)
