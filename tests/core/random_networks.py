"""Random networks for the property tests of the event core (hypothesis strategies).

:func:`network_specs` draws a network's structure: populations of every neuron model with
current, conductance and delta ports, homogeneous or per-neuron parameters, injected
currents (constant, per neuron, timed tables), spike-time inputs and projections with
per-synapse weights and delays, optionally plastic. :func:`build_network` builds it with
every spike and state variable monitored; the numbers come from a generator seeded by the
spec, so a spec is one network.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import neurosparse as ns

DT = 1e-4
MODELS = ("lif", "if", "adaptive_lif", "izhikevich", "maxplus_lif", "discrete_lif", "qif",
          "discrete_cuba_lif")
PORT_KINDS = ("current", "conductance", "delta")
CURRENTS = ("none", "scalar", "per_neuron", "timed", "timed_per_neuron", "scalar_and_timed")


# --------------------------------------------------------------------- strategies
@st.composite
def network_specs(draw):
    """Structure drawn by hypothesis; the numbers come from a seeded generator."""
    n_pops = draw(st.integers(1, 3))
    pops = [dict(n=draw(st.integers(1, 30)), model=draw(st.sampled_from(MODELS)),
                 ports=draw(st.lists(st.sampled_from(PORT_KINDS), max_size=3)),
                 hetero=draw(st.booleans()), current=draw(st.sampled_from(CURRENTS)),
                 tau_s_equals_tau_m=draw(st.booleans()), random_state=draw(st.booleans()))
            for _ in range(n_pops)]
    inputs = [dict(n=draw(st.integers(1, 20)), n_spikes=draw(st.integers(0, 60)))
              for _ in range(draw(st.integers(0, 2)))]
    n_sources = n_pops + len(inputs)
    projections = [dict(source=draw(st.integers(0, n_sources - 1)),
                        target=draw(st.integers(0, n_pops - 1)), port=draw(st.integers(0, 2)),
                        n_syn=draw(st.integers(0, 60)), per_synapse_weight=draw(st.booleans()),
                        per_synapse_delay=draw(st.booleans()), max_delay=draw(st.integers(1, 20)),
                        stdp=draw(st.booleans()))
                   for _ in range(draw(st.integers(0, 5)))]
    return dict(seed=draw(st.integers(0, 2**32 - 1)), n_steps=draw(st.integers(20, 300)),
                pops=pops, inputs=inputs, projections=projections)


# Scales per model: rheobase-like current (A), current weight (A), conductance (S),
# delta (V), reversal potentials (V).
SCALES = {
    "lif": dict(current=0.25e-9, w_current=0.3e-9, w_cond=3e-9, w_delta=5e-3, e_rev=(0.0, -80e-3)),
    "adaptive_lif": dict(current=0.3e-9, w_current=0.3e-9, w_cond=3e-9, w_delta=5e-3,
                         e_rev=(0.0, -80e-3)),
    "if": dict(current=0.3e-9, w_current=0.3e-9, w_cond=3e-9, w_delta=5e-3, e_rev=(60e-3, -20e-3)),
    "izhikevich": dict(current=150e-12, w_current=0.3e-9, w_cond=3e-9, w_delta=5e-3,
                       e_rev=(0.0, -80e-3)),
    "qif": dict(current=0.8e-9, w_current=0.2e-9, w_cond=1e-9, w_delta=3e-3, e_rev=(0.0, -80e-3)),
    # max-plus LIF: input and current in units of v (threshold about 1), delta ports only
    "maxplus_lif": dict(current=0.5, w_current=0.0, w_cond=0.0, w_delta=0.7, e_rev=(0.0, 0.0)),
    "discrete_lif": dict(current=0.3, w_current=0.0, w_cond=0.0, w_delta=0.5, e_rev=(0.0, 0.0)),
    "discrete_cuba_lif": dict(current=0.2, w_current=0.0, w_cond=0.0, w_delta=0.4, e_rev=(0.0, 0.0)),
}


def _param(rng, value, n, hetero, spread=0.2):
    if not hetero:
        return value * (1 + spread * rng.uniform(-1, 1))
    return value * (1 + spread * rng.uniform(-1, 1, n))


def make_model(kind, n, hetero, rng):
    p = lambda value, spread=0.2: _param(rng, value, n, hetero, spread)  # noqa: E731
    t_ref = rng.choice([0.0, 1e-4, 1.5e-3, 3e-3]) + rng.uniform(0, 0.5e-4)
    t_ref = t_ref if not hetero else t_ref + rng.uniform(0, 2e-3, n)
    if kind == "lif":
        return ns.LIF(tau_m=p(15e-3, 0.5), v_rest=-70e-3, v_th=p(-50e-3, 0.1),
                      v_reset=p(-65e-3, 0.1), t_ref=t_ref, r_m=p(100e6, 0.3))
    if kind == "if":
        return ns.IF(c_m=p(200e-12, 0.4), v_th=p(20e-3, 0.3), v_reset=p(-1e-3, 1.0),
                     t_ref=t_ref, v_init=p(2e-3, 1.0))
    if kind == "adaptive_lif":
        return ns.AdaptiveLIF(tau_m=p(15e-3, 0.5), v_rest=-70e-3, v_th=p(-50e-3, 0.1),
                              v_reset=p(-65e-3, 0.1), t_ref=t_ref, r_m=p(100e6, 0.3),
                              tau_w=p(100e-3, 0.5), a=p(2e-9, 1.0), b=p(30e-12, 1.0))
    if kind == "discrete_lif":
        return ns.DiscreteLIF(beta=p(0.8, 0.2), v_th=p(1.0, 0.2), v_init=p(0.2, 1.0),
                              reset=str(rng.choice(["subtract", "zero", "none"])))
    if kind == "discrete_cuba_lif":
        return ns.DiscreteCubaLIF(alpha=p(0.5, 1.0), beta=p(0.8, 0.2), w_in=p(0.6, 0.5), r=p(1.0, 0.3),
                                  v_leak=p(0.1, 1.0), v_th=p(1.0, 0.2), v_reset=p(-0.1, 1.0),
                                  v_init=p(0.2, 1.0), reset=str(rng.choice(["subtract", "zero", "none"])))
    if kind == "maxplus_lif":
        return ns.MaxPlusLIF(leak=p(0.1, 0.9), v_th=p(1.0, 0.2), v_reset=p(-0.1, 1.0), t_ref=t_ref,
                             v_init=p(0.2, 1.0))
    if kind == "qif":
        return ns.QIF(tau_m=p(10e-3, 0.3), v_rest=p(-65e-3, 0.05), v_c=p(-50e-3, 0.05), a=p(1 / 15e-3, 0.3),
                      v_peak=p(0.0, 0.0) + 10e-3 * rng.uniform(-1, 1), v_reset=p(-70e-3, 0.05),
                      t_ref=t_ref, r_m=p(100e6, 0.3))
    return ns.Izhikevich(c_m=p(100e-12), k=p(0.7e-6), v_r=p(-60e-3, 0.05),
                         v_t=p(-40e-3, 0.05), v_peak=p(35e-3, 0.1), a=p(30.0), b=p(-2e-9),
                         c=p(-50e-3, 0.1), d=p(100e-12), t_ref=t_ref / 3)


def make_port(kind, scale, tau, rng):
    if kind == "current":
        return ns.CurrentSynapse(tau)
    if kind == "conductance":
        return ns.ConductanceSynapse(tau, e_rev=rng.choice(scale["e_rev"]) + rng.uniform(-5e-3, 5e-3))
    return ns.DeltaSynapse()


def weight_range(kind, scale):
    """Allowed weight interval of a port kind."""
    if kind == "conductance":
        return 0.0, scale["w_cond"]
    w = scale["w_current"] if kind == "current" else scale["w_delta"]
    return -w, w


def build_network(spec):
    """Build the network of ``spec`` with every spike and state variable monitored."""
    rng = np.random.default_rng(spec["seed"])
    n_steps = spec["n_steps"]
    net = ns.Network(dt=DT, seed=spec["seed"], rounding="down")
    pop_names, port_info = [], []
    for k, ps in enumerate(spec["pops"]):
        n, kind, hetero = ps["n"], ps["model"], ps["hetero"]
        scale = SCALES[kind]
        model = make_model(kind, n, hetero, rng)
        ports, kinds = {}, []
        for m, port_kind in enumerate(ps["ports"]):
            port_kind = "delta" if kind in ("maxplus_lif", "discrete_lif", "discrete_cuba_lif") else port_kind
            tau = rng.uniform(1e-3, 20e-3)
            if ps["tau_s_equals_tau_m"] and m == 0 and kind == "lif" and np.ndim(model.tau_m) == 0:
                tau = model.tau_m
            ports[f"{port_kind[0]}{m}"] = make_port(port_kind, scale, tau, rng)
            kinds.append(port_kind)
        name = f"pop{k}"
        net.add_population(name, n, model, ports=ports)
        pop_names.append(name)
        port_info.append((list(ports), kinds, scale))
        cur = ps["current"]
        amp = scale["current"]
        if cur in ("scalar", "scalar_and_timed"):
            net.add_current(name, amp * rng.uniform(0, 2))
        if cur == "per_neuron":
            net.add_current(name, amp * rng.uniform(0, 2, n))
        if cur in ("timed", "scalar_and_timed"):
            every = int(rng.integers(1, 30))
            net.add_current(name, ns.TimedArray(amp * rng.uniform(-0.5, 2, int(rng.integers(1, 20))),
                                                dt=every * DT))
        if cur == "timed_per_neuron":
            every = int(rng.integers(1, 30))
            values = amp * rng.uniform(-0.5, 2, (int(rng.integers(1, 20)), n))
            net.add_current(name, ns.TimedArray(values, dt=every * DT))
        if ps["random_state"]:
            v_lo = {"izhikevich": -70e-3, "if": -5e-3, "maxplus_lif": -0.5,
                    "discrete_lif": -0.5, "discrete_cuba_lif": -0.5}.get(kind, -70e-3)
            v_hi = {"izhikevich": -30e-3, "if": 20e-3, "maxplus_lif": 1.0,
                    "discrete_lif": 1.5, "discrete_cuba_lif": 1.5}.get(kind, -50e-3)
            values = {"v": rng.uniform(v_lo, v_hi, n)}
            if kind == "adaptive_lif":
                values["w"] = rng.uniform(0, 50e-12, n)
            if kind == "izhikevich":
                values["u"] = rng.uniform(-20e-12, 50e-12, n)
            if kind == "discrete_cuba_lif":
                values["i_syn"] = rng.uniform(-0.3, 0.5, n)
            for pname, port_kind in zip(ports, kinds):
                if port_kind != "delta":
                    lo, hi = weight_range(port_kind, scale)
                    values[pname] = rng.uniform(lo, hi, n)
            net.set_state(name, **values)
    for k, inp in enumerate(spec["inputs"]):
        steps = rng.integers(0, n_steps + 5, inp["n_spikes"])
        idx = rng.integers(0, inp["n"], inp["n_spikes"])
        pairs = np.unique(np.stack([steps, idx]), axis=1)
        frac = np.where(rng.random(pairs.shape[1]) < 0.5, 0.0, rng.uniform(0, 0.9, pairs.shape[1]))
        net.add_input(f"in{k}", ns.SpikeTimes(inp["n"], (pairs[0] + frac) * DT, pairs[1]))
    sources = pop_names + [f"in{k}" for k in range(len(spec["inputs"]))]
    sizes = [ps["n"] for ps in spec["pops"]] + [inp["n"] for inp in spec["inputs"]]
    for pj in spec["projections"]:
        names, kinds, scale = port_info[pj["target"]]
        if not names:
            continue
        port = pj["port"] % len(names)
        lo, hi = weight_range(kinds[port], scale)
        m = pj["n_syn"]
        pre = rng.integers(0, sizes[pj["source"]], m)
        post = rng.integers(0, spec["pops"][pj["target"]]["n"], m)
        weight = rng.uniform(lo, hi, m) if pj["per_synapse_weight"] else rng.uniform(lo, hi)
        delay = (rng.integers(1, pj["max_delay"] + 1, m) if pj["per_synapse_delay"] and m > 0
                 else int(rng.integers(1, pj["max_delay"] + 1))) * DT
        plasticity = None
        if pj["stdp"]:
            amp = (hi - lo) * rng.uniform(0.01, 0.2)
            plasticity = ns.STDP(tau_pre=rng.uniform(5e-3, 30e-3), tau_post=rng.uniform(5e-3, 30e-3),
                                 a_plus=amp * rng.uniform(0.5, 1.5), a_minus=amp * rng.uniform(0.5, 1.5),
                                 w_min=lo, w_max=hi)
        net.connect(sources[pj["source"]], pop_names[pj["target"]], names[port],
                    ns.FromArrays(pre, post, weight=weight), delay=delay, plasticity=plasticity,
                    name=f"proj{len(net._projection_specs)}")
    net.monitor_spikes()
    for name, (pnames, kinds, _) in zip(pop_names, port_info):
        pop = net.populations[name]
        recordable = tuple(pop.model.state_variables) + tuple(
            p for p, kind in zip(pnames, kinds) if kind != "delta")
        net.monitor_state(name, recordable)
    return net
