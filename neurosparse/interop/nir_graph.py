"""A NIR graph made flat and typed: nested graphs inlined, every edge resolved, every node's
shape known, every node's role on the event core checked.

:func:`flatten` inlines nested :class:`nir.NIRGraph` nodes (their nodes named
``"<graph>.<node>"``, their Input and Output nodes passing values through) and resolves the
edges that name a subgraph (``"sg"`` for its single Input or Output, ``"sg.name"`` for one
of several). Graphs from nirtorch may instead hold dotted names at the top level (snnTorch's
``RLeaky`` exports as ``"3.lif"`` and ``"3.w_rec"``); a name that exists as written is used
as written. :func:`infer_shapes` computes every node's output shape from the Input nodes and
the nodes' own parameters (NIR's ``SumPool2d`` and ``Flatten`` often carry none), and builds
each linear node's operator on the way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neurosparse.interop.nir_linear import LinearOp, linear_operator, output_shape
from neurosparse.interop.nir_primitives import PRIMITIVES, NIRGraphError

__all__ = ["FlatGraph", "flatten", "infer_shapes", "role"]


@dataclass
class FlatGraph:
    """A graph without nested graphs.

    Attributes
    ----------
    nodes
        Node name -> ``nir`` node (no :class:`nir.NIRGraph` left).
    edges
        ``(source, target)`` pairs, in the file's order, between names of ``nodes``.
    passthrough
        Names of the Input and Output nodes of inlined subgraphs (identity nodes).
    inputs, outputs
        The top-level Input and Output node names.
    shapes
        Node name -> output shape (after :func:`infer_shapes`).
    ops
        Linear node name -> its operator (after :func:`infer_shapes`).
    """

    nodes: dict[str, object]
    edges: list[tuple[str, str]]
    passthrough: set[str]
    inputs: list[str]
    outputs: list[str]
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    ops: dict[str, LinearOp] = field(default_factory=dict)

    def sources_of(self, name: str) -> list[str]:
        """Names of the nodes with an edge into ``name``, in edge order."""
        return [a for a, b in self.edges if b == name]

    def targets_of(self, name: str) -> list[str]:
        """Names of the nodes ``name`` has an edge to, in edge order."""
        return [b for a, b in self.edges if a == name]


def role(flat: FlatGraph, name: str) -> str:
    """The node's role: ``"input"``, ``"output"``, ``"linear"`` (pass-through nodes too),
    ``"neuron"``, ``"integrator"`` or ``"threshold"``."""
    if name in flat.passthrough:
        return "linear"
    kind = type(flat.nodes[name]).__name__
    return "linear" if kind == "Identity" else PRIMITIVES[kind].role


def _is_graph(node) -> bool:
    return type(node).__name__ == "NIRGraph"


def _check_kind(name: str, node) -> None:
    kind = type(node).__name__
    if kind not in PRIMITIVES and kind != "Identity":
        raise NIRGraphError(
            name, f"{kind} has no meaning on the event core (the core runs {', '.join(sorted(PRIMITIVES))})"
        )


def _endpoint(graph, name: str, prefix: str, source: bool) -> str:
    """The flat name an edge endpoint refers to (a subgraph resolves to its Output if
    ``source``, else to its Input)."""
    nodes = graph.nodes
    if name in nodes:
        node = nodes[name]
        if not _is_graph(node):
            return prefix + name
        kind = "Output" if source else "Input"
        ends = [k for k, n in node.nodes.items() if type(n).__name__ == kind]
        if len(ends) != 1:
            raise NIRGraphError(
                prefix + name,
                f"the subgraph has {len(ends)} {kind} nodes; an edge "
                f"must name one as '{name}.<{kind.lower()} name>'",
            )
        return _endpoint(node, ends[0], f"{prefix}{name}.", source)
    head, dot, rest = name.partition(".")
    if dot and head in nodes and _is_graph(nodes[head]):
        return _endpoint(nodes[head], rest, f"{prefix}{head}.", source)
    raise NIRGraphError(prefix + name, "an edge names this node, which the graph does not have")


def _inline(graph, prefix: str, out: FlatGraph) -> None:
    for name, node in graph.nodes.items():
        full = prefix + name
        if _is_graph(node):
            _inline(node, full + ".", out)
            continue
        _check_kind(full, node)
        if full in out.nodes:
            raise NIRGraphError(full, "two nodes have this name once nested graphs are inlined")
        out.nodes[full] = node
        if prefix and type(node).__name__ in ("Input", "Output"):
            out.passthrough.add(full)
    for edge in graph.edges:
        if len(edge) != 2:
            raise NIRGraphError(str(edge), "an edge must be a (source, target) pair")
        a, b = (x.decode() if isinstance(x, bytes) else str(x) for x in edge)
        out.edges.append((_endpoint(graph, a, prefix, True), _endpoint(graph, b, prefix, False)))


def flatten(graph) -> FlatGraph:
    """Inline nested graphs and check the structure: known node types, at least one Input
    and one Output, no edge into an Input or out of an Output, every non-Input node fed."""
    if not _is_graph(graph):
        raise NIRGraphError(type(graph).__name__, "expected a nir.NIRGraph")
    flat = FlatGraph({}, [], set(), [], [])
    _inline(graph, "", flat)
    for name, node in flat.nodes.items():
        kind = type(node).__name__
        if name in flat.passthrough:
            continue
        if kind == "Input":
            flat.inputs.append(name)
        elif kind == "Output":
            flat.outputs.append(name)
    if not flat.inputs:
        raise NIRGraphError("(graph)", "the graph has no Input node")
    if not flat.outputs:
        raise NIRGraphError("(graph)", "the graph has no Output node")
    if len(set(flat.edges)) != len(flat.edges):
        dup = next(e for e in flat.edges if flat.edges.count(e) > 1)
        raise NIRGraphError(dup[1], f"the edge {dup} appears twice")
    for a, b in flat.edges:
        if b in flat.inputs:
            raise NIRGraphError(b, f"an Input node cannot receive an edge (from {a!r})")
        if a in flat.outputs:
            raise NIRGraphError(a, f"an Output node cannot send an edge (to {b!r})")
    fed = {b for _, b in flat.edges}
    for name in flat.nodes:
        if name not in flat.inputs and name not in fed:
            raise NIRGraphError(name, "no edge leads into this node")
    return flat


def _input_shape(name: str, node) -> tuple[int, ...]:
    shape = (node.input_type or {}).get("input")
    if shape is None:
        raise NIRGraphError(name, "the Input node has no shape")
    arr = np.asarray(shape).reshape(-1)
    if arr.size == 0 or np.any(arr < 1) or np.any(arr != np.round(arr)):
        raise NIRGraphError(name, f"the Input shape must be positive whole numbers, got {shape!r}")
    return tuple(int(s) for s in arr)


def infer_shapes(flat: FlatGraph, dt: float) -> FlatGraph:
    """Every node's output shape and every linear node's operator, from the Inputs forward.

    The input of a node fed by several edges is their sum, so their sizes must agree."""
    shapes = flat.shapes
    for name in flat.inputs:
        shapes[name] = _input_shape(name, flat.nodes[name])
    pending = [n for n in flat.nodes if n not in shapes]
    while pending:
        progress = False
        for name in list(pending):
            known = [s for s in flat.sources_of(name) if s in shapes]
            node = flat.nodes[name]
            if role(flat, name) in ("neuron", "integrator", "threshold") and not known:
                shape = output_shape(name, node, None)  # recurrent layers: size from parameters
                if shape is None or not shape:
                    continue
                shapes[name] = shape
            elif not known:
                continue
            else:
                in_shape = shapes[known[0]]
                for other in known[1:]:
                    if int(np.prod(shapes[other])) != int(np.prod(in_shape)):
                        raise NIRGraphError(
                            name,
                            f"its inputs {known[0]!r} {in_shape} and {other!r} "
                            f"{shapes[other]} differ in size",
                        )
                if role(flat, name) == "linear":
                    op = linear_operator(name, node, in_shape, dt)
                    flat.ops[name] = op
                    shapes[name] = op.out_shape
                else:
                    shapes[name] = (
                        output_shape(name, node, in_shape) if role(flat, name) != "output" else in_shape
                    )
            pending.remove(name)
            progress = True
        if not progress:
            raise NIRGraphError(
                pending[0],
                "its shape cannot be inferred (it is not reachable from an "
                "Input and its parameters do not give its size)",
            )
    for a, b in flat.edges:  # every edge's sizes agree, recurrent ones included
        n_a = int(np.prod(shapes[a]))
        expected = _expected_input(flat, b)
        if expected is not None and n_a != expected:
            raise NIRGraphError(b, f"receives {n_a} values from {a!r} but takes {expected}")
    return flat


def _expected_input(flat: FlatGraph, name: str) -> int | None:
    if name in flat.ops:
        op = flat.ops[name]
        return op.matrix.shape[1] if op.matrix is not None else int(np.prod(op.out_shape))
    if role(flat, name) in ("neuron", "integrator", "threshold", "output"):
        return int(np.prod(flat.shapes[name]))
    return None
