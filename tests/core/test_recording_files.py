"""Recordings on disk: damaged, foreign or missing files get a clear error naming the file;
write failures are NeurosparseErrors that are also the matching OSError."""

from __future__ import annotations

import errno
import io
import json
import zipfile

import numpy as np
import pytest

import neurosparse as ns
from neurosparse import _io
from neurosparse.errors import CorruptFileError, FileAccessError, FileError, MissingFileError


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    net = ns.Network(dt=1e-4, seed=0)
    net.add_population("P", 20, ns.LIF(), ports={"e": ns.CurrentSynapse(5e-3)})
    net.add_current("P", 6e-10)
    net.monitor_spikes("P")
    net.monitor_state("P", "v", indices=[0, 1])
    rec = net.run(0.05, progress=False)
    path = tmp_path_factory.mktemp("rec") / "rec.npz"
    rec.save(path)
    assert rec.total_spikes() > 0
    return path


def _rewrite(src, dst, edit_meta=None, drop=None, replace=None):
    """Copy the .npz at ``src`` to ``dst`` with its metadata edited or an entry dropped."""
    with np.load(src) as data:
        arrays = {k: data[k] for k in data.files if k != drop}
    if edit_meta:
        meta = json.loads(bytes(arrays["meta_json"]).decode())
        edit_meta(meta)
        arrays["meta_json"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    arrays.update(replace or {})
    np.savez(dst, **arrays)
    return dst


def test_a_saved_recording_loads_back(saved):
    rec = ns.Recording.load(saved)
    assert rec.n_steps == 500 and rec.spikes["P"].n == 20


def test_a_missing_file_is_a_file_not_found_error_naming_it(tmp_path):
    with pytest.raises(MissingFileError, match="nothing.npz") as info:
        ns.Recording.load(tmp_path / "nothing.npz")
    assert isinstance(info.value, FileNotFoundError)


def test_a_text_file_is_not_a_recording(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("hello\n")
    with pytest.raises(CorruptFileError, match="is not a neurosparse recording"):
        ns.Recording.load(path)


def test_another_npz_is_not_a_recording(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, x=np.arange(3))
    with pytest.raises(CorruptFileError, match="not a neurosparse recording .no meta_json"):
        ns.Recording.load(path)


@pytest.mark.parametrize("edit, match", [
    (lambda m: m.update(format="something/1"), "not a neurosparse recording .format tag"),
    (lambda m: m.update(format="neurosparse.Recording/9"), "format version '9'"),
    (lambda m: m.update(dt=-1.0), r"dt = -1\.0, expected a finite number"),
    (lambda m: m.update(n_steps=2000), r"spike_counts has shape \(500, 1\), expected \(2000, 1\)"),
    (lambda m: m.update(n_steps=-5), "n_steps = -5, expected an integer >= 0"),
    (lambda m: m.update(population_sizes=[0]), "population_sizes"),
    (lambda m: m["spikes"].update(Q=m["spikes"]["P"]), "spikes names populations"),
    (lambda m: m.update(t_start_step=10_000), "spikes of 'P' outside the recorded steps"),
])
def test_damaged_metadata_is_a_corrupt_recording(saved, tmp_path, edit, match):
    path = _rewrite(saved, tmp_path / "bad.npz", edit_meta=edit)
    with pytest.raises(CorruptFileError, match=match):
        ns.Recording.load(path)


def test_a_missing_array_or_truncated_file_is_corrupt(saved, tmp_path):
    path = _rewrite(saved, tmp_path / "bad.npz", drop="spikes0_i")
    with pytest.raises(CorruptFileError, match="corrupt recording"):
        ns.Recording.load(path)
    cut = tmp_path / "cut.npz"
    cut.write_bytes(saved.read_bytes()[: saved.stat().st_size // 2])
    with pytest.raises(CorruptFileError):
        ns.Recording.load(cut)


def test_spike_indices_outside_the_population_are_corrupt(saved, tmp_path):
    with np.load(saved) as data:
        i = data["spikes0_i"].copy()
    i[0] = 99
    path = _rewrite(saved, tmp_path / "bad.npz", replace={"spikes0_i": i})
    with pytest.raises(CorruptFileError, match=r"spike indices of 'P' outside 0\.\.19"):
        ns.Recording.load(path)


@pytest.mark.parametrize("raised, kind, builtin, words", [
    (PermissionError(errno.EACCES, "Permission denied"), FileAccessError, PermissionError, "choose a folder"),
    (OSError(errno.ENOSPC, "No space left on device"), FileError, OSError, "no space left"),
    (OSError(errno.EROFS, "Read-only file system"), FileAccessError, PermissionError, "read-only"),
])
def test_write_failures_name_the_file_and_stay_oserrors(tmp_path, monkeypatch, raised, kind, builtin, words):
    def failing_replace(src, dst):
        raise raised

    monkeypatch.setattr(_io.os, "replace", failing_replace)
    target = tmp_path / "out.json"
    with pytest.raises(kind, match=words) as info:
        _io.atomic_write(target, lambda fh: fh.write(b"{}"))
    assert isinstance(info.value, builtin) and isinstance(info.value, ns.NeurosparseError)
    assert info.value.errno == raised.errno and str(target) in str(info.value)
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


def test_an_output_folder_is_checked_before_the_work(tmp_path, monkeypatch):
    def no_write(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(_io.tempfile, "mkstemp", no_write)
    with pytest.raises(PermissionError, match="out folder"):
        _io.check_writable_folder(tmp_path / "results", "out")
