r"""Quadratic integrate-and-fire neuron (the normal form of a type-I excitable membrane).

.. math::
    \tau_m \frac{dv}{dt} = a\,(v - v_{rest})(v - v_c) + r_m\,(I_{syn} + I_{ext}),
    \qquad v > v_{peak} \Rightarrow v \leftarrow v_{reset}

Below the critical potential :math:`v_c` the rest state is stable; above it ``v`` runs away
to :math:`v_{peak}` (Latham et al. 2000; Ermentrout & Kopell 1986, the theta neuron). Under
a constant drive :math:`r_m I` above rheobase :math:`a (v_c - v_{rest})^2 / 4`, the time
from :math:`v_{reset}` to the peak has a closed form (:func:`time_to_peak`). Forward Euler,
so the step ``h`` must be small against the run-away (``h`` of 0.1 ms or less at
``tau_m`` of 10 ms). A conductance port adds :math:`g\,(E - v)` to :math:`I_{syn}`.
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
    keep_u,
    refractory_steps,
    smallest,
)


class QIFConstants(NamedTuple):
    """Derived constants of a QIF neuron for a step ``h``."""

    v_rest: float
    v_c: float
    a: float
    r_m: float
    h_over_tau: float  #: h / tau_m
    v_peak: float
    v_reset: float
    ref_steps: float


def integrate(v, u, i_syn, g, g_e, i_ext, c):
    """One forward-Euler step."""
    i_in = i_syn + g_e - g * v + i_ext
    return v + c.h_over_tau * (c.a * (v - c.v_rest) * (v - c.v_c) + c.r_m * i_in), u


def above_peak(v, c):
    """``v > v_peak``."""
    return v > c.v_peak


STEP = ModelStep("qif", QIFConstants, integrate, above_peak, keep_u)


@dataclass(frozen=True)
class QIF(NeuronModel):
    r"""Quadratic integrate-and-fire neuron.

    .. math::
        \tau_m \frac{dv}{dt} = a\,(v - v_{rest})(v - v_c) + r_m\,(I_{syn} + I_{ext}),
        \qquad v > v_{peak} \Rightarrow v \leftarrow v_{reset}

    Forward Euler (see :mod:`neurosparse.core.models.qif`).

    Parameters
    ----------
    tau_m
        Membrane time constant (s), > 0.
    v_rest
        Stable resting potential (V).
    v_c
        Critical (unstable) potential (V), above ``v_rest``.
    a
        Curvature (1/V), > 0.
    v_peak
        Spike cut-off (V), above ``v_c``.
    v_reset
        Reset potential (V), below ``v_peak``.
    t_ref
        Absolute refractory period (s), >= 0.
    r_m
        Membrane resistance (ohm), > 0.

    Examples
    --------
    >>> import neurosparse as ns
    >>> net = ns.Network(dt=1e-4, seed=0)
    >>> _ = net.add_population("q", 1, ns.QIF())
    >>> net.add_current("q", 0.2e-9)
    >>> net.monitor_spikes()
    >>> int(net.run(0.2).spikes["q"].steps.size) > 0
    True
    """

    tau_m: float | np.ndarray = 10e-3
    v_rest: float | np.ndarray = -65e-3
    v_c: float | np.ndarray = -50e-3
    a: float | np.ndarray = 1.0 / 15e-3
    v_peak: float | np.ndarray = 0.0
    v_reset: float | np.ndarray = -70e-3
    t_ref: float | np.ndarray = 0.0
    r_m: float | np.ndarray = 100e6

    name: ClassVar[str] = "qif"

    def __post_init__(self) -> None:
        self._validate(positive=("tau_m", "a", "r_m"), real=("v_rest", "v_c", "v_peak", "v_reset"),
                       non_negative=("t_ref",))
        check_below("QIF", "v_rest", self.v_rest, "v_c", self.v_c)
        check_below("QIF", "v_c", self.v_c, "v_peak", self.v_peak)
        check_below("QIF", "v_reset", self.v_reset, "v_peak", self.v_peak)

    def step(self, port_kinds: list[int]) -> ModelStep:
        return STEP

    def constants(self, dt: float) -> QIFConstants:
        return QIFConstants(
            v_rest=as_column(self.v_rest), v_c=as_column(self.v_c), a=as_column(self.a),
            r_m=as_column(self.r_m), h_over_tau=as_column(dt / np.asarray(self.tau_m, dtype=np.float64)),
            v_peak=as_column(self.v_peak), v_reset=as_column(self.v_reset),
            ref_steps=as_column(refractory_steps(self.t_ref, dt)))

    def time_scales(self, port_kinds: list[int]) -> tuple[TimeScale, ...]:
        # v's linearised rate a (2 v - v_rest - v_c) / tau_m is fastest at the spike cut-off
        slope = np.maximum(np.abs(2 * np.asarray(self.v_peak) - self.v_rest - self.v_c),
                           np.asarray(self.v_c) - self.v_rest)
        upstroke = np.asarray(self.tau_m) / (np.asarray(self.a) * slope)
        return (TimeScale("the upstroke tau_m / (a (2 v_peak - v_rest - v_c))", smallest(upstroke),
                          EULER_RATIO, "by forward Euler"),)

    def initial_v(self) -> float | np.ndarray:
        return self.v_rest


def time_to_peak(model: QIF, current: float) -> float:
    r"""Time (s) for ``v`` to run from ``v_reset`` to ``v_peak`` under a constant current
    above rheobase, from the exact solution of the ODE (no refractory period included).

    With :math:`x = v - m`, :math:`m = (v_{rest} + v_c)/2`, the ODE is
    :math:`\tau \dot x = a x^2 + q`, :math:`q = r_m I - a (v_c - v_{rest})^2/4 > 0`, whose
    solution gives :math:`T = \frac{\tau}{\sqrt{a q}}\,[\arctan(x\sqrt{a/q})]_{x_{reset}}^{x_{peak}}`.
    """
    m = (model.v_rest + model.v_c) / 2
    q = model.r_m * current - model.a * (model.v_c - model.v_rest) ** 2 / 4
    if q <= 0:
        raise ValueError(f"current {current!r} A is at or below the QIF's rheobase "
                         f"{model.a * (model.v_c - model.v_rest) ** 2 / 4 / model.r_m!r} A")
    s = np.sqrt(model.a / q)
    return float(model.tau_m / np.sqrt(model.a * q)
                 * (np.arctan((model.v_peak - m) * s) - np.arctan((model.v_reset - m) * s)))
