"""Sweep points of an energy design-space study: a spiking network's energy on a target as a
function of its input spike rate and number of time steps.

The network is a three-layer feed-forward SNN on the event core (``n_in`` Poisson inputs ->
``n_hidden`` LIF -> ``n_out`` LIF, each neuron drawing input from a random half of the
layer before through delta synapses, dt = 1 ms), the size of the spiking MLP of
``hardware/snn_digits.toml``. Its weights are fixed, not trained: the study is about how
counts become cost, not about accuracy. Each point runs it, takes the run's OpTrace and
prices it with :func:`neurosparse.hardware.estimate` on the target's default mode, at fp32
or, on a target without fp32 arithmetic (the int8 Eyeriss-like accelerator), its first
precision.
"""

from __future__ import annotations

import neurosparse as ns
from neurosparse.hardware import estimate, load_target

#: Jump of the membrane per input spike (V): with 32 inputs at 20 Hz and tau_m = 20 ms the
#: mean drive is ~13 spikes per membrane time, 2.5 mV each, above the 15 mV to threshold.
WEIGHT_V = 2.5e-3


def feedforward_trace(rate_hz: float, steps: int, seed: int, n_in: int = 64, n_hidden: int = 128,
                      n_out: int = 10, dt: float = 1e-3) -> ns.OpTrace:
    """The OpTrace of the network run for ``steps`` steps with inputs at ``rate_hz``."""
    net = ns.Network(dt=dt, seed=seed)
    net.add_input("input", ns.PoissonGroup(n_in, rate=rate_hz))
    lif = ns.LIF(tau_m=20e-3, t_ref=2e-3)
    net.add_population("hidden", n_hidden, lif, ports={"d": ns.DeltaSynapse()})
    net.add_population("output", n_out, lif, ports={"d": ns.DeltaSynapse()})
    net.connect("input", "hidden", "d", ns.FixedProbability(0.5), weight=WEIGHT_V, delay=dt)
    net.connect("hidden", "output", "d", ns.FixedProbability(0.5), weight=WEIGHT_V, delay=dt)
    return net.run(steps * dt, progress=False).optrace


def feedforward_counts(rate_hz: float, steps: int, seed: int) -> dict[str, float]:
    """The run's totals (spikes, synaptic events, neuron updates, ...), without pricing."""
    return dict(feedforward_trace(rate_hz, steps, seed).totals())


def snn_energy(rate_hz: float, steps: int, target: str, seed: int) -> dict[str, float]:
    """Energy and latency of one inference (``steps`` steps) on ``target``.

    Returns
    -------
    dict
        ``energy_j`` with ``energy_low_j`` and ``energy_high_j``, its ``compute``, ``memory``
        and ``static`` parts, ``latency_s``, and the counts that drive them (``spikes``,
        ``synaptic_events``, ``neuron_updates``).
    """
    trace = feedforward_trace(rate_hz, steps, seed)
    offered = load_target(target).precisions
    precision = "fp32" if not offered or "fp32" in offered else offered[0]  # e.g. int8 accelerators
    report = estimate(trace, target, precision=precision)
    totals = trace.totals()
    return {"energy_j": report.energy_j, "energy_low_j": report.energy_low_j,
            "energy_high_j": report.energy_high_j, "compute_energy_j": report.compute_energy_j,
            "memory_energy_j": report.memory_energy_j, "static_energy_j": report.static_energy_j,
            "latency_s": report.latency_s, "mode": report.mode, "precision": precision,
            "spikes": totals["spikes"], "synaptic_events": totals["synaptic_events"],
            "neuron_updates": totals["neuron_updates"]}
