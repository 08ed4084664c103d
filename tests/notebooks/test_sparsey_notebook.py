"""The Sparsey notebook runs top to bottom in quick mode and computes all six results."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "sparsey.ipynb"


def test_sparsey_notebook_executes_in_quick_mode_and_reports_every_result(monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("NEUROSPARSE_NOTEBOOK_QUICK", "1")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert "quick mode" in "".join(o.get("text", "") for o in outputs)
    markdown = "".join("".join(o.get("data", {}).get("text/markdown", "")) for o in outputs)
    for expected in ("Code overlap / Q", "**Single trial:**", "**Capacity**",  # 1-3
                     "Same item in different contexts", "| digits |",  # 4, 5 (quick: digits)
                     "1-NN raw video"):  # 6
        assert expected in markdown
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 3  # memory, sequences, events
