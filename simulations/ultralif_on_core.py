#!/usr/bin/env python
"""Trained UltraLIF networks, hardened, on the event core: accuracy lost and energy.

The experiment lives in :mod:`neurosparse.experiments.ultralif_on_core` (so that an installed package
runs it too); this script is its command line, and loading this file (as the notebooks
and tests do) gives the module's names.
"""

import sys

from neurosparse.experiments import ultralif_on_core as _experiment

globals().update({k: v for k, v in vars(_experiment).items() if not k.startswith("__")})

if __name__ == "__main__":
    sys.exit(_experiment.main())
