"""PyTorch spiking models to NIR (torch imported here only): the layers of a
:class:`~neurosparse.snn.classifier.SpikingClassifier`, a
:class:`~neurosparse.snn.baseline.SpikingMLP` or an ``nn.Sequential``, in order, as a chain
of NIR nodes. The neuron mapping is :mod:`neurosparse.interop.nir_export`'s."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

try:
    import torch
    from torch import nn
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    from neurosparse.errors import MissingDependencyError

    raise MissingDependencyError(
        "exporting PyTorch models needs torch: pip install 'neurosparse[snn]'"
    ) from exc

from neurosparse.core import DiscreteLIF
from neurosparse.errors import ParameterError
from neurosparse.interop.nir_conv import conv_output_shape
from neurosparse.interop.nir_export import _threshold, neuron_nodes
from neurosparse.interop.nir_import import _nir
from neurosparse.interop.nir_primitives import NIRGraphError

__all__ = ["export_torch"]


def _numpy(t) -> np.ndarray:
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


def _layers_of(model) -> list[tuple[str, nn.Module]]:
    from neurosparse.snn.baseline import SpikingMLP
    from neurosparse.snn.classifier import SpikingClassifier

    if isinstance(model, SpikingClassifier):
        out = []
        for k, (lin, neuron) in enumerate(zip(model.linears, model.neurons)):
            out += [(f"fc{k + 1}", lin), (f"lif{k + 1}", neuron)]
        return out + [("readout", model.readout)]
    if isinstance(model, SpikingMLP):
        return [("fc1", model.fc1), ("lif1", model.lif1), ("fc2", model.fc2), ("lif2", model.lif2)]
    if isinstance(model, nn.Sequential):
        return [(str(k), m) for k, m in enumerate(model)]
    raise ParameterError(
        f"model must be a SpikingClassifier, SpikingMLP or nn.Sequential, got {type(model).__name__}"
    )


def _neuron(name: str, module: nn.Module, shape: tuple[int, ...], dt: float, threshold_as: str):
    """NIR nodes of a spiking module; returns (nodes, inner edges, receiving node)."""
    nir = _nir()
    kind = type(module).__name__
    n = int(np.prod(shape))
    if kind == "UltraLIF":
        if module.reset != "zero":
            raise NIRGraphError(
                name,
                f"a hardened UltraLIF spikes as a threshold of its input only with reset "
                f"'zero', got {module.reset!r}",
            )
        theta = np.full(n, float(_numpy(module.threshold)))
        return _shaped(({name: _threshold(nir, theta, dt, threshold_as)}, [], name), shape)
    if kind == "UltraDLIF":
        raise NIRGraphError(
            name, "UltraDLIF's gap junctions read neighbours' membranes every step; NIR has no such node"
        )
    if kind == "SurrogateLIF":
        beta, theta, reset = float(module._beta.clamp(0, 1)), float(module._threshold), module.reset
    elif kind == "Leaky":
        if getattr(module, "inhibition", False) or getattr(module, "state_quant", False):
            raise NIRGraphError(name, "Leaky with inhibition or state quantization has no NIR equivalent")
        if float(_numpy(module.graded_spikes_factor)) != 1.0:
            raise NIRGraphError(name, "graded spikes have no NIR equivalent")
        reset = {0: "subtract", 1: "zero", 2: "none"}[int(module.reset_mechanism_val)]
        if not module.reset_delay and reset == "subtract":
            raise NIRGraphError(
                name, "Leaky(reset_delay=False) with reset by subtraction has no NIR reading here"
            )
        beta = np.broadcast_to(_numpy(module.beta.clamp(0, 1)).astype(np.float64), shape).reshape(-1)
        theta = np.broadcast_to(_numpy(module.threshold).astype(np.float64), shape).reshape(-1)
    else:
        raise NIRGraphError(
            name, f"{kind} is not a spiking layer export knows (Leaky, SurrogateLIF, UltraLIF)"
        )
    model = DiscreteLIF(beta=beta, v_th=theta, reset=reset)
    return _shaped(neuron_nodes(name, model, n, dt, "euler", threshold_as), shape)


def _shaped(result, shape: tuple[int, ...]):
    """The nodes with their per-neuron parameters in the layer's shape (a conv layer's
    ``(C, H, W)``), so that the pooling after them knows its input's shape."""
    nodes, inner, receiver = result
    for node in nodes.values():
        for field, value in vars(node).items():
            if field not in ("input_type", "output_type", "metadata") and isinstance(value, np.ndarray) \
                    and value.size == int(np.prod(shape)) and value.shape != shape:
                setattr(node, field, value.reshape(shape))
    return nodes, inner, receiver


