"""The cost model against published measurements (hardware/VALIDATION.md): every case's verdict
holds as documented, the document and the README's headline are the computed ones, and the
workloads are counted as their papers state them."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurosparse.hardware import workloads as wl
from neurosparse.hardware.estimate import estimate
from neurosparse.hardware.target import load_target
from neurosparse.hardware.validation import (
    DOCUMENT,
    KERAS_SPIKING_DEVICES,
    Param,
    comparisons,
    fmt,
    headline,
    implied,
    keras_spiking_energy,
    main,
    render,
)
from neurosparse.hardware.validation_cases import CASES

BY_KEY = {case.key: case for case in CASES}


@pytest.fixture(scope="module")
def results():
    return {c.case.key: c for c in comparisons()}


# ------------------------------------------------------------------------------ verdicts
@pytest.mark.parametrize("key", sorted(BY_KEY))
def test_every_case_keeps_its_documented_verdict(key, results):
    c = results[key]
    m = c.case.measured.value
    assert c.estimate.low <= c.estimate.value <= c.estimate.high
    if c.case.verdict == "within":
        assert c.estimate.low * (1 - 1e-9) <= m <= c.estimate.high * (1 + 1e-9), (
            f"{key}: measured {m:g} left the estimate's range [{c.estimate.low:g}, {c.estimate.high:g}]")
    else:
        lo, hi = c.case.band
        assert not c.estimate.low <= m <= c.estimate.high, f"{key}: the documented gap closed"
        assert lo <= c.ratio.value <= hi, f"{key}: ratio {c.ratio.value:g} left its band [{lo}, {hi}]"
    assert c.holds


def test_every_target_of_the_issue_has_a_measured_figure_with_a_ratio(results):
    kinds = {load_target(c.case.target).kind for c in results.values()}
    assert {"gpu", "accelerator", "neuromorphic"} <= kinds
    targets = {c.case.target for c in results.values()}
    assert {"loihi", "truenorth", "a100", "eyeriss_v2"} <= targets
    assert targets & {"spinnaker2", "spinnaker2_22nm"}
    assert targets & {"akida_akd1000", "xylo_audio2"}
    for c in results.values():
        assert c.ratio.value > 0 and c.case.measured.tag.startswith("[")


def test_loihi_per_op_energies_cannot_reach_blouws_dynamic_energy_at_any_rate(results):
    """measurements.md: Table 2 prices the network under 40 uJ against 274 uJ measured."""
    c = results["loihi-kws-dynamic"]
    assert c.estimate.high < 50e-6 < c.case.measured.value
    assert c.implied is None  # no rate up to a spike every step reaches it
    assert c.ratio.high < 0.2


def test_loihi_marginal_branch_cost_matches_at_a_plausible_rate(results):
    c = results["loihi-branches"]
    assert 0.05 < c.implied < 0.15  # spikes per neuron per step, inside the LIF's range
    ends = {**c.case.ends("value"), "input_rate": c.implied, "hidden_rate": c.implied}
    assert c.case.evaluate(ends, None).value == pytest.approx(c.case.measured.value, rel=1e-6)


def test_loihi_total_is_static_power_over_the_measured_run_time(results):
    c = results["loihi-kws-total"]
    dynamic = results["loihi-kws-dynamic"].estimate.value
    assert c.estimate.value == pytest.approx(dynamic + 0.1044 / 296, rel=1e-9)
    assert c.estimate.low == pytest.approx(results["loihi-kws-dynamic"].estimate.low + 0.0295 / 296,
                                           rel=1e-9)


def test_truenorth_per_event_energy_is_the_all_in_figure_above_the_floor(results):
    c = results["truenorth-cassidy"]
    assert c.estimate.value == pytest.approx(26e-12, rel=1e-9)
    assert c.estimate.low == pytest.approx(21.7e-12, rel=1e-9)  # Cassidy 2014, the TOML's low
    assert c.estimate.high == pytest.approx(28.1e-12, rel=1e-9)


def test_truenorth_bracket_runs_from_the_static_floor_to_the_test_networks_activity(results):
    c = results["truenorth-merolla"]
    assert c.estimate.low == pytest.approx(42e-3, rel=1e-9)  # no activity: the floor
    events = wl.TRUENORTH_CORES * wl.TRUENORTH_AXONS * 20 * 128
    assert c.estimate.value == pytest.approx(events * 26e-12, rel=1e-9)
    assert c.estimate.high == pytest.approx(events * 28.1e-12, rel=1e-9)


def test_calibrations_are_labelled(results):
    assert results["akida-akidanet"].case.kind == "calibration"
    assert results["spinnaker2-dvfs"].case.kind == "calibration"
    assert results["akida-akidanet"].ratio.value == pytest.approx(1.0, abs=0.05)


def test_conventions_are_priced_on_the_same_counts(results):
    c = results["loihi-kws-dynamic"]
    trace = wl.blouw_kws(input_rate=0.1, hidden_rate=0.1)
    events = sum(lay.synaptic_events for lay in trace.layers.values())
    assert c.mac_ac.value == pytest.approx(events * 0.9e-12, rel=1e-12)
    updates = sum(lay.neuron_updates for lay in trace.layers.values())
    assert c.keras.value == pytest.approx(events * 27.1e-12 + updates * 81e-12, rel=1e-12)
    gpu = results["a100-offline-energy"]
    assert gpu.mac_ac.value == pytest.approx(wl.resnet50_v15().totals()["dense_ops"] * 4.6e-12, rel=1e-12)


def test_keras_spiking_non_spiking_device_runs_every_connection():
    trace = wl.mobilenet_v1(weight_density=0.5, activation_density=0.5)
    tot = trace.totals()
    _, e_syn, e_neuron = KERAS_SPIKING_DEVICES["gpu"]
    assert keras_spiking_energy(trace, "gpu") == pytest.approx(
        tot["dense_ops"] * e_syn + tot["activations"] * e_neuron, rel=1e-12)


def test_implied_is_none_without_a_parameter_to_solve():
    assert implied(BY_KEY["a100-offline-throughput"]) is None


def test_param_refuses_a_value_outside_its_range():
    with pytest.raises(ValueError, match="low <= value <= high"):
        Param("rate", 2.0, 0.0, 1.0, "x")


# ------------------------------------------------------------------------------ documents
def test_validation_md_is_the_rendered_table(results):
    assert DOCUMENT.read_text(encoding="utf-8") == render(list(results.values())), (
        "hardware/VALIDATION.md is out of date: run python -m neurosparse.hardware.validation")


def test_hardware_readme_carries_the_computed_headline(results):
    readme = (DOCUMENT.parent / "README.md").read_text(encoding="utf-8")
    assert headline(list(results.values())) in readme


def test_main_writes_and_checks(tmp_path: Path, capsys):
    out = tmp_path / "V.md"
    assert main(["--out", str(out)]) == 0
    assert main(["--out", str(out), "--check"]) == 0
    out.write_text("stale", encoding="utf-8")
    assert main(["--out", str(out), "--check"]) == 1
    assert "OUT OF DATE" in capsys.readouterr().out


def test_fmt_uses_si_prefixes():
    assert fmt(2.7e-4, "J") == "270 µJ"
    assert fmt(21.7e-12, "J/op") == "21.7 pJ/op"
    assert fmt(42_379.3, "1/s") == "42,379 /s"
    assert fmt(63e-3, "W") == "63 mW"


# ------------------------------------------------------------------------------ workloads
def test_blouw_kws_counts_events_as_spikes_times_fan_out():
    t = wl.blouw_kws(n_steps=10, input_rate=0.2, hidden_rate=0.1, n_inferences=3)
    assert t.layers["input->layer1:w"].synaptic_events == pytest.approx(390 * 10 * 3 * 0.2 * 256)
    assert t.layers["layer1->layer2:w"].synaptic_events == pytest.approx(256 * 10 * 3 * 0.1 * 256)
    assert t.layers["layer2"].neuron_updates == 256 * 10 * 3
    assert sum(lay.n_params for lay in t.layers.values()) == 390 * 256 + 256 * 256


def test_blouw_branches_have_the_papers_neuron_count():
    for n in (0, 1, 4):
        t = wl.blouw_branches(n, input_rate=0.1, hidden_rate=0.1)
        neurons = sum(lay.neuron_updates for lay in t.layers.values()) / t.n_steps
        assert neurons == n * 10 * 256 + 512  # "# neurons = N*10*256 + 512"
        projections = [lay for lay in t.layers.values() if lay.kind == "projection"]
        assert len(projections) == 2 + 11 * n


def test_truenorth_core_fits_one_core_and_a_chip_is_4096_of_them():
    t = wl.truenorth_core(rate_hz=20, active_synapses=128)
    r = estimate(t, "truenorth", static="occupied")
    assert r.mapping["cores"] == 1 and r.mapping["fits"]
    assert t.layers["axons->neurons:crossbar"].synaptic_events == pytest.approx(256 * 20 * 128)
    with pytest.raises(Exception, match="active_synapses"):
        wl.truenorth_core(rate_hz=20, active_synapses=300)


def test_conv_workloads_match_their_papers_totals():
    r50 = wl.resnet50_v15()
    assert r50.totals()["dense_ops"] == pytest.approx(4.09e9, rel=2e-3)
    assert sum(lay.n_params for lay in r50.layers.values()) == 25_502_912  # conv + fc weights
    mobile = wl.mobilenet_v1()
    assert mobile.totals()["dense_ops"] == pytest.approx(569e6, rel=2e-3)  # Howard et al. 2017
    assert sum(lay.n_params for lay in mobile.layers.values()) == pytest.approx(4.2e6, rel=0.01)
    alex = wl.alexnet_conv()
    assert alex.totals()["dense_ops"] == pytest.approx(666e6, rel=1e-3)  # Chen et al. ISSCC 2016
    assert sum(lay.n_params for lay in alex.layers.values()) == pytest.approx(2.3e6, rel=0.02)


def test_akidanet_has_the_documented_parameter_count():
    t = wl.akidanet_05()
    weights = sum(lay.n_params for lay in t.layers.values())
    biases = sum((16, 32, 64, 64, 128, 128, 256) + (256,) * 5 + (512, 512, 1000))  # one per channel
    assert weights + biases == 1_375_880  # BrainChip's model zoo: the Keras model's parameters
    assert t.totals()["dense_ops"] == 350_502_144
    assert wl.akidanet_05(downsample="pool").totals()["dense_ops"] > t.totals()["dense_ops"]


def test_sparse_conv_counts_are_the_product_of_densities():
    t = wl.mobilenet_v1(weight_density=0.5, activation_density=0.4)
    pw = t.layers["pw3"]
    assert pw.effective_macs == pytest.approx(pw.dense_ops * 0.5 * 0.4)
    assert pw.nonzero_input_ops == pytest.approx(pw.dense_ops * 0.4)
    first = t.layers["conv0"]
    assert first.effective_macs == pytest.approx(first.dense_ops * 0.5)  # the image is dense


def test_conv_workloads_count_as_torch_counts_them():
    torch = pytest.importorskip("torch")
    from torch import nn

    from neurosparse.hardware import count

    def bottleneck(c_in, width, stride):
        return [nn.Conv2d(c_in, width, 1, bias=False), nn.ReLU(),
                nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.ReLU(),
                nn.Conv2d(width, 4 * width, 1, bias=False), nn.ReLU()]

    # the main path of ResNet-50 v1.5 as a chain (the shortcut convolutions are added apart)
    layers, c_in, shortcut = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.ReLU(), nn.MaxPool2d(3, 2, 1)], 64, 0
    side = 56
    for stage, (blocks, width) in enumerate(zip((3, 4, 6, 3), (64, 128, 256, 512)), start=1):
        for b in range(blocks):
            stride = 2 if b == 0 and stage > 1 else 1
            layers += bottleneck(c_in, width, stride)
            side //= stride
            if b == 0:
                shortcut += side * side * 4 * width * c_in
            c_in = 4 * width
    model = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1000, bias=False))
    with torch.no_grad():
        counted = count(model, torch.randn(1, 3, 224, 224)).totals()["dense_ops"]
    assert counted + shortcut == wl.resnet50_v15().totals()["dense_ops"]

    mobile = [nn.Conv2d(3, 32, 3, 2, 1, bias=False), nn.ReLU()]
    c_in = 32
    for c_out, stride in [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + \
            [(1024, 2), (1024, 1)]:
        mobile += [nn.Conv2d(c_in, c_in, 3, stride, 1, groups=c_in, bias=False), nn.ReLU(),
                   nn.Conv2d(c_in, c_out, 1, bias=False), nn.ReLU()]
        c_in = c_out
    model = nn.Sequential(*mobile, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1024, 1000, bias=False))
    with torch.no_grad():
        counted = count(model, torch.randn(1, 3, 224, 224)).totals()["dense_ops"]
    assert counted == wl.mobilenet_v1().totals()["dense_ops"]
