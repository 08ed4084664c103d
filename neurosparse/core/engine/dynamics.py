"""Neuron updates of the compiled engine: every model through its registered step.

A population's update (:func:`update_neurons`), for neurons ``lo..hi-1``:

1. per port: its contribution at the start of the step, then decay and add what arrives
   this step (delivery after the update, as Brian2's schedule): current ports add
   ``coupling * I`` to the drive ``i_syn``, conductance ports their ``g`` and ``g * E``;
2. per neuron: the refractory count, the model's ``integrate`` (``v`` is kept while
   refractory, and so is ``u`` unless the step adapts while refractory) and ``threshold``;
3. delta ports: ``v += w`` arriving this step (after the threshold, before the reset);
   refractory neurons ignore them (Brian2's ``unless refractory``);
4. the model's ``reset`` of the neurons that spiked, and their refractory period.

A discrete-time map (``takes_step_input``) has no port pass: its step's input is the
injected current plus the delta-port weights arriving now, summed in port order (pass 1
writes it into the drive).

Steps marked ``fusable`` (exact LIF) have a fused loop of their own for homogeneous
populations with one or two current ports: every pass in one loop over contiguous views
(the hot path of CUBA-like networks; views let LLVM vectorize).

The model functions come from :data:`~neurosparse.core.engine.steps.KERNEL_STEPS`,
unrolled: each population runs the entry whose id is its ``P_STEP``. Only passes 2 and 4
are unrolled (they call the model); passes 1 and 3 are the same for every model and are
compiled once.
"""

from __future__ import annotations

import numpy as np
from numba import literal_unroll, njit

from neurosparse.core.engine.arrays import (
    P_COL,
    P_END,
    P_FAST,
    P_N_PORTS,
    P_PORT_START,
    P_SLOT_BASE,
    P_START,
    P_STEP,
    P_STRIDE,
    P_TIMED_COLS,
    P_TIMED_EVERY,
    P_TIMED_OFF,
    P_TIMED_ROWS,
)
from neurosparse.core.engine.steps import FUSED_STEP, KERNEL_STEPS
from neurosparse.core.models.elementwise import constants_at
from neurosparse.core.synapses import PORT_CURRENT, PORT_DELTA


@njit(cache=True, inline="always")
def timed_row(a, p, t):
    """Offset of the current row of population ``p``'s timed table (-1 if none)."""
    off = a.pop_info[p, P_TIMED_OFF]
    if off < 0:
        return -1
    row = t // a.pop_info[p, P_TIMED_EVERY]
    if row >= a.pop_info[p, P_TIMED_ROWS]:
        row = a.pop_info[p, P_TIMED_ROWS] - 1
    return off + row * a.pop_info[p, P_TIMED_COLS]


@njit(cache=True, inline="always")
def update_neurons(a, p, lo, hi, t, out, drive, gsum, gesum, flag):
    """Integrate, threshold, deliver and reset neurons ``lo..hi-1`` of population ``p``.

    Spiking neurons' global indices are written to ``out`` in index order; returns how
    many. ``drive``, ``gsum``, ``gesum`` (float64) and ``flag`` (uint8) are scratch
    arrays of at least ``hi - lo`` elements.
    """
    # ``lo`` as a plain int64: called with the constant 0 (whole populations) it would be
    # typed as a literal, and the general update (a minute to compile, every model inlined)
    # compiled a second time for the parallel kernel's thread ranges
    lo = np.int64(lo)
    if a.pop_info[p, P_FAST] == 1:
        return update_fused(a, p, lo, hi, t, out, flag)
    return _update_general(a, p, lo, hi, t, out, drive, gsum, gesum, flag)


# ----------------------------------------------------------------- fused loop
@njit(cache=True, inline="always")
def update_fused(a, p, lo, hi, t, out, flag):
    """A homogeneous population of the fusable step with one or two current ports."""
    n_out = _fused_population(FUSED_STEP, a, p, lo, hi, t, out, flag)
    if n_out > 0:
        _reset_pass(FUSED_STEP, a, p, out, n_out)
    return n_out


