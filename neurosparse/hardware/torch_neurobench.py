"""NeuroBench 2.3's metrics, reproduced exactly from :func:`neurosparse.hardware.count`.

:func:`neurobench_metrics` returns what ``neurobench.benchmarks.Benchmark(...).run()`` returns
for the static metrics ``ParameterCount``, ``Footprint``, ``ConnectionSparsity`` and the
workload metrics ``SynapticOperations`` (``Effective_MACs``, ``Effective_ACs``, ``Dense``),
``ActivationSparsity``, ``ActivationSparsityByLayer``, ``MembraneUpdates`` and
``NeuronOperations`` (``Effective Neuron Ops``, ``Neuron Dense Ops``): the same keys, the same
values, with NeuroBench's conventions, including those we depart from by default
(``count(..., neurobench=True)``; the list is in :mod:`neurosparse.hardware.torch_count`).

The definitions, as NeuroBench 2.3 computes them:

* NeuroBench hooks the model's submodules (not the model itself), found by descending from
  its children: a ``Linear``, ``Conv1d/2d/3d``, ``RNNBase`` or ``RNNCellBase`` is a connection
  layer; a ``ReLU``, ``Sigmoid`` or snnTorch ``SpikingNeuron`` is an activation layer; any
  other module with children is descended into (:func:`neurobench_modules`).
* ``SynapticOperations``: per call of a connection layer, the layer with its weights made 0/1
  (non-zero -> 1) applied to the input made 0/1, summed (effective; ACs when the input is
  only 0, +-1, else MACs), and the same with all-ones weights and input (dense: padding zeros
  stay zeros); per sample. A whole recurrent layer makes it raise, and NeuroBench then reports
  0.0 for the metric.
* ``ActivationSparsity``: zeros among every activation layer's outputs, per batch, averaged over
  batches weighted by their size; 0.0 with no activation; ``ActivationSparsityByLayer`` the
  same per layer, keyed by the layer's attribute name (its last name component) and pooled
  over batches.
* ``MembraneUpdates``: per spiking layer and batch, every neuron at the first call, then the
  neurons whose ``mem`` changed; per sample. ``NeuronOperations``: those updates (and every
  neuron at every call, for the dense figure) times :data:`NEURON_OPS` for the layer's class
  name and reset mechanism; an activation layer outside the table (a ReLU included) makes it
  raise, reported as 0.0.
* ``Footprint``: bytes of every parameter and buffer (state buffers sized by the last batch
  run), measured before the run, as ``Benchmark.run`` does; ``ConnectionSparsity``: zero
  weights (Linear/Conv weights, every weight and bias of recurrent layers and cells) over all
  of them, rounded to 4 places; None when there are none (NeuroBench's error value).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

__all__ = ["NEURON_OPS", "neurobench_metrics", "neurobench_modules", "neuron_ops_per_update"]

#: NeuroBench 2.3's elementary operations per membrane update, by snnTorch neuron class and
#: reset mechanism (``neurobench.metrics.workload.neuron_operations``).
NEURON_OPS: dict[str, dict[str, int]] = {
    "Leaky": {"subtract": 4, "zero": 4},
    "Synaptic": {"subtract": 6, "zero": 8},
    "Lapicque": {"subtract": 11, "zero": 11},
    "Alpha": {"subtract": 18, "zero": 24},
}

_CONNECTION = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.RNNBase, nn.RNNCellBase)


def neuron_ops_per_update(module: nn.Module, *, exact: bool = False) -> int | None:
    """NeuroBench's operations per membrane update of ``module``, or None outside its table.

    ``exact``: by the class's own name only (as NeuroBench looks it up); otherwise the nearest
    class of the module's hierarchy that the table names (a subclass of ``Leaky`` costs as one).
    """
    reset = getattr(module, "_reset_mechanism", None)
    classes = (type(module),) if exact else type(module).__mro__
    for cls in classes:
        row = NEURON_OPS.get(cls.__name__)
        if row is not None:
            return row.get(reset)
    return None


def _activation_types() -> tuple[type, ...]:
    try:
        import snntorch
    except ImportError:
        return (nn.ReLU, nn.Sigmoid)
    return (nn.ReLU, nn.Sigmoid, snntorch.SpikingNeuron)


def _descend(module: nn.Module, types: tuple[type, ...]) -> list[tuple[str, nn.Module]]:
    found = []
    for name, child in module.named_children():
        if isinstance(child, types):
            found.append((name, child))
        elif any(True for _ in child.children()):
            found.extend(_descend(child, types))
    return found


def neurobench_modules(model: nn.Module) -> set[int]:
    """``id()`` of every module NeuroBench 2.3 hooks in ``model``: its connection and activation
    layers, found by descending from the model's children (the model itself is never one)."""
    return {id(m) for _, m in _descend(model, _CONNECTION) + _descend(model, _activation_types())}


