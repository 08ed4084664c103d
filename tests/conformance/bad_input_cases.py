"""The bad-input conformance check (in the spirit of scikit-learn's ``check_estimator``): every
parameter of every public constructor and function, one at a time, replaced by a bad or
extreme value; the object is built and used. The outcome of each case is one of

* ``"clear"``: refused with a :class:`~neurosparse.NeurosparseError` naming the parameter
  (for the command line: a non-zero exit whose message names the option, no traceback);
* ``"vague"``: refused with a NeurosparseError that does not name it;
* ``"accepted"``: accepted, and the use's result is finite and passes its checks (a
  legitimate extreme value);
* ``"silent"``: accepted, but the result is NaN or infinite, or a check of the use failed
  (:class:`WrongResult`: silently wrong);
* ``"crash"``: any other exception (a raw TypeError, a Numba error, a traceback, ...);
* ``"hang"``: the case took longer than :data:`TIME_LIMIT_S` (a Python-level case is also
  stopped at :data:`HARD_LIMIT_S`).

Cases run with the free memory that :func:`neurosparse._validation.check_memory` sees lowered to
:data:`CASE_MEMORY_BYTES`, so a legitimate but large request (ten million trajectories, a
46 MHz clip) is refused by the same check as an absurd one instead of running for minutes,
and no accepted case allocates more than that. (The event core checks its networks against
the real free memory, so its cases are unaffected.)

This module is the shared driver (:class:`Target`, :func:`run_case`, the bad values); the cases
live in one module per package, :data:`CASE_MODULES` (``cases_core``, ``cases_sdr``, ...), each
with ``PACKAGE``, ``targets()`` and ``warm_up()``. Used by ``tests/conformance/test_bad_input.py``
(hypothesis-generated values, fast suite) and ``benchmarks/bad_input_conformance.py`` (every
value of :data:`BAD_VALUES` or :data:`ARGV_BAD_VALUES`, counts for RESULTS.md).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import re
import signal
import threading
import time
from collections.abc import Callable
from types import ModuleType

import numpy as np

import neurosparse as ns
from neurosparse import _validation

TIME_LIMIT_S = 20.0
HARD_LIMIT_S = 60.0
CASE_MEMORY_BYTES = 128 * 2**20

#: The case modules, one per package, in report order.
CASE_MODULES: tuple[str, ...] = ("cases_core", "cases_sdr", "cases_dendrites", "cases_sparsey", "cases_data",
                                 "cases_analysis", "cases_cli")

#: Bad or extreme values tried for every scalar parameter.
BAD_VALUES: tuple = (float("nan"), float("inf"), float("-inf"), -1.0, 0.0, 1e300, -1e300, 1e-300,
                     "abc", None, True, [], [1.0, 2.0, 3.0, 4.0], 3 + 1j)

#: The same kinds of bad value, spelled as command-line arguments.
ARGV_BAD_VALUES: tuple[str, ...] = ("nan", "inf", "-inf", "-1", "0", "1e300", "-1e300", "1e-300",
                                    "abc", "", "True", "[]", "1,2,3,4", "3+1j",
                                    "99999999999999999999")


class WrongResult(Exception):
    """Raised by a target's ``use`` when the result is wrong although finite (a silent defect)."""


class CaseTimeout(Exception):
    """Raised inside a case that ran past :data:`HARD_LIMIT_S`."""


class CommandRefused(ns.NeurosparseError):
    """A command line exited non-zero without a traceback; the message is what it printed."""


def expect(condition: bool, what: str) -> None:
    """Raise :class:`WrongResult` saying ``what`` should hold, unless ``condition``."""
    if not condition:
        raise WrongResult(what)


def scalar(value, condition: bool, what: str) -> np.ndarray:
    """``[value]`` as an array, after :func:`expect` ``(condition, what)``."""
    expect(condition, what)
    return np.array([float(value)])


@dataclasses.dataclass(frozen=True)
class Target:
    """A public constructor or function, how to build it with one parameter replaced, and how
    to use it.

    Attributes
    ----------
    name
        What is called (``"SDR.random"``, ``"neurosparse simulate"``).
    parameters
        The parameters replaced one at a time (options such as ``"--n"`` for a command).
    build
        ``(parameter, value) -> object``: the call with ``parameter=value``, the others valid.
    use
        ``object -> array`` that must be finite; it raises :class:`WrongResult` where the
        result is otherwise wrong.
    examples
        Hypothesis examples per test run (the fast suite's budget).
    argv
        Values are command-line strings (:data:`ARGV_BAD_VALUES`).
    base
        The valid value of each parameter, where known: the case of a parameter at its base
        value must be accepted.
    named
        ``(parameter, value, message) -> bool``: whether a refusal's message names the
        parameter; default :func:`names` ``(parameter, message)``.
    """

    name: str
    parameters: tuple[str, ...]
    build: Callable
    use: Callable
    examples: int = 30
    argv: bool = False
    base: dict | None = None
    named: Callable | None = None


