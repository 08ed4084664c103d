"""Sweep points of the continual-learning study: one network learning permuted-MNIST tasks in
sequence, tested and priced (:mod:`neurosparse.experiments.continual_dendrites`)."""

from __future__ import annotations

import torch

from neurosparse.experiments.continual_dendrites import Setup, learn_permuted_mnist, price_network


def learn_tasks(model: str, n_tasks: int, hidden: int, epochs: int, seed: int, lr: float = 5e-4,
                batch_size: int = 256, kw_percent_on: float = 0.05, weight_sparsity: float = 0.5,
                segment_init: float = 1.0, price: bool = True, trial: int = 0) -> dict[str, float]:
    """Learn ``n_tasks`` permuted-MNIST tasks one after another with ``model`` (``"active_dendrites"``,
    ``"kwta"``, ``"dendrites"`` or ``"mlp"``) from ``seed``, then test (and price) it.

    ``trial`` only labels a repetition: a sweep that varies it in its grid, before ``model``,
    gets one seed per (trial, model) and runs every model's first seed before anyone's second
    (the full sweep does, so that a partial run has all four models).

    Returns
    -------
    dict
        ``accuracy_<c>`` and ``first_task_<c>`` (%) after each checkpoint ``c`` of 1, 2, 5, 10,
        25, 50, 100 tasks reached; ``last_task_accuracy``, ``task_inference``, ``hidden_density``,
        ``train_seconds``; with ``price``, the counts and energies of
        :func:`~neurosparse.experiments.continual_dendrites.price_network`.
    """
    torch.set_num_threads(1)  # one point per worker core
    setup = Setup(n_tasks=n_tasks, hidden=hidden, epochs=epochs, lr=lr, batch_size=batch_size,
                  kw_percent_on=kw_percent_on, weight_sparsity=weight_sparsity, segment_init=segment_init)
    clf, tasks, row = learn_permuted_mnist(model, setup, seed)
    if price:
        row.update(price_network(clf, tasks))
    return row
