#!/usr/bin/env python
"""Active Dendrites Networks on permuted MNIST, tasks learned in sequence (Iyer et al. 2022).

The experiment lives in :mod:`neurosparse.experiments.continual_dendrites` (so that an installed
package runs it too); this script is its command line: it runs the shipped sweep
(``simulations/sweeps/continual_dendrites.toml``, or ``continual_dendrites_full.toml`` with
``--full``) on Dask workers and writes ``table.md``, ``accuracy.png`` and ``summary.json``.

Example::

    python simulations/continual_dendrites.py --out results/continual_dendrites
    python simulations/continual_dendrites.py --full --out results/continual_dendrites_full
"""

import sys

from neurosparse.experiments import continual_dendrites as _experiment

globals().update({k: v for k, v in vars(_experiment).items() if not k.startswith("__")})

if __name__ == "__main__":
    sys.exit(_experiment.main())
