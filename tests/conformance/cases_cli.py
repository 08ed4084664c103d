"""Bad-input cases of the ``neurosparse`` command: ``simulate``, ``bench``, ``precompile`` and
``reproduce``, each option (and positional argument) replaced by a bad command-line string.

The command runs in this process (:func:`neurosparse.cli.main`) in a scratch working folder.
A case is refused clearly when the command exits non-zero with a message that names the
option (``--n`` or its parameter ``n``) and no traceback escapes; it is accepted when it exits
0 and did what it was asked: ``simulate`` wrote its outputs, ``bench`` printed its report. The
slow work behind ``precompile`` (compiling every kernel) and ``reproduce`` (running notebooks)
is replaced by a recorder, so those cases check the argument handling only. ``energy`` and
``sweep`` are not covered here (the pricing behind ``energy`` is being rewritten; ``sweep`` runs
the code a sweep file names, on Dask).
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
from bad_input_cases import CommandRefused, Target, base_outcomes, expect, names

from neurosparse import cli

PACKAGE = "cli"
EXAMPLES = 10
SIMULATE = {"network": "cuba", "--n": "100", "--duration": "0.002", "--seed": "1", "--threads": "1",
            "--engine": "numba", "--out": "out"}
BENCH = {"network": "cuba", "--n": "100", "--duration": "0.002", "--threads": "1", "--seed": "0",
         "--repeats": "1"}
_SCRATCH = Path(tempfile.mkdtemp(prefix="neurosparse-cli-cases-"))
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)
_CALLS: list[dict] = []


def argv_of(command: str, base: dict, parameter: str, value: str, extra: tuple[str, ...] = ()) -> list[str]:
    """The command line of ``command`` with ``base``'s arguments, ``parameter`` set to ``value``."""
    args = {**base, parameter: value}
    argv = [command] + [v for k, v in args.items() if not k.startswith("-")]
    for key, v in args.items():
        if key.startswith("-"):
            argv += [f"{key}={v}"] if v.startswith("-") else [key, v]
    return argv + list(extra)


def run_command(argv: list[str]) -> tuple[int, str, str]:
    """``(status, stdout, stderr)`` of ``neurosparse argv`` run here, in the scratch folder;
    CommandRefused on a non-zero status (any other exception escapes: a traceback)."""
    out, err = io.StringIO(), io.StringIO()
    with _in_scratch(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = cli.main(argv)
        except SystemExit as exc:  # argparse's errors
            status = exc.code if isinstance(exc.code, int) else 1
    if status != 0:
        raise CommandRefused(err.getvalue() or out.getvalue() or f"exit status {status}")
    expect("Traceback" not in err.getvalue(), "no traceback on success")
    return status, out.getvalue(), err.getvalue()


@contextlib.contextmanager
def _in_scratch():
    before = os.getcwd()
    os.chdir(_SCRATCH)
    try:
        yield
    finally:
        os.chdir(before)


@contextlib.contextmanager
def _recorded(module: str, name: str):
    """Replace ``module.name`` by a recorder of its arguments while a command runs."""
    import importlib

    mod = importlib.import_module(module)
    saved = getattr(mod, name)

    def record(*args, **kwargs):
        _CALLS.append({"call": name, "args": args, "kwargs": kwargs})
        return dict(_STUB_RESULTS[name])

    setattr(mod, name, record)
    try:
        yield
    finally:
        setattr(mod, name, saved)


def _simulated(result, kw) -> np.ndarray:
    _, out, _ = result
    folder = _SCRATCH / (kw["--out"] or Path("results", kw["network"]))
    manifest = json.loads((folder / "manifest.json").read_text())
    expect(manifest["n"] == int(kw["--n"]) and manifest["seed"] == int(kw["--seed"]), "the run asked for")
    expect((folder / "recording.npz").is_file() and "wrote" in out, "the recording and raster written")
    return np.array([manifest["n"], manifest["duration_s"]], dtype=np.float64)


def _benched(result, kw) -> np.ndarray:
    _, out, _ = result
    expect(f"{int(kw['--n']):,} neurons" in out and "simulate" in out, "a report of the network asked for")
    return np.array([len(out)], dtype=np.float64)


def _compared(result, kw) -> np.ndarray:
    modes = [c["kwargs"].get("mode") for c in _CALLS if c["call"] == "brian2_network"]
    expect(bool(modes) and set(modes) <= {"standalone", "runtime"}, "Brian2 run only in modes it has")
    return np.array([len(modes)], dtype=np.float64)


def _precompiled(result, kw) -> np.ndarray:
    jobs = [c["kwargs"].get("jobs") for c in _CALLS if c["call"] == "compile_all"]
    expect(len(jobs) == 1 and jobs[0] == int(kw["--jobs"]) >= 1, "compile_all(jobs=--jobs >= 1)")
    return np.array(jobs, dtype=np.float64)


def _reproduced(result, kw) -> np.ndarray:
    runs = [c for c in _CALLS if c["call"] == "run"]
    expect(len(runs) >= 1 and all(c["kwargs"]["timeout_s"] == float(kw["--timeout"]) > 0 for c in runs),
           "every reproduction run with the timeout asked for")
    return np.array([len(runs)], dtype=np.float64)


_STUB_RESULTS = {"compile_all": {}, "run": {"ok": True, "seconds": 0.0, "figures": [], "error": None},
                 "brian2_network": {"sim_seconds": 1.0, "rate_hz": 1.0, "wall_seconds": 1.0,
                                    "brian2_version": "recorder"}}


def _mentions(parameter: str, value: str, message: str) -> bool:
    """The message names the option (``--n``, or its parameter ``n``); a positional argument or
    a folder is named by quoting the value given (``unknown reproduction(s) ['abc']``)."""
    bare = parameter.lstrip("-")
    if names(parameter, message) or names(bare, message) or names(bare.replace("-", "_"), message):
        return True
    if not parameter.startswith("-"):  # a positional argument
        return repr(value) in message or bool(value) and value in message
    return parameter == "--out" and bool(value) and value in message


def _target(name: str, command: str, base: dict, use, extra: tuple[str, ...] = (), stub=None) -> Target:
    def build(parameter, value):
        _CALLS.clear()
        args = {**base, parameter: value}
        argv = argv_of(command, base, parameter, value, extra)
        with _recorded(*stub) if stub else contextlib.nullcontext():
            return run_command(argv), args

    return Target(name, tuple(base), build, lambda built: use(*built), EXAMPLES, argv=True, base=dict(base),
                  named=_mentions)


def targets() -> list[Target]:
    """``simulate``, ``bench`` (and its ``--brian2-modes`` with ``--against brian2``, Brian2
    itself replaced by a recorder), ``precompile`` and ``reproduce``, small valid arguments as
    their base."""
    return [
        _target("neurosparse simulate", "simulate", SIMULATE, _simulated),
        _target("neurosparse bench", "bench", BENCH, _benched),
        _target("neurosparse bench --against brian2", "bench", {**BENCH, "--brian2-modes": "standalone"},
                _compared, extra=("--against", "brian2"), stub=("neurosparse.bench", "brian2_network")),
        _target("neurosparse precompile", "precompile", {"--jobs": "1"}, _precompiled,
                stub=("neurosparse.core.precompile", "compile_all")),
        _target("neurosparse reproduce", "reproduce", {"names": "ahmad_hawkins_2016", "--timeout": "10"},
                _reproduced, stub=("neurosparse.reproduce", "run")),
    ]


def warm_up() -> None:
    """Compile (or load) the benchmark networks' kernels: every target with its base arguments."""
    base_outcomes(targets())
