"""The demo behind ``neurosparse simulate``: files written, recording round trip, bad input."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import neurosparse  # noqa: E402
import neurosparse as ns  # noqa: E402
from neurosparse.demo import run_demo  # noqa: E402
from neurosparse.errors import ParameterError, UnknownNameError  # noqa: E402


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("cuba")
    rec = run_demo("cuba", n=400, duration=0.1, seed=1, out_dir=out, progress=False, trace_neurons=3)
    return rec, out


def test_run_demo_writes_the_recording_and_the_raster(demo):
    _, out = demo
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "raster.png", "recording.npz"]
    assert (out / "raster.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_saved_recording_loads_back_with_identical_spikes(demo):
    rec, out = demo
    loaded = neurosparse.Recording.load(out / "recording.npz")
    assert set(loaded.spikes) == {"exc", "inh"}
    assert sum(len(tr) for tr in rec.spikes.values()) > 0
    for name, tr in rec.spikes.items():
        np.testing.assert_array_equal(loaded.spikes[name].steps, tr.steps)
        np.testing.assert_array_equal(loaded.spikes[name].i, tr.i)
    np.testing.assert_array_equal(loaded.state["exc"]["v"], rec.state["exc"]["v"])
    assert rec.state["exc"]["v"].shape == (1000, 3)  # every step of 0.1 s, 3 neurons
    assert loaded.config["populations"]["exc"]["n"] == 320


def test_run_demo_prints_summary_rate_and_isi_cv(tmp_path, capsys):
    run_demo("coba", n=200, duration=0.05, seed=2, out_dir=tmp_path, progress=False)
    out = capsys.readouterr().out
    assert "0.05 s simulated" in out and "mean rate:" in out and "ISI CV" in out
    assert str(tmp_path / "raster.png") in out


def test_unknown_network_raises_naming_the_choices(tmp_path):
    with pytest.raises(UnknownNameError) as exc:
        run_demo("hodgkin", out_dir=tmp_path / "out")
    assert "cuba" in str(exc.value) and "coba" in str(exc.value)
    assert not (tmp_path / "out").exists()


def test_demo_engine_choice_gives_the_same_run(tmp_path):
    """``--engine numpy`` and ``numba`` write the same recording (the interpreter is exact)."""
    recs = [run_demo("cuba", n=300, duration=0.05, seed=3, out_dir=tmp_path / engine,
                     progress=False, engine=engine) for engine in ("numpy", "numba")]
    assert [r.timings["engine"] for r in recs] == ["numpy", "numba"]
    assert np.array_equal(recs[0].spike_counts, recs[1].spike_counts)
    assert np.array_equal(recs[0].spikes["exc"].steps, recs[1].spikes["exc"].steps)


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"n": 0}, "n must be"),
    ({"n": -5}, "n must be"),
    ({"duration": 0.0}, "duration"),
    ({"duration": -1.0}, "duration"),
    ({"trace_neurons": -1}, "trace_neurons"),
    ({"engine": "fast"}, "engine"),
])
def test_bad_parameters_raise_before_anything_is_written(tmp_path, kwargs, needle):
    with pytest.raises(ParameterError) as exc:
        run_demo("cuba", out_dir=tmp_path / "out", progress=False, **kwargs)
    assert needle in str(exc.value)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("network", ["cuba", "coba"])
def test_simulation_scripts_write_activity_figure_and_summary(network, tmp_path, capsys):
    """simulations/cuba.py and coba.py, run as scripts: the figure and a summary whose rates
    come from the recording."""
    import json
    import runpy
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "simulations" / f"{network}.py"
    argv = [str(script), "--n", "400", "--duration", "0.2", "--out", str(tmp_path), "--threads", "1"]
    old, sys.argv = sys.argv, argv
    try:
        with pytest.raises(SystemExit) as done:
            runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.argv = old
    assert done.value.code == 0
    written = {p.name for p in tmp_path.iterdir()}
    assert {"activity.png", "summary.json", "recording.npz", "raster.png"} <= written
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["network"] == network and summary["n"] == 400
    rec = neurosparse.Recording.load(tmp_path / "recording.npz")
    assert summary["synaptic_events"] == rec.total_events() > 0


def test_simulate_checks_the_output_folder_before_simulating(tmp_path, monkeypatch):
    import errno

    from neurosparse import _io, demo

    def no_write(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    ran = []
    monkeypatch.setattr(_io.tempfile, "mkstemp", no_write)
    monkeypatch.setattr(demo.Network if hasattr(demo, "Network") else ns.Network, "run",
                        lambda *a, **k: ran.append(1))
    with pytest.raises(PermissionError, match="out folder"):
        demo.run_demo("cuba", n=200, duration=0.01, out_dir=tmp_path / "out", progress=False)
    assert ran == []


def test_an_interrupted_write_leaves_no_manifest(tmp_path, monkeypatch):
    from neurosparse import _io, demo

    out = tmp_path / "out"
    demo.run_demo("cuba", n=200, duration=0.01, out_dir=out, progress=False)
    assert set(_io.check_outputs(out)["files"]) == {"recording.npz", "raster.png"}

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "save_figure", killed)
    with pytest.raises(KeyboardInterrupt):
        demo.run_demo("cuba", n=200, duration=0.02, out_dir=out, progress=False)
    # the new recording.npz sits beside the old raster.png: the missing manifest says so
    with pytest.raises(ns.NeurosparseError, match="no complete run"):
        _io.check_outputs(out)
