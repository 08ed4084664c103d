"""neurosparse against Brian2: the same spikes for deterministic input, the same statistics for CUBA and COBA.

Identical-spike tests build small networks driven by explicit spike times, run them in
neurosparse, translate them with :func:`neurosparse.interop.brian2.run_brian2` (same
equations, initial state, synapse arrays and delays) and require the same spike steps and
indices, array for array. Statistical tests compare CUBA and COBA built by neurosparse
with Brian2's own formulation of the benchmark (its own random connectivity and initial
potentials) over several seeds. Brian2 runs with its ``numpy`` target (no compilation).
"""

from __future__ import annotations

import numpy as np
import pytest

import neurosparse as ns
from neurosparse.core.benchmark_networks import coba, cuba
from neurosparse.core.recording import SpikeTrains
from neurosparse.interop.brian2 import run_brian2, to_brian2

brian2 = pytest.importorskip("brian2")
pytestmark = [pytest.mark.brian2,
              # Brian2's equation parser calls pyparsing's deprecated names
              pytest.mark.filterwarnings("ignore::DeprecationWarning:pyparsing.*")]

DT = 1e-4
DURATION = 0.2
LIF_PARAMS = dict(tau_m=15e-3, v_rest=-65e-3, v_th=-55e-3, v_reset=-70e-3, t_ref=2e-3, r_m=100e6)


# --------------------------------------------------------------------------- helpers
def spike_input(n_sources: int, n_spikes: int, rng: np.random.Generator,
                duration: float = DURATION) -> ns.SpikeTimes:
    """Random spike times (off the step grid, at most one per source and step)."""
    steps = rng.integers(0, int(0.9 * duration / DT), n_spikes)
    index = rng.integers(0, n_sources, n_spikes)
    _, keep = np.unique(steps * n_sources + index, return_index=True)
    times = (steps[keep] + rng.uniform(0.0, 0.9, keep.size)) * DT
    return ns.SpikeTimes(n_sources, times, index[keep])


def random_synapses(n_pre: int, n_post: int, n_syn: int, rng: np.random.Generator,
                    weight_mean: float, weight_sd: float, max_delay_steps: int = 30):
    """``FromArrays`` with random pairs (multapses allowed), weights and delays."""
    pre = rng.integers(0, n_pre, n_syn)
    post = rng.integers(0, n_post, n_syn)
    weight = rng.normal(weight_mean, weight_sd, n_syn)
    delay = rng.integers(1, max_delay_steps + 1, n_syn) * DT
    return ns.FromArrays(pre, post, weight=weight, delay=delay)


def driven_network(ports: dict, projections: list[tuple[str, float, float]], n: int = 20,
                   n_in: int = 40, n_input_spikes: int = 800, n_syn: int = 300,
                   seed: int = 0, max_delay_steps: int = 30, **lif) -> ns.Network:
    """``n`` LIF neurons driven from ``n_in`` spike-time sources.

    ``projections`` lists ``(port, weight_mean, weight_sd)``, one input projection each.
    """
    rng = np.random.default_rng(seed)
    net = ns.Network(dt=DT, seed=seed, rounding="down")
    net.add_population("P", n, ns.LIF(**{**LIF_PARAMS, **lif}), ports)
    net.add_input("in", spike_input(n_in, n_input_spikes, rng))
    for port, mean, sd in projections:
        rule = random_synapses(n_in, n, n_syn, rng, mean, sd, max_delay_steps)
        if ports[port].kind == ns.ConductanceSynapse.kind:
            rule = ns.FromArrays(rule.pre, rule.post, weight=np.abs(rule.weight), delay=rule.delay)
        net.connect("in", "P", port, rule, name=f"in->P:{port}")
    net.monitor_spikes()
    return net


def assert_same_spikes(net: ns.Network, duration: float = DURATION, min_spikes: int = 20,
                       populations: tuple[str, ...] | None = None) -> ns.Recording:
    """Run ``net`` in both simulators; require identical (step, index) sets per population."""
    rec = net.run(duration)
    result = run_brian2(net, duration, target="numpy", populations=populations)
    total = 0
    for name, (steps, indices) in result["spikes"].items():
        ours = rec.spikes[name]
        mine = np.lexsort((ours.i, ours.steps))
        theirs = np.lexsort((indices, steps))
        np.testing.assert_array_equal(ours.steps[mine], steps[theirs],
                                      err_msg=f"{name}: spike steps differ from Brian2")
        np.testing.assert_array_equal(ours.i[mine], indices[theirs],
                                      err_msg=f"{name}: spike indices differ from Brian2")
        total += len(ours)
    assert total >= min_spikes, f"only {total} spikes: the comparison would be vacuous"
    return rec


