r"""Price an OpTrace on a hardware target: energy (with its compute / memory / static split
and a low-high range) and latency.

**What is executed.** ``mode`` says how the trace's work runs on the chip, per layer:

============  ==========================  =============================================
mode          MACs                        accumulates (ACs)
============  ==========================  =============================================
``dense``     ``dense_ops``               0 (every dense synaptic op runs as a MAC)
``skip``      ``effective_macs``          ``effective_acs`` (zero-skipping)
``delta``     ``delta_macs``              ``effective_acs`` (temporal sparsity)
``event``     ``effective_macs``          ``synaptic_events`` (event-driven delivery)
============  ==========================  =============================================

``neuron_updates``, ``spikes`` and learning updates are executed in every mode; ``"auto"``
takes the target's ``default_mode``. A layer without ``delta_macs`` is priced with its
``effective_macs`` in delta mode (noted). A precision the target lacks is refused
(``ParameterError`` naming the target, the precision and the precisions it has).

**Energy** (per-term pricing, the default for most targets)

.. math::

    E = \sum_\ell \big(N^{\rm MAC}_\ell e_{\rm MAC} + N^{\rm AC}_\ell e_{\rm AC}
        + N^{\rm upd}_\ell e_{\rm upd} + N^{\rm spk}_\ell e_{\rm spk}
        + N^{\rm learn}_\ell e_{\rm learn}\big)
        + \sum_\ell \sum_{r} B_{\ell r}\, e_{\rm byte}(\text{level}(r))
        + P_{\rm static}\, s\, T

with per-op energies resolved from the target (``mac_P``, or ``mul_P + add_acc``, or the
synaptic-op energy; ``ac_P``, or the synaptic-op energy, or ``add_acc``; ``neuron_update``,
or one MAC plus one add; ``spike`` plus ``hops_per_spike`` times ``spike_hop``), bytes
``B`` moved per role (weights, state, metadata, activations) priced at the memory level that holds the
role (the first level whose capacity holds the model's footprint), learning (plasticity)
updates ``N^learn`` at ``synaptic_update`` (see :func:`learning_updates`; the figure includes
the weight write, so that write is not priced again as memory), and static power times the
share ``s`` of it the ``static`` choice charges (whole chips, or the occupied share of cores;
:mod:`neurosparse.hardware.latency`) times the run time ``T`` (the modeled latency, or
``duration_s``). A target with a ``[mapping]`` table is first mapped
(:func:`neurosparse.hardware.mapping.map_trace`): the cores and chips it needs set the static
share, the spread of event work and the barrier, and the mean hops set the spike energy.

Bytes, per role (weights, state, metadata, activations): a layer's counted bytes are used as
the trace gives them, except that in dense mode a layer reads its whole dense weight matrix
at least once per time step (``dense_params x bytes(P) x n_steps``; an event-driven count
of one weight read per event is far below that) and sparse-format metadata is dropped, while
in the other modes a layer reads at most one weight per executed op (``min(counted,
(MACs + ACs) x bytes(P))``: a skipping engine never fetches the weights of zero inputs).
Counted weight and activation bytes are rescaled from the trace's ``value_bytes`` (4 for a
float32 PyTorch count) to ``bytes(P)``. In the sparse modes a MAC layer reads its input
compressed: the counted read times the fraction of dense ops whose input is non-zero (skip,
event) or whose input changed (delta), plus a bitmask of one bit per input value (priced as
metadata); its output is written as counted. A
layer without weight byte counts gets modeled weight traffic: each executed op reads its
weight, ``bytes(P) / reuse`` with ``reuse = dense_ops / (dense_params x steps x samples)``
(the positions a convolution weight is applied at; 1 for a fully connected layer), i.e.
batch size one. A layer without state byte counts reads and writes ``bytes(P)`` of state per
neuron update. Activation bytes are priced only where counted (at the ``activations``
levels, by default the state levels). ``gated_ops`` (issued, arithmetic suppressed) take
time, not energy.

**All-in pricing** (``scope="all-in"``, the default where a target only has all-in figures,
such as TrueNorth): energy is the counts times the all-in figures; memory and other per-term
costs are never added on top (the notes say so). An all-in figure includes leakage at its
measured activity, so static power is not added either; the estimate is instead never below
the static floor (static power x share x run time): value, low and high are each raised to it,
and the difference is reported as static energy.

**The E_MAC / E_AC convention** (``convention="mac_ac"``): MACs x 4.6 pJ + ACs x 0.9 pJ
(Horowitz 45 nm fp32 multiply + add, and add), nothing else, the way many SNN papers
report energy; compare with the same counts priced with memory access.

**Latency** (:mod:`neurosparse.hardware.latency`). ``roofline`` targets: per layer
``max(work / peak, bytes / bandwidth)``, summed over layers (work = MACs + ACs at their peak
rates, plus two MAC slots per neuron update; bytes of every level that has a bandwidth
figure). GPUs (``timing.kernel_launch``): one kernel per layer per step per batch of
``batch_size`` in sequence, each at least the launch-and-synchronisation floor, else its
roofline time with the compute at the small-batch utilisation (wave quantization over
``assumptions.parallel_lanes``). ``event`` targets: the event work spread over the occupied
cores (``parallel_units`` without a mapping), plus a barrier per step, never faster than a
real-time tick: ``steps x max(step_min, work / (steps x units) + sync)`` with
``steps = n_steps x n_samples``. Targets without a latency model give NaN.

**Range.** Every target number has a low and high value (equal to the value on a side the
target documents as ``exact``); the bounds are the same formulas evaluated at the ends that
make the result smallest and largest, so ``low <= value <= high`` always. The mapping uses the
central values of the ``[mapping]`` numbers. ``CostReport.quantities`` names the target numbers
behind an estimate.

Reference for the break-even analysis: M. Dampfhoffer, T. Mesquida, A. Valentian,
L. Anghel, "Are SNNs Really More Energy-Efficient Than ANNs? An In-Depth Hardware-Aware
Study", IEEE TETCI 7(3):731-741, 2023.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from neurosparse.errors import ParameterError, TargetError
from neurosparse.hardware.latency import (
    STATIC_CHOICES,
    LayerTime,
    hops_span,
    latency,
    layer_roofline,
    static_energy,
)
from neurosparse.hardware.mapping import layer_outputs, map_trace
from neurosparse.hardware.span import NAN, ZERO, Span
from neurosparse.hardware.target import (
    ACCUMULATOR,
    MODES,
    PRECISIONS,
    SCOPES,
    MemoryLevel,
    Target,
    load_target,
)
from neurosparse.optrace import COUNT_FIELDS, LayerCounts, OpTrace
from neurosparse.si import format_number, format_si

__all__ = ["CONVENTIONS", "E_AC_CONVENTION", "E_MAC_CONVENTION", "NAN", "STATIC_CHOICES", "ZERO",
           "CostReport", "Span", "ann_layer_energy", "breakeven_spike_rate", "estimate",
           "learning_updates", "snn_layer_energy"]

#: The SNN-paper convention: Horowitz 45 nm fp32 multiply (3.7 pJ) + add (0.9 pJ), and add.
E_MAC_CONVENTION = 4.6e-12
E_AC_CONVENTION = 0.9e-12
#: Bytes of a weight (and of an ANN activation) in each precision.
WEIGHT_BYTES = {"fp32": 4, "fp16": 2, "int8": 1}
#: Bytes of a neuron's state (membrane potential, accumulator) in each precision.
STATE_BYTES = {"fp32": 4, "fp16": 2, "int8": 4}
CONVENTIONS = ("mac_ac",)
_ROLES = ("weights", "state", "metadata", "activations")


# ------------------------------------------------------------------------------ report
@dataclass(frozen=True)
class CostReport:
    """Energy and latency of one trace on one target (totals over the trace's samples).

    ``energy_j = compute_energy_j + memory_energy_j + static_energy_j``; each ``*_low_*`` /
    ``*_high_*`` pair brackets its value. ``per_layer`` maps a layer to its
    ``compute_energy_j``, ``memory_energy_j`` and ``energy_j`` (static energy belongs to the
    chip, not to a layer). ``work`` holds what was executed: ``macs``, ``acs``,
    ``neuron_updates``, ``spikes``, ``learning_updates`` and ``*_bytes`` per role.
    ``static`` is the static-power choice (``"chips"`` or ``"occupied"``), ``mapping`` the
    chip mapping (:class:`~neurosparse.hardware.mapping.ChipMapping` as a dict; None where
    the target has no ``[mapping]`` table) and ``quantities`` the target numbers that priced
    the estimate. :meth:`per_sample` divides everything by ``n_samples``.
    """

    target: str
    mode: str
    precision: str
    scope: str
    convention: str | None
    energy_j: float
    energy_low_j: float
    energy_high_j: float
    compute_energy_j: float
    memory_energy_j: float
    static_energy_j: float
    latency_s: float
    latency_low_s: float
    latency_high_s: float
    per_layer: Mapping[str, Mapping[str, float]]
    notes: tuple[str, ...]
    n_samples: int
    work: Mapping[str, float] = field(default_factory=dict)
    is_per_sample: bool = False
    static: str = "chips"
    mapping: Mapping[str, Any] | None = None
    quantities: tuple[str, ...] = ()

    def per_sample(self) -> CostReport:
        """The same report divided by ``n_samples`` (energy and latency per sample)."""
        if self.is_per_sample:
            return self
        n = max(self.n_samples, 1)
        scaled = {k: getattr(self, k) / n for k in (
            "energy_j", "energy_low_j", "energy_high_j", "compute_energy_j", "memory_energy_j",
            "static_energy_j", "latency_s", "latency_low_s", "latency_high_s")}
        per_layer = {name: {k: v / n for k, v in d.items()} for name, d in self.per_layer.items()}
        work = {k: v / n for k, v in self.work.items()}
        return replace(self, per_layer=per_layer, work=work, is_per_sample=True, **scaled)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict with stable keys (see the class docstring)."""
        n = max(self.n_samples, 1) if not self.is_per_sample else 1
        return {
            "target": self.target, "mode": self.mode, "precision": self.precision,
            "scope": self.scope, "convention": self.convention,
            "energy_j": self.energy_j, "energy_low_j": self.energy_low_j,
            "energy_high_j": self.energy_high_j, "compute_energy_j": self.compute_energy_j,
            "memory_energy_j": self.memory_energy_j, "static_energy_j": self.static_energy_j,
            "latency_s": self.latency_s, "latency_low_s": self.latency_low_s,
            "latency_high_s": self.latency_high_s,
            "per_layer": {name: dict(d) for name, d in self.per_layer.items()},
            "notes": list(self.notes), "n_samples": self.n_samples,
            "per_sample": self.is_per_sample,
            "energy_per_sample_j": self.energy_j / n, "latency_per_sample_s": self.latency_s / n,
            "work": dict(self.work), "static": self.static, "mapping": self.mapping,
            "quantities": list(self.quantities),
        }


# ------------------------------------------------------------------------------ prices
@dataclass(frozen=True)
class _Prices:
    mac: Span
    ac: Span
    neuron: Span
    spike: Span
    learn: Span | None = None


def check_precision(t: Target, precision: str) -> str:
    """``precision`` if ``t`` computes in it (any precision for a precision-agnostic target).

    Raises
    ------
    ParameterError
        Naming the target, the precision asked for and the precisions the target has.
    """
    if precision not in PRECISIONS:
        raise ParameterError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if t.precisions and precision not in t.precisions:
        raise ParameterError(f"target {t.name} has no {precision} arithmetic: its precisions are "
                             f"{', '.join(t.precisions)}; price it at one of those (a recipe sets "
                             f"pricing.target_precision.{t.name})")
    return precision


def _prices(t: Target, p: str, scope: str, notes: dict[str, str], used: set[str],
            hops: Span = ZERO) -> _Prices:
    """Per-op energies of ``t`` in precision ``p`` under ``scope``; ``notes`` gets the fallbacks
    used, keyed by the count they price (``macs``, ``acs``, ``neuron_updates``, ``learning``);
    ``used`` the names of the quantities that price them."""
    section = "energy_all_in" if scope == "all-in" else "energy"
    table = t.energy_all_in if scope == "all-in" else t.energy
    acc = ACCUMULATOR.get(p, p)

    def get(key: str) -> Span | None:
        if key not in table:
            return None
        used.add(f"{section}.{key}")
        return Span.of(table[key])

    if f"mac_{p}" in table:
        mac = get(f"mac_{p}")
    elif f"mul_{p}" in table and f"add_{acc}" in table:
        mac = get(f"mul_{p}") + get(f"add_{acc}")
        notes["macs"] = f"a {p} MAC is priced as mul_{p} + add_{acc} = {format_si(mac.value, 'J')}"
    elif "synaptic_op" in table:
        mac = get("synaptic_op")
        notes["macs"] = ("MACs (real-valued inputs) are priced as synaptic ops; on this chip they "
                         "need graded or multi-bit events")
    else:
        raise TargetError(f"target {t.name}: no {scope} energy for a {p} MAC")
    for key in (f"ac_{p}", "synaptic_op", f"add_{acc}"):
        if key in table:
            ac = get(key)
            break
    else:
        ac = mac
        notes["acs"] = "no accumulate figure: ACs are priced as MACs"
    if "neuron_update" in table:
        neuron = get("neuron_update")
    elif scope == "all-in":
        neuron = ZERO
        notes["neuron_updates"] = "neuron updates are inside the all-in figure (not priced separately)"
    else:
        neuron = mac + ac
        notes["neuron_updates"] = ("no neuron-update figure: a membrane update is priced as one MAC "
                                   "(leak and input) plus one accumulate (threshold compare)")
    spike = ZERO
    if scope == "per-term" and "spike" in table:
        spike = get("spike")
        if "spike_hop" in table:
            spike = spike + hops * get("spike_hop")
    learn = get("synaptic_update") if scope == "per-term" else None
    if learn is None:
        notes["learning_updates"] = (f"learning updates are not priced beyond their weight writes: {t.name} "
                             f"has no {'per-term ' if scope == 'per-term' else ''}synaptic_update "
                             f"figure")
    return _Prices(mac, ac, neuron, spike, learn)


def _choose_levels(t: Target, footprints: Mapping[str, float],
                   notes: list[str]) -> dict[str, MemoryLevel]:
    """The memory level holding each role: the first whose capacity holds the footprint."""
    chosen = {}
    for role in _ROLES:
        names = t.memory_roles.get(role, ())
        if not names:
            continue
        pick = names[-1]
        for name in names:
            cap = t.memory[name].capacity
            if cap is None or cap.value >= footprints[role]:
                pick = name
                break
        chosen[role] = t.memory[pick]
    if chosen:
        notes.append("memory: " + "; ".join(
            f"{role} ({_fmt_bytes(footprints[role])}) in {lvl.name}" for role, lvl in chosen.items()))
    return chosen


def _fmt_bytes(n: float) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} B"


