r"""Import any NIR graph onto the event core, run it, and read its outputs and OpTrace.

:func:`import_nir` reads a graph (a :class:`nir.NIRGraph` or a ``.nir`` file), inlines nested
graphs, infers every shape (:mod:`.nir_graph`), discretises each neuron node at ``dt``
(:mod:`.nir_primitives`, where every choice is documented) and composes the linear nodes
between neuron layers into sparse matrices (:mod:`.nir_linear`, :mod:`.nir_conv`). The
result, a :class:`CoreModel`, runs batches of inputs with :meth:`CoreModel.run`.

**Timing.** NIR's discrete-time reading (snnTorch's) passes a spike through every layer
within one step; the event core delivers a spike one step after it is emitted at the
earliest. So each layer gets a *depth* :math:`d` (the longest chain of projections from an
Input; Inputs have depth 0) and its model step :math:`t` runs at core step :math:`t + d`
(as :mod:`neurosparse.snn.on_core` does): a projection from a node of depth :math:`d_s` to
one of depth :math:`d_t` has delay :math:`d_t - d_s + k` steps, :math:`k` the steps of the
Delay nodes on it. Edges that close a cycle (found depth-first from the Inputs) carry the
spike of the previous model step, as snnTorch's recurrent layers (``RLeaky``): delay
:math:`d_t - d_s + 1 + k`. A loop through several layers without enough Delay would need a
delay below one step; it gets one step, with a :class:`NIRTimingWarning`, and then lags the
discrete-time model. The outputs returned are aligned back to model steps, so with binary
inputs the spikes equal snnTorch's step for step (``tests/interop``).

**Inputs.** A binary input raster (values 0 and 1) is emitted as spikes
(:class:`~neurosparse.SpikeTimes`, row :math:`t` at core step :math:`t`) and its first
projections are event-driven; any other raster is a real-valued drive, so its first linear
nodes are computed on the host and injected as currents (their multiply-accumulates are in
the trace as ``"<input> (host)"`` layers, priced as MACs). Biases are currents switched on
for each layer's window of :math:`T` steps; after the window a spiking layer is held below
threshold (a chip's reset between samples), so the trace counts the model's spikes only.

**Batches.** ``B`` samples run side by side as disjoint copies (block-diagonal synapses); the
trace is per sample (``n_samples = B``), its dense sizes those of one copy.
"""

from __future__ import annotations

import dataclasses
import os
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from neurosparse.core import DeltaSynapse, DiscreteCubaLIF, FromSparse, Network, SpikeTimes, TimedArray
from neurosparse.core.trace import per_copy
from neurosparse.errors import MissingDependencyError, MissingFileError, NeurosparseWarning, ParameterError
from neurosparse.interop.nir_graph import FlatGraph, flatten, infer_shapes, role
from neurosparse.interop.nir_primitives import METHODS, NIRGraphError, neuron_model, threshold_model
from neurosparse.optrace import LayerCounts, OpTrace

__all__ = [
    "CoreLayer",
    "CoreModel",
    "CoreProjection",
    "NIRRun",
    "NIRTimingWarning",
    "import_nir",
    "layer_depths",
    "read_nir",
]

#: Current that holds a spiking layer below threshold once its window has passed.
_SILENCE = -1e12


class NIRTimingWarning(NeurosparseWarning):
    """A recurrent loop of the NIR graph needs a delay below one step; it runs with one step."""


@dataclass
class CoreLayer:
    """One NIR neuron node (or a fused integrator and Threshold, or an Output's readout) as a
    core population named ``name``."""

    name: str
    kind: str  #: the NIR type ("LIF", ..., "LI+Threshold", "readout")
    shape: tuple[int, ...]
    model: DiscreteCubaLIF
    spiking: bool
    spikes_of: str | None  #: the NIR node whose spikes the population emits
    bias: np.ndarray | None = None
    depth: int = 0

    @property
    def n(self) -> int:
        return int(np.prod(self.shape))


@dataclass
class CoreProjection:
    """Synapses ``matrix`` (``n_target x n_source``) from an emitter to a layer, ``delay`` core steps."""

    source: str
    target: str
    delay: int
    matrix: sp.csr_matrix
    recurrent: bool = False


