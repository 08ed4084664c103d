#!/usr/bin/env python
"""Temporal sparsity on moving-digit videos: a small conv net, dense vs zero-skipping vs delta MACs.

The experiment lives in :mod:`neurosparse.experiments.delta_video` (so that an installed package
runs it too); this script is its command line, and loading this file (as the notebooks
and tests do) gives the module's names.
"""

import sys

from neurosparse.experiments import delta_video as _experiment

globals().update({k: v for k, v in vars(_experiment).items() if not k.startswith("__")})

if __name__ == "__main__":
    sys.exit(_experiment.main())
