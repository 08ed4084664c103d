"""Bad-input cases of the event core: every public parameter class (the neuron models, the
synapse ports, the connection rules, the inputs, STDP, timed and constant currents) and
``Network``'s own parameters, each built with one parameter replaced and used in a small
network whose state must stay finite (see :mod:`bad_input_cases`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from bad_input_cases import Target, run_case

import neurosparse as ns

PACKAGE = "core"
DT = 1e-4


def _lif_pop(net, ports):
    net.add_population("P", 4, ns.LIF(), ports=ports)


def _use_model(model) -> np.ndarray:
    net = ns.Network(dt=DT, seed=0)
    ports = {"d": ns.DeltaSynapse()} if model.delta_ports_only else {"e": ns.CurrentSynapse(5e-3)}
    net.add_population("P", 4, model, ports=ports)
    net.add_input("S", ns.SpikeTimes(1, times=np.array([0.0, 5 * DT]), indices=np.array([0, 0])))
    port = next(iter(ports))
    weight = 0.5 if model.delta_ports_only else 1e-10
    net.connect("S", "P", port, ns.AllToAll(), weight=weight)
    net.run(20 * DT, progress=False)
    return net.get_state("P", "v")


def _use_port(port) -> np.ndarray:
    net = ns.Network(dt=DT, seed=0)
    net.add_population("P", 4, ns.LIF(), ports={"x": port})
    net.add_input("S", ns.SpikeTimes(1, times=np.array([0.0]), indices=np.array([0])))
    net.connect("S", "P", "x", ns.AllToAll(), weight=1e-3 if isinstance(port, ns.DeltaSynapse) else 1e-9)
    net.run(20 * DT, progress=False)
    return net.get_state("P", "v")


def _driven(group, rule, **connect) -> ns.Network:
    """Four LIF neurons driven through a current port by ``group`` with ``rule``, run 20 steps."""
    net = ns.Network(dt=DT, seed=0)
    _lif_pop(net, {"e": ns.CurrentSynapse(5e-3)})
    net.add_input("S", group)
    net.connect("S", "P", "e", rule, **{"weight": 1e-10, **connect})
    net.run(20 * DT, progress=False)
    return net


def _use_rule(rule) -> np.ndarray:
    return _driven(ns.PoissonGroup(6, rate=500.0), rule).get_state("P", "v")


def _use_input(group) -> np.ndarray:
    return _driven(group, ns.AllToAll()).get_state("P", "v")


def _use_stdp(rule) -> np.ndarray:
    net = _driven(ns.PoissonGroup(6, rate=800.0), ns.AllToAll(),
                  weight=min(max(0.0, rule.w_min), rule.w_max), plasticity=rule)
    w = np.concatenate([pr.weights for pr in net.projections.values() if pr.weights is not None])
    return np.concatenate([net.get_state("P", "v"), w])


def _use_connect(kwargs) -> np.ndarray:
    return _driven(ns.PoissonGroup(6, rate=500.0), ns.AllToAll(), **kwargs).get_state("P", "v")


def _use_current(amplitude) -> np.ndarray:
    net = ns.Network(dt=DT, seed=0)
    _lif_pop(net, {})
    net.add_current("P", amplitude)
    net.run(20 * DT, progress=False)
    return net.get_state("P", "v")


def _use_timed(values_dt) -> np.ndarray:
    values, dt = values_dt
    return _use_current(ns.TimedArray(values, dt=dt))


def _use_network_run(kwargs) -> np.ndarray:
    net = ns.Network(dt=kwargs.get("dt", DT), seed=kwargs.get("seed", 0))
    _lif_pop(net, {})
    net.add_current("P", 3e-10)
    net.run(kwargs.get("duration", 20 * DT), progress=False, threads=kwargs.get("threads", 1))
    return net.get_state("P", "v")


def _dataclass_target(cls, use, required: dict | None = None, skip=()) -> Target:
    required = required or {}
    names = tuple(f.name for f in dataclasses.fields(cls) if f.init and f.name not in skip)
    return Target(cls.__name__, names, lambda p, v: cls(**{**required, p: v}), use)


def targets() -> list[Target]:
    """Every public parameter class of the event core, and ``Network``'s own parameters."""
    out = [_dataclass_target(cls, _use_model, skip=("reset",))
           for cls in (ns.LIF, ns.IF, ns.AdaptiveLIF, ns.Izhikevich, ns.MaxPlusLIF, ns.DiscreteLIF, ns.QIF,
                       ns.DiscreteCubaLIF)]
    out += [_dataclass_target(ns.CurrentSynapse, _use_port),
            _dataclass_target(ns.ConductanceSynapse, _use_port),
            _dataclass_target(ns.FixedProbability, _use_rule, {"p": 0.5}),
            _dataclass_target(ns.FixedInDegree, _use_rule, {"k": 2}),
            _dataclass_target(ns.FixedOutDegree, _use_rule, {"k": 2}),
            _dataclass_target(ns.AllToAll, _use_rule),
            _dataclass_target(ns.PoissonGroup, _use_input, {"n": 3, "rate": 100.0}),
            _dataclass_target(ns.SpikeTimes, _use_input,
                              {"n": 2, "times": np.array([0.0, 1e-3]), "indices": np.array([0, 1])}),
            _dataclass_target(ns.STDP, _use_stdp),
            Target("TimedArray", ("values", "dt"),
                   lambda p, v: (v, 10 * DT) if p == "values" else (np.full(3, 2e-10), v), _use_timed),
            Target("Network.connect", ("weight", "delay"), lambda p, v: {p: v}, _use_connect),
            Target("Network.add_current", ("amplitude",), lambda p, v: v, _use_current),
            Target("Network", ("dt", "seed", "duration", "threads"), lambda p, v: {p: v},
                   _use_network_run)]
    return out


def warm_up() -> None:
    """Use every target once with its defaults, so that the time limit of a case does not
    count compiling the kernels."""
    for target in targets():
        for parameter in target.parameters[:1]:
            defaults = {"dt": DT, "seed": 0, "duration": 20 * DT, "threads": 1, "amplitude": 3e-10,
                        "values": np.full(3, 2e-10)}
            value = defaults.get(parameter)
            if value is None and target.name not in ("Network", "Network.connect", "Network.add_current",
                                                     "TimedArray"):
                continue
            run_case(target, parameter, value)
    for target in targets():
        if target.name in ("Network", "Network.connect", "Network.add_current", "TimedArray"):
            continue
        try:
            target.use(target.build(target.parameters[0], _default(target)))
        except Exception:
            pass


def _default(target: Target):
    cls = getattr(ns, target.name)
    field = next(f for f in dataclasses.fields(cls) if f.name == target.parameters[0])
    return field.default if field.default is not dataclasses.MISSING else {
        "p": 0.5, "k": 2, "n": 3, "times": np.array([0.0]), "indices": np.array([0])}[field.name]