@dataclass
class _Read:
    """What an Output node returns: ``"spikes"`` or ``"v"`` of a population, or an ``"input"``."""

    source: str
    what: str
    shape: tuple[int, ...]


@dataclass
class NIRRun:
    """What :meth:`CoreModel.run` returns.

    Attributes
    ----------
    outputs
        Output node name -> ``[T, B, *shape]`` (spikes as uint8, membranes and readouts as
        float64), aligned to the model's steps.
    spikes
        Every spiking NIR node -> its ``[T, B, *shape]`` uint8 raster.
    trace
        The core's operation counts per sample (``n_samples = B``), host layers included.
    seconds
        Wall time of building and running.
    sim_seconds
        Time the core spent simulating (the runs' ``timings["sim_seconds"]``).
    """

    outputs: dict[str, np.ndarray]
    spikes: dict[str, np.ndarray]
    trace: OpTrace
    seconds: float
    sim_seconds: float = 0.0

    def spike_counts(self) -> dict[str, int]:
        """Spikes per NIR node, over every step and sample."""
        return {name: int(s.sum(dtype=np.int64)) for name, s in self.spikes.items()}


@dataclass
class CoreModel:
    """A NIR graph ready to run on the event core (see the module docstring)."""

    dt: float
    method: str
    inputs: dict[str, tuple[int, ...]]
    layers: dict[str, CoreLayer]
    projections: list[CoreProjection]
    reads: dict[str, _Read]
    depth: int = 0
    notes: list[str] = field(default_factory=list)

    # ---------------------------------------------------------------- description
    def describe(self) -> str:
        """One line per population: NIR type, neurons, depth, synapses in."""
        lines = [
            f"NIR graph on the event core (dt = {self.dt:g} s, method {self.method!r}, "
            f"pipeline depth {self.depth})"
        ]
        for name, layer in self.layers.items():
            syn = sum(p.matrix.nnz for p in self.projections if p.target == name)
            lines.append(
                f"  {name:<24s} {layer.kind:<14s} {layer.n:>8,d} neurons  depth {layer.depth}"
                f"  {syn:>10,d} synapses in"
            )
        return "\n".join(lines)

    def to_network(self) -> Network:
        """One copy of the graph as a plain :class:`~neurosparse.Network` (Inputs as empty
        :class:`~neurosparse.SpikeTimes`, biases as constant currents, no windows): what
        :func:`~neurosparse.interop.nir_export.export_network` writes back to NIR."""
        net = Network(dt=self.dt, seed=0)
        for name, shape in self.inputs.items():
            net.add_input(name, SpikeTimes(int(np.prod(shape)), np.zeros(0), np.zeros(0, np.int64)))
        for name, layer in self.layers.items():
            net.add_population(name, layer.n, layer.model, ports={"x": DeltaSynapse()})
            if layer.bias is not None:
                net.add_current(name, layer.bias)
        for pr in self.projections:
            net.connect(
                pr.source,
                pr.target,
                "x",
                FromSparse(pr.matrix.T.tocsr()),
                delay=pr.delay * self.dt,
                name=f"{pr.source}->{pr.target}"
                + ("" if _unique(self.projections, pr) else f" (delay {pr.delay})"),
            )
        return net

    # ---------------------------------------------------------------------- running
    def run(
        self,
        inputs: np.ndarray | dict[str, np.ndarray],
        *,
        batch_size: int | None = None,
        threads: int | None = 1,
        engine: str | None = None,
    ) -> NIRRun:
        """Run the graph over ``inputs``.

        Parameters
        ----------
        inputs
            ``[T, *shape]`` (one sample) or ``[T, B, *shape]`` (``B`` samples) per Input node:
            an array for a graph with one Input, else a dict by Input name.
        batch_size
            Samples simulated side by side in one core network (default: all).
        threads, engine
            Passed to :meth:`neurosparse.Network.run` (results do not depend on them).

        Returns
        -------
        NIRRun
            With ``outputs`` and ``spikes`` shaped ``[T, B, ...]``, or ``[T, ...]`` when the
            inputs had no batch axis.
        """
        x, single = self._check_inputs(inputs)
        n_steps, n_items = next(iter(x.values())).shape[:2]
        if batch_size is None:
            batch_size = n_items
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ParameterError(f"batch_size must be an integer >= 1, got {batch_size!r}")
        t0 = time.perf_counter()
        parts = [
            self._run_batch({k: v[:, s : s + batch_size] for k, v in x.items()}, threads, engine)
            for s in range(0, n_items, int(batch_size))
        ]
        outputs = {k: np.concatenate([p[0][k] for p in parts], axis=1) for k in parts[0][0]}
        spikes = {k: np.concatenate([p[1][k] for p in parts], axis=1) for k in parts[0][1]}
        trace = parts[0][2]
        for p in parts[1:]:
            trace = trace.merge_batches(p[2])
        sim_seconds = float(sum(p[3] for p in parts))
        if single:
            outputs = {k: v[:, 0] for k, v in outputs.items()}
            spikes = {k: v[:, 0] for k, v in spikes.items()}
        return NIRRun(outputs, spikes, trace, time.perf_counter() - t0, sim_seconds)

    def _check_inputs(self, inputs) -> tuple[dict[str, np.ndarray], bool]:
        if not isinstance(inputs, dict):
            if len(self.inputs) != 1:
                raise ParameterError(
                    f"the graph has {len(self.inputs)} Input nodes "
                    f"({', '.join(self.inputs)}); pass a dict of arrays by name"
                )
            inputs = {next(iter(self.inputs)): inputs}
        unknown = set(inputs) - set(self.inputs)
        missing = set(self.inputs) - set(inputs)
        if unknown or missing:
            raise ParameterError(
                f"inputs must be given for exactly the Input nodes {sorted(self.inputs)}; "
                f"unknown {sorted(unknown)}, missing {sorted(missing)}"
            )
        out, single, steps = {}, None, None
        for name, shape in self.inputs.items():
            try:
                arr = np.asarray(inputs[name], dtype=np.float64)
            except (TypeError, ValueError):
                raise ParameterError(f"input {name!r} must be numbers") from None
            if arr.ndim == 1 + len(shape) and arr.shape[1:] == shape:
                arr, this_single = arr[:, None], True
            elif arr.ndim == 2 + len(shape) and arr.shape[2:] == shape:
                this_single = False
            else:
                raise ParameterError(
                    f"input {name!r} must be [T, {', '.join(map(str, shape))}] or "
                    f"[T, B, {', '.join(map(str, shape))}], got shape {arr.shape}"
                )
            if arr.shape[0] < 1 or arr.shape[1] < 1:
                raise ParameterError(
                    f"input {name!r} needs at least one step and one sample, got {arr.shape}"
                )
            if not np.all(np.isfinite(arr)):
                raise ParameterError(f"input {name!r} must be finite")
            if single is not None and (this_single != single or arr.shape[:2] != steps):
                raise ParameterError("every input needs the same steps and samples")
            single, steps = this_single, arr.shape[:2]
            out[name] = arr.reshape(arr.shape[0], arr.shape[1], -1)
        return out, bool(single)

    def _run_batch(self, x: dict[str, np.ndarray], threads, engine):
        n_steps, batch = next(iter(x.values())).shape[:2]
        binary = {k: bool(np.all((v == 0) | (v == 1))) for k, v in x.items()}
        net = Network(dt=self.dt, seed=0)
        rows = n_steps + self.depth + 2
        for name, arr in x.items():
            if binary[name]:
                t, b, j = np.nonzero(arr)
                net.add_input(name, SpikeTimes(arr.shape[2] * batch, t * self.dt, b * arr.shape[2] + j))
        host: dict[str, np.ndarray] = {}  # per-neuron current tables, made only where needed

        def table_of(name: str) -> np.ndarray:
            if name not in host:
                host[name] = np.zeros((rows, self.layers[name].n * batch))
            return host[name]

        for name, layer in self.layers.items():
            net.add_population(name, layer.n * batch, _tile(layer.model, batch), ports={"x": DeltaSynapse()})
            d = layer.depth
            if layer.bias is not None:
                table_of(name)[d : d + n_steps] += np.tile(layer.bias, batch)
        host_layers = []
        for pr in self.projections:
            if pr.source in x and not binary[pr.source]:  # a real-valued drive: computed here
                xs = x[pr.source]
                drive = (pr.matrix @ xs.reshape(-1, xs.shape[2]).T).T.reshape(n_steps, -1)
                table_of(pr.target)[pr.delay : pr.delay + n_steps] += drive
                host_layers.append(_host_counts(f"{pr.source}->{pr.target} (host)", xs, pr.matrix))
                continue
            blocks = sp.block_diag([pr.matrix.T.tocsr()] * batch, format="csr")
            net.connect(
                pr.source,
                pr.target,
                "x",
                FromSparse(blocks),
                delay=pr.delay * self.dt,
                name=f"{pr.source}->{pr.target}"
                + ("" if _unique(self.projections, pr) else f" (delay {pr.delay})"),
            )
        for name, layer in self.layers.items():
            table = host.get(name)
            if table is None and layer.spiking:  # one column for all: zero, then held below threshold
                table = np.zeros(rows)
            if table is None:
                continue
            if layer.spiking:
                table[layer.depth + n_steps :] = _SILENCE
            net.add_current(name, TimedArray(table, dt=self.dt))
        spiking = [name for name, layer in self.layers.items() if layer.spiking]
        net.monitor_spikes(*spiking)
        for name in {r.source for r in self.reads.values() if r.what == "v"}:
            net.monitor_state(name, "v")
        rec = net.run((n_steps + self.depth + 1) * self.dt, threads=threads, engine=engine, progress=False)
        spikes = {}
        for name in spiking:
            layer = self.layers[name]
            s = rec.spikes[name]
            t = s.steps - layer.depth
            keep = (t >= 0) & (t < n_steps)
            raster = np.zeros((n_steps, batch, layer.n), np.uint8)
            raster[t[keep], s.i[keep] // layer.n, s.i[keep] % layer.n] = 1
            spikes[layer.spikes_of] = raster.reshape(n_steps, batch, *layer.shape)
        outputs = {}
        for out, read in self.reads.items():
            if read.what == "input":
                outputs[out] = x[read.source].reshape(n_steps, batch, *read.shape)
            elif read.what == "spikes":
                outputs[out] = spikes[self.layers[read.source].spikes_of]
            else:  # sample s + 1 holds the membrane after core step s
                layer = self.layers[read.source]
                v = rec.state[read.source]["v"][layer.depth + 1 : layer.depth + 1 + n_steps]
                outputs[out] = v.reshape(n_steps, batch, *layer.shape)
        trace = per_copy(rec.optrace, batch, "neurosparse.core (NIR)")
        for counts in host_layers:
            trace.add_layer(counts)
        return outputs, spikes, trace, rec.timings["sim_seconds"]


def _unique(projections: list[CoreProjection], pr: CoreProjection) -> bool:
    return sum(p.source == pr.source and p.target == pr.target for p in projections) == 1


def _tile(model: DiscreteCubaLIF, batch: int) -> DiscreteCubaLIF:
    values = {
        f.name: (
            np.tile(getattr(model, f.name), batch)
            if np.ndim(getattr(model, f.name)) == 1
            else getattr(model, f.name)
        )
        for f in dataclasses.fields(model)
    }
    return DiscreteCubaLIF(**values)


def _host_counts(name: str, x: np.ndarray, matrix: sp.csr_matrix) -> LayerCounts:
    """Counts of ``matrix @ x_t`` on the host over a batch ``x`` ``[T, B, n_in]``."""
    n_steps, batch, n_in = x.shape
    nz_cols = np.diff(matrix.tocsc().indptr).astype(np.float64)  # non-zero weights per input
    nz_in = (x != 0).reshape(-1, n_in).sum(0).astype(np.float64)
    effective = float(nz_in @ nz_cols)
    return LayerCounts(
        name=name,
        kind="projection",
        dense_ops=float(n_steps * batch * n_in * matrix.shape[0]),
        effective_macs=effective,
        nonzero_input_ops=float(np.count_nonzero(x)) * matrix.shape[0],
        nonzero_weight_ops=float(n_steps * batch * matrix.nnz),
        weight_bytes_read=4.0 * effective,
        activation_bytes_read=4.0 * float(np.count_nonzero(x)),
        activation_bytes_written=8.0 * n_steps * batch * matrix.shape[0],
        n_params=matrix.nnz,
        n_nonzero_params=matrix.nnz,
        dense_params=n_in * matrix.shape[0],
    )


# ------------------------------------------------------------------------- import
def read_nir(path: str | os.PathLike):
    """Read a ``.nir`` file (HDF5) as a :class:`nir.NIRGraph`, without NIR's own type check
    (:func:`import_nir` checks the graph and names the node at fault)."""
    nir = _nir()
    path = os.fspath(path)
    if not os.path.exists(path):
        raise MissingFileError(f"cannot read {path}: no such file (check the path)", filename=path)
    try:
        return nir.read(path, type_check=False)
    except Exception as exc:  # h5py and nir raise many kinds; all mean "not a readable NIR file"
        reason = " ".join(str(exc).split())  # one line
        raise NIRGraphError("(file)", f"cannot read {path} as a NIR graph: {reason}") from None


def _nir():
    try:
        import nir
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise MissingDependencyError(
            "NIR interop needs the nir package: pip install 'neurosparse[nir]'"
        ) from exc
    return nir


def import_nir(graph, *, dt: float = 1e-4, method: str = "euler", reset: str | None = None) -> CoreModel:
    """A NIR graph (or ``.nir`` file) as a :class:`CoreModel` on the event core.

    Parameters
    ----------
    graph
        A :class:`nir.NIRGraph` or the path of a ``.nir`` file.
    dt
        The step (s). snnTorch writes its time constants for ``dt = 1e-4``.
    method
        ``"euler"`` (snnTorch's map) or ``"exact"`` (:mod:`.nir_primitives`).
    reset
        ``"zero"`` or ``"subtract"`` for every spiking node; None: each node's
        ``metadata["reset"]``, else ``"zero"`` (NIR's reset). snnTorch models trained with
        its default reset need ``"subtract"``.

    Raises
    ------
    NIRGraphError
        Naming the node, for a malformed graph or one the core cannot run.
    """
    if isinstance(graph, (str, os.PathLike)):
        graph = read_nir(graph)
    if (
        isinstance(dt, bool)
        or not isinstance(dt, (int, float, np.floating))
        or not np.isfinite(dt)
        or dt <= 0
    ):
        raise ParameterError(f"dt must be a finite number of seconds > 0, got {dt!r}")
    if method not in METHODS:
        raise ParameterError(f"method must be one of {METHODS}, got {method!r}")
    if reset not in (None, "zero", "subtract"):
        raise ParameterError(f"reset must be None, 'zero' or 'subtract', got {reset!r}")
    flat = infer_shapes(flatten(graph), float(dt))
    layers, emitter_of = _layers(flat, float(dt), method, reset)
    drives, reads = _compose(flat, layers, emitter_of)
    model = CoreModel(float(dt), method, {k: flat.shapes[k] for k in flat.inputs}, layers, [], reads)
    _schedule(model, drives, flat.inputs)
    return model


def _layers(flat: FlatGraph, dt: float, method: str, reset: str | None):
    """Populations for the neuron nodes; ``emitter_of`` maps each node whose output is spikes
    (Inputs too) to the population (or input) that emits them."""
    layers: dict[str, CoreLayer] = {}
    emitter_of = {name: name for name in flat.inputs}
    for name, node in flat.nodes.items():
        r = role(flat, name)
        shape = flat.shapes[name]
        n = int(np.prod(shape))
        if r in ("neuron", "integrator"):
            model = neuron_model(name, node, n, dt, method, reset)
            layers[name] = CoreLayer(
                name, type(node).__name__, shape, model, r == "neuron", name if r == "neuron" else None
            )
            if r == "neuron":
                emitter_of[name] = name
    for name, node in flat.nodes.items():
        if role(flat, name) != "threshold":
            continue
        sources = flat.sources_of(name)
        n = int(np.prod(flat.shapes[name]))
        if len(sources) == 1 and role(flat, sources[0]) == "integrator":
            base = layers[sources[0]]
            if base.spiking:
                raise NIRGraphError(
                    name,
                    f"the integrator {sources[0]!r} feeds two Threshold nodes; the "
                    "core gives one population one threshold",
                )
            layers[base.name] = dataclasses.replace(
                base,
                kind=f"{base.kind}+Threshold",
                model=threshold_model(name, node, n, base.model),
                spiking=True,
                spikes_of=name,
            )
            emitter_of[name] = base.name
        else:
            layers[name] = CoreLayer(
                name, "Threshold", flat.shapes[name], threshold_model(name, node, n), True, name
            )
            emitter_of[name] = name
    return layers, emitter_of


def _add(terms: dict, key, matrix: sp.csr_matrix) -> None:
    terms[key] = terms[key] + matrix if key in terms else matrix


def _compose(flat: FlatGraph, layers: dict[str, CoreLayer], emitter_of: dict[str, str]):
    """Sum the paths from every emitter through linear nodes to every receiver:
    ``drives[population][(emitter, model delay)] = matrix`` and each population's bias;
    and what each Output reads."""
    linear = [n for n in flat.nodes if role(flat, n) == "linear"]
    contrib: dict[str, tuple[dict, np.ndarray | None]] = {}

    def incoming(receiver: str) -> tuple[dict, np.ndarray | None]:
        terms: dict = {}
        bias = None
        for s in flat.sources_of(receiver):
            if s in emitter_of:
                n = int(np.prod(flat.shapes[s]))
                _add(terms, (emitter_of[s], 0), sp.identity(n, format="csr"))
            elif s in contrib:
                s_terms, s_bias = contrib[s]
                for key, m in s_terms.items():
                    _add(terms, key, m)
                if s_bias is not None:
                    bias = s_bias if bias is None else bias + s_bias
            else:
                raise NIRGraphError(
                    s,
                    f"a non-spiking {type(flat.nodes[s]).__name__} cannot feed {receiver!r}: "
                    "the event core transmits spikes only; its value can be read at an Output "
                    "or thresholded by a Threshold node right after it",
                )
        return terms, bias

    for name in _linear_order(flat, linear):
        terms, bias = incoming(name)
        op = flat.ops[name]
        if op.matrix is not None:
            terms = {key: (op.matrix @ m).tocsr() for key, m in terms.items()}
            bias = None if bias is None else op.matrix @ bias
        if op.bias is not None:
            bias = op.bias.copy() if bias is None else bias + op.bias
        if op.delay_steps is not None:
            delayed: dict = {}
            for (emitter, k), m in terms.items():
                for e in np.unique(op.delay_steps):
                    mask = sp.diags((op.delay_steps == e).astype(np.float64), format="csr")
                    part = (mask @ m).tocsr()
                    part.eliminate_zeros()
                    if part.nnz:
                        _add(delayed, (emitter, k + int(e)), part)
            terms = delayed
        contrib[name] = (terms, bias)
    drives: dict[str, dict] = {}
    for name, layer in layers.items():  # a fused Threshold is fed by its integrator itself
        terms, bias = incoming(name)
        drives[name] = terms
        layer.bias = bias
    reads: dict[str, _Read] = {}
    for out in flat.outputs:
        sources = flat.sources_of(out)
        shape = flat.shapes[out]
        if len(sources) == 1 and sources[0] in flat.inputs:
            reads[out] = _Read(sources[0], "input", shape)
        elif len(sources) == 1 and sources[0] in emitter_of and emitter_of[sources[0]] in layers:
            reads[out] = _Read(emitter_of[sources[0]], "spikes", shape)
        elif len(sources) == 1 and sources[0] in layers:  # a non-spiking integrator: its membrane
            reads[out] = _Read(sources[0], "v", shape)
        else:  # a readout population v_t = X_t of what arrives
            terms, bias = incoming(out)
            name = out if out not in layers else f"{out} (readout)"
            layers[name] = CoreLayer(
                name,
                "readout",
                shape,
                DiscreteCubaLIF(alpha=0.0, beta=0.0, w_in=1.0, r=1.0, v_th=np.inf, reset="none"),
                False,
                None,
                bias,
            )
            drives[name] = terms
            reads[out] = _Read(name, "v", shape)
    for name, layer in layers.items():
        if layer.kind.endswith("+Threshold"):
            for node in flat.targets_of(name):
                if node != layer.spikes_of and role(flat, node) != "output":
                    raise NIRGraphError(
                        name,
                        f"a non-spiking {layer.kind.split('+')[0]} cannot feed {node!r}: "
                        "the event core transmits spikes only",
                    )
    return drives, reads


def _linear_order(flat: FlatGraph, linear: list[str]) -> list[str]:
    """The linear nodes in an order where each comes after the linear nodes feeding it."""
    inside = set(linear)
    waiting = {n: {s for s in flat.sources_of(n) if s in inside} for n in linear}
    order = []
    while waiting:
        ready = [n for n, deps in waiting.items() if not deps]
        if not ready:
            raise NIRGraphError(
                next(iter(waiting)),
                "a cycle through linear nodes only (no neuron on it) has no meaning in discrete time",
            )
        for n in ready:
            order.append(n)
            del waiting[n]
        for deps in waiting.values():
            deps.difference_update(ready)
    return order


def layer_depths(
    edges: list[tuple[str, str]], inputs: list[str], layers: list[str]
) -> tuple[dict[str, int], set[tuple[str, str]]]:
    """Depths and recurrent edges of a graph of emitters and populations.

    ``edges`` are ``(source, target)`` pairs (in their order of appearance). An edge into a
    node still on the stack of a depth-first search from the ``inputs`` (then from the
    ``layers`` not reached) closes a cycle: it is recurrent. Inputs have depth 0; a layer has
    depth one more than the deepest source of its other edges (1 if it has none).
    """
    succ: dict[str, list[str]] = {}
    for a, b in edges:
        succ.setdefault(a, [])
        if b not in succ[a]:
            succ[a].append(b)
    state: dict[str, int] = {}
    back: set[tuple[str, str]] = set()
    finished: list[str] = []
    for root in list(inputs) + list(layers):
        if root in state:
            continue
        stack = [(root, iter(succ.get(root, ())))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                finished.append(node)
                stack.pop()
            elif state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(succ.get(nxt, ()))))
    preds: dict[str, list[str]] = {}
    for a, b in edges:
        if (a, b) not in back:
            preds.setdefault(b, []).append(a)
    depth = {name: 0 for name in inputs}
    for node in reversed(finished):  # reverse post-order: a topological order of the other edges
        if node not in depth:
            depth[node] = max((depth[a] + 1 for a in preds.get(node, ())), default=1)
    return depth, back


