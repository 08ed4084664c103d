"""Results of a run: spikes, sampled state, per-step counts, the OpTrace; saved as ``.npz``.

Spikes are kept as integer steps and local neuron indices (``steps``, ``i``), with ``n``,
``dt``, ``t_start`` and ``t_stop`` (Brian2/NIR style); ``t`` gives times in seconds.
A saved recording holds the network configuration, the seed and the package versions,
and loads back identically.
"""

from __future__ import annotations

import io
import json
import os
import platform
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neurosparse._io import atomic_write
from neurosparse._validation import as_float_param
from neurosparse.core.spec import whole_steps
from neurosparse.errors import CorruptFileError, UnknownNameError, file_error
from neurosparse.optrace import OpTrace


@dataclass
class SpikeTrains:
    """Spikes of one population: ``steps[k]``, ``i[k]`` is the k-th spike.

    Attributes
    ----------
    steps
        int64 step of each spike (absolute, counted from the network's start).
    i
        int32 index of the spiking neuron within its population.
    n
        Population size.
    dt
        Step (s).
    t_start, t_stop
        The recorded interval in seconds: steps ``t_start/dt .. t_stop/dt - 1``.
    """

    steps: np.ndarray
    i: np.ndarray
    n: int
    dt: float
    t_start: float
    t_stop: float

    @property
    def t(self) -> np.ndarray:
        """Spike times (s)."""
        return self.steps * self.dt

    @property
    def duration(self) -> float:
        return self.t_stop - self.t_start

    def __len__(self) -> int:
        return int(self.steps.shape[0])

    def counts(self) -> np.ndarray:
        """Number of spikes of each neuron."""
        return np.bincount(self.i, minlength=self.n)

    def mean_rate(self) -> float:
        """Mean firing rate over neurons and time (Hz)."""
        return len(self) / (self.n * self.duration) if self.duration > 0 else float("nan")

    def isi_cv(self, min_spikes: int = 3) -> np.ndarray:
        """Coefficient of variation of inter-spike intervals, per neuron with enough spikes."""
        order = np.lexsort((self.steps, self.i))
        idx, st = self.i[order], self.steps[order].astype(np.float64)
        bounds = np.flatnonzero(np.diff(idx)) + 1
        cvs = []
        for seg_t in np.split(st, bounds):
            if len(seg_t) >= min_spikes:
                isi = np.diff(seg_t)
                if isi.mean() > 0:
                    cvs.append(isi.std() / isi.mean())
        return np.asarray(cvs)

    def trains(self) -> list[np.ndarray]:
        """Spike times (s) of each neuron, a list of ``n`` arrays."""
        order = np.lexsort((self.steps, self.i))
        bounds = np.searchsorted(self.i[order], np.arange(1, self.n))
        return [s * self.dt for s in np.split(self.steps[order], bounds)]


@dataclass
class StateSamples:
    """Sampled state of some neurons of one population.

    Attributes
    ----------
    steps
        Steps at which samples were taken (start of step).
    indices
        Local neuron indices recorded (columns).
    values
        Variable name -> array of shape ``(n_samples, n_indices)``.
    record_dt
        Time between samples (s).
    """

    steps: np.ndarray
    indices: np.ndarray
    values: dict[str, np.ndarray]
    record_dt: float
    dt: float

    @property
    def t(self) -> np.ndarray:
        return self.steps * self.dt

    def __getitem__(self, var: str) -> np.ndarray:
        if var not in self.values:
            raise UnknownNameError(f"variable {var!r} was not recorded; recorded: "
                                   f"{', '.join(self.values)}")
        return self.values[var]


