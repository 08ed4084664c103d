"""Trained UltraLIF networks, hardened, on the event core: accuracy lost and energy.

For each (task, T, depth, lambda, seed) this trains an UltraLIF classifier and, for
reference, the surrogate-gradient LIF classifier under the same settings
(:mod:`simulations.ultralif_compare`'s tasks and training), then:

1. hardens the UltraLIF network (eps -> 0: hard max, binary spikes) and evaluates it in
   PyTorch;
2. runs it on the event core (:func:`neurosparse.snn.on_core.run_on_core`: MaxPlusLIF
   populations, delta synapses, the first layer's real-valued drive computed on the host);
3. prices per test sample on Loihi (event-driven) and an H100 (dense): the soft network as
   PyTorch computes it (``hardware.count``; its sigmoid "spikes" are never zero, so every
   next-layer operation is a MAC); the hardened network from the event-core run's own
   trace (Loihi) and from ``hardware.count`` of the hardened PyTorch model (both targets:
   a GPU runs it densely, and the Loihi figure cross-checks the core's); and the surrogate
   network, run on the core as well (its neurons are the core's DiscreteLIF) and priced
   from that run's trace on Loihi and from ``hardware.count`` on the H100.

Learning rates: each (task, neuron, T, depth) picks from ``--lrs`` on a validation split
at lambda = 0 (seed 0) and keeps it for the other lambdas and seeds. Each row is appended
to ``results.jsonl`` in ``--out`` as soon as it finishes; ``summary.json`` and ``table.md``
are written at the end.

Example::

    python simulations/ultralif_on_core.py --tasks digits --steps 4 --seeds 0 --out results/on_core
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

import neurosparse.hardware as hw
from neurosparse._io import atomic_write, begin_outputs, finish_outputs
from neurosparse.snn.classifier import evaluate, spread, train_classifier
from neurosparse.snn.on_core import run_on_core

TARGETS = ("loihi", "h100")


def _compare_module():
    """The UltraLIF comparison, for its tasks and learning-rate choice."""
    from neurosparse.experiments import ultralif_compare

    return ultralif_compare


def energy_per_sample(trace) -> dict[str, float]:
    """Energy (J) per sample of ``trace`` on each target of :data:`TARGETS`."""
    return {t: hw.estimate(trace, t).per_sample().energy_j for t in TARGETS}


def spike_agreement(run, model, x: np.ndarray) -> float:
    """Fraction of hidden spike values (all layers, steps, samples) equal between a core run
    and the PyTorch model (float32) on ``x``."""
    with torch.no_grad():
        _, spikes = model(torch.from_numpy(np.asarray(x, np.float32)))
    return float(np.mean([np.mean(c == s.numpy().astype(np.uint8)) for c, s in zip(run.spikes, spikes)]))


def _torch_trace(model, x: np.ndarray):
    xt = torch.from_numpy(np.asarray(x, np.float32))
    return hw.count(model, xt, n_samples=xt.shape[1])


@dataclass
class TrainedPair:
    """Both networks of one configuration, trained, and their five priced variants."""

    ultra: Any  # TrainResult of UltraLIF (soft)
    surrogate: Any  # TrainResult of the surrogate LIF
    hard: Any  # the UltraLIF network hardened (eps -> 0)
    core: Any  # CoreRun of ``hard``
    surrogate_core: Any  # CoreRun of the surrogate network
    traces: dict[str, Any]  # variant name -> OpTrace (see :data:`VARIANTS`)


#: The variants priced: PyTorch counts (as a GPU runs them) and the event core's own traces.
VARIANTS = ("ultralif soft", "ultralif hardened", "surrogate", "ultralif hardened, event core",
            "surrogate, event core")


def train_and_run(data: tuple, *, depth: int, hidden: int, epochs: int, sparsity: float, seed: int,
                  lr_ultralif: float, lr_surrogate: float) -> TrainedPair:
    """Train UltraLIF and the surrogate LIF on ``data``, harden UltraLIF, run both binary
    networks over the test set on the event core and count every variant."""
    x_tr, y_tr, x_te, y_te = data
    kw = dict(depth=int(depth), n_hidden=int(hidden), epochs=int(epochs), sparsity=float(sparsity),
              seed=int(seed))
    ultra = train_classifier(x_tr, y_tr, x_te, y_te, neuron="ultralif", lr=float(lr_ultralif), **kw)
    surrogate = train_classifier(x_tr, y_tr, x_te, y_te, neuron="surrogate", lr=float(lr_surrogate), **kw)
    hard = copy.deepcopy(ultra.model).harden()
    core = run_on_core(hard, x_te, batch_size=100, progress=False)
    surrogate_core = run_on_core(surrogate.model, x_te, batch_size=100, progress=False)
    traces = dict(zip(VARIANTS, (_torch_trace(ultra.model, x_te), _torch_trace(hard, x_te),
                                 _torch_trace(surrogate.model, x_te), core.trace, surrogate_core.trace)))
    return TrainedPair(ultra, surrogate, hard, core, surrogate_core, traces)


def run_one(task: str, T: int, depth: int, lam: float, seed: int, data: tuple, lrs: dict[str, float],
            epochs: int, n_hidden: int) -> dict[str, Any]:
    """Train both networks, run both binary ones on the core, and price every variant."""
    x_te, y_te = data[2], data[3]
    pair = train_and_run(data, depth=depth, hidden=n_hidden, epochs=epochs, sparsity=lam, seed=seed,
                         lr_ultralif=lrs["ultralif"], lr_surrogate=lrs["surrogate"])
    core, surrogate_core = pair.core, pair.surrogate_core
    totals = core.trace.totals()
    row = {"task": task, "T": T, "depth": depth, "sparsity": lam, "seed": seed,
           "lr_ultralif": lrs["ultralif"], "lr_surrogate": lrs["surrogate"],
           "soft_accuracy": pair.ultra.accuracy,
           "hardened_torch_accuracy": evaluate(pair.hard, x_te, y_te)[0],
           "core_accuracy": core.accuracy(y_te), "surrogate_accuracy": pair.surrogate.accuracy,
           "surrogate_core_accuracy": surrogate_core.accuracy(y_te),
           "core_torch_spike_agreement": spike_agreement(core, pair.hard, x_te),
           "surrogate_core_torch_spike_agreement": spike_agreement(surrogate_core, pair.surrogate.model,
                                                                   x_te),
           "core_seconds": core.seconds,
           "core_spikes_per_sample": totals["spikes"], "core_events_per_sample": totals["synaptic_events"],
           "core_host_macs_per_sample": totals["effective_macs"],
           "hidden_spike_rate": float(np.mean([s.mean() for s in core.spikes]))}
    # column prefixes of the priced variants (the results tables use them)
    labels = dict(zip(VARIANTS, ("soft", "hard", "surrogate", "core", "surrogate_core")))
    for variant, trace in pair.traces.items():
        for target, joules in energy_per_sample(trace).items():
            row[f"{labels[variant]}_{target}_uj"] = 1e6 * joules
    return row


def energy_traces(task: str = "digits", T: int = 4, depth: int = 3, sparsity: float = 0.0, seed: int = 0,
                  epochs: int = 30, hidden: int = 128, lr_ultralif: float = 3e-3,
                  lr_surrogate: float = 3e-3) -> tuple[dict[str, Any], dict[str, Any]]:
    """One task's networks as energy-report variants (``neurosparse energy``, kind ``ultralif_core``).

    Trains UltraLIF and the surrogate LIF (no learning-rate search: ``lr_*`` as given) and
    returns their test-set traces: ``ultralif soft`` (PyTorch), ``ultralif hardened`` and
    ``surrogate`` (PyTorch counts, as a GPU runs them), ``ultralif hardened, event core``
    and ``surrogate, event core`` (the core's own traces), with the accuracies in ``info``.
    """
    data = _compare_module().load_task(task, int(T))
    pair = train_and_run(data, depth=depth, hidden=hidden, epochs=epochs, sparsity=sparsity, seed=seed,
                         lr_ultralif=lr_ultralif, lr_surrogate=lr_surrogate)
    y_te = data[3]
    info = {"model": f"SpikingClassifier, {depth} hidden layers of {hidden}, {task}, T = {T}",
            "accuracy_ultralif_soft": pair.ultra.accuracy,
            "accuracy_ultralif_hardened": pair.core.accuracy(y_te),
            "accuracy_surrogate": pair.surrogate_core.accuracy(y_te), "test_samples": int(len(y_te)),
            "sparsity_lambda": float(sparsity), "seed": int(seed)}
    return pair.traces, info


def summarize(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean and sample sd over seeds of every numeric column, per configuration."""
    keys = sorted({(r["task"], r["T"], r["depth"], r["sparsity"]) for r in rows})
    out = []
    for key in keys:
        rs = [r for r in rows if (r["task"], r["T"], r["depth"], r["sparsity"]) == key]
        s: dict[str, Any] = dict(zip(("task", "T", "depth", "sparsity"), key)) | {"seeds": len(rs)}
        for col in rs[0]:
            if col in s or col == "seed" or not isinstance(rs[0][col], (int, float)):
                continue
            s[col], s[col + "_sd"] = spread([r[col] for r in rs])
        out.append(s)
    return out


def markdown(summary: list[dict[str, Any]]) -> str:
    lines = ["| task | T | depth | lambda | seeds | soft | hardened (torch) | core | surrogate (core) "
             "| agreement | rate | Loihi uJ soft / core / surr. core | H100 uJ soft / hard / surr. |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in summary:
        agree = min(s["core_torch_spike_agreement"], s["surrogate_core_torch_spike_agreement"])
        lines.append(
            f"| {s['task']} | {s['T']} | {s['depth']} | {s['sparsity']:g} | {s['seeds']} | "
            f"{s['soft_accuracy']:.3f} | {s['hardened_torch_accuracy']:.3f} | "
            f"{s['core_accuracy']:.3f} ± {s['core_accuracy_sd']:.3f} | "
            f"{s['surrogate_accuracy']:.3f} ({s['surrogate_core_accuracy']:.3f}) | "
            f"{agree:.4f} | {s['hidden_spike_rate']:.3f} | "
            f"{s['soft_loihi_uj']:.2f} / {s['core_loihi_uj']:.2f} / {s['surrogate_core_loihi_uj']:.2f} | "
            f"{s['soft_h100_uj']:.2f} / {s['hard_h100_uj']:.2f} / {s['surrogate_h100_uj']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=Path("results/ultralif_on_core"))
    p.add_argument("--tasks", nargs="+", default=["digits", "saccades", "audio", "mnist"])
    p.add_argument("--steps", type=int, nargs="+", default=[1, 4], help="time steps T")
    p.add_argument("--depths", type=int, nargs="+", default=[3])
    p.add_argument("--sparsity", type=float, nargs="+", default=[0.0, 0.03], help="lambda of the penalty")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--lrs", type=float, nargs="+", default=[1e-2, 3e-3])
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    cmp = _compare_module()
    begin_outputs(args.out)  # an unwritable folder fails now, not after training
    log = args.out / "results.jsonl"
    jobs = [(t, T, d, lam, s) for t in args.tasks for T in args.steps for d in args.depths
            for lam in args.sparsity for s in args.seeds]
    data = {(t, T): cmp.load_task(t, T) for t in args.tasks for T in args.steps}
    chosen: dict[tuple, dict[str, float]] = {}
    rows: list[dict[str, Any]] = []
    for task, T, depth, lam, seed in tqdm(jobs, desc="ultralif on core"):
        key = (task, T, depth)
        if key not in chosen:
            chosen[key] = {n: cmp.pick_learning_rate(args.lrs, n, depth, args.epochs, 0.0, data[task, T])
                           for n in ("ultralif", "surrogate")}
        row = run_one(task, T, depth, lam, seed, data[task, T], chosen[key], args.epochs, args.hidden)
        rows.append(row)
        with open(log, "a") as fh:  # one line per finished run: an interrupted sweep keeps them
            fh.write(json.dumps(row) + "\n")
    summary = summarize(rows)
    machine = {"machine": platform.machine(), "processor": platform.processor(),
               "python": platform.python_version(), "torch": torch.__version__}
    atomic_write(args.out / "summary.json", lambda fh: fh.write(json.dumps(
        {"config": vars(args) | {"out": str(args.out)}, "machine": machine, "rows": rows, "summary": summary},
        indent=1).encode()))
    table = markdown(summary)
    atomic_write(args.out / "table.md", lambda fh: fh.write((table + "\n").encode()))
    finish_outputs(args.out, [args.out / "summary.json", args.out / "table.md", log])
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
