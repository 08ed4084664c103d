"""One Numba cache stamp for all the compiled code of the event core.

Numba invalidates a cached function when *its own* source file changes, not when a function
it calls from another file does. The core's kernels are spread over several modules (the
engine, the models), so a cached kernel could outlive an edit of a model it inlines. This
module registers a cache locator for functions defined under ``neurosparse/core`` whose
source stamp covers every file compiled code comes from (:data:`COMPILED_SOURCES`: the
engine, the models, the port kinds): an edit of any of them recompiles the kernels, an
edit of the pure-Python parts (network, layout, runner) does not. It must be imported
before the core's first ``@njit(cache=True)``.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from numba.core import caching

_LOCATORS = getattr(caching, "CacheImpl", getattr(caching, "_CacheImpl", None))._locator_classes
_CORE = Path(__file__).resolve().parent.parent
#: The files (or folders) of the core that compiled code is built from.
COMPILED_SOURCES = ("engine", "models", "synapses.py", "connectivity.py")


def fingerprint(root: Path, sources: tuple[str, ...]) -> str:
    """A digest of the name, size and modification time of each Python file of ``sources``
    (files or folders under ``root``)."""
    h = hashlib.sha256()
    for source in sources:
        base = root / source
        for path in sorted(base.rglob("*.py")) if base.is_dir() else [base]:
            st = path.stat()
            h.update(f"{path.relative_to(root)}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()


@functools.cache
def core_fingerprint() -> str:
    """:func:`fingerprint` of the core's compiled sources, once per process."""
    return fingerprint(_CORE, COMPILED_SOURCES)


def cache_folder(py_func, py_file: str) -> str | None:
    """The folder where Numba caches ``py_func`` (defined in ``py_file``), or None."""
    for locator in _LOCATORS:
        found = locator.from_function(py_func, py_file)
        if found is not None:
            return found.get_cache_path()
    return None


class _CoreLocator(caching._CacheLocator):
    """Wraps the locator Numba would choose, with the core-wide source stamp."""

    def __init__(self, inner: caching._CacheLocator):
        self._inner = inner

    def ensure_cache_path(self):
        return self._inner.ensure_cache_path()

    def get_cache_path(self):
        return self._inner.get_cache_path()

    def get_source_stamp(self):
        return (self._inner.get_source_stamp(), core_fingerprint())

    def get_disambiguator(self):
        return self._inner.get_disambiguator()

    @classmethod
    def from_function(cls, py_func, py_file):
        try:
            inside = os.path.commonpath([_CORE, Path(py_file).resolve()]) == str(_CORE)
        except (ValueError, OSError):
            return None
        if not inside:
            return None
        for locator in _LOCATORS:
            if locator is cls:
                continue
            inner = locator.from_function(py_func, py_file)
            if inner is not None:
                return cls(inner)
        return None


if _CoreLocator not in _LOCATORS:
    _LOCATORS.insert(0, _CoreLocator)
