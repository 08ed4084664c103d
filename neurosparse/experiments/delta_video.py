"""Temporal sparsity on moving-digit videos: a small conv net, dense vs zero-skipping vs delta MACs.

Reproduces the experiment of Yousefzadeh & Sifalakis (2021), "Training for temporal sparsity
in deep neural networks" (arXiv:2107.07305), at toy scale: a per-frame conv net classifies
videos of one bundled digit bouncing around a canvas (:func:`neurosparse.data.moving_digits`;
the video's logits are the mean of its frames' logits). Four versions of the net are counted
frame by frame on the test videos:

    baseline     trained with ReLU activations (float)
    quantized    the baseline with its ReLUs replaced by Delta Activation Layers (a ReLU
                 quantized to a step s, s = p99 of the activation / quant_levels), no training
    finetuned    the quantized net fine-tuned with the task loss only (lambda = 0): what
                 quantization-aware training alone gives
    delta        the quantized net fine-tuned with task loss + lambda * sum_l fan_out_l *
                 mean |Delta_l| (the Delta Activation Layer's sparsity loss)

Counts, per video (8 frames by default), for every Conv/Linear layer with input a_t:
dense MACs (every weight, every frame), zero-skipping (effective) MACs (a_t != 0 and
weight != 0), both from :func:`neurosparse.hardware.torch_count.count`, and delta MACs
(a_t - a_{t-1} != 0 and weight != 0, the first frame's change being a_0) from
:func:`neurosparse.hardware.torch_delta.measure_delta_sparsity`. *Activation sparsity* is
NeuroBench's: the fraction of zeros in the outputs of the activation layers (act1, act2);
*delta sparsity* the fraction of zeros in their frame-to-frame changes. The first layer's
input, the raw video, is not quantized in any version; its MACs are in the totals.

Writes into ``--out``:

    frames.png          a test video and the changes between its frames
    macs.png            MACs per video, dense / zero-skipping / delta, per version
    sparsity.png        activation and delta sparsity per layer, per version
    training.png        training loss and sparsity loss per epoch
    input_delta.png     the threshold delta encoder (neurosparse.hardware.delta) on the input
    summary.json        configuration, accuracies, counts per version and layer, timings

Example::

    python simulations/delta_video.py --n-train 1000 --epochs 10 --out results/delta_video
"""

# No ``from __future__ import annotations``: neurosparse.energy loads this file with
# importlib without registering it in sys.modules, and dataclasses then cannot resolve
# string annotations. The annotations below are all valid at run time on Python >= 3.10.
import argparse
import copy
import json
import sys
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import nn
from tqdm import tqdm

from neurosparse._io import atomic_write, begin_outputs, finish_outputs
from neurosparse.data import moving_digits
from neurosparse.errors import NeurosparseError, ParameterError
from neurosparse.hardware.delta import delta_counts, delta_encode
from neurosparse.hardware.torch_count import Counter, count, count_activation
from neurosparse.hardware.torch_delta import (
    DeltaActivationLayer,
    fan_out_of,
    measure_delta_sparsity,
    reset_delta_state,
)
from neurosparse.optrace import OpTrace
from neurosparse.viz import save_figure

VERSIONS = ("baseline", "quantized", "finetuned", "delta")
_COLORS = dict(zip(VERSIONS, ("C0", "C1", "C2", "C3")))
#: The MAC layers whose input is a hidden activation (act1 -> conv2, act2 -> fc).
HIDDEN_INPUT_LAYERS = ("conv2", "fc")
#: Energy-report variants (see energy_traces): each is priced in the execution mode of its name.
VARIANTS = ("dense", "skip", "delta")


