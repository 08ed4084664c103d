"""Numba kernels of the temporal memory (:mod:`neurosparse.dendrites.temporal_memory`).

The connections live in flat arrays, and everything a step touches is reached from the
active cells, never by scanning columns x cells x segments:

* **segments** ``segs`` (int32, one row each: cell, synapse count, previous and next segment
  of the same cell, and the synapses from active cells at the last evaluation, kept for the
  active and matching segments), ``seg64`` (int64: creation stamp, last step active) and
  ``seg_count`` (uint8 or uint16: the two overlap counters an evaluation increments, zero between
  evaluations, so that the one array a step writes at random is small). Free rows are kept on
  a stack (``free_seg``) and reused.
* **synapses** in fixed slots ``[g * stride, g * stride + n_syn)`` of ``syn_presyn`` (int32) and
  ``syn_perm`` (float32); ``stride`` is the power of two >= ``max_synapses_per_segment`` so a
  synapse id ``g << shift | slot`` gives its segment with a shift. A removed synapse is
  replaced by the segment's last one (the slots stay dense).
* **presynaptic index**: for every cell, the ids of the synapses it is presynaptic to, in one
  contiguous run of the pool ``entries`` (start, capacity and count in ``cells``), so that
  evaluating the dendrites streams through memory. A full run moves to the end of the pool
  with twice the capacity; the holes left behind are compacted away when they exceed the live
  capacity, and the pool grows when a step could outrun it. An entry is negative
  (``id - 2**31``) while the synapse is connected, so evaluation reads no permanence (the bit
  changes only when a permanence crosses ``connected_permanence``). ``syn_pos[id]`` is the
  id's position in the pool, so adding and removing a synapse are O(1) amortized (removal
  moves the cell's last entry into the hole) and evaluating the dendrites reads only the
  synapses of the active cells.

A step costs O(active cells' synapses + learning segments' synapses): the same after
10,000 steps as after 10 (``benchmarks/tm_speed.py``). The kernel runs many steps in one call
and returns early, between two steps, when a capacity (free segments, free blocks, recording
space) might not suffice for the next step; the caller grows the arrays and calls again, so
the results do not depend on where it stopped. Random choices use SplitMix64 on one uint64
state, drawn in the same order as the NumPy reference (:mod:`neurosparse.dendrites.tm_reference`),
which therefore gives identical cells and permanences.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Capacity of a cell's first run in the presynaptic index.
FIRST_RUN = 8

# columns of ``cells`` (int32, one row per cell); ``flags`` (uint8, one per cell) marks dead
# cells, and the bit array ``prev_bits`` (uint64 words) the active cells, read while learning
C_START, C_CAP, C_NENT, C_SEGHEAD, C_NSEG = 0, 1, 2, 3, 4
N_CELL_FIELDS = 5
F_DEAD = 2

# columns of ``segs`` (int32) and ``seg64`` (int64), one row per segment
S_CELL, S_NSYN, S_PREV, S_NEXT, S_NPOT = 0, 1, 2, 3, 4
N_SEG_FIELDS = 5
S_STAMP, S_LAST = 0, 1
N_SEG64_FIELDS = 2
#: Most synapses a segment may hold (its counters are uint16; uint8 up to 255 synapses).
MAX_SYNAPSES = 2**16 - 1
#: An index entry is ``id - CONNECTED`` (negative) while its synapse is connected.
CONNECTED = 2**31
_ID_MASK = 2**31 - 1
#: Synapse marks are int32: past this they restart (after clearing).
_ID_LIMIT = 2**31 - 2

# entries of ``scal`` (int64): counters and list lengths
(K_T, K_STAMP, K_NFREE_SEG, K_POOL_END, K_NACT, K_NWIN, K_NASEG, K_NMSEG, K_NSEG, K_NSYN,
 K_HOLES, K_MARK, K_LIVE_CAP) = range(13)
N_SCAL = 13

# entries of ``ip`` (int64 parameters) and ``fp`` (float64 parameters)
(P_COLUMNS, P_CELLS, P_ACT_TH, P_MIN_TH, P_NEW_SYN, P_MAX_SYN, P_MAX_SEG, P_SHIFT) = range(8)
(P_INIT, P_CONN, P_INC, P_DEC, P_PDEC) = range(5)

#: Per-step counts (columns of the ``counts`` array), in this order.
COUNT_NAMES: tuple[str, ...] = (
    "active_columns", "bursting_columns", "predicted_columns", "active_cells", "winner_cells",
    "predictive_cells", "segments_evaluated", "synapses_touched", "active_segments",
    "matching_segments", "learning_segments", "punished_segments", "permanence_updates",
    "synapses_grown", "synapses_removed", "segments_created", "segments_destroyed",
    "segments", "synapses",
)
(N_ACTCOL, N_BURST, N_PREDCOL, N_ACTCELL, N_WINCELL, N_PREDCELL, N_SEGEVAL, N_SYNTOUCH, N_ASEG,
 N_MSEG, N_LEARNSEG, N_PUNSEG, N_PERMUPD, N_GROWN, N_REMOVED, N_SEGNEW, N_SEGDEL, N_SEGS,
 N_SYNS) = range(len(COUNT_NAMES))

# kernel return codes (why it stopped before the last step)
DONE, NEED_SEGMENTS, NEED_POOL, NEED_RECORD = 0, 1, 2, 3

# The arrays travel in three tuples (built by the caller, in this order):
#   idx  = (cells, flags, entries, syn_pos, prev_bits)               cells and the presynaptic index
#   con  = (segs, seg64, seg_count, syn_presyn, syn_perm, free_seg)  segments and synapses
#   work = (active, winners, aseg, mseg, touched, new_active, new_winners, cand, cell_mark)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_U30, _U27, _U31, _U32 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(32)


@njit(cache=True, inline="always")
def next_u64(rng):  # pragma: no cover
    """SplitMix64: advance ``rng[0]`` and return the next 64 random bits."""
    s = rng[0] + _GOLDEN
    rng[0] = s
    z = (s ^ (s >> _U30)) * _MIX1
    z = (z ^ (z >> _U27)) * _MIX2
    return z ^ (z >> _U31)


@njit(cache=True, inline="always")
def rand_below(rng, n):  # pragma: no cover
    """A random integer in ``[0, n)`` (``n < 2**32``): the high 32 bits scaled by ``n``."""
    z = next_u64(rng)
    return np.int64(((z >> _U32) * np.uint64(n)) >> _U32)


@njit(cache=True, inline="always")
def _mark_active(bits, cell, on):  # pragma: no cover
    w = cell >> 6
    b = np.uint64(1) << np.uint64(cell & 63)
    if on:
        bits[w] |= b
    else:
        bits[w] &= ~b


@njit(cache=True, inline="always")
def _entry(sid, connected):  # pragma: no cover
    return sid - CONNECTED if connected else sid


@njit(cache=True, inline="always")
def _entry_id(e):  # pragma: no cover
    return e + CONNECTED if e < 0 else e


# ---------------------------------------------------------------- presynaptic index

@njit(cache=True, inline="always")
def _index_add(idx, scal, cell, sid, connected):  # pragma: no cover
    cells, flags, entries, syn_pos, prev_bits = idx
    n = cells[cell, C_NENT]
    cap = cells[cell, C_CAP]
    if n == cap:  # the run is full: move it to the end of the pool with twice the room
        new_cap = FIRST_RUN if cap == 0 else 2 * cap
        start = cells[cell, C_START]
        new_start = scal[K_POOL_END]
        for k in range(n):
            e = entries[start + k]
            entries[new_start + k] = e
            syn_pos[e & _ID_MASK] = new_start + k
        scal[K_POOL_END] = new_start + new_cap
        scal[K_HOLES] += cap
        scal[K_LIVE_CAP] += new_cap - cap
        cells[cell, C_START] = new_start
        cells[cell, C_CAP] = new_cap
    pos = cells[cell, C_START] + n
    entries[pos] = _entry(sid, connected)
    syn_pos[sid] = pos
    cells[cell, C_NENT] = n + 1


@njit(cache=True, inline="always")
def _index_remove(idx, scal, cell, sid):  # pragma: no cover
    cells, flags, entries, syn_pos, prev_bits = idx
    n = cells[cell, C_NENT]
    last = cells[cell, C_START] + n - 1
    pos = syn_pos[sid]
    moved = entries[last]
    entries[pos] = moved
    syn_pos[moved & _ID_MASK] = pos
    cells[cell, C_NENT] = n - 1


@njit(cache=True)
def compact_index(idx, scal):  # pragma: no cover
    """Close the holes of the pool: every run slides left, in pool order."""
    cells, flags, entries, syn_pos, prev_bits = idx
    order = np.argsort(cells[:, C_START])
    pos = 0
    for i in range(order.size):
        c = order[i]
        cap = cells[c, C_CAP]
        if cap == 0:
            continue
        start = cells[c, C_START]
        if start != pos:
            for k in range(cells[c, C_NENT]):
                e = entries[start + k]
                entries[pos + k] = e
                syn_pos[e & _ID_MASK] = pos + k
            cells[c, C_START] = pos
        pos += cap
    scal[K_POOL_END] = pos
    scal[K_HOLES] = 0


@njit(cache=True)
def _pool_room(idx, scal, work, n_learning):  # pragma: no cover
    """Pool entries a step may need at most: new synapses go to previous winner cells only,
    each receiving at most one per learning segment, and a run at most quadruples."""
    cells = idx[0]
    winners = work[1]
    need = 0
    for i in range(scal[K_NWIN]):
        need += 4 * (cells[winners[i], C_NENT] + n_learning) + 2 * FIRST_RUN
    return need


# ---------------------------------------------------------------- synapses and segments

@njit(cache=True, inline="always")
def _add_synapse(ip, fp, idx, con, scal, g, presyn, perm):  # pragma: no cover
    segs, seg64, seg_count, syn_presyn, syn_perm, free_seg = con
    n = segs[g, S_NSYN]
    sid = (g << ip[P_SHIFT]) | n
    syn_presyn[sid] = presyn
    syn_perm[sid] = perm
    segs[g, S_NSYN] = n + 1
    _index_add(idx, scal, presyn, sid, np.float64(perm) >= fp[P_CONN])
    scal[K_NSYN] += 1


@njit(cache=True, inline="always")
def _remove_synapse(ip, idx, con, scal, g, slot):  # pragma: no cover
    """Remove the synapse in ``slot`` of segment ``g``; the segment's last synapse takes its slot."""
    entries, syn_pos = idx[2], idx[3]
    segs, seg64, seg_count, syn_presyn, syn_perm, free_seg = con
    shift = ip[P_SHIFT]
    sid = (g << shift) | slot
    _index_remove(idx, scal, syn_presyn[sid], sid)
    last = segs[g, S_NSYN] - 1
    if slot != last:
        lid = (g << shift) | last
        syn_presyn[sid] = syn_presyn[lid]
        syn_perm[sid] = syn_perm[lid]
        pos = syn_pos[lid]
        entries[pos] = _entry(sid, entries[pos] < 0)
        syn_pos[sid] = pos
    segs[g, S_NSYN] = last
    scal[K_NSYN] -= 1


