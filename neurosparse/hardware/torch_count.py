"""Count what a PyTorch model computes, through forward hooks, as an :class:`OpTrace`.

:func:`count` runs a model on inputs shaped as it expects and hooks every module it knows.
The definitions are NeuroBench's (``neurobench.metrics``, v2.3) wherever NeuroBench defines
the quantity, so ``count(...).totals()`` (per sample) reproduces its ``SynapticOperations``
(``Dense``, ``Effective_MACs``, ``Effective_ACs``), ``ActivationSparsity``,
``MembraneUpdates`` and ``NeuronOperations`` on the same model and data; the departures are
listed below, and ``count(..., neurobench=True)`` drops them (last section).

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

Functional calls (``F.linear``, ``F.conv1d/2d/3d``, ``torch.matmul`` and ``@``, ``mm``,
``bmm``, ``einsum``) made outside a counted module are counted the same way, with their
sparsity, by a ``TorchFunctionMode`` (:mod:`neurosparse.hardware.torch_functional`), so a
forward is counted whatever style it is written in, and nothing twice: ``nn.Linear``'s own
``F.linear`` is its module's count. NeuroBench does not see functional calls.

Activations: the outputs of ``nn.ReLU``, ``nn.Sigmoid`` (NeuroBench's list; extend it with
``counters={nn.Tanh: Counter(count_activation, "activation")}``) and of snnTorch spiking
neurons give ``activations`` and ``nonzero_activations``; ``activation_sparsity`` is
``1 - nonzero / activations`` over all of them, as NeuroBench computes it, and
``OpTrace.activation_sparsity_by_layer()`` per layer. Pooling is not a synaptic operation
(NeuroBench ignores it): pooling layers record only the activation bytes they move; so do
normalization layers (plus their parameter reads).

Spiking neurons (any ``snntorch.SpikingNeuron``: ``Leaky``, ``Synaptic``, ``Lapicque``,
``Alpha``, ``RLeaky``, ...): ``spikes`` (non-zero outputs), ``neuron_updates`` as NeuroBench's
membrane updates: on a layer's first call in a run every neuron, afterwards the neurons whose
membrane ``mem`` changed during the call; ``dense_neuron_updates`` every neuron at every call;
``neuron_ops`` / ``dense_neuron_ops`` those times NeuroBench's operations per update for the
neuron type and reset mechanism (Leaky 4, Synaptic 6 or 8, Lapicque 11, Alpha 18 or 24 for
subtract or zero; 0 for types its table lacks). Our own neuron modules plug in with
:func:`register_counter`.

Recurrent layers and cells (``nn.RNN/GRU/LSTM``, ``nn.RNNCell/GRUCell/LSTMCell``): replayed
step by step, every product counted (:mod:`neurosparse.hardware.torch_recurrent`).

Time steps. ``n_steps`` of the trace is the number of time steps per sample, found, not
assumed: every spiking neuron module and recurrent cell is called once per step and every
whole recurrent layer reports the steps it ran, so their call counts say it, whether
``count`` feeds the steps (``time_first``) or the model loops over time itself (called once
on ``[T, batch, ...]``). When they disagree (one neuron module called 4 times, another 2)
``count`` refuses to guess and asks for ``n_steps=``; ``n_steps=`` always wins (with a warning
where it contradicts every module). A model with no such module takes one step per model call,
with a warning when a layer ran several times per call (a time loop with hand-written state?).

Bytes: weights are read once per call and, in a recurrent layer, once per time step
(``n_params * element_size``, biases included; no reuse across calls assumed); recurrent and
neuron state is read every step and written where it changed (neurons) or every step
(recurrent ``h``/``c``); activation bytes are the module's input read and output written at
its boundary, at the tensors' own element size (a float32 spike costs 4 B here; a chip's
packing is the cost model's business).

Static, per layer: ``n_params`` (the module's own parameters, so their sum over the trace is
NeuroBench's ``ParameterCount``), ``dense_params`` / ``n_nonzero_params`` (the weights
NeuroBench's ``ConnectionSparsity`` counts: a Linear/Conv weight without its bias; every
weight and bias of a recurrent layer or cell), ``parameter_bytes`` (parameters and constant
buffers, such as snnTorch's ``beta`` and ``threshold``: the same whatever the batch) and
``state_bytes`` (the state one sample keeps between steps: a neuron's hidden buffers such as
``mem``, its returned membrane if it keeps none, a recurrent layer's ``h`` and ``c``).
:func:`footprint` is NeuroBench's ``Footprint``: parameters plus every buffer, so it includes
the state as sized by the last batch run (a 20-30-10 Synaptic/Leaky network: 3,684 B fresh,
21,604 B after a batch of 64); the trace's ``parameter_bytes`` and ``state_bytes`` (280 B per
sample there) are the parts that do not depend on it.

Time, batches and normalization. ``time_first=True``: ``inputs`` is ``[T, batch, ...]`` and
the model is called once per step with ``inputs[t]`` (stateful spiking models, as
NeuroBench's ``SNNTorchModel`` calls them; it takes ``[batch, T, ...]``, which is
``time_first=False``). ``time_first=None``: the model is called once on ``inputs`` (a
feed-forward model, or one that loops over time itself). The layers hold totals over the
batch; ``n_samples`` is the batch size (dimension 1 for time-first inputs, else 0, or
given), and ``totals()`` divides by it as NeuroBench divides by the number of samples
(``totals(per_sample=False)``: the batch sums; ``OpTrace.merge_batches`` accumulates batches).
With ``per_step=True`` every layer keeps series with one entry per model call.

Departures from NeuroBench, on purpose (the default):

* NeuroBench cannot count ``nn.RNN/GRU/LSTM`` layers: its code raises, its metric manager
  catches the error and reports ``SynapticOperations`` as 0.0 for the whole model. Counted
  here.
* NeuroBench's dense count for convolutions skips the products with padding zeros (it
  applies the layer to an all-ones input); here they count, as a dense implementation does
  them. The effective counts agree (a padding zero is a zero operand).
* NeuroBench counts only what its hooks see: the model's submodules of the types it lists
  (not the model itself, not our own neurons such as UltraLIF, not functional calls).
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

``neurobench=True`` counts as NeuroBench 2.3 does: convolution dense ops without padding,
linear and convolution counts summed in the layer's dtype as NeuroBench sums them (float32
totals above 2**24 rounded as its are), only the layers its hooks see (the others stay in the
trace with their parameters and no counts, with a warning naming them), no functional calls
(warned), a whole recurrent layer's synaptic ops left out (warned; NeuroBench then reports 0.0
for the whole model), neurons without ``mem`` making no membrane update, and neuron operations
only for the four neuron types of its table, by exact class name. Recurrent cells agree with
NeuroBench when called with an explicit state (a cell called without one is warned and counted
as here). The trace's ``convention``
says which. :func:`neurosparse.hardware.torch_neurobench.neurobench_metrics` gives every
NeuroBench metric, keyed and shaped as ``neurobench.benchmarks.Benchmark.run`` returns them.

A module with parameters of its own that no counter knows is not silently skipped: unless its
parameters were all operands of counted functional calls, :class:`UncountedLayerWarning`
names its class (:class:`UncountedLayerError` with ``strict=True``), and it appears in the
trace with kind ``"uncounted"`` and its parameters.

This is the only module of :mod:`neurosparse.hardware` (with ``torch_delta`` and the torch
modules it uses) that imports torch at module level; it needs the ``snn`` extra.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from neurosparse._validation import as_count
from neurosparse.errors import MissingDependencyError, NeurosparseError, NeurosparseWarning, ParameterError
from neurosparse.optrace import COUNT_FIELDS, LayerCounts, OpTrace

try:
    import torch
    from torch import nn
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise MissingDependencyError(
        "neurosparse.hardware.torch_count needs torch: pip install 'neurosparse[snn]'") from exc

from neurosparse.hardware.torch_functional import UNCOUNTED_OPS, FunctionalCounter, functional_call
from neurosparse.hardware.torch_neurobench import neurobench_modules, neuron_ops_per_update
from neurosparse.hardware.torch_ops import (
    Uncountable,
    UncountedLayerWarning,
    conv_ops,
    linear_ops,
    nnz,
    output_tensor,
    tensor_bytes,
)
from neurosparse.hardware.torch_recurrent import count_cell, count_rnn

__all__ = ["Counter", "StepCountWarning", "UncountedLayerError", "UncountedLayerWarning", "count",
           "count_activation", "footprint", "parameter_matrices", "register_counter",
           "spiking_neuron_counter"]


class UncountedLayerError(NeurosparseError, TypeError):
    """Raised instead of :class:`UncountedLayerWarning` when counting with ``strict=True``."""


class StepCountWarning(NeurosparseWarning):
    """The number of time steps could not be read from the model unambiguously, or ``n_steps=``
    contradicts what every stateful module says."""


#: ``fn(module, args, output, state) -> {count field: increment}`` for one call of ``module``.
#: ``state`` is a dict private to the layer for one :func:`count` run; ``state["calls"]`` is
#: the number of earlier calls of the layer in the run, ``state["neurobench"]`` whether the run
#: counts as NeuroBench does. Besides the count fields, ``held_state_bytes`` (the state the batch
#: holds after the call; the layer keeps the largest) is understood; other keys are kept only as
#: ``per_step`` series. A counter may set ``state["seq_steps"]`` to the time steps its layer ran.
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
    steps
        Whether each call of the module is one time step (neurons, recurrent cells), so that
        :func:`count` reads ``n_steps`` from its calls; None (the default): True for kind
        ``"population"``.
    """

    count: CountFn
    kind: str = "custom"
    before: Callable[[nn.Module, tuple, dict], None] | None = None
    synaptic_weights: Callable[[nn.Module], list] | None = None
    steps: bool | None = None

    @property
    def clocked(self) -> bool:
        """Whether a call of the module is one time step."""
        return self.kind == "population" if self.steps is None else bool(self.steps)


