"""What a sweep is: a function named by import path, its points, and a seed for each.

A sweep file (TOML)::

    [sweep]
    function = "neurosparse.sweep.points.sdr:false_match"   # module:function (or module.function)
    seed = 2016              # the sweep's seed
    replicas = 3             # runs of each point, each with its own child seed (default 1)
    seed_argument = "seed"   # the function's keyword for the seed ("" if it takes none)

    [fixed]                  # keyword arguments shared by every point
    a = 40
    trials = 20000

    [grid]                   # the Cartesian product of these lists, in this order
    n = [1000, 2000, 4000]
    theta = [8, 10]

    # and/or explicit points (appended after the grid):
    # [[points]]
    # n = 16384
    # theta = 12

    # and/or random samples drawn from the sweep's seed (appended after those):
    # [random]
    # samples = 20
    # rate = {uniform = [1.0, 50.0]}      # also loguniform = [lo, hi], integers = [lo, hi]
    # target = {choice = ["loihi", "truenorth"]}   # (integers: hi inclusive)

**Seeds.** A point's seed is derived from the sweep's seed, the point's own parameters (its
grid, explicit or sampled values, as canonical JSON) and its replica number through
:class:`numpy.random.SeedSequence`; never from its position in a queue. So results do not
depend on the number or order of workers, and adding a value to the grid leaves the seeds
(and results) of the existing points unchanged.

**Running a sweep file runs its code**: ``function`` is imported and called on the workers.
Run only sweep files you trust, as you would a Python script.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import itertools
import json
import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from neurosparse.errors import ParameterError

#: Distributions a ``[random]`` parameter may be drawn from.
DISTRIBUTIONS = ("uniform", "loguniform", "integers", "choice")
#: Columns every results table starts with, before the parameters.
LEADING_COLUMNS = ("point", "replica", "seed")
#: Columns after the parameters, before the function's results.
STATUS_COLUMNS = ("status", "error")


@dataclasses.dataclass(frozen=True)
class Point:
    """One run of a sweep: the function's varied parameters, the replica and its seed."""

    index: int  #: position in the sweep's order (grid, then points, then samples)
    params: dict[str, Any]
    replica: int
    seed: int
    key: str  #: identifies the run across resumes: a hash of the parameters and replica


