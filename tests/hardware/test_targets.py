"""The target catalog: every file loads with sourced numbers; malformed targets fail clearly."""

from __future__ import annotations

import dataclasses

import pytest

from neurosparse.errors import NeurosparseError, TargetError
from neurosparse.hardware import target as target_mod
from neurosparse.hardware.target import (
    BASES,
    CATALOG_DIR,
    SCOPES,
    catalog_table,
    list_targets,
    load_target,
    parse_unit,
    register_target_dir,
    render_readme,
    target_from_dict,
)

REQUIRED = {"horowitz45nm", "cpu", "a100", "h100", "eyeriss_v2", "loihi", "truenorth", "spinnaker",
            "spinnaker2", "loihi2", "spinnaker2_22nm", "akida_akd1000", "xylo_audio2",
            "jetson_orin_nano"}
#: Every target file shipped in the catalog folder (a new file is tested without being listed).
SHIPPED = sorted(p.stem for p in CATALOG_DIR.glob("*.toml"))

VALID = """\
name = "mychip"
kind = "accelerator"
default_mode = "skip"
latency_model = "roofline"
precisions = ["int8"]

[energy.mac_int8]
value = 0.5
unit = "pJ"
source = "our measurement, Table 1"
basis = "measured"
scope = "per-term"

[throughput.peak_macs_int8]
value = 100
unit = "Gops/s"
source = "datasheet"
basis = "specified"
scope = "per-term"
"""


