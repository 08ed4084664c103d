r"""Latency and static energy of a priced trace: the time models and the static-power choice.

**Roofline** (CPUs, accelerators; ``latency_model = "roofline"``): per layer
``max(work / peak, bytes / bandwidth)``, summed over layers; steps and samples overlap
ideally.

**GPU kernels** (roofline targets with ``timing.kernel_launch``): inference of a
time-stepped network at small batch is a chain of dependent kernels, one per counted layer
per time step per batch, each of which costs at least the launch-and-synchronisation floor
:math:`t_{\rm launch}` (a few microseconds, measured; see the targets' sources). A kernel
takes the longer of that floor and its own roofline time, and the kernels run one after
another:

.. math::

    T = \sum_\ell K \max\Big(t_{\rm launch},\;
        \frac{1}{K}\max\big(\frac{t^{\rm compute}_\ell}{u_\ell},\, t^{\rm memory}_\ell\big)\Big),
    \qquad K = n_{\rm steps}\,\lceil n_{\rm samples} / B \rceil

with batch size ``B``. The utilisation ``u`` at small batch is wave quantization with one
output element per lane (NVIDIA, *Matrix Multiplication Background User's Guide*, sections
"Tile quantization" and "Wave quantization"): a kernel producing ``m = B x outputs`` values
on a GPU of ``L`` lanes (``assumptions.parallel_lanes``) runs in ``ceil(m / L)`` waves, so
:math:`u = m / (\lceil m / L \rceil L)`; a batch-1 layer of 128 neurons on 16,896 lanes uses
0.76 % of the peak. Outputs per step are a population's neurons, or for a weight layer the
neurons of the population it feeds (:mod:`neurosparse.hardware.mapping`'s topology); a
layer whose outputs the trace does not tell gets ``u = 1`` (noted). One kernel per counted
layer is a fused implementation: an unfused framework launches several per LIF step, so the
floor is a lower bound.

**Event chips** (``latency_model = "event"``): the event work (ops x time per op, spikes x
(time per spike + hops x time per hop)) spread over the cores working at once, plus a barrier
``sync`` per step, never faster than a real-time tick ``step_min`` per step:
``steps x max(step_min, work / (steps x units) + sync)``. With a mapping
(:func:`neurosparse.hardware.mapping.map_trace`) the units are the occupied cores (with the
relative range of ``assumptions.parallel_units``), and on a mesh the barrier is interpolated
linearly in the occupied tiles between ``timing.sync``'s low (one tile) and its value (the
whole mesh).

**Static power** is priced the same way on every target, with an explicit choice:
``static="chips"`` (default) powers whole chips, ``power.static x chips x T``, with the chips
the mapping needs (one device without a ``[mapping]`` table); ``static="occupied"`` charges the
share of cores the model occupies, ``power.static x cores / cores_per_chip x T`` (the whole
device where the target has no core mapping: a GPU or CPU cannot power-gate to a model's
share). ``T`` is the modeled latency, or ``duration_s``. On an all-in target (TrueNorth) the
all-in figure already includes leakage at its measured operating point, so static power is
not added on top; instead the estimate is never below the static floor ``P x T``: energy
``= max(all-in energy, floor)`` for the value and both bounds, and the difference is reported
as static energy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from neurosparse.hardware.mapping import ChipMapping
from neurosparse.hardware.span import NAN, ZERO, Span
from neurosparse.hardware.target import MemoryLevel, Target
from neurosparse.optrace import OpTrace
from neurosparse.si import format_number, format_si

__all__ = ["STATIC_CHOICES", "LayerTime", "hops_span", "latency", "layer_roofline", "static_energy"]

#: How static power is charged: whole chips powered, or the share of cores occupied.
STATIC_CHOICES = ("chips", "occupied")


@dataclass(frozen=True)
class LayerTime:
    """A layer's compute and memory times (whole trace) and its outputs per sample and step."""

    name: str
    compute: Span
    memory: Span
    outputs: float | None
    active: bool


def layer_roofline(t: Target, p: str, macs: float, acs: float, nu: float,
                   moved: Mapping[str, float], levels: Mapping[str, MemoryLevel]) -> tuple[Span, Span]:
    """(compute time, memory time) of one layer at the target's peaks."""
    tp = t.throughput
    peak_mac = Span.of(tp[f"peak_macs_{p}"])
    peak_ac = Span.of(tp[f"peak_acs_{p}"]) if f"peak_acs_{p}" in tp else peak_mac
    t_compute = (macs + 2 * nu) / peak_mac + acs / peak_ac
    by_level: dict[str, float] = {}
    for role, level in levels.items():
        by_level[level.name] = by_level.get(level.name, 0.0) + moved[role]
    t_memory = ZERO
    for name, nbytes in by_level.items():
        if f"bandwidth_{name}" in tp:
            t_memory = t_memory + nbytes / Span.of(tp[f"bandwidth_{name}"])
    return t_compute, t_memory


