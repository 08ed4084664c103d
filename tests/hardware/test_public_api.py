"""The package's public names, and the README's cost-model example run as written."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def test_functions_are_not_shadowed_by_their_submodules():
    import neurosparse.hardware as hw

    importlib.import_module("neurosparse.hardware.estimate")  # binds the submodule attribute
    assert callable(hw.estimate) and hw.estimate.__module__ == "neurosparse.hardware.estimate"
    for name in hw.__all__:  # every public name is the package's own class or function of that name
        obj = getattr(hw, name)
        assert callable(obj), name
        assert obj.__name__ == name, f"hw.{name} is bound to {obj!r}"
        assert obj.__module__.startswith(("neurosparse.hardware.", "neurosparse.optrace")), name


def test_readme_cost_model_example_runs():
    pytest.importorskip("snntorch")
    block = next(b for b in re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
                 if "neurosparse.hardware" in b)
    namespace: dict = {}
    exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - our own README
    trace = namespace["trace"]
    totals = trace.totals()
    for key in ("dense_ops", "effective_macs", "effective_acs", "activation_sparsity",
                "membrane_updates", "synaptic_events", "neuron_updates"):
        assert key in totals
    assert totals["dense_ops"] == 20 * (64 * 128 + 128 * 10)  # per sample: T x fan-in x fan-out
