"""Running a sweep's points on Dask: a local cluster by default, or an existing scheduler.

Each run is one Dask task calling :func:`evaluate` on a worker. Results come back as they
finish and go straight to the :class:`~neurosparse.sweep.store.ResultStore`, so an
interrupted sweep keeps every finished run and the next call resumes. A run that raises is
recorded with its error and the sweep goes on; a worker that dies has its run retried on
another worker by the scheduler (up to Dask's ``distributed.scheduler.allowed-failures``
times, 3 by default), then recorded as an error.

The local cluster starts ``workers`` processes of one thread each, listening (with their
dashboard) on 127.0.0.1 only; each worker runs one point at a time single-threaded
(``OMP_NUM_THREADS``, ``NUMBA_NUM_THREADS`` = 1), since the sweep's parallelism is across
points. Workers that start together on a cold Numba cache compile each kernel once, under
the core's compile lock (:mod:`neurosparse.core.precompile`), and run the interpreted tier,
whose results are identical, until it is compiled.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import math
import os
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from neurosparse.errors import MissingDependencyError, ParameterError
from neurosparse.sweep.spec import LEADING_COLUMNS, STATUS_COLUMNS, Point, Sweep, load_function
from neurosparse.sweep.store import ResultStore

#: Environment of local workers: one thread per worker, as the parallelism is across points.
WORKER_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "NUMBA_NUM_THREADS": "1"}


def run(sweep: Sweep | str | os.PathLike | Mapping[str, Any], out: str | os.PathLike | None = None, *,
        workers: int | None = None, scheduler: str | None = None, security: Any = None,
        restart: bool = False, retry_errors: bool = False, progress: bool = True):
    """Run a sweep and return its table.

    Parameters
    ----------
    sweep
        A :class:`~neurosparse.sweep.Sweep`, the path of a sweep file, or its tables as a dict.
    out
        Output folder (``results.csv``, ``points.jsonl``, ``sweep.json``); running again into
        it skips finished runs. None keeps the results in memory only.
    workers
        Local worker processes (default: the CPUs this process may use); 0 runs every point
        here, one after another, without Dask. Ignored with ``scheduler``.
    scheduler
        Address of a running Dask scheduler (``tcp://host:8786``, ``tls://host:8786``).
    security
        A ``distributed.security.Security`` (TLS CA, certificate and key) for ``scheduler``.
    restart
        Discard the results in ``out`` and start again.
    retry_errors
        Run again the points recorded with an error.
    progress
        Show a progress bar.

    Returns
    -------
    pandas.DataFrame
        One row per finished run in the sweep's order: ``point``, ``replica``, ``seed``, the
        varied parameters, ``status`` (``"ok"`` or ``"error"``), ``error``, then the function's
        results.
    """
    sweep = as_sweep(sweep)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 0):
        raise ParameterError(f"workers must be an integer >= 0 (0: no Dask, run here), got {workers!r}")
    if scheduler is not None and (not isinstance(scheduler, str) or "://" not in scheduler):
        raise ParameterError(f"scheduler must be an address such as tcp://127.0.0.1:8786, got {scheduler!r}")
    load_function(sweep.function)  # an import error shows now, not on every worker
    store = ResultStore(sweep, out, restart=restart)
    pending = [p for p in sweep.expand() if not store.done(p, retry_errors)]
    try:
        if pending:
            bar = _progress(sweep.name, store.n_runs, store.n_runs - len(pending), progress)
            with bar:
                if workers == 0 and scheduler is None:
                    _run_here(sweep, pending, store, bar)
                else:
                    with _client(workers, scheduler, security) as client:
                        _run_on(client, sweep, pending, store, bar)
    finally:
        store.write(final=True)
    return store.table()


def as_sweep(sweep: Sweep | str | os.PathLike | Mapping[str, Any]) -> Sweep:
    """A :class:`Sweep` from a sweep, a sweep file's path or its tables."""
    if isinstance(sweep, Sweep):
        return sweep
    if isinstance(sweep, (str, os.PathLike)):
        return Sweep.from_toml(sweep)
    if isinstance(sweep, Mapping):
        return Sweep.from_dict(sweep)
    raise ParameterError(f"sweep must be a Sweep, a sweep file's path or its tables, got "
                         f"{type(sweep).__name__}")


def evaluate(function: str, kwargs: dict[str, Any], reserved: tuple[str, ...] = ()) -> tuple[dict, float]:
    """Run one point (on a worker): ``(outcome, seconds)``, the outcome holding ``status``,
    ``error`` and the function's results; an exception is caught and recorded."""
    tic = time.perf_counter()
    try:
        result = load_function(function)(**kwargs)
        outcome = {"status": "ok", "error": "", **result_columns(result, reserved)}
    except Exception as exc:  # recorded in the table; the sweep goes on
        outcome = {"status": "error", "error": f"{type(exc).__name__}: {exc}"}
    return outcome, time.perf_counter() - tic


def result_columns(result: Any, reserved: tuple[str, ...] = ()) -> dict[str, Any]:
    """A function's result as table columns: a dict's items (values that are not scalars as
    JSON text; a name taken by a parameter prefixed ``result_``), or ``value``."""
    if not isinstance(result, Mapping):
        result = {"value": result}
    out = {}
    for name, value in result.items():
        name = str(name)
        if name in reserved or name in LEADING_COLUMNS or name in STATUS_COLUMNS:
            name = f"result_{name}"
        out[name] = _scalar(value)
    return out


# -- running
def _kwargs(sweep: Sweep, point: Point) -> dict[str, Any]:
    kwargs = {**sweep.fixed, **point.params}
    if sweep.seed_argument:
        kwargs[sweep.seed_argument] = point.seed
    return kwargs


def _run_here(sweep: Sweep, pending: list[Point], store: ResultStore, bar) -> None:
    reserved = tuple(sweep.parameter_names())
    for point in pending:
        outcome, seconds = evaluate(sweep.function, _kwargs(sweep, point), reserved)
        store.record(point, outcome, seconds)
        bar.update()


def _run_on(client, sweep: Sweep, pending: list[Point], store: ResultStore, bar) -> None:
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    reserved = tuple(sweep.parameter_names())
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    window = max(32, 4 * n_workers)  # tasks in flight: enough to keep workers busy, not the whole sweep
    todo: Iterator[Point] = iter(pending)
    running: dict[Any, Point] = {}

    def submit(point: Point):
        future = client.submit(evaluate, sweep.function, _kwargs(sweep, point), reserved,
                               key=f"{sweep.name}-{point.key}-{time.monotonic_ns()}", pure=False)
        running[future] = point
        return future

    queue = as_completed([submit(p) for p in itertools.islice(todo, window)])
    for future in queue:
        point = running.pop(future)
        try:
            outcome, seconds = future.result()
        except KilledWorker as exc:
            outcome, seconds = {"status": "error", "error": f"KilledWorker: the workers running this "
                                                            f"point died each time ({exc})"}, math.nan
        except Exception as exc:  # a result that cannot be sent back, a cancelled task
            outcome, seconds = {"status": "error", "error": f"{type(exc).__name__}: {exc}"}, math.nan
        future.release()
        store.record(point, outcome, seconds)
        bar.update()
        following = next(todo, None)
        if following is not None:
            queue.add(submit(following))


@contextlib.contextmanager
def _client(workers: int | None, scheduler: str | None, security: Any):
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise MissingDependencyError("sweeps on Dask need dask.distributed: pip install "
                                     "'neurosparse[sweep]' (or run here with workers=0)") from exc
    if scheduler is not None:
        kwargs = {"security": security} if security is not None else {}
        try:
            # the connect timeout is Dask's distributed.comm.timeouts.connect (30 s by default)
            client = Client(scheduler, **kwargs)
        except OSError as exc:
            raise ParameterError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from exc
        with client:
            yield client
        return
    n = workers if workers is not None else _usable_cpus()
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR,
                      env=dict(WORKER_ENV)) as cluster, Client(cluster) as client:
        yield client


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _progress(name: str, total: int, initial: int, show: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=name, unit="run", disable=not show)


def _scalar(value: Any) -> Any:
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        value = value.item()  # numpy scalars
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    try:
        return json.dumps(value, default=lambda v: v.tolist() if hasattr(v, "tolist") else str(v))
    except (TypeError, ValueError):
        return str(value)


def read_table(folder: str | os.PathLike):
    """The results table of a sweep's output folder, as a pandas DataFrame."""
    import pandas as pd

    from neurosparse.sweep.store import table_path

    frame = pd.read_csv(Path(table_path(folder)), dtype={"error": "str", "status": "str"})
    frame["error"] = frame["error"].fillna("")  # "" for runs without one, as in memory
    return frame