@njit(cache=True)
def destroy_segment(ip, idx, con, scal, g):  # pragma: no cover
    """Remove segment ``g`` with its synapses and give its row back."""
    cells = idx[0]
    segs, seg64, seg_count, syn_presyn, syn_perm, free_seg = con
    while segs[g, S_NSYN] > 0:
        _remove_synapse(ip, idx, con, scal, g, segs[g, S_NSYN] - 1)
    cell = segs[g, S_CELL]
    prev, nxt = segs[g, S_PREV], segs[g, S_NEXT]
    if prev >= 0:
        segs[prev, S_NEXT] = nxt
    else:
        cells[cell, C_SEGHEAD] = nxt
    if nxt >= 0:
        segs[nxt, S_PREV] = prev
    cells[cell, C_NSEG] -= 1
    segs[g, S_CELL] = -1
    free_seg[scal[K_NFREE_SEG]] = g
    scal[K_NFREE_SEG] += 1
    scal[K_NSEG] -= 1


@njit(cache=True)
def _create_segment(ip, idx, con, scal, cell, row):  # pragma: no cover
    """A new segment on ``cell``; when the cell has ``max_segments_per_cell``, its least recently
    active segment (ties: the oldest) is destroyed first."""
    cells = idx[0]
    segs, seg64, seg_count, syn_presyn, syn_perm, free_seg = con
    if cells[cell, C_NSEG] >= ip[P_MAX_SEG]:
        victim = -1
        g = cells[cell, C_SEGHEAD]
        while g >= 0:
            if (victim < 0 or seg64[g, S_LAST] < seg64[victim, S_LAST]
                    or (seg64[g, S_LAST] == seg64[victim, S_LAST]
                        and seg64[g, S_STAMP] < seg64[victim, S_STAMP])):
                victim = g
            g = segs[g, S_NEXT]
        row[N_REMOVED] += segs[victim, S_NSYN]
        destroy_segment(ip, idx, con, scal, victim)
        row[N_SEGDEL] += 1
    scal[K_NFREE_SEG] -= 1
    g = free_seg[scal[K_NFREE_SEG]]
    segs[g, S_CELL] = cell
    segs[g, S_NSYN] = 0
    segs[g, S_PREV] = -1
    head = cells[cell, C_SEGHEAD]
    segs[g, S_NEXT] = head
    if head >= 0:
        segs[head, S_PREV] = g
    cells[cell, C_SEGHEAD] = g
    cells[cell, C_NSEG] += 1
    seg64[g, S_STAMP] = scal[K_STAMP]
    scal[K_STAMP] += 1
    seg64[g, S_LAST] = scal[K_T]
    scal[K_NSEG] += 1
    row[N_SEGNEW] += 1
    return g


