"""The README's Sparsey example runs as written and its comments say what it computes."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_sparsey_example_stores_and_finds_every_item():
    block = next(b for b in re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
                 if "neurosparse.sparsey" in b)
    ns: dict = {}
    exec(compile(block, str(README), "exec"), ns)  # noqa: S102 - our own README
    assert ns["codes"].shape == (20, 128) and np.all(ns["codes"].sum(axis=1) == 16)
    assert np.all(ns["familiarity"] == 1.0)
    assert np.array_equal(ns["labels"], np.arange(20))
    assert ns["ops"]["synaptic_events"] > 0 and ns["ops"]["neuron_updates"] > 0
