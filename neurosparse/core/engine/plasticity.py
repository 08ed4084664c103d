"""Pair-based STDP in the compiled engine, with event-driven exponential traces.

A presynaptic spike on a plastic projection transmits the current weight and then
depresses it by ``a_minus`` times the post trace; a postsynaptic spike potentiates the
neuron's incoming plastic synapses by ``a_plus`` times the pre traces. Weights are clipped
to ``[w_min, w_max]`` after each update. Runs on one thread.
"""

from __future__ import annotations

import math

from numba import njit

from neurosparse.core.engine.arrays import (
    J_CP_OFF,
    J_D_HOM,
    J_D_SHIFT,
    J_HOM_D,
    J_IP_OFF,
    J_PLASTIC,
    J_POST_OFF,
    J_PRE_OFF,
    J_SLOT_BASE,
    J_SRC,
    J_W_SHIFT,
    P_START,
)


@njit(cache=True, inline="always")
def _decayed(x, last, t, dt, tau):
    return x * math.exp(-(t - last) * dt / tau)



@njit(cache=True)
def propagate_plastic(a, spikes, pop_spk_ptr, t, events):
    """Deliver this step's spikes on plastic projections and depress those synapses.

    ``a`` is a :class:`PlasticArrays`. Runs on one thread.
    """
    for p in range(a.pop_info.shape[0]):
        s0 = pop_spk_ptr[p]
        s1 = pop_spk_ptr[p + 1]
        if s0 == s1:
            continue
        start = a.pop_info[p, P_START]
        for jj in range(a.pop_proj_ptr[p], a.pop_proj_ptr[p + 1]):
            j = a.pop_proj_ids[jj]
            if a.proj_info[j, J_PLASTIC] == 0:
                continue
            ip = a.proj_info[j, J_IP_OFF]
            base = a.proj_info[j, J_SLOT_BASE]
            for s in range(s0, s1):
                li = spikes[s] - start
                k0 = a.indptr[ip + li]
                k1 = a.indptr[ip + li + 1]
                events[j] += k1 - k0
                _pre_spike_plastic(a, j, k0, k1, t, base)



@njit(cache=True)
def _pre_spike_plastic(a, j, k0, k1, t, base):
    """Deliver a presynaptic spike on a plastic projection and depress its synapses."""
    mask = a.ring.shape[0] - 1
    ws = a.proj_info[j, J_W_SHIFT]
    ds = a.proj_info[j, J_D_SHIFT]
    d_hom = a.proj_info[j, J_D_HOM] == 1
    hrow = (t + a.proj_info[j, J_HOM_D]) & mask
    tau_post = a.stdp[j, 1]
    a_minus = a.stdp[j, 3]
    w_min = a.stdp[j, 4]
    w_max = a.stdp[j, 5]
    po = a.proj_info[j, J_POST_OFF]
    for k in range(k0, k1):
        post = a.indices[k]
        w = a.weights[k + ws]
        r = hrow if d_hom else (t + a.delays[k + ds]) & mask
        a.ring[r, base + post] += w
        w -= a_minus * _decayed(a.x_post[po + post], a.last_post[po + post], t, a.dt, tau_post)
        a.weights[k + ws] = min(max(w, w_min), w_max)


@njit(cache=True)
def stdp_update_traces_and_post(a, spikes, pop_spk_ptr, t):
    """Pre traces of plastic projections += 1 for this step's presynaptic spikes, then
    potentiate the incoming plastic synapses of neurons that spiked and bump post traces."""
    for j in range(a.proj_info.shape[0]):
        if a.proj_info[j, J_PLASTIC] == 0:
            continue
        p = a.proj_info[j, J_SRC]
        start = a.pop_info[p, P_START]
        tau_pre = a.stdp[j, 0]
        po = a.proj_info[j, J_PRE_OFF]
        for s in range(pop_spk_ptr[p], pop_spk_ptr[p + 1]):
            li = po + spikes[s] - start
            a.x_pre[li] = _decayed(a.x_pre[li], a.last_pre[li], t, a.dt, tau_pre) + 1.0
            a.last_pre[li] = t
    for q in range(a.pop_info.shape[0]):
        s0 = pop_spk_ptr[q]
        s1 = pop_spk_ptr[q + 1]
        if s0 == s1:
            continue
        start = a.pop_info[q, P_START]
        for jj in range(a.pop_in_plastic_ptr[q], a.pop_in_plastic_ptr[q + 1]):
            j = a.pop_in_plastic_ids[jj]
            tau_pre = a.stdp[j, 0]
            tau_post = a.stdp[j, 1]
            a_plus = a.stdp[j, 2]
            w_min = a.stdp[j, 4]
            w_max = a.stdp[j, 5]
            cp = a.proj_info[j, J_CP_OFF]
            pre_off = a.proj_info[j, J_PRE_OFF]
            post_off = a.proj_info[j, J_POST_OFF]
            ws = a.proj_info[j, J_W_SHIFT]
            for s in range(s0, s1):
                li = spikes[s] - start
                for m in range(a.col_ptr[cp + li], a.col_ptr[cp + li + 1]):
                    pre = pre_off + a.col_pre[m]
                    k = a.col_syn[m] + ws
                    w = a.weights[k] + a_plus * _decayed(a.x_pre[pre], a.last_pre[pre], t,
                                                         a.dt, tau_pre)
                    a.weights[k] = min(max(w, w_min), w_max)
                qi = post_off + li
                a.x_post[qi] = _decayed(a.x_post[qi], a.last_post[qi], t, a.dt, tau_post) + 1.0
                a.last_post[qi] = t