def write(tmp_path, text, name="mychip.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_catalog_holds_every_required_target():
    assert REQUIRED <= set(list_targets())


@pytest.mark.parametrize("name", SHIPPED)
def test_every_catalog_target_loads_with_its_file_name(name):
    t = load_target(name)
    assert t.name == name
    assert t.path == str((CATALOG_DIR / f"{name}.toml").resolve())
    assert t.description and t.references


@pytest.mark.parametrize("name", SHIPPED)
def test_every_quantity_has_source_basis_scope_and_a_finite_nonnegative_value(name):
    quantities = list(load_target(name).quantities())
    assert quantities
    for q in quantities:
        assert q.source.strip(), q.name
        assert q.basis in BASES, q.name
        assert q.scope in SCOPES, q.name
        assert 0 <= q.low <= q.value <= q.high, q.name
        if q.basis in ("derived", "assumed"):
            assert q.note.strip(), f"{name}: {q.name} is {q.basis} but has no note"


@pytest.mark.parametrize("name", SHIPPED)
def test_every_range_is_ordered_as_written_and_in_si(name):
    for q in load_target(name).quantities():
        lo = q.raw_value if q.raw_low is None else q.raw_low
        hi = q.raw_value if q.raw_high is None else q.raw_high
        assert lo <= q.raw_value <= hi, q.name
        assert q.low == pytest.approx(q.value * lo / q.raw_value if q.raw_value else q.low), q.name
        assert q.high == pytest.approx(q.value * hi / q.raw_value if q.raw_value else q.high), q.name


@pytest.mark.parametrize("name", SHIPPED)
def test_every_target_names_its_references_and_says_what_it_is(name):
    t = load_target(name)
    assert t.references and all(r.strip() for r in t.references)
    assert t.technology.strip() and len(t.description) > 100


@pytest.mark.parametrize("name", SHIPPED)
def test_assumed_energies_carry_a_range_of_at_least_a_factor_of_two(name):
    """An unpublished per-op energy is an assumption: its range must say how little is known."""
    for q in load_target(name).energy.values():
        if q.basis == "assumed" and q.value > 0:
            assert q.high >= 2 * q.low, f"{name}: {q.name} {q.low:g} ... {q.high:g}"


def test_all_in_figures_live_only_in_the_all_in_table():
    for name in list_targets():
        t = load_target(name)
        assert all(q.scope == "per-term" for q in t.energy.values())
        assert all(q.scope == "all-in" for q in t.energy_all_in.values())


def test_truenorth_is_priced_all_in_and_loihi_per_term():
    assert load_target("truenorth").default_scope == "all-in"
    assert load_target("truenorth").energy_all_in["synaptic_op"].value == pytest.approx(26e-12)
    assert load_target("loihi").energy["synaptic_op"].value == pytest.approx(23.6e-12)


@pytest.mark.parametrize("unit, si, factor", [
    ("pJ", "J", 1e-12), ("nJ", "J", 1e-9), ("uJ", "J", 1e-6), ("µJ", "J", 1e-6), ("J", "J", 1.0),
    ("mW", "W", 1e-3), ("W", "W", 1.0), ("ns", "s", 1e-9), ("us", "s", 1e-6), ("ms", "s", 1e-3),
    ("Gops/s", "1/s", 1e9), ("Tops/s", "1/s", 1e12), ("GB/s", "B/s", 1e9), ("TB/s", "B/s", 1e12),
    ("KiB", "B", 1024.0), ("MiB", "B", 1048576.0), ("kB", "B", 1000.0), ("bit", "B", 0.125),
    ("pJ/B", "J/B", 1e-12), ("pJ/bit", "J/B", 8e-12), ("pJ/64bit", "J/B", 1e-12 / 8),
    ("nJ/64bit", "J/B", 1e-9 / 8), ("pJ/8bit", "J/B", 1e-12), ("1", "1", 1.0),
])
def test_unit_conversion_to_si_is_exact(unit, si, factor):
    assert parse_unit(unit) == (si, factor)


def test_loaded_values_are_converted_to_si():
    h = load_target("horowitz45nm")
    assert h.energy["mul_fp32"].value == pytest.approx(3.7e-12, rel=1e-15)
    assert h.memory["sram_8kb"].energy.value == pytest.approx(10e-12 / 8, rel=1e-15)
    assert h.memory["sram_8kb"].capacity.value == 8192
    assert h.memory["dram"].energy.low == pytest.approx(1.3e-9 / 8, rel=1e-15)
    assert load_target("loihi").power["static"].value == pytest.approx(0.1044, rel=1e-15)
    assert load_target("a100").throughput["bandwidth_hbm"].value == pytest.approx(2.039e12, rel=1e-15)
    assert load_target("a100").memory["hbm"].energy.value == pytest.approx(3.9e-12 * 8, rel=1e-15)
    q = h.energy["mul_fp32"]
    assert (q.raw_value, q.raw_unit) == (3.7, "pJ")


def test_a_valid_user_file_loads_from_its_path(tmp_path):
    t = load_target(write(tmp_path, VALID))
    assert t.name == "mychip" and t.precisions == ("int8",)
    assert t.energy["mac_int8"].value == pytest.approx(0.5e-12)
    assert t.default_scope == "per-term"
    assert load_target(str(tmp_path / "mychip.toml")) is t  # cached while the file is unchanged


@pytest.mark.parametrize("old, new, needle", [
    ('source = "our measurement, Table 1"\n', "", "energy.mac_int8: missing required field 'source'"),
    ('value = 0.5\n', "", "energy.mac_int8: missing required field 'value'"),
    ('basis = "measured"\n', "", "energy.mac_int8: missing required field 'basis'"),
    ('scope = "per-term"\n', "", "energy.mac_int8: missing required field 'scope'"),
    ('value = 0.5', 'value = -0.5', "energy.mac_int8.value is negative"),
    ('value = 0.5', 'value = nan', "energy.mac_int8.value must be a finite number"),
    ('unit = "pJ"', 'unit = "pj"', "energy.mac_int8.unit: unknown unit 'pj'"),
    ('unit = "pJ"', 'unit = "mW"', "energy.mac_int8.unit: 'mW' is a power"),
    ('basis = "measured"', 'basis = "guessed"', "energy.mac_int8.basis must be one of"),
    ('scope = "per-term"\n\n[throughput', 'scope = "all in"\n\n[throughput', "energy.mac_int8.scope must be"),
    ('scope = "per-term"\n\n[throughput', 'scope = "all-in"\n\n[throughput', "put it in energy_all_in"),
    ('value = 0.5', 'value = 0.5\nlow = 0.7', "low (0.7) is above value (0.5)"),
    ('value = 0.5', 'value = 0.5\nhigh = 0.2', "high (0.2) is below value (0.5)"),
    ('basis = "measured"', 'basis = "derived"', "energy.mac_int8: basis 'derived' needs a note"),
    ('value = 0.5', 'valeu = 0.5\nvalue = 0.5', "energy.mac_int8: unknown field(s) ['valeu']"),
    ('kind = "accelerator"\n', "", "missing required field 'kind'"),
    ('kind = "accelerator"', 'kind = "fpga"', "kind must be one of"),
    ('precisions = ["int8"]', 'precisions = ["fp64"]', "precisions must be a list"),
    ('[energy.mac_int8]', '[energy.mac_int4]', "unknown quantity energy.mac_int4"),
    ('[throughput.peak_macs_int8]', '[throughput.peak_macs_fp32]', "needs throughput.peak_macs_int8"),
    ('name = "mychip"', 'name = "mychip"\ncolour = "red"', "unknown top-level field(s) ['colour']"),
])
def test_malformed_targets_fail_naming_the_field(tmp_path, old, new, needle):
    assert old in VALID
    path = write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(TargetError) as info:
        load_target(path)
    assert needle in str(info.value)
    assert str(path.resolve()) in str(info.value)  # the message names the file


def test_target_error_is_a_neurosparse_value_error():
    assert issubclass(TargetError, NeurosparseError) and issubclass(TargetError, ValueError)


def test_invalid_toml_is_a_clear_error(tmp_path):
    with pytest.raises(TargetError, match="not valid TOML"):
        load_target(write(tmp_path, "name = \n"))


def test_unknown_name_lists_the_catalog():
    with pytest.raises(TargetError) as info:
        load_target("loihi3")
    msg = str(info.value)
    assert "unknown target 'loihi3'" in msg
    for name in REQUIRED:
        assert name in msg


def test_memory_roles_must_name_defined_levels(tmp_path):
    text = VALID + """
[memory.sram.energy]
value = 1
unit = "pJ/B"
source = "s"
basis = "measured"
scope = "per-term"

[memory_roles]
weights = "sram"
state = ["sram", "dram"]
metadata = "sram"
"""
    with pytest.raises(TargetError, match="memory_roles.state: unknown memory level 'dram'"):
        load_target(write(tmp_path, text))
    with pytest.raises(TargetError, match="memory_roles: missing required field 'metadata'"):
        fixed = text.replace('["sram", "dram"]', '"sram"').replace('metadata = "sram"\n', "")
        load_target(write(tmp_path, fixed, "b.toml"))


def test_missing_memory_energy_is_named(tmp_path):
    text = VALID + '\n[memory.sram]\ndescription = "no energy"\n'
    with pytest.raises(TargetError, match="memory.sram: missing required field 'energy'"):
        load_target(write(tmp_path, text))


def test_targets_are_frozen():
    t = load_target("loihi")
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.name = "other"
    with pytest.raises(TypeError):
        t.energy["synaptic_op"] = None


def test_target_from_dict_builds_without_a_file():
    import tomllib

    t = target_from_dict(tomllib.loads(VALID), where="inline")
    assert t.path == "inline"


def test_registered_folder_extends_the_catalog(tmp_path, monkeypatch):
    monkeypatch.setattr(target_mod, "_extra_dirs", [])
    write(tmp_path, VALID)
    assert "mychip" not in list_targets()
    register_target_dir(tmp_path)
    assert "mychip" in list_targets()
    assert load_target("mychip").name == "mychip"
    with pytest.raises(TargetError, match="not a folder"):
        register_target_dir(tmp_path / "missing")


def test_catalog_table_lists_every_target_and_quantity():
    table = catalog_table()
    for name in REQUIRED:
        assert f"## {name}" in table
    assert "| `energy.synaptic_op` | 23.6 pJ |" in table
    assert "| `energy_all_in.synaptic_op` | 26 pJ | 21.7 … 28.1 pJ | measured | all-in |" in table


def test_readme_is_in_sync_with_the_catalog():
    readme = (CATALOG_DIR / "README.md").read_text(encoding="utf-8")
    assert readme == render_readme(), "regenerate with: python -m neurosparse.hardware.target"


def test_catalog_overview_has_one_row_per_shipped_target_with_its_headline_energy():
    from neurosparse.hardware.target import catalog_overview

    rows = [line for line in catalog_overview().splitlines()[2:] if line.startswith("| [")]
    assert [row.split("]")[0][3:] for row in rows] == SHIPPED
    loihi2 = next(row for row in rows if row.startswith("| [loihi2]"))
    assert "`synaptic_op` 3.4 pJ (0.7 … 6.8 pJ)" in loihi2 and "104 mW (35 … 300 mW)" in loihi2
