"""Network building, running, determinism, counters and recordings of the event core."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

import neurosparse as ns
from neurosparse.core.benchmark_networks import cuba


def small_network(seed=1, rate=200.0, n=50, weight=30e-12):
    net = ns.Network(dt=1e-4, seed=seed)
    net.add_population("P", n, ns.LIF(tau_m=10e-3, v_rest=-65e-3, v_th=-55e-3,
                                      v_reset=-65e-3, t_ref=2e-3),
                       ports={"e": ns.CurrentSynapse(5e-3)})
    net.add_input("in", ns.PoissonGroup(40, rate))
    net.connect("in", "P", "e", ns.FixedProbability(0.3), weight=weight, delay=1e-3)
    net.connect("P", "P", "e", ns.FixedProbability(0.1), weight=weight / 3,
                delay=lambda rng, k: rng.integers(1, 20, k) * 1e-4)
    net.monitor_spikes()
    return net


def test_same_seed_gives_identical_spikes_and_different_seed_differs():
    a = small_network(seed=3).run(0.2)
    b = small_network(seed=3).run(0.2)
    c = small_network(seed=4).run(0.2)
    assert len(a.spikes["P"]) > 20
    for name in ("P", "in"):
        np.testing.assert_array_equal(a.spikes[name].steps, b.spikes[name].steps)
        np.testing.assert_array_equal(a.spikes[name].i, b.spikes[name].i)
    assert not np.array_equal(a.spikes["in"].steps, c.spikes["in"].steps)


def test_two_runs_continue_exactly_like_one_long_run():
    whole = small_network(seed=5)
    rec = whole.run(0.2)
    split = small_network(seed=5)
    first = split.run(0.1)
    # the second run draws Poisson input from its own child seed, so compare up to 0.1 s
    np.testing.assert_array_equal(first.spikes["P"].steps,
                                  rec.spikes["P"].steps[rec.spikes["P"].steps < 1000])
    second = split.run(0.1)
    assert second.t_start_step == 1000
    assert second.spikes["P"].steps.min() >= 1000
    assert split.t == pytest.approx(0.2)


def test_synaptic_events_equal_out_degree_of_every_spike():
    net = small_network()
    rec = net.run(0.2)
    for j, name in enumerate(rec.projection_names):
        proj = net.projections[name]
        out_degree = np.diff(proj.indptr)
        expected = int(np.dot(rec.spikes[proj.source].counts(), out_degree))
        assert rec.synaptic_events[:, j].sum() == expected > 0


def test_silent_network_does_no_propagation_work():
    net = small_network(rate=0.0)
    rec = net.run(0.1)
    assert rec.total_spikes() == 0
    assert rec.total_events() == 0
    totals = rec.optrace.totals()
    assert totals["synaptic_events"] == 0
    assert totals["neuron_updates"] == 50 * 1000


def test_spike_counts_per_step_match_monitor():
    rec = small_network().run(0.1)
    p = rec.population_names.index("P")
    per_step = np.bincount(rec.spikes["P"].steps, minlength=rec.n_steps)
    np.testing.assert_array_equal(rec.spike_counts[:, p], per_step)


def test_recording_saves_and_loads_identically(tmp_path):
    net = small_network()
    net.monitor_state("P", ("v", "e"), indices=[0, 3], record_dt=1e-3)
    rec = net.run(0.1)
    path = rec.save(tmp_path / "rec.npz")
    back = ns.Recording.load(path)
    for name in rec.spikes:
        np.testing.assert_array_equal(back.spikes[name].steps, rec.spikes[name].steps)
        np.testing.assert_array_equal(back.spikes[name].i, rec.spikes[name].i)
        assert back.spikes[name].t_stop == rec.spikes[name].t_stop
    np.testing.assert_array_equal(back.state["P"]["v"], rec.state["P"]["v"])
    np.testing.assert_array_equal(back.state["P"]["e"], rec.state["P"]["e"])
    np.testing.assert_array_equal(back.spike_counts, rec.spike_counts)
    np.testing.assert_array_equal(back.synaptic_events, rec.synaptic_events)
    assert back.config == rec.config
    assert back.versions["numba"] == rec.versions["numba"]
    assert back.optrace.totals() == rec.optrace.totals()
    assert not list(tmp_path.glob("*.tmp"))


def test_state_monitor_samples_at_record_dt():
    net = small_network()
    net.monitor_state("P", "v", indices=[1, 2], record_dt=5e-4)
    rec = net.run(0.01)
    samples = rec.state["P"]
    assert samples["v"].shape == (20, 2)
    np.testing.assert_array_equal(samples.steps, np.arange(0, 100, 5))
    assert samples["v"][0, 0] == pytest.approx(-65e-3)


def test_bytes_per_synapse_within_budget():
    net = cuba(2000, seed=1)
    net.compile()
    for proj in net.projections.values():
        # homogeneous weight and delay: the int32 index and row pointers only
        assert proj.weights is None and proj.delays is None
        assert proj.bytes_per_synapse() <= 4.0 + 8.0 * (proj.n_pre + 1) / proj.n_synapses + 1e-9
    net2 = small_network()
    net2.compile()
    recurrent = net2.projections["P->P:e"]
    assert recurrent.delays is not None
    assert recurrent.bytes_per_synapse() <= 12.0


def test_population_rate_matches_counts():
    rec = small_network().run(0.2)
    t, rate = rec.population_rate("P", bin_size=0.01)
    assert len(t) == 20
    assert rate.mean() == pytest.approx(rec.total_spikes("P") / (50 * 0.2))


def test_from_sparse_and_from_arrays_keep_weights_per_synapse():
    rng = np.random.default_rng(0)
    mat = sparse.random(6, 9, density=0.4, random_state=1, format="csr") * 1e-10
    net = ns.Network(dt=1e-4, seed=0)
    net.add_population("A", 6, ns.IF(), ports={"e": ns.CurrentSynapse(5e-3)})
    net.add_population("B", 9, ns.IF(), ports={"e": ns.CurrentSynapse(5e-3)})
    net.connect("A", "B", "e", ns.FromSparse(mat))
    pre = rng.integers(0, 9, 30)
    post = rng.integers(0, 6, 30)
    w = rng.normal(0, 1e-10, 30)
    d = rng.integers(1, 5, 30) * 1e-4
    net.connect("B", "A", "e", ns.FromArrays(pre, post, weight=w, delay=d))
    net.compile()
    got = net.projections["A->B:e"].to_scipy().toarray()
    np.testing.assert_allclose(got, mat.toarray().astype(np.float32), rtol=0)
    proj = net.projections["B->A:e"]
    triples = sorted(zip(proj.pre_indices(), proj.indices, proj.weight_array(), proj.delay_array()))
    expected = sorted(zip(pre, post, w.astype(np.float32), np.rint(d / 1e-4).astype(int)))
    assert [(a, b, c, e) for a, b, c, e in triples] == [(a, b, c, e) for a, b, c, e in expected]


def test_spike_times_input_arrives_after_delay():
    net = ns.Network(dt=1e-4)
    net.add_population("P", 1, ns.IF(c_m=1e-12, v_th=1.0), ports={"d": ns.DeltaSynapse()})
    net.add_input("in", ns.SpikeTimes(1, [0.001], [0]))
    net.connect("in", "P", "d", ns.AllToAll(), weight=0.5, delay=3e-4)
    net.monitor_state("P", "v")
    rec = net.run(0.002)
    v = rec.state["P"]["v"][:, 0]
    # emitted at step 10, arrives in step 13, visible at the start of step 14
    assert np.all(v[:14] == 0.0) and np.all(v[14:] == 0.5)


def test_thread_count_is_validated():
    net = small_network()
    with pytest.raises(ns.ParameterError, match="threads"):
        net.run(0.01, threads=0)


def test_saved_files_get_ordinary_permissions(tmp_path):
    import os
    import stat

    from neurosparse._io import atomic_write

    path = atomic_write(tmp_path / "x.bin", lambda fh: fh.write(b"abc"))
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    assert path.read_bytes() == b"abc"


def test_benchmark_network_sizes_are_validated():
    from neurosparse.core.benchmark_networks import cuba

    with pytest.raises(ns.ParameterError, match="n"):
        cuba(3)
    with pytest.raises(ns.ParameterError, match="at least synapses_per_neuron"):
        cuba(40)