@dataclasses.dataclass(frozen=True)
class Sweep:
    """A sweep: ``function(**fixed, **point, seed=child_seed)`` at every point.

    Parameters
    ----------
    function
        Import path ``"package.module:function"`` (or ``"package.module.function"``). It
        returns a dict of results (numbers, strings, booleans; anything else is stored as
        JSON text) or a single number (column ``value``).
    grid
        Parameter name -> list of values; every combination is a point, in order.
    points
        Explicit points (dicts), after the grid's.
    random
        ``{"samples": N, name: {distribution: args}, ...}``: N points drawn from the sweep's
        seed, after the explicit ones (see the module docstring).
    fixed
        Keyword arguments shared by every point (not part of a point's seed).
    replicas
        Runs of each point, >= 1, each with its own seed.
    seed
        The sweep's seed, an integer >= 0.
    seed_argument
        The function's keyword for the seed; ``""`` if it takes none.
    name
        A label for tables and progress bars.
    """

    function: str
    grid: Mapping[str, list] = dataclasses.field(default_factory=dict)
    points: tuple[Mapping[str, Any], ...] = ()
    random: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    fixed: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    replicas: int = 1
    seed: int = 0
    seed_argument: str = "seed"
    name: str = "sweep"

    def __post_init__(self) -> None:
        if not isinstance(self.function, str) or not _split_path(self.function)[0]:
            raise ParameterError(f"sweep function must be an import path 'module:function', got "
                                 f"{self.function!r}")
        object.__setattr__(self, "grid", _check_grid(self.grid))
        object.__setattr__(self, "points", tuple(_check_point(i, p) for i, p in enumerate(self.points)))
        object.__setattr__(self, "random", _check_random(self.random))
        if not isinstance(self.fixed, Mapping):
            raise ParameterError(f"sweep fixed must be a table of keyword arguments, got {self.fixed!r}")
        object.__setattr__(self, "fixed", dict(self.fixed))
        for name, what in (("replicas", 1), ("seed", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < what:
                raise ParameterError(f"sweep {name} must be an integer >= {what}, got {value!r}")
        if not isinstance(self.seed_argument, str):
            raise ParameterError(f"sweep seed_argument must be a keyword name or '', got "
                                 f"{self.seed_argument!r}")
        varied = self.parameter_names()
        clash = sorted(set(varied) & (set(self.fixed) | {self.seed_argument} | set(LEADING_COLUMNS)
                                      | set(STATUS_COLUMNS)))
        if clash:
            raise ParameterError(f"sweep parameters {clash} are varied and also fixed, the seed "
                                 f"argument or a table column; name each once")
        if not (self.grid or self.points or self.random):
            raise ParameterError("a sweep needs a [grid], [[points]] or [random] section")

    # -- construction
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], name: str = "sweep") -> Sweep:
        """A sweep from the tables of a sweep file (see the module docstring)."""
        unknown = sorted(set(data) - {"sweep", "grid", "points", "random", "fixed"})
        if unknown:
            raise ParameterError(f"unknown sweep section(s) {unknown}; the sections are [sweep], "
                                 f"[fixed], [grid], [[points]] and [random]")
        head = dict(data.get("sweep", {}))
        allowed = {"function", "seed", "replicas", "seed_argument", "name"}
        if set(head) - allowed:
            raise ParameterError(f"unknown key(s) {sorted(set(head) - allowed)} in [sweep]; the keys "
                                 f"are {sorted(allowed)}")
        if "function" not in head:
            raise ParameterError("[sweep] needs function = \"module:function\"")
        return cls(grid=data.get("grid", {}), points=tuple(data.get("points", ())),
                   random=data.get("random", {}), fixed=data.get("fixed", {}),
                   **{"name": name, **head})

    @classmethod
    def from_toml(cls, path: str | os.PathLike) -> Sweep:
        """Read a sweep file."""
        from neurosparse.errors import CorruptFileError, file_error

        try:
            import tomllib
        except ImportError:  # Python 3.10
            import tomli as tomllib
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as exc:
            raise file_error(exc, path, "read the sweep file") from exc
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise CorruptFileError(f"{path} is not valid TOML: {exc}") from exc
        return cls.from_dict(data, name=path.stem)

    def to_dict(self) -> dict[str, Any]:
        """The sweep as plain data (the sidecar's record; :meth:`from_dict` reads it back)."""
        head = {"function": self.function, "seed": self.seed, "replicas": self.replicas,
                "seed_argument": self.seed_argument, "name": self.name}
        return {"sweep": head, "fixed": dict(self.fixed), "grid": dict(self.grid),
                "points": [dict(p) for p in self.points], "random": dict(self.random)}

    # -- the points
    def parameter_names(self) -> list[str]:
        """The varied parameters' names: the grid's, then the points', then the samples'."""
        names = list(self.grid)
        for p in self.points:
            names += [k for k in p if k not in names]
        names += [k for k in self.random if k != "samples" and k not in names]
        return names

    def expand(self) -> list[Point]:
        """Every run of the sweep, in order (point by point, replicas together)."""
        params: list[dict[str, Any]] = []
        if self.grid:
            keys = list(self.grid)
            params += [dict(zip(keys, combo)) for combo in itertools.product(*self.grid.values())]
        params += [dict(p) for p in self.points]
        params += _samples(self.random, self.seed)
        out = []
        for index, p in enumerate(params):
            for replica in range(self.replicas):
                seed, key = child_seed(self.seed, p, replica)
                out.append(Point(index, p, replica, seed, key))
        keys = [pt.key for pt in out]
        if len(set(keys)) != len(keys):
            raise ParameterError("the sweep lists the same point twice (the same parameters give the "
                                 "same seed and result); remove the duplicate")
        return out

    def load_function(self) -> Callable[..., Any]:
        """Import the sweep's function (this runs the code of its module)."""
        return load_function(self.function)

    def call(self, point: Point) -> Any:
        """Run one point here, in this process: ``function(**fixed, **params, seed=...)``."""
        kwargs = {**self.fixed, **point.params}
        if self.seed_argument:
            kwargs[self.seed_argument] = point.seed
        return self.load_function()(**kwargs)


def child_seed(seed: int, params: Mapping[str, Any], replica: int) -> tuple[int, str]:
    """The seed (an int below 2**63) and key of a point, from the sweep's seed, the point's
    parameters and its replica (not from its position)."""
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"), default=_not_json)
    digest = hashlib.sha256(f"{canonical}|{replica}".encode()).digest()
    words = np.frombuffer(digest, dtype=np.uint32).tolist()
    state = np.random.SeedSequence([seed, *words]).generate_state(2, dtype=np.uint32)
    child = (int(state[0]) << 31) ^ int(state[1])  # 63 bits
    return child, digest[:8].hex()


