"""OpTrace: what a model computed, counted the way a chip pays for it.

Every model in neurosparse (the event core, SDR/dendrite models, Sparsey, the PyTorch
spiking networks) produces an :class:`OpTrace`. The hardware cost model prices an OpTrace
on a target and never looks inside the model; a model never knows a chip. This module is
the seam between the two, so it depends on numpy only.

The counts, per layer (a population, a projection, or a PyTorch layer), are:

``dense_ops``
    Multiply-accumulates a dense implementation would perform (every weight times every
    input, every step), zeros included. For a projection: ``n_pre * n_post`` per step.
``effective_macs``
    MACs with both operands non-zero (real-valued activations times non-zero weights).
``effective_acs``
    Accumulates driven by binary or ternary events: one per (spike, non-zero synapse).
``delta_macs``
    MACs left after temporal (delta) sparsity; zero when no delta transform was applied.
``synaptic_events``
    Spikes delivered along a synapse (for the event core equal to ``effective_acs``).
``neuron_updates``
    Membrane (state) updates: neurons times steps.
``spikes``
    Spikes emitted.
``activations`` / ``nonzero_activations``
    Activation values produced and how many were non-zero (activation sparsity is
    ``1 - nonzero_activations / activations``).
``*_bytes_read`` / ``*_bytes_written``
    Bytes of weights, neuron/synapse state and sparse-format metadata (indices, row
    pointers, delays) moved; ``activation_bytes_*`` are the layer's input read and output
    written at its boundary (producers that cannot tell leave them 0).
``nonzero_input_ops`` / ``nonzero_weight_ops``
    Of the ``dense_ops``, those whose input (activation) operand is non-zero, whatever the
    weight, and those whose weight is non-zero, whatever the input. With the effective
    counts (both non-zero) they let :func:`neurosparse.hardware.sparsity.skip` derive the
    work left by skipping zero activations only or zero weights only. 0 when not recorded.
``gated_ops``
    Operations issued but gated (clock/operand gating: the slot takes its cycle, the
    arithmetic is suppressed). 0 unless a gating transform was applied; then the work done
    is ``effective_macs + effective_acs`` and the slots issued are that plus ``gated_ops``.
``dense_neuron_updates``
    Membrane updates of a dense implementation: every neuron at every step (``neuron_updates``
    counts only those whose membrane changed, as NeuroBench's ``MembraneUpdates``).
``neuron_ops`` / ``dense_neuron_ops``
    NeuroBench's ``NeuronOperations``: ``neuron_updates`` (resp. ``dense_neuron_updates``)
    times its table of elementary operations per update for the neuron type and reset
    mechanism; 0 for neuron types the table lacks.

Every count and byte figure is a finite number >= 0 (counts may be fractional: expected
counts, such as the core's events on non-zero synapses when spikes were not recorded, or a
workload built from published rates), and parameter counts are whole;
:class:`LayerCounts` and :class:`OpTrace` refuse anything else with a
:class:`~neurosparse.errors.ParameterError` naming the field (also when a field was changed
after construction: :meth:`OpTrace.totals` checks again).

Besides the counts, which add over samples, each layer holds two sizes that do not:
``parameter_bytes``, the bytes of its parameters and constant (persistent) buffers, the same
whatever the batch; and ``state_bytes``, the bytes of state (membranes, synaptic currents,
recurrent ``h``/``c``) that **one sample** keeps from step to step. :attr:`OpTrace.parameter_bytes`
and :attr:`OpTrace.state_bytes` sum them over layers; NeuroBench's ``Footprint`` instead adds the
state buffers as sized by the last batch run, so it changes with the batch
(:func:`neurosparse.hardware.torch_count.footprint`).

Per-time-step series (spikes per step of a population, events per step of a projection)
are kept in ``LayerCounts.per_step`` where the producer has them.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from neurosparse._io import atomic_write
from neurosparse.errors import ParameterError

#: The count fields of a layer, in the order tables show them.
COUNT_FIELDS: tuple[str, ...] = (
    "dense_ops",
    "effective_macs",
    "effective_acs",
    "delta_macs",
    "synaptic_events",
    "neuron_updates",
    "spikes",
    "activations",
    "nonzero_activations",
    "weight_bytes_read",
    "weight_bytes_written",
    "state_bytes_read",
    "state_bytes_written",
    "metadata_bytes_read",
    "metadata_bytes_written",
    "activation_bytes_read",
    "activation_bytes_written",
    "nonzero_input_ops",
    "nonzero_weight_ops",
    "gated_ops",
    "dense_neuron_updates",
    "neuron_ops",
    "dense_neuron_ops",
)

#: The count fields holding bytes; the others count operations, events or values. Both are
#: finite and >= 0, and may be fractional (expected counts).
BYTE_FIELDS: tuple[str, ...] = tuple(name for name in COUNT_FIELDS if name.endswith("_bytes_read")
                                     or name.endswith("_bytes_written"))

#: How a trace's counts were made (:attr:`OpTrace.convention`).
CONVENTIONS: tuple[str, ...] = ("neurosparse", "neurobench")

#: The static sizes of a layer: whole parameter counts and byte sizes (not summed over samples).
SIZE_FIELDS: tuple[str, ...] = ("n_params", "n_nonzero_params", "dense_params", "parameter_bytes",
                                "state_bytes")


@dataclass
class LayerCounts:
    """Operation counts of one layer, population or projection.

    Parameters
    ----------
    name
        The layer's name, unique within a trace.
    kind
        What it is: ``"population"``, ``"projection"``, ``"input"``, ``"linear"``, ...
    n_params
        Weights (synapses) the layer holds; 0 for a population.
    n_nonzero_params
        Non-zero weights (connection sparsity is ``1 - n_nonzero_params / dense_params``).
    dense_params
        Weights a dense implementation would hold (``n_pre * n_post`` for a projection).
    per_step
        Optional per-time-step series, name -> 1-D array.
    parameter_bytes
        Bytes of the layer's parameters and constant buffers (0 when not recorded).
    state_bytes
        Bytes of state one sample holds in the layer between steps (0 when not recorded).

    Raises
    ------
    ParameterError
        If a count is negative, not finite or not whole, a byte figure negative or not finite,
        or a per-step series not a finite 1-D array; the message names the field.
    """

    name: str
    kind: str
    dense_ops: float = 0.0
    effective_macs: float = 0.0
    effective_acs: float = 0.0
    delta_macs: float = 0.0
    synaptic_events: float = 0.0
    neuron_updates: float = 0.0
    spikes: float = 0.0
    activations: float = 0.0
    nonzero_activations: float = 0.0
    weight_bytes_read: float = 0.0
    weight_bytes_written: float = 0.0
    state_bytes_read: float = 0.0
    state_bytes_written: float = 0.0
    metadata_bytes_read: float = 0.0
    metadata_bytes_written: float = 0.0
    n_params: int = 0
    n_nonzero_params: int = 0
    dense_params: int = 0
    per_step: dict[str, np.ndarray] = field(default_factory=dict)
    activation_bytes_read: float = 0.0
    activation_bytes_written: float = 0.0
    nonzero_input_ops: float = 0.0
    nonzero_weight_ops: float = 0.0
    gated_ops: float = 0.0
    dense_neuron_updates: float = 0.0
    neuron_ops: float = 0.0
    dense_neuron_ops: float = 0.0
    parameter_bytes: float = 0.0
    state_bytes: float = 0.0

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check every count, size and per-step series (see the class's Raises)."""
        owner = f"LayerCounts {self.name!r}"
        for name in COUNT_FIELDS:
            _check_number(owner, name, getattr(self, name), whole=False)
        for name in SIZE_FIELDS:
            _check_number(owner, name, getattr(self, name), whole=not name.endswith("_bytes"))
        if not isinstance(self.per_step, dict):
            raise ParameterError(f"{owner}: per_step must be a dict of name -> 1-D array, "
                                 f"got {type(self.per_step).__name__}")
        for key, series in self.per_step.items():
            try:
                arr = np.asarray(series, dtype=np.float64)
            except (TypeError, ValueError):
                raise ParameterError(f"{owner}: per_step[{key!r}] must be numbers, got {series!r}") from None
            if arr.ndim != 1 or not np.all(np.isfinite(arr)):
                raise ParameterError(f"{owner}: per_step[{key!r}] must be a finite 1-D array, got shape "
                                     f"{arr.shape}" + ("" if arr.ndim != 1 else " with non-finite values"))
            if key in COUNT_FIELDS and arr.size and arr.min() < 0:
                raise ParameterError(f"{owner}: per_step[{key!r}] must be >= 0, got {arr.min():g} at step "
                                     f"{int(np.argmin(arr))}")

    @property
    def activation_sparsity(self) -> float:
        """Fraction of zero activations (NaN when the layer produced none)."""
        if self.activations == 0:
            return float("nan")
        return 1.0 - self.nonzero_activations / self.activations

    def counts(self) -> dict[str, float]:
        """The count fields as a dict (no per-step series)."""
        return {name: float(getattr(self, name)) for name in COUNT_FIELDS}

    def __add__(self, other: LayerCounts) -> LayerCounts:
        if (self.name, self.kind) != (other.name, other.kind):
            raise ValueError(
                f"cannot add counts of {other.kind} {other.name!r} to {self.kind} {self.name!r}"
            )
        merged = {name: getattr(self, name) + getattr(other, name) for name in COUNT_FIELDS}
        per_step = {}
        for key in self.per_step.keys() | other.per_step.keys():
            parts = [s.per_step[key] for s in (self, other) if key in s.per_step]
            per_step[key] = np.concatenate(parts)
        sizes = {name: max(getattr(self, name), getattr(other, name)) for name in SIZE_FIELDS}
        return LayerCounts(name=self.name, kind=self.kind, per_step=per_step, **sizes, **merged)


