"""Sweep points of the temporal memory (Hawkins & Ahmad 2016, Fig. 6 and capacity): one
simulation per point, a row of numbers each (:mod:`neurosparse.experiments.temporal_memory`)."""

from __future__ import annotations

from neurosparse.experiments import temporal_memory as tm_exp


def sequences(seed: int, n_elements: int = 6000, switch_at: int = 3000, switch: str = "new",
              n_groups: int = 4, group_size: int = 2, length: int = 6, cells_per_column: int = 32,
              window: int = 200) -> dict[str, float | None]:
    """Fig. 6A: the high-order memory (``cells_per_column``) and a first-order one on the same
    stream, switched at ``switch_at``.

    Returns
    -------
    dict
        Per model (``ho_`` high order, ``fo_`` first order): ``reach_95`` (elements to 95 % of
        the best accuracy), ``before_switch``, ``lowest_after_switch``, ``recovered_after``,
        ``final``; ``best`` (the stream's best accuracy, 0.5).
    """
    out = tm_exp.sequence_learning(n_elements, switch_at, switch=switch, window=window, seed=seed,
                                   stream_kw=dict(n_groups=n_groups, group_size=group_size, length=length),
                                   tm_kw=dict(cells_per_column=cells_per_column))
    row: dict[str, float | None] = {"best": out["summary"]["high_order"]["best"]}
    for name, prefix in (("high_order", "ho_"), ("first_order", "fo_")):
        for key, value in out["summary"][name].items():
            if key != "best":
                row[prefix + key] = value
    return row


def faults(fraction: float, seed: int, n_train: int = 6000, n_after: int = 4000,
           window: int = 200) -> dict[str, float | int | None]:
    """Fig. 6B: kill ``fraction`` of the cells after ``n_train`` elements and go on learning.

    Returns
    -------
    dict
        ``before``, ``just_after``, ``lowest``, ``late`` accuracies, ``recovered_after``
        (elements after the kill), ``killed`` (cells), ``best``.
    """
    out = tm_exp.fault_tolerance(fraction, n_train=n_train, n_after=n_after, window=window, seed=seed)
    return {k: v for k, v in out.items() if k != "accuracy"}


def capacity(n_sequences: int, cells_per_column: int, synapses: int, seed: int, length: int = 6,
             n_symbols: int = 50, epochs: int = 30) -> dict[str, float | int]:
    """Sequences stored by a layer with ``cells_per_column`` cells per column whose segments
    grow ``synapses`` synapses per pattern (thresholds 15/40 of it).

    Returns
    -------
    dict
        ``accuracy``, ``stored``, ``stored_fraction``, ``contexts_per_symbol``, ``segments``,
        ``synapses_total``.
    """
    out = tm_exp.capacity(n_sequences, cells_per_column=cells_per_column, synapses=synapses, length=length,
                          n_symbols=n_symbols, epochs=epochs, seed=seed)
    out["synapses_total"] = out.pop("synapses")
    return out