@njit(cache=True, inline="always")
def _adapt(ip, fp, idx, con, scal, g, inc, dec, row):  # pragma: no cover
    """Permanences of segment ``g``: + ``inc`` on synapses from previously active cells, - ``dec``
    on the others, clipped to [0, 1]; a synapse reaching 0 is removed. Returns the synapses left."""
    entries, syn_pos, prev_bits = idx[2], idx[3], idx[4]
    segs, seg64, seg_count, syn_presyn, syn_perm, free_seg = con
    shift = ip[P_SHIFT]
    conn = fp[P_CONN]
    k = 0
    while k < segs[g, S_NSYN]:
        sid = (g << shift) | k
        p = np.float64(syn_perm[sid])
        pre = syn_presyn[sid]
        if (prev_bits[pre >> 6] >> np.uint64(pre & 63)) & np.uint64(1):
            q = min(1.0, p + inc)
        else:
            q = max(0.0, p - dec)
        if q == p:
            k += 1
            continue
        row[N_PERMUPD] += 1
        if q <= 0.0:
            _remove_synapse(ip, idx, con, scal, g, k)
            row[N_REMOVED] += 1
            continue  # the segment's last synapse moved into slot k
        stored = np.float32(q)
        syn_perm[sid] = stored
        now = np.float64(stored) >= conn
        if now != (p >= conn):  # crossed the threshold: flip the index entry's bit
            entries[syn_pos[sid]] = _entry(sid, now)
        k += 1
    return segs[g, S_NSYN]


