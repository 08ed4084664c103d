r"""Spike-train statistics: mean rate, coefficient of variation of inter-spike intervals,
Fano factor.

Spikes are given as Brian2/NIR-style arrays: ``t[k]`` is the time of the k-th spike and
``i[k]`` the index of the neuron that fired it, in a population of ``n`` neurons.

* Mean rate: :math:`\nu = N_{spikes} / (n\,T)` (Hz).
* ISI CV of one neuron with inter-spike intervals :math:`\tau_1 .. \tau_m`:
  :math:`CV = \sigma_\tau / \mu_\tau`, with the population standard deviation
  (``ddof=0``, as Elephant's ``cv`` and :meth:`neurosparse.SpikeTrains.isi_cv`). A regular
  train has CV 0, a Poisson process 1 (Softky & Koch 1993; Brunel 2000 uses it to tell
  asynchronous irregular states).
* Fano factor of the pooled spike count in windows of width :math:`w`:
  :math:`F = \mathrm{Var}[N_w] / \mathrm{E}[N_w]`; 1 for a Poisson process.

These are pure NumPy functions of arrays; they know nothing of networks or recordings.
"""

from __future__ import annotations

import numpy as np

from neurosparse._validation import as_count, as_float_param, check_memory
from neurosparse.errors import ParameterError

#: Fewest spikes a neuron needs for an ISI CV: two intervals. One interval (two spikes)
#: has a standard deviation of exactly zero, which would report a meaningless CV of 0.
MIN_SPIKES_FOR_CV = 3

#: Most windows of :func:`fano_factor` (a histogram of that many counts).
MAX_WINDOWS = 1e9

__all__ = ["MAX_WINDOWS", "MIN_SPIKES_FOR_CV", "fano_factor", "isi_cv", "mean_rate"]


def isi_cv(t: np.ndarray, i: np.ndarray, n: int, min_spikes: int = MIN_SPIKES_FOR_CV) -> np.ndarray:
    """Coefficient of variation of the inter-spike intervals of each neuron.

    Parameters
    ----------
    t
        Spike times, 1-D (any unit: the CV is dimensionless; seconds or integer steps).
        Need not be sorted.
    i
        Index of the neuron of each spike, integers in ``[0, n)``, same length as ``t``.
    n
        Number of neurons.
    min_spikes
        Neurons with fewer spikes get NaN (default 3, i.e. at least two intervals; must be
        >= 3).

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(n,)``: the CV of neuron ``j`` at ``[j]``, NaN where neuron
        ``j`` fired fewer than ``min_spikes`` spikes or all its intervals are zero.
        Use ``np.nanmean`` to average over neurons.

    Examples
    --------
    >>> isi_cv(np.array([0, 10, 20, 30, 50]), np.array([0, 0, 0, 0, 1]), 2)
    array([ 0., nan])
    """
    t, i, n = _spike_arrays(t, i, n)
    min_spikes = as_count("min_spikes", min_spikes, low=MIN_SPIKES_FOR_CV)
    cv = np.full(n, np.nan)
    if t.size == 0:
        return cv
    order = np.lexsort((t, i))
    t, i = t[order], i[order]
    same_neuron = i[1:] == i[:-1]
    isi = np.diff(t)[same_neuron]
    owner = i[1:][same_neuron]
    n_isi = np.bincount(owner, minlength=n)
    mean = np.bincount(owner, weights=isi, minlength=n) / np.maximum(n_isi, 1)
    # two passes (deviations from the mean) so a regular train gives exactly 0, not the
    # rounding noise of E[x^2] - E[x]^2
    var = np.bincount(owner, weights=(isi - mean[owner]) ** 2, minlength=n) / np.maximum(n_isi, 1)
    ok = (n_isi >= min_spikes - 1) & (mean > 0)
    cv[ok] = np.sqrt(var[ok]) / mean[ok]
    return cv