def neurobench_metrics(model: nn.Module, inputs: torch.Tensor, *, time_first: bool | None = None,
                       batch_size: int | None = None, **count_options: Any) -> dict[str, Any]:
    """Every NeuroBench 2.3 metric of ``model`` on ``inputs``, as ``Benchmark.run`` returns them.

    Parameters
    ----------
    model
        The network, called as NeuroBench's wrapper calls it: once per step on ``[batch, T,
        ...]`` data (``time_first=False``, its ``SNNTorchModel``) or once on the whole batch
        (``time_first=None``, its ``TorchModel``).
    inputs
        The whole data set, one tensor (its labels play no part in these metrics).
    time_first
        As for :func:`neurosparse.hardware.count`.
    batch_size
        Split ``inputs`` into batches of this size along the batch axis, as a ``DataLoader``
        does (the last one smaller); all in one batch by default.
    **count_options
        Passed on to :func:`~neurosparse.hardware.count` (``n_samples``, ``counters``, ...).

    Returns
    -------
    dict
        ``ParameterCount``, ``Footprint``, ``ConnectionSparsity``, ``SynapticOperations``,
        ``ActivationSparsity``, ``ActivationSparsityByLayer``, ``MembraneUpdates``,
        ``NeuronOperations``, valued as NeuroBench values them (see the module docstring).
    """
    from neurosparse._validation import as_count
    from neurosparse.hardware.torch_count import count, footprint

    axis = 1 if time_first else 0
    n = inputs.shape[axis]
    size = n if batch_size is None else as_count("batch_size", batch_size, low=1)
    results: dict[str, Any] = {
        "ParameterCount": sum(p.numel() for p in model.parameters()),
        "Footprint": footprint(model),  # before the run, as Benchmark.run measures it
        "ConnectionSparsity": _connection_sparsity(model),
    }
    traces = [count(model, inputs.narrow(axis, start, min(size, n - start)), time_first=time_first,
                    neurobench=True, **count_options) for start in range(0, n, size)]
    samples = sum(t.n_samples for t in traces)
    sums = {key: sum(layer.counts()[key] for t in traces for layer in t.layers.values())
            for key in ("effective_macs", "effective_acs", "dense_ops", "neuron_updates", "neuron_ops",
                        "dense_neuron_ops")}
    recurrent = any(isinstance(m, nn.RNNBase) for _, m in _descend(model, _CONNECTION))
    results["SynapticOperations"] = 0.0 if recurrent else {
        "Effective_MACs": sums["effective_macs"] / samples, "Effective_ACs": sums["effective_acs"] / samples,
        "Dense": sums["dense_ops"] / samples}
    sparsity = 0.0
    for t in traces:
        acts = sum(layer.activations for layer in t.layers.values())
        nonzero = sum(layer.nonzero_activations for layer in t.layers.values())
        sparsity += ((acts - nonzero) / acts if acts else 0.0) * t.n_samples / samples
    results["ActivationSparsity"] = sparsity
    results["ActivationSparsityByLayer"] = _by_layer(model, traces)
    results["MembraneUpdates"] = sums["neuron_updates"] / samples
    activations = [m for _, m in _descend(model, _activation_types())]
    known = all(neuron_ops_per_update(m, exact=True) is not None for m in activations)
    results["NeuronOperations"] = {
        "Effective Neuron Ops": sums["neuron_ops"] / samples,
        "Neuron Dense Ops": sums["dense_neuron_ops"] / samples} if known else 0.0
    return results


def _by_layer(model: nn.Module, traces: Sequence) -> dict[str, float]:
    """NeuroBench's per-layer sparsity: by attribute name, pooled over batches and same names."""
    names = {id(m): short for short, m in _descend(model, _activation_types())}
    layer_module = {name or type(model).__name__.lower(): m for name, m in model.named_modules()}
    total: dict[str, float] = {}
    nonzero: dict[str, float] = {}
    for t in traces:
        for name, layer in t.layers.items():
            module = layer_module.get(name)
            if module is None or id(module) not in names or layer.activations == 0:
                continue
            short = names[id(module)]
            total[short] = total.get(short, 0.0) + layer.activations
            nonzero[short] = nonzero.get(short, 0.0) + layer.nonzero_activations
    return {k: (total[k] - nonzero[k]) / total[k] if total[k] else 0.0 for k in total}


def _connection_sparsity(model: nn.Module) -> float | None:
    """NeuroBench's ``ConnectionSparsity``: over the leaf connection layers below the model."""
    zeros = weights = 0
    for _, module in _descend(model, _CONNECTION):
        if any(True for _ in module.children()):
            continue  # NeuroBench counts leaves only
        if isinstance(module, (nn.RNNBase, nn.RNNCellBase)):
            tensors = list(module.parameters(recurse=False))
        else:
            tensors = [module.weight]
        zeros += sum(int((w == 0).sum()) for w in tensors)
        weights += sum(w.numel() for w in tensors)
    if weights == 0:
        return None
    return round((torch.tensor(zeros) / weights).item(), 4)  # NeuroBench divides a tensor: float32
