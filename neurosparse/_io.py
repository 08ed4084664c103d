"""Atomic file writes: write to a temporary file in the same folder, then rename over."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from neurosparse.errors import FileError, file_error


def atomic_write(path: str | os.PathLike, write: Callable[[IO[bytes]], None]) -> Path:
    """Call ``write(fh)`` on a temporary binary file and rename it to ``path``.

    An interrupted write leaves any previous file at ``path`` untouched. The file gets the
    permissions an ordinary ``open`` would give (``0o666`` less the umask), not the
    owner-only mode of the temporary file.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name, suffix=".tmp")
    except OSError as exc:
        raise file_error(exc, path, "write") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, FileError):
            raise file_error(exc, path, "write") from exc
        raise
    return path


def check_writable_folder(folder: str | os.PathLike, what: str = "out") -> Path:
    """Create ``folder`` if needed and check that a file can be written in it, before any
    long work whose results would go there.

    Raises
    ------
    FileError
        (a :class:`FileAccessError`, a ``PermissionError``, for a read-only folder), naming
        the folder and the option ``what``.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-test-", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise file_error(exc, folder, f"write into the {what} folder") from exc
    return folder


def _umask() -> int:
    mask = os.umask(0)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return mask


MANIFEST = "manifest.json"


def begin_outputs(folder: str | os.PathLike) -> Path:
    """Start writing a run's outputs into ``folder``: check it is writable (before any long
    work) and remove its manifest, so that a run killed while writing leaves a folder whose
    missing manifest says it is incomplete (not new files mixed with an old run's). Stale
    temporary files of interrupted writes are removed."""
    folder = check_writable_folder(folder)
    for stale in folder.glob(".*.tmp"):
        try:
            stale.unlink()
        except OSError:
            pass
    try:
        (folder / MANIFEST).unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise file_error(exc, folder / MANIFEST, "remove") from exc
    return folder


def finish_outputs(folder: str | os.PathLike, files: list[Path], about: dict | None = None) -> Path:
    """Write ``folder/manifest.json`` last: the run's files with their sizes and SHA-256."""
    import hashlib
    import json

    folder = Path(folder)
    entries = {}
    for path in files:
        path = Path(path)
        entries[path.name] = {"bytes": path.stat().st_size,
                              "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    text = json.dumps({"files": entries, **(about or {})}, indent=2).encode()
    return atomic_write(folder / MANIFEST, lambda fh: fh.write(text))


def check_outputs(folder: str | os.PathLike) -> dict:
    """The manifest of a complete output folder; raises :class:`CorruptFileError` if the
    folder has no manifest (an interrupted run) or a file differs from it."""
    import hashlib
    import json

    from neurosparse.errors import CorruptFileError

    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise CorruptFileError(f"{folder} holds no complete run (no {MANIFEST}: the run that "
                               f"wrote it was interrupted, or it is not an output folder)")
    manifest = json.loads(path.read_text())
    for name, info in manifest["files"].items():
        f = folder / name
        if not f.is_file() or hashlib.sha256(f.read_bytes()).hexdigest() != info["sha256"]:
            raise CorruptFileError(f"{f} is missing or differs from {path}: the folder mixes runs")
    return manifest


def write_run(folder: str | os.PathLike, summary: dict, figures: dict | None = None,
              extra: dict[str, bytes] | None = None) -> list[Path]:
    """Write a script's outputs into ``folder`` and its manifest last.

    ``folder`` should have been passed to :func:`begin_outputs` before the run's work, so
    that an unwritable folder fails first and an interrupted run leaves no manifest.

    Parameters
    ----------
    folder
        The output folder.
    summary
        Written as ``summary.json``.
    figures
        File name -> Matplotlib figure, each saved as PNG.
    extra
        File name -> bytes, for any other file (tables, ...).

    Returns
    -------
    list of Path
        The files written, the manifest last.
    """
    import json

    from neurosparse.viz import save_figure

    folder = Path(folder)
    written = [save_figure(fig, folder / name) for name, fig in (figures or {}).items()]
    text = json.dumps(summary, indent=1, default=float).encode()
    written.append(atomic_write(folder / "summary.json", lambda fh: fh.write(text)))
    for name, data in (extra or {}).items():
        written.append(atomic_write(folder / name, lambda fh, d=data: fh.write(d)))
    return written + [finish_outputs(folder, written)]