def function_target(name: str, call: Callable, base: dict, check: Callable, examples: int = 30) -> Target:
    """A target calling ``call(**kwargs)``, the valid ``base`` arguments with one replaced;
    ``check(result, kwargs)`` returns the array that must be finite (raising WrongResult
    where the result is wrong)."""
    def build(parameter, value):
        kwargs = {**base, parameter: value}
        return call(**kwargs), kwargs

    return Target(name, tuple(base), build, lambda built: check(*built), examples, base=base)


def base_outcomes(targets: list[Target]) -> dict[str, tuple[str, str]]:
    """The outcome of each target (with a base) called with its valid base arguments: every
    one must be ``"accepted"``. Running them also compiles (or loads) the targets' kernels
    before any case is timed."""
    return {t.name: run_case(t, t.parameters[0], t.base[t.parameters[0]]) for t in targets if t.base}


def case_modules() -> list[ModuleType]:
    """The case modules of :data:`CASE_MODULES`, imported."""
    return [importlib.import_module(name) for name in CASE_MODULES]


def run_case(target: Target, parameter: str, value) -> tuple[str, str]:
    """``(outcome, message)`` of one case (see the module docstring)."""
    tic = time.perf_counter()
    try:
        with _hard_limit(), _small_memory():
            obj = target.build(parameter, value)
            state = np.asarray(target.use(obj), dtype=np.float64)
    except CaseTimeout:
        return "hang", f"stopped after {HARD_LIMIT_S:g} s"
    except WrongResult as exc:
        return _timed("silent", tic), f"wrong result: {exc}"
    except ns.NeurosparseError as exc:
        named = target.named(parameter, value, str(exc)) if target.named else names(parameter, str(exc))
        outcome = "clear" if named else "vague"
        return _timed(outcome, tic), f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # anything else is a defect of the error handling
        return _timed("crash", tic), f"{type(exc).__name__}: {exc}"
    if not np.all(np.isfinite(state)):
        return _timed("silent", tic), "the result is not finite"
    return _timed("accepted", tic), ""


# A one-letter name ("a", "n") counts as named only where it is used as a name, not as the
# article in "must be a number": followed by a verb, a relation or punctuation.
_NAME_AFTER = r"(?=\s*(?:must|=|<|>|is |has |\(|\)|:|;|,|\]|$))"


def names(parameter: str, message: str) -> bool:
    """Whether ``message`` names ``parameter``: the name as a whole word (``shape`` in
    ``shape[0]``, not ``pattern`` for ``patterns``), or spelled with spaces (``"t ref"``)."""
    for form in {parameter, parameter.replace("_", " ")}:
        word = rf"(?<![\w]){re.escape(form)}(?![\w-])"
        if len(form.lstrip("-")) > 1:
            if re.search(word, message):
                return True
        elif re.search(word + _NAME_AFTER, message):
            return True
    return False


def _timed(outcome: str, tic: float) -> str:
    return "hang" if time.perf_counter() - tic > TIME_LIMIT_S else outcome


@contextlib.contextmanager
def _small_memory():
    """check_memory sees at most CASE_MEMORY_BYTES free while a case runs."""
    saved = _validation.available_memory
    _validation.available_memory = lambda: min(saved(), CASE_MEMORY_BYTES)
    try:
        yield
    finally:
        _validation.available_memory = saved


class _hard_limit:
    """Stop a case after HARD_LIMIT_S with CaseTimeout (main thread only; compiled code is
    interrupted when it returns to Python)."""

    def __enter__(self):
        self.armed = threading.current_thread() is threading.main_thread()
        if self.armed:
            self.previous = signal.signal(signal.SIGALRM, self._stop)
            signal.setitimer(signal.ITIMER_REAL, HARD_LIMIT_S)
        return self

    def __exit__(self, *exc) -> None:
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0.0)
            signal.signal(signal.SIGALRM, self.previous)

    @staticmethod
    def _stop(signum, frame):
        raise CaseTimeout()
