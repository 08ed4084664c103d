r"""Discrete-time LIF with a delayed reset: the map of snnTorch's ``Leaky``
(equations in :class:`DiscreteLIF`). Its three reset mechanisms are three steps; the
pending reset :math:`R` is held in the model's ``u`` variable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np

from neurosparse.core.models.base import ModelStep, NeuronModel, as_column
from neurosparse.core.models.elementwise import select
from neurosparse.core.models.lif import above_threshold
from neurosparse.core.synapses import PORT_DELTA
from neurosparse.errors import ParameterError

#: The reset mechanisms, as snnTorch names them.
DISCRETE_RESETS = ("subtract", "zero", "none")


class DiscreteLIFConstants(NamedTuple):
    """Constants of a discrete LIF neuron (never refractory)."""

    beta: float
    v_th: float
    ref_steps: float


def integrate_subtract(v, pending, i_syn, g, g_e, x, c):
    """``v <- beta v + X - v_th R`` (snnTorch's default, in its order of operations)."""
    v_new = c.beta * v + x - pending * c.v_th
    return v_new, select(v_new > c.v_th, 1.0, 0.0)  # the next step's reset


def integrate_zero(v, pending, i_syn, g, g_e, x, c):
    """``v <- beta (1 - R) v + X``."""
    v_new = c.beta * ((1.0 - pending) * v) + x
    return v_new, select(v_new > c.v_th, 1.0, 0.0)  # the next step's reset


def integrate_none(v, pending, i_syn, g, g_e, x, c):
    """``v <- beta v + X``."""
    v_new = c.beta * v + x
    return v_new, select(v_new > c.v_th, 1.0, 0.0)  # the next step's reset


def no_reset(v, pending, c):
    """The reset is applied by the next step's map."""
    return v, pending


STEPS = {reset: ModelStep(f"discrete_lif_{reset}", DiscreteLIFConstants, integrate, above_threshold,
                          no_reset, takes_step_input=True, adapts_while_refractory=True, uses_u=True)
         for reset, integrate in zip(DISCRETE_RESETS, (integrate_subtract, integrate_zero, integrate_none))}


@dataclass(frozen=True)
class DiscreteLIF(NeuronModel):
    r"""Discrete-time LIF with a delayed reset: the map of snnTorch's ``Leaky``.

    .. math::
        X_t = I_{ext}(t) + \sum w_{\text{arriving at } t}, \qquad
        R_t = [v_{t-1} > v_{th}], \qquad
        v_t = \beta v_{t-1} + X_t - v_{th} R_t \ (\text{"subtract"}),\quad
        \beta (1 - R_t) v_{t-1} + X_t \ (\text{"zero"}),\quad
        \beta v_{t-1} + X_t \ (\text{"none"})

    and a spike at step ``t`` when :math:`v_t > v_{th}`. The reset of a spike is applied
    at the next step (snnTorch's ``reset_delay``), so ``v`` is never set to a reset value;
    the arithmetic is in snnTorch's order (``beta * v + X - R * v_th``). ``R`` before the
    first step is 0. Synaptic input arrives through delta ports only, as
    :class:`MaxPlusLIF`; ``dt`` only sets the clock. (The core keeps ``R`` in its second
    state array; it is not a recordable variable.)

    Parameters
    ----------
    beta
        Decay per step, in (0, 1].
    v_th
        Threshold, > 0.
    reset
        ``"subtract"`` (snnTorch's default), ``"zero"`` or ``"none"``.
    v_init
        Initial membrane potential.
    """

    beta: float | np.ndarray = 0.9
    v_th: float | np.ndarray = 1.0
    reset: str = "subtract"
    v_init: float | np.ndarray = 0.0

    name: ClassVar[str] = "discrete_lif"
    ports: ClassVar[tuple[int, ...]] = (PORT_DELTA,)

    def __post_init__(self) -> None:
        self._validate(unit_interval=("beta",), positive=("v_th",), real=("v_init",))
        if self.reset not in DISCRETE_RESETS:
            raise ParameterError(f"DiscreteLIF.reset must be one of {DISCRETE_RESETS}, got {self.reset!r}")

    def step(self, port_kinds: list[int]) -> ModelStep:
        return STEPS[self.reset]

    def constants(self, dt: float) -> DiscreteLIFConstants:
        return DiscreteLIFConstants(beta=as_column(self.beta), v_th=as_column(self.v_th), ref_steps=0.0)

    def initial_v(self) -> float | np.ndarray:
        return self.v_init
