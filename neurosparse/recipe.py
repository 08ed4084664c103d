"""Energy-report recipes: parse a recipe file and validate all of it before anything runs.

The format is in the docstring of :mod:`neurosparse.energy`. :func:`load_recipe` checks every
key (unknown keys are refused with the allowed ones), every value's type and range, every
target name (each target is loaded), every mode, the precision of every target (a target
that lacks it is refused, naming the precisions it has; ``pricing.target_precision`` sets
another one per target), the static-power choice, and the model's options with their values,
so that a typo fails in milliseconds instead of after minutes of training. Every error is a
:class:`~neurosparse.errors.NeurosparseError` naming the recipe file, the field, its value
and what is allowed.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from neurosparse.errors import NeurosparseError, ParameterError, UnknownNameError

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

__all__ = ["MODEL_OPTIONS", "RECIPE_MODES", "Recipe", "load_recipe"]

#: Options each model kind accepts (None: the fields of the experiment's Config, checked there).
MODEL_OPTIONS: dict[str, set[str] | None] = {
    "network": {"name", "n", "duration", "seed"},
    "snn_digits": {"n_steps", "epochs", "seed", "batch_size"},
    "delta_video": None,  # Config fields of neurosparse.experiments.delta_video, plus inference_batch
    "ultralif_core": {"task", "T", "depth", "sparsity", "seed", "epochs", "hidden", "lr_ultralif",
                      "lr_surrogate"},
    "optrace": {"path"},
}
#: Tasks of neurosparse.experiments.ultralif_compare.load_task.
ULTRALIF_TASKS = ("digits", "mnist", "manifolds", "saccades", "audio")
#: The variants a kind produces whose names are modes (``modes = ["variant"]``).
VARIANT_MODES = {"delta_video": ("dense", "skip", "delta")}
_TOP_KEYS = ("title", "description", "model", "pricing", "breakeven")
_PRICING_KEYS = ("targets", "modes", "target_modes", "precision", "target_precision", "convention",
                 "static", "batch_size")
_BREAKEVEN_KEYS = ("fan_in", "n_neurons", "n_steps", "ann_target")


def _modes() -> tuple[str, ...]:
    from neurosparse.hardware.target import MODES

    return ("auto", "variant", *MODES)


RECIPE_MODES = _modes()


@dataclass
class Recipe:
    """A parsed, validated recipe."""

    title: str
    model: dict[str, Any]
    targets: list[str]
    modes: list[str]
    precision: str = "fp32"
    convention: bool = False
    description: str = ""
    path: Path | None = None
    target_modes: dict[str, list[str]] = field(default_factory=dict)
    breakeven: dict[str, Any] = field(default_factory=dict)
    target_precision: dict[str, str] = field(default_factory=dict)
    static: str = "chips"
    batch_size: int | None = None

    def precision_for(self, target: str) -> str:
        """The precision ``target`` (as named in ``targets``) is priced at."""
        return self.target_precision.get(target, self.precision)


def load_recipe(path: str | os.PathLike) -> Recipe:
    """Read a recipe file and validate all of it (module docstring); nothing is run.

    Raises
    ------
    NeurosparseError
        ``ParameterError`` for a bad key or value, ``UnknownNameError`` for an unknown model
        kind, ``TargetError`` for a target that does not load; each names the recipe, the
        field, its value and what is allowed.
    """
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"recipe file {str(path)!r} not found")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"recipe {path}: not valid TOML ({exc})") from exc
    try:
        return _validate(data, path)
    except NeurosparseError as exc:
        if str(path) in str(exc):
            raise
        raise type(exc)(f"recipe {path}: {exc}") from exc


def _validate(data: dict[str, Any], path: Path) -> Recipe:
    from neurosparse.hardware.estimate import STATIC_CHOICES, check_precision
    from neurosparse.hardware.target import PRECISIONS, load_target

    _known(data, _TOP_KEYS, "the recipe's top level")
    for key in ("title", "model", "pricing"):
        if key not in data:
            raise ParameterError(f"missing required field {key!r}")
    title = _text(data, "title", required=True)
    description = _text(data, "description")
    model = _table(data, "model")
    kind = model.get("kind")
    if kind not in MODEL_OPTIONS:
        raise UnknownNameError(f"model.kind must be one of {', '.join(MODEL_OPTIONS)}, got {kind!r}")
    allowed = MODEL_OPTIONS[kind]
    if allowed is not None:
        unknown = sorted(set(model) - {"kind"} - allowed)
        if unknown:
            raise ParameterError(f"unknown model option(s) {', '.join(unknown)} for kind {kind!r}; "
                                 f"allowed: {', '.join(sorted(allowed))}")
    base = path.parent
    if kind == "optrace" and "path" in model and isinstance(model["path"], str) \
            and not Path(model["path"]).is_absolute():
        model["path"] = str(base / model["path"])

    pricing = _table(data, "pricing")
    _known(pricing, _PRICING_KEYS, "pricing")
    names = pricing.get("targets")
    if not names or not isinstance(names, list) or not all(isinstance(t, str) for t in names):
        raise ParameterError(f"pricing.targets must be a non-empty list of target names, got "
                             f"{names!r}")
    resolved = [str(base / t) if t.endswith(".toml") and not Path(t).is_absolute() else t for t in names]
    targets = {name: load_target(r) for name, r in zip(names, resolved)}
    _check_model(kind, model)
    modes = _mode_list(pricing.get("modes", ["auto"]), "pricing.modes", kind)
    target_modes = _per_target(pricing, "target_modes", "modes", names,
                               lambda v, where: _mode_list(v, where, kind))
    precision = pricing.get("precision", "fp32")
    if precision not in PRECISIONS:
        raise ParameterError(f"pricing.precision must be one of {', '.join(PRECISIONS)}, got "
                             f"{precision!r}")

    def one_precision(p: Any, where: str) -> str:
        if p not in PRECISIONS:
            raise ParameterError(f"{where} must be one of {', '.join(PRECISIONS)}, got {p!r}")
        return p

    target_precision = _per_target(pricing, "target_precision", "precision", names, one_precision)
    for name, t in targets.items():
        check_precision(t, target_precision.get(name, precision))
    convention = pricing.get("convention", False)
    if not isinstance(convention, bool):
        raise ParameterError(f"pricing.convention must be true or false, got {convention!r}")
    static = pricing.get("static", "chips")
    if static not in STATIC_CHOICES:
        raise ParameterError(f"pricing.static must be one of {', '.join(map(repr, STATIC_CHOICES))}, "
                             f"got {static!r}")
    batch_size = pricing.get("batch_size")
    if batch_size is not None:
        batch_size = _count(batch_size, "pricing.batch_size", 1)

    breakeven = dict(_table(data, "breakeven")) if "breakeven" in data else {}
    if breakeven:
        _known(breakeven, _BREAKEVEN_KEYS, "breakeven")
        for key in ("fan_in", "n_neurons", "n_steps"):
            if key not in breakeven:
                raise ParameterError(f"breakeven.{key} must be an integer >= 1, got None")
            breakeven[key] = _count(breakeven[key], f"breakeven.{key}", 1)
        ann = breakeven.get("ann_target")
        if ann is not None:
            if not isinstance(ann, str):
                raise ParameterError(f"breakeven.ann_target must be a target name, got {ann!r}")
            ann_target = load_target(str(base / ann) if ann.endswith(".toml") else ann)
            for name in names:
                p = target_precision.get(name, precision)
                try:
                    check_precision(ann_target, p)
                except ParameterError as exc:
                    raise ParameterError(f"breakeven.ann_target ({name} is priced at {p}): {exc}") \
                        from None
    return Recipe(title=title, model=model, targets=list(resolved), modes=modes,
                  target_modes={(resolved[names.index(k)]): list(v) for k, v in target_modes.items()},
                  breakeven=breakeven, precision=precision, convention=convention,
                  description=description, path=path,
                  target_precision={resolved[names.index(k)]: v for k, v in target_precision.items()},
                  static=static, batch_size=batch_size)


# ------------------------------------------------------------------------------ helpers
def _known(table: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ParameterError(f"unknown key(s) {', '.join(unknown)} in {where}; allowed: "
                             f"{', '.join(allowed)}")


def _per_target(pricing: dict[str, Any], key: str, what: str, names: list[str],
                check: Any) -> dict[str, Any]:
    """``pricing.<key>``: a table from target names of ``pricing.targets`` to checked values."""
    table = pricing.get(key, {})
    if not isinstance(table, dict):
        raise ParameterError(f"pricing.{key} must be a table of target -> {what}, got {table!r}")
    for name, value in table.items():
        if name not in names:
            raise ParameterError(f"pricing.{key}.{name}: {name!r} is not in pricing.targets "
                                 f"({', '.join(names)})")
        table[name] = check(value, f"pricing.{key}.{name}")
    return table


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data[key]
    if not isinstance(value, dict):
        raise ParameterError(f"{key} must be a table ([{key}]), got {value!r}")
    return dict(value)


def _text(data: dict[str, Any], key: str, required: bool = False) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ParameterError(f"{key} must be a{' non-empty' if required else ''} string, got {value!r}")
    return value


def _mode_list(modes: Any, where: str, kind: str) -> list[str]:
    if not isinstance(modes, list) or not modes:
        raise ParameterError(f"{where} must be a non-empty list of modes, got {modes!r}")
    for m in modes:
        if m not in RECIPE_MODES:
            raise ParameterError(f"{where}: unknown mode {m!r}; allowed: {', '.join(RECIPE_MODES)}")
        if m == "variant" and kind not in VARIANT_MODES:
            raise ParameterError(f"{where}: mode 'variant' prices each variant in the mode it is "
                                 f"named after, which only kind(s) {', '.join(VARIANT_MODES)} have "
                                 f"(kind {kind!r}); give the modes instead")
    return list(modes)


def _count(value: Any, name: str, low: int) -> int:
    from neurosparse._validation import as_count

    return as_count(name, value, low=low)


def _real(value: Any, name: str, *, low: float, strict: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or value < low or (strict and value == low):
        rng = f"{'(' if strict else '['}{low:g}, inf)"
        raise ParameterError(f"{name} must be a number in {rng}, got {value!r}")
    return float(value)


def _check_model(kind: str, model: dict[str, Any]) -> None:
    """The model's option values, without running it."""
    opts = {k: v for k, v in model.items() if k != "kind"}
    ints = {"network": {"n": 1, "seed": 0}, "snn_digits": {"n_steps": 1, "epochs": 1, "seed": 0,
                                                           "batch_size": 1},
            "ultralif_core": {"T": 1, "depth": 1, "seed": 0, "epochs": 1, "hidden": 1}}.get(kind, {})
    for key, low in ints.items():
        if key in opts:
            _count(opts[key], f"model.{key}", low)
    if kind == "network":
        from neurosparse.core.benchmark_networks import NETWORKS

        name = opts.get("name", "cuba")
        if name not in NETWORKS:
            raise UnknownNameError(f"model.name must be one of {', '.join(NETWORKS)}, got {name!r}")
        if "duration" in opts:
            _real(opts["duration"], "model.duration", low=0.0, strict=True)
    elif kind == "ultralif_core":
        task = opts.get("task", "digits")
        if task not in ULTRALIF_TASKS:
            raise ParameterError(f"model.task must be one of {', '.join(ULTRALIF_TASKS)}, got {task!r}")
        for key in ("lr_ultralif", "lr_surrogate"):
            if key in opts:
                _real(opts[key], f"model.{key}", low=0.0, strict=True)
        if "sparsity" in opts:
            _real(opts["sparsity"], "model.sparsity", low=0.0, strict=False)
    elif kind == "delta_video":
        from neurosparse.experiments.delta_video import Config  # imports torch (the snn extra)

        allowed = {f.name for f in fields(Config)} | {"inference_batch"}
        unknown = sorted(set(opts) - allowed)
        if unknown:
            raise ParameterError(f"unknown model option(s) {', '.join(unknown)} for kind "
                                 f"'delta_video'; allowed: {', '.join(sorted(allowed))}")
        if "inference_batch" in opts:
            _count(opts["inference_batch"], "model.inference_batch", 1)
        config = {k: v for k, v in opts.items() if k != "inference_batch"}
        if "channels" in config:
            config["channels"] = tuple(config["channels"])
        try:
            Config(**config)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"model: {exc}") from None
    elif kind == "optrace":
        if "path" not in opts or not isinstance(opts["path"], str):
            raise ParameterError(f"model.kind = 'optrace' needs model.path (an OpTrace JSON file), "
                                 f"got {opts.get('path')!r}")
        if not Path(opts["path"]).is_file():
            raise ParameterError(f"model.path: no OpTrace file at {opts['path']!r}")
