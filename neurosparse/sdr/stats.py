"""Running statistics of a stream of SDRs, as htm.core's ``Metrics`` reports them.

Sparsity (min/mean/max), activation frequency per cell with its normalized binary entropy
(mean over cells of H(p_i) divided by H(mean sparsity), 1 = all cells equally used), and the
overlap between consecutive SDRs (as a fraction of the previous SDR's active count).
"""

from __future__ import annotations

import numpy as np

from neurosparse.errors import ParameterError
from neurosparse.sdr._checks import MAX_N, as_int, check_memory
from neurosparse.sdr.sdr import SDR

__all__ = ["SDRStats"]

_CHUNK = 1 << 20  # cells per pass of the summary statistics


def _binary_entropy(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    return np.nan_to_num(h, nan=0.0)


class SDRStats:
    """Accumulate statistics of SDRs of ``n`` cells.

    Parameters
    ----------
    n : int
        Number of cells of every SDR added, ``1 <= n <= 2**31``.
    """

    def __init__(self, n: int) -> None:
        self.n = as_int("n", n, 1, MAX_N, f"{MAX_N} = 2**31")
        check_memory(8 * self.n, f"SDRStats(n={self.n})", "its per-cell activation counts take 8 n bytes")
        self.count = 0
        self.activation_counts = np.zeros(self.n, dtype=np.int64)
        self.sparsities: list[float] = []
        self.overlaps: list[float] = []
        self._previous: SDR | None = None

    def add(self, sdr: SDR) -> SDRStats:
        """Add one SDR; returns self."""
        if not isinstance(sdr, SDR) or sdr.n != self.n:
            got = f"one with n={sdr.n}" if isinstance(sdr, SDR) else type(sdr).__name__
            raise ParameterError(f"sdr must be an SDR with n={self.n}; got {got}")
        self.count += 1
        self.activation_counts[sdr.indices] += 1
        self.sparsities.append(sdr.sparsity)
        if self._previous is not None:
            prev_a = self._previous.a
            self.overlaps.append(sdr.overlap(self._previous) / prev_a if prev_a else 0.0)
        self._previous = sdr
        return self

    @property
    def activation_frequency(self) -> np.ndarray:
        """Fraction of added SDRs in which each cell was active (a new array of n floats)."""
        return self.activation_counts / max(self.count, 1)

    def _frequency_statistics(self) -> tuple[float, float, float, float]:
        """Min, mean and max of the activation frequencies and the mean of their binary
        entropies, computed chunk by chunk so that memory stays at the counts' 8 n bytes."""
        total = max(self.count, 1)
        lo, hi, entropy = np.inf, -np.inf, 0.0
        for start in range(0, self.n, _CHUNK):
            freq = self.activation_counts[start:start + _CHUNK] / total
            lo, hi = min(lo, float(freq.min())), max(hi, float(freq.max()))
            entropy += float(_binary_entropy(freq).sum())
        mean = float(self.activation_counts.sum()) / total / self.n
        return lo, mean, hi, entropy / self.n

    def entropy(self) -> float:
        """Mean binary entropy of cell activation frequencies over that of the mean sparsity."""
        _, mean, _, entropy = self._frequency_statistics()
        ref = float(_binary_entropy(np.array(mean)))
        return entropy / ref if ref > 0 else 0.0

    def summary(self) -> dict[str, float]:
        """Dict of count, sparsity_min/mean/max, frequency_min/mean/max, entropy and
        overlap_min/mean/max (NaN while fewer than two SDRs were added: no consecutive pair)."""
        if self.count == 0:
            raise ParameterError("summary needs at least one added SDR")
        sp = np.asarray(self.sparsities)
        lo, mean, hi, entropy = self._frequency_statistics()
        ref = float(_binary_entropy(np.array(mean)))
        ov = np.asarray(self.overlaps) if self.overlaps else np.array([np.nan])
        return {
            "count": self.count,
            "sparsity_min": float(sp.min()), "sparsity_mean": float(sp.mean()),
            "sparsity_max": float(sp.max()),
            "frequency_min": lo, "frequency_mean": mean, "frequency_max": hi,
            "entropy": entropy / ref if ref > 0 else 0.0,
            "overlap_min": float(ov.min()), "overlap_mean": float(ov.mean()), "overlap_max": float(ov.max()),
        }
