"""The Max-Former notebook runs top to bottom in quick mode and computes every section."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "maxformer.ipynb"


def test_maxformer_notebook_executes_in_quick_mode(monkeypatch):
    pytest.importorskip("torch")
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
    for expected in ("| Max-Former 10-768 (ImageNet) | 63.99 M | 63.99 M |",
                     "| Spikformer 8-768 (ImageNet) | 66.34 M |", "E_MAC/E_AC",
                     "| LIF, tau = 2 | 1 | 0.3333 |", "high-frequency power share", "LIF rate map",
                     "| stage3.0 (4) |", "the spiking network over its ANN twin in",
                     "| freq-high | max_mixing |", "max over average token mixing",
                     "**Max over average token mixing**", "(skipped in quick mode)"):
        assert expected in markdown, expected
