"""From snnTorch to a chip's energy through NIR: train a spiking CNN, export it, run it event-driven.

1. **Train** a small spiking CNN in snnTorch on scikit-learn's bundled 8 x 8 digits,
   rate-coded to binary spikes (``T`` Bernoulli steps of the pixel intensities):
   Conv2d(1 -> 8, 3 x 3, padding 1) -> Leaky -> AvgPool2d(2) -> Flatten -> Linear(128 -> 64)
   -> Leaky -> Linear(64 -> 10) -> Leaky, trained with a fast-sigmoid surrogate gradient on
   the cross entropy of the output spike counts (snnTorch's defaults otherwise: reset by
   subtraction, applied the next step).
2. **Export** it with snnTorch's ``export_to_nir`` to ``model.nir`` (its ``dt = 1e-4``).
3. **Import** the file onto the event core (:func:`neurosparse.interop.import_nir`, at
   snnTorch's ``dt`` with ``reset="subtract"``, which snnTorch's file does not record: the
   conv and pooling layers become CSR projections) and run the held-out digits,
   batch by batch, side by side.
4. **Compare** with the PyTorch run of the same spikes (the trained float32 model): accuracy
   (the class with most output spikes, ties to the lowest index), each layer's time-averaged
   activity (cosine similarity over samples and neurons, the NIR paper's measure) and the
   fraction of spikes that are identical.
5. **Price** the core's OpTrace per sample on three targets with
   :func:`neurosparse.hardware.estimate` (model estimates).

Writes ``model.nir``, ``summary.json``, ``table.md`` and ``activity.png`` to ``--out``.

Example::

    python simulations/nir_pipeline.py --out results/nir_pipeline
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

TARGETS = ("loihi", "spinnaker2", "h100")
#: The snnTorch modules whose spikes are compared, by their index in the Sequential.
LAYERS = {"1": "conv1 LIF", "5": "fc1 LIF", "7": "output LIF"}


def build_model(seed: int = 0, beta: float = 0.9):
    """The snnTorch CNN (per-neuron ``beta`` and ``threshold`` tensors, as snnTorch's exporter needs)."""
    import snntorch as snn
    import torch
    from snntorch import surrogate

    torch.manual_seed(seed)
    grad = surrogate.fast_sigmoid(slope=25)

    def leaky(shape):
        return snn.Leaky(
            beta=torch.full(shape, beta), threshold=torch.ones(shape), spike_grad=grad, init_hidden=True
        )

    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1),
        leaky((8, 8, 8)),
        torch.nn.AvgPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(128, 64),
        leaky((64,)),
        torch.nn.Linear(64, 10),
        leaky((10,)),
    )


def load_data(n_steps: int, n_train: int, n_test: int, seed: int):
    """Rate-coded digits ``[T, n, 1, 8, 8]`` (binary) and labels, split at random."""
    from neurosparse.snn.baseline import load_digits_scaled, rate_code

    x, y = load_digits_scaled()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    if n_train + n_test > len(y):
        raise SystemExit(f"--train + --test must be at most {len(y)} digits")
    tr, te = order[:n_train], order[n_train : n_train + n_test]
    spikes = rate_code(x, n_steps, rng).reshape(n_steps, len(y), 1, 8, 8)
    return spikes[:, tr], y[tr], spikes[:, te], y[te]


def _reset(model) -> None:
    import snntorch as snn

    for m in model.modules():
        if isinstance(m, snn.Leaky):
            m.reset_mem()


def torch_run(model, x: np.ndarray) -> dict[str, np.ndarray]:
    """Spikes ``[T, n, ...]`` of every compared layer of ``model`` on ``x``."""
    import torch

    record: dict[str, list] = {k: [] for k in LAYERS}
    hooks = [
        model[int(k)].register_forward_hook(lambda m, i, o, k=k: record[k].append(o.detach().numpy().copy()))
        for k in LAYERS
    ]
    _reset(model)
    with torch.no_grad():
        for x_t in torch.from_numpy(x):
            model(x_t)
    for h in hooks:
        h.remove()
    return {k: np.array(v) for k, v in record.items()}


