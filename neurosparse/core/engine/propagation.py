"""Spike propagation of the compiled engine: CSR rows into the ring buffer or the ports.

Only the out-rows of the neurons that spiked are walked: for each static projection leaving
a spiking neuron, each weight is added into the ring buffer slot ``(t + delay) mod D`` of
the target's port, or, for a *direct* projection (one short delay), kept in the spike
history and added straight into the port variables ``d`` steps later. With several
threads, each adds only into its own range of target slots, in the serial order.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from neurosparse.core.engine.arrays import (
    J_D_HOM,
    J_D_SHIFT,
    J_DIRECT,
    J_HOM_D,
    J_IP_OFF,
    J_PLASTIC,
    J_SLOT_BASE,
    J_SRC,
    J_W_HOM,
    J_W_SHIFT,
    P_START,
)


@njit(cache=True, inline="always")
def propagate(a, spikes, pop_spk_ptr, t, slot_lo, slot_hi, events, full):
    """Add this step's spikes into the ring buffer (static projections only).

    ``a`` is a :class:`SynapseArrays`; ``pop_spk_ptr[p]..pop_spk_ptr[p+1]`` delimit the
    spikes of population ``p`` in ``spikes``. With ``full`` one thread does all targets
    and adds the synaptic events per projection to ``events``; otherwise only targets in
    slots ``[slot_lo, slot_hi)`` are touched (rows are sorted, so a binary search finds
    each row's part).
    """
    mask = a.ring.shape[0] - 1
    ring = a.ring
    indptr = a.indptr
    indices = a.indices
    weights = a.weights
    delays = a.delays
    for p in range(a.pop_info.shape[0]):
        s0 = pop_spk_ptr[p]
        s1 = pop_spk_ptr[p + 1]
        if s0 == s1:
            continue
        start = a.pop_info[p, P_START]
        for jj in range(a.pop_proj_ptr[p], a.pop_proj_ptr[p + 1]):
            j = a.pop_proj_ids[jj]
            if a.proj_info[j, J_PLASTIC] == 1:
                continue
            ip = a.proj_info[j, J_IP_OFF]
            if a.proj_info[j, J_DIRECT] == 1:
                if full:  # delivered later from the spike history; counted at emission
                    for s in range(s0, s1):
                        li = spikes[s] - start
                        events[j] += indptr[ip + li + 1] - indptr[ip + li]
                continue
            base = a.proj_info[j, J_SLOT_BASE]
            ws = a.proj_info[j, J_W_SHIFT]
            ds = a.proj_info[j, J_D_SHIFT]
            w_hom = a.proj_info[j, J_W_HOM] == 1
            d_hom = a.proj_info[j, J_D_HOM] == 1
            hw = a.proj_hom_w[j]
            hrow = (t + a.proj_info[j, J_HOM_D]) & mask
            ring_row = ring[hrow]
            lo_local = slot_lo - base
            hi_local = slot_hi - base
            for s in range(s0, s1):
                li = spikes[s] - start
                k0 = indptr[ip + li]
                k1 = indptr[ip + li + 1]
                if full:
                    events[j] += k1 - k0
                else:
                    k0, k1 = _clip_row(indices, k0, k1, lo_local, hi_local)
                if w_hom and d_hom:
                    _add_homogeneous(ring_row, base, indices, k0, k1, hw)
                elif w_hom:
                    for k in range(k0, k1):
                        ring[(t + delays[k + ds]) & mask, base + indices[k]] += hw
                elif d_hom:
                    _add_weights(ring_row, base, indices, weights, ws, k0, k1)
                else:
                    for k in range(k0, k1):
                        ring[(t + delays[k + ds]) & mask, base + indices[k]] += weights[k + ws]



@njit(cache=True, inline="always")
def store_history(a, spikes, pop_ptr, t):
    """Keep this step's spikes (``a``: SynapseArrays) for the direct projections."""
    if a.direct_ids.shape[0] == 0:
        return
    h = t % a.hist.shape[0]
    n = pop_ptr[pop_ptr.shape[0] - 1]
    for s in range(n):
        a.hist[h, s] = spikes[s]
    for p in range(pop_ptr.shape[0]):
        a.hist_ptr[h, p] = pop_ptr[p]


@njit(cache=True, inline="always")
def propagate_direct(a, t, slot_lo, slot_hi, full):
    """Add the spikes emitted ``d`` steps ago into the port variables of each direct
    projection of delay ``d`` (targets in slots ``[slot_lo, slot_hi)`` unless ``full``)."""
    H = a.hist.shape[0]
    for jj in range(a.direct_ids.shape[0]):
        j = a.direct_ids[jj]
        d = a.proj_info[j, J_HOM_D]
        if t - d < 0:
            continue
        h = (t - d) % H
        p = a.proj_info[j, J_SRC]
        start = a.pop_info[p, P_START]
        ip = a.proj_info[j, J_IP_OFF]
        base = a.proj_info[j, J_SLOT_BASE]
        w_hom = a.proj_info[j, J_W_HOM] == 1
        for s in range(a.hist_ptr[h, p], a.hist_ptr[h, p + 1]):
            li = a.hist[h, s] - start
            k0 = a.indptr[ip + li]
            k1 = a.indptr[ip + li + 1]
            if not full:
                k0, k1 = _clip_row(a.indices, k0, k1, slot_lo - base, slot_hi - base)
            if w_hom:
                _add_homogeneous(a.syn, base, a.indices, k0, k1, a.proj_hom_w[j])
            else:
                _add_weights(a.syn, base, a.indices, a.weights, a.proj_info[j, J_W_SHIFT], k0, k1)


@njit(cache=True)
def _add_homogeneous(target, base, indices, k0, k1, w):
    """``target[base + indices[k]] += w`` for the synapses ``k0..k1-1`` of a row."""
    for k in range(k0, k1):
        # indices are non-negative: an unsigned index spares Numba's wraparound check
        target[base + np.uint32(indices[k])] += w


@njit(cache=True)
def _add_weights(target, base, indices, weights, shift, k0, k1):
    """``target[base + indices[k]] += weights[k + shift]`` for a row."""
    for k in range(k0, k1):
        target[base + np.uint32(indices[k])] += weights[k + shift]


@njit(cache=True, inline="always")
def _clip_row(indices, k0, k1, lo, hi):
    """Sub-range of a sorted CSR row whose indices fall in [lo, hi)."""
    new_k1 = k0 + np.searchsorted(indices[k0:k1], hi)
    if lo > 0:
        k0 = k0 + np.searchsorted(indices[k0:new_k1], lo)
    return k0, new_k1



@njit(cache=True, inline="always")
def pending_direct(a, t):
    """Spikes the direct projections deliver at the end of step ``t``."""
    total = 0
    H = a.hist.shape[0]
    for jj in range(a.direct_ids.shape[0]):
        j = a.direct_ids[jj]
        d = a.proj_info[j, J_HOM_D]
        if t - d >= 0:
            h = (t - d) % H
            p = a.proj_info[j, J_SRC]
            total += a.hist_ptr[h, p + 1] - a.hist_ptr[h, p]
    return total


@njit(cache=True, inline="always")
def count_events(a, spikes, pop_ptr, events):
    """Synaptic events of this step on static projections (``a``: SynapseArrays)."""
    for p in range(a.pop_info.shape[0]):
        start = a.pop_info[p, P_START]
        for jj in range(a.pop_proj_ptr[p], a.pop_proj_ptr[p + 1]):
            j = a.pop_proj_ids[jj]
            if a.proj_info[j, J_PLASTIC] == 1:
                continue
            ip = a.proj_info[j, J_IP_OFF]
            for s in range(pop_ptr[p], pop_ptr[p + 1]):
                li = spikes[s] - start
                events[j] += a.indptr[ip + li + 1] - a.indptr[ip + li]
