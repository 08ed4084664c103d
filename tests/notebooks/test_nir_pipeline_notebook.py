"""The NIR pipeline notebook runs top to bottom in quick mode: the core's accuracy and activity
match PyTorch's, and the energy table is computed."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "nir_pipeline.ipynb"


def _outputs(nb) -> list[dict]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def test_nir_notebook_executes_in_quick_mode(monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("nir")
    pytest.importorskip("snntorch")
    monkeypatch.setenv("NEUROSPARSE_NOTEBOOK_QUICK", "1")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert "quick mode" in "".join(o.get("text", "") for o in outputs)
    text = "".join("".join(o.get("data", {}).get("text/markdown", "")) for o in outputs)
    for expected in ("accuracy event core", "cosine similarity", "| loihi |", "| h100 |"):
        assert expected in text
    rows = [line for line in text.splitlines() if " LIF |" in line]
    assert len(rows) == 3 and all(float(line.split("|")[3]) > 0.99 for line in rows)  # activity agrees
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 1


def test_committed_notebook_is_executed_at_default_sizes():
    nbformat = pytest.importorskip("nbformat")
    outputs = _outputs(nbformat.read(NOTEBOOK, as_version=4))
    assert "default sizes" in "".join(o.get("text", "") for o in outputs)
    assert not [o for o in outputs if o.get("output_type") == "error"]