@njit(cache=True, inline="always")
def _grow(ip, fp, idx, con, scal, rng, work, g, n_desired, n_prev_win, row):  # pragma: no cover
    """Grow up to ``n_desired`` synapses on ``g`` toward previous winner cells it has none to,
    chosen at random; past ``max_synapses_per_segment`` the weakest synapses make room."""
    if n_desired <= 0 or n_prev_win == 0:
        return
    segs, seg64, seg_count, syn_presyn, syn_perm, free_seg = con
    prev_winners, cand, cell_mark = work[1], work[7], work[8]
    shift = ip[P_SHIFT]
    if scal[K_MARK] >= _ID_LIMIT:
        cell_mark[:] = 0
        scal[K_MARK] = 0
    scal[K_MARK] += 1
    mark = scal[K_MARK]
    for k in range(segs[g, S_NSYN]):
        cell_mark[syn_presyn[(g << shift) | k]] = mark
    m = 0
    for i in range(n_prev_win):
        w = prev_winners[i]
        if cell_mark[w] != mark:
            cand[m] = w
            m += 1
    n_new = min(n_desired, m)
    if n_new == 0:
        return
    overrun = segs[g, S_NSYN] + n_new - ip[P_MAX_SYN]
    while overrun > 0:  # destroy the weakest synapse (ties: lowest presynaptic cell)
        weakest = 0
        for k in range(1, segs[g, S_NSYN]):
            a = (g << shift) | k
            b = (g << shift) | weakest
            if syn_perm[a] < syn_perm[b] or (syn_perm[a] == syn_perm[b] and syn_presyn[a] < syn_presyn[b]):
                weakest = k
        _remove_synapse(ip, idx, con, scal, g, weakest)
        row[N_REMOVED] += 1
        overrun -= 1
    init = np.float32(fp[P_INIT])
    for i in range(n_new):
        j = i + rand_below(rng, m - i)
        c = cand[j]
        cand[j] = cand[i]
        cand[i] = c
        _add_synapse(ip, fp, idx, con, scal, g, c, init)
    row[N_GROWN] += n_new


