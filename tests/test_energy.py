"""Energy-report recipes: validation, pricing per sample, the convention rows, rendering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neurosparse.cli import main
from neurosparse.energy import load_recipe, render_report, run_recipe
from neurosparse.errors import NeurosparseError, ParameterError, TargetError, UnknownNameError
from neurosparse.hardware.estimate import E_AC_CONVENTION, E_MAC_CONVENTION, estimate
from neurosparse.optrace import LayerCounts, OpTrace

RECIPE = """
title = "test"
[model]
kind = "optrace"
path = "trace.json"
[pricing]
targets = {targets}
modes = ["skip", "dense"]
convention = true
"""


def four_sample_trace() -> OpTrace:
    trace = OpTrace(n_samples=4, n_steps=5, dt=1e-3, source="test")
    trace.add_layer(LayerCounts("fc1", "linear", dense_ops=4000, effective_macs=900,
                                effective_acs=300, n_params=200, dense_params=200,
                                activations=400, nonzero_activations=100))
    trace.add_layer(LayerCounts("lif1", "population", neuron_updates=400, spikes=60))
    return trace


@pytest.fixture
def recipe_path(tmp_path: Path) -> Path:
    four_sample_trace().save_json(tmp_path / "trace.json")
    path = tmp_path / "r.toml"
    path.write_text(RECIPE.format(targets='["loihi", "horowitz45nm"]'))
    return path


def test_priced_rows_are_per_sample_and_match_estimate(recipe_path):
    result = run_recipe(recipe_path)
    trace = four_sample_trace()
    rows = {(r["target"], r["mode"]): r for r in result.priced}
    assert set(rows) == {(t, m) for t in ("loihi", "horowitz45nm")
                         for m in ("skip", "dense", "skip (E_MAC/E_AC convention)")}
    for (target, mode), row in rows.items():
        conv = "mac_ac" if "convention" in mode else None
        whole = estimate(trace, target, mode=mode.split()[0], convention=conv)
        assert row["energy_j"] == pytest.approx(whole.energy_j / 4, rel=1e-12)
        assert row["per_sample"] is True
        assert row["energy_low_j"] <= row["energy_j"] <= row["energy_high_j"]
    conv = rows[("loihi", "skip (E_MAC/E_AC convention)")]
    assert conv["energy_j"] == pytest.approx((900 * E_MAC_CONVENTION + 300 * E_AC_CONVENTION) / 4)


def test_render_writes_every_file_and_a_consistent_summary(recipe_path, tmp_path):
    written = render_report(run_recipe(recipe_path), tmp_path / "out")
    names = {p.name for p in written.values()}
    assert {"report.md", "report.html", "summary.json", "energy_by_target.png",
            "energy_by_layer.png"} <= names
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["counts"]["run"]["dense_ops"] == 1000.0  # per sample: 4000 / 4
    assert summary["counts"]["run"]["activation_sparsity"] == pytest.approx(0.75)
    html = (tmp_path / "out" / "report.html").read_text()
    assert "data:image/png;base64," in html and "<img" in html  # self-contained
    md = (tmp_path / "out" / "report.md").read_text()
    assert "E_MAC/E_AC convention" in md and "](energy_by_target.png)" in md


def test_report_tables_and_figures_share_one_number_format(recipe_path, tmp_path):
    import re

    from neurosparse.si import format_si, format_si_range

    result = run_recipe(recipe_path)
    render_report(result, tmp_path / "out")
    md = (tmp_path / "out" / "report.md").read_text()
    html = (tmp_path / "out" / "report.html").read_text()
    table = md.split("## Energy and latency per target")[1].split("## Operation counts")[0]
    counts = md.split("## Operation counts")[1].split("## Notes")[0]
    for r in result.priced:
        cells = (format_si(r["energy_j"], "J"), format_si_range(r["energy_low_j"], r["energy_high_j"], "J"),
                 format_si(r["static_energy_j"], "J"), format_si(r["latency_s"], "s"))
        for cell in cells:
            assert f" {cell} |" in table
            assert f"<td>{cell}</td>" in html
    assert not re.search(r"\d[eE][+-]\d", table + counts)  # never "1e+03 nJ"


def test_model_facts_write_whole_numbers_as_written_and_others_in_the_report_format():
    from neurosparse.energy import RecipeResult, _model_info

    result = RecipeResult(recipe=None, traces={}, model_info={
        "test_samples": 360, "time_steps": 20.0, "synaptic_events": 1765978, "accuracy": 0.969444,
        "mean_rate_hz": 5.52275, "model": "MLP, 3 layers", "unknown": float("nan")})
    assert _model_info(result) == ("test_samples = 360, time_steps = 20, synaptic_events = 1,765,978, "
                                   "accuracy = 0.9694, mean_rate_hz = 5.523, model = MLP, 3 layers, "
                                   "unknown = n/a")


def test_cli_energy_renders_into_out(recipe_path, tmp_path, capsys):
    assert main(["energy", str(recipe_path), "--out", str(tmp_path / "cli")]) == 0
    assert (tmp_path / "cli" / "report.html").is_file()
    assert "loihi" in capsys.readouterr().out


def test_recipe_errors_name_the_field(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('title = "x"\n[model]\nkind = "optrace"\n')
    with pytest.raises(ParameterError, match="pricing"):
        load_recipe(path)
    path.write_text('title = "x"\n[model]\nkind = "lstm"\n[pricing]\ntargets = ["cpu"]\n')
    with pytest.raises(UnknownNameError, match="model.kind"):
        load_recipe(path)
    path.write_text('title = "x"\n[model]\nkind = "optrace"\n[pricing]\ntargets = []\n')
    with pytest.raises(ParameterError, match="pricing.targets"):
        load_recipe(path)
    with pytest.raises(ParameterError, match="not found"):
        load_recipe(tmp_path / "missing.toml")


def test_unknown_target_fails_before_the_model_runs(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text(RECIPE.format(targets='["loihi", "tpu_v9"]'))  # trace.json does not exist
    with pytest.raises(TargetError, match="tpu_v9"):
        run_recipe(path)


def test_network_recipe_prices_the_event_core_counts(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text('title = "n"\n[model]\nkind = "network"\nname = "cuba"\nn = 400\n'
                    'duration = 0.05\n[pricing]\ntargets = ["truenorth"]\nmodes = ["event"]\n')
    result = run_recipe(path)
    trace = result.traces["run"]
    assert result.model_info["synaptic_events"] == trace.totals()["synaptic_events"] > 0
    row = result.priced[0]
    assert row["energy_j"] == pytest.approx(estimate(trace, "truenorth", mode="event").energy_j)


def test_unknown_model_options_are_named(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text('title = "n"\n[model]\nkind = "network"\nname = "cuba"\nneurons = 400\n'
                    '[pricing]\ntargets = ["loihi"]\n')
    with pytest.raises(ParameterError, match="neurons.*allowed: duration, n, name, seed"):
        load_recipe(path)


def test_ultralif_core_recipe_prices_pytorch_and_event_core_variants(tmp_path):
    pytest.importorskip("torch")
    path = tmp_path / "u.toml"
    path.write_text('title = "u"\n[model]\nkind = "ultralif_core"\ntask = "digits"\nT = 2\ndepth = 2\n'
                    'epochs = 2\nhidden = 16\nlr_ultralif = 0.01\nlr_surrogate = 0.01\n'
                    '[pricing]\ntargets = ["loihi"]\nmodes = ["auto"]\n')
    result = run_recipe(path)
    assert set(result.traces) == {"ultralif soft", "ultralif hardened", "surrogate",
                                  "ultralif hardened, event core", "surrogate, event core"}
    core, torch_hard = result.traces["ultralif hardened, event core"], result.traces["ultralif hardened"]
    # the core runs the same hardened network: same spikes; two more steps of pipeline fill
    assert core.totals()["spikes"] == pytest.approx(torch_hard.totals()["spikes"])
    assert core.n_steps == 2 + 2 and core.n_samples == result.model_info["test_samples"]
    soft = result.traces["ultralif soft"].totals()
    assert soft["effective_acs"] == 0 and soft["effective_macs"] > 0  # sigmoid "spikes" multiply
    assert 0 <= result.model_info["accuracy_ultralif_hardened"] <= 1
    assert len(result.priced) == 5


# ------------------------------------------------------------------- validation up front
NETWORK_RECIPE = """
title = "n"
[model]
kind = "network"
name = "cuba"
n = 400
duration = 0.05
[pricing]
targets = ["loihi"]
modes = ["event"]
"""


@pytest.fixture
def runners_must_not_run(monkeypatch):
    """Every model runner fails the test if it is called: validation must come first."""
    import neurosparse.energy as energy

    def boom(opts):
        raise AssertionError("the model ran before the recipe was validated")

    monkeypatch.setattr(energy, "MODEL_KINDS", {k: boom for k in energy.MODEL_KINDS})


@pytest.mark.parametrize("old, new, error, needle", [
    ('modes = ["event"]', 'modes = ["evnet"]', ParameterError, "unknown mode 'evnet'"),
    ('modes = ["event"]', 'modes = ["variant"]', ParameterError, "mode 'variant'"),
    ('targets = ["loihi"]', 'targets = ["loihi", "tpu_v9"]', TargetError, "tpu_v9"),
    ('targets = ["loihi"]', 'targets = ["eyeriss_v2"]', ParameterError,
     "eyeriss_v2 has no fp32 arithmetic: its precisions are int8"),
    ('modes = ["event"]', 'modes = ["event"]\nprecision = "fp64"', ParameterError,
     "pricing.precision must be one of fp32, fp16, int8, got 'fp64'"),
    ('modes = ["event"]', 'modes = ["event"]\nstatic = "all"', ParameterError,
     "pricing.static must be one of 'chips', 'occupied', got 'all'"),
    ('modes = ["event"]', 'modes = ["event"]\nbatchsize = 4', ParameterError,
     "unknown key(s) batchsize in pricing"),
    ('modes = ["event"]', 'modes = ["event"]\nbatch_size = 0', ParameterError,
     "pricing.batch_size must be an integer >= 1, got 0"),
    ('modes = ["event"]', 'modes = ["event"]\ntarget_modes = { cpu = ["dense"] }', ParameterError,
     "pricing.target_modes.cpu: 'cpu' is not in pricing.targets"),
    ('modes = ["event"]', 'modes = ["event"]\ntarget_precision = { loihi = "int4" }', ParameterError,
     "pricing.target_precision.loihi must be one of"),
    ('n = 400', 'n = -5', ParameterError, "model.n must be an integer >= 1, got -5"),
    ('n = 400', 'n = 4.5', ParameterError, "model.n must be an integer >= 1, got 4.5"),
    ('duration = 0.05', 'duration = -1.0', ParameterError, "model.duration must be a number in (0, inf)"),
    ('name = "cuba"', 'name = "cubaa"', UnknownNameError, "model.name must be one of cuba, coba"),
    ('title = "n"', 'title = "n"\ntitel = "x"', ParameterError, "unknown key(s) titel"),
    ('[pricing]', '[breakeven]\nfan_in = 0\nn_neurons = 1\nn_steps = 1\n[pricing]', ParameterError,
     "breakeven.fan_in must be an integer >= 1, got 0"),
])
def test_a_bad_recipe_fails_in_milliseconds_before_the_model_runs(tmp_path, runners_must_not_run,
                                                                  old, new, error, needle):
    import time

    assert old in NETWORK_RECIPE
    path = tmp_path / "bad.toml"
    path.write_text(NETWORK_RECIPE.replace(old, new, 1))
    start = time.perf_counter()
    with pytest.raises(error) as info:
        run_recipe(path)
    assert time.perf_counter() - start < 2.0
    assert needle in str(info.value)
    assert str(path) in str(info.value)  # the message names the recipe
    assert isinstance(info.value, NeurosparseError)


def test_a_snn_digits_recipe_with_a_bad_option_fails_before_training(tmp_path, runners_must_not_run):
    path = tmp_path / "d.toml"
    path.write_text('title = "d"\n[model]\nkind = "snn_digits"\nepochs = 0\n'
                    '[pricing]\ntargets = ["loihi"]\n')
    with pytest.raises(ParameterError, match="model.epochs must be an integer >= 1, got 0"):
        run_recipe(path)


def test_target_precision_prices_each_target_at_its_own_precision(recipe_path):
    text = recipe_path.read_text().replace('targets = ["loihi", "horowitz45nm"]',
                                           'targets = ["loihi", "eyeriss_v2"]')
    text = text.replace("convention = true", 'convention = true\ntarget_precision = { eyeriss_v2 = "int8" }\n'
                        'static = "occupied"')
    recipe_path.write_text(text)
    recipe = load_recipe(recipe_path)
    assert recipe.precision_for("eyeriss_v2") == "int8" and recipe.precision_for("loihi") == "fp32"
    result = run_recipe(recipe)
    rows = {(r["target"], r["mode"]): r for r in result.priced}
    assert rows[("eyeriss_v2", "skip")]["precision"] == "int8"
    assert rows[("loihi", "skip")]["precision"] == "fp32"
    assert all(r["static"] == "occupied" for r in result.priced)
    trace = four_sample_trace()
    want = estimate(trace, "eyeriss_v2", mode="skip", precision="int8", static="occupied")
    assert rows[("eyeriss_v2", "skip")]["energy_j"] == pytest.approx(want.energy_j / 4, rel=1e-12)


def test_shipped_recipes_validate():
    root = Path(__file__).resolve().parents[1] / "hardware"
    for name in ("cuba", "snn_digits", "ultralif_core"):
        recipe = load_recipe(root / f"{name}.toml")
        assert recipe.static == "chips" or name == "ultralif_core"
    assert load_recipe(root / "snn_digits.toml").precision_for("eyeriss_v2") == "int8"
