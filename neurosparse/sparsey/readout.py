"""Classification readouts of Sparsey codes.

- ``"class_nodes"``: Sparsey's own fixed-time readout (Rinkus 2010, 2014): one class node
  per label, with a binary weight from every code cell, set to 1 in a single trial when the
  cell is active in a code stored with that label (Hebbian, set once, never counted). An item
  gets the class whose node receives the most input, the number of its active cells with a
  set weight to the node:

  .. math:: w_{ic} = [\\exists \\text{ stored } x \\text{ with label } c:\\ x_i = 1],\\qquad
     \\hat c = \\arg\\max_c \\sum_i x_i w_{ic}

  ties to the class stored first. The weights are n_cells x classes bits and storing or
  reading a code costs O(n_cells + active cells x classes), whatever the number stored.
- ``"label"``: a class-label field with counts. Each class unit counts, per cell, how often
  that cell was active in a code of the class; an item is given the class whose units receive
  the most input from its active cells, each class normalized by its number of items. Fixed
  cost as ``"class_nodes"``, but the weights are counts, not bits.
- ``"knn"``: the stored code with the largest overlap (intersection size) decides; ties go to
  the earliest stored. Cost grows with the items stored (a baseline, not Sparsey's claim).
- ``"cosine"``: as ``"knn"`` with the overlap divided by sqrt(|a| |b|), so that items whose
  codes have many active macs (long strokes) do not win by size alone; with ``k > 1`` the k
  nearest vote, each with its similarity.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit
from scipy import sparse

from neurosparse.errors import ParameterError

__all__ = ["ClassNodeReadout", "LabelReadout", "NearestCodeReadout", "make_readout", "READOUTS"]

#: The readouts :func:`make_readout` knows.
READOUTS = ("class_nodes", "label", "knn", "cosine")


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


class ClassNodeReadout:
    """Class nodes with binary Hebbian weights from the code cells, learned in one trial.

    An estimator in the scikit-learn style: the constructor stores ``n_cells`` only; ``fit``
    / ``partial_fit`` learn (``fit`` from scratch), each item once, and return self; learned
    state is in trailing-underscore attributes. Nothing is random: a tie between class nodes
    goes to the class stored first.

    Parameters
    ----------
    n_cells
        Cells of a code (the width of the codes read out).

    Attributes
    ----------
    classes_ : ndarray
        The labels, in the order they were first stored.
    weights_ : ndarray of bool, shape (n_cells, n_classes)
        ``weights_[i, c]``: cell i was active in a code stored with label ``classes_[c]``.
    n_items_ : int
        Items stored.

    Examples
    --------
    >>> import numpy as np
    >>> codes = np.array([[1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 0, 0]], dtype=bool)
    >>> ClassNodeReadout(4).fit(codes, ["a", "b", "a"]).predict([[0, 1, 1, 1]]).tolist()
    ['b']
    """

    def __init__(self, n_cells: int) -> None:
        self.n_cells = n_cells

    @property
    def n_items(self) -> int:
        """Items stored (0 before any)."""
        return getattr(self, "n_items_", 0)

    def _check_codes(self, codes: Any, name: str = "codes") -> np.ndarray:
        codes = np.asarray(codes)
        if codes.ndim == 1:
            codes = codes[None]
        if codes.ndim != 2 or codes.shape[1] != self.n_cells:
            raise ParameterError(f"{name} must have shape (n, {self.n_cells}) (n_cells = {self.n_cells}); "
                                 f"got {np.shape(codes)}")
        if codes.dtype != np.bool_:
            if not np.issubdtype(codes.dtype, np.number) or not np.all((codes == 0) | (codes == 1)):
                raise ParameterError(f"{name} must be binary (bool or 0/1)")
            codes = codes.astype(np.bool_)
        return codes

    def _start(self) -> None:
        if int(self.n_cells) != self.n_cells or self.n_cells < 1:
            raise ParameterError(f"n_cells must be a positive integer; got {self.n_cells!r}")
        self.classes_ = np.array([], dtype=object)
        self.weights_ = np.zeros((int(self.n_cells), 0), dtype=np.bool_)
        self.n_items_ = 0

    def fit(self, codes: Any, y: Any) -> ClassNodeReadout:
        """Forget what is stored, then store each code with its label (one trial each)."""
        self._start()
        return self.partial_fit(codes, y)

    def partial_fit(self, codes: Any, y: Any) -> ClassNodeReadout:
        """Store each code (n, n_cells) with its label y (n,), on top of what is stored."""
        if not hasattr(self, "weights_"):
            self._start()
        codes = self._check_codes(codes)
        y = np.asarray(y, dtype=object).reshape(-1) if np.ndim(y) else np.asarray([y], dtype=object)
        if y.shape != (codes.shape[0],):
            raise ParameterError(
                f"y must have one label per code, shape ({codes.shape[0]},); got {np.shape(y)}")
        for code, label in zip(codes, y):
            self._store(code, label)
        return self

    def add(self, code: np.ndarray, label) -> None:
        """Store one code with its label (what :class:`~neurosparse.sparsey.Sparsey` calls)."""
        self.partial_fit(np.asarray(code)[None], [label])

    def _store(self, code: np.ndarray, label) -> None:
        hit = np.flatnonzero(self.classes_ == label) if self.classes_.size else np.zeros(0, np.int64)
        if hit.size:
            c = int(hit[0])
        else:  # a new class node: one column more (as many times as there are classes)
            self.classes_ = np.append(self.classes_, np.array([label], dtype=object))
            self.weights_ = np.concatenate([self.weights_, np.zeros((self.n_cells, 1), np.bool_)], axis=1)
            c = self.classes_.size - 1
        self.weights_[code, c] = True
        self.n_items_ += 1

    def scores(self, codes: Any) -> np.ndarray:
        """(n, n_classes) int: input to each class node, its set weights from the active cells."""
        if self.n_items == 0:
            raise ParameterError("the class nodes have no stored items; call fit or partial_fit first")
        active = sparse.csr_matrix(self._check_codes(codes), dtype=np.int32)
        return np.asarray(active @ self.weights_.astype(np.int32))

    def predict(self, codes: Any) -> np.ndarray:
        """The label of the class node with the largest input, for each code (ties: first stored)."""
        scores = self.scores(codes)
        labels = self.classes_[np.argmax(scores, axis=1)]
        try:
            return np.array(labels.tolist())
        except (TypeError, ValueError):  # labels NumPy cannot hold in one array
            return labels


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


def make_readout(kind: str, n_cells: int, k: int = 1) -> ClassNodeReadout | LabelReadout | NearestCodeReadout:
    """The readout named ``kind`` (one of :data:`READOUTS`) over codes of ``n_cells`` cells."""
    if kind == "class_nodes":
        return ClassNodeReadout(n_cells)
    if kind == "label":
        return LabelReadout(n_cells)
    if kind == "knn":
        return NearestCodeReadout(n_cells, k, "overlap")
    if kind == "cosine":
        return NearestCodeReadout(n_cells, k, "cosine")
    raise ParameterError(f"readout must be one of {', '.join(map(repr, READOUTS))}; got {kind!r}")
