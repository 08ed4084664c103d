"""The interpreted first tier: the single-thread kernel, step for step in NumPy.

On the very first run after installing, the Numba kernel must be compiled (several seconds),
which for a small network takes longer than simulating it. For networks without STDP whose
neuron populations need no exponential per step (LIF and IF without conductance ports,
whose propagators are precomputed; Izhikevich; MaxPlusLIF; DiscreteLIF: see
:func:`supports`), with any ports of those, per-neuron parameters, injected and timed
currents, Poisson and spike-time inputs, this module runs the same steps as the kernel
with vectorised NumPy on the same :class:`~neurosparse.core.kernels.NetArrays`, so a first
result needs no compilation at all. The runner picks it only while the kernel is not yet
in Numba's on-disk cache (see :mod:`neurosparse.core.tiers`).

It does exactly the kernel's arithmetic in the kernel's order, so the results and the
state left in the arrays are identical bit for bit (``tests/core/test_interpreter.py``):

* element-wise float64 operations with the same association as the kernel's passes
  (``_lif_fused``, ``_update_general``, ``_maxplus_pass``, ``_discrete_lif_pass``);
* every synaptic addition through ``np.add.at``, which adds unbuffered and in order, in the
  kernel's order for each target: spikes in index order, synapses in row order;
* Poisson groups draw from the run's generator call for call as the kernel does (NumPy's
  and Numba's ``Generator.geometric`` and ``random`` are the same algorithms on the same
  bit generator).

Two things make it fast enough (about 40 us per step at 4,000 neurons):

* adjacent fused-LIF populations with identical parameters are updated as one vector, with
  their port variables held in a private layout (port-major over the merged group) during
  the run and written back at its end;
* the projections of one delivery kind (direct, ring) whose targets do not overlap are
  merged into one global row table, so a step delivers all its spikes with one gather and
  one ``np.add.at``. Projections onto the same port keep their own table, in the kernel's
  order, because there the order of additions between projections matters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurosparse.core import kernels as K
from neurosparse.core.models import (
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
from neurosparse.core.synapses import PORT_CONDUCTANCE, PORT_CURRENT, PORT_DELTA

_NONE = np.zeros(0, np.int64)
_PROGRESS_EVERY = 500


def supports(arrays: K.NetArrays) -> bool:
    """Whether the interpreter can run this network: no STDP, and every neuron population
    one whose update needs no exponential (see :func:`population_supported`)."""
    if arrays.has_plastic:
        return False
    info = arrays.pop_info
    return all(population_supported(arrays.neurons, p) for p in range(info.shape[0])
               if info[p, K.P_KIND] == K.KIND_NEURONS)


def population_supported(a: K.NeuronArrays, p: int) -> bool:
    """The populations interpreted exactly: LIF and IF without conductance ports (their
    propagators are precomputed constants), Izhikevich (forward Euler), MaxPlusLIF and
    DiscreteLIF. AdaptiveLIF and conductance-based LIF/IF call ``exp`` every step, and
    NumPy's vectorised ``exp`` may round differently from the one the kernel calls."""
    model = int(a.pop_info[p, K.P_MODEL])
    if model in (MODEL_LIF, MODEL_IF):
        return a.pop_info[p, K.P_EXACT] == 1
    return model in (MODEL_IZHIKEVICH, MODEL_MAXPLUS, MODEL_DISCRETE_LIF)


