"""The surrogate-gradient LIF MLP baseline on the bundled digits."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("snntorch")
pytest.importorskip("sklearn")

from neurosparse.snn.baseline import SpikingMLP, rate_code, train_digits_snn  # noqa: E402


def test_rate_code_fires_with_the_pixel_intensity():
    images = np.array([[0.0, 0.25, 1.0]], dtype=np.float32)
    spikes = rate_code(images, 4000, seed=0)
    assert spikes.shape == (4000, 1, 3)
    assert set(np.unique(spikes)) <= {0.0, 1.0}
    rate = spikes.mean(axis=0)[0]
    assert rate[0] == 0.0 and rate[2] == 1.0
    assert abs(rate[1] - 0.25) < 4 * np.sqrt(0.25 * 0.75 / 4000)


def test_rate_code_rejects_values_outside_unit_interval():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        rate_code(np.array([[1.5]]), 3, seed=0)


def test_membrane_follows_leaky_integration_and_resets():
    """One neuron, weight 0.6 per input spike, beta 0.5: v = 0.6, 0.9, 1.05 -> spike."""
    model = SpikingMLP(n_in=1, n_hidden=1, n_out=1, beta=0.5)
    with torch.no_grad():
        model.fc1.weight.fill_(0.6)
        model.fc1.bias.zero_()
    model.reset()
    spikes = []
    with torch.no_grad():
        for _ in range(4):
            spikes.append(float(model.lif1(model.fc1(torch.ones(1, 1))).item()))
            if len(spikes) == 3:
                assert float(model.lif1.mem.item()) == pytest.approx(1.05)
    # after the spike the threshold is subtracted: 0.5 * 1.05 + 0.6 - 1.0 = 0.125
    assert spikes == [0.0, 0.0, 1.0, 0.0]
    assert float(model.lif1.mem.item()) == pytest.approx(0.125)


def test_training_learns_digits_and_is_reproducible():
    a = train_digits_snn(n_steps=10, epochs=3, seed=3)
    b = train_digits_snn(n_steps=10, epochs=3, seed=3)
    assert a.accuracy > 0.85  # chance is 0.1
    assert a.accuracy == b.accuracy
    for pa, pb in zip(a.model.parameters(), b.model.parameters()):
        assert torch.equal(pa, pb)
