"""The Numba event core agrees with the plain NumPy reference (neurosparse.core.reference).

Random small networks (hypothesis) run through the public ``Network`` API and through
``reference.simulate``: spike steps and indices, per-step spike and event counts, STDP
weights, and every state variable of every neuron at every step must agree. State is
required to be bit-identical whenever no target received two synaptic inputs in one
step (then no summation order is involved), and equal within 1e-12 of the variable's
scale otherwise. Targeted tests check single properties against closed-form results,
the Poisson sampler statistically, and the parallel kernel against the serial one.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from random_networks import CURRENTS, DT, MODELS, build_network, network_specs

from neurosparse.core import reference, runner


# ---------------------------------------------------------------------- comparing
def run_both(net, n_steps, threads=1):
    """Reference first (the kernel run changes plastic weights), then the kernels.

    Returns the reference result, the kernel recording, the weights after the run and
    the final state, read from a one-step continuation run (its sample at the start).
    """
    ref = reference.simulate(net, n_steps)
    rec = net.run(n_steps * DT, threads=threads, progress=False)
    weights = {name: proj.weight_array().copy() for name, proj in net.projections.items()}
    final = net.run(DT, threads=threads, progress=False)
    return ref, rec, weights, final


def assert_agrees_with_reference(ref, rec, weights, final):
    for name in ref.population_names:
        np.testing.assert_array_equal(rec.spikes[name].steps, ref.spikes[name].steps,
                                      err_msg=f"spike steps of {name}")
        np.testing.assert_array_equal(rec.spikes[name].i, ref.spikes[name].i,
                                      err_msg=f"spike indices of {name}")
    np.testing.assert_array_equal(rec.spike_counts, ref.spike_counts)
    np.testing.assert_array_equal(rec.synaptic_events, ref.synaptic_events)
    for name, w in ref.weights.items():
        np.testing.assert_array_equal(weights[name], w, err_msg=f"weights of {name}")
    exact = ref.simultaneous_arrivals == 0
    for pop, per_var in rec.state.items():
        for var, values in per_var.values.items():
            want = ref.trajectory[pop][var]
            got = np.concatenate([values, final.state[pop][var][:1]])
            msg = f"{pop}.{var}"
            if exact:
                np.testing.assert_array_equal(got, want, err_msg=msg)
            else:
                scale = float(np.max(np.abs(want))) if want.size else 0.0
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * scale, err_msg=msg)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(network_specs())
def test_random_networks_match_reference(spec):
    net = build_network(spec)
    ref, rec, weights, final = run_both(net, spec["n_steps"])
    assert_agrees_with_reference(ref, rec, weights, final)


@pytest.mark.parametrize("seed", range(4))
def test_feature_rich_networks_match_reference_and_are_active(seed):
    """Every model, port kind, STDP, heterogeneity and timed currents at once, with enough
    activity that the comparison bites."""
    rng = np.random.default_rng(seed)
    spec = dict(seed=seed, n_steps=300,
                pops=[dict(n=25, model=MODELS[(seed + k) % len(MODELS)],
                           ports=["current", "conductance", "delta"],
                           hetero=bool((seed + k) % 2), current=CURRENTS[1 + (seed + k) % 5],
                           tau_s_equals_tau_m=False, random_state=True) for k in range(3)],
                inputs=[dict(n=10, n_spikes=60)],
                projections=[dict(source=int(rng.integers(0, 4)), target=k % 3, port=k % 3, n_syn=60,
                                  per_synapse_weight=k % 2 == 0, per_synapse_delay=k % 3 != 0,
                                  max_delay=20, stdp=k < 3)
                             for k in range(6)])
    net = build_network(spec)
    initial = {name: net.projections[name].weight_array().copy() for name in net.projections}
    ref, rec, weights, final = run_both(net, spec["n_steps"])
    assert_agrees_with_reference(ref, rec, weights, final)
    assert rec.spike_counts[:, :3].sum() > 30
    assert rec.synaptic_events.sum() > 100
    assert any(not np.array_equal(initial[name], weights[name]) for name in initial
               if net.projections[name].plasticity is not None)


@pytest.mark.parametrize(("seed", "split_neurons", "split_spikes"),
                         [(0, 1, 1), (1, 10**9, 10**9), (2, 12, 3)])
def test_two_threads_match_reference(seed, split_neurons, split_spikes, monkeypatch):
    """The parallel kernel gives the reference's results bit for bit, whether it splits
    every population and every step's propagation over two threads, none, or some."""
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs two Numba threads")
    monkeypatch.setattr(runner, "SPLIT_NEURONS_PER_THREAD", split_neurons)
    monkeypatch.setattr(runner, "SPLIT_SPIKES", split_spikes)
    rng = np.random.default_rng(100 + seed)
    general = [dict(n=30, model=MODELS[(2 * seed + k) % len(MODELS)],
                    ports=["current", "conductance", "delta"],
                    hetero=bool((seed + k) % 2), current=CURRENTS[1 + (seed + k) % 5],
                    tau_s_equals_tau_m=False, random_state=True) for k in range(2)]
    # homogeneous LIF with two current ports: the fused fast path
    fused = dict(n=40, model="lif", ports=["current", "current"], hetero=False, current="scalar",
                 tau_s_equals_tau_m=False, random_state=True)
    spec = dict(seed=seed, n_steps=200, pops=[*general, fused],
                inputs=[dict(n=10, n_spikes=60)],
                projections=[dict(source=int(rng.integers(0, 4)), target=k % 3,
                                  port=k % (2 if k % 3 == 2 else 3), n_syn=80,
                                  per_synapse_weight=k % 2 == 0, per_synapse_delay=k % 3 != 0,
                                  max_delay=20, stdp=k == 0)
                             for k in range(6)])
    net = build_network(spec)
    ref, rec, weights, final = run_both(net, spec["n_steps"], threads=2)
    assert_agrees_with_reference(ref, rec, weights, final)
    assert rec.timings["threads"] == 2
    assert rec.spike_counts[:, :3].sum() > 30
    assert rec.spike_counts[:, 2].sum() > 5, "the fused-LIF population must spike"