@dataclass
class OpTrace:
    """Operation counts of a whole model run, layer by layer.

    Parameters
    ----------
    layers
        Layer name -> :class:`LayerCounts`, in model order.
    n_samples
        Number of input samples the counts cover (``totals(per_sample=True)`` divides by it).
    n_steps
        Time steps per sample (1 for a non-recurrent, non-spiking model).
    dt
        The step in seconds, if the model has physical time, else None.
    source
        Free text naming what produced the trace.
    value_bytes
        Bytes per weight and activation value in the counted byte fields (4 for float32
        PyTorch counts), so that pricing at another precision can rescale them; None when
        the bytes are already those of the hardware (the event core's int32/float32 CSR).
    convention
        How the counts were made: ``"neurosparse"`` (as hardware executes the model; the
        default) or ``"neurobench"`` (NeuroBench 2.3's definitions exactly, e.g. convolution
        padding left out of ``dense_ops``: ``count(..., neurobench=True)``).

    Raises
    ------
    ParameterError
        If ``n_samples`` or ``n_steps`` is not a whole number >= 1, ``dt`` or ``value_bytes``
        is not a finite number > 0 (or None), or a layer is not a valid :class:`LayerCounts`
        stored under its own name.
    """

    layers: dict[str, LayerCounts] = field(default_factory=dict)
    n_samples: int = 1
    n_steps: int = 1
    dt: float | None = None
    source: str = ""
    value_bytes: float | None = None
    convention: str = "neurosparse"

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check the trace's fields and every layer's counts (see the class's Raises)."""
        for name in ("n_samples", "n_steps"):
            value = getattr(self, name)
            _check_number("OpTrace", name, value, whole=True, low=1)
            setattr(self, name, int(value))
        for name in ("dt", "value_bytes"):
            value = getattr(self, name)
            if value is not None:
                _check_number("OpTrace", name, value, whole=False, low=0, strict=True)
        if self.convention not in CONVENTIONS:
            raise ParameterError(f"OpTrace: convention must be one of {', '.join(CONVENTIONS)}, got "
                                 f"{self.convention!r}")
        if not isinstance(self.layers, dict):
            raise ParameterError(f"OpTrace: layers must be a dict of name -> LayerCounts, got "
                                 f"{type(self.layers).__name__}")
        for key, layer in self.layers.items():
            if not isinstance(layer, LayerCounts):
                raise ParameterError(f"OpTrace: layers[{key!r}] must be a LayerCounts, got "
                                     f"{type(layer).__name__}")
            if layer.name != key:
                raise ParameterError(f"OpTrace: layers[{key!r}] holds the layer named {layer.name!r}; "
                                     "store each layer under its own name (add_layer does)")
            layer.validate()

    @property
    def parameter_bytes(self) -> float:
        """Bytes of the model's parameters and constant buffers, summed over layers (does not
        depend on the batch; 0 where the producer did not record it)."""
        return float(sum(layer.parameter_bytes for layer in self.layers.values()))

    @property
    def state_bytes(self) -> float:
        """Bytes of state **one sample** holds between steps, summed over layers (0 where the
        producer did not record it). The memory a batch needs is ``n`` times this."""
        return float(sum(layer.state_bytes for layer in self.layers.values()))

    def activation_sparsity_by_layer(self) -> dict[str, float]:
        """Activation sparsity ``1 - nonzero / activations`` of each layer that produced
        activations (NeuroBench's ``ActivationSparsityByLayer``, keyed by our layer names)."""
        return {name: layer.activation_sparsity for name, layer in self.layers.items()
                if layer.activations > 0}

    def add_layer(self, layer: LayerCounts) -> LayerCounts:
        """Add ``layer``, or merge it into the existing layer of the same name."""
        if not isinstance(layer, LayerCounts):
            raise ParameterError(f"OpTrace.add_layer needs a LayerCounts, got {type(layer).__name__}")
        layer.validate()
        if layer.name in self.layers:
            self.layers[layer.name] = self.layers[layer.name] + layer
        else:
            self.layers[layer.name] = layer
        return self.layers[layer.name]

    def totals(self, per_sample: bool = True) -> dict[str, float]:
        """Sum of every count over layers, per sample by default.

        Parameters
        ----------
        per_sample
            Divide by ``n_samples``, as NeuroBench reports its metrics (the default); pass
            ``False`` for totals over every sample the trace covers. A run of the event core
            is one sample, so both agree there. Per-time-step figures: divide by
            ``n_steps`` (``synaptic_ops_per_step``) or keep ``per_step`` series.

        Raises
        ------
        ParameterError
            If a field was set to an invalid value since the trace was built.

        Returns
        -------
        dict
            Each field of :data:`COUNT_FIELDS`, plus ``activation_sparsity`` (over all
            layers that produced activations) and ``synaptic_ops_per_step``.
        """
        self.validate()
        out = {name: 0.0 for name in COUNT_FIELDS}
        for layer in self.layers.values():
            for name in COUNT_FIELDS:
                out[name] += float(getattr(layer, name))
        if per_sample:
            for name in COUNT_FIELDS:
                out[name] /= self.n_samples
        acts = out["activations"]
        out["activation_sparsity"] = (
            1.0 - out["nonzero_activations"] / acts if acts else float("nan")
        )
        out["membrane_updates"] = out["neuron_updates"]
        out["synaptic_ops_per_step"] = (
            out["effective_acs"] + out["effective_macs"]
        ) / self.n_steps
        return out

    def table(self) -> str:
        """A plain-text table of the main counts per layer."""
        cols = ("kind", "dense_ops", "effective_acs", "effective_macs", "synaptic_events",
                "neuron_updates", "spikes")
        rows = [("layer",) + cols]
        for layer in self.layers.values():
            rows.append((layer.name, layer.kind) + tuple(
                f"{getattr(layer, c):.4g}" for c in cols[1:]))
        widths = [max(len(str(r[k])) for r in rows) for k in range(len(rows[0]))]
        return "\n".join("  ".join(str(v).rjust(w) for v, w in zip(r, widths)) for r in rows)

    def __add__(self, other: OpTrace) -> OpTrace:
        """Concatenate two runs of the same model (counts add, per-step series append)."""
        if self.dt != other.dt:
            raise ValueError(f"cannot add traces with different dt ({self.dt} and {other.dt})")
        _same_convention(self, other)
        out = OpTrace(n_samples=self.n_samples, n_steps=self.n_steps + other.n_steps,
                      dt=self.dt, source=self.source or other.source,
                      value_bytes=self.value_bytes or other.value_bytes, convention=self.convention)
        for layer in list(self.layers.values()) + list(other.layers.values()):
            out.add_layer(LayerCounts(**{**asdict(layer), "per_step": dict(layer.per_step)}))
        return out

    def merge_batches(self, other: OpTrace) -> OpTrace:
        """Combine counts of the same model over two batches of samples.

        Unlike ``+`` (one run continued in time: steps add), the samples add and the
        number of steps stays; per-step series are summed step by step. This is how
        NeuroBench accumulates its metrics over a data loader.
        """
        if self.dt != other.dt or self.n_steps != other.n_steps:
            raise ValueError("merge_batches needs traces with the same dt and n_steps, got "
                             f"dt {self.dt}/{other.dt}, n_steps {self.n_steps}/{other.n_steps}")
        _same_convention(self, other)
        out = OpTrace(n_samples=self.n_samples + other.n_samples, n_steps=self.n_steps,
                      dt=self.dt, source=self.source or other.source,
                      value_bytes=self.value_bytes or other.value_bytes, convention=self.convention)
        for layer in list(self.layers.values()) + list(other.layers.values()):
            series = {k: np.asarray(v, dtype=float) for k, v in layer.per_step.items()}
            if layer.name in out.layers:
                prev = out.layers[layer.name]
                summed = {k: prev.per_step[k] + v for k, v in series.items()
                          if k in prev.per_step and np.shape(prev.per_step[k]) == np.shape(v)}
                merged = prev + LayerCounts(**{**asdict(layer), "per_step": {}})
                out.layers[layer.name] = replace(merged, per_step=summed)
            else:
                out.layers[layer.name] = LayerCounts(**{**asdict(layer), "per_step": series})
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (per-step arrays become lists)."""
        layers = []
        for layer in self.layers.values():
            d = {f.name: getattr(layer, f.name) for f in fields(layer) if f.name != "per_step"}
            d["per_step"] = {k: np.asarray(v).tolist() for k, v in layer.per_step.items()}
            layers.append(d)
        return {"n_samples": self.n_samples, "n_steps": self.n_steps, "dt": self.dt,
                "source": self.source, "value_bytes": self.value_bytes, "convention": self.convention,
                "layers": layers}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OpTrace:
        """Inverse of :meth:`to_dict`."""
        trace = cls(n_samples=data["n_samples"], n_steps=data["n_steps"],
                    dt=data.get("dt"), source=data.get("source", ""),
                    value_bytes=data.get("value_bytes"), convention=data.get("convention", "neurosparse"))
        for d in data["layers"]:
            d = dict(d)
            per_step = {k: np.asarray(v) for k, v in d.pop("per_step", {}).items()}
            trace.layers[d["name"]] = LayerCounts(per_step=per_step, **d)
        trace.validate()
        return trace

    def save_json(self, path: str | os.PathLike) -> Path:
        """Write the trace as JSON, atomically (temp file then rename)."""
        text = json.dumps(self.to_dict()).encode()
        return atomic_write(path, lambda fh: fh.write(text))

    @classmethod
    def load_json(cls, path: str | os.PathLike) -> OpTrace:
        """Read a trace written by :meth:`save_json`."""
        with open(path) as fh:
            return cls.from_dict(json.load(fh))


def _same_convention(a: OpTrace, b: OpTrace) -> None:
    if a.convention != b.convention:
        raise ValueError(f"cannot combine a {a.convention!r} trace with a {b.convention!r} one (counted "
                         "under different definitions)")


def _check_number(owner: str, name: str, value: Any, *, whole: bool, low: float = 0,
                  strict: bool = False) -> None:
    """Refuse a count or size that is not a finite real >= ``low`` (> ``low`` when ``strict``),
    or not whole where it must be, naming ``owner`` and ``name``."""
    kind = "a whole number" if whole else "a finite number"
    bound = f"> {low:g}" if strict else f">= {low:g}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterError(f"{owner}: {name} must be {kind} {bound}, got {value!r} "
                             f"({type(value).__name__})")
    v = float(value)
    if not math.isfinite(v):
        raise ParameterError(f"{owner}: {name} must be {kind} {bound}, got {value!r}")
    if (v <= low) if strict else (v < low):
        raise ParameterError(f"{owner}: {name} must be {kind} {bound}, got {value!r}")
    if whole and v != math.floor(v):
        raise ParameterError(f"{owner}: {name} must be {kind} {bound} (it counts whole things), "
                             f"got {value!r}")
