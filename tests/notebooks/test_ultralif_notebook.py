"""The UltraLIF notebook runs top to bottom in quick mode and computes every section."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "ultralif.ipynb"


def test_ultralif_notebook_executes_in_quick_mode(monkeypatch):
    pytest.importorskip("torch")
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("NEUROSPARSE_NOTEBOOK_QUICK", "1")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    markdown = "".join("".join(o.get("data", {}).get("text/markdown", "")) for o in outputs)
    for expected in ("Fitted log-log slope", "UltraLIF eps=1", "| digits | ultralif |",
                     "minus the surrogate baseline", "Hardening the Ultra neurons", "Loihi nJ",
                     "Loihi nJ (core trace)", "acc. on the core"):
        assert expected in markdown
