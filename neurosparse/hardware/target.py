"""Hardware targets: the chips the cost model prices an OpTrace on, one TOML file each.

A target is a small, frozen record of published numbers. Every number is a
:class:`Quantity` that carries its value and unit as the source states them, an optional
low/high range, the ``source`` (paper or datasheet, with table or figure), its ``basis``
and its ``scope``:

``basis``
    ``measured`` (silicon or wall-power measurement), ``simulated`` (pre-silicon, circuit
    or post-layout simulation), ``derived`` (arithmetic over published numbers; the
    arithmetic is in ``note``), ``specified`` (a vendor datasheet or architectural
    specification: TDP, peak throughput, capacity, tick length) or ``assumed`` (a modelling
    assumption, stated in ``note``).
``scope``
    ``per-term``: one term of a sum (the energy of one operation, excluding memory access,
    static power and other terms priced separately); ``all-in``: the whole chip's energy
    divided by one count at an operating point (TrueNorth's 26 pJ per synaptic event). The
    cost model never adds per-term costs on top of an all-in figure.

File format (see ``targets/*.toml``)::

    name = "loihi"                 # the catalog name (the file's stem)
    description = "..."
    kind = "neuromorphic"          # reference | cpu | gpu | accelerator | neuromorphic
    technology = "Intel 14 nm FinFET"
    default_mode = "event"         # how mode="auto" executes a trace: dense | skip | delta | event
    default_scope = "per-term"     # per-term | all-in: which energy table prices by default
    latency_model = "event"        # roofline | event | none
    precisions = ["int8"]          # arithmetic the target offers; [] = precision-agnostic
    references = ["Davies et al. 2018 ..."]

    [energy.synaptic_op]           # per-term energies, J per operation
    value = 23.6
    unit = "pJ"
    high = 35.5
    source = "Davies et al. 2018, IEEE Micro 38(1), Table 2"
    basis = "simulated"
    scope = "per-term"
    note = "..."

Tables and their keys:

* ``[energy.*]`` (scope per-term) and ``[energy_all_in.*]`` (scope all-in), energies per
  operation: ``mac_P``, ``mul_P``, ``add_P``, ``ac_P`` for ``P`` in fp32, fp16, int8,
  int32; ``synaptic_op``, ``synaptic_update``, ``neuron_update``, ``spike`` (a spike sent),
  ``spike_hop`` (one router hop).
* ``[memory.LEVEL]`` with ``energy`` (energy per data moved: ``pJ/B``, ``pJ/bit``,
  ``pJ/64bit`` ...) and optional ``capacity`` (``KiB``, ``MiB``, ``kB`` ...), and
  ``[memory_roles]`` naming, for ``weights``, ``state`` and ``metadata`` (and optionally
  ``activations``, which otherwise share the ``state`` levels), the level or the list of
  levels (innermost first) that holds them; the cost model takes the first level whose
  capacity holds the model's footprint.
* ``[power.static]``: static (idle/leakage) power, priced as power times run time.
* ``[throughput.*]``: ``peak_macs_P`` and ``peak_acs_P`` (operations per second, one op =
  one MAC or one accumulate) and ``bandwidth_LEVEL`` (bytes per second of a memory level).
* ``[timing.*]``: seconds per ``synaptic_op``, ``neuron_update``, ``spike``, ``spike_hop``;
  ``sync`` (barrier per time step), ``step_min`` (a real-time tick) and ``kernel_launch``
  (a GPU's launch-and-synchronise floor per kernel).
* ``[assumptions.*]``: dimensionless modelling parameters, ``parallel_units`` (units working
  at once), ``hops_per_spike`` and, for GPUs, ``parallel_lanes`` (independent outputs a
  kernel needs to fill the chip: the small-batch utilisation model of
  :mod:`neurosparse.hardware.estimate`).
* ``[mapping.*]``: what one chip holds, for :mod:`neurosparse.hardware.mapping`:
  ``cores_per_chip``, ``neurons_per_core``, ``synapse_memory_per_core`` (a data size) with
  ``synapse_bits`` (bits one synapse takes there), ``axons_in_per_core`` (distinct inputs a
  core accepts: the fan-in limit), ``axons_out_per_core`` (output routes a core holds: the
  fan-out limit) or ``target_cores_per_neuron`` (cores one neuron's spikes can reach), and,
  for a mesh, ``cores_per_tile``, ``mesh_tiles_x`` and ``mesh_tiles_y``. ``power.static`` is
  then the static power of one chip.
* ``[reference.*]``: any other documented number (TDP, an all-in cross-check); shown in the
  catalog table, never priced.

Every number that prices an estimate should carry a range (``low < value < high``); where
the source allows none, or one side only, the optional field ``exact`` says why (a
datasheet peak, a value fixed by construction, the only published figure). A test holds
every shipped target to this.

Units are converted to SI on load (``J``, ``J/B``, ``W``, ``s``, ``1/s``, ``B/s``, ``B``,
``1``); the raw value and unit are kept for display. Throughputs are given in ``ops/s``
where one op is the quantity's own operation (a MAC for ``peak_macs``), never FLOPs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

from neurosparse.errors import TargetError

#: Folder of the bundled catalog.
CATALOG_DIR = Path(__file__).with_name("targets")
BASES = ("measured", "simulated", "derived", "specified", "assumed")
SCOPES = ("per-term", "all-in")
KINDS = ("reference", "cpu", "gpu", "accelerator", "neuromorphic")
MODES = ("dense", "skip", "delta", "event")
PRECISIONS = ("fp32", "fp16", "int8")
LATENCY_MODELS = ("roofline", "event", "none")
ROLES = ("weights", "state", "metadata")
#: Roles a target may place separately; by default they share the ``state`` levels.
OPTIONAL_ROLES = ("activations",)
#: Accumulator format of a MAC or accumulate in each precision (int8 products add in int32).
ACCUMULATOR = {"fp32": "fp32", "fp16": "fp16", "int8": "int32"}

_NUMBER_FORMATS = ("fp32", "fp16", "int8", "int32")
ENERGY_KEYS = frozenset({f"{op}_{p}" for op in ("mac", "mul", "add", "ac") for p in _NUMBER_FORMATS}
                        | {"synaptic_op", "synaptic_update", "neuron_update", "spike", "spike_hop"})
TIMING_KEYS = frozenset({"synaptic_op", "neuron_update", "spike", "spike_hop", "sync", "step_min",
                         "kernel_launch"})
ASSUMPTION_KEYS = frozenset({"parallel_units", "hops_per_spike", "parallel_lanes"})
#: Keys of ``[mapping]`` and their dimensions (see the module docstring).
MAPPING_KEYS = {"cores_per_chip": "1", "neurons_per_core": "1", "synapse_memory_per_core": "B",
                "synapse_bits": "1", "axons_in_per_core": "1", "axons_out_per_core": "1",
                "target_cores_per_neuron": "1", "cores_per_tile": "1", "mesh_tiles_x": "1",
                "mesh_tiles_y": "1"}
POWER_KEYS = frozenset({"static"})
_TOP_KEYS = frozenset({"name", "description", "kind", "technology", "default_mode", "default_scope",
                       "latency_model", "precisions", "references", "energy", "energy_all_in", "memory",
                       "memory_roles", "power", "throughput", "timing", "assumptions", "reference",
                       "mapping"})
_Q_REQUIRED = ("value", "unit", "source", "basis", "scope")
_Q_OPTIONAL = ("low", "high", "note", "exact")

# ------------------------------------------------------------------------------ units
_SI_PREFIX = {"f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "m": 1e-3, "": 1.0,
              "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
_UNITS: dict[str, tuple[str, float]] = {"1": ("1", 1.0)}
for _p in ("f", "p", "n", "u", "µ", "m", ""):
    _UNITS[f"{_p}J"] = ("J", _SI_PREFIX[_p])
for _p in ("u", "µ", "m", "", "k"):
    _UNITS[f"{_p}W"] = ("W", _SI_PREFIX[_p])
for _p in ("p", "n", "u", "µ", "m", ""):
    _UNITS[f"{_p}s"] = ("s", _SI_PREFIX[_p])
for _p in ("", "k", "M", "G", "T"):
    _UNITS[f"{_p}ops/s"] = ("1/s", _SI_PREFIX[_p])
    _UNITS[f"{_p}Hz"] = ("1/s", _SI_PREFIX[_p])
    _UNITS[f"{_p}B/s"] = ("B/s", _SI_PREFIX[_p])
    if _p:
        _UNITS[f"{_p}B"] = ("B", _SI_PREFIX[_p])
_UNITS["1/s"] = ("1/s", 1.0)
_UNITS["B"] = ("B", 1.0)
_UNITS["bit"] = ("B", 0.125)
for _i, _p in enumerate(("Ki", "Mi", "Gi", "Ti"), start=1):
    _UNITS[f"{_p}B"] = ("B", 1024.0 ** _i)
    _UNITS[f"{_p}B/s"] = ("B/s", 1024.0 ** _i)
_PER_DATA = re.compile(r"^(?P<e>[fpnuµm]?J)/(?P<n>[1-9]\d*)?(?P<d>bit|B)$")

#: What each dimension is called in error messages, with example units.
DIMENSIONS = {
    "J": "an energy (fJ, pJ, nJ, uJ, mJ, J)",
    "J/B": "an energy per data moved (pJ/B, pJ/bit, pJ/64bit, nJ/B ...)",
    "W": "a power (uW, mW, W, kW)",
    "s": "a time (ps, ns, us, ms, s)",
    "1/s": "a rate (ops/s, Gops/s, Tops/s, Hz, MHz ...)",
    "B/s": "a bandwidth (B/s, MB/s, GB/s, TB/s, GiB/s ...)",
    "B": "a data size (bit, B, kB, MB, KiB, MiB, GiB)",
    "1": "a dimensionless number (unit \"1\")",
}


def parse_unit(unit: str) -> tuple[str, float]:
    """``(SI unit, factor)`` of a unit string: ``parse_unit("pJ") == ("J", 1e-12)``.

    Raises
    ------
    ValueError
        For a unit outside the known set (see :data:`DIMENSIONS`).
    """
    if unit in _UNITS:
        return _UNITS[unit]
    m = _PER_DATA.match(unit)
    if m:
        bytes_per = (int(m["n"]) if m["n"] else 1) * (0.125 if m["d"] == "bit" else 1.0)
        return "J/B", _UNITS[m["e"]][1] / bytes_per
    raise ValueError(f"unknown unit {unit!r}")


# ------------------------------------------------------------------------------ types
@dataclass(frozen=True)
class Quantity:
    """One sourced number of a target, in SI units (``raw_*`` keep it as written)."""

    name: str
    value: float
    unit: str
    low: float
    high: float
    source: str
    basis: str
    scope: str
    note: str = ""
    exact: str = ""
    raw_value: float = 0.0
    raw_unit: str = ""
    raw_low: float | None = None
    raw_high: float | None = None

    @property
    def has_range(self) -> bool:
        return self.low != self.value or self.high != self.value

    @property
    def range_documented(self) -> bool:
        """``low < value < high``, or an ``exact`` reason says why not."""
        return (self.low < self.value < self.high) or bool(self.exact.strip())

    def display(self) -> str:
        """The value as the source states it, e.g. ``"23.6 pJ"``."""
        return f"{self.raw_value:g}" + ("" if self.raw_unit == "1" else f" {self.raw_unit}")

    def display_range(self) -> str:
        """``"low … high unit"`` as written (a missing end is the value), or ``"–"``."""
        if self.raw_low is None and self.raw_high is None:
            return "–"
        lo = self.raw_value if self.raw_low is None else self.raw_low
        hi = self.raw_value if self.raw_high is None else self.raw_high
        return f"{lo:g} … {hi:g}" + ("" if self.raw_unit == "1" else f" {self.raw_unit}")


@dataclass(frozen=True)
class MemoryLevel:
    """A memory level: energy per byte moved and, optionally, its capacity."""

    name: str
    energy: Quantity
    capacity: Quantity | None = None
    description: str = ""


@dataclass(frozen=True)
class Target:
    """A hardware target: its sourced numbers, loaded and validated from a TOML file.

    Mappings are read-only. See the module docstring for what each table holds.
    """

    name: str
    description: str
    kind: str
    technology: str
    default_mode: str
    default_scope: str
    latency_model: str
    precisions: tuple[str, ...]
    energy: Mapping[str, Quantity]
    energy_all_in: Mapping[str, Quantity]
    memory: Mapping[str, MemoryLevel]
    memory_roles: Mapping[str, tuple[str, ...]]
    power: Mapping[str, Quantity]
    throughput: Mapping[str, Quantity]
    timing: Mapping[str, Quantity]
    assumptions: Mapping[str, Quantity]
    reference: Mapping[str, Quantity]
    references: tuple[str, ...] = ()
    path: str = ""
    mapping: Mapping[str, Quantity] = field(default_factory=lambda: MappingProxyType({}))

    def quantities(self) -> Iterator[Quantity]:
        """Every quantity of the target, named ``section.key`` (memory: ``memory.level.energy``)."""
        for section in ("energy", "energy_all_in"):
            yield from getattr(self, section).values()
        for level in self.memory.values():
            yield level.energy
            if level.capacity is not None:
                yield level.capacity
        for section in ("power", "throughput", "timing", "assumptions", "mapping", "reference"):
            yield from getattr(self, section).values()

    def __repr__(self) -> str:
        return f"Target({self.name!r}, kind={self.kind!r}, path={self.path!r})"


# ------------------------------------------------------------------------------ loading
_extra_dirs: list[Path] = []


def register_target_dir(path: str | Path) -> None:
    """Also look up catalog names in ``path`` (process-wide; later folders win on a clash)."""
    p = Path(path)
    if not p.is_dir():
        raise TargetError(f"register_target_dir: {str(p)!r} is not a folder")
    if p not in _extra_dirs:
        _extra_dirs.append(p)


def _catalog_files() -> dict[str, Path]:
    files = {f.stem: f for f in sorted(CATALOG_DIR.glob("*.toml"))}
    for d in _extra_dirs:
        files.update({f.stem: f for f in sorted(d.glob("*.toml"))})
    return files


def list_targets() -> list[str]:
    """Names of the catalog's targets (and of registered folders'), sorted."""
    return sorted(_catalog_files())


def load_target(name_or_path: str | Path | Target) -> Target:
    """Load a target by catalog name (``"loihi"``) or from a TOML file path.

    Raises
    ------
    TargetError
        The name is unknown and no such file exists (the message lists the catalog), or the
        file is malformed (the message names the field).
    """
    if isinstance(name_or_path, Target):
        return name_or_path
    text = str(name_or_path)
    catalog = _catalog_files()
    if text in catalog:
        path = catalog[text]
    else:
        path = Path(text).expanduser()
        if not path.is_file():
            raise TargetError(
                f"unknown target {text!r}: not a catalog name and no file at that path. "
                f"Catalog targets: {', '.join(sorted(catalog))}; or give the path of a TOML file "
                f"(see neurosparse/hardware/targets/README.md for the format)")
    path = path.resolve()
    return _load_cached(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _load_cached(path: str, mtime_ns: int) -> Target:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TargetError(f"target file {path}: not valid TOML ({exc})") from exc
    target = target_from_dict(data, where=path)
    if Path(path).parent == CATALOG_DIR and target.name != Path(path).stem:
        raise TargetError(f"target file {path}: name {target.name!r} must equal the file name "
                          f"{Path(path).stem!r}")
    return target


def target_from_dict(data: Mapping[str, Any], where: str = "<dict>") -> Target:
    """Validate a parsed TOML document and build the :class:`Target` (``where`` names it in errors)."""
    def fail(msg: str) -> TargetError:
        return TargetError(f"target {where}: {msg}")

    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise fail(f"unknown top-level field(s) {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}")
    for key in ("name", "kind", "default_mode", "latency_model", "precisions"):
        if key not in data:
            raise fail(f"missing required field {key!r}")
    name = _string(data, "name", fail)
    kind = _choice(data, "kind", KINDS, fail)
    default_mode = _choice(data, "default_mode", MODES, fail)
    latency_model = _choice(data, "latency_model", LATENCY_MODELS, fail)
    default_scope = _choice(data, "default_scope", SCOPES, fail) if "default_scope" in data else "per-term"
    precisions = data["precisions"]
    if not isinstance(precisions, list) or any(p not in PRECISIONS for p in precisions):
        raise fail(f"precisions must be a list drawn from {list(PRECISIONS)}, got {precisions!r}")
    references = data.get("references", [])
    if not isinstance(references, list) or not all(isinstance(r, str) for r in references):
        raise fail("references must be a list of strings")

    def table(section: str, keys: frozenset[str] | None, dim: str | Mapping[str, str], *,
              scope: str | None = None, positive: bool = False) -> Mapping[str, Quantity]:
        raw = data.get(section, {})
        if not isinstance(raw, dict):
            raise fail(f"{section} must be a table of quantities")
        out = {}
        for key, qdata in raw.items():
            if keys is not None and key not in keys:
                raise fail(f"unknown quantity {section}.{key}; known: {', '.join(sorted(keys))}")
            d = dim if isinstance(dim, str) else dim[key]
            out[key] = _quantity(f"{section}.{key}", qdata, d, fail, scope=scope, positive=positive)
        return MappingProxyType(out)

    energy = table("energy", ENERGY_KEYS, "J", scope="per-term")
    energy_all_in = table("energy_all_in", ENERGY_KEYS, "J", scope="all-in")
    power = table("power", POWER_KEYS, "W")
    timing = table("timing", TIMING_KEYS, "s")
    assumptions = table("assumptions", ASSUMPTION_KEYS, "1")
    mapping = table("mapping", frozenset(MAPPING_KEYS), MAPPING_KEYS, positive=True)
    reference = table("reference", None, {k: _dimension_of(v) for k, v in
                                          data.get("reference", {}).items()})
    memory = _memory(data.get("memory", {}), fail)
    throughput_raw = data.get("throughput", {})
    tp_dims = {}
    for key in throughput_raw:
        if re.fullmatch(r"peak_(macs|acs)_(fp32|fp16|int8)", key):
            tp_dims[key] = "1/s"
        elif key.startswith("bandwidth_") and key[len("bandwidth_"):] in memory:
            tp_dims[key] = "B/s"
        else:
            raise fail(f"unknown quantity throughput.{key}; known: peak_macs_P, peak_acs_P "
                       f"(P in {', '.join(PRECISIONS)}) and bandwidth_LEVEL for a memory level "
                       f"({', '.join(memory) or 'none defined'})")
    throughput = table("throughput", None, tp_dims, positive=True)
    if "parallel_units" in assumptions and assumptions["parallel_units"].low <= 0:
        raise fail("assumptions.parallel_units must be > 0")
    roles = _roles(data.get("memory_roles"), memory, fail)

    target = Target(
        name=name, description=str(data.get("description", "")), kind=kind,
        technology=str(data.get("technology", "")), default_mode=default_mode,
        default_scope=default_scope, latency_model=latency_model, precisions=tuple(precisions),
        energy=energy, energy_all_in=energy_all_in, memory=memory, memory_roles=roles, power=power,
        throughput=throughput, timing=timing, assumptions=assumptions, reference=reference,
        references=tuple(references), path=str(where), mapping=mapping)
    _check_consistency(target, fail)
    return target


def _string(data: Mapping[str, Any], key: str, fail) -> str:
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{key} must be a non-empty string, got {value!r}")
    return value


def _choice(data: Mapping[str, Any], key: str, allowed: tuple[str, ...], fail) -> str:
    value = data[key]
    if value not in allowed:
        raise fail(f"{key} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _dimension_of(qdata: Any) -> str:
    try:
        return parse_unit(qdata["unit"])[0]
    except (TypeError, KeyError, ValueError):
        return "?"  # _quantity reports the missing or unknown unit with its field name


def _quantity(name: str, qdata: Any, dimension: str, fail, *, scope: str | None = None,
              positive: bool = False) -> Quantity:
    if not isinstance(qdata, dict):
        raise fail(f"{name} must be a table with fields {', '.join(_Q_REQUIRED)}")
    for key in _Q_REQUIRED:
        if key not in qdata:
            raise fail(f"{name}: missing required field {key!r} (every number needs "
                       f"{', '.join(_Q_REQUIRED)})")
    extra = set(qdata) - set(_Q_REQUIRED) - set(_Q_OPTIONAL)
    if extra:
        raise fail(f"{name}: unknown field(s) {sorted(extra)}; allowed: "
                   f"{', '.join(_Q_REQUIRED + _Q_OPTIONAL)}")
    unit = qdata["unit"]
    try:
        si_unit, factor = parse_unit(str(unit))
    except ValueError:
        raise fail(f"{name}.unit: unknown unit {unit!r}; {name} needs "
                   f"{DIMENSIONS.get(dimension, 'a known unit')}") from None
    if dimension != "?" and si_unit != dimension:
        raise fail(f"{name}.unit: {unit!r} is {DIMENSIONS[si_unit]}, but {name} needs "
                   f"{DIMENSIONS[dimension]}")
    nums = {}
    for key in ("value", "low", "high"):
        if key not in qdata:
            continue
        v = qdata[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise fail(f"{name}.{key} must be a finite number, got {v!r}")
        if v < 0:
            raise fail(f"{name}.{key} is negative ({v!r}); energies, powers, times, rates "
                       f"and sizes must be >= 0")
        nums[key] = float(v)
    value = nums["value"]
    low, high = nums.get("low", value), nums.get("high", value)
    if low > value:
        raise fail(f"{name}: low ({low:g}) is above value ({value:g}); need low <= value <= high")
    if value > high:
        raise fail(f"{name}: high ({high:g}) is below value ({value:g}); need low <= value <= high")
    if positive and low <= 0:
        raise fail(f"{name} must be > 0 (it divides work), got {low:g}")
    for key in ("source", "note", "exact"):
        if key in qdata and not isinstance(qdata[key], str):
            raise fail(f"{name}.{key} must be a string")
    if not qdata["source"].strip():
        raise fail(f"{name}.source is empty; say which paper or datasheet (and table or figure)")
    basis = qdata["basis"]
    if basis not in BASES:
        raise fail(f"{name}.basis must be one of {', '.join(BASES)}, got {basis!r}")
    note = qdata.get("note", "")
    if basis in ("derived", "assumed") and not note.strip():
        raise fail(f"{name}: basis {basis!r} needs a note giving the derivation or assumption")
    q_scope = qdata["scope"]
    if q_scope not in SCOPES:
        raise fail(f"{name}.scope must be one of {', '.join(SCOPES)}, got {q_scope!r}")
    if scope is not None and q_scope != scope:
        raise fail(f"{name}.scope is {q_scope!r}, but the {name.split('.')[0]} table holds "
                   f"{scope} figures only (put it in "
                   f"{'energy_all_in' if q_scope == 'all-in' else 'energy'})")
    return Quantity(name=name, value=value * factor, unit=si_unit, low=low * factor,
                    high=high * factor, source=qdata["source"].strip(), basis=basis, scope=q_scope,
                    note=note.strip(), exact=qdata.get("exact", "").strip(), raw_value=value,
                    raw_unit=str(unit),
                    raw_low=nums.get("low"), raw_high=nums.get("high"))


def _memory(raw: Any, fail) -> Mapping[str, MemoryLevel]:
    if not isinstance(raw, dict):
        raise fail("memory must be a table of levels")
    levels = {}
    for name, level in raw.items():
        if not isinstance(level, dict) or "energy" not in level:
            raise fail(f"memory.{name}: missing required field 'energy' (energy per data moved)")
        extra = set(level) - {"energy", "capacity", "description"}
        if extra:
            raise fail(f"memory.{name}: unknown field(s) {sorted(extra)}; allowed: energy, "
                       f"capacity, description")
        energy = _quantity(f"memory.{name}.energy", level["energy"], "J/B", fail)
        capacity = None
        if "capacity" in level:
            capacity = _quantity(f"memory.{name}.capacity", level["capacity"], "B", fail,
                                 positive=True)
        levels[name] = MemoryLevel(name, energy, capacity, str(level.get("description", "")))
    return MappingProxyType(levels)


def _roles(raw: Any, memory: Mapping[str, MemoryLevel], fail) -> Mapping[str, tuple[str, ...]]:
    if not memory:
        if raw:
            raise fail("memory_roles given but no [memory] levels are defined")
        return MappingProxyType({})
    if not isinstance(raw, dict):
        raise fail(f"memory_roles is required when memory levels are defined: give "
                   f"{', '.join(ROLES)} as a level name or a list of level names")
    roles = {}
    for role in ROLES:
        if role not in raw:
            raise fail(f"memory_roles: missing required field {role!r}")
        levels = [raw[role]] if isinstance(raw[role], str) else raw[role]
        if not isinstance(levels, list) or not levels:
            raise fail(f"memory_roles.{role} must be a level name or a non-empty list of them")
        for level in levels:
            if level not in memory:
                raise fail(f"memory_roles.{role}: unknown memory level {level!r}; defined: "
                           f"{', '.join(memory)}")
        roles[role] = tuple(levels)
    for role in OPTIONAL_ROLES:
        levels = raw.get(role, list(roles["state"]))
        levels = [levels] if isinstance(levels, str) else levels
        if not isinstance(levels, list) or not levels or any(lv not in memory for lv in levels):
            raise fail(f"memory_roles.{role} must name defined memory levels ({', '.join(memory)})")
        roles[role] = tuple(levels)
    extra = set(raw) - set(ROLES) - set(OPTIONAL_ROLES)
    if extra:
        raise fail(f"memory_roles: unknown role(s) {sorted(extra)}; roles: "
                   f"{', '.join(ROLES + OPTIONAL_ROLES)}")
    return MappingProxyType(roles)


def _check_consistency(t: Target, fail) -> None:
    if t.default_scope == "all-in" and not t.energy_all_in:
        raise fail("default_scope is 'all-in' but there is no [energy_all_in] table")
    if t.default_scope == "per-term" and not t.energy:
        raise fail("default_scope is 'per-term' but there is no [energy] table")
    for label, table in (("energy", t.energy), ("energy_all_in", t.energy_all_in)):
        if not table:
            continue
        if not t.precisions and "synaptic_op" not in table:
            raise fail(f"precisions is empty (precision-agnostic) but {label} has no synaptic_op")
        for p in t.precisions:
            if not (f"mac_{p}" in table or ("mul_" + p in table and "add_" + ACCUMULATOR[p] in table)
                    or "synaptic_op" in table):
                raise fail(f"{label} cannot price a {p} MAC: give {label}.mac_{p}, or "
                           f"{label}.mul_{p} and {label}.add_{ACCUMULATOR[p]}, or "
                           f"{label}.synaptic_op (or drop {p} from precisions)")
    if t.latency_model == "roofline":
        for p in t.precisions:
            if f"peak_macs_{p}" not in t.throughput:
                raise fail(f"latency_model 'roofline' needs throughput.peak_macs_{p} for every "
                           f"precision listed")
        if not t.precisions:
            raise fail("latency_model 'roofline' needs at least one precision")
    if t.latency_model == "event" and not ({"synaptic_op", "step_min"} & set(t.timing)):
        raise fail("latency_model 'event' needs timing.synaptic_op or timing.step_min")
    if t.mapping:
        for key in ("cores_per_chip", "neurons_per_core"):
            if key not in t.mapping:
                raise fail(f"mapping needs mapping.{key} (give both cores_per_chip and "
                           f"neurons_per_core, or no [mapping] table)")
        if ("synapse_memory_per_core" in t.mapping) != ("synapse_bits" in t.mapping):
            raise fail("mapping.synapse_memory_per_core and mapping.synapse_bits go together")
        mesh = {"cores_per_tile", "mesh_tiles_x", "mesh_tiles_y"} & set(t.mapping)
        if mesh and len(mesh) != 3:
            raise fail("a mesh needs all of mapping.cores_per_tile, mesh_tiles_x and mesh_tiles_y")


# ------------------------------------------------------------------------------ catalog docs
_README_INTRO = """\
# Hardware targets