def train(
    model, x: np.ndarray, y: np.ndarray, epochs: int, lr: float, batch_size: int, seed: int
) -> list[float]:
    """Adam on the cross entropy of the output spike counts; the loss of each epoch."""
    import torch

    opt = torch.optim.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(epochs):
        total = 0.0
        for start in range(0, len(y), batch_size):
            idx = np.arange(start, min(start + batch_size, len(y)))
            xb = torch.from_numpy(x[:, idx])
            _reset(model)
            counts = sum(model(x_t) for x_t in xb)
            loss = torch.nn.functional.cross_entropy(counts, torch.from_numpy(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        losses.append(total / len(y))
        perm = rng.permutation(len(y))
        x, y = x[:, perm], y[perm]
    return losses


def accuracy(output_spikes: np.ndarray, y: np.ndarray) -> float:
    """The class with most spikes (the first on ties) against the labels."""
    return float(np.mean(output_spikes.sum(0).reshape(len(y), -1).argmax(1) == y))


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two layers' time-averaged activity (over samples and neurons)."""
    ra, rb = a.mean(0).reshape(-1).astype(np.float64), b.mean(0).reshape(-1).astype(np.float64)
    norm = np.linalg.norm(ra) * np.linalg.norm(rb)
    return float(ra @ rb / norm) if norm > 0 else float(np.array_equal(ra, rb))


def run(args: argparse.Namespace) -> dict[str, Any]:
    """The whole pipeline; returns the summary."""
    import nir
    import torch
    from snntorch.export_nir import export_to_nir

    from neurosparse.interop import import_nir
    from neurosparse.interop.nir_cli import price_trace

    torch.set_num_threads(args.threads)
    x_tr, y_tr, x_te, y_te = load_data(args.steps, args.train, args.test, args.seed)
    model = build_model(args.seed)
    t0 = time.perf_counter()
    losses = train(model, x_tr, y_tr, args.epochs, args.lr, args.batch_size, args.seed)
    train_seconds = time.perf_counter() - t0
    model.eval()
    graph = export_to_nir(model, torch.zeros(1, 1, 8, 8), ignore_dims=[0])
    path = args.out / "model.nir.partial"  # written into the manifest with the other outputs
    nir.write(str(path), graph)
    model_bytes = path.read_bytes()
    ref = torch_run(model, x_te)
    core_model = import_nir(path, dt=1e-4, reset="subtract")
    path.unlink()
    t0 = time.perf_counter()
    core = core_model.run(x_te.astype(np.float64), batch_size=args.core_batch)
    core_seconds = time.perf_counter() - t0
    layers = []
    for k, label in LAYERS.items():
        got, want = core.spikes[k], ref[k].reshape(core.spikes[k].shape)
        layers.append(
            {
                "layer": label,
                "node": k,
                "neurons": int(np.prod(got.shape[2:])),
                "cosine_similarity": cosine(got, want),
                "identical_spike_fraction": float(np.mean(got == want)),
                "rate_core": float(got.mean()),
                "rate_torch": float(want.mean()),
            }
        )
    energy = price_trace(core.trace, list(TARGETS))
    totals = core.trace.totals()
    return {
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "machine": {
            "machine": platform.machine(),
            "python": platform.python_version(),
            "torch": torch.__version__,
        },
        "train_seconds": train_seconds,
        "core_seconds": core_seconds,
        "loss": losses,
        "accuracy_torch": accuracy(ref["7"], y_te),
        "accuracy_core": accuracy(core.spikes["7"], y_te),
        "layers": layers,
        "energy_per_sample": energy,
        "core_per_sample": {k: totals[k] for k in ("synaptic_events", "neuron_updates", "spikes")},
        "core_layers": core_model.describe(),
        "_model_nir": model_bytes,
    }


def markdown(summary: dict[str, Any]) -> str:
    """The summary as Markdown tables."""
    lines = [
        "| accuracy PyTorch | accuracy event core | test digits | T |",
        "|---:|---:|---:|---:|",
        f"| {summary['accuracy_torch']:.3f} | {summary['accuracy_core']:.3f} | {summary['config']['test']} "
        f"| {summary['config']['steps']} |",
        "",
        "| layer | neurons | cosine similarity (time-averaged activity) | identical spikes | rate PyTorch | "
        "rate core |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in summary["layers"]:
        lines.append(
            f"| {r['layer']} | {r['neurons']} | {r['cosine_similarity']:.6f} | "
            f"{r['identical_spike_fraction']:.6f} | {r['rate_torch']:.4f} | {r['rate_core']:.4f} |"
        )
    lines += [
        "",
        "| target | mode | energy per sample | range | latency per sample |",
        "|---|---|---:|---:|---:|",
    ]
    for r in summary["energy_per_sample"]:
        lines.append(
            f"| {r['target']} | {r['mode']} | {r['energy_j'] * 1e6:.3f} uJ | "
            f"{r['energy_low_j'] * 1e6:.3f}-{r['energy_high_j'] * 1e6:.3f} uJ | "
            f"{r['latency_s'] * 1e3:.3f} ms |"
        )
    return "\n".join(lines)


def figure(summary: dict[str, Any]):
    """Per-layer rates (PyTorch vs core) and energy per target."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2))
    names = [r["layer"] for r in summary["layers"]]
    pos = np.arange(len(names))
    ax1.bar(pos - 0.2, [r["rate_torch"] for r in summary["layers"]], 0.4, label="PyTorch")
    ax1.bar(pos + 0.2, [r["rate_core"] for r in summary["layers"]], 0.4, label="event core")
    ax1.set_xticks(pos, names)
    ax1.set_ylabel("spikes per neuron per step")
    ax1.legend()
    rows = summary["energy_per_sample"]
    ax2.bar([r["target"] for r in rows], [r["energy_j"] * 1e6 for r in rows])
    ax2.set_yscale("log")
    ax2.set_ylabel("energy per sample (uJ, model)")
    fig.tight_layout()
    return fig


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=Path("results/nir_pipeline"))
    p.add_argument("--steps", type=int, default=20, help="time steps T of the rate code")
    p.add_argument("--train", type=int, default=1300, help="training digits")
    p.add_argument("--test", type=int, default=497, help="held-out digits")
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--core-batch", type=int, default=100, help="digits run side by side on the core")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    args = p.parse_args(argv)
    from neurosparse._io import begin_outputs, write_run

    begin_outputs(args.out)  # an unwritable folder fails now, not after training
    summary = run(args)
    model_nir = summary.pop("_model_nir")
    table = markdown(summary)
    write_run(
        args.out,
        summary,
        figures={"activity.png": figure(summary)},
        extra={"table.md": (table + "\n").encode(), "model.nir": model_nir},
    )
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
