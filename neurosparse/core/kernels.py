"""Numba kernels of the event core: the functional layer under :class:`Network`.

The whole simulation loop runs inside one jitted call per chunk of steps, so a step costs
no Python. A step:

1. updates every neuron (they leak), detects threshold crossings, delivers the synaptic
   input that arrives this step from the delay ring buffer, resets the neurons that spiked;
2. emits the spikes of input groups (Poisson, spike-time arrays);
3. propagates only the spikes of this step: for each projection leaving a spiking neuron,
   its CSR out-row is walked and each weight is added into the ring buffer slot
   ``(t + delay) mod D`` of the target's port;
4. applies STDP (pre side while propagating, post side for the neurons that spiked);
5. records monitored spikes and sampled state.

Neuron state is float64, weights float32 (accumulated in float64). The cost of step 3 is
proportional to the synaptic events; an idle network propagates nothing.

The parallel variant (:func:`run_chunk_parallel`) splits neuron updates by neuron range
and propagation by *target* range: each thread walks the same spikes in the same order and
only adds into its own targets, so every sum is formed in the serial order and the results
are identical bit for bit for any thread count.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from neurosparse.core.models import (
    MODEL_ADLIF,
    MODEL_DISCRETE_LIF,
    MODEL_IF,
    MODEL_IZHIKEVICH,
    MODEL_LIF,
    MODEL_MAXPLUS,
    ROW_A,
    ROW_I_EXT,
    ROW_PORT0,
    ROW_REF_STEPS,
    ROW_V_RESET,
    ROW_V_TH,
)
from neurosparse.core.synapses import PORT_CURRENT, PORT_DELTA

KIND_NEURONS = 0
KIND_POISSON = 1
KIND_SPIKE_TIMES = 2

REC_V = 0
REC_U = 1
REC_SYN = 2


# columns of the population table ``pop_info`` (int64, one row per population)
P_START, P_END, P_KIND, P_MODEL, P_COL, P_STRIDE, P_EXACT, P_PORT_START, P_N_PORTS = range(9)
P_SLOT_BASE, P_TIMED_OFF, P_TIMED_ROWS, P_TIMED_COLS, P_TIMED_EVERY = range(9, 14)
P_SPK_LO, P_SPK_HI, P_MONITORED, P_FAST = range(14, 18)
N_POP_COLS = 18
# columns of the projection table ``proj_info`` (int64, one row per projection)
J_SRC, J_TGT, J_SLOT_BASE, J_HOM_D, J_W_HOM, J_D_HOM, J_IP_OFF, J_W_SHIFT = range(8)
J_D_SHIFT, J_PLASTIC, J_CP_OFF, J_PRE_OFF, J_POST_OFF, J_DIRECT = range(8, 14)
N_PROJ_COLS = 14
#: Longest homogeneous delay (steps) delivered straight into the port variables.
MAX_DIRECT_DELAY = 16


class NeuronArrays(NamedTuple):
    """What neuron updates read and write.

    ``syn`` holds the port variables (slot ``slot_base + port * n + i``), ``ring`` the
    delay buffer (rows: steps modulo a power of two; columns: slots).
    """

    pop_info: np.ndarray  # int64 [P, N_POP_COLS]
    params: np.ndarray  # float64 [N_ROWS, n_cols]
    port_kind: np.ndarray  # int64 [n_ports]
    port_decay: np.ndarray  # float64 [n_ports]
    port_erev: np.ndarray  # float64 [n_ports]
    port_ring: np.ndarray  # int64 [n_ports]  1: some projection delivers through the ring
    timed: np.ndarray  # float64, row-major tables back to back
    v: np.ndarray  # float64 [N]
    u: np.ndarray  # float64 [N]  adaptation w (AdaptiveLIF) or recovery u (Izhikevich)
    refr: np.ndarray  # int32 [N]  refractory steps left
    syn: np.ndarray  # float64 [n_slots]
    ring: np.ndarray  # float64 [D, n_slots]
    dt: float


class InputArrays(NamedTuple):
    """What input groups read: Poisson probabilities and spike-time arrays."""

    pop_info: np.ndarray
    params: np.ndarray
    timed: np.ndarray
    spike_steps: np.ndarray  # int64, sorted per group
    spike_index: np.ndarray  # int32
    spike_ptr: np.ndarray  # int64 [P]  cursor per group (state)


class SynapseArrays(NamedTuple):
    """CSR projections, concatenated: projection ``j``'s row ``i`` is
    ``indices[indptr[ip_off + i]:indptr[ip_off + i + 1]]``.

    *Direct* projections (static, one delay d <= MAX_DIRECT_DELAY, current or conductance
    port) skip the ring buffer: the spikes of each step are kept in ``hist`` and, d steps
    later, after that step's neuron update, their weights are added straight into the
    port variables ``syn``. That is the same arithmetic as delivering through the ring in
    the neuron pass, without reading and clearing a ring row for every neuron every step.
    """

    pop_info: np.ndarray
    pop_proj_ptr: np.ndarray  # int64 [P+1]  out-projections of each population
    pop_proj_ids: np.ndarray  # int64
    proj_info: np.ndarray  # int64 [J, N_PROJ_COLS]
    proj_hom_w: np.ndarray  # float64 [J]  the weight of a homogeneous projection
    indptr: np.ndarray  # int64, absolute positions in ``indices``
    indices: np.ndarray  # int32, local postsynaptic index
    weights: np.ndarray  # float32; weight of synapse k is weights[k + w_shift]
    delays: np.ndarray  # uint16; delay of synapse k is delays[k + d_shift]
    ring: np.ndarray
    syn: np.ndarray
    direct_ids: np.ndarray  # int64, the direct projections
    hist: np.ndarray  # int64 [H, N]  spikes of the last H steps (state)
    hist_ptr: np.ndarray  # int64 [H, P+1]  their per-population offsets (state)


class PlasticArrays(NamedTuple):
    """Everything STDP needs: the synapses, traces and the transposed index."""

    pop_info: np.ndarray
    pop_proj_ptr: np.ndarray
    pop_proj_ids: np.ndarray
    proj_info: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    delays: np.ndarray
    ring: np.ndarray
    stdp: np.ndarray  # float64 [J, 6] tau_pre, tau_post, a_plus, a_minus, w_min, w_max
    pop_in_plastic_ptr: np.ndarray  # int64 [P+1]  plastic projections into each population
    pop_in_plastic_ids: np.ndarray
    col_ptr: np.ndarray  # int64, absolute positions in col_syn / col_pre
    col_syn: np.ndarray  # int64, absolute synapse positions
    col_pre: np.ndarray  # int32
    x_pre: np.ndarray  # float64 (state)
    last_pre: np.ndarray  # int64 (state)
    x_post: np.ndarray
    last_post: np.ndarray
    dt: float


class NetArrays(NamedTuple):
    """A compiled network (built by ``neurosparse.core.layout``).

    Hot functions get only the sub-tuple they need: Numba passes a tuple of arrays by
    value, so handing the whole network to a per-step call costs about a microsecond.
    """

    neurons: NeuronArrays
    inputs: InputArrays
    synapses: SynapseArrays
    plastic: PlasticArrays
    pop_info: np.ndarray
    has_plastic: bool
    rec_source: np.ndarray  # int64 [C]  REC_V, REC_U or REC_SYN
    rec_index: np.ndarray  # int64 [C]  global neuron index or slot
    rec_every: int


# --------------------------------------------------------------------------- neurons
@njit(cache=True, inline="always")
def _timed_row(a, p, t):
    """Offset of the current row of population ``p``'s timed table (-1 if none)."""
    off = a.pop_info[p, P_TIMED_OFF]
    if off < 0:
        return -1
    row = t // a.pop_info[p, P_TIMED_EVERY]
    if row >= a.pop_info[p, P_TIMED_ROWS]:
        row = a.pop_info[p, P_TIMED_ROWS] - 1
    return off + row * a.pop_info[p, P_TIMED_COLS]


