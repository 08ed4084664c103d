r"""The NIR primitives the event core runs, and how each is discretised at a step ``dt``.

NIR (the Neuromorphic Intermediate Representation, Pedersen et al. 2024) states its neurons
as continuous-time ODEs. The event core steps discrete-time maps, so importing a graph
chooses a discretisation; every choice is listed here and in :data:`PRIMITIVES`.

**Inputs.** The value of an input (or of a linear node's output) at step ``t`` is a current
held constant over that step (snnTorch's and Norse's reading): a binary spike is a 1 for one
step, a pulse of area ``dt``, not a unit-area Dirac delta.

**Neurons** become :class:`~neurosparse.DiscreteCubaLIF` populations,
:math:`i_t = \alpha i_{t-1} + w X_t`, :math:`v_t = \beta v_{t-1} + r\, i_t + (1-\beta)
v_{leak} - \text{reset}`, with ``method``:

* ``"euler"`` (default; what snnTorch, Norse and NIR's own snnTorch export assume: snnTorch
  writes ``tau = dt / (1 - beta)``, ``r = tau / dt``), the current updated first and used in
  the same step (snnTorch's ``Synaptic`` order):
  :math:`\beta = 1 - dt/\tau_{mem}`, :math:`r = R\,dt/\tau_{mem}`,
  :math:`\alpha = 1 - dt/\tau_{syn}`, :math:`w = w_{in} dt/\tau_{syn}`. It needs
  :math:`dt \le \tau` (else :math:`\beta < 0`, unstable), and is first order in ``dt``.
* ``"exact"``: the linear ODE solved over each step: LIF/LI with the input held over the step
  (zero-order hold), :math:`\beta = e^{-dt/\tau}`, :math:`r = R (1 - e^{-dt/\tau})`; CubaLIF/
  CubaLI with each step's input a pulse of area :math:`X dt` into the current
  (:math:`w = w_{in} dt/\tau_{syn}`), then current and membrane propagated exactly,
  :math:`\alpha = e^{-dt/\tau_{syn}}`, :math:`\beta = e^{-dt/\tau_{mem}}`,
  :math:`r = R\,P(dt)` with :math:`P` the membrane response to a unit exponential current
  (:func:`neurosparse.core.models.exact_current_coupling`). Exact for piecewise-constant
  input; it does not reproduce snnTorch (whose map is ``"euler"``).
* IF and I: :math:`\beta = 1`, :math:`r = R\,dt` (both methods agree). snnTorch's importer
  reads IF as a leaky ``Leaky(beta=0.9)``; here it integrates.
* **Reset**: ``"zero"`` (NIR's definition, :math:`v \leftarrow v_{reset}`, and what
  snnTorch's importer builds) or ``"subtract"`` (:math:`v \leftarrow v - (v_{th} - v_{reset})`,
  snnTorch's default for ``Leaky``, ``RLeaky`` and ``Synaptic``, which its exporter does not
  record: a model trained with it needs ``reset="subtract"``). Either is applied by the next
  step (snnTorch's ``reset_delay=True``; for ``"zero"`` the spikes are those of an immediate
  reset too). A node's ``metadata["reset"]`` (written by :mod:`~neurosparse.interop.nir_export`)
  is used when no reset is chosen. snnTorch's ``RLeaky`` and ``Synaptic`` with
  ``reset_mechanism="zero"`` zero the membrane *after* adding the step's input, a map NIR
  does not describe and this importer does not reproduce.
* **Refractoriness**: none (NIR has no refractory period).
* **Initial state**: :math:`v = v_{leak}`, :math:`i = 0` (snnTorch's zeros).
* **Biases** (of Affine and Conv nodes) are constant currents: they enter :math:`X_t` every
  step of the layer's window, as the weights do, and are not delayed by Delay nodes.
* Non-spiking integrators (LI, I, CubaLI) have ``v_th = inf``; their ``v`` can be read at an
  Output, or thresholded by a Threshold node directly after them (one population, no reset).
  The core transmits spikes only, so their value cannot feed another layer.
* Threshold alone is a memoryless population :math:`[X_t > \theta]` (``alpha = beta = 0``).

**Linear nodes** (Affine, Linear, Scale, Conv1d, Conv2d, SumPool2d, AvgPool2d, Flatten,
Delay, and the Input/Output nodes of nested graphs) between two neuron layers are composed
into one sparse matrix per delay and stored as CSR projections (:mod:`.nir_conv`). A Delay of
:math:`\tau` seconds is :math:`\tau / dt` whole steps (refused otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurosparse.core.models import DiscreteCubaLIF, exact_current_coupling
from neurosparse.errors import NeurosparseError

__all__ = ["METHODS", "PRIMITIVES", "NIRGraphError", "Primitive", "neuron_model", "threshold_model"]

#: The discretisations of the neuron ODEs.
METHODS = ("euler", "exact")
#: The resets a spiking node may be given.
RESETS = ("zero", "subtract")


class NIRGraphError(NeurosparseError, ValueError):
    """A NIR graph is malformed, or holds a node the event core cannot run.

    The message names the node (``node``) and says why.
    """

    def __init__(self, node: str, reason: str):
        super().__init__(f"NIR node {node!r}: {reason}")
        self.node = node


@dataclass(frozen=True)
class Primitive:
    """How one NIR node type runs on the event core.

    Attributes
    ----------
    name
        The ``nir.ir`` class name.
    role
        ``"graph"``, ``"input"``, ``"output"``, ``"linear"``, ``"neuron"`` (spiking),
        ``"integrator"`` (non-spiking) or ``"threshold"``.
    core
        What it becomes on the core.
    discretisation
        The choice made for it (see the module docstring).
    """

    name: str
    role: str
    core: str
    discretisation: str


_LINEAR = "composed with the other linear nodes up to the next neuron layer into one CSR projection"
#: Every NIR primitive with a meaning on the event core, by ``nir.ir`` class name.
PRIMITIVES: dict[str, Primitive] = {
    p.name: p
    for p in (
        Primitive(
            "NIRGraph",
            "graph",
            "flattened into its parent, names prefixed with the node's name",
            "its Input and Output nodes pass values through",
        ),
        Primitive(
            "Input",
            "input",
            "SpikeTimes source (binary input) or host-computed currents (real input)",
            "row t of the input raster is emitted at core step t",
        ),
        Primitive(
            "Output",
            "output",
            "reads the spikes or membrane of the node before it, or a readout "
            "population v_t = X_t of the linear nodes before it",
            "aligned to the model's steps",
        ),
        Primitive("Affine", "linear", _LINEAR, "y = W x + b; b a constant current"),
        Primitive("Linear", "linear", _LINEAR, "y = W x"),
        Primitive("Scale", "linear", _LINEAR, "y = s * x"),
        Primitive("Conv1d", "linear", _LINEAR + " (unrolled)", "PyTorch's conv1d; bias a constant current"),
        Primitive("Conv2d", "linear", _LINEAR + " (unrolled)", "PyTorch's conv2d; bias a constant current"),
        Primitive("SumPool2d", "linear", _LINEAR + " (unrolled)", "sum over each window"),
        Primitive("AvgPool2d", "linear", _LINEAR + " (unrolled)", "sum / (k_h k_w), padding counted"),
        Primitive("Flatten", "linear", "nothing (C-order flattening is the identity on flat indices)", "-"),
        Primitive("Delay", "linear", "added to the projection's delay, per element", "tau / dt whole steps"),
        Primitive(
            "Threshold",
            "threshold",
            "DiscreteCubaLIF(alpha=0, beta=0, reset='none'), or the threshold of the integrator before it",
            "z_t = [x_t > theta]",
        ),
        Primitive(
            "LIF",
            "neuron",
            "DiscreteCubaLIF(alpha=0)",
            "euler: beta = 1 - dt/tau, r = R dt/tau; exact: beta = exp(-dt/tau), r = R (1 - beta)",
        ),
        Primitive(
            "CubaLIF",
            "neuron",
            "DiscreteCubaLIF",
            "euler: alpha = 1 - dt/tau_syn, w = w_in dt/tau_syn, "
            "beta = 1 - dt/tau_mem, r = R dt/tau_mem; exact: exponentials, r = R P(dt)",
        ),
        Primitive("IF", "neuron", "DiscreteCubaLIF(alpha=0, beta=1)", "r = R dt"),
        Primitive("LI", "integrator", "DiscreteCubaLIF(alpha=0, v_th=inf)", "as LIF"),
        Primitive("CubaLI", "integrator", "DiscreteCubaLIF(v_th=inf)", "as CubaLIF"),
        Primitive("I", "integrator", "DiscreteCubaLIF(alpha=0, beta=1, v_th=inf)", "r = R dt"),
    )
}


def neuron_model(
    name: str, node, n: int, dt: float, method: str = "euler", reset: str | None = None
) -> DiscreteCubaLIF:
    """The core model of a LIF, CubaLIF, IF, LI, CubaLI or I node of ``n`` neurons.

    Parameters
    ----------
    name
        The node's name (for errors).
    node
        The ``nir`` node.
    n
        Neurons (the node's parameters are broadcast from size 1, else must have ``n`` values).
    dt
        The step (s).
    method
        ``"euler"`` or ``"exact"`` (module docstring).
    reset
        ``"zero"`` or ``"subtract"``; None: the node's ``metadata["reset"]``, else ``"zero"``.
    """
    kind = type(node).__name__
    if method not in METHODS:
        raise NIRGraphError(name, f"method must be one of {METHODS}, got {method!r}")
    p = _Params(name, node, n)
    spiking = PRIMITIVES[kind].role == "neuron"
    alpha, w_in = 0.0, np.ones(n)
    if kind in ("IF", "I"):
        beta, r = np.ones(n), p.get("r") * dt
    else:
        tau = p.positive("tau_mem" if kind.startswith("Cuba") else "tau")
        beta, gain = _decay(name, "tau_mem" if kind.startswith("Cuba") else "tau", tau, dt, method)
        r = p.get("r") * gain
        if kind.startswith("Cuba"):
            tau_syn = p.positive("tau_syn")
            alpha, _ = _decay(name, "tau_syn", tau_syn, dt, method)
            w_in = p.get("w_in", 1.0) * dt / tau_syn
            if method == "exact":  # the membrane's response to the current over one step
                r = p.get("r") * np.array([exact_current_coupling(s, m, dt) for s, m in zip(tau_syn, tau)])
    v_leak = p.get("v_leak", 0.0) if kind not in ("IF", "I") else np.zeros(n)
    if not spiking:
        return DiscreteCubaLIF(
            alpha=alpha, beta=beta, w_in=w_in, r=r, v_leak=v_leak, v_th=np.inf, reset="none", v_init=v_leak
        )
    v_th = p.get("v_threshold")
    v_reset = p.get("v_reset", 0.0)
    if np.any(v_reset >= v_th):
        raise NIRGraphError(name, "v_reset must be below v_threshold")
    return DiscreteCubaLIF(
        alpha=alpha,
        beta=beta,
        w_in=w_in,
        r=r,
        v_leak=v_leak,
        v_th=v_th,
        v_reset=v_reset,
        reset=_reset(name, node, reset),
        v_init=v_leak,
    )


def threshold_model(name: str, node, n: int, integrator: DiscreteCubaLIF | None = None) -> DiscreteCubaLIF:
    """A Threshold node: memoryless :math:`[X_t > \\theta]`, or the threshold of the
    non-spiking ``integrator`` before it (its membrane keeps integrating: no reset)."""
    theta = _Params(name, node, n).get("threshold")
    if integrator is None:
        return DiscreteCubaLIF(alpha=0.0, beta=0.0, w_in=1.0, r=1.0, v_th=theta, reset="none")
    fields = {f: getattr(integrator, f) for f in ("alpha", "beta", "w_in", "r", "v_leak", "v_init")}
    return DiscreteCubaLIF(**fields, v_th=theta, reset="none")


def _decay(name: str, field: str, tau: np.ndarray, dt: float, method: str) -> tuple[np.ndarray, np.ndarray]:
    """(decay per step, gain of the input per step) for ``tau dx/dt = -x + input``."""
    ratio = dt / tau
    if method == "euler":
        if np.any(ratio > 1.0):
            raise NIRGraphError(
                name,
                f"dt / {field} = {float(ratio.max()):g} > 1: forward Euler "
                f"(method='euler') is unstable; use dt <= {field} or method='exact'",
            )
        return 1.0 - ratio, ratio
    return np.exp(-ratio), -np.expm1(-ratio)


def _reset(name: str, node, reset: str | None) -> str:
    if reset is None:
        reset = (getattr(node, "metadata", None) or {}).get("reset", "zero")
        reset = reset.decode() if isinstance(reset, bytes) else str(reset)
    if reset not in RESETS:
        raise NIRGraphError(name, f"reset must be one of {RESETS}, got {reset!r}")
    return reset


class _Params:
    """A node's parameters as float64 vectors of ``n`` values, checked."""

    def __init__(self, name: str, node, n: int):
        self.name, self.node, self.n = name, node, n

    def get(self, field: str, default: float | None = None) -> np.ndarray:
        value = getattr(self.node, field, None)
        if value is None:
            if default is None:
                raise NIRGraphError(self.name, f"parameter {field} is missing")
            value = default
        try:
            arr = np.asarray(value, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise NIRGraphError(self.name, f"parameter {field} must be numbers, got {value!r}") from None
        if arr.size == 1:
            arr = np.full(self.n, arr[0])
        if arr.size != self.n:
            raise NIRGraphError(self.name, f"parameter {field} has {arr.size} values for {self.n} neurons")
        if not np.all(np.isfinite(arr)):
            raise NIRGraphError(self.name, f"parameter {field} must be finite")
        return arr

    def positive(self, field: str) -> np.ndarray:
        arr = self.get(field)
        if np.any(arr <= 0):
            raise NIRGraphError(self.name, f"parameter {field} must be > 0 (a time constant in seconds)")
        return arr
