"""Classification readouts of Sparsey codes.

- ``"label"``: a class-label field. Each class unit counts, per cell, how often that cell was
  active in a code of the class; an item is given the class whose units receive the most
  input from its active cells, each class normalized by its number of items. Storing and
  reading cost O(active cells x classes), whatever the number of items stored.
- ``"knn"``: the stored code with the largest overlap (intersection size) decides; ties go to
  the earliest stored. Cost grows with the items stored (a baseline, not Sparsey's claim).
- ``"cosine"``: as ``"knn"`` with the overlap divided by sqrt(|a| |b|), so that items whose
  codes have many active macs (long strokes) do not win by size alone; with ``k > 1`` the k
  nearest vote, each with its similarity.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from scipy import sparse

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
    """k nearest stored codes by overlap (``similarity="overlap"``) or cosine similarity."""

    def __init__(self, n_cells: int, k: int = 1, similarity: str = "overlap") -> None:
        if int(k) != k or k < 1:
            raise ParameterError(f"k must be a positive integer; got {k!r}")
        if similarity not in ("overlap", "cosine"):
            raise ParameterError(f"similarity must be 'overlap' or 'cosine'; got {similarity!r}")
        self.n_cells = n_cells
        self.k = int(k)
        self.similarity = similarity
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

    def similarities(self, codes: np.ndarray) -> np.ndarray:
        """(n, stored) overlap or cosine similarity of each code with each stored code."""
        stored = sparse.csc_matrix(np.asarray(self._codes, dtype=np.bool_).reshape(-1, self.n_cells))
        codes = sparse.csr_matrix(np.asarray(codes, dtype=np.bool_).reshape(-1, self.n_cells))
        # codes are sparse: walk each active cell's list of stored codes holding it
        sim = _overlaps(codes.indptr, codes.indices, stored.indptr, stored.indices,
                        codes.shape[0], stored.shape[0])
        if self.similarity == "cosine":
            norms = np.outer(codes.getnnz(axis=1), stored.getnnz(axis=1))
            sim /= np.sqrt(np.maximum(norms.astype(np.float32), 1.0))
        return sim

    def predict(self, codes: np.ndarray) -> np.ndarray:
        sim = self.similarities(codes)
        labels = np.asarray(self._labels)
        if self.k == 1:
            return labels[np.argmax(sim, axis=1)]
        classes, index = np.unique(labels, return_inverse=True)
        k = min(self.k, sim.shape[1])
        top = np.argsort(-sim, axis=1, kind="stable")[:, :k]
        votes = np.zeros((sim.shape[0], classes.size))
        rows = np.arange(sim.shape[0])
        for j in range(k):
            np.add.at(votes, (rows, index[top[:, j]]), sim[rows, top[:, j]])
        return classes[np.argmax(votes, axis=1)]


@njit(cache=True)
def _overlaps(c_ptr, c_idx, s_ptr, s_idx, n, n_stored):  # pragma: no cover - compiled
    """(n, n_stored) float32 overlap counts from CSR codes and CSC stored codes."""
    out = np.zeros((n, n_stored), dtype=np.float32)
    for i in range(n):
        for a in range(c_ptr[i], c_ptr[i + 1]):
            cell = c_idx[a]
            for b in range(s_ptr[cell], s_ptr[cell + 1]):
                out[i, s_idx[b]] += 1.0
    return out


def make_readout(kind: str, n_cells: int, k: int = 1) -> LabelReadout | NearestCodeReadout:
    """The readout named ``kind`` ("label", "knn" or "cosine") over codes of ``n_cells`` cells."""
    if kind == "label":
        return LabelReadout(n_cells)
    if kind == "knn":
        return NearestCodeReadout(n_cells, k, "overlap")
    if kind == "cosine":
        return NearestCodeReadout(n_cells, k, "cosine")
    raise ParameterError(f"readout must be 'label', 'knn' or 'cosine'; got {kind!r}")
