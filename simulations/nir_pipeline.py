#!/usr/bin/env python
"""From snnTorch to a chip's energy through NIR: train a spiking CNN on the digits, export it
to NIR, run it on the event core, compare with PyTorch and price it on three targets.

The experiment lives in :mod:`neurosparse.experiments.nir_pipeline` (so that an installed
package runs it too); this script is its command line, and loading this file (as the tests
do) gives the module's names.
"""

import sys

from neurosparse.experiments import nir_pipeline as _experiment

globals().update({k: v for k, v in vars(_experiment).items() if not k.startswith("__")})

if __name__ == "__main__":
    sys.exit(_experiment.main())