def export_torch(
    model, input_shape: Sequence[int] | None = None, *, dt: float = 1e-4, threshold_as: str = "threshold"
):
    """See :func:`neurosparse.interop.nir_export.export_torch`."""
    nir = _nir()
    layers = _layers_of(model)
    if input_shape is None:
        first = next((m for _, m in layers if isinstance(m, (nn.Linear, nn.Conv2d))), None)
        if not isinstance(first, nn.Linear):
            raise ParameterError("input_shape is needed when the model does not start with nn.Linear")
        input_shape = (first.in_features,)
    shape = tuple(int(s) for s in input_shape)
    nodes = {"input": nir.Input(input_type=np.array(shape))}
    edges = []
    last = "input"
    for name, module in layers:
        if isinstance(module, nn.Linear):
            w = _numpy(module.weight).astype(np.float32)
            node = (
                nir.Affine(weight=w, bias=_numpy(module.bias).astype(np.float32))
                if module.bias is not None
                else nir.Linear(weight=w)
            )
            shape = (w.shape[0],)
        elif isinstance(module, nn.Conv2d):
            if module.padding_mode != "zeros" or isinstance(module.padding, str):
                raise NIRGraphError(name, "only zero padding given as numbers is exported")
            w = _numpy(module.weight).astype(np.float32)
            bias = (
                _numpy(module.bias).astype(np.float32)
                if module.bias is not None
                else np.zeros(w.shape[0], np.float32)
            )
            node = nir.Conv2d(
                input_shape=shape[1:],
                weight=w,
                stride=module.stride,
                padding=module.padding,
                dilation=module.dilation,
                groups=module.groups,
                bias=bias,
            )
            shape = (
                w.shape[0],
                *conv_output_shape(
                    shape[1:],
                    w.shape[2:],
                    module.stride,
                    tuple((p, p) for p in module.padding),
                    module.dilation,
                ),
            )
        elif isinstance(module, nn.AvgPool2d):
            if module.ceil_mode or not module.count_include_pad or module.divisor_override is not None:
                raise NIRGraphError(
                    name,
                    "AvgPool2d is exported with ceil_mode=False, count_include_pad=True, "
                    "divisor_override=None only",
                )
            k, s, p = (
                np.array(v if isinstance(v, tuple) else (v, v))
                for v in (module.kernel_size, module.stride or module.kernel_size, module.padding)
            )
            node = nir.AvgPool2d(kernel_size=k, stride=s, padding=p)
            shape = (
                shape[0],
                *conv_output_shape(shape[1:], tuple(k), tuple(s), tuple((q, q) for q in p), (1, 1)),
            )
        elif isinstance(module, nn.Flatten):
            node = nir.Flatten(input_type={"input": np.array(shape)}, start_dim=0, end_dim=-1)
            shape = (int(np.prod(shape)),)
        else:
            pop_nodes, inner, receiver = _neuron(name, module, shape, dt, threshold_as)
            nodes.update(pop_nodes)
            edges.extend(inner)
            edges.append((last, receiver))
            last = name
            continue
        nodes[name] = node
        edges.append((last, name))
        last = name
    nodes["output"] = nir.Output(output_type=np.array(shape))
    edges.append((last, "output"))
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)
