"""Bad-input conformance of the event core's public constructors (hypothesis-generated).

Every parameter of every public parameter class (``bad_input_cases.targets``) is replaced
by generated values, bad and extreme: each case must be refused with a NeurosparseError
naming the parameter, or accepted with a run whose state stays finite; never a raw
exception, a NaN state or a hang. ``benchmarks/bad_input_conformance.py`` runs the fixed
list of values and reports the counts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from bad_input_cases import BAD_VALUES, run_case, targets, warm_up  # noqa: E402

BAD = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), -float("inf"), 0.0, -1.0, 1e300, -1e300, 1e-300]),
    st.integers(min_value=-2**70, max_value=2**70),
    st.text(max_size=5), st.none(), st.booleans(), st.complex_numbers(max_magnitude=1e3),
    st.lists(st.floats(allow_nan=True), max_size=5),
)
TARGETS = {t.name: t for t in targets()}


@pytest.fixture(scope="module", autouse=True)
def _compiled():
    warm_up()


@pytest.mark.parametrize("name", sorted(TARGETS))
@settings(max_examples=30, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_parameter_refuses_bad_values_clearly_or_runs_finite(name, data):
    target = TARGETS[name]
    parameter = data.draw(st.sampled_from(target.parameters), label="parameter")
    value = data.draw(BAD, label="value")
    outcome, message = run_case(target, parameter, value)
    assert outcome in ("clear", "accepted"), f"{name}.{parameter}={value!r}: {outcome}: {message}"


def test_the_fixed_values_include_each_kind_of_bad_input():
    kinds = {type(v).__name__ for v in BAD_VALUES}
    assert {"float", "str", "NoneType", "bool", "list", "complex"} <= kinds
    assert any(v != v for v in BAD_VALUES if isinstance(v, float))  # NaN


def test_a_silent_nan_would_be_reported(monkeypatch):
    """The check can fail: a target whose run leaves NaN state is reported as silent."""
    import numpy as np

    from bad_input_cases import Target

    fake = Target("fake", ("x",), lambda p, v: v, lambda obj: np.array([np.nan]))
    assert run_case(fake, "x", 1.0)[0] == "silent"
    broken = Target("broken", ("x",), lambda p, v: int("no"), lambda obj: obj)
    assert run_case(broken, "x", 1.0)[0] == "crash"