@njit(cache=True, inline="always")
def _fused_population(entry, a, p, lo, hi, t, out, flag):
    start = a.pop_info[p, P_START]
    n = a.pop_info[p, P_END] - start
    col = a.pop_info[p, P_COL]
    ps = a.pop_info[p, P_PORT_START]
    nports = a.pop_info[p, P_N_PORTS]
    base = a.pop_info[p, P_SLOT_BASE]
    row = t & (a.ring.shape[0] - 1)
    m = hi - lo
    g0 = start + lo
    sa = base + lo
    sb = base + n * (nports - 1) + lo
    n_spiking = _fused_loop(
        entry, a.v[g0:g0 + m], a.u[g0:g0 + m], a.refr[g0:g0 + m], a.syn[sa:sa + m],
        a.ring[row, sa:sa + m], a.syn[sb:sb + m], a.ring[row, sb:sb + m], flag, m, nports == 2,
        a.port_ring[ps] == 1, a.port_ring[ps + nports - 1] == 1,
        constants_at(entry[1], a.params, col), a.i_ext[col], a.coupling[0, col], a.port_decay[ps],
        a.coupling[nports - 1, col], a.port_decay[ps + nports - 1])
    if n_spiking == 0:
        return 0
    return collect(flag, m, g0, out, n_spiking)


@njit(cache=True, inline="always")
def _fused_neuron(entry, v, u, refr, flag, li, drive, c, i_ext):
    """One neuron of the fused loop: refractory count, the step, the threshold flag."""
    r = refr[li] - 1
    r = r if r > 0 else 0
    refr[li] = r
    v_old = v[li]
    v_new, u_new = entry[2](v_old, u[li] if entry[7] == 1 else 0.0, drive, 0.0, 0.0, i_ext, c)
    active = r == 0
    v[li] = v_new if active else v_old
    if entry[7] == 1 and (active or entry[6] == 1):
        u[li] = u_new
    spiked = 1 if (active and entry[3](v_new, c)) else 0
    flag[li] = spiked
    return spiked


@njit(cache=True, inline="always")
def _fused_loop(entry, v, u, refr, syn_a, ring_a, syn_b, ring_b, flag, m, two, ring_on_a, ring_on_b,
                c, i_ext, coef_a, decay_a, coef_b, decay_b):
    """All passes in one loop; ``ring_on_*`` say whether a port receives anything through
    the ring buffer (else its row is neither read nor cleared). The common cases get a
    loop of their own without branches. Returns the number of neurons that crossed."""
    n_spiking = 0
    if two and not ring_on_a and not ring_on_b:
        for li in range(m):
            xa = syn_a[li]
            xb = syn_b[li]
            syn_a[li] = xa * decay_a
            syn_b[li] = xb * decay_b
            n_spiking += _fused_neuron(entry, v, u, refr, flag, li, 0.0 + xa * coef_a + xb * coef_b,
                                       c, i_ext)
    elif two and ring_on_a and ring_on_b:
        for li in range(m):
            xa = syn_a[li]
            xb = syn_b[li]
            syn_a[li] = xa * decay_a + ring_a[li]
            syn_b[li] = xb * decay_b + ring_b[li]
            ring_a[li] = 0.0
            ring_b[li] = 0.0
            n_spiking += _fused_neuron(entry, v, u, refr, flag, li, 0.0 + xa * coef_a + xb * coef_b,
                                       c, i_ext)
    else:
        for li in range(m):
            xa = syn_a[li]
            drive = 0.0 + xa * coef_a
            xa = xa * decay_a
            if ring_on_a:
                xa += ring_a[li]
                ring_a[li] = 0.0
            syn_a[li] = xa
            if two:
                xb = syn_b[li]
                drive += xb * coef_b
                xb = xb * decay_b
                if ring_on_b:
                    xb += ring_b[li]
                    ring_b[li] = 0.0
                syn_b[li] = xb
            n_spiking += _fused_neuron(entry, v, u, refr, flag, li, drive, c, i_ext)
    return n_spiking


@njit(cache=True, inline="always")
def collect(flag, m, g0, out, n_set):
    """Global indices of the ``n_set`` set flags in ``flag[:m]``, in order.

    Spikes are rare, so the flags are scanned eight at a time as 64-bit words, and the
    scan stops at the last set flag.
    """
    n_out = 0
    n_words = m // 8
    words = flag[: n_words * 8].view(np.uint64)
    for w in range(n_words):
        if words[w] != 0:
            for li in range(8 * w, 8 * w + 8):
                if flag[li] != 0:
                    out[n_out] = g0 + li
                    n_out += 1
            if n_out == n_set:
                return n_out
    for li in range(n_words * 8, m):
        if flag[li] != 0:
            out[n_out] = g0 + li
            n_out += 1
    return n_out


