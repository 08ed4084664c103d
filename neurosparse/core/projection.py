"""A projection: the synapses from one population to a port of another, stored as CSR.

Storage per synapse: the target index (int32), the weight (float32) unless all weights
are equal and fixed, and the delay in steps (uint16) unless all delays are equal. A
homogeneous weight or delay is stored once, so a static projection with one weight and
one delay costs 4 bytes per synapse plus the row pointers (8 bytes per presynaptic neuron).
Plastic (STDP) projections also keep a transposed index (8 + 4 bytes per synapse) for the
postsynaptic updates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neurosparse.core.synapses import STDP


@dataclass
class Projection:
    """Built synapses of one projection.

    Attributes
    ----------
    name, source, target, port
        Names of the projection, its source and target populations and the target port.
    n_pre, n_post
        Sizes of the source and target populations.
    indptr
        int64 row pointers, length ``n_pre + 1``.
    indices
        int32 postsynaptic (local) indices, rows sorted ascending.
    weights
        float32 per-synapse weights, or None when homogeneous (see ``weight``).
    weight
        The single weight of a homogeneous projection (float), else None.
    delays
        uint16 per-synapse delays in steps, or None when homogeneous (see ``delay_steps``).
    delay_steps
        The single delay in steps of a homogeneous projection, else None.
    plasticity
        The STDP rule, or None for a static projection.
    """

    name: str
    source: str
    target: str
    port: str
    n_pre: int
    n_post: int
    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray | None
    weight: float | None
    delays: np.ndarray | None
    delay_steps: int | None
    plasticity: STDP | None = None
    extra: dict = field(default_factory=dict)

    @property
    def n_synapses(self) -> int:
        return int(self.indices.shape[0])

    @property
    def max_delay_steps(self) -> int:
        if self.delays is None:
            return int(self.delay_steps)
        return int(self.delays.max()) if self.delays.size else 1

    def weight_array(self) -> np.ndarray:
        """Per-synapse weights as float32 (expanded if homogeneous)."""
        if self.weights is not None:
            return self.weights
        return np.full(self.n_synapses, self.weight, dtype=np.float32)

    def delay_array(self) -> np.ndarray:
        """Per-synapse delays in steps (expanded if homogeneous)."""
        if self.delays is not None:
            return self.delays.astype(np.int64)
        return np.full(self.n_synapses, self.delay_steps, dtype=np.int64)

    def pre_indices(self) -> np.ndarray:
        """Presynaptic index of every synapse (CSR order)."""
        return np.repeat(np.arange(self.n_pre, dtype=np.int64), np.diff(self.indptr))

    def bytes_per_synapse(self) -> float:
        """Bytes of synapse storage divided by the number of synapses (row pointers included)."""
        if self.n_synapses == 0:
            return 0.0
        return self.storage_bytes() / self.n_synapses

    def storage_bytes(self) -> int:
        """Bytes held by this projection's arrays."""
        total = self.indptr.nbytes + self.indices.nbytes
        if self.weights is not None:
            total += self.weights.nbytes
        if self.delays is not None:
            total += self.delays.nbytes
        for arr in self.extra.values():
            total += arr.nbytes
        return int(total)

    def to_scipy(self):
        """The weights as a ``scipy.sparse.csr_array`` of shape ``(n_pre, n_post)``."""
        from scipy import sparse

        return sparse.csr_array((self.weight_array(), self.indices, self.indptr),
                                shape=(self.n_pre, self.n_post))