@njit(cache=True)
def _sort_segments(lst, n, segs, seg64, scal):  # pragma: no cover
    """Order ``lst[:n]`` by (cell, creation stamp): one sort on ``cell * 2**32 + stamp`` while the
    stamps fit in 32 bits, two stable sorts after."""
    if n < 2:
        return
    keys = np.empty(n, np.int64)
    if scal[K_STAMP] < 2**32:
        for i in range(n):
            g = lst[i]
            keys[i] = (np.int64(segs[g, S_CELL]) << 32) | seg64[g, S_STAMP]
        order = np.argsort(keys)
        tmp = lst[:n][order]
    else:
        for i in range(n):
            keys[i] = seg64[lst[i], S_STAMP]
        order = np.argsort(keys, kind="mergesort")
        tmp = lst[:n][order]
        for i in range(n):
            keys[i] = segs[tmp[i], S_CELL]
        order = np.argsort(keys, kind="mergesort")
        tmp = tmp[order]
    for i in range(n):
        lst[i] = tmp[i]


@njit(cache=True)
def activate_dendrites(ip, idx, con, scal, work, learn, row):  # pragma: no cover
    """Overlaps of every segment reached from the active cells: synapses from active cells and
    connected ones among them (``seg_count``, cleared again after); fills the active (connected
    >= ``activation_threshold``) and matching (all >= ``min_threshold``) segment lists, ordered
    by (cell, stamp), and keeps their first count in ``segs[:, S_NPOT]`` for learning."""
    cells, flags, entries, syn_pos, prev_bits = idx
    segs, seg64, seg_count, syn_presyn, syn_perm, free_seg = con
    active, aseg, mseg, touched = work[0], work[2], work[3], work[4]
    shift = ip[P_SHIFT]
    n_touch = 0
    traversed = 0
    for i in range(scal[K_NACT]):
        cell = active[i]
        start = cells[cell, C_START]
        n = cells[cell, C_NENT]
        traversed += n
        for k in range(start, start + n):  # branch-free: counters are zero before a first hit
            e = entries[k]
            g = (e & _ID_MASK) >> shift
            first = seg_count[g, 0]
            seg_count[g, 0] = first + 1
            seg_count[g, 1] += e < 0
            touched[n_touch] = g
            n_touch += first == 0
    n_a = 0
    n_m = 0
    act_th, min_th = ip[P_ACT_TH], ip[P_MIN_TH]
    t_now = scal[K_T]
    for i in range(n_touch):
        g = touched[i]
        npot = seg_count[g, 0]
        ncon = seg_count[g, 1]
        seg_count[g, 0] = 0
        seg_count[g, 1] = 0
        if ncon >= act_th:
            aseg[n_a] = g
            n_a += 1
            segs[g, S_NPOT] = npot
            if learn:
                seg64[g, S_LAST] = t_now
        if npot >= min_th:
            mseg[n_m] = g
            n_m += 1
            segs[g, S_NPOT] = npot
    _sort_segments(aseg, n_a, segs, seg64, scal)
    _sort_segments(mseg, n_m, segs, seg64, scal)
    scal[K_NASEG] = n_a
    scal[K_NMSEG] = n_m
    row[N_SEGEVAL] += n_touch
    row[N_SYNTOUCH] += traversed
    row[N_ASEG] = n_a
    row[N_MSEG] = n_m


