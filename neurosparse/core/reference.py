r"""A plain NumPy reference simulator of the event core, to hold the Numba kernels to.

:func:`simulate` takes a :class:`~neurosparse.core.network.Network` that has not run yet
and steps it with readable NumPy: the neurons of a population are updated as vectors and
the synapses of the neurons that spiked are walked as arrays. It calls no Numba kernel;
it reads the network's populations, inputs and monitors-free description, and the
synapses built by ``net.compile()`` (``compiled.projections``). It is slow (a Python
loop over steps) and meant for networks of tens of neurons.

Semantics (time step :math:`h`, step :math:`t`)
-----------------------------------------------
Each step, for every neuron population in the order they were added:

1. **Ports.** A current port holds :math:`I_k`, a conductance port :math:`g_k` (reversal
   :math:`E_k`), both decaying with their :math:`\tau_k`. The values at the start of the
   step drive the membrane; then :math:`x_k \leftarrow x_k e^{-h/\tau_k} + \sum w`, the sum
   over the synaptic input arriving at step :math:`t` (delivery after the update, as
   Brian2's schedule).
2. **Membrane**, unless refractory (a neuron that spiked at step :math:`s` does not
   integrate :math:`v` during steps :math:`s+1 \dots s+R-1`,
   :math:`R = \lfloor t_{ref}/h + 10^{-3} \rfloor`). With
   :math:`I_{ext}` the sum of the injected currents (constants, then the TimedArray row
   :math:`\min(\lfloor t/m \rfloor, \text{rows}-1)` for a table of ``m`` steps per row):

   * LIF with only current/delta ports, exact propagator:
     :math:`v \leftarrow v_\infty + (v - v_\infty) e^{-h/\tau_m} + r_m \sum_k c_k I_k`,
     :math:`v_\infty = v_{rest} + r_m I_{ext}`,
     :math:`c_k = \frac{\tau_k}{\tau_k-\tau_m}(e^{-h/\tau_k} - e^{-h/\tau_m})`, evaluated as
     :math:`\frac{h}{\tau_m}e^{-h/\tau_m}\,\mathrm{expm1}(x)/x`,
     :math:`x = h(\tau_k - \tau_m)/(\tau_k\tau_m)` (1 at :math:`x = 0`).
   * IF with only current/delta ports, exact:
     :math:`v \leftarrow v + (h I_{ext} + \sum_k q_k I_k) / c_m`,
     :math:`q_k = \tau_k (1 - e^{-h/\tau_k})` (the charge of a decaying current in a step).
   * LIF (and IF, AdaptiveLIF) with conductance ports, exponential Euler: with
     :math:`G = \sum_k g_k`, :math:`GE = \sum_k g_k E_k`, :math:`I = \sum_k I_k`, the ODE
     :math:`\dot v = a v + b` is solved with :math:`a, b` held over the step,
     :math:`v \leftarrow v_\infty + (v - v_\infty) e^{a h}`, :math:`v_\infty = -b/a`.
     LIF/AdaptiveLIF: :math:`a = -(1 + r_m G)/\tau_m`,
     :math:`b = (v_{rest} + r_m (GE + I + I_{ext} - w))/\tau_m` (:math:`w = 0` for LIF);
     IF: :math:`a = -G/c_m`, :math:`b = (GE + I + I_{ext})/c_m`
     (:math:`v \leftarrow v + b h` when :math:`a = 0`).
   * AdaptiveLIF, adaptation (every step, refractory or not, with :math:`v` at the start
     of the step): :math:`w \leftarrow w_\infty + (w - w_\infty)e^{-h/\tau_w}`,
     :math:`w_\infty = a (v - v_{rest})`.
   * Izhikevich, forward Euler (both variables frozen while refractory):
     :math:`v \leftarrow v + h\,(k (v-v_r)(v-v_t) - u + I + GE - G v + I_{ext}) / c_m`,
     :math:`u \leftarrow u + h\,a\,(b (v - v_r) - u)`.
   * QIF, forward Euler: :math:`v \leftarrow v + \frac{h}{\tau_m}(a (v - v_{rest})(v - v_c)
     + r_m (I + GE - G v + I_{ext}))`, threshold :math:`v > v_{peak}`.
   * MaxPlusLIF: :math:`v \leftarrow \max(v - \lambda, I_{ext} + \sum_k x_k)`, the sum over
     the delta-port input arriving at :math:`t` (so step 4 adds nothing more).
   * DiscreteLIF: :math:`v \leftarrow \beta v + X - v_{th} R` ("subtract"),
     :math:`\beta (1 - R) v + X` ("zero") or :math:`\beta v + X` ("none"), with
     :math:`X = I_{ext} + \sum_k x_k` as MaxPlusLIF and :math:`R` the previous step's spike;
     it has no reset of its own in step 5.
   * DiscreteCubaLIF: :math:`i \leftarrow \alpha i + w_{in} X`, then
     :math:`v \leftarrow \beta \tilde v + r i + (1 - \beta) v_{leak} - J`, with
     :math:`R = [v > v_{th}]` read from the membrane before the step, :math:`\tilde v = v_{reset}`
     where :math:`R` ("zero") else :math:`v`, :math:`J = R (v_{th} - v_{reset})` ("subtract") else 0;
     no reset of its own in step 5.
3. **Threshold** on the integrated value: :math:`v > v_{th}` (Izhikevich
   :math:`v \ge v_{peak}`), refractory neurons excluded.
4. **Delta ports**: :math:`v \mathrel{+}= \sum w` arriving this step, except on refractory
   neurons (Brian2: a variable marked ``unless refractory`` is clamped while refractory).
5. **Reset** of the neurons that spiked: :math:`v \leftarrow v_{reset}` (Izhikevich
   :math:`c`), :math:`w \mathrel{+}= b` (AdaptiveLIF), :math:`u \mathrel{+}= d`
   (Izhikevich); refractory for :math:`R` steps as above.

Input groups emit: :class:`SpikeTimes` at :math:`\lfloor t/h + 10^{-3} \rfloor`; Poisson
spike trains are random and are taken as given (``input_spikes``).

Then the spikes of step :math:`t` travel: a spike on a synapse of weight :math:`w` and
delay :math:`d \ge 1` steps adds :math:`w` to its target port's input arriving at step
:math:`t + d`. Static projections first (by source population, then projection, spike and
synapse order), then plastic ones, with pair-based STDP (all-to-all, event-driven
exponential traces :math:`x(t) = x(t_{last}) e^{-(t - t_{last}) h / \tau}`, weights kept
in float32 and clipped to :math:`[w_{min}, w_{max}]` after each update):

a. each spike on a plastic projection transmits the current weight, then depresses it:
   :math:`w \leftarrow w - a_- x_{post}` (post trace decayed to :math:`t`, before this
   step's post spikes);
b. the pre traces of this step's presynaptic spikes: :math:`x_{pre} \leftarrow x_{pre} + 1`;
c. the incoming plastic synapses of each neuron that spiked:
   :math:`w \leftarrow w + a_+ x_{pre}` (including this step's pre spikes), then
   :math:`x_{post} \leftarrow x_{post} + 1`.

Floating point: the arithmetic is written in the same association order as the models'
documented per-step constants (:math:`1/c_m`, :math:`e^{-h/\tau}`, :math:`c_k`,
:math:`q_k`), so a correct implementation agrees bit for bit, except that synaptic input
arriving at one target in one step may be summed in another order (which rounds
differently). :attr:`ReferenceResult.simultaneous_arrivals` counts those (step, target)
pairs; when it is zero the order cannot matter.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import numpy as np

from neurosparse.core.inputs import PoissonGroup, SpikeTimes, TimedArray
from neurosparse.core.models import (
    IF,
    LIF,
    QIF,
    AdaptiveLIF,
    DiscreteCubaLIF,
    DiscreteLIF,
    Izhikevich,
    MaxPlusLIF,
)
from neurosparse.core.spec import Population
from neurosparse.core.synapses import ConductanceSynapse, CurrentSynapse, DeltaSynapse
from neurosparse.errors import ParameterError

__all__ = ["ReferenceResult", "ReferenceSpikes", "simulate"]


@dataclass
class ReferenceSpikes:
    """Spikes of one population or input group, ordered by step then index.

    Attributes
    ----------
    steps
        int64 step of each spike.
    i
        int64 local index (within the population) of the spiking neuron.
    offset
        Global index of the population's first neuron (add it for global indices).
    """

    steps: np.ndarray
    i: np.ndarray
    offset: int


@dataclass
class ReferenceResult:
    """What :func:`simulate` computed.

    Attributes
    ----------
    n_steps
        Steps simulated.
    population_names
        Populations and input groups in the network's global order.
    projection_names
        Projections in the order they were connected.
    spikes
        Name -> :class:`ReferenceSpikes`, for every population and input group.
    spike_counts
        int64 ``(n_steps, n_populations)``: spikes per step of each population.
    synaptic_events
        int64 ``(n_steps, n_projections)``: synapses walked per step (one per spike and
        outgoing synapse, counted at emission).
    state
        Population -> variable -> final values (after ``n_steps``): ``"v"``, ``"w"``
        (AdaptiveLIF) or ``"u"`` (Izhikevich), each current or conductance port's
        variable by port name, and ``"refractory_left"`` (int64: steps to come during
        which ``v`` will not be integrated).
    trajectory
        Population -> variable -> ``(n_steps + 1, n)`` values at the start of every
        step (the last row is the final state), as a StateMonitor recording every step
        would see them; empty unless ``record_state``.
    weights
        Projection -> float32 per-synapse weights after the run (CSR order).
    pending
        Population -> port -> ``(max_delay, n)`` synaptic input already scheduled to
        arrive at steps ``n_steps .. n_steps + max_delay - 1``.
    simultaneous_arrivals
        Number of (step, target) pairs that received more than one synaptic input in
        one step (where summation order could change the last bit).
    """

    n_steps: int
    population_names: list[str]
    projection_names: list[str]
    spikes: dict[str, ReferenceSpikes]
    spike_counts: np.ndarray
    synaptic_events: np.ndarray
    state: dict[str, dict[str, np.ndarray]]
    trajectory: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    pending: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    simultaneous_arrivals: int = 0


def simulate(net, n_steps: int, input_spikes: Mapping[str, tuple] | None = None,
             record_state: bool = True) -> ReferenceResult:
    """Run ``net`` for ``n_steps`` steps with the NumPy reference implementation.

    Parameters
    ----------
    net
        A :class:`~neurosparse.core.network.Network` that has not run yet. It is built
        with ``net.compile()`` (so a later ``net.run`` uses the same synapses); nothing in
        it is modified.
    n_steps
        Number of steps, >= 1.
    input_spikes
        Spike trains of the Poisson groups, by name: ``(steps, local_indices)`` (e.g.
        ``(rec.spikes[name].steps, rec.spikes[name].i)`` of a kernel run). Required for
        every Poisson group; ignored for spike-time groups.
    record_state
        Keep every variable of every neuron at the start of each step
        (:attr:`ReferenceResult.trajectory`).

    Returns
    -------
    ReferenceResult
    """
    if net.t_steps != 0:
        raise ParameterError("reference.simulate needs a network that has not run yet")
    if int(n_steps) < 1:
        raise ParameterError(f"n_steps must be >= 1, got {n_steps!r}")
    n_steps = int(n_steps)
    input_spikes = dict(input_spikes or {})
    dt = float(net.dt)
    compiled = net.compile()

    groups: list[_NeuronGroup | _SpikeSource] = []
    offset = 0
    for name, pop in net.populations.items():
        if isinstance(pop, Population):
            groups.append(_NeuronGroup(pop, dt, offset))
        else:
            groups.append(_SpikeSource(name, pop.group, dt, n_steps, offset,
                                       input_spikes.get(name)))
        offset += pop.n
    index = {g.name: p for p, g in enumerate(groups)}
    projections = [_Projection(compiled.projections[name], dt) for name in compiled.proj_names]
    max_delay = max([pr.max_delay for pr in projections] + [1])
    for g in groups:
        if isinstance(g, _NeuronGroup):
            g.allocate_queue(max_delay)

    P, J = len(groups), len(projections)
    spike_counts = np.zeros((n_steps, P), np.int64)
    events = np.zeros((n_steps, J), np.int64)
    spike_steps: list[list[np.ndarray]] = [[] for _ in range(P)]
    spike_index: list[list[np.ndarray]] = [[] for _ in range(P)]
    trajectory: dict[str, dict[str, list[np.ndarray]]] = {
        g.name: {var: [] for var in g.variables()} for g in groups
        if isinstance(g, _NeuronGroup) and record_state}

    for t in range(n_steps):
        for name, per_var in trajectory.items():
            snap = groups[index[name]].snapshot()
            for var, rows in per_var.items():
                rows.append(snap[var])
        fired = [g.step(t) for g in groups]
        for p, spk in enumerate(fired):
            spike_counts[t, p] = spk.size
            spike_steps[p].append(np.full(spk.size, t, np.int64))
            spike_index[p].append(spk)
        for plastic in (False, True):  # static projections deliver first, then plastic ones
            for p in range(P):
                if fired[p].size == 0:
                    continue
                for j, pr in enumerate(projections):
                    if pr.source == groups[p].name and pr.plastic == plastic:
                        events[t, j] += pr.transmit(fired[p], t, groups[index[pr.target]])
        for pr in projections:
            if pr.plastic:
                pr.bump_pre_traces(fired[index[pr.source]], t)
        for pr in projections:
            if pr.plastic:
                pr.potentiate(fired[index[pr.target]], t)

    spikes = {g.name: ReferenceSpikes(np.concatenate(spike_steps[p]),
                                      np.concatenate(spike_index[p]), g.offset)
              for p, g in enumerate(groups)}
    state, pending, traj = {}, {}, {}
    collisions = 0
    for g in groups:
        if isinstance(g, _NeuronGroup):
            state[g.name] = g.snapshot()
            state[g.name]["refractory_left"] = g.refractory_left(n_steps)
            pending[g.name] = g.pending(n_steps)
            collisions += g.collisions
            if record_state:
                traj[g.name] = {var: np.array(rows + [state[g.name][var]])
                                for var, rows in trajectory[g.name].items()}
    return ReferenceResult(
        n_steps=n_steps, population_names=[g.name for g in groups],
        projection_names=list(compiled.proj_names), spikes=spikes, spike_counts=spike_counts,
        synaptic_events=events, state=state, trajectory=traj,
        weights={pr.name: pr.weights.copy() for pr in projections}, pending=pending,
        simultaneous_arrivals=collisions)


# ------------------------------------------------------------------------ neurons
class _NeuronGroup:
    """State and parameters of one neuron population, updated as vectors."""

    def __init__(self, pop, dt: float, offset: int):
        self.name = pop.name
        self.n = n = pop.n
        self.offset = offset
        self.dt = dt
        self.model = pop.model
        self.par = {f.name: _per_neuron(getattr(pop.model, f.name), n)
                    for f in fields(pop.model) if not isinstance(getattr(pop.model, f.name), str)}
        self.prev_spike = np.zeros(n)  # DiscreteLIF: the spike of the previous step, reset now
        self.port_names = list(pop.ports)
        self.ports = list(pop.ports.values())
        self.has_conductance = any(isinstance(s, ConductanceSynapse) for s in self.ports)
        self.exact = isinstance(pop.model, (LIF, IF)) and not self.has_conductance
        self.refractory_steps = np.floor(self.par.get("t_ref", np.zeros(n)) / dt + 1e-3).astype(np.int64)
        self.last_spike = np.full(n, np.iinfo(np.int64).min // 2, np.int64)
        # injected currents: the constants summed in the order added, one TimedArray
        self.i_const = np.zeros(n)
        self.i_timed: TimedArray | None = None
        for cur in pop.currents:
            if isinstance(cur.amplitude, TimedArray):
                self.i_timed = cur.amplitude
            else:
                self.i_const = self.i_const + _per_neuron(cur.amplitude, n)
        init = pop.initial
        default_v = (pop.model.v_r if isinstance(pop.model, Izhikevich)
                     else pop.model.v_init if isinstance(pop.model, (IF, MaxPlusLIF, DiscreteLIF,
                                                                     DiscreteCubaLIF))
                     else pop.model.v_rest)
        self.v = _per_neuron(init.get("v", default_v), n).copy()
        self.second = {AdaptiveLIF: "w", Izhikevich: "u", DiscreteCubaLIF: "i_syn"}.get(type(pop.model))
        self.u = _per_neuron(init.get(self.second, 0.0), n).copy() if self.second else None
        self.x = [_per_neuron(init.get(name, 0.0), n).copy() for name in self.port_names]
        self.decay = [np.exp(-dt / s.tau) if not isinstance(s, DeltaSynapse) else 0.0
                      for s in self.ports]
        self.collisions = 0

    def variables(self) -> list[str]:
        names = ["v"] + ([self.second] if self.second else [])
        return names + [nm for nm, s in zip(self.port_names, self.ports)
                        if not isinstance(s, DeltaSynapse)]

    def snapshot(self) -> dict[str, np.ndarray]:
        snap = {"v": self.v.copy()}
        if self.second:
            snap[self.second] = self.u.copy()
        for name, s, x in zip(self.port_names, self.ports, self.x):
            if not isinstance(s, DeltaSynapse):
                snap[name] = x.copy()
        return snap

    def allocate_queue(self, max_delay: int) -> None:
        """Input scheduled for the next ``max_delay`` steps: row ``step % (max_delay+1)``."""
        self.queue_len = max_delay + 1
        self.queue = np.zeros((self.queue_len, len(self.ports), self.n))
        self.queue_count = np.zeros((self.queue_len, len(self.ports), self.n), np.int64)

    def schedule(self, port: str, step: np.ndarray, target: np.ndarray,
                 weight: np.ndarray) -> None:
        """Add ``weight[k]`` to port input of neuron ``target[k]`` arriving at ``step[k]``,
        in the order given (``np.add.at`` is unbuffered and sequential)."""
        k = self.port_names.index(port)
        row = step % self.queue_len
        np.add.at(self.queue, (row, k, target), weight)
        np.add.at(self.queue_count, (row, k, target), 1)

    def pending(self, t: int) -> dict[str, np.ndarray]:
        rows = (t + np.arange(self.queue_len - 1)) % self.queue_len
        return {name: self.queue[rows, k].copy() for k, name in enumerate(self.port_names)}

    def refractory_left(self, t: int) -> np.ndarray:
        return np.maximum(self.last_spike + self.refractory_steps - t, 0)

    def external_current(self, t: int) -> np.ndarray:
        if self.i_timed is None:
            return self.i_const
        table = self.i_timed.values
        steps_per_row = int(round(self.i_timed.dt / self.dt))
        row = min(t // steps_per_row, table.shape[0] - 1)
        return self.i_const + table[row]

    def step(self, t: int) -> np.ndarray:
        """Integrate, threshold, deliver, reset; returns the local indices that spiked."""
        h = self.dt
        par = self.par
        arrived = self.queue[t % self.queue_len].copy()
        self.collisions += int(np.count_nonzero(self.queue_count[t % self.queue_len] > 1))
        self.queue[t % self.queue_len] = 0.0
        self.queue_count[t % self.queue_len] = 0
        # port values at the start of the step drive the membrane
        i_syn = np.zeros(self.n)  # exact models: sum_k c_k I_k (LIF) or q_k I_k (IF)
        g_tot = np.zeros(self.n)
        g_e = np.zeros(self.n)
        for k, s in enumerate(self.ports):
            if isinstance(s, CurrentSynapse):
                i_syn = i_syn + self.x[k] * self._current_factor(s.tau)
            elif isinstance(s, ConductanceSynapse):
                g_tot = g_tot + self.x[k]
                g_e = g_e + self.x[k] * s.e_rev
            if not isinstance(s, DeltaSynapse):
                self.x[k] = self.x[k] * self.decay[k] + arrived[k]
        i_ext = self.external_current(t)
        integrating = t - self.last_spike >= self.refractory_steps
        v0 = self.v
        model = self.model
        if model.delta_ports_only:  # discrete-time maps: this step's delta input is their X
            x_in = i_ext
            for k in range(len(self.ports)):
                x_in = x_in + arrived[k]
            arrived[:] = 0.0
        if isinstance(model, DiscreteLIF):  # snnTorch's Leaky; the reset is the next step's
            beta, v_th = par["beta"], par["v_th"]
            if model.reset == "subtract":
                v_new = beta * v0 + x_in - self.prev_spike * v_th
            elif model.reset == "zero":
                v_new = beta * ((1.0 - self.prev_spike) * v0) + x_in
            else:
                v_new = beta * v0 + x_in
            fired = v_new > v_th
            self.prev_spike = fired.astype(np.float64)
        elif isinstance(model, DiscreteCubaLIF):  # current first, then the membrane with it
            above_before = v0 > par["v_th"]  # the previous step's spike, reset now
            i_new = par["alpha"] * self.u + par["w_in"] * x_in
            pull = (1.0 - par["beta"]) * par["v_leak"]
            if model.reset == "zero":
                v_new = par["beta"] * np.where(above_before, par["v_reset"], v0) + par["r"] * i_new + pull
            elif model.reset == "subtract":
                jump = np.where(above_before, par["v_th"] - par["v_reset"], 0.0)
                v_new = par["beta"] * v0 + par["r"] * i_new + pull - jump
            else:
                v_new = par["beta"] * v0 + par["r"] * i_new + pull
            self.u = i_new
            fired = v_new > par["v_th"]
        elif isinstance(model, MaxPlusLIF):  # delta input enters the maximum of this step
            v_new = np.maximum(v0 - par["leak"], x_in)
            fired = integrating & (v_new > par["v_th"])
        elif isinstance(model, Izhikevich):
            inv_c = 1.0 / par["c_m"]
            u0 = self.u
            i_total = i_syn + g_e - g_tot * v0
            dv = par["k"] * (v0 - par["v_r"]) * (v0 - par["v_t"]) - u0 + i_total + i_ext
            u_new = u0 + h * par["a"] * (par["b"] * (v0 - par["v_r"]) - u0)
            v_new = v0 + h * dv * inv_c
            self.u = np.where(integrating, u_new, u0)
            fired = integrating & (v_new >= par["v_peak"])
        elif isinstance(model, QIF):  # forward Euler of tau dv/dt = a (v - v_rest)(v - v_c) + r_m I
            current = i_syn + g_e - g_tot * v0 + i_ext
            quadratic = par["a"] * (v0 - par["v_rest"]) * (v0 - par["v_c"])
            v_new = v0 + (h / par["tau_m"]) * (quadratic + par["r_m"] * current)
            fired = integrating & (v_new > par["v_peak"])
        else:
            if isinstance(model, AdaptiveLIF):
                w_inf = par["a"] * (v0 - par["v_rest"])
                w0 = self.u
                self.u = w_inf + (w0 - w_inf) * np.exp(-h / par["tau_w"])
                v_new = _exponential_euler_lif(v0, par, g_tot, g_e, i_syn, i_ext, h, w0)
            elif isinstance(model, LIF) and self.exact:
                v_inf = par["v_rest"] + par["r_m"] * i_ext
                v_new = v_inf + (v0 - v_inf) * np.exp(-h / par["tau_m"]) + par["r_m"] * i_syn
            elif isinstance(model, LIF):
                v_new = _exponential_euler_lif(v0, par, g_tot, g_e, i_syn, i_ext, h)
            elif self.exact:  # IF
                v_new = v0 + (i_ext * h + i_syn) * (1.0 / par["c_m"])
            else:  # IF with conductances
                inv_c = 1.0 / par["c_m"]
                a = -g_tot * inv_c
                b = (g_e + i_syn + i_ext) * inv_c
                with np.errstate(divide="ignore", invalid="ignore"):
                    v_inf = -b / a
                    v_new = np.where(a == 0.0, v0 + b * h, v_inf + (v0 - v_inf) * _exp(a * h))
            fired = integrating & (v_new > par["v_th"])
        v = np.where(integrating, v_new, v0)
        for k, s in enumerate(self.ports):
            if isinstance(s, DeltaSynapse):  # dropped while refractory, as in Brian2
                v = v + np.where(integrating, arrived[k], 0.0)
        spikes = np.flatnonzero(fired)
        if isinstance(model, Izhikevich):
            v[spikes] = par["c"][spikes]
            self.u[spikes] += par["d"][spikes]
        elif not isinstance(model, (DiscreteLIF, DiscreteCubaLIF)):
            v[spikes] = par["v_reset"][spikes]
            if isinstance(model, AdaptiveLIF):
                self.u[spikes] += par["b"][spikes]
        self.last_spike[spikes] = t
        self.v = v
        return spikes.astype(np.int64)

    def _current_factor(self, tau_s: float) -> np.ndarray | float:
        """What multiplies a current port's value in the membrane update."""
        h = self.dt
        if not self.exact:
            return 1.0
        if isinstance(self.model, IF):
            return tau_s * -np.expm1(-h / tau_s)
        # tau_s / (tau_s - tau_m) (e^{-h/tau_s} - e^{-h/tau_m}) = (h/tau_m) e^{-h/tau_m} expm1(x)/x
        # with x = h (tau_s - tau_m) / (tau_s tau_m): no difference of nearly equal numbers
        tau_m = self.par["tau_m"]
        x = h * (tau_s - tau_m) / (tau_s * tau_m)
        with np.errstate(divide="ignore", invalid="ignore"):
            relative = np.where(x == 0.0, 1.0, np.expm1(x) / x)
        return h / tau_m * np.exp(-h / tau_m) * relative


