"""The temporal-memory scripts check their output folder before the work, and a small run of
each writes its figures, summary and manifest with the numbers it claims."""

from __future__ import annotations

import json

import pytest

from neurosparse._io import check_outputs
from neurosparse.errors import FileError
from neurosparse.experiments.scripts import load_script

SMALL = {
    "tm_sequences": ["--n-elements", "800", "--switch-at", "400", "--window", "100"],
    "tm_faults": ["--fractions", "0", "0.75", "--n-train", "600", "--n-after", "400", "--window", "100"],
    "tm_capacity": ["--n-sequences", "10", "--cells", "1", "4", "--synapses", "40", "--epochs", "4"],
}
FILES = {
    "tm_sequences": {"accuracy.png", "positions.png", "summary.json"},
    "tm_faults": {"faults.png", "summary.png", "summary.json"},
    "tm_capacity": {"capacity.png", "results.csv", "summary.json"},
}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_an_unwritable_out_folder_fails_before_the_run(name, tmp_path, monkeypatch):
    module = load_script(name)

    def must_not_run(*args, **kwargs):
        raise AssertionError("the run started before the output folder was checked")

    monkeypatch.setattr(module, "run", must_not_run)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(FileError, match="a-file"):
        module.main(["--out", str(blocker / "out"), *SMALL[name]])


@pytest.mark.parametrize("name", sorted(SMALL))
def test_a_small_run_writes_its_files_and_numbers(name, tmp_path, capsys):
    out = tmp_path / name
    assert load_script(name).main(["--out", str(out), *SMALL[name]]) == 0
    assert set(check_outputs(out)["files"]) == FILES[name]
    summary = json.loads((out / "summary.json").read_text())
    if name == "tm_sequences":
        assert set(summary["summary"]) == {"high_order", "first_order"}
        assert all(0 <= x <= 0.5 + 1e-9 for x in summary["curves"]["high_order"][10:])
    elif name == "tm_faults":
        killed = {r["fraction"]: r["killed"] for r in summary["rows"]}
        assert killed == {0.0: 0, 0.75: round(0.75 * 2048 * 32)}
    else:
        rows = {(r["cells_per_column"], r["synapses"]): r for r in summary["rows"]}
        assert rows[(4, 40)]["accuracy"] > rows[(1, 40)]["accuracy"]
    assert "wrote" in capsys.readouterr().out


def test_bad_arguments_are_one_line_naming_the_option(capsys):
    with pytest.raises(SystemExit) as info:
        load_script("tm_faults").main(["--fractions", "1.5"])
    assert info.value.code == 2 and "--fractions" in capsys.readouterr().err
