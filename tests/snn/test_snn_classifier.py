"""The spiking classifier and its training loop: shapes, determinism, hardening, sparsity."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from neurosparse.errors import ParameterError  # noqa: E402
from neurosparse.snn.classifier import (  # noqa: E402
    NEURONS,
    SpikingClassifier,
    evaluate,
    static_input,
    train_classifier,
)


def _blobs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centers = np.eye(3, 12) * 2.0
    return (centers[y] + 0.3 * rng.standard_normal((n, 12))).clip(0, None).astype(np.float32), y


@pytest.mark.parametrize("neuron", NEURONS)
def test_forward_shapes_and_every_layer_returns_spikes(neuron):
    model = SpikingClassifier(12, 16, 3, depth=3, neuron=neuron)
    logits, spikes = model(torch.rand(4, 5, 12))
    assert logits.shape == (5, 3) and len(spikes) == 3 and all(s.shape == (4, 5, 16) for s in spikes)


@pytest.mark.parametrize("neuron", NEURONS)
def test_training_is_deterministic_under_a_seed_and_learns_separable_classes(neuron):
    x, y = _blobs(300, 0)
    xt, yt = _blobs(100, 1)
    runs = [train_classifier(static_input(x, 2), y, static_input(xt, 2), yt, neuron=neuron, n_hidden=32,
                             epochs=15, lr=1e-2, seed=5) for _ in range(2)]
    assert runs[0].accuracy == runs[1].accuracy and runs[0].history == runs[1].history
    assert runs[0].accuracy > 0.8  # chance is 1/3


def test_hardened_ultralif_emits_binary_spikes_and_surrogate_spikes_are_binary_anyway():
    x, y = _blobs(200, 2)
    res = train_classifier(static_input(x, 1), y, static_input(x, 1), y, neuron="ultralif", n_hidden=32,
                           epochs=3, seed=0)
    assert res.binary_fraction < 0.5  # trained UltraLIF "spikes" are mostly sigmoid values
    _, _, binary = evaluate(res.model.harden(), static_input(x, 1), y)
    assert binary == 1.0
    sur = train_classifier(static_input(x, 1), y, static_input(x, 1), y, neuron="surrogate", n_hidden=32,
                           epochs=3, seed=0)
    assert sur.binary_fraction == 1.0


def test_sparsity_penalty_lowers_activity():
    x, y = _blobs(300, 3)
    kwargs = dict(neuron="ultralif", n_hidden=32, epochs=15, lr=1e-2, seed=1)
    dense = train_classifier(static_input(x, 1), y, static_input(x, 1), y, sparsity=0.0, **kwargs)
    sparse = train_classifier(static_input(x, 1), y, static_input(x, 1), y, sparsity=1.0, **kwargs)
    assert sparse.mean_activity < 0.8 * dense.mean_activity


def test_temperatures_stay_in_range_during_training():
    x, y = _blobs(200, 4)
    res = train_classifier(static_input(x, 1), y, static_input(x, 1), y, neuron="ultralif", n_hidden=16,
                           epochs=5, lr=0.5, seed=0)  # a huge step size pushes eps around
    for neuron in res.model.neurons:
        assert neuron.eps_min <= float(neuron.eps.detach()) <= neuron.eps_max


def test_bad_arguments_raise_parameter_errors_naming_them():
    with pytest.raises(ParameterError, match="neuron"):
        SpikingClassifier(4, 4, 2, neuron="izhikevich")
    with pytest.raises(ParameterError, match="depth"):
        SpikingClassifier(4, 4, 2, depth=0)
    with pytest.raises(ParameterError, match="time-first"):
        SpikingClassifier(4, 4, 2)(torch.rand(3, 4))
    x, y = _blobs(10, 5)
    with pytest.raises(ParameterError, match="epochs"):
        train_classifier(static_input(x, 1), y, static_input(x, 1), y, epochs=0)
