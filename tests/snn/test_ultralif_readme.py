"""The README's UltraLIF example runs as written: snnTorch calling convention, hardening."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_ultralif_example_runs_and_hardened_spikes_are_binary():
    block = next(b for b in re.findall(r"```python\n(.*?)```", README.read_text(), re.S) if "UltraLIF" in b)
    ns: dict = {}
    exec(compile(block, str(README), "exec"), ns)  # noqa: S102 - our own README
    assert ns["logits"].shape == (32, 10)
    assert ns["logits"].requires_grad  # differentiable end to end, no surrogate
    b = ns["binary"]
    assert b.shape == (32, 128) and bool(((b == 0) | (b == 1)).all())


def test_readme_event_core_example_runs_and_agrees_with_pytorch():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    block = next(b for b in blocks if "run_on_core" in b)
    ns: dict = {}
    exec(compile(block, str(README), "exec"), ns)  # noqa: S102 - our own README
    from neurosparse.snn.classifier import evaluate

    y = ns["digits"].target[1000:]
    hard_torch = evaluate(ns["res"].model, ns["x"][:, 1000:], y)[0]  # hardened in place by the block
    assert ns["run"].accuracy(y) == hard_torch
    assert ns["run"].accuracy(y) > 0.5
    assert ns["per_sample"].energy_j > 0 and ns["per_sample"].is_per_sample
