"""A sweep's results on disk: the state a resumed sweep starts from.

Dask keeps no record of finished work across runs, so the output folder does:

* ``points.jsonl``: one line per finished run, appended and flushed to disk as each run
  finishes (a run killed mid-line leaves a partial last line, which is ignored);
* ``results.csv`` (and ``results.parquet`` when pyarrow is installed): the table, one row
  per finished run sorted by the sweep's order, rewritten atomically as runs finish (at
  most once a second) and at the end;
* ``sweep.json``: the sweep's definition, seed, package versions, counts and timings,
  written atomically.

Running the same sweep into the same folder skips the runs in ``points.jsonl``; a folder
holding a different sweep is refused, so results of two sweeps never mix.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from neurosparse._io import atomic_write, check_writable_folder
from neurosparse.errors import ParameterError, file_error
from neurosparse.sweep.spec import LEADING_COLUMNS, STATUS_COLUMNS, Point, Sweep

JOURNAL = "points.jsonl"
TABLE = "results.csv"
PARQUET = "results.parquet"
SIDECAR = "sweep.json"


class ResultStore:
    """The finished runs of one sweep in one folder (or in memory when ``folder`` is None)."""

    def __init__(self, sweep: Sweep, folder: str | os.PathLike | None, restart: bool = False):
        self.sweep = sweep
        self.folder = None if folder is None else check_writable_folder(folder)
        self.rows: dict[str, dict[str, Any]] = {}
        self._last_table = 0.0
        self._started = time.time()
        self._seconds: dict[str, float] = {}
        self.n_runs = len(sweep.expand())
        if self.folder is not None:
            if restart:
                for name in (JOURNAL, TABLE, PARQUET, SIDECAR):
                    (self.folder / name).unlink(missing_ok=True)
            self._check_same_sweep()
            self._load_journal()

    # -- reading what is there
    def _check_same_sweep(self) -> None:
        path = self.folder / SIDECAR
        if not path.exists():
            return
        try:
            stored = json.loads(path.read_text())["sweep"]
        except (OSError, ValueError, KeyError) as exc:
            raise ParameterError(f"{path} is not a sweep record ({exc}); use another --out or "
                                 f"--restart") from exc
        mine = self.sweep.to_dict()
        if stored != mine:
            diff = sorted(k for k in set(stored) | set(mine) if stored.get(k) != mine.get(k))
            raise ParameterError(f"{self.folder} holds results of a different sweep (differs in "
                                 f"{', '.join(diff)}); use another --out, or --restart to discard them")

    def _load_journal(self) -> None:
        path = self.folder / JOURNAL
        if not path.exists():
            return
        with open(path, "rb") as fh:
            for line in fh:
                try:
                    entry = json.loads(line)
                except ValueError:  # the partial last line of a killed write
                    continue
                self.rows[entry["row"]["_key"]] = entry["row"]
                self._seconds[entry["row"]["_key"]] = entry.get("seconds", 0.0)

    def done(self, point: Point, retry_errors: bool = False) -> bool:
        """Whether ``point`` has finished (an error counts unless ``retry_errors``)."""
        row = self.rows.get(point.key)
        return row is not None and (not retry_errors or row["status"] == "ok")

    # -- recording
    def record(self, point: Point, outcome: dict[str, Any], seconds: float) -> None:
        """Store one finished run: appended to the journal now, the table within a second."""
        row = {"_key": point.key, "point": point.index, "replica": point.replica, "seed": point.seed,
               **point.params, **outcome}
        self.rows[point.key] = row
        self._seconds[point.key] = seconds
        if self.folder is None:
            return
        line = json.dumps({"row": row, "seconds": seconds}, default=str) + "\n"
        path = self.folder / JOURNAL
        try:
            with open(path, "a") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise file_error(exc, path, "append to the sweep journal") from exc
        if time.monotonic() - self._last_table >= 1.0:
            self.write()

    # -- the table
    def table(self):
        """The finished runs as a pandas DataFrame, one row per run in the sweep's order."""
        import pandas as pd

        rows = sorted(self.rows.values(), key=lambda r: (r["point"], r["replica"]))
        params = self.sweep.parameter_names()
        results: list[str] = []
        for r in rows:
            results += [k for k in r if k not in results and not k.startswith("_")
                        and k not in (*LEADING_COLUMNS, *params, *STATUS_COLUMNS)]
        columns = [*LEADING_COLUMNS, *params, *STATUS_COLUMNS, *results]
        frame = pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns)
        return frame

    def write(self, final: bool = False) -> None:
        """Write the table and the sidecar atomically."""
        self._last_table = time.monotonic()
        if self.folder is None:
            return
        frame = self.table()
        text = frame.to_csv(index=False).encode()
        atomic_write(self.folder / TABLE, lambda fh: fh.write(text))
        try:
            import pyarrow  # noqa: F401

            atomic_write(self.folder / PARQUET, lambda fh: frame.to_parquet(fh, index=False))
        except ImportError:
            pass
        n_ok = int((frame["status"] == "ok").sum()) if len(frame) else 0
        seconds = list(self._seconds.values())
        record = {"sweep": self.sweep.to_dict(), "versions": versions(),
                  "runs": self.n_runs, "finished": len(frame), "ok": n_ok,
                  "errors": len(frame) - n_ok, "complete": final and len(frame) == self.n_runs,
                  "seconds_per_run_mean": sum(seconds) / len(seconds) if seconds else None,
                  "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        data = json.dumps(record, indent=1, default=str).encode()
        atomic_write(self.folder / SIDECAR, lambda fh: fh.write(data))


def versions() -> dict[str, str]:
    """The versions of what a sweep's results depend on."""
    import importlib.metadata as md

    out = {"python": platform.python_version(), "machine": platform.machine()}
    for package in ("neurosparse", "numpy", "numba", "scipy", "dask", "distributed", "torch"):
        try:
            out[package] = md.version(package)
        except md.PackageNotFoundError:
            pass
    return out


def table_path(folder: str | os.PathLike) -> Path:
    """The CSV table of a sweep's folder."""
    return Path(folder) / TABLE
