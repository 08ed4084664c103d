"""Classification readouts of Sparsey codes.

- ``"label"``: a class-label field. Each class unit counts, per cell, how often that cell was
  active in a code of the class; an item is given the class whose units receive the most
  input from its active cells, each class normalized by its number of items. Storing and
  reading cost O(active cells x classes), whatever the number of items stored.
- ``"knn"``: the stored code with the largest overlap (intersection size) decides; ties go to
  the earliest stored. Cost grows with the items stored (a baseline, not Sparsey's claim).
"""

from __future__ import annotations

import numpy as np

from neurosparse.errors import ParameterError

__all__ = ["LabelReadout", "NearestCodeReadout", "make_readout"]


class LabelReadout:
    """Class-count weights from cells to class units (Hebbian label field)."""

    def __init__(self, n_cells: int) -> None:
        self.n_cells = n_cells
        self.classes: list = []
        self._weights = np.zeros((n_cells, 0), dtype=np.float64)
        self._items = np.zeros(0, dtype=np.float64)

    @property
    def n_items(self) -> int:
        return int(self._items.sum())

    def add(self, code: np.ndarray, label) -> None:
        if label not in self.classes:
            self.classes.append(label)
            self._weights = np.concatenate([self._weights, np.zeros((self.n_cells, 1))], axis=1)
            self._items = np.append(self._items, 0.0)
        c = self.classes.index(label)
        self._weights[np.asarray(code, dtype=np.bool_), c] += 1.0
        self._items[c] += 1.0

    def scores(self, codes: np.ndarray) -> np.ndarray:
        """(n, classes) input to each class unit."""
        return (np.asarray(codes, dtype=np.float64) @ self._weights) / np.maximum(self._items, 1.0)

    def predict(self, codes: np.ndarray) -> np.ndarray:
        return np.asarray(self.classes)[np.argmax(self.scores(codes), axis=1)]


class NearestCodeReadout:
    """1-nearest stored code by overlap."""

    def __init__(self, n_cells: int) -> None:
        self.n_cells = n_cells
        self._codes: list[np.ndarray] = []
        self._labels: list = []

    @property
    def n_items(self) -> int:
        return len(self._labels)

    @property
    def codes(self) -> np.ndarray:
        """The stored codes (n_items, n_cells), in the order they were added."""
        return np.asarray(self._codes, dtype=np.bool_).reshape(len(self._codes), self.n_cells)

    @property
    def labels(self) -> np.ndarray:
        return np.asarray(self._labels)

    def add(self, code: np.ndarray, label) -> None:
        self._codes.append(np.asarray(code, dtype=np.bool_))
        self._labels.append(label)

    def predict(self, codes: np.ndarray) -> np.ndarray:
        stored = np.asarray(self._codes, dtype=np.float32)
        overlaps = np.asarray(codes, dtype=np.float32) @ stored.T
        return np.asarray(self._labels)[np.argmax(overlaps, axis=1)]


def make_readout(kind: str, n_cells: int) -> LabelReadout | NearestCodeReadout:
    """The readout named ``kind`` ("label" or "knn") over codes of ``n_cells`` cells."""
    if kind == "label":
        return LabelReadout(n_cells)
    if kind == "knn":
        return NearestCodeReadout(n_cells)
    raise ParameterError(f"readout must be 'label' or 'knn'; got {kind!r}")
