"""The event core's OpTrace: what a run computed, from its always-on counters.

Per neuron population: ``neuron_updates = n * steps``, ``spikes``, and the bytes of state
read and written each update (``v``, the port variables, the refractory counter, and ``w``
or ``u`` for two-variable models). Per projection: ``synaptic_events`` (one per spike and
outgoing synapse), equal to ``effective_acs`` (each is one accumulate of a weight into a
target); ``dense_ops = n_pre * n_post * steps`` (a dense matrix-vector product every
step, as NeuroBench counts dense synaptic operations); weight and metadata bytes read per
event (4 B weight unless homogeneous, 4 B target index, 2 B delay unless homogeneous, and
16 B of row pointers per presynaptic spike); 8 B read and written in the ring buffer per
event. Plastic projections also write their weights (4 B per event and per potentiated
synapse).
"""

from __future__ import annotations

import numpy as np

from neurosparse.core.spec import NetworkSpec, Population
from neurosparse.optrace import LayerCounts, OpTrace


def build_optrace(net: NetworkSpec, compiled, rec) -> OpTrace:
    """Build the :class:`OpTrace` of a run of the network ``net`` from its recording's counters."""
    trace = OpTrace(n_samples=1, n_steps=rec.n_steps, dt=rec.dt, source="neurosparse.core")
    steps = rec.n_steps
    for p, name in enumerate(compiled.names):
        pop = net.populations[name]
        spikes_per_step = rec.spike_counts[:, p]
        n_spikes = float(spikes_per_step.sum())
        if isinstance(pop, Population):
            state_bytes = 8 + 4 + 8 * len(pop.ports) + (8 if len(pop.model.state_variables) > 1 else 0)
            updates = float(pop.n) * steps
            trace.add_layer(LayerCounts(
                name=name, kind="population", neuron_updates=updates, spikes=n_spikes,
                activations=updates, nonzero_activations=n_spikes,
                state_bytes_read=updates * state_bytes, state_bytes_written=updates * state_bytes,
                per_step={"spikes": spikes_per_step.copy()}))
        else:
            trace.add_layer(LayerCounts(name=name, kind="input", spikes=n_spikes,
                                        activations=float(pop.n) * steps,
                                        nonzero_activations=n_spikes,
                                        per_step={"spikes": spikes_per_step.copy()}))
    for j, name in enumerate(compiled.proj_names):
        pr = compiled.projections[name]
        ev_per_step = rec.synaptic_events[:, j]
        events = float(ev_per_step.sum())
        pre_spikes = float(rec.spike_counts[:, compiled.names.index(pr.source)].sum())
        w_bytes = 0.0 if pr.weights is None else 4.0
        d_bytes = 0.0 if pr.delays is None else 2.0
        weights = pr.weight_array()
        nonzero = int(np.count_nonzero(weights))
        written = 0.0
        if pr.plasticity is not None:
            post_spikes = float(rec.spike_counts[:, compiled.names.index(pr.target)].sum())
            in_degree = pr.n_synapses / max(pr.n_post, 1)
            written = 4.0 * (events + post_spikes * in_degree)
        effective = events
        if nonzero < pr.n_synapses:
            effective = _events_on_nonzero(pr, weights, rec, events)
        trace.add_layer(LayerCounts(
            name=name, kind="projection",
            dense_ops=float(pr.n_pre) * pr.n_post * steps,
            effective_acs=effective,
            synaptic_events=events,
            weight_bytes_read=events * w_bytes,
            weight_bytes_written=written,
            metadata_bytes_read=events * (4.0 + d_bytes) + 16.0 * pre_spikes,
            state_bytes_read=8.0 * events, state_bytes_written=8.0 * events,
            n_params=pr.n_synapses, n_nonzero_params=nonzero,
            dense_params=pr.n_pre * pr.n_post,
            per_step={"synaptic_events": ev_per_step.copy()}))
    return trace


def _events_on_nonzero(pr, weights, rec, events: float) -> float:
    """Events on synapses of non-zero weight: exact when the source's spikes were
    recorded, else the events scaled by the fraction of non-zero weights."""
    if pr.source in rec.spikes:
        nnz_row = np.bincount(pr.pre_indices()[weights != 0], minlength=pr.n_pre)
        return float(np.dot(rec.spikes[pr.source].counts(), nnz_row))
    return events * np.count_nonzero(weights) / max(pr.n_synapses, 1)


def per_copy(trace: OpTrace, copies: int, source: str) -> OpTrace:
    """The trace of a run of ``copies`` disjoint copies of one network (samples side by side,
    block-diagonal synapses) as ``n_samples = copies``, with one copy's dense sizes
    (``(B n_pre)(B n_post)`` dense operations are ``B n_pre n_post``)."""
    out = OpTrace(n_samples=copies, n_steps=trace.n_steps, dt=trace.dt, source=source,
                  value_bytes=trace.value_bytes)
    for layer in trace.layers.values():
        if layer.kind == "projection":
            layer.dense_ops /= copies
            layer.dense_params //= copies * copies
            layer.n_params //= copies
            layer.n_nonzero_params //= copies
        out.add_layer(layer)
    return out