def load_function(path: str) -> Callable[..., Any]:
    """The function named by ``"module:function"`` or ``"module.function"``."""
    module_name, attr = _split_path(path)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ParameterError(f"sweep function {path!r}: cannot import module {module_name!r} "
                             f"({exc}); is it installed or on PYTHONPATH?") from exc
    func = module
    for part in attr.split("."):
        func = getattr(func, part, None)
        if func is None:
            raise ParameterError(f"sweep function {path!r}: module {module_name!r} has no {attr!r}")
    if not callable(func):
        raise ParameterError(f"sweep function {path!r} is not callable")
    return func


# -- helpers
def _split_path(path: str) -> tuple[str, str]:
    if ":" in path:
        module, _, attr = path.partition(":")
    else:
        module, _, attr = path.rpartition(".")
    return (module, attr) if module and attr else ("", "")


def _not_json(value: Any) -> Any:
    raise ParameterError(f"sweep parameter value {value!r} is not a number, string, boolean or list")


def _check_grid(grid: Any) -> dict[str, list]:
    if not isinstance(grid, Mapping):
        raise ParameterError(f"sweep grid must be a table of name = [values], got {grid!r}")
    out = {}
    for name, values in grid.items():
        if not isinstance(values, (list, tuple)) or not values:
            raise ParameterError(f"sweep grid {name} must be a non-empty list of values, got {values!r}")
        out[str(name)] = list(values)
    return out


def _check_point(i: int, point: Any) -> dict[str, Any]:
    if not isinstance(point, Mapping) or not point:
        raise ParameterError(f"sweep point {i} must be a non-empty table of name = value, got {point!r}")
    return dict(point)


def _check_random(spec: Any) -> dict[str, Any]:
    if not isinstance(spec, Mapping):
        raise ParameterError(f"sweep random must be a table, got {spec!r}")
    spec = dict(spec)
    if not spec:
        return spec
    samples = spec.get("samples")
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise ParameterError(f"sweep random.samples must be an integer >= 1, got {samples!r}")
    for name, dist in spec.items():
        if name == "samples":
            continue
        if not isinstance(dist, Mapping) or len(dist) != 1 or next(iter(dist)) not in DISTRIBUTIONS:
            raise ParameterError(f"sweep random.{name} must be one of {{{', '.join(DISTRIBUTIONS)} = "
                                 f"...}}, got {dist!r}")
        kind, args = next(iter(dist.items()))
        if kind == "choice":
            if not isinstance(args, list) or not args:
                raise ParameterError(f"sweep random.{name}.choice must be a non-empty list, got {args!r}")
            continue
        numbers = (isinstance(args, list) and len(args) == 2
                   and all(isinstance(a, (int, float)) and not isinstance(a, bool) and math.isfinite(a)
                           for a in args))
        ordered = numbers and (args[0] <= args[1] if kind == "integers" else args[0] < args[1])
        if not ordered:
            raise ParameterError(f"sweep random.{name}.{kind} must be [low, high] with low < high, "
                                 f"got {args!r}")
        if kind == "loguniform" and args[0] <= 0:
            raise ParameterError(f"sweep random.{name}.loguniform needs low > 0, got {args!r}")
        if kind == "integers" and not all(float(a).is_integer() for a in args):
            raise ParameterError(f"sweep random.{name}.integers bounds must be integers, got {args!r}")
    return spec


def _samples(spec: Mapping[str, Any], seed: int) -> list[dict[str, Any]]:
    if not spec:
        return []
    # a stream of its own, apart from the points' seeds
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5A3D]))
    out = []
    for _ in range(spec["samples"]):
        point = {}
        for name, dist in spec.items():
            if name == "samples":
                continue
            kind, args = next(iter(dist.items()))
            if kind == "uniform":
                point[name] = float(rng.uniform(*args))
            elif kind == "loguniform":
                point[name] = float(np.exp(rng.uniform(np.log(args[0]), np.log(args[1]))))
            elif kind == "integers":
                point[name] = int(rng.integers(int(args[0]), int(args[1]), endpoint=True))
            else:
                point[name] = args[int(rng.integers(len(args)))]
        out.append(point)
    return out
