"""Random manifolds of spike times: a spike-timing classification task (Randman).

The task of Zenke & Vogels (2021), "The remarkable robustness of surrogate gradient learning
for instilling complex function in spiking neural networks" (Neural Computation 33, 899-925;
code: ``fzenke/randman``). Each class is a smooth random manifold of dimension ``D``
(``manifold_dim``) embedded in the space of spike times of ``N`` (``n_inputs``) neurons; a
sample is a point drawn on its class's manifold, read out as one spike per input neuron. The
classes differ only in *when* each input fires (every sample has the same spike count), so
the task cannot be solved from firing rates, and its difficulty is set by ``D`` and the
manifolds' roughness.

Manifold. For class ``c`` and input ``i`` a random smooth function of the intrinsic
coordinates ``x in [0, 1]^D`` is a product over the ``D`` coordinates of random Fourier series

.. math::  f_i(x) = \\prod_{d=1}^{D} \\sum_{k=0}^{K-1} \\frac{a_{idk}}{(k+1)^{\\alpha}}
           \\sin\\bigl(2\\pi (k\\, b_{idk}\\, x_d + c_{idk})\\bigr),

with ``a, b, c ~ U[0, 1)`` drawn once per class (the class's manifold), ``alpha`` the
``smoothness`` (the spectrum falls as ``k^-alpha``; larger is smoother) and the cut-off
``K = min(ceil(prec^(-1/alpha)), 1000)`` with ``prec = 1e-3``, the frequency beyond which the
spectrum is below ``prec``. Samples draw ``x ~ U[0, 1)^D`` per sample and evaluate ``f(x)``.

Spike times. Each input's values are mapped to ``[0, 1]`` by the minimum and maximum of
``f_i`` over ``n_reference = 256`` reference points drawn on the same manifold (clipped,
so the scaling belongs to the manifold, not to the batch), and then to a time step
``s = min(floor(y T), T - 1)`` on the grid ``t = s dt``, ``T = duration / dt``. With
``spikes_per_input > 1`` each extra spike of an input comes from an independent manifold of
the same class, evaluated at the same ``x`` (Randman's ``nb_spikes``).

Randman rescales by the minimum and maximum over the drawn samples; the reference points used
here give the same scale for large batches and make a sample independent of its batch size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from neurosparse._seed import SeedLike, as_generator
from neurosparse._validation import as_count, as_float_param, check_memory
from neurosparse.errors import ParameterError

__all__ = ["bin_events", "random_manifold_spikes"]

_PREC = 1e-3  # spectral precision that sets the Fourier cut-off
_MAX_CUTOFF = 1000
_N_REFERENCE = 256  # reference points per manifold for the time scaling
_BATCH_ELEMENTS = 2**22  # samples x inputs x frequencies evaluated at once
#: Most time steps of a sample: spike steps are computed in float64, exact up to 2**53.
MAX_STEPS = 2**53


def random_manifold_spikes(
    n_classes: int = 10,
    n_per_class: int = 100,
    *,
    n_inputs: int = 20,
    duration: float = 0.1,
    dt: float = 1e-3,
    manifold_dim: int = 1,
    smoothness: float = 2.0,
    spikes_per_input: int = 1,
    seed: SeedLike = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spike-time samples on random smooth manifolds, one manifold per class (Randman).

    Parameters
    ----------
    n_classes
        Number of classes (manifolds), >= 2.
    n_per_class
        Samples per class, >= 1.
    n_inputs
        Input neurons ``N``, the embedding dimension, >= 1.
    duration
        Length of a sample in seconds, > 0; spike times lie in ``[0, duration - dt]``.
    dt
        Time step in seconds, > 0; ``duration / dt`` must be a whole number of steps (within
        1e-9) and spike times are multiples of ``dt``.
    manifold_dim
        Intrinsic dimension ``D`` of each manifold, >= 1. Larger is harder.
    smoothness
        Spectral decay ``alpha`` of the random Fourier series, > 0. Smaller is rougher and
        harder, and slower: ``K`` Fourier terms, 32 at the default 2, 1000 at 1 or below.
    spikes_per_input
        Spikes per input neuron, >= 1, each from its own manifold of the class.
    seed
        Seed (int, SeedSequence or Generator). Same seed, same bits. Class ``c``'s manifold
        depends only on the seed and ``c`` (not on ``n_classes``), and the first samples of a
        class do not depend on ``n_per_class``.

    Returns
    -------
    times : ndarray, float64, shape ``(n, n_inputs * spikes_per_input)``
        Spike times in seconds, ``n = n_classes * n_per_class``; column ``j`` belongs to
        ``units[:, j]``.
    units : ndarray, int64, same shape
        Input neuron of each spike: ``j % n_inputs``.
    labels : ndarray, int64, shape ``(n,)``
        The class of each sample. Classes are interleaved (``0, 1, ..., n_classes - 1, 0,
        1, ...``), so every prefix of ``k * n_classes`` samples is balanced.

    Examples
    --------
    >>> times, units, labels = random_manifold_spikes(3, 4, n_inputs=5, seed=0)
    >>> times.shape, bin_events(times, units, n_units=5, duration=0.1, dt=1e-3).shape
    ((12, 5), (100, 12, 5))
    """
    n_classes = as_count("n_classes", n_classes, low=2)
    n_per_class = as_count("n_per_class", n_per_class, low=1)
    n_inputs = as_count("n_inputs", n_inputs, low=1)
    manifold_dim = as_count("manifold_dim", manifold_dim, low=1)
    spikes_per_input = as_count("spikes_per_input", spikes_per_input, low=1)
    smoothness = as_float_param("smoothness", smoothness, low=0.0, low_inclusive=False, allow_array=False)
    n_steps = _n_steps(duration, dt)
    # the cut-off prec**(-1/alpha), capped; beyond the cap (alpha < 1) it would overflow
    rough = -math.log(_PREC) / smoothness > math.log(_MAX_CUTOFF)
    n_cut = _MAX_CUTOFF if rough else int(min(math.ceil(_PREC ** (-1.0 / smoothness)), _MAX_CUTOFF))
    n_spikes = n_inputs * spikes_per_input
    n_bytes = (8.0 * n_classes * (1.0 + float(n_per_class) * n_spikes)
               + 32.0 * n_spikes * manifold_dim * n_cut + 32.0 * (_N_REFERENCE + n_per_class) * n_spikes)
    check_memory(n_bytes, f"random_manifold_spikes(n_classes={n_classes}, n_per_class={n_per_class}, "
                          f"n_inputs={n_inputs}, spikes_per_input={spikes_per_input}, "
                          f"manifold_dim={manifold_dim}) with {n_cut} Fourier terms",
                 "the spike times take 8 bytes each and a class's manifolds 24 bytes per input, "
                 "dimension and term")

    rng = as_generator(seed)
    class_seeds = rng.integers(0, 2**63 - 1, size=n_classes)
    spectrum = 1.0 / np.arange(1, n_cut + 1, dtype=np.float64) ** smoothness

    steps = np.empty((n_per_class, n_classes, n_spikes), dtype=np.int64)
    for c in range(n_classes):
        class_rng = np.random.default_rng(int(class_seeds[c]))
        # a, b, c of every (spike, dimension, frequency): the class's manifolds
        coeffs = class_rng.random((3, n_spikes, manifold_dim, n_cut))
        reference = class_rng.random((_N_REFERENCE, manifold_dim))
        points = class_rng.random((n_per_class, manifold_dim))
        ref_values = _manifold_values(reference, coeffs, spectrum)
        lo, hi = ref_values.min(axis=0), ref_values.max(axis=0)
        y = (_manifold_values(points, coeffs, spectrum) - lo) / np.maximum(hi - lo, 1e-12)
        steps[:, c] = np.clip(np.floor(np.clip(y, 0.0, 1.0) * n_steps), 0, n_steps - 1)

    times = steps.reshape(n_classes * n_per_class, n_spikes) * dt
    units = np.broadcast_to(np.arange(n_spikes) % n_inputs, times.shape).copy()
    labels = np.tile(np.arange(n_classes, dtype=np.int64), n_per_class)
    return times, units.astype(np.int64), labels


