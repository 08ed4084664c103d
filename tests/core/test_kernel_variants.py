"""Kernel variants compiled without unused paths give the full kernel's results, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

import neurosparse as ns
from neurosparse.core import runner
from neurosparse.core.benchmark_networks import cuba
from neurosparse.core.engine import serial as kernels

DT = 1e-4


def _poisson_lif_network(seed: int = 0) -> ns.Network:
    net = ns.Network(dt=DT, seed=seed)
    net.add_input("noise", ns.PoissonGroup(200, 40.0))
    net.add_population("exc", 300, ns.LIF(), ports={"e": ns.CurrentSynapse(5e-3)})
    net.connect("noise", "exc", "e", ns.FixedProbability(0.2), weight=1.2e-10)
    net.connect("exc", "exc", "e", ns.FixedProbability(0.05), weight=2e-11, delay=2e-3)
    net.monitor_spikes()
    net.monitor_state("exc", "v", indices=[0, 5], record_dt=1e-3)
    return net


def _maxplus_network(seed: int = 0) -> ns.Network:
    net = ns.Network(dt=DT, seed=seed)
    rng = np.random.default_rng(seed)
    steps, idx = np.divmod(rng.choice(500 * 50, 400, replace=False), 50)  # one spike per step at most
    net.add_input("in", ns.SpikeTimes(50, steps * DT, idx))
    net.add_population("h", 100, ns.MaxPlusLIF(leak=0.05), ports={"x": ns.DeltaSynapse()})
    net.connect("in", "h", "x", ns.FixedProbability(0.3), weight=lambda r, n: r.uniform(-0.2, 0.6, n))
    net.monitor_spikes()
    return net


@pytest.mark.parametrize(("make", "features"), [
    (lambda: cuba(400, seed=1), (False, False, False)),
    (_poisson_lif_network, (False, False, True)),
    (_maxplus_network, (False, True, False)),
])
def test_variant_matches_the_full_kernel(make, features, monkeypatch):
    net = make()
    arrays = net.compile().arrays
    assert kernels.kernel_features(arrays.pop_info, arrays.has_plastic) == features
    got = net.run(0.05, threads=1, progress=False)
    full = make()
    monkeypatch.setattr(runner, "single_thread_kernel", lambda *flags: kernels.run_chunk)
    want = full.run(0.05, threads=1, progress=False)
    assert want.spike_counts.sum() > 0
    np.testing.assert_array_equal(got.spike_counts, want.spike_counts)
    np.testing.assert_array_equal(got.synaptic_events, want.synaptic_events)
    for name in want.spikes:
        np.testing.assert_array_equal(got.spikes[name].steps, want.spikes[name].steps)
        np.testing.assert_array_equal(got.spikes[name].i, want.spikes[name].i)
    for pop, per_var in want.state.items():
        for var, values in per_var.values.items():
            np.testing.assert_array_equal(got.state[pop][var], values)


def test_plastic_networks_get_the_plastic_variant():
    net = ns.Network(dt=DT, seed=0)
    net.add_population("a", 10, ns.LIF(), ports={"e": ns.CurrentSynapse(5e-3)})
    net.connect("a", "a", "e", ns.AllToAll(), weight=1e-11, plasticity=ns.STDP(a_plus=1e-12, a_minus=1e-12,
                                                                             w_max=1e-10))
    arrays = net.compile().arrays
    assert kernels.kernel_features(arrays.pop_info, arrays.has_plastic)[0] is True
    assert kernels.single_thread_kernel(True, True, True) is kernels.run_chunk


@pytest.mark.parametrize("flags", [(False, False, False), (False, True, True), (True, True, True)])
def test_variant_closures_hold_only_flags(flags):
    """Numba keys a cached closure by its pickled cell values: anything but plain constants
    (a dispatcher, say) pickles differently in every process and recompiles every run."""
    kernel = kernels.single_thread_kernel(*flags)
    cells = kernel.py_func.__closure__ or ()
    assert cells and all(type(c.cell_contents) is bool for c in cells)
