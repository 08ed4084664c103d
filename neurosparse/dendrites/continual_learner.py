"""Learning tasks one after another with an Active Dendrites Network, no replay.

:class:`ContinualDendritesClassifier` follows the scikit-learn estimator contract: the
constructor stores its parameters, :meth:`~ContinualDendritesClassifier.learn_task` learns one
task and returns ``self``, learned state ends in ``_``. Learning task ``t`` (Iyer et al. 2022):

1. its prototype ``c_t``, the mean of its training inputs, is stored (``prototypes_``);
2. the network (:class:`~neurosparse.dendrites.continual.ActiveDendritesNetwork`) is trained on
   the task's data alone for ``epochs`` passes of shuffled batches, every sample given ``c_t``
   as its context, with Adam (one optimizer for the whole sequence) and cross-entropy on the
   shared ten-class head; after each step the sparse weights' zeros are put back.

No task label is given at test time: :meth:`~ContinualDendritesClassifier.predict` gives each
input the stored prototype nearest to it. The same class trains the ablations (no dendrites,
no k-WTA, neither: a plain MLP), which ignore the context. Torch only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Union

import numpy as np
import torch
from torch.nn import functional as F

from neurosparse.dendrites.continual import ActiveDendritesNetwork, nearest_prototype, prototype
from neurosparse.errors import ParameterError

__all__ = ["ContinualDendritesClassifier"]

#: Inputs and labels: NumPy arrays (or anything ``numpy.asarray`` takes) or torch tensors.
ArrayLike = Union[np.ndarray, torch.Tensor, Sequence]  # noqa: UP007 (runtime alias)


class ContinualDendritesClassifier:
    """An Active Dendrites Network (or one of its ablations) learning tasks in sequence.

    Parameters
    ----------
    hidden_sizes
        Widths of the hidden layers (published: 2048, 2048).
    num_segments
        Dendritic segments per hidden unit (published: one per task).
    dendrites, kw
        Dendritic gating; k-winners-take-all (else ReLU).
    kw_percent_on
        Fraction of each hidden layer k-WTA keeps (published: 0.05).
    weight_sparsity
        Fraction of hidden feed-forward weights fixed at zero (published: 0.5).
    segment_init
        Scale of the segments' initial weights (:class:`~neurosparse.dendrites.continual.DendriticSegments`).
    n_classes
        Size of the shared output head.
    epochs
        Passes over each task's training data.
    lr
        Adam's learning rate.
    batch_size
        Samples per step (published: 256).
    seed
        Seeds the network (weights and masks) and the batch order.

    Attributes
    ----------
    network_ : ActiveDendritesNetwork
    optimizer_ : torch.optim.Adam
    prototypes_ : torch.Tensor (n_tasks_, n_features)
        One context per task learned, in order.
    n_tasks_ : int
    losses_ : list of float
        Mean training loss of each epoch, over all tasks in order.
    """

    def __init__(self, hidden_sizes: Sequence[int] = (2048, 2048), num_segments: int = 10, *,
                 dendrites: bool = True, kw: bool = True, kw_percent_on: float = 0.05,
                 weight_sparsity: float = 0.5, segment_init: float = 1.0, n_classes: int = 10,
                 epochs: int = 3, lr: float = 5e-4, batch_size: int = 256, seed: int = 0):
        self.hidden_sizes = hidden_sizes
        self.num_segments = num_segments
        self.dendrites = dendrites
        self.kw = kw
        self.kw_percent_on = kw_percent_on
        self.weight_sparsity = weight_sparsity
        self.segment_init = segment_init
        self.n_classes = n_classes
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.seed = seed

    # ------------------------------------------------------------------------ learning
    def learn_task(self, X: ArrayLike, y: ArrayLike) -> ContinualDendritesClassifier:
        """Learn one more task from its training data ``X (n, d)``, labels ``y (n,)`` in
        ``[0, n_classes)``; the network is built on the first call."""
        x, labels = self._as_data(X, y)
        if not hasattr(self, "network_"):
            self._build(x.shape[1])
        elif x.shape[1] != self.network_.hidden[0].linear.in_features:
            raise ParameterError(f"X has {x.shape[1]} features, the network was built for "
                                 f"{self.network_.hidden[0].linear.in_features}")
        context = prototype(x)
        self.prototypes_ = torch.cat([self.prototypes_, context.unsqueeze(0)])
        self.n_tasks_ += 1
        net, opt = self.network_, self.optimizer_
        net.train()
        for _ in range(int(self.epochs)):
            order = torch.from_numpy(self.rng_.permutation(len(x)))
            total = 0.0
            for start in range(0, len(x), int(self.batch_size)):
                batch = order[start:start + int(self.batch_size)]
                loss = F.cross_entropy(net(x[batch], context if net.dendrites else None), labels[batch])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                net.rezero_weights()
                total += float(loss.detach()) * len(batch)
            self.losses_.append(total / len(x))
        return self

    partial_fit = learn_task

    def fit(self, tasks: Iterable[tuple[np.ndarray, np.ndarray]]) -> ContinualDendritesClassifier:
        """Forget everything learned, then learn ``tasks`` (pairs ``(X, y)``) one after another."""
        for name in [k for k in vars(self) if k.endswith("_")]:
            delattr(self, name)
        for X, y in tasks:
            self.learn_task(X, y)
        if not hasattr(self, "network_"):
            raise ParameterError("fit needs at least one task (X, y)")
        return self

    # ------------------------------------------------------------------------ inference
    def infer_task(self, X: ArrayLike) -> np.ndarray:
        """The task each input is attributed to: the index of its nearest prototype."""
        self._check_fitted()
        return nearest_prototype(self._as_inputs(X), self.prototypes_).numpy()

    def decision_function(self, X: ArrayLike, batch_size: int = 1000) -> np.ndarray:
        """Logits ``(n, n_classes)``, each input in the context of its nearest prototype."""
        self._check_fitted()
        x = self._as_inputs(X)
        net = self.network_
        net.eval()
        out = []
        with torch.no_grad():
            for start in range(0, len(x), batch_size):
                chunk = x[start:start + batch_size]
                context = (self.prototypes_[nearest_prototype(chunk, self.prototypes_)]
                           if net.dendrites else None)
                out.append(net(chunk, context))
        return torch.cat(out).numpy()

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predicted labels ``(n,)``, no task label given (the context is inferred)."""
        return self.decision_function(X).argmax(axis=1)

    def score(self, X: ArrayLike, y: ArrayLike) -> float:
        """Accuracy of :meth:`predict` on ``(X, y)``."""
        _, labels = self._as_data(X, y)
        return float((self.predict(X) == labels.numpy()).mean())

    # ------------------------------------------------------------------------ helpers
    def _build(self, n_features: int) -> None:
        for name in ("epochs", "batch_size", "num_segments", "n_classes"):
            v = getattr(self, name)
            low = 0 if name == "epochs" else 1
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
                raise ParameterError(f"{name} must be an integer >= {low}, got {v!r}")
        if not (isinstance(self.lr, (int, float)) and self.lr > 0):
            raise ParameterError(f"lr must be a number > 0, got {self.lr!r}")
        self.network_ = ActiveDendritesNetwork(
            n_features, int(self.n_classes), tuple(self.hidden_sizes), int(self.num_segments), n_features,
            dendrites=self.dendrites, kw=self.kw, kw_percent_on=self.kw_percent_on,
            weight_sparsity=self.weight_sparsity, segment_init=float(self.segment_init), seed=int(self.seed))
        self.optimizer_ = _adam(self.network_.parameters(), float(self.lr))
        self.rng_ = np.random.default_rng(np.random.SeedSequence([int(self.seed), 1]))
        self.prototypes_ = torch.empty(0, n_features)
        self.n_tasks_ = 0
        self.losses_: list[float] = []

    def _check_fitted(self) -> None:
        if not hasattr(self, "network_"):
            raise ParameterError("this classifier has learned no task yet: call learn_task(X, y) first")

    def _as_inputs(self, X: ArrayLike) -> torch.Tensor:
        x = torch.as_tensor(np.asarray(X, dtype=np.float32) if not isinstance(X, torch.Tensor) else X,
                            dtype=torch.float32)
        if x.dim() != 2 or not len(x):
            raise ParameterError(f"X must be a non-empty (n_samples, n_features) array, got shape "
                                 f"{tuple(x.shape)}")
        if not torch.isfinite(x).all():
            raise ParameterError("X holds NaN or infinite values")
        if hasattr(self, "network_") and x.shape[1] != self.prototypes_.shape[1]:
            raise ParameterError(f"X has {x.shape[1]} features, the network takes "
                                 f"{self.prototypes_.shape[1]}")
        return x

    def _as_data(self, X: ArrayLike, y: ArrayLike) -> tuple[torch.Tensor, torch.Tensor]:
        x = self._as_inputs(X)
        labels = torch.as_tensor(np.asarray(y), dtype=torch.int64)
        if labels.shape != (len(x),):
            raise ParameterError(f"y must hold one label per row of X ({len(x)}), got shape "
                                 f"{tuple(labels.shape)}")
        if labels.min() < 0 or labels.max() >= int(self.n_classes):
            raise ParameterError(f"labels must be in [0, {self.n_classes}), got [{int(labels.min())}, "
                                 f"{int(labels.max())}]")
        return x, labels


def _adam(params: Iterable[torch.nn.Parameter], lr: float) -> torch.optim.Adam:
    """Adam, fused where this torch has the fused CPU kernel (4x faster on the segments' many
    weights, the same update rule)."""
    params = list(params)
    try:
        return torch.optim.Adam(params, lr=lr, fused=True)
    except (RuntimeError, TypeError):  # an older torch without fused CPU Adam
        return torch.optim.Adam(params, lr=lr)
