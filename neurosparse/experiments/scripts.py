"""Load a command-line script of ``simulations/`` as a module (for notebooks and tests).

The scripts ship with the repository, beside the package, not inside it: they are found from
the package's own location, so a notebook works whatever its working directory, and they
are loaded without writing ``.pyc`` files into the checkout.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from neurosparse.errors import MissingFileError

#: ``simulations/`` of the checkout this package was imported from.
SIMULATIONS = Path(__file__).resolve().parents[2] / "simulations"


def script_path(name: str) -> Path:
    """The path of ``simulations/<name>.py``.

    Raises
    ------
    MissingFileError
        If there is no such script (an installed wheel has no ``simulations/``: run from a
        checkout, or import the experiment from :mod:`neurosparse.experiments`).
    """
    path = SIMULATIONS / f"{name}.py"
    if not path.is_file():
        known = sorted(p.stem for p in SIMULATIONS.glob("*.py")) if SIMULATIONS.is_dir() else []
        where = f"one of {known}" if known else f"no scripts found in {SIMULATIONS} (not a checkout?)"
        raise MissingFileError(f"no simulation script {name!r} at {path}; name must be {where}")
    return path


def load_script(name: str) -> ModuleType:
    """Import ``simulations/<name>.py`` as a module named ``name`` and return it.

    The module is executed afresh on every call (its ``main`` can be called as the command
    line would be); no bytecode is written.
    """
    return load_path(script_path(name), name)


def load_path(path: str | Path, name: str | None = None) -> ModuleType:
    """Import the Python file at ``path`` as a module named ``name`` (default: its stem),
    executed afresh and without writing bytecode (e.g. a script of ``benchmarks/``)."""
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"no Python file at {path}")
    spec = importlib.util.spec_from_file_location(name or path.stem, path)
    module = importlib.util.module_from_spec(spec)
    before = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = before
    return module
