"""Count the functional linear maps a PyTorch forward calls, beside the module hooks.

``return F.linear(x, self.lin.weight)`` or ``h = x @ self.w`` never calls a module's forward,
so the hooks of :func:`neurosparse.hardware.count` cannot see it. While ``count`` runs the
model, :class:`FunctionalCounter` (a ``torch.overrides.TorchFunctionMode``) sees every call of

* ``F.linear``, ``F.conv1d``, ``F.conv2d``, ``F.conv3d``;
* ``torch.matmul`` and ``Tensor.matmul`` (the ``@`` operator, ``__rmatmul__`` too),
  ``torch.mm`` / ``Tensor.mm``, ``torch.bmm`` / ``Tensor.bmm``;
* ``torch.einsum`` with two or more operands,

and counts it exactly as the matching module is counted (:mod:`neurosparse.hardware.torch_ops`:
dense ops, effective MACs or ACs from the operands' zero patterns, the operand-wise non-zero
ops) unless a counted module is running: ``nn.Linear`` calls ``F.linear`` inside its forward,
and that call is already its module's count, so it is not counted twice. Other functional
products (``torch.addmm``, ``torch.baddbmm``, ``torch.mv``, ``torch.dot``, ``F.bilinear``,
``F.conv_transpose*``, ``F.scaled_dot_product_attention``: :data:`UNCOUNTED_OPS`) are not
counted, and a call of one outside a counted module is warned, not left a silent zero.

Which operand is the weight: the second of ``F.linear`` and ``F.conv*``; for the products,
the operand that is a parameter of the model, or the second when both or neither are.
The counts go to the layer of the module owning the weight parameter (so
``F.linear(x, self.lin.weight)`` adds to layer ``lin``), or, for a product of two activations
(attention's ``q @ k.T``), to a layer ``"<module>.<op>"`` named after the innermost running
module and the operator (``"attn.matmul"``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from neurosparse.hardware.torch_ops import conv_ops, einsum_ops, linear_ops, matmul_ops, tensor_bytes

__all__ = ["FUNCTIONAL_OPS", "UNCOUNTED_OPS", "FunctionalCall", "FunctionalCounter", "functional_call"]

#: The functions counted, each with the name of its operator (the layer kind it records).
FUNCTIONAL_OPS: dict[Callable, str] = {
    F.linear: "linear", F.conv1d: "conv1d", F.conv2d: "conv2d", F.conv3d: "conv3d",
    torch.matmul: "matmul", torch.Tensor.matmul: "matmul", torch.Tensor.__rmatmul__: "matmul",
    torch.mm: "mm", torch.Tensor.mm: "mm", torch.bmm: "bmm", torch.Tensor.bmm: "bmm",
    torch.einsum: "einsum",
}

#: Functional products that are not counted: a call of one outside a counted module is warned
#: (:class:`~neurosparse.hardware.torch_ops.UncountedLayerWarning`), never a silent zero.
UNCOUNTED_OPS: dict[Callable, str] = {
    torch.addmm: "addmm", torch.baddbmm: "baddbmm", torch.addbmm: "addbmm", torch.mv: "mv",
    torch.dot: "dot", torch.tensordot: "tensordot", F.bilinear: "bilinear",
    F.conv_transpose1d: "conv_transpose1d", F.conv_transpose2d: "conv_transpose2d",
    F.conv_transpose3d: "conv_transpose3d", F.scaled_dot_product_attention: "scaled_dot_product_attention",
}

_PRODUCT = {"matmul": torch.matmul, "mm": torch.mm, "bmm": torch.bmm}


class FunctionalCall:
    """One counted functional call: its operator, counts, input and weight tensors."""

    __slots__ = ("increments", "input", "op", "operands", "weight")

    def __init__(self, op: str, increments: dict[str, float], input_: torch.Tensor,
                 weight: torch.Tensor, operands: tuple[torch.Tensor, ...]):
        self.op, self.increments, self.input, self.weight, self.operands = (
            op, increments, input_, weight, operands)


def functional_call(func: Callable, args: tuple, kwargs: dict, output: Any,
                    is_parameter: Callable[[torch.Tensor], bool]) -> FunctionalCall | None:
    """The counts of ``func(*args, **kwargs)`` (which returned ``output``), or None when it
    computes no product (a one-operand einsum) or is not a counted function."""
    op = FUNCTIONAL_OPS.get(func)
    if op is None:
        return None
    if op == "linear":
        x, weight, bias = _arguments(args, kwargs, ("input", "weight", "bias"), {"bias": None})
        inc = linear_ops(x, weight)
        return _finish(op, inc, x, weight, (x, weight, bias), output, is_parameter)
    if op.startswith("conv"):
        names = ("input", "weight", "bias", "stride", "padding", "dilation", "groups")
        x, weight, bias, stride, padding, dilation, groups = _arguments(
            args, kwargs, names, {"bias": None, "stride": 1, "padding": 0, "dilation": 1, "groups": 1})
        inc = conv_ops(x, weight, output, stride=stride, padding=padding, dilation=dilation, groups=groups)
        return _finish(op, inc, x, weight, (x, weight, bias), output, is_parameter)
    if op == "einsum":
        equation, *operands = args
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
        if not all(isinstance(t, torch.Tensor) for t in operands):
            return None
        k = _input_index(operands, is_parameter)
        inc = einsum_ops(equation, operands, k)
        if inc is None:
            return None
        weight = operands[1 - k] if len(operands) == 2 else operands[0 if k else 1]
        return _finish(op, inc, operands[k], weight, tuple(operands), output, is_parameter)
    a, b = _arguments(args, kwargs, ("input", "other"), {})
    if func is torch.Tensor.__rmatmul__:
        a, b = b, a  # t.__rmatmul__(other) computes other @ t
    if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
        return None
    k = _input_index([a, b], is_parameter)
    inc = matmul_ops(_PRODUCT[op], a, b, k)
    x, weight = (a, b) if k == 0 else (b, a)
    return _finish(op, inc, x, weight, (a, b), output, is_parameter)


class FunctionalCounter(TorchFunctionMode):
    """While active, hands every counted functional call to ``on_call(func, args, kwargs, out)``
    after running it (the mode is off inside the handler, so counting calls nothing back)."""

    def __init__(self, on_call: Callable[[Callable, tuple, dict, Any], None]):
        super().__init__()
        self.on_call = on_call

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if func in FUNCTIONAL_OPS or func in UNCOUNTED_OPS:
            self.on_call(func, args, kwargs, out)
        return out


# ------------------------------------------------------------------------- helpers
def _arguments(args: tuple, kwargs: dict, names: tuple[str, ...], defaults: dict[str, Any]) -> list:
    values = list(args[:len(names)])
    for name in names[len(values):]:
        values.append(kwargs.get(name, defaults.get(name)))
    return values


def _input_index(operands: list, is_parameter: Callable[[torch.Tensor], bool]) -> int:
    """The operand taken as the input: the first that is not a parameter when exactly one of
    two is; otherwise the first."""
    params = [is_parameter(t) for t in operands]
    if len(operands) == 2 and params[0] and not params[1]:
        return 1
    return 0


def _finish(op: str, increments: dict[str, float], x: torch.Tensor, weight: torch.Tensor,
            operands: tuple, output: Any, is_parameter: Callable[[torch.Tensor], bool]) -> FunctionalCall:
    params = [t for t in operands if isinstance(t, torch.Tensor) and is_parameter(t)]
    acts = [t for t in operands if isinstance(t, torch.Tensor) and not is_parameter(t)]
    increments["weight_bytes_read"] = tensor_bytes(*params)
    increments["activation_bytes_read"] = tensor_bytes(*acts)
    increments["activation_bytes_written"] = tensor_bytes(output)
    tensors = tuple(t for t in operands if isinstance(t, torch.Tensor))
    return FunctionalCall(op, increments, x, weight, tensors)