def mean_rate_and_cv(spikes: dict[str, tuple[np.ndarray, np.ndarray]], sizes: dict[str, int],
                     duration: float) -> tuple[float, float]:
    """Mean rate (Hz) over all neurons and the mean ISI CV over neurons with >= 3 spikes."""
    n_spikes = sum(len(steps) for steps, _ in spikes.values())
    cvs = np.concatenate([SpikeTrains(np.asarray(steps), np.asarray(idx), sizes[name], DT, 0.0,
                                      duration).isi_cv() for name, (steps, idx) in spikes.items()])
    return n_spikes / (sum(sizes.values()) * duration), float(np.mean(cvs))


_EXAMPLE_EQUATIONS = {
    "cuba": """
        dv/dt  = (ge + gi - (v - El)) / taum : volt (unless refractory)
        dge/dt = -ge / taue : volt
        dgi/dt = -gi / taui : volt
    """,
    "coba": """
        dv/dt  = (El - v + R * (I_drive + ge * (Ee - v) + gi * (Ei - v))) / taum
                 : volt (unless refractory)
        dge/dt = -ge / taue : siemens
        dgi/dt = -gi / taui : siemens
    """,
}


def brian2_example(network: str, n: int, duration: float, seed: int) -> tuple[float, float]:
    """Brian2's own CUBA or COBA (Brette et al. 2007): its connectivity, its initial state.

    The benchmark's parameters (as :mod:`neurosparse.core.benchmark_networks`), connection
    probability ``80 / n`` and a synaptic delay of one step, as neurosparse's networks.
    Returns the mean rate and mean ISI CV.
    """
    from brian2 import ms, mV, nS, second

    b2 = brian2
    previous = b2.prefs.codegen.target
    b2.prefs.codegen.target = "numpy"
    try:
        b2.seed(seed)
        namespace = dict(taum=20 * ms, taue=5 * ms, taui=10 * ms, R=100 * b2.Mohm,
                         I_drive=0.2 * b2.nA, Ee=0 * mV, Ei=-80 * mV)
        if network == "cuba":
            method, we, wi = "exact", 1.62 * mV, -9 * mV
            namespace["El"] = -49 * mV
        else:
            method, we, wi = "exponential_euler", 6 * nS, 67 * nS
            namespace["El"] = -60 * mV
        namespace.update(we=we, wi=wi)
        clock_dt = DT * second
        group = b2.NeuronGroup(n, _EXAMPLE_EQUATIONS[network], threshold="v > -50*mV",
                               reset="v = -60*mV", refractory=5 * ms, method=method,
                               namespace=namespace, dt=clock_dt)
        group.v = "-60*mV + rand() * 10*mV" if network == "cuba" else "-55*mV + 5*mV * randn()"
        n_exc = int(round(0.8 * n))
        exc = b2.Synapses(group, group, on_pre="ge += we", delay=clock_dt, namespace=namespace,
                          dt=clock_dt)
        inh = b2.Synapses(group, group, on_pre="gi += wi", delay=clock_dt, namespace=namespace,
                          dt=clock_dt)
        exc.connect(f"i < {n_exc}", p=80.0 / n)
        inh.connect(f"i >= {n_exc}", p=80.0 / n)
        monitor = b2.SpikeMonitor(group)
        b2.Network(group, exc, inh, monitor).run(duration * second, namespace={}, report=None)
        steps = np.rint(np.asarray(monitor.t_) / DT).astype(np.int64)
        spikes = {"all": (steps, np.asarray(monitor.i[:], dtype=np.int32))}
    finally:
        b2.prefs.codegen.target = previous
    return mean_rate_and_cv(spikes, {"all": n}, duration)


def neurosparse_example(network: str, n: int, duration: float, seed: int) -> tuple[float, float]:
    net = {"cuba": cuba, "coba": coba}[network](n, seed=seed)
    rec = net.run(duration)
    spikes = {name: (rec.spikes[name].steps, rec.spikes[name].i) for name in ("exc", "inh")}
    sizes = {name: rec.spikes[name].n for name in ("exc", "inh")}
    return mean_rate_and_cv(spikes, sizes, duration)