def hops_span(t: Target, mapping: ChipMapping | None, notes: list[str]) -> Span:
    """Router hops per spike: the mapping's mean on a mesh, else ``assumptions.hops_per_spike``."""
    assumed = Span.of(t.assumptions["hops_per_spike"]) if "hops_per_spike" in t.assumptions else None
    if mapping is None or mapping.hops_per_spike is None:
        return assumed if assumed is not None else ZERO
    h = mapping.hops_per_spike
    low = min(assumed.low, h) if assumed is not None else 0.0
    high = max(assumed.high, h) if assumed is not None else h
    if mapping.chips > 1:
        notes.append(f"{mapping.chips} chips: hops priced on one chip's whole mesh; chip-to-chip "
                     f"links are not priced")
    return Span(h, low, high)


def _utilisation(outputs: float, lanes: Span) -> Span:
    def u(n_lanes: float) -> float:
        return outputs / (math.ceil(outputs / n_lanes) * n_lanes)

    ends = [u(lanes.value), u(lanes.low), u(lanes.high)]
    return Span(ends[0], min(ends), max(ends))


def latency(t: Target, trace: OpTrace, layers: list[LayerTime], event_work: Span,
            mapping: ChipMapping | None, batch_size: int, notes: list[str]) -> Span:
    """The run time of the whole trace on ``t`` (module docstring)."""
    if t.latency_model == "roofline" and "kernel_launch" in t.timing:
        return _gpu_latency(t, trace, layers, batch_size, notes)
    if t.latency_model == "roofline":
        notes.append("roofline latency over the trace's total work: steps and samples overlap "
                     "ideally; per-step overheads are not modeled")
        bound = [lay.name for lay in layers if lay.memory.value > lay.compute.value]
        if not any(k.startswith("bandwidth_") for k in t.throughput):
            notes.append(f"{t.name} has no bandwidth figure: latency counts compute only")
        elif bound:
            notes.append(f"roofline: memory-bound layers: {', '.join(bound)}")
        total = ZERO
        for lay in layers:
            total = total + lay.compute.maximum(lay.memory)
        return total
    if t.latency_model == "event":
        return _event_latency(t, trace, event_work, mapping, notes)
    notes.append(f"{t.name} has no latency model: latency is NaN")
    return NAN


def _gpu_latency(t: Target, trace: OpTrace, layers: list[LayerTime], batch_size: int,
                 notes: list[str]) -> Span:
    launch = Span.of(t.timing["kernel_launch"])
    lanes = Span.of(t.assumptions["parallel_lanes"]) if "parallel_lanes" in t.assumptions else None
    batches = math.ceil(max(trace.n_samples, 1) / batch_size)
    kernels = max(trace.n_steps, 1) * batches
    total, floor_bound, full = ZERO, [], []
    for lay in layers:
        if not lay.active:
            continue
        if lanes is None or not lay.outputs:
            u = Span.exact(1.0)
            full.append(lay.name)
        else:
            u = _utilisation(lay.outputs * min(batch_size, max(trace.n_samples, 1)), lanes)
        per_kernel = (lay.compute / u).maximum(lay.memory) / kernels
        if per_kernel.value < launch.value:
            floor_bound.append(lay.name)
        total = total + per_kernel.maximum(launch) * kernels
    n_kernels = kernels * sum(lay.active for lay in layers)
    per = n_kernels / max(trace.n_samples, 1)
    count = (f"{per:,.4g} kernels per sample in sequence ({n_kernels:,} in all: one per layer per "
             f"step per batch of {batch_size})")
    notes.append(f"GPU latency: {count}, each at least the {format_si(launch.value, 's')} launch-and-"
                 f"synchronisation floor, else its roofline time at the small-batch utilisation "
                 f"(wave quantization over {lanes.value:,.0f} lanes)" if lanes is not None else
                 f"GPU latency: {count}, each at least the {format_si(launch.value, 's')} launch-and-"
                 f"synchronisation floor")
    if floor_bound:
        notes.append(f"launch-bound layers (the floor exceeds their work): {', '.join(floor_bound)}")
    bound = [lay.name for lay in layers if lay.active and lay.name not in floor_bound
             and lay.memory.value > lay.compute.value]
    if bound:
        notes.append(f"roofline: memory-bound layers: {', '.join(bound)}")
    if full and lanes is not None:
        notes.append(f"outputs unknown for {', '.join(full)}: priced at full utilisation")
    return total


