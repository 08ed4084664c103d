"""Which engine runs a network: the compiled Numba kernel, or the interpreted first tier.

The kernels are compiled on their first use after installing and kept in Numba's on-disk
cache for every later process. That first compilation takes several seconds, longer than
simulating a small network. So, with ``engine="auto"`` (the default), a run whose kernel is
not in the cache yet, that the interpreter supports (:func:`neurosparse.core.interpreter.supports`)
and that it would finish within :data:`INTERPRETER_BUDGET_SECONDS`, is run by the
interpreter, with identical results, while a background process compiles the kernel into
the cache for the next run. Once the kernel is cached, its first call in a process still
costs about half a second of Numba's set-up; short runs are interpreted until they have
cost as much (:func:`choose_auto`). Everything else runs the kernel.

``NEUROSPARSE_ENGINE`` (``auto``, ``numba`` or ``numpy``) sets the default engine;
``NEUROSPARSE_BACKGROUND_COMPILE=0`` turns the background compilation off.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

from neurosparse.errors import ParameterError

ENGINES = ("auto", "numba", "numpy")
ENGINE_ENV = "NEUROSPARSE_ENGINE"
BACKGROUND_ENV = "NEUROSPARSE_BACKGROUND_COMPILE"
#: ``auto`` interprets a run only when it is expected to take at most this long: compiling
#: the kernel takes about 5 s on a 2-core VM, so longer runs are better compiled
INTERPRETER_BUDGET_SECONDS = 2.0
# the interpreter's cost per step (s) and per neuron-step: on CUBA on a 2-core VM it took
# 38 us per step at 1,000 neurons and 13 ns per neuron-step at 64,000; generous, so the
# estimate errs toward compiling
_STEP_SECONDS = 30e-6
_NEURON_STEP_SECONDS = 20e-9
_DRAW_CALL_SECONDS = 3e-6

#: the kernel's first call in a process, even from the cache, costs about this much (Numba
#: sets up its typing registries); measured 0.50-0.56 s on a 2-core VM
FIRST_CALL_SECONDS = 0.5

_background: dict[tuple, subprocess.Popen] = {}
# this process so far: has a kernel run, and how long have runs been interpreted
_process = {"kernel_ran": False, "interpreted_seconds": 0.0}


def check_engine(engine: str | None) -> str:
    """``engine`` or the default from ``NEUROSPARSE_ENGINE``, validated."""
    if engine is None:
        engine = os.environ.get(ENGINE_ENV, "auto")
        what = f"{ENGINE_ENV} (environment)"
    else:
        what = "engine"
    if engine not in ENGINES:
        raise ParameterError(f"{what} must be one of {', '.join(ENGINES)}, got {engine!r}")
    return engine


def choose_auto(supported: bool, estimate: float, kernel_ready: Callable[[], bool],
                features: tuple[bool, bool, bool]) -> str:
    """The engine ``auto`` picks for a run.

    Parameters
    ----------
    supported
        The interpreter can run it (network and thread count).
    estimate
        :func:`interpreter_seconds` for the run.
    kernel_ready
        Called (at most once) to ask whether its kernel is compiled or cached.
    features
        Its kernel variant, compiled in the background when the interpreter stands in.

    Returns
    -------
    ``"numpy"`` when the kernel is not compiled yet and the run is within
    :data:`INTERPRETER_BUDGET_SECONDS`; also, with the kernel cached but not yet called in
    this process, while the runs interpreted so far plus this one stay within
    :data:`FIRST_CALL_SECONDS` (a rent-or-buy rule: at most twice the better choice).
    Otherwise ``"numba"``.
    """
    if not supported or estimate > INTERPRETER_BUDGET_SECONDS:
        return "numba"
    if not kernel_ready():
        compile_in_background(features)
        return "numpy"
    if (not _process["kernel_ran"]
            and _process["interpreted_seconds"] + estimate <= FIRST_CALL_SECONDS):
        return "numpy"
    return "numba"


def record_run(engine: str, seconds: float) -> None:
    """Note a finished run for :func:`choose_auto`."""
    if engine == "numba":
        _process["kernel_ran"] = True
    else:
        _process["interpreted_seconds"] += seconds


def interpreter_seconds(n_neurons: int, n_steps: int, draw_calls_per_step: float = 0.0) -> float:
    """A generous estimate of the interpreter's time for a run (``draw_calls_per_step``:
    random-generator calls per step for Poisson groups)."""
    return n_steps * (_STEP_SECONDS + _NEURON_STEP_SECONDS * n_neurons
                      + _DRAW_CALL_SECONDS * draw_calls_per_step)


def kernel_ready(dispatcher, args: tuple) -> bool:
    """Whether ``dispatcher`` can run ``args`` without compiling: compiled in this process
    already, or in Numba's on-disk cache for this code and these argument types.

    It reads the cache index the way Numba's own lookup does (without initialising the
    code generator); if Numba's internals ever change shape it answers True, so the run
    takes the compiled path as it would without this check.
    """
    try:
        sig = tuple(dispatcher.typeof_pyval(a) for a in args)
        if sig in dispatcher.overloads:
            return True
        cache = dispatcher._cache
        if not getattr(cache, "_enabled", False):
            return False

        class _AnyTarget:  # the index key's middle part names the CPU; matched loosely
            def magic_tuple(self):
                return None

        key = cache._index_key(sig, _AnyTarget())
        index = cache._cache_file._load_index()
        return any(k[0] == key[0] and k[2] == key[2] for k in index)
    except Exception:  # noqa: BLE001 - any change in Numba's internals: assume compiled
        return True


def child_env() -> dict[str, str]:
    """This process's environment, with these sources first on the path (their location is
    part of Numba's cache key, so the children must compile these files, not another copy)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return dict(os.environ, PYTHONPATH=os.pathsep.join(
        [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))


def compile_in_background(features: tuple[bool, bool, bool]) -> None:
    """Start a detached, low-priority process that compiles the single-thread kernel
    variant ``features`` into Numba's on-disk cache (once per process and variant)."""
    if os.environ.get(BACKGROUND_ENV, "1") == "0":
        return
    proc = _background.get(features)
    if proc is not None and proc.poll() is None:
        return
    cmd = [sys.executable, "-m", "neurosparse.core.precompile", "--variant",
           *("1" if f else "0" for f in features), "--nice"]
    # the same sources as this process (their path is part of Numba's cache location), even
    # where this process found them through a sys.path the child would not inherit
    env = child_env()
    try:
        _background[features] = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, env=env)
    except OSError:  # no process can be started here: the next run compiles in the foreground
        pass


def wait_for_background(timeout: float | None = None) -> None:
    """Wait for the background compilations this process started (tests, benchmarks)."""
    for proc in list(_background.values()):
        proc.wait(timeout=timeout)
