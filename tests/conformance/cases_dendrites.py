"""Bad-input cases of :mod:`neurosparse.dendrites`: segments, the synapse samplers and the NMDA
step, DendriticNeuron and DendriticLayer (constructors, fit, evaluation), and the event-driven
CoincidencePopulation.

Each use checks a property the result must have: a segment's overlap is the size of the
intersection, sampled synapses are distinct cells of the pattern, a fitted neuron or layer
recognises its own patterns exactly when theta <= s, a coincidence run detects what the batch
layer computes.
"""

from __future__ import annotations

import numpy as np
from bad_input_cases import Target, base_outcomes, expect, function_target, scalar

from neurosparse.dendrites import (
    CoincidencePopulation,
    DendriticLayer,
    DendriticNeuron,
    DendriticSegment,
    as_active_indices,
    as_pattern_batch,
    nmda_spike,
    sample_synapses,
    segment_overlaps_numpy,
    union_synapses,
)

PACKAGE = "dendrites"
N_INPUTS = 64
PATTERNS = [np.array([1, 5, 9, 13, 20]), np.array([2, 6, 9, 30, 41]), np.array([3, 7, 22, 50, 63])]
EXAMPLES = 20


def _check_cells(cells, kw, n: int = N_INPUTS) -> np.ndarray:
    cells = np.asarray(cells)
    expect(cells.ndim == 1 and bool(np.all(cells[1:] > cells[:-1])), "sorted distinct cells")
    expect(cells.size == 0 or (cells[0] >= 0 and cells[-1] < n), "cells in [0, n)")
    return cells.astype(np.float64)


def _check_segment(seg: DendriticSegment, kw) -> np.ndarray:
    x = PATTERNS[0]
    overlap = seg.overlap(x)
    expect(overlap == np.intersect1d(seg.synapses, x).size, "overlap = |S & x|")
    expect(seg.is_active(x) == (overlap >= seg.theta), "active iff overlap >= theta")
    return _check_cells(seg.synapses, kw, seg.n_inputs)


def _check_sampled(cells, kw) -> np.ndarray:
    pattern = np.asarray(kw.get("pattern", PATTERNS[0]))
    expect(len(cells) == int(kw["s"]) and bool(np.all(np.isin(cells, pattern))),
           "s distinct cells of the pattern")
    return _check_cells(cells, kw)


def _check_union(cells, kw) -> np.ndarray:
    every = np.concatenate([np.asarray(p) for p in kw["patterns"]])
    expect(bool(np.all(np.isin(cells, every))) and len(cells) >= int(kw["s"]),
           "at least s cells, all from the patterns")
    return _check_cells(cells, kw)


def _check_spikes(out, kw) -> np.ndarray:
    overlap = np.asarray(kw["overlap"])
    expect(out.dtype == np.bool_ and np.array_equal(out, overlap >= kw["theta"]), "overlap >= theta")
    return out.astype(np.float64)


def _recognises(estimator, kw) -> np.ndarray:
    """A neuron or layer fitted on its patterns (PATTERNS unless given) predicts each of them
    iff theta <= s (one neuron per pattern in a layer)."""
    patterns = list(kw.get("patterns", PATTERNS))
    out = np.asarray(estimator.predict(patterns)) if patterns else np.zeros(0, dtype=bool)
    own = out if out.ndim == 1 else out.diagonal()
    expect(bool(np.all(own == (estimator.theta <= estimator.s))), "stored patterns predicted iff theta <= s")
    return out.astype(np.float64).ravel()


def _fitted_neuron(**kwargs) -> DendriticNeuron:
    return DendriticNeuron(**kwargs).fit(PATTERNS)


def _fitted_layer(**kwargs) -> DendriticLayer:
    return DendriticLayer(**kwargs).fit(PATTERNS)


def _neuron() -> DendriticNeuron:
    return DendriticNeuron(N_INPUTS, 4, 3, seed=0).fit(PATTERNS)


def _layer() -> DendriticLayer:
    return DendriticLayer(N_INPUTS, 4, 3, seed=0).fit(PATTERNS)


def _check_overlaps(out, kw) -> np.ndarray:
    out = np.asarray(out)
    expect(bool(np.all((out >= 0) & (out <= 4))), "0 <= overlap <= s")
    return out.astype(np.float64)