@dataclass
class Recording:
    """Everything a run produced.

    Attributes
    ----------
    dt
        Step (s).
    t_start_step, n_steps
        First step of the run and its length in steps.
    population_names, population_sizes
        All populations and input groups in global order.
    projection_names
        All projections.
    spike_counts
        int32 ``(n_steps, n_populations)``: spikes per step of each population (always on).
    synaptic_events
        int64 ``(n_steps, n_projections)``: synaptic events per step of each projection.
    spikes
        Population name -> :class:`SpikeTrains` (monitored populations only).
    state
        Population name -> :class:`StateSamples`.
    optrace
        Operation counts of the run.
    config
        The network's configuration (JSON-serialisable), with the seed.
    versions
        Versions of Python and the packages that produced the run.
    timings
        Seconds spent building, compiling and simulating.
    """

    dt: float
    t_start_step: int
    n_steps: int
    population_names: list[str]
    population_sizes: list[int]
    projection_names: list[str]
    spike_counts: np.ndarray
    synaptic_events: np.ndarray
    spikes: dict[str, SpikeTrains] = field(default_factory=dict)
    state: dict[str, StateSamples] = field(default_factory=dict)
    optrace: OpTrace | None = None
    config: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return self.n_steps * self.dt

    def population_rate(self, population: str, bin_size: float | None = None):
        """Population rate (Hz) per step or per bin of ``bin_size`` seconds.

        ``bin_size`` must be a positive whole number of steps (default: one step).

        Returns
        -------
        (t, rate)
            Bin start times (s) and the mean rate per neuron in each bin.
        """
        p = self._pop_index(population)
        counts = self.spike_counts[:, p].astype(np.float64)
        if bin_size is None:
            every = 1
        else:
            bin_size = as_float_param("bin_size", bin_size, low=0, low_inclusive=False,
                                      allow_array=False)
            every = whole_steps("bin_size", bin_size, self.dt)
        n_bins = len(counts) // every
        binned = counts[: n_bins * every].reshape(n_bins, every).sum(axis=1)
        t = (self.t_start_step + np.arange(n_bins) * every) * self.dt
        return t, binned / (self.population_sizes[p] * every * self.dt)

    def total_spikes(self, population: str | None = None) -> int:
        """Spikes emitted by one population (or all) during the run."""
        if population is None:
            return int(self.spike_counts.sum())
        return int(self.spike_counts[:, self._pop_index(population)].sum())

    def total_events(self) -> int:
        """Synaptic events over all projections during the run."""
        return int(self.synaptic_events.sum())

    def summary(self) -> str:
        """A short human-readable summary of the run."""
        lines = [f"{self.duration:g} s simulated in {self.n_steps} steps of {self.dt * 1e3:g} ms"]
        for p, name in enumerate(self.population_names):
            n = self.population_sizes[p]
            count = int(self.spike_counts[:, p].sum())
            rate = count / (n * self.duration)
            lines.append(f"  {name:>12s}: {n:>9d} neurons, {count:>10d} spikes, {rate:8.3f} Hz")
        lines.append(f"  synaptic events: {self.total_events():d}")
        for key, val in self.timings.items():
            lines.append(f"  {key}: {val:.3f}" if isinstance(val, float) else f"  {key}: {val}")
        return "\n".join(lines)

    def _pop_index(self, population: str) -> int:
        if population not in self.population_names:
            raise UnknownNameError(f"no population named {population!r}; known: "
                                   f"{', '.join(self.population_names)}")
        return self.population_names.index(population)

    # ---------------------------------------------------------------- save/load
    def save(self, path: str | os.PathLike) -> Path:
        """Write the recording to ``path`` (``.npz``) atomically."""
        arrays: dict[str, np.ndarray] = {
            "spike_counts": self.spike_counts,
            "synaptic_events": self.synaptic_events,
        }
        meta = {
            "format": f"{FORMAT_NAME}/{FORMAT_VERSION}",
            "dt": self.dt, "t_start_step": self.t_start_step, "n_steps": self.n_steps,
            "population_names": self.population_names,
            "population_sizes": self.population_sizes,
            "projection_names": self.projection_names,
            "config": self.config, "versions": self.versions, "timings": self.timings,
            "optrace": self.optrace.to_dict() if self.optrace is not None else None,
            "spikes": {}, "state": {},
        }
        for k, (name, tr) in enumerate(self.spikes.items()):
            arrays[f"spikes{k}_steps"] = tr.steps
            arrays[f"spikes{k}_i"] = tr.i
            meta["spikes"][name] = {"key": k, "n": tr.n, "t_start": tr.t_start, "t_stop": tr.t_stop}
        for k, (name, st) in enumerate(self.state.items()):
            arrays[f"state{k}_steps"] = st.steps
            arrays[f"state{k}_indices"] = st.indices
            for m, vals in enumerate(st.values.values()):
                arrays[f"state{k}_var{m}"] = vals
            meta["state"][name] = {"key": k, "variables": list(st.values),
                                   "record_dt": st.record_dt}
        arrays["meta_json"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)

        def write(fh):
            buf = io.BytesIO()
            np.savez_compressed(buf, **arrays)
            fh.write(buf.getvalue())

        return atomic_write(path, write)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Recording:
        """Read a recording written by :meth:`save`.

        Raises
        ------
        MissingFileError
            If there is no file at ``path`` (a ``FileNotFoundError``).
        CorruptFileError
            If the file is not a neurosparse recording (another ``.npz``, a text file), was
            written by a newer format, or is damaged (metadata or arrays that disagree).
        """
        path = Path(path)
        try:
            data = np.load(path, allow_pickle=False)
        except OSError as exc:
            raise file_error(exc, path, "read the recording") from exc
        except (ValueError, zipfile.BadZipFile, EOFError) as exc:  # not an .npy/.npz file
            raise CorruptFileError(f"{path} is not a neurosparse recording (not an .npz file: "
                                   f"{exc})") from exc
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise CorruptFileError(f"{path} is not a neurosparse recording (a single .npy array)")
        with data:
            try:
                return cls._from_npz(data)
            except _Corrupt as exc:
                raise CorruptFileError(f"{path}: {exc}") from None
            except (KeyError, ValueError, TypeError, IndexError, zlib.error,
                    zipfile.BadZipFile, EOFError) as exc:
                raise CorruptFileError(f"corrupt recording {path}: {type(exc).__name__}: {exc}") from exc

    @classmethod
    def _from_npz(cls, data) -> Recording:
        if "meta_json" not in data.files:
            raise _Corrupt("not a neurosparse recording (no meta_json entry; saved by "
                           "Recording.save?)")
        try:
            meta = json.loads(bytes(data["meta_json"]).decode())
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _Corrupt(f"corrupt recording: unreadable metadata ({exc})") from None
        fmt = meta.get("format") if isinstance(meta, dict) else None
        if not isinstance(fmt, str) or not fmt.startswith(FORMAT_NAME + "/"):
            raise _Corrupt(f"not a neurosparse recording (format tag {fmt!r}, expected "
                           f"{FORMAT_NAME}/{FORMAT_VERSION})")
        version = fmt.split("/", 1)[1]
        if version != str(FORMAT_VERSION):
            raise _Corrupt(f"recording format version {version!r}; this neurosparse reads "
                           f"version {FORMAT_VERSION} (a newer neurosparse wrote it?)")
        _check_meta(meta)
        spikes = {}
        for name, info in meta["spikes"].items():
            k = info["key"]
            spikes[name] = SpikeTrains(data[f"spikes{k}_steps"], data[f"spikes{k}_i"],
                                       info["n"], meta["dt"], info["t_start"], info["t_stop"])
        state = {}
        for name, info in meta["state"].items():
            k = info["key"]
            values = {var: data[f"state{k}_var{m}"] for m, var in enumerate(info["variables"])}
            state[name] = StateSamples(data[f"state{k}_steps"], data[f"state{k}_indices"],
                                       values, info["record_dt"], meta["dt"])
        optrace = OpTrace.from_dict(meta["optrace"]) if meta["optrace"] else None
        rec = cls(dt=meta["dt"], t_start_step=meta["t_start_step"], n_steps=meta["n_steps"],
                  population_names=meta["population_names"],
                  population_sizes=meta["population_sizes"],
                  projection_names=meta["projection_names"],
                  spike_counts=data["spike_counts"], synaptic_events=data["synaptic_events"],
                  spikes=spikes, state=state, optrace=optrace, config=meta["config"],
                  versions=meta["versions"], timings=meta["timings"])
        _check_arrays(rec)
        return rec


