"""The Delta Activation Layer (Yousefzadeh & Sifalakis 2021) and frame-by-frame delta counting.

Yousefzadeh, A. & Sifalakis, M. (2021), "Training for temporal sparsity in deep neural
networks, application in video processing", arXiv:2107.07305.

A video network sees frames that change little from one to the next, yet computes every
frame from scratch. With *delta inference* a linear layer (convolution, fully connected)
keeps its previous output and adds ``W * (a_t - a_{t-1})``: only the MACs driven by a
non-zero activation *change* are done. Real-valued activations almost never repeat exactly,
so the Delta Activation Layer makes them repeat:

.. math::

    q_t = s \\cdot \\operatorname{round}(\\operatorname{ReLU}(x_t) / s), \\qquad
    \\Delta_t = q_t - q_{t-1}, \\quad q_{-1} = 0

with a trainable quantization step ``s``. Rounding has zero gradient almost everywhere, so
the backward pass uses the straight-through estimator (``d round(y) / dy := 1``), which gives
``dq/dx = 1`` where ``x > 0`` and ``dq/ds = round(x/s) - x/s`` (the LSQ step gradient,
Esser et al. 2020). Training adds a sparsity loss that prices a change by the MACs it
triggers downstream:

.. math::  L_\\text{sparsity} = \\text{fan\\_out} \\cdot \\operatorname{mean} |\\Delta_t|

where ``fan_out`` is the number of MACs one activation of this layer feeds in the next
layer (:func:`fan_out_of`). The total loss is ``task_loss + lambda * sum(layer.loss())``.
A change below ``s/2`` rounds to zero: temporal sparsity becomes spatial sparsity of
``Delta_t``, which a zero-skipping accelerator exploits.

What is here:

* :class:`DeltaActivationLayer`: the layer (time-first sequences or stateful frame-by-frame);
* :class:`DeltaAccumulator`: wraps the next linear layer for true delta inference
  (``y_t = y_{t-1} + W Delta_t``), so a network of both computes exactly what the quantized
  network computes while its linear layers see only the sparse changes;
* :func:`fan_out_of`: the fan-out of a Conv/Linear layer;
* :func:`measure_delta_sparsity`: run any per-frame model frame by frame and count, for every
  Conv/Linear layer, dense MACs, zero-skipping (effective) MACs and delta MACs, as an
  :class:`~neurosparse.optrace.OpTrace`.

This is the only module of ``neurosparse.hardware`` besides the torch hook counter that
imports torch at module level; import it only where torch is installed (the ``snn`` extra).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from neurosparse.errors import ParameterError
from neurosparse.optrace import LayerCounts, OpTrace

__all__ = ["DeltaAccumulator", "DeltaActivationLayer", "DeltaMeasurement", "fan_out_of",
           "measure_delta_sparsity", "reset_delta_state"]

_MAC_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d)


class DeltaActivationLayer(nn.Module):
    """Quantized ReLU with a trainable step whose output is the change since the last frame.

    .. math::  q_t = s\\,\\mathrm{round}(\\mathrm{ReLU}(x_t)/s), \\quad
               \\Delta_t = q_t - q_{t-1}, \\quad q_{-1} = 0

    (straight-through estimator for the rounding; see the module docstring).

    Parameters
    ----------
    step_size
        Initial quantization step ``s > 0``, in the units of the activation. It is stored
        as ``log_step_size`` (so it stays positive and Adam changes it by a relative
        amount per update); read it back as the ``step_size`` property.
    fan_out
        MACs one output activation feeds downstream (:func:`fan_out_of` of the next layer);
        scales :meth:`loss`.
    output
        ``"delta"`` (default): return ``Delta_t``, the values a delta accelerator sends;
        follow the layer with a :class:`DeltaAccumulator` around the next linear layer.
        ``"activation"``: return ``q_t`` (a drop-in quantized ReLU; the deltas are still
        tracked for :meth:`loss` and the next layer's input changes by exactly ``Delta_t``).
    time_first
        ``True`` (default): ``forward`` takes a sequence shaped ``(T, batch, ...)`` and
        treats its frames as consecutive. ``False``: ``forward`` takes one frame shaped
        ``(batch, ...)`` per call (stateful, frame by frame). In both modes the last ``q``
        is kept between calls, so a long video may be fed in chunks; call
        :meth:`reset_state` before every new video batch.
    learn_step
        Train ``s`` (``log_step_size`` is an ``nn.Parameter``) or keep it fixed (a buffer).
    step_from_loss
        Let :meth:`loss` train ``s`` too. Off by default: the straight-through gradient of
        ``mean |Delta|`` with respect to ``s`` sees only the rounding residue
        ``round(x/s) - x/s``, not that a larger step zeroes more changes; in our moving-digit
        runs it shrank ``s`` (denser deltas). With the default, ``s`` learns from the task loss
        only (as in LSQ) and the sparsity loss acts on the activations.

    Shapes
    ------
    Input and output have the same shape: ``(T, batch, *features)`` with ``time_first``,
    ``(batch, *features)`` without.

    Examples
    --------
    >>> layer = DeltaActivationLayer(step_size=0.25, time_first=True)
    >>> x = torch.tensor([[[0.1, 1.0]], [[0.1, 1.1]], [[0.9, 1.1]]])   # (T=3, batch=1, 2)
    >>> layer(x)[:, 0].tolist()
    [[0.0, 1.0], [0.0, 0.0], [1.0, 0.0]]
    """

    def __init__(self, step_size: float = 0.1, *, fan_out: float = 1.0, output: str = "delta",
                 time_first: bool = True, learn_step: bool = True, step_from_loss: bool = False):
        super().__init__()
        if not (isinstance(step_size, (int, float)) and math.isfinite(step_size) and step_size > 0):
            raise ParameterError(f"step_size must be a finite number > 0, got {step_size!r}")
        if not (isinstance(fan_out, (int, float)) and math.isfinite(fan_out) and fan_out >= 0):
            raise ParameterError(f"fan_out must be a finite number >= 0, got {fan_out!r}")
        if output not in ("delta", "activation"):
            raise ParameterError(f"output must be 'delta' or 'activation', got {output!r}")
        log_step = torch.tensor(math.log(step_size))
        if learn_step:
            self.log_step_size = nn.Parameter(log_step)
        else:
            self.register_buffer("log_step_size", log_step)
        self.fan_out = float(fan_out)
        self.output = output
        self.time_first = bool(time_first)
        self.step_from_loss = bool(step_from_loss)
        self.reset_state()

    def extra_repr(self) -> str:
        return (f"step_size={float(self.step_size):.4g}, fan_out={self.fan_out:g}, "
                f"output={self.output!r}, time_first={self.time_first}")

    @property
    def step_size(self) -> torch.Tensor:
        """The quantization step ``s = exp(log_step_size)`` (a 0-d tensor, differentiable)."""
        return self.log_step_size.exp()

    def reset_state(self) -> None:
        """Forget the previous frame (next frame's delta is its full activation) and the loss."""
        self._prev: torch.Tensor | None = None
        self._prev_loss: torch.Tensor | None = None
        self._abs_sum: torch.Tensor | None = None
        self._n_values = 0
        self.last_delta: torch.Tensor | None = None

    def quantize(self, x: torch.Tensor) -> torch.Tensor:
        """``s * round(ReLU(x) / s)`` with a straight-through gradient for the rounding."""
        s = self.step_size
        y = F.relu(x) / s
        return s * (y + (torch.round(y) - y).detach())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q = self.quantize(x)
        delta = self._difference(q, "_prev")
        if self.step_from_loss or not (torch.is_grad_enabled() and self.log_step_size.requires_grad):
            loss_delta = delta
        else:  # the values of q, with the straight-through gradient to x but none to s
            r = F.relu(x)
            loss_delta = self._difference(r + (q - r).detach(), "_prev_loss")
        abs_sum = loss_delta.abs().sum()
        self._abs_sum = abs_sum if self._abs_sum is None else self._abs_sum + abs_sum
        self._n_values += loss_delta.numel()
        self.last_delta = delta
        return delta if self.output == "delta" else q

    def _difference(self, q: torch.Tensor, state: str) -> torch.Tensor:
        """``q_t - q_{t-1}``, with ``q_{t-1}`` kept in the attribute ``state`` between calls."""
        frame_shape = q.shape[1:] if self.time_first else q.shape
        prev = getattr(self, state)
        if prev is None:
            prev = q.new_zeros(frame_shape)
        elif prev.shape != frame_shape:
            raise ParameterError(
                f"frame shape {tuple(frame_shape)} differs from the previous frame's "
                f"{tuple(prev.shape)}; call reset_state() before a new batch of videos")
        if self.time_first:
            setattr(self, state, q[-1])
            return q - torch.cat([prev.unsqueeze(0), q[:-1]], dim=0)
        setattr(self, state, q)
        return q - prev

    def loss(self) -> torch.Tensor:
        """``fan_out * mean |Delta|`` over every value produced since :meth:`reset_state`.

        Differentiable (through the straight-through estimator) with respect to the input,
        and to the step size if ``step_from_loss``; zero if nothing was produced yet. The
        mean includes the first frame, whose delta is its whole activation (what delta
        hardware sends first).
        """
        if self._abs_sum is None:
            return self.log_step_size.new_zeros(())
        return self.fan_out * self._abs_sum / self._n_values


class DeltaAccumulator(nn.Module):
    """Delta inference for a linear layer: ``y_t = y_{t-1} + W * Delta_t`` (bias once).

    Wraps an ``nn.Linear``, ``nn.Conv1d`` or ``nn.Conv2d`` that follows a
    :class:`DeltaActivationLayer` with ``output="delta"``. Since the layer is linear,
    the running sum equals the layer applied to the accumulated activation ``q_t`` (up to
    float rounding), but each step multiplies only the (sparse) changes. The wrapped layer
    is called on the deltas, so a counter hooked on it (``torch_count.count``) counts the
    delta MACs as its effective MACs. ``time_first`` and :meth:`reset_state` work as in
    :class:`DeltaActivationLayer`.

    Parameters
    ----------
    layer
        The linear layer; its weights are used as they are (shared, not copied).
    time_first
        Input ``(T, batch, ...)`` (cumulative sum over T) or one frame ``(batch, ...)``.
    """

    def __init__(self, layer: nn.Module, *, time_first: bool = True):
        super().__init__()
        if not isinstance(layer, _MAC_LAYERS):
            raise ParameterError(
                f"DeltaAccumulator wraps nn.Linear, nn.Conv1d or nn.Conv2d, got {type(layer).__name__}")
        self.layer = layer
        self.time_first = bool(time_first)
        self.reset_state()

    def reset_state(self) -> None:
        """Forget the accumulated output (the next frame starts from the bias)."""
        self._acc: torch.Tensor | None = None

    def _bias_shape(self) -> list[int]:
        n_spatial = 0 if isinstance(self.layer, nn.Linear) else len(self.layer.kernel_size)
        return [-1] + [1] * n_spatial

    def _linear_part(self, delta: torch.Tensor) -> torch.Tensor:
        # Call the layer itself (so hooks, e.g. torch_count.count's, see the sparse deltas as
        # its input) and take the bias back out: it is added once, at the first frame.
        out = self.layer(delta)
        if self.layer.bias is not None:
            out = out - self.layer.bias.reshape(self._bias_shape())
        return out

    def forward(self, delta: torch.Tensor) -> torch.Tensor:
        if self.time_first:
            t, b = delta.shape[:2]
            part = self._linear_part(delta.flatten(0, 1))
            part = part.reshape(t, b, *part.shape[1:]).cumsum(dim=0)
        else:
            part = self._linear_part(delta)
        if self._acc is None:
            base = part.new_zeros(part.shape[1:] if self.time_first else part.shape)
            if self.layer.bias is not None:
                base = base + self.layer.bias.reshape(self._bias_shape())
        else:
            base = self._acc
        out = base + part
        self._acc = out[-1] if self.time_first else out
        return out


def reset_delta_state(model: nn.Module) -> None:
    """Call ``reset_state()`` on every Delta layer/accumulator in ``model`` (new videos)."""
    for module in model.modules():
        if isinstance(module, (DeltaActivationLayer, DeltaAccumulator)):
            module.reset_state()


def fan_out_of(layer: nn.Module) -> float:
    """Average number of MACs one input activation of ``layer`` takes part in.

    ``out_features`` for ``nn.Linear``; ``out_channels / groups * prod(kernel_size) /
    prod(stride)`` for ``nn.Conv1d``/``nn.Conv2d`` (borders and padding ignored: the exact
    figure is dense MACs divided by input elements).
    """
    if isinstance(layer, nn.Linear):
        return float(layer.out_features)
    if isinstance(layer, (nn.Conv1d, nn.Conv2d)):
        return (layer.out_channels / layer.groups * math.prod(layer.kernel_size)
                / math.prod(layer.stride))
    raise ParameterError(f"fan_out_of takes nn.Linear, nn.Conv1d or nn.Conv2d, got {type(layer).__name__}")


@dataclass
class DeltaMeasurement:
    """What :func:`measure_delta_sparsity` returns.

    Attributes
    ----------
    outputs
        The model's output for every frame, shape ``(n_videos, n_frames, *out)``.
    trace
        Per Conv/Linear layer: ``dense_ops``, ``effective_macs`` (input and weight both
        non-zero), ``delta_macs`` (input *change* and weight both non-zero), ``activations``
        and ``nonzero_activations`` of the layer's input; ``per_step`` holds the series
        ``effective_macs``, ``delta_macs``, ``nonzero_activations`` and ``nonzero_deltas``
        per frame (summed over videos). ``n_samples`` is the number of videos, ``n_steps``
        the number of frames, so ``trace.totals(per_sample=True)`` is per video.
    """

    outputs: torch.Tensor
    trace: OpTrace

    def summary(self) -> dict[str, dict[str, float]]:
        """Per layer and ``"total"``: activation sparsity, delta sparsity, and MACs per video."""
        out = {}
        rows = list(self.trace.layers.values())
        for name, layers in [(layer.name, [layer]) for layer in rows] + [("total", rows)]:
            acts = sum(layer.activations for layer in layers)
            nz = sum(layer.nonzero_activations for layer in layers)
            nzd = sum(float(layer.per_step["nonzero_deltas"].sum()) for layer in layers)
            n = max(self.trace.n_samples, 1)
            out[name] = {
                "activation_sparsity": 1.0 - nz / acts if acts else float("nan"),
                "delta_sparsity": 1.0 - nzd / acts if acts else float("nan"),
                "dense_macs": sum(layer.dense_ops for layer in layers) / n,
                "effective_macs": sum(layer.effective_macs for layer in layers) / n,
                "delta_macs": sum(layer.delta_macs for layer in layers) / n,
            }
        return out


@torch.no_grad()
def measure_delta_sparsity(model: nn.Module, videos: torch.Tensor, *, batch_size: int = 64,
                           delta_threshold: float = 0.0) -> DeltaMeasurement:
    """Run a per-frame model over videos frame by frame and count dense, skip and delta MACs.

    ``model`` maps one frame batch ``(batch, *frame)`` to an output; stateful layers
    (:class:`DeltaActivationLayer` with ``time_first=False``, :class:`DeltaAccumulator`)
    keep their state from frame to frame, and are reset before every batch of videos. Every
    ``nn.Linear``, ``nn.Conv1d`` and ``nn.Conv2d`` is hooked; for its input ``a_t`` at frame
    ``t`` (with ``a_{-1} = 0``):

    * ``dense_ops``: MACs of a dense implementation (output elements x fan-in, so MACs with
      padding count too);
    * ``effective_macs``: MACs whose input ``a_t`` and weight are both non-zero (zero-skipping),
      counted exactly by applying the layer to the masks ``a_t != 0`` and ``W != 0``;
    * ``delta_macs``: MACs whose input change ``a_t - a_{t-1}`` and weight are both non-zero
      (delta inference; a change counts when ``|change| > delta_threshold``; keep the
      default 0 for the exact, lossless count).

    A layer fed by a :class:`DeltaActivationLayer` with ``output="delta"`` (through a
    :class:`DeltaAccumulator`) already sees changes: there its ``effective_macs`` are the
    delta MACs. Measure such models in ``output="activation"`` form instead.

    Parameters
    ----------
    model
        The per-frame model (put in eval mode by the caller if it has dropout/batch norm).
    videos
        ``(n_videos, n_frames, *frame)``, time on the second axis as
        :func:`neurosparse.data.moving_digits` returns.
    batch_size
        Videos per batch.
    delta_threshold
        ``>= 0``; see above.
    """
    if videos.dim() < 3:
        raise ParameterError(f"videos must be shaped (n_videos, n_frames, *frame), got {tuple(videos.shape)}")
    if not (isinstance(batch_size, int) and batch_size >= 1):
        raise ParameterError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    if not (math.isfinite(delta_threshold) and delta_threshold >= 0):
        raise ParameterError(f"delta_threshold must be >= 0, got {delta_threshold!r}")
    n_videos, n_frames = videos.shape[:2]
    names = {module: name or type(module).__name__ for name, module in model.named_modules()
             if isinstance(module, _MAC_LAYERS)}
    if not names:
        raise ParameterError("model has no nn.Linear/nn.Conv1d/nn.Conv2d layer to count")
    zeros = {name: torch.zeros(n_frames, dtype=torch.float64) for name in names.values()}
    series = {key: {name: z.clone() for name, z in zeros.items()}
              for key in ("dense_ops", "effective_macs", "delta_macs", "activations",
                          "nonzero_activations", "nonzero_deltas")}
    prev: dict[str, torch.Tensor] = {}
    frame_index = [0]

    def hook(module, args, output):
        name, t = names[module], frame_index[0]
        a = args[0].detach()
        delta = a - prev[name] if t > 0 else a
        prev[name] = a
        w_mask = (module.weight != 0).to(a.dtype)
        a_mask = (a != 0).to(a.dtype)
        d_mask = (delta.abs() > delta_threshold).to(a.dtype)
        s = series
        s["dense_ops"][name][t] += float(output.numel() * module.weight[0].numel())
        s["effective_macs"][name][t] += _apply(module, a_mask, w_mask).sum(dtype=torch.float64).item()
        s["delta_macs"][name][t] += _apply(module, d_mask, w_mask).sum(dtype=torch.float64).item()
        s["activations"][name][t] += a.numel()
        s["nonzero_activations"][name][t] += a_mask.sum().item()
        s["nonzero_deltas"][name][t] += d_mask.sum().item()

    handles = [module.register_forward_hook(hook) for module in names]
    outputs = []
    try:
        for start in range(0, n_videos, batch_size):
            batch = videos[start:start + batch_size]
            reset_delta_state(model)
            prev.clear()
            frames = []
            for t in range(n_frames):
                frame_index[0] = t
                frames.append(model(batch[:, t]))
            outputs.append(torch.stack(frames, dim=1))
    finally:
        for handle in handles:
            handle.remove()
        reset_delta_state(model)

    trace = OpTrace(n_samples=int(n_videos), n_steps=int(n_frames),
                    source="neurosparse.hardware.torch_delta.measure_delta_sparsity")
    for module, name in names.items():
        n_params = int(module.weight.numel())
        trace.add_layer(LayerCounts(
            name=name, kind=type(module).__name__.lower(),
            dense_ops=float(series["dense_ops"][name].sum()),
            effective_macs=float(series["effective_macs"][name].sum()),
            delta_macs=float(series["delta_macs"][name].sum()),
            activations=float(series["activations"][name].sum()),
            nonzero_activations=float(series["nonzero_activations"][name].sum()),
            n_params=n_params, n_nonzero_params=int((module.weight != 0).sum()),
            dense_params=n_params,
            per_step={key: series[key][name].numpy() for key in
                      ("effective_macs", "delta_macs", "nonzero_activations", "nonzero_deltas")},
        ))
    return DeltaMeasurement(outputs=torch.cat(outputs, dim=0), trace=trace)


def _apply(module: nn.Module, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """``module``'s linear map with ``weight`` in place of its own, no bias."""
    if isinstance(module, nn.Linear):
        return F.linear(x, weight)
    return module._conv_forward(x, weight, None)
