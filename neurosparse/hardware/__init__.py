"""The hardware cost model: count what a model computes, transform it, price it on a chip.

Every model produces an :class:`OpTrace`; :func:`count` makes one for a PyTorch model
(``torch_count``, needs the ``snn`` extra). Importing this package never imports torch:
names from torch modules are loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from neurosparse.hardware.delta import delta_counts, delta_encode
from neurosparse.hardware.estimate import (
    CostReport,
    ann_layer_energy,
    breakeven_spike_rate,
    estimate,
    snn_layer_energy,
)
from neurosparse.hardware.sparsity import format_bytes, skip
from neurosparse.hardware.target import Target, list_targets, load_target, register_target_dir
from neurosparse.optrace import LayerCounts, OpTrace

# Eager imports above bind the functions after their submodules (``estimate`` the function
# shadows the ``estimate`` module attribute). Names from torch modules load on first use.
_LAZY = {
    "count": "neurosparse.hardware.torch_count",
    "register_counter": "neurosparse.hardware.torch_count",
    "neurobench_metrics": "neurosparse.hardware.torch_neurobench",
    "DeltaActivationLayer": "neurosparse.hardware.torch_delta",
    "measure_delta_sparsity": "neurosparse.hardware.torch_delta",
}

__all__ = ["CostReport", "LayerCounts", "OpTrace", "Target", "ann_layer_energy",
           "breakeven_spike_rate", "delta_counts", "delta_encode", "estimate", "format_bytes",
           "list_targets", "load_target", "register_target_dir", "skip", "snn_layer_energy",
           *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'neurosparse.hardware' has no attribute {name!r}")
