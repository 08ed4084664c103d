"""The NIR paper's first check: a single LIF neuron under a ramp, against the exact solution
(``method="exact"``) and against snnTorch (``method="euler"``, step for step); and the exact
discretisation of a current-based neuron against its closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest

nir = pytest.importorskip("nir")

from neurosparse.interop.nir_import import import_nir  # noqa: E402

TAU, R, SLOPE = 10e-3, 2.0, 400.0  # membrane time constant (s), resistance, ramp I(t) = SLOPE t


def _ramp_graph(v_threshold: float) -> object:
    return nir.NIRGraph(
        nodes={
            "in": nir.Input(np.array([1])),
            "w": nir.Linear(weight=np.array([[1.0]])),
            "lif": nir.LIF(
                tau=np.array([TAU]),
                r=np.array([R]),
                v_leak=np.array([0.0]),
                v_threshold=np.array([v_threshold]),
                v_reset=np.array([0.0]),
            ),
            "v": nir.Output(np.array([1])),
        },
        edges=[("in", "w"), ("w", "lif"), ("lif", "v")],
        type_check=False,
    )


def _exact_v(t: np.ndarray) -> np.ndarray:
    """tau v' = -v + R a t, v(0) = 0: v = R a (t - tau (1 - e^{-t/tau}))."""
    return R * SLOPE * (t - TAU * (1.0 - np.exp(-t / TAU)))


def _ramp(dt: float, duration: float) -> np.ndarray:
    steps = int(round(duration / dt))
    return (SLOPE * dt * np.arange(steps))[:, None]  # I held at its value at the start of each step


def _membrane(dt: float, method: str, duration: float = 0.05) -> np.ndarray:
    # an LI shares the LIF's membrane equation; with an unreachable threshold the LIF's v is its
    graph = _ramp_graph(1e9)
    graph.nodes["lif"] = nir.LI(tau=np.array([TAU]), r=np.array([R]), v_leak=np.array([0.0]))
    return import_nir(graph, dt=dt, method=method).run(_ramp(dt, duration)).outputs["v"][:, 0]


@pytest.mark.parametrize("method", ["exact", "euler"])
def test_lif_membrane_under_a_ramp_converges_to_the_exact_solution_at_first_order(method):
    errors = []
    for dt in (1e-3, 5e-4, 2.5e-4):
        v = _membrane(dt, method)
        t = dt * np.arange(1, v.size + 1)  # step k leaves the membrane at (k + 1) dt
        errors.append(np.max(np.abs(v - _exact_v(t))))
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    np.testing.assert_allclose(ratios, 2.0, rtol=0.1)
    if method == "exact":  # the held input lags the ramp by at most SLOPE dt: v lags by at most R SLOPE dt
        assert errors[0] <= R * SLOPE * 1e-3


def test_exact_discretisation_is_exact_for_a_held_current_and_euler_is_not():
    """A constant current I from t = 0: v(t) = R I (1 - e^{-t/tau}), sampled at every step end."""
    dt, current = 1e-3, 0.7
    t = dt * np.arange(1, 41)
    want = R * current * (1.0 - np.exp(-t / TAU))
    graph = _ramp_graph(1e9)
    graph.nodes["lif"] = nir.LI(tau=np.array([TAU]), r=np.array([R]), v_leak=np.array([0.0]))
    exact = import_nir(graph, dt=dt, method="exact").run(np.full((40, 1), current)).outputs["v"][:, 0]
    euler = import_nir(graph, dt=dt, method="euler").run(np.full((40, 1), current)).outputs["v"][:, 0]
    np.testing.assert_allclose(exact, want, rtol=1e-12)
    assert np.max(np.abs(euler - want)) > 1e-3


def test_first_spike_under_a_ramp_approaches_the_exact_crossing_time():
    from scipy.optimize import brentq

    theta = 4.0
    t_star = brentq(lambda t: _exact_v(np.array(t)) - theta, 1e-6, 0.1)
    gaps = []
    for dt in (1e-3, 2.5e-4, 6.25e-5):
        out = import_nir(_ramp_graph(theta), dt=dt, method="exact").run(_ramp(dt, 0.06)).outputs["v"][:, 0]
        t_first = dt * (int(np.flatnonzero(out)[0]) + 1)
        gaps.append(t_first - t_star)
        assert 0 <= t_first - t_star <= 2 * dt  # late (the held input lags), by less than two steps
    assert abs(gaps[-1]) < abs(gaps[0])


def test_ramp_spikes_equal_snntorch_leaky_step_for_step():
    torch = pytest.importorskip("torch")
    snn = pytest.importorskip("snntorch")
    dt = 1e-4
    beta = 1.0 - dt / TAU  # snnTorch's reading: tau = dt / (1 - beta), r = tau / dt
    graph = _ramp_graph(1.0)
    graph.nodes["lif"] = nir.LIF(
        tau=np.array([TAU]),
        r=np.array([TAU / dt]),
        v_leak=np.array([0.0]),
        v_threshold=np.array([1.0]),
        v_reset=np.array([0.0]),
    )
    x = (np.arange(3000) * 2e-5)[:, None]  # a ramp of the per-step input
    got = import_nir(graph, dt=dt, reset="subtract").run(x).outputs["v"][:, 0]
    leaky = snn.Leaky(
        beta=torch.tensor(beta, dtype=torch.float64), threshold=torch.tensor(1.0, dtype=torch.float64)
    )
    mem, want = torch.zeros(1, dtype=torch.float64), []
    with torch.no_grad():
        for x_t in torch.from_numpy(x):
            spk, mem = leaky(x_t, mem)
            want.append(int(spk.item()))
    assert sum(want) > 20
    np.testing.assert_array_equal(got, want)


def test_exact_cubalif_membrane_is_the_difference_of_exponentials():
    """One input pulse of area X dt: I jumps by w_in X dt / tau_syn, then
    v(t) = R I_0 tau_s / (tau_s - tau_m) (e^{-t/tau_s} - e^{-t/tau_m})."""
    tau_s, tau_m, r, w_in, dt = 3e-3, 8e-3, 1.5, 2.0, 2e-4
    graph = nir.NIRGraph(
        nodes={
            "in": nir.Input(np.array([1])),
            "w": nir.Linear(weight=np.array([[1.0]])),
            "cuba": nir.CubaLI(
                tau_syn=np.array([tau_s]),
                tau_mem=np.array([tau_m]),
                r=np.array([r]),
                v_leak=np.array([0.0]),
                w_in=np.array([w_in]),
            ),
            "v": nir.Output(np.array([1])),
        },
        edges=[("in", "w"), ("w", "cuba"), ("cuba", "v")],
        type_check=False,
    )
    x = np.zeros((200, 1))
    x[0] = 1.0
    v = import_nir(graph, dt=dt, method="exact").run(x).outputs["v"][:, 0]
    i0 = w_in * dt / tau_s
    t = dt * np.arange(1, 201)
    want = r * i0 * tau_s / (tau_s - tau_m) * (np.exp(-t / tau_s) - np.exp(-t / tau_m))
    np.testing.assert_allclose(v, want, rtol=1e-10)
    assert math.isclose(v.max(), want.max(), rel_tol=1e-10)
