r"""Leaky integrate-and-fire neuron.

.. math::
    \tau_m \frac{dv}{dt} = v_{rest} - v + r_m\,(I_{syn} + I_{ext}),
    \qquad v > v_{th} \Rightarrow v \leftarrow v_{reset}

With current and delta ports only, the subthreshold dynamics are linear and integrated
**exactly** (propagators of Rotter & Diesmann 1999, as NEST's ``iaf_psc_exp``): over a step
``h`` the membrane relaxes by :math:`p_{vv} = e^{-h/\tau_m}` towards
:math:`v_\infty = v_{rest} + r_m I_{ext}`, and a current port with decay :math:`\tau_s`
adds :math:`r_m\,p_{vi}\,I_s`, with :math:`p_{vi}` the voltage a unit exponential current
leaves after one step (:func:`exact_current_coupling`). With a conductance port the
system is no longer linear in closed form: **exponential Euler** (``dv/dt = a v + b``
solved exactly with the conductances held over the step), as Brian2's ``exponential_euler``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np

from neurosparse.core.models.base import (
    EXACT_RATIO,
    ModelStep,
    NeuronModel,
    TimeScale,
    as_column,
    check_below,
    keep_u,
    refractory_steps,
    smallest,
)
from neurosparse.core.synapses import PORT_CONDUCTANCE


class LIFConstants(NamedTuple):
    """Derived constants of a LIF neuron for a step ``h``."""

    v_rest: float
    p_vv: float  #: exp(-h / tau_m), the membrane's decay over a step
    r_m: float
    tau_m: float
    h: float
    v_th: float
    v_reset: float
    ref_steps: float


def integrate_exact(v, u, i_syn, g, g_e, i_ext, c):
    """Exact step with current ports: relax towards ``v_inf`` and add the port drive."""
    v_inf = c.v_rest + c.r_m * i_ext
    return v_inf + (v - v_inf) * c.p_vv + c.r_m * i_syn, u


def integrate_conductance(v, u, i_syn, g, g_e, i_ext, c):
    """Exponential-Euler step: ``dv/dt = a v + b`` with the conductances held."""
    a = -(1.0 + c.r_m * g) / c.tau_m
    b = (c.v_rest + c.r_m * (g_e + i_syn + i_ext)) / c.tau_m
    return -b / a + (v + b / a) * np.exp(a * c.h), u


def above_threshold(v, c):
    """``v > v_th``."""
    return v > c.v_th


EXACT = ModelStep("lif_exact", LIFConstants, integrate_exact, above_threshold, keep_u, fusable=True)
CONDUCTANCE = ModelStep("lif_conductance", LIFConstants, integrate_conductance, above_threshold,
                        keep_u, exact_on_arrays=False)


@dataclass(frozen=True)
class LIF(NeuronModel):
    r"""Leaky integrate-and-fire neuron.

    .. math::
        \tau_m \frac{dv}{dt} = v_{rest} - v + r_m\,(I_{syn} + I_{ext}),
        \qquad v > v_{th} \Rightarrow v \leftarrow v_{reset}

    Integrated exactly with current and delta ports, by exponential Euler with a
    conductance port (see :mod:`neurosparse.core.models.lif`).

    Parameters
    ----------
    tau_m
        Membrane time constant (s), > 0.
    v_rest
        Resting (leak reversal) potential (V).
    v_th
        Threshold (V); a spike is emitted when ``v > v_th``.
    v_reset
        Reset potential (V), below ``v_th``.
    t_ref
        Absolute refractory period (s), >= 0.
    r_m
        Membrane resistance (ohm), > 0: converts currents (A) into drive (V) and
        conductances (S) into multiples of the leak conductance.
    """

    tau_m: float | np.ndarray = 20e-3
    v_rest: float | np.ndarray = -70e-3
    v_th: float | np.ndarray = -50e-3
    v_reset: float | np.ndarray = -70e-3
    t_ref: float | np.ndarray = 2e-3
    r_m: float | np.ndarray = 100e6

    name: ClassVar[str] = "lif"

    def __post_init__(self) -> None:
        self._validate(positive=("tau_m",), real=("v_rest", "v_th", "v_reset"),
                       non_negative=("t_ref",))
        self._validate(positive=("r_m",))
        check_below("LIF", "v_reset", self.v_reset, "v_th", self.v_th)

    def step(self, port_kinds: list[int]) -> ModelStep:
        return CONDUCTANCE if PORT_CONDUCTANCE in port_kinds else EXACT

    def constants(self, dt: float) -> LIFConstants:
        tau_m = np.asarray(self.tau_m, dtype=np.float64)
        return LIFConstants(v_rest=as_column(self.v_rest), p_vv=as_column(np.exp(-dt / tau_m)),
                            r_m=as_column(self.r_m), tau_m=as_column(tau_m), h=float(dt),
                            v_th=as_column(self.v_th), v_reset=as_column(self.v_reset),
                            ref_steps=as_column(refractory_steps(self.t_ref, dt)))

    def port_coupling(self, step: ModelStep, tau_s: float, dt: float) -> float | np.ndarray:
        return exact_current_coupling(tau_s, self.tau_m, dt) if step is EXACT else 1.0

    def time_scales(self, port_kinds: list[int]) -> tuple[TimeScale, ...]:
        how = "exactly" if self.step(port_kinds) is EXACT else "by exponential Euler"
        return (TimeScale("tau_m", smallest(self.tau_m), EXACT_RATIO, how),)

    def integrates_ports_exactly(self, port_kinds: list[int]) -> bool:
        return self.step(port_kinds) is EXACT

    def initial_v(self) -> float | np.ndarray:
        return self.v_rest


def exact_current_coupling(tau_s: float, tau_m: np.ndarray | float, dt: float) -> np.ndarray:
    r"""Voltage reached after one step by a unit drive decaying with ``tau_s``.

    The solution of :math:`\tau_m \dot v = -v + e^{-t/\tau_s}`, :math:`v(0)=0`, at
    :math:`t = h`: :math:`\frac{\tau_s}{\tau_s-\tau_m}(e^{-h/\tau_s} - e^{-h/\tau_m})`.
    Written that way it cancels catastrophically as :math:`\tau_s \to \tau_m` (a relative
    error of 1e-5 at :math:`|\tau_s/\tau_m - 1| = 10^{-9}`), so it is evaluated as NEST's
    ``IAFPropagatorExp`` does, through ``expm1``:
    :math:`\frac{h}{\tau_m} e^{-h/\tau_m}\,\frac{\mathrm{expm1}(x)}{x}`,
    :math:`x = h\,\frac{\tau_s - \tau_m}{\tau_s \tau_m}`, whose limit at :math:`x = 0`
    (equal time constants) is :math:`\frac{h}{\tau_m} e^{-h/\tau_m}`. Accurate to a few
    ulps on both sides of the limit and at it (``tests/core/test_models.py``).
    """
    tau_m = np.asarray(tau_m, dtype=np.float64)
    if tau_s <= 0:
        return np.zeros_like(tau_m)
    x = dt * (tau_s - tau_m) / (tau_s * tau_m)
    safe = np.where(x == 0.0, 1.0, x)
    relative = np.where(x == 0.0, 1.0, np.expm1(safe) / safe)
    return dt / tau_m * np.exp(-dt / tau_m) * relative
