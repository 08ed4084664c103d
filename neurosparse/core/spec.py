"""The declared description of a network: what :class:`~neurosparse.Network` was told.

:class:`Network` collects populations, input groups, projections and monitors as these
specs, and its first run freezes them into a :class:`NetworkSpec`. Everything downstream
reads the spec, never the builder: :mod:`~neurosparse.core.layout` compiles it into arrays,
:mod:`~neurosparse.core.runner` runs the compiled arrays, :mod:`~neurosparse.core.trace`
counts what ran, and the reference simulator and the Brian2 translation read it too.
Imports go one way: this module, then layout, runner and trace, then the network.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from neurosparse.core.connectivity import ConnectionRule
from neurosparse.core.inputs import CurrentInput, PoissonGroup, SpikeTimes
from neurosparse.core.models import NeuronModel
from neurosparse.core.synapse_values import MAX_STEPS
from neurosparse.core.synapses import STDP, ConductanceSynapse, CurrentSynapse, DeltaSynapse
from neurosparse.errors import ParameterError

#: The longest delay a projection may have, in steps (delays are stored as uint16).
MAX_DELAY_STEPS = 65535


@dataclass
class Population:
    """A population of ``n`` neurons of one model, with named synaptic ports."""

    name: str
    n: int
    model: NeuronModel
    ports: dict[str, CurrentSynapse | ConductanceSynapse | DeltaSynapse]
    initial: dict[str, Any] = field(default_factory=dict)
    currents: list[CurrentInput] = field(default_factory=list)

    def variables(self) -> tuple[str, ...]:
        """Names monitors can record: the model's state variables and the port names."""
        return tuple(self.model.state_variables) + tuple(self.ports)


@dataclass
class InputGroup:
    """An input group (Poisson or spike times) in the network."""

    name: str
    group: PoissonGroup | SpikeTimes

    @property
    def n(self) -> int:
        return self.group.n


@dataclass
class ProjectionSpec:
    """What :meth:`Network.connect` was asked for, built into a :class:`Projection` on run."""

    name: str
    source: str
    target: str
    port: str
    rule: ConnectionRule
    weight: Any
    delay: Any
    plasticity: STDP | None
    seed: np.random.SeedSequence


@dataclass
class StateMonitorSpec:
    """Which variables of which neurons of a population are sampled, every how many steps."""

    population: str
    variables: tuple[str, ...]
    indices: np.ndarray
    record_every: int


@dataclass(frozen=True)
class NetworkSpec:
    """A network's structure, frozen by its first run.

    Attributes
    ----------
    dt
        Time step (s).
    seed
        The network's seed; projections hold their own children of it.
    populations
        Neuron populations and input groups by name, in the order they were added (the
        order of the global neuron index).
    projections
        Projections in the order they were connected.
    spike_monitors
        Names whose spikes are recorded.
    state_monitors
        Sampled state variables (all share one ``record_every``).
    rounding
        How delays and refractory periods between two steps become steps: None refuses
        them, ``"nearest"`` rounds half up, ``"down"`` floors
        (:mod:`neurosparse.core.synapse_values`).
    """

    dt: float
    seed: np.random.SeedSequence
    populations: Mapping[str, Population | InputGroup]
    projections: tuple[ProjectionSpec, ...]
    spike_monitors: tuple[str, ...]
    state_monitors: tuple[StateMonitorSpec, ...]
    rounding: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "populations", MappingProxyType(dict(self.populations)))

    def neuron_populations(self) -> dict[str, Population]:
        """The neuron populations (not input groups), in order."""
        return {name: pop for name, pop in self.populations.items() if isinstance(pop, Population)}


def whole_steps(name: str, value: float, dt: float) -> int:
    """``value`` seconds as a whole number (>= 1) of steps of ``dt``, or ParameterError."""
    ratio = value / dt
    if not ratio <= MAX_STEPS:
        raise ParameterError(f"{name} ({value:g} s) must be at most {MAX_STEPS:.3g} steps of dt = "
                             f"{dt:g} s; got {ratio:.3g} steps")
    steps = int(round(ratio))
    if steps < 1 or not math.isclose(ratio, steps, rel_tol=1e-9, abs_tol=1e-6):
        raise ParameterError(f"{name} ({value:g} s) must be a whole number (>= 1) of steps "
                             f"of dt = {dt:g} s; got {ratio:.6g} steps")
    return steps
