"""The flat arrays of a compiled network, as the kernels read them.

Populations and input groups share one global neuron index space. A neuron population's
port variables live in one ``syn`` array at ``slot = slot_base + port * n + i``; the delay
ring buffer has one row per step of delay (a power of two) and one column per slot. Each
population's model constants are rows of ``params`` (one row per neuron when the
population is heterogeneous, else one), with the columns its step's constants type names
(:func:`neurosparse.core.models.elementwise.constants_at` reads them by name).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

KIND_NEURONS = 0
KIND_POISSON = 1
KIND_SPIKE_TIMES = 2

REC_V = 0
REC_U = 1
REC_SYN = 2

# columns of the population table ``pop_info`` (int64, one row per population)
P_START, P_END, P_KIND, P_STEP, P_COL, P_STRIDE, P_PORT_START, P_N_PORTS = range(8)
P_SLOT_BASE, P_TIMED_OFF, P_TIMED_ROWS, P_TIMED_COLS, P_TIMED_EVERY = range(8, 13)
P_SPK_LO, P_SPK_HI, P_MONITORED, P_FAST = range(13, 17)
N_POP_COLS = 17
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
    params: np.ndarray  # float64 [n_cols, MAX_CONSTANTS]  model constants, by column
    coupling: np.ndarray  # float64 [MAX_PORTS, n_cols]  weight of port k's value in i_syn
    i_ext: np.ndarray  # float64 [n_cols]  constant injected current
    port_kind: np.ndarray  # int64 [n_ports]
    port_decay: np.ndarray  # float64 [n_ports]
    port_erev: np.ndarray  # float64 [n_ports]
    port_ring: np.ndarray  # int64 [n_ports]  1: some projection delivers through the ring
    timed: np.ndarray  # float64, row-major tables back to back
    v: np.ndarray  # float64 [N]
    u: np.ndarray  # float64 [N]  the model's second variable (w, u, pending reset)
    refr: np.ndarray  # int32 [N]  refractory steps left
    syn: np.ndarray  # float64 [n_slots]
    ring: np.ndarray  # float64 [D, n_slots]
    dt: float


class InputArrays(NamedTuple):
    """What input groups read: Poisson probabilities and spike-time arrays."""

    pop_info: np.ndarray
    prob: np.ndarray  # float64 [n_cols]  spike probability per step (dt, for a rate table)
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
    """A compiled network's arrays (built by :mod:`neurosparse.core.layout`).

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
