"""Bridges to other simulators. Each bridge imports its simulator only when called.

* :mod:`neurosparse.interop.brian2`: translate a :class:`~neurosparse.Network` into Brian2
  objects (:func:`to_brian2`) and run it there (:func:`run_brian2`).
"""

from neurosparse.interop.brian2 import Brian2Model, run_brian2, to_brian2

__all__ = ["Brian2Model", "run_brian2", "to_brian2"]
