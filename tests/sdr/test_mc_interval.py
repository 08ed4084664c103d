"""MCEstimate.interval is the exact Clopper–Pearson interval, for every count from 0 to trials."""

from __future__ import annotations

import math

import pytest
from scipy.stats import binom, binomtest

from neurosparse.errors import ParameterError
from neurosparse.sdr import MCEstimate
from neurosparse.sdr import montecarlo as mc


@pytest.mark.parametrize("trials", [1, 7, 50, 1000, 10**6])
def test_interval_equals_scipy_exact_binomial_interval_for_every_count(trials):
    for hits in sorted({0, 1, min(2, trials), trials // 3, trials - 1, trials}):
        est = MCEstimate.from_hits(hits, trials)
        for level in (0.95, 0.99, 0.5):
            ref = binomtest(hits, trials).proportion_ci(confidence_level=level, method="exact")
            lo, hi = est.interval(confidence=level)
            # scipy finds the bounds by root finding (brentq, ~1e-12 absolute); ours are beta quantiles
            assert lo == pytest.approx(ref.low, rel=1e-7, abs=1e-11)
            assert hi == pytest.approx(ref.high, rel=1e-7, abs=1e-11)
            assert 0.0 <= lo <= est.p <= hi <= 1.0
            tail = (1 - level) / 2  # the defining equations, to rounding
            if hits > 0:
                assert binom.sf(hits - 1, trials, lo) == pytest.approx(tail, rel=1e-8)
            if hits < trials:
                assert binom.cdf(hits, trials, hi) == pytest.approx(tail, rel=1e-8)


def test_default_level_is_two_sided_95_percent_from_z_196():
    est = MCEstimate.from_hits(12, 5000)
    level = math.erf(1.96 / math.sqrt(2))  # 2 Phi(1.96) - 1 = 0.9500042
    ref = binomtest(12, 5000).proportion_ci(confidence_level=level, method="exact")
    assert est.interval() == pytest.approx((ref.low, ref.high), rel=1e-9)
    assert est.interval(z=2.5758) == pytest.approx(est.interval(confidence=0.99), rel=1e-4)


def test_zero_hits_upper_bound_is_positive_about_3_7_over_trials():
    est = mc.false_match_rate(2048, 40, 24, 20, trials=20_000, seed=0)  # p ~ 1e-30: no hit
    assert est.hits == 0 and est.p == 0.0 and est.stderr == 0.0
    lo, hi = est.interval(confidence=0.95)
    assert lo == 0.0 and hi == pytest.approx(1 - 0.025 ** (1 / 20_000), rel=1e-12)
    assert hi == pytest.approx(3.689 / 20_000, rel=1e-3)
    assert est.interval(method="normal") == (0.0, 0.0)  # the old normal interval, kept on request


def test_all_hits_lower_bound_is_below_one():
    lo, hi = MCEstimate.from_hits(300, 300).interval(confidence=0.95)
    assert hi == 1.0 and lo == pytest.approx(0.025 ** (1 / 300), rel=1e-12)


@pytest.mark.parametrize("call,match", [
    (lambda: MCEstimate.from_hits(11, 10), r"hits must be an integer in \[0, trials=10\]; got 11"),
    (lambda: MCEstimate.from_hits(1, 0), r"trials must be an integer in \[1, inf\]; got 0"),
    (lambda: MCEstimate.from_hits(1.5, 10), r"hits must be an integer in \[0, trials=10\]; got 1\.5"),
    (lambda: MCEstimate.from_hits(1, 10).interval(confidence=1.0),
     r"confidence must be a number in \(0, 1\)"),
    (lambda: MCEstimate.from_hits(1, 10).interval(z=-1), r"z must be a finite number > 0; got -1"),
    (lambda: MCEstimate.from_hits(1, 10).interval(method="wilson"), r"method must be 'exact' or 'normal'"),
])
def test_invalid_estimate_arguments_name_parameter_and_range(call, match):
    with pytest.raises(ParameterError, match=match):
        call()


@pytest.mark.parametrize(("fields", "match"), [
    ({"p": float("nan")}, r"p must be hits / trials = 0\.03 for hits=3, trials=100; got nan"),
    ({"p": 0.5}, r"p must be hits / trials = 0\.03"),
    ({"stderr": -1.0}, r"stderr must be sqrt\(p \(1 - p\) / trials\)"),
    ({"stderr": "abc"}, r"stderr must be"),  # was a raw TypeError
    ({"hits": "abc"}, r"hits must be an integer in \[0, trials=100\]"),
    ({"hits": 3.5}, r"hits must be an integer"),
    ({"trials": None}, r"trials must be an integer in \[1, inf\]"),
    ({"trials": float("inf")}, r"trials must be an integer"),  # was accepted
])
def test_an_estimate_built_directly_must_be_consistent(fields, match):
    """Found by the bad-input conformance suite: MCEstimate(p, stderr, hits, trials) accepted
    any p and stderr (NaN included) and raised raw TypeErrors on non-numbers."""
    good = {"p": 0.03, "stderr": math.sqrt(0.03 * 0.97 / 100), "hits": 3, "trials": 100}
    assert MCEstimate(**good) == MCEstimate.from_hits(3, 100)
    with pytest.raises(ParameterError, match=match):
        MCEstimate(**{**good, **fields})
