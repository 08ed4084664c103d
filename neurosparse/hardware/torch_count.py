"""Count what a PyTorch model computes, through forward hooks, as an :class:`OpTrace`.

:func:`count` runs a model on inputs shaped as it expects and hooks every module it knows.
The definitions are NeuroBench's (``neurobench.metrics``, v2.3) wherever NeuroBench defines
the quantity, so ``count(...).totals()`` (per sample) reproduces its ``SynapticOperations``
(``Dense``, ``Effective_MACs``, ``Effective_ACs``), ``ActivationSparsity`` and
``MembraneUpdates`` on the same model and data; the departures are listed below.

Synaptic operations (``nn.Linear``, ``nn.Conv1d/2d/3d``; recurrent layers and cells below),
for every call with input ``x`` and weight ``W``; the bias is not a synaptic operation:

* ``dense_ops``: the MACs of a dense implementation, every weight times every input it
  meets. Linear: ``rows * in * out``; convolution: ``out.numel() * (C_in / groups) *
  prod(kernel)``, multiplications by the zero padding included.
* ``effective_macs`` / ``effective_acs``: the pairs (input element, weight) with both
  non-zero, computed exactly by applying the layer's map to the masks ``x != 0`` and
  ``W != 0``. They are ACs (accumulates) when the call's input holds only ``{0, 1, -1}``
  (binary or ternary spikes; NeuroBench's test), MACs otherwise. ACs are also recorded as
  ``synaptic_events``.
* ``nonzero_input_ops`` / ``nonzero_weight_ops``: the dense ops whose input (respectively
  weight) operand is non-zero; :func:`neurosparse.hardware.sparsity.skip` needs them.

Activations: the outputs of ``nn.ReLU``, ``nn.Sigmoid`` (NeuroBench's list; extend it with
``counters={nn.Tanh: Counter(count_activation, "activation")}``) and of snnTorch spiking
neurons give ``activations`` and ``nonzero_activations``; ``activation_sparsity`` is
``1 - nonzero / activations`` over all of them, as NeuroBench computes it. Pooling is not a
synaptic operation (NeuroBench ignores it): pooling layers record only the activation bytes
they move; so do normalization layers (plus their parameter reads).

Spiking neurons (any ``snntorch.SpikingNeuron``: ``Leaky``, ``Synaptic``, ``Lapicque``,
``Alpha``, ``RLeaky``, ...): ``spikes`` (non-zero outputs), ``neuron_updates`` as NeuroBench's
membrane updates: on a layer's first call in a run every neuron, afterwards the neurons whose
membrane ``mem`` changed during the call. ``per_step['dense_neuron_updates']`` (with
``per_step=True``) keeps every neuron of every step. Our own neuron modules plug in with
:func:`register_counter`.

Recurrent layers and cells (``nn.RNN/GRU/LSTM`` including stacked, bidirectional and
projected LSTMs, ``nn.RNNCell/GRUCell/LSTMCell``): the recurrence is replayed from the
hooked inputs (and checked against the module's output), so every step's input-to-hidden
and hidden-to-hidden products are counted, plus the gate products (GRU: ``r*(W_hn h+b_hn)``,
``(1-z)*n``, ``z*h``; LSTM: ``f*c``, ``i*g``, ``o*tanh(c)``; NeuroBench counts these for
cells too) and the LSTM projection. Per step and sample: dense weight MACs ``G*H*(I + H_out)``
(``G`` = 1, 3, 4 for RNN, GRU, LSTM; ``H_out`` = ``proj_size`` or ``H``) plus ``P*H`` for a
projection, plus ``3*H`` gate products for GRU and LSTM.

Bytes: weights are read once per call and, in a recurrent layer, once per time step
(``n_params * element_size``, biases included; no reuse across calls assumed); recurrent and
neuron state is read every step and written where it changed (neurons) or every step
(recurrent ``h``/``c``); activation bytes are the module's input read and output written at
its boundary, at the tensors' own element size (a float32 spike costs 4 B here; a chip's
packing is the cost model's business).

Static, per layer: ``n_params`` (the module's own parameters, so their sum over the trace is
NeuroBench's ``ParameterCount``), ``dense_params`` / ``n_nonzero_params`` (the weights
NeuroBench's ``ConnectionSparsity`` counts: a Linear/Conv weight without its bias; every
weight and bias of a recurrent layer or cell). :func:`footprint` is NeuroBench's ``Footprint``.

Time, batches and normalization. ``time_first=True``: ``inputs`` is ``[T, batch, ...]`` and
the model is called once per step with ``inputs[t]`` (stateful spiking models, as
NeuroBench's ``SNNTorchModel`` calls them; it takes ``[batch, T, ...]``, which is
``time_first=False``). ``time_first=None``: the model is called once on ``inputs`` (a
feed-forward model, or one that loops over time itself). The layers hold totals over the
batch; ``n_samples`` is the batch size (dimension 1 for time-first inputs, else 0, or
given), and ``totals()`` divides by it as NeuroBench divides by the number of samples
(``totals(per_sample=False)``: the batch sums; ``OpTrace.merge_batches`` accumulates batches).
With ``per_step=True`` every layer keeps series with one entry per model call.

Departures from NeuroBench, on purpose:

* NeuroBench cannot count ``nn.RNN/GRU/LSTM`` layers: its code raises, its metric manager
  catches the error and reports ``SynapticOperations`` as 0.0 for the whole model. Counted
  here (above).
* NeuroBench's dense count for convolutions skips the products with padding zeros (it
  applies the layer to an all-ones input); here they count, as a dense implementation does
  them. The effective counts agree (a padding zero is a zero operand).
* Recurrent cells called with an explicit state agree with NeuroBench on generic data
  (tested). Called without one, NeuroBench's ``RNNCell`` count takes only the first sample
  of the batch (it indexes the input tensor as if it were an ``(x, h)`` tuple) and no
  hidden-to-hidden op, and its ``GRUCell``/``LSTMCell`` counts raise (reported as 0.0); here
  the dense count includes the products with the zero state (PyTorch does them). NeuroBench
  also sorts a cell's whole work by its input ``x`` (ACs if ``x`` is spikes); here each
  product is sorted by its own input, so hidden-state products are MACs. NeuroBench's
  LSTM-cell dense count only counts the non-zero entries of ``(h, c)`` and treats a gate as
  zero when its pre-activation is zero (``sigmoid(0) = 0.5``); here a gate product is
  effective when both factors are non-zero.
* With no activation layer, NeuroBench reports activation sparsity 0.0; the trace gives NaN.
* Functional activations (``F.relu``, ``torch.sigmoid``) are invisible to module hooks, here
  as in NeuroBench. Call the model in the mode you deploy (``model.eval()``); count does not
  change it (NeuroBench's wrappers call ``eval()``).

A module with parameters of its own that no counter knows is not silently skipped: its call
raises :class:`UncountedLayerWarning` naming the class (:class:`UncountedLayerError` with
``strict=True``), and it appears in the trace with kind ``"uncounted"`` and its parameters.

This is the only module of :mod:`neurosparse.hardware` (with ``torch_delta``) that imports
torch at module level; it needs the ``snn`` extra.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from neurosparse.errors import MissingDependencyError, NeurosparseError, ParameterError
from neurosparse.optrace import COUNT_FIELDS, LayerCounts, OpTrace

try:
    import torch
    import torch.nn.functional as F
    from torch import nn
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise MissingDependencyError(
        "neurosparse.hardware.torch_count needs torch: pip install 'neurosparse[snn]'") from exc

__all__ = ["Counter", "UncountedLayerError", "UncountedLayerWarning", "count", "count_activation",
           "spiking_neuron_counter",
           "footprint", "parameter_matrices", "register_counter"]


class UncountedLayerWarning(UserWarning):
    """A module with parameters was called but no counter knows how to count it."""


class UncountedLayerError(NeurosparseError, TypeError):
    """Raised instead of :class:`UncountedLayerWarning` when counting with ``strict=True``."""


#: ``fn(module, args, output, state) -> {count field: increment}`` for one call of ``module``.
#: ``state`` is a dict private to the layer for one :func:`count` run; ``state["calls"]`` is
#: the number of earlier calls of the layer in the run. Keys that are not count fields
#: (e.g. ``dense_neuron_updates``) are kept only as ``per_step`` series.
CountFn = Callable[[nn.Module, tuple, Any, dict], Mapping[str, float]]


@dataclass(frozen=True)
class Counter:
    """How to count one module type.

    Parameters
    ----------
    count
        A :data:`CountFn`, called after every forward call of the module.
    kind
        The layer kind recorded in the trace (``"linear"``, ``"population"``, ...).
    before
        Optional ``before(module, args, state)`` called before every forward call (to
        snapshot state the call will overwrite).
    synaptic_weights
        Optional ``fn(module) -> list of tensors``: the weights counted as synapses
        (``dense_params`` / ``n_nonzero_params``, connection sparsity).
    """

    count: CountFn
    kind: str = "custom"
    before: Callable[[nn.Module, tuple, dict], None] | None = None
    synaptic_weights: Callable[[nn.Module], list] | None = None


_COUNTERS: dict[type, Counter] = {}


def register_counter(module_type: type, fn: CountFn | Counter, *, kind: str = "custom",
                     before: Callable[[nn.Module, tuple, dict], None] | None = None,
                     synaptic_weights: Callable[[nn.Module], list] | None = None) -> None:
    """Teach :func:`count` a module type (and its subclasses, unless they have their own).

    ``fn(module, args, output, state)`` returns the increments of the count fields
    (:data:`neurosparse.optrace.COUNT_FIELDS`) for one call; see :class:`Counter`. A counter
    counts the module's own work only: its child modules are hooked and counted separately.
    """
    if not isinstance(module_type, type) or not issubclass(module_type, nn.Module):
        raise ParameterError(f"module_type must be an nn.Module subclass, got {module_type!r}")
    _COUNTERS[module_type] = fn if isinstance(fn, Counter) else Counter(fn, kind, before, synaptic_weights)


# ---------------------------------------------------------------------------- count
def count(model: nn.Module, inputs: torch.Tensor | Sequence[torch.Tensor], *,
          time_first: bool | None = None, per_step: bool = False, strict: bool = False,
          reset: bool = True, n_samples: int | None = None,
          counters: Mapping[type, Counter | CountFn] | None = None) -> OpTrace:
    """Run ``model`` on ``inputs`` and count its operations layer by layer.

    Parameters
    ----------
    model
        The network. Its mode (train/eval) is left as it is.
    inputs
        A tensor, or a sequence of tensors passed as positional arguments.
    time_first
        ``True``: inputs are ``[T, batch, ...]`` and the model is called once per step;
        ``False``: inputs are ``[batch, T, ...]`` (NeuroBench's layout), called once per
        step; ``None``: the model is called once on the whole input.
    per_step
        Keep, per layer, series with one entry per model call (``LayerCounts.per_step``).
    strict
        Raise :class:`UncountedLayerError` instead of warning for a module that cannot be
        counted.
    reset
        Before running, reset the model's state: ``model.reset()`` if it has one, else
        snnTorch's ``utils.reset`` when it holds snnTorch neurons (as NeuroBench does) and
        ``reset_hidden()`` of every other module built with ``init_hidden=True``.
    n_samples
        Samples in the batch, if not the batch dimension of the first input (dimension 1
        when time-first, else 0), e.g. for an ``nn.LSTM`` fed ``[T, batch, ...]`` whole.
    counters
        Extra or overriding counters for this call, module type -> :class:`Counter` (or a
        bare count function).

    Raises
    ------
    ParameterError
        Before counting, if an input or a parameter of the model holds NaN or infinite values
        (a NaN is not zero, so it would be counted as a non-zero operand); the message names it
        and gives how many there are and where the first is. Likewise, during the run, for a
        non-finite value reaching a counted layer.

    Returns
    -------
    OpTrace
        Counts over the whole batch; its ``totals()`` are per sample, normalized as
        NeuroBench normalizes (``totals(per_sample=False)`` for the batch sums). ``n_steps``
        is ``T`` when time-first, else the longest sequence a recurrent layer processed,
        else 1. ``value_bytes`` is the element size of the model's parameters.
    """
    args = (inputs,) if isinstance(inputs, torch.Tensor) else tuple(inputs)
    if not args or not all(isinstance(a, torch.Tensor) for a in args):
        raise ParameterError("inputs must be a tensor or a non-empty sequence of tensors")
    for k, a in enumerate(args):
        _refuse_non_finite("inputs" if isinstance(inputs, torch.Tensor) else f"inputs[{k}]", a)
    for name, p in model.named_parameters():
        _refuse_non_finite(f"parameter {name!r} of the model", p)
    if time_first is None:
        steps = [args]
        batch = args[0].shape[0] if args[0].dim() else 1
    else:
        axis = 0 if time_first else 1
        if any(a.dim() < axis + 1 for a in args):
            raise ParameterError(f"time_first={time_first} needs inputs with a time axis at dimension {axis}")
        n_t = args[0].shape[axis]
        if n_t == 0 or any(a.shape[axis] != n_t for a in args):
            raise ParameterError(f"every input needs the same, non-zero number of steps on dimension {axis}")
        steps = [tuple(a.select(axis, t) for a in args) for t in range(n_t)]
        batch = args[0].shape[1 - axis] if args[0].dim() > 1 else 1
    n_samples = int(batch if n_samples is None else n_samples)
    if n_samples < 1:
        raise ParameterError(f"n_samples must be >= 1, got {n_samples}")

    table = _default_counters()
    for module_type, c in (counters or {}).items():
        table[module_type] = c if isinstance(c, Counter) else Counter(c)
    run = _Run(model, table, len(steps), per_step, strict)
    if reset:
        _reset_state(model)
    try:
        with torch.no_grad():
            for t, step_args in enumerate(steps):
                run.step = t
                model(*step_args)
    finally:
        run.remove()

    n_steps = len(steps) if time_first is not None else max(
        [s.get("seq_len", 1) for s in run.states.values()], default=1)
    param = next(model.parameters(), None)
    trace = OpTrace(n_samples=n_samples, n_steps=int(n_steps),
                    source=f"neurosparse.hardware.torch_count.count({type(model).__name__})",
                    value_bytes=float((param if param is not None else args[0]).element_size()))
    for layer in run.layers():
        trace.add_layer(layer)
    return trace


class _Run:
    """Hooks of one :func:`count` run and what they accumulate."""

    def __init__(self, model: nn.Module, table: dict[type, Counter], n_calls: int, per_step: bool,
                 strict: bool):
        self.step = 0
        self.n_calls = n_calls
        self.per_step = per_step
        self.strict = strict
        self.handles: list = []
        self.entries: list[tuple[str, nn.Module, Counter | None]] = []
        self.totals: dict[str, dict[str, float]] = {}
        self.series: dict[str, dict[str, np.ndarray]] = {}
        self.states: dict[str, dict] = {}
        self.warned: set[str] = set()
        for name, module in model.named_modules():
            name = name or type(module).__name__.lower()
            counter = _lookup(type(module), table)
            if counter is None:
                if not any(True for _ in module.parameters(recurse=False)):
                    continue  # containers, flatten, dropout, parameter-free activations
                self._register(name, module, None)
            else:
                self._register(name, module, counter)

    def _register(self, name: str, module: nn.Module, counter: Counter | None) -> None:
        self.entries.append((name, module, counter))
        self.totals[name] = dict.fromkeys(COUNT_FIELDS, 0.0)
        self.series[name] = {}
        state = self.states[name] = {"calls": 0}
        if counter is None:
            def uncounted(mod, args, kwargs, output, name=name):
                self._uncountable(mod, f"no counter for {type(mod).__name__} (layer {name!r})")
            self.handles.append(module.register_forward_hook(uncounted, with_kwargs=True))
            return
        if counter.before is not None:
            def pre(mod, args, kwargs, counter=counter, state=state):
                counter.before(mod, _call_args(args, kwargs), state)
            self.handles.append(module.register_forward_pre_hook(pre, with_kwargs=True))

        def post(mod, args, kwargs, output, name=name, counter=counter, state=state):
            for k, a in enumerate(_call_args(args, kwargs)):
                for t in (a if isinstance(a, tuple) else (a,)):
                    if isinstance(t, torch.Tensor):
                        _refuse_non_finite(f"input {k} of layer {name!r} at call {state['calls']}", t)
            try:
                increments = counter.count(mod, _call_args(args, kwargs), output, state)
            except _Uncountable as exc:
                self._uncountable(mod, str(exc))
                increments = {}
            state["calls"] += 1
            self._add(name, increments)
        self.handles.append(module.register_forward_hook(post, with_kwargs=True))

    def _uncountable(self, module: nn.Module, why: str) -> None:
        message = (f"cannot count {type(module).__name__}: {why}; its operations are missing from "
                   "the trace (teach count with neurosparse.hardware.torch_count.register_counter)")
        if self.strict:
            raise UncountedLayerError(message)
        if why not in self.warned:
            self.warned.add(why)
            warnings.warn(message, UncountedLayerWarning, stacklevel=2)

    def _add(self, name: str, increments: Mapping[str, float]) -> None:
        totals, series = self.totals[name], self.series[name]
        for key, value in increments.items():
            value = float(value)
            if key in totals:
                totals[key] += value
            if self.per_step:
                if key not in series:
                    series[key] = np.zeros(self.n_calls)
                series[key][self.step] += value

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles.clear()

    def layers(self) -> list[LayerCounts]:
        out = []
        for name, module, counter in self.entries:
            n_params = sum(p.numel() for p in module.parameters(recurse=False))
            weights = counter.synaptic_weights(module) if counter and counter.synaptic_weights else []
            out.append(LayerCounts(
                name=name, kind=counter.kind if counter else "uncounted",
                n_params=int(n_params),
                dense_params=int(sum(w.numel() for w in weights)),
                n_nonzero_params=int(sum(int(torch.count_nonzero(w)) for w in weights)),
                per_step={k: v for k, v in self.series[name].items()},
                **self.totals[name]))
        return out


class _Uncountable(Exception):
    """Raised by a counter for a call it cannot count (e.g. a PackedSequence input)."""


def _call_args(args: tuple, kwargs: dict) -> tuple:
    return tuple(args) + tuple(kwargs.values()) if kwargs else tuple(args)


def _lookup(cls: type, table: Mapping[type, Counter]) -> Counter | None:
    for base in cls.__mro__:
        if base in table:
            return table[base]
    return None


def _reset_state(model: nn.Module) -> None:
    reset = getattr(model, "reset", None)
    if callable(reset) and not isinstance(reset, torch.Tensor):
        reset()
        return
    try:
        import snntorch
    except ImportError:
        snntorch = None
    neuron_types = () if snntorch is None else (snntorch.SpikingNeuron,)
    # other neurons that keep hidden state (neurosparse's UltraLIF with init_hidden=True) reset
    # their own, per instance
    for m in model.modules():
        reset_hidden = getattr(m, "reset_hidden", None)
        hidden = getattr(m, "init_hidden", False) is True
        if hidden and not isinstance(m, neuron_types) and callable(reset_hidden):
            reset_hidden()
    # snnTorch's utils.reset, but also for neurons nested below the model's children
    for cls in {type(m) for m in model.modules() if isinstance(m, neuron_types)}:
        reset_hidden = getattr(cls, "reset_hidden", None)
        if callable(reset_hidden):
            reset_hidden()


def footprint(model: nn.Module) -> int:
    """Bytes of the model's parameters and buffers (NeuroBench's ``Footprint``).

    Buffers include snnTorch neurons' state (``mem``), so the figure depends on the batch
    the model last ran, as NeuroBench's does.
    """
    return int(sum(p.numel() * p.element_size() for p in model.parameters())
               + sum(b.numel() * b.element_size() for b in model.buffers()))


def parameter_matrices(model: nn.Module) -> dict[str, list[np.ndarray]]:
    """Every parameter-holding module's own parameters as 2-D arrays, keyed as in a trace.

    A parameter of shape ``(d0, d1, ...)`` becomes ``(d0, d1 * ...)`` (a convolution kernel
    ``(C_out, C_in/groups * prod(kernel))``), a vector ``(1, n)``. Feed them to
    :func:`neurosparse.hardware.sparsity.format_bytes` to price compressed weight storage::

        fmts = {name: format_bytes(ms, "csr") for name, ms in parameter_matrices(model).items()}
        compressed = with_weight_formats(trace, fmts)
    """
    out = {}
    for name, module in model.named_modules():
        params = list(module.parameters(recurse=False))
        if params:
            out[name or type(module).__name__.lower()] = [
                p.detach().cpu().reshape(p.shape[0] if p.dim() > 1 else 1, -1).numpy() for p in params]
    return out


# ------------------------------------------------------------------------- helpers
def _refuse_non_finite(what: str, x: torch.Tensor) -> None:
    """A NaN is not zero, so it would count as a non-zero operand: refuse it (and infinities)."""
    if not (x.is_floating_point() or x.is_complex()):
        return
    bad = ~torch.isfinite(x.detach())
    if bool(bad.any()):
        first = tuple(int(i) for i in torch.nonzero(bad)[0]) if x.dim() else ()
        raise ParameterError(
            f"{what} holds {int(bad.sum())} non-finite values (NaN or inf) out of {x.numel()}, the first "
            f"at index {first} ({x.detach()[first].item()}); count needs finite values (a NaN would "
            "count as a non-zero operand)")


def _nnz(x: torch.Tensor) -> int:
    return int(torch.count_nonzero(x))


def _is_spikes(x: torch.Tensor) -> bool:
    """NeuroBench's test: every element is 0, 1 or -1."""
    return bool(((x == 0) | (x == 1) | (x == -1)).all())


