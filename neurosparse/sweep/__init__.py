"""Parameter sweeps on Dask: a function, its points and seeds, results that survive interruption.

* :class:`Sweep` (:mod:`neurosparse.sweep.spec`): a function named by import path, a grid,
  explicit points and random samples, replicas, and the seed each run gets.
* :func:`run` (:mod:`neurosparse.sweep.execute`): run it on a local Dask cluster, an
  existing scheduler, or here (``workers=0``); returns a pandas DataFrame.
* :class:`ResultStore` (:mod:`neurosparse.sweep.store`): the output folder as the state a
  resumed sweep starts from.
* :mod:`neurosparse.sweep.points`: the functions of the shipped sweeps.

From the shell: ``neurosparse sweep SWEEP.toml --out DIR [--workers N | --scheduler ADDRESS]``.
Running a sweep file runs the code it names.
"""

from neurosparse.sweep.execute import as_sweep, evaluate, read_table, run
from neurosparse.sweep.spec import Point, Sweep, child_seed
from neurosparse.sweep.store import ResultStore

__all__ = ["Point", "ResultStore", "Sweep", "as_sweep", "child_seed", "evaluate", "read_table", "run"]