def assert_statistics_agree(network: str, n: int, duration: float, seeds: tuple[int, ...]) -> None:
    """Difference of the seed-mean rate (and CV) below 3 pooled standard errors plus a margin.

    The margin (5 % of the rate, 0.05 in CV) covers what a handful of seeds cannot resolve.
    """
    ours = np.array([neurosparse_example(network, n, duration, s) for s in seeds])
    theirs = np.array([brian2_example(network, n, duration, s) for s in seeds])
    k = len(seeds)
    for col, (what, margin) in enumerate((("rate", 0.05 * ours[:, 0].mean()), ("ISI CV", 0.05))):
        diff = abs(ours[:, col].mean() - theirs[:, col].mean())
        pooled_se = np.sqrt(ours[:, col].var(ddof=1) / k + theirs[:, col].var(ddof=1) / k)
        assert diff < 3 * pooled_se + margin, (
            f"{network} {what}: neurosparse {ours[:, col]} vs Brian2 {theirs[:, col]} "
            f"(difference {diff:.4g}, 3 SE + margin {3 * pooled_se + margin:.4g})")
    assert ours[:, 0].min() > 1.0, f"{network}: rates {ours[:, 0]} Hz, the network is silent"


# ------------------------------------------------------------ identical spike trains
def test_spikes_identical_to_brian2_with_current_synapses():
    net = driven_network({"e": ns.CurrentSynapse(5e-3), "i": ns.CurrentSynapse(10e-3)},
                         [("e", 120e-12, 40e-12), ("i", -60e-12, 20e-12)])
    assert_same_spikes(net)


def test_spikes_identical_to_brian2_with_conductance_synapses():
    net = driven_network({"e": ns.ConductanceSynapse(5e-3, e_rev=0.0),
                          "i": ns.ConductanceSynapse(10e-3, e_rev=-80e-3)},
                         [("e", 1e-9, 0.3e-9), ("i", 1e-9, 0.3e-9)])
    assert_same_spikes(net)


def test_spikes_identical_to_brian2_with_current_and_conductance_ports_and_currents():
    """Exponential Euler with a current port, a per-neuron and a time-varying current."""
    net = driven_network({"e": ns.ConductanceSynapse(5e-3, e_rev=0.0), "c": ns.CurrentSynapse(3e-3)},
                         [("e", 0.5e-9, 0.2e-9), ("c", 20e-12, 40e-12)])
    net.add_current("P", np.linspace(0.0, 40e-12, 20))
    net.add_current("P", ns.TimedArray(np.array([0.0, 20e-12, -20e-12, 40e-12]), dt=5e-2))
    assert_same_spikes(net)


def test_spikes_identical_to_brian2_with_heterogeneous_delays():
    net = driven_network({"e": ns.CurrentSynapse(5e-3)}, [("e", 40e-12, 15e-12)],
                         max_delay_steps=400)
    # a second projection with one delay for all synapses (Brian2's scalar-delay path)
    net.connect("in", "P", "e", ns.FixedProbability(0.1), weight=20e-12, delay=37 * DT,
                name="uniform delay")
    proj = net.projections["in->P:e"]
    assert len(np.unique(proj.delays)) > 100
    assert net.projections["uniform delay"].delays is None
    assert_same_spikes(net)


@pytest.mark.parametrize("per_neuron", [False, True], ids=["scalar_t_ref", "per_neuron_t_ref"])
def test_spikes_identical_to_brian2_when_refractoriness_matters(per_neuron):
    t_ref = np.linspace(3e-3, 8e-3, 20) if per_neuron else 5e-3

    def build(t_ref):
        net = driven_network({"e": ns.CurrentSynapse(5e-3)}, [("e", 150e-12, 30e-12)],
                             n_input_spikes=3000, t_ref=t_ref)
        net.add_current("P", 60e-12)  # v_inf 1 mV below threshold: inputs fire bursts
        return net

    rec = assert_same_spikes(build(t_ref), min_spikes=100)
    spikes = rec.spikes["P"]
    # neurons fire repeatedly, and never within their refractory period ...
    counts = spikes.counts()
    assert (counts >= 3).sum() >= 5
    ref_steps = np.floor(np.broadcast_to(t_ref, (20,)) / DT + 1e-3)
    for i in np.flatnonzero(counts >= 2):
        isi = np.diff(np.sort(spikes.steps[spikes.i == i]))
        assert isi.min() >= ref_steps[i]
    # ... and the refractory period changed the spikes (without it they differ)
    free = build(0.0).run(DURATION).spikes["P"]
    assert len(free) > len(spikes)