@njit(cache=True)
def reset_sequence(idx, scal, work):  # pragma: no cover
    """Forget the sequence context: no active, winner or predictive cells."""
    prev_bits, active = idx[4], work[0]
    for i in range(scal[K_NACT]):
        _mark_active(prev_bits, active[i], False)
    scal[K_NACT] = 0
    scal[K_NWIN] = 0
    scal[K_NASEG] = 0
    scal[K_NMSEG] = 0


@njit(cache=True, inline="always")
def _learn_on(ip, fp, idx, con, scal, rng, work, g, n_prev_win, row):  # pragma: no cover
    """A segment that predicted or best matched: reinforce it and grow it to ``max_new_synapses``
    synapses from the previous active cells."""
    row[N_LEARNSEG] += 1
    npot = con[0][g, S_NPOT]
    _adapt(ip, fp, idx, con, scal, g, fp[P_INC], fp[P_DEC], row)
    _grow(ip, fp, idx, con, scal, rng, work, g, ip[P_NEW_SYN] - npot, n_prev_win, row)


@njit(cache=True)
def run_steps(ip, fp, idx, con, scal, rng, work, col_ptr, col_idx, resets, learn, start, record, rec_ptr,
              rec_cells, rec_used, counts):  # pragma: no cover
    """Run steps ``start, start + 1, ...`` of the input ``(col_ptr, col_idx)`` (sorted active
    columns per step); returns ``(steps done, code)``: ``code`` is :data:`DONE` or what must grow.

    ``record`` (bit 1 active, 2 winner, 4 predictive cells) appends each recorded list of a step
    to ``rec_cells`` from ``rec_used[0]``, its end in ``rec_ptr[3 * step + j + 1]``.
    """
    cells, flags = idx[0], idx[1]
    segs = con[0]
    active, winners, aseg, mseg, touched, new_active, new_winners, cand, cell_mark = work
    n_steps = col_ptr.size - 1
    K = ip[P_CELLS]
    s_new = ip[P_NEW_SYN]
    pdec = fp[P_PDEC]
    n_cells = ip[P_COLUMNS] * K
    for t in range(start, n_steps):
        row = counts[t]
        lo, hi = col_ptr[t], col_ptr[t + 1]
        n_in = hi - lo
        # capacity for the worst case of this step
        if scal[K_NFREE_SEG] < n_in:
            return t, NEED_SEGMENTS
        if scal[K_HOLES] > scal[K_LIVE_CAP]:
            compact_index(idx, scal)
        room = _pool_room(idx, scal, work, scal[K_NASEG] + n_in)
        if idx[2].size - scal[K_POOL_END] < room:
            if scal[K_HOLES] > 0:
                compact_index(idx, scal)
            if idx[2].size - scal[K_POOL_END] < room:
                return t, NEED_POOL
        if record != 0:
            need = n_in * K + n_in + min(n_cells, scal[K_NSEG] + n_in)
            if rec_cells.size - rec_used[0] < need:
                return t, NEED_RECORD
        if resets[t]:
            reset_sequence(idx, scal, work)
        n_prev_win = scal[K_NWIN]
        n_na = 0
        n_nw = 0
        n_aseg, n_mseg = scal[K_NASEG], scal[K_NMSEG]
        # merge the active columns with the columns of the matching segments, in column order
        i, ia, im = lo, 0, 0
        while i < hi or im < n_mseg:
            col_in = col_idx[i] if i < hi else n_cells
            col_m = segs[mseg[im], S_CELL] // K if im < n_mseg else n_cells
            c = min(col_in, col_m)
            while ia < n_aseg and segs[aseg[ia], S_CELL] // K < c:
                ia += 1
            a0 = ia
            while ia < n_aseg and segs[aseg[ia], S_CELL] // K == c:
                ia += 1
            m0 = im
            while im < n_mseg and segs[mseg[im], S_CELL] // K == c:
                im += 1
            if col_in == c:
                i += 1
                if ia > a0:  # predicted column: its predicted cells become active and winners
                    row[N_PREDCOL] += 1
                    last_cell = -1
                    for q in range(a0, ia):
                        g = aseg[q]
                        cell = segs[g, S_CELL]
                        if cell != last_cell:
                            new_active[n_na] = cell
                            n_na += 1
                            new_winners[n_nw] = cell
                            n_nw += 1
                            last_cell = cell
                        if learn:
                            _learn_on(ip, fp, idx, con, scal, rng, work, g, n_prev_win, row)
                else:  # burst: every live cell becomes active; one winner learns
                    row[N_BURST] += 1
                    for k in range(K):
                        cell = c * K + k
                        if not flags[cell] & F_DEAD:
                            new_active[n_na] = cell
                            n_na += 1
                    best = -1
                    for q in range(m0, im):
                        g = mseg[q]
                        if best < 0 or segs[g, S_NPOT] > segs[best, S_NPOT]:
                            best = g
                    if best >= 0:
                        winner = segs[best, S_CELL]
                        if learn:
                            _learn_on(ip, fp, idx, con, scal, rng, work, best, n_prev_win, row)
                    else:
                        winner = _least_used_cell(cells, flags, c, K, rng)
                        if winner >= 0 and learn and n_prev_win > 0:
                            row[N_LEARNSEG] += 1
                            g = _create_segment(ip, idx, con, scal, winner, row)
                            _grow(ip, fp, idx, con, scal, rng, work, g, min(s_new, n_prev_win), n_prev_win,
                                  row)
                    if winner >= 0:
                        new_winners[n_nw] = winner
                        n_nw += 1
            elif learn and pdec > 0.0:  # inactive column: punish the segments that matched
                for q in range(m0, im):
                    g = mseg[q]
                    row[N_PUNSEG] += 1
                    if _adapt(ip, fp, idx, con, scal, g, -pdec, 0.0, row) == 0:
                        destroy_segment(ip, idx, con, scal, g)
                        row[N_SEGDEL] += 1
        # the new cells replace the previous ones
        prev_bits = idx[4]
        for q in range(scal[K_NACT]):
            _mark_active(prev_bits, active[q], False)
        for q in range(n_na):
            active[q] = new_active[q]
            _mark_active(prev_bits, active[q], True)
        for q in range(n_nw):
            winners[q] = new_winners[q]
        scal[K_NACT] = n_na
        scal[K_NWIN] = n_nw
        activate_dendrites(ip, idx, con, scal, work, learn, row)
        n_pred = _predictive_cells(segs, aseg, scal[K_NASEG], new_active)  # new_active as scratch
        row[N_ACTCOL] = n_in
        row[N_ACTCELL] = n_na
        row[N_WINCELL] = n_nw
        row[N_PREDCELL] = n_pred
        row[N_SEGS] = scal[K_NSEG]
        row[N_SYNS] = scal[K_NSYN]
        if record != 0:
            used = rec_used[0]
            if record & 1:
                for q in range(n_na):
                    rec_cells[used] = active[q]
                    used += 1
            rec_ptr[3 * t + 1] = used
            if record & 2:
                for q in range(n_nw):
                    rec_cells[used] = winners[q]
                    used += 1
            rec_ptr[3 * t + 2] = used
            if record & 4:
                for q in range(n_pred):
                    rec_cells[used] = new_active[q]
                    used += 1
            rec_ptr[3 * t + 3] = used
            rec_used[0] = used
        scal[K_T] += 1
    return n_steps, DONE


