"""Parameters of a Sparsey macrocolumn (mac), named as in Rinkus (2010, 2014), validated.

A mac is ``Q`` competitive modules (CMs) of ``K`` binary cells; its code is one winner per CM.
The Code Selection Algorithm (CSA, :mod:`neurosparse.sparsey.csa`) uses the parameters below:

.. math::

    U_i = u_i / \\pi_U,\\quad H_i = h_i / \\pi_H,\\quad D_i = d_i / \\pi_D,\\qquad
    V_i = U_i^{\\lambda_U} H_i^{\\lambda_H} D_i^{\\lambda_D}

    G = \\frac{1}{Q} \\sum_q \\max_{i \\in q} V_i,\\qquad
    \\eta = 1 + \\chi K \\left(\\frac{G - G^-}{1 - G^-}\\right)^{\\gamma}\\ \\text{if } G > G^-
    \\text{ else } 1

    \\mu_i = 1 + \\frac{\\eta - 1}{1 + e^{-\\sigma_1 (V_i - \\sigma_2)}},\\qquad
    \\rho_i = \\mu_i / \\sum_{j \\in q(i)} \\mu_j

and one winner is drawn per CM from rho. A familiar input (G near 1) makes the cells with V
near 1 far likelier than the rest (its code is reactivated); a novel one (G <= G^-) makes
every rho uniform (a new, random code); in between, code overlap grades with familiarity.

:func:`check_options` checks the estimator's other scalar options (frames per item, retrieval,
progress, the readout's k and codes) and :func:`as_labels` its labels, before any work starts.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

from neurosparse.errors import ParameterError

__all__ = ["MAX_FRAMES_PER_ITEM", "MacParams", "as_int_in", "as_labels", "check_options"]

#: Most frames an image is presented for: longer presentations only repeat its code (give a
#: sequence (T, rows, cols) for input that changes).
MAX_FRAMES_PER_ITEM = 10_000


def as_int_in(name: str, value: Any, lo: int, hi: int, why: str = "") -> int:
    """``value`` as an int in ``[lo, hi]``: integers and whole finite floats pass, bools,
    strings and anything else raise ParameterError naming ``name`` and the range."""
    allowed = f"an integer in [{lo}, {hi}]" + (f" ({why})" if why else "")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real) or (
            not isinstance(value, Integral) and not (math.isfinite(value) and value == int(value))):
        raise ParameterError(f"{name} must be {allowed}; got {value!r}")
    if not lo <= int(value) <= hi:
        raise ParameterError(f"{name} must be {allowed}; got {int(value)}")
    return int(value)


def check_options(frames_per_item: Any, retrieval: Any, progress: Any, readout_k: Any,
                  readout_codes: Any) -> None:
    """Check the Sparsey estimator's scalar options (see :class:`~neurosparse.sparsey.Sparsey`)."""
    as_int_in("frames_per_item", frames_per_item, 1, MAX_FRAMES_PER_ITEM,
              "longer presentations only repeat an image's code; give a sequence instead")
    for name, value, allowed in (("retrieval", retrieval, ("max", "sample")),
                                 ("readout_codes", readout_codes, ("learned", "retrieved"))):
        if not isinstance(value, str) or value not in allowed:
            raise ParameterError(f"{name} must be {' or '.join(map(repr, allowed))}; got {value!r}")
    if not isinstance(progress, (bool, np.bool_)):
        raise ParameterError(f"progress must be True or False; got {progress!r}")
    as_int_in("readout_k", readout_k, 1, 2**31)


def as_labels(y: Any, n_items: int) -> np.ndarray:
    """``y`` as a 1-D array of ``n_items`` labels (numbers, not NaN, or strings)."""
    try:
        labels = np.asarray(y)
    except (TypeError, ValueError):
        raise ParameterError(f"y must hold one label per item ({n_items}); got {y!r:.80}") from None
    if labels.shape != (n_items,):
        raise ParameterError(f"y must have shape ({n_items},), one label per item of X; got {labels.shape}")
    if labels.dtype.kind not in "biuUS" and not (labels.dtype.kind == "f" and np.all(np.isfinite(labels))):
        raise ParameterError(f"y must hold integer or string labels (finite numbers); got {labels.dtype} "
                             f"{labels[:6].tolist()!r}")
    return labels