def test_spikes_identical_to_brian2_with_delta_synapses():
    net = driven_network({"d": ns.DeltaSynapse(), "e": ns.CurrentSynapse(5e-3)},
                         [("d", 1e-3, 0.5e-3), ("e", 10e-12, 5e-12)], t_ref=0.0)
    assert_same_spikes(net)


def test_spikes_identical_to_brian2_with_delta_synapses_onto_refractory_neurons():
    """Brian2 holds an ``(unless refractory)`` variable fixed while refractory, so delta
    input arriving then is lost; so is it here."""
    net = driven_network({"d": ns.DeltaSynapse()}, [("d", 1e-3, 0.5e-3)], t_ref=2e-3)
    assert_same_spikes(net)


def test_spikes_identical_to_brian2_with_heterogeneous_tau_m():
    rng = np.random.default_rng(7)
    net = driven_network({"e": ns.CurrentSynapse(5e-3), "i": ns.CurrentSynapse(10e-3)},
                         [("e", 100e-12, 30e-12), ("i", -40e-12, 10e-12)],
                         tau_m=rng.uniform(6e-3, 30e-3, 20))
    assert_same_spikes(net)


def test_spikes_identical_to_brian2_with_every_lif_parameter_per_neuron():
    rng = np.random.default_rng(8)
    n = 20
    net = driven_network({"e": ns.ConductanceSynapse(5e-3, e_rev=0.0)}, [("e", 0.5e-9, 0.2e-9)], n=n,
                         tau_m=rng.uniform(6e-3, 30e-3, n), v_rest=rng.uniform(-70e-3, -60e-3, n),
                         v_th=rng.uniform(-56e-3, -52e-3, n), v_reset=rng.uniform(-75e-3, -65e-3, n),
                         t_ref=rng.uniform(1e-3, 4e-3, n), r_m=rng.uniform(80e6, 120e6, n))
    net.set_state("P", v=rng.uniform(-70e-3, -56e-3, n), e=rng.uniform(0, 2e-9, n))
    assert_same_spikes(net)


def test_spikes_identical_to_brian2_for_recurrent_network_driven_by_input():
    rng = np.random.default_rng(3)
    n_exc, n_inh, n_in = 80, 20, 40
    net = ns.Network(dt=DT, seed=3, rounding="down")
    ports = {"e": ns.CurrentSynapse(5e-3), "i": ns.CurrentSynapse(10e-3)}
    net.add_population("exc", n_exc, ns.LIF(**LIF_PARAMS), ports)
    net.add_population("inh", n_inh, ns.LIF(**{**LIF_PARAMS, "tau_m": 8e-3}), ports)
    net.add_input("in", spike_input(n_in, 1200, rng))
    for target, size, weight in (("exc", n_exc, 90e-12), ("inh", n_inh, 40e-12)):
        net.connect("in", target, "e", random_synapses(n_in, size, 8 * size, rng, weight, weight / 3))
        net.set_state(target, v=rng.uniform(-70e-3, -56e-3, size))
    net.connect("exc", "exc", "e", ns.FixedProbability(0.1), weight=60e-12,
                delay=lambda r, k: r.integers(1, 40, k) * DT)
    net.connect("exc", "inh", "e", ns.FixedProbability(0.2), weight=30e-12, delay=2e-4)
    net.connect("inh", "exc", "i", ns.FixedProbability(0.3),
                weight=lambda r, k: -r.uniform(50e-12, 150e-12, k), delay=1e-4)
    net.connect("inh", "inh", "i", ns.FixedProbability(0.1), weight=-80e-12, delay=5e-4)
    net.monitor_spikes()
    rec = assert_same_spikes(net, min_spikes=200, populations=("exc", "inh", "in"))
    assert len(rec.spikes["exc"]) > 50 and len(rec.spikes["inh"]) > 20
    # the recurrent projections carried spikes
    events = dict(zip(rec.projection_names, rec.synaptic_events.sum(axis=0)))
    assert min(events[name] for name in ("exc->exc:e", "exc->inh:e", "inh->exc:i", "inh->inh:i")) > 100


@pytest.mark.parametrize("build", [cuba, coba], ids=["cuba", "coba"])
def test_spikes_identical_to_brian2_for_small_cuba_and_coba(build):
    """The benchmark networks themselves: recurrent, self-sustained, translated as built."""
    assert_same_spikes(build(500, seed=2), duration=0.1, min_spikes=200)


