"""Neuron models of the event core: LIF, IF, adaptive LIF, Izhikevich, max-plus and discrete LIF.

Each model is a frozen dataclass of parameters in SI units. A parameter is a scalar (the
same for every neuron of the population) or a 1-D array with one value per neuron
(heterogeneous populations, e.g. a spread of membrane time constants). Validation happens
at construction and names the field and its allowed range.

Synaptic input reaches a neuron through *ports* (see :mod:`neurosparse.core.synapses`):
current-based exponential (``I_k``), conductance-based exponential (``g_k`` with reversal
``E_k``) and delta (instantaneous voltage jump). ``I_ext`` below is the sum of injected
currents (:class:`neurosparse.core.inputs.CurrentInput`).

Integration (time step ``h``)
-----------------------------
* LIF and IF with only current/delta ports: **exact** integration of the linear system
  (propagator method of Rotter & Diesmann 1999): inputs are exponentials, so the membrane
  update has a closed form.
* Any population with a conductance port, and the adaptive LIF: **exponential Euler**
  (the linear ODE for ``v`` solved exactly with the other variables held over the step),
  as Brian2's ``exponential_euler``.
* Izhikevich: forward Euler (its dynamics are quadratic).
* :class:`MaxPlusLIF`: a discrete-time map, no ODE (the hardened UltraLIF neuron).
* :class:`DiscreteLIF`: the discrete-time map of snnTorch's ``Leaky`` (deep-learning SNNs).

Update order within a step, as Brian2's default schedule: integrate, threshold, deliver
the synaptic input arriving this step, reset the neurons that spiked. A neuron that spiked
at step ``s`` does not integrate ``v`` during steps ``s+1 .. s+R-1``, with
``R = floor(t_ref / h)`` (Brian2's ``unless refractory``); its synaptic variables keep
evolving.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np

from neurosparse._validation import as_float_param, check_length
from neurosparse.errors import ParameterError

# Rows of the parameter block handed to the kernels (one column per neuron when the
# population is heterogeneous, else a single column).
ROW_V_TH = 0
ROW_V_RESET = 1
ROW_REF_STEPS = 2
ROW_A = 3  # model-specific rows 3..10, documented in each model's ``param_rows``
ROW_I_EXT = 11
ROW_PORT0 = 12
MAX_PORTS = 8
N_ROWS = ROW_PORT0 + MAX_PORTS

MODEL_LIF = 0
MODEL_IF = 1
MODEL_ADLIF = 2
MODEL_IZHIKEVICH = 3
MODEL_MAXPLUS = 4
MODEL_DISCRETE_LIF = 5
#: DiscreteLIF reset modes, as stored in its parameter row.
DISCRETE_RESETS = ("subtract", "zero", "none")


def refractory_steps(t_ref: float | np.ndarray, dt: float) -> np.ndarray:
    """Refractory period in whole steps, floored as Brian2's ``timestep`` does."""
    return np.floor(np.asarray(t_ref, dtype=np.float64) / dt + 1e-3)


class NeuronModel:
    """Base class of the neuron models; subclasses are frozen dataclasses."""

    model_id: ClassVar[int]
    #: State variables besides the synaptic ones that monitors can record.
    state_variables: ClassVar[tuple[str, ...]] = ("v",)
    #: Whether the model takes only delta ports (its input is what arrives in a step).
    delta_ports_only: ClassVar[bool] = False

    def heterogeneous_size(self) -> int | None:
        """The per-neuron array length shared by array parameters, or None if all scalar."""
        sizes = {np.asarray(getattr(self, f.name)).shape[0]
                 for f in fields(self) if np.ndim(getattr(self, f.name)) == 1}
        if len(sizes) > 1:
            raise ParameterError(
                f"{type(self).__name__}: per-neuron parameter arrays have different lengths "
                f"{sorted(sizes)}; they must all have one value per neuron")
        return sizes.pop() if sizes else None

    def check_size(self, n: int) -> None:
        """Raise ParameterError if an array parameter does not have ``n`` values."""
        for f in fields(self):
            check_length(f"{type(self).__name__}.{f.name}", getattr(self, f.name), n)

    def initial_v(self) -> float | np.ndarray:
        """Default initial membrane potential."""
        raise NotImplementedError

    def fill_rows(self, block: np.ndarray, dt: float, port_taus: list[float],
                  port_kinds: list[int]) -> None:
        """Write the derived per-step constants into the parameter ``block``."""
        raise NotImplementedError

    def _fill_common(self, block: np.ndarray, v_th, v_reset, t_ref, dt: float) -> None:
        block[ROW_V_TH] = v_th
        block[ROW_V_RESET] = v_reset
        block[ROW_REF_STEPS] = refractory_steps(t_ref, dt)


def _check_reset_below_threshold(name: str, v_reset, v_th) -> None:
    if np.any(np.asarray(v_reset) >= np.asarray(v_th)):
        raise ParameterError(f"{name}: v_reset must be below v_th (got v_reset={v_reset!r}, "
                             f"v_th={v_th!r})")