@njit(cache=True)
def _least_used_cell(cells, flags, c, K, rng):  # pragma: no cover
    """The live cell of column ``c`` with the fewest segments, ties drawn at random (-1 if the
    column has no live cell)."""
    fewest = -1
    tied = 0
    for k in range(K):
        cell = c * K + k
        if flags[cell] & F_DEAD:
            continue
        n = cells[cell, C_NSEG]
        if fewest < 0 or n < fewest:
            fewest = n
            tied = 1
        elif n == fewest:
            tied += 1
    if tied == 0:
        return -1
    r = rand_below(rng, tied)
    for k in range(K):
        cell = c * K + k
        if not flags[cell] & F_DEAD and cells[cell, C_NSEG] == fewest:
            if r == 0:
                return cell
            r -= 1
    return -1


@njit(cache=True)
def _predictive_cells(segs, aseg, n_aseg, out):  # pragma: no cover
    """The cells of the active segments (sorted by cell), once each, into ``out``."""
    n = 0
    last = -1
    for q in range(n_aseg):
        cell = segs[aseg[q], S_CELL]
        if cell != last:
            out[n] = cell
            n += 1
            last = cell
    return n


@njit(cache=True)
def predictive_cells(segs, aseg, n_aseg):  # pragma: no cover
    """The predictive cells as a new array."""
    out = np.empty(n_aseg, np.int32)
    n = _predictive_cells(segs, aseg, n_aseg, out)
    return out[:n].copy()