# ------------------------------------------------------------------ statistics
@pytest.mark.parametrize("network", ["cuba", "coba"])
def test_rate_and_isi_cv_agree_with_brian2_example(network):
    assert_statistics_agree(network, n=1000, duration=0.5, seeds=(1, 2, 3))


@pytest.mark.slow
@pytest.mark.parametrize("network", ["cuba", "coba"])
def test_rate_and_isi_cv_agree_with_brian2_example_at_full_size(network):
    assert_statistics_agree(network, n=4000, duration=1.0, seeds=(1, 2, 3, 4, 5))


def test_poisson_inputs_have_brian2_rates():
    """Poisson groups draw different numbers in the two simulators: compare counts."""
    n, rate, duration = 400, 25.0, 0.5
    net = ns.Network(dt=DT, seed=5, rounding="down")
    net.add_population("P", 10, ns.LIF(**LIF_PARAMS), {"e": ns.CurrentSynapse(5e-3)})
    net.add_input("steady", ns.PoissonGroup(n, rate))
    net.add_input("ramp", ns.PoissonGroup(n, ns.TimedArray(np.array([0.0, 2 * rate]), dt=0.25)))
    for name in ("steady", "ramp"):
        net.connect(name, "P", "e", ns.FixedProbability(0.05), weight=20e-12)
    net.monitor_spikes()
    rec = net.run(duration)
    result = run_brian2(net, duration, populations=("steady", "ramp"), seed=5)
    expected = n * rate * duration  # both groups: 5000 spikes on average
    for name in ("steady", "ramp"):
        ours, theirs = len(rec.spikes[name]), len(result["spikes"][name][0])
        assert abs(ours - expected) < 5 * np.sqrt(expected)
        assert abs(theirs - expected) < 5 * np.sqrt(expected)
    ramp_steps = result["spikes"]["ramp"][0]
    assert ramp_steps.min() >= 2500  # the rate table is zero for the first 0.25 s


# ------------------------------------------------------------- what is translated
def test_translation_uses_the_projection_arrays_and_initial_state(monkeypatch):
    monkeypatch.setitem(brian2.prefs, "codegen.target", "numpy")
    net = driven_network({"e": ns.CurrentSynapse(5e-3)}, [("e", 80e-12, 30e-12)])
    net.set_state("P", v=np.linspace(-70e-3, -56e-3, 20))
    model = to_brian2(net)
    proj = net.projections["in->P:e"]
    syn = model.synapses["in->P:e"]
    np.testing.assert_array_equal(np.asarray(syn.i[:]), proj.pre_indices())
    np.testing.assert_array_equal(np.asarray(syn.j[:]), proj.indices)
    np.testing.assert_array_equal(np.asarray(syn.w_syn[:]), proj.weight_array().astype(np.float64))
    np.testing.assert_allclose(np.asarray(syn.delay[:]) / DT, proj.delay_array())
    np.testing.assert_allclose(np.asarray(model.neuron_groups["P"].v[:]),
                               np.linspace(-70e-3, -56e-3, 20))
    assert "(unless refractory)" in model.equations["P"]
    model.network.run(DT * brian2.second, namespace={})  # the objects run as built


def other_model_network(model, ports: dict, current, weights: dict, seed: int = 0) -> ns.Network:
    """20 neurons of ``model`` with per-neuron currents, spike-time input onto each port
    (``weights[port]``: mean and spread) and recurrent connections onto the first port."""
    rng = np.random.default_rng(seed)
    net = ns.Network(dt=DT, seed=seed, rounding="down")
    net.add_population("P", 20, model, ports)
    net.add_current("P", current)
    net.add_input("in", spike_input(10, 400, rng, duration=0.3))
    for port, (mean, sd) in weights.items():
        rule = random_synapses(10, 20, 200, rng, mean, sd, max_delay_steps=10)
        if ports[port].kind == ns.ConductanceSynapse.kind:
            rule = ns.FromArrays(rule.pre, rule.post, weight=np.abs(rule.weight), delay=rule.delay)
        net.connect("in", "P", port, rule, name=f"in->P:{port}")
    first = next(iter(weights))
    mean, sd = weights[first]
    net.connect("P", "P", first, random_synapses(20, 20, 60, rng, mean / 2, sd / 2, 20), name="P->P")
    net.monitor_spikes()
    return net


