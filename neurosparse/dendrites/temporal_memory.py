"""Sequence memory with predictive distal segments (Hawkins & Ahmad 2016).

A layer of ``n_columns`` columns of ``cells_per_column`` cells. Each cell has distal segments;
a segment's synapses have a permanence ``p`` in [0, 1] and are *connected* when
``p >= connected_permanence``. At step ``t`` the input is a set of active columns. With
``A(t)`` the active cells, ``W(t)`` the winner cells, and for a segment ``g`` on cell ``c``

.. math::

    n^{con}_g(t) = |\\{\\text{connected synapses of } g \\text{ from } A(t)\\}|, \\qquad
    n^{pot}_g(t) = |\\{\\text{synapses of } g \\text{ from } A(t)\\}|,

``g`` is **active** when :math:`n^{con}_g \\ge` ``activation_threshold`` (an NMDA spike: its cell
is **predictive** for ``t + 1``) and **matching** when :math:`n^{pot}_g \\ge` ``min_threshold``.

A step on the active columns of ``t + 1``:

1. *Predicted column* (it has active segments): the cells of those segments become active and
   winners. Learning: each of those segments is reinforced (``+ permanence_increment`` on
   synapses from ``A(t)``, ``- permanence_decrement`` on the others) and grows
   ``max_new_synapses - n^{pot}_g`` new synapses (permanence ``initial_permanence``) to cells of
   ``W(t)`` it has no synapse to, chosen at random.
2. *Bursting column* (no active segment): all its cells become active. The winner is the cell
   of the best matching segment (largest :math:`n^{pot}`), which learns as in 1; without a
   matching segment the winner is the cell with the fewest segments (ties at random) and, when
   learning and ``W(t)`` is not empty, gets a new segment with ``min(max_new_synapses, |W(t)|)``
   synapses to ``W(t)``.
3. *Inactive column* with matching segments: those segments predicted wrongly; learning
   subtracts ``predicted_segment_decrement`` from their synapses from ``A(t)``.

Then the segments are evaluated on ``A(t + 1)``. Permanences are clipped to [0, 1]; a synapse
reaching 0 is removed, and a segment left with none is destroyed. A segment grown past
``max_synapses_per_segment`` first loses its weakest synapses; a cell past
``max_segments_per_cell`` loses its least recently active segment. Ties between segments are
broken by cell, then creation order; :meth:`TemporalMemory.reset` forgets the context (the next
step bursts and grows nothing). Dead cells (:meth:`TemporalMemory.kill_cells`) lose their
segments and never become active.

Defaults are the paper's simulations (Hawkins & Ahmad 2016, from the authors' code in
numenta/htmresearch), beside htm.core's defaults for ``TemporalMemory``:

==============================  =========  ========
parameter                       paper      htm.core
==============================  =========  ========
n_columns                       2048       2048
cells_per_column                32         32
activation_threshold            15         13
min_threshold                   15         10
max_new_synapses                40         20
initial_permanence              0.21       0.21
connected_permanence            0.50       0.50
permanence_increment            0.10       0.10
permanence_decrement            0.10       0.10
predicted_segment_decrement     0.01       0.0
max_segments_per_cell           128        255
max_synapses_per_segment        128        255
==============================  =========  ========

(The authors' sequence-prediction experiments, htmresearch ``projects/sequence_prediction``,
cap segments and synapses at 128 each.)

Cost: a step touches the synapses of the active cells and of the learning segments only
(:mod:`neurosparse.dendrites.tm_kernels`); ``engine="numpy"`` runs the plain reference
(:mod:`neurosparse.dendrites.tm_reference`), identical bit for bit and much slower. Every run
counts an :class:`~neurosparse.optrace.OpTrace` (:func:`tm_optrace`).

Reference: J. Hawkins and S. Ahmad (2016), "Why neurons have thousands of synapses, a theory of
sequence memory in neocortex", Front. Neural Circuits 10:23.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neurosparse._seed import SeedLike, as_generator
from neurosparse._validation import check_memory
from neurosparse.dendrites import tm_kernels as kern
from neurosparse.dendrites.segment import as_active_indices, as_pattern_list
from neurosparse.dendrites.tm_reference import ReferenceTemporalMemory
from neurosparse.errors import ParameterError
from neurosparse.optrace import LayerCounts, OpTrace
from neurosparse.sdr._checks import as_int, as_real

__all__ = ["ENGINES", "RECORDABLE", "CellSets", "TMRun", "TemporalMemory", "as_column_batch", "tm_optrace"]

#: Engines: the Numba kernels, or the plain-Python reference.
ENGINES: tuple[str, ...] = ("numba", "numpy")
#: What :meth:`TemporalMemory.run` can record per step.
RECORDABLE: tuple[str, ...] = ("active", "winner", "predictive")
#: Largest number of cells (cell indices are int32).
MAX_CELLS = 2**31 - 1


@dataclass
class CellSets:
    """One set of cells per step, as CSR: the cells of step ``t`` are
    ``cells[indptr[t]:indptr[t + 1]]`` (sorted). ``n`` is the number of cells of the layer."""

    indptr: np.ndarray
    cells: np.ndarray
    n: int

    def __len__(self) -> int:
        return self.indptr.size - 1

    def __getitem__(self, t: int) -> np.ndarray:
        return self.cells[self.indptr[t]:self.indptr[t + 1]]

    def counts(self) -> np.ndarray:
        """Cells per step."""
        return np.diff(self.indptr)

    def steps_and_cells(self) -> tuple[np.ndarray, np.ndarray]:
        """The sets as ``(t, i)`` arrays, as spikes are stored."""
        return np.repeat(np.arange(len(self)), self.counts()), self.cells.copy()

    def columns(self, cells_per_column: int) -> CellSets:
        """The columns of the cells, once each per step."""
        cols = self.cells // cells_per_column
        keep = np.ones(cols.size, bool)
        keep[1:] = cols[1:] != cols[:-1]
        step_of = np.repeat(np.arange(len(self)), self.counts())
        keep[self.indptr[1:-1][self.counts()[1:] > 0]] = True  # a step's first entry is always kept
        counts = np.bincount(step_of[keep], minlength=len(self))
        return CellSets(np.concatenate(([0], np.cumsum(counts))), cols[keep].astype(np.int32),
                        self.n // cells_per_column)


@dataclass
class TMRun:
    """What :meth:`TemporalMemory.run` produced.

    Attributes
    ----------
    n_steps : int
    counts : dict of str -> int64 array (n_steps,)
        Per step: the names of :data:`neurosparse.dendrites.tm_kernels.COUNT_NAMES`
        (bursting and predicted columns, active/winner/predictive cells, segments evaluated,
        synapses touched, active/matching/learning/punished segments, permanence updates,
        synapses grown and removed, segments created and destroyed, and the segments and
        synapses held after the step).
    active, winner, predictive : CellSets or None
        The cells of each step (predictive: for the next step), when recorded.
    optrace : OpTrace
        The counts as a chip would pay for them (:func:`tm_optrace`).
    """

    n_steps: int
    counts: dict[str, np.ndarray]
    active: CellSets | None
    winner: CellSets | None
    predictive: CellSets | None
    optrace: OpTrace = field(repr=False)


class TemporalMemory:
    """A temporal-memory layer (scikit-learn style estimator; see the module docstring).

    Parameters
    ----------
    n_columns, cells_per_column
        Layer size (at most 2**31 - 1 cells).
    activation_threshold
        Active connected synapses for a segment to become active (its cell predictive).
    min_threshold
        Active synapses (connected or not) for a segment to be matching.
    max_new_synapses
        Synapses a learning segment grows toward the previous winner cells.
    initial_permanence, connected_permanence
        Permanence of a new synapse (> 0); threshold at which a synapse is connected.
    permanence_increment, permanence_decrement
        Change of a learning segment's synapses from active / inactive cells.
    predicted_segment_decrement
        Punishment of the synapses (from active cells) of a segment that matched in a column
        that did not become active.
    max_segments_per_cell, max_synapses_per_segment
        Capacities (the least recently active segment and the weakest synapses make room).
    seed
        int, SeedSequence or Generator: the tie-breaking and synapse-sampling stream. The same
        seed gives the same cells and permanences, bit for bit.
    engine
        ``"numba"`` (kernels whose cost follows the active cells) or ``"numpy"`` (the plain
        reference, for checking; identical results).

    Attributes
    ----------
    n_cells_ : int
    iteration_ : int
        Steps run since :meth:`fit` (or the first :meth:`partial_fit` / :meth:`run`).
    active_cells_, winner_cells_, predictive_cells_ : int32 arrays
        The current state (predictive: for the next step).
    dead_cells_ : int32 array
    n_segments_, n_synapses_ : int
    optrace_ : OpTrace
        Counts of every step run since :meth:`fit`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> seq = [rng.choice(2048, 40, replace=False) for _ in range(5)]
    >>> tm = TemporalMemory(seed=1).fit(seq * 8)
    >>> tm.reset()
    >>> run = tm.run(seq, learn=False)
    >>> [len(set(run.predictive.columns(32)[t]) & set(seq[t + 1])) for t in range(4)]
    [40, 40, 40, 40]
    """

    def __init__(self, n_columns: int = 2048, cells_per_column: int = 32, *, activation_threshold: int = 15,
                 min_threshold: int = 15, max_new_synapses: int = 40, initial_permanence: float = 0.21,
                 connected_permanence: float = 0.50, permanence_increment: float = 0.10,
                 permanence_decrement: float = 0.10, predicted_segment_decrement: float = 0.01,
                 max_segments_per_cell: int = 128, max_synapses_per_segment: int = 128,
                 seed: SeedLike = None, engine: str = "numba") -> None:
        self.n_columns = n_columns
        self.cells_per_column = cells_per_column
        self.activation_threshold = activation_threshold
        self.min_threshold = min_threshold
        self.max_new_synapses = max_new_synapses
        self.initial_permanence = initial_permanence
        self.connected_permanence = connected_permanence
        self.permanence_increment = permanence_increment
        self.permanence_decrement = permanence_decrement
        self.predicted_segment_decrement = predicted_segment_decrement
        self.max_segments_per_cell = max_segments_per_cell
        self.max_synapses_per_segment = max_synapses_per_segment
        self.seed = seed
        self.engine = engine

    # ------------------------------------------------------------------ parameters
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's parameters (scikit-learn's ``get_params``)."""
        names = ("n_columns", "cells_per_column", "activation_threshold", "min_threshold",
                 "max_new_synapses", "initial_permanence", "connected_permanence", "permanence_increment",
                 "permanence_decrement", "predicted_segment_decrement", "max_segments_per_cell",
                 "max_synapses_per_segment", "seed", "engine")
        return {name: getattr(self, name) for name in names}

    def _checked_params(self) -> dict[str, Any]:
        """The parameters checked (ParameterError naming the first one out of range)."""
        p: dict[str, Any] = {}
        p["n_columns"] = as_int("n_columns", self.n_columns, 1, MAX_CELLS)
        most = MAX_CELLS // p["n_columns"]
        p["cells_per_column"] = as_int("cells_per_column", self.cells_per_column, 1, most,
                                       f"{most} (n_columns * cells_per_column <= 2**31 - 1: cell indices "
                                       f"are int32)")
        p["max_synapses_per_segment"] = as_int("max_synapses_per_segment", self.max_synapses_per_segment, 1,
                                               kern.MAX_SYNAPSES, f"{kern.MAX_SYNAPSES} (counts are uint16)")
        top = p["max_synapses_per_segment"]
        top_text = f"max_synapses_per_segment={top}"
        p["activation_threshold"] = as_int("activation_threshold", self.activation_threshold, 1, top,
                                           top_text)
        p["min_threshold"] = as_int("min_threshold", self.min_threshold, 1, top, top_text)
        p["max_new_synapses"] = as_int("max_new_synapses", self.max_new_synapses, 1, top, top_text)
        p["max_segments_per_cell"] = as_int("max_segments_per_cell", self.max_segments_per_cell, 1, 2**16,
                                            "65536")
        p["initial_permanence"] = as_real("initial_permanence", self.initial_permanence, 0.0, 1.0)
        if p["initial_permanence"] == 0.0:
            raise ParameterError("initial_permanence must be a number in (0, 1]; got 0.0 (a synapse at "
                                 "permanence 0 is removed)")
        for name in ("connected_permanence", "permanence_increment", "permanence_decrement",
                     "predicted_segment_decrement"):
            p[name] = as_real(name, getattr(self, name), 0.0, 1.0)
        if not isinstance(self.engine, str) or self.engine not in ENGINES:
            raise ParameterError(f"engine must be one of {ENGINES}, got {self.engine!r}")
        return p

    # ------------------------------------------------------------------ state
    def _start(self) -> None:
        """Check the parameters and set up an empty layer (no segments, no context)."""
        p = self._checked_params()
        self.params_ = p
        self.random_state_ = as_generator(self.seed)
        rng_state = int(self.random_state_.integers(0, 2**63, dtype=np.int64))
        self.n_cells_ = p["n_columns"] * p["cells_per_column"]
        self._state = (_KernelState(p, rng_state) if self.engine == "numba"
                       else ReferenceTemporalMemory(p, rng_state))
        self.iteration_ = 0
        self._count_chunks: list[np.ndarray] = []

    def _ensure_started(self) -> None:
        if not hasattr(self, "_state"):
            self._start()

    def fit(self, columns: Any, resets: Any = None) -> TemporalMemory:
        """Forget everything, then learn the sequence of active ``columns``.

        Parameters
        ----------
        columns
            One set of active columns per step: a 2-D int array (steps x active columns), or
            a sequence of index arrays or SDRs (any lengths, an empty one for no input).
        resets
            Optional bool array, one per step: forget the context before that step (between
            sequences).

        Returns
        -------
        TemporalMemory
            self.
        """
        self._start()
        return self.partial_fit(columns, resets)

    def partial_fit(self, columns: Any, resets: Any = None) -> TemporalMemory:
        """Learn on more steps, continuing from the current state (see :meth:`fit`)."""
        self.run(columns, learn=True, resets=resets, record=())
        return self

    def run(self, columns: Any, *, learn: bool = True, resets: Any = None,
            record: tuple[str, ...] | list[str] = RECORDABLE) -> TMRun:
        """Run steps, learning or not, and return what they did.

        Parameters
        ----------
        columns, resets
            As for :meth:`fit`.
        learn
            Adapt permanences and grow segments (False: inference only; the context still moves).
        record
            Which cells to keep per step, of :data:`RECORDABLE`.

        Returns
        -------
        TMRun
        """
        if not isinstance(learn, (bool, np.bool_)):
            raise ParameterError(f"learn must be True or False, got {learn!r}")
        bits = _record_bits(record)
        self._ensure_started()
        col_ptr, col_idx = as_column_batch(columns, self.params_["n_columns"])
        n_steps = col_ptr.size - 1
        reset_flags = _as_resets(resets, n_steps)
        if isinstance(self._state, _KernelState):
            counts, rec_ptr, rec_cells = self._state.run(col_ptr, col_idx, reset_flags, bool(learn), bits)
        else:
            counts, rec_ptr, rec_cells = _run_reference(self._state, col_ptr, col_idx, reset_flags,
                                                        bool(learn), bits)
        self.iteration_ += n_steps
        self._count_chunks.append(counts)
        per_step = {name: counts[:, k] for k, name in enumerate(kern.COUNT_NAMES)}
        sets = {}
        for j, name in enumerate(RECORDABLE):
            if bits & (1 << j):
                lo, hi = rec_ptr[j:-1:3], rec_ptr[j + 1::3]
                lengths = hi - lo
                keep = np.repeat(lo, lengths) + _ramp(lengths)
                sets[name] = CellSets(np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
                                      rec_cells[keep], self.n_cells_)
        trace = tm_optrace(counts, self.params_["n_columns"], self.params_["cells_per_column"])
        return TMRun(n_steps, per_step, sets.get("active"), sets.get("winner"), sets.get("predictive"), trace)

    def reset(self) -> TemporalMemory:
        """Forget the sequence context (between sequences): no active, winner or predictive cells."""
        self._ensure_started()
        if isinstance(self._state, _KernelState):
            kern.reset_sequence(self._state.idx, self._state.scal, self._state.work)
        else:
            self._state.reset()
        return self

    def kill_cells(self, fraction: float | None = None, *, cells: Any = None,
                   seed: SeedLike = None) -> np.ndarray:
        """Kill cells: they lose their segments and never become active again.

        Parameters
        ----------
        fraction
            Kill this fraction of the layer's cells (rounded), chosen at random among the live
            cells.
        cells
            Or these cells (indices).
        seed
            For the random choice; default: the layer's own stream (``random_state_``).

        Returns
        -------
        int32 array
            The cells killed now (sorted).
        """
        self._ensure_started()
        if (fraction is None) == (cells is None):
            raise ParameterError("kill_cells needs exactly one of fraction (of all cells) or cells (indices)")
        live = np.setdiff1d(np.arange(self.n_cells_), self.dead_cells_)
        if cells is None:
            fraction = as_real("fraction", fraction, 0.0, 1.0)
            n_kill = min(int(round(fraction * self.n_cells_)), live.size)
            rng = self.random_state_ if seed is None else as_generator(seed)
            dead = np.sort(rng.choice(live, n_kill, replace=False)).astype(np.int32)
        else:
            dead = np.setdiff1d(as_active_indices(cells, self.n_cells_, "cells"), self.dead_cells_)
            dead = dead.astype(np.int32)
        if isinstance(self._state, _KernelState):
            self._state.kill(dead)
        else:
            self._state.kill(dead.tolist())
        return dead

    # ------------------------------------------------------------------ inspection
    @property
    def active_cells_(self) -> np.ndarray:
        return self._lists()[0]

    @property
    def winner_cells_(self) -> np.ndarray:
        return self._lists()[1]

    @property
    def predictive_cells_(self) -> np.ndarray:
        return self._lists()[2]

    @property
    def dead_cells_(self) -> np.ndarray:
        self._check_started()
        st = self._state
        if isinstance(st, _KernelState):
            return np.flatnonzero(st.flags & kern.F_DEAD).astype(np.int32)
        return np.array(sorted(st.dead), dtype=np.int32)

    @property
    def n_segments_(self) -> int:
        self._check_started()
        st = self._state
        return int(st.scal[kern.K_NSEG]) if isinstance(st, _KernelState) else len(st.segments)

    @property
    def n_synapses_(self) -> int:
        self._check_started()
        st = self._state
        if isinstance(st, _KernelState):
            return int(st.scal[kern.K_NSYN])
        return sum(len(seg.synapses) for seg in st.segments.values())

    @property
    def optrace_(self) -> OpTrace:
        self._check_started()
        counts = (np.concatenate(self._count_chunks) if self._count_chunks
                  else np.zeros((0, len(kern.COUNT_NAMES)), np.int64))
        return tm_optrace(counts, self.params_["n_columns"], self.params_["cells_per_column"])

    def segments(self) -> dict[str, np.ndarray]:
        """Every segment, ordered by (cell, creation stamp).

        Returns
        -------
        dict
            ``cell``, ``stamp`` (creation order), ``last_active`` (step), ``indptr`` (int64) and,
            per synapse, ``presynaptic`` (int32, sorted within a segment) and ``permanence``
            (float32).
        """
        self._check_started()
        st = self._state
        if isinstance(st, _KernelState):
            info, pre, perm = kern.export_segments(st.ip, st.con, st.n_seg_rows)
            order = np.lexsort((info[:, 1], info[:, 0]))
            starts = np.concatenate(([0], np.cumsum(info[:, 3])))
            pieces = [np.arange(starts[g], starts[g + 1]) for g in order]
            take = np.concatenate(pieces) if pieces else np.zeros(0, np.int64)
            info, pre, perm = info[order], pre[take], perm[take]
        else:
            info, pre, perm = st.export()
        return {"cell": info[:, 0].astype(np.int32), "stamp": info[:, 1], "last_active": info[:, 2],
                "indptr": np.concatenate(([0], np.cumsum(info[:, 3]))).astype(np.int64),
                "presynaptic": pre, "permanence": perm}

    def _lists(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self._check_started()
        st = self._state
        if isinstance(st, _KernelState):
            return (st.active[:st.scal[kern.K_NACT]].copy(), st.winners[:st.scal[kern.K_NWIN]].copy(),
                    kern.predictive_cells(st.segs, st.aseg, st.scal[kern.K_NASEG]))
        return (np.array(st.active, np.int32), np.array(st.winners, np.int32),
                np.array(st.predictive_cells(), np.int32))

    def _check_started(self) -> None:
        if not hasattr(self, "_state"):
            raise ParameterError("this TemporalMemory has not run yet; call fit, partial_fit or run first")


class _KernelState:
    """The arrays of the Numba engine (layout in :mod:`neurosparse.dendrites.tm_kernels`)."""

    def __init__(self, p: dict[str, Any], rng_state: int) -> None:
        n_cols, K = p["n_columns"], p["cells_per_column"]
        n_cells = n_cols * K
        stride = 1 << max(0, (p["max_synapses_per_segment"] - 1).bit_length())
        self.shift = stride.bit_length() - 1
        self.max_segments = (2**31) >> self.shift  # synapse ids are int32
        self.ip = np.array([n_cols, K, p["activation_threshold"], p["min_threshold"], p["max_new_synapses"],
                            p["max_synapses_per_segment"], p["max_segments_per_cell"], self.shift], np.int64)
        self.fp = np.array([p["initial_permanence"], p["connected_permanence"], p["permanence_increment"],
                            p["permanence_decrement"], p["predicted_segment_decrement"]], np.float64)
        check_memory(50 * n_cells, f"a temporal memory of {n_cells} cells", "use fewer columns or cells")
        self.cells = np.zeros((n_cells, kern.N_CELL_FIELDS), np.int32)
        self.cells[:, kern.C_SEGHEAD] = -1
        self.flags = np.zeros(n_cells, np.uint8)
        self.prev_bits = np.zeros(n_cells // 64 + 1, np.uint64)
        self.scal = np.zeros(kern.N_SCAL, np.int64)
        self.rng = np.array([rng_state], np.uint64)
        self.active = np.empty(n_cells, np.int32)
        self.winners = np.empty(n_cells, np.int32)
        self.new_active = np.empty(n_cells, np.int32)
        self.new_winners = np.empty(n_cells, np.int32)
        self.cand = np.empty(n_cells, np.int32)
        self.cell_mark = np.zeros(n_cells, np.int32)
        self.n_seg_rows = 0
        self.entries = np.empty(1 << 12, np.int32)
        self._alloc_segments(min(1024, self.max_segments))

    def _bundle(self) -> None:
        """The tuples the kernels take (rebuilt whenever an array is replaced)."""
        self.idx = (self.cells, self.flags, self.entries, self.syn_pos, self.prev_bits)
        self.con = (self.segs, self.seg64, self.seg_count, self.syn_presyn, self.syn_perm, self.free_seg)
        self.work = (self.active, self.winners, self.aseg, self.mseg, self.touched, self.new_active,
                     self.new_winners, self.cand, self.cell_mark)

    def _alloc_segments(self, rows: int) -> None:
        old = self.n_seg_rows
        stride = 1 << self.shift
        check_memory(rows * (48 + 12 * stride), f"{rows} segments of up to {stride} synapses",
                     "lower max_synapses_per_segment or learn fewer sequences")

        def grown(name, shape, dtype, fill=None):
            out = np.empty(shape, dtype) if fill is None else np.full(shape, fill, dtype)
            if old:
                prev = getattr(self, name)
                out[:prev.shape[0]] = prev
            setattr(self, name, out)

        grown("segs", (rows, kern.N_SEG_FIELDS), np.int32, -1)
        grown("seg64", (rows, kern.N_SEG64_FIELDS), np.int64, -1)
        grown("seg_count", (rows, 2), np.uint8 if self.ip[kern.P_MAX_SYN] <= 255 else np.uint16, 0)
        grown("syn_presyn", rows * stride, np.int32)
        grown("syn_perm", rows * stride, np.float32)
        grown("syn_pos", rows * stride, np.int32)
        for name in ("aseg", "mseg"):
            grown(name, rows, np.int32)
        grown("touched", rows + 1, np.int32)
        free = np.empty(rows, np.int32)
        n_free = int(self.scal[kern.K_NFREE_SEG])
        if old:
            free[:n_free] = self.free_seg[:n_free]
        new_rows = np.arange(rows - 1, old - 1, -1, dtype=np.int32)
        free[n_free:n_free + new_rows.size] = new_rows
        self.free_seg = free
        self.scal[kern.K_NFREE_SEG] = n_free + new_rows.size
        self.n_seg_rows = rows
        self._bundle()

    def _grow_pool(self, room: int) -> None:
        end = int(self.scal[kern.K_POOL_END])
        size = max(2 * self.entries.size, end + room)
        if size > 2**31 - 1:
            raise ParameterError(f"the presynaptic index would need {size} entries (more than 2**31 - 1); "
                                 f"learn fewer sequences or lower max_synapses_per_segment")
        check_memory(4 * size, f"a presynaptic index of {size} entries", "learn fewer sequences")
        grown = np.empty(size, np.int32)
        grown[:end] = self.entries[:end]
        self.entries = grown
        self._bundle()

    def run(self, col_ptr: np.ndarray, col_idx: np.ndarray, resets: np.ndarray, learn: bool,
            bits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n_steps = col_ptr.size - 1
        counts = np.zeros((n_steps, len(kern.COUNT_NAMES)), np.int64)
        rec_ptr = np.zeros(3 * n_steps + 1, np.int64)
        n_cells = self.cells.shape[0]
        rec_cells = np.empty(n_cells + (64 * n_steps if bits else 0), np.int32)
        rec_used = np.zeros(1, np.int64)
        start = 0
        while True:
            done, code = kern.run_steps(self.ip, self.fp, self.idx, self.con, self.scal, self.rng, self.work,
                                        col_ptr, col_idx, resets, learn, start, bits, rec_ptr, rec_cells,
                                        rec_used, counts)
            if code == kern.DONE:
                return counts, rec_ptr, rec_cells
            n_in = int(col_ptr[done + 1] - col_ptr[done])
            if code == kern.NEED_SEGMENTS:
                rows = max(2 * self.n_seg_rows, self.n_seg_rows + n_in)
                if rows > self.max_segments:
                    if self.n_seg_rows + n_in > self.max_segments:
                        raise ParameterError(
                            f"the layer would hold more than {self.max_segments} segments (synapse ids are "
                            f"int32 with {1 << self.shift} slots a segment); lower max_synapses_per_segment "
                            f"or max_segments_per_cell")
                    rows = self.max_segments
                self._alloc_segments(rows)
            elif code == kern.NEED_POOL:
                self._grow_pool(int(kern._pool_room(self.idx, self.scal, self.work,
                                                    int(self.scal[kern.K_NASEG]) + n_in)))
            else:
                grown = np.empty(2 * rec_cells.size + n_cells, np.int32)
                grown[:rec_used[0]] = rec_cells[:rec_used[0]]
                rec_cells = grown
            start = done

    def kill(self, dead: np.ndarray) -> None:
        kern.kill_cells(self.ip, self.idx, self.con, self.scal, self.work, dead)
        kern.activate_dendrites(self.ip, self.idx, self.con, self.scal, self.work, False,
                                np.zeros(len(kern.COUNT_NAMES), np.int64))

    def consistent(self) -> bool:
        """The presynaptic index agrees with the segments (a check for tests)."""
        return kern.check_index(self.ip, self.fp, self.idx, self.con, self.n_seg_rows) == 0


def _run_reference(ref: ReferenceTemporalMemory, col_ptr: np.ndarray, col_idx: np.ndarray,
                   resets: np.ndarray, learn: bool, bits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n_steps = col_ptr.size - 1
    counts = np.zeros((n_steps, len(kern.COUNT_NAMES)), np.int64)
    rec_ptr = np.zeros(3 * n_steps + 1, np.int64)
    rec: list[int] = []
    for t in range(n_steps):
        cols = col_idx[col_ptr[t]:col_ptr[t + 1]].tolist()
        step_counts = ref.step(cols, learn, bool(resets[t]))
        counts[t] = [step_counts[name] for name in kern.COUNT_NAMES]
        for j, cells in enumerate((ref.active, ref.winners, ref.predictive_cells())):
            if bits & (1 << j):
                rec += cells
            rec_ptr[3 * t + j + 1] = len(rec)
    return counts, rec_ptr, np.array(rec, dtype=np.int32)


def as_column_batch(columns: Any, n_columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Active columns per step as CSR ``(indptr int64, indices int32)``, each step's sorted.

    ``columns`` is a 2-D int array (steps x active columns) or a sequence of index arrays or
    SDRs; every index must be a column in ``[0, n_columns)``, once per step.
    """
    if isinstance(columns, np.ndarray) and columns.ndim == 2:
        if columns.size and not np.issubdtype(columns.dtype, np.integer):
            raise ParameterError(f"columns must hold integer column indices, got dtype {columns.dtype}")
        rows = np.sort(columns, axis=1)
        if rows.size and (rows.min() < 0 or rows.max() >= n_columns):
            raise ParameterError(f"columns must hold column indices in [0, n_columns={n_columns}), got "
                                 f"{rows.min()}..{rows.max()}")
        if rows.shape[1] > 1 and np.any(rows[:, 1:] == rows[:, :-1]):
            step = int(np.flatnonzero(np.any(rows[:, 1:] == rows[:, :-1], axis=1))[0])
            raise ParameterError(f"columns must not repeat a column within a step (step {step} does)")
        return (np.arange(rows.shape[0] + 1, dtype=np.int64) * rows.shape[1],
                np.ascontiguousarray(rows, dtype=np.int32).ravel())
    rows = [as_active_indices(c, n_columns, f"columns[{t}] (active columns of n_columns={n_columns})")
            for t, c in enumerate(as_pattern_list(columns, "columns"))]
    lengths = np.array([r.size for r in rows], dtype=np.int64)
    return (np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
            np.concatenate(rows).astype(np.int32) if rows else np.zeros(0, np.int32))


def tm_optrace(counts: np.ndarray, n_columns: int, cells_per_column: int, name: str = "tm") -> OpTrace:
    """The OpTrace of steps with per-step ``counts`` (columns of ``COUNT_NAMES``).

    Layers: ``<name>_input`` (the active columns), ``<name>_distal`` (projection from the cells
    to the segments: ``synaptic_events = effective_acs`` = synapses touched from active cells;
    ``dense_ops`` = cells x segments per step, what a dense matrix would compute;
    ``nonzero_input_ops`` = active cells x segments; ``nonzero_weight_ops`` = synapses held;
    ``weight_bytes_written`` = 4 per permanence update or new synapse; per-step series of the
    learning counts), ``<name>_segments`` (``neuron_updates`` = segments evaluated, ``spikes`` =
    active segments) and ``<name>_cells`` (``spikes`` = active cells, ``neuron_updates`` = active
    plus predictive cells). ``n_steps`` is at least 1 (an empty run counts nothing).
    """
    c = {k: counts[:, i].astype(np.float64) for i, k in enumerate(kern.COUNT_NAMES)}
    n_steps = counts.shape[0]
    n_cells = n_columns * cells_per_column
    segs, syns = c["segments"], c["synapses"]
    touched = c["synapses_touched"]
    last_syn = float(syns[-1]) if n_steps else 0.0
    last_seg = float(segs[-1]) if n_steps else 0.0
    trace = OpTrace(n_samples=1, n_steps=max(n_steps, 1), source="neurosparse.dendrites.temporal_memory")
    trace.add_layer(LayerCounts(
        name=f"{name}_input", kind="input", spikes=c["active_columns"].sum(),
        activations=float(n_columns) * n_steps, nonzero_activations=c["active_columns"].sum(),
        per_step={"spikes": c["active_columns"]}))
    writes = c["permanence_updates"] + c["synapses_grown"]
    trace.add_layer(LayerCounts(
        name=f"{name}_distal", kind="projection", dense_ops=float(n_cells * segs.sum()),
        effective_acs=touched.sum(), synaptic_events=touched.sum(),
        nonzero_input_ops=float((c["active_cells"] * segs).sum()), nonzero_weight_ops=syns.sum(),
        weight_bytes_read=4.0 * touched.sum(), weight_bytes_written=4.0 * writes.sum(),
        # per touched synapse its id; per active cell its block pointer and count; a new synapse
        # writes its presynaptic cell and its entry in the presynaptic index
        metadata_bytes_read=4.0 * touched.sum() + 8.0 * c["active_cells"].sum(),
        metadata_bytes_written=8.0 * c["synapses_grown"].sum(),
        state_bytes_read=8.0 * touched.sum(), state_bytes_written=8.0 * touched.sum(),
        n_params=int(last_syn), n_nonzero_params=int(last_syn), dense_params=int(n_cells * last_seg),
        parameter_bytes=8.0 * last_syn,
        per_step={"synaptic_events": touched, "permanence_updates": c["permanence_updates"],
                  "synapses_grown": c["synapses_grown"], "synapses_removed": c["synapses_removed"],
                  "segments_created": c["segments_created"], "synapses": syns}))
    trace.add_layer(LayerCounts(
        name=f"{name}_segments", kind="population", neuron_updates=c["segments_evaluated"].sum(),
        spikes=c["active_segments"].sum(), activations=c["segments_evaluated"].sum(),
        nonzero_activations=c["active_segments"].sum(), dense_neuron_updates=segs.sum(),
        per_step={"spikes": c["active_segments"], "neuron_updates": c["segments_evaluated"]}))
    trace.add_layer(LayerCounts(
        name=f"{name}_cells", kind="population",
        neuron_updates=(c["active_cells"] + c["predictive_cells"]).sum(), spikes=c["active_cells"].sum(),
        activations=float(n_cells) * n_steps, nonzero_activations=c["active_cells"].sum(),
        dense_neuron_updates=float(n_cells) * n_steps, state_bytes=float(n_cells) / 8.0,
        per_step={"spikes": c["active_cells"], "bursting_columns": c["bursting_columns"],
                  "predictive_cells": c["predictive_cells"]}))
    return trace


def _record_bits(record: Any) -> int:
    if isinstance(record, str) or not isinstance(record, (tuple, list, set, frozenset)):
        raise ParameterError(f"record must be a tuple of names from {RECORDABLE}, got {record!r}")
    bad = [r for r in record if r not in RECORDABLE]
    if bad:
        raise ParameterError(f"record must name cells from {RECORDABLE}, got {bad[0]!r}")
    return sum(1 << j for j, name in enumerate(RECORDABLE) if name in record)


def _as_resets(resets: Any, n_steps: int) -> np.ndarray:
    if resets is None:
        return np.zeros(n_steps, np.bool_)
    arr = np.asarray(resets)
    if arr.shape != (n_steps,) or arr.dtype != np.bool_:
        raise ParameterError(f"resets must be a bool array with one entry per step ({n_steps}), got "
                             f"{arr.dtype} of shape {arr.shape}")
    return np.ascontiguousarray(arr)


def _ramp(lengths: np.ndarray) -> np.ndarray:
    """``[0, 1, ..., l0 - 1, 0, 1, ..., l1 - 1, ...]`` for the given lengths."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    return np.arange(total, dtype=np.int64) - np.repeat(starts, lengths)
