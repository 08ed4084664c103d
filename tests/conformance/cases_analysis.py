"""Bad-input cases of :mod:`neurosparse.analysis`: the ISI coefficient of variation, the mean
rate and the Fano factor.

Each use checks the statistic against what it must be on the base data (neuron 0 fires
regularly, so its CV is 0; the rate is the spike count over neurons and seconds; a Fano factor
is >= 0), with NaN only where the function documents it (too few spikes, no spike in any window).
"""

from __future__ import annotations

import numpy as np
from bad_input_cases import Target, base_outcomes, expect, function_target

from neurosparse.analysis import fano_factor, isi_cv, mean_rate

PACKAGE = "analysis"
T = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.05, 0.31])
I = np.array([0, 0, 0, 0, 0, 1, 1])
EXAMPLES = 20


def _cv(cv, kw) -> np.ndarray:
    cv = np.asarray(cv)
    expect(cv.shape == (int(kw["n"]),) and bool(np.all(np.isnan(cv) | (cv >= 0))), "(n,) CVs >= 0 or NaN")
    regular = kw["t"] is T and kw["i"] is I and kw["min_spikes"] <= 5
    expect(not regular or abs(cv[0]) < 1e-12, "a regular train has CV 0")
    return cv[np.isfinite(cv)]


def _rate(rate, kw) -> np.ndarray:
    expected = len(kw["t"]) / (kw["n"] * kw["duration"])
    expect(isinstance(rate, float) and abs(rate - expected) <= 1e-12 * expected, "spikes / (n duration)")
    return np.array([rate])


def _fano(f, kw) -> np.ndarray:
    expect(isinstance(f, float) and (np.isnan(f) or f >= 0), "a Fano factor >= 0 (NaN with no spike)")
    return np.array([np.nan_to_num(f)])


def targets() -> list[Target]:
    """The public functions of neurosparse.analysis, with valid small arguments as their base."""
    return [
        function_target("isi_cv", isi_cv, {"t": T, "i": I, "n": 2, "min_spikes": 3}, _cv, EXAMPLES),
        function_target("mean_rate", mean_rate, {"t": T, "n": 2, "duration": 0.5}, _rate, EXAMPLES),
        function_target("fano_factor", fano_factor, {"t": T, "window": 0.1, "t_start": 0.0, "t_stop": 0.5},
                        _fano, EXAMPLES),
    ]


def warm_up() -> None:
    """Every target with its base arguments (nothing to compile)."""
    base_outcomes(targets())