def test_spikes_identical_to_brian2_for_the_adaptive_lif():
    """Exponential Euler in both; ``w`` evolves while refractory, ``v`` does not."""
    net = other_model_network(ns.AdaptiveLIF(a=2e-9, b=50e-12, t_ref=2e-3),
                              {"e": ns.CurrentSynapse(5e-3), "g": ns.ConductanceSynapse(3e-3, e_rev=0.0)},
                              np.linspace(0.1e-9, 0.6e-9, 20), {"e": (0.2e-9, 0.1e-9), "g": (1e-9, 0.5e-9)})
    assert_same_spikes(net, 0.3, min_spikes=100)


@pytest.mark.parametrize("t_ref", [0.0, 1e-3])
def test_spikes_identical_to_brian2_for_izhikevich(t_ref):
    """Forward Euler in both (Brian2's ``euler``), both variables held while refractory.
    Delta ports only: Brian2's ``euler`` would step a synaptic decay by Euler as well,
    where neurosparse decays ports exactly."""
    net = other_model_network(ns.Izhikevich(t_ref=t_ref), {"d": ns.DeltaSynapse(), "x": ns.DeltaSynapse()},
                              np.linspace(50e-12, 400e-12, 20), {"d": (2e-3, 1e-3), "x": (1e-3, 1e-3)})
    assert_same_spikes(net, 0.3, min_spikes=100)


def test_spikes_identical_to_brian2_for_the_qif():
    net = other_model_network(ns.QIF(), {"d": ns.DeltaSynapse()}, np.linspace(0.02e-9, 0.3e-9, 20),
                              {"d": (2e-3, 1e-3)})
    assert_same_spikes(net, 0.3, min_spikes=100)


def test_unsupported_features_raise_clear_errors():
    net = ns.Network(dt=DT, rounding="down")
    net.add_population("A", 5, ns.MaxPlusLIF())
    with pytest.raises(NotImplementedError, match="only LIF, AdaptiveLIF, Izhikevich, QIF"):
        to_brian2(net)

    net = ns.Network(dt=DT, rounding="down")
    net.add_population("P", 5, ns.LIF(), {"e": ns.ConductanceSynapse(5e-3)})
    net.connect("P", "P", "e", ns.AllToAll(), weight=1e-9, plasticity=ns.STDP(w_max=1e-8))
    with pytest.raises(NotImplementedError, match="STDP"):
        to_brian2(net)

    net = ns.Network(dt=DT, rounding="down")
    net.add_population("P", 5, ns.LIF(tau_m=5e-3), {"e": ns.CurrentSynapse(5e-3)})
    with pytest.raises(NotImplementedError, match="tau_m"):
        to_brian2(net)

    net = driven_network({"e": ns.CurrentSynapse(5e-3)}, [("e", 80e-12, 30e-12)])
    with pytest.raises(ns.ParameterError, match="target"):
        run_brian2(net, DURATION, target="genn")
    with pytest.raises(ns.ParameterError, match="whole number"):
        run_brian2(net, 1.5e-4)
    with pytest.raises(ns.UnknownNameError, match="nope"):
        to_brian2(net, populations=("nope",))


def test_missing_brian2_raises_missing_dependency_error(monkeypatch):
    import sys

    net = driven_network({"e": ns.CurrentSynapse(5e-3)}, [("e", 80e-12, 30e-12)])
    monkeypatch.setitem(sys.modules, "brian2", None)
    with pytest.raises(ns.MissingDependencyError, match="pip install"):
        run_brian2(net, DURATION)


@pytest.mark.slow
@pytest.mark.parametrize("target", ["cython", "cpp_standalone"])
def test_spikes_identical_to_brian2_with_compiled_targets(target):
    net = driven_network({"e": ns.ConductanceSynapse(5e-3, e_rev=0.0),
                          "i": ns.CurrentSynapse(10e-3)},
                         [("e", 8e-9, 3e-9), ("i", -40e-12, 10e-12)])
    rec = net.run(DURATION)
    result = run_brian2(net, DURATION, target=target)
    steps, indices = result["spikes"]["P"]
    ours = rec.spikes["P"]
    assert len(ours) >= 20
    mine, theirs = np.lexsort((ours.i, ours.steps)), np.lexsort((indices, steps))
    np.testing.assert_array_equal(ours.steps[mine], steps[theirs])
    np.testing.assert_array_equal(ours.i[mine], indices[theirs])
    # the simulation is a part of the whole call (building, code generation, compiling)
    assert 0.0 <= result["run_seconds"] <= result["wall_seconds"]
    assert result["target"] == target
