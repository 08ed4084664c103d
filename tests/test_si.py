"""One number format for reports, notes and figures: SI prefixes, three significant digits,
never "1e+03 nJ"."""

from __future__ import annotations

import math

import pytest

from neurosparse.errors import ParameterError
from neurosparse.si import format_number, format_si, format_si_range


@pytest.mark.parametrize("x, unit, text", [
    (1000e-9, "J", "1.00 uJ"),
    (1e-6, "J", "1.00 uJ"),
    (0, "J", "0 J"),
    (0.0, "s", "0 s"),
    (999.7e-9, "J", "1.00 uJ"),   # rounds up into the next prefix, never "1e+03 nJ"
    (999.4e-9, "J", "999 nJ"),
    (4.05e-3, "J", "4.05 mJ"),
    (10.6e-3, "J", "10.6 mJ"),
    (35e-3, "J", "35.0 mJ"),
    (0.5, "s", "500 ms"),
    (12.0, "s", "12.0 s"),
    (2.5e-13, "J", "250 fJ"),
    (4.2e-3, "W", "4.20 mW"),
    (-3e-6, "W", "-3.00 uW"),
    (1.77e6, "", "1.77 M"),
    (128, "", "128"),
    (1e-21, "J", "1.00e-21 J"),   # beyond atto: an exponent, still three digits
    (5e15, "J", "5.00e+15 J"),
    (float("inf"), "J", "inf J"),
])
def test_format_si(x, unit, text):
    assert format_si(x, unit) == text


def test_format_si_never_writes_an_exponent_inside_the_prefixes():
    for exp in range(-180, 150):
        x = 10 ** (exp / 10)
        text = format_si(x, "J")
        assert "e" not in text, text
        number, unit = text.split(" ")
        assert 1 <= float(number) < 1000 and unit.endswith("J")
        assert len(number.replace(".", "").lstrip("0")) == 3  # three significant digits


def test_format_si_round_trips_to_three_significant_digits():
    prefix = {"a": 1e-18, "f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1.0,
              "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
    for x in (1.234e-7, 9.996e-4, 3.14159, 27.18e3, 6.02e11):
        number, unit = format_si(x, "J").split(" ")
        assert float(number) * prefix[unit[:-1]] == pytest.approx(x, rel=5e-3)


def test_nan_is_not_available():
    assert format_si(math.nan, "J") == "n/a"
    assert format_number(math.nan) == "n/a"


def test_digits_are_checked():
    assert format_si(1234.5, "J", 1) == "1 kJ"
    assert format_si(1234.5, "J", 5) == "1.2345 kJ"
    with pytest.raises(ParameterError, match="digits must be an integer in \\[1, 15\\], got 0"):
        format_si(1.0, "J", 0)


@pytest.mark.parametrize("low, high, text", [
    (2.4e-3, 4.9e-3, "2.40–4.90 mJ"),        # one prefix: the unit once
    (812e-6, 1.2e-3, "812 uJ – 1.20 mJ"),    # two prefixes: each end with its unit
    (1e-6, 1e-6, "1.00 uJ"),                 # a single point shows as one value
    (0, 1e-6, "0 J – 1.00 uJ"),
    (88.4e-3, 177e-3, "88.4–177 mJ"),
])
def test_format_si_range(low, high, text):
    assert format_si_range(low, high, "J") == text


@pytest.mark.parametrize("x, text", [
    (0.045, "0.0450"), (0.16, "0.160"), (0.75, "0.750"), (1.0, "1.00"), (128, "128"),
    (700, "700"), (1.77e6, "1.77 M"), (999.9, "1.00 k"), (1.2e-5, "1.20e-05"), (0, "0"),
])
def test_format_number(x, text):
    assert format_number(x) == text
