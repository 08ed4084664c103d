"""The README's NIR example runs as written, gives snnTorch's spikes, and its file runs from the
command line as the README shows."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("snntorch")
pytest.importorskip("nir")
from test_nir_snntorch import snntorch_spikes  # noqa: E402

from neurosparse.cli import main  # noqa: E402

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_nir_example_spikes_as_snntorch_and_its_file_runs_from_the_command_line(tmp_path, monkeypatch):
    block = next(b for b in re.findall(r"```python\n(.*?)```", README.read_text(), re.S) if "import_nir" in b)
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    exec(compile(block, str(README), "exec"), ns)  # noqa: S102 - our own README
    run, x = ns["run"], ns["x"]
    want = snntorch_spikes(ns["net"], x)
    np.testing.assert_array_equal(run.outputs["output"], want["3"].astype(np.uint8))
    assert run.spike_counts()["1"] == int(want["1"].sum()) > 0
    np.savez("in.npz", input=x[:, 0])
    assert main(["simulate", "ff.nir", "--input", "in.npz", "--dt", "1e-4", "--reset", "subtract", "--out",
                 "out.npz"]) == 0
    with np.load("out.npz") as out:
        np.testing.assert_array_equal(out["output"], run.outputs["output"][:, 0])
    assert main(["energy", "ff.nir", "--input", "in.npz", "--target", "loihi", "--target", "h100"]) == 0
