"""Compiling every kernel ahead of use: the kernel names, the two-process stages, the stamp."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from neurosparse.core import precompile, tiers
from neurosparse.core.engine import serial


def test_every_variant_and_the_parallel_kernel_are_named_once():
    flags = {tuple(part in name.split("+") for part in ("stdp", "general", "poisson"))
             for name in precompile.KERNELS if name != "parallel"}
    assert flags == set(itertools.product((False, True), repeat=3))
    assert len(precompile.KERNELS) == 9 and "parallel" in precompile.KERNELS


def test_only_the_general_kernels_wait_for_the_general_update():
    waiting = set(precompile._NEEDS_GENERAL)
    assert waiting <= set(precompile.KERNELS) and "general" not in waiting
    assert waiting == {n for n in precompile.KERNELS if "general" in n.split("+") and n != "general"} | {
        "parallel"}


def test_an_unknown_kernel_is_refused_by_name():
    with pytest.raises(ValueError, match="kernel must be one of"):
        precompile.compile_kernel("stdp+fused")
    with pytest.raises(ValueError, match="jobs must be an integer >= 1"):
        precompile.compile_all(jobs=0)


def test_compile_kernel_leaves_that_variant_ready():
    precompile.compile_kernel("poisson")
    a = precompile.variant_network(False, False, True).compile().arrays
    kernel = serial.single_thread_kernel(False, False, True)
    # the kernel's argument types (not sizes) decide whether it is compiled
    args = (a, 0, 1, np.random.default_rng(0), np.empty(8, np.int64), np.empty(8, np.int64), 0,
            np.empty((0, 0)), 0, np.zeros((1, 2), np.int32), np.zeros((1, 4), np.int64),
            np.zeros((6, 64), np.int64))
    assert tiers.kernel_ready(kernel, args)


def test_ensure_compiled_compiles_once_per_stamp(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(precompile, "compile_all", lambda **kw: calls.append(kw))
    monkeypatch.setattr(precompile, "_stamp_path", lambda: str(tmp_path / "k" / "stamp.ok"))
    assert precompile.ensure_compiled(jobs=2) is True
    assert precompile.ensure_compiled(jobs=2) is False
    assert calls == [{"progress": False, "jobs": 2}]


def test_the_stamp_changes_with_the_core_sources(monkeypatch):
    from neurosparse.core.engine import _cache

    before = precompile._stamp_path()
    monkeypatch.setattr(_cache, "core_fingerprint", lambda: "edited")
    assert precompile._stamp_path() != before