@njit(cache=True, inline="always")
def _lif_membrane(v, refr, flag, li, drive, v_inf, decay_m, r_m, v_th):
    """One exact LIF update of neuron ``li`` (refractory count, clamp, threshold flag)."""
    r = refr[li] - 1
    r = r if r > 0 else 0
    refr[li] = r
    v_old = v[li]
    v_new = v_inf + (v_old - v_inf) * decay_m + r_m * drive
    active = r == 0
    v[li] = v_new if active else v_old
    spiked = 1 if (active and v_new > v_th) else 0
    flag[li] = spiked
    return spiked


@njit(cache=True)
def _lif_fused(v, refr, syn_a, ring_a, syn_b, ring_b, flag, m, two, ring_on_a, ring_on_b,
               v_inf, decay_m, r_m, v_th, coef_a, decay_a, coef_b, decay_b):
    """Homogeneous exact LIF with one or two current ports, all passes in one loop.

    The same arithmetic as the general passes, in one loop over contiguous 1-D views
    (the hot path of CUBA-like networks; views, unlike offsets into shared arrays, let
    LLVM vectorize). ``ring_on_*`` say whether a port receives anything through the ring
    buffer (else its row is neither read nor cleared). The common cases get a loop of
    their own without branches. Returns the number of neurons that crossed threshold.
    """
    n_spiking = 0
    if two and not ring_on_a and not ring_on_b:
        for li in range(m):
            xa = syn_a[li]
            xb = syn_b[li]
            syn_a[li] = xa * decay_a
            syn_b[li] = xb * decay_b
            n_spiking += _lif_membrane(v, refr, flag, li, 0.0 + xa * coef_a + xb * coef_b,
                                       v_inf, decay_m, r_m, v_th)
    elif two and ring_on_a and ring_on_b:
        for li in range(m):
            xa = syn_a[li]
            xb = syn_b[li]
            syn_a[li] = xa * decay_a + ring_a[li]
            syn_b[li] = xb * decay_b + ring_b[li]
            ring_a[li] = 0.0
            ring_b[li] = 0.0
            n_spiking += _lif_membrane(v, refr, flag, li, 0.0 + xa * coef_a + xb * coef_b,
                                       v_inf, decay_m, r_m, v_th)
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
            n_spiking += _lif_membrane(v, refr, flag, li, drive, v_inf, decay_m, r_m, v_th)
    return n_spiking


