"""Does an unrolled convolution run at the event core's usual cost per synaptic event?

The first layers of a spiking CNN at N-MNIST's size (input 2 x 34 x 34; Conv2d 2 -> 16,
5 x 5; LIF; SumPool2d 2 x 2; Conv2d 16 -> 32, 3 x 3, padding 1; LIF) are written as a NIR
graph and imported (each conv, with the pooling before it, becomes one CSR projection). A
twin network has the same populations and, per projection, the same number of synapses on
every presynaptic row with the same weights, but random targets: a plain random projection
of equal synapse count. Both run the same sparse input events (2 % of the pixels a step, as
an event camera's stream) in one invocation, alternately, on one thread; the core's
simulation time gives synaptic events per second for each (best of ``--repeats``).

Run: ``python benchmarks/nir_conv_events.py [--steps 300] [--samples 4] [--repeats 3] [--json]``.
"""

from __future__ import annotations

import argparse
import copy
import json

import numpy as np
import scipy.sparse as sp

from neurosparse.bench import machine_info
from neurosparse.interop.nir_import import CoreModel, import_nir

DT = 1e-3


def cnn_graph(seed: int = 0):
    """The first layers of an N-MNIST-sized spiking CNN as a NIR graph."""
    import nir

    rng = np.random.default_rng(seed)

    def lif(shape):
        tau = np.full(shape, 20e-3)
        return nir.LIF(
            tau=tau, r=tau / DT, v_leak=np.zeros(shape), v_threshold=np.ones(shape), v_reset=np.zeros(shape)
        )

    w1 = rng.normal(0.06, 0.12, (16, 2, 5, 5)).astype(np.float32)
    w2 = rng.normal(0.02, 0.08, (32, 16, 3, 3)).astype(np.float32)
    nodes = {
        "input": nir.Input(np.array([2, 34, 34])),
        "conv1": nir.Conv2d(
            input_shape=(34, 34),
            weight=w1,
            stride=1,
            padding=0,
            dilation=1,
            groups=1,
            bias=np.zeros(16, np.float32),
        ),
        "lif1": lif((16, 30, 30)),
        "pool1": nir.SumPool2d(
            kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])
        ),
        "conv2": nir.Conv2d(
            input_shape=(15, 15),
            weight=w2,
            stride=1,
            padding=1,
            dilation=1,
            groups=1,
            bias=np.zeros(32, np.float32),
        ),
        "lif2": lif((32, 15, 15)),
        "output": nir.Output(np.array([32, 15, 15])),
    }
    names = list(nodes)
    return nir.NIRGraph(nodes=nodes, edges=list(zip(names[:-1], names[1:])), type_check=False)


def random_twin(model: CoreModel, seed: int = 1) -> CoreModel:
    """The same network with every projection's targets drawn at random, row by row (same
    out-degree per presynaptic neuron, same weights)."""
    rng = np.random.default_rng(seed)
    twin = copy.deepcopy(model)
    for pr in twin.projections:
        rows = pr.matrix.T.tocsr()  # presynaptic rows
        n_post = rows.shape[1]
        indices = np.concatenate(
            [
                np.sort(rng.choice(n_post, rows.indptr[k + 1] - rows.indptr[k], replace=False))
                for k in range(rows.shape[0])
            ]
        )
        pr.matrix = sp.csr_matrix((rows.data.copy(), indices, rows.indptr.copy()), shape=rows.shape).T.tocsr()
    return twin


def measure(steps: int = 300, samples: int = 4, repeats: int = 3, rate: float = 0.02, seed: int = 0) -> dict:
    """Events per second of the CNN and of its random twin, best of ``repeats`` each."""
    conv = import_nir(cnn_graph(seed), dt=DT)
    twin = random_twin(conv, seed + 1)
    x = (np.random.default_rng(seed).random((steps, samples, 2, 34, 34)) < rate).astype(np.float64)
    result = {}
    for model in (conv, twin):
        model.run(x[:5, :1])  # compile/warm before timing
    best: dict[str, dict] = {}
    for _ in range(repeats):
        for name, model in (("conv", conv), ("random", twin)):
            run = model.run(x, threads=1)
            events = run.trace.totals(per_sample=False)["synaptic_events"]
            row = {
                "sim_seconds": run.sim_seconds,
                "synaptic_events": events,
                "events_per_second": events / run.sim_seconds,
                "spikes": {k: int(v) for k, v in run.spike_counts().items()},
            }
            if name not in best or row["events_per_second"] > best[name]["events_per_second"]:
                best[name] = row
    for name, model in (("conv", conv), ("random", twin)):
        best[name]["synapses"] = {f"{p.source}->{p.target}": int(p.matrix.nnz) for p in model.projections}
    result.update(best)
    result["ratio_conv_over_random"] = best["conv"]["events_per_second"] / best["random"]["events_per_second"]
    result["setup"] = {
        "steps": steps,
        "samples": samples,
        "repeats": repeats,
        "input_rate_per_step": rate,
        "neurons": {k: layer.n for k, layer in conv.layers.items()},
    }
    return result


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.steps, args.samples, args.repeats)
    result["machine"] = machine_info()
    if args.json:
        print(json.dumps(result))
        return result
    print(
        f"N-MNIST-sized CNN layers {result['setup']['neurons']}, {args.steps} steps x {args.samples} "
        f"samples, input events {result['setup']['input_rate_per_step']:.0%} of pixels a step, one thread"
    )
    for name in ("conv", "random"):
        r = result[name]
        print(
            f"  {name:>6s}: {sum(r['synapses'].values()):>9,d} synapses  "
            f"{r['synaptic_events']:>12,.0f} events  {r['sim_seconds']:.3f} s  "
            f"{r['events_per_second'] / 1e6:7.1f} M events/s"
        )
    print(f"  conv / random events per second: {result['ratio_conv_over_random']:.2f}")
    return result


if __name__ == "__main__":
    main()
