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
import itertools
import os
import time

import numpy as np

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


def compile_all(progress: bool = True) -> dict[str, float]:
    """Compile every kernel variant and the parallel kernel; seconds per kernel.

    One after the other, in this process: the variants are closures of one function and
    share one cache index file, and two processes saving into it at the same moment can
    drop each other's entry (Numba reads, extends and rewrites the index on each save).
    """
    out: dict[str, float] = {}
    for flags in itertools.product((False, True), repeat=3):
        parts = [f for f, on in zip(("stdp", "general", "poisson"), flags) if on]
        name = "single-thread " + ("+".join(parts) if parts else "fused LIF")
        out[name] = compile_variant(*flags)
        if progress:
            print(f"{name}: {out[name]:.1f} s", flush=True)
    out["parallel"] = compile_parallel()
    if progress:
        print(f"parallel: {out['parallel']:.1f} s", flush=True)
    return out


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
    parser.add_argument("--nice", action="store_true", help="run at low priority")
    args = parser.parse_args(argv)
    if args.nice and hasattr(os, "nice"):
        os.nice(10)
    if args.variant:
        with _single_compiler(tuple(args.variant)) as mine:
            if mine:
                compile_variant(*(v == "1" for v in args.variant))
    else:
        compile_all()


if __name__ == "__main__":
    main()
