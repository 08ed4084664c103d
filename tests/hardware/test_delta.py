"""Delta encoding with a threshold and a carried residue: error bound, losslessness, no lost drift."""

from __future__ import annotations

import numpy as np
import pytest

from neurosparse.errors import ParameterError
from neurosparse.hardware.delta import delta_counts, delta_encode


def random_walk(shape, seed=0, step=0.1):
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.normal(0.0, step, size=shape), axis=0)


@pytest.mark.parametrize("threshold", [0.0, 0.05, 0.2, 1.0])
def test_reconstruction_error_is_bounded_by_threshold_at_every_step(threshold):
    x = random_walk((200, 30), seed=1)
    deltas, recon = delta_encode(x, threshold)
    assert deltas.shape == recon.shape == x.shape
    assert np.all(np.abs(x - recon) <= threshold)
    sent = deltas != 0
    assert np.array_equal(recon[sent], x[sent])  # exact wherever a delta was sent


def test_threshold_bound_holds_along_another_axis():
    x = random_walk((40, 6, 5), seed=2).transpose(1, 0, 2)  # time on axis 1
    deltas, recon = delta_encode(x, 0.15, axis=1)
    assert np.all(np.abs(x - recon) <= 0.15)
    np.testing.assert_allclose(np.cumsum(deltas, axis=1), recon, atol=1e-12)


def test_receiver_summing_the_deltas_gets_the_reconstruction():
    x = random_walk((300, 10), seed=3).astype(np.float32)
    deltas, recon = delta_encode(x, 0.1)
    assert deltas.dtype == recon.dtype == np.float32
    np.testing.assert_allclose(np.cumsum(deltas.astype(np.float64), axis=0), recon, atol=1e-5)


def test_threshold_zero_is_lossless_and_sends_exactly_the_changes():
    rng = np.random.default_rng(4)
    x = rng.integers(0, 3, size=(50, 20)).astype(np.float64)  # many repeated values
    deltas, recon = delta_encode(x, 0.0)
    assert np.array_equal(recon, x)
    previous = np.vstack([np.zeros((1, 20)), x[:-1]])  # x_{-1} = 0
    n_changes = int(np.count_nonzero(x != previous))
    assert np.count_nonzero(deltas) == n_changes
    assert np.array_equal(deltas, x - previous)
    counts = delta_counts(x, 0.0)
    assert counts.n_nonzero == n_changes and counts.n_values == x.size
    assert counts.nonzero_per_step.sum() == n_changes
    assert counts.nonzero_fraction == pytest.approx(n_changes / x.size)
    assert counts.sparsity == pytest.approx(1 - n_changes / x.size)


def test_slow_ramp_below_threshold_is_eventually_transmitted():
    eps, threshold = 0.03, 0.1  # every single step is below the threshold
    x = eps * np.arange(40.0)
    deltas, recon = delta_encode(x, threshold)
    sent = np.flatnonzero(deltas)
    assert sent.size > 0 and sent[0] == int(threshold // eps) + 1  # x_4 = 0.12 > 0.1
    # each transmission carries the residue accumulated since the last one
    gaps = np.diff(np.concatenate([[0], sent]))
    assert np.all(gaps <= int(threshold // eps) + 1)
    np.testing.assert_allclose(deltas[sent], np.diff(np.concatenate([[0.0], x[sent]])))
    assert abs(x[-1] - recon[-1]) <= threshold


def test_initial_state_is_the_receivers_starting_point():
    x = np.full((5, 3), 2.0)
    deltas, _ = delta_encode(x, 0.5, initial=np.full(3, 2.0))
    assert not deltas.any()
    assert delta_counts(x, 0.5).n_nonzero == 3  # from zeros: the first step is sent


@pytest.mark.parametrize("call, match", [
    (lambda: delta_encode(np.zeros(4), -0.1), "threshold"),
    (lambda: delta_encode(np.array([0.0, np.nan]), 0.1), "finite"),
    (lambda: delta_encode(np.zeros((3, 2)), 0.1, axis=2), "axis"),
    (lambda: delta_encode(np.zeros((3, 2)), 0.1, initial=np.zeros(3)), "initial"),
    (lambda: delta_encode(np.array(["a", "b"]), 0.1), "real-valued"),
    (lambda: delta_encode(np.float64(1.0), 0.1), "time axis"),
])
def test_bad_arguments_are_clear_errors(call, match):
    with pytest.raises(ParameterError, match=match):
        call()
