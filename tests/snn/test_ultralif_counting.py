"""neurosparse.hardware.count counts our spiking neurons, and sees UltraLIF's soft spikes as values."""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")

import neurosparse.hardware as hw  # noqa: E402
from neurosparse.snn.classifier import SpikingClassifier  # noqa: E402
from neurosparse.snn.ultralif import UltraLIF  # noqa: E402


def _totals(model, x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an uncounted neuron would warn
        return hw.count(model, x, n_samples=x.shape[1]).totals()  # x is [T, batch, features]


def test_soft_spikes_are_all_nonzero_and_drive_macs_while_hardened_spikes_drive_acs():
    torch.manual_seed(0)
    x = torch.rand(4, 8, 16)
    model = SpikingClassifier(16, 32, 3, depth=3, neuron="ultralif")
    soft = _totals(model, x)
    assert soft["membrane_updates"] == 4 * 3 * 32  # every neuron, every step, per sample
    assert soft["spikes"] == soft["membrane_updates"]  # a sigmoid "spike" is never exactly 0
    assert soft["effective_acs"] == 0  # layers 2 and 3 multiply by real values
    hard = _totals(model.harden(), x)
    assert hard["spikes"] < soft["spikes"] and hard["effective_macs"] < soft["effective_macs"]
    assert hard["effective_acs"] > 0 or hard["spikes"] == 0  # binary inputs become accumulates


def test_surrogate_lif_counts_like_snntorch_neurons():
    torch.manual_seed(1)
    t = _totals(SpikingClassifier(16, 32, 3, depth=2, neuron="surrogate"), torch.rand(4, 8, 16))
    assert t["membrane_updates"] == 4 * 2 * 32 and t["spikes"] <= t["membrane_updates"]


def test_count_resets_the_hidden_membrane_of_init_hidden_neurons_before_counting():
    torch.manual_seed(2)
    model = torch.nn.Sequential(torch.nn.Linear(16, 32), UltraLIF(32, eps=0.5, init_hidden=True).harden())
    x = 6 * torch.rand(4, 8, 16)  # [T, batch, features], one call per step

    def totals():
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return hw.count(model, x, time_first=True).totals()

    fresh = totals()
    model[1].mem = torch.full((8, 32), 5.0)  # left over from elsewhere: every neuron above threshold
    assert totals() == fresh
    assert 0 < fresh["spikes"] < 4 * 32  # per sample: some neurons spike, not all
