"""Learning is priced: STDP updates of the event core at Loihi's 120 pJ per synaptic update."""

from __future__ import annotations

import pytest

import neurosparse as ns
from neurosparse.hardware.estimate import estimate, learning_updates
from neurosparse.optrace import LayerCounts, OpTrace

RULE = ns.STDP(tau_pre=15e-3, tau_post=25e-3, a_plus=1e-15, a_minus=1.5e-15, w_min=0.0, w_max=1e-14)


def stdp_pair_run(plastic: bool = True):
    """One pre spike on a plastic synapse and one forced post spike (tests/core/test_stdp.py)."""
    net = ns.Network(dt=1e-4, seed=0)
    lif = ns.LIF(tau_m=20e-3, v_rest=-70e-3, v_th=-50e-3, v_reset=-70e-3, t_ref=2e-3, r_m=1e8)
    net.add_population("post", 1, lif, {"d": ns.DeltaSynapse(), "e": ns.CurrentSynapse(5e-3)})
    net.add_input("pre", ns.SpikeTimes(1, [0.02], [0]))
    net.add_input("drive", ns.SpikeTimes(1, [0.025], [0]))
    net.connect("drive", "post", "d", ns.AllToAll(), weight=30e-3)
    net.connect("pre", "post", "e", ns.AllToAll(), weight=5e-15, plasticity=RULE if plastic else None)
    return net.run(0.05, progress=False)


def test_event_core_stdp_updates_are_priced_at_120_pj_each():
    rec = stdp_pair_run()
    trace = rec.optrace
    proj = trace.layers["pre->post:e"]
    # one presynaptic event (one depression) and one post spike on one plastic synapse
    updates, derived = learning_updates(trace, proj)
    assert (updates, derived) == (2.0, True)
    r = estimate(trace, "loihi")
    plain = estimate(stdp_pair_run(plastic=False).optrace, "loihi")
    assert r.work["learning_updates"] == 2.0 and plain.work["learning_updates"] == 0.0
    assert r.compute_energy_j - plain.compute_energy_j == pytest.approx(2 * 120e-12, rel=1e-9)
    assert any("learning (STDP) updates per sample priced at 120 pJ" in n for n in r.notes)
    assert any("derived from the event core's weight writes" in n for n in r.notes)


def test_a_counted_synaptic_updates_field_is_used_as_given():
    tr = OpTrace(n_samples=2, n_steps=10)
    layer = LayerCounts("syn", "projection", effective_acs=100, synaptic_events=100, n_params=50)
    layer.synaptic_updates = 40.0  # a producer that counts plasticity updates itself
    tr.add_layer(layer)
    assert learning_updates(tr, layer) == (40.0, False)
    r = estimate(tr, "loihi")
    base = OpTrace(n_samples=2, n_steps=10)
    base.add_layer(LayerCounts("syn", "projection", effective_acs=100, synaptic_events=100, n_params=50))
    assert r.compute_energy_j - estimate(base, "loihi").compute_energy_j == pytest.approx(40 * 120e-12)


def test_targets_without_an_update_figure_say_learning_is_not_priced():
    r = estimate(stdp_pair_run().optrace, "spinnaker2")
    assert r.work["learning_updates"] == 2.0
    assert any("learning updates are not priced beyond their weight writes" in n for n in r.notes)
