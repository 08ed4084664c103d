"""Bridges to other simulators and formats. Each imports its package only when called.

* :mod:`neurosparse.interop.brian2`: translate a :class:`~neurosparse.Network` into Brian2
  objects (:func:`to_brian2`) and run it there (:func:`run_brian2`).
* NIR (the Neuromorphic Intermediate Representation): :func:`import_nir` runs any NIR graph
  on the event core (:mod:`.nir_import`; the discretisation of every primitive in
  :mod:`.nir_primitives`, convolutions unrolled to CSR in :mod:`.nir_conv`);
  :func:`export_network` and :func:`export_torch` write core networks and the package's
  PyTorch spiking models to NIR (:mod:`.nir_export`); :func:`read_nir` and :func:`write_nir`
  read and write ``.nir`` files.
"""

from neurosparse.interop.brian2 import Brian2Model, run_brian2, to_brian2
from neurosparse.interop.nir_export import export_network, export_torch, write_nir
from neurosparse.interop.nir_import import import_nir, read_nir
from neurosparse.interop.nir_primitives import PRIMITIVES, NIRGraphError

__all__ = ["PRIMITIVES", "Brian2Model", "NIRGraphError", "export_network", "export_torch", "import_nir",
           "read_nir", "run_brian2", "to_brian2", "write_nir"]