def mean_rate(t: np.ndarray, n: int, duration: float) -> float:
    """Mean firing rate per neuron (Hz): every spike in ``t`` over ``n`` neurons and ``duration`` s.

    Parameters
    ----------
    t
        Spike times (only their number is used), 1-D.
    n
        Number of neurons, >= 1.
    duration
        Recorded interval (s), > 0.
    """
    t = _times(t)
    n = as_count("n", n, low=1)
    duration = as_float_param("duration", duration, low=0, low_inclusive=False, allow_array=False)
    rate = t.shape[0] / (n * duration)
    if not np.isfinite(rate):
        raise ParameterError(f"n * duration = {n} * {duration:g} s is too small a denominator: the rate "
                             f"overflows; give duration in seconds")
    return rate


def fano_factor(t: np.ndarray, window: float, t_start: float, t_stop: float) -> float:
    """Fano factor of the spike count in consecutive windows of ``window`` seconds.

    Pool spikes of any number of neurons into ``t``; the windows tile ``[t_start, t_stop)``
    (a last partial window is dropped). Returns NaN when no window holds a spike.

    Parameters
    ----------
    t
        Spike times (s), 1-D; spikes outside ``[t_start, t_stop)`` are ignored.
    window
        Window width (s), > 0; at least two windows must fit in the interval.
    t_start, t_stop
        The recorded interval (s).
    """
    t = _times(t)
    window = as_float_param("window", window, low=0, low_inclusive=False, allow_array=False)
    t_start = as_float_param("t_start", t_start, allow_array=False)
    t_stop = as_float_param("t_stop", t_stop, allow_array=False)
    ratio = (t_stop - t_start) / window
    if not np.isfinite(ratio) or ratio > MAX_WINDOWS:
        raise ParameterError(f"(t_stop - t_start) / window must be at most {MAX_WINDOWS:.0e} windows; got "
                             f"t_start={t_start:g}, t_stop={t_stop:g}, window={window:g}")
    check_memory(16.0 * ratio, f"fano_factor over {ratio:.3g} windows of window={window:g} s in "
                               f"[t_start, t_stop) = [{t_start:g}, {t_stop:g})", "use wider windows")
    n_windows = int(np.floor(ratio + 1e-9))
    if n_windows < 2:
        raise ParameterError(f"window ({window:g} s) must fit at least twice in "
                             f"[t_start, t_stop) = [{t_start:g}, {t_stop:g}) s")
    counts, _ = np.histogram(t, bins=n_windows, range=(t_start, t_start + n_windows * window))
    mean = counts.mean()
    return float(counts.var() / mean) if mean > 0 else float("nan")


def _times(t) -> np.ndarray:
    """Spike times as a 1-D float64 array."""
    try:
        times = np.asarray(t, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"t must be a 1-D array of spike times (numbers), got {t!r:.60}") from None
    if times.ndim != 1:
        raise ParameterError(f"t must be a 1-D array of spike times, got shape {times.shape}")
    return times


def _spike_arrays(t, i, n) -> tuple[np.ndarray, np.ndarray, int]:
    """Check and convert ``(t, i, n)``: 1-D, same length, finite times, indices in range."""
    n = as_count("n", n, low=0)
    check_memory(8.0 * n, f"isi_cv of n={n} neurons", "the CVs take 8 bytes a neuron, the sums 24 more")
    t = _times(t)
    i = np.asarray(i)
    if i.ndim != 1 or t.shape != i.shape:
        raise ParameterError(f"i must be a 1-D array of the same length as t (a neuron index per spike "
                             f"time): t has shape {t.shape}, i has shape {i.shape}")
    if i.size and not np.issubdtype(i.dtype, np.integer):
        raise ParameterError(f"i must hold integer neuron indices, got dtype {i.dtype}")
    if not np.all(np.isfinite(t)):
        raise ParameterError("t must hold finite spike times")
    if i.size and (i.min() < 0 or i.max() >= n):
        raise ParameterError(f"i must hold neuron indices in [0, {n}) (n = {n}), got values in "
                             f"[{i.min()}, {i.max()}]")
    return t, i.astype(np.int64), n