def _bytes(*tensors: torch.Tensor | None) -> float:
    return float(sum(t.numel() * t.element_size() for t in tensors if isinstance(t, torch.Tensor)))


def _synaptic(dense: float, effective: float, nonzero_input: float, nonzero_weight: float,
              spikes: bool) -> dict[str, float]:
    out = {"dense_ops": dense, "nonzero_input_ops": nonzero_input, "nonzero_weight_ops": nonzero_weight}
    if spikes:
        out["effective_acs"] = effective
        out["synaptic_events"] = effective
    else:
        out["effective_macs"] = effective
    return out


def _merge(into: dict[str, float], more: Mapping[str, float]) -> dict[str, float]:
    for key, value in more.items():
        into[key] = into.get(key, 0.0) + float(value)
    return into


def _matvec_ops(x: torch.Tensor, weight: torch.Tensor) -> dict[str, float]:
    """Ops of ``x @ weight.T`` for ``x`` of shape ``[..., in]``, ``weight`` ``[out, in]``."""
    n_out, n_in = weight.shape
    rows = x.numel() // n_in if n_in else 0
    col_nnz = (weight != 0).sum(0).to(torch.float64)
    x_nz = (x != 0).reshape(-1, n_in).to(torch.float64).sum(0)
    effective = float(x_nz @ col_nnz)
    return _synaptic(float(rows * n_in * n_out), effective, float(_nnz(x) * n_out),
                     float(rows * _nnz(weight)), _is_spikes(x))


