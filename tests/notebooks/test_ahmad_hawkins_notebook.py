"""The Ahmad & Hawkins 2016 notebook runs top to bottom in quick mode and reports its numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "ahmad_hawkins_2016.ipynb"


def _outputs(nb) -> list[dict]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def _markdown(outputs: list[dict]) -> str:
    return "".join("".join(o.get("data", {}).get("text/markdown", "")) for o in outputs)


def test_notebook_executes_in_quick_mode_and_prints_every_section(monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("NEUROSPARSE_NOTEBOOK_QUICK", "1")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert "quick mode" in "".join(o.get("text", "") for o in outputs)
    text = _markdown(outputs)
    for expected in ("False-match probability at the authors' reference points",  # 1
                     "False-match probability at the largest s",  # 2
                     "Largest noise on the grid",  # 3
                     "The paper's approximation is off by up to",  # 4
                     "Predicted threshold: **theta = 10**",  # 5
                     "effect of n, a=128: value drawn at x = 500", "noise, theta = 8, v = 26",  # 6
                     "unions (paper formula), n = 20000, M = 3", "unions clamp, n = 1000, M = 12",
                     "threshold medians, earlier grid"):
        assert expected in text
    # figures: effect of n; vs s and vs (theta, s); noise; unions; threshold
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 6


def test_committed_notebook_is_executed_at_default_sizes():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    outputs = _outputs(nb)
    assert outputs, "the committed notebook must be executed (its numbers are the report)"
    assert "default sizes" in "".join(o.get("text", "") for o in outputs)
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 6
    assert not [o for o in outputs if o.get("output_type") == "error"]
