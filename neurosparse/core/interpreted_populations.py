"""The neuron populations and Poisson groups of the interpreted first tier.

Each is a *unit* with the arithmetic of its kernel pass, vectorised over its neurons (see
:mod:`neurosparse.core.interpreter` for the loop that steps them and delivers their spikes):

* :class:`FusedGroup`: adjacent homogeneous exact-LIF populations with one or two current
  ports and identical parameters, updated as one vector (``_lif_fused``);
* :class:`GeneralPopulation`: any other population whose step needs no exponential
  (``_update_general``, ``_maxplus_pass``, ``_discrete_lif_pass``);
* :class:`PoissonSource`: a Poisson group drawing from the run's generator as
  ``_emit_poisson`` does.

:func:`layout` lists a network's units in population order and maps the kernel's port slots
to the interpreter's private port array.
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

NONE = np.zeros(0, np.int64)


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
class TimedTable:
    """A population's timed table (currents, or Poisson rates) in the kernel's ``timed``
    array: ``rows`` rows of ``cols`` values (one, or one per neuron) from ``off``, each
    held for ``every`` steps, the last one after the end (the kernel's ``_timed_row``)."""

    off: int
    rows: int
    cols: int
    every: int
    n: int

    @classmethod
    def of(cls, pop_info: np.ndarray, p: int) -> TimedTable | None:
        """Population ``p``'s table, or None if it has none."""
        off = int(pop_info[p, K.P_TIMED_OFF])
        if off < 0:
            return None
        return cls(off, int(pop_info[p, K.P_TIMED_ROWS]), int(pop_info[p, K.P_TIMED_COLS]),
                   int(pop_info[p, K.P_TIMED_EVERY]), int(pop_info[p, K.P_END] - pop_info[p, K.P_START]))

    def row(self, t: int, timed: np.ndarray) -> np.ndarray | float:
        """The values at step ``t``: one per neuron, or one for all."""
        start = self.off + min(t // self.every, self.rows - 1) * self.cols
        return timed[start: start + self.n] if self.cols > 1 else timed[start]

    def values(self, timed: np.ndarray) -> np.ndarray:
        """Every value of the table."""
        return timed[self.off: self.off + self.rows * self.cols]


@dataclass
class FusedGroup:
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

    def update(self, t: int, v: np.ndarray, u: np.ndarray, refr: np.ndarray, syn: np.ndarray,
               ring_row: np.ndarray, timed: np.ndarray) -> np.ndarray:
        """``_lif_fused`` and the reset over the group; returns its spikes (global indices)."""
        n = self.n
        xa = syn[self.priv: self.priv + n]
        drive = xa * self.coef[0]
        drive += 0.0
        xa *= self.decay[0]
        if self.ring_on[0]:
            ra = ring_row[self.priv: self.priv + n]
            xa += ra
            ra[:] = 0.0
        if self.two:
            xb = syn[self.priv + n: self.priv + 2 * n]
            drive += xb * self.coef[1]
            xb *= self.decay[1]
            if self.ring_on[1]:
                rb = ring_row[self.priv + n: self.priv + 2 * n]
                xb += rb
                rb[:] = 0.0
        vs = v[self.g0: self.g0 + n]
        rs = refr[self.g0: self.g0 + n]
        np.subtract(rs, 1, out=rs)
        np.maximum(rs, 0, out=rs)
        v_new = vs - self.v_inf
        v_new *= self.decay_m
        v_new += self.v_inf  # v_inf + (v - v_inf) * decay_m: addition commutes exactly
        drive *= self.r_m
        v_new += drive
        active = rs == 0
        np.copyto(vs, v_new, where=active)
        spiked = np.flatnonzero(active & (v_new > self.v_th))
        if spiked.size:
            vs[spiked] = self.v_reset
            rs[spiked] = self.ref_steps
        return spiked + self.g0


@dataclass
class Port:
    """A synaptic port of a :class:`GeneralPopulation`, as the kernel's port pass reads it."""

    kind: int
    decay: float
    ring_on: bool
    coef: float | np.ndarray  # exact current coupling (1.0 where the kernel uses none)
    erev: float


@dataclass
class GeneralPopulation:
    """A population off the fused path, updated with ``_update_general``'s arithmetic:
    per neuron parameters, timed currents, any of its ports."""

    p: int
    g0: int
    n: int
    model: int
    ports: list[Port]
    par: dict[int, float | np.ndarray]  # parameter row -> value (array if heterogeneous)
    i_ext: float | np.ndarray
    table: TimedTable | None  # its timed current
    dt: float
    priv: int = 0

    @classmethod
    def of(cls, a: K.NeuronArrays, p: int) -> GeneralPopulation:
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
            ports.append(Port(kind, float(a.port_decay[ps + k]), bool(a.port_ring[ps + k] == 1),
                               coef, float(a.port_erev[ps + k])))
        return cls(p, g0, n, model, ports,
                   {r: row(r) for r in range(ROW_A, ROW_A + 7)} | {
                       r: row(r) for r in (ROW_V_TH, ROW_V_RESET, ROW_REF_STEPS)},
                   row(ROW_I_EXT), TimedTable.of(info, p), float(a.dt))

    def _i_ext(self, t: int, timed: np.ndarray):
        """The injected current this step (constant plus the timed table's row)."""
        if self.table is None:
            return self.i_ext
        return self.i_ext + self.table.row(t, timed)

    def _step_input(self, i_ext, syn_ring: list[np.ndarray]):
        """``_step_input``: injected current plus this step's delta-port input, port order."""
        x = i_ext
        for k, port in enumerate(self.ports):
            if port.ring_on:
                x = x + syn_ring[k]
                syn_ring[k][:] = 0.0
        return x if isinstance(x, np.ndarray) else np.full(self.n, x)

    def update(self, t: int, v: np.ndarray, u: np.ndarray, refr: np.ndarray, syn: np.ndarray,
               ring_row: np.ndarray, timed: np.ndarray) -> np.ndarray:
        """One step of the population (the kernel's passes, vectorised); returns its spikes
        (global indices). ``syn`` and ``ring_row`` are in the private port layout."""
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


def layout(a: K.NeuronArrays) -> tuple[list, np.ndarray, int]:
    """The update units in population order (a merged fused-LIF group, a general
    population, or the index of an input group), the map from kernel slot to private slot
    (-1: none) and the private size."""
    pop_info = a.pop_info
    units: list[FusedGroup | GeneralPopulation | int] = []
    groups: list[FusedGroup] = []
    members: list[list[int]] = []
    prev_key = None
    general: list[GeneralPopulation] = []
    for p in range(pop_info.shape[0]):
        if pop_info[p, K.P_KIND] != K.KIND_NEURONS:
            units.append(p)
            prev_key = None
            continue
        if pop_info[p, K.P_FAST] != 1:
            general.append(GeneralPopulation.of(a, p))
            units.append(general[-1])
            prev_key = None
            continue
        key = _fused_key(a, p)
        if key == prev_key:
            members[-1].append(p)
            groups[-1].n += int(pop_info[p, K.P_END] - pop_info[p, K.P_START])
            continue
        two, ring_on, v_inf, decay_m, r_m, v_th, coef, decay, v_reset, ref_steps = key
        groups.append(FusedGroup(int(pop_info[p, K.P_START]),
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


@dataclass
class PoissonSource:
    """A Poisson group, sampled as ``_emit_poisson`` samples it, from the same generator."""

    start: int
    n: int
    prob: np.ndarray  # per source (or one value): spike probability per step
    homogeneous: bool  # one probability for all, drawn by geometric skipping
    table: TimedTable | None  # its rate table, multiplying ``prob``

    def emit(self, t: int, rng: np.random.Generator, timed: np.ndarray) -> np.ndarray:
        prob = self.prob
        if self.table is not None:
            prob = prob * self.table.row(t, timed)
        if self.homogeneous:
            p = float(prob[0])
            if p <= 0.0:
                return NONE
            if p >= 1.0:
                return np.arange(self.start, self.start + self.n, dtype=np.int64)
            out = []
            j = -1
            while True:  # one draw per call: the kernel's stream, draw for draw
                j += int(rng.geometric(p))
                if j >= self.n:
                    break
                out.append(j)
            return np.array(out, np.int64) + self.start if out else NONE
        live = np.flatnonzero(prob > 0.0)  # the kernel draws only for these, in order
        return live[rng.random(live.size) < prob[live]] + self.start

    def draw_calls_per_step(self, timed: np.ndarray) -> float:
        """Generator calls per step at the highest rate (the cost of interpreting it)."""
        if not self.homogeneous:
            return 1.0
        scale = 1.0
        if self.table is not None:
            scale = float(self.table.values(timed).max(initial=0.0))
        return 1.0 + self.n * float(self.prob[0]) * scale


def poisson_source(inp: K.InputArrays, p: int) -> PoissonSource:
    """The Poisson group ``p`` of a network's inputs."""
    info = inp.pop_info
    start = int(info[p, K.P_START])
    n = int(info[p, K.P_END]) - start
    col, stride = int(info[p, K.P_COL]), int(info[p, K.P_STRIDE])
    table = TimedTable.of(info, p)
    homogeneous = stride == 0 and (table is None or table.cols == 1)
    prob = inp.params[ROW_V_TH, col + np.arange(1 if homogeneous else n) * stride]
    if not homogeneous and prob.size != n:
        prob = np.broadcast_to(prob, (n,))
    return PoissonSource(start, n, np.ascontiguousarray(prob, np.float64), homogeneous, table)