# ------------------------------------------------------------------------------ work
def _executed(layer: LayerCounts, mode: str, flags: dict[str, list[str]]) -> tuple[float, float]:
    """(MACs, ACs) the layer executes in ``mode``."""
    if mode == "dense":
        if layer.dense_ops > 0:
            return layer.dense_ops, 0.0
        sparse = layer.effective_macs + layer.effective_acs + layer.delta_macs
        if sparse > 0:
            flags["no_dense"].append(layer.name)
        return layer.effective_macs + layer.effective_acs, 0.0
    if mode == "skip":
        return layer.effective_macs, layer.effective_acs
    if mode == "delta":
        if layer.delta_macs > 0 or layer.effective_macs == 0:
            return layer.delta_macs, layer.effective_acs
        flags["no_delta"].append(layer.name)
        return layer.effective_macs, layer.effective_acs
    acs = layer.synaptic_events if layer.synaptic_events > 0 else layer.effective_acs
    return layer.effective_macs, acs


def _layer_bytes(layer: LayerCounts, mode: str, trace: OpTrace, p: str, ops: float,
                 flags: dict[str, list[str]]) -> dict[str, float]:
    """Bytes moved per role: counted where the trace has them, else modeled (module docstring)."""
    w, s = WEIGHT_BYTES.get(p, 4), STATE_BYTES.get(p, 4)
    # counted weight and activation bytes were made at the trace's value size: rescale to P
    scale = w / trace.value_bytes if trace.value_bytes else 1.0
    modeled = False
    if layer.weight_bytes_read + layer.weight_bytes_written > 0:
        weights = layer.weight_bytes_read * scale
        if mode == "dense":  # a dense pass reads the whole matrix at least once per step
            weights = max(weights, layer.dense_params * w * max(trace.n_steps, 1))
        else:  # a skipping or event-driven engine fetches a weight only for an executed op
            weights = min(weights, ops * w)
        weights += layer.weight_bytes_written * scale
    else:
        reuse = 1.0
        if layer.dense_params > 0 and layer.dense_ops > 0:
            passes = layer.dense_params * max(trace.n_steps, 1) * max(trace.n_samples, 1)
            reuse = max(1.0, layer.dense_ops / passes)
        weights = ops * w / reuse
        modeled = weights > 0
    if layer.state_bytes_read + layer.state_bytes_written > 0:
        state = layer.state_bytes_read + layer.state_bytes_written
    else:
        state = layer.neuron_updates * 2 * s
        modeled = modeled or state > 0
    if modeled:
        flags["modeled"].append(layer.name)
    metadata = 0.0 if mode == "dense" else layer.metadata_bytes_read + layer.metadata_bytes_written
    read = layer.activation_bytes_read * scale
    density = _input_density(layer, mode)
    if density is not None and read > 0:
        # a sparse engine reads its input compressed: the values it uses plus a bitmask
        metadata += read / w / 8.0
        read *= density
    return {"weights": weights, "state": state, "metadata": metadata,
            "activations": read + layer.activation_bytes_written * scale}


