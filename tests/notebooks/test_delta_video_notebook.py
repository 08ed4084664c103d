"""The delta-video notebook runs top to bottom (quick mode) and reports its comparison."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "delta_video.ipynb"


def test_notebook_executes_in_quick_mode(monkeypatch, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("snntorch")
    monkeypatch.setenv("NEUROSPARSE_NOTEBOOK_QUICK", "1")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    text = "".join("".join(o.get("data", {}).get("text/markdown", "")) for c in nb.cells
                   if c.cell_type == "code" for o in c.get("outputs", []))
    assert "Activation sparsity" in text and "MACs per video" in text


def test_committed_notebook_holds_the_full_run_numbers():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert outputs, "the committed notebook must be executed (its numbers are the report)"
    config = "".join(o.get("text", "") for o in outputs)
    assert "n_train=2000" in config and "n_test=500" in config  # the full run, not quick mode
