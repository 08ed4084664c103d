"""The multi-step LIF/IF of Max-Former: dynamics against an independent loop, the threshold tie,
the sigmoid surrogate, the detached reset, counting and bad parameters."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import neurosparse.hardware as hw  # noqa: E402
from neurosparse.errors import ParameterError  # noqa: E402
from neurosparse.snn.multistep_lif import MultiStepIF, MultiStepLIF, MultiStepReLU, make_neuron, multistep_lif  # noqa: E402


def _reference(x: np.ndarray, tau: float | None, v_th: float, v_reset: float = 0.0):
    """Spikingjelly's MultiStepLIFNode equations written out, one neuron at a time."""
    spikes, membranes = np.zeros_like(x), np.zeros_like(x)
    for i in np.ndindex(x.shape[1:]):
        v = v_reset
        for t in range(x.shape[0]):
            h = v + x[(t, *i)] if tau is None else v + (x[(t, *i)] - (v - v_reset)) / tau
            s = 1.0 if h >= v_th else 0.0
            spikes[(t, *i)], membranes[(t, *i)] = s, h
            v = v_reset if s else h
    return spikes, membranes


@pytest.mark.parametrize("tau, v_th, v_reset", [(2.0, 1.0, 0.0), (3.5, 0.5, -0.2), (None, 1.0, 0.0)])
def test_spikes_and_membrane_equal_the_equations_step_by_step(tau, v_th, v_reset):
    x = np.random.default_rng(0).normal(0.8, 1.0, (12, 3, 5))
    s, h = multistep_lif(torch.from_numpy(x), tau=tau, v_threshold=v_th, v_reset=v_reset,
                         return_membrane=True)
    ref_s, ref_h = _reference(x, tau, v_th, v_reset)
    np.testing.assert_array_equal(s.numpy(), ref_s)
    np.testing.assert_allclose(h.numpy(), ref_h, rtol=0, atol=1e-12)
    assert 0 < ref_s.mean() < 1


def test_a_membrane_exactly_at_threshold_spikes():
    # tau = 2: H1 = x / 2 = 0.5 exactly, the attention's threshold
    assert MultiStepLIF(v_threshold=0.5)(torch.tensor([[1.0]])).item() == 1.0
    assert MultiStepLIF(v_threshold=0.5)(torch.tensor([[0.999]])).item() == 0.0


def test_if_neuron_integrates_without_leak():
    spikes = MultiStepIF()(torch.full((6, 1), 0.4))
    assert spikes.flatten().tolist() == [0, 0, 1, 0, 0, 1]  # 0.4, 0.8, 1.2 -> reset, ...


def test_surrogate_gradient_is_the_sigmoid_derivative_with_alpha_4():
    for value in (0.5, 1.7, 2.6):
        x = torch.tensor([[value]], dtype=torch.float64, requires_grad=True)  # T = 1, one neuron
        MultiStepLIF()(x).sum().backward()
        u = value / 2 - 1.0
        s = 1 / (1 + np.exp(-4 * u))
        assert x.grad.item() == pytest.approx(4 * s * (1 - s) / 2, rel=1e-12)  # dH/dx = 1/tau


def _second_spike_grad(detach: bool) -> float:
    x = torch.tensor([[2.4], [1.0]], dtype=torch.float64, requires_grad=True)  # spikes at step 1 (H = 1.2)
    s = MultiStepLIF(detach_reset=detach)(x)
    (g,) = torch.autograd.grad(s[1].sum(), x)
    return float(g[0])


def test_detached_reset_removes_the_reset_path_from_the_gradient():
    h1, sig = 1.2, (lambda u: 1 / (1 + np.exp(-4 * u)))
    surrogate = lambda u: 4 * sig(u) * (1 - sig(u))  # noqa: E731
    h2 = 0.0 + (1.0 - 0.0) / 2  # the reset took V to 0
    # d s2 / d x1 = surrogate(h2 - 1) * dH2/dV1 * dV1/dx1, dH2/dV1 = 1/2
    detached = surrogate(h2 - 1) * 0.5 * (0.5 * (1 - 1.0))  # V1 = H1 (1 - s1), s1 constant
    attached = surrogate(h2 - 1) * 0.5 * (0.5 * (1 - 1.0) - h1 * surrogate(h1 - 1) * 0.5)
    assert _second_spike_grad(True) == pytest.approx(detached, abs=1e-15)
    assert _second_spike_grad(False) == pytest.approx(attached, rel=1e-12)
    assert attached != 0.0


def test_relu_twin_is_relu_and_counts_as_an_activation():
    x = torch.randn(3, 2, 4)
    assert torch.equal(MultiStepReLU()(x), torch.relu(x))
    totals = hw.count(torch.nn.Sequential(MultiStepReLU()), x, n_samples=2, n_steps=3).totals()
    assert totals["activations"] == 3 * 4 and totals["spikes"] == 0


def test_count_reads_the_time_steps_and_counts_every_update_and_spike():
    torch.manual_seed(0)
    x = torch.rand(5, 4, 7) * 3
    lif = MultiStepLIF()
    trace = hw.count(torch.nn.Sequential(lif), x, n_samples=4)
    totals = trace.totals()
    assert trace.n_steps == 5
    assert totals["membrane_updates"] == 5 * 7
    assert totals["spikes"] == float(lif(x).sum()) / 4


@pytest.mark.parametrize("call, name", [
    (lambda: MultiStepLIF(tau=1.0), "tau"), (lambda: MultiStepLIF(v_threshold=0), "v_threshold"),
    (lambda: MultiStepLIF(v_reset=1.0), "v_reset"), (lambda: MultiStepLIF(alpha=float("inf")), "alpha"),
    (lambda: MultiStepLIF(detach_reset=1), "detach_reset"), (lambda: make_neuron("adex"), "neuron"),
    (lambda: MultiStepLIF()(torch.ones(3)), "time-first"),
])
def test_bad_parameters_are_refused_by_name(call, name):
    with pytest.raises(ParameterError, match=name):
        call()
