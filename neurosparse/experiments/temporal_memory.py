"""Experiments of Hawkins & Ahmad (2016), Fig. 6, with :class:`~neurosparse.dendrites.TemporalMemory`.

**The stream** (:func:`high_order_stream`), built the way the authors' sequence datasets are
(numenta/htmresearch, ``sequence_prediction_dataset.py``): sequences come in groups sharing
their middle, ``[u, m_1, ..., m_{L-2}, v]`` with the group's middle and each sequence's own
first element ``u`` and last element ``v``, so ``v`` can be predicted only from ``u``,
``L - 1`` steps back; and every group orders the same middle elements differently, so that
after a middle element the next one also depends on the group, that is on ``u`` (a
first-order memory is ambiguous from ``m_2`` on). The stream repeats: one sequence drawn at
random, then
``L - 2`` noise elements (a fresh random SDR each). Of every block of ``2L - 2`` elements the
``L - 1`` after each sequence's first are predictable and nothing else is (the first follows
noise, noise follows anything): **the best achievable accuracy is exactly 50 %**, as in the
paper. Elements are random SDRs of ``n_active`` of ``n_columns`` columns (the paper's 40 of
2048). At ``switch_at`` the sequences are replaced by new ones (``switch="new"``: new elements
and structure) or their endings are rotated within each group (``switch="endings"``: the same
elements, the high-order ends changed).

**Accuracy** (:func:`prediction_accuracy`): after each step the predictive columns are
compared with every sequence element the stream has (noise excluded); the element with the
largest overlap is the prediction (ties drawn at random; no predictive column, no prediction)
and it is correct when the next element is that element. A first-order memory predicts the
union of the endings after a shared middle: the tie makes it right 1 time in ``group_size``.

**Fault tolerance** (:func:`fault_tolerance`): learn, then kill a fraction of the cells and go
on learning; accuracy before, just after, at its lowest and at the end.

**Capacity** (:func:`capacity`): ``n_sequences`` random sequences over a small alphabet (each
element recurs in many contexts), learned with resets between them for ``epochs`` passes,
then tested without learning: the fraction of elements after the first predicted and the
sequences predicted entirely, against cells per column and synapses per segment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from neurosparse._seed import SeedLike, as_generator
from neurosparse.dendrites.temporal_memory import CellSets, TemporalMemory
from neurosparse.errors import ParameterError

__all__ = ["HighOrderStream", "capacity", "fault_tolerance", "high_order_stream", "moving_average",
           "prediction_accuracy", "sequence_learning"]


@dataclass(frozen=True)
class HighOrderStream:
    """A stream of SDR elements.

    Attributes
    ----------
    columns : int32 (n_elements, n_active)
        The active columns of each element.
    element : int64 (n_elements,)
        Which element of ``alphabet`` each is; -1 for noise.
    predictable : bool (n_elements,)
        Whether an ideal high-order predictor could know it in advance.
    alphabet : int32 (n_symbols, n_active)
        The sequence elements (noise excluded), before and after a switch.
    sequences : list of lists of int
        The sequences before the switch, then (if any) after it, as element ids.
    n_columns : int
    """

    columns: np.ndarray
    element: np.ndarray
    predictable: np.ndarray
    alphabet: np.ndarray
    sequences: list[list[int]]
    n_columns: int

    @property
    def best_accuracy(self) -> float:
        """The fraction of predictable elements (0.5 for whole blocks)."""
        return float(self.predictable.mean())


def high_order_stream(n_elements: int, *, n_groups: int = 4, group_size: int = 2, length: int = 6,
                      switch_at: int | None = None, switch: str = "new", n_columns: int = 2048,
                      n_active: int = 40, seed: SeedLike = None) -> HighOrderStream:
    """The paper's high-order stream with noise (module docstring).

    Parameters
    ----------
    n_elements
        Length of the stream.
    n_groups, group_size
        Groups of sequences sharing a middle, and sequences per group.
    length
        Elements per sequence (>= 3: first, shared middle, last).
    switch_at
        Element from which the next sequences are the changed ones (None: never).
    switch
        ``"new"`` (new elements and sequences) or ``"endings"`` (endings rotated in each group).
    n_columns, n_active
        SDR size and active columns per element.
    seed
        int, SeedSequence or Generator.
    """
    if not isinstance(n_elements, (int, np.integer)) or n_elements < 1:
        raise ParameterError(f"n_elements must be an integer >= 1, got {n_elements!r}")
    if length < 3 or n_groups < 1 or group_size < 1:
        raise ParameterError(f"length must be >= 3 and n_groups, group_size >= 1; got {length}, {n_groups}, "
                             f"{group_size}")
    if switch not in ("new", "endings"):
        raise ParameterError(f"switch must be 'new' or 'endings', got {switch!r}")
    if not 1 <= n_active <= n_columns:
        raise ParameterError(f"n_active must be in [1, n_columns={n_columns}], got {n_active}")
    rng = as_generator(seed)
    n_seq = n_groups * group_size
    n_mid = length - 2
    if n_groups > math.factorial(n_mid):
        raise ParameterError(f"n_groups must be at most (length - 2)! = {math.factorial(n_mid)} (each "
                             f"group orders the shared middle elements differently), got {n_groups}")
    symbols_per_set = n_mid + 2 * n_seq

    def sequence_set(first_id: int) -> list[list[int]]:
        pool = list(range(first_id, first_id + n_mid))  # the middle elements every group shares
        ends = iter(range(first_id + n_mid, first_id + symbols_per_set))
        orders: list[list[int]] = []
        while len(orders) < n_groups:  # a different order of the pool in each group
            order = [pool[k] for k in rng.permutation(n_mid)]
            if order not in orders:
                orders.append(order)
        return [[next(ends)] + order + [next(ends)] for order in orders for _ in range(group_size)]

    before = sequence_set(0)
    if switch == "new":
        after = sequence_set(symbols_per_set)
        n_symbols = 2 * symbols_per_set
    else:
        after = []
        for g in range(n_groups):
            group = before[g * group_size:(g + 1) * group_size]
            last = [seq[-1] for seq in group]
            after += [seq[:-1] + [last[(k + 1) % group_size]] for k, seq in enumerate(group)]
        n_symbols = symbols_per_set
    alphabet = np.array([np.sort(rng.choice(n_columns, n_active, replace=False)) for _ in range(n_symbols)],
                        dtype=np.int32)
    element, predictable = [], []
    while len(element) < n_elements:
        current = after if switch_at is not None and len(element) >= switch_at else before
        seq = current[int(rng.integers(n_seq))]
        element += seq + [-1] * (length - 2)
        predictable += [False] + [True] * (length - 1) + [False] * (length - 2)
    element_arr = np.array(element[:n_elements], dtype=np.int64)
    columns = np.empty((n_elements, n_active), np.int32)
    noise = element_arr < 0
    columns[~noise] = alphabet[element_arr[~noise]]
    columns[noise] = np.sort(rng.permuted(np.tile(np.arange(n_columns), (int(noise.sum()), 1)),
                                          axis=1)[:, :n_active], axis=1)
    return HighOrderStream(columns, element_arr, np.array(predictable[:n_elements]), alphabet,
                           before + (after if switch_at is not None else []), n_columns)


def prediction_accuracy(predictive_columns: CellSets, element: np.ndarray, alphabet: np.ndarray,
                        n_columns: int, seed: SeedLike = 0) -> np.ndarray:
    """Whether each step's prediction names the next element (bool, one per step; the last
    step, with no next element, is False).

    The prediction of step ``t`` is the element of ``alphabet`` whose columns overlap most with
    the predictive columns of ``t`` (ties at random, from ``seed``); an empty prediction is wrong.
    """
    n_steps = len(predictive_columns)
    pred = sparse.csr_matrix((np.ones(predictive_columns.cells.size), predictive_columns.cells,
                              predictive_columns.indptr), shape=(n_steps, n_columns))
    rows = np.repeat(np.arange(alphabet.shape[0]), alphabet.shape[1])
    symbols = sparse.csr_matrix((np.ones(rows.size), (alphabet.ravel(), rows)),
                                shape=(n_columns, alphabet.shape[0]))
    overlap = (pred @ symbols).toarray()
    jitter = as_generator(seed).random(overlap.shape)  # random tie-breaking below 1 column
    guess = np.argmax(overlap + 0.5 * jitter, axis=1)
    has = overlap.max(axis=1) > 0
    correct = np.zeros(n_steps, bool)
    nxt = element[1:n_steps + 1] if element.size > n_steps else np.append(element[1:n_steps], -1)
    correct[:nxt.size] = has[:nxt.size] & (guess[:nxt.size] == nxt)
    return correct


def moving_average(x: np.ndarray, window: int) -> np.ndarray:
    """Mean of the last ``window`` values at each step (fewer at the start)."""
    c = np.concatenate(([0.0], np.cumsum(np.asarray(x, dtype=np.float64))))
    idx = np.arange(1, x.size + 1)
    lo = np.maximum(0, idx - window)
    return (c[idx] - c[lo]) / (idx - lo)


def _accuracy_run(tm: TemporalMemory, stream: HighOrderStream, lo: int, hi: int, seed: int,
                  traces: list | None = None) -> np.ndarray:
    run = tm.run(stream.columns[lo:hi], record=("predictive",))
    if traces is not None:
        traces.append(run.optrace)
    cols = run.predictive.columns(tm.cells_per_column)
    return prediction_accuracy(cols, stream.element[lo:hi + 1], stream.alphabet, stream.n_columns, seed)


def sequence_learning(n_elements: int = 6000, switch_at: int | None = 3000, *, switch: str = "new",
                      window: int = 200, seed: int = 0, stream_kw: dict[str, Any] | None = None,
                      tm_kw: dict[str, Any] | None = None) -> dict[str, Any]:
    """Fig. 6A: accuracy against elements seen for the high-order memory (``tm_kw``, the paper's
    by default) and a first-order one (one cell per column), on the same stream.

    Returns
    -------
    dict
        ``correct`` (per model, bool per element), ``accuracy`` (moving averages), ``best``
        (the ideal predictor's moving average), ``optrace`` (per model, the run's
        :class:`~neurosparse.optrace.OpTrace`), ``stream``, and ``summary``, per model: elements
        to reach 95 % of the best accuracy, accuracy before the switch, lowest after it,
        elements to recover, final accuracy.
    """
    rng = np.random.default_rng(seed)
    stream = high_order_stream(n_elements, switch_at=switch_at, switch=switch, seed=rng,
                               **(stream_kw or {}))
    out: dict[str, Any] = {"correct": {}, "accuracy": {}, "summary": {}, "optrace": {}}
    out["best"] = moving_average(np.append(stream.predictable[1:], False), window)
    models = {"high_order": dict(tm_kw or {}), "first_order": {**(tm_kw or {}), "cells_per_column": 1}}
    for name, kw in models.items():
        tm = TemporalMemory(n_columns=stream.n_columns, **{**kw, "seed": int(rng.integers(2**31))})
        traces: list = []
        correct = _accuracy_run(tm, stream, 0, n_elements, seed, traces)
        out["optrace"][name] = traces[0]
        acc = moving_average(correct, window)
        out["correct"][name], out["accuracy"][name] = correct, acc
        out["summary"][name] = _curve_summary(acc, out["best"], switch_at, window)
    out["stream"] = stream
    return out


def _curve_summary(acc: np.ndarray, best: np.ndarray, switch_at: int | None, window: int) -> dict[str, Any]:
    """Elements to reach 95 % of the best moving accuracy, before/after the switch."""
    end = switch_at if switch_at is not None else acc.size
    target = 0.95 * float(np.median(best[window:end]))

    def first_reach(lo: int, hi: int) -> int | None:
        hit = np.flatnonzero(acc[lo:hi] >= target)
        return int(hit[0]) + 1 if hit.size else None

    summary = {"reach_95": first_reach(window, end), "before_switch": float(acc[end - 1]),
               "final": float(acc[-1]), "best": float(np.median(best[window:end]))}
    if switch_at is not None:
        summary["lowest_after_switch"] = float(acc[switch_at:].min())
        low = switch_at + int(np.argmin(acc[switch_at:]))
        rec = first_reach(low, acc.size)
        summary["recovered_after"] = None if rec is None else low + rec - switch_at
    return summary


def fault_tolerance(fraction: float, *, n_train: int = 6000, n_after: int = 4000, window: int = 200,
                    seed: int = 0, stream_kw: dict[str, Any] | None = None,
                    tm_kw: dict[str, Any] | None = None) -> dict[str, Any]:
    """Fig. 6B: learn ``n_train`` elements, kill ``fraction`` of the cells, learn ``n_after`` more.

    Returns
    -------
    dict
        ``accuracy`` (moving average over the whole run), ``killed`` (cells); accuracies
        ``before`` (the last window before the kill), ``just_after`` (the first window after
        it), ``lowest`` (of the windows after it), ``late`` (mean over the second half of the
        run after the kill) and ``best`` (the stream's); ``recovered_after`` (elements after the
        lowest window to come back within 5 % of ``before``; None if it did not).
    """
    if not isinstance(fraction, (int, float)) or not 0 <= fraction <= 1:
        raise ParameterError(f"fraction must be a number in [0, 1], got {fraction!r}")
    rng = np.random.default_rng(seed)
    n = n_train + n_after
    stream = high_order_stream(n, seed=rng, **(stream_kw or {}))
    tm = TemporalMemory(n_columns=stream.n_columns, **{**(tm_kw or {}), "seed": int(rng.integers(2**31))})
    first = _accuracy_run(tm, stream, 0, n_train, seed)
    killed = tm.kill_cells(fraction, seed=rng) if fraction > 0 else np.zeros(0, np.int32)
    second = _accuracy_run(tm, stream, n_train, n, seed + 1)
    acc = moving_average(np.concatenate([first, second]), window)
    before = float(acc[n_train - 1])
    after = moving_average(second, window)[window - 1:]  # windows wholly after the kill
    low = int(np.argmin(after))
    back = np.flatnonzero(after[low:] >= 0.95 * before)
    return {"accuracy": acc, "killed": int(killed.size), "before": before, "just_after": float(after[0]),
            "lowest": float(after[low]), "late": float(second[n_after // 2:].mean()),
            "best": stream.best_accuracy,
            "recovered_after": int(low + back[0] + window) if back.size else None}


def capacity(n_sequences: int, *, cells_per_column: int = 32, synapses: int = 40, length: int = 6,
             n_symbols: int = 50, epochs: int = 30, n_columns: int = 2048, n_active: int = 40,
             seed: int = 0, tm_kw: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sequences stored: learn ``n_sequences`` sequences, then test them without learning.

    Each sequence starts with its own element (so that an ideal memory can predict all of it
    after a reset) followed by ``length - 1`` elements drawn from a shared alphabet of
    ``n_symbols``, so every shared element recurs in about ``n_sequences * (length - 1) /
    n_symbols`` contexts. Learning presents every sequence once per epoch, in a new random
    order, with a reset before each. ``synapses`` is the synapses a segment grows for a pattern
    (``max_new_synapses``), with the paper's thresholds scaled to it (15/40 of it, at least 1).

    Returns
    -------
    dict
        ``accuracy`` (elements after the first predicted), ``stored`` (sequences predicted
        entirely), ``stored_fraction``, ``contexts_per_symbol``, ``segments``, ``synapses``.
    """
    rng = np.random.default_rng(seed)
    n_total = n_symbols + n_sequences
    alphabet = np.array([np.sort(rng.choice(n_columns, n_active, replace=False)) for _ in range(n_total)],
                        dtype=np.int32)
    seqs = []
    for k in range(n_sequences):
        body = [int(rng.integers(n_symbols))]
        while len(body) < length - 1:  # no element twice in a row
            nxt = int(rng.integers(n_symbols - 1))
            body.append(nxt + (nxt >= body[-1]))
        seqs.append(np.array([n_symbols + k] + body))
    threshold = max(1, round(synapses * 15 / 40))
    kw = {"activation_threshold": threshold, "min_threshold": threshold, "max_new_synapses": synapses,
          **(tm_kw or {})}
    tm = TemporalMemory(n_columns=n_columns, cells_per_column=cells_per_column, seed=int(rng.integers(2**31)),
                        **kw)
    order = np.concatenate([rng.permutation(n_sequences) for _ in range(epochs)])
    starts = np.arange(length) == 0
    tm.run(alphabet[np.concatenate([seqs[k] for k in order])], resets=np.tile(starts, order.size), record=())
    test = np.concatenate(seqs)
    run = tm.run(alphabet[test], learn=False, resets=np.tile(starts, n_sequences), record=("predictive",))
    cols = run.predictive.columns(cells_per_column)
    correct = prediction_accuracy(cols, np.append(test, -1), alphabet, n_columns, seed)
    per_seq = correct.reshape(n_sequences, length)[:, :-1]  # step k predicts element k + 1
    return {"accuracy": float(per_seq.mean()), "stored": int(per_seq.all(axis=1).sum()),
            "stored_fraction": float(per_seq.all(axis=1).mean()),
            "contexts_per_symbol": n_sequences * (length - 1) / n_symbols, "segments": tm.n_segments_,
            "synapses": tm.n_synapses_}