def _check_layer_fit(layer: DendriticLayer, kw) -> np.ndarray:
    expect(layer.n_segments_ == len(PATTERNS) or layer.storage == "union", "one segment per pattern")
    neurons = kw["neurons"]
    owners = np.arange(len(PATTERNS)) if neurons is None else np.asarray(neurons)
    expect(np.array_equal(np.unique(layer.segment_neuron_), np.unique(owners)),
           "segments on the given neurons")
    out = layer.predict(PATTERNS)
    expect(bool(np.all(out[np.arange(len(PATTERNS)), owners])), "each pattern's neuron predicts it")
    return out.astype(np.float64).ravel()


def _check_batch(batch, kw) -> np.ndarray:
    indptr, indices = batch
    expect(indptr[0] == 0 and indptr[-1] == indices.size and bool(np.all(np.diff(indptr) >= 0)), "a CSR")
    return indices.astype(np.float64)


def _segments() -> list[DendriticSegment]:
    return [DendriticSegment(p[:4], 3, N_INPUTS) for p in PATTERNS]


def _csr_patterns() -> dict:
    indptr, indices = as_pattern_batch(PATTERNS, N_INPUTS)
    layer = _layer()
    return {"x_indptr": indptr, "x_indices": indices, "segment_indptr": layer.segment_indptr_,
            "segment_synapses": layer.segment_synapses_, "n_inputs": N_INPUTS}


def _check_reference(out, kw) -> np.ndarray:
    layer = _layer()
    expect(np.array_equal(out, layer.segment_overlaps(PATTERNS)), "the reference equals the kernel")
    return np.asarray(out, dtype=np.float64)


def _coincidences(result, kw) -> np.ndarray:
    segment_steps = result.segment_spikes.steps
    expect(bool(np.all(segment_steps >= 0)) and result.optrace.totals()["synaptic_events"] >= 0,
           "spike steps >= 0 and a non-negative event count")
    return np.concatenate([segment_steps, result.neuron_spikes.i]).astype(np.float64)


def _run_population(**kwargs) -> object:
    layer = kwargs.pop("layer")
    window = kwargs.pop("window")
    pop = CoincidencePopulation(layer, window, dt=kwargs.pop("dt"), name=kwargs.pop("name"))
    cells = PATTERNS[0]
    return pop.run(np.arange(cells.size) % 2, cells)


def _run_spikes(**kwargs):
    return CoincidencePopulation(_layer(), 3).run(**kwargs)


def _check_run_spikes(result, kw) -> np.ndarray:
    out = _coincidences(result, kw)
    if kw["i"] is PATTERNS[0] and kw["n_steps"] == 10:
        batch = _layer().segment_activity([PATTERNS[0]])[0]
        expect(np.array_equal(np.unique(result.segment_spikes.i), np.flatnonzero(batch)),
               "the segments that fire are those the batch layer finds active")
    return out


