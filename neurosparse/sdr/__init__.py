"""Sparse distributed representations (Ahmad & Hawkins 2016): the SDR type, Numba batch kernels,
running statistics, Monte Carlo simulators and the exact theory (:mod:`neurosparse.sdr.theory`)."""

from __future__ import annotations

from neurosparse.sdr.montecarlo import (
    MCEstimate,
    false_match_rate,
    false_negative_rate,
    overlap_distribution,
    union_false_match_rate,
)
from neurosparse.sdr.sdr import SDR
from neurosparse.sdr.stats import SDRStats
from neurosparse.sdr.theory import (
    PAPER_THRESHOLD_GRID,
    classification_error,
    false_match_probability,
    false_negative_probability,
    log_false_match_probability,
    log_false_negative_probability,
    log_num_sdrs,
    log_p_overlap,
    num_sdrs,
    optimal_threshold,
    overlap_set_size,
    p_overlap,
    threshold_error_statistics,
    union_false_match_probability,
    union_size_distribution,
)

__all__ = [
    "SDR", "SDRStats", "MCEstimate", "false_match_rate", "false_negative_rate",
    "union_false_match_rate", "overlap_distribution", "PAPER_THRESHOLD_GRID", "classification_error",
    "false_match_probability", "false_negative_probability", "log_false_match_probability",
    "log_false_negative_probability", "log_num_sdrs", "log_p_overlap", "num_sdrs", "optimal_threshold",
    "overlap_set_size", "p_overlap", "threshold_error_statistics", "union_false_match_probability",
    "union_size_distribution",
]
