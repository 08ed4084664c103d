"""Differentiable spiking models (PyTorch / snnTorch); needs the ``snn`` extra.

Importing this package does not import torch; the modules inside do. The names below are
loaded from their modules on first use (``from neurosparse.snn import UltraLIF``).
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "UltraLIF": "neurosparse.snn.ultralif",
    "UltraDLIF": "neurosparse.snn.ultralif",
    "SurrogateLIF": "neurosparse.snn.ultralif",
    "activity_penalty": "neurosparse.snn.ultralif",
    "soft_max_plus": "neurosparse.snn.ultralif",
    "run_on_core": "neurosparse.snn.on_core",
    "max_former": "neurosparse.snn.maxformer",
    "MaxFormer": "neurosparse.snn.maxformer",
    "MaxFormerConfig": "neurosparse.snn.maxformer",
    "max_resnet18": "neurosparse.snn.max_resnet",
    "MaxResNet": "neurosparse.snn.max_resnet",
    "spikformer": "neurosparse.snn.spikformer",
    "MultiStepLIF": "neurosparse.snn.multistep_lif",
    "MultiStepIF": "neurosparse.snn.multistep_lif",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'neurosparse.snn' has no attribute {name!r}")