_COUNTERS: dict[type, Counter] = {}


def register_counter(module_type: type, fn: CountFn | Counter, *, kind: str = "custom",
                     before: Callable[[nn.Module, tuple, dict], None] | None = None,
                     synaptic_weights: Callable[[nn.Module], list] | None = None,
                     steps: bool | None = None) -> None:
    """Teach :func:`count` a module type (and its subclasses, unless they have their own).

    ``fn(module, args, output, state)`` returns the increments of the count fields
    (:data:`neurosparse.optrace.COUNT_FIELDS`) for one call; see :class:`Counter`. A counter
    counts the module's own work only: its child modules are hooked and counted separately.
    """
    if not isinstance(module_type, type) or not issubclass(module_type, nn.Module):
        raise ParameterError(f"module_type must be an nn.Module subclass, got {module_type!r}")
    _COUNTERS[module_type] = fn if isinstance(fn, Counter) else Counter(fn, kind, before, synaptic_weights,
                                                                        steps)


# ---------------------------------------------------------------------------- count
def count(model: nn.Module, inputs: torch.Tensor | Sequence[torch.Tensor], *,
          time_first: bool | None = None, per_step: bool = False, strict: bool = False,
          reset: bool = True, n_samples: int | None = None, n_steps: int | None = None,
          neurobench: bool = False, counters: Mapping[type, Counter | CountFn] | None = None) -> OpTrace:
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
        step; ``None``: the model is called once on the whole input (a feed-forward model, or
        one that loops over time itself).
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
    n_steps
        Time steps per sample, overriding what the model's neurons and recurrent layers say
        (see the module docstring); needed when they disagree.
    neurobench
        Count as NeuroBench 2.3 does (see the module docstring): no convolution padding in the
        dense ops, only the layers NeuroBench hooks, no functional calls.
    counters
        Extra or overriding counters for this call, module type -> :class:`Counter` (or a
        bare count function).

    Raises
    ------
    ParameterError
        Before counting, if an input or a parameter of the model holds NaN or infinite values
        (a NaN is not zero, so it would be counted as a non-zero operand); the message names it
        and gives how many there are and where the first is. Likewise, during the run, for a
        non-finite value reaching a counted layer. After the run, if the neurons and recurrent
        layers were called different numbers of times and ``n_steps`` was not given.

    Warns
    -----
    StepCountWarning
        ``n_steps`` contradicts every stateful module; no module says how many steps there
        were and a layer ran several times per model call; or a model called once ran as many
        steps as the input's dimension 0, taken as the batch (pass ``n_samples``).
    UncountedLayerWarning
        A module with parameters could not be counted; with ``neurobench=True``, layers or
        functional calls left out as NeuroBench leaves them out.

    Returns
    -------
    OpTrace
        Counts over the whole batch; its ``totals()`` are per sample, normalized as
        NeuroBench normalizes (``totals(per_sample=False)`` for the batch sums). ``n_steps``
        as found (above); ``value_bytes`` is the element size of the model's parameters;
        ``convention`` is ``"neurobench"`` or ``"neurosparse"``.
    """
    args = (inputs,) if isinstance(inputs, torch.Tensor) else tuple(inputs)
    if not args or not all(isinstance(a, torch.Tensor) for a in args):
        raise ParameterError("inputs must be a tensor or a non-empty sequence of tensors")
    for k, a in enumerate(args):
        _refuse_non_finite("inputs" if isinstance(inputs, torch.Tensor) else f"inputs[{k}]", a)
    for name, p in model.named_parameters():
        _refuse_non_finite(f"parameter {name!r} of the model", p)
    if n_steps is not None:
        n_steps = as_count("n_steps", n_steps, low=1)
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
    given_samples = n_samples is not None
    n_samples = as_count("n_samples", batch if n_samples is None else n_samples, low=1)

    table = _default_counters()
    for module_type, c in (counters or {}).items():
        table[module_type] = c if isinstance(c, Counter) else Counter(c)
    run = _Run(model, table, len(steps), per_step, strict, bool(neurobench))
    if reset:
        _reset_state(model)
    try:
        with torch.no_grad(), FunctionalCounter(run.functional):
            for t, step_args in enumerate(steps):
                run.step = t
                model(*step_args)
    finally:
        run.remove()
    run.finish()
    found, how = run.time_steps(n_steps)
    if time_first is None and not given_samples and found > 1 and args[0].dim() > 1 and \
            args[0].shape[0] == found:
        warnings.warn(f"the model ran {found} time steps, as many as dimension 0 of its input, which "
                      f"count takes as the batch ({n_samples} samples); if the input is time-first "
                      "[T, batch, ...], pass n_samples=", StepCountWarning, stacklevel=2)
    param = next(model.parameters(), None)
    trace = OpTrace(n_samples=n_samples, n_steps=found,
                    source=f"neurosparse.hardware.torch_count.count({type(model).__name__}); n_steps {how}",
                    value_bytes=float((param if param is not None else args[0]).element_size()),
                    convention="neurobench" if neurobench else "neurosparse")
    for layer in run.layers(n_samples):
        trace.add_layer(layer)
    return trace


class _Run:
    """Hooks of one :func:`count` run and what they accumulate."""

    def __init__(self, model: nn.Module, table: dict[type, Counter], n_calls: int, per_step: bool,
                 strict: bool, neurobench: bool):
        self.step = 0
        self.n_calls = n_calls
        self.per_step = per_step
        self.strict = strict
        self.neurobench = neurobench
        self.handles: list = []
        self.entries: list[tuple[str, nn.Module | None, Counter | None]] = []
        self.kinds: dict[str, str] = {}
        self.totals: dict[str, dict[str, float]] = {}
        self.series: dict[str, dict[str, np.ndarray]] = {}
        self.states: dict[str, dict] = {}
        self.held: dict[str, float] = {}
        self.warned: set[str] = set()
        self.stack: list[tuple[str, bool]] = []  # running modules: (name, does a counter count it?)
        self.module_names: dict[int, str] = {}
        self.param_owner: dict[int, str] = {}  # id(parameter) -> layer name of its module
        self.consumed: set[int] = set()  # parameters that were operands of counted functional calls
        self.extra_weights: dict[str, dict[int, torch.Tensor]] = {}
        self.uncounted_called: dict[str, nn.Module] = {}
        self.left_out: dict[str, int] = {}  # neurobench: layers NeuroBench does not hook -> calls
        self.functional_left_out = 0
        visible = neurobench_modules(model) if neurobench else None
        modules = list(model.named_modules())
        for name, module in modules:
            name = name or type(module).__name__.lower()
            self.module_names[id(module)] = name
            for p in module.parameters(recurse=False):
                self.param_owner.setdefault(id(p), name)
            counter = _lookup(type(module), table)
            if counter is None and not any(True for _ in module.parameters(recurse=False)):
                continue  # containers, flatten, dropout, parameter-free activations
            if visible is not None and counter is not None and counter.kind not in ("pool", "norm") and (
                    id(module) not in visible or isinstance(module, nn.RNNBase)):
                self.left_out[name] = 0  # NeuroBench does not see it (or, a whole RNN, cannot count it)
            self._register(name, module, counter)
        self.param_ids = {id(p) for p in model.parameters()}
        counted = {id(module) for _, module, counter in self.entries if counter is not None}
        for _, module in modules:  # the stack of running modules: the first pre-hook, the last hook
            entry = (self.module_names[id(module)], id(module) in counted)
            self.handles.append(module.register_forward_pre_hook(
                lambda mod, args, entry=entry: self.stack.append(entry), prepend=True))
        for _, module in modules:
            self.handles.append(module.register_forward_hook(self._pop, always_call=True))

    def _pop(self, module: nn.Module, args: tuple, output: Any) -> None:
        self.stack.pop()  # returns None: a hook's return value would replace the output

    def _register(self, name: str, module: nn.Module | None, counter: Counter | None, kind: str = "") -> None:
        self.entries.append((name, module, counter))
        self.kinds[name] = kind or (counter.kind if counter else "uncounted")
        self.totals[name] = dict.fromkeys(COUNT_FIELDS, 0.0)
        self.series[name] = {}
        state = self.states[name] = {"calls": 0, "neurobench": self.neurobench}
        if module is None:
            return
        if counter is None:
            def uncounted(mod, args, kwargs, output, name=name):
                self.uncounted_called[name] = mod
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
            if name in self.left_out:
                self.left_out[name] += 1
                state["calls"] += 1
                return
            try:
                increments = counter.count(mod, _call_args(args, kwargs), output, state)
            except Uncountable as exc:
                self._uncountable(mod, str(exc))
                increments = {}
            state["calls"] += 1
            self._add(name, increments)
        self.handles.append(module.register_forward_hook(post, with_kwargs=True))

    def functional(self, func: Callable, args: tuple, kwargs: dict, output: Any) -> None:
        """A functional call seen by the TorchFunctionMode: count it unless a counted module
        is running (its counter counts it) or NeuroBench's convention leaves it out."""
        if not self.stack or any(counted for _, counted in self.stack):
            return
        if func in UNCOUNTED_OPS:
            self._uncounted_functional(UNCOUNTED_OPS[func], self.stack[-1][0])
            return
        call = functional_call(func, args, kwargs, output, lambda t: self._parameter(t) is not None)
        if call is None:
            return
        for t in call.operands:
            _refuse_non_finite(f"an operand of functional {call.op} (call {self.step})", t)
        if self.neurobench:
            self.functional_left_out += 1
            return
        weight = self._parameter(call.weight)
        owner = self.param_owner.get(id(weight)) if weight is not None else None
        if owner is None:
            name = f"{self.stack[-1][0]}.{call.op}"
            if name not in self.totals:
                self._register(name, None, None, kind=call.op)
        else:
            name = owner
            if self.kinds[name] == "uncounted":
                self.kinds[name] = call.op
            self.extra_weights.setdefault(name, {})[id(weight)] = weight
        self.consumed.update(id(self._parameter(t)) for t in call.operands)
        self.states[name]["functional_calls"] = self.states[name].get("functional_calls", 0) + 1
        self._add(name, call.increments)

    def _parameter(self, t: torch.Tensor) -> torch.Tensor | None:
        """The model parameter ``t`` is, or is a view of (``w.T``), else None."""
        while t is not None:
            if id(t) in self.param_ids:
                return t
            t = t._base
        return None

    def _uncounted_functional(self, op: str, where: str) -> None:
        why = f"functional {op} (in {where!r}) is not counted"
        self._refuse_or_warn(why, f"cannot count {why}; its operations are missing from the trace (write the "
                             "product with matmul, F.linear or a module count knows, or teach count with "
                             "register_counter)")

    def _uncountable(self, module: nn.Module, why: str) -> None:
        self._refuse_or_warn(why, f"cannot count {type(module).__name__}: {why}; its operations are "
                             "missing from the trace (teach count with "
                             "neurosparse.hardware.torch_count.register_counter)")

    def _refuse_or_warn(self, why: str, message: str) -> None:
        """Raise with ``strict=True``, else warn once per reason."""
        if self.strict:
            raise UncountedLayerError(message)
        if why not in self.warned:
            self.warned.add(why)
            warnings.warn(message, UncountedLayerWarning, stacklevel=4)

    def _add(self, name: str, increments: Mapping[str, float]) -> None:
        totals, series = self.totals[name], self.series[name]
        for key, value in increments.items():
            value = float(value)
            if key == "held_state_bytes":
                self.held[name] = max(self.held.get(name, 0.0), value)
                continue
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

    def finish(self) -> None:
        """After the run: warn (or raise) for modules nothing counted, and for what NeuroBench's
        convention left out."""
        for name, module in self.uncounted_called.items():
            own = [p for p in module.parameters(recurse=False)]
            if own and all(id(p) in self.consumed for p in own):
                continue  # every parameter was an operand of a counted functional call
            self._uncountable(module, f"no counter for {type(module).__name__} (layer {name!r})")
        left = [name for name, calls in self.left_out.items() if calls]
        if left:
            warnings.warn(f"neurobench=True: layers {', '.join(left)} are left out of the counts, as "
                          "NeuroBench leaves them out (its hooks see only the model's submodules of its "
                          "listed types; a whole RNN/GRU/LSTM layer makes its SynapticOperations fail and "
                          "report 0.0)", UncountedLayerWarning, stacklevel=3)
        if self.functional_left_out:
            warnings.warn(f"neurobench=True: {self.functional_left_out} functional calls (F.linear, matmul, "
                          "...) are left out of the counts, as NeuroBench does not see them; count without "
                          "neurobench=True to include them", UncountedLayerWarning, stacklevel=3)

    def time_steps(self, given: int | None) -> tuple[int, str]:
        """``n_steps`` and how it was found (see the module docstring)."""
        said: dict[str, int] = {}
        for name, _, counter in self.entries:
            state = self.states[name]
            if "seq_steps" in state:
                said[name] = int(state["seq_steps"])
            elif counter is not None and counter.clocked and state["calls"]:
                said[name] = int(state["calls"])
        values = set(said.values())
        if given is not None:
            if len(values) == 1 and values != {given}:
                warnings.warn(f"n_steps={given} given, but every neuron and recurrent layer ran "
                              f"{values.pop()} steps ({', '.join(said)})", StepCountWarning, stacklevel=3)
            return given, "given"
        if len(values) == 1:
            return values.pop(), f"from the calls of {', '.join(said)}"
        if values:
            listing = ", ".join(f"{name}: {n}" for name, n in said.items())
            raise ParameterError(
                f"cannot tell the number of time steps: the neuron and recurrent layers ran different "
                f"numbers of steps ({listing}); pass n_steps= (the steps per sample)")
        repeated = {name: self.states[name]["calls"] // self.n_calls for name, _, c in self.entries
                    if c is not None and self.states[name]["calls"] > self.n_calls}
        if repeated:
            listing = ", ".join(f"{name} {n} times" for name, n in repeated.items())
            warnings.warn(f"no neuron or recurrent module says how many time steps there were, but layers "
                          f"ran several times per model call ({listing}); taking {self.n_calls} step(s) per "
                          "sample: if the model loops over time itself, pass n_steps=", StepCountWarning,
                          stacklevel=3)
        return self.n_calls, "one per model call (no neuron or recurrent layer)"

    def layers(self, n_samples: int) -> list[LayerCounts]:
        out = []
        for name, module, counter in self.entries:
            own = list(module.parameters(recurse=False)) if module is not None else []
            listed = counter.synaptic_weights(module) if counter and counter.synaptic_weights else []
            weights = {id(w): w for w in listed}
            if name in self.left_out:
                weights = {}
            for key, w in self.extra_weights.get(name, {}).items():
                weights.setdefault(key, w)
            held = self.states[name].get("state_buffers", set())
            constant = [b for bname, b in module.named_buffers(recurse=False)
                        if bname not in held] if module is not None else []
            out.append(LayerCounts(
                name=name, kind=self.kinds[name],
                n_params=int(sum(p.numel() for p in own)),
                dense_params=int(sum(w.numel() for w in weights.values())),
                n_nonzero_params=int(sum(nnz(w) for w in weights.values())),
                parameter_bytes=tensor_bytes(*own, *constant),
                state_bytes=self.held.get(name, 0.0) / n_samples,
                per_step={k: v for k, v in self.series[name].items()},
                **self.totals[name]))
        return out


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
    the model last ran, as NeuroBench's does. The parts that do not depend on the batch are a
    trace's: ``count(...).parameter_bytes`` (parameters and constant buffers) and
    ``count(...).state_bytes`` (the state one sample holds).
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


