"""neurosparse: simulate sparse, event-driven and bio-inspired computation, count what it
computes, and price it on neuromorphic and conventional hardware."""

__version__ = "0.1.0"

from neurosparse.core import *  # noqa: F403  (the event core is the package's front door)
from neurosparse.core import __all__ as _core_all
from neurosparse.errors import (
    CoarseTimeStepWarning,
    CorruptFileError,
    DivergenceError,
    FileError,
    InsufficientMemoryError,
    MissingDependencyError,
    NeurosparseError,
    NeurosparseWarning,
    ParameterError,
    UnknownNameError,
)
from neurosparse.optrace import LayerCounts, OpTrace

__all__ = list(_core_all) + [
    "CoarseTimeStepWarning", "CorruptFileError", "DivergenceError", "FileError",
    "InsufficientMemoryError", "LayerCounts", "MissingDependencyError", "NeurosparseError",
    "NeurosparseWarning", "OpTrace", "ParameterError", "UnknownNameError", "__version__",
]