def _output_tensor(output: Any) -> torch.Tensor:
    return output[0] if isinstance(output, (tuple, list)) else output


# --------------------------------------------------------------- built-in counters
def _count_linear(m: nn.Linear, args: tuple, output: Any, state: dict) -> dict[str, float]:
    x = args[0]
    ops = _matvec_ops(x, m.weight)
    ops["weight_bytes_read"] = _bytes(m.weight, m.bias)
    ops["activation_bytes_read"] = _bytes(x)
    ops["activation_bytes_written"] = _bytes(_output_tensor(output))
    return ops


_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def _count_conv(m: nn.modules.conv._ConvNd, args: tuple, output: Any, state: dict) -> dict[str, float]:
    x, out = args[0], _output_tensor(output)
    n = len(m.kernel_size)
    conv = _CONV[n]
    mask = (x != 0).to(torch.float64)
    padding = m.padding
    if m.padding_mode != "zeros":
        mask = F.pad(mask, m._reversed_padding_repeated_twice, mode=m.padding_mode)
        padding = 0
    w_mask = (m.weight != 0).to(torch.float64)

    def apply(inp, weight):
        return float(conv(inp, weight, None, m.stride, padding, m.dilation, m.groups).sum())

    fan_in = m.weight[0].numel()
    positions = out.numel() // m.out_channels
    ops = _synaptic(float(out.numel() * fan_in), apply(mask, w_mask), apply(mask, torch.ones_like(w_mask)),
                    float(positions * _nnz(m.weight)), _is_spikes(x))
    ops["weight_bytes_read"] = _bytes(m.weight, m.bias)
    ops["activation_bytes_read"] = _bytes(x)
    ops["activation_bytes_written"] = _bytes(out)
    return ops