@dataclass(frozen=True)
class Config:
    """Parameters of one run (the command-line options)."""

    n_train: int = 2000
    n_test: int = 500
    n_frames: int = 8
    size: int | None = None
    source: str = "digits"
    speed: float = 1.0
    channels: tuple[int, int] = (16, 32)
    epochs: int = 15
    finetune_epochs: int = 20
    batch_size: int = 32
    lr: float = 3e-3
    finetune_lr: float = 1e-3
    quant_levels: int = 4
    sparsity_weight: float = 0.05
    seed: int = 0
    threads: int | None = 2

    def __post_init__(self):
        for name in ("n_train", "n_test", "n_frames", "batch_size", "quant_levels"):
            if getattr(self, name) < 1:
                raise ParameterError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("epochs", "finetune_epochs"):
            if getattr(self, name) < 0:
                raise ParameterError(f"{name} must be >= 0, got {getattr(self, name)}")
        for name in ("lr", "finetune_lr"):
            if not getattr(self, name) > 0:
                raise ParameterError(f"{name} must be > 0, got {getattr(self, name)}")
        if self.sparsity_weight < 0:
            raise ParameterError(f"sparsity_weight must be >= 0, got {self.sparsity_weight}")
        if len(self.channels) != 2 or min(self.channels) < 1:
            raise ParameterError(f"channels must be two positive integers, got {self.channels}")


