"""The ``neurosparse`` command: bench output, argument errors, Brian2 comparison."""

from __future__ import annotations

import json
import time

import pytest

from neurosparse.cli import main


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_bench_json_reports_consistent_figures(capsys):
    status, out, _ = run_cli(capsys, "bench", "cuba", "--n", "800", "--duration", "0.2",
                             "--repeats", "2", "--json")
    assert status == 0
    r = json.loads(out)
    for key in ("n", "synapses", "spikes", "rate_hz", "sim_seconds", "events_per_second",
                "build_seconds", "compile_seconds", "peak_memory_bytes", "bytes_per_synapse"):
        assert key in r
    assert r["n"] == 800
    assert r["spikes"] > 0
    assert r["rate_hz"] == pytest.approx(r["spikes"] / (800 * 0.2))
    assert r["events_per_second"] == pytest.approx(r["synaptic_events"] / r["sim_seconds"])
    assert r["sim_seconds"] == min(r["sim_seconds_all"]) and len(r["sim_seconds_all"]) == 2
    # 80 synapses per neuron on average; homogeneous weights and delays: 4 B + row pointers
    assert 70 * 800 < r["synapses"] < 90 * 800
    assert 4.0 < r["bytes_per_synapse"] <= 12.0


def test_bench_text_report_names_the_machine(capsys):
    status, out, _ = run_cli(capsys, "bench", "coba", "--n", "400", "--duration", "0.05",
                             "--repeats", "1")
    assert status == 0
    assert "COBA network, 400 neurons" in out and "machine:" in out and "bytes/synapse" in out


@pytest.mark.parametrize(("argv", "needle"), [
    (["bench", "cuba", "--n", "-5"], "n"),
    (["bench", "cuba", "--duration", "0"], "duration"),
    (["bench", "cuba", "--n", "100", "--duration", "0.01", "--repeats", "0"], "repeats"),
    (["bench", "cuba", "--n", "100", "--duration", "0.01", "--threads", "99"], "threads"),
])
def test_bad_arguments_exit_2_naming_the_parameter(capsys, argv, needle):
    status, out, err = run_cli(capsys, *argv)
    assert status == 2
    assert needle in err and "error" in err
    assert out == ""


def test_unknown_network_is_rejected_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["bench", "hodgkin"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.brian2
def test_bench_against_brian2_standalone_adds_ratio(capsys):
    pytest.importorskip("brian2")
    status, out, _ = run_cli(capsys, "bench", "cuba", "--n", "400", "--duration", "0.1",
                             "--repeats", "1", "--against", "brian2",
                             "--brian2-modes", "standalone", "--json")
    assert status == 0
    r = json.loads(out)
    assert r["brian2_standalone_sim_seconds"] > 0
    assert r["ratio_vs_brian2_standalone"] == pytest.approx(
        r["sim_seconds"] / r["brian2_standalone_sim_seconds"])
    assert r["brian2_standalone_rate_hz"] > 0


def test_bench_ttfr_measures_warm_and_cold_starts(capsys):
    status, out, _ = run_cli(capsys, "bench", "cuba", "--n", "400", "--duration", "0.05",
                             "--repeats", "1", "--ttfr", "--json")
    assert status == 0
    r = json.loads(out)
    # a cold start runs the interpreted first tier (the kernel compiles in the background)
    assert r["time_to_first_result_cold_engine"] == "numpy"
    assert 0 < r["time_to_first_result_cold_seconds"] < 60


@pytest.mark.parametrize(("argv", "needle"), [
    # found by the bad-input conformance suite (tests/conformance/cases_cli.py)
    (["bench", "cuba", "--n", "100", "--duration", "0.002", "--repeats", "1", "--against", "brian2",
      "--brian2-modes", "abc"], "--brian2-modes must be a comma-separated list of standalone, runtime"),
    (["bench", "cuba", "--n", "100", "--duration", "0.002", "--repeats", "99999999999999999999"],
     "repeats must be an integer in [1, 1000]"),  # ran until stopped
    (["simulate", "cuba", "--n", "99999999999999999999", "--duration", "0.002"],
     "a benchmark network of n=99999999999999999999 neurons"),  # a raw ValueError from NumPy
])
def test_bad_arguments_are_refused_before_anything_runs(capsys, tmp_path, monkeypatch, argv, needle):
    monkeypatch.chdir(tmp_path)
    tic = time.perf_counter()
    status, out, err = run_cli(capsys, *argv)
    assert status == 2 and needle in err and out == ""  # nothing was benchmarked or simulated
    assert time.perf_counter() - tic < 10.0
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # and no file written