@dataclass
class _Poisson:
    """A Poisson group, sampled as ``_emit_poisson`` samples it, from the same generator."""

    start: int
    n: int
    prob: np.ndarray  # per source (or one value): spike probability per step
    homogeneous: bool  # one probability for all, drawn by geometric skipping
    timed_off: int  # the rate table (-1: none), rows of ``timed_cols`` every ``timed_every`` steps
    timed_rows: int
    timed_cols: int
    timed_every: int

    def emit(self, t: int, rng: np.random.Generator, timed: np.ndarray) -> np.ndarray:
        prob = self.prob
        if self.timed_off >= 0:
            row = min(t // self.timed_every, self.timed_rows - 1)
            off = self.timed_off + row * self.timed_cols
            prob = prob * (timed[off: off + self.n] if self.timed_cols > 1 else timed[off])
        if self.homogeneous:
            p = float(prob[0])
            if p <= 0.0:
                return _NONE
            if p >= 1.0:
                return np.arange(self.start, self.start + self.n, dtype=np.int64)
            out = []
            j = -1
            while True:  # one draw per call: the kernel's stream, draw for draw
                j += int(rng.geometric(p))
                if j >= self.n:
                    break
                out.append(j)
            return np.array(out, np.int64) + self.start if out else _NONE
        live = np.flatnonzero(prob > 0.0)  # the kernel draws only for these, in order
        return live[rng.random(live.size) < prob[live]] + self.start

    def draw_calls_per_step(self, timed: np.ndarray) -> float:
        """Generator calls per step at the highest rate (the cost of interpreting it)."""
        if not self.homogeneous:
            return 1.0
        scale = 1.0
        if self.timed_off >= 0:
            scale = float(timed[self.timed_off: self.timed_off + self.timed_rows * self.timed_cols].max(
                initial=0.0))
        return 1.0 + self.n * float(self.prob[0]) * scale


def _poisson(inp: K.InputArrays, p: int) -> _Poisson:
    info = inp.pop_info
    start = int(info[p, K.P_START])
    n = int(info[p, K.P_END]) - start
    col, stride = int(info[p, K.P_COL]), int(info[p, K.P_STRIDE])
    timed_off = int(info[p, K.P_TIMED_OFF])
    timed_cols = int(info[p, K.P_TIMED_COLS]) if timed_off >= 0 else 1
    homogeneous = stride == 0 and timed_cols == 1
    prob = inp.params[ROW_V_TH, col + np.arange(1 if homogeneous else n) * stride]
    if not homogeneous and prob.size != n:
        prob = np.broadcast_to(prob, (n,))
    return _Poisson(start, n, np.ascontiguousarray(prob, np.float64), homogeneous, timed_off,
                    int(info[p, K.P_TIMED_ROWS]), timed_cols, int(info[p, K.P_TIMED_EVERY]))


def draw_calls_per_step(a: K.NetArrays) -> float:
    """Random-generator calls per step the interpreter makes for the Poisson groups."""
    return sum(_poisson(a.inputs, p).draw_calls_per_step(a.inputs.timed)
               for p in range(a.pop_info.shape[0]) if a.pop_info[p, K.P_KIND] == K.KIND_POISSON)


@dataclass
class _Group:
    """Adjacent fused-LIF populations with identical parameters, updated as one vector."""

    g0: int  # first global neuron index
    n: int
    priv: int  # offset of its port 0 in the private port array (port k at priv + k * n)
    two: bool
    ring_on: tuple[bool, bool]
    v_inf: float
    decay_m: float
    r_m: float
    v_th: float
    coef: tuple[float, float]
    decay: tuple[float, float]
    v_reset: float
    ref_steps: int


@dataclass
class _Plan:
    """One global row table: neuron ``g``'s synapses are ``ptr[g]:ptr[g + 1]``, each with
    a private target slot, a weight and (ring delivery) a delay."""

    ptr: np.ndarray  # int64 [N + 1]
    slot: np.ndarray  # int64
    weight: np.ndarray  # float64
    delay: np.ndarray | None  # int64 (ring plans only)
    hist_delay: int = 0  # direct plans: deliver the spikes of step t - hist_delay


@dataclass
class _Port:
    kind: int
    decay: float
    ring_on: bool
    coef: float | np.ndarray  # exact current coupling (1.0 where the kernel uses none)
    erev: float


@dataclass
class _General:
    """A population off the fused path, updated with ``_update_general``'s arithmetic:
    per neuron parameters, timed currents, any of its ports."""

    p: int
    g0: int
    n: int
    model: int
    exact: bool
    whole: bool  # homogeneous, no timed current: the kernel's ``_lif_exact_pass`` branch
    ports: list[_Port]
    par: dict[int, float | np.ndarray]  # parameter row -> value (array if heterogeneous)
    i_ext: float | np.ndarray
    timed: tuple[int, int, int, int]  # offset (-1: none), rows, columns, steps per row
    dt: float
    priv: int = 0

    @classmethod
    def of(cls, a: K.NeuronArrays, p: int) -> _General:
        info = a.pop_info
        g0 = int(info[p, K.P_START])
        n = int(info[p, K.P_END]) - g0
        col, stride = int(info[p, K.P_COL]), int(info[p, K.P_STRIDE])
        cols = col + np.arange(n) * stride
        model = int(info[p, K.P_MODEL])
        exact = bool(info[p, K.P_EXACT] == 1)

        def row(r):
            return float(a.params[r, col]) if stride == 0 else a.params[r, cols].copy()

        ports = []
        ps = int(info[p, K.P_PORT_START])
        for k in range(int(info[p, K.P_N_PORTS])):
            kind = int(a.port_kind[ps + k])
            coef = row(ROW_PORT0 + k) if kind == PORT_CURRENT and exact else 1.0
            ports.append(_Port(kind, float(a.port_decay[ps + k]), bool(a.port_ring[ps + k] == 1),
                               coef, float(a.port_erev[ps + k])))
        timed_off = int(info[p, K.P_TIMED_OFF])
        return cls(p, g0, n, model, exact, stride == 0 and timed_off < 0, ports,
                   {r: row(r) for r in range(ROW_A, ROW_A + 7)} | {
                       r: row(r) for r in (ROW_V_TH, ROW_V_RESET, ROW_REF_STEPS)},
                   row(ROW_I_EXT), (timed_off, int(info[p, K.P_TIMED_ROWS]),
                                    int(info[p, K.P_TIMED_COLS]), int(info[p, K.P_TIMED_EVERY])),
                   float(a.dt))

    def _i_ext(self, t: int, timed: np.ndarray):
        """The injected current this step (constant plus the timed table's row)."""
        off, rows, cols, every = self.timed
        if off < 0:
            return self.i_ext
        start = off + min(t // every, rows - 1) * cols
        return self.i_ext + (timed[start: start + self.n] if cols > 1 else timed[start])

    def _step_input(self, i_ext, syn_ring: list[np.ndarray]):
        """``_step_input``: injected current plus this step's delta-port input, port order."""
        x = i_ext
        for k, port in enumerate(self.ports):
            if port.ring_on:
                x = x + syn_ring[k]
                syn_ring[k][:] = 0.0
        return x if isinstance(x, np.ndarray) else np.full(self.n, x)

    def update(self, t: int, v, u, refr, syn, ring_row, timed) -> np.ndarray:
        n, P = self.n, self.par
        vs, us, rs = v[self.g0: self.g0 + n], u[self.g0: self.g0 + n], refr[self.g0: self.g0 + n]
        ring_k = [ring_row[self.priv + k * n: self.priv + (k + 1) * n] for k in range(len(self.ports))]
        if self.model == MODEL_DISCRETE_LIF:  # no refractoriness and a delayed reset
            x = self._step_input(self._i_ext(t, timed), ring_k)
            beta, v_th, mode = P[ROW_A], P[ROW_V_TH], np.broadcast_to(P[ROW_A + 1], (n,))
            vg = np.where(mode == 0.0, beta * vs + x - us * v_th,
                          np.where(mode == 1.0, beta * ((1.0 - us) * vs) + x, beta * vs + x))
            vs[:] = vg
            fired = vg > v_th
            us[:] = np.where(fired, 1.0, 0.0)
            return np.flatnonzero(fired) + self.g0
        np.subtract(rs, 1, out=rs)
        np.maximum(rs, 0, out=rs)
        active = rs == 0
        if self.model == MODEL_MAXPLUS:
            x = self._step_input(self._i_ext(t, timed), ring_k)
            vl = vs - P[ROW_A]
            vg = np.where(x > vl, x, vl)  # Numba's max(a, b): b only if b > a
            np.copyto(vs, vg, where=active)
            return self._reset(np.flatnonzero(active & (vg > P[ROW_V_TH])), vs, us, rs)
        drive = np.zeros(n)
        gsum = np.zeros(n)
        gesum = np.zeros(n)
        for k, port in enumerate(self.ports):  # pass 1, in port order
            if port.kind == PORT_DELTA:
                continue
            x = syn[self.priv + k * n: self.priv + (k + 1) * n]
            if port.kind == PORT_CONDUCTANCE:
                gsum += x
                gesum += x * port.erev
            else:
                drive += x * port.coef
            x *= port.decay
            if port.ring_on:
                x += ring_k[k]
                ring_k[k][:] = 0.0
        i_ext = self._i_ext(t, timed)
        if self.model == MODEL_LIF:  # exact: a precomputed propagator
            r_m = P[ROW_A + 2]
            v_inf = P[ROW_A] + r_m * i_ext
            vg = v_inf + (vs - v_inf) * P[ROW_A + 1] + r_m * drive
            spiked = vg > P[ROW_V_TH]
        elif self.model == MODEL_IF:
            vg = vs + (i_ext * self.dt + drive) * P[ROW_A + 2]
            spiked = vg > P[ROW_V_TH]
        else:  # Izhikevich, forward Euler
            v_r = P[ROW_A]
            i_syn = drive + gesum - gsum * vs
            dv = P[ROW_A + 3] * (vs - v_r) * (vs - P[ROW_A + 1]) - us + i_syn + i_ext
            np.copyto(us, us + self.dt * P[ROW_A + 4] * (P[ROW_A + 5] * (vs - v_r) - us), where=active)
            vg = vs + self.dt * dv * P[ROW_A + 2]
            spiked = vg >= P[ROW_V_TH]
        np.copyto(vs, vg, where=active)
        out = np.flatnonzero(active & spiked)
        for k, port in enumerate(self.ports):  # pass 3: delta input, ignored while refractory
            if port.kind == PORT_DELTA and port.ring_on:
                vs[active] += ring_k[k][active]
                ring_k[k][:] = 0.0
        return self._reset(out, vs, us, rs)

    def _reset(self, out: np.ndarray, vs, us, rs) -> np.ndarray:
        if out.size:
            P = self.par
            vs[out] = _at(P[ROW_V_RESET], out)
            rs[out] = np.asarray(_at(P[ROW_REF_STEPS], out)).astype(np.int32)
            if self.model == MODEL_IZHIKEVICH:
                us[out] += _at(P[ROW_A + 6], out)
        return out + self.g0


def _at(value, idx):
    return value[idx] if isinstance(value, np.ndarray) else value


def _fused_key(a: K.NeuronArrays, p: int) -> tuple:
    P = a.params
    col = a.pop_info[p, K.P_COL]
    ps = a.pop_info[p, K.P_PORT_START]
    nports = int(a.pop_info[p, K.P_N_PORTS])
    last = ps + nports - 1
    r_m = float(P[ROW_A + 2, col])
    return (nports == 2, (bool(a.port_ring[ps] == 1), bool(a.port_ring[last] == 1)),
            float(P[ROW_A, col] + r_m * P[ROW_I_EXT, col]), float(P[ROW_A + 1, col]), r_m,
            float(P[ROW_V_TH, col]), (float(P[ROW_PORT0, col]), float(P[ROW_PORT0 + nports - 1, col])),
            (float(a.port_decay[ps]), float(a.port_decay[last])), float(P[ROW_V_RESET, col]),
            int(np.int32(P[ROW_REF_STEPS, col])))


def _groups(a: K.NeuronArrays) -> tuple[list, np.ndarray, int]:
    """The update units in population order (a merged fused-LIF group, a general
    population, or the index of an input group), the map from kernel slot to private slot
    (-1: none) and the private size."""
    pop_info = a.pop_info
    units: list[_Group | int] = []
    groups: list[_Group] = []
    members: list[list[int]] = []
    prev_key = None
    general: list[_General] = []
    for p in range(pop_info.shape[0]):
        if pop_info[p, K.P_KIND] != K.KIND_NEURONS:
            units.append(p)
            prev_key = None
            continue
        if pop_info[p, K.P_FAST] != 1:
            general.append(_General.of(a, p))
            units.append(general[-1])
            prev_key = None
            continue
        key = _fused_key(a, p)
        if key == prev_key:
            members[-1].append(p)
            groups[-1].n += int(pop_info[p, K.P_END] - pop_info[p, K.P_START])
            continue
        two, ring_on, v_inf, decay_m, r_m, v_th, coef, decay, v_reset, ref_steps = key
        groups.append(_Group(int(pop_info[p, K.P_START]),
                             int(pop_info[p, K.P_END] - pop_info[p, K.P_START]), 0, two, ring_on,
                             v_inf, decay_m, r_m, v_th, coef, decay, v_reset, ref_steps))
        units.append(groups[-1])
        members.append([p])
        prev_key = key
    slot_map = np.full(a.syn.shape[0], -1, np.int64)
    off = 0
    for grp, pops in zip(groups, members):
        grp.priv = off
        for p in pops:
            start = int(pop_info[p, K.P_START])
            n_p = int(pop_info[p, K.P_END]) - start
            base = int(pop_info[p, K.P_SLOT_BASE])
            for k in range(int(pop_info[p, K.P_N_PORTS])):
                slot_map[base + k * n_p: base + (k + 1) * n_p] = (
                    off + k * grp.n + (start - grp.g0) + np.arange(n_p))
        off += grp.n * (2 if grp.two else 1)
    for unit in general:  # the kernel's own layout: port-major over the population
        base = int(pop_info[unit.p, K.P_SLOT_BASE])
        size = unit.n * len(unit.ports)
        slot_map[base: base + size] = off + np.arange(size)
        unit.priv = off
        off += size
    return units, slot_map, off


def _plans(sy: K.SynapseArrays, slot_map: np.ndarray, n_total: int, direct: bool) -> list[_Plan]:
    """Row tables of the static projections delivered directly (``direct``) or through the
    ring, in the kernel's order; a new table starts where a projection's target slots
    overlap those of one already in the current table."""
    info = sy.proj_info
    if direct:
        order = [int(j) for j in sy.direct_ids]
    else:  # the kernel walks source populations in order, then their out-projections
        order = [int(sy.pop_proj_ids[jj]) for p in range(sy.pop_info.shape[0])
                 for jj in range(sy.pop_proj_ptr[p], sy.pop_proj_ptr[p + 1])
                 if info[sy.pop_proj_ids[jj], K.J_DIRECT] == 0]
    batches: list[list[int]] = []
    used: list[set] = []
    for j in order:
        key = (int(info[j, K.J_HOM_D]) if direct else 0)
        targets = _target_range(sy, j)
        if not batches or batches[-1][0] != key or any(
                lo < targets[1] and targets[0] < hi for lo, hi in used[-1]):
            batches.append([key])
            used.append(set())
        batches[-1].append(j)
        used[-1].add(targets)
    return [_plan(sy, js, slot_map, n_total, key, direct) for key, *js in batches]


def _target_range(sy: K.SynapseArrays, j: int) -> tuple[int, int]:
    """Kernel slots ``[lo, hi)`` of projection ``j``'s target port."""
    base = int(sy.proj_info[j, K.J_SLOT_BASE])
    info = sy.pop_info
    for p in range(info.shape[0]):
        n_p = int(info[p, K.P_END] - info[p, K.P_START])
        lo = int(info[p, K.P_SLOT_BASE])
        if info[p, K.P_KIND] == K.KIND_NEURONS and lo <= base < lo + n_p * int(info[p, K.P_N_PORTS]):
            return base, base + n_p
    raise AssertionError(f"projection {j} has no target port")  # the layout guarantees one


def _plan(sy: K.SynapseArrays, js: list[int], slot_map: np.ndarray, n_total: int,
          hist_delay: int, direct: bool) -> _Plan:
    info = sy.proj_info
    deg = np.zeros(n_total, np.int64)
    src, slots, weights, delays = [], [], [], []
    for j in js:
        p = int(info[j, K.J_SRC])
        start = int(sy.pop_info[p, K.P_START])
        n_src = int(sy.pop_info[p, K.P_END]) - start
        ip = int(info[j, K.J_IP_OFF])
        row_len = np.diff(sy.indptr[ip: ip + n_src + 1])
        k = np.arange(sy.indptr[ip], sy.indptr[ip + n_src])
        slots.append(slot_map[int(info[j, K.J_SLOT_BASE]) + sy.indices[k].astype(np.int64)])
        if info[j, K.J_W_HOM] == 1:
            weights.append(np.full(k.size, sy.proj_hom_w[j]))
        else:  # float32 -> float64 is exact: the kernel adds the same numbers
            weights.append(sy.weights[k + info[j, K.J_W_SHIFT]].astype(np.float64))
        if info[j, K.J_D_HOM] == 1:
            delays.append(np.full(k.size, info[j, K.J_HOM_D], np.int64))
        else:
            delays.append(sy.delays[k + info[j, K.J_D_SHIFT]].astype(np.int64))
        deg[start: start + n_src] += row_len
        src.append(np.repeat(np.arange(start, start + n_src), row_len))
    ptr = np.zeros(n_total + 1, np.int64)
    np.cumsum(deg, out=ptr[1:])
    # rows by source neuron; within a row, the projections in order, each in row order
    order = np.argsort(np.concatenate(src), kind="stable")
    return _Plan(ptr=ptr, slot=np.concatenate(slots)[order], weight=np.concatenate(weights)[order],
                 delay=None if direct else np.concatenate(delays)[order], hist_delay=hist_delay)


def _gather(plan: _Plan, spikes: np.ndarray) -> np.ndarray:
    """Positions of the synapses of ``spikes`` in ``plan``, in spike then row order."""
    k0 = plan.ptr[spikes]
    lens = plan.ptr[spikes + 1] - k0
    total = int(lens.sum())
    if total == 0:
        return k0[:0]
    ends = np.cumsum(lens)
    return np.repeat(k0 - ends + lens, lens) + np.arange(total)


def run_steps(a: K.NetArrays, t0: int, t1: int, starts: np.ndarray, rng: np.random.Generator,
              on_progress=None):
    """Run steps ``t0..t1-1`` of a network :func:`supports` accepts, updating ``a`` in place.

    ``rng`` is the run's generator, drawn from exactly as the kernel draws from it.
    ``starts`` are the populations' first global indices (and the total); ``on_progress(k)``,
    if given, is called with the number of steps done since its last call.

    Returns
    -------
    spike_steps, spike_index : np.ndarray
        Every spike of every population and input group (int64), ordered by step, then
        global index, as the kernel emits them.
    rec : np.ndarray
        The sampled state, one row per sampled step (columns as ``a.rec_source``).
    """
    nr, sy, inp = a.neurons, a.synapses, a.inputs
    n_total = int(starts[-1])
    units, slot_map, n_priv = _groups(nr)
    units = [_poisson(inp, u) if isinstance(u, int) and inp.pop_info[u, K.P_KIND] == K.KIND_POISSON
             else u for u in units]
    syn = np.zeros(n_priv)
    has = slot_map >= 0
    syn[slot_map[has]] = nr.syn[has]
    D = nr.ring.shape[0]
    ring = np.zeros((D, n_priv))
    if nr.ring.shape[1]:
        ring[:, slot_map[has]] = nr.ring[:, has]
    ring_flat = ring.reshape(-1)
    direct_plans = _plans(sy, slot_map, n_total, True)
    ring_plans = _plans(sy, slot_map, n_total, False)
    H = sy.hist.shape[0]
    keep_hist = sy.direct_ids.shape[0] > 0
    inputs = _input_schedule(inp, t0, t1)
    rec_cols = _record_sources(a, slot_map)
    v, refr = nr.v, nr.refr
    parts_t: list[np.ndarray] = []
    parts_i: list[np.ndarray] = []
    rec_rows: list[np.ndarray] = []
    for t in range(t0, t1):
        if a.rec_every > 0 and t % a.rec_every == 0:
            rec_rows.append(_sample(v, nr.u, syn, rec_cols))
        ring_row = ring[t & (D - 1)]
        emitted = inputs.get(t, {})
        # in population order, each part ascending: the step's spikes come out sorted
        step = [_update_group(u, v, refr, syn, ring_row) if isinstance(u, _Group)
                else u.update(t, v, nr.u, refr, syn, ring_row, nr.timed) if isinstance(u, _General)
                else u.emit(t, rng, inp.timed) if isinstance(u, _Poisson)
                else emitted.get(u, _NONE) for u in units]
        spikes = step[0] if len(step) == 1 else np.concatenate(step) if step else _NONE
        if spikes.size:
            parts_t.append(np.full(spikes.size, t, np.int64))
            parts_i.append(spikes)
            for plan in ring_plans:
                k = _gather(plan, spikes)
                if k.size:
                    np.add.at(ring_flat, ((t + plan.delay[k]) & (D - 1)) * n_priv + plan.slot[k],
                              plan.weight[k])
        if keep_hist:
            h = t % H
            sy.hist[h, :spikes.size] = spikes
            sy.hist_ptr[h] = np.searchsorted(spikes, starts)
            for plan in direct_plans:
                if t - plan.hist_delay < 0:
                    continue
                hd = (t - plan.hist_delay) % H
                past = sy.hist[hd, :sy.hist_ptr[hd, -1]]
                if past.size:
                    k = _gather(plan, past)
                    if k.size:
                        np.add.at(syn, plan.slot[k], plan.weight[k])
        if on_progress is not None and (t - t0) % _PROGRESS_EVERY == _PROGRESS_EVERY - 1:
            on_progress(_PROGRESS_EVERY)
    nr.syn[has] = syn[slot_map[has]]
    if nr.ring.shape[1]:
        nr.ring[:, has] = ring[:, slot_map[has]]
    _advance_spike_pointers(inp, t1)
    spike_t = np.concatenate(parts_t) if parts_t else np.zeros(0, np.int64)
    spike_i = np.concatenate(parts_i) if parts_i else np.zeros(0, np.int64)
    rec = np.array(rec_rows) if rec_rows else np.zeros((0, len(a.rec_source)))
    if on_progress is not None:
        on_progress((t1 - t0) % _PROGRESS_EVERY)
    return spike_t, spike_i.astype(np.int64), rec


def count(a: K.NetArrays, starts: np.ndarray, t0: int, spike_t: np.ndarray, spike_i: np.ndarray,
          pop_spikes: np.ndarray, proj_events: np.ndarray) -> None:
    """Fill the kernel's counters from a run's spikes: spikes per step and population, and
    synaptic events per step and projection (each spike's out-degree, at its step)."""
    n_steps, P = pop_spikes.shape
    pop = np.searchsorted(starts, spike_i, side="right") - 1
    rel = spike_t - t0
    pop_spikes[:] = np.bincount(rel * P + pop, minlength=n_steps * P).reshape(n_steps, P)
    sy = a.synapses
    for j in range(sy.proj_info.shape[0]):
        p = int(sy.proj_info[j, K.J_SRC])
        start, end = int(starts[p]), int(starts[p + 1])
        ip = int(sy.proj_info[j, K.J_IP_OFF])
        degree = np.diff(sy.indptr[ip: ip + end - start + 1])
        sel = pop == p
        proj_events[:, j] = np.bincount(rel[sel], weights=degree[spike_i[sel] - start],
                                        minlength=n_steps).astype(np.int64)


def _update_group(grp: _Group, v: np.ndarray, refr: np.ndarray, syn: np.ndarray,
                  ring_row: np.ndarray) -> np.ndarray:
    """``_lif_fused`` and the reset over a merged group; returns its spikes (global)."""
    n = grp.n
    xa = syn[grp.priv: grp.priv + n]
    drive = xa * grp.coef[0]
    drive += 0.0
    xa *= grp.decay[0]
    if grp.ring_on[0]:
        ra = ring_row[grp.priv: grp.priv + n]
        xa += ra
        ra[:] = 0.0
    if grp.two:
        xb = syn[grp.priv + n: grp.priv + 2 * n]
        drive += xb * grp.coef[1]
        xb *= grp.decay[1]
        if grp.ring_on[1]:
            rb = ring_row[grp.priv + n: grp.priv + 2 * n]
            xb += rb
            rb[:] = 0.0
    vs = v[grp.g0: grp.g0 + n]
    rs = refr[grp.g0: grp.g0 + n]
    np.subtract(rs, 1, out=rs)
    np.maximum(rs, 0, out=rs)
    v_new = vs - grp.v_inf
    v_new *= grp.decay_m
    v_new += grp.v_inf  # v_inf + (v - v_inf) * decay_m: addition commutes exactly
    drive *= grp.r_m
    v_new += drive
    active = rs == 0
    np.copyto(vs, v_new, where=active)
    spiked = np.flatnonzero(active & (v_new > grp.v_th))
    if spiked.size:
        vs[spiked] = grp.v_reset
        rs[spiked] = grp.ref_steps
    return spiked + grp.g0


def _input_schedule(inp: K.InputArrays, t0: int, t1: int) -> dict[int, dict[int, np.ndarray]]:
    """The spikes of each spike-time group ``p`` at each step ``t`` of ``t0..t1-1``:
    ``schedule[t][p]``, global indices in the stored (index) order."""
    out: dict[int, dict[int, np.ndarray]] = {}
    for p in range(inp.pop_info.shape[0]):
        if inp.pop_info[p, K.P_KIND] != K.KIND_SPIKE_TIMES:
            continue
        ptr, hi = int(inp.spike_ptr[p]), int(inp.pop_info[p, K.P_SPK_HI])
        steps = inp.spike_steps[ptr:hi]
        sel = (steps >= t0) & (steps < t1)
        index = inp.spike_index[ptr:hi][sel].astype(np.int64) + inp.pop_info[p, K.P_START]
        for t, chunk in zip(*_split_by_step(steps[sel], index)):
            out.setdefault(int(t), {})[p] = chunk
    return out


def _split_by_step(steps: np.ndarray, index: np.ndarray):
    if steps.size == 0:
        return [], []
    cut = np.flatnonzero(np.diff(steps)) + 1
    return steps[np.r_[0, cut]], np.split(index, cut)


def _advance_spike_pointers(inp: K.InputArrays, t1: int) -> None:
    """Each spike-time group's cursor where the kernel leaves it: past every step < t1."""
    for p in range(inp.pop_info.shape[0]):
        if inp.pop_info[p, K.P_KIND] != K.KIND_SPIKE_TIMES:
            continue
        ptr, hi = int(inp.spike_ptr[p]), int(inp.pop_info[p, K.P_SPK_HI])
        inp.spike_ptr[p] = ptr + int(np.searchsorted(inp.spike_steps[ptr:hi], t1, side="left"))


def _record_sources(a: K.NetArrays, slot_map: np.ndarray):
    src, idx = a.rec_source, a.rec_index
    return (np.flatnonzero(src == K.REC_V), idx[src == K.REC_V],
            np.flatnonzero(src == K.REC_U), idx[src == K.REC_U],
            np.flatnonzero(src == K.REC_SYN), slot_map[idx[src == K.REC_SYN]], src.shape[0])


def _sample(v, u, syn, cols) -> np.ndarray:
    cv, iv, cu, iu, cs, is_, n = cols
    row = np.empty(n)
    row[cv] = v[iv]
    row[cu] = u[iu]
    row[cs] = syn[is_]
    return row
