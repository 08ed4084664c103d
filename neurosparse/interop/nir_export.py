r"""Export event-core networks and the package's PyTorch spiking models to NIR.

:func:`export_network` writes a :class:`~neurosparse.Network` of discrete-time populations,
:func:`export_torch` a :class:`~neurosparse.snn.classifier.SpikingClassifier`, a
:class:`~neurosparse.snn.baseline.SpikingMLP` or an ``nn.Sequential`` of Linear, Conv2d,
AvgPool2d and Flatten layers with spiking neurons. The NIR time constants are written for a
step ``dt`` (snnTorch's importer assumes ``1e-4``) under the ``"euler"`` reading of
:mod:`.nir_primitives` (``method="exact"`` writes the exact one): importing the file with
:func:`~neurosparse.interop.nir_import.import_nir` at the same ``dt`` and method gives the
same spikes, and so does snnTorch's ``import_from_nir`` for what it reads (tested).

Populations map as follows; anything else is refused by name (:class:`NIRGraphError`):

* :class:`~neurosparse.DiscreteLIF` and snnTorch's ``Leaky`` / our ``SurrogateLIF``:
  ``LIF(tau = dt/(1-beta), r = tau/dt, v_leak = 0, v_reset = 0)``, as snnTorch exports
  ``Leaky``; ``beta = 1`` is an ``IF``. NIR has no reset mechanism, so it goes in the node's
  ``metadata["reset"]``, which :func:`import_nir` reads; snnTorch's importer always resets to
  zero, so a ``"subtract"`` model read by snnTorch spikes differently. A reset ``"none"``
  becomes an ``LI`` followed by a ``Threshold``.
* :class:`~neurosparse.DiscreteCubaLIF` by its coefficients (inverting
  :func:`~neurosparse.interop.nir_primitives.neuron_model`): CubaLIF, LIF, IF, LI, CubaLI, I,
  Threshold (``alpha = beta = 0``), or nothing (a readout ``v_t = X_t``, whose Output reads
  the linear node before it).
* :class:`~neurosparse.MaxPlusLIF` and the hardened ``UltraLIF`` (reset ``"zero"``, no
  refractory period): a ``Threshold``. Its membrane stays at or below ``v_th`` after every
  step (a spike resets it), so ``max(v - leak, X) > v_th`` exactly when ``X > v_th``: the
  spikes are a threshold of the step's input, whatever the leak. snnTorch's importer has no
  Threshold; ``threshold_as="lif"`` writes ``LIF(tau = dt, r = 1)`` instead, which it reads as
  ``Leaky(beta=0)``, the same spikes.
* Projections become ``Linear`` nodes (``Affine`` with a population's constant injected
  current as bias), dense ``(n_post, n_pre)`` float32 weights, and a ``Delay`` node for the
  delay the NIR reading does not imply (one step per layer, one for a recurrent edge; see
  :mod:`.nir_import`). Initial states are not exported: NIR's neurons start at rest.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence

import numpy as np

from neurosparse.core import DiscreteCubaLIF, DiscreteLIF, MaxPlusLIF, Network, TimedArray
from neurosparse.core.models import exact_current_coupling
from neurosparse.errors import NeurosparseWarning, ParameterError
from neurosparse.interop.nir_import import _nir, layer_depths
from neurosparse.interop.nir_primitives import METHODS, NIRGraphError

__all__ = ["NIRExportWarning", "export_network", "export_torch", "write_nir"]


class NIRExportWarning(NeurosparseWarning):
    """Something of the model is not carried by the NIR file (an initial state)."""


def write_nir(graph, path: str | os.PathLike) -> str:
    """Write ``graph`` to ``path`` (HDF5, NIR's format), via a temporary file renamed into place."""
    nir = _nir()
    path = os.fspath(path)
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        nir.write(tmp, graph)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


# ------------------------------------------------------------------- neurons
def _vector(model, field: str, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(getattr(model, field), dtype=np.float64), (n,)).copy()


def _tau(name: str, decay: np.ndarray, dt: float, method: str, what: str) -> np.ndarray:
    if np.any(decay >= 1.0) or np.any(decay < 0.0):
        raise NIRGraphError(name, f"{what} decay must be in [0, 1) to have a time constant")
    if method == "euler":
        return dt / (1.0 - decay)
    if np.any(decay == 0.0):
        raise NIRGraphError(
            name, f"a {what} decay of 0 has no time constant under method='exact' (use method='euler')"
        )
    return -dt / np.log(decay)


def neuron_nodes(
    name: str, model, n: int, dt: float, method: str = "euler", threshold_as: str = "threshold"
) -> tuple[dict, list, str | None]:
    """NIR nodes for a population: ``(nodes, edges inside, name of the node that receives)``;
    the node named ``name`` emits the spikes (or holds the membrane); a receiving node of
    ``None`` means a readout (the Output reads the linear nodes before it)."""
    nir = _nir()
    if isinstance(model, DiscreteLIF):
        beta = _vector(model, "beta", n)
        model = DiscreteCubaLIF(alpha=0.0, beta=beta, v_th=model.v_th, reset=model.reset, v_init=model.v_init)
    if isinstance(model, MaxPlusLIF):
        if np.any(np.asarray(model.t_ref) > 0):
            raise NIRGraphError(name, "a MaxPlusLIF with a refractory period drops input; NIR has none")
        if np.any(np.asarray(model.v_init) > np.asarray(model.v_th)):
            raise NIRGraphError(
                name, "a MaxPlusLIF starting above v_th spikes without input; NIR cannot say so"
            )
        return {name: _threshold(nir, _vector(model, "v_th", n), dt, threshold_as)}, [], name
    if not isinstance(model, DiscreteCubaLIF):
        raise NIRGraphError(
            name,
            f"{type(model).__name__} has no NIR equivalent here (export maps the "
            "discrete-time DiscreteLIF, DiscreteCubaLIF and MaxPlusLIF; NIR has no "
            "refractory period, and the continuous models take input after their "
            "threshold)",
        )
    a, b, w, r = (_vector(model, f, n) for f in ("alpha", "beta", "w_in", "r"))
    v_leak, v_th, v_reset = (_vector(model, f, n) for f in ("v_leak", "v_th", "v_reset"))
    spiking = np.isfinite(v_th)
    if spiking.any() and not spiking.all():
        raise NIRGraphError(
            name, "some neurons spike and some do not (v_th = inf): one NIR node cannot say so"
        )
    spiking = bool(spiking.all())
    meta = {"reset": model.reset}
    if np.all(a == 0) and np.all(b == 0) and (model.reset != "subtract" or not spiking):
        gain = r * w  # memoryless: v_t = r w X_t + v_leak
        if not spiking:
            if np.all(gain == 1.0) and np.all(v_leak == 0.0):
                return {}, [], None
            return {name: nir.Affine(weight=np.diag(gain), bias=v_leak)}, [], name
        if np.any(gain <= 0):
            raise NIRGraphError(name, "a memoryless threshold needs r * w_in > 0")
        return {name: _threshold(nir, (v_th - v_leak) / gain, dt, threshold_as)}, [], name
    if np.all(a == 0):
        r_eff = r * w
        if np.all(b == 1.0):
            node = nir.IF(r=r_eff / dt, v_threshold=v_th, v_reset=v_reset) if spiking else nir.I(r=r_eff / dt)
            if spiking and np.any(v_leak != 0):
                raise NIRGraphError(name, "an integrator (beta = 1) has no leak potential in NIR")
        else:
            tau = _tau(name, b, dt, method, "membrane")
            big_r = r_eff / (1.0 - b)
            node = (
                nir.LIF(tau=tau, r=big_r, v_leak=v_leak, v_threshold=v_th, v_reset=v_reset)
                if spiking
                else nir.LI(tau=tau, r=big_r, v_leak=v_leak)
            )
    else:
        tau_syn = _tau(name, a, dt, method, "current")
        tau_mem = _tau(name, b, dt, method, "membrane")
        w_nir = w * tau_syn / dt
        if method == "euler":
            big_r = r / (1.0 - b)
        else:
            big_r = r / np.array([exact_current_coupling(s, m, dt) for s, m in zip(tau_syn, tau_mem)])
        node = (
            nir.CubaLIF(
                tau_syn=tau_syn,
                tau_mem=tau_mem,
                r=big_r,
                v_leak=v_leak,
                v_threshold=v_th,
                v_reset=v_reset,
                w_in=w_nir,
            )
            if spiking
            else nir.CubaLI(tau_syn=tau_syn, tau_mem=tau_mem, r=big_r, v_leak=v_leak, w_in=w_nir)
        )
    if spiking and model.reset == "none":  # an integrator and a Threshold: spikes without a reset
        kind = {"LIF": "LI", "IF": "I", "CubaLIF": "CubaLI"}[type(node).__name__]
        fields = {
            "LI": ("tau", "r", "v_leak"),
            "I": ("r",),
            "CubaLI": ("tau_syn", "tau_mem", "r", "v_leak", "w_in"),
        }[kind]
        integrator = getattr(nir, kind)(**{f: getattr(node, f) for f in fields})
        membrane = f"{name}_membrane"
        return {membrane: integrator, name: nir.Threshold(threshold=v_th)}, [(membrane, name)], membrane
    node.metadata = dict(meta) if spiking else {}
    return {name: node}, [], name


def _threshold(nir, theta: np.ndarray, dt: float, threshold_as: str):
    if threshold_as == "lif":  # snnTorch reads LIF(tau = dt, r = 1) as Leaky(beta = 0): [X > theta]
        n = theta.size
        node = nir.LIF(
            tau=np.full(n, dt), r=np.ones(n), v_leak=np.zeros(n), v_threshold=theta, v_reset=np.zeros(n)
        )
        node.metadata = {"reset": "zero"}
        return node
    return nir.Threshold(threshold=theta)


# ------------------------------------------------------------------- networks
def export_network(
    net: Network,
    *,
    outputs: Sequence[str] | dict[str, str] | None = None,
    dt: float | None = None,
    method: str = "euler",
    threshold_as: str = "threshold",
):
    """A :class:`nir.NIRGraph` of ``net``.

    Parameters
    ----------
    net
        Populations of DiscreteLIF, DiscreteCubaLIF or MaxPlusLIF with delta ports, input
        groups, static projections and constant injected currents (module docstring).
    outputs
        Populations (or input groups) whose values the graph outputs: a list (Output nodes
        named ``"<population>_output"``, or ``"output"`` for one) or a dict Output name ->
        population or ``(population, "spikes" | "v")`` (the membrane of a non-spiking or
        non-resetting population). Default: the populations no projection leaves.
    dt
        The step the time constants are written for (default ``net.dt``).
    method
        ``"euler"`` or ``"exact"``: the reading the importer will use.
    threshold_as
        ``"threshold"`` (NIR's Threshold) or ``"lif"`` (for snnTorch's importer).
    """
    nir = _nir()
    if not isinstance(net, Network):
        raise ParameterError(f"net must be a neurosparse Network, got {type(net).__name__}")
    dt = float(net.dt if dt is None else dt)
    if not (math.isfinite(dt) and dt > 0):
        raise ParameterError(f"dt must be a finite number of seconds > 0, got {dt!r}")
    if method not in METHODS:
        raise ParameterError(f"method must be one of {METHODS}, got {method!r}")
    if threshold_as not in ("threshold", "lif"):
        raise ParameterError(f"threshold_as must be 'threshold' or 'lif', got {threshold_as!r}")
    pops = net.populations
    projections = list(net.projections.values())
    nodes: dict = {}
    edges: list = []
    receiver: dict[str, str | None] = {}
    inputs = [name for name, p in pops.items() if not hasattr(p, "model")]
    for name in inputs:
        nodes[name] = nir.Input(input_type=np.array([pops[name].n]))
    biases: dict[str, np.ndarray] = {}
    for name, pop in pops.items():
        if name in inputs:
            continue
        if pop.initial:
            warnings.warn(
                NIRExportWarning(
                    f"population {name!r}: its initial state is not exported (NIR's neurons start at rest)"
                ),
                stacklevel=2,
            )
        bias = np.zeros(pop.n)
        for current in pop.currents:
            if isinstance(current.amplitude, TimedArray):
                raise NIRGraphError(
                    name, "a time-varying current is not a NIR primitive; feed it as an Input"
                )
            bias = bias + np.broadcast_to(np.asarray(current.amplitude, dtype=np.float64), (pop.n,))
        if np.any(bias):
            biases[name] = bias
        pop_nodes, inner, receiver[name] = neuron_nodes(name, pop.model, pop.n, dt, method, threshold_as)
        if any(type(port).__name__ != "DeltaSynapse" for port in pop.ports.values()):
            raise NIRGraphError(name, "only delta ports have a NIR meaning for discrete-time populations")
        nodes.update(pop_nodes)
        edges.extend(inner)
    edges_in = [(pr.source, pr.target) for pr in projections]
    depth, back = layer_depths(edges_in, inputs, [n for n in pops if n not in inputs])
    has_bias = set()
    for pr in projections:
        if pr.plasticity is not None:
            raise NIRGraphError(pr.name, "a plastic projection has no NIR equivalent")
        if receiver[pr.target] is None and pr.target in {p.source for p in projections}:
            raise NIRGraphError(pr.target, "a readout population cannot send spikes")
        delays = pr.delay_array()
        weights = pr.weight_array()
        pre = pr.pre_indices()
        implied = depth[pr.target] - depth.get(pr.source, 0) + (1 if (pr.source, pr.target) in back else 0)
        for d in np.unique(delays):
            extra = int(d) - implied
            if extra < 0:
                raise NIRGraphError(
                    pr.name,
                    f"its delay of {int(d)} steps is shorter than the {implied} its "
                    "layers imply in NIR's reading (one step per layer)",
                )
            sel = delays == d
            weight = np.zeros((pr.n_post, pr.n_pre), dtype=np.float32)
            np.add.at(weight, (pr.indices[sel], pre[sel]), weights[sel])
            base = pr.name.replace("/", "_") + ("" if np.unique(delays).size == 1 else f" d{int(d)}")
            if pr.target in biases and pr.target not in has_bias:
                nodes[base] = nir.Affine(weight=weight, bias=biases[pr.target].astype(np.float32))
                has_bias.add(pr.target)
            else:
                nodes[base] = nir.Linear(weight=weight)
            src = pr.source
            edges.append((src, base))
            last = base
            if extra:
                nodes[f"{base} delay"] = nir.Delay(delay=np.full(pr.n_post, extra * dt))
                edges.append((base, f"{base} delay"))
                last = f"{base} delay"
            edges.append(
                (last, receiver[pr.target] if receiver[pr.target] is not None else f"__readout__{pr.target}")
            )
    for name in biases:
        if name not in has_bias:
            raise NIRGraphError(
                name, "it has an injected current but no incoming projection to carry it as a bias"
            )
    outputs = _outputs(outputs, pops, projections, inputs)
    for out, (pop, what) in outputs.items():
        n = pops[pop].n
        if out in nodes:
            raise ParameterError(f"outputs: the Output name {out!r} is already a node's name")
        nodes[out] = nir.Output(output_type=np.array([n]))
        if pop in receiver and receiver[pop] is None:  # a readout: the Output reads what feeds it
            edges = [(a, out if b == f"__readout__{pop}" else b) for a, b in edges]
        elif what == "v" and receiver.get(pop) not in (None, pop):  # the integrator of a Threshold pair
            edges.append((receiver[pop], out))
        elif (
            what == "v"
            and pop in receiver
            and type(nodes[pop]).__name__ not in ("LI", "CubaLI", "I", "Affine")
        ):
            raise NIRGraphError(pop, "a spiking NIR node outputs spikes; its membrane cannot be an output")
        else:
            edges.append((pop, out))
    dangling = [b for _, b in edges if b.startswith("__readout__")]
    if dangling:
        raise NIRGraphError(dangling[0][len("__readout__") :], "a readout population must be an output")
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)


