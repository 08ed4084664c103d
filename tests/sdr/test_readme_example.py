"""The README's SDR example runs as written and its comments state what it computes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_sdr_example_runs_and_agrees_with_theory():
    block = next(b for b in re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
                 if "neurosparse.sdr" in b)
    ns: dict = {}
    exec(compile(block, str(README), "exec"), ns)  # noqa: S102 - our own README
    assert ns["p"] == pytest.approx(1.18e-15, rel=5e-3)
    import neurosparse.sdr as sdr

    exact = sdr.false_match_probability(2048, 40, 24, 4)
    assert abs(ns["mc"].p - exact) < 4 * ns["mc"].stderr  # simulation agrees with theory
    assert ns["theta"] == 10
    assert ns["noisy"].a == 40 and ns["noisy"].overlap(ns["x"]) == 28  # round(0.3 * 40) = 12 swapped
