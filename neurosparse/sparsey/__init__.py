"""Sparsey (Rinkus 2010, 2014): hierarchical sparse distributed codes with single-trial learning.

- :class:`MacParams`: a mac's CSA and learning parameters, named as in the papers.
- :class:`LevelSpec`: one level's grid of macs and receptive fields.
- :class:`Sparsey`: the hierarchy as an estimator (``fit``/``partial_fit``/``transform``/``predict``).
"""

from neurosparse.sparsey.model import Sparsey
from neurosparse.sparsey.params import MacParams
from neurosparse.sparsey.topology import LevelSpec

__all__ = ["MacParams", "LevelSpec", "Sparsey"]