def _schedule(model: CoreModel, drives: dict[str, dict], inputs: list[str]) -> None:
    """Depths of the layers and the core delay of every projection (module docstring)."""
    edges = [(emitter, target) for target, terms in drives.items() for emitter, _ in terms]
    depth, back = layer_depths(edges, inputs, list(model.layers))
    for name, layer in model.layers.items():
        layer.depth = depth.get(name, 1)
    model.depth = max((layer.depth for layer in model.layers.values()), default=0)
    for target, terms in drives.items():
        for (emitter, k), matrix in terms.items():
            recurrent = (emitter, target) in back
            delay = depth[target] - depth.get(emitter, 0) + k + (1 if recurrent else 0)
            if delay < 1:
                warnings.warn(
                    NIRTimingWarning(
                        f"the recurrent edge {emitter!r} -> {target!r} would need a delay of {delay} "
                        "steps; it runs with 1, so this loop lags the discrete-time model (add a Delay "
                        "node to the loop to make it exact)"
                    ),
                    stacklevel=3,
                )
                model.notes.append(f"{emitter} -> {target}: delay {delay} raised to 1")
                delay = 1
            matrix = matrix.tocsr()
            matrix.eliminate_zeros()
            model.projections.append(CoreProjection(emitter, target, int(delay), matrix, recurrent))
