"""Sweeps on Dask: the same table on any number of workers, a dying worker's point retried,
a real scheduler and worker started as processes, and a local cluster bound to 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

pytest.importorskip("distributed")

from neurosparse.sweep import Sweep, run  # noqa: E402
from neurosparse.sweep.execute import _client  # noqa: E402

SQUARE = Sweep("neurosparse.sweep.points.examples:noisy_square", grid={"x": [0.5, 1.0, 1.5, 2.0, 2.5]},
               replicas=2, seed=11)


def test_the_table_is_the_same_here_and_on_one_or_two_workers():
    here = run(SQUARE, workers=0, progress=False)
    assert run(SQUARE, workers=1, progress=False).equals(here)
    assert run(SQUARE, workers=2, progress=False).equals(here)


def test_event_core_points_give_the_same_spikes_on_workers_as_here():
    """Workers load (or compile, under the core's lock) the kernels themselves; the counts are
    bit-identical to a run in this process."""
    sweep = Sweep("neurosparse.sweep.points.energy:feedforward_counts",
                  grid={"rate_hz": [5.0, 40.0], "steps": [20]}, replicas=2, seed=3)
    here = run(sweep, workers=0, progress=False)
    assert here["spikes"].nunique() > 1  # the points differ
    assert run(sweep, workers=2, progress=False).equals(here)


def test_a_worker_that_dies_has_its_point_retried_on_another(tmp_path):
    sweep = Sweep("neurosparse.sweep.points.examples:die_once", grid={"x": [1.0, 2.0, 3.0]},
                  fixed={"marker_folder": str(tmp_path)})
    table = run(sweep, workers=2, progress=False)
    assert table["status"].tolist() == ["ok"] * 3
    assert len(list(tmp_path.glob("died-*"))) == 3  # each point killed its first worker


def test_the_local_cluster_and_its_dashboard_listen_on_localhost_only():
    with _client(1, None, None) as client:
        assert client.scheduler.address.startswith("tcp://127.0.0.1:")
        assert all(w.startswith("tcp://127.0.0.1:") for w in client.scheduler_info()["workers"])
        assert "127.0.0.1" in client.dashboard_link


def test_a_scheduler_and_worker_started_as_processes_give_the_same_table(tmp_path):
    scheduler_file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    scheduler = subprocess.Popen([*dask, "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(scheduler_file)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                                   "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(1, timeout=60)
        table = run(SQUARE, tmp_path / "out", scheduler=address, progress=False)
        assert table.equals(run(SQUARE, workers=0, progress=False))
        # and from the command line
        cli = [sys.executable, "-c", "import sys; from neurosparse.cli import main; sys.exit(main())"]
        sweep_file = tmp_path / "s.toml"
        sweep_file.write_text('[sweep]\nfunction = "neurosparse.sweep.points.examples:noisy_square"\n'
                              'seed = 11\nreplicas = 2\n[grid]\nx = [0.5, 1.0, 1.5, 2.0, 2.5]\n')
        done = subprocess.run([*cli, "sweep", str(sweep_file), "--out", str(tmp_path / "cli"),
                               "--scheduler", address, "--no-progress"], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        from neurosparse.sweep import read_table

        assert read_table(tmp_path / "cli")[["seed", "y"]].equals(table[["seed", "y"]])
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)


def test_an_unreachable_scheduler_is_a_clear_error():
    import dask

    from neurosparse.errors import ParameterError

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}), \
            pytest.raises(ParameterError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        run(SQUARE, scheduler="tcp://127.0.0.1:9", progress=False)
