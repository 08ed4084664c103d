"""Choosing the engine: the interpreted first tier while the kernel is not compiled yet."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from neurosparse.core import tiers
from neurosparse.core.benchmark_networks import coba, cuba


@pytest.fixture
def auto(monkeypatch):
    """engine='auto' with the cache check and the background compilation observed, in a
    process where a kernel has already run (so cached kernels are not interpreted)."""
    started = []
    monkeypatch.setenv(tiers.ENGINE_ENV, "auto")
    monkeypatch.setattr(tiers, "compile_in_background", started.append)
    monkeypatch.setitem(tiers._process, "kernel_ran", True)
    monkeypatch.setitem(tiers._process, "interpreted_seconds", 0.0)
    return started


def test_auto_interprets_while_the_kernel_is_not_compiled(auto, monkeypatch):
    monkeypatch.setattr(tiers, "kernel_ready", lambda dispatcher, args: False)
    rec = cuba(400, seed=0).run(0.05)
    assert rec.timings["engine"] == "numpy"
    assert auto == [(False, False, False)]  # the fused-LIF variant compiles in the background


def test_auto_runs_the_kernel_once_compiled(auto, monkeypatch):
    monkeypatch.setattr(tiers, "kernel_ready", lambda dispatcher, args: True)
    assert cuba(400, seed=0).run(0.05).timings["engine"] == "numba"
    assert auto == []


def test_auto_compiles_what_the_interpreter_cannot_run_or_would_run_too_long(auto, monkeypatch):
    monkeypatch.setattr(tiers, "kernel_ready", lambda dispatcher, args: False)
    assert coba(200, seed=0).run(0.01).timings["engine"] == "numba"  # conductance ports
    assert cuba(200, seed=0).run(0.01, threads=1).timings["engine"] == "numpy"
    monkeypatch.setattr(tiers, "INTERPRETER_BUDGET_SECONDS", 1e-3)
    assert cuba(200, seed=0).run(0.01).timings["engine"] == "numba"  # over the time budget
    assert auto == [(False, False, False)]


def test_auto_interprets_poisson_driven_networks_too(auto, monkeypatch):
    import neurosparse as ns

    monkeypatch.setattr(tiers, "kernel_ready", lambda dispatcher, args: False)
    net = ns.Network(seed=0)
    net.add_input("noise", ns.PoissonGroup(200, 20.0))
    net.add_population("a", 100, ns.LIF(), ports={"e": ns.CurrentSynapse()})
    net.connect("noise", "a", "e", ns.FixedProbability(0.1), weight=1e-10)
    assert net.run(0.05).timings["engine"] == "numpy"
    assert auto == [(False, False, True)]


def test_cached_kernel_first_call_is_rented_not_bought(auto, monkeypatch):
    """With the kernel cached but not yet called in this process (about 0.5 s of Numba
    set-up), short runs are interpreted until they have cost that much, then the kernel
    runs; after a kernel run, the kernel always runs."""
    monkeypatch.setattr(tiers, "kernel_ready", lambda dispatcher, args: True)
    monkeypatch.setitem(tiers._process, "kernel_ran", False)
    monkeypatch.setattr(tiers, "interpreter_seconds", lambda n, steps, calls=0.0: 0.2)
    engines = [cuba(200, seed=0).run(0.01).timings["engine"] for _ in range(2)]
    assert engines == ["numpy", "numpy"]  # 0.2 + 0.2 <= 0.5
    monkeypatch.setitem(tiers._process, "interpreted_seconds", 0.35)
    assert cuba(200, seed=0).run(0.01).timings["engine"] == "numba"  # 0.35 + 0.2 > 0.5
    assert tiers._process["kernel_ran"]
    monkeypatch.setitem(tiers._process, "interpreted_seconds", 0.0)
    assert cuba(200, seed=0).run(0.01).timings["engine"] == "numba"
    assert auto == []  # nothing compiled in the background: the kernel was cached


def test_interpreter_estimate_counts_generator_calls():
    import neurosparse as ns
    from neurosparse.core import interpreter

    net = ns.Network(seed=0)
    net.add_input("one_rate", ns.PoissonGroup(1000, 50.0))  # geometric skipping: calls ~ spikes
    net.add_input("rates", ns.PoissonGroup(10, np.full(10, 5.0)))  # one call per step
    net.add_population("a", 10, ns.LIF(), ports={"e": ns.CurrentSynapse()})
    calls = interpreter.draw_calls_per_step(net.compile().arrays)
    assert calls == pytest.approx((1 + 1000 * 50.0 * 1e-4) + 1)
    assert tiers.interpreter_seconds(10, 100, calls) > tiers.interpreter_seconds(10, 100)


def test_interpreter_estimate_grows_with_neurons_and_steps():
    assert tiers.interpreter_seconds(4000, 10_000) < tiers.INTERPRETER_BUDGET_SECONDS
    assert tiers.interpreter_seconds(100_000, 10_000) > tiers.INTERPRETER_BUDGET_SECONDS
    one_second = tiers.interpreter_seconds(4000, 10_000)
    assert tiers.interpreter_seconds(4000, 20_000) == pytest.approx(2 * one_second)


_FIRST_RUN = """
import json, time
from neurosparse.core import tiers
from neurosparse.core.engine import serial as kernels
from neurosparse.core.benchmark_networks import cuba
rec = cuba(300, seed=0).run(2.0)  # interpreted ~0.7 s by estimate: more than a first call
tiers.wait_for_background(timeout=600)
print(json.dumps({"engine": rec.timings["engine"], "spikes": int(rec.spike_counts.sum())}))
"""


def test_first_run_interprets_and_compiles_for_the_next(tmp_path):
    """End to end, with an empty Numba cache: the first process gets its result from the
    interpreter and leaves the kernel compiled; the second runs the compiled kernel."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), NEUROSPARSE_ENGINE="auto",
               NEUROSPARSE_BACKGROUND_COMPILE="1")
    results = []
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", _FIRST_RUN], env=env, capture_output=True,
                             text=True, check=True, timeout=900)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    assert [r["engine"] for r in results] == ["numpy", "numba"]
    assert results[0]["spikes"] == results[1]["spikes"] > 0