def _outputs(outputs, pops, projections, inputs) -> dict[str, tuple[str, str]]:
    """Output name -> (population, "spikes" or "v")."""
    if outputs is None:
        sources = {pr.source for pr in projections}
        outputs = [n for n in pops if n not in inputs and n not in sources]
    if not isinstance(outputs, dict):
        outputs = list(outputs)
        outputs = {"output": outputs[0]} if len(outputs) == 1 else {f"{p}_output": p for p in outputs}
    out = {}
    for name, value in outputs.items():
        pop, what = (value, "spikes") if isinstance(value, str) else tuple(value)
        if pop not in pops:
            raise ParameterError(f"outputs: no population named {pop!r}")
        if what not in ("spikes", "v"):
            raise ParameterError(f"outputs: {name!r} must read 'spikes' or 'v', got {what!r}")
        out[name] = (pop, what)
    return out


# -------------------------------------------------------------------- PyTorch
def export_torch(
    model, input_shape: Sequence[int] | None = None, *, dt: float = 1e-4, threshold_as: str = "threshold"
):
    """A :class:`nir.NIRGraph` of a PyTorch spiking model (hardened if it is an UltraLIF one).

    Parameters
    ----------
    model
        A :class:`~neurosparse.snn.classifier.SpikingClassifier` (surrogate LIF or UltraLIF
        layers; its readout of the mean spikes is an Affine -> Output, whose per-step values
        average to the logits), a :class:`~neurosparse.snn.baseline.SpikingMLP`, or an
        ``nn.Sequential`` of ``nn.Linear``, ``nn.Conv2d``, ``nn.AvgPool2d``, ``nn.Flatten``,
        snnTorch ``Leaky``, ``SurrogateLIF`` and ``UltraLIF`` modules.
    input_shape
        The input's shape without batch and time axes (needed for an ``nn.Sequential``
        starting with a convolution; else read from the first Linear).
    dt
        The step the time constants are written for (snnTorch's importer assumes 1e-4).
    threshold_as
        ``"threshold"`` or ``"lif"`` for hardened UltraLIF layers (module docstring).
    """
    from neurosparse.interop import nir_torch

    return nir_torch.export_torch(model, input_shape, dt=dt, threshold_as=threshold_as)
