"""DiscreteCubaLIF on the event core against snnTorch's Synaptic and Leaky (the maps it
reproduces) and against closed forms of its special cases."""

from __future__ import annotations

import numpy as np
import pytest

import neurosparse as ns
from neurosparse.errors import ParameterError

DT = 1e-3


def _run(model: ns.DiscreteCubaLIF, x: np.ndarray, engine: str = "numba"):
    """Spikes ``[T, n]`` and the membrane after each step of ``model`` driven by ``x``."""
    T, n = x.shape
    net = ns.Network(dt=DT, seed=0)
    net.add_population("h", n, model)
    net.add_current("h", ns.TimedArray(x, dt=DT))
    net.monitor_spikes("h")
    net.monitor_state("h", ("v", "i_syn"))
    rec = net.run((T + 1) * DT, progress=False, engine=engine)
    spikes = np.zeros((T + 1, n))
    spikes[rec.spikes["h"].steps, rec.spikes["h"].i] = 1.0
    # monitors sample at the start of a step: sample t + 1 is the state after step t
    return spikes[:T], rec.state["h"]["v"][1:T + 1], rec.state["h"]["i_syn"][1:T + 1]


def _snntorch(neuron, x: np.ndarray, synaptic: bool):
    torch = pytest.importorskip("torch")
    spikes, mems = [], []
    with torch.no_grad():
        syn = mem = torch.zeros(x.shape[1], dtype=torch.float64)
        for x_t in torch.from_numpy(x):
            if synaptic:
                spk, syn, mem = neuron(x_t, syn, mem)
            else:
                spk, mem = neuron(x_t, mem)
            spikes.append(spk.numpy().copy())
            mems.append(mem.numpy().copy())
    return np.array(spikes), np.array(mems)


@pytest.mark.parametrize("engine", ["numba", "numpy"])
@pytest.mark.parametrize("reset", ["subtract", "none"])
def test_matches_snntorch_synaptic_spike_for_spike(reset, engine):
    torch = pytest.importorskip("torch")
    snn = pytest.importorskip("snntorch")
    rng = np.random.default_rng(3)
    T, n, alpha, beta, theta = 200, 30, 0.7, 0.85, 1.0
    x = rng.uniform(-0.15, 0.3, (T, n))
    syn = snn.Synaptic(alpha=torch.tensor(alpha, dtype=torch.float64),
                       beta=torch.tensor(beta, dtype=torch.float64),
                       threshold=torch.tensor(theta, dtype=torch.float64), reset_mechanism=reset)
    want_spikes, want_mem = _snntorch(syn, x, synaptic=True)
    spikes, v, _ = _run(ns.DiscreteCubaLIF(alpha=alpha, beta=beta, v_th=theta, reset=reset), x, engine)
    assert want_spikes.sum() > 100
    np.testing.assert_array_equal(spikes, want_spikes)
    np.testing.assert_allclose(v, want_mem, rtol=0, atol=1e-12)


@pytest.mark.parametrize("reset", ["subtract", "zero", "none"])
def test_without_a_current_stage_it_is_snntorch_leaky(reset):
    torch = pytest.importorskip("torch")
    snn = pytest.importorskip("snntorch")
    rng = np.random.default_rng(5)
    T, n, beta, theta = 200, 30, 0.8, 1.0
    x = rng.uniform(-0.2, 0.45, (T, n))
    leaky = snn.Leaky(beta=torch.tensor(beta, dtype=torch.float64),
                      threshold=torch.tensor(theta, dtype=torch.float64), reset_mechanism=reset)
    want_spikes, want_mem = _snntorch(leaky, x, synaptic=False)
    spikes, v, _ = _run(ns.DiscreteCubaLIF(alpha=0.0, beta=beta, v_th=theta, reset=reset), x)
    assert want_spikes.sum() > 100
    np.testing.assert_array_equal(spikes, want_spikes)
    np.testing.assert_allclose(v, want_mem, rtol=0, atol=1e-12)


def test_non_spiking_leaky_integrator_relaxes_geometrically_to_its_input():
    """beta < 1, v_th = inf: v_t = v_leak + (v_0 - v_leak) beta^t + r X (1 - beta^t) / (1 - beta)
    under a constant input X, and no spike."""
    beta, r, v_leak, x = 0.9, 0.5, -0.2, 0.3
    model = ns.DiscreteCubaLIF(beta=beta, r=r, v_leak=v_leak, v_th=np.inf, reset="none", v_init=v_leak)
    spikes, v, i = _run(model, np.full((60, 1), x))
    t = np.arange(1, 61)
    want = v_leak + r * x * (1 - beta**t) / (1 - beta)
    assert spikes.sum() == 0
    np.testing.assert_allclose(v[:, 0], want, rtol=1e-12)
    np.testing.assert_allclose(i[:, 0], x)


def test_integrate_and_fire_with_subtraction_keeps_the_remainder():
    """beta = 1, X < v_th: v_t = X t - v_th S_{t-1}, so the spike count by step t is
    S_t = floor(X t / v_th) (X t never a whole multiple of v_th here)."""
    x, v_th, T = 0.37, 1.0, 90
    spikes, v, _ = _run(ns.DiscreteCubaLIF(beta=1.0, v_th=v_th, reset="subtract"), np.full((T, 1), x))
    t = np.arange(1, T + 1)
    np.testing.assert_array_equal(np.cumsum(spikes[:, 0]), np.floor(x * t / v_th))
    np.testing.assert_allclose(v[:, 0], x * t - v_th * np.concatenate([[0], np.cumsum(spikes[:-1, 0])]),
                               atol=1e-12)


def test_memoryless_threshold_fires_exactly_where_the_input_exceeds_it():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 2, (50, 8))
    spikes, _, _ = _run(ns.DiscreteCubaLIF(alpha=0.0, beta=0.0, v_th=0.5, reset="none"), x)
    np.testing.assert_array_equal(spikes, (x > 0.5).astype(float))


def test_zero_reset_goes_to_v_reset_before_the_decay():
    """v_t = beta v_reset + X after a spike (NIR's v <- v_reset at the spike, then the step)."""
    model = ns.DiscreteCubaLIF(beta=0.5, v_th=1.0, v_reset=-0.4, reset="zero")
    spikes, v, _ = _run(model, np.array([[1.5], [0.2], [0.2]]))
    np.testing.assert_array_equal(spikes[:, 0], [1, 0, 0])
    np.testing.assert_allclose(v[:, 0], [1.5, 0.5 * -0.4 + 0.2, 0.5 * (0.5 * -0.4 + 0.2) + 0.2])


@pytest.mark.parametrize("kwargs, field", [
    (dict(alpha=1.5), "DiscreteCubaLIF.alpha"), (dict(beta=-0.1), "DiscreteCubaLIF.beta"),
    (dict(v_th=np.nan), "DiscreteCubaLIF.v_th"), (dict(v_th=np.inf), "v_th = inf"),
    (dict(v_th=-np.inf, reset="none"), "DiscreteCubaLIF.v_th"), (dict(reset="soft"), "DiscreteCubaLIF.reset"),
    (dict(v_reset=2.0), "v_reset must be below v_th"), (dict(w_in=np.inf), "DiscreteCubaLIF.w_in"),
    (dict(r="x"), "DiscreteCubaLIF.r"),
])
def test_bad_parameters_are_refused_by_name(kwargs, field):
    with pytest.raises(ParameterError, match=field.replace(".", r"\.")):
        ns.DiscreteCubaLIF(**kwargs)
