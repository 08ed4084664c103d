"""Sweep points of the SDR theory (Ahmad & Hawkins 2016): a Monte Carlo estimate beside the
exact value it estimates."""

from __future__ import annotations

from neurosparse.sdr.montecarlo import false_match_rate
from neurosparse.sdr.theory import false_match_probability


def false_match(n: int, a: int, s: int, theta: int, trials: int, seed: int) -> dict[str, float]:
    """The false-match rate of a segment of ``s`` synapses with threshold ``theta`` against
    random patterns of ``a`` active cells out of ``n``, by Monte Carlo (``trials`` trials
    from ``seed``), with its exact 95 % interval and the exact probability.

    Returns
    -------
    dict
        ``p``, ``stderr``, ``hits``, ``trials``, ``low`` and ``high`` (Clopper-Pearson 95 %),
        ``p_exact`` and ``exact_in_interval``.
    """
    estimate = false_match_rate(n, a, s, theta, trials=trials, seed=seed, progress=False)
    low, high = estimate.interval()
    exact = float(false_match_probability(n, a, s, theta))
    return {"p": estimate.p, "stderr": estimate.stderr, "hits": estimate.hits, "trials": estimate.trials,
            "low": low, "high": high, "p_exact": exact, "exact_in_interval": bool(low <= exact <= high)}
