"""The single-thread loop of the compiled engine, and its variants.

The whole simulation loop runs inside one jitted call per chunk of steps, so a step costs
no Python. A step:

1. updates every neuron population (:mod:`.dynamics`) and emits every input group
   (:mod:`.emission`); spikes land in ``spikes`` by population, each in index order;
2. counts spikes per population and records monitored spikes;
3. propagates only this step's spikes (:mod:`.propagation`), plastic projections with STDP
   (:mod:`.plasticity`);
4. delivers the direct projections' spikes of ``d`` steps ago into the port variables.

Monitored state is sampled at the start of a step. Neuron state is float64, weights
float32 (accumulated in float64).
"""

from __future__ import annotations

import functools

import numpy as np
from numba import njit

from neurosparse.core.engine.arrays import (
    KIND_NEURONS,
    KIND_POISSON,
    P_END,
    P_FAST,
    P_KIND,
    P_MONITORED,
    P_START,
    REC_U,
    REC_V,
)
from neurosparse.core.engine.dynamics import update_fused, update_neurons
from neurosparse.core.engine.emission import emit_inputs, emit_spike_times
from neurosparse.core.engine.plasticity import propagate_plastic, stdp_update_traces_and_post
from neurosparse.core.engine.propagation import propagate, propagate_direct, store_history


@njit(cache=True, inline="always")
def record_state(a, rec_source, rec_index, rec_buf, n_rec):
    """Sample the monitored variables (``a`` is a :class:`NeuronArrays`) into row ``n_rec``."""
    for c in range(rec_source.shape[0]):
        src = rec_source[c]
        i = rec_index[c]
        if src == REC_V:
            rec_buf[n_rec, c] = a.v[i]
        elif src == REC_U:
            rec_buf[n_rec, c] = a.u[i]
        else:
            rec_buf[n_rec, c] = a.syn[i]


@njit(cache=True, inline="always")
def monitored_count(pop_info):
    n_mon = 0
    for p in range(pop_info.shape[0]):
        if pop_info[p, P_MONITORED] == 1:
            n_mon += pop_info[p, P_END] - pop_info[p, P_START]
    return n_mon


@njit(cache=True, inline="always")
def end_of_step(pop_info, t, row, spikes, pop_ptr, spk_t, spk_i, n_spk, pop_spikes):
    """Per-step spike counts and spike monitor; returns the new monitor fill."""
    for p in range(pop_info.shape[0]):
        pop_spikes[row, p] = pop_ptr[p + 1] - pop_ptr[p]
        if pop_info[p, P_MONITORED] == 1:
            for s in range(pop_ptr[p], pop_ptr[p + 1]):
                spk_t[n_spk] = t
                spk_i[n_spk] = spikes[s]
                n_spk += 1
    return n_spk


