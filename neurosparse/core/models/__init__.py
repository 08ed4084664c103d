"""Neuron models of the event core, one file each, and the registry the engines read.

Each model file holds a frozen parameter dataclass (equations in its docstring), a
NamedTuple of derived constants, and one :class:`~neurosparse.core.models.base.ModelStep`
(or a few: LIF has an exact and a conductance step) of elementwise functions that both
engines call. To add a model, write its file and add the module to :data:`REGISTERED`
below (see "Adding a model" in the README).
"""

from __future__ import annotations

from neurosparse.core.models import (
    adaptive_lif,
    discrete_cuba_lif,
    discrete_lif,
    integrate_and_fire,
    izhikevich,
    lif,
    maxplus_lif,
    qif,
)
from neurosparse.core.models.adaptive_lif import AdaptiveLIF
from neurosparse.core.models.base import ModelStep, NeuronModel, refractory_steps
from neurosparse.core.models.discrete_cuba_lif import CUBA_RESETS, DiscreteCubaLIF
from neurosparse.core.models.discrete_lif import DISCRETE_RESETS, DiscreteLIF
from neurosparse.core.models.integrate_and_fire import IF
from neurosparse.core.models.izhikevich import Izhikevich
from neurosparse.core.models.lif import LIF, exact_current_coupling
from neurosparse.core.models.maxplus_lif import MaxPlusLIF
from neurosparse.core.models.qif import QIF

#: The registered model modules: each defines one NeuronModel subclass and its steps.
REGISTERED = (lif, integrate_and_fire, adaptive_lif, izhikevich, maxplus_lif, discrete_lif, qif,
              discrete_cuba_lif)


def _steps_of(module) -> tuple[ModelStep, ...]:
    return tuple(value for name, value in vars(module).items()
                 if isinstance(value, ModelStep) and not name.startswith("_")) + tuple(
        step for value in vars(module).values() if isinstance(value, dict)
        for step in value.values() if isinstance(step, ModelStep))


def _models_of(module) -> tuple[type[NeuronModel], ...]:
    return tuple(value for value in vars(module).values() if isinstance(value, type)
                 and issubclass(value, NeuronModel) and value.__module__ == module.__name__)


#: Every step of every registered model; a population's step is stored as its index here.
STEPS: tuple[ModelStep, ...] = tuple(step for module in REGISTERED for step in _steps_of(module))
#: Registered model classes by their ``name``.
MODELS: dict[str, type[NeuronModel]] = {cls.name: cls for module in REGISTERED
                                        for cls in _models_of(module)}
#: The most derived constants any step has (the width of the kernel's parameter table).
MAX_CONSTANTS = max(len(step.constants._fields) for step in STEPS)
#: At most this many ports per population.
MAX_PORTS = 8


def step_id(step: ModelStep) -> int:
    """The index of ``step`` in :data:`STEPS`."""
    return STEPS.index(step)


__all__ = ["CUBA_RESETS", "IF", "LIF", "MODELS", "QIF", "STEPS", "AdaptiveLIF", "DISCRETE_RESETS",
           "DiscreteCubaLIF", "DiscreteLIF",
           "Izhikevich", "MaxPlusLIF", "ModelStep", "NeuronModel", "exact_current_coupling",
           "refractory_steps", "step_id"]
