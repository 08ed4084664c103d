"""Digests of the event core's behaviour, to hold a refactor to bit-identity.

    python benchmarks/golden_digests.py specs 250            # draw the networks once
    python benchmarks/golden_digests.py digest before.json   # on the old checkout
    python benchmarks/golden_digests.py digest after.json    # on the new one
    python benchmarks/golden_digests.py compare before.json after.json

The networks are drawn by the property tests' strategy (``tests/core/random_networks.py``,
derandomized) and saved, plus six targeted ones (CUBA at 4,000 and 20,000, COBA, Poisson
inputs, STDP, Izhikevich, adaptive LIF). Each runs on the compiled kernel with one and two
threads and on the interpreted tier, in two consecutive runs; the digest covers spikes,
sampled state, counters, the OpTrace totals, the final state and the weights.
"""
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

import neurosparse as ns

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "core"))
from random_networks import build_network, network_specs  # noqa: E402  (the tests' strategy)

SPECS = str(ROOT / "benchmarks" / "golden_specs.json")


def gen_specs(n):
    from hypothesis import HealthCheck, Phase, given, settings
    out = []
    @settings(derandomize=True, max_examples=n, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), deadline=None)
    @given(network_specs())
    def collect(spec):
        out.append(spec)
    collect()
    return out

def digest_run(build, n_steps, engine, threads):
    net = build()
    h = hashlib.sha256()
    first = max(1, n_steps // 2)
    for steps in (first, n_steps - first):
        if steps == 0:
            continue
        try:
            rec = net.run(steps * net.dt, engine=engine, threads=threads)
        except ns.NeurosparseError as e:
            return "refused:" + type(e).__name__
        for name in sorted(rec.spikes):
            s = rec.spikes[name]
            h.update(np.ascontiguousarray(s.steps, np.int64).tobytes())
            h.update(np.ascontiguousarray(s.i, np.int64).tobytes())
        for name in sorted(rec.state):
            for var in sorted(rec.state[name].values):
                h.update(np.ascontiguousarray(rec.state[name].values[var]).tobytes())
        h.update(np.ascontiguousarray(rec.spike_counts, np.int64).tobytes())
        h.update(np.ascontiguousarray(rec.synaptic_events, np.int64).tobytes())
        h.update(json.dumps(rec.optrace.totals(), sort_keys=True, default=float).encode())
    for name, pop in net.populations.items():
        if hasattr(pop, "model"):
            for var in pop.variables():
                h.update(net.get_state(name, var).tobytes())
    for _, pr in sorted(net.projections.items()):
        h.update(pr.weight_array().tobytes())
    return h.hexdigest()

def targeted():

    from neurosparse.core import benchmark_networks as networks
    items = {}
    items["cuba4000"] = (lambda: networks.cuba(4000), 2000)
    items["cuba20000"] = (lambda: networks.cuba(20000), 300)
    items["coba1000"] = (lambda: networks.coba(1000), 1000)
    def poisson_net():
        net = ns.Network(dt=1e-4, seed=3)
        lif = ns.LIF(tau_m=10e-3, v_rest=-65e-3, v_th=-50e-3, v_reset=-65e-3, t_ref=2e-3)
        net.add_population("a", 300, lif, {"e": ns.CurrentSynapse(5e-3), "d": ns.DeltaSynapse()})
        net.add_input("p1", ns.PoissonGroup(200, 30.0))
        net.add_input("p2", ns.PoissonGroup(50, np.linspace(1, 80, 50)))
        net.add_input("p3", ns.PoissonGroup(40, ns.TimedArray(np.array([5.0, 50.0, 10.0]), dt=5e-3)))
        net.connect("p1", "a", "e", ns.FixedProbability(0.1), weight=200e-12, delay=2e-4)
        net.connect("p2", "a", "d", ns.FixedProbability(0.1), weight=2e-3, delay=1e-4)
        net.connect("p3", "a", "e", ns.FixedProbability(0.2), weight=100e-12, delay=3e-3)
        net.connect("a", "a", "e", ns.FixedProbability(0.05), weight=50e-12,
                    delay=lambda rng, n: rng.integers(1, 30, n) * 1e-4)
        net.monitor_spikes()
        net.monitor_state("a", ("v", "e"), indices=[0, 5, 9])
        return net
    items["poisson"] = (poisson_net, 1500)
    def stdp_net():
        net = ns.Network(dt=1e-4, seed=5)
        net.add_population("a", 100, ns.LIF(t_ref=1e-3), {"e": ns.CurrentSynapse(5e-3)})
        net.add_input("p", ns.PoissonGroup(100, 20.0))
        net.connect("p", "a", "e", ns.FixedProbability(0.3), weight=0.3e-9,
                    plasticity=ns.STDP(tau_pre=20e-3, tau_post=20e-3, a_plus=0.01e-9, a_minus=0.012e-9,
                                       w_min=0.0, w_max=1e-9))
        net.add_current("a", 0.15e-9)
        net.monitor_spikes()
        return net
    items["stdp"] = (stdp_net, 2000)
    def izh_net():
        net = ns.Network(dt=1e-4, seed=7)
        net.add_population("z", 200, ns.Izhikevich(), {"e": ns.ConductanceSynapse(5e-3, e_rev=0.0),
                                                      "i": ns.CurrentSynapse(3e-3)})
        net.add_current("z", np.linspace(0, 300e-12, 200))
        net.connect("z", "z", "e", ns.FixedProbability(0.05), weight=1e-9, delay=1e-3)
        net.connect("z", "z", "i", ns.FixedProbability(0.05), weight=-50e-12, delay=2e-4)
        net.monitor_spikes()
        net.monitor_state("z", ("v", "u", "e"), indices=[0, 100, 199])
        return net
    items["izh"] = (izh_net, 2000)
    def adlif_net():
        net = ns.Network(dt=1e-4, seed=9)
        net.add_population("w", 150, ns.AdaptiveLIF(a=2e-9, b=40e-12),
                           {"e": ns.ConductanceSynapse(5e-3, e_rev=0.0)})
        net.add_current("w", 0.4e-9)
        net.connect("w", "w", "e", ns.FixedProbability(0.05), weight=0.5e-9)
        net.monitor_spikes()
        net.monitor_state("w", ("v", "w"), indices=[0, 1])
        return net
    items["adlif"] = (adlif_net, 2000)
    return items

if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "specs":
        specs = gen_specs(int(sys.argv[2]))
        json.dump(specs, open(SPECS, "w"))
        print(len(specs), "networks drawn into", SPECS)
    elif mode == "compare":
        a, b = (json.load(open(p)) for p in sys.argv[2:4])
        diff = sorted(k for k in a if a[k] != b.get(k))
        print(f"{len(a)} digests, {len(diff)} differ" + (": " + ", ".join(diff[:50]) if diff else ""))
        sys.exit(1 if diff else 0)
    else:
        out_file = sys.argv[2]
        specs = json.load(open(SPECS))
        res = {}
        engines = [("numba", 1), ("numpy", 1), ("numba", 2)]
        for k, spec in enumerate(specs):
            for eng, th in engines:
                build = lambda s=spec: build_network(s)  # noqa: E731
                res[f"spec{k}:{eng}:{th}"] = digest_run(build, spec["n_steps"], eng, th)
        for name, (b, n) in targeted().items():
            for eng, th in engines:
                res[f"{name}:{eng}:{th}"] = digest_run(b, n, eng, th)
        json.dump(res, open(out_file, "w"), indent=0)
        refused = sum(v.startswith("refused") for v in res.values())
        print(len(res), "digests,", refused, "refused by the engine")
