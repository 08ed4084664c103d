"""What every neuron model of the event core declares: parameters, constants and a step.

A model is a frozen dataclass of parameters in SI units. A parameter is a scalar (the same
for every neuron of the population) or a 1-D array with one value per neuron
(heterogeneous populations). Validation happens at construction and names the field and
its allowed range.

Each model turns its parameters into **derived constants** once per run (NEST's
propagators: ``p_vv = exp(-h / tau_m)``, ...), held in a NamedTuple whose fields name them,
and steps its neurons with a :class:`ModelStep`: elementwise functions written once, which
the compiled kernel calls on one neuron's scalars and the interpreted tier on arrays.

A step's functions take
``integrate(v, u, i_syn, g, g_e, i_ext, c) -> (v, u)``, ``threshold(v, c) -> bool`` and
``reset(v, u, c) -> (v, u)``, where ``v`` is the membrane, ``u`` the model's second
variable (adaptation ``w``, recovery ``u``, or a pending reset), ``i_syn`` the current-port
drive (each port's value times the model's coupling of that port), ``g`` and ``g_e`` the
summed conductances and conductance-weighted reversal potentials, ``i_ext`` the injected
current and ``c`` the constants. For a discrete-time map (``takes_step_input``) ``i_ext``
is the step's whole input: the injected current plus the delta-port weights arriving now.

The engine around a step is shared by every model: the refractory count, the port
passes, delta-port input (added after the threshold, before the reset, except while
refractory), collecting spikes and the reset (``v, u = reset(v, u, c)`` and
``ref_steps`` steps of refractoriness, so every constants type has a ``ref_steps`` field).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import ClassVar, NamedTuple

import numpy as np

from neurosparse._validation import as_float_param, check_length
from neurosparse.core.synapses import PORT_CONDUCTANCE, PORT_CURRENT, PORT_DELTA
from neurosparse.errors import ParameterError

#: Every port kind.
ALL_PORTS = (PORT_CURRENT, PORT_CONDUCTANCE, PORT_DELTA)


class ModelStep(NamedTuple):
    """One way of stepping a model (see the module docstring for the functions' signatures).

    Attributes
    ----------
    name
        Unique name, e.g. ``"lif_exact"``.
    constants
        The NamedTuple type of the derived constants the functions read.
    integrate, threshold, reset
        The elementwise step functions.
    takes_step_input
        A discrete-time map: no port pass; ``i_ext`` is the step's summed input.
    adapts_while_refractory
        ``u`` keeps evolving while the neuron is refractory (``v`` never does).
    exact_on_arrays
        Applied to NumPy arrays, the functions give the kernel's bits. False for steps that
        call ``exp`` every step: NumPy's vectorised ``exp`` may round differently from the
        scalar one the kernel calls, so the interpreted tier refuses them.
    fusable
        Homogeneous populations with one or two current ports and no timed current are
        updated by one fused loop over contiguous arrays (the hot path of CUBA-like
        networks): worth it for the steps large networks use most.
    uses_u
        The step reads or writes ``u`` (else the engines neither load nor store it).
    """

    name: str
    constants: type
    integrate: Callable
    threshold: Callable
    reset: Callable
    takes_step_input: bool = False
    adapts_while_refractory: bool = False
    exact_on_arrays: bool = True
    fusable: bool = False
    uses_u: bool = False


def refractory_steps(t_ref: float | np.ndarray, dt: float) -> np.ndarray:
    """Refractory period in whole steps, floored as Brian2's ``timestep`` does."""
    return np.floor(np.asarray(t_ref, dtype=np.float64) / dt + 1e-3)


def keep_u(v, u, c):
    """A reset that leaves ``u`` alone: ``v <- v_reset``."""
    return c.v_reset, u


#: The largest ``dt / tau`` at which a decay integrated exactly is still resolved: beyond
#: it the variable forgets its state within one step and threshold crossings inside a
#: step are missed.
EXACT_RATIO = 1.0
#: The same for dynamics integrated by (forward or exponential) Euler, whose error per step
#: grows with ``dt / tau``: at 0.2 an Izhikevich neuron's rate is within 1-2 % of its
#: converged value, at 1.2 it is 8 % low (measured, tests/core/test_time_step.py).
EULER_RATIO = 0.2


class TimeScale(NamedTuple):
    """A time scale of a model's dynamics and the coarsest step that resolves it."""

    name: str  #: the parameter or quantity, e.g. ``"tau_m"``
    seconds: float  #: its value (the smallest over a heterogeneous population)
    max_ratio: float  #: the largest ``dt / seconds`` that still resolves it
    integrator: str  #: how it is integrated: ``"exactly"``, ``"by forward Euler"``, ...


class NeuronModel:
    """Base class of the neuron models; subclasses are frozen dataclasses.

    Subclasses declare ``name`` (the registry's key), ``state_variables`` (``v`` first; a
    second name is the model's ``u`` variable) and ``ports`` (accepted port kinds), and
    implement :meth:`step`, :meth:`constants` and :meth:`initial_v`; :meth:`port_coupling`
    when current ports drive the membrane through something other than the current itself.
    """

    name: ClassVar[str]
    #: State variables monitors can record; the second, if any, is held in ``u``.
    state_variables: ClassVar[tuple[str, ...]] = ("v",)
    #: Port kinds the model accepts.
    ports: ClassVar[tuple[int, ...]] = ALL_PORTS

    @property
    def delta_ports_only(self) -> bool:
        """Whether the model takes only delta ports (its input is what arrives in a step)."""
        return self.ports == (PORT_DELTA,)

    def step(self, port_kinds: list[int]) -> ModelStep:
        """The step that integrates a population with these port kinds."""
        raise NotImplementedError

    def constants(self, dt: float) -> NamedTuple:
        """The derived constants for time step ``dt``: floats, or arrays with one value per
        neuron where a parameter is per neuron."""
        raise NotImplementedError

    def port_coupling(self, step: ModelStep, tau_s: float, dt: float) -> float | np.ndarray:
        """Weight of a current port's value (decay ``tau_s``) in ``i_syn``: 1 unless the
        step integrates the port's exponential exactly."""
        return 1.0

    def initial_v(self) -> float | np.ndarray:
        """Default initial membrane potential."""
        raise NotImplementedError

    def time_scales(self, port_kinds: list[int]) -> tuple[TimeScale, ...]:
        """The time scales of the membrane dynamics that a step must resolve, with these
        port kinds; none for discrete-time maps, whose ``dt`` only sets the clock."""
        return ()

    def integrates_ports_exactly(self, port_kinds: list[int]) -> bool:
        """Whether a step with these port kinds integrates the ports' exponential decays
        exactly (else they are held over a step, an Euler error of order ``dt / tau_s``)."""
        return False

    # -- validation shared by the subclasses
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

    def _validate(self, positive=(), non_negative=(), real=(), unit_interval=()) -> None:
        """Convert and check the named fields; then the array lengths."""
        cls = type(self).__name__
        for names, kwargs in ((positive, dict(low=0, low_inclusive=False)),
                              (non_negative, dict(low=0)), (real, {}),
                              (unit_interval, dict(low=0, high=1, low_inclusive=False))):
            for name in names:
                object.__setattr__(self, name, as_float_param(f"{cls}.{name}", getattr(self, name),
                                                              **kwargs))
        self.heterogeneous_size()


def check_below(model: str, low_name: str, low, high_name: str, high) -> None:
    """Raise ParameterError unless ``low < high`` everywhere."""
    if np.any(np.asarray(low) >= np.asarray(high)):
        raise ParameterError(f"{model}: {low_name} must be below {high_name} (got {low_name}={low!r}, "
                             f"{high_name}={high!r})")


def smallest(value) -> float:
    """The smallest value of a scalar or per-neuron parameter, as a float."""
    return float(np.min(np.asarray(value, dtype=np.float64)))


def as_column(value) -> np.ndarray | float:
    """A constant as float64: a float, or an array with one value per neuron."""
    arr = np.asarray(value, dtype=np.float64)
    return float(arr) if arr.ndim == 0 else arr
