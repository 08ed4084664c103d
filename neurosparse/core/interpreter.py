"""The interpreted first tier: the single-thread kernel, step for step in NumPy.

On the very first run after installing, the Numba kernel must be compiled (several seconds),
which for a small network takes longer than simulating it. For networks without STDP whose
neuron populations need no exponential per step (LIF and IF without conductance ports,
whose propagators are precomputed; Izhikevich; MaxPlusLIF; DiscreteLIF: see
:func:`supports`), with any ports of those, per-neuron parameters, injected and timed
currents, Poisson and spike-time inputs, this module runs the same steps as the kernel
with vectorised NumPy on the same :class:`~neurosparse.core.engine.arrays.NetArrays`, so a first
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

Two things make it fast enough (40-90 us per step at 4,000 neurons on a 2-core VM):

* adjacent fused-LIF populations with identical parameters are updated as one vector, with
  their port variables held in a private layout (port-major over the merged group) during
  the run and written back at its end;
* the projections of one delivery kind (direct, ring) whose targets do not overlap are
  merged into one global row table, so a step delivers all its spikes with one gather and
  one ``np.add.at``. Projections onto the same port keep their own table, in the kernel's
  order, because there the order of additions between projections matters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from neurosparse.core.engine import arrays as K
from neurosparse.core.interpreted_populations import (
    NONE,
    FusedGroup,
    GeneralPopulation,
    PoissonSource,
    layout,
    poisson_source,
    population_supported,
)

_PROGRESS_EVERY = 500
_NEURONS = (FusedGroup, GeneralPopulation)


def supports(arrays: K.NetArrays) -> bool:
    """Whether the interpreter can run this network: no STDP, and every neuron population
    one whose update needs no exponential (see :func:`population_supported`)."""
    if arrays.has_plastic:
        return False
    info = arrays.pop_info
    return all(population_supported(arrays.neurons, p) for p in range(info.shape[0])
               if info[p, K.P_KIND] == K.KIND_NEURONS)


def draw_calls_per_step(a: K.NetArrays) -> float:
    """Random-generator calls per step the interpreter makes for the Poisson groups."""
    return sum(poisson_source(a.inputs, p).draw_calls_per_step(a.inputs.timed)
               for p in range(a.pop_info.shape[0]) if a.pop_info[p, K.P_KIND] == K.KIND_POISSON)


@dataclass
class _Plan:
    """One global row table: neuron ``g``'s synapses are ``ptr[g]:ptr[g + 1]``, each with
    a private target slot, a weight and (ring delivery) a delay."""

    ptr: np.ndarray  # int64 [N + 1]
    slot: np.ndarray  # int64
    weight: np.ndarray  # float64
    delay: np.ndarray | None  # int64 (ring plans only)
    hist_delay: int = 0  # direct plans: deliver the spikes of step t - hist_delay


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
              on_progress: Callable[[int], object] | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
    units, slot_map, n_priv = layout(nr)
    units = [poisson_source(inp, u) if isinstance(u, int) and inp.pop_info[u, K.P_KIND] == K.KIND_POISSON
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
        step = [u.update(t, v, nr.u, refr, syn, ring_row, nr.timed) if isinstance(u, _NEURONS)
                else u.emit(t, rng, inp.timed) if isinstance(u, PoissonSource)
                else emitted.get(u, NONE) for u in units]
        spikes = step[0] if len(step) == 1 else np.concatenate(step) if step else NONE
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
    return spike_t, spike_i, rec


def count(a: K.NetArrays, starts: np.ndarray, t0: int, spike_t: np.ndarray, spike_i: np.ndarray,
          pop_spikes: np.ndarray, proj_events: np.ndarray) -> np.ndarray:
    """Fill the kernel's counters from a run's spikes: spikes per step and population, and
    synaptic events per step and projection (each spike's out-degree, at its step).

    Returns
    -------
    np.ndarray
        The population (or input group) index of each spike.
    """
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
    return pop


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