def count_activation(m: nn.Module, args: tuple, output: Any, state: dict) -> dict[str, float]:
    """Counter of an activation module: its outputs, non-zero outputs and bytes moved."""
    y = _output_tensor(output)
    return {"activations": float(y.numel()), "nonzero_activations": float(_nnz(y)),
            "activation_bytes_read": _bytes(args[0]) if args else 0.0,
            "activation_bytes_written": _bytes(y)}


def _count_passthrough(m: nn.Module, args: tuple, output: Any, state: dict) -> dict[str, float]:
    """Pooling and normalization: no synaptic operation, only bytes moved."""
    return {"activation_bytes_read": _bytes(args[0]) if args else 0.0,
            "activation_bytes_written": _bytes(_output_tensor(output)),
            "weight_bytes_read": _bytes(*m.parameters(recurse=False))}


def _neuron_before(m: nn.Module, args: tuple, state: dict) -> None:
    mem = getattr(m, "mem", None)
    state["pre_mem"] = mem.detach().clone() if isinstance(mem, torch.Tensor) else None


def spiking_neuron_counter() -> Counter:
    """The counter used for snnTorch neurons, for other spiking neuron modules whose call
    returns the spikes first (``(spk, mem)``) or alone; register it with
    :func:`register_counter`. Without a ``mem`` attribute every neuron counts as updated."""
    return Counter(_count_spiking, "population", before=_neuron_before)


