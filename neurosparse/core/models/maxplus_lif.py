r"""Tropical (max-plus) LIF: a discrete-time neuron whose membrane takes a maximum.

.. math::
    X_t = I_{ext}(t) + \sum w_{\text{arriving at } t}, \qquad
    v_t = \max(v_{t-1} - \lambda,\; X_t), \qquad
    v_t > v_{th} \Rightarrow \text{spike},\; v_t \leftarrow v_{reset}

The hardened UltraLIF neuron (eps -> 0, :math:`\lambda = -\log\beta`).
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
from neurosparse.core.models.elementwise import select
from neurosparse.core.models.lif import above_threshold
from neurosparse.core.synapses import PORT_DELTA


class MaxPlusConstants(NamedTuple):
    """Constants of a max-plus LIF neuron."""

    leak: float
    v_th: float
    v_reset: float
    ref_steps: float


def integrate(v, u, i_syn, g, g_e, x, c):
    """``v <- max(v - leak, X)``; a tie keeps ``v - leak`` (the scalar ``max``'s choice)."""
    leaked = v - c.leak
    return select(x > leaked, x, leaked), u


STEP = ModelStep("maxplus_lif", MaxPlusConstants, integrate, above_threshold, keep_u,
                 takes_step_input=True)


@dataclass(frozen=True)
class MaxPlusLIF(NeuronModel):
    r"""Tropical (max-plus) LIF: a discrete-time neuron whose membrane takes a maximum.

    .. math::
        X_t = I_{ext}(t) + \sum w_{\text{arriving at } t}, \qquad
        v_t = \max(v_{t-1} - \lambda,\; X_t), \qquad
        v_t > v_{th} \Rightarrow \text{spike},\; v_t \leftarrow v_{reset}

    The limit eps -> 0 of UltraLIF (:class:`neurosparse.snn.UltraLIF`, with
    :math:`\lambda = -\log\beta`): the leak subtracts a constant each step and the input
    of a step replaces the membrane when it is larger, instead of adding to it. Synaptic
    input is what arrives through delta ports in the step (their weights sum into
    :math:`X_t`); injected currents add to :math:`X_t` in the units of ``v`` (no
    membrane resistance). The update is a map per step, so ``dt`` only sets the clock.
    Threshold, input and reset within one step: a spike at step ``t`` is caused by
    the input arriving at ``t`` (a delay-1 feed-forward chain advances one layer per step).
    Refractory neurons hold ``v`` and drop what arrives, as the other models.

    Parameters
    ----------
    leak
        Subtracted from ``v`` each step (V), >= 0.
    v_th
        Threshold (V); a spike when ``v > v_th``.
    v_reset
        Reset potential (V), below ``v_th``. UltraLIF's reset ``V (1 - S)`` is 0.
    t_ref
        Absolute refractory period (s), >= 0.
    v_init
        Initial membrane potential (V).
    """

    leak: float | np.ndarray = 0.1053605156578263  # -log(0.9)
    v_th: float | np.ndarray = 1.0
    v_reset: float | np.ndarray = 0.0
    t_ref: float | np.ndarray = 0.0
    v_init: float | np.ndarray = 0.0

    name: ClassVar[str] = "maxplus_lif"
    ports: ClassVar[tuple[int, ...]] = (PORT_DELTA,)

    def __post_init__(self) -> None:
        self._validate(non_negative=("leak", "t_ref"), real=("v_th", "v_reset", "v_init"))
        check_below("MaxPlusLIF", "v_reset", self.v_reset, "v_th", self.v_th)

    def step(self, port_kinds: list[int]) -> ModelStep:
        return STEP

    def constants(self, dt: float) -> MaxPlusConstants:
        return MaxPlusConstants(leak=as_column(self.leak), v_th=as_column(self.v_th),
                                v_reset=as_column(self.v_reset),
                                ref_steps=as_column(refractory_steps(self.t_ref, dt)))

    def initial_v(self) -> float | np.ndarray:
        return self.v_init