def _input_density(layer: LayerCounts, mode: str) -> float | None:
    """Fraction of a MAC layer's input a sparse ``mode`` reads (None: all of it)."""
    if mode == "dense" or layer.dense_ops <= 0:
        return None
    used = layer.nonzero_input_ops
    if mode == "delta" and (layer.delta_macs > 0 or layer.effective_macs == 0):
        used = layer.delta_macs  # non-zero changes (with a non-zero weight)
    if used <= 0 and layer.effective_macs + layer.effective_acs > 0:
        return None  # the counter gave no operand counts: keep the dense read
    return min(1.0, used / layer.dense_ops)


def _footprints(trace: OpTrace, p: str, mode: str) -> dict[str, float]:
    """Bytes each role occupies (a dense implementation holds the dense weight matrices)."""
    w, s = WEIGHT_BYTES.get(p, 4), STATE_BYTES.get(p, 4)
    passes = max(trace.n_steps, 1) * max(trace.n_samples, 1)
    weights = sum(((lay.dense_params or lay.n_params) if mode == "dense" else
                   (lay.n_params or lay.dense_params)) * w for lay in trace.layers.values())
    state = sum(lay.neuron_updates / passes * s for lay in trace.layers.values())
    metadata = sum(lay.n_nonzero_params * 4.0 for lay in trace.layers.values()
                   if lay.metadata_bytes_read + lay.metadata_bytes_written > 0)
    return {"weights": weights, "state": state, "metadata": metadata, "activations": state}