# --------------------------------------------------------------- built-in counters
def _count_linear(m: nn.Linear, args: tuple, output: Any, state: dict) -> dict[str, float]:
    x = args[0]
    ops = linear_ops(x, m.weight, neurobench=state.get("neurobench", False))
    ops["weight_bytes_read"] = tensor_bytes(m.weight, m.bias)
    ops["activation_bytes_read"] = tensor_bytes(x)
    ops["activation_bytes_written"] = tensor_bytes(output_tensor(output))
    return ops


def _count_conv(m: nn.modules.conv._ConvNd, args: tuple, output: Any, state: dict) -> dict[str, float]:
    x, out = args[0], output_tensor(output)
    ops = conv_ops(x, m.weight, out, stride=m.stride, padding=m.padding, dilation=m.dilation, groups=m.groups,
                   padding_mode=m.padding_mode, reversed_padding=m._reversed_padding_repeated_twice,
                   neurobench=state.get("neurobench", False))
    ops["weight_bytes_read"] = tensor_bytes(m.weight, m.bias)
    ops["activation_bytes_read"] = tensor_bytes(x)
    ops["activation_bytes_written"] = tensor_bytes(out)
    return ops


def count_activation(m: nn.Module, args: tuple, output: Any, state: dict) -> dict[str, float]:
    """Counter of an activation module: its outputs, non-zero outputs and bytes moved."""
    y = output_tensor(output)
    return {"activations": float(y.numel()), "nonzero_activations": float(nnz(y)),
            "activation_bytes_read": tensor_bytes(args[0]) if args else 0.0,
            "activation_bytes_written": tensor_bytes(y)}