def bin_events(
    times: np.ndarray | Sequence[np.ndarray],
    units: np.ndarray | Sequence[np.ndarray],
    *,
    n_units: int,
    duration: float,
    dt: float,
) -> np.ndarray:
    """Count events per time bin and unit: a dense, time-first ``[T, n, n_units]`` array.

    Parameters
    ----------
    times
        Event times in seconds per sample: a 2-D array ``(n, k)`` (``k`` events each) or a
        sequence of ``n`` 1-D arrays of any lengths.
    units
        The unit (input neuron, channel) of each event, same layout as ``times``, integers in
        ``[0, n_units)``.
    n_units
        Number of units, >= 1.
    duration, dt
        Bins are ``[s dt, (s + 1) dt)`` for ``s = 0 .. T - 1``, ``T = duration / dt`` (a whole
        number within 1e-9). Events outside ``[0, duration)`` are dropped.

    Returns
    -------
    ndarray, float32, shape ``(T, n, n_units)``
        Event counts, ready as network input.
    """
    n_units = as_count("n_units", n_units, low=1)
    n_steps = _n_steps(duration, dt)
    times_list, units_list = _samples("times", times), _samples("units", units)
    if len(times_list) != len(units_list):
        raise ParameterError(f"times and units must hold the same number of samples: times has "
                             f"{len(times_list)}, units {len(units_list)}")
    check_memory(4.0 * n_steps * len(times_list) * n_units,
                 f"bin_events into {n_steps} steps (duration={duration:g}, dt={dt:g}) x "
                 f"{len(times_list)} samples x n_units={n_units}", "the counts take 4 bytes each")
    dense = np.zeros((n_steps, len(times_list), n_units), dtype=np.float32)
    for k, (t, u) in enumerate(zip(times_list, units_list)):
        try:
            t = np.asarray(t, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise ParameterError(f"times[{k}] must hold event times in seconds, got {t!r:.60}") from None
        u = np.asarray(u).ravel()
        if t.shape != u.shape:
            raise ParameterError(f"units must match times event for event; sample {k} has "
                                 f"{t.size} times and {u.size} units")
        if not np.all(np.isfinite(t)):
            raise ParameterError(f"times[{k}] must hold finite event times (NaN or infinite found)")
        if u.size and not np.issubdtype(u.dtype, np.integer):
            raise ParameterError(f"units[{k}] must hold integer unit indices, got dtype {u.dtype}")
        if u.size and (u.min() < 0 or u.max() >= n_units):
            raise ParameterError(f"units must be in [0, {n_units}) (n_units), sample {k} has "
                                 f"{int(u.min())}..{int(u.max())}")
        step = np.floor(t / dt + 1e-9).astype(np.int64)  # 1e-9: times on the grid stay in their bin
        keep = (t >= 0) & (step < n_steps)
        np.add.at(dense, (step[keep], k, u[keep].astype(np.int64)), 1.0)
    return dense


def _n_steps(duration: float, dt: float) -> int:
    duration = as_float_param("duration", duration, low=0.0, low_inclusive=False, allow_array=False)
    dt = as_float_param("dt", dt, low=0.0, low_inclusive=False, allow_array=False)
    ratio = duration / dt
    if not ratio <= MAX_STEPS:
        raise ParameterError(f"duration / dt must be at most 2**53 time steps (steps are exact in float64), "
                             f"got duration={duration:g}, dt={dt:g}: {ratio:.3g} steps")
    n_steps = round(ratio)
    if n_steps < 1 or abs(n_steps - ratio) > 1e-9 * max(1.0, ratio):
        raise ParameterError(f"duration / dt must be a whole number >= 1 of time steps, "
                             f"got duration={duration:g}, dt={dt:g}")
    return n_steps


def _samples(name: str, values) -> list:
    """The samples of ``values``: the rows of a 2-D array, or the items of a sequence of 1-D arrays."""
    if isinstance(values, np.ndarray) and values.ndim >= 1:
        return list(values)
    if isinstance(values, (str, bytes, np.ndarray)) or not isinstance(values, Sequence):
        raise ParameterError(f"{name} must be a 2-D array (n, k) or a sequence of n 1-D arrays, got "
                             f"{type(values).__name__} {values!r:.60}")
    return list(values)


def _manifold_values(x: np.ndarray, coeffs: np.ndarray, spectrum: np.ndarray) -> np.ndarray:
    """``f(x)`` of the module docstring for points ``x (m, D)``: returns ``(m, n_spikes)``."""
    a, b, c = coeffs  # each (n_spikes, D, K)
    n_spikes, n_dim, n_cut = a.shape
    freq = np.arange(n_cut, dtype=np.float64)
    amp = a * spectrum
    out = np.ones((len(x), n_spikes))
    chunk = max(1, _BATCH_ELEMENTS // (n_spikes * n_cut))
    for start in range(0, len(x), chunk):
        stop = start + chunk
        for d in range(n_dim):
            phase = 2.0 * np.pi * (freq * b[:, d] * x[start:stop, d, None, None] + c[:, d])
            out[start:stop] *= np.einsum("mik,ik->mi", np.sin(phase), amp[:, d])
    return out
