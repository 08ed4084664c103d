"""DiscreteLIF on the event core against snnTorch's Leaky, the map it reproduces."""

from __future__ import annotations

import numpy as np
import pytest

import neurosparse as ns
from neurosparse.errors import ParameterError

DT = 1e-3


def _snntorch_leaky(x: np.ndarray, beta: float, threshold: float, reset: str):
    torch = pytest.importorskip("torch")
    snn = pytest.importorskip("snntorch")
    lif = snn.Leaky(beta=torch.tensor(beta, dtype=torch.float64),
                    threshold=torch.tensor(threshold, dtype=torch.float64), reset_mechanism=reset)
    mem = torch.zeros(x.shape[1], dtype=torch.float64)
    spikes, mems = [], []
    with torch.no_grad():
        for x_t in torch.from_numpy(x):
            spk, mem = lif(x_t, mem)
            spikes.append(spk.numpy().copy())
            mems.append(mem.numpy().copy())
    return np.array(spikes), np.array(mems)


@pytest.mark.parametrize("reset", ["subtract", "zero", "none"])
def test_matches_snntorch_leaky_spike_for_spike(reset):
    rng = np.random.default_rng(7)
    T, n, beta, theta = 300, 40, 0.85, 1.0
    x = rng.uniform(-0.2, 0.45, (T, n))
    want_spikes, want_mem = _snntorch_leaky(x, beta, theta, reset)
    net = ns.Network(dt=DT, seed=0)
    net.add_population("h", n, ns.DiscreteLIF(beta=beta, v_th=theta, reset=reset))
    net.add_current("h", ns.TimedArray(x, dt=DT))
    net.monitor_spikes("h")
    net.monitor_state("h", "v")
    rec = net.run(T * DT, progress=False)
    got = np.zeros((T, n))
    got[rec.spikes["h"].steps, rec.spikes["h"].i] = 1.0
    assert want_spikes.sum() > 200
    np.testing.assert_array_equal(got, want_spikes)
    # monitors sample at the start of a step: sample t + 1 is the membrane after step t
    np.testing.assert_allclose(rec.state["h"]["v"][1:], want_mem[:-1], rtol=0, atol=1e-12)


def test_delta_input_enters_the_same_step_and_no_immediate_reset():
    net = ns.Network(dt=DT, seed=0)
    net.add_input("in", ns.SpikeTimes(1, np.array([0, 1]) * DT, np.array([0, 0])))
    net.add_population("h", 1, ns.DiscreteLIF(beta=0.5, v_th=1.0), ports={"x": ns.DeltaSynapse()})
    net.connect("in", "h", "x", ns.AllToAll(), weight=1.5, delay=DT)
    net.monitor_spikes("h")
    net.monitor_state("h", "v")
    rec = net.run(5 * DT, progress=False)
    v = rec.state["h"]["v"][:, 0]
    # step 1: v = 1.5 spikes and stays; step 2: 0.75 + 1.5 - 1 = 1.25 spikes; step 3: 0.625 - 1
    np.testing.assert_array_equal(rec.spikes["h"].steps, [1, 2])
    np.testing.assert_allclose(v[2:5], [1.5, 1.25, -0.375])


@pytest.mark.parametrize(("kwargs", "needle"), [
    (dict(beta=0.0), "DiscreteLIF.beta"), (dict(beta=1.5), "DiscreteLIF.beta"),
    (dict(v_th=0.0), "DiscreteLIF.v_th"), (dict(reset="soft"), "DiscreteLIF.reset"),
])
def test_bad_parameters_are_named(kwargs, needle):
    with pytest.raises(ParameterError, match=needle):
        ns.DiscreteLIF(**kwargs)
