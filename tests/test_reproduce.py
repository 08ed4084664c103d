"""neurosparse reproduce: notebooks executed at the chosen size, figures and a summary collected,
failures reported without stopping the rest."""

from __future__ import annotations

import json

import pytest

from neurosparse import reproduce
from neurosparse._io import check_outputs
from neurosparse.cli import main
from neurosparse.errors import ParameterError

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")


def _notebook(folder, name, code):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# a test reproduction"), nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / f"{name}.ipynb")
    return reproduce.Reproduction(name, f"{name}.ipynb", "a paper", "a figure", None, None)


PLOT = ("%matplotlib inline\nimport os\nimport matplotlib.pyplot as plt\n"
        "print('quick' if os.environ.get('NEUROSPARSE_NOTEBOOK_QUICK') == '1' else 'full size')\n"
        "plt.plot([0, 1], [1, 0]); plt.show()\nplt.plot([0, 1]); plt.show()\n")


@pytest.mark.parametrize("full", [False, True])
def test_a_reproduction_runs_at_its_size_and_collects_its_figures(tmp_path, full):
    r = _notebook(tmp_path, "toy", PLOT)
    out = tmp_path / "out"
    summary = reproduce.run(r, out, full=full, folder=tmp_path)
    assert summary["ok"] and summary["figures"] == ["toy-1.png", "toy-2.png"]
    assert (out / "toy-1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    executed = nbformat.read(out / "toy.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    assert ("full size" if full else "quick") in printed
    assert json.loads((out / "summary.json").read_text())["size"] == ("full" if full else "small")
    assert set(check_outputs(out)["files"]) == {"toy.ipynb", "toy-1.png", "toy-2.png", "summary.json"}


def test_a_failing_notebook_is_reported_with_its_error(tmp_path):
    r = _notebook(tmp_path, "broken", "raise ValueError('the figure cannot be computed')")
    summary = reproduce.run(r, tmp_path / "out", folder=tmp_path)
    assert not summary["ok"] and summary["error"] == "ValueError: the figure cannot be computed"


def test_the_list_names_every_notebook_and_unknown_names_are_refused(capsys):
    assert main(["reproduce", "--list"]) == 0
    listed = capsys.readouterr().out
    for r in reproduce.REPRODUCTIONS:
        assert r.name in listed and (reproduce.notebooks_folder() / r.notebook).is_file()
    with pytest.raises(ParameterError, match="unknown reproduction"):
        reproduce.find(["nope"])
    assert main(["reproduce", "nope"]) == 2
