"""The neuron populations and Poisson groups of the interpreted first tier.

Each is a *unit* with the arithmetic of its kernel pass, vectorised over its neurons (see
:mod:`neurosparse.core.interpreter` for the loop that steps them and delivers their spikes):

* :class:`FusedGroup`: adjacent homogeneous populations of a fusable step with one or two
  current ports and identical parameters, updated as one vector (the fused loop);
* :class:`GeneralPopulation`: any other population whose step is exact on arrays (the
  general passes of :mod:`neurosparse.core.engine.dynamics`);
* :class:`PoissonSource`: a Poisson group drawing from the run's generator as
  ``_emit_poisson`` does.

:func:`layout` lists a network's units in population order and maps the kernel's port slots
to the interpreter's private port array.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurosparse.core.engine import arrays as K
from neurosparse.core.models import STEPS, ModelStep
from neurosparse.core.models.elementwise import constants_at
from neurosparse.core.synapses import PORT_CONDUCTANCE, PORT_DELTA

NONE = np.zeros(0, np.int64)


def population_supported(a: K.NeuronArrays, p: int) -> bool:
    """Whether population ``p``'s step gives the kernel's bits on arrays: every step but
    those that call ``exp`` every step (AdaptiveLIF, conductance-based LIF and IF), since
    NumPy's vectorised ``exp`` may round differently from the one the kernel calls."""
    return STEPS[int(a.pop_info[p, K.P_STEP])].exact_on_arrays


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
    """Adjacent fused populations with identical parameters, updated as one vector."""

    g0: int  # first global neuron index
    n: int
    priv: int  # offset of its port 0 in the private port array (port k at priv + k * n)
    two: bool
    ring_on: tuple[bool, bool]
    step: ModelStep
    constants: tuple
    i_ext: float
    coef: tuple[float, float]
    decay: tuple[float, float]

    def update(self, t: int, v: np.ndarray, u: np.ndarray, refr: np.ndarray, syn: np.ndarray,
               ring_row: np.ndarray, timed: np.ndarray) -> np.ndarray:
        """The kernel's fused loop and the reset over the group; returns its spikes
        (global indices)."""
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
        sl = slice(self.g0, self.g0 + n)
        return step_neurons(self.step, self.constants, None, v[sl], u[sl], refr[sl], drive, 0.0,
                            0.0, self.i_ext) + self.g0


def step_neurons(step: ModelStep, c, c_at, vs, us, rs, i_syn, g, g_e, x, ring_k=None) -> np.ndarray:
    """The kernel's passes 2-4 over arrays (views into the state, updated in place): the
    refractory count, the model's step and threshold, delta-port input (``ring_k``) and the
    reset. ``c`` are the constants (``c_at(idx)`` those of some neurons, for per-neuron
    constants; None when they are shared). Returns the local indices that spiked."""
    np.subtract(rs, 1, out=rs)
    np.maximum(rs, 0, out=rs)
    active = rs == 0
    with np.errstate(all="ignore"):  # refractory neurons are stepped too, and dropped
        v_new, u_new = step.integrate(vs, us, i_syn, g, g_e, x, c)
        fired = step.threshold(v_new, c)
    if step.uses_u:
        np.copyto(us, u_new, where=True if step.adapts_while_refractory else active)
    np.copyto(vs, v_new, where=active)
    out = np.flatnonzero(active & fired)
    for ring in ring_k or ():
        vs[active] += ring[active]
        ring[:] = 0.0
    if out.size:
        cs = c if c_at is None else c_at(out)
        v_reset, u_reset = step.reset(vs[out], us[out], cs)
        vs[out] = v_reset
        if step.uses_u:
            us[out] = u_reset
        rs[out] = np.asarray(cs.ref_steps).astype(np.int32)
    return out


@dataclass
class Port:
    """A synaptic port of a :class:`GeneralPopulation`, as the kernel's port pass reads it."""

    kind: int
    decay: float
    ring_on: bool
    coef: float | np.ndarray  # its coupling into i_syn
    erev: float


