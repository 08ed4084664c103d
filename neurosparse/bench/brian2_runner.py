"""Run the CUBA or COBA benchmark network in Brian2, in a subprocess, one thread.

The network is Brian2's own formulation (as in its examples): the same equations,
parameters, connection probability ``80 / n`` and initial potentials as
:mod:`neurosparse.core.benchmark_networks`, with Brian2 drawing its own random connectivity, and
a synaptic delay of one step (``delay=dt``) as neurosparse's networks have. Run as
a module it prints one JSON line::

    python -m neurosparse.bench.brian2_runner --network cuba --n 4000 --duration 1 --mode standalone

``sim_seconds`` is the time Brian2 spends in ``run`` itself: for cpp_standalone the
``last_run_time`` the generated binary measures (synapse creation and file output
excluded), for runtime mode the wall time of ``run`` after a one-step warm-up run that
generates and compiles the code.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any

from neurosparse.errors import MissingDependencyError, NeurosparseError, ParameterError

MODES = ("standalone", "runtime")

_CUBA = """
dv/dt  = (ge + gi - (v - El)) / taum : volt (unless refractory)
dge/dt = -ge / taue : volt
dgi/dt = -gi / taui : volt
"""
_COBA = """
dv/dt  = (El - v + R * I_drive + R * ge * (Ee - v) + R * gi * (Ei - v)) / taum : volt (unless refractory)
dge/dt = -ge / taue : siemens
dgi/dt = -gi / taui : siemens
"""


def _simulate(network: str, n: int, duration: float, mode: str, seed: int,
              directory: str) -> dict[str, Any]:
    import brian2 as b2
    from brian2 import ms, mV, nS, second

    t_import = time.perf_counter()
    if mode == "standalone":
        b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = 0  # one thread
    else:
        b2.prefs.codegen.target = "cython"
    b2.seed(seed)
    b2.defaultclock.dt = 0.1 * ms
    namespace = dict(taum=20 * ms, taue=5 * ms, taui=10 * ms, R=100 * b2.Mohm,
                     I_drive=0.2 * b2.nA, Ee=0 * mV, Ei=-80 * mV)
    if network == "cuba":
        eqs, method, el = _CUBA, "exact", -49 * mV
        we, wi = 1.62 * mV, -9 * mV
    else:
        eqs, method, el = _COBA, "exponential_euler", -60 * mV
        we, wi = 6 * nS, 67 * nS
    namespace.update(El=el, we=we, wi=wi)
    group = b2.NeuronGroup(n, eqs, threshold="v > -50*mV", reset="v = -60*mV",
                           refractory=5 * ms, method=method, namespace=namespace)
    if network == "cuba":
        group.v = "-60*mV + rand() * 10*mV"
    else:
        group.v = "-55*mV + 5*mV * randn()"
    n_exc = int(round(0.8 * n))
    # delay=dt: neurosparse's shortest (and CUBA's) delay; Brian2's example has none
    exc = b2.Synapses(group, group, on_pre="ge += we", delay=b2.defaultclock.dt,
                      namespace=namespace)
    inh = b2.Synapses(group, group, on_pre="gi += wi", delay=b2.defaultclock.dt,
                      namespace=namespace)
    p = 80.0 / n
    exc.connect(f"i < {n_exc}", p=p)
    inh.connect(f"i >= {n_exc}", p=p)
    spikes = b2.SpikeMonitor(group)
    net = b2.Network(group, exc, inh, spikes)
    if mode == "standalone":
        net.run(duration * second, report=None)
        b2.device.build(directory=directory, compile=True, run=True, debug=False)
        sim_seconds = float(b2.device._last_run_time)
        n_syn = len(exc) + len(inh)
    else:
        net.run(b2.defaultclock.dt, report=None)  # code generation and compilation
        tic = time.perf_counter()
        net.run(duration * second, report=None)
        sim_seconds = time.perf_counter() - tic
        n_syn = len(exc) + len(inh)
    n_spikes = int(spikes.num_spikes)
    return {"network": network, "mode": mode, "n": n, "duration": duration,
            "synapses": int(n_syn), "spikes": n_spikes, "rate_hz": n_spikes / (n * duration),
            "sim_seconds": sim_seconds, "brian2_version": b2.__version__,
            "seconds_after_import": time.perf_counter() - t_import}


def brian2_network(network: str = "cuba", n: int = 4000, duration: float = 1.0,
                   mode: str = "standalone", seed: int = 0,
                   timeout: float = 3600.0) -> dict[str, Any]:
    """Run the network in Brian2 in a fresh subprocess; return its timings and activity.

    Parameters
    ----------
    network
        ``"cuba"`` or ``"coba"``.
    n, duration, seed
        As :func:`neurosparse.bench.bench_network`.
    mode
        ``"standalone"`` (generated C++, compiled and run; one OpenMP thread) or
        ``"runtime"`` (Cython code generation).
    timeout
        Seconds before the subprocess is killed.

    Returns
    -------
    dict
        ``sim_seconds``, ``spikes``, ``rate_hz``, ``synapses``, ``brian2_version`` and
        ``wall_seconds``: the subprocess's whole life (interpreter start, import, code
        generation, C++ compilation in a fresh directory, synapse creation, simulation),
        i.e. Brian2's time to first result.
    """
    try:
        import brian2  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError(
            "comparing with Brian2 needs brian2: pip install 'neurosparse[brian2]'") from exc
    if mode not in MODES:
        raise ParameterError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if network not in ("cuba", "coba"):
        raise ParameterError(f"network must be 'cuba' or 'coba', got {network!r}")
    with tempfile.TemporaryDirectory(prefix="neurosparse-brian2-") as directory:
        cmd = [sys.executable, "-m", "neurosparse.bench.brian2_runner", "--network", network,
               "--n", str(int(n)), "--duration", repr(float(duration)), "--mode", mode,
               "--seed", str(int(seed)), "--directory", directory]
        env = dict(os.environ, OMP_NUM_THREADS="1")
        tic = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        wall = time.perf_counter() - tic
    if proc.returncode != 0:
        raise NeurosparseError(f"Brian2 ({mode}) failed:\n{proc.stderr[-4000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = wall
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", choices=("cuba", "coba"), default="cuba")
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--mode", choices=MODES, default="standalone")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--directory", default=None)
    args = parser.parse_args(argv)
    directory = args.directory or tempfile.mkdtemp(prefix="neurosparse-brian2-")
    print(json.dumps(_simulate(args.network, args.n, args.duration, args.mode, args.seed,
                               directory)))


if __name__ == "__main__":
    main()
