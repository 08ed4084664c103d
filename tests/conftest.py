"""Suite-wide defaults.

Every test runs the compiled kernels, whatever the state of Numba's on-disk cache (with the
default ``engine="auto"``, a cold cache would send small networks to the interpreted first
tier instead). The tests of the tiers name their engine, or set these themselves.

Before any test starts, the main pytest process compiles every kernel of the event core
once, on both cores (:func:`neurosparse.core.precompile.ensure_compiled`; seconds when the
cache is current): otherwise the test workers each compile the kernels they meet first,
often the same ones at the same time. ``NEUROSPARSE_TEST_PRECOMPILE=0`` skips it.

Each process runs torch on one thread: the workers already use every core, and torch's
spinning worker threads, two per process on two cores, made a notebook run 7 times slower.
"""

import os
import time

os.environ.setdefault("NEUROSPARSE_ENGINE", "numba")
os.environ.setdefault("NEUROSPARSE_BACKGROUND_COMPILE", "0")
os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch is imported; notebook kernels inherit it


def pytest_configure(config):
    if hasattr(config, "workerinput") or os.environ.get("NEUROSPARSE_TEST_PRECOMPILE", "1") == "0":
        return  # a worker: the main process compiled the kernels before starting it
    from neurosparse.core.precompile import ensure_compiled

    tic = time.perf_counter()
    if ensure_compiled(jobs=min(2, os.cpu_count() or 1)):
        print(f"neurosparse: compiled the event core's kernels in {time.perf_counter() - tic:.0f} s")
