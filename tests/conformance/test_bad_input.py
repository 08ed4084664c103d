"""Bad-input conformance of every public constructor and function (hypothesis-generated).

Every parameter of every target of every case module (``bad_input_cases.CASE_MODULES``: the
event core, sdr, dendrites, sparsey, data, analysis and the command line) is replaced by
generated values, bad and extreme: each case must be refused with a NeurosparseError naming
the parameter (a command: a non-zero exit naming the option, no traceback), or accepted with a
finite and correct result; never a raw exception, a NaN or wrong result, or a hang.
``benchmarks/bad_input_conformance.py`` runs the fixed lists of values and reports the counts.

Integers between 10**4 and 2**40 are not drawn: they are legitimate sizes (ten thousand
classes, a million samples) whose cost only grows in proportion, not bad input; smaller and
larger ones are (2**40 and beyond must be refused, by the memory checks at the latest).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from bad_input_cases import (  # noqa: E402
    ARGV_BAD_VALUES,
    BAD_VALUES,
    CASE_MODULES,
    CommandRefused,
    Target,
    WrongResult,
    case_modules,
    expect,
    names,
    run_case,
)

INTEGERS = st.one_of(st.integers(min_value=-2**70, max_value=10**4),
                     st.integers(min_value=2**40, max_value=2**70))
BAD = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), -float("inf"), 0.0, -1.0, 1e300, -1e300, 1e-300]),
    INTEGERS,
    st.text(max_size=5), st.none(), st.booleans(), st.complex_numbers(max_magnitude=1e3),
    st.lists(st.floats(allow_nan=True), max_size=5),
)
BAD_ARGV = st.one_of(
    st.sampled_from(ARGV_BAD_VALUES),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    INTEGERS.map(str),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=5),
)
MODULES = {module.PACKAGE: module for module in case_modules()}
TARGETS = {f"{package}:{t.name}": t for package, module in MODULES.items() for t in module.targets()}
_WARM: set[str] = set()


def _warm(package: str) -> None:
    """Compile (or load) a package's kernels once, outside the time limit of its cases."""
    if package not in _WARM:
        MODULES[package].warm_up()
        _WARM.add(package)


@pytest.mark.parametrize("key", sorted(TARGETS, key=lambda k: (list(MODULES).index(k.split(":")[0]), k)))
def test_every_parameter_refuses_bad_values_clearly_or_gives_a_correct_result(key):
    package = key.split(":")[0]
    _warm(package)
    target = TARGETS[key]

    @settings(max_examples=target.examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def check(data):
        parameter = data.draw(st.sampled_from(target.parameters), label="parameter")
        value = data.draw(BAD_ARGV if target.argv else BAD, label="value")
        outcome, message = run_case(target, parameter, value)
        assert outcome in ("clear", "accepted"), f"{key}.{parameter}={value!r}: {outcome}: {message}"

    check()


def test_every_case_module_names_its_package_and_has_targets():
    assert list(MODULES) == [name.removeprefix("cases_") for name in CASE_MODULES]
    assert {"core", "sdr", "dendrites", "sparsey", "data", "analysis", "cli"} <= set(MODULES)
    for package, module in MODULES.items():
        assert module.targets(), package
        assert all(t.parameters for t in module.targets()), package


def test_the_fixed_values_include_each_kind_of_bad_input():
    kinds = {type(v).__name__ for v in BAD_VALUES}
    assert {"float", "str", "NoneType", "bool", "list", "complex"} <= kinds
    assert any(v != v for v in BAD_VALUES if isinstance(v, float))  # NaN
    assert {"nan", "inf", "-1", "0", "abc", ""} <= set(ARGV_BAD_VALUES)


def test_a_silent_nan_a_wrong_result_and_a_crash_would_be_reported():
    """The check can fail: NaN state, a failed check of the use and a raw exception are each
    reported, and a NeurosparseError counts as clear only when it names the parameter."""
    fake = Target("fake", ("x",), lambda p, v: v, lambda obj: np.array([np.nan]))
    assert run_case(fake, "x", 1.0)[0] == "silent"
    wrong = Target("wrong", ("x",), lambda p, v: v, lambda obj: expect(obj == 2, "x doubled"))
    assert run_case(wrong, "x", 1.0) == ("silent", "wrong result: x doubled")
    broken = Target("broken", ("x",), lambda p, v: int("no"), lambda obj: obj)
    assert run_case(broken, "x", 1.0)[0] == "crash"

    def refuse(message):
        raise CommandRefused(message)

    vague = Target("vague", ("--n",), lambda p, v: refuse("error: something is wrong"), lambda obj: obj)
    assert run_case(vague, "--n", "x")[0] == "vague"
    clear = Target("clear", ("--n",), lambda p, v: refuse("argument --n: invalid int value"), lambda obj: obj)
    assert run_case(clear, "--n", "x")[0] == "clear"
    assert issubclass(WrongResult, Exception) and not issubclass(WrongResult, ValueError)


@pytest.mark.parametrize(("parameter", "message", "named"), [
    ("a", "n must be a number in [0, 5]", False),  # the article is not the parameter
    ("a", "a must be an integer in [0, n=5]", True),
    ("n", "an integer in [0, n=5]", True),
    ("patterns", "pattern must be a 1-D array", False),
    ("shape", "shape[0] must be an integer", True),
    ("t_ref", "t ref must be whole steps", True),
    ("K", "needs 5.00 KiB", False),
    ("--n", "argument --n: invalid int value", True),
    ("--n", "unrecognized arguments: --no", False),
])
def test_a_parameter_is_named_only_as_a_whole_word(parameter, message, named):
    assert names(parameter, message) is named
