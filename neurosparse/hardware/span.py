"""A number with its low and high bounds, for the cost model's ranges.

Every target number has a low and a high value; :class:`Span` carries the three through
sums, products and quotients, pairing each bound with the end of the other operand that
makes the result smallest (``low``) or largest (``high``). All quantities are non-negative,
so ``low <= value <= high`` is kept by every operation.
"""

from __future__ import annotations

from dataclasses import dataclass

from neurosparse.hardware.target import Quantity

__all__ = ["NAN", "ZERO", "Span"]


@dataclass(frozen=True)
class Span:
    """A non-negative number with its low and high bounds; arithmetic carries the bounds."""

    value: float
    low: float
    high: float

    @classmethod
    def of(cls, q: Quantity) -> Span:
        """The value and range of a target quantity."""
        return cls(q.value, q.low, q.high)

    @classmethod
    def exact(cls, x: float) -> Span:
        """A number without uncertainty."""
        x = float(x)
        return cls(x, x, x)

    def __add__(self, other: Span | float) -> Span:
        o = _span(other)
        return Span(self.value + o.value, self.low + o.low, self.high + o.high)

    __radd__ = __add__

    def __mul__(self, other: Span | float) -> Span:
        o = _span(other)
        return Span(self.value * o.value, self.low * o.low, self.high * o.high)

    __rmul__ = __mul__

    def __truediv__(self, other: Span | float) -> Span:
        o = _span(other)
        return Span(self.value / o.value, self.low / o.high, self.high / o.low)

    def __rtruediv__(self, other: float) -> Span:
        return _span(other) / self

    def maximum(self, other: Span | float) -> Span:
        """Element-wise maximum (of value, low and high)."""
        o = _span(other)
        return Span(max(self.value, o.value), max(self.low, o.low), max(self.high, o.high))

    def minimum(self, other: Span | float) -> Span:
        """Element-wise minimum (of value, low and high)."""
        o = _span(other)
        return Span(min(self.value, o.value), min(self.low, o.low), min(self.high, o.high))

    def rescaled(self, value: float) -> Span:
        """``value`` with this span's relative range (``low / self.value`` and ``high / self.value``)."""
        if self.value == 0:
            return Span.exact(value)
        return Span(value, value * self.low / self.value, value * self.high / self.value)


def _span(x: Span | float) -> Span:
    return x if isinstance(x, Span) else Span.exact(x)


ZERO = Span.exact(0.0)
NAN = Span.exact(float("nan"))
