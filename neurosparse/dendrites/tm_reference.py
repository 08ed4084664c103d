"""The temporal memory written plainly: the oracle the Numba kernels are tested against.

Segments are Python objects holding a dict ``presynaptic cell -> permanence`` (float32), kept
in a dict by creation stamp; the dendrites are evaluated by looking at **every** segment's
every synapse each step (cost O(all synapses), which is the point: nothing is indexed, so
nothing can be indexed wrongly). The rules, their order and the random draws are those of
:mod:`neurosparse.dendrites.temporal_memory` (see its docstring), so for the same seed this
gives the same active, winner and predictive cells, segments and permanences, bit for bit,
as the kernels (``tests/dendrites/test_temporal_memory_reference.py``). It is slow: use it on
small layers only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neurosparse.dendrites.tm_kernels import COUNT_NAMES

_MASK = (1 << 64) - 1


class SplitMix64:
    """SplitMix64 on a Python int: the kernels' generator, draw for draw."""

    def __init__(self, state: int) -> None:
        self.state = int(state) & _MASK

    def next_u64(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & _MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)

    def below(self, n: int) -> int:
        """An integer in ``[0, n)``: the high 32 bits scaled by ``n``."""
        return ((self.next_u64() >> 32) * n) >> 32


@dataclass
class Segment:
    """A distal segment: its cell, creation stamp, last step active and synapses."""

    cell: int
    stamp: int
    last_used: int
    synapses: dict[int, np.float32] = field(default_factory=dict)


