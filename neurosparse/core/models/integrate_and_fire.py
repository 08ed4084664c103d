r"""Perfect (non-leaky) integrate-and-fire neuron.

.. math::
    c_m \frac{dv}{dt} = I_{syn} + I_{ext},
    \qquad v > v_{th} \Rightarrow v \leftarrow v_{reset}

With current and delta ports the step is exact: a current port with decay :math:`\tau_s`
delivers the charge :math:`q = \tau_s (1 - e^{-h/\tau_s})` per unit current over a step,
so :math:`v \leftarrow v + (h I_{ext} + \sum_s q_s I_s) / c_m`. With a conductance port,
exponential Euler with :math:`a = -G/c_m`, :math:`b = (GE + I + I_{ext})/c_m`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np

from neurosparse.core.models.base import (
    ModelStep,
    NeuronModel,
    as_column,
    check_below,
    keep_u,
    refractory_steps,
)
from neurosparse.core.models.lif import above_threshold
from neurosparse.core.synapses import PORT_CONDUCTANCE


class IFConstants(NamedTuple):
    """Derived constants of a perfect integrator for a step ``h``."""

    inv_c: float  #: 1 / c_m
    h: float
    v_th: float
    v_reset: float
    ref_steps: float


def integrate_exact(v, u, i_syn, g, g_e, i_ext, c):
    """Exact step: the charge of the injected current and of the current ports."""
    return v + (i_ext * c.h + i_syn) * c.inv_c, u


def integrate_conductance(v, u, i_syn, g, g_e, i_ext, c):
    """Exponential-Euler step (forward Euler where no conductance is open)."""
    a = -g * c.inv_c
    b = (g_e + i_syn + i_ext) * c.inv_c
    if a == 0.0:
        return v + b * c.h, u
    return -b / a + (v + b / a) * np.exp(a * c.h), u


EXACT = ModelStep("if_exact", IFConstants, integrate_exact, above_threshold, keep_u)
CONDUCTANCE = ModelStep("if_conductance", IFConstants, integrate_conductance, above_threshold,
                        keep_u, exact_on_arrays=False)


@dataclass(frozen=True)
class IF(NeuronModel):
    r"""Perfect (non-leaky) integrate-and-fire neuron.

    .. math::
        c_m \frac{dv}{dt} = I_{syn} + I_{ext},
        \qquad v > v_{th} \Rightarrow v \leftarrow v_{reset}

    Parameters
    ----------
    c_m
        Membrane capacitance (F), > 0.
    v_th, v_reset
        Threshold and reset (V), ``v_reset < v_th``.
    t_ref
        Absolute refractory period (s), >= 0.
    v_init
        Initial membrane potential (V).
    """

    c_m: float | np.ndarray = 200e-12
    v_th: float | np.ndarray = 20e-3
    v_reset: float | np.ndarray = 0.0
    t_ref: float | np.ndarray = 0.0
    v_init: float | np.ndarray = 0.0

    name: ClassVar[str] = "if"

    def __post_init__(self) -> None:
        self._validate(positive=("c_m",), real=("v_th", "v_reset", "v_init"), non_negative=("t_ref",))
        check_below("IF", "v_reset", self.v_reset, "v_th", self.v_th)

    def step(self, port_kinds: list[int]) -> ModelStep:
        return CONDUCTANCE if PORT_CONDUCTANCE in port_kinds else EXACT

    def constants(self, dt: float) -> IFConstants:
        return IFConstants(inv_c=as_column(1.0 / np.asarray(self.c_m, dtype=np.float64)), h=float(dt),
                           v_th=as_column(self.v_th), v_reset=as_column(self.v_reset),
                           ref_steps=as_column(refractory_steps(self.t_ref, dt)))

    def port_coupling(self, step: ModelStep, tau_s: float, dt: float) -> float | np.ndarray:
        if step is not EXACT:
            return 1.0
        return tau_s * -np.expm1(-dt / tau_s) if tau_s > 0 else 0.0

    def integrates_ports_exactly(self, port_kinds: list[int]) -> bool:
        return self.step(port_kinds) is EXACT

    def initial_v(self) -> float | np.ndarray:
        return self.v_init
