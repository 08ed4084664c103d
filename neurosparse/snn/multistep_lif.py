r"""Multi-step LIF and IF neurons as spiking vision transformers use them (Spikformer, Max-Former).

One call runs a whole time-first sequence ``x`` of shape ``[T, batch, ...]`` and returns the
spikes of every step, ``[T, batch, ...]``; the membrane starts at ``v_reset`` on every call, so
a module holds no state between calls. The discrete dynamics (spikingjelly's
``MultiStepLIFNode`` with ``decay_input=True``, the neuron of the Max-Former authors' code; our
own implementation):

.. math::

    H_t &= V_{t-1} + \frac{1}{\tau}\bigl(X_t - (V_{t-1} - V_\mathrm{reset})\bigr)
          \qquad\text{(LIF; } H_t = V_{t-1} + X_t \text{ for IF)} \\
    S_t &= \Theta(H_t - V_\mathrm{th}) \\
    V_t &= H_t\,(1 - \bar S_t) + V_\mathrm{reset}\,\bar S_t

with :math:`V_0 = V_\mathrm{reset}`, the Heaviside step :math:`\Theta(u) = [u \ge 0]` (a
membrane exactly at threshold spikes, as spikingjelly's; it matters in the attention, whose
input takes values on a grid of 1/8) and :math:`\bar S_t` the spike **detached** from the
autograd graph in the reset (``detach_reset=True``): the gradient flows through the spike to the
loss but not back through the hard reset. The backward pass replaces :math:`\Theta'` by the derivative of the
sigmoid surrogate :math:`\sigma(\alpha u)`, :math:`\alpha\sigma(\alpha u)(1 - \sigma(\alpha u))`
with :math:`u = H - V_\mathrm{th}` and :math:`\alpha = 4` (spikingjelly's
``surrogate.Sigmoid``).

Max-Former's values: :math:`\tau = 2`, :math:`V_\mathrm{th} = 1`, :math:`V_\mathrm{reset} = 0`,
and :math:`V_\mathrm{th} = 0.5` in the attention's LIF (after :math:`QK^\top V`). With
:math:`\tau = 2` the LIF is :math:`H_t = (V_{t-1} + X_t)/2`: the input is halved as well as the
membrane. :class:`MultiStepIF` is the same neuron without leak. :class:`MultiStepReLU` is the
"ANN twin" of a spiking layer (``max(x, 0)`` per step, no state).

Counting: :func:`neurosparse.hardware.count` knows these modules (registered here): one call
is ``T`` steps (``seq_steps``), every neuron is updated every step, and the spikes are the
non-zero outputs.
"""

from __future__ import annotations

try:
    import torch
    from torch import nn
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    from neurosparse.errors import MissingDependencyError

    raise MissingDependencyError("neurosparse.snn needs torch: pip install 'neurosparse[snn]'") from exc

from neurosparse.errors import ParameterError
from neurosparse.snn._checks import choice, flag, real

__all__ = ["NEURON_KINDS", "MultiStepIF", "MultiStepLIF", "MultiStepReLU", "SigmoidSpike",
           "make_neuron", "multistep_lif"]

#: Neuron kinds :func:`make_neuron` builds.
NEURON_KINDS = ("lif", "if", "relu")


class SigmoidSpike(torch.autograd.Function):
    """Heaviside forward (``u >= 0`` spikes), sigmoid-surrogate backward: ``d S / d u = alpha s (1 - s)``,
    ``s = sigmoid(alpha u)``."""

    @staticmethod
    def forward(ctx, u: torch.Tensor, alpha: float) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(u)
        ctx.alpha = alpha
        return (u >= 0).to(u.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):  # type: ignore[override]
        (u,) = ctx.saved_tensors
        s = torch.sigmoid(ctx.alpha * u)
        return grad * ctx.alpha * s * (1.0 - s), None