@njit(cache=True)
def _port_pass(syn, ring, drive, coef, decay, m, ring_on):
    for li in range(m):
        x = syn[li]
        drive[li] += x * coef
        x = x * decay
        if ring_on:
            x += ring[li]
            ring[li] = 0.0
        syn[li] = x


@njit(cache=True)
def _port_pass_hetero(syn, ring, drive, coef, decay, m, ring_on):
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


@njit(cache=True)
def _lif_exact_pass(v, refr, drive, flag, m, v_inf, decay_m, r_m, v_th):
    for li in range(m):
        r = refr[li] - 1
        r = r if r > 0 else 0
        refr[li] = r
        v_old = v[li]
        v_new = v_inf + (v_old - v_inf) * decay_m + r_m * drive[li]
        active = r == 0
        v[li] = v_new if active else v_old
        flag[li] = 1 if (active and v_new > v_th) else 0


@njit(cache=True, inline="always")
def _collect(flag, m, g0, out, n_set):
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


@njit(cache=True, inline="always")
def _reset(a, p, out, n_out):
    """Reset the neurons that spiked (``out[:n_out]``, global indices) of population ``p``."""
    start = a.pop_info[p, P_START]
    col = a.pop_info[p, P_COL]
    stride = a.pop_info[p, P_STRIDE]
    model = a.pop_info[p, P_MODEL]
    P = a.params
    for q in range(n_out):
        g = out[q]
        c = col + (g - start) * stride
        a.v[g] = P[ROW_V_RESET, c]
        a.refr[g] = np.int32(P[ROW_REF_STEPS, c])
        if model == MODEL_ADLIF or model == MODEL_IZHIKEVICH:
            a.u[g] += P[ROW_A + 6, c]