# --------------------------------------------------------------- general path
@njit(cache=True)
def _update_general(a, p, lo, hi, t, out, drive, gsum, gesum, flag):
    """Any step, ports and parameters: the four passes of the module docstring."""
    step = a.pop_info[p, P_STEP]
    toff = timed_row(a, p, t)
    tstride = 0
    if toff >= 0 and a.pop_info[p, P_TIMED_COLS] > 1:
        tstride = 1
    # the passes common to every model are compiled once, outside the unrolled registry
    # (inside it, each was compiled once per model: most of the kernels' compile time)
    takes_step_input = 0
    for entry in literal_unroll(KERNEL_STEPS):
        if entry[0] == step:
            takes_step_input = entry[5]
    if takes_step_input == 0:
        _port_pass(a, p, lo, hi, t, drive, gsum, gesum)
    else:  # no port pass: ``drive`` holds each neuron's step input instead
        _step_input_pass(a, p, lo, hi, t, drive, toff, tstride)
    n_out = 0
    for entry in literal_unroll(KERNEL_STEPS):
        if entry[0] == step:
            n_out = _membrane_pass(entry, a, p, lo, hi, t, out, drive, gsum, gesum, toff, tstride)
    if takes_step_input == 0:
        _delta_pass(a, p, lo, hi, t)
    for entry in literal_unroll(KERNEL_STEPS):
        if entry[0] == step:
            _reset_pass(entry, a, p, out, n_out)
    return n_out


@njit(cache=True, inline="always")
def _port_pass(a, p, lo, hi, t, drive, gsum, gesum):
    """Pass 1: each port's contribution at the start of the step, then its decay and what
    arrives this step, in port order."""
    n = a.pop_info[p, P_END] - a.pop_info[p, P_START]
    col = a.pop_info[p, P_COL]
    stride = a.pop_info[p, P_STRIDE]
    ps = a.pop_info[p, P_PORT_START]
    base = a.pop_info[p, P_SLOT_BASE]
    row = t & (a.ring.shape[0] - 1)
    m = hi - lo
    for li in range(m):
        drive[li] = 0.0
        gsum[li] = 0.0
        gesum[li] = 0.0
    for k in range(a.pop_info[p, P_N_PORTS]):
        kind = a.port_kind[ps + k]
        if kind == PORT_DELTA:
            continue
        decay = a.port_decay[ps + k]
        ring_on = a.port_ring[ps + k] == 1
        s0 = base + k * n + lo
        if kind == PORT_CURRENT and stride == 0:
            _current_pass(a.syn[s0:s0 + m], a.ring[row, s0:s0 + m], drive, a.coupling[k, col],
                          decay, m, ring_on)
        elif kind == PORT_CURRENT:
            _current_pass_hetero(a.syn[s0:s0 + m], a.ring[row, s0:s0 + m], drive,
                                 a.coupling[k, col + lo:col + lo + m], decay, m, ring_on)
        else:
            _conductance_pass(a.syn[s0:s0 + m], a.ring[row, s0:s0 + m], gsum, gesum,
                              a.port_erev[ps + k], decay, m, ring_on)


@njit(cache=True)
def _current_pass(syn, ring, drive, coef, decay, m, ring_on):
    for li in range(m):
        x = syn[li]
        drive[li] += x * coef
        x = x * decay
        if ring_on:
            x += ring[li]
            ring[li] = 0.0
        syn[li] = x


@njit(cache=True)
def _current_pass_hetero(syn, ring, drive, coef, decay, m, ring_on):
    for li in range(m):
        x = syn[li]
        drive[li] += x * coef[li]
        x = x * decay
        if ring_on:
            x += ring[li]
            ring[li] = 0.0
        syn[li] = x


@njit(cache=True)
def _conductance_pass(syn, ring, gsum, gesum, erev, decay, m, ring_on):
    for li in range(m):
        x = syn[li]
        gsum[li] += x
        gesum[li] += x * erev
        x = x * decay
        if ring_on:
            x += ring[li]
            ring[li] = 0.0
        syn[li] = x


