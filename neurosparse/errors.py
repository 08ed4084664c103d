"""Exceptions raised by neurosparse.

Every error the package raises on purpose derives from :class:`NeurosparseError`, so a
user can catch them all at once. Messages say what was wrong and how to fix it.
"""

from __future__ import annotations

import os


class NeurosparseError(Exception):
    """Base class of every error raised on purpose by neurosparse."""


class ParameterError(NeurosparseError, ValueError):
    """A parameter is out of its allowed range, has the wrong shape, or is not finite."""


class UnknownNameError(NeurosparseError, KeyError):
    """A population, port, variable or target name that the network does not know."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly instead
        return str(self.args[0]) if self.args else ""


class InsufficientMemoryError(NeurosparseError, MemoryError):
    """The network would need more memory than the machine has available."""


class DivergenceError(NeurosparseError, ArithmeticError):
    """A simulation's state became NaN or infinite: the parameters or the step make the
    dynamics diverge. The message names the population, the model's parameters and dt."""


class MissingDependencyError(NeurosparseError, ImportError):
    """An optional dependency is needed for this feature; the message names the extra."""


class TargetError(NeurosparseError, ValueError):
    """A hardware target (catalog entry or user TOML file) is missing, malformed or inconsistent.

    The message names the file and the offending field (``energy.mac_fp32.unit``) and says
    what is allowed.
    """


class FileError(NeurosparseError, OSError):
    """A file could not be read or written (a full disk, an unreadable folder, ...).

    The message names the file and what to do. The subclasses also derive from the matching
    built-in error, so ``except FileNotFoundError`` and ``except PermissionError`` still work;
    ``errno`` and ``filename`` are those of the underlying error.
    """

    def __str__(self) -> str:  # OSError would show "[Errno n] ..." from its args
        return self.message

    def __init__(self, message: str, errno: int | None = None, filename: str | None = None):
        super().__init__(errno, message, filename) if errno is not None else super().__init__(message)
        self.message = message
        if errno is None:
            self.filename = filename


class MissingFileError(FileError, FileNotFoundError):
    """A file or folder the call needs does not exist; the message names it and what to do."""


class FileAccessError(FileError, PermissionError):
    """A file or folder may not be read or written by this user."""


class CorruptFileError(NeurosparseError, ValueError):
    """A file is not what it claims to be (not a neurosparse file, or damaged)."""


class NeurosparseWarning(UserWarning):
    """Base class of the warnings neurosparse issues on purpose."""


class CoarseTimeStepWarning(NeurosparseWarning):
    """The time step is too coarse for a time constant of the model: the run is valid but
    its spike times and rates drift from the continuous-time dynamics."""


def file_error(exc: OSError, path: str | os.PathLike, action: str) -> FileError:
    """The :class:`FileError` subclass matching ``exc`` for ``action`` (``"write"``, ...) on
    ``path``, with a message that says what to do."""
    import errno as errnos

    where = os.fspath(path)
    reason = exc.strerror or str(exc)
    if isinstance(exc, FileNotFoundError):
        return MissingFileError(f"cannot {action} {where}: {reason} (check the path)", exc.errno, where)
    if isinstance(exc, PermissionError):
        return FileAccessError(f"cannot {action} {where}: {reason} (choose a folder you may write "
                               f"to, or change its permissions)", exc.errno, where)
    if exc.errno == errnos.ENOSPC:
        return FileError(f"cannot {action} {where}: no space left on the device (free some space "
                         f"or write elsewhere)", exc.errno, where)
    if exc.errno == errnos.EROFS:
        return FileAccessError(f"cannot {action} {where}: the file system is read-only (write "
                               f"elsewhere)", exc.errno, where)
    return FileError(f"cannot {action} {where}: {reason}", exc.errno, where)