@dataclass
class GeneralPopulation:
    """A population off the fused path, updated with the general passes' arithmetic:
    per neuron parameters, timed currents, any of its ports."""

    p: int
    g0: int
    n: int
    step: ModelStep
    ports: list[Port]
    constants: tuple  # floats, or arrays with one value per neuron
    cols: np.ndarray | None  # its parameter columns when per neuron
    params: np.ndarray
    i_ext: float | np.ndarray
    table: TimedTable | None  # its timed current
    priv: int = 0

    @classmethod
    def of(cls, a: K.NeuronArrays, p: int) -> GeneralPopulation:
        info = a.pop_info
        g0 = int(info[p, K.P_START])
        n = int(info[p, K.P_END]) - g0
        col, stride = int(info[p, K.P_COL]), int(info[p, K.P_STRIDE])
        cols = col + np.arange(n) if stride else None
        step = STEPS[int(info[p, K.P_STEP])]
        ports = []
        ps = int(info[p, K.P_PORT_START])
        for k in range(int(info[p, K.P_N_PORTS])):
            coef = a.coupling[k, cols] if stride else float(a.coupling[k, col])
            ports.append(Port(int(a.port_kind[ps + k]), float(a.port_decay[ps + k]),
                              bool(a.port_ring[ps + k] == 1), coef, float(a.port_erev[ps + k])))
        constants = constants_at(step.constants, a.params, cols if stride else col)
        i_ext = a.i_ext[cols].copy() if stride else float(a.i_ext[col])
        return cls(p, g0, n, step, ports, constants, cols, a.params, i_ext, TimedTable.of(info, p))

    def _i_ext(self, t: int, timed: np.ndarray):
        """The injected current this step (constant plus the timed table's row)."""
        if self.table is None:
            return self.i_ext
        return self.i_ext + self.table.row(t, timed)

    def _constants_at(self, idx: np.ndarray):
        return constants_at(self.step.constants, self.params, self.cols[idx])

    def update(self, t: int, v: np.ndarray, u: np.ndarray, refr: np.ndarray, syn: np.ndarray,
               ring_row: np.ndarray, timed: np.ndarray) -> np.ndarray:
        """One step of the population (the kernel's passes, vectorised); returns its spikes
        (global indices). ``syn`` and ``ring_row`` are in the private port layout."""
        n = self.n
        sl = slice(self.g0, self.g0 + n)
        ring_k = [ring_row[self.priv + k * n: self.priv + (k + 1) * n] for k in range(len(self.ports))]
        c_at = self._constants_at if self.cols is not None else None
        x = self._i_ext(t, timed)
        if self.step.takes_step_input:  # the step's input: current, then each port's arrivals
            for k, port in enumerate(self.ports):
                if port.ring_on:
                    x = x + ring_k[k]
                    ring_k[k][:] = 0.0
            x = x if isinstance(x, np.ndarray) else np.full(n, x)
            return step_neurons(self.step, self.constants, c_at, v[sl], u[sl], refr[sl], 0.0, 0.0,
                                0.0, x) + self.g0
        drive = np.zeros(n)
        gsum = np.zeros(n)
        gesum = np.zeros(n)
        for k, port in enumerate(self.ports):  # pass 1, in port order
            if port.kind == PORT_DELTA:
                continue
            xs = syn[self.priv + k * n: self.priv + (k + 1) * n]
            if port.kind == PORT_CONDUCTANCE:
                gsum += xs
                gesum += xs * port.erev
            else:
                drive += xs * port.coef
            xs *= port.decay
            if port.ring_on:
                xs += ring_k[k]
                ring_k[k][:] = 0.0
        delta = [ring_k[k] for k, port in enumerate(self.ports) if port.kind == PORT_DELTA and port.ring_on]
        return step_neurons(self.step, self.constants, c_at, v[sl], u[sl], refr[sl], drive, gsum,
                            gesum, x, delta) + self.g0


def _fused_key(a: K.NeuronArrays, p: int) -> tuple:
    col = int(a.pop_info[p, K.P_COL])
    ps = int(a.pop_info[p, K.P_PORT_START])
    nports = int(a.pop_info[p, K.P_N_PORTS])
    last = ps + nports - 1
    step = STEPS[int(a.pop_info[p, K.P_STEP])]
    return (nports == 2, (bool(a.port_ring[ps] == 1), bool(a.port_ring[last] == 1)), step,
            tuple(float(x) for x in constants_at(step.constants, a.params, col)),
            float(a.i_ext[col]), (float(a.coupling[0, col]), float(a.coupling[nports - 1, col])),
            (float(a.port_decay[ps]), float(a.port_decay[last])))


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
        two, ring_on, step, constants, i_ext, coef, decay = key
        groups.append(FusedGroup(int(pop_info[p, K.P_START]),
                                 int(pop_info[p, K.P_END] - pop_info[p, K.P_START]), 0, two, ring_on,
                                 step, step.constants(*constants), i_ext, coef, decay))
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
    prob = inp.prob[col + np.arange(1 if homogeneous else n) * stride]
    if not homogeneous and prob.size != n:
        prob = np.broadcast_to(prob, (n,))
    return PoissonSource(start, n, np.ascontiguousarray(prob, np.float64), homogeneous, table)
