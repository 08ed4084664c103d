"""Event-driven segment neurons: coincidence detection of incoming spikes within a window.

A population of dendritic segments (a fitted :class:`~neurosparse.dendrites.layer.DendriticLayer`)
is fed spike events ``(t, i)`` of its presynaptic cells (a :class:`~neurosparse.core.SpikeTrains`
from a :class:`~neurosparse.core.Recording`, or plain step/index arrays). Segment ``g`` counts
its synapses that received a spike in the last ``window`` steps,

.. math::

    c_g(t) = |\\{k \\in S_g : \\exists \\text{ spike } (t', k),\\ t - \\mathrm{window} < t' \\le t\\}|,

and emits an NMDA spike at the step where ``c_g`` rises to θ (rising edge: it fires again only
after falling below θ). A neuron spikes (becomes predictive) at a step where any of its segments
does. With all spikes of a pattern ``x`` inside one window, ``c_g`` reaches ``|S_g ∩ x|``, so the
segments that fire are exactly the batch layer's ``segment_activity(x)``.

Cost grows with the events, not with ``n_inputs * n_segments``: each presynaptic spike walks its
row of the transposed CSR (cell -> segments), and each delivered event is queued once and expired
once from a FIFO. The counts go into an :class:`~neurosparse.optrace.OpTrace`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from neurosparse._validation import as_count, as_float_param, as_int_array, check_memory
from neurosparse.core.recording import SpikeTrains
from neurosparse.dendrites.layer import DendriticLayer
from neurosparse.errors import ParameterError
from neurosparse.optrace import LayerCounts, OpTrace

__all__ = ["MAX_STEPS", "CoincidencePopulation", "CoincidenceResult"]

#: Longest run and window in steps (steps are int64).
MAX_STEPS = 2**62


@dataclass
class CoincidenceResult:
    """What an event-driven run produced.

    Attributes
    ----------
    segment_spikes
        NMDA spikes: ``steps`` and segment index ``i`` (``n`` = number of segments).
    neuron_spikes
        Neuron spikes (at most one per neuron and step): ``steps`` and neuron index ``i``.
    optrace
        Counts, four layers. ``<name>_input``: the presynaptic spikes. ``<name>_synapses``
        (projection): ``synaptic_events = effective_acs`` = (spike, synapse) pairs delivered,
        ``dense_ops = n_inputs * n_segments * n_steps`` for comparison. ``<name>_segments``
        (population): ``neuron_updates`` = (segment, step) pairs that received an event (a
        segment without input is never touched), ``spikes`` = NMDA spikes.
        ``<name>_neurons``: one OR update per NMDA spike, ``spikes`` = neuron spikes.
    """

    segment_spikes: SpikeTrains
    neuron_spikes: SpikeTrains
    optrace: OpTrace


class CoincidencePopulation:
    """Segment neurons detecting coincident input spikes, run event by event.

    Parameters
    ----------
    layer
        A fitted :class:`DendriticLayer` giving the segments, their neurons and θ.
    window
        Coincidence window in steps (>= 1): spikes at steps ``t1 <= t2`` coincide when
        ``t2 - t1 < window``; ``window=1`` means the same step.
    dt
        Step in seconds (used for the output times and the OpTrace); taken from the input
        :class:`SpikeTrains` when one is given.
    name
        Prefix of the OpTrace layer names.

    Examples
    --------
    >>> from neurosparse.dendrites.segment import DendriticSegment
    >>> layer = DendriticLayer.from_segments([DendriticSegment([1, 5, 9, 13], theta=3, n_inputs=64)])
    >>> pop = CoincidencePopulation(layer, window=3)
    >>> res = pop.run(np.array([10, 10, 11, 20]), np.array([1, 5, 9, 13]))
    >>> res.segment_spikes.steps.tolist(), res.optrace.totals()["synaptic_events"]
    ([11], 4.0)
    """

    def __init__(self, layer: DendriticLayer, window: int, *, dt: float = 1e-3,
                 name: str = "dendrites") -> None:
        if not isinstance(layer, DendriticLayer) or not hasattr(layer, "segment_indptr_"):
            raise ParameterError("layer must be a fitted DendriticLayer")
        self.layer = layer
        self.window = as_count("window", window, low=1, high=MAX_STEPS, why="steps are int64")
        self.dt = as_float_param("dt", dt, low=0.0, low_inclusive=False, allow_array=False)
        if not isinstance(name, str):
            raise ParameterError(f"name must be a string (the OpTrace layers' prefix), got {name!r}")
        self.name = name

    def _post_synapse(self) -> np.ndarray:
        """Synapse id of each transposed-CSR entry (its position in the segment CSR), so that a
        cell spiking twice within the window counts once per synapse, like an overlap. Cached
        for the layer's current synapses (a refit layer gets new ones)."""
        synapses = self.layer.segment_synapses_
        if getattr(self, "_cached_for", None) is not synapses:
            self._post_synapse_ids = np.argsort(synapses, kind="stable").astype(np.int64)
            self._cached_for = synapses
        return self._post_synapse_ids

    def run(self, spikes: Any, i: Any = None, *, n_steps: int | None = None) -> CoincidenceResult:
        """Deliver spike events and detect coincidences.

        Parameters
        ----------
        spikes
            A :class:`SpikeTrains` (its ``steps``, ``i``, ``n`` and ``dt`` are used), or an
            int array of spike steps with the presynaptic cells in ``i``.
        i
            Presynaptic cell of each spike when ``spikes`` is an array of steps.
        n_steps
            Length of the run in steps for the per-step series and ``dense_ops``; default the
            last spike's step + 1 (or the SpikeTrains' ``t_stop``).

        Returns
        -------
        CoincidenceResult
        """
        layer = self.layer
        dt = self.dt
        if isinstance(spikes, SpikeTrains):
            if i is not None:
                raise ParameterError("give i only with an array of spike steps, not with SpikeTrains")
            if spikes.n != layer.n_inputs:
                raise ParameterError(f"spikes come from {spikes.n} cells but the layer has "
                                     f"n_inputs = {layer.n_inputs}")
            steps, cells, dt = spikes.steps, spikes.i, spikes.dt
            if n_steps is None:
                n_steps = int(round(spikes.t_stop / dt))
        elif i is None:
            raise ParameterError("i (the presynaptic cell of each spike) is required with spike steps")
        else:
            steps, cells = spikes, i
        steps = as_int_array("spikes (the spike steps)", steps)
        cells = as_int_array("i (the presynaptic cells)", cells)
        if steps.shape != cells.shape:
            raise ParameterError(f"i must give one presynaptic cell per spike: spikes holds {steps.size} "
                                 f"steps, i holds {cells.size} cells")
        if steps.size and steps.min() < 0:
            raise ParameterError(f"spikes (the spike steps) must be >= 0, got {steps.min()}")
        if cells.size and (cells.min() < 0 or cells.max() >= layer.n_inputs):
            raise ParameterError(f"i (the presynaptic cells) must be in [0, {layer.n_inputs}) (n_inputs), "
                                 f"got "
                                 f"{cells.min()}..{cells.max()}")
        last = int(steps.max()) + 1 if steps.size else 0
        if n_steps is not None:
            n_steps = as_count("n_steps", n_steps, high=MAX_STEPS, why="steps are int64")
        n_steps = last if n_steps is None else n_steps
        if n_steps < last:
            raise ParameterError(f"n_steps must be > the last spike step ({last - 1}), got {n_steps}")
        check_memory(40 * n_steps, f"a run of n_steps={n_steps} (the last spike at step {last - 1})",
                     "its per-step counts take 40 bytes a step; run shorter pieces")
        if not np.isfinite(n_steps * dt):
            raise ParameterError(f"n_steps * dt = {n_steps} * {dt:g} s overflows; use a smaller dt")
        order = np.argsort(steps, kind="stable")
        steps, cells = steps[order], cells[order]

        seg_steps, seg_ids, updates = _coincidence_kernel(
            steps, cells, layer.post_indptr_, layer.post_segments_, self._post_synapse(),
            layer.n_segments_, layer.n_synapses_, int(layer.theta), self.window)
        key = np.unique(seg_steps * layer.n_neurons_ + layer.segment_neuron_[seg_ids])
        neu_steps, neu_ids = key // max(layer.n_neurons_, 1), (key % max(layer.n_neurons_, 1))

        t_stop = n_steps * dt
        seg_trains = SpikeTrains(seg_steps, seg_ids.astype(np.int32), layer.n_segments_, dt, 0.0, t_stop)
        neu_trains = SpikeTrains(neu_steps, neu_ids.astype(np.int32), layer.n_neurons_, dt, 0.0, t_stop)
        trace = self._optrace(steps, cells, seg_trains, neu_trains, updates, n_steps, dt)
        return CoincidenceResult(seg_trains, neu_trains, trace)

    def _optrace(self, steps, cells, seg_trains, neu_trains, updates, n_steps, dt) -> OpTrace:
        layer = self.layer
        out_degree = np.diff(layer.post_indptr_)
        events_per_step = np.bincount(steps, weights=out_degree[cells], minlength=n_steps)
        events = float(events_per_step.sum())
        n_spikes = float(steps.size)
        trace = OpTrace(n_samples=1, n_steps=n_steps, dt=dt, source="neurosparse.dendrites.events")
        trace.add_layer(LayerCounts(
            name=f"{self.name}_input", kind="input", spikes=n_spikes,
            activations=float(layer.n_inputs) * n_steps, nonzero_activations=n_spikes,
            per_step={"spikes": np.bincount(steps, minlength=n_steps)}))
        trace.add_layer(LayerCounts(
            name=f"{self.name}_synapses", kind="projection",
            dense_ops=float(layer.n_inputs) * layer.n_segments_ * n_steps,
            effective_acs=events, synaptic_events=events,
            # per event: segment index and synapse id; per spike: two row pointers
            metadata_bytes_read=8.0 * events + 16.0 * n_spikes,
            # per event: the synapse's hit counter and the segment's count, read and written
            state_bytes_read=8.0 * events, state_bytes_written=8.0 * events,
            n_params=layer.n_synapses_, n_nonzero_params=layer.n_synapses_,
            dense_params=int(layer.n_inputs) * layer.n_segments_,
            per_step={"synaptic_events": events_per_step}))
        n_seg_spikes = float(len(seg_trains))
        trace.add_layer(LayerCounts(
            name=f"{self.name}_segments", kind="population", neuron_updates=float(updates),
            spikes=n_seg_spikes, activations=float(updates), nonzero_activations=n_seg_spikes,
            per_step={"spikes": np.bincount(seg_trains.steps, minlength=n_steps)}))
        trace.add_layer(LayerCounts(
            name=f"{self.name}_neurons", kind="population", neuron_updates=n_seg_spikes,
            spikes=float(len(neu_trains)), activations=n_seg_spikes,
            nonzero_activations=float(len(neu_trains)),
            per_step={"spikes": np.bincount(neu_trains.steps, minlength=n_steps)}))
        return trace


