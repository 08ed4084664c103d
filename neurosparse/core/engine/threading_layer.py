"""Make Numba's TBB threading layer load from a plain ``pip install``.

The ``tbb`` wheel puts ``libtbb.so.12`` in the environment's ``lib/`` folder, which is not
on the dynamic loader's path of a virtualenv or a pyenv Python, so Numba's ``tbbpool``
extension fails to load and Numba falls back to OpenMP, whose worker threads spin while
they wait. Loading the library by its full path first, with global symbols, lets the
extension find it by its soname. Done once, before the first parallel kernel runs.
"""

from __future__ import annotations

import ctypes
import functools
import glob
import os
import sys


def _candidates() -> list[str]:
    """Where the tbb wheel may have put libtbb: this environment's lib/, then the
    files the installed distribution lists."""
    paths = sorted(glob.glob(os.path.join(sys.prefix, "lib", "libtbb.so.12*")))
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        try:
            dist = distribution("tbb")
        except PackageNotFoundError:
            return paths
        for f in dist.files or ():
            if os.path.basename(str(f)).startswith("libtbb.so.12"):
                paths.append(str(dist.locate_file(f)))
    except ImportError:  # pragma: no cover - Python < 3.8
        pass
    return paths


@functools.cache
def preload_tbb() -> str | None:
    """Load libtbb so that Numba's TBB layer can start; returns the file loaded, or None
    where there is none (other platforms, no tbb wheel) or it is already loadable."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        ctypes.CDLL("libtbb.so.12")
        return "libtbb.so.12"  # on the loader's path already
    except OSError:
        pass
    for path in _candidates():
        if os.path.exists(path):
            try:
                ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
                return path
            except OSError:
                continue
    return None
