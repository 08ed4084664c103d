"""Warnings for a time step too coarse for a model's time constants.

NEST and Brian2 run whatever ``dt`` they are given. Here a step coarser than a time scale
of the dynamics is still run, but with a :class:`~neurosparse.CoarseTimeStepWarning` that
names the population, the time constant, how it is integrated and the step that would
resolve it. Two limits (:mod:`neurosparse.core.models.base`):

* a decay integrated **exactly** (LIF's membrane with current ports, a current port's
  charge into it, STDP's traces) is resolved while ``dt <= tau``; beyond that the variable
  forgets its state within one step and threshold crossings inside a step are missed;
* dynamics integrated by **Euler** (Izhikevich and QIF by forward Euler, the adaptation
  of AdaptiveLIF and conductances by exponential Euler with the other variables held) are
  resolved while ``dt <= 0.2 tau``: the error per step grows with ``dt / tau``, and an
  Izhikevich neuron's spike count falls steadily past it (98 spikes in 1 s at 0.1 ms, 90 at
  1 ms and 66 at 5 ms under 600 pA).

Discrete-time maps (:class:`~neurosparse.DiscreteLIF`, :class:`~neurosparse.MaxPlusLIF`)
have no time constants: their ``dt`` only sets the clock.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

from neurosparse.core.models.base import EULER_RATIO, EXACT_RATIO, NeuronModel, TimeScale
from neurosparse.core.synapses import PORT_CURRENT, PORT_DELTA, STDP
from neurosparse.errors import CoarseTimeStepWarning


def population_time_scales(model: NeuronModel, ports: Mapping[str, object]) -> list[TimeScale]:
    """The time scales a step must resolve in a population: the model's and its ports'."""
    kinds = [port.kind for port in ports.values()]
    scales = list(model.time_scales(kinds))
    exact = model.integrates_ports_exactly(kinds)
    for name, port in ports.items():
        if port.kind == PORT_DELTA:
            continue
        if exact and port.kind == PORT_CURRENT:
            scales.append(TimeScale(f"port {name!r} tau", float(port.tau), EXACT_RATIO, "exactly"))
        else:
            scales.append(TimeScale(f"port {name!r} tau", float(port.tau), EULER_RATIO,
                                    "held over a step"))
    return scales


def coarse_time_scales(scales: list[TimeScale], dt: float) -> list[str]:
    """A phrase for each time scale that ``dt`` does not resolve (empty when all are)."""
    out = []
    for scale in scales:
        largest = scale.max_ratio * scale.seconds
        if dt > largest * (1 + 1e-9):
            out.append(f"{scale.name} = {_ms(scale.seconds)} (integrated {scale.integrator}, "
                       f"resolved for dt <= {_ms(largest)})")
    return out


def warn_if_coarse(what: str, scales: list[TimeScale], dt: float, stacklevel: int = 3) -> None:
    """Issue one :class:`CoarseTimeStepWarning` for ``what`` if ``dt`` is coarser than any of
    ``scales`` allows."""
    coarse = coarse_time_scales(scales, dt)
    if not coarse:
        return
    finest = min(s.max_ratio * s.seconds for s in scales)
    warnings.warn(CoarseTimeStepWarning(
        f"{what}: dt = {_ms(dt)} is too coarse for {'; '.join(coarse)}. The run goes ahead, "
        f"but spike times and rates drift from the continuous dynamics; use dt <= {_ms(finest)} "
        f"(silence with warnings.simplefilter('ignore', neurosparse.CoarseTimeStepWarning))"),
        stacklevel=stacklevel)


def stdp_time_scales(rule: STDP) -> list[TimeScale]:
    """STDP's traces decay exactly: their time constants must be at least a step."""
    return [TimeScale("STDP tau_pre", float(rule.tau_pre), EXACT_RATIO, "exactly"),
            TimeScale("STDP tau_post", float(rule.tau_post), EXACT_RATIO, "exactly")]


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms"
