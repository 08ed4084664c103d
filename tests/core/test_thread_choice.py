"""Multi-thread runs choose, chunk by chunk, the faster of the parallel and serial kernels."""

from __future__ import annotations

import numpy as np

from neurosparse.core.benchmark_networks import cuba
from neurosparse.core.thread_choice import PROBE_EVERY, ThreadChooser


def _drive(chooser: ThreadChooser, per_step: dict[str, float], n_chunks: int) -> list[str]:
    modes = []
    for _ in range(n_chunks):
        mode = chooser.next()
        if chooser.needs_warm_up(mode):
            chooser.record(mode, 1, 1.0, warm_up=True)
            continue
        chooser.record(mode, 100, 100 * per_step[mode])
        modes.append(mode)
    return modes


def test_a_busy_machine_sends_the_run_to_one_thread_and_probes_back():
    chooser = ThreadChooser(lambda: True)
    modes = _drive(chooser, {"parallel": 7e-3, "serial": 1e-3}, 30)
    assert modes[:2] == ["parallel", "serial"]
    # after the probe the run stays serial, trying parallel again every PROBE_EVERY chunks
    assert modes.count("parallel") <= 1 + (len(modes) - 2) // PROBE_EVERY + 1
    assert all(m == "serial" for m in modes[2:2 + PROBE_EVERY])


def test_an_idle_machine_keeps_the_parallel_kernel():
    chooser = ThreadChooser(lambda: True)
    modes = _drive(chooser, {"parallel": 1e-3, "serial": 1.4e-3}, 30)
    assert modes.count("serial") <= 1 + len(modes) // PROBE_EVERY
    # each serial chunk is a probe, followed by parallel ones
    assert all(b == "parallel" for a, b in zip(modes, modes[1:]) if a == "serial")


def test_no_probe_until_the_serial_kernel_is_compiled():
    ready = [False]
    chooser = ThreadChooser(lambda: ready[0])
    assert _drive(chooser, {"parallel": 7e-3, "serial": 1e-3}, 5) == ["parallel"] * 5
    ready[0] = True
    assert "serial" in _drive(chooser, {"parallel": 7e-3, "serial": 1e-3}, 3)


def test_disabled_chooser_always_runs_parallel():
    chooser = ThreadChooser(lambda: True, enabled=False)
    assert set(_drive(chooser, {"parallel": 7e-3, "serial": 1e-3}, 12)) == {"parallel"}


def test_switching_kernels_midway_changes_no_bit(monkeypatch):
    """Forced to alternate every chunk, a two-thread run equals a one-thread run."""
    from neurosparse.core import runner, thread_choice

    monkeypatch.setattr(thread_choice, "PROBE_EVERY", 0)
    monkeypatch.setattr(runner, "_TARGET_CHUNK_SECONDS", 1e-5)  # many small chunks
    monkeypatch.setattr(runner, "_serial_ready", lambda *a: True)
    results = []
    for threads in (1, 2):
        net = cuba(2000, seed=4)
        net.monitor_state("exc", ("v", "e"), indices=[0, 7, 99])
        rec = net.run(0.05, threads=threads, engine="numba")
        results.append((rec, net.get_state("exc", "v")))
        if threads == 2:
            assert rec.timings["serial_steps"] > 0 and rec.timings["parallel_steps"] > 0
            # every step but the two that loaded the kernels (compile time, not simulation)
            assert rec.timings["serial_steps"] + rec.timings["parallel_steps"] == 500 - 2
    (a, va), (b, vb) = results
    np.testing.assert_array_equal(a.spikes["exc"].steps, b.spikes["exc"].steps)
    np.testing.assert_array_equal(a.spikes["exc"].i, b.spikes["exc"].i)
    np.testing.assert_array_equal(a.state["exc"].values["v"], b.state["exc"].values["v"])
    np.testing.assert_array_equal(va, vb)