class ReferenceTemporalMemory:
    """Plain-Python temporal memory with the parameters of
    :class:`~neurosparse.dendrites.temporal_memory.TemporalMemory` (already checked)."""

    def __init__(self, params: dict, rng_state: int) -> None:
        self.p = dict(params)
        self.rng = SplitMix64(rng_state)
        n_cells = self.p["n_columns"] * self.p["cells_per_column"]
        self.cell_segments: list[list[int]] = [[] for _ in range(n_cells)]
        self.segments: dict[int, Segment] = {}
        self.dead: set[int] = set()
        self.t = 0
        self.next_stamp = 0
        self.active: list[int] = []
        self.winners: list[int] = []
        self.active_segments: list[int] = []
        self.matching_segments: list[int] = []
        self.npot: dict[int, int] = {}

    # ------------------------------------------------------------------ helpers
    def column(self, cell: int) -> int:
        return cell // self.p["cells_per_column"]

    def _order(self, stamps) -> list[int]:
        return sorted(stamps, key=lambda s: (self.segments[s].cell, s))

    def _destroy(self, stamp: int) -> None:
        seg = self.segments.pop(stamp)
        self.cell_segments[seg.cell].remove(stamp)

    def _adapt(self, seg: Segment, prev_active: set[int], inc: float, dec: float, counts: dict) -> None:
        for pre in list(seg.synapses):
            p = float(seg.synapses[pre])
            q = min(1.0, p + inc) if pre in prev_active else max(0.0, p - dec)
            if q != p:
                counts["permanence_updates"] += 1
            if q <= 0.0:
                del seg.synapses[pre]
                counts["synapses_removed"] += 1
            else:
                seg.synapses[pre] = np.float32(q)

    def _grow(self, seg: Segment, n_desired: int, prev_winners: list[int], counts: dict) -> None:
        if n_desired <= 0 or not prev_winners:
            return
        cand = [w for w in prev_winners if w not in seg.synapses]
        n_new = min(n_desired, len(cand))
        if n_new == 0:
            return
        overrun = len(seg.synapses) + n_new - self.p["max_synapses_per_segment"]
        for _ in range(max(0, overrun)):
            weakest = min(seg.synapses, key=lambda pre: (seg.synapses[pre], pre))
            del seg.synapses[weakest]
            counts["synapses_removed"] += 1
        for i in range(n_new):
            j = i + self.rng.below(len(cand) - i)
            cand[i], cand[j] = cand[j], cand[i]
            seg.synapses[cand[i]] = np.float32(self.p["initial_permanence"])
        counts["synapses_grown"] += n_new

    def _learn(self, stamp: int, prev_active: set[int], prev_winners: list[int], counts: dict) -> None:
        """Reinforce a segment that predicted (or matched best) and grow it toward the winners."""
        counts["learning_segments"] += 1
        seg = self.segments[stamp]
        self._adapt(seg, prev_active, self.p["permanence_increment"], self.p["permanence_decrement"], counts)
        self._grow(seg, self.p["max_new_synapses"] - self.npot[stamp], prev_winners, counts)

    def _create(self, cell: int, counts: dict) -> Segment:
        own = self.cell_segments[cell]
        if len(own) >= self.p["max_segments_per_cell"]:
            victim = min(own, key=lambda s: (self.segments[s].last_used, s))
            counts["synapses_removed"] += len(self.segments[victim].synapses)
            self._destroy(victim)
            counts["segments_destroyed"] += 1
        seg = Segment(cell, self.next_stamp, self.t)
        self.next_stamp += 1
        self.segments[seg.stamp] = seg
        own.append(seg.stamp)
        counts["segments_created"] += 1
        return seg

    def _least_used(self, column: int) -> int:
        K = self.p["cells_per_column"]
        live = [c for c in range(column * K, (column + 1) * K) if c not in self.dead]
        if not live:
            return -1
        fewest = min(len(self.cell_segments[c]) for c in live)
        tied = [c for c in live if len(self.cell_segments[c]) == fewest]
        return tied[self.rng.below(len(tied))]

    # ------------------------------------------------------------------ the algorithm
    def evaluate(self, learn: bool, counts: dict) -> None:
        """Every segment's overlaps with the active cells; active and matching segments."""
        act = set(self.active)
        self.npot = {}
        active, matching = [], []
        for stamp, seg in self.segments.items():
            npot = sum(1 for pre in seg.synapses if pre in act)
            ncon = sum(1 for pre, p in seg.synapses.items()
                       if pre in act and float(p) >= self.p["connected_permanence"])
            if npot == 0:
                continue
            counts["segments_evaluated"] += 1
            counts["synapses_touched"] += npot
            self.npot[stamp] = npot
            if ncon >= self.p["activation_threshold"]:
                active.append(stamp)
                if learn:
                    seg.last_used = self.t
            if npot >= self.p["min_threshold"]:
                matching.append(stamp)
        self.active_segments = self._order(active)
        self.matching_segments = self._order(matching)
        counts["active_segments"] = len(active)
        counts["matching_segments"] = len(matching)

    def reset(self) -> None:
        self.active, self.winners = [], []
        self.active_segments, self.matching_segments = [], []

    def step(self, columns: list[int], learn: bool, reset: bool = False) -> dict:
        """One step on the sorted active ``columns``; returns the step's counts."""
        counts = dict.fromkeys(COUNT_NAMES, 0)
        if reset:
            self.reset()
        K = self.p["cells_per_column"]
        s_new = self.p["max_new_synapses"]
        prev_active, prev_winners = set(self.active), list(self.winners)
        new_active: list[int] = []
        new_winners: list[int] = []
        on = set(columns)
        by_column_active: dict[int, list[int]] = {}
        for s in self.active_segments:
            by_column_active.setdefault(self.column(self.segments[s].cell), []).append(s)
        by_column_matching: dict[int, list[int]] = {}
        for s in self.matching_segments:
            by_column_matching.setdefault(self.column(self.segments[s].cell), []).append(s)
        for c in sorted(on | set(by_column_matching)):
            if c in on and by_column_active.get(c):
                counts["predicted_columns"] += 1
                for s in by_column_active[c]:
                    seg = self.segments[s]
                    if seg.cell not in new_active:
                        new_active.append(seg.cell)
                        new_winners.append(seg.cell)
                    if learn:
                        self._learn(s, prev_active, prev_winners, counts)
            elif c in on:
                counts["bursting_columns"] += 1
                new_active += [cell for cell in range(c * K, (c + 1) * K) if cell not in self.dead]
                matching = by_column_matching.get(c, [])
                if matching:
                    best = max(matching, key=lambda s: (self.npot[s], -matching.index(s)))
                    winner = self.segments[best].cell
                    if learn:
                        self._learn(best, prev_active, prev_winners, counts)
                else:
                    winner = self._least_used(c)
                    if winner >= 0 and learn and prev_winners:
                        counts["learning_segments"] += 1
                        seg = self._create(winner, counts)
                        self._grow(seg, min(s_new, len(prev_winners)), prev_winners, counts)
                if winner >= 0:
                    new_winners.append(winner)
            elif learn and self.p["predicted_segment_decrement"] > 0:
                for s in by_column_matching[c]:
                    counts["punished_segments"] += 1
                    seg = self.segments[s]
                    self._adapt(seg, prev_active, -self.p["predicted_segment_decrement"], 0.0, counts)
                    if not seg.synapses:
                        self._destroy(s)
                        counts["segments_destroyed"] += 1
        self.active, self.winners = new_active, new_winners
        self.evaluate(learn, counts)
        counts["active_columns"] = len(columns)
        counts["active_cells"] = len(new_active)
        counts["winner_cells"] = len(new_winners)
        counts["predictive_cells"] = len(self.predictive_cells())
        counts["segments"] = len(self.segments)
        counts["synapses"] = sum(len(seg.synapses) for seg in self.segments.values())
        self.t += 1
        return counts

    def predictive_cells(self) -> list[int]:
        return sorted({self.segments[s].cell for s in self.active_segments})

    def kill(self, cells) -> None:
        """Cells die: their segments go, they never become active again."""
        for cell in cells:
            self.dead.add(int(cell))
            for s in list(self.cell_segments[cell]):
                self._destroy(s)
        self.active = [c for c in self.active if c not in self.dead]
        self.winners = [c for c in self.winners if c not in self.dead]
        self.evaluate(False, dict.fromkeys(COUNT_NAMES, 0))

    def export(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """As :func:`~neurosparse.dendrites.tm_kernels.export_segments`, rows ordered by (cell, stamp)."""
        order = self._order(self.segments)
        info = np.array([(self.segments[s].cell, s, self.segments[s].last_used,
                          len(self.segments[s].synapses)) for s in order], dtype=np.int64).reshape(-1, 4)
        pre, perm = [], []
        for s in order:
            syn = self.segments[s].synapses
            for c in sorted(syn):
                pre.append(c)
                perm.append(syn[c])
        return info, np.array(pre, dtype=np.int32), np.array(perm, dtype=np.float32)
