"""The frequency analysis: the LIF/IF membrane's transfer function analytic against measured,
the spiking neuron's modulation gain, and the spatial relative log amplitude."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from neurosparse.errors import ParameterError  # noqa: E402
from neurosparse.snn import frequency as fq  # noqa: E402
from neurosparse.snn.maxformer import max_former  # noqa: E402

OMEGA = np.linspace(0.02, np.pi, 17)


@pytest.mark.parametrize("tau", [1.5, 2.0, 5.0])
def test_lif_transfer_measured_on_the_simulated_neuron_equals_the_analytic(tau):
    measured = fq.measured_transfer(OMEGA, "lif", tau=tau)
    np.testing.assert_allclose(measured, fq.lif_transfer(OMEGA, tau), rtol=1e-9, atol=1e-12)  # gain and phase


def test_if_transfer_measured_equals_the_integrators():
    np.testing.assert_allclose(fq.measured_transfer(OMEGA, "if"), fq.if_transfer(OMEGA), rtol=1e-8)


def test_lif_is_low_pass_from_unit_dc_gain_to_one_over_2tau_minus_1_at_nyquist():
    for tau in (2.0, 4.0):
        dc, nyquist = fq.dc_nyquist_gain("lif", tau)
        assert dc == pytest.approx(1.0) and nyquist == pytest.approx(1 / (2 * tau - 1))
    assert np.all(np.diff(np.abs(fq.lif_transfer(OMEGA))) < 0)  # monotone
    assert fq.dc_nyquist_gain("if") == (np.inf, 0.5)


def test_leaky_transfer_is_snntorchs_leaky_membrane():
    beta = 0.9
    h = fq.leaky_transfer([0.0, np.pi], beta)
    assert abs(h[0]) == pytest.approx(1 / (1 - beta)) and abs(h[1]) == pytest.approx(1 / (1 + beta))


def test_spiking_neuron_is_low_pass_at_low_rate_but_the_reset_adds_high_frequencies_at_high_rate():
    w = [0.1 * np.pi, 0.9 * np.pi]
    low = fq.spike_transfer(w, bias=0.6, n_neurons=600, seed=1)
    high = fq.spike_transfer(w, bias=2.0, n_neurons=600, seed=1)
    assert low.rate < 0.1 < 0.5 < high.rate
    assert low.gain[0] > 2 * low.gain[1]  # like the membrane's 1 -> 1/3
    assert high.gain[1] > high.gain[0]  # high-pass
    assert high.high_power_share > 0.65 > low.high_power_share


def test_relative_log_amplitude_is_flat_for_white_noise_and_falls_for_smooth_maps():
    rng = np.random.default_rng(0)
    omega, white = fq.relative_log_amplitude(rng.standard_normal((200, 16, 16)))
    assert omega[0] == 0 and omega[-1] == pytest.approx(np.pi) and len(omega) == 9
    assert np.all(np.abs(white) < 0.15)
    smooth = np.cumsum(np.cumsum(rng.standard_normal((200, 16, 16)), 1), 2)
    assert fq.high_frequency_log_amplitude(smooth) < -3
    checker = (np.indices((8, 8)).sum(0) % 2)[None].astype(float)  # all its AC power at (pi, pi)
    assert fq.high_frequency_log_amplitude(checker) == pytest.approx(0.0, abs=1e-9)


def test_a_pointwise_lif_does_not_remove_spatial_high_frequencies():
    for seed in (0, 1):
        r = fq.pointwise_spatial_test(seed=seed, n_maps=32)
        assert r["lif"] > r["input"] > r["relu"]
        assert 0 < r["lif_rate"] < 1


def test_feature_spectra_follow_the_stages_and_halve_the_side():
    torch.manual_seed(0)
    model = max_former("cifar", embed_dim=16, num_heads=2, in_channels=1, num_classes=3, time_steps=2).train()
    spectra = fq.feature_spectra(model, torch.rand(2, 4, 1, 16, 16))
    assert [s.layer for s in spectra] == ["embed1", "stage1.0", "embed2", "stage2.0", "embed3", "stage3.0",
                                          "stage3.1"]
    assert [s.side for s in spectra] == [16, 16, 8, 8, 4, 4, 4]
    assert all(s.delta_log_amplitude[0] == 0 and np.isfinite(s.at_pi) for s in spectra)


@pytest.mark.parametrize("call, name", [
    (lambda: fq.lif_transfer([4.0]), "omega"), (lambda: fq.lif_transfer([1.0], tau=0.5), "tau"),
    (lambda: fq.measured_transfer([0.0], "if"), "omega = 0"),
    (lambda: fq.measured_transfer([1.0], "adex"), "neuron"),
    (lambda: fq.relative_log_amplitude(np.zeros((3, 4, 5))), "maps"),
    (lambda: fq.spike_transfer([1.0], depth=0), "depth"),
])
def test_bad_arguments_are_refused_by_name(call, name):
    with pytest.raises(ParameterError, match=name):
        call()