@njit(cache=True, inline="always")
def _membrane_pass(entry, a, p, lo, hi, t, out, drive, gsum, gesum, toff, tstride):
    """Pass 2: the refractory count, the model's step and threshold, neuron by neuron."""
    start = a.pop_info[p, P_START]
    col = a.pop_info[p, P_COL]
    stride = a.pop_info[p, P_STRIDE]
    row = t & (a.ring.shape[0] - 1)
    c = constants_at(entry[1], a.params, col)
    n_out = 0
    for li in range(hi - lo):
        i = lo + li
        g = start + i
        if stride != 0:
            c = constants_at(entry[1], a.params, col + i)
        r = a.refr[g] - 1
        if r < 0:
            r = 0
        a.refr[g] = r
        if entry[5] == 1:
            x = drive[li]
        else:
            x = a.i_ext[col + i * stride]
            if toff >= 0:
                x += a.timed[toff + i * tstride]
        u_old = a.u[g] if entry[7] == 1 else 0.0
        v_new, u_new = entry[2](a.v[g], u_old, drive[li], gsum[li], gesum[li], x, c)
        if entry[7] == 1 and (r == 0 or entry[6] == 1):
            a.u[g] = u_new
        if r == 0:
            a.v[g] = v_new
            if entry[3](v_new, c):
                out[n_out] = g
                n_out += 1
    return n_out


@njit(cache=True, inline="always")
def _step_input_pass(a, p, lo, hi, t, drive, toff, tstride):
    """Pass 1 of the models that take their input as a step (no ports): each neuron's
    :func:`step_input` into ``drive``."""
    row = t & (a.ring.shape[0] - 1)
    for li in range(hi - lo):
        drive[li] = step_input(a, p, lo + li, row, toff, tstride)


@njit(cache=True, inline="always")
def step_input(a, p, i, row, toff, tstride):
    """Injected current plus the delta-port weights arriving this step for local neuron ``i``
    of ``p``, summed in port order; the ring entries are read and cleared."""
    col = a.pop_info[p, P_COL]
    stride = a.pop_info[p, P_STRIDE]
    n = a.pop_info[p, P_END] - a.pop_info[p, P_START]
    ps = a.pop_info[p, P_PORT_START]
    base = a.pop_info[p, P_SLOT_BASE]
    x = a.i_ext[col + i * stride]
    if toff >= 0:
        x += a.timed[toff + i * tstride]
    for k in range(a.pop_info[p, P_N_PORTS]):
        if a.port_ring[ps + k] == 1:
            s = base + k * n + i
            x += a.ring[row, s]
            a.ring[row, s] = 0.0
    return x


@njit(cache=True, inline="always")
def _delta_pass(a, p, lo, hi, t):
    """Pass 3: delta ports, ``v += w`` arriving now; refractory neurons drop it."""
    start = a.pop_info[p, P_START]
    n = a.pop_info[p, P_END] - start
    ps = a.pop_info[p, P_PORT_START]
    base = a.pop_info[p, P_SLOT_BASE]
    row = t & (a.ring.shape[0] - 1)
    for k in range(a.pop_info[p, P_N_PORTS]):
        if a.port_kind[ps + k] != PORT_DELTA or a.port_ring[ps + k] == 0:
            continue
        s0 = base + k * n + lo
        for li in range(hi - lo):
            if a.refr[start + lo + li] == 0:
                a.v[start + lo + li] += a.ring[row, s0 + li]
            a.ring[row, s0 + li] = 0.0


@njit(cache=True, inline="always")
def _reset_pass(entry, a, p, out, n_out):
    """Pass 4: the model's reset of the spiking neurons (``out[:n_out]``, global indices)."""
    start = a.pop_info[p, P_START]
    col = a.pop_info[p, P_COL]
    stride = a.pop_info[p, P_STRIDE]
    for q in range(n_out):
        g = out[q]
        c = constants_at(entry[1], a.params, col + (g - start) * stride)
        v_new, u_new = entry[4](a.v[g], a.u[g] if entry[7] == 1 else 0.0, c)
        a.v[g] = v_new
        if entry[7] == 1:
            a.u[g] = u_new
        a.refr[g] = np.int32(c.ref_steps)
