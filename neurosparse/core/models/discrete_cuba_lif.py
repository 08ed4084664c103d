r"""Discrete-time current-based LIF: the map snnTorch's ``Synaptic`` steps, and the one every
NIR neuron (LIF, CubaLIF, IF, LI, I, CubaLI, Threshold) discretises to.

.. math::
    R_t = [v_{t-1} > v_{th}], \qquad
    i_t = \alpha\, i_{t-1} + w_{in} X_t,

    v_t = \beta v_{t-1} + r\, i_t + (1 - \beta) v_{leak} - R_t (v_{th} - v_{reset})
    \quad (\text{"subtract"}),

    v_t = \beta \big((1 - R_t) v_{t-1} + R_t v_{reset}\big) + r\, i_t + (1 - \beta) v_{leak}
    \quad (\text{"zero"}),

    v_t = \beta v_{t-1} + r\, i_t + (1 - \beta) v_{leak} \quad (\text{"none"}),

with :math:`X_t` the step's input (injected current plus the delta-port weights arriving at
``t``) and a spike at ``t`` when :math:`v_t > v_{th}`. :math:`R_t` is the previous step's
spike, read from :math:`v_{t-1}` (the neuron is never refractory, so the two agree), so the
reset of a spike is applied by the next step, as snnTorch's ``reset_delay=True``.
:mod:`neurosparse.interop.nir_primitives` derives ``alpha, beta, w_in, r`` from NIR's
time constants for a step ``dt``; :class:`DiscreteCubaLIF` itself only steps the map.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np

from neurosparse._validation import as_float_param
from neurosparse.core.models.base import ModelStep, NeuronModel, as_column, check_below
from neurosparse.core.models.elementwise import select
from neurosparse.core.models.lif import above_threshold
from neurosparse.core.synapses import PORT_DELTA
from neurosparse.errors import ParameterError

#: The reset mechanisms: "zero" sets ``v`` to ``v_reset``, "subtract" removes
#: ``v_th - v_reset``, "none" leaves it.
CUBA_RESETS = ("zero", "subtract", "none")


class DiscreteCubaLIFConstants(NamedTuple):
    """Derived constants of a discrete current-based LIF (never refractory)."""

    alpha: float  #: current decay per step
    beta: float  #: membrane decay per step
    w_in: float  #: gain of the step's input into the current
    r: float  #: gain of the current into the membrane
    leak_drive: float  #: (1 - beta) v_leak, the leak's pull per step
    v_th: float
    v_reset: float
    reset_jump: float  #: v_th - v_reset, removed by a subtractive reset
    ref_steps: float


def integrate_zero(v, i_syn, port_drive, g, g_e, x, c):
    """``v <- beta ((1 - R) v + R v_reset) + r i + (1 - beta) v_leak``."""
    i_new = c.alpha * i_syn + c.w_in * x  # the current first, used in this step
    held = select(v > c.v_th, c.v_reset, v)
    return c.beta * held + c.r * i_new + c.leak_drive, i_new


def integrate_subtract(v, i_syn, port_drive, g, g_e, x, c):
    """``v <- beta v + r i + (1 - beta) v_leak - R (v_th - v_reset)`` (snnTorch's order)."""
    i_new = c.alpha * i_syn + c.w_in * x  # the current first, used in this step
    reset = select(v > c.v_th, c.reset_jump, 0.0)
    return c.beta * v + c.r * i_new + c.leak_drive - reset, i_new


def integrate_none(v, i_syn, port_drive, g, g_e, x, c):
    """``v <- beta v + r i + (1 - beta) v_leak``."""
    i_new = c.alpha * i_syn + c.w_in * x  # the current first, used in this step
    return c.beta * v + c.r * i_new + c.leak_drive, i_new


def no_reset(v, i_syn, c):
    """The reset is applied by the next step's map."""
    return v, i_syn


STEPS = {reset: ModelStep(f"discrete_cuba_lif_{reset}", DiscreteCubaLIFConstants, integrate,
                          above_threshold, no_reset, takes_step_input=True,
                          adapts_while_refractory=True, uses_u=True)
         for reset, integrate in zip(CUBA_RESETS, (integrate_zero, integrate_subtract, integrate_none))}


@dataclass(frozen=True)
class DiscreteCubaLIF(NeuronModel):
    r"""Discrete-time current-based LIF map (snnTorch's ``Synaptic``; NIR's neurons at a step).

    .. math::
        R_t = [v_{t-1} > v_{th}],\quad i_t = \alpha i_{t-1} + w_{in} X_t,\quad
        v_t = \beta \tilde v_{t-1} + r\, i_t + (1 - \beta) v_{leak} - J_t

    with :math:`\tilde v = v_{reset}` where :math:`R_t` (``"zero"``, :math:`J_t = 0`) or
    :math:`\tilde v = v`, :math:`J_t = R_t (v_{th} - v_{reset})` (``"subtract"``), or no reset
    (``"none"``); a spike at ``t`` when :math:`v_t > v_{th}`. :math:`X_t` is the injected
    current plus the delta-port weights arriving at ``t`` (delta ports only, as
    :class:`DiscreteLIF`); ``dt`` only sets the clock. The reset of a spike is applied at the
    next step (the membrane of the spiking step is kept, as snnTorch's ``reset_delay=True``).

    Special cases: ``alpha = 0, w_in = 1`` is a LIF without a current stage (snnTorch's
    ``Leaky`` with ``r = 1``, ``v_leak = v_reset = 0``); ``beta = 1`` an integrate-and-fire
    neuron; ``v_th = inf`` with ``reset="none"`` a non-spiking integrator (NIR's LI, I,
    CubaLI), whose ``v`` is read as a state variable; ``beta = 0, alpha = 0`` a memoryless
    threshold :math:`[r X_t > v_{th}]` (NIR's Threshold).

    Parameters
    ----------
    alpha
        Current decay per step, in [0, 1].
    beta
        Membrane decay per step, in [0, 1].
    w_in
        Gain of the step's input into the current, finite.
    r
        Gain of the current into the membrane, finite.
    v_leak
        Potential the membrane relaxes to.
    v_th
        Threshold; ``inf`` for a neuron that never spikes (then ``reset`` must be ``"none"``).
    v_reset
        Reset potential, below ``v_th``.
    reset
        ``"zero"`` (to ``v_reset``, NIR's reset), ``"subtract"`` (snnTorch's default) or
        ``"none"``.
    v_init
        Initial membrane potential (the current starts at 0; ``set_state(pop, i_syn=...)``).
    """

    alpha: float | np.ndarray = 0.0
    beta: float | np.ndarray = 0.9
    w_in: float | np.ndarray = 1.0
    r: float | np.ndarray = 1.0
    v_leak: float | np.ndarray = 0.0
    v_th: float | np.ndarray = 1.0
    v_reset: float | np.ndarray = 0.0
    reset: str = "zero"
    v_init: float | np.ndarray = 0.0

    name: ClassVar[str] = "discrete_cuba_lif"
    state_variables: ClassVar[tuple[str, ...]] = ("v", "i_syn")
    ports: ClassVar[tuple[int, ...]] = (PORT_DELTA,)

    def __post_init__(self) -> None:
        if self.reset not in CUBA_RESETS:
            raise ParameterError(f"DiscreteCubaLIF.reset must be one of {CUBA_RESETS}, got {self.reset!r}")
        self._validate(real=("w_in", "r", "v_leak", "v_reset", "v_init"))
        for name in ("alpha", "beta"):
            object.__setattr__(self, name, as_float_param(f"DiscreteCubaLIF.{name}", getattr(self, name),
                                                          low=0.0, high=1.0))
        v_th = np.asarray(self.v_th, dtype=np.float64) if _is_number(self.v_th) else None
        if v_th is None or v_th.ndim > 1 or np.any(np.isnan(v_th)) or np.any(v_th == -np.inf):
            raise ParameterError(f"DiscreteCubaLIF.v_th must be a real number or inf (one per neuron "
                                 f"allowed), got {self.v_th!r}")
        if np.any(np.isinf(v_th)) and self.reset != "none":
            raise ParameterError("DiscreteCubaLIF.v_th = inf (a non-spiking integrator) needs "
                                 f"reset='none', got reset={self.reset!r}")
        object.__setattr__(self, "v_th", float(v_th) if v_th.ndim == 0 else v_th)
        self.heterogeneous_size()
        if self.reset != "none":
            check_below("DiscreteCubaLIF", "v_reset", self.v_reset, "v_th", self.v_th)

    def step(self, port_kinds: list[int]) -> ModelStep:
        return STEPS[self.reset]

    def constants(self, dt: float) -> DiscreteCubaLIFConstants:
        beta = np.asarray(self.beta, dtype=np.float64)
        v_th = np.asarray(self.v_th, dtype=np.float64)
        jump = np.where(np.isinf(v_th), 0.0, v_th - np.asarray(self.v_reset, dtype=np.float64))
        return DiscreteCubaLIFConstants(
            alpha=as_column(self.alpha), beta=as_column(beta), w_in=as_column(self.w_in),
            r=as_column(self.r), leak_drive=as_column((1.0 - beta) * np.asarray(self.v_leak, np.float64)),
            v_th=as_column(v_th), v_reset=as_column(self.v_reset), reset_jump=as_column(jump),
            ref_steps=0.0)

    def initial_v(self) -> float | np.ndarray:
        return self.v_init


def _is_number(value) -> bool:
    try:
        np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return True
