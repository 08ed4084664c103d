r"""Run a trained spiking classifier (hardened UltraLIF or surrogate LIF) on the event core.

As :math:`\varepsilon \to 0` an UltraLIF neuron becomes the tropical LIF
:math:`V_t = \max(V_{t-1} + \log\beta,\, X_t)` with Heaviside spikes and reset to zero
(see :mod:`neurosparse.snn.ultralif`), which is the core's :class:`~neurosparse.MaxPlusLIF`
with ``leak = -log(beta)``; the surrogate-gradient LIF baseline (snnTorch's ``Leaky``) is the
core's :class:`~neurosparse.DiscreteLIF`. :func:`run_on_core` maps a :class:`SpikingClassifier`
of either onto the core and runs test samples through it:

* **Input layer, on the host.** The inputs are real-valued (pixel intensities, event
  counts), so the first layer's drive :math:`X_1(t) = W_1 x_t + b_1` is computed on the
  host (float64) and injected as a time-varying current; its multiply-accumulates appear in
  the trace as the layer ``input->h1 (host)``, priced as MACs (ACs when the input is binary).
* **Hidden layers, event-driven.** Layer :math:`l \ge 2` receives the spikes of layer
  :math:`l-1` through delta synapses of weight :math:`W_l` (float32, as trained) and delay
  one step, so torch step :math:`t` of layer :math:`l` runs at core step :math:`t + l - 1`;
  the bias :math:`b_l` is a current switched on for exactly the steps that carry that
  layer's input (zero before, so the membrane stays at its initial zero; after the window,
  zero for a max-plus layer, which then cannot fire again, and a large negative current
  for a discrete LIF, which could otherwise keep firing from its residual membrane: the
  chip's reset between samples, so the trace holds no spikes past a layer's window).
* **Readout, event-driven.** A non-spiking accumulator (an :class:`~neurosparse.IF` neuron
  with an unreachable threshold and delta synapses :math:`W_r`) sums the last hidden
  layer's spikes; the logits are its final value divided by :math:`T`, plus :math:`b_r`,
  the readout of the mean spikes that the PyTorch model computes.

Samples run side by side: a batch of ``B`` samples is ``B`` disjoint copies of the network
(block-diagonal synapses), so their spikes never mix. The returned :class:`OpTrace` counts
what the core did, per sample: neuron updates over ``T + depth`` steps (the pipeline fill
included), spikes, synaptic events, plus the host layer; ``dense_ops`` and ``dense_params``
are those of one copy.

UltraDLIF is not mapped: its gap junctions read neighbours' membranes every step, which an
event core has no means to carry.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from tqdm import tqdm

try:
    import torch
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    from neurosparse.errors import MissingDependencyError

    raise MissingDependencyError("neurosparse.snn needs torch: pip install 'neurosparse[snn]'") from exc

from neurosparse.core import IF, DeltaSynapse, DiscreteLIF, FromSparse, MaxPlusLIF, Network, TimedArray
from neurosparse.core.trace import per_copy
from neurosparse.errors import ParameterError
from neurosparse.optrace import LayerCounts, OpTrace
from neurosparse.snn._checks import as_count, as_seed, finite_array, flag, real
from neurosparse.snn.classifier import SpikingClassifier
from neurosparse.snn.ultralif import SurrogateLIF, UltraLIF

__all__ = ["CoreRun", "build_core_network", "core_model", "run_on_core"]

#: Threshold of the readout accumulator: never reached.
_NO_THRESHOLD = 1e300
#: Current that silences a DiscreteLIF layer once its input window has passed (as a chip
#: resets a layer between samples); far below any membrane a trained layer reaches.
_SILENCE = -1e12


@dataclass
class CoreRun:
    """What :func:`run_on_core` returns.

    Attributes
    ----------
    logits
        ``[n, n_out]`` readout values, ``mean_t(spikes) @ W_r.T + b_r`` as the PyTorch model.
    spikes
        One ``[T, n, hidden]`` uint8 array per hidden layer, aligned to the model's steps.
    trace
        The operation counts of all samples (``n_samples = n``): core populations and
        projections plus the host input layer.
    seconds
        Wall time of building and running the core networks.
    """

    logits: np.ndarray
    spikes: list[np.ndarray]
    trace: OpTrace
    seconds: float

    def accuracy(self, y: np.ndarray) -> float:
        """Fraction of samples whose largest logit is the label ``y`` (one label per sample)."""
        y = np.asarray(y)
        if y.shape != (self.logits.shape[0],):
            raise ParameterError(f"y must hold one label per sample ({self.logits.shape[0]}), "
                                 f"got shape {y.shape}")
        return float(np.mean(self.logits.argmax(1) == y))


def _check_model(model: SpikingClassifier) -> list[UltraLIF | SurrogateLIF]:
    if not isinstance(model, SpikingClassifier):
        raise ParameterError(f"model must be a SpikingClassifier, got {type(model).__name__}")
    neurons = list(model.neurons)
    for k, neuron in enumerate(neurons):
        _check_layer(neuron, f"hidden layer {k + 1}")
    return neurons


def _check_layer(neuron: torch.nn.Module, where: str) -> None:
    if type(neuron) not in (UltraLIF, SurrogateLIF):
        raise ParameterError(
            f"{where} is {type(neuron).__name__}: the event core runs hardened UltraLIF "
            "and surrogate-LIF layers (UltraDLIF's gap junctions read neighbours' membranes every "
            "step, which has no event-core form)")
    if type(neuron) is UltraLIF and neuron.reset != "zero":
        raise ParameterError(f"{where}: reset must be 'zero' (V * (1 - S)) to map onto "
                             f"MaxPlusLIF, got {neuron.reset!r}")
    if not _value(neuron.threshold) > 0:
        raise ParameterError(f"{where}: threshold must be in (0, inf), got {_value(neuron.threshold):g}")


def _value(x: torch.Tensor | float) -> float:
    """A learned (tensor) or fixed (float) neuron parameter as a float."""
    return float(x.detach()) if isinstance(x, torch.Tensor) else float(x)


def core_model(neuron: UltraLIF | SurrogateLIF) -> MaxPlusLIF | DiscreteLIF:
    """The event-core model of a hidden layer: hardened UltraLIF -> MaxPlusLIF
    (``leak = -log beta``, reset to 0); SurrogateLIF -> DiscreteLIF with the same beta
    and threshold values PyTorch uses (float32 buffers) and the same reset. A learned beta
    or threshold maps with the value the forward pass uses."""
    _check_layer(neuron, "neuron")
    if isinstance(neuron, SurrogateLIF):
        return DiscreteLIF(beta=float(neuron._beta.clamp(0, 1)), v_th=float(neuron._threshold),
                           reset=neuron.reset)
    return MaxPlusLIF(leak=-_value(neuron.log_beta), v_th=_value(neuron.threshold), v_reset=0.0)


def _weights(linear: torch.nn.Linear) -> tuple[np.ndarray, np.ndarray]:
    return (linear.weight.detach().cpu().numpy().astype(np.float32),
            linear.bias.detach().cpu().numpy().astype(np.float64))


def _window(values: np.ndarray, start: int, after: float) -> np.ndarray:
    """Rows: ``start`` zero rows, the ``values`` rows, then a row of ``after`` (held)."""
    rows = np.zeros((start + values.shape[0] + 1, values.shape[1]))
    rows[start:start + values.shape[0]] = values
    rows[-1] = after
    return rows


def build_core_network(model: SpikingClassifier, x: np.ndarray, *, dt: float = 1e-3,
                       seed: int = 0) -> Network:
    """The core network running ``model`` (with binary spikes) on the batch ``x`` ``[T, B, n_in]``.

    Populations ``h1 .. hL`` (``B * hidden`` MaxPlusLIF or DiscreteLIF each) and ``readout``
    (``B * n_out`` accumulators), with spikes of every hidden layer monitored. Run it for
    ``(T + L) * dt``; see the module docstring for the timing.
    """
    neurons = _check_model(model)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3 or x.shape[2] != model.linears[0].in_features:
        raise ParameterError(f"x must be [T, batch, {model.linears[0].in_features}], got shape {x.shape}")
    finite_array("x", x)
    n_steps, batch, _ = x.shape
    depth = len(neurons)
    net = Network(dt=real("dt", dt, low=0, low_inclusive=False), seed=as_seed(seed))
    for k, (linear, neuron) in enumerate(zip(model.linears, neurons)):
        w, b = _weights(linear)
        n = w.shape[0]
        layer_model = core_model(neuron)
        net.add_population(f"h{k + 1}", batch * n, layer_model, ports={"x": DeltaSynapse()})
        # after its window a max-plus layer is silent under zero input; a discrete LIF could
        # still fire from its residual membrane, so it is silenced (no wasted events)
        after = _SILENCE if isinstance(layer_model, DiscreteLIF) else 0.0
        if k == 0:  # host layer: W1 x_t + b1, per sample, as one current per step
            drive = np.einsum("tbi,oi->tbo", x, w.astype(np.float64)) + b
            net.add_current("h1", TimedArray(_window(drive.reshape(n_steps, -1), 0, after), dt=dt))
        else:
            net.add_current(f"h{k + 1}", TimedArray(
                _window(np.tile(b, (n_steps, batch)), k, after), dt=dt))
            blocks = sp.block_diag([sp.csr_matrix(w.T)] * batch, format="csr")
            net.connect(f"h{k}", f"h{k + 1}", "x", FromSparse(blocks), delay=dt)
    w_r, _ = _weights(model.readout)
    net.add_population("readout", batch * w_r.shape[0],
                       IF(c_m=1.0, v_th=_NO_THRESHOLD, v_reset=0.0, v_init=0.0), ports={"x": DeltaSynapse()})
    net.connect(f"h{depth}", "readout", "x", FromSparse(sp.block_diag([sp.csr_matrix(w_r.T)] * batch,
                                                                      format="csr")), delay=dt)
    net.monitor_spikes(*[f"h{k + 1}" for k in range(depth)])
    return net


def _host_layer(x: np.ndarray, w: np.ndarray) -> LayerCounts:
    """Counts of ``W x_t`` on the host for a batch (per-sample division happens in the trace)."""
    n_steps, batch, n_in = x.shape
    nz_cols = (w != 0).sum(0).astype(np.float64)
    nz_in = (x != 0).reshape(-1, n_in).sum(0).astype(np.float64)
    effective = float(nz_in @ nz_cols)
    binary = bool(np.all((x == 0) | (x == 1)))
    dense = float(n_steps * batch * n_in * w.shape[0])
    return LayerCounts(
        name="input->h1 (host)", kind="projection", dense_ops=dense,
        effective_acs=effective if binary else 0.0, synaptic_events=effective if binary else 0.0,
        effective_macs=0.0 if binary else effective,
        nonzero_input_ops=float(np.count_nonzero(x)) * w.shape[0],
        nonzero_weight_ops=float(n_steps * batch * np.count_nonzero(w)),
        weight_bytes_read=4.0 * effective, activation_bytes_read=4.0 * float(np.count_nonzero(x)),
        activation_bytes_written=8.0 * n_steps * batch * w.shape[0],
        n_params=w.size, n_nonzero_params=int(np.count_nonzero(w)), dense_params=w.size)


def _per_copy(trace: OpTrace, batch: int) -> OpTrace:
    """The batch run's trace with ``n_samples = batch`` and one copy's dense sizes."""
    return per_copy(trace, batch, "neurosparse.core (SpikingClassifier)")


def run_on_core(model: SpikingClassifier, x: np.ndarray, *, batch_size: int = 100, dt: float = 1e-3,
                threads: int | None = 1, progress: bool | None = None) -> CoreRun:
    """Run ``model`` with binary spikes on the event core over ``x`` ``[T, n, n_in]``.

    Parameters
    ----------
    model
        A :class:`SpikingClassifier` of UltraLIF layers (trained soft or hardened; the core
        always runs the eps -> 0 limit) or of surrogate-LIF layers.
    x
        Time-first inputs ``[T, n, n_in]``.
    batch_size
        Samples simulated side by side in one core network (>= 1).
    dt
        The core's step (s); only the clock, the map does not depend on it.
    threads
        Numba threads for the core (results do not depend on it).
    progress
        tqdm bar over batches (default: shown when there are several batches; False hides it).

    Returns
    -------
    CoreRun
    """
    neurons = _check_model(model)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        raise ParameterError(f"x must be time-first [T, n, features], got shape {x.shape}")
    batch_size = as_count("batch_size", batch_size, low=1)
    real("dt", dt, low=0, low_inclusive=False)
    if threads is not None:
        as_count("threads", threads, low=1)
    if progress is not None:
        flag("progress", progress)
    finite_array("x", x)
    n_steps, n_items, _ = x.shape
    if n_steps < 1 or n_items < 1:
        raise ParameterError(f"x needs at least one step and one sample, got shape {x.shape}")
    depth = len(neurons)
    w1, _ = _weights(model.linears[0])
    w_r, b_r = _weights(model.readout)
    logits = np.empty((n_items, w_r.shape[0]))
    spikes = [np.zeros((n_steps, n_items, lin.out_features), np.uint8) for lin in model.linears]
    trace: OpTrace | None = None
    t0 = time.perf_counter()
    starts = range(0, n_items, batch_size)
    for start in tqdm(starts, desc="event core", disable=progress is False or len(starts) < 2):
        xb = x[:, start:start + batch_size]
        batch = xb.shape[1]
        net = build_core_network(model, xb, dt=dt)
        rec = net.run((n_steps + depth) * dt, threads=threads, progress=False)
        for k in range(depth):
            s = rec.spikes[f"h{k + 1}"]
            hidden = spikes[k].shape[2]
            steps = s.steps - k  # core step t + k is model step t of layer k + 1
            keep = (steps >= 0) & (steps < n_steps)
            spikes[k][steps[keep], start + s.i[keep] // hidden, s.i[keep] % hidden] = 1
        acc = net.get_state("readout").reshape(batch, -1)
        logits[start:start + batch] = acc / n_steps + b_r
        part = _per_copy(rec.optrace, batch)
        part.add_layer(_host_layer(xb, w1))
        trace = part if trace is None else trace.merge_batches(part)
    return CoreRun(logits, spikes, trace, time.perf_counter() - t0)
