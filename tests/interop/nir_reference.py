"""An independent simulator of a NIR graph's discrete-time meaning, the oracle of the import tests.

Each step evaluates every node in the graph's own order (no per-layer delay, as snnTorch
runs a network); a node that has not been evaluated yet in this step gives its value of the
previous step (zeros at first), so edges back to earlier nodes are recurrent. Linear nodes
use ``torch.nn.functional`` (not the importer's unrolled matrices); neurons step their NIR
ODE by forward Euler written out as NIR states it, with the reset ``"zero"`` applied at the
spike and ``"subtract"`` applied by the next step (snnTorch's ``reset_delay=True``). Nested
graphs are evaluated as nodes with their own state. Written without the importer's code.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


class _Node:
    """State of one node across steps."""

    def __init__(self, node, dt: float, reset: str):
        self.node, self.dt, self.reset = node, dt, reset
        self.kind = type(node).__name__
        self.v = self.i = self.pending = None
        self.queue: list[np.ndarray] = []
        if self.kind == "NIRGraph":
            self.sub = _Graph(node, dt, reset)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        k, n, dt = self.kind, self.node, self.dt
        if k in ("Input", "Output", "Identity"):
            return x
        if k == "NIRGraph":
            (entry,) = [a for a, b in n.nodes.items() if type(b).__name__ == "Input"]
            (exit_,) = [a for a, b in n.nodes.items() if type(b).__name__ == "Output"]
            return self.sub.step({entry: x})[exit_]
        if k == "Affine":
            return n.weight @ x.reshape(-1) + n.bias
        if k == "Linear":
            return n.weight @ x.reshape(-1)
        if k == "Scale":
            return n.scale * x
        if k == "Flatten":
            return x.reshape(-1) if x.ndim else x
        if k in ("Conv1d", "Conv2d"):
            conv = F.conv1d if k == "Conv1d" else F.conv2d
            pad = n.padding if isinstance(n.padding, str) else tuple(np.atleast_1d(n.padding).tolist())
            stride = tuple(np.atleast_1d(n.stride).tolist())
            dilation = tuple(np.atleast_1d(n.dilation).tolist())
            out = conv(
                torch.from_numpy(x[None]),
                torch.from_numpy(np.asarray(n.weight, np.float64)),
                torch.from_numpy(np.asarray(n.bias, np.float64)),
                stride=stride,
                padding=pad,
                dilation=dilation,
                groups=int(n.groups),
            )
            return out[0].numpy()
        if k in ("SumPool2d", "AvgPool2d"):
            ks, st, pd = (
                tuple(int(v) for v in np.atleast_1d(a)) for a in (n.kernel_size, n.stride, n.padding)
            )
            out = F.avg_pool2d(
                torch.from_numpy(x[None]),
                ks,
                st,
                pd,
                count_include_pad=True,
                divisor_override=1 if k == "SumPool2d" else None,
            )
            return out[0].numpy()
        if k == "Delay":
            steps = np.rint(np.asarray(n.delay) / dt).astype(int)
            self.queue.append(x.copy())
            out = np.zeros_like(x)
            for idx in np.ndindex(x.shape):
                back = steps[idx]
                if len(self.queue) > back:
                    out[idx] = self.queue[-1 - back][idx]
            return out
        if k == "Threshold":
            return (x > n.threshold).astype(np.float64)
        return self._neuron(x)

    def _neuron(self, x: np.ndarray) -> np.ndarray:
        k, n, dt = self.kind, self.node, self.dt
        if self.v is None:
            leak = getattr(n, "v_leak", None)
            self.v = np.zeros_like(x) + (0.0 if leak is None else leak)
            self.i = np.zeros_like(x)
            self.pending = np.zeros_like(x, dtype=bool)
        spiking = k in ("LIF", "IF", "CubaLIF")
        current = x
        if k in ("CubaLIF", "CubaLI"):
            self.i = self.i + dt / n.tau_syn * (-self.i + n.w_in * x)
            current = self.i
        if k in ("IF", "I"):
            self.v = self.v + dt * n.r * current
        else:
            tau = n.tau_mem if k.startswith("Cuba") else n.tau
            self.v = self.v + dt / tau * (n.v_leak - self.v + n.r * current)
        if not spiking:
            return self.v.copy()
        if self.reset == "subtract":  # the previous spike's reset, applied by this step, not decayed
            self.v = self.v - self.pending * (n.v_threshold - n.v_reset)
        z = self.v > n.v_threshold
        self.pending = z
        out = z.astype(np.float64)
        if self.reset == "zero":
            self.v = np.where(z, n.v_reset, self.v)
        return out


class _Graph:
    def __init__(self, graph, dt: float, reset: str):
        self.graph = graph
        self.nodes = {name: _Node(node, dt, reset) for name, node in graph.nodes.items()}
        self.previous: dict[str, np.ndarray] = {}

    def step(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        now: dict[str, np.ndarray] = {}
        for name, node in self.nodes.items():
            kind = node.kind
            if kind == "Input":
                value = inputs[name]
            else:
                parts = [
                    now[a] if a in now else self.previous.get(a) for a, b in self.graph.edges if b == name
                ]
                parts = [p for p in parts if p is not None]
                value = sum(parts[1:], parts[0]) if parts else None
                if value is None:  # only recurrent inputs, none yet: a zero signal of the right size
                    value = np.zeros(_input_size(node.node))
            now[name] = node(np.asarray(value, dtype=np.float64))
        self.previous = now
        return now


def _input_size(node) -> int:
    if getattr(node, "weight", None) is not None and np.ndim(node.weight) == 2:
        return int(np.shape(node.weight)[1])
    for field in ("v_threshold", "r", "threshold", "tau", "scale", "delay"):
        if getattr(node, field, None) is not None:
            return int(np.size(getattr(node, field)))
    raise ValueError(f"cannot size {type(node).__name__}")


def simulate(graph, x: np.ndarray, dt: float, reset: str = "zero") -> dict[str, np.ndarray]:
    """Every top-level node's value at every step for one sample ``x`` ``[T, *input_shape]``."""
    g = _Graph(graph, dt, reset)
    inputs = [name for name, n in graph.nodes.items() if type(n).__name__ == "Input"]
    history: dict[str, list[np.ndarray]] = {}
    for x_t in np.asarray(x, dtype=np.float64):
        now = g.step({inputs[0]: x_t})
        for name, value in now.items():
            history.setdefault(name, []).append(value)
    return {name: np.array(values) for name, values in history.items()}
