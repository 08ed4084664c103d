"""Monte Carlo runs are chunked (bounded compiled calls): the same seed gives the same bits
whatever the chunking, Ctrl-C stops a run between chunks, a progress bar can be shown, and
absurd or oversized requests are refused up front."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest

from neurosparse import _validation
from neurosparse.errors import InsufficientMemoryError, ParameterError
from neurosparse.sdr import montecarlo as mc

RUNS = {  # name -> (call, its compiled kernel)
    "false_match_rate": (lambda **kw: mc.false_match_rate(200, 20, 12, 3, **kw), "_false_match_hits"),
    "false_negative_rate": (lambda **kw: mc.false_negative_rate(20, 12, 8, 6, n=200, **kw),
                            "_false_negative_hits"),
    "union_false_match_rate": (lambda **kw: mc.union_false_match_rate(200, 20, 8, 5, 4, **kw), "_union_hits"),
    "overlap_distribution": (lambda **kw: mc.overlap_distribution(100, 10, **kw), "_overlap_counts"),
}


def _same(x, y) -> bool:
    if isinstance(x, tuple):
        return all(np.array_equal(p, q) for p, q in zip(x, y))
    return x == y


@pytest.mark.parametrize("name", sorted(RUNS))
def test_result_identical_in_one_chunk_and_in_many_small_chunks(name, monkeypatch):
    run, kernel = RUNS[name]
    calls = []
    compiled = getattr(mc, kernel)

    def counting(*args):
        calls.append(args)
        return compiled(*args)

    monkeypatch.setattr(mc, kernel, counting)
    monkeypatch.setattr(mc, "_CHUNK_DRAWS", 2**62)  # everything in one compiled call
    one = run(trials=20_000, seed=3)
    assert len(calls) == 1
    calls.clear()
    monkeypatch.setattr(mc, "_CHUNK_DRAWS", 1)  # one block per thread per call
    monkeypatch.setattr(mc, "_MIN_BLOCK", 7)  # blocks that do not divide the trials
    many = run(trials=20_000, seed=3)
    assert len(calls) > 100
    assert _same(one, many)
    assert _same(many, run(trials=20_000, seed=3))  # and the same seed gives the same bits


def test_false_match_rate_keeps_the_stream_of_the_unchunked_kernel():
    # hits of the single-call kernel before chunking was introduced: trial t still draws from
    # stream (key, t), so the numbers did not move
    assert mc.false_match_rate(2048, 40, 24, 4, trials=200_000, seed=1).hits == 194
    assert mc.false_match_rate(500, 20, 20, 2, trials=3000, seed=7).hits == 532
    assert mc.false_match_rate(200, 20, 20, 5, trials=40000, seed=1).hits == 1340


def test_ctrl_c_interrupts_a_long_run_between_chunks():
    mc.false_match_rate(100, 2, 1, 1, trials=10, seed=0)  # compiled (or loaded) before the clock starts
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    t0 = time.perf_counter()
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            mc.false_match_rate(100, 2, 1, 1, trials=10**9, seed=0, progress=False)  # ~a minute unstopped
        elapsed = time.perf_counter() - t0
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert elapsed < 8.0, elapsed  # one chunk is well under a second


def test_progress_bar_shown_on_request_and_hidden_when_off(capsys):
    mc.false_match_rate(200, 20, 12, 3, trials=5000, seed=1, progress=True)
    assert "false_match_rate" in capsys.readouterr().err
    mc.false_match_rate(200, 20, 12, 3, trials=5000, seed=1, progress=False)
    assert capsys.readouterr().err == ""
    with pytest.raises(ParameterError, match=r"progress must be True, False or None; got 'yes'"):
        mc.false_match_rate(200, 20, 12, 3, trials=5000, seed=1, progress="yes")


@pytest.mark.parametrize("call", [
    lambda: mc.false_match_rate(2048, 40, 24, 4, trials=10**15, seed=0),
    lambda: mc.false_negative_rate(40, 20, 12, 10, n=2048, trials=10**15, seed=0),
    lambda: mc.union_false_match_rate(2048, 40, 24, 4, 10, trials=10**15, seed=0),
    lambda: mc.overlap_distribution(2048, 40, trials=10**15, seed=0),
    lambda: mc.union_false_match_rate(2048, 40, 24, 4, 10**6, trials=10**6, seed=0),  # 6.4e13 draws
])
def test_absurd_runs_refused_up_front_with_estimate_and_limit(call):
    t0 = time.perf_counter()
    with pytest.raises(ParameterError,
                       match=r"trials must be in \[1, 1e\+10\] with at most 1e\+12 random draws "
                             r"per call; got trials=1e\+\d+: .* would draw about .* random "
                             r"numbers .*an estimated .* on one core"):
        call()
    assert time.perf_counter() - t0 < 0.5


def test_the_limits_are_the_documented_constants():
    assert mc.MAX_TRIALS == 10**10 and mc.MAX_DRAWS == 10**12
    with pytest.raises(ParameterError, match=r"trials must be in \[1, 1e\+10\]"):
        mc.overlap_distribution(10, 0, trials=mc.MAX_TRIALS + 1, seed=0)  # a = 0: 1 draw per trial


def test_runs_whose_bitmaps_do_not_fit_are_refused_before_allocating(monkeypatch):
    monkeypatch.setattr(_validation, "available_memory", lambda: 2**30)
    with pytest.raises(InsufficientMemoryError,
                       match=r"false_match_rate\(n=2147483648\) needs about .* GiB but "
                             r"only 1\.00 GiB is available; each thread keeps bitmaps"):
        mc.false_match_rate(2**31, 40, 24, 4, trials=10, seed=0)


@pytest.mark.parametrize("call,match", [
    (lambda: mc.false_match_rate(10, 11, 5, 2, trials=10), r"a must be an integer in \[0, n=10\]; got 11"),
    (lambda: mc.false_match_rate(100, 10, 11, 2, trials=10), r"s must be an integer in \[0, a=10\]; got 11"),
    (lambda: mc.false_match_rate(100, 10, 5, 6, trials=10), r"theta must be an integer in \[0, s=5\]; got 6"),
    (lambda: mc.false_match_rate(100, 10, 5, 2, trials=0), r"trials must be an integer in \[1, inf\]; got 0"),
    (lambda: mc.false_match_rate(100, 10, 5, 2, trials=10.5),
     r"trials must be an integer in \[1, inf\]; got 10\.5"),
    (lambda: mc.false_match_rate(100, 10, 5, 2, trials=True),
     r"trials must be an integer .*got the bool True"),
    (lambda: mc.false_match_rate(100, 10, 5, float("nan"), trials=10),
     r"theta must be an integer in \[0, inf\]; got nan"),
    (lambda: mc.false_match_rate(-1, 0, 0, 0, trials=10), r"n must be an integer in \[0, 2147483648"),
    (lambda: mc.false_match_rate(100, 10, 5, 2, trials=10, seed=-1), r"seed must be a non-negative int"),
    (lambda: mc.false_negative_rate(10, 5, 3, 11, n=100, trials=10),
     r"v must be an integer in \[0, min\(a, n - a\) = 10\]"),
    (lambda: mc.false_negative_rate(10, 5, 6, 1, n=100, trials=10),
     r"theta must be an integer in \[0, s=5\]; got 6"),
    (lambda: mc.false_negative_rate(10, 5, 3, 1, n=8, trials=10),
     r"a must be an integer in \[0, n=8\]; got 10"),
    (lambda: mc.union_false_match_rate(100, 10, 5, 11, 3, trials=10),
     r"theta must be an integer in \[0, min\(a, m s\) = 10\]"),
    (lambda: mc.union_false_match_rate(100, 10, 5, 2, 0, trials=10),
     r"m must be an integer in \[1, inf\]; got 0"),
    (lambda: mc.overlap_distribution(10, 11, trials=10), r"a must be an integer in \[0, n=10\]; got 11"),
])
def test_invalid_monte_carlo_arguments_name_parameter_and_range(call, match):
    with pytest.raises(ParameterError, match=match):
        call()


def test_a_refusal_for_too_many_draws_per_trial_names_what_sets_them():
    """Found by the bad-input conformance suite: m = 1e300 was refused naming only trials."""
    with pytest.raises(ParameterError,
                       match=r"per trial: m \(a \+ s\) \+ a with m=1000000000000000052504760255204"):
        mc.union_false_match_rate(256, 8, 6, 3, 1e300, trials=10)
