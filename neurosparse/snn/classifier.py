"""A spiking classifier with interchangeable neurons, and its training loop.

``SpikingClassifier``: ``depth`` hidden layers ``Linear -> neuron`` and a linear readout of
the last hidden layer's spikes averaged over time (the same non-spiking readout for every
neuron type, so the comparison isolates the hidden neurons). Inputs are time-first
``[T, batch, features]``; at T = 1 a static input is presented once.

Neurons: ``"ultralif"`` and ``"ultradlif"`` (:mod:`neurosparse.snn.ultralif`, learnable
temperature eps per layer, clamped after each optimizer step) and ``"surrogate"`` (a
Heaviside LIF with a fast-sigmoid surrogate gradient, equal to snnTorch's ``Leaky``).

``train_classifier`` runs Adam with cross-entropy plus the optional sparsity penalty
``lam * mean activity`` of the hidden spikes, seeded (same seed, same result on one machine).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

try:
    import torch
    from torch import nn
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    from neurosparse.errors import MissingDependencyError

    raise MissingDependencyError("neurosparse.snn needs torch: pip install 'neurosparse[snn]'") from exc

from neurosparse.errors import ParameterError
from neurosparse.snn._checks import as_count, as_seed, choice, finite_array, real
from neurosparse.snn.ultralif import SurrogateLIF, UltraDLIF, UltraLIF, _copy_module

__all__ = ["NEURONS", "SpikingClassifier", "TrainResult", "train_classifier"]

NEURONS = ("ultralif", "ultradlif", "surrogate")


def _neuron(kind: str, n: int, beta: float, threshold: float) -> nn.Module:
    if kind == "ultralif":
        return UltraLIF(n, beta=beta, threshold=threshold)
    if kind == "ultradlif":
        return UltraDLIF(n, topology="ring", beta=beta, threshold=threshold)
    return SurrogateLIF(beta=beta, threshold=threshold, n=n)


class SpikingClassifier(nn.Module):
    """``depth`` spiking hidden layers and a linear readout of their mean spikes.

    Parameters
    ----------
    n_in, n_hidden, n_out
        Input features, neurons per hidden layer, classes.
    depth
        Hidden layers (>= 1).
    neuron
        One of :data:`NEURONS`.
    beta, threshold
        Membrane decay per step, in (0, 1], and firing threshold, > 0, of every hidden neuron.
    """

    def __init__(self, n_in: int, n_hidden: int, n_out: int, *, depth: int = 1, neuron: str = "ultralif",
                 beta: float = 0.9, threshold: float = 1.0) -> None:
        super().__init__()
        sizes = [as_count("n_in", n_in, low=1)] + [as_count("n_hidden", n_hidden, low=1)] * as_count(
            "depth", depth, low=1)
        self.neuron_kind = choice("neuron", neuron, NEURONS)
        beta = real("beta", beta, low=0, high=1, low_inclusive=False)
        threshold = real("threshold", threshold, low=0, low_inclusive=False)
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.neurons = nn.ModuleList(_neuron(neuron, b, beta, threshold) for b in sizes[1:])
        self.readout = nn.Linear(sizes[-1], as_count("n_out", n_out, low=1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """``x`` ``[T, batch, n_in]`` -> logits ``[batch, n_out]`` and every layer's spikes
        ``[T, batch, n]``."""
        if x.dim() != 3:
            raise ParameterError(f"x must be time-first [T, batch, features]; got shape {tuple(x.shape)}")
        spikes = []
        h = x
        for linear, neuron in zip(self.linears, self.neurons):
            s, _ = neuron.forward_sequence(linear(h))
            spikes.append(s)
            h = s
        return self.readout(h.mean(0)), spikes

    def clamp_(self) -> None:
        """Keep every learnable temperature in its range (after an optimizer step)."""
        for neuron in self.neurons:
            if hasattr(neuron, "clamp_eps_"):
                neuron.clamp_eps_()

    def harden(self) -> SpikingClassifier:
        """A copy of the model with binary spikes in the forward pass (eps -> 0 for Ultra
        neurons; surrogate-LIF spikes are binary already). The model itself stays soft and
        trainable."""
        hardened = _copy_module(self)
        for neuron in hardened.neurons:
            if hasattr(neuron, "hard"):
                neuron.hard = True
        return hardened


@dataclass
class TrainResult:
    """Accuracy and activity of a trained classifier."""

    model: SpikingClassifier
    accuracy: float
    mean_activity: float  # mean hidden spike value on the test set (soft spikes count their value)
    binary_fraction: float  # fraction of hidden spike values that are 0 or 1 to within 1e-3
    history: list[float] = field(default_factory=list)  # training loss per epoch


def train_classifier(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, *,
                     neuron: str = "ultralif", depth: int = 1, n_hidden: int = 128, epochs: int = 10,
                     batch_size: int = 64, lr: float = 2e-3, sparsity: float = 0.0, beta: float = 0.9,
                     threshold: float = 1.0, seed: int = 0) -> TrainResult:
    """Train a :class:`SpikingClassifier` on time-first arrays ``[T, n, features]``.

    Deterministic for a seed on one machine (seeded init, batch order; torch CPU kernels).
    Labels are integers >= 0; every input value must be finite.
    """
    x_train = np.asarray(finite_array("x_train", x_train), np.float32)
    x_test = np.asarray(finite_array("x_test", x_test), np.float32)
    if x_train.ndim != 3 or x_test.ndim != 3 or x_train.shape[2] != x_test.shape[2]:
        raise ParameterError("x_train and x_test must be [T, n, features] with the same features")
    if x_train.shape[0] < 1 or x_train.shape[1] < 1 or x_test.shape[1] < 1:
        raise ParameterError(f"x_train and x_test need at least one step and one item, got shapes "
                             f"{x_train.shape} and {x_test.shape}")
    y_train, y_test = _labels("y_train", y_train), _labels("y_test", y_test)
    if len(y_train) != x_train.shape[1] or len(y_test) != x_test.shape[1]:
        raise ParameterError("y_train / y_test must have one label per item (axis 1 of x)")
    epochs = as_count("epochs", epochs, low=1)
    batch_size = as_count("batch_size", batch_size, low=1)
    lr = real("lr", lr, low=0, low_inclusive=False)
    sparsity = real("sparsity", sparsity, low=0)
    seed = as_seed(seed)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    n_out = int(max(y_train.max(), y_test.max())) + 1
    model = SpikingClassifier(x_train.shape[2], n_hidden, n_out, depth=depth, neuron=neuron, beta=beta,
                              threshold=threshold)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(np.asarray(y_train, np.int64))
    history = []
    for _ in range(epochs):
        order = rng.permutation(xt.shape[1])
        total = 0.0
        for start in range(0, len(order), batch_size):
            idx = torch.from_numpy(order[start:start + batch_size])
            logits, spikes = model(xt[:, idx])
            loss = loss_fn(logits, yt[idx])
            if sparsity > 0:
                loss = loss + sparsity * torch.cat([s.reshape(-1) for s in spikes]).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            model.clamp_()
            total += loss.item() * len(idx)
        history.append(total / len(order))
    accuracy, activity, binary = evaluate(model, x_test, y_test)
    return TrainResult(model, accuracy, activity, binary, history)


def _labels(name: str, y: np.ndarray) -> np.ndarray:
    """Class labels: a 1-D array of integers >= 0."""
    y = finite_array(name, y)
    if y.ndim != 1:
        raise ParameterError(f"{name} must be a 1-D array of class labels, got shape {y.shape}")
    bad = (y < 0) | (y != np.round(y))
    if bad.any():
        raise ParameterError(f"{name} must hold class labels, integers in [0, inf), got {y[bad][0]:g}")
    return y.astype(np.int64)


@torch.no_grad()
def evaluate(model: SpikingClassifier, x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Accuracy, mean hidden spike value and fraction of binary spike values on ``x``."""
    x, y = finite_array("x", x), _labels("y", y)
    if x.ndim != 3 or len(y) != x.shape[1]:
        raise ParameterError(f"x must be [T, n, features] with one label in y per item; got x of shape "
                             f"{x.shape} and {len(y)} labels")
    logits, spikes = model(torch.from_numpy(np.asarray(x, np.float32)))
    flat = torch.cat([s.reshape(-1) for s in spikes])
    binary = ((flat < 1e-3) | (flat > 1 - 1e-3)).float().mean()
    return (float((logits.argmax(1).numpy() == np.asarray(y)).mean()), float(flat.mean()), float(binary))


def static_input(images: np.ndarray, n_steps: int) -> np.ndarray:
    """A static input repeated over ``n_steps``: ``[n_steps, n, features]`` (direct encoding)."""
    x = np.asarray(finite_array("images", images), np.float32).reshape(len(images), -1)
    return np.broadcast_to(x, (as_count("n_steps", n_steps, low=1),) + x.shape).copy()


def spread(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for one value) of finite values."""
    v = finite_array("values", values).astype(np.float64).reshape(-1)
    if v.size == 0:
        raise ParameterError("values must hold at least one number, got none")
    return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0
