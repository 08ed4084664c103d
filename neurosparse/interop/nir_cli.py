"""What ``neurosparse simulate MODEL.nir`` and ``neurosparse energy MODEL.nir`` do.

:func:`load_inputs` reads an input ``.npz``: an array ``input`` (a raster ``[T, *shape]`` or
``[T, B, *shape]``; ``input_<name>`` for each Input of a graph with several), or event arrays
``t`` (seconds) and ``i`` (flat indices into the Input's shape), with ``n_steps`` optional
(default: the step of the last event, plus one). :func:`simulate_file` runs a graph on it
and writes ``output`` (the raster of the graph's first Output; ``output_<name>`` for every
Output), ``spike_count_nodes`` and ``spike_counts`` (spikes per NIR node) and ``dt`` to an
``.npz``, with the run's OpTrace beside it as JSON (``<out>.optrace.json``).
:func:`price_file` prices a run on hardware targets.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from neurosparse._io import atomic_write
from neurosparse.errors import CorruptFileError, MissingFileError, ParameterError
from neurosparse.interop.nir_import import CoreModel, NIRRun, import_nir

__all__ = ["load_inputs", "price_file", "price_trace", "simulate_file"]


def load_inputs(path: str | os.PathLike, model: CoreModel) -> np.ndarray | dict[str, np.ndarray]:
    """The inputs of ``model`` from an ``.npz`` file (module docstring)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise MissingFileError(f"cannot read {path}: no such file (check the path)", filename=path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except Exception as exc:  # zipfile, pickle and format errors all mean "not an input file"
        raise CorruptFileError(f"{path} is not a readable .npz file: {exc}") from None
    names = list(model.inputs)
    if "input" in arrays and len(names) == 1:
        return arrays["input"]
    if all(f"input_{n}" in arrays for n in names):
        return {n: arrays[f"input_{n}"] for n in names}
    if {"t", "i"} <= set(arrays) and len(names) == 1:
        return _raster_from_events(path, arrays, model.inputs[names[0]], model.dt)
    wanted = (
        "'input' or event arrays 't' and 'i'" if len(names) == 1 else ", ".join(f"'input_{n}'" for n in names)
    )
    raise ParameterError(f"{path} holds {sorted(arrays)}; an input file for this graph needs {wanted}")


def _raster_from_events(path: str, arrays: dict, shape: tuple[int, ...], dt: float) -> np.ndarray:
    t = np.asarray(arrays["t"], dtype=np.float64).reshape(-1)
    i = np.asarray(arrays["i"]).reshape(-1)
    n = int(np.prod(shape))
    if t.shape != i.shape or not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ParameterError(f"{path}: 't' must be finite times >= 0 (s), one per index in 'i'")
    if i.size and (not np.issubdtype(i.dtype, np.integer) or i.min() < 0 or i.max() >= n):
        raise ParameterError(f"{path}: 'i' must be integer indices in [0, {n}) (the Input has shape {shape})")
    steps = np.floor(t / dt + 1e-3).astype(np.int64)
    n_steps = int(arrays["n_steps"]) if "n_steps" in arrays else (int(steps.max()) + 1 if steps.size else 1)
    if steps.size and steps.max() >= n_steps:
        raise ParameterError(f"{path}: an event at step {int(steps.max())} is past n_steps = {n_steps}")
    raster = np.zeros((n_steps, n))
    raster[steps, i] = 1.0
    return raster.reshape(n_steps, *shape)


def run_file(
    model_path,
    input_path,
    *,
    dt: float,
    method: str = "euler",
    reset: str | None = None,
    batch_size: int | None = None,
) -> tuple[CoreModel, NIRRun]:
    """Import ``model_path`` and run it on the inputs in ``input_path``."""
    model = import_nir(model_path, dt=dt, method=method, reset=reset)
    return model, model.run(load_inputs(input_path, model), batch_size=batch_size)


def simulate_file(
    model_path,
    input_path,
    out,
    *,
    dt: float,
    method: str = "euler",
    reset: str | None = None,
    batch_size: int | None = None,
) -> dict:
    """Run a ``.nir`` graph on an input file; write ``out`` (``.npz``) and its OpTrace JSON.

    Returns a summary: the files written, spikes per node, steps and samples.
    """
    out = Path(out)
    if out.suffix != ".npz":
        raise ParameterError(f"--out must name an .npz file, got {os.fspath(out)!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    model, run = run_file(model_path, input_path, dt=dt, method=method, reset=reset, batch_size=batch_size)
    counts = run.spike_counts()
    first = next(iter(run.outputs))
    arrays = {
        "output": run.outputs[first],
        "dt": np.float64(dt),
        "spike_count_nodes": np.array(list(counts), dtype=str),
        "spike_counts": np.array(list(counts.values()), dtype=np.int64),
    }
    arrays.update({f"output_{name}": value for name, value in run.outputs.items()})

    def write(fh):
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        fh.write(buffer.getvalue())

    atomic_write(out, write)
    trace_path = out.with_suffix(".optrace.json")
    run.trace.save_json(trace_path)
    return {
        "npz": os.fspath(out),
        "optrace": os.fspath(trace_path),
        "outputs": list(run.outputs),
        "steps": int(run.outputs[first].shape[0]),
        "spike_counts": counts,
        "synaptic_events_per_sample": run.trace.totals()["synaptic_events"],
        "depth": model.depth,
    }


def price_trace(trace, targets: list[str]) -> list[dict]:
    """Energy (J) and latency (s) per sample of ``trace`` on each target, with their ranges
    (:func:`neurosparse.hardware.estimate`; model estimates)."""
    from neurosparse.hardware import estimate

    rows = []
    for target in targets:
        report = estimate(trace, target).per_sample()
        rows.append({"target": target, "mode": report.mode, "energy_j": report.energy_j,
                     "energy_low_j": report.energy_low_j, "energy_high_j": report.energy_high_j,
                     "latency_s": report.latency_s, "synaptic_events": trace.totals()["synaptic_events"]})
    return rows


def price_file(model_path, input_path, targets: list[str], *, dt: float, method: str = "euler",
               reset: str | None = None) -> list[dict]:
    """Energy and latency per sample of a run of ``model_path`` on each target (model estimates)."""
    _, run = run_file(model_path, input_path, dt=dt, method=method, reset=reset)
    return price_trace(run.trace, targets)