def _make_run_chunk(plastic: bool, general: bool = True, poisson: bool = True):
    """The single-thread kernel, with or without the plastic (STDP) path, the general
    neuron update and the Poisson sampler compiled in.

    The flags are closure constants: Numba prunes the dead branches, so a variant never
    compiles what its networks cannot use (the STDP kernels are about 3 s of a cold
    start's compile time, the general update about 2 s, the Poisson sampler about 1 s).
    Each variant has its own entry in Numba's cache: the closure values are part of the
    cache key, so they must be plain constants (a captured dispatcher pickles differently
    in every process, and the kernel would be compiled again in each).
    """

    # Without the NRT (Numba's reference-counting runtime): the kernel allocates nothing,
    # and with it every array taken out of a tuple or sliced inside the step loop costs an
    # atomic reference-count update (~230 per step, 1.1 us: more than a whole 4,000-neuron
    # step).
    @njit(cache=True, _nrt=False)
    def run_chunk(a, t0, t1, rng, spk_t, spk_i, n_spk, rec_buf, n_rec,
                  pop_spikes, proj_events, scratch):
        """Run steps ``t0..t1-1`` on one thread.

        Recorded spikes go to ``spk_t``/``spk_i`` from position ``n_spk``; sampled state to
        ``rec_buf`` from row ``n_rec``; per-step spike counts per population to
        ``pop_spikes[t - t0]`` and synaptic events per projection to ``proj_events[t - t0]``.
        ``scratch`` has 5 rows of at least the network's size. Stops early, before a step,
        when the spike buffer might overflow.

        Returns
        -------
        (t_done, n_spk, n_rec)
        """
        n_pops = a.pop_info.shape[0]
        spikes = scratch[0]
        drive = scratch[1].view(np.float64)
        gsum = scratch[2].view(np.float64)
        gesum = scratch[3].view(np.float64)
        flag = scratch[4].view(np.uint8)
        pop_ptr = scratch[5, :n_pops + 1]
        cap = spk_t.shape[0]
        n_mon = monitored_count(a.pop_info)
        # unpacked once: taking a tuple of arrays out of ``a`` inside the loop costs an
        # atomic reference-count update per array per step, more than a small network's step
        pop_info = a.pop_info
        nr = a.neurons
        sy = a.synapses
        inp = a.inputs
        pl = a.plastic
        has_plastic = a.has_plastic
        rec_every = a.rec_every
        rec_source = a.rec_source
        rec_index = a.rec_index
        for t in range(t0, t1):
            if n_spk + n_mon > cap:
                return t, n_spk, n_rec
            if rec_every > 0 and t % rec_every == 0:
                record_state(nr, rec_source, rec_index, rec_buf, n_rec)
                n_rec += 1
            # every population and input group; spikes land in ``spikes`` by population
            n = 0
            for p in range(n_pops):
                pop_ptr[p] = n
                if pop_info[p, P_KIND] == KIND_NEURONS:
                    n_p = pop_info[p, P_END] - pop_info[p, P_START]
                    if general:
                        n += update_neurons(nr, p, 0, n_p, t, spikes[n:], drive, gsum, gesum, flag)
                    else:  # every population takes the fused LIF path
                        n += update_fused(nr, p, 0, n_p, t, spikes[n:], flag)
                elif poisson:
                    n += emit_inputs(inp, p, t, rng, spikes[n:])
                else:
                    n += emit_spike_times(inp, p, t, spikes[n:])
            pop_ptr[n_pops] = n
            n_spk = end_of_step(pop_info, t, t - t0, spikes, pop_ptr, spk_t, spk_i, n_spk,
                                 pop_spikes)
            if n > 0:
                propagate(sy, spikes, pop_ptr, t, 0, 0, proj_events[t - t0], True)
                if plastic:
                    if has_plastic:
                        propagate_plastic(pl, spikes, pop_ptr, t, proj_events[t - t0])
                        stdp_update_traces_and_post(pl, spikes, pop_ptr, t)
            store_history(sy, spikes, pop_ptr, t)
            propagate_direct(sy, t, 0, 0, True)
        return t1, n_spk, n_rec

    return run_chunk


#: Runs any network on one thread.
run_chunk = _make_run_chunk(True)


@functools.cache
def single_thread_kernel(plastic: bool, general: bool, poisson: bool):
    """The single-thread kernel variant for networks with (or without) plastic projections,
    populations off the fused LIF path and Poisson groups; see :func:`_make_run_chunk`."""
    if plastic and general and poisson:
        return run_chunk
    return _make_run_chunk(plastic, general, poisson)


def kernel_features(pop_info: np.ndarray, has_plastic: bool) -> tuple[bool, bool, bool]:
    """``(plastic, general, poisson)``: what a network needs compiled into its kernel."""
    neurons = pop_info[:, P_KIND] == KIND_NEURONS
    general = bool(np.any(neurons & (pop_info[:, P_FAST] != 1)))
    poisson = bool(np.any(pop_info[:, P_KIND] == KIND_POISSON))
    return bool(has_plastic), general, poisson