def _check(name: str, value: float, lo: float, hi: float, *, lo_open: bool = False,
           hi_open: bool = False, integer: bool = False) -> None:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real) or not math.isfinite(value):
        raise ParameterError(f"{name} must be a finite number in {_interval(lo, hi, lo_open, hi_open)}; "
                             f"got {value!r}")
    if integer and int(value) != value:
        raise ParameterError(
            f"{name} must be an integer in {_interval(lo, hi, lo_open, hi_open)}; got {value!r}")
    bad_lo = value <= lo if lo_open else value < lo
    bad_hi = value >= hi if hi_open else value > hi
    if bad_lo or bad_hi:
        raise ParameterError(f"{name} must lie in {_interval(lo, hi, lo_open, hi_open)}; got {value!r}")


def _interval(lo: float, hi: float, lo_open: bool, hi_open: bool) -> str:
    return f"{'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}"


@dataclass(frozen=True)
class MacParams:
    """Parameters of one level's macs.

    Parameters
    ----------
    Q
        Competitive modules per mac (the code has Q active cells).
    K
        Cells per CM (the code is drawn from K**Q possible codes).
    pi_min, pi_max
        Activation band: a mac is active at a step only if the number of active bottom-up
        (U) inputs in its receptive field lies in [pi_min, pi_max] (active pixels at level 1,
        active macs of the level below above it); otherwise it has no code and does not learn.
    lambda_u, lambda_h, lambda_d
        Exponents of the normalized U, H and D inputs in V (0 removes a source).
    g_minus
        G^-: familiarity at or below which every cell of a CM is equally likely (novel input).
    chi
        Scales the largest expansion eta_max = 1 + chi * K of the winning odds at G = 1.
    gamma
        Exponent of the map from familiarity G to eta (larger: only very familiar inputs
        reactivate their codes).
    sigma1, sigma2
        Slope and inflection point (in V) of the sigmoid from V to the relative odds mu.
    freeze_fraction
        The mac stops learning once this fraction of its bottom-up weights is set (1 never).
        Critical periods run bottom-up: macs above level 1 freeze only once every mac of the
        level below that has learned is frozen.
    decay_window
        0: weights are permanent once set. Otherwise a weight that is not reinforced within
        this many learning steps of the mac decays back to 0, unless it has been set
        ``permanence`` times, after which it is permanent.
    permanence
        Reinforcements after which a weight no longer decays (used with ``decay_window``).
    """

    Q: int = 8
    K: int = 8
    pi_min: int = 1
    pi_max: int = 1_000_000
    lambda_u: float = 1.0
    lambda_h: float = 1.0
    lambda_d: float = 1.0
    g_minus: float = 0.1
    chi: float = 100.0
    gamma: float = 2.0
    sigma1: float = 20.0
    sigma2: float = 0.7
    freeze_fraction: float = 1.0
    decay_window: int = 0
    permanence: int = 2

    def __post_init__(self) -> None:
        _check("Q", self.Q, 1, 4096, integer=True)
        _check("K", self.K, 1, 65536, integer=True)
        _check("pi_min", self.pi_min, 1, 10**9, integer=True)
        _check("pi_max", self.pi_max, 1, 10**9, integer=True)
        if self.pi_max < self.pi_min:
            raise ParameterError(f"pi_max must be >= pi_min = {self.pi_min} (the band [pi_min, pi_max] of "
                                 f"active inputs); got pi_max={self.pi_max}")
        for name in ("lambda_u", "lambda_h", "lambda_d"):
            _check(name, getattr(self, name), 0.0, 100.0)
        _check("g_minus", self.g_minus, 0.0, 1.0, hi_open=True)
        _check("chi", self.chi, 0.0, 1e12)
        _check("gamma", self.gamma, 0.0, 100.0, lo_open=True)
        _check("sigma1", self.sigma1, 0.0, 1e6, lo_open=True)
        _check("sigma2", self.sigma2, 0.0, 1.0)
        _check("freeze_fraction", self.freeze_fraction, 0.0, 1.0, lo_open=True)
        _check("decay_window", self.decay_window, 0, 10**9, integer=True)
        _check("permanence", self.permanence, 1, 255, integer=True)

    @property
    def cells(self) -> int:
        """Cells per mac, Q * K."""
        return self.Q * self.K

    def to_dict(self) -> dict:
        """The parameters as a plain dict (for JSON summaries)."""
        return asdict(self)