def _check_trace(trace: OpTrace) -> None:
    if not isinstance(trace, OpTrace):
        raise ParameterError(f"trace must be an OpTrace, got {type(trace).__name__}")
    for layer in trace.layers.values():
        for f in COUNT_FIELDS:
            v = getattr(layer, f)
            if not math.isfinite(v) or v < 0:
                raise ParameterError(f"trace layer {layer.name!r}: {f} = {v!r}; counts must be "
                                     f"finite and >= 0")


def learning_updates(trace: OpTrace, layer: LayerCounts) -> tuple[float, bool]:
    """Plasticity (synaptic weight) updates of ``layer`` and whether they were derived.

    A ``synaptic_updates`` count on the layer is used as given. Without one, a projection
    of the event core (``trace.source == "neurosparse.core"``) that writes its weights is
    plastic, and :mod:`neurosparse.core.trace` writes 4 B per STDP update (one per
    presynaptic event, depressing that synapse, and one per incoming synapse of a neuron
    that spiked, potentiating it): ``weight_bytes_written / 4`` updates, exact for uniform
    in-degree (the trace uses the mean in-degree).
    """
    counted = float(getattr(layer, "synaptic_updates", 0.0) or 0.0)
    if counted > 0:
        return counted, False
    if trace.source == "neurosparse.core" and layer.kind == "projection" \
            and layer.weight_bytes_written > 0:
        return layer.weight_bytes_written / 4.0, True
    return 0.0, False