@njit(cache=True, inline="always")
def update_neurons(a, p, lo, hi, t, out, drive, gsum, gesum, flag):
    """Integrate, threshold, deliver and reset neurons ``lo..hi-1`` of population ``p``.

    Spiking neurons' global indices are written to ``out`` in index order; returns how
    many. ``drive``, ``gsum``, ``gesum`` (float64) and ``flag`` (uint8) are scratch
    arrays of at least ``hi - lo`` elements.

    Passes (each over contiguous arrays, so they vectorize):
    1. per port: its contribution at the start of the step, then decay and add what
       arrives this step (delivery after the update, as Brian2's schedule);
    2. the membrane update and threshold;
    3. delta ports: ``v += w`` arriving this step (before the reset);
    4. reset the neurons that spiked.
    """
    if a.pop_info[p, P_FAST] == 1:
        return _update_fast_lif(a, p, lo, hi, t, out, flag)
    return _update_general(a, p, lo, hi, t, out, drive, gsum, gesum, flag)


@njit(cache=True, inline="always")
def _update_fast_lif(a, p, lo, hi, t, out, flag):
    """Homogeneous exact LIF with one or two current ports and no timed current."""
    start = a.pop_info[p, P_START]
    n = a.pop_info[p, P_END] - start
    col = a.pop_info[p, P_COL]
    ps = a.pop_info[p, P_PORT_START]
    nports = a.pop_info[p, P_N_PORTS]
    base = a.pop_info[p, P_SLOT_BASE]
    row = t & (a.ring.shape[0] - 1)
    P = a.params
    m = hi - lo
    g0 = start + lo
    r_m = P[ROW_A + 2, col]
    sa = base + lo
    sb = base + n * (nports - 1) + lo
    n_spiking = _lif_fused(
        a.v[g0:g0 + m], a.refr[g0:g0 + m], a.syn[sa:sa + m], a.ring[row, sa:sa + m],
        a.syn[sb:sb + m], a.ring[row, sb:sb + m], flag, m, nports == 2,
        a.port_ring[ps] == 1, a.port_ring[ps + nports - 1] == 1,
        P[ROW_A, col] + r_m * P[ROW_I_EXT, col], P[ROW_A + 1, col], r_m,
        P[ROW_V_TH, col], P[ROW_PORT0, col], a.port_decay[ps],
        P[ROW_PORT0 + nports - 1, col], a.port_decay[ps + nports - 1])
    if n_spiking == 0:
        return 0
    n_out = _collect(flag, m, g0, out, n_spiking)
    _reset(a, p, out, n_out)
    return n_out