def multistep_lif(x: torch.Tensor, *, tau: float | None, v_threshold: float, v_reset: float = 0.0,
                  alpha: float = 4.0, detach_reset: bool = True,
                  return_membrane: bool = False) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Run the discrete LIF (``tau`` a number) or IF (``tau=None``) over ``x`` ``[T, ...]``.

    Returns the spikes ``[T, ...]`` (and, with ``return_membrane``, the membrane ``H_t`` before
    each step's reset, ``[T, ...]``). Pure: no state survives the call.
    """
    v = torch.full_like(x[0], v_reset)
    spikes, membranes = [], []
    for x_t in x:
        h = v + x_t if tau is None else v + (x_t - (v - v_reset)) / tau
        s = SigmoidSpike.apply(h - v_threshold, alpha)
        s_reset = s.detach() if detach_reset else s
        v = h * (1.0 - s_reset) + v_reset * s_reset
        spikes.append(s)
        if return_membrane:
            membranes.append(h)
    out = torch.stack(spikes)
    return (out, torch.stack(membranes)) if return_membrane else out


class MultiStepLIF(nn.Module):
    """A layer of discrete LIF neurons run over a whole sequence in one call.

    Parameters
    ----------
    tau
        Membrane time constant in steps, > 1 (``H = V + (X - V) / tau``); 2 in Max-Former.
    v_threshold
        Firing threshold, > 0; 1 in Max-Former, 0.5 in its attention.
    v_reset
        Reset (and initial) potential, below ``v_threshold``.
    alpha
        Steepness of the sigmoid surrogate gradient, > 0 (4, spikingjelly's default).
    detach_reset
        Keep the reset out of the autograd graph (True, as the authors train).

    Input ``[T, batch, ...]`` (any trailing shape), output spikes of the same shape and dtype.

    Examples
    --------
    >>> lif = MultiStepLIF()
    >>> lif(torch.full((3, 1, 1), 1.5)).flatten().tolist()   # H = 0.75, then 1.125 -> spike
    [0.0, 1.0, 0.0]
    """

    def __init__(self, tau: float = 2.0, v_threshold: float = 1.0, v_reset: float = 0.0, alpha: float = 4.0,
                 detach_reset: bool = True):
        super().__init__()
        self.tau = real("tau", tau, low=1.0, low_inclusive=False)
        self.v_threshold = real("v_threshold", v_threshold, low=0.0, low_inclusive=False)
        self.v_reset = real("v_reset", v_reset)
        if self.v_reset >= self.v_threshold:
            raise ParameterError(f"v_reset must be below v_threshold ({self.v_threshold:g}), "
                                 f"got {self.v_reset:g}")
        self.alpha = real("alpha", alpha, low=0.0, low_inclusive=False)
        self.detach_reset = flag("detach_reset", detach_reset)

    @property
    def leak_tau(self) -> float | None:
        """The time constant the kernel uses (None: no leak)."""
        return self.tau

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() < 2:
            raise ParameterError(f"{type(self).__name__} needs a time-first input [T, batch, ...], got shape "
                                 f"{tuple(x.shape)}")
        return multistep_lif(x, tau=self.leak_tau, v_threshold=self.v_threshold, v_reset=self.v_reset,
                             alpha=self.alpha, detach_reset=self.detach_reset)

    def extra_repr(self) -> str:
        tau = "" if self.leak_tau is None else f"tau={self.tau:g}, "
        return f"{tau}v_threshold={self.v_threshold:g}, v_reset={self.v_reset:g}, alpha={self.alpha:g}"


class MultiStepIF(MultiStepLIF):
    """Integrate-and-fire neurons (no leak: ``H = V + X``), otherwise as :class:`MultiStepLIF`."""

    def __init__(self, v_threshold: float = 1.0, v_reset: float = 0.0, alpha: float = 4.0,
                 detach_reset: bool = True):
        super().__init__(2.0, v_threshold, v_reset, alpha, detach_reset)

    @property
    def leak_tau(self) -> float | None:
        return None


class MultiStepReLU(nn.ReLU):
    """The ANN twin of a spiking layer: ``max(x, 0)`` at every step, no state, no spikes.

    ``v_threshold`` is accepted (and ignored) so that it replaces a neuron call for call. An
    ``nn.ReLU``, so :func:`neurosparse.hardware.count` counts it as an activation.
    """

    def __init__(self, v_threshold: float = 1.0):
        super().__init__()
        self.v_threshold = real("v_threshold", v_threshold, low=0.0, low_inclusive=False)


def make_neuron(kind: str = "lif", v_threshold: float = 1.0, tau: float = 2.0) -> nn.Module:
    """A neuron layer of ``kind`` (one of :data:`NEURON_KINDS`) with the given threshold."""
    kind = choice("neuron", kind, NEURON_KINDS)
    if kind == "lif":
        return MultiStepLIF(tau=tau, v_threshold=v_threshold)
    if kind == "if":
        return MultiStepIF(v_threshold=v_threshold)
    return MultiStepReLU(v_threshold=v_threshold)


def _count_multistep(m: nn.Module, args: tuple, output: torch.Tensor, state: dict) -> dict[str, float]:
    """One call of a multi-step neuron layer: ``T`` steps, every neuron updated each step (the
    membrane leaks), the spikes its non-zero outputs; the membrane (one value per neuron and
    sample) is read and written every step."""
    x = args[0]
    state["seq_steps"] = int(x.shape[0])
    n_spikes = float(torch.count_nonzero(output))
    membrane = float(x[0].numel() * x.element_size())  # the batch's membranes, one step
    steps = float(x.shape[0])
    return {"neuron_updates": float(x.numel()), "dense_neuron_updates": float(x.numel()),
            "spikes": n_spikes, "activations": float(output.numel()), "nonzero_activations": n_spikes,
            "state_bytes_read": membrane * steps, "state_bytes_written": membrane * steps,
            "activation_bytes_read": float(x.numel() * x.element_size()),
            "activation_bytes_written": float(output.numel() * output.element_size()),
            "held_state_bytes": membrane}


def _register_with_hardware_count() -> None:
    """Let :func:`neurosparse.hardware.count` count the multi-step neurons (ReLU twins are
    ``nn.ReLU`` activations for it: see :class:`MultiStepReLU`)."""
    from neurosparse.hardware.torch_count import Counter, register_counter

    register_counter(MultiStepLIF, Counter(_count_multistep, "population", steps=False))


_register_with_hardware_count()
