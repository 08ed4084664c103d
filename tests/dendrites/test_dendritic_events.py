"""Event-driven segments: coincidence windows, agreement with the batch layer, counted events."""

from __future__ import annotations

import numpy as np
import pytest

from neurosparse.core.recording import SpikeTrains
from neurosparse.dendrites.events import CoincidencePopulation
from neurosparse.dendrites.layer import DendriticLayer
from neurosparse.dendrites.segment import DendriticSegment
from neurosparse.errors import ParameterError


def random_patterns(rng: np.random.Generator, n: int, a: int, m: int) -> np.ndarray:
    return np.sort(rng.permuted(np.tile(np.arange(n), (m, 1)), axis=1)[:, :a], axis=1)


def fitted_layer(seed: int = 0, n: int = 400, a: int = 20, s: int = 10, theta: int = 5,
                 m: int = 60, neurons: int = 20, storage: str = "segment"):
    rng = np.random.default_rng(seed)
    patterns = random_patterns(rng, n, a, m)
    owner = np.arange(m) % neurons
    layer = DendriticLayer(n, s, theta, storage=storage, seed=seed).fit(patterns, neurons=owner)
    return layer, patterns, rng


def volleys(patterns: np.ndarray, spread: int, rng: np.random.Generator,
            gap: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pattern k's cells spike at ``start_k + offset``, offsets uniform in [0, spread) (one
    window when spread <= window); volleys are ``gap`` steps apart (none coincide if gap >= window)."""
    steps, cells, starts = [], [], []
    t = 0
    for x in patterns:
        steps.append(t + rng.integers(0, spread, size=x.size))
        cells.append(x)
        starts.append(t)
        t += spread + gap
    return np.concatenate(steps), np.concatenate(cells), np.array(starts)


def brute_force_nmda_spikes(steps, cells, segments, theta, window):
    """Segment g fires at step t when it receives a spike at t and the distinct synapses hit in
    (t - window, t] reach theta while those hit in (t - window, t - 1] are fewer than theta."""
    out = []
    for t in np.unique(steps):
        now = set(cells[(steps > t - window) & (steps <= t)].tolist())
        before = set(cells[(steps > t - window) & (steps < t)].tolist())
        at_t = set(cells[steps == t].tolist())
        for g, syn in enumerate(segments):
            syn = set(syn.tolist())
            if syn & at_t and len(syn & now) >= theta > len(syn & before):
                out.append((int(t), g))
    return sorted(out)


@pytest.mark.parametrize("window, storage", [(1, "segment"), (5, "segment"), (8, "union")])
def test_event_population_equals_batch_layer_when_pattern_is_inside_one_window(window, storage):
    layer, patterns, rng = fitted_layer(seed=window, storage=storage)
    queries = np.concatenate([patterns[:30], random_patterns(rng, 400, 20, 30)])
    steps, cells, starts = volleys(queries, window, rng, gap=window)
    res = CoincidencePopulation(layer, window).run(steps, cells)
    # which volley each output spike belongs to
    seg_volley = np.searchsorted(starts, res.segment_spikes.steps, side="right") - 1
    got = np.zeros((len(queries), layer.n_segments_), dtype=bool)
    got[seg_volley, res.segment_spikes.i] = True
    assert np.array_equal(got, layer.segment_activity(queries))
    assert len(res.segment_spikes) == got.sum()  # one NMDA spike per active segment and volley
    neu_volley = np.searchsorted(starts, res.neuron_spikes.steps, side="right") - 1
    fired = np.zeros((len(queries), layer.n_neurons_), dtype=bool)
    fired[neu_volley, res.neuron_spikes.i] = True
    assert np.array_equal(fired, layer.predict(queries))
    assert fired[np.arange(30), np.arange(30) % 20].all()  # every stored pattern is recognised


def test_no_activation_when_spikes_are_spread_wider_than_the_window():
    window = 4
    layer, patterns, rng = fitted_layer(seed=3, theta=2)
    # the k-th cell of each pattern spikes window steps after the (k-1)-th: never two together
    steps = np.concatenate([100 * window * p + window * np.arange(20) for p in range(len(patterns))])
    cells = rng.permuted(patterns, axis=1).ravel()
    res = CoincidencePopulation(layer, window).run(steps, cells)
    assert len(res.segment_spikes) == 0 and len(res.neuron_spikes) == 0
    # the same spikes compressed into one window activate every learned segment
    res = CoincidencePopulation(layer, window).run(steps // window, cells)
    assert set(res.segment_spikes.i.tolist()) == set(range(layer.n_segments_))


def test_window_boundary_is_exact():
    layer = DendriticLayer.from_segments([DendriticSegment([0, 1], theta=2, n_inputs=4)])
    pop = CoincidencePopulation(layer, window=3)
    assert pop.run(np.array([10, 12]), np.array([0, 1])).segment_spikes.steps.tolist() == [12]
    assert len(pop.run(np.array([10, 13]), np.array([0, 1])).segment_spikes) == 0


def test_repeated_spikes_of_one_cell_count_once_and_sustained_input_fires_once():
    layer = DendriticLayer.from_segments([DendriticSegment([0, 1, 2], theta=2, n_inputs=3)])
    pop = CoincidencePopulation(layer, window=5)
    assert len(pop.run(np.arange(10), np.zeros(10, int)).segment_spikes) == 0
    # cells 0 and 1 spike every step: the count stays >= theta, one spike on the rising edge
    steps = np.repeat(np.arange(10), 2)
    assert pop.run(steps, np.tile([0, 1], 10)).segment_spikes.steps.tolist() == [0]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_nmda_spikes_equal_brute_force_sliding_window_on_random_spike_trains(seed):
    rng = np.random.default_rng(seed)
    n, window, theta = 30, int(rng.integers(1, 6)), 3
    segments = [np.sort(rng.choice(n, size=int(rng.integers(3, 10)), replace=False)) for _ in range(12)]
    layer = DendriticLayer.from_segments([DendriticSegment(g, theta, n) for g in segments])
    steps, cells = rng.integers(0, 80, size=300), rng.integers(0, n, size=300)
    res = CoincidencePopulation(layer, window).run(steps, cells)
    got = sorted(zip(res.segment_spikes.steps.tolist(), res.segment_spikes.i.tolist()))
    assert got == brute_force_nmda_spikes(steps, cells, segments, theta, window)


def test_synaptic_events_equal_spike_synapse_pairs_delivered():
    layer, patterns, rng = fitted_layer(seed=5)
    steps, cells = rng.integers(0, 200, size=3000), rng.integers(0, 400, size=3000)
    res = CoincidencePopulation(layer, window=3, name="seg").run(steps, cells, n_steps=250)
    pairs = sum(int(np.isin(c, layer.segment(g).synapses)) for c in cells[:300]
                for g in range(layer.n_segments_))
    first = CoincidencePopulation(layer, window=3).run(steps[:300], cells[:300], n_steps=250)
    assert first.optrace.totals()["synaptic_events"] == pairs
    trace = res.optrace
    syn = trace.layers["seg_synapses"]
    per_cell = np.array([sum(c in layer.segment(g).synapses for g in range(layer.n_segments_))
                         for c in range(400)])
    assert syn.synaptic_events == syn.effective_acs == per_cell[cells].sum()
    assert syn.per_step["synaptic_events"].sum() == syn.synaptic_events
    assert syn.dense_ops == 400 * layer.n_segments_ * 250
    assert trace.layers["seg_input"].spikes == 3000
    assert trace.layers["seg_segments"].spikes == len(res.segment_spikes)
    assert trace.layers["seg_neurons"].spikes == len(res.neuron_spikes)
    # segment updates: the (segment, step) pairs touched, never more than the events
    assert 0 < trace.layers["seg_segments"].neuron_updates <= syn.synaptic_events
    assert trace.n_steps == 250


def test_cost_grows_with_events_not_with_the_population():
    layer, patterns, rng = fitted_layer(seed=6)
    pop = CoincidencePopulation(layer, window=2)
    empty = pop.run(np.zeros(0, int), np.zeros(0, int), n_steps=1000).optrace.totals()
    assert empty["synaptic_events"] == 0 and empty["neuron_updates"] == 0
    steps, cells = rng.integers(0, 1000, size=2000), rng.integers(0, 400, size=2000)
    one = pop.run(steps[:1000], cells[:1000], n_steps=1000).optrace.totals()
    both = pop.run(steps, cells, n_steps=1000).optrace.totals()
    assert both["dense_ops"] == one["dense_ops"]  # the dense cost does not see the events
    ratio = both["synaptic_events"] / one["synaptic_events"]
    assert 1.7 < ratio < 2.3


def test_runs_on_spike_trains_from_an_event_core_recording():
    import neurosparse.core as core

    layer = DendriticLayer.from_segments([DendriticSegment([0, 2, 4], theta=3, n_inputs=5),
                                          DendriticSegment([1, 3], theta=3, n_inputs=5)])
    net = core.Network(dt=1e-3, seed=0)
    net.add_input("cells", core.SpikeTimes(5, [0.0101, 0.0111, 0.0121, 0.0301, 0.0501],
                                           [0, 2, 4, 1, 3]))
    net.monitor_spikes("cells")
    rec = net.run(0.06)
    res = CoincidencePopulation(layer, window=3).run(rec.spikes["cells"])
    assert res.segment_spikes.steps.tolist() == [12] and res.segment_spikes.i.tolist() == [0]
    assert res.optrace.dt == pytest.approx(1e-3) and res.optrace.n_steps == 60
    assert np.allclose(res.segment_spikes.t, [0.012])


def test_spike_trains_of_another_size_and_bad_spikes_raise():
    layer = DendriticLayer.from_segments([DendriticSegment([0, 1], theta=2, n_inputs=4)])
    pop = CoincidencePopulation(layer, window=2)
    trains = SpikeTrains(np.array([1]), np.array([0], np.int32), 9, 1e-3, 0.0, 0.01)
    with pytest.raises(ParameterError, match="n_inputs = 4"):
        pop.run(trains)
    with pytest.raises(ParameterError, match=r"\[0, 4\)"):
        pop.run(np.array([1]), np.array([4]))
    with pytest.raises(ParameterError, match="required"):
        pop.run(np.array([1]))
    with pytest.raises(ParameterError, match="n_steps"):
        pop.run(np.array([5]), np.array([0]), n_steps=3)
    with pytest.raises(ParameterError, match="window"):
        CoincidencePopulation(layer, window=0)
    # found by the bad-input conformance suite: raw OverflowErrors, a message naming neither argument
    with pytest.raises(ParameterError, match=r"window must be an integer in \[1, 4611686018427387904\]"):
        CoincidencePopulation(layer, window=1e300)
    with pytest.raises(ParameterError, match=r"n_steps must be an integer in"):
        pop.run(np.array([1]), np.array([0]), n_steps=1e300)
    with pytest.raises(ParameterError, match=r"i must give one presynaptic cell per spike: spikes holds 1"):
        pop.run(np.array([1]), np.array([0, 1]))
    with pytest.raises(ParameterError, match=r"spikes \(the spike steps\) must be a 1-D integer array"):
        pop.run(np.array([1.5]), np.array([0]))
    with pytest.raises(ParameterError, match="name must be a string"):
        CoincidencePopulation(layer, window=2, name=None)


def test_population_follows_a_refit_layer():
    layer, patterns, rng = fitted_layer(seed=8)
    pop = CoincidencePopulation(layer, window=2)
    steps, cells, starts = volleys(patterns[:5], 2, rng, gap=2)
    pop.run(steps, cells)
    layer.fit(patterns[4::-1])  # new synapses, same population object
    res = pop.run(steps, cells)
    got = np.zeros((5, layer.n_segments_), dtype=bool)
    got[np.searchsorted(starts, res.segment_spikes.steps, side="right") - 1, res.segment_spikes.i] = True
    assert np.array_equal(got, layer.segment_activity(patterns[:5]))
    assert got[np.arange(5), np.arange(4, -1, -1)].all()