@njit(cache=True)
def _update_general(a, p, lo, hi, t, out, drive, gsum, gesum, flag):
    """Any model, ports and parameters: the four passes of :func:`update_neurons`."""
    start = a.pop_info[p, P_START]
    n = a.pop_info[p, P_END] - start
    col = a.pop_info[p, P_COL]
    stride = a.pop_info[p, P_STRIDE]
    model = a.pop_info[p, P_MODEL]
    exact = a.pop_info[p, P_EXACT]
    ps = a.pop_info[p, P_PORT_START]
    nports = a.pop_info[p, P_N_PORTS]
    base = a.pop_info[p, P_SLOT_BASE]
    row = t & (a.ring.shape[0] - 1)
    ring = a.ring
    P = a.params
    v = a.v
    u = a.u
    refr = a.refr
    syn = a.syn
    dt = a.dt
    m = hi - lo
    g0 = start + lo
    toff = _timed_row(a, p, t)
    tstride = 0
    if toff >= 0 and a.pop_info[p, P_TIMED_COLS] > 1:
        tstride = 1
    # the discrete-time maps take only delta input, summed in their own pass: none of the
    # port passes below apply to them
    if model == MODEL_MAXPLUS:
        n_out = _maxplus_pass(a, p, lo, hi, t, out, toff, tstride)
        _reset(a, p, out, n_out)
        return n_out
    if model == MODEL_DISCRETE_LIF:
        return _discrete_lif_pass(a, p, lo, hi, t, out, toff, tstride)  # its reset is delayed
    for li in range(m):
        drive[li] = 0.0
    if exact == 0:
        for li in range(m):
            gsum[li] = 0.0
            gesum[li] = 0.0
    # pass 1: synaptic ports
    for k in range(nports):
        kind = a.port_kind[ps + k]
        if kind == PORT_DELTA:
            continue
        decay = a.port_decay[ps + k]
        ring_on = a.port_ring[ps + k] == 1
        s0 = base + k * n + lo
        if kind == PORT_CURRENT and exact == 1:
            if stride == 0:
                _port_pass(syn[s0:s0 + m], ring[row, s0:s0 + m], drive, P[ROW_PORT0 + k, col],
                           decay, m, ring_on)
            else:
                _port_pass_hetero(syn[s0:s0 + m], ring[row, s0:s0 + m], drive,
                                  P[ROW_PORT0 + k, col + lo:col + lo + m], decay, m, ring_on)
        elif kind == PORT_CURRENT:
            _port_pass(syn[s0:s0 + m], ring[row, s0:s0 + m], drive, 1.0, decay, m, ring_on)
        else:
            _conductance_pass(syn[s0:s0 + m], ring[row, s0:s0 + m], gsum, gesum,
                              a.port_erev[ps + k], decay, m, ring_on)
    # pass 2: membrane
    n_out = 0
    if model == MODEL_LIF and exact == 1 and stride == 0 and toff < 0:
        r_m = P[ROW_A + 2, col]
        _lif_exact_pass(v[g0:g0 + m], refr[g0:g0 + m], drive, flag, m,
                        P[ROW_A, col] + r_m * P[ROW_I_EXT, col], P[ROW_A + 1, col], r_m,
                        P[ROW_V_TH, col])
        n_out = _collect(flag, m, g0, out, m)
    elif model == MODEL_LIF and exact == 1:
        for li in range(m):
            i = lo + li
            c = col + i * stride
            g = start + i
            r = refr[g] - 1
            if r < 0:
                r = 0
            refr[g] = r
            i_ext = P[ROW_I_EXT, c]
            if toff >= 0:
                i_ext += a.timed[toff + i * tstride]
            if r == 0:
                r_m = P[ROW_A + 2, c]
                v_inf = P[ROW_A, c] + r_m * i_ext
                vg = v_inf + (v[g] - v_inf) * P[ROW_A + 1, c] + r_m * drive[li]
                v[g] = vg
                if vg > P[ROW_V_TH, c]:
                    out[n_out] = g
                    n_out += 1
    else:
        for li in range(m):
            i = lo + li
            c = col + i * stride
            g = start + i
            r = refr[g] - 1
            if r < 0:
                r = 0
            refr[g] = r
            i_ext = P[ROW_I_EXT, c]
            if toff >= 0:
                i_ext += a.timed[toff + i * tstride]
            vg = v[g]
            i_cur = drive[li]
            g_tot = 0.0
            g_e = 0.0
            if exact == 0:
                g_tot = gsum[li]
                g_e = gesum[li]
            spiked = False
            if model == MODEL_LIF:
                if r == 0:
                    r_m = P[ROW_A + 2, c]
                    tau_m = P[ROW_A + 3, c]
                    aa = -(1.0 + r_m * g_tot) / tau_m
                    bb = (P[ROW_A, c] + r_m * (g_e + i_cur + i_ext)) / tau_m
                    vg = -bb / aa + (vg + bb / aa) * math.exp(aa * dt)
                    spiked = vg > P[ROW_V_TH, c]
            elif model == MODEL_IF:
                if r == 0:
                    inv_c = P[ROW_A + 2, c]
                    if exact == 1:
                        vg = vg + (i_ext * dt + i_cur) * inv_c
                    else:
                        aa = -g_tot * inv_c
                        bb = (g_e + i_cur + i_ext) * inv_c
                        if aa == 0.0:
                            vg = vg + bb * dt
                        else:
                            vg = -bb / aa + (vg + bb / aa) * math.exp(aa * dt)
                    spiked = vg > P[ROW_V_TH, c]
            elif model == MODEL_ADLIF:
                w = u[g]
                v_rest = P[ROW_A, c]
                w_inf = P[ROW_A + 5, c] * (vg - v_rest)
                u[g] = w_inf + (w - w_inf) * P[ROW_A + 4, c]
                if r == 0:
                    r_m = P[ROW_A + 2, c]
                    tau_m = P[ROW_A + 3, c]
                    aa = -(1.0 + r_m * g_tot) / tau_m
                    bb = (v_rest + r_m * (g_e + i_cur + i_ext - w)) / tau_m
                    vg = -bb / aa + (vg + bb / aa) * math.exp(aa * dt)
                    spiked = vg > P[ROW_V_TH, c]
            else:  # MODEL_IZHIKEVICH
                if r == 0:
                    uu = u[g]
                    v_r = P[ROW_A, c]
                    i_syn = i_cur + g_e - g_tot * vg
                    dv = (P[ROW_A + 3, c] * (vg - v_r) * (vg - P[ROW_A + 1, c])
                          - uu + i_syn + i_ext)
                    u[g] = uu + dt * P[ROW_A + 4, c] * (P[ROW_A + 5, c] * (vg - v_r) - uu)
                    vg = vg + dt * dv * P[ROW_A + 2, c]
                    spiked = vg >= P[ROW_V_TH, c]
            v[g] = vg
            if spiked:
                out[n_out] = g
                n_out += 1
    # pass 3: delta ports (after threshold, before reset); refractory neurons ignore them
    # (Brian2 holds a variable marked ``unless refractory`` fixed while refractory)
    for k in range(nports):
        if a.port_kind[ps + k] != PORT_DELTA or a.port_ring[ps + k] == 0:
            continue
        s0 = base + k * n + lo
        for li in range(m):
            if refr[start + lo + li] == 0:
                v[start + lo + li] += ring[row, s0 + li]
            ring[row, s0 + li] = 0.0
    # pass 4: reset
    _reset(a, p, out, n_out)
    return n_out


