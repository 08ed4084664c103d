"""The COBA network (conductance-based synapses; Vogels & Abbott 2005): raster, rates, ISI CV, v traces.

Runs :func:`neurosparse.demo.activity_script`: :func:`neurosparse.demo.run_demo` (which
writes ``recording.npz`` and ``raster.png``) with the membrane potential of a few excitatory
neurons sampled every step, then writes into ``--out``:

    activity.png   raster of ~500 neurons and population rates over the last 0.5 s,
                   ISI CV histogram of the excitatory population, v traces
    summary.json   parameters, rates, mean ISI CVs, synaptic events, timings

Example::

    python simulations/coba.py --n 4000 --duration 1 --out results/coba
"""

from __future__ import annotations

import sys

from neurosparse.demo import activity_script

if __name__ == "__main__":
    sys.exit(activity_script("coba", __doc__.splitlines()[0]))