@njit(cache=True)
def _coincidence_kernel(steps, cells, post_indptr, post_segments, post_synapse, n_segments,
                        n_synapses, theta, window):  # pragma: no cover
    """Returns (NMDA spike steps, their segments, segment updates = touched (segment, step))."""
    total = 0
    for e in range(steps.size):
        total += post_indptr[cells[e] + 1] - post_indptr[cells[e]]
    fifo_step = np.empty(total, np.int64)
    fifo_synapse = np.empty(total, np.int64)
    fifo_segment = np.empty(total, np.int64)
    hits = np.zeros(n_synapses, np.int32)       # spikes in the window on each synapse
    count = np.zeros(n_segments, np.int32)      # synapses with a spike in the window
    last_step = np.full(n_segments, -1, np.int64)
    out_steps = np.empty(total, np.int64)
    out_segments = np.empty(total, np.int64)
    n_out = 0
    updates = 0
    head = 0
    tail = 0
    for e in range(steps.size):
        t = steps[e]
        while head < tail and fifo_step[head] <= t - window:  # expire events left of the window
            syn = fifo_synapse[head]
            hits[syn] -= 1
            if hits[syn] == 0:
                count[fifo_segment[head]] -= 1
            head += 1
        cell = cells[e]
        for j in range(post_indptr[cell], post_indptr[cell + 1]):
            g = post_segments[j]
            syn = post_synapse[j]
            fifo_step[tail] = t
            fifo_synapse[tail] = syn
            fifo_segment[tail] = g
            tail += 1
            if last_step[g] != t:
                last_step[g] = t
                updates += 1
            hits[syn] += 1
            if hits[syn] == 1:
                count[g] += 1
                if count[g] == theta:  # rising edge: one NMDA spike per crossing
                    out_steps[n_out] = t
                    out_segments[n_out] = g
                    n_out += 1
    return out_steps[:n_out].copy(), out_segments[:n_out].copy(), updates