@njit(cache=True)
def _maxplus_pass(a, p, lo, hi, t, out, toff, tstride):
    """Max-plus LIF, neurons ``lo..hi-1`` of ``p``: ``v = max(v - leak, X)``, threshold.

    ``X`` is the injected current plus the delta-port weights arriving this step, summed in
    port order (the ring rows are read and cleared here; refractory neurons drop them).
    """
    start = a.pop_info[p, P_START]
    col = a.pop_info[p, P_COL]
    stride = a.pop_info[p, P_STRIDE]
    row = t & (a.ring.shape[0] - 1)
    P = a.params
    n_out = 0
    for li in range(hi - lo):
        i = lo + li
        c = col + i * stride
        g = start + i
        r = a.refr[g] - 1
        if r < 0:
            r = 0
        a.refr[g] = r
        x = _step_input(a, p, i, row, toff, tstride)
        if r == 0:
            vg = max(a.v[g] - P[ROW_A, c], x)
            a.v[g] = vg
            if vg > P[ROW_V_TH, c]:
                out[n_out] = g
                n_out += 1
    return n_out


@njit(cache=True, inline="always")
def _step_input(a, p, i, row, toff, tstride):
    """Injected current plus the delta-port weights arriving this step for local neuron ``i``
    of ``p``, summed in port order; the ring entries are read and cleared."""
    col = a.pop_info[p, P_COL]
    stride = a.pop_info[p, P_STRIDE]
    n = a.pop_info[p, P_END] - a.pop_info[p, P_START]
    ps = a.pop_info[p, P_PORT_START]
    base = a.pop_info[p, P_SLOT_BASE]
    x = a.params[ROW_I_EXT, col + i * stride]
    if toff >= 0:
        x += a.timed[toff + i * tstride]
    for k in range(a.pop_info[p, P_N_PORTS]):
        if a.port_ring[ps + k] == 1:
            s = base + k * n + i
            x += a.ring[row, s]
            a.ring[row, s] = 0.0
    return x


