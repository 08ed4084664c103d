"""Counts of the bad-input conformance check: every parameter of every target of every case
module (``tests/conformance/cases_*.py``: the event core, sdr, dendrites, sparsey, data,
analysis and the command line), each value of ``BAD_VALUES`` (``ARGV_BAD_VALUES`` for the
command line; ``tests/conformance/bad_input_cases.py``).

    python benchmarks/bad_input_conformance.py [--packages core sdr ...] [--json OUT]

Prints the outcome counts per package and in total (clear error, accepted with a correct
result, vague, silent, crash, hang) and every case that is neither clear nor accepted; exits
1 if there is one.
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
from bad_input_cases import ARGV_BAD_VALUES, BAD_VALUES, case_modules, run_case  # noqa: E402

OUTCOMES = ("clear", "accepted", "vague", "silent", "crash", "hang")


def run_package(module) -> dict:
    """Every case of one case module: counts, problems and seconds."""
    module.warm_up()
    counts: collections.Counter = collections.Counter()
    problems = []
    n_params = 0
    tic = time.perf_counter()
    targets = module.targets()
    for target in targets:
        values = ARGV_BAD_VALUES if target.argv else BAD_VALUES
        for parameter in target.parameters:
            n_params += 1
            for value in values:
                outcome, message = run_case(target, parameter, value)
                counts[outcome] += 1
                if outcome not in ("clear", "accepted"):
                    problems.append({"package": module.PACKAGE, "target": target.name,
                                     "parameter": parameter, "value": repr(value),
                                     "outcome": outcome, "message": message})
    return {"targets": len(targets), "parameters": n_params, "cases": sum(counts.values()),
            "counts": {k: counts[k] for k in OUTCOMES}, "problems": problems,
            "seconds": round(time.perf_counter() - tic, 1)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packages", nargs="*", default=None, help="only these packages (default all)")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    modules = [m for m in case_modules() if args.packages is None or m.PACKAGE in args.packages]
    per_package = {}
    for module in modules:
        per_package[module.PACKAGE] = run_package(module)
        row = per_package[module.PACKAGE]
        print(f"{module.PACKAGE:>10s}: {row['targets']} targets, {row['parameters']} parameters, "
              f"{row['cases']} cases, " + ", ".join(f"{k} {v}" for k, v in row["counts"].items())
              + f" ({row['seconds']} s)", flush=True)
    total = {k: sum(p["counts"][k] for p in per_package.values()) for k in OUTCOMES}
    problems = [q for p in per_package.values() for q in p["problems"]]
    summary = {"packages": {k: {kk: vv for kk, vv in v.items() if kk != "problems"}
                            for k, v in per_package.items()},
               "total": {"targets": sum(p["targets"] for p in per_package.values()),
                         "parameters": sum(p["parameters"] for p in per_package.values()),
                         "cases": sum(p["cases"] for p in per_package.values()), "counts": total},
               "problems": problems}
    print(json.dumps(summary["total"], indent=1))
    for p in problems:
        print(p)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
