r"""Translate a neurosparse :class:`~neurosparse.Network` into Brian2 and run it there.

The translation is one to one: each population becomes a ``NeuronGroup`` with the same
equations, parameters and initial state; each projection a ``Synapses`` object connected
with the projection's own synapses (``connect(i=pre, j=post)`` in CSR order), weights and
delays; each input group a ``SpikeGeneratorGroup`` or ``PoissonGroup``. A LIF population
with current ports ``I_k``, conductance ports ``g_k`` and an injected current becomes

.. math::
    \tau_m \frac{dv}{dt} = v_{rest} - v + r_m \Big(\sum_k I_k + \sum_k g_k (E_k - v)
    + I_{ext}\Big), \qquad \tau_k \frac{dI_k}{dt} = -I_k, \qquad
    \tau_k \frac{dg_k}{dt} = -g_k

with ``threshold="v > v_th"``, ``reset="v = v_reset"``, ``refractory=t_ref`` and
``(unless refractory)`` on ``v``, integrated as neurosparse does: ``method="exact"``
without conductance ports, else ``"exponential_euler"``. A spike on a synapse of weight
``w`` runs ``I_k += w``, ``g_k += w`` or, for a :class:`~neurosparse.DeltaSynapse`,
``v += w``. A delay of ``d`` steps in neurosparse is a delay of ``d * dt`` in Brian2 (both
deliver in the synapse slot of step ``t + d``, after the threshold).

Networks driven by :class:`~neurosparse.SpikeTimes` and constant currents give the same
spike steps and indices in both simulators; the two evaluate the same formulas in a
different order, so a potential within rounding error (~1e-15 V) of the threshold could
in principle fall on different sides. :class:`~neurosparse.PoissonGroup` inputs draw
different random numbers, so only statistics compare. One known difference: Brian2 makes
an ``(unless refractory)`` variable read-only while the neuron is refractory, so a
delta-synapse input reaching a refractory neuron is dropped there but added to ``v`` by
neurosparse; networks with delta ports and ``t_ref > 0`` can differ. Note also that
neurosparse's shortest delay, one step, is Brian2's ``delay=dt``, one step later than
Brian2's default ``delay=0``.

Supported: :class:`~neurosparse.LIF`, :class:`~neurosparse.AdaptiveLIF` (exponential
Euler, ``w`` evolving while refractory), :class:`~neurosparse.Izhikevich` and
:class:`~neurosparse.QIF` (forward Euler, Brian2's ``euler``; Izhikevich holds both
variables while refractory), with scalar or per-neuron parameters and
current, conductance and delta ports; :class:`~neurosparse.SpikeTimes`,
:class:`~neurosparse.PoissonGroup` (rates scalar, per source or a
:class:`~neurosparse.TimedArray`); injected currents (scalar, per neuron or a
``TimedArray``); static synapses. Other neuron models and STDP raise
``NotImplementedError``.

Example
-------
>>> from neurosparse.core.benchmark_networks import cuba
>>> from neurosparse.interop.brian2 import run_brian2
>>> result = run_brian2(cuba(1000, seed=1), 0.1)           # doctest: +SKIP
>>> steps, indices = result["spikes"]["exc"]               # doctest: +SKIP
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neurosparse.core.inputs import PoissonGroup, SpikeTimes, TimedArray
from neurosparse.core.models import LIF, QIF, AdaptiveLIF, Izhikevich
from neurosparse.core.network import Network
from neurosparse.core.spec import InputGroup, Population, whole_steps
from neurosparse.core.synapses import PORT_CONDUCTANCE, PORT_CURRENT, PORT_DELTA
from neurosparse.errors import MissingDependencyError, ParameterError, UnknownNameError

TARGETS = ("numpy", "cython", "cpp_standalone")


@dataclass(frozen=True)
class _Translation:
    """How one neuron model reads in Brian2: its parameters (name, unit), the membrane
    equation with ``{drive}`` for the summed input currents, the other equations (``{flag}``
    marks where the model holds a variable while refractory), threshold, reset and method."""

    parameters: tuple[tuple[str, str], ...]
    v_equation: str
    other: tuple[str, ...]
    threshold: str
    reset: str
    method: str  # "exact" turns into "exponential_euler" with a conductance port


_LIF_PARAMETERS = (("tau_m", "second"), ("v_rest", "volt"), ("v_th", "volt"),
                   ("v_reset", "volt"), ("t_ref", "second"), ("r_m", "ohm"))
_TRANSLATIONS = {
    LIF: _Translation(_LIF_PARAMETERS, "dv/dt = (v_rest - v + r_m * ({drive})) / tau_m : volt{flag}",
                      (), "v > v_th", "v = v_reset", "exact"),
    AdaptiveLIF: _Translation(
        _LIF_PARAMETERS + (("tau_w", "second"), ("a", "siemens"), ("b", "amp")),
        "dv/dt = (v_rest - v + r_m * ({drive} - w)) / tau_m : volt{flag}",
        ("dw/dt = (a * (v - v_rest) - w) / tau_w : amp",), "v > v_th", "v = v_reset; w += b",
        "exponential_euler"),
    Izhikevich: _Translation(
        (("c_m", "farad"), ("k", "siemens/volt"), ("v_r", "volt"), ("v_t", "volt"),
         ("v_peak", "volt"), ("a", "hertz"), ("b", "siemens"), ("c", "volt"), ("d", "amp"),
         ("t_ref", "second")),
        "dv/dt = (k * (v - v_r) * (v - v_t) - u + {drive}) / c_m : volt{flag}",
        ("du/dt = a * (b * (v - v_r) - u) : amp{flag}",), "v >= v_peak", "v = c; u += d", "euler"),
    QIF: _Translation(
        (("tau_m", "second"), ("v_rest", "volt"), ("v_c", "volt"), ("a", "1/volt"),
         ("v_peak", "volt"), ("v_reset", "volt"), ("t_ref", "second"), ("r_m", "ohm")),
        "dv/dt = (a * (v - v_rest) * (v - v_c) + r_m * ({drive})) / tau_m : volt{flag}",
        (), "v > v_peak", "v = v_reset", "euler"),
}


def _unit(b2, name: str):
    """A Brian2 unit from ``"amp"``, ``"siemens/volt"`` or ``"1/volt"``."""
    num, _, den = name.partition("/")
    value = 1.0 if num == "1" else getattr(b2, num)
    return value / getattr(b2, den) if den else value
_PORT_UNITS = {PORT_CURRENT: "amp", PORT_CONDUCTANCE: "siemens", PORT_DELTA: "volt"}
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*")


@dataclass
class Brian2Model:
    """The Brian2 objects that stand for a neurosparse network.

    Attributes
    ----------
    network
        A ``brian2.Network`` holding every object below.
    neuron_groups
        Population name -> ``NeuronGroup``.
    input_groups
        Input group name -> ``SpikeGeneratorGroup`` or ``PoissonGroup``.
    synapses
        Projection name -> ``Synapses``.
    spike_monitors
        Population or input name -> ``SpikeMonitor``.
    equations
        Population name -> the equations given to its ``NeuronGroup``.
    dt
        Time step (s) of every object.
    """

    network: Any
    neuron_groups: dict[str, Any] = field(default_factory=dict)
    input_groups: dict[str, Any] = field(default_factory=dict)
    synapses: dict[str, Any] = field(default_factory=dict)
    spike_monitors: dict[str, Any] = field(default_factory=dict)
    equations: dict[str, str] = field(default_factory=dict)
    dt: float = 1e-4


def to_brian2(net: Network, populations: Sequence[str] | None = None) -> Brian2Model:
    """Build Brian2 objects equivalent to ``net`` under Brian2's current device.

    Parameters
    ----------
    net
        The network. Its projections are built if they are not yet (as by a first run);
        this draws nothing from the seed a run uses, so a later ``net.run`` is unchanged.
    populations
        Names of the populations and input groups whose spikes are monitored (default:
        every neuron population).

    Returns
    -------
    Brian2Model
        The objects, gathered in a ``brian2.Network``; run it with ``namespace={}`` so
        nothing is looked up among the caller's variables. Initial values are the last
        given to :meth:`~neurosparse.Network.set_state` (else the model's defaults), not
        the state a previous neurosparse run left, so a network can be translated after
        it ran.

    Raises
    ------
    MissingDependencyError
        If brian2 is not installed.
    NotImplementedError
        For neuron models other than LIF, STDP, or a LIF whose ``tau_m`` equals the time
        constant of one of its current ports (Brian2's exact solution divides by their
        difference).
    UnknownNameError
        If ``populations`` names something the network does not have.
    """
    b2 = _import_brian2()
    _check_supported(net)
    monitored = _monitored(net, populations)
    dt = net.dt
    clock_dt = dt * b2.second
    model = Brian2Model(network=b2.Network(), dt=dt)
    sources: dict[str, Any] = {}
    for name, pop in net.populations.items():
        if isinstance(pop, Population):
            group, equations = _neuron_group(b2, pop, clock_dt)
            model.neuron_groups[name] = group
            model.equations[name] = equations
        else:
            group = _input_group(b2, pop, dt, clock_dt)
            model.input_groups[name] = group
        sources[name] = group
        model.network.add(group)
    for name, proj in net.projections.items():
        target = net.populations[proj.target]
        syn = _synapses(b2, proj, target, sources[proj.source], sources[proj.target], dt)
        if syn is not None:
            model.synapses[name] = syn
            model.network.add(syn)
    for name in monitored:
        mon = b2.SpikeMonitor(sources[name], record=True)
        model.spike_monitors[name] = mon
        model.network.add(mon)
    return model


def run_brian2(net: Network, duration: float, target: str = "numpy",
               directory: str | None = None, populations: Sequence[str] | None = None,
               seed: int | None = None) -> dict[str, Any]:
    """Translate ``net`` with :func:`to_brian2`, run it in Brian2 and return its spikes.

    Parameters
    ----------
    net
        The network (see :func:`to_brian2` for what is translated).
    duration
        Seconds, a whole number of steps of ``net.dt``.
    target
        ``"numpy"`` (no compilation), ``"cython"`` (runtime code generation) or
        ``"cpp_standalone"`` (a generated C++ project, compiled and run).
    directory
        The C++ project folder for ``"cpp_standalone"`` (default: a temporary folder,
        deleted afterwards).
    populations
        Names whose spikes are returned (default: every neuron population).
    seed
        Seed for Brian2's random numbers (Poisson inputs), set with ``brian2.seed`` (which
        also seeds NumPy's global generator); None leaves both as they are.

    Returns
    -------
    dict
        ``"spikes"``: name -> ``(steps, indices)`` (int64 steps counted from 0, int32
        indices within the population, in Brian2's order); ``"run_seconds"``: time of the
        simulation itself (for ``cpp_standalone`` the time the compiled binary measures,
        for the runtime targets the time of ``run`` after a one-step run that generates
        and compiles the code);
        ``"wall_seconds"``: the whole call (building, code generation, compilation);
        ``"target"`` and ``"brian2_version"``.

    Raises
    ------
    ParameterError
        If ``target`` is unknown or ``duration`` is not a whole number of steps.
    """
    if target not in TARGETS:
        raise ParameterError(f"target must be one of {', '.join(TARGETS)}, got {target!r}")
    n_steps = whole_steps("duration", float(duration), net.dt)
    b2 = _import_brian2()
    standalone = target == "cpp_standalone"
    previous_target = b2.prefs.codegen.target
    own_directory = standalone and directory is None
    if own_directory:
        directory = tempfile.mkdtemp(prefix="neurosparse-brian2-")
    tic = time.perf_counter()
    try:
        if standalone:
            b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
        else:
            b2.prefs.codegen.target = target
        if seed is not None:
            b2.seed(int(seed))
        model = to_brian2(net, populations)
        if not standalone and n_steps > 1:  # generate (and compile) the code first
            model.network.run(net.dt * b2.second, namespace={}, report=None)
            n_steps -= 1
        t_run = time.perf_counter()
        model.network.run(n_steps * net.dt * b2.second, namespace={}, report=None)
        if standalone:
            b2.device.build(directory=directory, compile=True, run=True, debug=False)
            run_seconds = float(b2.device._last_run_time)
        else:
            run_seconds = time.perf_counter() - t_run
        spikes = {name: _spike_steps(mon, net.dt) for name, mon in model.spike_monitors.items()}
    finally:
        if standalone:  # back to the device in use before, ready for another build
            from brian2.devices.device import reset_device

            b2.device.reinit()
            reset_device()
        b2.prefs.codegen.target = previous_target
        if own_directory:
            shutil.rmtree(directory, ignore_errors=True)
    return {"spikes": spikes, "run_seconds": run_seconds,
            "wall_seconds": time.perf_counter() - tic, "target": target,
            "brian2_version": b2.__version__}


# --------------------------------------------------------------------------- helpers
def _import_brian2():
    try:
        import brian2
    except ImportError as exc:
        raise MissingDependencyError(
            "the Brian2 bridge needs brian2: pip install 'neurosparse[brian2]'") from exc
    return brian2


def _check_supported(net: Network) -> None:
    for name, pop in net.populations.items():
        if isinstance(pop, InputGroup):
            continue
        if type(pop.model) not in _TRANSLATIONS:
            raise NotImplementedError(
                f"population {name!r}: only {', '.join(c.__name__ for c in _TRANSLATIONS)} "
                f"populations translate to Brian2, got {type(pop.model).__name__}")
        kinds = [port.kind for port in pop.ports.values()]
        # Brian2's exact solution divides by tau_m - tau
        if type(pop.model) is LIF and PORT_CONDUCTANCE not in kinds:
            for pname, port in pop.ports.items():
                if port.kind == PORT_CURRENT and np.any(
                        np.isclose(port.tau, np.asarray(pop.model.tau_m), rtol=1e-9, atol=0.0)):
                    raise NotImplementedError(
                        f"population {name!r}: port {pname!r} has tau = tau_m "
                        f"({port.tau:g} s); Brian2's exact integrator divides by "
                        "tau_m - tau and gives NaN; change one of them slightly")
    for spec in net.spec().projections:
        if spec.plasticity is not None:
            raise NotImplementedError(
                f"projection {spec.name!r}: STDP does not translate to Brian2 yet")


def _monitored(net: Network, populations: Sequence[str] | None) -> list[str]:
    pops = net.populations
    if populations is None:
        return [name for name, pop in pops.items() if isinstance(pop, Population)]
    names = [populations] if isinstance(populations, str) else list(populations)
    for name in names:
        if name not in pops:
            raise UnknownNameError(f"no population or input named {name!r}; known: "
                                   f"{', '.join(pops)}")
    return names


def _port_symbols(pop: Population) -> dict[str, str]:
    """Brian2 identifiers of the ports: the port name, else ``port<k>`` if unusable."""
    names = list(pop.ports)
    usable = all(_IDENTIFIER.fullmatch(n) and not n.endswith(("_pre", "_post"))
                 and n not in ("ext", "timed") for n in names)
    return {n: (n if usable else f"port{k}") for k, n in enumerate(names)}


def _neuron_group(b2, pop: Population, clock_dt) -> tuple[Any, str]:
    """A NeuronGroup with the equations, parameters and initial state of ``pop``."""
    model = pop.model
    spec = _TRANSLATIONS[type(model)]
    namespace: dict[str, Any] = {}
    declarations: list[str] = []
    per_neuron: dict[str, Any] = {}
    for name, unit in spec.parameters:
        value = getattr(model, name)
        if np.ndim(value) == 0:
            namespace[name] = float(value) * _unit(b2, unit)
        else:
            declarations.append(f"{name} : {unit} (constant)")
            per_neuron[name] = np.asarray(value, dtype=np.float64) * _unit(b2, unit)

    symbols = _port_symbols(pop)
    drive: list[str] = []
    port_equations: list[str] = []
    conductance = False
    for pname, port in pop.ports.items():
        s = symbols[pname]
        if port.kind == PORT_CURRENT:
            drive.append(f"I_{s}")
            port_equations.append(f"dI_{s}/dt = -I_{s} / tau_syn_{s} : amp")
        elif port.kind == PORT_CONDUCTANCE:
            conductance = True
            drive.append(f"g_{s} * (E_{s} - v)")
            port_equations.append(f"dg_{s}/dt = -g_{s} / tau_syn_{s} : siemens")
            namespace[f"E_{s}"] = port.e_rev * b2.volt
        if port.kind != PORT_DELTA:
            namespace[f"tau_syn_{s}"] = port.tau * b2.second

    constant = [c.amplitude for c in pop.currents if not isinstance(c.amplitude, TimedArray)]
    timed = [c.amplitude for c in pop.currents if isinstance(c.amplitude, TimedArray)]
    if constant:
        total = sum(np.asarray(a, dtype=np.float64) for a in constant)
        drive.append("I_ext")
        if np.ndim(total) == 0:
            namespace["I_ext"] = float(total) * b2.amp
        else:
            declarations.append("I_ext : amp (constant)")
            per_neuron["I_ext"] = total * b2.amp
    for ta in timed:  # at most one per population (Network.add_current checks)
        namespace["current_table"] = b2.TimedArray(ta.values * b2.amp, dt=ta.dt * b2.second)
        args = "t, i" if ta.values.ndim == 2 else "t"
        declarations.append(f"I_timed = current_table({args}) : amp (constant over dt)")
        drive.append("I_timed")

    refractory = np.any(np.asarray(model.t_ref) > 0)
    flag = " (unless refractory)" if refractory else ""
    v_eq = spec.v_equation.format(drive=" + ".join(drive) or "0 * amp", flag=flag)
    others = [eq.format(flag=flag) for eq in spec.other]
    equations = "\n".join([v_eq, *others, *port_equations, *declarations])
    if not refractory:
        ref: Any = False
    elif "t_ref" in per_neuron:
        ref = "t_ref"
    else:
        ref = namespace["t_ref"]
    method = "exponential_euler" if conductance and spec.method == "exact" else spec.method
    group = b2.NeuronGroup(pop.n, equations, threshold=spec.threshold, reset=spec.reset,
                           refractory=ref, method=method, namespace=namespace, dt=clock_dt)
    for name, value in per_neuron.items():
        setattr(group, name, value)
    group.v = np.broadcast_to(np.asarray(pop.initial.get("v", model.initial_v()),
                                         dtype=np.float64), (pop.n,)) * b2.volt
    if len(model.state_variables) > 1 and model.state_variables[1] in pop.initial:
        second = model.state_variables[1]
        setattr(group, second, np.broadcast_to(np.asarray(pop.initial[second], dtype=np.float64),
                                               (pop.n,)) * b2.amp)
    for pname, port in pop.ports.items():
        if pname in pop.initial and port.kind != PORT_DELTA:
            var = ("I_" if port.kind == PORT_CURRENT else "g_") + symbols[pname]
            value = np.asarray(pop.initial[pname], dtype=np.float64)
            setattr(group, var, np.broadcast_to(value, (pop.n,)) * getattr(b2, _PORT_UNITS[port.kind]))
    return group, equations


def _input_group(b2, inp: InputGroup, dt: float, clock_dt) -> Any:
    """A SpikeGeneratorGroup (spikes at the steps neurosparse emits them) or PoissonGroup."""
    group = inp.group
    if isinstance(group, SpikeTimes):
        steps, indices = group.steps(dt)
        return b2.SpikeGeneratorGroup(group.n, indices.astype(np.int64),
                                      steps * dt * b2.second, dt=clock_dt)
    assert isinstance(group, PoissonGroup)
    if isinstance(group.rate, TimedArray):
        table = b2.TimedArray(group.rate.values * b2.Hz, dt=group.rate.dt * b2.second)
        args = "t, i" if group.rate.values.ndim == 2 else "t"
        return b2.PoissonGroup(group.n, rates=f"rate_table({args})",
                               namespace={"rate_table": table}, dt=clock_dt)
    return b2.PoissonGroup(group.n, rates=np.asarray(group.rate, dtype=np.float64) * b2.Hz,
                           dt=clock_dt)


def _synapses(b2, proj, target: Population, source_group, target_group, dt: float) -> Any:
    """Synapses with exactly the projection's pairs, weights and delays (None if empty)."""
    if proj.n_synapses == 0:
        return None
    port = target.ports[proj.port]
    unit = getattr(b2, _PORT_UNITS[port.kind])
    if port.kind == PORT_DELTA:
        on_pre = "v_post += w_syn"
    else:
        prefix = "I_" if port.kind == PORT_CURRENT else "g_"
        on_pre = f"{prefix}{_port_symbols(target)[proj.port]}_post += w_syn"
    homogeneous_delay = proj.delays is None
    delay = proj.delay_steps * dt * b2.second if homogeneous_delay else None
    syn = b2.Synapses(source_group, target_group, model=f"w_syn : {_PORT_UNITS[port.kind]} (constant)",
                      on_pre=on_pre, delay=delay, namespace={}, dt=source_group.clock.dt)
    syn.connect(i=proj.pre_indices(), j=proj.indices.astype(np.int64))
    syn.w_syn = proj.weight_array().astype(np.float64) * unit
    if not homogeneous_delay:
        syn.delay = proj.delay_array() * dt * b2.second
    return syn


def _spike_steps(monitor, dt: float) -> tuple[np.ndarray, np.ndarray]:
    steps = np.rint(np.asarray(monitor.t_, dtype=np.float64) / dt).astype(np.int64)
    return steps, np.asarray(monitor.i[:], dtype=np.int32)