def targets() -> list[Target]:
    """The public calls of neurosparse.dendrites, each with valid small arguments as its base."""
    seg = _segments()[0]
    neuron, layer = _neuron(), _layer()
    nst = {"n_inputs": N_INPUTS, "s": 4, "theta": 3}
    return [
        function_target("DendriticSegment", DendriticSegment,
                        {"synapses": [1, 5, 9, 13], "theta": 3, "n_inputs": N_INPUTS}, _check_segment,
                        EXAMPLES),
        function_target("DendriticSegment.from_pattern", DendriticSegment.from_pattern,
                        {"pattern": PATTERNS[0], "s": 4, "theta": 3, "n_inputs": N_INPUTS, "seed": 0},
                        _check_segment, EXAMPLES),
        function_target("DendriticSegment.from_patterns", DendriticSegment.from_patterns,
                        {"patterns": PATTERNS, "s": 4, "theta": 3, "n_inputs": N_INPUTS, "seed": 0},
                        _check_segment, EXAMPLES),
        function_target("DendriticSegment.overlap", lambda x: seg.overlap(x), {"x": PATTERNS[1]},
                        lambda o, kw: scalar(o, 0 <= o <= seg.s, "0 <= overlap <= s"), 8),
        function_target("DendriticSegment.is_active", lambda x: seg.is_active(x), {"x": PATTERNS[0]},
                        lambda o, kw: scalar(o, isinstance(o, bool), "a bool"), 8),
        function_target("as_active_indices", as_active_indices,
                        {"x": PATTERNS[0], "n": N_INPUTS, "name": "x"},
                        lambda cells, kw: _check_cells(cells, kw, kw["n"]), EXAMPLES),
        function_target("nmda_spike", nmda_spike, {"overlap": np.array([0, 2, 3, 5]), "theta": 3},
                        _check_spikes, EXAMPLES),
        function_target("sample_synapses", sample_synapses, {"pattern": PATTERNS[0], "s": 3, "n": N_INPUTS,
                                                             "seed": 0}, _check_sampled, EXAMPLES),
        function_target("union_synapses", union_synapses,
                        {"patterns": PATTERNS, "s": 3, "n": N_INPUTS, "seed": 0}, _check_union, EXAMPLES),
        function_target("DendriticNeuron", _fitted_neuron, {**nst, "storage": "segment", "seed": 0},
                        _recognises, EXAMPLES),
        function_target("DendriticNeuron.fit",
                        lambda patterns: DendriticNeuron(N_INPUTS, 4, 3, seed=0).fit(patterns),
                        {"patterns": PATTERNS}, _recognises, EXAMPLES),
        function_target("DendriticNeuron.partial_fit", lambda patterns: _neuron().partial_fit(patterns),
                        {"patterns": PATTERNS}, _recognises, EXAMPLES),
        function_target("DendriticNeuron.predict", lambda patterns: neuron.predict(patterns),
                        {"patterns": PATTERNS}, lambda out, kw: np.asarray(out, dtype=np.float64), EXAMPLES),
        function_target("DendriticNeuron.segment_overlaps", lambda x: neuron.segment_overlaps(x),
                        {"x": PATTERNS[0]}, _check_overlaps, EXAMPLES),
        function_target("DendriticLayer", _fitted_layer, {**nst, "storage": "segment", "seed": 0},
                        _recognises, EXAMPLES),
        function_target("DendriticLayer.fit", lambda patterns, neurons, n_neurons: DendriticLayer(
            N_INPUTS, 4, 3, seed=0).fit(patterns, neurons, n_neurons),
            {"patterns": PATTERNS, "neurons": [0, 1, 1], "n_neurons": 3}, _check_layer_fit, EXAMPLES),
        function_target("DendriticLayer.predict", lambda patterns: layer.predict(patterns),
                        {"patterns": PATTERNS}, lambda out, kw: np.asarray(out, dtype=np.float64), EXAMPLES),
        function_target("DendriticLayer.segment_overlaps", lambda patterns: layer.segment_overlaps(patterns),
                        {"patterns": PATTERNS}, _check_overlaps, EXAMPLES),
        function_target("DendriticLayer.count_active_segments",
                        lambda patterns: layer.count_active_segments(patterns), {"patterns": PATTERNS},
                        _check_overlaps, EXAMPLES),
        function_target("DendriticLayer.segment", lambda g: layer.segment(g), {"g": 1}, _check_segment,
                        EXAMPLES),
        function_target("DendriticLayer.from_segments", DendriticLayer.from_segments,
                        {"segments": _segments(), "segment_neuron": [0, 1, 2], "n_neurons": 3},
                        _recognises, EXAMPLES),
        function_target("as_pattern_batch", as_pattern_batch, {"patterns": PATTERNS, "n": N_INPUTS},
                        _check_batch, EXAMPLES),
        function_target("segment_overlaps_numpy", segment_overlaps_numpy, _csr_patterns(), _check_reference,
                        EXAMPLES),
        function_target("CoincidencePopulation", _run_population,
                        {"layer": layer, "window": 3, "dt": 1e-3, "name": "dendrites"}, _coincidences,
                        EXAMPLES),
        function_target("CoincidencePopulation.run", _run_spikes,
                        {"spikes": np.arange(5) % 2, "i": PATTERNS[0], "n_steps": 10}, _check_run_spikes,
                        EXAMPLES),
    ]


def warm_up() -> None:
    """Compile (or load) the layer and event kernels: every target with its base arguments."""
    base_outcomes(targets())