def _exponential_euler_lif(v, par, g_tot, g_e, i_syn, i_ext, h, w=None):
    """One exponential-Euler step of tau_m dv/dt = v_rest - v + r_m (G (E - v) + I - w)."""
    drive = g_e + i_syn + i_ext
    if w is not None:
        drive = drive - w
    a = -(1.0 + par["r_m"] * g_tot) / par["tau_m"]
    b = (par["v_rest"] + par["r_m"] * drive) / par["tau_m"]
    v_inf = -b / a
    return v_inf + (v - v_inf) * _exp(a * h)


# ------------------------------------------------------------------------- inputs
class _SpikeSource:
    """An input group: its spikes per step, computed up front."""

    def __init__(self, name: str, group, dt: float, n_steps: int, offset: int, given):
        self.name = name
        self.n = group.n
        self.offset = offset
        if isinstance(group, SpikeTimes):
            steps = np.floor(group.times / dt + 1e-3).astype(np.int64)
            idx = group.indices.astype(np.int64)
        elif isinstance(group, PoissonGroup):
            if given is None:
                raise ParameterError(f"Poisson group {name!r} is random: pass its spike "
                                     "trains in input_spikes")
            steps = np.asarray(given[0], np.int64)
            idx = np.asarray(given[1], np.int64)
        else:  # pragma: no cover - the network accepts only the two kinds
            raise ParameterError(f"unknown input group {type(group).__name__}")
        keep = (steps >= 0) & (steps < n_steps)
        steps, idx = steps[keep], idx[keep]
        self.by_step = [np.sort(idx[steps == t]) for t in range(n_steps)]

    def step(self, t: int) -> np.ndarray:
        return self.by_step[t]