def _count_passthrough(m: nn.Module, args: tuple, output: Any, state: dict) -> dict[str, float]:
    """Pooling and normalization: no synaptic operation, only bytes moved."""
    return {"activation_bytes_read": tensor_bytes(args[0]) if args else 0.0,
            "activation_bytes_written": tensor_bytes(output_tensor(output)),
            "weight_bytes_read": tensor_bytes(*m.parameters(recurse=False))}


def _neuron_before(m: nn.Module, args: tuple, state: dict) -> None:
    mem = getattr(m, "mem", None)
    state["pre_mem"] = mem.detach().clone() if isinstance(mem, torch.Tensor) else None
    state["pre_buffers"] = {name: (id(b), b._version) for name, b in m.named_buffers(recurse=False)}


def _state_buffers(m: nn.Module, state: dict) -> list[torch.Tensor]:
    """The module's hidden state: its non-persistent buffers that the call replaced or wrote
    (snnTorch's ``mem``, ``syn``; not a constant such as a neighbour table). Their names are
    kept in ``state["state_buffers"]`` so that the layer's ``parameter_bytes`` leaves them out."""
    before = state.get("pre_buffers", {})
    names = state.setdefault("state_buffers", set())
    for name, b in m.named_buffers(recurse=False):
        if name in m._non_persistent_buffers_set and before.get(name) != (id(b), b._version):
            names.add(name)
    return [b for name, b in m.named_buffers(recurse=False) if name in names]