# ------------------------------------------------------------------------------ estimate
def estimate(trace: OpTrace, target: Target | str, *, mode: str = "auto", precision: str = "fp32",
             convention: str | None = None, scope: str | None = None,
             duration_s: float | None = None, static: str = "chips",
             batch_size: int = 1) -> CostReport:
    """Energy and latency of ``trace`` on ``target`` (see the module docstring for the model).

    Parameters
    ----------
    trace
        The counts (totals over ``trace.n_samples`` samples).
    target
        A :class:`~neurosparse.hardware.target.Target`, a catalog name or a TOML path.
    mode
        ``"auto"`` (the target's default), ``"dense"``, ``"skip"``, ``"delta"`` or ``"event"``.
    precision
        ``"fp32"``, ``"fp16"`` or ``"int8"``; a target that lacks it is refused
        (``ParameterError`` naming the precisions it has).
    convention
        ``None``, or ``"mac_ac"`` for the E_MAC = 4.6 pJ / E_AC = 0.9 pJ convention (no
        memory, no neuron updates, no static power).
    scope
        ``"per-term"`` or ``"all-in"`` pricing; default the target's ``default_scope``.
    duration_s
        Time the chip is powered for the run (for static energy); default the modeled latency.
    static
        ``"chips"`` (default): static power of every chip the mapping needs; ``"occupied"``:
        the share of the chips' cores the model occupies (see
        :mod:`neurosparse.hardware.latency`). Said in every report's notes.
    batch_size
        Samples per forward pass on a GPU (``timing.kernel_launch`` targets): kernels are
        launched once per layer, step and batch. Default 1 (streaming inference).

    Returns
    -------
    CostReport
        Totals over the trace; ``.per_sample()`` divides by ``n_samples``.
    """
    t = load_target(target)
    if mode != "auto" and mode not in MODES:
        raise ParameterError(f"mode must be 'auto' or one of {', '.join(MODES)}, got {mode!r}")
    p = check_precision(t, precision)
    if convention is not None and convention not in CONVENTIONS:
        raise ParameterError(f"convention must be None or 'mac_ac', got {convention!r}")
    if scope is not None and scope not in SCOPES:
        raise ParameterError(f"scope must be None, 'per-term' or 'all-in', got {scope!r}")
    if duration_s is not None and not (isinstance(duration_s, (int, float)) and
                                       math.isfinite(duration_s) and duration_s >= 0):
        raise ParameterError(f"duration_s must be a finite time >= 0, got {duration_s!r}")
    if static not in STATIC_CHOICES:
        raise ParameterError(f"static must be one of {', '.join(map(repr, STATIC_CHOICES))}, got "
                             f"{static!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ParameterError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    _check_trace(trace)
    notes: list[str] = []
    run_mode = t.default_mode if mode == "auto" else mode
    if mode == "auto":
        notes.append(f"mode auto: {t.name}'s default execution is {run_mode}")
    scope = scope or t.default_scope
    table = t.energy_all_in if scope == "all-in" else t.energy
    if not table and convention is None:
        raise TargetError(f"target {t.name} has no {scope} energies; use scope="
                          f"{'per-term' if scope == 'all-in' else 'all-in'}")
    mapping = map_trace(trace, t)
    if mapping is not None:
        notes.append(mapping.summary())
        if mapping.chips > 1:
            notes.append(f"the model needs {mapping.cores} cores, more than one chip's "
                         f"{mapping.cores_per_chip}: priced on {mapping.chips} chips")
    else:
        notes.append(f"fit not checked: {t.name} has no [mapping] table (cores, neurons and "
                     f"synapses per core)")
    used: set[str] = set()
    hops = hops_span(t, mapping, notes)
    price_notes: dict[str, str] = {}
    if convention is not None:
        prices = None
        notes.append("E_MAC = 4.6 pJ / E_AC = 0.9 pJ convention (Horowitz 45 nm fp32 multiply + add, "
                     "and add): memory access, neuron updates and static power are not priced; "
                     "compare with the same counts priced with memory access")
    else:
        prices = _prices(t, p, scope, price_notes, used, hops)
        if scope == "all-in":
            notes.append(f"priced with {t.name}'s all-in figures only "
                         f"({', '.join(sorted(t.energy_all_in))}): memory access, static power "
                         f"and per-term costs are inside them and not added")
    use_memory = convention is None and scope == "per-term"
    levels = _choose_levels(t, _footprints(trace, p, run_mode), notes) if use_memory or \
        t.latency_model == "roofline" else {}
    if use_memory and not levels:
        notes.append(f"{t.name} has no memory levels: memory access is inside its per-op energies")
    if use_memory:
        used.update(f"memory.{lvl.name}.energy" for lvl in levels.values())
    outputs = layer_outputs(trace)

    flags: dict[str, list[str]] = {"no_dense": [], "no_delta": [], "modeled": [], "derived": []}
    per_layer: dict[str, dict[str, float]] = {}
    compute, memory = ZERO, ZERO
    work = dict.fromkeys(("macs", "acs", "gated_ops", "neuron_updates", "spikes", "learning_updates",
                          "weights_bytes", "state_bytes", "metadata_bytes", "activations_bytes"), 0.0)
    times: list[LayerTime] = []
    event_work = ZERO
    for layer in trace.layers.values():
        macs, acs = _executed(layer, run_mode, flags)
        gated = 0.0 if run_mode == "dense" else layer.gated_ops  # slots that take time, no energy
        nu, spikes = layer.neuron_updates, layer.spikes
        moved = _layer_bytes(layer, run_mode, trace, p, macs + acs + gated, flags)
        learn, derived = learning_updates(trace, layer)
        if derived:
            flags["derived"].append(layer.name)
        if convention is not None:
            c = Span.exact(macs * E_MAC_CONVENTION + acs * E_AC_CONVENTION)
        else:
            c = macs * prices.mac + acs * prices.ac + nu * prices.neuron + spikes * prices.spike
            if prices.learn is not None and learn > 0:
                c = c + learn * prices.learn
                # the update's figure includes writing the weight back
                scale = WEIGHT_BYTES[p] / trace.value_bytes if trace.value_bytes else 1.0
                moved["weights"] = max(moved["weights"] - layer.weight_bytes_written * scale, 0.0)
        m = ZERO
        if use_memory:
            for role, level in levels.items():
                m = m + moved[role] * Span.of(level.energy)
        compute, memory = compute + c, memory + m
        per_layer[layer.name] = {"compute_energy_j": c.value, "memory_energy_j": m.value,
                                 "energy_j": c.value + m.value}
        for key, v in (("macs", macs), ("acs", acs), ("gated_ops", gated), ("neuron_updates", nu),
                       ("spikes", spikes), ("learning_updates", learn)):
            work[key] += v
        for role in _ROLES:
            work[f"{role}_bytes"] += moved[role]
        if t.latency_model == "roofline":
            t_c, t_m = layer_roofline(t, p, macs + gated, acs, nu, moved, levels)
            times.append(LayerTime(layer.name, t_c, t_m, outputs.get(layer.name) or None,
                                   macs + acs + gated + nu > 0 or t_m.value > 0))
        elif t.latency_model == "event":
            event_work = event_work + _event_work(t, macs + acs + gated, nu, spikes, hops)
    used.update(_latency_quantities(t, convention))
    run_time = latency(t, trace, times, event_work, mapping, batch_size, notes)
    time = Span.exact(duration_s) if duration_s is not None else run_time
    static_part = static_energy(t, time, scope, convention, static, mapping, compute + memory,
                                trace.n_samples, notes)
    if static_part.value > 0 or static_part.high > 0:
        used.add("power.static")
    energy = compute + memory + static_part
    notes += [text for key, text in price_notes.items() if work[key] > 0]
    if work["learning_updates"] > 0 and prices is not None and prices.learn is not None:
        notes.append(f"{format_number(work['learning_updates'] / max(trace.n_samples, 1))} learning (STDP) "
                     f"updates per sample priced at {format_si(prices.learn.value, 'J')} each "
                     f"(synaptic_update), their weight writes inside that figure")
    if work["gated_ops"] > 0:
        gated = format_number(work["gated_ops"] / max(trace.n_samples, 1))
        notes.append(f"{gated} gated ops per sample take issue slots (time) but no energy")
    if not (use_memory and levels) and t.latency_model != "roofline":
        flags["modeled"] = []  # bytes are priced nowhere on this target
    _flag_notes(flags, notes)
    return CostReport(
        target=t.name, mode=run_mode, precision=p, scope=scope, convention=convention,
        energy_j=energy.value, energy_low_j=energy.low, energy_high_j=energy.high,
        compute_energy_j=compute.value, memory_energy_j=memory.value,
        static_energy_j=static_part.value, latency_s=run_time.value, latency_low_s=run_time.low,
        latency_high_s=run_time.high, per_layer=per_layer, notes=tuple(dict.fromkeys(notes)),
        n_samples=trace.n_samples, work=work, static=static,
        mapping=mapping.to_dict() if mapping is not None else None,
        quantities=tuple(sorted(used)))


def _latency_quantities(t: Target, convention: str | None) -> set[str]:
    """Names of the timing, throughput, assumption and mapping quantities a latency uses."""
    names = {f"timing.{k}" for k in t.timing} | {f"mapping.{k}" for k in t.mapping}
    names |= {f"assumptions.{k}" for k in t.assumptions}
    if t.latency_model == "roofline":
        names |= {f"throughput.{k}" for k in t.throughput}
    return names


def _event_work(t: Target, ops: float, nu: float, spikes: float, hops: Span) -> Span:
    tm = t.timing

    def q(key: str) -> Span:
        return Span.of(tm[key]) if key in tm else ZERO

    return ops * q("synaptic_op") + nu * q("neuron_update") + spikes * (q("spike") + hops * q("spike_hop"))


def _flag_notes(flags: dict[str, list[str]], notes: list[str]) -> None:
    if flags["no_delta"]:
        notes.append(f"delta mode: no delta_macs for {', '.join(flags['no_delta'])}; priced with "
                     f"their effective_macs")
    if flags["no_dense"]:
        notes.append(f"dense mode: no dense_ops for {', '.join(flags['no_dense'])}; priced with "
                     f"their effective ops")
    if flags["derived"]:
        notes.append(f"learning updates of {', '.join(flags['derived'])} derived from the event "
                     f"core's weight writes (4 B per STDP update); OpTrace has no "
                     f"synaptic_updates count")
    if flags["modeled"]:
        notes.append(f"no byte counts for {', '.join(flags['modeled'])}: memory traffic modeled "
                     f"(each op reads its weight once per reuse, each update reads and writes its "
                     f"state; batch size one)")


# ------------------------------------------------------------------------------ break-even
def _layer_prices(target: Target | str, precision: str, fan_in: int, n_neurons: int,
                  include_memory: bool) -> tuple[_Prices, float, float, int, int]:
    """Per-op prices, per-byte energies of the weight and state levels, and their byte widths."""
    t = load_target(target)
    notes: list[str] = []
    p = check_precision(t, precision)
    prices = _prices(t, p, t.default_scope, {}, set(), _hops_assumed(t))
    b_w, b_s = WEIGHT_BYTES[p], STATE_BYTES[p]
    e_w = e_s = 0.0
    if include_memory and t.default_scope == "per-term" and t.memory_roles:
        footprint = {"weights": fan_in * n_neurons * b_w, "state": n_neurons * b_s, "metadata": 0.0,
                     "activations": n_neurons * b_s}
        levels = _choose_levels(t, footprint, notes)
        e_w, e_s = levels["weights"].energy.value, levels["state"].energy.value
    return prices, e_w, e_s, b_w, b_s


def _hops_assumed(t: Target) -> Span:
    return Span.of(t.assumptions["hops_per_spike"]) if "hops_per_spike" in t.assumptions else ZERO


def _check_layer_args(fan_in: int, n_neurons: int, n_steps: int = 1) -> None:
    for name, v in (("fan_in", fan_in), ("n_neurons", n_neurons), ("n_steps", n_steps)):
        if not isinstance(v, (int, float)) or v < 1:
            raise ParameterError(f"{name} must be >= 1, got {v!r}")


def ann_layer_energy(target: Target | str, *, fan_in: int, n_neurons: int = 1,
                     precision: str = "fp32", density: float = 1.0,
                     include_memory: bool = True) -> float:
    r"""Energy (J) of one inference of a fully connected ANN layer on ``target``.

    :math:`E_{\rm ANN} = d\,f\,n\,(e_{\rm MAC} + b_w e_w) + n\, b_w e_s`: ``density`` ``d``
    of the ``fan_in`` ``f`` inputs are non-zero (zero-skipping; 1 = dense), each MAC reads
    its weight (``b_w`` bytes at ``e_w`` per byte, the level holding the layer's weights),
    and each of the ``n`` outputs is written once (``b_w`` bytes at the state level's
    ``e_s``). See :func:`breakeven_spike_rate`.
    """
    _check_layer_args(fan_in, n_neurons)
    if not 0 < density <= 1:
        raise ParameterError(f"density must be in (0, 1], got {density!r}")
    prices, e_w, e_s, b_w, _ = _layer_prices(target, precision, fan_in, n_neurons, include_memory)
    return density * fan_in * n_neurons * (prices.mac.value + b_w * e_w) + n_neurons * b_w * e_s


def snn_layer_energy(target: Target | str, spike_rate: float, *, fan_in: int, n_steps: int,
                     n_neurons: int = 1, precision: str = "fp32",
                     include_memory: bool = True) -> float:
    r"""Energy (J) of one inference of a fully connected SNN layer on ``target``.

    :math:`E_{\rm SNN}(r) = T\,n\,\big[r\,f\,(e_{\rm AC} + b_w e_w) + e_{\rm upd} + 2 b_s e_s\big]`:
    over ``n_steps`` ``T``, each of the ``fan_in`` ``f`` inputs spikes with probability
    ``spike_rate`` ``r`` per step, each spike costs one accumulate per output plus its weight
    read, and every step each of the ``n`` neurons is updated and its state (``b_s`` bytes)
    read and written. See :func:`breakeven_spike_rate`.
    """
    _check_layer_args(fan_in, n_neurons, n_steps)
    if not (math.isfinite(spike_rate) and spike_rate >= 0):
        raise ParameterError(f"spike_rate must be >= 0, got {spike_rate!r}")
    prices, e_w, e_s, b_w, b_s = _layer_prices(target, precision, fan_in, n_neurons, include_memory)
    per_neuron_step = (spike_rate * fan_in * (prices.ac.value + b_w * e_w) + prices.neuron.value
                       + 2 * b_s * e_s)
    return n_steps * n_neurons * per_neuron_step


def breakeven_spike_rate(target: Target | str, *, fan_in: int, n_steps: int, n_neurons: int = 1,
                         precision: str = "fp32", ann_target: Target | str | None = None,
                         ann_density: float = 1.0, include_memory: bool = True) -> float:
    r"""The spike rate (spikes per input per time step) above which an SNN layer stops
    beating the equivalent ANN layer in energy.

    Following Dampfhoffer et al. 2023 (IEEE TETCI, "Are SNNs really more energy-efficient
    than ANNs?"): an SNN replaces each MAC by an accumulate per input spike, but runs for
    ``n_steps`` time steps, re-reads a weight for every spike, and updates (reads and writes)
    every neuron's membrane potential every step, while the ANN does one MAC per weight once.
    With the layer energies of :func:`snn_layer_energy` and :func:`ann_layer_energy`,

    .. math::

        E_{\rm SNN}(r) = E_{\rm ANN} \iff
        r^* = \frac{E_{\rm ANN}/(T n) - e_{\rm upd} - 2 b_s e_s}{f\,(e_{\rm AC} + b_w e_w)}.

    The SNN wins below ``r*``. Per-op energies and per-byte memory energies come from the
    target (the memory level chosen by the layer's weight and state footprint); with
    ``include_memory=False`` only arithmetic is priced, as in the E_MAC/E_AC convention, which
    is what makes SNNs look cheap. A rate in Hz is ``r / dt``.

    Parameters
    ----------
    target
        Where the SNN runs (catalog name, path or Target).
    fan_in, n_neurons, n_steps
        Inputs per neuron, neurons, and SNN time steps per inference.
    precision
        Number format of both networks.
    ann_target
        Where the ANN runs; default ``target``.
    ann_density
        Fraction of non-zero ANN activations the ANN skips to (1 = dense).
    include_memory
        Price weight and state traffic (default) or arithmetic only.

    Returns
    -------
    float
        ``r*``; 0.0 when the SNN's per-step neuron updates alone cost more than the ANN
        (it never wins). A value above 1 means it wins even when every input spikes every step.
    """
    e_ann = ann_layer_energy(ann_target if ann_target is not None else target, fan_in=fan_in,
                             n_neurons=n_neurons, precision=precision, density=ann_density,
                             include_memory=include_memory)
    fixed = snn_layer_energy(target, 0.0, fan_in=fan_in, n_steps=n_steps, n_neurons=n_neurons,
                             precision=precision, include_memory=include_memory)
    per_rate = snn_layer_energy(target, 1.0, fan_in=fan_in, n_steps=n_steps, n_neurons=n_neurons,
                                precision=precision, include_memory=include_memory) - fixed
    if per_rate <= 0:
        raise TargetError("the SNN layer's energy does not grow with the spike rate on this "
                          "target (zero accumulate energy): no break-even rate")
    return max((e_ann - fixed) / per_rate, 0.0)
