"""A run continued in pieces equals one run, bit for bit (as in NEST and Brian2).

Every input type (Poisson groups, spike times, timed and constant currents), plasticity and
state monitors, on every engine: ``run(a); run(b)`` gives the spikes, counters, samples,
final state and weights of ``run(a + b)``.
"""

from __future__ import annotations

import numpy as np
import pytest

import neurosparse as ns

DT = 1e-4


def _network(kind: str) -> ns.Network:
    net = ns.Network(dt=DT, seed=11)
    ports = {"e": ns.CurrentSynapse(5e-3), "i": ns.CurrentSynapse(10e-3)}
    net.add_population("exc", 60, ns.LIF(), ports=ports)
    net.set_state("exc", v=net.rng().uniform(-0.07, -0.05, 60))
    if kind == "poisson":
        net.add_input("drive", ns.PoissonGroup(40, rate=400.0))
        net.connect("drive", "exc", "e", ns.FixedProbability(0.3), weight=2.5e-10)
    elif kind == "spike_times":
        rng = np.random.default_rng(3)
        flat = np.sort(rng.choice(1500 * 30, 400, replace=False))  # distinct (step, source)
        net.add_input("drive", ns.SpikeTimes(30, times=(flat // 30) * DT, indices=flat % 30))
        net.connect("drive", "exc", "e", ns.FixedProbability(0.4), weight=4e-10,
                    delay=lambda rng, n: rng.integers(1, 20, n) * DT)
    elif kind == "timed_current":
        rng = np.random.default_rng(4)
        net.add_current("exc", ns.TimedArray(rng.uniform(2e-10, 6e-10, (30, 60)), dt=50 * DT))
    elif kind == "constant_current":
        net.add_current("exc", np.linspace(1.5e-10, 3e-10, 60))
    elif kind == "stdp":
        net.add_input("drive", ns.PoissonGroup(40, rate=300.0))
        net.connect("drive", "exc", "e", ns.FixedProbability(0.5),
                    weight=lambda rng, n: rng.uniform(1e-10, 4e-10, n),
                    plasticity=ns.STDP(w_min=0.0, w_max=6e-10, a_plus=2e-11, a_minus=2.2e-11))
    net.connect("exc", "exc", "i", ns.FixedProbability(0.1), weight=-1e-10, delay=2 * DT)
    net.monitor_spikes("exc")
    net.monitor_state("exc", "v", record_dt=7 * DT)
    return net


def _pieces(net: ns.Network, steps: list[int], engine: str, threads: int):
    recs = [net.run(n * DT, engine=engine, threads=threads, progress=False) for n in steps]
    spikes = recs[0].spikes["exc"]
    out = {
        "steps": np.concatenate([r.spikes["exc"].steps for r in recs]),
        "i": np.concatenate([r.spikes["exc"].i for r in recs]),
        "counts": np.concatenate([r.spike_counts for r in recs]),
        "events": np.concatenate([r.synaptic_events for r in recs]),
        "sample_steps": np.concatenate([r.state["exc"].steps for r in recs]),
        "v_samples": np.concatenate([r.state["exc"]["v"] for r in recs]),
        "v_end": net.get_state("exc", "v").copy(),
    }
    for name, pr in net.projections.items():
        if pr.weights is not None:
            out[f"w {name}"] = pr.weights.copy()
    assert spikes.n == 60
    return out


KINDS = ["poisson", "spike_times", "timed_current", "constant_current", "stdp"]
ENGINES = [("numba", 1), ("numba", 2), ("numpy", 1)]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("engine,threads", ENGINES, ids=["numba-1", "numba-2", "numpy"])
def test_a_run_in_pieces_equals_one_run(kind, engine, threads):
    if engine == "numpy" and kind == "stdp":
        pytest.skip("the interpreted tier runs no STDP")
    whole = _pieces(_network(kind), [1500], engine, threads)
    split = _pieces(_network(kind), [400, 1, 699, 400], engine, threads)
    assert whole["counts"].sum() > 50, "the network must spike for the test to mean anything"
    assert whole.keys() == split.keys()
    for key in whole:
        np.testing.assert_array_equal(split[key], whole[key], err_msg=key)


def test_pieces_on_different_engines_equal_one_run():
    """A run may switch engines between pieces: the stream and the state carry over."""
    whole = _pieces(_network("poisson"), [1200], "numba", 1)
    net = _network("poisson")
    parts = [_pieces(net, [500], "numpy", 1), _pieces(net, [700], "numba", 2)]
    np.testing.assert_array_equal(np.concatenate([p["steps"] for p in parts]), whole["steps"])
    np.testing.assert_array_equal(parts[-1]["v_end"], whole["v_end"])