@njit(cache=True)
def export_segments(ip, con, n_rows):  # pragma: no cover
    """Every live segment as (cell, stamp, last active step, n synapses) rows plus its
    synapses' presynaptic cells and permanences, each segment's sorted by presynaptic cell."""
    segs, seg64, seg_count, syn_presyn, syn_perm, free_seg = con
    shift = ip[P_SHIFT]
    n_live = 0
    n_syn = 0
    for g in range(n_rows):
        if segs[g, S_CELL] >= 0:
            n_live += 1
            n_syn += segs[g, S_NSYN]
    info = np.empty((n_live, 4), np.int64)
    pre = np.empty(n_syn, np.int32)
    perm = np.empty(n_syn, np.float32)
    r = 0
    pos = 0
    for g in range(n_rows):
        if segs[g, S_CELL] < 0:
            continue
        n = segs[g, S_NSYN]
        info[r, 0] = segs[g, S_CELL]
        info[r, 1] = seg64[g, S_STAMP]
        info[r, 2] = seg64[g, S_LAST]
        info[r, 3] = n
        p = np.empty(n, np.int32)
        w = np.empty(n, np.float32)
        for k in range(n):
            p[k] = syn_presyn[(g << shift) | k]
            w[k] = syn_perm[(g << shift) | k]
        order = np.argsort(p)
        for k in range(n):
            pre[pos + k] = p[order[k]]
            perm[pos + k] = w[order[k]]
        pos += n
        r += 1
    return info, pre, perm


@njit(cache=True)
def check_index(ip, fp, idx, con, n_rows):  # pragma: no cover
    """The presynaptic index agrees with the segments: every synapse's entry is where
    ``syn_pos`` says, names it, and carries its connected bit; each cell's entry count matches.
    Returns the number of disagreements (0 for a consistent state)."""
    cells, flags, entries, syn_pos, prev_bits = idx
    segs, seg64, seg_count, syn_presyn, syn_perm, free_seg = con
    shift = ip[P_SHIFT]
    bad = 0
    per_cell = np.zeros(cells.shape[0], np.int64)
    for g in range(n_rows):
        if segs[g, S_CELL] < 0:
            continue
        for k in range(segs[g, S_NSYN]):
            sid = (g << shift) | k
            e = entries[syn_pos[sid]]
            if _entry_id(e) != sid or (e < 0) != (np.float64(syn_perm[sid]) >= fp[P_CONN]):
                bad += 1
            per_cell[syn_presyn[sid]] += 1
    for c in range(cells.shape[0]):
        if per_cell[c] != cells[c, C_NENT]:
            bad += 1
    return bad


@njit(cache=True)
def kill_cells(ip, idx, con, scal, work, dead):  # pragma: no cover
    """Cells ``dead`` die: their segments are destroyed, they leave the active and winner lists
    and never become active again. Returns (segments, synapses) destroyed."""
    cells, flags = idx[0], idx[1]
    segs = con[0]
    active, winners = work[0], work[1]
    n_seg = 0
    n_syn = 0
    for i in range(dead.size):
        cell = dead[i]
        flags[cell] |= F_DEAD
        g = cells[cell, C_SEGHEAD]
        while g >= 0:
            nxt = segs[g, S_NEXT]
            n_syn += segs[g, S_NSYN]
            destroy_segment(ip, idx, con, scal, g)
            n_seg += 1
            g = nxt
    n = 0
    for i in range(scal[K_NACT]):
        cell = active[i]
        if flags[cell] & F_DEAD:
            _mark_active(idx[4], cell, False)
        else:
            active[n] = cell
            n += 1
    scal[K_NACT] = n
    n = 0
    for i in range(scal[K_NWIN]):
        if not flags[winners[i]] & F_DEAD:
            winners[n] = winners[i]
            n += 1
    scal[K_NWIN] = n
    return n_seg, n_syn
