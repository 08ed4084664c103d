"""Running sweeps here (workers=0): results, errors, resuming after a kill, refusing to mix sweeps."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from neurosparse.errors import ParameterError
from neurosparse.sweep import Sweep, read_table, run
from neurosparse.sweep.execute import result_columns
from neurosparse.sweep.store import JOURNAL, SIDECAR

EXAMPLES = "neurosparse.sweep.points.examples"


def test_each_row_is_the_function_at_the_point_with_its_own_seed():
    sweep = Sweep(f"{EXAMPLES}:noisy_square", grid={"x": [1.0, 2.0]}, fixed={"noise": 0.5}, replicas=2,
                  seed=4)
    table = run(sweep, workers=0, progress=False)
    assert list(table.columns) == ["point", "replica", "seed", "x", "status", "error", "y", "x_squared"]
    for row, point in zip(table.itertuples(), sweep.expand()):
        rng = np.random.default_rng(point.seed)
        assert row.seed == point.seed and row.y == point.params["x"] ** 2 + 0.5 * rng.standard_normal()


def test_a_point_that_raises_is_recorded_and_the_sweep_goes_on(tmp_path):
    table = run(Sweep(f"{EXAMPLES}:fail_above", grid={"x": [1.0, 3.0, 2.0]}), tmp_path, workers=0,
                progress=False)
    assert list(table["status"]) == ["ok", "error", "ok"]
    assert table["error"][1] == "ValueError: x = 3.0 is above the limit 2.0"
    assert np.isnan(table["y"][1]) and table["y"][2] == pytest.approx(4.0, abs=1.0)
    record = json.loads((tmp_path / SIDECAR).read_text())
    assert record["errors"] == 1 and record["ok"] == 2 and record["complete"]
    assert read_table(tmp_path).equals(table)
    # errors count as finished unless asked: a retry runs only them
    again = run(Sweep(f"{EXAMPLES}:fail_above", grid={"x": [1.0, 3.0, 2.0]}), tmp_path, workers=0,
                progress=False, retry_errors=True)
    assert again.equals(table)  # same error again, same table


def test_results_that_are_not_scalars_are_kept_as_json_and_names_do_not_clash():
    cols = result_columns({"curve": np.array([1.0, 2.0]), "x": 3, "n": np.int64(4)}, reserved=("x",))
    assert cols == {"curve": "[1.0, 2.0]", "result_x": 3, "n": 4}
    assert result_columns(2.5) == {"value": 2.5}


def test_a_folder_holding_another_sweep_is_refused_unless_restarted(tmp_path):
    run(Sweep(f"{EXAMPLES}:noisy_square", grid={"x": [1.0]}), tmp_path, workers=0, progress=False)
    other = Sweep(f"{EXAMPLES}:noisy_square", grid={"x": [1.0]}, fixed={"noise": 0.2})
    with pytest.raises(ParameterError, match="different sweep .*fixed"):
        run(other, tmp_path, workers=0, progress=False)
    assert run(other, tmp_path, workers=0, progress=False, restart=True)["status"].tolist() == ["ok"]


def test_a_partial_last_journal_line_is_ignored(tmp_path):
    sweep = Sweep(f"{EXAMPLES}:noisy_square", grid={"x": [1.0, 2.0]})
    full = run(sweep, tmp_path, workers=0, progress=False)
    lines = (tmp_path / JOURNAL).read_text().splitlines(keepends=True)
    (tmp_path / JOURNAL).write_text(lines[0] + lines[1][: len(lines[1]) // 2])  # killed mid-line
    assert run(sweep, tmp_path, workers=0, progress=False).equals(full)  # the cut run is redone


def test_a_sweep_killed_mid_run_resumes_where_it_stopped(tmp_path):
    calls = tmp_path / "calls.txt"
    sweep_file = tmp_path / "slow.toml"
    sweep_file.write_text(f'[sweep]\nfunction = "{EXAMPLES}:slow_square"\nseed = 5\n'
                          f'[fixed]\nseconds = 0.15\ncalls_file = "{calls}"\n'
                          f'[grid]\nx = {[float(i) for i in range(16)]}\n')
    out = tmp_path / "out"
    cmd = [sys.executable, "-c", "import sys; from neurosparse.cli import main; sys.exit(main())",
           "sweep", str(sweep_file), "--out", str(out), "--workers", "0", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    journal = out / JOURNAL
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not journal.exists() or len(journal.read_text().splitlines()) < 4):
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = len(journal.read_text().splitlines())
    assert 4 <= finished < 16, "the sweep was not interrupted mid-run"
    started_before = len(calls.read_text().splitlines())
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    rerun = len(calls.read_text().splitlines()) - started_before
    assert rerun == 16 - finished  # only the unfinished points ran again
    resumed = read_table(out)
    uninterrupted = run(Sweep.from_toml(sweep_file), workers=0, progress=False)
    assert resumed.equals(uninterrupted)
