"""Sweep points of the Max-Former study: one mini Max-Former variant trained on one task from
one seed per point (:mod:`neurosparse.experiments.maxformer_study`)."""

from __future__ import annotations

import torch

from neurosparse.experiments.maxformer_study import train_and_evaluate


def train_and_test(variant: str, task: str, seed: int, epochs: int = 6, time_steps: int = 2,
                   n_train: int = 384, n_test: int = 256, lr: float = 2e-2,
                   noise: float = 1.0) -> dict[str, float]:
    """Train the mini Max-Former ``variant`` (``"maxformer"``, ``"max_mixing"``,
    ``"avg_mixing"``, ``"conv_down"``, ``"attention"``, ``"if"``, ``"ann"``) on ``task``
    (``"freq-high"``, ``"freq-low"``, ``"digits"``, ``"mnist"``, ``"dvs"``) from ``seed``.

    Returns
    -------
    dict
        ``accuracy``, ``train_accuracy``, ``firing_rate``, ``macs``, ``acs`` (per test sample),
        ``energy_mac_ac_j`` (E_MAC 4.6 pJ / E_AC 0.9 pJ), ``energy_loihi_j``,
        ``energy_spinnaker2_j``, ``energy_a100_j``, ``n_params``, ``final_loss``,
        ``train_seconds`` (wall) and ``cpu_seconds`` (the times are not seeded).
    """
    torch.set_num_threads(1)  # one point per worker core
    return train_and_evaluate(variant, task, seed, epochs=epochs, time_steps=time_steps, n_train=n_train,
                              n_test=n_test, lr=lr, noise=noise)
