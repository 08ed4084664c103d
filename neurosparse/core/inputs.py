"""Inputs to the event core: Poisson groups, spike-time arrays and injected currents.

Input groups (:class:`PoissonGroup`, :class:`SpikeTimes`) are sources: they have no
state, emit spikes, and connect to neuron populations through projections like any
population. Currents (:class:`CurrentInput`) add ``I_ext`` to every neuron of a
population; a :class:`TimedArray` makes a value vary in time (piecewise constant, the
last value held after the end, as Brian2's ``TimedArray``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurosparse._validation import as_count, as_float_param
from neurosparse.core.synapse_values import as_finite
from neurosparse.errors import ParameterError


@dataclass(frozen=True)
class TimedArray:
    """Values that change every ``dt`` seconds.

    Parameters
    ----------
    values
        Array of shape ``(n_times,)`` (same for every neuron) or ``(n_times, n)`` (one
        column per neuron).
    dt
        Time between rows (s); must be a whole multiple of the simulation step.
    """

    values: np.ndarray
    dt: float

    def __post_init__(self) -> None:
        values = np.asarray(as_finite(self.values, "TimedArray.values"))
        if values.ndim not in (1, 2) or values.shape[0] == 0:
            raise ParameterError(
                f"TimedArray.values must have shape (n_times,) or (n_times, n) with "
                f"n_times >= 1, got {values.shape}")
        if not np.all(np.isfinite(values)):
            raise ParameterError("TimedArray.values must be finite")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "dt", as_float_param("TimedArray.dt", self.dt, low=0,
                                                      low_inclusive=False, allow_array=False))

    def table(self) -> np.ndarray:
        """The values as a 2-D array (time, neuron-or-1)."""
        return self.values if self.values.ndim == 2 else self.values[:, None]

    def steps_per_row(self, sim_dt: float) -> int:
        """Simulation steps per row; raises if ``dt`` is not a multiple of ``sim_dt``."""
        ratio = self.dt / sim_dt
        if ratio > 2**53:  # beyond whole-step resolution (and any run's length)
            raise ParameterError(f"TimedArray.dt ({self.dt:g} s) must be at most 2**53 network "
                                 f"steps of {sim_dt:g} s")
        steps = int(round(ratio))
        if steps < 1 or abs(ratio - steps) > 1e-6 * max(ratio, 1.0):
            raise ParameterError(
                f"TimedArray.dt ({self.dt:g} s) must be a whole multiple of the network "
                f"step dt ({sim_dt:g} s)")
        return steps


@dataclass(frozen=True)
class PoissonGroup:
    """``n`` independent Poisson spike sources.

    Each neuron spikes in a step with probability ``rate * dt`` (Bernoulli per step, as
    Brian2's ``PoissonGroup``), so ``rate * dt`` must be at most 1.

    Parameters
    ----------
    n
        Number of sources, >= 1.
    rate
        Rate (Hz): a scalar, one value per source, or a :class:`TimedArray` of rates.
    """

    n: int
    rate: float | np.ndarray | TimedArray

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", as_count("PoissonGroup.n", self.n, low=1))
        if isinstance(self.rate, TimedArray):
            if np.any(self.rate.values < 0):
                raise ParameterError("PoissonGroup.rate must be >= 0 Hz")
            if self.rate.values.ndim == 2 and self.rate.values.shape[1] != self.n:
                raise ParameterError(
                    f"PoissonGroup.rate has {self.rate.values.shape[1]} columns but the "
                    f"group has {self.n} sources")
        else:
            rate = as_float_param("PoissonGroup.rate", self.rate, low=0)
            if np.ndim(rate) == 1 and len(rate) != self.n:
                raise ParameterError(
                    f"PoissonGroup.rate has {len(rate)} values but the group has {self.n} sources")
            object.__setattr__(self, "rate", rate)

    def max_rate(self) -> float:
        rate = self.rate.values if isinstance(self.rate, TimedArray) else self.rate
        return float(np.max(rate))


@dataclass(frozen=True)
class SpikeTimes:
    """Sources that spike at given times (Brian2's ``SpikeGeneratorGroup``).

    Parameters
    ----------
    n
        Number of sources, >= 1.
    times
        Spike times (s), >= 0. A spike at time ``t`` is emitted in the step that contains
        it, ``floor(t / dt)`` (with Brian2's tolerance of 1e-3 dt for exact multiples).
    indices
        Source index of each spike, in ``[0, n)``.
    """

    n: int
    times: np.ndarray
    indices: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", as_count("SpikeTimes.n", self.n, low=1))
        times = np.asarray(as_finite(self.times, "SpikeTimes.times")).reshape(-1)
        indices = np.asarray(self.indices).reshape(-1)
        if indices.dtype.kind not in "iuf" and indices.size:
            raise ParameterError(f"SpikeTimes.indices must be integers, got {indices.dtype} values")
        if times.shape != indices.shape:
            raise ParameterError(
                f"SpikeTimes.times ({times.size} values) and SpikeTimes.indices "
                f"({indices.size} values) must have the same length")
        if times.size and (not np.all(np.isfinite(times)) or times.min() < 0):
            raise ParameterError("SpikeTimes.times must be finite and >= 0 s")
        if indices.size:
            if not np.issubdtype(indices.dtype, np.integer):
                raise ParameterError("SpikeTimes.indices must be integers")
            if indices.min() < 0 or indices.max() >= self.n:
                raise ParameterError(
                    f"SpikeTimes.indices must be in [0, {self.n}), got values in "
                    f"[{indices.min()}, {indices.max()}]")
        object.__setattr__(self, "times", times)
        object.__setattr__(self, "indices", indices.astype(np.int32))

    def steps(self, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """Spike steps and indices sorted by step; raises on two spikes of one source in a step."""
        steps = np.floor((self.times + 1e-3 * dt) / dt).astype(np.int64)
        order = np.lexsort((self.indices, steps))
        steps, idx = steps[order], self.indices[order]
        dup = (np.diff(steps) == 0) & (np.diff(idx) == 0)
        if np.any(dup):
            k = int(np.flatnonzero(dup)[0])
            raise ParameterError(
                f"SpikeTimes: source {idx[k]} has two spikes in the step at "
                f"t = {steps[k] * dt:g} s; use a smaller dt or remove duplicates")
        return steps, idx


@dataclass(frozen=True)
class CurrentInput:
    """A current (A) injected into every neuron of a population.

    Parameters
    ----------
    amplitude
        A scalar, one value per neuron, or a :class:`TimedArray` (time-varying).
    """

    amplitude: float | np.ndarray | TimedArray

    def __post_init__(self) -> None:
        if not isinstance(self.amplitude, TimedArray):
            object.__setattr__(self, "amplitude",
                               as_float_param("CurrentInput.amplitude", self.amplitude))