#: The format tag of saved recordings: ``"neurosparse.Recording/<version>"``.
FORMAT_NAME = "neurosparse.Recording"
FORMAT_VERSION = 1


class _Corrupt(Exception):
    """Raised while checking a loaded recording; :meth:`Recording.load` names the file."""


def _check_meta(meta: dict) -> None:
    """The metadata's values are of the right types and in range."""
    def bad(what: str):
        raise _Corrupt(f"corrupt recording: {what}")

    dt = meta.get("dt")
    if isinstance(dt, bool) or not isinstance(dt, (int, float)) or not (np.isfinite(dt) and dt > 0):
        bad(f"dt = {dt!r}, expected a finite number of seconds > 0")
    for key in ("t_start_step", "n_steps"):
        v = meta.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            bad(f"{key} = {v!r}, expected an integer >= 0")
    names, sizes = meta.get("population_names"), meta.get("population_sizes")
    if not isinstance(names, list) or not isinstance(sizes, list) or len(names) != len(sizes):
        bad("population_names and population_sizes are not lists of one length")
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in sizes):
        bad(f"population_sizes = {sizes!r}, expected integers >= 1")
    if not isinstance(meta.get("projection_names"), list):
        bad("projection_names is not a list")
    for group in ("spikes", "state"):
        if not isinstance(meta.get(group), dict) or any(
                not isinstance(info, dict) or name not in names for name, info in meta[group].items()):
            bad(f"{group} names populations the recording does not have")
    for key in ("config", "versions", "timings"):
        if not isinstance(meta.get(key), dict):
            bad(f"{key} is not a mapping")


