"""Dendritic segments and neurons with active dendrites (Ahmad & Hawkins 2016).

- :class:`DendriticSegment`: synapses on presynaptic cells and an NMDA threshold θ.
- :class:`DendriticNeuron`: many segments; predictive when any segment reaches θ.
- :class:`DendriticLayer`: many such neurons evaluated on batches of SDRs (Numba CSR kernels).
- :class:`CoincidencePopulation`: the same segments run event by event on spikes ``(t, i)``,
  detecting coincidences within a window and counting an OpTrace.
- :class:`TemporalMemory`: sequence memory of columns of cells with predictive distal segments
  (Hawkins & Ahmad 2016), Numba kernels whose cost follows the active cells.
"""

from neurosparse.dendrites.events import CoincidencePopulation, CoincidenceResult
from neurosparse.dendrites.layer import DendriticLayer, as_pattern_batch, segment_overlaps_numpy
from neurosparse.dendrites.neuron import STORAGE_MODES, DendriticNeuron
from neurosparse.dendrites.segment import (
    DendriticSegment,
    as_active_indices,
    nmda_spike,
    sample_synapses,
    union_synapses,
)
from neurosparse.dendrites.temporal_memory import TemporalMemory

__all__ = [
    "STORAGE_MODES",
    "CoincidencePopulation",
    "CoincidenceResult",
    "DendriticLayer",
    "DendriticNeuron",
    "DendriticSegment",
    "TemporalMemory",
    "as_active_indices",
    "as_pattern_batch",
    "nmda_spike",
    "sample_synapses",
    "segment_overlaps_numpy",
    "union_synapses",
]
