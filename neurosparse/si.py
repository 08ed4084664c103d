"""Numbers with SI prefixes, formatted one way for reports, notes and figure labels.

``format_si(1e-6, "J") == "1.00 uJ"``: three significant digits (trailing zeros kept, so
every figure in a table has the same precision), the prefix that puts the mantissa in
[1, 1000) after rounding (999.7 nJ is "1.00 uJ", never "1e+03 nJ"), ``u`` for micro (ASCII,
as the target files write it). Zero is ``"0 J"``; NaN is ``"n/a"``. Beyond the prefixes
(above 999 T, below 1 a) the mantissa is written with an exponent. :func:`format_si_range`
writes a low-high range with the unit once where both ends share it; :func:`format_number`
writes a dimensionless number (a rate, a count per sample).
"""

from __future__ import annotations

import math

__all__ = ["format_number", "format_si", "format_si_range"]

#: Prefix of each power of 1000, from atto to tera.
_PREFIX = {-18: "a", -15: "f", -12: "p", -9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M",
           9: "G", 12: "T"}


def _check_digits(digits: int) -> None:
    from neurosparse.errors import ParameterError

    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 15:
        raise ParameterError(f"digits must be an integer in [1, 15], got {digits!r}")


def _split(x: float, digits: int) -> tuple[str, str] | None:
    """``(mantissa, prefix)`` of a finite non-zero ``x``, or None beyond the prefixes."""
    mantissa, exponent = f"{abs(x):.{digits - 1}e}".split("e")
    exp = int(exponent)
    power = 3 * math.floor(exp / 3)
    if power not in _PREFIX:
        return None
    figures = mantissa.replace(".", "")
    whole = exp - power + 1  # digits before the decimal point: 1, 2 or 3
    figures = figures.ljust(whole, "0")
    text = figures[:whole] + ("." + figures[whole:] if len(figures) > whole else "")
    return ("-" if x < 0 else "") + text, _PREFIX[power]


def format_si(x: float, unit: str = "", digits: int = 3) -> str:
    """``x`` in ``unit`` with an SI prefix and ``digits`` significant digits.

    Parameters
    ----------
    x
        The value in the unit's base (joules for ``"J"``, seconds for ``"s"``).
    unit
        The unit symbol (``"J"``, ``"s"``, ``"W"``); ``""`` for a bare number ("1.77 M").
    digits
        Significant digits, trailing zeros kept (1 to 15).

    Returns
    -------
    str
        e.g. ``format_si(1000e-9, "J") == "1.00 uJ"``, ``format_si(0, "J") == "0 J"``,
        ``format_si(float("nan"), "J") == "n/a"``.
    """
    _check_digits(digits)
    x = float(x)
    if math.isnan(x):
        return "n/a"
    if math.isinf(x) or x == 0:
        return f"{'-' if x < 0 else ''}{'inf' if math.isinf(x) else '0'} {unit}".rstrip()
    parts = _split(x, digits)
    if parts is None:
        return f"{x:.{digits - 1}e} {unit}".rstrip()
    mantissa, prefix = parts
    return f"{mantissa} {prefix}{unit}".rstrip()


def format_si_range(low: float, high: float, unit: str = "", digits: int = 3) -> str:
    """A low-high range: ``"2.40–4.90 mJ"`` where both ends share a prefix, else
    ``"812 uJ – 1.20 mJ"``; a single value where the ends are equal."""
    lo, hi = format_si(low, unit, digits), format_si(high, unit, digits)
    if lo == hi:
        return lo
    lo_num, _, lo_unit = lo.partition(" ")
    hi_num, _, hi_unit = hi.partition(" ")
    if lo_unit == hi_unit and "e" not in lo_num + hi_num and lo_num != "n/a":
        return f"{lo_num}–{hi_num} {hi_unit}".rstrip()
    return f"{lo} – {hi}"


def format_number(x: float, digits: int = 3) -> str:
    """A dimensionless number: ``digits`` significant digits between 0.001 and 1000
    (``"0.0450"``, ``"128"``), SI prefixes above (``"1.77 M"``), an exponent below
    (``"1.20e-05"``); ``"0"`` and ``"n/a"`` as :func:`format_si`."""
    _check_digits(digits)
    x = float(x)
    if math.isnan(x) or math.isinf(x) or x == 0 or abs(x) >= 999.5:
        return format_si(x, "", digits)
    if abs(float(f"{x:.{digits - 1}e}")) < 1e-3:
        return f"{x:.{digits - 1}e}"
    decimals = max(digits - 1 - math.floor(math.log10(abs(float(f"{x:.{digits - 1}e}")))), 0)
    return f"{x:.{decimals}f}"