def _check_arrays(rec: Recording) -> None:
    """The arrays agree with the metadata and with each other."""
    def bad(what: str):
        raise _Corrupt(f"corrupt recording: {what}")

    P, J = len(rec.population_names), len(rec.projection_names)
    if rec.spike_counts.shape != (rec.n_steps, P):
        bad(f"spike_counts has shape {rec.spike_counts.shape}, expected ({rec.n_steps}, {P}) "
            f"(n_steps, populations)")
    if rec.synaptic_events.shape != (rec.n_steps, J):
        bad(f"synaptic_events has shape {rec.synaptic_events.shape}, expected ({rec.n_steps}, {J})")
    lo, hi = rec.t_start_step, rec.t_start_step + rec.n_steps
    for name, tr in rec.spikes.items():
        n = rec.population_sizes[rec.population_names.index(name)]
        if tr.steps.shape != tr.i.shape or tr.steps.ndim != 1:
            bad(f"the spikes of {name!r} have steps and indices of different shapes")
        if tr.n != n:
            bad(f"the spikes of {name!r} say n = {tr.n}, the population has {n}")
        if len(tr.steps) and (tr.steps.min() < lo or tr.steps.max() >= hi):
            bad(f"spikes of {name!r} outside the recorded steps {lo}..{hi - 1}")
        if len(tr.i) and (tr.i.min() < 0 or tr.i.max() >= n):
            bad(f"spike indices of {name!r} outside 0..{n - 1}")
    for name, st in rec.state.items():
        for var, vals in st.values.items():
            if vals.shape != (len(st.steps), len(st.indices)):
                bad(f"state {name}.{var} has shape {vals.shape}, expected "
                    f"({len(st.steps)}, {len(st.indices)})")


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages a run depends on."""
    import numba
    import scipy

    import neurosparse

    return {"python": platform.python_version(), "numpy": np.__version__,
            "numba": numba.__version__, "scipy": scipy.__version__,
            "neurosparse": neurosparse.__version__, "platform": platform.platform()}
