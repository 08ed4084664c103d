"""Compile the event core's kernels into Numba's on-disk cache ahead of their first use.

Each single-thread kernel variant (see :func:`neurosparse.core.engine.serial.single_thread_kernel`)
is compiled by running a tiny network that needs exactly that variant for one step; the
parallel kernel by running one on two threads. ``neurosparse precompile`` compiles them all
(for images and clusters, where the first real run should not compile);
``python -m neurosparse.core.precompile --variant P G S`` compiles one variant, which is
what the interpreted first tier starts in the background (:mod:`neurosparse.core.tiers`).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import itertools
import json
import os
import subprocess
import sys
import time

import numpy as np

from neurosparse.core import tiers
from neurosparse.core.connectivity import FixedProbability
from neurosparse.core.inputs import PoissonGroup, SpikeTimes
from neurosparse.core.models import LIF, AdaptiveLIF

from neurosparse.core.network import Network
from neurosparse.core.synapses import STDP, CurrentSynapse


def variant_network(plastic: bool, general: bool, poisson: bool) -> Network:
    """A tiny network whose kernel variant is ``(plastic, general, poisson)``."""
    net = Network(dt=1e-4, seed=0)
    net.add_population("lif", 8, LIF(), ports={"e": CurrentSynapse(5e-3), "i": CurrentSynapse(10e-3)})
    net.add_input("times", SpikeTimes(2, times=np.array([0.0]), indices=np.array([0])))
    net.connect("times", "lif", "e", FixedProbability(1.0), weight=1e-10)
    net.connect("lif", "lif", "i", FixedProbability(0.5), weight=-1e-10)
    if general:
        net.add_population("adaptive", 4, AdaptiveLIF(), ports={"e": CurrentSynapse(5e-3)})
        net.connect("lif", "adaptive", "e", FixedProbability(0.5), weight=1e-10)
    if poisson:
        net.add_input("poisson", PoissonGroup(4, rate=10.0))
        net.connect("poisson", "lif", "e", FixedProbability(0.5), weight=1e-10)
    if plastic:
        net.connect("lif", "lif", "e", FixedProbability(0.5), weight=1e-10,
                    plasticity=STDP(w_max=1e-9))
    net.monitor_spikes("lif")
    return net


def compile_variant(plastic: bool, general: bool, poisson: bool) -> float:
    """Compile (or load) one single-thread kernel variant; returns the seconds it took."""
    tic = time.perf_counter()
    variant_network(plastic, general, poisson).run(1e-4, threads=1, engine="numba", progress=False)
    return time.perf_counter() - tic


def compile_parallel() -> float:
    """Compile (or load) the multi-thread kernel; returns the seconds it took."""
    import numba

    tic = time.perf_counter()
    if numba.config.NUMBA_NUM_THREADS >= 2:
        variant_network(True, True, True).run(1e-4, threads=2, engine="numba", progress=False)
    return time.perf_counter() - tic


#: Every kernel, by name: ``"stdp+general+poisson"`` and the like (the single-thread
#: variants, named by the paths they compile in; ``"fused"`` has none) and ``"parallel"``.
KERNELS = tuple(
    "+".join(f for f, on in zip(("stdp", "general", "poisson"), flags) if on) or "fused"
    for flags in itertools.product((False, True), repeat=3)) + ("parallel",)

#: The kernels whose compile needs the general neuron update. That update is most of their
#: compile time (every model inlined) and is cached on its own: compiled once, in
#: ``"general"``, it is loaded from the cache by the others, which therefore wait for it.
_NEEDS_GENERAL = ("parallel", "general+poisson", "stdp+general", "stdp+general+poisson")  # longest first


def compile_kernel(name: str) -> float:
    """Compile (or load) the kernel ``name`` (one of :data:`KERNELS`); returns the seconds."""
    if name not in KERNELS:
        raise ValueError(f"kernel must be one of {KERNELS}, got {name!r}")
    if name == "parallel":
        return compile_parallel()
    parts = name.split("+")
    return compile_variant("stdp" in parts, "general" in parts, "poisson" in parts)


def compile_all(progress: bool = True, jobs: int = 1) -> dict[str, float]:
    """Compile every kernel variant and the parallel kernel; seconds per kernel.

    Parameters
    ----------
    progress
        Print each kernel's time as it is done.
    jobs
        1: one after the other, in this process. 2 or more: that many worker processes
        (about half the time on two cores), then a pass in this process that loads every
        kernel. The variants are closures of one function and share
        one cache index file, which Numba reads, extends and rewrites on each save: two
        processes saving at the same moment can drop each other's entry, and the last pass
        compiles again whatever was dropped.
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be an integer >= 1, got {jobs!r}")
    out: dict[str, float] = {}
    if jobs > 1:
        out.update(_compile_in_workers(jobs, progress))
    for name in KERNELS:
        seconds = compile_kernel(name)
        if jobs == 1:
            out[name] = seconds
            if progress:
                print(f"{name}: {seconds:.1f} s", flush=True)
        elif seconds > 1.0 and progress:  # an entry a concurrent save dropped
            print(f"{name}: compiled again, {seconds:.1f} s", flush=True)
    return out


