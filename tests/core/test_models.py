"""Every registered neuron model, on every engine that runs it, against the reference and
against closed-form solutions.

The feature tests enumerate the model registry (``neurosparse.core.models.MODELS``), so a
model added to it is tested on the compiled kernel (one and two threads), the interpreted
tier (where its step is exact on arrays) and the default ``auto`` engine without further
work. The analytic tests hold LIF, IF and QIF to their exact solutions.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from random_networks import DT, SCALES, make_model, make_port, weight_range
from test_kernels_vs_reference import assert_agrees_with_reference, run_both

import neurosparse as ns
from neurosparse.core.models import MODELS, STEPS, exact_current_coupling
from neurosparse.core.models.qif import time_to_peak
from neurosparse.core.synapses import PORT_CONDUCTANCE, PORT_CURRENT, PORT_DELTA

ENGINES = [("numba", 1), ("numba", 2), ("numpy", 1), ("auto", 1)]
_KINDS = {PORT_CURRENT: "current", PORT_CONDUCTANCE: "conductance", PORT_DELTA: "delta"}


@pytest.fixture(params=ENGINES, ids=lambda e: f"{e[0]}-{e[1]}")
def engine(request, monkeypatch):
    """An engine and thread count; ``auto`` may take either tier."""
    name, threads = request.param
    monkeypatch.setenv("NEUROSPARSE_ENGINE", name)
    return name, threads


def feature_network(kind: str, seed: int, hetero: bool, conductance: bool = True) -> ns.Network:
    """A population of ``kind`` with a port of every kind it accepts (but conductance ports
    unless ``conductance``), a constant and a timed current, spike-time input onto every
    port and recurrent connections."""
    rng = np.random.default_rng(seed)
    n = 12
    scale = SCALES[kind]
    model = make_model(kind, n, hetero, rng)
    net = ns.Network(dt=DT, seed=seed, rounding="down")
    ports = {f"{_KINDS[k][0]}{m}": make_port(_KINDS[k], scale, rng.uniform(2e-3, 15e-3), rng)
             for m, k in enumerate(MODELS[kind].ports) if conductance or k != PORT_CONDUCTANCE}
    net.add_population("pop", n, model, ports=ports)
    net.add_current("pop", scale["current"] * rng.uniform(1.0, 2.0, n))
    net.add_current("pop", ns.TimedArray(scale["current"] * rng.uniform(-0.3, 0.8, 7), dt=40 * DT))
    pairs = np.unique(np.stack([rng.integers(0, 400, 150), rng.integers(0, 6, 150)]), axis=1)
    net.add_input("in", ns.SpikeTimes(6, pairs[0] * DT, pairs[1]))
    for pname, port in ports.items():
        lo, hi = weight_range(_KINDS[port.kind], scale)
        lo = max(lo, -0.2 * hi)  # mostly excitatory, so that every model is active
        net.connect("in", "pop", pname, ns.FixedProbability(0.5), weight=rng.uniform(lo, hi),
                    delay=int(rng.integers(1, 5)) * DT)
        net.connect("pop", "pop", pname, ns.FixedProbability(0.3),
                    weight=lambda r, m, lo=lo, hi=hi: r.uniform(lo, hi, m) * 0.5,
                    delay=lambda r, m: r.integers(1, 25, m) * DT)
    net.monitor_spikes()
    recordable = tuple(model.state_variables) + tuple(
        p for p, port in ports.items() if port.kind != PORT_DELTA)
    net.monitor_state("pop", recordable)
    return net


def _runs_on(engine_name: str, kind: str, conductance: bool) -> bool:
    kinds = [k for k in MODELS[kind].ports if conductance or k != PORT_CONDUCTANCE]
    return engine_name != "numpy" or MODELS[kind]().step(kinds).exact_on_arrays


@pytest.mark.parametrize("kind", sorted(MODELS))
@pytest.mark.parametrize("hetero", [False, True], ids=["shared", "per_neuron"])
@pytest.mark.parametrize("conductance", [False, True], ids=["", "conductance"])
def test_every_registered_model_agrees_with_the_reference_on_every_engine(kind, hetero, conductance,
                                                                          engine):
    name, threads = engine
    if conductance and PORT_CONDUCTANCE not in MODELS[kind].ports:
        pytest.skip(f"{kind} takes no conductance port")
    if not _runs_on(name, kind, conductance):
        pytest.skip(f"{kind}'s step calls exp every step: not interpreted")
    net = feature_network(kind, seed=7, hetero=hetero, conductance=conductance)
    ref, rec, weights, final = run_both(net, 400, threads=threads)
    assert_agrees_with_reference(ref, rec, weights, final)
    assert rec.spikes["pop"].steps.size > 0, "the test network should be active"


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_engines_leave_identical_state(kind):
    """Compiled (one and two threads) and interpreted runs leave the same bits."""
    results = []
    for name, threads in ENGINES[:3]:
        if not _runs_on(name, kind, True):
            continue
        net = feature_network(kind, seed=3, hetero=True)
        rec = net.run(300 * DT, engine=name, threads=threads)
        state = [net.get_state("pop", var) for var in net.populations["pop"].variables()]
        results.append((rec.spikes["pop"].steps, rec.spikes["pop"].i, state))
    for steps, i, state in results[1:]:
        np.testing.assert_array_equal(steps, results[0][0])
        np.testing.assert_array_equal(i, results[0][1])
        for a, b in zip(state, results[0][2]):
            np.testing.assert_array_equal(a, b)


def test_registry_declares_every_model_and_step():
    assert set(MODELS) == {"lif", "if", "adaptive_lif", "izhikevich", "maxplus_lif", "discrete_lif", "qif",
                           "discrete_cuba_lif"}
    assert len({s.name for s in STEPS}) == len(STEPS)
    for step in STEPS:
        assert "ref_steps" in step.constants._fields, step.name
    for kind, cls in MODELS.items():
        assert cls.name == kind
        model = cls()
        kinds = list(cls.ports)
        assert model.step(kinds) in STEPS
        constants = model.constants(DT)
        assert type(constants) is model.step(kinds).constants
        assert all(np.all(np.isfinite(x)) for x in constants)


# ------------------------------------------------------------------ closed forms
def _first_spikes(model, current, duration, engine="numba", v0=None):
    net = ns.Network(dt=DT, seed=0, rounding="down")
    net.add_population("p", 1, model)
    net.add_current("p", current)
    if v0 is not None:
        net.set_state("p", v=v0)
    net.monitor_spikes()
    return net.run(duration, engine=engine).spikes["p"].steps


@pytest.mark.parametrize("engine_name", ["numba", "numpy"])
@pytest.mark.parametrize("t_ref", [0.0, 2.05e-3])
def test_lif_under_constant_current_spikes_at_the_closed_form_times(engine_name, t_ref):
    """v(t) = v_inf + (v_reset - v_inf) e^{-t/tau}: the first crossing of v_th after
    T = tau ln((v_inf - v_reset) / (v_inf - v_th)), then every R - 1 + ceil(T/h) steps."""
    lif = ns.LIF(tau_m=17e-3, v_rest=-70e-3, v_th=-50e-3, v_reset=-70e-3, t_ref=t_ref, r_m=1e8)
    current = 0.263e-9
    v_inf = -70e-3 + 1e8 * current
    T = lif.tau_m * math.log((v_inf - lif.v_reset) / (v_inf - lif.v_th))
    assert abs(T / DT - round(T / DT)) > 0.05  # off the grid: the step is unambiguous
    first = math.ceil(T / DT) - 1  # a step's update gives v at the end of that step
    refractory = math.floor(t_ref / DT + 1e-3)
    isi = max(refractory - 1, 0) + math.ceil(T / DT)
    steps = _first_spikes(lif, current, 0.2, engine_name)
    assert steps[0] == first
    np.testing.assert_array_equal(np.diff(steps), isi)


@pytest.mark.parametrize("engine_name", ["numba", "numpy"])
def test_if_integrates_a_constant_current_linearly(engine_name):
    """v_k = v_reset + k h I / c_m: a spike at the first k with v_k > v_th."""
    neuron = ns.IF(c_m=200e-12, v_th=20e-3, v_reset=0.0)
    current = 0.37e-9
    per_step = DT * current / neuron.c_m
    k = math.floor(neuron.v_th / per_step) + 1
    steps = _first_spikes(neuron, current, 0.1, engine_name)
    assert steps[0] == k - 1
    np.testing.assert_array_equal(np.diff(steps), k)


def test_lif_f_i_curve_matches_the_closed_form_rate():
    """Rates over a range of currents: 1 / (h (R - 1 + ceil(T/h))), zero below rheobase."""
    lif = ns.LIF(tau_m=20e-3, v_rest=-65e-3, v_th=-50e-3, v_reset=-65e-3, t_ref=3e-3, r_m=1e8)
    currents = np.linspace(0.1e-9, 1.0e-9, 10)
    net = ns.Network(dt=DT, seed=0, rounding="down")
    net.add_population("p", currents.size, lif)
    net.add_current("p", currents)
    net.monitor_spikes()
    spikes = net.run(1.0).spikes["p"]
    for j, current in enumerate(currents):
        steps = spikes.steps[spikes.i == j]
        v_inf = lif.v_rest + lif.r_m * current
        if v_inf <= lif.v_th:
            assert steps.size == 0
            continue
        T = lif.tau_m * math.log((v_inf - lif.v_reset) / (v_inf - lif.v_th))
        isi = 29 + math.ceil(T / DT)
        np.testing.assert_array_equal(np.diff(steps), isi)


@pytest.mark.parametrize("engine_name", ["numba", "numpy"])
@pytest.mark.parametrize("tau_s", [5e-3, 20e-3 * (1 + 1e-10), 20e-3])
def test_lif_subthreshold_response_to_one_spike_is_the_exact_solution(engine_name, tau_s):
    """A unit weight arriving on a current port: v - v_rest = r_m w c(t), the difference of
    exponentials tau_s / (tau_s - tau_m) (e^{-t/tau_s} - e^{-t/tau_m}) (t e^{-t/tau}/tau at
    equal time constants), sampled at every step."""
    tau_m = 20e-3
    lif = ns.LIF(tau_m=tau_m, v_rest=-70e-3, v_th=0.0, v_reset=-80e-3, t_ref=0.0, r_m=1e8)
    net = ns.Network(dt=DT, seed=0, rounding="down")
    net.add_population("p", 1, lif, {"e": ns.CurrentSynapse(tau_s)})
    net.add_input("s", ns.SpikeTimes(1, np.array([0.0]), np.array([0])))
    w = 0.5e-9
    net.connect("s", "p", "e", ns.AllToAll(), weight=w, delay=DT)
    net.monitor_state("p", "v")
    v = net.run(0.1, engine=engine_name).state["p"].values["v"][:, 0]
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40  # the difference of exponentials cancels near tau_s = tau_m
    ts, tm = mpmath.mpf(tau_s), mpmath.mpf(tau_m)

    def exact(t):
        if t <= 0:
            return 0.0
        t = mpmath.mpf(t)
        if ts == tm:
            return float(t / tm * mpmath.exp(-t / tm))
        return float(ts / (ts - tm) * (mpmath.exp(-t / ts) - mpmath.exp(-t / tm)))

    t = (np.arange(v.size) - 2) * DT  # the weight lands at the end of step 1
    want = np.array([exact(x) for x in t])
    np.testing.assert_allclose(v + 70e-3, 1e8 * float(np.float32(w)) * want, rtol=1e-9, atol=1e-15)


def test_exact_current_coupling_is_accurate_across_equal_time_constants():
    """Against 50-digit arithmetic, on both sides of tau_s = tau_m and at equality."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    tau_m, h = 20e-3, 1e-4
    worst = 0.0
    for rel in [0.0, *np.logspace(-14, -1, 27), *(-np.logspace(-14, -1, 27))]:
        tau_s = tau_m * (1 + rel)
        got = float(exact_current_coupling(tau_s, tau_m, h))
        ts, tm, hh = mpmath.mpf(tau_s), mpmath.mpf(tau_m), mpmath.mpf(h)
        exact = (hh / tm * mpmath.exp(-hh / tm) if ts == tm
                 else ts / (ts - tm) * (mpmath.exp(-hh / ts) - mpmath.exp(-hh / tm)))
        worst = max(worst, abs(got - float(exact)) / float(exact))
    assert worst < 1e-14


def test_qif_first_spike_converges_to_the_closed_form_time_to_peak():
    """Forward Euler's error in the time to peak falls with the step, towards the exact T."""
    qif = ns.QIF(v_reset=-65e-3)
    current = 0.1e-9
    T = time_to_peak(qif, current)
    errors = []
    for dt in (1e-4, 2e-5, 4e-6):
        net = ns.Network(dt=dt, seed=0, rounding="down")
        net.add_population("q", 1, qif)
        net.add_current("q", current)
        net.set_state("q", v=qif.v_reset)
        net.monitor_spikes()
        steps = net.run(round(2 * T / dt) * dt).spikes["q"].steps
        errors.append(abs((steps[0] + 1) * dt - T) / T)
    assert errors[-1] < 0.01
    assert errors[0] > errors[1] > errors[2]


def test_qif_rejects_a_critical_potential_below_rest():
    with pytest.raises(ns.ParameterError, match="v_rest must be below v_c"):
        ns.QIF(v_rest=-40e-3, v_c=-50e-3)
    with pytest.raises(ValueError, match="rheobase"):
        time_to_peak(ns.QIF(), 1e-12)
