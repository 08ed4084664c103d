"""Synaptic ports (receptors) and pair-based STDP.

A population declares its ports by name, e.g. ``{"e": CurrentSynapse(5e-3),
"i": CurrentSynapse(10e-3)}``; a projection targets one port. A spike arriving on a
synapse of weight ``w`` adds ``w`` to the port's variable:

* :class:`CurrentSynapse`: ``I += w`` (A), ``tau dI/dt = -I``; drives the membrane by
  ``r_m * I`` (LIF) or ``I / c_m`` (IF).
* :class:`ConductanceSynapse`: ``g += w`` (S), ``tau dg/dt = -g``; current
  ``g * (e_rev - v)``.
* :class:`DeltaSynapse`: ``v += w`` (V) at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from neurosparse._validation import as_float_param
from neurosparse.errors import ParameterError

PORT_CURRENT = 0
PORT_CONDUCTANCE = 1
PORT_DELTA = 2


@dataclass(frozen=True)
class CurrentSynapse:
    """Current-based exponential synapse.

    Parameters
    ----------
    tau
        Decay time constant (s), > 0.
    """

    tau: float = 5e-3
    kind: ClassVar[int] = PORT_CURRENT
    weight_unit: ClassVar[str] = "A"

    def __post_init__(self) -> None:
        object.__setattr__(self, "tau", as_float_param(
            "CurrentSynapse.tau", self.tau, low=0, low_inclusive=False, allow_array=False))

    @property
    def e_rev(self) -> float:
        return 0.0


@dataclass(frozen=True)
class ConductanceSynapse:
    """Conductance-based exponential synapse.

    Parameters
    ----------
    tau
        Decay time constant (s), > 0.
    e_rev
        Reversal potential (V).
    """

    tau: float = 5e-3
    e_rev: float = 0.0
    kind: ClassVar[int] = PORT_CONDUCTANCE
    weight_unit: ClassVar[str] = "S"

    def __post_init__(self) -> None:
        object.__setattr__(self, "tau", as_float_param(
            "ConductanceSynapse.tau", self.tau, low=0, low_inclusive=False, allow_array=False))
        object.__setattr__(self, "e_rev", as_float_param(
            "ConductanceSynapse.e_rev", self.e_rev, allow_array=False))


@dataclass(frozen=True)
class DeltaSynapse:
    """Instantaneous synapse: a spike of weight ``w`` moves the membrane by ``w`` volts."""

    kind: ClassVar[int] = PORT_DELTA
    weight_unit: ClassVar[str] = "V"

    @property
    def tau(self) -> float:
        return 0.0

    @property
    def e_rev(self) -> float:
        return 0.0


SynapsePort = CurrentSynapse | ConductanceSynapse | DeltaSynapse


@dataclass(frozen=True)
class STDP:
    r"""Pair-based spike-timing-dependent plasticity with exponential traces (all-to-all).

    Each presynaptic neuron keeps a trace ``x_pre`` (+1 per spike, decaying with
    ``tau_pre``), each postsynaptic neuron a trace ``x_post`` (``tau_post``). Updated
    event-driven (only when a spike touches the synapse):

    * presynaptic spike: ``w <- clip(w - a_minus * x_post, w_min, w_max)``;
    * postsynaptic spike: ``w <- clip(w + a_plus * x_pre, w_min, w_max)``.

    For one pair with post after pre by :math:`\Delta t > 0` the weight changes by
    :math:`a_+ e^{-\Delta t/\tau_{pre}}`, and by :math:`-a_- e^{\Delta t/\tau_{post}}`
    when post comes first. The presynaptic update happens when the spike is emitted, so
    the transmitted weight is the one before that spike's depression (axonal delays).

    Parameters
    ----------
    tau_pre, tau_post
        Trace time constants (s), > 0.
    a_plus, a_minus
        Potentiation and depression amplitudes, in the weight's unit, >= 0.
    w_min, w_max
        Weight bounds, ``w_min <= w_max``.
    """

    tau_pre: float = 20e-3
    tau_post: float = 20e-3
    a_plus: float = 0.01
    a_minus: float = 0.0105
    w_min: float = 0.0
    w_max: float = 1.0

    def __post_init__(self) -> None:
        for name in ("tau_pre", "tau_post"):
            object.__setattr__(self, name, as_float_param(
                f"STDP.{name}", getattr(self, name), low=0, low_inclusive=False,
                allow_array=False))
        for name in ("a_plus", "a_minus"):
            object.__setattr__(self, name, as_float_param(
                f"STDP.{name}", getattr(self, name), low=0, allow_array=False))
        w_limit = float(np.finfo(np.float32).max)  # weights are stored as float32
        for name in ("w_min", "w_max"):
            object.__setattr__(self, name, as_float_param(
                f"STDP.{name}", getattr(self, name), low=-w_limit, high=w_limit,
                allow_array=False))
        if self.w_min > self.w_max:
            raise ParameterError(f"STDP: w_min ({self.w_min}) must be <= w_max ({self.w_max})")
