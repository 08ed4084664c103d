"""Plots of what models produce: spike rasters, rates, ISI statistics, sampled state.

Plotting functions take ``ax=None`` and return the Axes they drew into; they never call
``plt.show()``. Figure-level helpers return a :class:`matplotlib.figure.Figure`;
:func:`save_figure` writes one atomically.
"""

from __future__ import annotations

import os
from pathlib import Path

from matplotlib.figure import Figure

from neurosparse._io import atomic_write
from neurosparse.viz.spikes import (
    activity_figure,
    isi_cv_histogram,
    population_rate,
    raster,
    raster_rate_figure,
    state_traces,
)

__all__ = ["activity_figure", "isi_cv_histogram", "population_rate", "raster",
           "raster_rate_figure", "save_figure", "state_traces"]


def save_figure(fig: Figure, path: str | os.PathLike, dpi: int = 150) -> Path:
    """Write ``fig`` to ``path`` atomically (temporary file in the same folder, then rename).

    The format follows the suffix (``.png``, ``.pdf``, ``.svg``, ...; PNG if none). An
    interrupted write leaves any previous file at ``path`` untouched.
    """
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    return atomic_write(path, lambda fh: fig.savefig(fh, format=fmt, dpi=dpi))