One TOML file per target. Every number carries its value and unit as the source states
them, a low/high range, its `source` (paper or datasheet, with table or figure), its
`basis` (`measured`, `simulated`, `derived` with the arithmetic in a note, `specified` by a
datasheet or the architecture, or `assumed` with the assumption in a note) and its `scope`
(`per-term`: one term of a sum; `all-in`: whole-chip energy divided by one count, which is
never combined with per-term costs). Units are converted to SI on load.

**Ranges.** Every number that prices an estimate has `low < value < high`, or an `exact`
field saying why it has no range on one side or both (a datasheet peak, zero by
construction, the only published figure, a stated minimum); a test holds every shipped
target to this. Estimates carry the ranges through, so a report's range is never a single
point unless every number behind it is documented as exact.

**Static power** (`power.static`, per chip or device) is charged the same way on every
target, with the choice explicit in every report row: `static="chips"` (default) powers the
whole chips the mapping needs; `static="occupied"` charges the share of cores the model
occupies (the whole device on a GPU or CPU, which cannot power-gate to a model's share).
All-in targets (TrueNorth) already include leakage at their measured operating point:
their estimate is raised to the static floor (static power x run time) for the value and
both bounds, never added on top. Targets without a static figure say so in every row:
SpiNNaker 1 and the SpiNNaker 2 prototype leave out their baseline power (an
underestimate); the CPU's per-op energies include its static share.

**Unpublished figures.** Several chips publish whole-chip power but no energy per
operation (Loihi 2, Xylo, the Jetson's idle power and DRAM energy, SpiNNaker 2's final-chip
baseline). Their files use a documented assumption with a wide range (`basis = "assumed"`,
the reasoning in the note) or derive the figure from a published measurement (Akida's
energy per event from BrainChip's AkidaNet run), never a number no source gives.
`hardware/validation/new_targets.md` has the research behind them, with each source's
provenance.

**Fit and mapping** (`[mapping]`: cores per chip, neurons per core, synapse memory per core
and bits per synapse, input axons per core, output routes per core or target cores per
neuron, mesh tiles). `neurosparse.hardware.mapping.map_trace` packs each population onto as
few cores as those limits allow, says whether the model fits, and gives the cores and chips
it needs; the estimate prices static power for those chips, spreads event work over the
occupied cores, interpolates the barrier between one tile and the whole mesh, and uses the
mean hop distance of the occupied tiles. A model too big for one chip is priced on the chips
it needs, with a note.

**GPUs at small batch** (`timing.kernel_launch`, `assumptions.parallel_lanes`): one kernel
per layer per time step per batch runs in sequence, each taking at least the measured
launch-and-synchronisation floor, else its roofline time at the utilisation of wave
quantization over the GPU's lanes (`neurosparse/hardware/latency.py`).

**Learning**: `energy.synaptic_update` (Loihi: 120 pJ) prices each plasticity update; the
event core's STDP updates are derived from its plastic projections' weight writes (4 B per
update) until OpTrace carries a `synaptic_updates` count.

Load one with `neurosparse.hardware.target.load_target("loihi")` or from your own file with
`load_target("path/to/chip.toml")`; the file format is in the docstring of
`neurosparse/hardware/target.py`. The tables below are generated by
`neurosparse.hardware.target.catalog_table()`; regenerate this file with
`python -m neurosparse.hardware.target` after editing a target (a test checks it is in sync).
"""


def catalog_table(names: list[str | Path] | None = None) -> str:
    """Markdown: for each target (default: the bundled catalog), its header facts and one row
    per quantity, with the notes and references below the table."""
    names = sorted(CATALOG_DIR.glob("*.toml")) if names is None else names
    parts = []
    for name in names:
        t = load_target(name)
        roles = "; ".join(f"{r} in {' → '.join(lv)}" for r, lv in t.memory_roles.items()) or "none"
        parts += [f"## {t.name}", "", t.description, "",
                  f"kind: {t.kind} · technology: {t.technology or '–'} · default mode: "
                  f"{t.default_mode} · default pricing: {t.default_scope} · latency model: "
                  f"{t.latency_model} · precisions: {', '.join(t.precisions) or 'any (agnostic)'}"
                  f" · memory: {roles}", "",
                  "| quantity | value | range | basis | scope | source |",
                  "|---|---|---|---|---|---|"]
        notes = []
        for q in t.quantities():
            parts.append(f"| `{q.name}` | {q.display()} | {q.display_range()} | {q.basis} | "
                         f"{q.scope} | {q.source.replace('|', '/')} |")
            text = " ".join(part for part in (q.note, f"Range: {q.exact}" if q.exact else "") if part)
            if text:
                notes.append(f"* `{q.name}`: {text}")
        if notes:
            parts += ["", "Notes:", "", *notes]
        if t.references:
            parts += ["", "References:", "", *[f"* {r}" for r in t.references]]
        parts.append("")
    return "\n".join(parts)


def catalog_overview(names: list[str | Path] | None = None) -> str:
    """Markdown: one row per target (default: the bundled catalog) with its kind, technology,
    default mode and pricing, its headline energy per operation, its static power and how
    many of its priced numbers are measured, simulated, derived, specified or assumed."""
    names = sorted(CATALOG_DIR.glob("*.toml")) if names is None else names
    rows = ["| target | kind | technology | default | energy per op | static power | "
            "priced numbers by basis |", "|---|---|---|---|---|---|---|"]
    for name in names:
        t = load_target(name)
        table = t.energy_all_in if t.default_scope == "all-in" else t.energy
        key = next((k for k in _HEADLINE if k in table), None)
        energy = "–" if key is None else (f"`{key}` {table[key].display()}"
                                          + _range_text(table[key]))
        static = (t.power["static"].display() + _range_text(t.power["static"])
                  if "static" in t.power else "none (see notes)")
        priced = [q for q in t.quantities() if not q.name.startswith("reference.")
                  and not q.name.endswith(".capacity")]
        bases = ", ".join(f"{sum(q.basis == b for q in priced)} {b}" for b in BASES
                          if any(q.basis == b for q in priced))
        rows.append(f"| [{t.name}](#{t.name}) | {t.kind} | {t.technology or '–'} | "
                    f"{t.default_mode}, {t.default_scope} | {energy} | {static} | {bases} |")
    return "\n".join(rows) + "\n"


#: Which energy a target's overview row shows, the first the target has.
_HEADLINE = ("synaptic_op", "mac_int8", "mac_fp32", "mul_fp32")


def _range_text(q: Quantity) -> str:
    return "" if q.display_range() == "–" else f" ({q.display_range()})"


def render_readme() -> str:
    """The full text of ``targets/README.md``."""
    return (_README_INTRO + "\n## Catalogue\n\n" + catalog_overview() + "\n"
            + catalog_table())


def write_readme(path: str | Path | None = None) -> Path:
    """Write :func:`render_readme` to ``path`` (default: the catalog's README.md), atomically."""
    from neurosparse._io import atomic_write

    text = render_readme().encode("utf-8")
    return atomic_write(path or CATALOG_DIR / "README.md", lambda fh: fh.write(text))


if __name__ == "__main__":  # python -m neurosparse.hardware.target
    print(f"wrote {write_readme()}")
