"""The temporal-memory notebook runs top to bottom in quick mode and reports every section."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "temporal_memory.ipynb"


def test_temporal_memory_notebook_executes_in_quick_mode_and_reports_every_section(monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("NEUROSPARSE_NOTEBOOK_QUICK", "1")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert "quick mode" in "".join(o.get("text", "") for o in outputs)
    markdown = "".join("".join(o.get("data", {}).get("text/markdown", "")) for o in outputs)
    for expected in ("Best possible accuracy 0.50", "Sequences over seeds", "| new | high order | 2 |",  # 1
                     "Fault tolerance over seeds", "| 75 % | 2 |",  # 2
                     "Sequences stored (of the number learned)",  # 3
                     "a step touches", "| loihi | event |"):  # 4
        assert expected in markdown
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 4  # accuracy, positions, faults, capacity
