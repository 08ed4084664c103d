"""The multi-thread loop of the compiled engine.

Neuron updates are split by neuron range and propagation by *target* range: each thread
walks the same spikes in the same order and only adds into its own targets, so every sum
is formed in the serial order and the results are identical bit for bit for any thread
count. Plastic projections and input groups run on one thread.

Why the helpers below are called through non-inlined wrappers (``_ni_*``): inlined into a
``parallel=True`` function, these helpers' writes were silently lost (Numba 0.68: spiking
neurons not reset, deliveries missing), and Numba's parallel loops cannot capture tuples,
so the arrays a ``prange`` body needs are unpacked before the loop and packed again inside
(:func:`_update_range`, :func:`_propagate_range`). One call per step costs little here.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from neurosparse.core.engine.arrays import (
    J_DIRECT,
    J_PLASTIC,
    KIND_NEURONS,
    P_END,
    P_KIND,
    P_START,
    NeuronArrays,
    SynapseArrays,
)
from neurosparse.core.engine.dynamics import update_neurons
from neurosparse.core.engine.emission import emit_inputs
from neurosparse.core.engine.plasticity import propagate_plastic, stdp_update_traces_and_post
from neurosparse.core.engine.propagation import (
    count_events,
    pending_direct,
    propagate,
    propagate_direct,
    store_history,
)
from neurosparse.core.engine.serial import end_of_step, monitored_count, record_state


@njit(cache=True)
def _update_whole(a, p, n_p, t, out, drive, gsum, gesum, flag):
    return update_neurons(a, p, 0, n_p, t, out, drive, gsum, gesum, flag)


@njit(cache=True)
def _update_range(pop_info, params, coupling, i_ext, port_kind, port_decay, port_erev, port_ring,
                  timed, v, u, refr, syn, ring, dt, p, lo, hi, t, out, drive, gsum, gesum, flag):
    a = NeuronArrays(pop_info, params, coupling, i_ext, port_kind, port_decay, port_erev, port_ring,
                     timed, v, u, refr, syn, ring, dt)
    return update_neurons(a, p, lo, hi, t, out, drive, gsum, gesum, flag)


@njit(cache=True)
def _propagate_range(pop_info, pop_proj_ptr, pop_proj_ids, proj_info, proj_hom_w, indptr,
                     indices, weights, delays, ring, syn, direct_ids, hist, hist_ptr, spikes,
                     pop_ptr, t, slot_lo, slot_hi, direct):
    a = SynapseArrays(pop_info, pop_proj_ptr, pop_proj_ids, proj_info, proj_hom_w, indptr,
                      indices, weights, delays, ring, syn, direct_ids, hist, hist_ptr)
    if direct:
        _propagate_direct_range(a, t, slot_lo, slot_hi)
    else:
        _propagate_ring_range(a, spikes, pop_ptr, t, slot_lo, slot_hi)


@njit(cache=True)
def _propagate_direct_range(a, t, slot_lo, slot_hi):
    propagate_direct(a, t, slot_lo, slot_hi, False)


@njit(cache=True)
def _propagate_ring_range(a, spikes, pop_ptr, t, slot_lo, slot_hi):
    propagate(a, spikes, pop_ptr, t, slot_lo, slot_hi, np.zeros(0, np.int64), False)


@njit(cache=True)
def _ni_record_state(a, rec_source, rec_index, rec_buf, n_rec):
    record_state(a, rec_source, rec_index, rec_buf, n_rec)


@njit(cache=True)
def _ni_emit_inputs(a, p, t, rng, out):
    return emit_inputs(a, p, t, rng, out)


@njit(cache=True)
def _ni_end_of_step(pop_info, t, row, spikes, pop_ptr, spk_t, spk_i, n_spk, pop_spikes):
    return end_of_step(pop_info, t, row, spikes, pop_ptr, spk_t, spk_i, n_spk, pop_spikes)


@njit(cache=True)
def _ni_propagate_full(a, spikes, pop_ptr, t, events):
    propagate(a, spikes, pop_ptr, t, 0, 0, events, True)


@njit(cache=True)
def _ni_count_events(a, spikes, pop_ptr, events):
    count_events(a, spikes, pop_ptr, events)


@njit(cache=True)
def _ni_store_history(a, spikes, pop_ptr, t):
    store_history(a, spikes, pop_ptr, t)


@njit(cache=True)
def _ni_pending_direct(a, t):
    return pending_direct(a, t)


@njit(cache=True)
def _ni_propagate_direct_full(a, t):
    propagate_direct(a, t, 0, 0, True)


@njit(cache=True, parallel=True)
def run_chunk_parallel(a, t0, t1, rng, spk_t, spk_i, n_spk, rec_buf, n_rec,
                       pop_spikes, proj_events, scratch, n_threads, split_neurons=8192,
                       split_spikes=32):
    """As :func:`run_chunk`, with neuron updates and propagation split over threads.

    Neurons are split by index range (spikes are gathered in index order) and
    propagation by target slot range (every thread walks all spikes in the same order and
    adds only into its own targets), so every sum is formed in the serial order and the
    results equal :func:`run_chunk`'s bit for bit. Plastic projections and input groups
    run on one thread. A population is split from ``split_neurons`` neurons per thread
    and a step's propagation from ``split_spikes`` spikes (below that, threads cost more
    than they save).
    """
    n_pops = a.pop_info.shape[0]
    spikes = scratch[0]
    drive = scratch[1].view(np.float64)
    gsum = scratch[2].view(np.float64)
    gesum = scratch[3].view(np.float64)
    flag = scratch[4].view(np.uint8)
    pop_ptr = np.zeros(n_pops + 1, np.int64)
    cap = spk_t.shape[0]
    n_mon = monitored_count(a.pop_info)
    nr = a.neurons
    sy = a.synapses
    n_slots = nr.syn.shape[0]
    slot_edges = np.empty(n_threads + 1, np.int64)
    for k in range(n_threads + 1):
        slot_edges[k] = (n_slots * k) // n_threads
    width = scratch.shape[1]
    part = np.empty((n_threads, width // n_threads + 1), np.int64)
    part_n = np.zeros(n_threads, np.int64)
    # arrays captured by the parallel loops
    pop_info = a.pop_info
    params = nr.params
    coupling = nr.coupling
    i_ext = nr.i_ext
    port_kind = nr.port_kind
    port_decay = nr.port_decay
    port_erev = nr.port_erev
    port_ring = nr.port_ring
    timed = nr.timed
    v = nr.v
    u = nr.u
    refr = nr.refr
    syn = nr.syn
    ring = nr.ring
    dt = nr.dt
    pop_proj_ptr = sy.pop_proj_ptr
    pop_proj_ids = sy.pop_proj_ids
    proj_info = sy.proj_info
    proj_hom_w = sy.proj_hom_w
    indptr = sy.indptr
    indices = sy.indices
    weights = sy.weights
    delays = sy.delays
    direct_ids = sy.direct_ids
    hist = sy.hist
    hist_ptr = sy.hist_ptr
    n_ring_proj = 0  # static projections that go through the ring buffer
    for j in range(proj_info.shape[0]):
        if proj_info[j, J_PLASTIC] == 0 and proj_info[j, J_DIRECT] == 0:
            n_ring_proj += 1
    for t in range(t0, t1):
        if n_spk + n_mon > cap:
            return t, n_spk, n_rec
        if a.rec_every > 0 and t % a.rec_every == 0:
            _ni_record_state(nr, a.rec_source, a.rec_index, rec_buf, n_rec)
            n_rec += 1
        n = 0
        for p in range(n_pops):
            pop_ptr[p] = n
            if pop_info[p, P_KIND] == KIND_NEURONS:
                n_p = pop_info[p, P_END] - pop_info[p, P_START]
                if n_p < split_neurons * n_threads:
                    n += _update_whole(nr, p, n_p, t, spikes[n:], drive, gsum, gesum, flag)
                else:
                    for th in prange(n_threads):
                        lo = (n_p * th) // n_threads
                        hi = (n_p * (th + 1)) // n_threads
                        part_n[th] = _update_range(
                            pop_info, params, coupling, i_ext, port_kind, port_decay, port_erev,
                            port_ring, timed, v, u, refr, syn, ring, dt, p, lo, hi, t, part[th],
                            drive[lo:hi],
                            gsum[lo:hi], gesum[lo:hi], flag[lo:hi])
                    for k in range(n_threads):
                        for q in range(part_n[k]):
                            spikes[n] = part[k, q]
                            n += 1
            else:
                n += _ni_emit_inputs(a.inputs, p, t, rng, spikes[n:])
        pop_ptr[n_pops] = n
        n_spk = _ni_end_of_step(pop_info, t, t - t0, spikes, pop_ptr, spk_t, spk_i, n_spk,
                             pop_spikes)
        if n > 0:
            if n < split_spikes:
                _ni_propagate_full(sy, spikes, pop_ptr, t, proj_events[t - t0])
            elif n_ring_proj == 0:  # every static projection is delivered directly
                _ni_count_events(sy, spikes, pop_ptr, proj_events[t - t0])
            else:
                _ni_count_events(sy, spikes, pop_ptr, proj_events[t - t0])
                for th in prange(n_threads):
                    _propagate_range(pop_info, pop_proj_ptr, pop_proj_ids, proj_info,
                                     proj_hom_w, indptr, indices, weights, delays, ring, syn,
                                     direct_ids, hist, hist_ptr, spikes, pop_ptr, t,
                                     slot_edges[th], slot_edges[th + 1], False)
            if a.has_plastic:
                propagate_plastic(a.plastic, spikes, pop_ptr, t, proj_events[t - t0])
                stdp_update_traces_and_post(a.plastic, spikes, pop_ptr, t)
        _ni_store_history(sy, spikes, pop_ptr, t)
        if _ni_pending_direct(sy, t) < split_spikes:
            _ni_propagate_direct_full(sy, t)
        else:
            for th in prange(n_threads):
                _propagate_range(pop_info, pop_proj_ptr, pop_proj_ids, proj_info, proj_hom_w,
                                 indptr, indices, weights, delays, ring, syn, direct_ids, hist,
                                 hist_ptr, spikes, pop_ptr, t, slot_edges[th], slot_edges[th + 1],
                                 True)
    return t1, n_spk, n_rec

