"""The compiled engine of the event core (Numba), one module per job.

* :mod:`.arrays`: the flat arrays a compiled network is made of, and their column names;
* :mod:`.steps`: the registered models' steps, compiled for the kernels;
* :mod:`.dynamics`: neuron updates (ports, the model's step, delta input, reset);
* :mod:`.emission`: Poisson and spike-time input groups;
* :mod:`.propagation`: delivering spikes through CSR rows, the ring buffer and direct ports;
* :mod:`.plasticity`: pair-based STDP;
* :mod:`.serial`: the single-thread loop and its variants;
* :mod:`.parallel`: the multi-thread loop;
* :mod:`.threading_layer`: makes Numba's TBB layer load from a plain ``pip install``.

A step of the loop updates every neuron population and emits every input group (spikes
land in population order), counts and records, then propagates only this step's spikes.
"""

import warnings

from numba.core.errors import NumbaExperimentalFeatureWarning

from neurosparse.core.engine import _cache  # noqa: F401  (before any cached kernel)
from neurosparse.core.engine.threading_layer import preload_tbb

preload_tbb()  # before Numba starts its threading layer: TBB, not spinning OpenMP workers

# the model registry is a tuple of compiled functions unrolled in the kernels; Numba types
# it with its first-class function machinery and says so once per process
warnings.filterwarnings("ignore", message=".*First-class function type feature is experimental",
                        category=NumbaExperimentalFeatureWarning)
