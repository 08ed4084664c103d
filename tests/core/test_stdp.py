"""Pair-based STDP against its closed form: one pre and one post spike at known times."""

from __future__ import annotations

import math

import numpy as np
import pytest

import neurosparse as ns

DT = 1e-4
W0 = 5e-15  # A: far too small to move the membrane
RULE = ns.STDP(tau_pre=15e-3, tau_post=25e-3, a_plus=1e-15, a_minus=1.5e-15, w_min=0.0, w_max=1e-14)


def run_pair(t_pre: float, t_drive: float, rule: ns.STDP = RULE):
    """A pre spike at ``t_pre`` on a plastic synapse; the post neuron forced to fire by a
    strong delta synapse driven at ``t_drive``. Returns (pre step, post step, final w)."""
    net = ns.Network(dt=DT, seed=0)
    lif = ns.LIF(tau_m=20e-3, v_rest=-70e-3, v_th=-50e-3, v_reset=-70e-3, t_ref=2e-3, r_m=1e8)
    net.add_population("post", 1, lif, {"d": ns.DeltaSynapse(), "e": ns.CurrentSynapse(5e-3)})
    net.add_input("pre", ns.SpikeTimes(1, [t_pre], [0]))
    net.add_input("drive", ns.SpikeTimes(1, [t_drive], [0]))
    net.connect("drive", "post", "d", ns.AllToAll(), weight=30e-3)
    net.connect("pre", "post", "e", ns.AllToAll(), weight=W0, plasticity=rule)
    net.monitor_spikes()
    rec = net.run(0.1)
    w = net.projections["pre->post:e"].weight_array()
    assert rec.spikes["post"].steps.size == 1 and rec.spikes["pre"].steps.size == 1
    return int(rec.spikes["pre"].steps[0]), int(rec.spikes["post"].steps[0]), float(w[0])


@pytest.mark.parametrize("lag", [2e-3, 7e-3, 20e-3])
def test_post_after_pre_potentiates_by_a_plus_exp(lag):
    pre, post, w = run_pair(0.02, 0.02 + lag)
    dt_pair = (post - pre) * DT
    assert dt_pair > 0
    want = W0 + RULE.a_plus * math.exp(-dt_pair / RULE.tau_pre)
    assert w == pytest.approx(np.float32(want), rel=1e-6)


@pytest.mark.parametrize("lag", [3e-3, 12e-3])
def test_pre_after_post_depresses_by_a_minus_exp(lag):
    pre, post, w = run_pair(0.03 + lag, 0.03)
    dt_pair = (pre - post) * DT
    assert dt_pair > 0
    want = W0 - RULE.a_minus * math.exp(-dt_pair / RULE.tau_post)
    assert w == pytest.approx(np.float32(max(want, RULE.w_min)), rel=1e-6, abs=1e-22)


@pytest.mark.parametrize(("t_pre", "t_drive"), [(0.031, 0.03), (0.03, 0.031)])
def test_weights_are_clipped_to_bounds(t_pre, t_drive):
    strong = ns.STDP(tau_pre=15e-3, tau_post=25e-3, a_plus=1e-13, a_minus=1e-13,
                     w_min=1e-15, w_max=1e-14)
    pre, post, w = run_pair(t_pre, t_drive, strong)
    assert w == pytest.approx(np.float32(strong.w_max if post > pre else strong.w_min), rel=1e-6)
