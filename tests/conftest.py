"""Suite-wide defaults.

Every test runs the compiled kernels, whatever the state of Numba's on-disk cache (with the
default ``engine="auto"``, a cold cache would send small networks to the interpreted first
tier instead). The tests of the tiers name their engine, or set these themselves.
"""

import os

os.environ.setdefault("NEUROSPARSE_ENGINE", "numba")
os.environ.setdefault("NEUROSPARSE_BACKGROUND_COMPILE", "0")