class FrameNet(nn.Module):
    """Per-frame conv net: conv3x3 - maxpool2 - act1 - conv3x3 - global max - act2 - linear.

    Takes one frame batch ``(batch, 1, size, size)`` and returns logits ``(batch, 10)``; the
    global max pool makes the features independent of where the digit is. ``act1``/``act2``
    are ReLUs, or Delta Activation Layers after :func:`with_delta_layers`. Max pooling
    commutes with a monotone activation, so each activation sits right before the next MAC
    layer, whose input it is (and whose input changes the delta layer tracks).
    """

    def __init__(self, channels: tuple[int, int] = (16, 32), n_classes: int = 10):
        super().__init__()
        c1, c2 = channels
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.act1: nn.Module = nn.ReLU()
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)
        self.act2: nn.Module = nn.ReLU()
        self.fc = nn.Linear(c2, n_classes)

    def forward(self, frame: torch.Tensor) -> torch.Tensor:
        x = self.act1(self.pool(self.conv1(frame)))
        x = self.act2(self.conv2(x).amax(dim=(2, 3)))
        return self.fc(x)

    def reset(self) -> None:
        """Forget the delta layers' previous frame (before every new batch of videos)."""
        reset_delta_state(self)

    def pre_activations(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The inputs of ``act1`` and ``act2`` for a frame batch (with ReLU activations)."""
        a1 = self.pool(self.conv1(frames))
        return a1, self.conv2(torch.relu(a1)).amax(dim=(2, 3))


def video_logits(model: nn.Module, videos: torch.Tensor) -> torch.Tensor:
    """Mean over frames of the per-frame logits; videos ``(batch, T, 1, H, W)``, frame by frame."""
    reset_delta_state(model)
    logits = torch.stack([model(videos[:, t]) for t in range(videos.shape[1])]).mean(dim=0)
    return logits


def with_delta_layers(model: FrameNet, videos: torch.Tensor, levels: int) -> FrameNet:
    """A copy of ``model`` with Delta Activation Layers (``output="activation"``) as activations.

    Each layer's step is calibrated to ``p99 / levels`` of its positive activations on
    ``videos`` (so ~``levels`` steps cover the range); its fan-out is the next layer's.
    """
    with torch.no_grad():
        a1, a2 = model.pre_activations(videos.flatten(0, 1))
    out = copy.deepcopy(model)
    for name, pre, nxt in (("act1", a1, out.conv2), ("act2", a2, out.fc)):
        positive = pre[pre > 0]
        p99 = float(torch.quantile(positive[:100_000], 0.99)) if positive.numel() else 1.0
        setattr(out, name, DeltaActivationLayer(step_size=max(p99 / levels, 1e-3), fan_out=fan_out_of(nxt),
                                                output="activation", time_first=False))
    return out


def sparsity_loss(model: nn.Module) -> torch.Tensor:
    """Sum of every Delta Activation Layer's ``loss()`` (fan-out x mean |change|)."""
    terms = [m.loss() for m in model.modules() if isinstance(m, DeltaActivationLayer)]
    return torch.stack(terms).sum() if terms else torch.zeros(())


def train(model: nn.Module, videos: torch.Tensor, labels: torch.Tensor, *, epochs: int, lr: float,
          batch_size: int, sparsity_weight: float, seed: int, desc: str,
          progress: bool | None = None) -> list[dict[str, float]]:
    """Adam on the video cross-entropy (+ ``sparsity_weight`` x the delta layers' loss)."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    n_batches = -(-len(videos) // batch_size)
    history = []
    bar = tqdm(total=epochs * n_batches, desc=desc, unit="batch", leave=False,
               disable=(not progress) if progress is not None else None)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(videos), generator=gen)
        sums = {"task_loss": 0.0, "sparsity_loss": 0.0, "accuracy": 0.0}
        for k in range(n_batches):
            idx = order[k * batch_size:(k + 1) * batch_size]
            logits = video_logits(model, videos[idx])
            task = F.cross_entropy(logits, labels[idx])
            sparse = sparsity_loss(model)
            loss = task + sparsity_weight * sparse
            opt.zero_grad()
            loss.backward()
            opt.step()
            sums["task_loss"] += task.item() * len(idx)
            sums["sparsity_loss"] += sparse.item() * len(idx)
            sums["accuracy"] += float((logits.argmax(1) == labels[idx]).sum())
            bar.update()
            bar.set_postfix(loss=f"{task.item():.3f}", sparse=f"{sparse.item():.3f}")
        history.append({key: value / len(videos) for key, value in sums.items()})
    bar.close()
    reset_delta_state(model)
    model.eval()
    return history


def evaluate(model: nn.Module, videos: torch.Tensor, labels: torch.Tensor) -> dict[str, Any]:
    """Test accuracy and the counts of one version of the net, frame by frame.

    Dense and zero-skipping (effective) MACs and the activation sparsity come from
    :func:`neurosparse.hardware.torch_count.count` (NeuroBench's definitions: activation
    sparsity over the outputs of the activation layers ``act1``, ``act2``), the delta MACs
    and per-layer delta sparsity from :func:`measure_delta_sparsity`. Both count the same
    dense and effective MACs; ``count_agreement`` is their largest relative difference.

    Returns a dict: ``accuracy``, ``step_sizes``, ``activation_sparsity``,
    ``delta_sparsity`` (zeros in the change of the same activations), ``macs`` (per video:
    ``dense``, ``skip``, ``delta``), ``layers`` (per MAC layer input, raw video included) and
    ``trace`` (count's OpTrace with ``delta_macs`` filled in per layer).
    """
    model.eval()
    measured = measure_delta_sparsity(model, videos)
    accuracy = float((measured.outputs.mean(dim=1).argmax(1) == labels).float().mean())
    trace = count(model, videos, time_first=False,
                  counters={DeltaActivationLayer: Counter(count_activation, "activation")})
    agreement = 0.0
    for name, layer in measured.trace.layers.items():
        counted = trace.layers[name]
        for key in ("dense_ops", "effective_macs"):
            mine, theirs = getattr(layer, key), getattr(counted, key)
            agreement = max(agreement, abs(mine - theirs) / max(abs(theirs), 1.0))
        counted.delta_macs = layer.delta_macs
        counted.per_step["delta_macs"] = layer.per_step["delta_macs"]
    hidden = [measured.trace.layers[name] for name in HIDDEN_INPUT_LAYERS]
    n_acts = sum(layer.activations for layer in hidden)
    totals = trace.totals(per_sample=True)
    return {
        "accuracy": accuracy,
        "step_sizes": {n: m.step_size.item() for n, m in model.named_modules()
                       if isinstance(m, DeltaActivationLayer)},
        "activation_sparsity": totals["activation_sparsity"],
        "delta_sparsity": 1.0 - sum(float(h.per_step["nonzero_deltas"].sum()) for h in hidden) / n_acts,
        "macs": {"dense": totals["dense_ops"], "skip": totals["effective_macs"],
                 "delta": totals["delta_macs"]},
        "count_agreement": agreement,
        "layers": measured.summary(),
        "trace": trace,
    }


def run_experiment(config: Config = Config(), progress: bool | None = None) -> dict[str, Any]:
    """Generate the videos, train, fine-tune, and count; returns everything the outputs need.

    Returns a dict with ``config``, ``results`` (per version: :func:`evaluate`'s dict without
    the trace), ``comparison`` (headline ratios), ``traces`` (per version, an OpTrace),
    ``history`` (per-epoch training records), ``timings`` and the test ``videos``/``labels``.
    """
    t0 = time.perf_counter()
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    train_seed, test_seed = np.random.SeedSequence(config.seed).spawn(2)
    data = dict(n_frames=config.n_frames, size=config.size, source=config.source, speed=config.speed)
    x_train, y_train = moving_digits(config.n_train, seed=train_seed, split="train", **data)
    x_test, y_test = moving_digits(config.n_test, seed=test_seed, split="test", **data)
    x_train, x_test = torch.from_numpy(x_train), torch.from_numpy(x_test)
    y_train, y_test = torch.from_numpy(y_train), torch.from_numpy(y_test)
    timings = {"data_s": time.perf_counter() - t0}

    t = time.perf_counter()
    base = FrameNet(channels=config.channels)
    history = {"baseline": train(base, x_train, y_train, epochs=config.epochs, lr=config.lr,
                                 batch_size=config.batch_size, sparsity_weight=0.0, seed=config.seed,
                                 desc="train baseline", progress=progress)}
    timings["train_baseline_s"] = time.perf_counter() - t

    t = time.perf_counter()
    quantized = with_delta_layers(base, x_train[:200], config.quant_levels)
    finetuned = copy.deepcopy(quantized)
    delta = copy.deepcopy(quantized)
    for name, model, weight in (("finetuned", finetuned, 0.0), ("delta", delta, config.sparsity_weight)):
        history[name] = train(model, x_train, y_train, epochs=config.finetune_epochs, lr=config.finetune_lr,
                              batch_size=config.batch_size, sparsity_weight=weight, seed=config.seed + 1,
                              desc=f"fine-tune {name}", progress=progress)
    timings["finetune_s"] = time.perf_counter() - t

    t = time.perf_counter()
    results, traces, models = {}, {}, {}
    for name, model in zip(VERSIONS, (base, quantized, finetuned, delta)):
        evaluated = evaluate(model, x_test, y_test)
        traces[name] = evaluated.pop("trace")
        results[name] = evaluated
        models[name] = model
    timings["count_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - t0
    return {"config": asdict(config), "results": results, "comparison": _comparison(results),
            "traces": traces, "models": models, "history": history, "timings": timings,
            "videos": x_test.numpy(), "labels": y_test.numpy()}


def _comparison(results: dict[str, Any]) -> dict[str, float]:
    """The headline ratios: what delta training buys over the baseline (dense or zero-skipping)."""
    base, fine, delta = results["baseline"], results["finetuned"], results["delta"]
    return {
        "baseline_activation_sparsity": base["activation_sparsity"],
        "delta_model_activation_sparsity": delta["activation_sparsity"],
        "delta_model_delta_sparsity": delta["delta_sparsity"],
        "sparsity_ratio_delta_vs_baseline": delta["delta_sparsity"] / base["activation_sparsity"],
        "nonzero_ratio_baseline_vs_delta": (1 - base["activation_sparsity"]) / (1 - delta["delta_sparsity"]),
        "mac_reduction_dense_vs_delta": base["macs"]["dense"] / delta["macs"]["delta"],
        "mac_reduction_skip_vs_delta": base["macs"]["skip"] / delta["macs"]["delta"],
        "mac_reduction_baseline_delta_vs_delta": base["macs"]["delta"] / delta["macs"]["delta"],
        "mac_reduction_finetuned_delta_vs_delta": fine["macs"]["delta"] / delta["macs"]["delta"],
        **{f"accuracy_{name}": r["accuracy"] for name, r in results.items()},
    }


def energy_traces(**options: Any) -> tuple[dict[str, OpTrace], dict[str, Any]]:
    """The experiment's counts as energy-report variants (``neurosparse energy``, kind ``delta_video``).

    ``options`` are :class:`Config` fields plus ``inference_batch`` (videos per forward
    pass when counting, default 1: a sparse accelerator streams one video at a time, so
    every frame reads every weight once; the experiment's own counts use one batch of all
    test videos, which reads the weights once per frame for all of them). Returns
    ``({"dense": ..., "skip": ..., "delta": ...}, info)``: ``dense`` and ``skip`` are the
    baseline net's trace (to be priced dense and with zero-skipping), ``delta`` the
    delta-trained net's trace (priced with delta inference). Every trace covers
    ``n_samples`` videos of ``n_steps`` frames.
    """
    inference_batch = int(options.pop("inference_batch", 1))
    unknown = sorted(set(options) - {f.name for f in fields(Config)})
    if unknown:
        raise ParameterError(f"unknown delta_video option(s) {', '.join(unknown)}; allowed: "
                             f"{', '.join(f.name for f in fields(Config))}, inference_batch")
    if "channels" in options:
        options["channels"] = tuple(options["channels"])
    run = run_experiment(Config(**options), progress=None)
    if not 1 <= inference_batch <= len(run["videos"]):
        raise ParameterError(f"inference_batch must be in [1, {len(run['videos'])}], got {inference_batch}")
    videos = torch.from_numpy(run["videos"])
    streamed = {name: _count_in_batches(run["models"][name], videos, run["traces"][name], inference_batch)
                for name in ("baseline", "delta")}
    traces = {"dense": streamed["baseline"], "skip": streamed["baseline"], "delta": streamed["delta"]}
    info = {"model": "FrameNet conv net on moving digits (simulations/delta_video.py)",
            **{f"accuracy_{v}": run["results"][v]["accuracy"] for v in VERSIONS},
            "n_test_videos": run["config"]["n_test"], "frames": run["config"]["n_frames"],
            "inference_batch": inference_batch}
    return traces, info


@torch.no_grad()
def _count_in_batches(model: nn.Module, videos: torch.Tensor, measured: OpTrace, batch: int) -> OpTrace:
    """``count`` over ``videos`` ``batch`` at a time (the batch sets the weight traffic),
    with the delta MACs of the experiment's trace ``measured`` (they do not depend on it)."""
    model.eval()
    counters = {DeltaActivationLayer: Counter(count_activation, "activation")}
    trace = None
    for start in range(0, len(videos), batch):
        part = count(model, videos[start:start + batch], time_first=False, counters=counters)
        trace = part if trace is None else trace.merge_batches(part)
    for name, layer in measured.layers.items():
        trace.layers[name].delta_macs = layer.delta_macs
    return trace


# ----------------------------------------------------------------------------- figures
def frames_figure(videos: np.ndarray, index: int = 0, max_frames: int = 8) -> Figure:
    """A video's frames (top) and the changes between consecutive frames (bottom)."""
    video = videos[index, :max_frames, 0]
    change = np.diff(video, axis=0, prepend=0.0)
    n = video.shape[0]
    fig = Figure(figsize=(1.4 * n, 3.0), layout="constrained")
    axes = fig.subplots(2, n, squeeze=False)
    lim = max(float(np.abs(change[1:]).max()) if n > 1 else 1.0, 1e-6)
    for t in range(n):
        axes[0, t].imshow(video[t], cmap="gray_r", vmin=0, vmax=1)
        axes[0, t].set_title(f"t={t}", fontsize=8)
        axes[1, t].imshow(change[t], cmap="RdBu_r", vmin=-lim, vmax=lim)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_ylabel("frame")
    axes[1, 0].set_ylabel("change")
    return fig


def macs_figure(results: dict[str, Any]) -> Figure:
    """MACs per video, dense / zero-skipping / delta, for each version of the net."""
    fig = Figure(figsize=(6.5, 3.6), layout="constrained")
    ax = fig.subplots()
    keys = (("dense", "dense"), ("skip", "zero-skipping"), ("delta", "delta"))
    width = 0.26
    x = np.arange(len(results))
    for k, (key, label) in enumerate(keys):
        values = [r["macs"][key] for r in results.values()]
        ax.bar(x + (k - 1) * width, values, width, label=label)
    ax.set_xticks(x, [f"{name}\n{r['accuracy']:.1%}" for name, r in results.items()])
    ax.set_yscale("log")
    ax.set_ylabel("MACs per video")
    ax.set_title("MACs per video (x: version and test accuracy)")
    fig.legend(loc="outside upper center", ncol=3)
    return fig


def sparsity_figure(results: dict[str, Any]) -> Figure:
    """Activation sparsity and delta sparsity of every MAC layer's input, per version."""
    layers = [name for name in next(iter(results.values()))["layers"] if name != "total"] + ["total"]
    fig = Figure(figsize=(9, 3.4), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    width = 0.8 / len(results)
    x = np.arange(len(layers))
    titles = ("activation sparsity (zeros in a_t)", "delta sparsity (zeros in a_t - a_t-1)")
    for ax, key, title in zip(axes, ("activation_sparsity", "delta_sparsity"), titles):
        for k, (name, r) in enumerate(results.items()):
            ax.bar(x + (k - (len(results) - 1) / 2) * width, [r["layers"][lay][key] for lay in layers],
                   width, label=name, color=_COLORS.get(name))
        ax.set_xticks(x, [f"{lay} input" if lay != "total" else "all inputs" for lay in layers])
        ax.set_title(title)
        ax.set_ylim(0, 1)
    axes[0].set_ylabel("fraction of zeros")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncol=len(results))
    return fig


def training_figure(history: dict[str, list[dict[str, float]]]) -> Figure:
    """Training cross-entropy and sparsity loss per epoch (baseline, then the fine-tunings)."""
    fig = Figure(figsize=(9, 3.2), layout="constrained")
    axes = fig.subplots(1, 2)
    n_base = len(history.get("baseline", []))
    for name, records in history.items():
        start = 0 if name == "baseline" else n_base
        epochs = np.arange(start + 1, start + len(records) + 1)
        color = _COLORS.get(name)
        axes[0].plot(epochs, [r["task_loss"] for r in records], marker="o", label=name, color=color)
        if name != "baseline":
            axes[1].plot(epochs, [r["sparsity_loss"] for r in records], marker="o", label=name, color=color)
    axes[0].set_title("training cross-entropy")
    axes[1].set_title("sparsity loss: sum fan_out x mean |change|")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.legend(fontsize=8)
    return fig


def input_delta_figure(videos: np.ndarray, thresholds: np.ndarray | None = None) -> Figure:
    """The threshold delta encoder on the input videos: transmitted fraction and max error."""
    thresholds = np.linspace(0.0, 0.3, 7) if thresholds is None else thresholds
    frames = np.moveaxis(videos, 1, 0)  # time first
    fractions, errors = [], []
    for theta in thresholds:
        _, recon = delta_encode(frames, float(theta))
        fractions.append(delta_counts(frames, float(theta)).nonzero_fraction)
        errors.append(float(np.abs(frames - recon).max()))
    fig = Figure(figsize=(6, 3.2), layout="constrained")
    ax = fig.subplots()
    ax.plot(thresholds, fractions, marker="o", color="C0")
    ax.set_xlabel("threshold")
    ax.set_ylabel("fraction of input values sent", color="C0")
    twin = ax.twinx()
    twin.plot(thresholds, errors, marker="s", color="C3")
    twin.plot(thresholds, thresholds, ls=":", color="C3", lw=1)
    twin.set_ylabel("max |x - xhat| (dotted: threshold)", color="C3")
    ax.set_title(f"delta encoding of the input videos (non-zero pixels: {(frames != 0).mean():.3f})")
    return fig


def write_outputs(run: dict[str, Any], out: Path) -> dict[str, Path]:
    """Write the figures and ``summary.json`` into ``out`` (each atomically)."""
    written = {
        "frames": save_figure(frames_figure(run["videos"]), out / "frames.png"),
        "macs": save_figure(macs_figure(run["results"]), out / "macs.png"),
        "sparsity": save_figure(sparsity_figure(run["results"]), out / "sparsity.png"),
        "training": save_figure(training_figure(run["history"]), out / "training.png"),
        "input_delta": save_figure(input_delta_figure(run["videos"][:100]), out / "input_delta.png"),
    }
    summary = {key: run[key] for key in ("config", "comparison", "results", "history", "timings")}
    summary["traces"] = {name: trace.to_dict() for name, trace in run["traces"].items()}
    summary["versions"] = {
        "torch": torch.__version__, "numpy": np.__version__,
        "counting": "neurosparse.hardware.torch_delta.measure_delta_sparsity"}
    text = json.dumps(summary, indent=2, default=float).encode()
    written["summary"] = atomic_write(out / "summary.json", lambda fh: fh.write(text))
    return written


def main(argv: list[str] | None = None) -> int:
    defaults = Config()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--n-train", type=int, default=defaults.n_train, help="training videos (default %(default)s)")
    add("--n-test", type=int, default=defaults.n_test, help="test videos (default %(default)s)")
    add("--frames", type=int, default=defaults.n_frames, help="frames per video (default %(default)s)")
    add("--size", type=int, default=None, help="canvas side in pixels (default: 24 digits, 56 mnist)")
    add("--source", choices=("digits", "mnist"), default=defaults.source,
        help="digit images (default %(default)s)")
    add("--speed", type=float, default=defaults.speed, help="pixels per frame (default %(default)s)")
    add("--epochs", type=int, default=defaults.epochs, help="baseline epochs (default %(default)s)")
    add("--finetune-epochs", type=int, default=defaults.finetune_epochs,
        help="fine-tuning epochs (default %(default)s)")
    add("--quant-levels", type=int, default=defaults.quant_levels,
        help="initial step = p99 activation / levels (default %(default)s)")
    add("--sparsity-weight", type=float, default=defaults.sparsity_weight,
        help="lambda of the delta layers' sparsity loss (default %(default)s)")
    add("--seed", type=int, default=defaults.seed, help="seed (default %(default)s)")
    add("--threads", type=int, default=defaults.threads, help="torch threads (default %(default)s)")
    add("--out", type=Path, default=Path("results", "delta_video"),
        help="output folder (default results/delta_video)")
    args = parser.parse_args(argv)
    try:
        config = Config(n_train=args.n_train, n_test=args.n_test, n_frames=args.frames, size=args.size,
                        source=args.source, speed=args.speed, epochs=args.epochs,
                        finetune_epochs=args.finetune_epochs, quant_levels=args.quant_levels,
                        sparsity_weight=args.sparsity_weight, seed=args.seed, threads=args.threads)
        begin_outputs(args.out)  # an unwritable folder fails now, not after training
        run = run_experiment(config)
    except NeurosparseError as exc:
        parser.error(str(exc))
    written = write_outputs(run, args.out)
    finish_outputs(args.out, list(written.values()))
    for name, r in run["results"].items():
        macs = r["macs"]
        print(f"{name:>9s}: accuracy {r['accuracy']:.3f}  activation sparsity "
              f"{r['activation_sparsity']:.3f}  delta sparsity {r['delta_sparsity']:.3f}  "
              f"MACs/video dense {macs['dense']:.3g} skip {macs['skip']:.3g} delta {macs['delta']:.3g}")
    print(f"total {run['timings']['total_s']:.1f} s; wrote {', '.join(str(p) for p in written.values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