@dataclass(frozen=True)
class LIF(NeuronModel):
    r"""Leaky integrate-and-fire neuron.

    .. math::
        \tau_m \frac{dv}{dt} = v_{rest} - v + r_m\,(I_{syn} + I_{ext}),
        \qquad v > v_{th} \Rightarrow v \leftarrow v_{reset}

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

    model_id: ClassVar[int] = MODEL_LIF

    def __post_init__(self) -> None:
        _set(self, "tau_m", as_float_param("LIF.tau_m", self.tau_m, low=0, low_inclusive=False))
        for name in ("v_rest", "v_th", "v_reset"):
            _set(self, name, as_float_param(f"LIF.{name}", getattr(self, name)))
        _set(self, "t_ref", as_float_param("LIF.t_ref", self.t_ref, low=0))
        _set(self, "r_m", as_float_param("LIF.r_m", self.r_m, low=0, low_inclusive=False))
        _check_reset_below_threshold("LIF", self.v_reset, self.v_th)
        self.heterogeneous_size()

    def initial_v(self) -> float | np.ndarray:
        return self.v_rest

    def fill_rows(self, block, dt, port_taus, port_kinds):
        """Rows: 3 v_rest, 4 exp(-h/tau_m), 5 r_m, 6 tau_m, 12+k exact current coupling."""
        self._fill_common(block, self.v_th, self.v_reset, self.t_ref, dt)
        tau_m = np.asarray(self.tau_m, dtype=np.float64)
        block[ROW_A] = self.v_rest
        block[ROW_A + 1] = np.exp(-dt / tau_m)
        block[ROW_A + 2] = self.r_m
        block[ROW_A + 3] = tau_m
        for k, tau_s in enumerate(port_taus):
            block[ROW_PORT0 + k] = exact_current_coupling(tau_s, tau_m, dt)


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

    model_id: ClassVar[int] = MODEL_IF

    def __post_init__(self) -> None:
        _set(self, "c_m", as_float_param("IF.c_m", self.c_m, low=0, low_inclusive=False))
        for name in ("v_th", "v_reset", "v_init"):
            _set(self, name, as_float_param(f"IF.{name}", getattr(self, name)))
        _set(self, "t_ref", as_float_param("IF.t_ref", self.t_ref, low=0))
        _check_reset_below_threshold("IF", self.v_reset, self.v_th)
        self.heterogeneous_size()

    def initial_v(self) -> float | np.ndarray:
        return self.v_init

    def fill_rows(self, block, dt, port_taus, port_kinds):
        """Rows: 5 1/c_m, 12+k integral of a unit exponential current over a step."""
        self._fill_common(block, self.v_th, self.v_reset, self.t_ref, dt)
        block[ROW_A + 2] = 1.0 / np.asarray(self.c_m, dtype=np.float64)
        for k, tau_s in enumerate(port_taus):
            block[ROW_PORT0 + k] = tau_s * -np.expm1(-dt / tau_s) if tau_s > 0 else 0.0


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

    model_id: ClassVar[int] = MODEL_ADLIF
    state_variables: ClassVar[tuple[str, ...]] = ("v", "w")

    def __post_init__(self) -> None:
        for name in ("tau_m", "tau_w", "r_m"):
            _set(self, name, as_float_param(f"AdaptiveLIF.{name}", getattr(self, name),
                                            low=0, low_inclusive=False))
        for name in ("v_rest", "v_th", "v_reset"):
            _set(self, name, as_float_param(f"AdaptiveLIF.{name}", getattr(self, name)))
        for name in ("t_ref", "a", "b"):
            _set(self, name, as_float_param(f"AdaptiveLIF.{name}", getattr(self, name), low=0))
        _check_reset_below_threshold("AdaptiveLIF", self.v_reset, self.v_th)
        self.heterogeneous_size()

    def initial_v(self) -> float | np.ndarray:
        return self.v_rest

    def fill_rows(self, block, dt, port_taus, port_kinds):
        """Rows: 3 v_rest, 4 exp(-h/tau_m), 5 r_m, 6 tau_m, 7 exp(-h/tau_w), 8 a, 9 b."""
        self._fill_common(block, self.v_th, self.v_reset, self.t_ref, dt)
        block[ROW_A] = self.v_rest
        block[ROW_A + 1] = np.exp(-dt / np.asarray(self.tau_m, dtype=np.float64))
        block[ROW_A + 2] = self.r_m
        block[ROW_A + 3] = self.tau_m
        block[ROW_A + 4] = np.exp(-dt / np.asarray(self.tau_w, dtype=np.float64))
        block[ROW_A + 5] = self.a
        block[ROW_A + 6] = self.b


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

    model_id: ClassVar[int] = MODEL_IZHIKEVICH
    state_variables: ClassVar[tuple[str, ...]] = ("v", "u")

    def __post_init__(self) -> None:
        for name in ("c_m", "k", "a"):
            _set(self, name, as_float_param(f"Izhikevich.{name}", getattr(self, name),
                                            low=0, low_inclusive=False))
        for name in ("v_r", "v_t", "v_peak", "b", "c", "d"):
            _set(self, name, as_float_param(f"Izhikevich.{name}", getattr(self, name)))
        _set(self, "t_ref", as_float_param("Izhikevich.t_ref", self.t_ref, low=0))
        if np.any(np.asarray(self.v_r) >= np.asarray(self.v_t)):
            raise ParameterError("Izhikevich: v_r must be below v_t")
        _check_reset_below_threshold("Izhikevich", self.c, self.v_peak)
        self.heterogeneous_size()

    def initial_v(self) -> float | np.ndarray:
        return self.v_r

    def fill_rows(self, block, dt, port_taus, port_kinds):
        """Rows: 3 v_r, 4 v_t, 5 1/c_m, 6 k, 7 a, 8 b, 9 d."""
        self._fill_common(block, self.v_peak, self.c, self.t_ref, dt)
        block[ROW_A] = self.v_r
        block[ROW_A + 1] = self.v_t
        block[ROW_A + 2] = 1.0 / np.asarray(self.c_m, dtype=np.float64)
        block[ROW_A + 3] = self.k
        block[ROW_A + 4] = self.a
        block[ROW_A + 5] = self.b
        block[ROW_A + 6] = self.d


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

    model_id: ClassVar[int] = MODEL_MAXPLUS
    delta_ports_only: ClassVar[bool] = True

    def __post_init__(self) -> None:
        _set(self, "leak", as_float_param("MaxPlusLIF.leak", self.leak, low=0))
        for name in ("v_th", "v_reset", "v_init"):
            _set(self, name, as_float_param(f"MaxPlusLIF.{name}", getattr(self, name)))
        _set(self, "t_ref", as_float_param("MaxPlusLIF.t_ref", self.t_ref, low=0))
        _check_reset_below_threshold("MaxPlusLIF", self.v_reset, self.v_th)
        self.heterogeneous_size()

    def initial_v(self) -> float | np.ndarray:
        return self.v_init

    def fill_rows(self, block, dt, port_taus, port_kinds):
        """Rows: 3 leak."""
        self._fill_common(block, self.v_th, self.v_reset, self.t_ref, dt)
        block[ROW_A] = self.leak


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

    model_id: ClassVar[int] = MODEL_DISCRETE_LIF
    delta_ports_only: ClassVar[bool] = True

    def __post_init__(self) -> None:
        _set(self, "beta", as_float_param("DiscreteLIF.beta", self.beta, low=0, high=1, low_inclusive=False))
        _set(self, "v_th", as_float_param("DiscreteLIF.v_th", self.v_th, low=0, low_inclusive=False))
        _set(self, "v_init", as_float_param("DiscreteLIF.v_init", self.v_init))
        if self.reset not in DISCRETE_RESETS:
            raise ParameterError(f"DiscreteLIF.reset must be one of {DISCRETE_RESETS}, got {self.reset!r}")
        self.heterogeneous_size()

    def initial_v(self) -> float | np.ndarray:
        return self.v_init

    def fill_rows(self, block, dt, port_taus, port_kinds):
        """Rows: 3 beta, 4 reset mode (index into DISCRETE_RESETS)."""
        self._fill_common(block, self.v_th, 0.0, 0.0, dt)
        block[ROW_A] = self.beta
        block[ROW_A + 1] = DISCRETE_RESETS.index(self.reset)


MODELS: dict[str, type[NeuronModel]] = {
    "lif": LIF, "if": IF, "adaptive_lif": AdaptiveLIF, "izhikevich": Izhikevich,
    "maxplus_lif": MaxPlusLIF, "discrete_lif": DiscreteLIF,
}


def exact_current_coupling(tau_s: float, tau_m: np.ndarray | float, dt: float) -> np.ndarray:
    r"""Voltage reached after one step by a unit drive decaying with ``tau_s``.

    The solution of :math:`\tau_m \dot v = -v + e^{-t/\tau_s}`, :math:`v(0)=0`, at
    :math:`t = h`: :math:`\frac{\tau_s}{\tau_s-\tau_m}(e^{-h/\tau_s} - e^{-h/\tau_m})`,
    and its limit :math:`\frac{h}{\tau_m} e^{-h/\tau_m}` when the time constants are equal.
    """
    tau_m = np.asarray(tau_m, dtype=np.float64)
    if tau_s <= 0:
        return np.zeros_like(tau_m)
    equal = np.isclose(tau_s, tau_m, rtol=1e-9, atol=0.0)
    safe_diff = np.where(equal, 1.0, tau_s - tau_m)
    general = tau_s / safe_diff * (np.exp(-dt / tau_s) - np.exp(-dt / tau_m))
    limit = dt / tau_m * np.exp(-dt / tau_m)
    return np.where(equal, limit, general)


def _set(obj, name: str, value) -> None:
    object.__setattr__(obj, name, value)