def spiking_neuron_counter() -> Counter:
    """The counter used for snnTorch neurons, for other spiking neuron modules whose call
    returns the spikes first (``(spk, mem)``) or alone; register it with
    :func:`register_counter`. Without a ``mem`` attribute every neuron counts as updated, and
    the state held is the rest of the call's output (its membrane), or one value per neuron."""
    return Counter(_count_spiking, "population", before=_neuron_before)


def _count_spiking(m: nn.Module, args: tuple, output: Any, state: dict) -> dict[str, float]:
    spk = output_tensor(output)
    mem, pre = getattr(m, "mem", None), state.get("pre_mem")
    hidden = _state_buffers(m, state)
    state_bytes = tensor_bytes(*hidden)
    neurobench = state.get("neurobench", False)
    if isinstance(mem, torch.Tensor):
        dense = mem.numel()
        if state["calls"] == 0 or pre is None or pre.shape != mem.shape:
            updates = dense
        else:
            updates = nnz(pre - mem)
    elif neurobench:  # NeuroBench records no membrane, so no update, for a neuron without mem
        dense = updates = 0
    else:  # a neuron without a membrane attribute: every neuron is updated
        dense = updates = spk.numel()
    if hidden:
        held = state_bytes
    elif isinstance(output, (tuple, list)) and len(output) > 1:
        held = tensor_bytes(*output[1:])
    else:
        held = tensor_bytes(spk)
    per_update = neuron_ops_per_update(m, exact=neurobench) or 0
    n_spikes = float(nnz(spk))
    return {"neuron_updates": float(updates), "dense_neuron_updates": float(dense), "spikes": n_spikes,
            "neuron_ops": float(updates * per_update), "dense_neuron_ops": float(dense * per_update),
            "activations": float(spk.numel()), "nonzero_activations": n_spikes,
            "state_bytes_read": state_bytes,
            "state_bytes_written": state_bytes * updates / dense if dense else 0.0,
            "activation_bytes_read": tensor_bytes(args[0]) if args else 0.0,
            "activation_bytes_written": tensor_bytes(spk), "held_state_bytes": held}


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
        nn.RNN: Counter(count_rnn, "rnn", synaptic_weights=_all_params),
        nn.GRU: Counter(count_rnn, "gru", synaptic_weights=_all_params),
        nn.LSTM: Counter(count_rnn, "lstm", synaptic_weights=_all_params),
        nn.RNNCell: Counter(count_cell, "rnn_cell", synaptic_weights=_all_params, steps=True),
        nn.GRUCell: Counter(count_cell, "gru_cell", synaptic_weights=_all_params, steps=True),
        nn.LSTMCell: Counter(count_cell, "lstm_cell", synaptic_weights=_all_params, steps=True),
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
        table[snntorch.SpikingNeuron] = spiking_neuron_counter()
    table.update(_COUNTERS)
    return table