@pytest.mark.parametrize("features", [(a, b, c) for a in (False, True) for b in (False, True)
                                      for c in (False, True)])
def test_precompile_networks_need_exactly_their_variant(features):
    from neurosparse.core.engine import serial as kernels
    from neurosparse.core.precompile import variant_network

    arrays = variant_network(*features).compile().arrays
    assert kernels.kernel_features(arrays.pop_info, arrays.has_plastic) == features


def test_precompiled_variant_is_ready_for_any_network_of_that_variant():
    """``kernel_ready`` sees a variant compiled from the tiny network as ready for CUBA: the
    kernel's argument types do not depend on the network's size or contents."""
    import numpy as np

    from neurosparse.core.engine import serial as kernels
    from neurosparse.core.precompile import main

    main(["--variant", "0", "0", "0"])
    a = cuba(300, seed=0).compile().arrays
    kernel = kernels.single_thread_kernel(False, False, False)
    args = (a, 0, 1, np.random.default_rng(0), np.empty(8, np.int64), np.empty(8, np.int64), 0,
            np.empty((0, 0)), 0, np.zeros((1, 2), np.int32), np.zeros((1, 4), np.int64),
            np.zeros((6, 300), np.int64))
    assert tiers.kernel_ready(kernel, args)
    assert not tiers.kernel_ready(kernel, args[:-1] + (np.zeros((6, 300), np.float32),))


def test_one_background_compiler_per_variant_and_cache():
    """Processes started together on a cold cache compile each variant once: the second
    compiler of a variant finds the lock held and leaves."""
    from neurosparse.core.precompile import _single_compiler

    with _single_compiler(("0", "0", "1")) as first:
        with _single_compiler(("0", "0", "1")) as second, _single_compiler(("1", "0", "1")) as other:
            assert (first, second, other) == (True, False, True)
    with _single_compiler(("0", "0", "1")) as again:
        assert again