@njit(cache=True)
def _discrete_lif_pass(a, p, lo, hi, t, out, toff, tstride):
    """DiscreteLIF, neurons ``lo..hi-1`` of ``p``: snnTorch's ``Leaky`` map with the reset
    of the previous step's spike (``u`` holds it, 1.0 or 0.0); no reset now."""
    start = a.pop_info[p, P_START]
    col = a.pop_info[p, P_COL]
    stride = a.pop_info[p, P_STRIDE]
    row = t & (a.ring.shape[0] - 1)
    P = a.params
    n_out = 0
    for li in range(hi - lo):
        i = lo + li
        c = col + i * stride
        g = start + i
        x = _step_input(a, p, i, row, toff, tstride)
        beta = P[ROW_A, c]
        v_th = P[ROW_V_TH, c]
        mode = P[ROW_A + 1, c]
        pending = a.u[g]
        if mode == 0.0:
            vg = beta * a.v[g] + x - pending * v_th
        elif mode == 1.0:
            vg = beta * ((1.0 - pending) * a.v[g]) + x
        else:
            vg = beta * a.v[g] + x
        a.v[g] = vg
        if vg > v_th:
            a.u[g] = 1.0
            out[n_out] = g
            n_out += 1
        else:
            a.u[g] = 0.0
    return n_out


@njit(cache=True, inline="always")
def emit_inputs(a, p, t, rng, out):
    """Spikes of input group ``p`` at step ``t`` into ``out``; returns how many."""
    if a.pop_info[p, P_KIND] == KIND_POISSON:
        return _emit_poisson(a, p, t, rng, out)
    return _emit_spike_times(a, p, t, out)


@njit(cache=True, inline="always")
def _emit_poisson(a, p, t, rng, out):
    """Spikes of Poisson group ``p`` at step ``t``."""
    start = a.pop_info[p, P_START]
    n = a.pop_info[p, P_END] - start
    n_out = 0
    # params row ROW_V_TH holds the spike probability per step (rate * dt); a timed
    # table multiplies it (it then holds rates and the row holds dt)
    col = a.pop_info[p, P_COL]
    stride = a.pop_info[p, P_STRIDE]
    toff = _timed_row(a, p, t)
    tcols = a.pop_info[p, P_TIMED_COLS] if toff >= 0 else 1
    if stride == 0 and tcols == 1:
        prob = a.params[ROW_V_TH, col]
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
            prob = a.params[ROW_V_TH, col + li * stride]
            if toff >= 0:
                prob *= a.timed[toff + (li if tcols > 1 else 0)]
            if prob > 0.0 and rng.random() < prob:
                out[n_out] = start + li
                n_out += 1
    return n_out


@njit(cache=True, inline="always")
def _emit_spike_times(a, p, t, out):
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


# ----------------------------------------------------------------------- propagation
@njit(cache=True, inline="always")
def _decayed(x, last, t, dt, tau):
    return x * math.exp(-(t - last) * dt / tau)


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
def _add_row(target, base, indices, weights, shift, k0, k1, w_hom, w):
    """Add a row's weights (one weight ``w`` if ``w_hom``) into ``target[base + index]``."""
    if w_hom:
        _add_homogeneous(target, base, indices, k0, k1, w)
    else:
        _add_weights(target, base, indices, weights, shift, k0, k1)


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


# ----------------------------------------------------------------------------- loop
@njit(cache=True, inline="always")
def _record_state(a, rec_source, rec_index, rec_buf, n_rec):
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
def _monitored_count(pop_info):
    n_mon = 0
    for p in range(pop_info.shape[0]):
        if pop_info[p, P_MONITORED] == 1:
            n_mon += pop_info[p, P_END] - pop_info[p, P_START]
    return n_mon


