"""Per-call timings of neurosparse.sdr.theory (run: python benchmarks/sdr_theory_timing.py)."""

from __future__ import annotations

import math
import time

import numpy as np

from neurosparse.sdr import theory as T


def _time(label: str, fn, repeat: int = 20) -> None:
    fn()
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    print(f"{label:<62s} {(time.perf_counter() - t0) / repeat * 1e3:9.3f} ms/call")


def main() -> None:
    from neurosparse.bench.core import machine_info

    print("machine:", machine_info())
    _time("false_match_probability(2048, 40, 40, 20)", lambda: T.false_match_probability(2048, 40, 40, 20))
    _time("false_match_probability(1e6, 40, 40, 20)", lambda: T.false_match_probability(10**6, 40, 40, 20))
    _time("false_match_probability(1e6, 2000, 2000, 1000)",
          lambda: T.false_match_probability(10**6, 2000, 2000, 1000))
    _time("false_match_probability(2048, 40, 40, 20, exact=True)",
          lambda: T.false_match_probability(2048, 40, 40, 20, exact=True))
    _time("false_match_probability(n=1e6, 100 x 10 grid)",
          lambda: T.false_match_probability(np.arange(1, 101)[:, None] * 10**4, 40, 40, np.arange(11, 21)), 3)
    _time("false_negative_probability(40, 20, 10, 15)", lambda: T.false_negative_probability(40, 20, 10, 15))
    _time("union_false_match_probability(1e6, 40, 20, 10, 100, 'paper')",
          lambda: T.union_false_match_probability(10**6, 40, 20, 10, 100, "paper"))
    _time("union_false_match_probability(2048, 40, 20, 10, 20, 'exact')",
          lambda: T.union_false_match_probability(2048, 40, 20, 10, 20, "exact"), 3)
    _time("classification_error(1e6, 40, 40, 20, 1000)",
          lambda: T.classification_error(10**6, 40, 40, 20, 1000))
    _time("union_false_match_probability(20000, 200, 25, 15, 19, 'exact')",
          lambda: T.union_false_match_probability(20000, 200, 25, 15, 19, "exact"), 3)
    _time("optimal_threshold() (paper grid, 210 points x 22 thetas)", T.optimal_threshold, 3)
    # side by side: scipy's hypergeometric survival function at the same points
    from scipy.stats import hypergeom

    _time("scipy hypergeom.sf, same as (1e6, 2000, 2000, 100)", lambda: hypergeom.sf(99, 10**6, 2000, 2000))
    print("relative error against exact Fractions (ours | scipy sf | scipy logsf, error of the log):")
    for n, a, s, theta in [(2048, 40, 40, 20), (20000, 300, 300, 150), (10**6, 2000, 2000, 60),
                           (10**6, 2000, 2000, 100)]:
        frac = T.false_match_probability(n, a, s, theta, exact=True)
        exact, log_exact = float(frac), math.log(frac.numerator) - math.log(frac.denominator)
        ours = T.false_match_probability(n, a, s, theta)
        sc = hypergeom.sf(theta - 1, n, s, a)
        lsc = hypergeom.logsf(theta - 1, n, s, a)
        print(f"  ({n}, {a}, {s}, {theta}) p={exact:.4e}: {abs(ours / exact - 1):.1e} | "
              f"{abs(sc / exact - 1):.1e} | {abs(lsc - log_exact):.1e}")

if __name__ == "__main__":
    main()