def _count_spiking(m: nn.Module, args: tuple, output: Any, state: dict) -> dict[str, float]:
    spk = _output_tensor(output)
    mem, pre = getattr(m, "mem", None), state.get("pre_mem")
    hidden = [b for name, b in m.named_buffers(recurse=False) if name in m._non_persistent_buffers_set]
    state_bytes = _bytes(*hidden)
    if isinstance(mem, torch.Tensor):
        dense = mem.numel()
        if state["calls"] == 0 or pre is None or pre.shape != mem.shape:
            updates = dense
        else:
            updates = _nnz(pre - mem)
    else:  # a neuron without a membrane attribute: every neuron is updated
        dense = updates = spk.numel()
    n_spikes = float(_nnz(spk))
    return {"neuron_updates": float(updates), "dense_neuron_updates": float(dense), "spikes": n_spikes,
            "activations": float(spk.numel()), "nonzero_activations": n_spikes,
            "state_bytes_read": state_bytes,
            "state_bytes_written": state_bytes * updates / dense if dense else 0.0,
            "activation_bytes_read": _bytes(args[0]) if args else 0.0,
            "activation_bytes_written": _bytes(spk)}


# ------------------------------------------------------------------ recurrent layers
def _cell_step(mode: str, w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor | None,
               b_hh: torch.Tensor | None, w_hr: torch.Tensor | None, x: torch.Tensor,
               h: torch.Tensor, c: torch.Tensor | None, ops: dict[str, float]):
    """One step of a recurrent cell on ``x`` ``[B, I]``; adds its operations to ``ops``."""
    _merge(ops, _matvec_ops(x, w_ih))
    _merge(ops, _matvec_ops(h, w_hh))
    gi = F.linear(x, w_ih, b_ih)
    gh = F.linear(h, w_hh, b_hh)

    def products(*pairs):
        dense = sum(a.numel() for a, _ in pairs)
        effective = sum(_nnz((a != 0) & (b != 0)) for a, b in pairs)
        _merge(ops, {"dense_ops": dense, "effective_macs": effective,
                     "nonzero_input_ops": effective, "nonzero_weight_ops": dense})

    if mode in ("RNN_TANH", "RNN_RELU"):
        pre = gi + gh
        return (torch.tanh(pre) if mode == "RNN_TANH" else torch.relu(pre)), None
    if mode == "GRU":
        i_r, i_z, i_n = gi.chunk(3, -1)
        h_r, h_z, h_n = gh.chunk(3, -1)
        r = torch.sigmoid(i_r + h_r)
        z = torch.sigmoid(i_z + h_z)
        n = torch.tanh(i_n + r * h_n)
        products((r, h_n), (1 - z, n), (z, h))
        return (1 - z) * n + z * h, None
    i, f, g, o = (gi + gh).chunk(4, -1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    tanh_c = torch.tanh(c_new)
    products((f, c), (i, g), (o, tanh_c))
    h_new = o * tanh_c
    if w_hr is not None:
        _merge(ops, _matvec_ops(h_new, w_hr))
        h_new = F.linear(h_new, w_hr)
    return h_new, c_new


def _cell_mode(m: nn.RNNCellBase) -> str:
    if isinstance(m, nn.LSTMCell):
        return "LSTM"
    if isinstance(m, nn.GRUCell):
        return "GRU"
    return "RNN_RELU" if getattr(m, "nonlinearity", "tanh") == "relu" else "RNN_TANH"


def _count_cell(m: nn.RNNCellBase, args: tuple, output: Any, state: dict) -> dict[str, float]:
    mode = _cell_mode(m)
    x = args[0]
    hx = args[1] if len(args) > 1 else None
    unbatched = x.dim() == 1
    if unbatched:
        x = x.unsqueeze(0)
    batch = x.shape[0]
    zeros = x.new_zeros(batch, m.hidden_size)
    if mode == "LSTM":
        h, c = (zeros, zeros) if hx is None else hx
    else:
        h, c = (zeros if hx is None else hx), None
    if unbatched and hx is not None:
        h = h.unsqueeze(0)
        c = c.unsqueeze(0) if c is not None else None
    ops: dict[str, float] = {}
    h_new, c_new = _cell_step(mode, m.weight_ih, m.weight_hh, m.bias_ih, m.bias_hh, None, x, h, c, ops)
    _check_replay(m, h_new.squeeze(0) if unbatched else h_new, _output_tensor(output))
    n_state = 2 if mode == "LSTM" else 1
    ops["weight_bytes_read"] = _bytes(*m.parameters(recurse=False))
    ops["state_bytes_read"] = _bytes(h) * n_state if hx is not None else 0.0
    ops["state_bytes_written"] = _bytes(h_new) * n_state
    ops["activation_bytes_read"] = _bytes(x)
    return ops


def _count_rnn(m: nn.RNNBase, args: tuple, output: Any, state: dict) -> dict[str, float]:
    x = args[0]
    hx = args[1] if len(args) > 1 else None
    if isinstance(x, nn.utils.rnn.PackedSequence):
        raise _Uncountable(f"{type(m).__name__} called on a PackedSequence (pad it to count it)")
    unbatched = x.dim() == 2
    if unbatched:
        x = x.unsqueeze(1)
        if hx is not None:
            hx = tuple(h.unsqueeze(1) for h in hx) if isinstance(hx, tuple) else hx.unsqueeze(1)
    elif m.batch_first:
        x = x.transpose(0, 1)
    mode = m.mode
    n_dir = 2 if m.bidirectional else 1
    h_out = m.proj_size or m.hidden_size
    n_steps, batch = x.shape[0], x.shape[1]
    state["seq_len"] = max(state.get("seq_len", 1), n_steps)
    h0 = c0 = None
    if hx is not None:
        h0, c0 = hx if mode == "LSTM" else (hx, None)
    ops: dict[str, float] = {}
    layer_in = x
    for layer in range(m.num_layers):
        outs = []
        for d in range(n_dir):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            w_ih, w_hh = getattr(m, "weight_ih" + sfx), getattr(m, "weight_hh" + sfx)
            b_ih = getattr(m, "bias_ih" + sfx) if m.bias else None
            b_hh = getattr(m, "bias_hh" + sfx) if m.bias else None
            w_hr = getattr(m, "weight_hr" + sfx) if m.proj_size else None
            idx = layer * n_dir + d
            h = h0[idx] if h0 is not None else x.new_zeros(batch, h_out)
            c = (c0[idx] if c0 is not None else x.new_zeros(batch, m.hidden_size)) if mode == "LSTM" else None
            seq = [None] * n_steps
            for t in (range(n_steps - 1, -1, -1) if d else range(n_steps)):
                _merge(ops, {"state_bytes_read": _bytes(h, c)})
                h, c = _cell_step(mode, w_ih, w_hh, b_ih, b_hh, w_hr, layer_in[t], h, c, ops)
                _merge(ops, {"state_bytes_written": _bytes(h, c),
                             "weight_bytes_read": _bytes(w_ih, w_hh, b_ih, b_hh, w_hr)})
                seq[t] = h
            outs.append(torch.stack(seq))
        layer_in = torch.cat(outs, -1)
    replayed = layer_in.squeeze(1) if unbatched else (layer_in.transpose(0, 1) if m.batch_first else layer_in)
    _check_replay(m, replayed, _output_tensor(output))
    ops["activation_bytes_read"] = _bytes(args[0])
    ops["activation_bytes_written"] = _bytes(_output_tensor(output))
    return ops


def _check_replay(m: nn.Module, replayed: torch.Tensor, actual: torch.Tensor) -> None:
    if replayed.shape != actual.shape or not torch.allclose(replayed, actual, rtol=1e-4, atol=1e-5):
        warnings.warn(f"replaying {type(m).__name__} did not reproduce its output (dropout in training "
                      "mode?); its effective counts are approximate", UncountedLayerWarning, stacklevel=3)


def _all_params(m: nn.Module) -> list:
    return list(m.parameters(recurse=False))


def _weight(m: nn.Module) -> list:
    return [m.weight]


def _default_counters() -> dict[type, Counter]:
    table: dict[type, Counter] = {
        nn.Linear: Counter(_count_linear, "linear", synaptic_weights=_weight),
        nn.Conv1d: Counter(_count_conv, "conv1d", synaptic_weights=_weight),
        nn.Conv2d: Counter(_count_conv, "conv2d", synaptic_weights=_weight),
        nn.Conv3d: Counter(_count_conv, "conv3d", synaptic_weights=_weight),
        nn.RNN: Counter(_count_rnn, "rnn", synaptic_weights=_all_params),
        nn.GRU: Counter(_count_rnn, "gru", synaptic_weights=_all_params),
        nn.LSTM: Counter(_count_rnn, "lstm", synaptic_weights=_all_params),
        nn.RNNCell: Counter(_count_cell, "rnn_cell", synaptic_weights=_all_params),
        nn.GRUCell: Counter(_count_cell, "gru_cell", synaptic_weights=_all_params),
        nn.LSTMCell: Counter(_count_cell, "lstm_cell", synaptic_weights=_all_params),
        nn.ReLU: Counter(count_activation, "activation"),
        nn.Sigmoid: Counter(count_activation, "activation"),
    }
    for pool in (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d,
                 nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d, nn.AdaptiveAvgPool1d,
                 nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d, nn.LPPool1d, nn.LPPool2d):
        table[pool] = Counter(_count_passthrough, "pool")
    for norm in (nn.modules.batchnorm._BatchNorm, nn.LayerNorm, nn.GroupNorm,
                 nn.modules.instancenorm._InstanceNorm):
        table[norm] = Counter(_count_passthrough, "norm")
    try:
        import snntorch
    except ImportError:
        pass
    else:
        table[snntorch.SpikingNeuron] = Counter(_count_spiking, "population", before=_neuron_before)
    table.update(_COUNTERS)
    return table
