"""MaxPlusLIF, the tropical LIF of the event core, against its defining map."""

from __future__ import annotations

import numpy as np
import pytest

import neurosparse as ns
from neurosparse.errors import ParameterError

DT = 1e-3


def _trajectory(leak, v_th, v_reset, x):
    """The defining map, written out: v = max(v - leak, x_t), spike if v > v_th, reset."""
    v, vs, spikes = 0.0, [], []
    for t, xt in enumerate(x):
        v = max(v - leak, xt)
        if v > v_th:
            spikes.append(t)
            v = v_reset
        vs.append(v)
    return np.array(vs), np.array(spikes)


def test_membrane_follows_the_max_plus_map_with_timed_input():
    rng = np.random.default_rng(3)
    x = rng.uniform(-0.5, 1.4, 200)
    net = ns.Network(dt=DT, seed=0)
    net.add_population("h", 1, ns.MaxPlusLIF(leak=0.07, v_th=1.0, v_reset=-0.2))
    net.add_current("h", ns.TimedArray(x, dt=DT))
    net.monitor_spikes("h")
    net.monitor_state("h", "v")
    rec = net.run(200 * DT, progress=False)
    after = net.run(DT, progress=False).state["h"]["v"][0, 0]  # v after step 199
    want_v, want_spikes = _trajectory(0.07, 1.0, -0.2, x)
    np.testing.assert_array_equal(rec.spikes["h"].steps, want_spikes)
    assert len(want_spikes) > 10
    # monitors sample at the start of a step: sample t is v after step t - 1
    np.testing.assert_array_equal(rec.state["h"]["v"][1:, 0], want_v[:-1])
    assert after == want_v[-1]


def test_delta_inputs_of_one_step_sum_into_the_maximum():
    """Two weights arriving together count as their sum; the membrane is not added to."""
    net = ns.Network(dt=DT, seed=0)
    net.add_input("in", ns.SpikeTimes(2, np.array([0, 0, 5, 9]) * DT, np.array([0, 1, 0, 1])))
    net.add_population("h", 1, ns.MaxPlusLIF(leak=0.0, v_th=1.0), ports={"x": ns.DeltaSynapse()})
    net.connect("in", "h", "x", ns.FromArrays([0, 1], [0, 0], weight=np.array([0.6, 0.5])), delay=DT)
    net.monitor_spikes("h")
    net.monitor_state("h", "v")
    rec = net.run(12 * DT, progress=False)
    # step 1: 0.6 + 0.5 > 1 fires; step 6: max(0, 0.6); step 10: max(0.6, 0.5) = 0.6, no sum
    np.testing.assert_array_equal(rec.spikes["h"].steps, [1])
    v = rec.state["h"]["v"][:, 0]
    w06 = float(np.float32(0.6))  # weights are stored in float32
    assert v[2] == 0.0 and v[7] == w06 and v[11] == w06


def test_feedforward_chain_advances_one_layer_per_step():
    net = ns.Network(dt=DT, seed=0)
    net.add_input("in", ns.SpikeTimes(1, np.array([2]) * DT, np.array([0])))
    prev = "in"
    for k in range(4):
        net.add_population(f"l{k}", 1, ns.MaxPlusLIF(), ports={"x": ns.DeltaSynapse()})
        net.connect(prev, f"l{k}", "x", ns.AllToAll(), weight=2.0, delay=DT)
        prev = f"l{k}"
    net.monitor_spikes()
    rec = net.run(10 * DT, progress=False)
    assert [int(rec.spikes[f"l{k}"].steps[0]) for k in range(4)] == [3, 4, 5, 6]


def test_idle_population_does_no_propagation_work():
    net = ns.Network(dt=DT, seed=0)
    net.add_population("a", 50, ns.MaxPlusLIF(v_init=0.5))
    net.add_population("b", 50, ns.MaxPlusLIF(), ports={"x": ns.DeltaSynapse()})
    net.connect("a", "b", "x", ns.AllToAll(), weight=1.0)
    rec = net.run(100 * DT, progress=False)
    assert rec.spike_counts.sum() == 0 and rec.synaptic_events.sum() == 0


def test_refractory_neurons_hold_and_drop_input():
    net = ns.Network(dt=DT, seed=0)
    net.add_population("h", 1, ns.MaxPlusLIF(leak=0.0, t_ref=3 * DT))
    net.add_current("h", 2.0)  # above threshold every step
    net.monitor_spikes("h")
    rec = net.run(12 * DT, progress=False)
    np.testing.assert_array_equal(rec.spikes["h"].steps, [0, 3, 6, 9])


@pytest.mark.parametrize(("kwargs", "needle"), [
    (dict(leak=-0.1), "MaxPlusLIF.leak"),
    (dict(v_reset=1.0, v_th=1.0), "v_reset must be below v_th"),
    (dict(leak=float("nan")), "MaxPlusLIF.leak"),
])
def test_bad_parameters_are_named(kwargs, needle):
    with pytest.raises(ParameterError, match=needle):
        ns.MaxPlusLIF(**kwargs)


def test_only_delta_ports_are_accepted():
    net = ns.Network(dt=DT)
    with pytest.raises(ParameterError, match="takes only DeltaSynapse ports"):
        net.add_population("h", 3, ns.MaxPlusLIF(), ports={"x": ns.CurrentSynapse(5e-3)})
