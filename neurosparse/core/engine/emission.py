"""Input groups of the compiled engine: Poisson spike trains and spike-time arrays."""

from __future__ import annotations

from numba import njit

from neurosparse.core.engine.arrays import (
    KIND_POISSON,
    P_COL,
    P_END,
    P_KIND,
    P_SPK_HI,
    P_START,
    P_STRIDE,
    P_TIMED_COLS,
)
from neurosparse.core.engine.dynamics import timed_row


@njit(cache=True, inline="always")
def emit_inputs(a, p, t, rng, out):
    """Spikes of input group ``p`` at step ``t`` into ``out``; returns how many."""
    if a.pop_info[p, P_KIND] == KIND_POISSON:
        return _emit_poisson(a, p, t, rng, out)
    return emit_spike_times(a, p, t, out)


@njit(cache=True, inline="always")
def _emit_poisson(a, p, t, rng, out):
    """Spikes of Poisson group ``p`` at step ``t``."""
    start = a.pop_info[p, P_START]
    n = a.pop_info[p, P_END] - start
    n_out = 0
    # ``prob`` holds the spike probability per step (rate * dt); a timed table multiplies
    # it (the table then holds rates and ``prob`` holds dt)
    col = a.pop_info[p, P_COL]
    stride = a.pop_info[p, P_STRIDE]
    toff = timed_row(a, p, t)
    tcols = a.pop_info[p, P_TIMED_COLS] if toff >= 0 else 1
    if stride == 0 and tcols == 1:
        prob = a.prob[col]
        if toff >= 0:
            prob *= a.timed[toff]
        if prob <= 0.0:
            return 0
        # geometric skipping: O(spikes), exactly Bernoulli(prob) per neuron
        j = -1
        while True:
            j += rng.geometric(prob) if prob < 1.0 else 1
            if j >= n:
                break
            out[n_out] = start + j
            n_out += 1
    else:
        for li in range(n):
            prob = a.prob[col + li * stride]
            if toff >= 0:
                prob *= a.timed[toff + (li if tcols > 1 else 0)]
            if prob > 0.0 and rng.random() < prob:
                out[n_out] = start + li
                n_out += 1
    return n_out


@njit(cache=True, inline="always")
def emit_spike_times(a, p, t, out):
    """Spikes of spike-time group ``p`` at step ``t``."""
    start = a.pop_info[p, P_START]
    n_out = 0
    hi = a.pop_info[p, P_SPK_HI]
    ptr = a.spike_ptr[p]
    while ptr < hi and a.spike_steps[ptr] < t:  # before this run: skipped
        ptr += 1
    while ptr < hi and a.spike_steps[ptr] == t:
        out[n_out] = start + a.spike_index[ptr]
        n_out += 1
        ptr += 1
    a.spike_ptr[p] = ptr
    return n_out

