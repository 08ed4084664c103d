"""Every script checks its output folder before the work and writes its manifest last
(issue 15, "nothing lost"): an unwritable folder fails in milliseconds, a complete run's
folder passes check_outputs, and a folder mixing runs or left by an interrupted run fails it."""

from __future__ import annotations

import json

import pytest

from neurosparse._io import MANIFEST, begin_outputs, check_outputs
from neurosparse.errors import CorruptFileError, FileError
from neurosparse.experiments.scripts import load_script

#: Each script and the function that does its long work (which must not be reached).
SCRIPTS = [(name, "run") for name in ("sdr_false_match", "sdr_noise", "sdr_synapses", "sdr_threshold",
                                      "sdr_unions", "sparsey_events", "sparsey_memory", "sparsey_sequences",
                                      "nir_pipeline")]


def _not_a_folder(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    return blocker / "out"  # cannot be created, even by root


@pytest.mark.parametrize("name, work", SCRIPTS)
def test_an_unwritable_out_folder_fails_before_the_run(name, work, tmp_path, monkeypatch):
    module = load_script(name)

    def must_not_run(*args, **kwargs):
        raise AssertionError("the run started before the output folder was checked")

    monkeypatch.setattr(module, work, must_not_run)
    with pytest.raises(FileError, match="a-file"):
        module.main(["--out", str(_not_a_folder(tmp_path))])


@pytest.mark.parametrize("experiment", ["ultralif_compare", "ultralif_on_core", "delta_video"])
def test_the_training_experiments_check_the_folder_before_training(experiment, tmp_path, monkeypatch,
                                                                  capsys):
    pytest.importorskip("torch")
    import neurosparse.experiments.delta_video as delta_video
    import neurosparse.experiments.ultralif_compare as compare

    def must_not_run(*args, **kwargs):
        raise AssertionError("training started before the output folder was checked")

    monkeypatch.setattr(compare, "load_task", must_not_run)
    monkeypatch.setattr(delta_video, "run_experiment", must_not_run)
    module = load_script(experiment)
    try:
        module.main(["--out", str(_not_a_folder(tmp_path))])
    except FileError as exc:  # raised to the caller
        assert "a-file" in str(exc)
    except SystemExit as exc:  # or one line from argparse, status 2
        assert exc.code == 2 and "a-file" in capsys.readouterr().err
    else:
        raise AssertionError("an unwritable --out folder was accepted")


def test_a_complete_run_has_a_manifest_of_its_files_and_a_later_run_replaces_it(tmp_path):
    module = load_script("sdr_threshold")
    out = tmp_path / "thr"
    (out).mkdir()
    (out / ".summary.json.abc.tmp").write_bytes(b"left by a killed write")
    assert module.main(["--out", str(out)]) == 0
    manifest = check_outputs(out)
    assert set(manifest["files"]) == {"threshold.png", "summary.json"}
    assert not list(out.glob(".*.tmp"))  # the stale temporary file was removed
    # a file changed after the run (another run's file beside it) makes the folder fail
    (out / "summary.json").write_text(json.dumps({"another": "run"}))
    with pytest.raises(CorruptFileError, match="mixes runs"):
        check_outputs(out)


def test_a_run_interrupted_after_it_began_leaves_no_manifest(tmp_path):
    out = tmp_path / "o"
    load_script("sdr_threshold").main(["--out", str(out)])
    assert (out / MANIFEST).exists()
    begin_outputs(out)  # the next run starts, and is killed before it finishes
    with pytest.raises(CorruptFileError, match="no complete run"):
        check_outputs(out)
