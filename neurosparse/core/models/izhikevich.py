r"""Izhikevich (2007) simple model in SI units.

.. math::
    c_m \frac{dv}{dt} = k\,(v - v_r)(v - v_t) - u + I_{syn} + I_{ext}, \qquad
    \frac{du}{dt} = a\,(b\,(v - v_r) - u)

When ``v >= v_peak``: ``v <- c`` and ``u <- u + d``. Forward Euler (the dynamics are
quadratic); both variables are held while refractory. A conductance port adds
:math:`g\,(E - v)` to :math:`I_{syn}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np

from neurosparse.core.models.base import (
    EULER_RATIO,
    ModelStep,
    NeuronModel,
    TimeScale,
    as_column,
    check_below,
    refractory_steps,
    smallest,
)


class IzhikevichConstants(NamedTuple):
    """Derived constants of an Izhikevich neuron for a step ``h``."""

    v_r: float
    v_t: float
    inv_c: float  #: 1 / c_m
    k: float
    a: float
    b: float
    d: float
    h: float
    v_peak: float
    v_reset: float  #: the model's ``c``
    ref_steps: float


def integrate(v, u, i_syn, g, g_e, i_ext, c):
    """One forward-Euler step of both variables."""
    i_in = i_syn + g_e - g * v
    dv = c.k * (v - c.v_r) * (v - c.v_t) - u + i_in + i_ext
    u_new = u + c.h * c.a * (c.b * (v - c.v_r) - u)
    return v + c.h * dv * c.inv_c, u_new


def at_peak(v, c):
    """``v >= v_peak``."""
    return v >= c.v_peak


def reset(v, u, c):
    """``v <- c``, ``u <- u + d``."""
    return c.v_reset, u + c.d


STEP = ModelStep("izhikevich", IzhikevichConstants, integrate, at_peak, reset, uses_u=True)


@dataclass(frozen=True)
class Izhikevich(NeuronModel):
    r"""Izhikevich (2007) simple model in SI units.

    .. math::
        c_m \frac{dv}{dt} = k\,(v - v_r)(v - v_t) - u + I_{syn} + I_{ext}, \qquad
        \frac{du}{dt} = a\,(b\,(v - v_r) - u)

    When ``v >= v_peak``: ``v <- c`` and ``u <- u + d``. Forward Euler; use a step of at
    most 0.1 ms. Defaults are the regular-spiking cortical neuron of Izhikevich (2007),
    "Dynamical Systems in Neuroscience", ch. 8.

    Parameters
    ----------
    c_m
        Capacitance (F), > 0.
    k
        Gain of the quadratic term (A/V^2), > 0.
    v_r, v_t
        Resting and instantaneous threshold potentials (V), ``v_r < v_t``.
    v_peak
        Spike cut-off (V), above ``v_t``.
    a
        Recovery rate (1/s), > 0.
    b
        Recovery sensitivity (S).
    c
        Reset potential (V), below ``v_peak``.
    d
        Recovery increment at a spike (A).
    t_ref
        Absolute refractory period (s), >= 0.
    """

    c_m: float | np.ndarray = 100e-12
    k: float | np.ndarray = 0.7e-6
    v_r: float | np.ndarray = -60e-3
    v_t: float | np.ndarray = -40e-3
    v_peak: float | np.ndarray = 35e-3
    a: float | np.ndarray = 30.0
    b: float | np.ndarray = -2e-9
    c: float | np.ndarray = -50e-3
    d: float | np.ndarray = 100e-12
    t_ref: float | np.ndarray = 0.0

    name: ClassVar[str] = "izhikevich"
    state_variables: ClassVar[tuple[str, ...]] = ("v", "u")

    def __post_init__(self) -> None:
        self._validate(positive=("c_m", "k", "a"), real=("v_r", "v_t", "v_peak", "b", "c", "d"),
                       non_negative=("t_ref",))
        check_below("Izhikevich", "v_r", self.v_r, "v_t", self.v_t)
        check_below("Izhikevich", "c", self.c, "v_peak", self.v_peak)

    def step(self, port_kinds: list[int]) -> ModelStep:
        return STEP

    def constants(self, dt: float) -> IzhikevichConstants:
        return IzhikevichConstants(
            v_r=as_column(self.v_r), v_t=as_column(self.v_t),
            inv_c=as_column(1.0 / np.asarray(self.c_m, dtype=np.float64)), k=as_column(self.k),
            a=as_column(self.a), b=as_column(self.b), d=as_column(self.d), h=float(dt),
            v_peak=as_column(self.v_peak), v_reset=as_column(self.c),
            ref_steps=as_column(refractory_steps(self.t_ref, dt)))

    def time_scales(self, port_kinds: list[int]) -> tuple[TimeScale, ...]:
        # v's linearised rate k (2 v - v_r - v_t) / c_m is fastest at the spike cut-off
        slope = np.maximum(np.abs(2 * np.asarray(self.v_peak) - self.v_r - self.v_t),
                           np.asarray(self.v_t) - self.v_r)
        upstroke = np.asarray(self.c_m) / (np.asarray(self.k) * slope)
        how = "by forward Euler"
        return (TimeScale("the upstroke c_m / (k (2 v_peak - v_r - v_t))", smallest(upstroke),
                          EULER_RATIO, how),
                TimeScale("the recovery time 1 / a", smallest(1.0 / np.asarray(self.a)), EULER_RATIO, how))

    def initial_v(self) -> float | np.ndarray:
        return self.v_r
