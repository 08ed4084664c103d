"""Exceptions raised by neurosparse.

Every error the package raises on purpose derives from :class:`NeurosparseError`, so a
user can catch them all at once. Messages say what was wrong and how to fix it.
"""

from __future__ import annotations


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


class MissingDependencyError(NeurosparseError, ImportError):
    """An optional dependency is needed for this feature; the message names the extra."""


class TargetError(NeurosparseError, ValueError):
    """A hardware target (catalog entry or user TOML file) is missing, malformed or inconsistent.

    The message names the file and the offending field (``energy.mac_fp32.unit``) and says
    what is allowed.
    """


class MissingFileError(NeurosparseError, FileNotFoundError):
    """A file or folder the call needs does not exist; the message names it and what to do."""