@njit(cache=True, inline="always")
def _end_of_step(pop_info, t, row, spikes, pop_ptr, spk_t, spk_i, n_spk, pop_spikes):
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
        n_mon = _monitored_count(a.pop_info)
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
                _record_state(nr, rec_source, rec_index, rec_buf, n_rec)
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
                        n += _update_fast_lif(nr, p, 0, n_p, t, spikes[n:], flag)
                elif poisson:
                    n += emit_inputs(inp, p, t, rng, spikes[n:])
                else:
                    n += _emit_spike_times(inp, p, t, spikes[n:])
            pop_ptr[n_pops] = n
            n_spk = _end_of_step(pop_info, t, t - t0, spikes, pop_ptr, spk_t, spk_i, n_spk,
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


@njit(cache=True)
def _update_whole(a, p, n_p, t, out, drive, gsum, gesum, flag):
    # not inlined: inlined into the parallel kernel, the reset of spiking neurons was lost
    # (Numba 0.68)
    return update_neurons(a, p, 0, n_p, t, out, drive, gsum, gesum, flag)


@njit(cache=True)
def _update_range(pop_info, params, port_kind, port_decay, port_erev, port_ring, timed, v, u,
                  refr, syn, ring, dt, p, lo, hi, t, out, drive, gsum, gesum, flag):
    # rebuilt here from arrays: Numba's parallel loops cannot capture tuples
    a = NeuronArrays(pop_info, params, port_kind, port_decay, port_erev, port_ring, timed, v, u,
                     refr, syn, ring, dt)
    return update_neurons(a, p, lo, hi, t, out, drive, gsum, gesum, flag)


@njit(cache=True)
def _propagate_range(pop_info, pop_proj_ptr, pop_proj_ids, proj_info, proj_hom_w, indptr,
                     indices, weights, delays, ring, syn, direct_ids, hist, hist_ptr, spikes,
                     pop_ptr, t, slot_lo, slot_hi, direct):
    a = SynapseArrays(pop_info, pop_proj_ptr, pop_proj_ids, proj_info, proj_hom_w, indptr,
                      indices, weights, delays, ring, syn, direct_ids, hist, hist_ptr)
    # called from the parallel kernel: kept out of line (see the _ni_ wrappers below)
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


# Non-inlined entry points for the parallel kernel. Inlined into a ``parallel=True``
# function, these helpers' writes were silently lost (Numba 0.68: spiking neurons not
# reset, deliveries missing), so the parallel kernel calls them through these wrappers;
# one call per step costs little there.
@njit(cache=True)
def _ni_record_state(a, rec_source, rec_index, rec_buf, n_rec):
    _record_state(a, rec_source, rec_index, rec_buf, n_rec)


@njit(cache=True)
def _ni_emit_inputs(a, p, t, rng, out):
    return emit_inputs(a, p, t, rng, out)


@njit(cache=True)
def _ni_end_of_step(pop_info, t, row, spikes, pop_ptr, spk_t, spk_i, n_spk, pop_spikes):
    return _end_of_step(pop_info, t, row, spikes, pop_ptr, spk_t, spk_i, n_spk, pop_spikes)


@njit(cache=True)
def _ni_propagate_full(a, spikes, pop_ptr, t, events):
    propagate(a, spikes, pop_ptr, t, 0, 0, events, True)


@njit(cache=True)
def _ni_count_events(a, spikes, pop_ptr, events):
    _count_events(a, spikes, pop_ptr, events)


@njit(cache=True)
def _ni_store_history(a, spikes, pop_ptr, t):
    store_history(a, spikes, pop_ptr, t)


@njit(cache=True)
def _ni_pending_direct(a, t):
    return _pending_direct(a, t)


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
    n_mon = _monitored_count(a.pop_info)
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
                            pop_info, params, port_kind, port_decay, port_erev, port_ring, timed,
                            v, u, refr, syn, ring, dt, p, lo, hi, t, part[th], drive[lo:hi],
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


@njit(cache=True, inline="always")
def _pending_direct(a, t):
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
def _count_events(a, spikes, pop_ptr, events):
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