def _event_latency(t: Target, trace: OpTrace, event_work: Span, mapping: ChipMapping | None,
                   notes: list[str]) -> Span:
    steps = max(trace.n_steps, 1) * max(trace.n_samples, 1)
    units = Span.of(t.assumptions["parallel_units"]) if "parallel_units" in t.assumptions \
        else Span.exact(1.0)
    sync = Span.of(t.timing["sync"]) if "sync" in t.timing else ZERO
    if mapping is not None and event_work.value > 0:
        units = units.rescaled(float(mapping.cores)).maximum(1.0)
        if mapping.tiles is not None and sync.value > 0 and mapping.chips == 1:
            mesh = t.mapping["mesh_tiles_x"].value * t.mapping["mesh_tiles_y"].value
            frac = (mapping.tiles - 1) / (mesh - 1) if mesh > 1 else 1.0
            q = t.timing["sync"]
            v = q.low + (q.value - q.low) * frac
            sync = Span(v, q.low, max(q.high, v))
    tick = Span.of(t.timing["step_min"]) if "step_min" in t.timing else ZERO
    per_step = event_work / (units * steps) + sync
    parts = []
    if event_work.value > 0:
        where = (f"the {mapping.cores} occupied cores" if mapping is not None
                 else f"{units.value:g} parallel units")
        parts.append(f"events x time per op spread over {where}, plus {format_si(sync.value, 's')} sync per "
                     f"step")
    if tick.value > 0:
        parts.append(f"at least one {format_si(tick.value, 's')} tick per step")
    text = "event latency: " + ", ".join(parts or ["no timing figures"])
    if tick.value > 0 and trace.dt is not None and not math.isclose(trace.dt, tick.value):
        text += (f" (trace dt {format_si(trace.dt, 's')}: a tick-bound run takes "
                 f"{format_number(tick.value / trace.dt)}x "
                 f"biological time)")
    notes.append(text)
    return per_step.maximum(tick) * steps


def static_energy(t: Target, time: Span, scope: str, convention: str | None, static: str,
                  mapping: ChipMapping | None, compute: Span, n_samples: int,
                  notes: list[str]) -> Span:
    """The static energy to add to compute and memory (module docstring); notes per sample."""
    n = max(n_samples, 1)
    if convention is not None:
        notes.append(f"static: not priced (the {convention} convention prices arithmetic only; "
                     f"static='{static}' is ignored)")
        return ZERO
    if "static" not in t.power:
        if t.kind == "cpu":
            why = "its per-op energies are TDP shares that include the core's static power"
        elif t.kind == "reference":
            why = "a per-operation reference table with no chip behind it"
        else:
            why = "baseline power is excluded, so the estimate is an underestimate"
        notes.append(f"static: {t.name} has no static (baseline) power figure, none priced: {why}")
        return ZERO
    if math.isnan(time.value):
        notes.append("static power not priced: no run time (give duration_s)")
        return ZERO
    power = Span.of(t.power["static"])
    if static == "chips":
        chips = mapping.chips if mapping is not None else 1
        share, how = float(chips), (f"whole chips powered (static='chips'): {chips} chip"
                                    f"{'s' * (chips != 1)}" if mapping is not None else
                                    "whole chips powered (static='chips'): one device")
    elif mapping is not None:
        share = mapping.cores / mapping.cores_per_chip
        how = (f"share of cores occupied (static='occupied'): {mapping.cores} of "
               f"{mapping.cores_per_chip} cores per chip")
    else:
        share, how = 1.0, ("static='occupied' but the target has no core mapping: the whole "
                           "device is powered")
    floor = power * share * time
    per = (f"{format_si(power.value * share, 'W')} x {format_si(time.value / n, 's')} = "
           f"{format_si(floor.value / n, 'J')} per sample")
    if scope == "all-in":
        total = compute.maximum(floor)
        top_up = Span(total.value - compute.value, total.low - compute.low, total.high - compute.high)
        raised = "raises the estimate to it" if floor.value > compute.value else \
            "stays below the all-in energy"
        notes.append(f"static: {how}; the all-in figure includes leakage, so static power is a floor, "
                     f"not added: floor {per}, which {raised} "
                     f"({format_si(top_up.value / n, 'J')} per sample)")
        return top_up
    notes.append(f"static: {how}, {per}")
    return floor
