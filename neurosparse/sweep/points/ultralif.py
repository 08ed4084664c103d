"""Sweep points of a seed study: UltraLIF and UltraDLIF against a surrogate-gradient LIF,
one training run per point (:mod:`neurosparse.experiments.ultralif_compare`)."""

from __future__ import annotations

import torch

from neurosparse.experiments.ultralif_compare import load_task, run_one


def train_and_test(neuron: str, steps: int, depth: int, seed: int, task: str = "digits",
                   epochs: int = 10, lr: float = 1e-2, sparsity: float = 0.0) -> dict[str, float]:
    """Train one classifier (``neuron``: ``"ultralif"``, ``"ultradlif"`` or ``"surrogate"``)
    on ``task`` with ``steps`` time steps and ``depth`` hidden layers from ``seed``, and
    test it.

    Returns
    -------
    dict
        ``accuracy``, ``hardened_accuracy`` (UltraLIF with its activation hardened to
        spikes), ``mean_activity``, ``binary_fraction``, ``final_loss`` and ``train_seconds``.
    """
    torch.set_num_threads(1)  # one point per worker core
    row = run_one(task, neuron, steps, depth, seed, epochs, sparsity, load_task(task, steps), lr)
    return {k: row[k] for k in ("accuracy", "hardened_accuracy", "mean_activity", "binary_fraction",
                                "final_loss", "train_seconds")}
