"""Spike-train statistics: ISI CV, mean rate and Fano factor against known processes."""

from __future__ import annotations

import numpy as np
import pytest

from neurosparse.analysis import fano_factor, isi_cv, mean_rate
from neurosparse.core.recording import SpikeTrains
from neurosparse.errors import InsufficientMemoryError, ParameterError


def poisson_trains(rate, duration, n, seed):
    """Spike times and indices of ``n`` independent Poisson processes."""
    rng = np.random.default_rng(seed)
    t, i = [], []
    for j in range(n):
        times = np.cumsum(rng.exponential(1 / rate, size=int(3 * rate * duration)))
        times = times[times < duration]
        t.append(times)
        i.append(np.full(times.size, j))
    return np.concatenate(t), np.concatenate(i)


def test_isi_cv_of_a_regular_train_is_zero():
    t = np.concatenate([np.arange(50) * 0.01, 0.003 + np.arange(20) * 0.025])
    i = np.concatenate([np.zeros(50, int), np.ones(20, int)])
    cv = isi_cv(t, i, 2)
    np.testing.assert_allclose(cv, 0.0, atol=1e-12)
    assert np.array_equal(isi_cv(np.arange(0, 1000, 7), np.zeros(143, int), 1), [0.0])


def test_isi_cv_of_a_poisson_process_is_one():
    t, i = poisson_trains(rate=50.0, duration=100.0, n=4, seed=7)  # ~5000 intervals each
    cv = isi_cv(t, i, 4)
    # the CV of n exponential intervals has a standard error of about 1/sqrt(n) = 0.014
    np.testing.assert_allclose(cv, 1.0, atol=0.05)


def test_isi_cv_is_nan_for_neurons_with_fewer_than_three_spikes():
    t = np.array([0.1, 0.2, 0.1, 0.3, 0.4])
    i = np.array([0, 0, 2, 2, 2])
    cv = isi_cv(t, i, 4)
    assert np.isnan(cv[0]) and np.isnan(cv[1]) and np.isnan(cv[3])  # 2, 0, 0 spikes
    assert cv[2] == pytest.approx(0.5 / 1.5)  # intervals 0.2, 0.1: std 0.05, mean 0.15
    assert np.isnan(isi_cv([], np.array([], int), 3)).all()


def test_isi_cv_does_not_depend_on_spike_order():
    t, i = poisson_trains(rate=20.0, duration=5.0, n=10, seed=1)
    order = np.random.default_rng(2).permutation(t.size)
    np.testing.assert_allclose(isi_cv(t[order], i[order], 10), isi_cv(t, i, 10))


def test_isi_cv_matches_spike_trains_isi_cv():
    rng = np.random.default_rng(3)
    steps = np.sort(rng.integers(0, 10_000, 600))
    idx = rng.integers(0, 40, 600).astype(np.int32)
    trains = SpikeTrains(steps, idx, n=40, dt=1e-4, t_start=0.0, t_stop=1.0)
    cv = isi_cv(trains.steps, trains.i, trains.n)
    np.testing.assert_allclose(cv[np.isfinite(cv)], trains.isi_cv())
    np.testing.assert_allclose(isi_cv(trains.t, trains.i, trains.n), cv)


def test_mean_rate_is_spikes_per_neuron_per_second():
    t = np.linspace(0.0, 1.9, 30)
    assert mean_rate(t, n=10, duration=2.0) == 1.5
    assert mean_rate(np.array([]), n=5, duration=1.0) == 0.0


def test_fano_factor_is_one_for_poisson_and_zero_for_a_regular_count():
    t, _ = poisson_trains(rate=100.0, duration=200.0, n=1, seed=5)
    assert fano_factor(t, window=0.1, t_start=0.0, t_stop=200.0) == pytest.approx(1.0, abs=0.1)
    regular = np.arange(1000) * 0.01  # exactly 10 spikes in every 0.1 s window
    assert fano_factor(regular + 0.005, window=0.1, t_start=0.0, t_stop=10.0) == 0.0


@pytest.mark.parametrize(("call", "needle"), [
    (lambda: isi_cv([0.1, 0.2], [0], 1), "same length"),
    (lambda: isi_cv([0.1, 0.2], [0, 3], 2), "[0, 2)"),
    (lambda: isi_cv([0.1, np.nan], [0, 0], 1), "finite"),
    (lambda: isi_cv([0.1, 0.2], [0.0, 0.0], 1), "integer"),
    (lambda: isi_cv([0.1, 0.2, 0.3], [0, 0, 0], 1, min_spikes=2), "min_spikes"),
    (lambda: mean_rate([0.1], n=0, duration=1.0), "n must be"),
    (lambda: mean_rate([0.1], n=1, duration=0.0), "duration"),
    (lambda: fano_factor([0.1], window=0.6, t_start=0.0, t_stop=1.0), "window"),
    # found by the bad-input conformance suite (tests/conformance/cases_analysis.py)
    (lambda: isi_cv("abc", [0], 1), "t must be a 1-D array of spike times"),  # raw ValueError
    (lambda: isi_cv(0.5, [0], 1), "t must be a 1-D array of spike times, got shape ()"),  # named "t and i"
    (lambda: isi_cv([0.1], [0], 0), "(n = 0)"),  # named only i
    (lambda: mean_rate([0.1, 0.2], n=2, duration=5e-324), "the rate overflows"),  # returned inf
    (lambda: fano_factor([0.1], window=1e-300, t_start=0.0, t_stop=1.0), "window=1e-300"),  # raw ValueError
    (lambda: fano_factor([0.1], window=0.1, t_start=-1e300, t_stop=1.0), "t_start=-1e+300"),
])
def test_bad_arguments_raise_parameter_error_naming_them(call, needle):
    with pytest.raises(ParameterError) as exc:
        call()
    assert needle in str(exc.value)


def test_a_population_too_large_for_memory_is_refused_naming_n():
    """Found by the bad-input conformance suite: n = 1e300 raised NumPy's raw ValueError."""
    with pytest.raises(InsufficientMemoryError, match=r"isi_cv of n=1000000000000000052504760255204"):
        isi_cv([0.1], [0], 1e300)
