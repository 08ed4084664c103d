r"""Fit and mapping: whether a model fits a neuromorphic chip, and on how many cores and chips.

A target with a ``[mapping]`` table (see :mod:`neurosparse.hardware.target`) states what one
core and one chip hold. :func:`map_trace` places a trace's neuron populations on cores, one
population per core group, packing as many neurons per core as every limit allows:

* **neurons**: at most ``neurons_per_core``;
* **synapse memory**: a population's incoming synapses are stored in its own cores (as on
  Loihi and TrueNorth), ``k * fan_in * synapse_bits / 8 <= synapse_memory_per_core`` for
  ``k`` neurons per core;
* **fan-in**: the distinct inputs (axons) that ``k`` neurons of a core receive must not
  exceed ``axons_in_per_core``. From a source of ``n_src`` neurons projecting with mean
  fan-in ``f`` per target neuron, ``k`` targets receive, on average,

  .. math:: A(k) = n_{\rm src}\,\big(1 - (1 - f / n_{\rm src})^k\big)

  distinct inputs: exactly ``n_src`` for a dense layer (``f = n_src``) and the expectation
  for independent random connectivity otherwise (summed over a population's sources);
* **fan-out**: a neuron whose targets lie in a population of ``C`` cores reaches, on
  average, :math:`r = C\,(1 - (1 - 1/C)^{f_{\rm out}})` distinct cores (random targets);
  ``r <= target_cores_per_neuron`` (TrueNorth: one) or ``k * r <= axons_out_per_core``
  (Loihi: output routes per core). A fan-out the chip cannot route is reported (``fits``
  false, with the reason: relay or splitter neurons would be needed, which are not modeled);
  the model is still priced on the cores found.

Cores needed are summed over populations and divided by ``cores_per_chip`` (rounded up): a
model too big for one chip is priced on the chips it needs. On a mesh (``cores_per_tile``,
``mesh_tiles_x``, ``mesh_tiles_y``) the occupied tiles are taken as a compact near-square
block of ``a x b`` tiles, and a spike between two uniformly random occupied tiles travels

.. math:: \bar h = \frac{a^2 - 1}{3a} + \frac{b^2 - 1}{3b}

tile hops (the mean Manhattan distance on a grid). Inputs from the host (trace layers without
neuron updates) occupy no core; their fan-in is counted at their targets.

The trace gives no per-neuron degrees, only totals, so every check uses mean fan-in and
fan-out; a skewed degree distribution can fail where the mean fits. Layer topology is read
from projection names ``"source->target:port"`` (the event core's) or, for other traces
(PyTorch counts), each weight layer feeds the next layer with neuron updates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from neurosparse.hardware.target import Target
from neurosparse.optrace import LayerCounts, OpTrace

__all__ = ["ChipMapping", "PopulationMapping", "layer_outputs", "map_trace"]


@dataclass(frozen=True)
class PopulationMapping:
    """How one neuron population sits on a chip's cores."""

    name: str
    neurons: int
    fan_in: float
    neurons_per_core: int
    cores: int
    limited_by: str
    axons_in_per_core: float
    target_cores_per_neuron: float


