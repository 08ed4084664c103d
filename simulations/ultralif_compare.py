#!/usr/bin/env python
"""UltraLIF and UltraDLIF against a surrogate-gradient LIF, at T = 1 and more, 1 and 3 layers.

The experiment lives in :mod:`neurosparse.experiments.ultralif_compare` (so that an installed package
runs it too); this script is its command line, and loading this file (as the notebooks
and tests do) gives the module's names.
"""

import sys

from neurosparse.experiments import ultralif_compare as _experiment

globals().update({k: v for k, v in vars(_experiment).items() if not k.startswith("__")})

if __name__ == "__main__":
    sys.exit(_experiment.main())
