"""Notebooks and tests load ``simulations/`` scripts from the package's location."""

from __future__ import annotations

import os

import pytest

from neurosparse.errors import MissingFileError, NeurosparseError
from neurosparse.experiments.scripts import SIMULATIONS, load_script, script_path


def test_a_script_loads_whatever_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    module = load_script("sdr_false_match")
    assert callable(module.main)
    assert script_path("sdr_false_match") == SIMULATIONS / "sdr_false_match.py"


def test_loading_writes_no_bytecode_into_the_checkout():
    cache = SIMULATIONS / "__pycache__"
    before = set(os.listdir(cache)) if cache.is_dir() else set()
    load_script("sdr_unions")
    after = set(os.listdir(cache)) if cache.is_dir() else set()
    assert after == before


def test_an_unknown_script_is_a_missing_file_error_naming_the_scripts():
    with pytest.raises(MissingFileError, match="sdr_unions") as info:
        load_script("no_such_script")
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, NeurosparseError)
