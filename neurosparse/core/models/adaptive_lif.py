r"""Leaky integrate-and-fire neuron with an adaptation current.

.. math::
    \tau_m \frac{dv}{dt} = v_{rest} - v + r_m\,(I_{syn} + I_{ext} - w), \qquad
    \tau_w \frac{dw}{dt} = a\,(v - v_{rest}) - w

On a spike ``v <- v_reset`` and ``w <- w + b``. Exponential Euler: ``w`` relaxes by
:math:`p_{ww} = e^{-h/\tau_w}` towards :math:`a (v - v_{rest})` (``v`` at the start of the
step; every step, refractory or not), and ``v`` is stepped with ``w`` held.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np

from neurosparse.core.models.base import (
    EULER_RATIO,
    EXACT_RATIO,
    ModelStep,
    NeuronModel,
    TimeScale,
    as_column,
    check_below,
    refractory_steps,
    smallest,
)
from neurosparse.core.models.lif import above_threshold


class AdaptiveLIFConstants(NamedTuple):
    """Derived constants of an adaptive LIF neuron for a step ``h``."""

    v_rest: float
    r_m: float
    tau_m: float
    p_ww: float  #: exp(-h / tau_w), the adaptation's decay over a step
    a: float
    b: float
    h: float
    v_th: float
    v_reset: float
    ref_steps: float


def integrate(v, w, i_syn, g, g_e, i_ext, c):
    """Adaptation first (from ``v`` at the start of the step), then the membrane with the
    old ``w`` held, both by exponential Euler."""
    w_inf = c.a * (v - c.v_rest)
    w_new = w_inf + (w - w_inf) * c.p_ww
    a = -(1.0 + c.r_m * g) / c.tau_m
    b = (c.v_rest + c.r_m * (g_e + i_syn + i_ext - w)) / c.tau_m
    return -b / a + (v + b / a) * np.exp(a * c.h), w_new


def reset(v, w, c):
    """``v <- v_reset``, ``w <- w + b``."""
    return c.v_reset, w + c.b


STEP = ModelStep("adaptive_lif", AdaptiveLIFConstants, integrate, above_threshold, reset,
                 adapts_while_refractory=True, exact_on_arrays=False, uses_u=True)


@dataclass(frozen=True)
class AdaptiveLIF(NeuronModel):
    r"""Leaky integrate-and-fire neuron with an adaptation current.

    .. math::
        \tau_m \frac{dv}{dt} = v_{rest} - v + r_m\,(I_{syn} + I_{ext} - w), \qquad
        \tau_w \frac{dw}{dt} = a\,(v - v_{rest}) - w

    On a spike ``v <- v_reset`` and ``w <- w + b``. Integrated by exponential Euler.

    Parameters
    ----------
    tau_m, v_rest, v_th, v_reset, t_ref, r_m
        As :class:`LIF`.
    tau_w
        Adaptation time constant (s), > 0.
    a
        Subthreshold adaptation conductance (S), >= 0.
    b
        Spike-triggered adaptation increment (A), >= 0.
    """

    tau_m: float | np.ndarray = 20e-3
    v_rest: float | np.ndarray = -70e-3
    v_th: float | np.ndarray = -50e-3
    v_reset: float | np.ndarray = -70e-3
    t_ref: float | np.ndarray = 2e-3
    r_m: float | np.ndarray = 100e6
    tau_w: float | np.ndarray = 100e-3
    a: float | np.ndarray = 0.0
    b: float | np.ndarray = 20e-12

    name: ClassVar[str] = "adaptive_lif"
    state_variables: ClassVar[tuple[str, ...]] = ("v", "w")

    def __post_init__(self) -> None:
        self._validate(positive=("tau_m", "tau_w", "r_m"), real=("v_rest", "v_th", "v_reset"),
                       non_negative=("t_ref", "a", "b"))
        check_below("AdaptiveLIF", "v_reset", self.v_reset, "v_th", self.v_th)

    def step(self, port_kinds: list[int]) -> ModelStep:
        return STEP

    def constants(self, dt: float) -> AdaptiveLIFConstants:
        return AdaptiveLIFConstants(
            v_rest=as_column(self.v_rest), r_m=as_column(self.r_m), tau_m=as_column(self.tau_m),
            p_ww=as_column(np.exp(-dt / np.asarray(self.tau_w, dtype=np.float64))),
            a=as_column(self.a), b=as_column(self.b), h=float(dt), v_th=as_column(self.v_th),
            v_reset=as_column(self.v_reset), ref_steps=as_column(refractory_steps(self.t_ref, dt)))

    def time_scales(self, port_kinds: list[int]) -> tuple[TimeScale, ...]:
        how = "by exponential Euler"
        return (TimeScale("tau_m", smallest(self.tau_m), EXACT_RATIO, how),
                TimeScale("tau_w", smallest(self.tau_w), EULER_RATIO, how + " with v held"))

    def initial_v(self) -> float | np.ndarray:
        return self.v_rest
