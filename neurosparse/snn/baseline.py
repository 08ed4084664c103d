"""A surrogate-gradient LIF MLP (snnTorch ``Leaky`` neurons) on the bundled digits.

The baseline spiking network of the package: ``Linear -> Leaky -> Linear -> Leaky``,
fed rate-coded images (each pixel a Bernoulli spike train whose probability per step is
its intensity), trained with snnTorch's fast-sigmoid surrogate gradient on the summed
output spikes (cross-entropy on the spike counts). Inputs are time-first,
``[T, batch, features]``, and the model is called once per step, as NeuroBench expects
of stateful spiking models.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

try:
    import snntorch as snn
    import torch
    from snntorch import surrogate
    from torch import nn
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    from neurosparse.errors import MissingDependencyError

    raise MissingDependencyError(
        "neurosparse.snn needs torch and snntorch: pip install 'neurosparse[snn]'") from exc

from neurosparse.errors import ParameterError
from neurosparse.snn._checks import as_count, as_seed, finite_array, real


class SpikingMLP(nn.Module):
    """Two fully connected layers of leaky integrate-and-fire neurons.

    Parameters
    ----------
    n_in, n_hidden, n_out
        Layer sizes.
    beta
        Membrane decay per step (``v <- beta * v + W x``), in (0, 1].
    threshold
        Firing threshold (subtract reset), > 0.

    Call the module once per time step with ``x`` of shape ``[batch, n_in]``; it returns
    the output spikes ``[batch, n_out]`` and keeps the membranes between calls (reset them
    with :meth:`reset`).
    """

    def __init__(self, n_in: int = 64, n_hidden: int = 128, n_out: int = 10, beta: float = 0.9,
                 threshold: float = 1.0):
        super().__init__()
        n_in, n_hidden, n_out = (as_count(name, v, low=1) for name, v in (
            ("n_in", n_in), ("n_hidden", n_hidden), ("n_out", n_out)))
        beta = real("beta", beta, low=0, high=1, low_inclusive=False)
        threshold = real("threshold", threshold, low=0, low_inclusive=False)
        grad = surrogate.fast_sigmoid(slope=25)
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.lif1 = snn.Leaky(beta=beta, threshold=threshold, spike_grad=grad, init_hidden=True)
        self.fc2 = nn.Linear(n_hidden, n_out)
        self.lif2 = snn.Leaky(beta=beta, threshold=threshold, spike_grad=grad, init_hidden=True)

    def reset(self) -> None:
        """Zero every membrane (call before each new sample sequence)."""
        for lif in (self.lif1, self.lif2):
            lif.reset_hidden()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lif2(self.fc2(self.lif1(self.fc1(x))))

    def run(self, inputs: torch.Tensor) -> torch.Tensor:
        """Run a time-first sequence ``[T, batch, n_in]``; returns spikes ``[T, batch, n_out]``."""
        self.reset()
        return torch.stack([self(x_t) for x_t in inputs])


def rate_code(images: np.ndarray, n_steps: int, seed: int | np.random.Generator) -> np.ndarray:
    """Bernoulli spike trains ``[n_steps, n_images, n_pixels]`` from intensities in [0, 1]."""
    n_steps = as_count("n_steps", n_steps, low=1)
    rng = np.random.default_rng(seed if isinstance(seed, np.random.Generator) else as_seed(seed))
    x = np.asarray(finite_array("images", images), dtype=np.float32)
    outside = (x < 0) | (x > 1)
    if outside.any():
        raise ParameterError(f"images must hold intensities in [0, 1], got {x[outside][0]:g} "
                             f"({int(outside.sum())} values outside)")
    return (rng.random((n_steps,) + x.shape) < x).astype(np.float32)


def load_digits_scaled() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits as intensities in [0, 1] and labels."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        from neurosparse.errors import MissingDependencyError

        raise MissingDependencyError("the digits need scikit-learn: pip install 'neurosparse[data]'") from exc
    data = load_digits()
    return (data.data / 16.0).astype(np.float32), data.target.astype(np.int64)


@dataclass
class TrainedDigitsSNN:
    """A trained :class:`SpikingMLP` with its held-out test data."""

    model: SpikingMLP
    test_spikes: np.ndarray  # [T, n_test, 64]
    test_labels: np.ndarray
    accuracy: float
    n_steps: int


def train_digits_snn(n_steps: int = 20, n_hidden: int = 128, epochs: int = 8, batch_size: int = 64,
                     lr: float = 2e-3, seed: int = 0) -> TrainedDigitsSNN:
    """Train :class:`SpikingMLP` on 80 % of the digits; report accuracy on the other 20 %.

    Deterministic for a seed on one machine (torch's CPU kernels, seeded init and batches).
    """
    n_steps = as_count("n_steps", n_steps, low=1)
    n_hidden = as_count("n_hidden", n_hidden, low=1)
    epochs = as_count("epochs", epochs, low=1)
    batch_size = as_count("batch_size", batch_size, low=1)
    lr = real("lr", lr, low=0, low_inclusive=False)
    seed = as_seed(seed)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x, y = load_digits_scaled()
    order = rng.permutation(len(y))
    n_train = int(0.8 * len(y))
    tr, te = order[:n_train], order[n_train:]
    spikes = rate_code(x, n_steps, rng)
    model = SpikingMLP(n_hidden=n_hidden)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        perm = rng.permutation(tr)
        for start in range(0, len(perm), batch_size):
            idx = perm[start:start + batch_size]
            out = model.run(torch.from_numpy(spikes[:, idx]))
            loss = loss_fn(out.sum(0), torch.from_numpy(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        out = model.run(torch.from_numpy(spikes[:, te]))
        accuracy = float((out.sum(0).argmax(1).numpy() == y[te]).mean())
    return TrainedDigitsSNN(model, spikes[:, te], y[te], accuracy, n_steps)