@dataclass(frozen=True)
class ChipMapping:
    """Cores, chips and routing of a trace on a target (see the module docstring).

    ``fits`` is false when a fan-in or fan-out limit cannot be met even at one neuron per
    core; ``problems`` then says which. ``hops_per_spike`` is None without mesh figures.
    """

    target: str
    populations: tuple[PopulationMapping, ...]
    cores: int
    chips: int
    cores_per_chip: int
    fits: bool
    problems: tuple[str, ...] = ()
    tiles: int | None = None
    hops_per_spike: float | None = None
    unmapped: tuple[str, ...] = field(default=())

    @property
    def occupied_fraction(self) -> float:
        """Share of the powered chips' cores the model occupies (``cores / (chips x cores_per_chip)``)."""
        return self.cores / (self.chips * self.cores_per_chip) if self.chips else 0.0

    def summary(self) -> str:
        """One line for a report's notes."""
        per = ", ".join(f"{p.name} {p.neurons} neurons on {p.cores} core{'s' * (p.cores != 1)} "
                        f"({p.neurons_per_core}/core, {p.limited_by})" for p in self.populations)
        chips = f"{self.chips} chip{'s' * (self.chips != 1)}"
        text = (f"mapping on {self.target}: {self.cores} of {self.chips * self.cores_per_chip} cores "
                f"({chips}): {per or 'no populations'}")
        if self.hops_per_spike is not None:
            text += (f"; {self.tiles} tile{'s' * (self.tiles != 1)}, {self.hops_per_spike:.3g} hops "
                     f"per spike on average")
        if not self.fits:
            text += "; DOES NOT FIT as mapped: " + "; ".join(self.problems)
        return text

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict."""
        return {"target": self.target, "cores": self.cores, "chips": self.chips,
                "cores_per_chip": self.cores_per_chip, "fits": self.fits,
                "problems": list(self.problems), "tiles": self.tiles,
                "hops_per_spike": self.hops_per_spike, "unmapped": list(self.unmapped),
                "populations": [dict(vars(p)) for p in self.populations]}


@dataclass
class _Edge:
    source: str
    target: str
    synapses: float
    n_src: float
    layer: str


def _neurons(layer: LayerCounts, passes: float) -> float:
    return layer.neuron_updates / passes


def _topology(trace: OpTrace) -> tuple[dict[str, float], list[_Edge], list[str]]:
    """Populations (name -> neurons), edges (weight layer -> population) and unmapped layers."""
    passes = max(trace.n_steps, 1) * max(trace.n_samples, 1)
    layers = list(trace.layers.values())
    pops = {lay.name: _neurons(lay, passes) for lay in layers if lay.neuron_updates > 0}
    sizes = {lay.name: (_neurons(lay, passes) if lay.neuron_updates > 0 else lay.activations / passes)
             for lay in layers}
    edges, unmapped = [], []
    for i, lay in enumerate(layers):
        synapses = float(lay.n_nonzero_params or lay.n_params or lay.dense_params)
        if lay.neuron_updates > 0 or synapses <= 0:
            continue
        src = tgt = None
        if "->" in lay.name:
            src, rest = lay.name.split("->", 1)
            tgt = rest.split(":", 1)[0]
        if tgt not in pops:  # sequential: from the population before, to the one after
            src = next((prev.name for prev in reversed(layers[:i]) if prev.name in pops), None)
            tgt = next((nxt.name for nxt in layers[i + 1:] if nxt.name in pops), None)
        if tgt is None:
            unmapped.append(lay.name)
            continue
        if "->" in lay.name and src in sizes:
            n_src = sizes[src]
        else:  # a dense layer: dense_params = n_src x n_target
            n_src = (lay.dense_params or synapses) / max(pops[tgt], 1.0)
        edges.append(_Edge(src or lay.name, tgt, synapses, max(n_src, 1.0), lay.name))
    return pops, edges, unmapped


def layer_outputs(trace: OpTrace) -> dict[str, float]:
    """Output values per sample and step of each layer: a population's neurons; for a weight
    layer, the neurons of the population it feeds (module docstring), else its counted
    ``activations`` per sample and step; 0 where the trace does not tell."""
    passes = max(trace.n_steps, 1) * max(trace.n_samples, 1)
    pops, edges, _ = _topology(trace)
    out = {lay.name: lay.activations / passes for lay in trace.layers.values()}
    for e in edges:
        out[e.layer] = pops[e.target]
    out.update(pops)
    return out


def _axons(k: float, incoming: list[_Edge], n_target: float) -> float:
    """Expected distinct inputs of ``k`` neurons of a population (module docstring)."""
    total = 0.0
    for e in incoming:
        f = min(e.synapses / n_target, e.n_src)
        total += e.n_src * (1.0 - (1.0 - f / e.n_src) ** k)
    return total


def _q(t: Target, key: str) -> float | None:
    return t.mapping[key].value if key in t.mapping else None


def map_trace(trace: OpTrace, target: Target) -> ChipMapping | None:
    """Place ``trace``'s populations on ``target``'s cores (module docstring); None when the
    target has no ``[mapping]`` table."""
    if not target.mapping:
        return None
    per_chip = int(_q(target, "cores_per_chip"))
    npc = int(_q(target, "neurons_per_core"))
    mem, bits = _q(target, "synapse_memory_per_core"), _q(target, "synapse_bits")
    ax_in, ax_out = _q(target, "axons_in_per_core"), _q(target, "axons_out_per_core")
    reach_max = _q(target, "target_cores_per_neuron")
    pops, edges, unmapped = _topology(trace)
    problems: list[str] = []
    placed: dict[str, tuple[int, str, float]] = {}
    for name, n in pops.items():
        incoming = [e for e in edges if e.target == name]
        fan_in = sum(e.synapses for e in incoming) / n
        k, why = npc, "neurons per core"
        if mem is not None and fan_in > 0:
            by_mem = int(mem * 8 // (fan_in * bits))
            if by_mem < k:
                k, why = by_mem, "synapse memory"
        if ax_in is not None and incoming and _axons(k, incoming, n) > ax_in:
            lo, hi = 0, k  # largest k with A(k) <= limit (A grows with k)
            while lo < hi:
                mid = (lo + hi + 1) // 2
                lo, hi = (mid, hi) if _axons(mid, incoming, n) <= ax_in else (lo, mid - 1)
            k, why = lo, "fan-in (input axons per core)"
        if k < 1:
            problems.append(f"{name}: one neuron's inputs exceed a core "
                            f"({'synapse memory' if why == 'synapse memory' else 'input axons'})")
            k = 1
        if k >= n:
            k, why = max(int(math.ceil(n)), 1), "whole population on one core"
        placed[name] = (k, why, fan_in)
    cores_of = {name: int(math.ceil(pops[name] / placed[name][0])) for name in pops}
    out: list[PopulationMapping] = []
    for name, n in pops.items():
        k, why, fan_in = placed[name]
        reach = 0.0
        for e in (e for e in edges if e.source == name):
            c = cores_of[e.target]
            f_out = e.synapses / n
            reach += c * (1.0 - (1.0 - 1.0 / c) ** f_out) if c > 1 else min(f_out, 1.0)
        if reach_max is not None and reach > reach_max:
            problems.append(f"{name}: each neuron reaches {reach:.3g} cores on average, the chip "
                            f"routes a neuron to {reach_max:g} (splitter neurons needed)")
        if ax_out is not None and k * reach > ax_out:
            k_out = max(int(ax_out // reach), 1) if reach > 0 else k
            if k_out < k:
                k, why = k_out, "fan-out (output routes per core)"
                cores_of[name] = int(math.ceil(n / k))
            if k * reach > ax_out:
                problems.append(f"{name}: one neuron's fan-out ({reach:.3g} cores) exceeds a "
                                f"core's {ax_out:g} output routes")
        axons = _axons(k, [e for e in edges if e.target == name], n) if fan_in > 0 else 0.0
        out.append(PopulationMapping(name, int(round(n)), fan_in, k, cores_of[name], why,
                                     axons, reach))
    cores = sum(p.cores for p in out)
    chips = max(1, math.ceil(cores / per_chip))
    tiles = hops = None
    if "cores_per_tile" in target.mapping:
        per_tile = _q(target, "cores_per_tile")
        mx, my = int(_q(target, "mesh_tiles_x")), int(_q(target, "mesh_tiles_y"))
        tiles = min(max(1, math.ceil(cores / per_tile)), mx * my)
        a = min(mx, max(1, math.ceil(math.sqrt(tiles))))
        b = min(my, max(1, math.ceil(tiles / a)))
        if chips > 1:
            a, b = mx, my
        hops = (a * a - 1) / (3 * a) + (b * b - 1) / (3 * b)
    return ChipMapping(target.name, tuple(out), cores, chips, per_chip, not problems,
                       tuple(problems), tiles, hops, tuple(unmapped))
