"""Canonical benchmark networks: CUBA and COBA (Vogels & Abbott 2005; Brette et al. 2007).

Both are 80 % excitatory / 20 % inhibitory LIF networks with random connectivity,
threshold -50 mV, reset -60 mV, 5 ms refractoriness, tau_m = 20 ms, synaptic time
constants 5 ms (excitatory) and 10 ms (inhibitory), as in Brian2's examples. They are
built at any size with the same number of synapses per neuron (80 by default, p = 0.02 at
N = 4000), so the activity per neuron stays comparable as N grows.

* CUBA: current-based synapses, leak reversal -49 mV (so neurons drift to threshold);
  PSP jumps of 1.62 mV (excitatory) and -9 mV (inhibitory), written as currents through
  r_m = 100 MOhm.
* COBA: conductance-based synapses with reversal potentials 0 mV and -80 mV, leak
  reversal -60 mV plus a constant drive of 20 mV (0.2 nA through r_m), weights 0.6 and 6.7
  times the leak conductance (6 nS and 67 nS), as BrainPy's and Brian2's benchmark version.
"""

from __future__ import annotations

import numpy as np

from neurosparse._validation import as_count, as_float_param, check_memory
from neurosparse.core.connectivity import FixedProbability
from neurosparse.core.models import LIF
from neurosparse.core.network import Network
from neurosparse.core.synapses import ConductanceSynapse, CurrentSynapse
from neurosparse.errors import ParameterError

R_M = 100e6  # ohm: the leak conductance is 10 nS
CUBA_MODEL = dict(tau_m=20e-3, v_rest=-49e-3, v_th=-50e-3, v_reset=-60e-3, t_ref=5e-3, r_m=R_M)
CUBA_WE = 1.62e-3 / R_M  # A: a 1.62 mV jump in the synaptic drive
CUBA_WI = -9e-3 / R_M  # A
COBA_MODEL = dict(tau_m=20e-3, v_rest=-60e-3, v_th=-50e-3, v_reset=-60e-3, t_ref=5e-3, r_m=R_M)
COBA_DRIVE = 20e-3 / R_M  # A
COBA_WE = 0.6 / R_M  # S
COBA_WI = 6.7 / R_M  # S
EXCITATORY_FRACTION = 0.8


def _sizes(n: int, synapses_per_neuron: float) -> tuple[int, int]:
    """Excitatory and inhibitory counts of ``n`` neurons, refused up front (before the initial
    potentials are drawn) when the network would not fit in memory."""
    n = as_count("n", n, low=5)  # at least one inhibitory neuron
    spn = as_float_param("synapses_per_neuron", synapses_per_neuron, low=0, allow_array=False)
    # per synapse an int32 target and the generator's buffer, per neuron its state and v0
    check_memory(n * (8.0 * spn + 64.0), f"a benchmark network of n={n} neurons with {spn:g} synapses each",
                 "use fewer neurons")
    n_exc = int(round(EXCITATORY_FRACTION * n))
    return n_exc, n - n_exc


def _connect_all(net: Network, n: int, synapses_per_neuron: float, we: float, wi: float,
                 delay: float) -> None:
    p = as_float_param("synapses_per_neuron", synapses_per_neuron, low=0,
                       allow_array=False) / n
    if p > 1:
        raise ParameterError(f"n ({n}) must be at least synapses_per_neuron "
                             f"({synapses_per_neuron:g}): each neuron has that many synapses")
    for source, port, weight in (("exc", "e", we), ("inh", "i", wi)):
        for target in ("exc", "inh"):
            net.connect(source, target, port, FixedProbability(p), weight=weight, delay=delay)


def cuba(n: int = 4000, synapses_per_neuron: float = 80.0, dt: float = 1e-4,
         delay: float | None = None, seed: int | None = 0, monitor: bool = True) -> Network:
    """The CUBA network of ``n`` neurons (current-based exponential synapses).

    Parameters
    ----------
    n
        Number of neurons (80 % excitatory).
    synapses_per_neuron
        Expected out-degree; the connection probability is ``synapses_per_neuron / n``.
    dt
        Time step (s).
    delay
        Synaptic delay (s); default one step, the shortest there is here. It equals
        Brian2's ``delay=dt``, one step later than Brian2's example (no delay: the
        synapses act in the spike's own step, after the threshold).
    seed
        Network seed (connectivity, initial potentials).
    monitor
        Record spikes of both populations.

    Returns
    -------
    Network
        Populations ``exc`` and ``inh`` with ports ``e`` and ``i``; initial potentials
        uniform in [v_reset, v_th).
    """
    n_exc, n_inh = _sizes(n, synapses_per_neuron)
    net = Network(dt=dt, seed=seed)
    model = LIF(**CUBA_MODEL)
    ports = {"e": CurrentSynapse(5e-3), "i": CurrentSynapse(10e-3)}
    net.add_population("exc", n_exc, model, ports)
    net.add_population("inh", n_inh, model, ports)
    rng = net.rng()
    for name, size in (("exc", n_exc), ("inh", n_inh)):
        net.set_state(name, v=model.v_reset + rng.random(size) * (model.v_th - model.v_reset))
    _connect_all(net, n, synapses_per_neuron, CUBA_WE, CUBA_WI, delay or dt)
    if monitor:
        net.monitor_spikes("exc", "inh")
    return net


def coba(n: int = 4000, synapses_per_neuron: float = 80.0, dt: float = 1e-4,
         delay: float | None = None, seed: int | None = 0, monitor: bool = True) -> Network:
    """The COBA network of ``n`` neurons (conductance-based exponential synapses).

    Parameters are as :func:`cuba`. Initial potentials are normal with mean -55 mV and
    standard deviation 5 mV, as in the benchmark.
    """
    n_exc, n_inh = _sizes(n, synapses_per_neuron)
    net = Network(dt=dt, seed=seed)
    model = LIF(**COBA_MODEL)
    ports = {"e": ConductanceSynapse(5e-3, e_rev=0.0), "i": ConductanceSynapse(10e-3, e_rev=-80e-3)}
    net.add_population("exc", n_exc, model, ports)
    net.add_population("inh", n_inh, model, ports)
    rng = net.rng()
    for name, size in (("exc", n_exc), ("inh", n_inh)):
        net.add_current(name, COBA_DRIVE)
        net.set_state(name, v=-55e-3 + 5e-3 * rng.standard_normal(size))
    _connect_all(net, n, synapses_per_neuron, COBA_WE, COBA_WI, delay or dt)
    if monitor:
        net.monitor_spikes("exc", "inh")
    return net


NETWORKS = {"cuba": cuba, "coba": coba}


def mean_rate(rec) -> float:
    """Mean rate (Hz) over all neuron populations of a recording."""
    sizes = np.asarray(rec.population_sizes, dtype=np.float64)
    return float(rec.spike_counts.sum() / (sizes.sum() * rec.duration))
