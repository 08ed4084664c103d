"""The network: populations, inputs, projections and monitors, and running them.

Example
-------
>>> import neurosparse as ns
>>> net = ns.Network(dt=1e-4, seed=1)
>>> _ = net.add_population("P", 100, ns.LIF(tau_m=20e-3, v_rest=-49e-3, v_th=-50e-3,
...                        v_reset=-60e-3, t_ref=5e-3),
...                        ports={"e": ns.CurrentSynapse(5e-3)})
>>> _ = net.connect("P", "P", "e", ns.FixedProbability(0.1), weight=10e-12, delay=1e-4)
>>> net.monitor_spikes("P")
>>> rec = net.run(0.1)
>>> rec.n_steps
1000

A run continues from the state the previous run left (as Brian2's ``run``). The structure
(populations, projections, monitors) is fixed by the first run.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from neurosparse._seed import SeedLike
from neurosparse._validation import as_count, as_float_param
from neurosparse.core.connectivity import ConnectionRule, FromArrays, FromSparse
from neurosparse.core.inputs import CurrentInput, PoissonGroup, SpikeTimes, TimedArray
from neurosparse.core.layout import check_run_memory, compile_network, estimate_memory
from neurosparse.core.models import MAX_PORTS, NeuronModel
from neurosparse.core.projection import Projection
from neurosparse.core.runner import run_network
from neurosparse.core.spec import (
    InputGroup,
    NetworkSpec,
    Population,
    ProjectionSpec,
    StateMonitorSpec,
    whole_steps,
)
from neurosparse.core.synapse_values import check_rounding, check_weights, time_steps
from neurosparse.core.synapses import STDP, ConductanceSynapse, CurrentSynapse, DeltaSynapse
from neurosparse.core.time_step import population_time_scales, stdp_time_scales, warn_if_coarse
from neurosparse.errors import DivergenceError, ParameterError, UnknownNameError

WeightLike = float | np.ndarray | Callable[[np.random.Generator, int], np.ndarray]


class Network:
    """An event-driven spiking network.

    Parameters
    ----------
    dt
        Time step (s), > 0.
    seed
        Seed for everything stochastic in the network (connectivity, Poisson inputs,
        random initial values drawn through :meth:`rng`): an int, a SeedSequence, or None.
        Each projection takes its own child seed, so adding a projection does not change
        the others; the runs share one stream, so a run continued in pieces equals one run.
    rounding
        Delays and refractory periods must be whole numbers of steps (as in NEST); a value
        between two steps is refused, unless this names a rule: ``"nearest"`` rounds to the
        nearest step (half up), ``"down"`` rounds down (Brian2's rule for refractory periods).
    """

    def __init__(self, dt: float = 1e-4, seed: int | np.random.SeedSequence | None = None,
                 rounding: str | None = None):
        self.dt = as_float_param("dt", dt, low=0, low_inclusive=False, allow_array=False)
        self.rounding = check_rounding(rounding)
        if seed is not None and not isinstance(seed, np.random.SeedSequence):
            if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
                raise ParameterError(f"seed must be a non-negative int or a SeedSequence, got {seed!r}")
        self.seed = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self._populations: dict[str, Population | InputGroup] = {}
        self._projection_specs: list[ProjectionSpec] = []
        self._spike_monitors: list[str] = []
        self._state_monitors: list[StateMonitorSpec] = []
        self._compiled = None
        self._spec: NetworkSpec | None = None
        self.t_steps = 0
        self._init_rng_seed, self._run_seed = self.seed.spawn(2)
        self._init_rng = np.random.default_rng(self._init_rng_seed)
        self._run_rng: np.random.Generator | None = None  # the runs' stream, made by the first

    # ----------------------------------------------------------------- building
    def rng(self) -> np.random.Generator:
        """The network's generator for random initial values (seeded from ``seed``)."""
        return self._init_rng

    def add_population(self, name: str, n: int, model: NeuronModel,
                       ports: dict[str, Any] | None = None) -> Population:
        """Add ``n`` neurons of ``model`` with synaptic ``ports`` (name -> synapse type).

        Parameters
        ----------
        name
            Unique name.
        n
            Number of neurons, >= 1.
        model
            A neuron model (:class:`~neurosparse.LIF`, ...); array parameters need ``n`` values.
        ports
            Synaptic receptors by name: :class:`CurrentSynapse`, :class:`ConductanceSynapse`
            or :class:`DeltaSynapse`. At most 8.
        """
        self._check_mutable()
        self._check_new_name(name)
        n = as_count("n", n, low=1)
        if not isinstance(model, NeuronModel):
            raise ParameterError(f"model must be a neuron model (LIF, IF, AdaptiveLIF, Izhikevich, QIF, "
                                 f"MaxPlusLIF, DiscreteLIF, DiscreteCubaLIF), got {type(model).__name__}")
        model.check_size(n)
        model = self._whole_step_refractory(model)
        ports = dict(ports or {})
        if len(ports) > MAX_PORTS:
            raise ParameterError(f"a population has at most {MAX_PORTS} ports, got {len(ports)}")
        for pname, port in ports.items():
            if not isinstance(port, (CurrentSynapse, ConductanceSynapse, DeltaSynapse)):
                raise ParameterError(
                    f"port {pname!r} must be a CurrentSynapse, ConductanceSynapse or "
                    f"DeltaSynapse, got {type(port).__name__}")
            if model.delta_ports_only and not isinstance(port, DeltaSynapse):
                raise ParameterError(
                    f"port {pname!r}: {type(model).__name__} takes only DeltaSynapse ports (its "
                    f"input is the sum of the weights arriving in a step), got {type(port).__name__}")
            if pname in model.state_variables:
                raise ParameterError(f"port name {pname!r} clashes with the state variable "
                                     f"{pname!r} of {type(model).__name__}")
        warn_if_coarse(f"population {name!r} ({type(model).__name__})",
                       population_time_scales(model, ports), self.dt)
        pop = Population(name, n, model, ports)
        self._populations[name] = pop
        return pop

    def add_input(self, name: str, group: PoissonGroup | SpikeTimes) -> InputGroup:
        """Add an input group (:class:`PoissonGroup` or :class:`SpikeTimes`) as a source."""
        self._check_mutable()
        self._check_new_name(name)
        if not isinstance(group, (PoissonGroup, SpikeTimes)):
            raise ParameterError(f"group must be a PoissonGroup or SpikeTimes, got "
                                 f"{type(group).__name__}")
        if isinstance(group, PoissonGroup) and group.max_rate() * self.dt > 1.0:
            raise ParameterError(
                f"PoissonGroup {name!r}: rate * dt must be <= 1 (max rate {group.max_rate():g} "
                f"Hz with dt = {self.dt:g} s); lower the rate or dt")
        if isinstance(group, PoissonGroup) and isinstance(group.rate, TimedArray):
            group.rate.steps_per_row(self.dt)
        inp = InputGroup(name, group)
        self._populations[name] = inp
        return inp

    def add_current(self, target: str, amplitude: float | np.ndarray | TimedArray) -> None:
        """Inject a current (A) into every neuron of ``target``.

        ``amplitude`` is a scalar, one value per neuron, or a :class:`TimedArray`.
        Several currents into one population add up.
        """
        self._check_mutable()
        pop = self._neuron_population(target, "target")
        cur = amplitude if isinstance(amplitude, CurrentInput) else CurrentInput(amplitude)
        amp = cur.amplitude
        if isinstance(amp, TimedArray):
            amp.steps_per_row(self.dt)
            if amp.values.ndim == 2 and amp.values.shape[1] != pop.n:
                raise ParameterError(f"amplitude: the current into {target!r} has {amp.values.shape[1]} "
                                     f"columns but the population has {pop.n} neurons")
            if any(isinstance(c.amplitude, TimedArray) for c in pop.currents):
                raise ParameterError(f"population {target!r} already has a time-varying "
                                     "current; combine them into one TimedArray")
        elif np.ndim(amp) == 1 and len(amp) != pop.n:
            raise ParameterError(f"amplitude: the current into {target!r} has {len(amp)} values but the "
                                 f"population has {pop.n} neurons")
        pop.currents.append(cur)

    def set_state(self, population: str, **values: Any) -> None:
        """Set initial values: ``v``, the model's other variables, or a port's variable.

        Each value is a scalar or an array with one value per neuron. Before the first
        run these are initial values; after it they overwrite the current state.
        """
        pop = self._neuron_population(population, "population")
        for var, val in values.items():
            if var not in pop.variables():
                raise UnknownNameError(
                    f"population {population!r} has no variable {var!r}; known: "
                    f"{', '.join(pop.variables())}")
            arr = as_float_param(f"{population}.{var}", val)
            if np.ndim(arr) == 1 and len(arr) != pop.n:
                raise ParameterError(f"{population}.{var} has {len(arr)} values for {pop.n} neurons")
            pop.initial[var] = arr
            if self._compiled is not None:
                self._compiled.set_variable(population, var, arr)

    def connect(self, source: str, target: str, port: str, rule: ConnectionRule,
                weight: WeightLike | None = None, delay: float | np.ndarray | None = None,
                plasticity: STDP | None = None, name: str | None = None,
                seed: SeedLike = None) -> ProjectionSpec:
        """Connect ``source`` to port ``port`` of population ``target``.

        Parameters
        ----------
        source, target
            Population (or input group, for ``source``) names.
        port
            Name of the target's synaptic port.
        rule
            A connection rule (:class:`AllToAll`, :class:`FixedProbability`, ...).
        weight
            Scalar, per-synapse array in CSR order, or a callable ``f(rng, n) -> array``.
            Units: A (current port), S (conductance port, >= 0), V (delta port). For
            :class:`FromArrays` / :class:`FromSparse` the rule's weights are used when given.
        delay
            Seconds, scalar or per-synapse; rounded to whole steps; at least one step.
            Default: one step.
        plasticity
            An :class:`STDP` rule to make the weights plastic.
        name
            Projection name (default ``"source->target:port"``).
        seed
            Seed for this projection's connectivity and weights (default: a child of the
            network seed).
        """
        self._check_mutable()
        self._source_population(source)
        tgt = self._neuron_population(target, "target")
        if port not in tgt.ports:
            raise UnknownNameError(f"population {target!r} has no port {port!r}; known: "
                                   f"{', '.join(tgt.ports) or '(none: pass ports= to add_population)'}")
        if not isinstance(rule, ConnectionRule):
            raise ParameterError(f"rule must be a connection rule, got {type(rule).__name__}")
        if plasticity is not None and not isinstance(plasticity, STDP):
            raise ParameterError(f"plasticity must be an STDP rule or None, got {type(plasticity).__name__}")
        if plasticity is not None:
            warn_if_coarse(f"the STDP rule of {source!r} -> {target!r}", stdp_time_scales(plasticity),
                           self.dt)
        has_rule_weight = ((isinstance(rule, FromArrays) and rule.weight is not None)
                           or isinstance(rule, FromSparse))
        if weight is None and not has_rule_weight:
            raise ParameterError(f"connect({source!r}, {target!r}): weight is required")
        where = f"connect({source!r}, {target!r}, {port!r})"
        if weight is not None and not callable(weight):
            check_weights(weight, f"{where}: weight")
        if delay is not None and not callable(delay):
            time_steps(delay, self.dt, f"{where}: delay", self.rounding)
        name = name or f"{source}->{target}:{port}"
        if any(spec.name == name for spec in self._projection_specs):
            raise ParameterError(f"a projection named {name!r} exists; pass name= to tell them apart")
        if seed is None:
            child = self.seed.spawn(1)[0]
        elif isinstance(seed, np.random.SeedSequence):
            child = seed
        elif isinstance(seed, np.random.Generator):
            child = np.random.SeedSequence(int(seed.integers(0, 2**63)))
        else:
            child = np.random.SeedSequence(as_count("seed", seed))
        spec = ProjectionSpec(name, source, target, port, rule, weight, delay, plasticity, child)
        self._projection_specs.append(spec)
        return spec

    def monitor_spikes(self, *populations: str) -> None:
        """Record the spikes (step, index) of these populations (default: all)."""
        self._check_mutable()
        names = populations or tuple(self._populations)
        for name in names:
            self._source_population(name)
            if name not in self._spike_monitors:
                self._spike_monitors.append(name)

    def monitor_state(self, population: str, variables: str | tuple[str, ...] = "v",
                      indices: Any = None, record_dt: float | None = None) -> None:
        """Sample state variables of some neurons every ``record_dt`` (default: each step).

        Values are recorded at the start of a step (before the update), as Brian2's
        ``StateMonitor``.
        """
        self._check_mutable()
        pop = self._neuron_population(population, "population")
        variables = (variables,) if isinstance(variables, str) else tuple(variables)
        for var in variables:
            if var not in pop.variables():
                raise UnknownNameError(f"population {population!r} has no variable {var!r}; "
                                       f"known: {', '.join(pop.variables())}")
        idx = np.arange(pop.n) if indices is None else np.atleast_1d(np.asarray(indices))
        if idx.size == 0 or not np.issubdtype(idx.dtype, np.integer) or idx.min() < 0 or idx.max() >= pop.n:
            raise ParameterError(f"monitor_state indices must be integers in [0, {pop.n})")
        every = 1
        if record_dt is not None:
            record_dt = as_float_param("record_dt", record_dt, low=0, low_inclusive=False,
                                       allow_array=False)
            every = whole_steps("record_dt", record_dt, self.dt)
        if self._state_monitors and every != self._state_monitors[0].record_every:
            raise ParameterError("all state monitors of a network share one record_dt")
        self._state_monitors.append(StateMonitorSpec(population, variables, idx.astype(np.int64), every))

    # -------------------------------------------------------------------- query
    def get_state(self, population: str, var: str = "v") -> np.ndarray:
        """Current values of ``var`` (``v``, the model's other variables or a port's
        variable) for every neuron of ``population``: a copy, float64.

        Before the first run these are the initial values.
        """
        pop = self._neuron_population(population, "population")
        if var not in pop.variables():
            raise UnknownNameError(f"population {population!r} has no variable {var!r}; known: "
                                   f"{', '.join(pop.variables())}")
        return self.compile().get_variable(population, var)

    @property
    def populations(self) -> dict[str, Population | InputGroup]:
        return dict(self._populations)

    @property
    def projections(self) -> dict[str, Projection]:
        """Built projections by name (builds the network if needed)."""
        return dict(self.compile().projections)

    @property
    def t(self) -> float:
        """Current network time (s)."""
        return self.t_steps * self.dt

    def estimate_memory(self) -> int:
        """Bytes the network is expected to need (synapses, state, ring buffer, build)."""
        return estimate_memory(self.spec())

    def spec(self) -> NetworkSpec:
        """The network's structure as a frozen :class:`~neurosparse.core.spec.NetworkSpec`
        (fixed from the first run on)."""
        if self._compiled is not None:
            return self._spec
        return NetworkSpec(dt=self.dt, seed=self.seed, populations=self._populations,
                           projections=tuple(self._projection_specs),
                           spike_monitors=tuple(self._spike_monitors),
                           state_monitors=tuple(self._state_monitors), rounding=self.rounding)

    def compile(self):
        """Build synapses and lay the network out for the kernels (done by the first run)."""
        if self._compiled is None:
            self._spec = self.spec()
            self._compiled = compile_network(self._spec)
        return self._compiled

    # ---------------------------------------------------------------------- run
    def run(self, duration: float, threads: int | None = None,
            progress: bool | None = None, engine: str | None = None):
        """Simulate ``duration`` seconds and return a :class:`~neurosparse.core.recording.Recording`.

        Parameters
        ----------
        duration
            Seconds, > 0, a whole number of steps.
        threads
            Numba threads (default: 1 for small networks, all cores from 100,000 neurons
            on). Results are identical bit for bit whatever the thread count.
        progress
            Show a tqdm progress bar (default: only on a terminal and for long runs).
        engine
            ``"numba"``: the compiled kernels. ``"numpy"``: the interpreted first tier
            (networks without STDP of LIF and IF without conductance ports, Izhikevich,
            MaxPlusLIF and DiscreteLIF populations; one thread). ``"auto"``: the
            interpreter while the kernel is not yet compiled on this machine and the run is
            short, the kernel otherwise. Results are identical bit for bit. Default:
            ``NEUROSPARSE_ENGINE``, else ``"auto"`` (see :mod:`neurosparse.core.tiers`).
        """
        from neurosparse.core.tiers import check_engine

        check_engine(engine)
        duration = as_float_param("duration", duration, low=0, low_inclusive=False,
                                  allow_array=False)
        n_steps = whole_steps("duration", duration, self.dt)
        check_run_memory(self.spec(), n_steps, duration)
        compiled = self.compile()
        t_start = time.perf_counter()
        if self._run_rng is None:
            # one stream for all the runs, continued by each: run(a); run(b) draws what
            # run(a + b) draws, bit for bit (the first run's stream is unchanged)
            self._run_rng = np.random.default_rng(self._run_seed.spawn(1)[0])
        rec = run_network(self._spec, compiled, self.t_steps, n_steps, self._run_rng,
                          threads=threads, progress=progress, engine=engine)
        self.t_steps += n_steps
        rec.timings.setdefault("run_seconds", time.perf_counter() - t_start)
        self._check_finite_state()
        return rec

    def _check_finite_state(self) -> None:
        """Raise DivergenceError if a population's state is NaN or infinite after a run
        (absurd parameters, or a step too coarse for the dynamics), instead of returning
        spikes counted from a state that means nothing. One pass over the state."""
        for name, pop in self._populations.items():
            if not isinstance(pop, Population):
                continue
            for var in pop.model.state_variables:
                values = self.get_state(name, var)
                bad = ~np.isfinite(values)
                if np.any(bad):
                    raise DivergenceError(
                        f"population {name!r}: {var} is not finite after the run (neuron "
                        f"{int(np.flatnonzero(bad)[0])} first, {int(bad.sum())} of {pop.n}): the "
                        f"dynamics diverged with dt = {self.dt:g} s and {pop.model!r}; check "
                        f"these parameters or use a smaller dt")

    # ------------------------------------------------------------------ helpers
    def _whole_step_refractory(self, model: NeuronModel) -> NeuronModel:
        """``model``, its refractory period checked to be whole steps (or rounded to them
        by the network's rounding rule)."""
        t_ref = getattr(model, "t_ref", None)
        if t_ref is None:
            return model
        steps = time_steps(t_ref, self.dt, f"{type(model).__name__}.t_ref", self.rounding, low=0)
        if self.rounding is None:
            return model
        rounded = np.asarray(steps, dtype=np.float64) * self.dt
        return dataclasses.replace(model, t_ref=float(rounded) if rounded.ndim == 0 else rounded)

    def _check_mutable(self) -> None:
        if self._compiled is not None:
            raise ParameterError("the network has run: its structure can no longer change "
                                 "(build a new Network)")

    def _check_new_name(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ParameterError(f"name must be a non-empty string, got {name!r}")
        if name in self._populations:
            raise ParameterError(f"a population or input named {name!r} already exists")

    def _source_population(self, name: str) -> Population | InputGroup:
        if name not in self._populations:
            raise UnknownNameError(f"no population or input named {name!r}; known: "
                                   f"{', '.join(self._populations) or '(none)'}")
        return self._populations[name]

    def _neuron_population(self, name: str, what: str) -> Population:
        pop = self._source_population(name)
        if not isinstance(pop, Population):
            raise ParameterError(f"{what} {name!r} is an input group; it has no neurons to "
                                 "drive or record")
        return pop
