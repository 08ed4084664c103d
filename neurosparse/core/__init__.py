"""The event-driven engine: populations, CSR projections with delays, inputs, monitors.

Cost follows the spikes: neurons are updated every step (they leak), but only the out-rows
of neurons that spiked are walked. See :class:`Network` to build and run a network.
"""

from neurosparse.core.connectivity import (
    AllToAll,
    ConnectionRule,
    FixedInDegree,
    FixedOutDegree,
    FixedProbability,
    FromArrays,
    FromSparse,
)
from neurosparse.core.inputs import CurrentInput, PoissonGroup, SpikeTimes, TimedArray
from neurosparse.core.models import (
    IF,
    LIF,
    QIF,
    AdaptiveLIF,
    DiscreteCubaLIF,
    DiscreteLIF,
    Izhikevich,
    MaxPlusLIF,
    NeuronModel,
)
from neurosparse.core.network import Network
from neurosparse.core.projection import Projection
from neurosparse.core.recording import Recording, SpikeTrains, StateSamples
from neurosparse.core.synapses import STDP, ConductanceSynapse, CurrentSynapse, DeltaSynapse

__all__ = [
    "AdaptiveLIF", "AllToAll", "DiscreteCubaLIF", "DiscreteLIF", "ConductanceSynapse", "ConnectionRule",
    "CurrentInput", "CurrentSynapse", "DeltaSynapse", "FixedInDegree", "FixedOutDegree", "FixedProbability",
    "FromArrays", "FromSparse", "IF", "Izhikevich", "LIF", "MaxPlusLIF", "Network", "NeuronModel",
    "PoissonGroup", "Projection", "QIF", "Recording", "STDP", "SpikeTimes", "SpikeTrains",
    "StateSamples", "TimedArray",
]
