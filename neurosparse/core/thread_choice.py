"""Multi-thread runs that hold up on a busy machine: parallel or serial, chunk by chunk.

The parallel kernel synchronises its threads several times a step. When other processes
hold the cores, a descheduled thread holds up every barrier, and a run on two threads can
be many times slower than on one (measured: ``benchmarks/parallel_under_load.py``). The
serial and the parallel kernel give identical bits, so a run may change kernels between
any two chunks. :class:`ThreadChooser` times both on the run itself: it runs a serial
probe chunk after the first parallel one and then every :data:`PROBE_EVERY` chunks, and
runs whichever was faster per step in its latest measurement. A probe costs at most one
chunk of the slower kernel (a quarter of a second of simulation, as every chunk).

``NEUROSPARSE_ADAPTIVE_THREADS=0`` turns it off (every chunk parallel), for benchmarks.
"""

from __future__ import annotations

import os
from collections.abc import Callable

#: After this many chunks on one kernel, one chunk on the other (the load may have changed).
PROBE_EVERY = 8


def adaptive_threads_enabled() -> bool:
    """Whether multi-thread runs may fall back to one thread (``NEUROSPARSE_ADAPTIVE_THREADS``)."""
    return os.environ.get("NEUROSPARSE_ADAPTIVE_THREADS", "1") != "0"


class ThreadChooser:
    """Picks ``"parallel"`` or ``"serial"`` for each chunk of a multi-thread run.

    Parameters
    ----------
    serial_ready
        Whether the serial kernel can run without compiling (a probe never compiles:
        compiling costs seconds; the runner starts a background compile instead).
    enabled
        False: every chunk parallel.
    """

    def __init__(self, serial_ready: Callable[[], bool], enabled: bool = True):
        self._serial_ready = serial_ready
        self.enabled = enabled
        self.per_step: dict[str, float | None] = {"parallel": None, "serial": None}
        self.steps = {"parallel": 0, "serial": 0}
        self._current = "parallel"
        self._since_switch = 0
        self._warm_serial = False

    def next(self) -> str:
        """The kernel for the next chunk."""
        if not self.enabled:
            return "parallel"
        other = "serial" if self._current == "parallel" else "parallel"
        due = self.per_step[other] is None or self._since_switch >= PROBE_EVERY
        if due and self.per_step[self._current] is not None and (other == "parallel"
                                                                 or self._serial_ready()):
            return other
        return self._current

    def needs_warm_up(self, mode: str) -> bool:
        """Whether ``mode``'s kernel has not run in this process yet (its first call loads
        it from Numba's cache, which is not simulation time)."""
        return mode == "serial" and not self._warm_serial

    def record(self, mode: str, steps: int, seconds: float, warm_up: bool = False) -> None:
        """Time of a chunk of ``steps`` steps on ``mode``'s kernel."""
        if warm_up:
            self._warm_serial = True
            return
        self.steps[mode] += steps
        if steps > 0 and seconds > 0:
            self.per_step[mode] = seconds / steps
        if mode != self._current:  # a probe: keep the faster
            self._since_switch = 0
            if self.per_step[mode] is not None and (self.per_step[self._current] is None
                                                    or self.per_step[mode] < self.per_step[self._current]):
                self._current = mode
        else:
            self._since_switch += 1

    def per_step_seconds(self, mode: str) -> float | None:
        """The latest per-step time of ``mode``'s kernel, if measured."""
        return self.per_step[mode]