# -------------------------------------------------------------------- projections
class _Projection:
    """Synapses of one projection as flat arrays, with STDP state if plastic."""

    def __init__(self, proj, dt: float):
        self.name = proj.name
        self.source = proj.source
        self.target = proj.target
        self.port = proj.port
        self.dt = dt
        self.indptr = np.asarray(proj.indptr, np.int64)
        self.post = np.asarray(proj.indices, np.int64)
        self.pre = np.repeat(np.arange(proj.n_pre), np.diff(self.indptr))
        self.weights = np.array(proj.weight_array(), dtype=np.float32, copy=True)
        self.delays = np.asarray(proj.delay_array(), np.int64).copy()
        self.max_delay = int(self.delays.max()) if self.delays.size else 1
        self.rule = proj.plasticity
        self.plastic = self.rule is not None
        if self.plastic:
            self.x_pre = np.zeros(proj.n_pre)
            self.last_pre = np.zeros(proj.n_pre, np.int64)
            self.x_post = np.zeros(proj.n_post)
            self.last_post = np.zeros(proj.n_post, np.int64)

    def synapses_of(self, neurons: np.ndarray) -> np.ndarray:
        """Synapse ids of the out-rows of ``neurons``, row after row."""
        rows = [np.arange(self.indptr[i], self.indptr[i + 1]) for i in neurons]
        return np.concatenate(rows) if rows else np.zeros(0, np.int64)

    def transmit(self, spikes: np.ndarray, t: int, target: _NeuronGroup) -> int:
        """Schedule the weights of the spiking neurons' synapses; STDP depression.

        Returns the number of synaptic events.
        """
        syn = self.synapses_of(spikes)
        target.schedule(self.port, t + self.delays[syn], self.post[syn],
                        self.weights[syn].astype(np.float64))
        if self.plastic:
            x_post = _decayed(self.x_post, self.last_post, t, self.dt, self.rule.tau_post)
            w = self.weights[syn].astype(np.float64) - self.rule.a_minus * x_post[self.post[syn]]
            self.weights[syn] = np.clip(w, self.rule.w_min, self.rule.w_max).astype(np.float32)
        return int(syn.size)

    def bump_pre_traces(self, spikes: np.ndarray, t: int) -> None:
        x = _decayed(self.x_pre[spikes], self.last_pre[spikes], t, self.dt, self.rule.tau_pre)
        self.x_pre[spikes] = x + 1.0
        self.last_pre[spikes] = t

    def potentiate(self, post_spikes: np.ndarray, t: int) -> None:
        if post_spikes.size == 0:
            return
        syn = np.flatnonzero(np.isin(self.post, post_spikes))
        x_pre = _decayed(self.x_pre, self.last_pre, t, self.dt, self.rule.tau_pre)
        w = self.weights[syn].astype(np.float64) + self.rule.a_plus * x_pre[self.pre[syn]]
        self.weights[syn] = np.clip(w, self.rule.w_min, self.rule.w_max).astype(np.float32)
        x = _decayed(self.x_post[post_spikes], self.last_post[post_spikes], t, self.dt,
                     self.rule.tau_post)
        self.x_post[post_spikes] = x + 1.0
        self.last_post[post_spikes] = t


def _decayed(x: np.ndarray, last: np.ndarray, t: int, dt: float, tau: float) -> np.ndarray:
    """A trace last updated at step ``last``, decayed to step ``t``."""
    return x * _exp(-(t - last) * dt / tau)


def _exp(x) -> np.ndarray:
    """The C library's ``exp``, element by element.

    Used for the exponentials that depend on the state (exponential Euler, trace decay),
    which compiled code evaluates with the C library; NumPy's vectorized ``exp`` may
    differ from it in the last bit. Per-step constants use ``np.exp``, as the models do.
    """
    return _EXP(np.asarray(x, dtype=np.float64)).astype(np.float64)


_EXP = np.frompyfunc(math.exp, 1, 1)


def _per_neuron(value, n: int) -> np.ndarray:
    """A scalar or per-neuron parameter as a float64 array of ``n`` values."""
    return np.broadcast_to(np.asarray(value, dtype=np.float64), (n,)).copy()
