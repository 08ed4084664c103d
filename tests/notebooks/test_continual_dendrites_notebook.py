"""The active-dendrites continual-learning notebook runs top to bottom in quick mode and computes
every section."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "continual_dendrites.ipynb"


def test_continual_dendrites_notebook_executes_in_quick_mode(monkeypatch):
    pytest.importorskip("torch")
    pytest.importorskip("mlxtend")
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("NEUROSPARSE_NOTEBOOK_QUICK", "1")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    markdown = "".join("".join(o.get("data", {}).get("text/markdown", "")) for o in outputs)
    for expected in ("| unit | segment responses |", "keeps [2, 2, 2, 2] values per row",
                     "are still winners in the other task's context", "| active dendrites + k-WTA |",
                     "| plain 3-layer MLP |", "minus MLP", "Accuracy on the **first** task",
                     "Eyeriss v2 nJ", "executes **", "Structure pricing", "published, 10 tasks"):
        assert expected in markdown, expected
    assert any("image/png" in o.get("data", {}) for o in outputs)
