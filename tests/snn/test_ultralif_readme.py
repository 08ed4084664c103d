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
    # harden() returned a copy: the layer of the example still trains (soft spikes, gradients)
    lif1, fc1, x = ns["lif1"], ns["fc1"], ns["x"]
    assert not lif1.hard
    spk, _ = lif1(fc1(x[0]), lif1.init_leaky())
    assert bool(((spk > 1e-3) & (spk < 1 - 1e-3)).any())
    spk.sum().backward()
    assert lif1.log_eps.grad is not None and lif1.log_eps.grad != 0 and bool((fc1.weight.grad != 0).any())


def test_readme_event_core_example_runs_and_agrees_with_pytorch():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    block = next(b for b in blocks if "run_on_core" in b)
    ns: dict = {}
    exec(compile(block, str(README), "exec"), ns)  # noqa: S102 - our own README
    from neurosparse.snn.classifier import evaluate

    y = ns["digits"].target[1000:]
    assert not any(neuron.hard for neuron in ns["res"].model.neurons)  # harden() returned a copy
    hard_torch = evaluate(ns["res"].model.harden(), ns["x"][:, 1000:], y)[0]
    assert ns["run"].accuracy(y) == hard_torch
    assert ns["run"].accuracy(y) > 0.5
    assert ns["per_sample"].energy_j > 0 and ns["per_sample"].is_per_sample