def _compile_in_workers(jobs: int, progress: bool) -> dict[str, float]:
    """Compile every kernel in ``jobs`` fresh processes: "general" and the kernels without
    the general update first, the others once "general" is in the cache."""
    import concurrent.futures as cf
    import multiprocessing

    out: dict[str, float] = {}
    first = [n for n in KERNELS if n not in _NEEDS_GENERAL]
    first.insert(0, first.pop(first.index("general")))  # the longest, and the others wait for it
    # fresh interpreters: forking a process that runs Numba's threads is unsafe
    with cf.ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending = {pool.submit(compile_kernel, name): name for name in first}
        while pending:
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in done:
                name = pending.pop(future)
                out[name] = future.result()
                if progress:
                    print(f"{name}: {out[name]:.1f} s", flush=True)
                if name == "general":
                    pending.update({pool.submit(compile_kernel, n): n for n in _NEEDS_GENERAL})
    return out


def _stamp_path() -> str:
    """A file beside the kernels' cache entries that says every kernel was compiled for
    these sources, this Numba and this Python (a cleared cache clears it too)."""
    import numba

    from neurosparse.core.engine import serial
    from neurosparse.core.engine._cache import cache_folder, core_fingerprint

    folder = cache_folder(serial.run_chunk.py_func, serial.__file__) or os.path.dirname(serial.__file__)
    key = f"{core_fingerprint()}|{numba.__version__}|{sys.version}|{sys.executable}"
    return os.path.join(folder, f"neurosparse-kernels-{hashlib.sha256(key.encode()).hexdigest()[:16]}.ok")


def ensure_compiled(jobs: int = 2, progress: bool = False) -> bool:
    """Compile every kernel (:func:`compile_all`) unless that was done for these sources
    already; returns whether it compiled. For test runs and cluster start-up scripts, so that
    processes started together do not each compile the same kernels."""
    stamp = _stamp_path()
    if os.path.exists(stamp):
        return False
    compile_all(progress=progress, jobs=jobs)
    try:
        os.makedirs(os.path.dirname(stamp), exist_ok=True)
        with open(stamp, "w") as f:
            f.write("every kernel compiled\n")
    except OSError:  # a read-only cache: the kernels are compiled, only the note is lost
        pass
    return True


def _single_compiler(variant: tuple[str, ...]):
    """An exclusive lock per cache directory and variant, or None if another process holds
    it: processes started together on a cold cache (a sweep's workers) compile a variant
    once, not each. Where file locks are unavailable every process compiles."""
    import hashlib
    import tempfile

    try:
        import fcntl
    except ImportError:  # not POSIX
        return contextlib.nullcontext(True)
    from numba.core.config import CACHE_DIR

    # the cache is NUMBA_CACHE_DIR if set, else next to this installation's sources
    key = hashlib.sha256(f"{CACHE_DIR}|{__file__}|{variant}".encode()).hexdigest()[:16]
    path = os.path.join(tempfile.gettempdir(), f"neurosparse-compile-{key}.lock")

    @contextlib.contextmanager
    def held():
        with open(path, "w") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                yield False
                return
            yield True

    return held()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m neurosparse.core.precompile",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--variant", nargs=3, choices=("0", "1"), metavar=("PLASTIC", "GENERAL", "POISSON"),
                        help="compile only this single-thread variant")
    parser.add_argument("--kernels", nargs="+", choices=KERNELS, help="compile only these kernels")
    parser.add_argument("--jobs", type=int, default=1, help="processes compiling at once (default 1)")
    parser.add_argument("--json", action="store_true", help="print the seconds per kernel as JSON")
    parser.add_argument("--nice", action="store_true", help="run at low priority")
    args = parser.parse_args(argv)
    if args.nice and hasattr(os, "nice"):
        os.nice(10)
    if args.variant:
        with _single_compiler(tuple(args.variant)) as mine:
            if mine:
                compile_variant(*(v == "1" for v in args.variant))
    elif args.kernels:
        seconds = {name: compile_kernel(name) for name in args.kernels}
        print(json.dumps(seconds) if args.json else seconds, flush=True)
    else:
        seconds = compile_all(progress=not args.json, jobs=args.jobs)
        if args.json:
            print(json.dumps(seconds), flush=True)


if __name__ == "__main__":
    main()
