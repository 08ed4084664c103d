"""The interpreted first tier equals the compiled kernel bit for bit.

Random networks on the fused LIF path (hypothesis): populations with one or two current
ports, some with identical parameters (merged into one vector by the interpreter), some
not; spike-time inputs and Poisson groups (one rate, per-source rates, rate tables, both
samplers: geometric skipping and one draw per source); projections with scalar or
per-synapse weights, one delay or per-synapse delays, short (direct delivery) or long (ring
buffer), several onto the same port; state monitors. Two consecutive runs through
``engine="numpy"`` and through ``engine="numba"`` must give identical recordings and leave
identical kernel arrays.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from random_networks import build_network, network_specs

import neurosparse as ns
from neurosparse.core import interpreter
from neurosparse.core.benchmark_networks import coba, cuba
from neurosparse.errors import ParameterError

DT = 1e-4


@st.composite
def fused_specs(draw):
    n_pops = draw(st.integers(1, 4))
    pops = [dict(n=draw(st.integers(1, 40)), n_ports=draw(st.integers(1, 2)),
                 params=draw(st.integers(0, 2)), current=draw(st.booleans()))
            for _ in range(n_pops)]
    inputs = [dict(n=draw(st.integers(1, 20)), n_spikes=draw(st.integers(0, 80)),
                   poisson=draw(st.sampled_from(("no", "scalar", "per_source", "timed",
                                                 "timed_per_source", "certain"))))
              for _ in range(draw(st.integers(0, 3)))]
    n_sources = n_pops + len(inputs)
    projections = [dict(source=draw(st.integers(0, n_sources - 1)),
                        target=draw(st.integers(0, n_pops - 1)), port=draw(st.integers(0, 1)),
                        n_syn=draw(st.integers(0, 80)), per_synapse_weight=draw(st.booleans()),
                        delay_kind=draw(st.sampled_from(("one", "per_synapse", "long"))))
                   for _ in range(draw(st.integers(0, 6)))]
    return dict(seed=draw(st.integers(0, 2**32 - 1)), pops=pops, inputs=inputs,
                projections=projections, steps=(draw(st.integers(1, 200)), draw(st.integers(1, 100))),
                record_every=draw(st.sampled_from((0, 1, 7))))


PARAMS = (dict(tau_m=20e-3, v_rest=-60e-3, v_th=-50e-3, v_reset=-65e-3, t_ref=2e-3),
          dict(tau_m=10e-3, v_rest=-55e-3, v_th=-52e-3, v_reset=-60e-3, t_ref=0.0),
          dict(tau_m=20e-3, v_rest=-49e-3, v_th=-50e-3, v_reset=-60e-3, t_ref=5e-3))


def build(spec) -> ns.Network:
    rng = np.random.default_rng(spec["seed"])
    net = ns.Network(dt=DT, seed=spec["seed"], rounding="down")
    names, sizes = [], []
    for k, pop in enumerate(spec["pops"]):
        ports = {"a": ns.CurrentSynapse(5e-3), "b": ns.CurrentSynapse(10e-3)}
        ports = dict(list(ports.items())[:pop["n_ports"]])
        net.add_population(f"p{k}", pop["n"], ns.LIF(**PARAMS[pop["params"]]), ports=ports)
        if pop["current"]:
            net.add_current(f"p{k}", 0.12e-9)
        net.set_state(f"p{k}", v=rng.uniform(-65e-3, -50e-3, pop["n"]))
        names.append(f"p{k}")
        sizes.append(pop["n"])
    for k, inp in enumerate(spec["inputs"]):
        if inp["poisson"] != "no":
            n = inp["n"]
            rate = {"scalar": 400.0, "per_source": rng.uniform(0, 3000, n) * (rng.random(n) < 0.7),
                    "timed": ns.TimedArray(rng.uniform(0, 2000, 5), 3 * DT),
                    "timed_per_source": ns.TimedArray(rng.uniform(0, 2000, (5, n)), 3 * DT),
                    "certain": 1 / DT}[inp["poisson"]]  # rate * dt = 1: a spike every step
            net.add_input(f"in{k}", ns.PoissonGroup(n, rate))
            names.append(f"in{k}")
            sizes.append(n)
            continue
        # distinct (step, source) pairs: a source spikes at most once per step
        cells = rng.choice(300 * inp["n"], min(inp["n_spikes"], 300 * inp["n"]), replace=False)
        steps, idx = np.divmod(cells, inp["n"])
        net.add_input(f"in{k}", ns.SpikeTimes(inp["n"], steps * DT, idx))
        names.append(f"in{k}")
        sizes.append(inp["n"])
    for j, pr in enumerate(spec["projections"]):
        src, tgt = names[pr["source"]], names[pr["target"]]
        tgt_pop = spec["pops"][pr["target"]]
        port = ("a", "b")[min(pr["port"], tgt_pop["n_ports"] - 1)]
        n_syn = pr["n_syn"]
        pre = rng.integers(0, sizes[pr["source"]], n_syn)
        post = rng.integers(0, tgt_pop["n"], n_syn)
        weight = rng.uniform(-0.5e-9, 1.5e-9, n_syn) if pr["per_synapse_weight"] else 0.7e-9
        delay = {"one": 2 * DT, "per_synapse": rng.integers(1, 6, n_syn) * DT,
                 "long": 25 * DT}[pr["delay_kind"]]
        net.connect(src, tgt, port, ns.FromArrays(pre, post), weight=weight, delay=delay,
                    name=f"proj{j}")
    net.monitor_spikes()
    if spec["record_every"]:
        for name, pop in zip(names, spec["pops"]):
            net.monitor_state(name, ("v", "a"), indices=[0, pop["n"] - 1],
                              record_dt=spec["record_every"] * DT)
    return net


def assert_same_recordings(x, y):
    assert np.array_equal(x.spike_counts, y.spike_counts)
    assert np.array_equal(x.synaptic_events, y.synaptic_events)
    assert x.spikes.keys() == y.spikes.keys()
    for name in x.spikes:
        assert np.array_equal(x.spikes[name].steps, y.spikes[name].steps)
        assert np.array_equal(x.spikes[name].i, y.spikes[name].i)
    assert x.state.keys() == y.state.keys()
    for name in x.state:
        assert np.array_equal(x.state[name].steps, y.state[name].steps)
        for var in x.state[name].values:
            assert np.array_equal(x.state[name].values[var], y.state[name].values[var])
    assert x.optrace.to_dict() == y.optrace.to_dict()


def assert_same_arrays(a, b):
    for part in ("neurons", "inputs", "synapses"):
        for field, x in getattr(a, part)._asdict().items():
            if isinstance(x, np.ndarray):
                assert np.array_equal(x, getattr(getattr(b, part), field)), f"{part}.{field}"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fused_specs())
def test_interpreter_equals_kernel(spec):
    runs = {}
    for engine in ("numpy", "numba"):
        net = build(spec)
        recs = [net.run(n * DT, engine=engine) for n in spec["steps"]]
        runs[engine] = (net, recs)
        assert all(r.timings["engine"] == engine for r in recs)
    (net_i, recs_i), (net_k, recs_k) = runs["numpy"], runs["numba"]
    assert interpreter.supports(net_i.compile().arrays)
    for x, y in zip(recs_i, recs_k):
        assert_same_recordings(x, y)
    assert_same_arrays(net_i.compile().arrays, net_k.compile().arrays)


def interpretable(spec):
    """The random network of ``spec`` made interpretable: no STDP, no AdaptiveLIF (its
    membrane calls exp: a LIF instead), no conductance ports on LIF and IF (current)."""
    spec = {**spec, "projections": [{**pj, "stdp": False} for pj in spec["projections"]]}
    pops = []
    for ps in spec["pops"]:
        model = "lif" if ps["model"] == "adaptive_lif" else ps["model"]
        ports = ps["ports"] if model == "izhikevich" else [
            "current" if k == "conductance" else k for k in ps["ports"]]
        pops.append({**ps, "model": model, "ports": ports})
    return {**spec, "pops": pops}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(network_specs())
def test_interpreter_equals_kernel_on_every_interpretable_model(spec):
    """LIF and IF (per-neuron parameters, current and delta ports, timed currents),
    Izhikevich (conductance ports too), MaxPlusLIF and DiscreteLIF, mixed in one network:
    the general update's arithmetic, exactly."""
    spec = interpretable(spec)
    steps = (spec["n_steps"], 1 + spec["n_steps"] // 3)
    runs = {}
    for engine in ("numpy", "numba"):
        net = build_network(spec)
        assert interpreter.supports(net.compile().arrays)
        runs[engine] = (net, [net.run(n * DT, engine=engine) for n in steps])
    (net_i, recs_i), (net_k, recs_k) = runs["numpy"], runs["numba"]
    for x, y in zip(recs_i, recs_k):
        assert_same_recordings(x, y)
    assert_same_arrays(net_i.compile().arrays, net_k.compile().arrays)


def _maxplus_net(seed: int) -> ns.Network:
    net = ns.Network(dt=DT, seed=seed, rounding="down")
    rng = np.random.default_rng(seed)
    steps, idx = np.divmod(rng.choice(500 * 50, 400, replace=False), 50)
    net.add_input("in", ns.SpikeTimes(50, steps * DT, idx))
    net.add_population("h", 100, ns.MaxPlusLIF(leak=0.05, t_ref=3e-4), ports={"x": ns.DeltaSynapse()})
    net.add_population("d", 60, ns.DiscreteLIF(beta=0.9, reset="zero"), ports={"x": ns.DeltaSynapse()})
    net.connect("in", "h", "x", ns.FixedProbability(0.3), weight=lambda r, n: r.uniform(-0.2, 0.6, n))
    net.connect("h", "d", "x", ns.FixedProbability(0.5), weight=lambda r, n: r.uniform(-0.2, 1.5, n))
    net.monitor_spikes()
    net.monitor_state("d", ("v",), record_dt=5 * DT)
    return net


def _hetero_noise_net(seed: int) -> ns.Network:
    net = ns.Network(dt=DT, seed=seed, rounding="down")
    rng = np.random.default_rng(seed)
    net.add_input("noise", ns.PoissonGroup(300, 30.0))
    net.add_population("a", 200, ns.LIF(tau_m=rng.uniform(10e-3, 30e-3, 200), v_rest=-60e-3,
                                        v_reset=-65e-3, t_ref=2e-3),
                       ports={"e": ns.CurrentSynapse(5e-3), "d": ns.DeltaSynapse()})
    net.add_current("a", ns.TimedArray(rng.uniform(0, 0.1e-9, (20, 200)), 10 * DT))
    net.connect("noise", "a", "e", ns.FixedProbability(0.1), weight=0.6e-9)
    net.connect("a", "a", "d", ns.FixedProbability(0.05), weight=1e-3, delay=3 * DT)
    net.monitor_spikes()
    return net


@pytest.mark.parametrize("make", [_maxplus_net, _hetero_noise_net])
def test_general_models_identical_and_active(make):
    recs = {engine: make(5).run(0.05, engine=engine) for engine in ("numpy", "numba")}
    n_neurons = [k for k, name in enumerate(recs["numpy"].population_names) if name in ("h", "d", "a")]
    assert all(recs["numpy"].spike_counts[:, k].sum() > 20 for k in n_neurons)
    assert_same_recordings(recs["numpy"], recs["numba"])


def test_interpreter_refuses_models_that_call_exp():
    for model, ports in ((ns.AdaptiveLIF(), {"e": ns.CurrentSynapse()}),
                         (ns.LIF(), {"g": ns.ConductanceSynapse(5e-3, 0.0)})):
        net = ns.Network(dt=DT, seed=0, rounding="down")
        net.add_population("a", 5, model, ports=ports)
        assert not interpreter.supports(net.compile().arrays)


def test_cuba_identical_and_active():
    """The benchmark network itself: thousands of spikes, identical to the kernel."""
    recs = {engine: cuba(1000, seed=4).run(0.2, engine=engine) for engine in ("numpy", "numba")}
    assert recs["numpy"].spike_counts.sum() > 500
    assert_same_recordings(recs["numpy"], recs["numba"])


def test_poisson_driven_network_identical():
    """A noise-driven network: the interpreter draws from the run's generator exactly as the
    kernel does (geometric skipping for one rate, one uniform per source otherwise)."""
    def build_noise():
        net = ns.Network(dt=DT, seed=11, rounding="down")
        net.add_input("noise", ns.PoissonGroup(500, 20.0))
        net.add_input("drive", ns.PoissonGroup(300, np.linspace(0.0, 60.0, 300)))
        net.add_population("exc", 400, ns.LIF(**PARAMS[0]), ports={"e": ns.CurrentSynapse(5e-3)})
        net.connect("noise", "exc", "e", ns.FixedProbability(0.1), weight=0.8e-9)
        net.connect("drive", "exc", "e", ns.FixedProbability(0.1), weight=0.8e-9)
        net.monitor_spikes()
        return net

    recs = {engine: build_noise().run(0.2, engine=engine) for engine in ("numpy", "numba")}
    assert recs["numpy"].spike_counts[:, 2].sum() > 100  # the LIF population fires
    assert_same_recordings(recs["numpy"], recs["numba"])


def test_mixing_engines_continues_the_same_run():
    """State left by the interpreter is the kernel's: a run can switch engines midway."""
    mixed, pure = cuba(500, seed=2), cuba(500, seed=2)
    first = [mixed.run(0.05, engine="numpy"), mixed.run(0.05, engine="numba")]
    second = [pure.run(0.05, engine="numba"), pure.run(0.05, engine="numba")]
    for x, y in zip(first, second):
        assert_same_recordings(x, y)


def test_numpy_engine_refuses_what_it_cannot_run():
    with pytest.raises(ParameterError, match="engine='numpy'"):
        coba(200, seed=0).run(0.01, engine="numpy")  # conductance LIF: exp every step
    net = ns.Network(dt=DT, seed=0, rounding="down")
    net.add_population("a", 10, ns.LIF(), ports={"e": ns.CurrentSynapse()})
    net.connect("a", "a", "e", ns.FixedProbability(0.5), weight=1e-10, plasticity=ns.STDP(w_max=1e-9))
    with pytest.raises(ParameterError, match="without STDP"):
        net.run(0.01, engine="numpy")
    with pytest.raises(ParameterError, match="one thread"):
        cuba(200, seed=0).run(0.01, engine="numpy", threads=2)


def test_engine_names_are_checked(monkeypatch):
    with pytest.raises(ParameterError, match="engine must be one of auto, numba, numpy"):
        cuba(200, seed=0).run(0.01, engine="jit")
    monkeypatch.setenv("NEUROSPARSE_ENGINE", "fast")
    with pytest.raises(ParameterError, match="NEUROSPARSE_ENGINE"):
        cuba(200, seed=0).run(0.01)
