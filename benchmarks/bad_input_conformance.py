"""Counts of the bad-input conformance check: every parameter of every public parameter
class of the event core, each value of ``BAD_VALUES`` (``tests/conformance/bad_input_cases.py``).

    python benchmarks/bad_input_conformance.py [--json OUT]

Prints the outcome counts (clear error, accepted with a finite run, vague, silent, crash,
hang) and every case that is neither clear nor accepted.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "conformance"))
from bad_input_cases import BAD_VALUES, run_case, targets, warm_up  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    warm_up()
    counts: collections.Counter = collections.Counter()
    problems = []
    tic = time.perf_counter()
    n_params = 0
    for target in targets():
        for parameter in target.parameters:
            n_params += 1
            for value in BAD_VALUES:
                outcome, message = run_case(target, parameter, value)
                counts[outcome] += 1
                if outcome not in ("clear", "accepted"):
                    problems.append({"target": target.name, "parameter": parameter,
                                     "value": repr(value), "outcome": outcome, "message": message})
    seconds = time.perf_counter() - tic
    summary = {"targets": len(targets()), "parameters": n_params, "cases": sum(counts.values()),
               "counts": dict(counts), "problems": problems, "seconds": round(seconds, 1)}
    print(json.dumps({k: v for k, v in summary.items() if k != "problems"}, indent=1))
    for p in problems:
        print(p)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
