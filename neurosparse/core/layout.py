"""Lay a network (its :class:`~neurosparse.core.spec.NetworkSpec`) out as the flat arrays the kernels use.

Populations and input groups share one global neuron index space (in the order they were
added). Each neuron population's port variables live in one ``syn`` array at
``slot = slot_base + port * n + i``; the delay ring buffer has one row per step of delay
(a power of two) and one column per slot.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from neurosparse import _validation
from neurosparse.core.connectivity import FromArrays, FromSparse
from neurosparse.core.engine import arrays as K
from neurosparse.core.engine.arrays import (
    KIND_NEURONS,
    KIND_POISSON,
    KIND_SPIKE_TIMES,
    REC_SYN,
    REC_U,
    REC_V,
)
from neurosparse.core.inputs import PoissonGroup, TimedArray
from neurosparse.core.models import MAX_CONSTANTS, MAX_PORTS, STEPS, step_id
from neurosparse.core.projection import Projection
from neurosparse.core.spec import MAX_DELAY_STEPS, NetworkSpec, Population, ProjectionSpec
from neurosparse.core.synapse_values import as_finite, check_weights, time_steps
from neurosparse.core.synapses import PORT_CONDUCTANCE, PORT_CURRENT, PORT_DELTA
from neurosparse.errors import InsufficientMemoryError, ParameterError

_STDP_EXTRA_BYTES = 8 + 4  # transposed synapse id (int64) + presynaptic index (int32)


@dataclass
class CompiledNetwork:
    """A network ready to run: kernel arrays plus what is needed to read results back."""

    arrays: K.NetArrays
    projections: dict[str, Projection]
    names: list[str]  # population and input names, global order
    starts: np.ndarray  # int64 [P+1]
    proj_names: list[str]
    monitor_columns: list[tuple[str, str, int]]  # (population, variable, local index)
    port_names: dict[str, list[str]]  # population -> its port names in slot order
    build_seconds: float

    def _variable_view(self, population: str, var: str) -> np.ndarray:
        """The kernel array slice holding ``var`` of every neuron of ``population``."""
        p = self.names.index(population)
        a = self.arrays.neurons
        lo, hi = self.starts[p], self.starts[p + 1]
        if var == "v":
            return a.v[lo:hi]
        if var not in self.port_names[population]:  # the model's second variable (w, u, i_syn)
            return a.u[lo:hi]
        k = self.port_names[population].index(var)
        base = a.pop_info[p, K.P_SLOT_BASE] + k * (hi - lo)
        return a.syn[base:base + hi - lo]

    def set_variable(self, population: str, var: str, value) -> None:
        """Overwrite a state variable of every neuron of ``population``."""
        self._variable_view(population, var)[:] = value

    def get_variable(self, population: str, var: str) -> np.ndarray:
        """A copy of a state variable of every neuron of ``population``."""
        return self._variable_view(population, var).copy()


def estimate_memory(net: NetworkSpec) -> int:
    """Bytes needed to build and run the network ``net`` (estimate, used to fail early)."""
    return sum(memory_parts(net).values())


def memory_parts(net: NetworkSpec) -> dict[str, int]:
    """:func:`estimate_memory` by part: each projection (named with its rule) and the neuron
    state and spike rings of every population."""
    parts: dict[str, int] = {}
    n_slots = 0
    max_delay = 1
    for pop in net.populations.values():
        n_slots += pop.n * len(getattr(pop, "ports", {}))
        parts[f"population {pop.name!r} (n={pop.n})"] = pop.n * (8 + 8 + 4)
    for spec in net.projections:
        n_pre = net.populations[spec.source].n
        n_post = net.populations[spec.target].n
        n_syn = spec.rule.expected_synapses(n_pre, n_post)
        per_syn = 4.0  # int32 index
        per_syn += 0.0 if _scalar(spec.weight) and spec.plasticity is None else 4.0
        if spec.delay is not None and not _scalar(spec.delay):
            per_syn += 2.0
            if not callable(spec.delay) and np.size(spec.delay):  # a callable's: known once drawn
                max_delay = max(max_delay, int(np.max(spec.delay) / net.dt + 0.5))
        elif spec.delay is not None:
            max_delay = max(max_delay, int(float(spec.delay) / net.dt + 0.5))
        if spec.plasticity is not None:
            per_syn += _STDP_EXTRA_BYTES
        # building holds the generator's buffer and the final copy at once
        label = (f"projection {spec.source!r} (n={n_pre}) -> {spec.target!r} (n={n_post}) by "
                 f"{spec.rule!r}, about {n_syn:.3g} synapses")
        parts[label] = parts.get(label, 0) + int(n_syn * (per_syn + 4.0)) + 8 * (n_pre + 1)
    ring_rows = 1 << int(np.ceil(np.log2(max_delay + 1)))
    parts[f"synaptic input rings ({ring_rows} rows for the longest delay, {max_delay} steps)"] = \
        n_slots * 8 * (1 + ring_rows)
    return parts


def _scalar(x) -> bool:
    return x is None or np.ndim(x) == 0 and not callable(x)


def check_memory(net: NetworkSpec) -> None:
    """Raise InsufficientMemoryError when the estimate exceeds the available memory."""
    parts = memory_parts(net)
    need = sum(parts.values())
    avail = _validation.available_memory()
    if need > 0.9 * avail:
        largest = max(parts, key=parts.get)
        raise InsufficientMemoryError(
            f"this network needs about {need / 2**30:.2f} GiB but only "
            f"{avail / 2**30:.2f} GiB is available; the largest part is the {largest}, "
            f"{parts[largest] / 2**30:.3g} GiB; reduce its size or connection density")


def run_memory(net: NetworkSpec, n_steps: int) -> int:
    """Bytes a run of ``n_steps`` allocates for its recordings: the per-step spike and event
    counters (always on) and the sampled state, each held twice while the recording is
    assembled. Spikes are not counted (their number is not known in advance)."""
    n_pops = len(net.populations)
    n_proj = len(net.projections)
    counters = n_steps * (4 * n_pops + 8 * n_proj)
    samples = 0
    for mon in net.state_monitors:
        n_samples = -(-n_steps // mon.record_every)
        samples += n_samples * len(mon.indices) * len(mon.variables) * 8
    return 2 * (counters + samples)


def check_run_memory(net: NetworkSpec, n_steps: int, duration: float) -> None:
    """Raise InsufficientMemoryError, before the run, when its recordings would not fit."""
    need = run_memory(net, n_steps)
    avail = _validation.available_memory()
    if need > 0.9 * avail:
        raise InsufficientMemoryError(
            f"a run of duration = {duration:g} s ({n_steps} steps) would need about {need / 2**30:.2f} GiB "
            f"for its per-step counters and state monitors, but only {avail / 2**30:.2f} GiB is "
            f"available; run it in pieces (each run continues the last), sample the state less "
            f"often (record_dt) or of fewer neurons")


def compile_network(net: NetworkSpec) -> CompiledNetwork:
    """Build every projection and the kernel arrays of the network ``net``."""
    t0 = time.perf_counter()
    check_memory(net)
    dt = net.dt
    names = list(net.populations)
    pops = [net.populations[n] for n in names]
    P = len(pops)
    starts = np.zeros(P + 1, np.int64)
    starts[1:] = np.cumsum([p.n for p in pops])
    n_total = int(starts[-1])

    pop_kind = np.zeros(P, np.int64)
    pop_step = np.zeros(P, np.int64)
    pop_col = np.zeros(P, np.int64)
    pop_stride = np.zeros(P, np.int64)
    pop_port_start = np.zeros(P, np.int64)
    pop_n_ports = np.zeros(P, np.int64)
    pop_slot_base = np.zeros(P, np.int64)
    pop_timed_off = np.full(P, -1, np.int64)
    pop_timed_rows = np.zeros(P, np.int64)
    pop_timed_cols = np.ones(P, np.int64)
    pop_timed_every = np.ones(P, np.int64)
    pop_spk_lo = np.zeros(P, np.int64)
    pop_spk_hi = np.zeros(P, np.int64)
    port_kind, port_decay, port_erev = [], [], []
    port_names: dict[str, list[str]] = {}
    blocks, coupling_blocks, i_ext_blocks, prob_blocks = [], [], [], []
    timed_parts: list[np.ndarray] = []
    spike_steps_parts: list[np.ndarray] = []
    spike_index_parts: list[np.ndarray] = []
    n_timed = 0
    n_spk_total = 0

    def add_timed(p: int, ta: TimedArray) -> None:
        nonlocal n_timed
        table = np.ascontiguousarray(ta.table())
        pop_timed_off[p] = n_timed
        pop_timed_rows[p], pop_timed_cols[p] = table.shape
        pop_timed_every[p] = ta.steps_per_row(dt)
        timed_parts.append(table.reshape(-1))
        n_timed += table.size
    v = np.zeros(n_total)
    u = np.zeros(n_total)
    n_cols = 0
    n_slots = 0
    for p, pop in enumerate(pops):
        lo, hi = starts[p], starts[p + 1]
        width = 1
        i_ext = np.zeros(1)
        prob = np.zeros(1)
        if isinstance(pop, Population):
            model = pop.model
            hetero = model.heterogeneous_size() is not None or any(
                np.ndim(c.amplitude) == 1 for c in pop.currents)
            width = pop.n if hetero else 1
            kinds = [port.kind for port in pop.ports.values()]
            step = model.step(kinds)
            block = np.zeros((width, MAX_CONSTANTS))
            for k, value in enumerate(model.constants(dt)):
                block[:, k] = value
            coupling = np.zeros((MAX_PORTS, width))
            for k, port in enumerate(pop.ports.values()):
                coupling[k] = model.port_coupling(step, port.tau, dt)
            i_ext = np.zeros(width)
            for cur in pop.currents:
                if isinstance(cur.amplitude, TimedArray):
                    add_timed(p, cur.amplitude)
                else:
                    i_ext += cur.amplitude
            pop_kind[p] = KIND_NEURONS
            pop_step[p] = step_id(step)
            pop_port_start[p] = len(port_kind)
            pop_n_ports[p] = len(kinds)
            pop_slot_base[p] = n_slots
            port_names[pop.name] = list(pop.ports)
            for port in pop.ports.values():
                port_kind.append(port.kind)
                port_decay.append(np.exp(-dt / port.tau) if port.tau > 0 else 0.0)
                port_erev.append(port.e_rev)
            n_slots += pop.n * len(kinds)
            v[lo:hi] = pop.initial.get("v", model.initial_v())
            for name in model.state_variables[1:]:  # the model's second variable is held in u
                if name in pop.initial:
                    u[lo:hi] = pop.initial[name]
        else:
            group = pop.group
            if isinstance(group, PoissonGroup):
                pop_kind[p] = KIND_POISSON
                if isinstance(group.rate, TimedArray):
                    prob = np.full(1, dt)
                    add_timed(p, group.rate)
                else:
                    prob = np.atleast_1d(np.asarray(group.rate * dt, np.float64))
                    width = prob.shape[0]
            else:
                pop_kind[p] = KIND_SPIKE_TIMES
                steps_arr, idx_arr = group.steps(dt)
                pop_spk_lo[p] = n_spk_total
                n_spk_total += steps_arr.size
                pop_spk_hi[p] = n_spk_total
                spike_steps_parts.append(steps_arr)
                spike_index_parts.append(idx_arr.astype(np.int32))
            pop_slot_base[p] = n_slots
            block = np.zeros((width, MAX_CONSTANTS))
            coupling = np.zeros((MAX_PORTS, width))
        pop_col[p] = n_cols
        pop_stride[p] = 1 if width > 1 else 0
        n_cols += width
        blocks.append(block)
        coupling_blocks.append(coupling)
        i_ext_blocks.append(np.broadcast_to(i_ext, (width,)))
        prob_blocks.append(np.broadcast_to(prob, (width,)))
    params = np.ascontiguousarray(np.concatenate(blocks, axis=0))
    coupling_table = np.ascontiguousarray(np.concatenate(coupling_blocks, axis=1))
    i_ext_table = np.ascontiguousarray(np.concatenate(i_ext_blocks), np.float64)
    prob_table = np.ascontiguousarray(np.concatenate(prob_blocks), np.float64)

    # ------------------------------------------------------------- projections
    projections: dict[str, Projection] = {}
    proj_names = []
    for spec in net.projections:
        proj = build_projection(net, spec, MAX_DELAY_STEPS)
        projections[spec.name] = proj
        proj_names.append(spec.name)
    J = len(proj_names)
    max_delay = max([pr.max_delay_steps for pr in projections.values()] + [1])
    ring_rows = 1 << int(np.ceil(np.log2(max_delay + 1)))

    proj_src = np.zeros(J, np.int64)
    proj_slot_base = np.zeros(J, np.int64)
    proj_hom_w = np.zeros(J)
    proj_hom_d = np.ones(J, np.int64)
    proj_w_hom = np.zeros(J, np.int64)
    proj_d_hom = np.zeros(J, np.int64)
    proj_plastic = np.zeros(J, np.int64)
    proj_ip_off = np.zeros(J, np.int64)
    proj_w_shift = np.zeros(J, np.int64)
    proj_d_shift = np.zeros(J, np.int64)
    proj_cp_off = np.zeros(J, np.int64)
    proj_pre_off = np.zeros(J, np.int64)
    proj_post_off = np.zeros(J, np.int64)
    stdp = np.zeros((J, 6))
    prs = [projections[name] for name in proj_names]
    n_ip = sum(pr.n_pre + 1 for pr in prs)
    n_syn = sum(pr.n_synapses for pr in prs)
    n_w = sum(pr.n_synapses for pr in prs if pr.weights is not None)
    n_d = sum(pr.n_synapses for pr in prs if pr.delays is not None)
    plastic_prs = [pr for pr in prs if pr.plasticity is not None]
    n_cp = sum(pr.n_post + 1 for pr in plastic_prs)
    n_col = sum(pr.n_synapses for pr in plastic_prs)
    indptr = np.empty(n_ip, np.int64)
    indices = np.empty(n_syn, np.int32)
    weights = np.empty(n_w, np.float32)
    delays = np.empty(n_d, np.uint16)
    col_ptr = np.empty(n_cp, np.int64)
    col_syn = np.empty(n_col, np.int64)
    col_pre = np.empty(n_col, np.int32)
    x_pre = np.zeros(sum(pr.n_pre for pr in plastic_prs))
    last_pre = np.zeros(x_pre.shape[0], np.int64)
    x_post = np.zeros(sum(pr.n_post for pr in plastic_prs))
    last_post = np.zeros(x_post.shape[0], np.int64)
    out_lists = [[] for _ in range(P)]
    in_plastic = [[] for _ in range(P)]
    o_ip = o_syn = o_w = o_d = o_cp = o_col = o_pre = o_post = 0
    for j, pr in enumerate(prs):
        ps = names.index(pr.source)
        pt = names.index(pr.target)
        k = port_names[pr.target].index(pr.port)
        proj_src[j] = ps
        proj_slot_base[j] = pop_slot_base[pt] + k * pops[pt].n
        out_lists[ps].append(j)
        m = pr.n_synapses
        # move the projection's arrays into the flat ones and keep views, so memory is
        # not doubled and plastic weights stay visible through the Projection
        proj_ip_off[j] = o_ip
        indptr[o_ip:o_ip + pr.n_pre + 1] = pr.indptr + o_syn
        o_ip += pr.n_pre + 1
        indices[o_syn:o_syn + m] = pr.indices
        pr.indices = indices[o_syn:o_syn + m]
        if pr.weights is None:
            proj_w_hom[j] = 1
            proj_hom_w[j] = pr.weight
        else:
            weights[o_w:o_w + m] = pr.weights
            pr.weights = weights[o_w:o_w + m]
            proj_w_shift[j] = o_w - o_syn
            o_w += m
        if pr.delays is None:
            proj_d_hom[j] = 1
            proj_hom_d[j] = pr.delay_steps
        else:
            delays[o_d:o_d + m] = pr.delays
            pr.delays = delays[o_d:o_d + m]
            proj_d_shift[j] = o_d - o_syn
            o_d += m
        if pr.plasticity is not None:
            rule = pr.plasticity
            proj_plastic[j] = 1
            stdp[j] = (rule.tau_pre, rule.tau_post, rule.a_plus, rule.a_minus, rule.w_min,
                       rule.w_max)
            in_plastic[pt].append(j)
            cp, cs, cpre = transpose_index(pr)
            proj_cp_off[j] = o_cp
            col_ptr[o_cp:o_cp + pr.n_post + 1] = cp + o_col
            col_syn[o_col:o_col + m] = cs + o_syn
            col_pre[o_col:o_col + m] = cpre
            pr.extra.update(col_ptr=col_ptr[o_cp:o_cp + pr.n_post + 1],
                            col_syn=col_syn[o_col:o_col + m], col_pre=col_pre[o_col:o_col + m])
            o_cp += pr.n_post + 1
            o_col += m
            proj_pre_off[j] = o_pre
            proj_post_off[j] = o_post
            o_pre += pr.n_pre
            o_post += pr.n_post
        o_syn += m
    pop_proj_ptr, pop_proj_ids = _lists_to_csr(out_lists)
    pop_in_ptr, pop_in_ids = _lists_to_csr(in_plastic)

    syn = np.zeros(n_slots)
    for p, pop in enumerate(pops):
        if isinstance(pop, Population):
            for k, pname in enumerate(pop.ports):
                if pname in pop.initial:
                    b = pop_slot_base[p] + k * pop.n
                    syn[b:b + pop.n] = pop.initial[pname]

    # ---------------------------------------------------------------- monitors
    spike_monitored = np.array([1 if n in net.spike_monitors else 0 for n in names], np.int64)
    rec_source, rec_index, columns = [], [], []
    rec_every = 0
    for mon in net.state_monitors:
        p = names.index(mon.population)
        pop = pops[p]
        rec_every = mon.record_every
        for var in mon.variables:
            for li in mon.indices:
                if var == "v":
                    rec_source.append(REC_V)
                    rec_index.append(starts[p] + li)
                elif var in pop.model.state_variables:
                    rec_source.append(REC_U)
                    rec_index.append(starts[p] + li)
                else:
                    k = port_names[pop.name].index(var)
                    if pop.ports[var].kind == PORT_DELTA:
                        raise ParameterError(f"port {var!r} is a DeltaSynapse: it has no state to record")
                    rec_source.append(REC_SYN)
                    rec_index.append(pop_slot_base[p] + k * pop.n + li)
                columns.append((mon.population, var, int(li)))

    pop_info = np.zeros((P, K.N_POP_COLS), np.int64)
    pop_info[:, K.P_START] = starts[:-1]
    pop_info[:, K.P_END] = starts[1:]
    for col, arr in ((K.P_KIND, pop_kind), (K.P_STEP, pop_step), (K.P_COL, pop_col),
                     (K.P_STRIDE, pop_stride),
                     (K.P_PORT_START, pop_port_start), (K.P_N_PORTS, pop_n_ports),
                     (K.P_SLOT_BASE, pop_slot_base), (K.P_TIMED_OFF, pop_timed_off),
                     (K.P_TIMED_ROWS, pop_timed_rows), (K.P_TIMED_COLS, pop_timed_cols),
                     (K.P_TIMED_EVERY, pop_timed_every), (K.P_SPK_LO, pop_spk_lo),
                     (K.P_SPK_HI, pop_spk_hi), (K.P_MONITORED, spike_monitored)):
        pop_info[:, col] = arr
    for p, pop in enumerate(pops):  # populations the fused loop can update
        if isinstance(pop, Population):
            kinds = [port.kind for port in pop.ports.values()]
            pop_info[p, K.P_FAST] = int(
                STEPS[pop_step[p]].fusable and pop_stride[p] == 0 and pop_timed_off[p] < 0
                and 1 <= len(kinds) <= 2 and all(k == PORT_CURRENT for k in kinds))
    # direct delivery (no ring) for static projections with one short delay onto a
    # current or conductance port; every other projection marks its port as ring-fed
    port_kind_arr = np.array(port_kind, np.int64)
    port_ring = np.zeros(len(port_kind), np.int64)
    proj_direct = np.zeros(J, np.int64)
    for j, pr in enumerate(prs):
        pt = names.index(pr.target)
        gport = pop_port_start[pt] + port_names[pr.target].index(pr.port)
        if (pr.plasticity is None and pr.delays is None and pr.delay_steps <= K.MAX_DIRECT_DELAY
                and port_kind_arr[gport] != PORT_DELTA):
            proj_direct[j] = 1
        else:
            port_ring[gport] = 1
    hist_rows = int(max([proj_hom_d[j] for j in range(J) if proj_direct[j]], default=0)) + 1
    direct_ids = np.flatnonzero(proj_direct).astype(np.int64)
    hist = np.zeros((hist_rows, n_total if direct_ids.size else 0), np.int64)
    proj_info = np.zeros((J, K.N_PROJ_COLS), np.int64)
    for col, arr in ((K.J_SRC, proj_src), (K.J_SLOT_BASE, proj_slot_base),
                     (K.J_HOM_D, proj_hom_d), (K.J_W_HOM, proj_w_hom), (K.J_D_HOM, proj_d_hom),
                     (K.J_IP_OFF, proj_ip_off), (K.J_W_SHIFT, proj_w_shift),
                     (K.J_D_SHIFT, proj_d_shift), (K.J_PLASTIC, proj_plastic),
                     (K.J_CP_OFF, proj_cp_off), (K.J_PRE_OFF, proj_pre_off),
                     (K.J_POST_OFF, proj_post_off), (K.J_DIRECT, proj_direct)):
        proj_info[:, col] = arr
    ring_delays = [prs[j].max_delay_steps for j in range(J) if not proj_direct[j]]
    ring_rows = 1 << int(np.ceil(np.log2(max(ring_delays, default=0) + 1)))
    ring = np.zeros((ring_rows, n_slots if ring_delays else 0))
    timed = _concat(timed_parts, np.float64)
    neurons = K.NeuronArrays(
        pop_info=pop_info, params=params, coupling=coupling_table, i_ext=i_ext_table,
        port_kind=port_kind_arr,
        port_decay=np.array(port_decay, np.float64), port_erev=np.array(port_erev, np.float64),
        port_ring=port_ring, timed=timed, v=v, u=u, refr=np.zeros(n_total, np.int32), syn=syn, ring=ring,
        dt=float(dt))
    inputs = K.InputArrays(
        pop_info=pop_info, prob=prob_table, timed=timed,
        spike_steps=_concat(spike_steps_parts, np.int64),
        spike_index=_concat(spike_index_parts, np.int32), spike_ptr=pop_spk_lo.copy())
    synapses = K.SynapseArrays(
        pop_info=pop_info, pop_proj_ptr=pop_proj_ptr, pop_proj_ids=pop_proj_ids,
        proj_info=proj_info, proj_hom_w=proj_hom_w, indptr=indptr, indices=indices,
        weights=weights, delays=delays, ring=ring, syn=syn, direct_ids=direct_ids, hist=hist,
        hist_ptr=np.zeros((hist_rows, P + 1), np.int64))
    plastic = K.PlasticArrays(
        pop_info=pop_info, pop_proj_ptr=pop_proj_ptr, pop_proj_ids=pop_proj_ids,
        proj_info=proj_info, indptr=indptr, indices=indices, weights=weights, delays=delays,
        ring=ring, stdp=stdp, pop_in_plastic_ptr=pop_in_ptr, pop_in_plastic_ids=pop_in_ids,
        col_ptr=col_ptr, col_syn=col_syn, col_pre=col_pre, x_pre=x_pre, last_pre=last_pre,
        x_post=x_post, last_post=last_post, dt=float(dt))
    arrays = K.NetArrays(
        neurons=neurons, inputs=inputs, synapses=synapses, plastic=plastic,
        pop_info=pop_info, has_plastic=bool(proj_plastic.any()),
        rec_source=np.array(rec_source, np.int64), rec_index=np.array(rec_index, np.int64),
        rec_every=int(rec_every))
    compiled = CompiledNetwork(arrays=arrays, projections=projections, names=names,
                               starts=starts, proj_names=proj_names, monitor_columns=columns,
                               port_names=port_names, build_seconds=time.perf_counter() - t0)
    return compiled


def build_projection(net: NetworkSpec, spec: ProjectionSpec, max_delay_steps: int) -> Projection:
    """Draw the synapses of ``spec`` and convert weights and delays to storage types."""
    src = net.populations[spec.source]
    tgt = net.populations[spec.target]
    rng = np.random.default_rng(spec.seed)
    same = spec.source == spec.target
    indptr, indices, order = spec.rule.build(src.n, tgt.n, same, rng)
    n_syn = int(indices.shape[0])
    port = tgt.ports[spec.port]
    where = f"connect({spec.source!r}, {spec.target!r}, {spec.port!r})"

    weight = spec.weight
    if isinstance(spec.rule, FromArrays) and spec.rule.weight is not None:
        weight = spec.rule.weight
    elif isinstance(spec.rule, FromSparse) and spec.weight is None:
        weight = spec.rule.weights()
    weight = check_weights(_per_synapse(weight, n_syn, order, rng, f"{where}: weight"),
                           f"{where}: weight")
    if port.kind == PORT_CONDUCTANCE and np.any(np.asarray(weight) < 0):
        raise ParameterError(f"{where}: conductance weights (S) must be >= 0")
    stdp = spec.plasticity
    if stdp is not None:
        w = np.asarray(weight)
        outside = (w < stdp.w_min) | (w > stdp.w_max)
        if np.any(outside):
            raise ParameterError(
                f"{where}: initial weights must lie in STDP's [w_min, w_max] = "
                f"[{stdp.w_min:g}, {stdp.w_max:g}]; {int(np.count_nonzero(outside))} do not "
                f"(the first: {float(w[outside].ravel()[0]):g})")

    delay = spec.delay
    if isinstance(spec.rule, FromArrays) and spec.rule.delay is not None:
        delay = spec.rule.delay
    if delay is None:
        delay = net.dt
    delay = _per_synapse(delay, n_syn, order, rng, f"{where}: delay")
    steps = np.asarray(time_steps(delay, net.dt, f"{where}: delay", net.rounding))
    if np.any(steps > max_delay_steps):
        raise ParameterError(f"{where}: delay must be at most {max_delay_steps} steps "
                             f"({max_delay_steps * net.dt:g} s)")

    plastic = spec.plasticity is not None
    if np.ndim(weight) == 0 and not plastic:
        weights, hom_w = None, float(np.float32(weight))
    else:
        weights = np.ascontiguousarray(np.broadcast_to(np.asarray(weight, np.float32), (n_syn,)))
        hom_w = None
    if np.ndim(steps) == 0:
        delays, hom_d = None, int(steps)
    elif n_syn and np.all(steps == steps[0]):
        delays, hom_d = None, int(steps[0])
    else:
        delays, hom_d = steps.astype(np.uint16), None
    if delays is None and hom_d is None:
        hom_d = 1
    return Projection(name=spec.name, source=spec.source, target=spec.target, port=spec.port,
                      n_pre=src.n, n_post=tgt.n, indptr=np.ascontiguousarray(indptr, np.int64),
                      indices=np.ascontiguousarray(indices, np.int32), weights=weights,
                      weight=hom_w, delays=delays, delay_steps=hom_d, plasticity=spec.plasticity)


def _per_synapse(value, n_syn: int, order, rng, what: str):
    """A scalar, or a float64 array of ``n_syn`` values in CSR order."""
    if callable(value):
        value = np.asarray(value(rng, n_syn), dtype=np.float64)
        if value.shape != (n_syn,):
            raise ParameterError(f"{what}: the callable must return {n_syn} values, got shape {value.shape}")
        order = None  # drawn in CSR order already
    arr = np.asarray(as_finite(value, what))
    if arr.ndim == 0:
        return float(arr)
    if arr.shape != (n_syn,):
        raise ParameterError(f"{what} has {arr.size} values for {n_syn} synapses")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{what} must be finite")
    return arr[order] if order is not None else arr


def transpose_index(pr: Projection):
    """Column pointers, synapse ids and presynaptic indices of a projection (CSC view)."""
    pre = pr.pre_indices()
    order = np.argsort(pr.indices, kind="stable")
    col_ptr = np.zeros(pr.n_post + 1, np.int64)
    np.cumsum(np.bincount(pr.indices, minlength=pr.n_post), out=col_ptr[1:])
    return col_ptr, order.astype(np.int64), pre[order].astype(np.int32)


def _concat(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)


def _lists_to_csr(lists):
    ptr = np.zeros(len(lists) + 1, np.int64)
    ptr[1:] = np.cumsum([len(x) for x in lists])
    ids = np.array([j for x in lists for j in x], np.int64)
    return ptr, ids
