"""Shares of the three levels, the satisfaction rate and its 95% Wilson score interval.

Everything is exact (``Fraction``) or high-precision ``Decimal`` until the output rounding in
:mod:`survey_app.domain.rounding`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from .vocab import LEVELS, SATISFIED_LEVELS

#: Two-sided 95% normal quantile, Φ⁻¹(0.975).
Z95 = Decimal("1.959963984540054")


@dataclass(frozen=True, slots=True)
class Tally:
    """Valid votes for one unit (or subtree) and period, by three-level answer."""

    very_satisfied: int = 0
    satisfied: int = 0
    not_satisfied: int = 0

    @classmethod
    def from_counts(cls, counts: Mapping[str, int]) -> Tally:
        unknown = set(counts) - set(LEVELS)
        if unknown:
            raise ValueError(f"unknown levels {sorted(unknown)}")
        return cls(**{level: int(counts.get(level, 0)) for level in LEVELS})

    @property
    def total(self) -> int:
        return self.very_satisfied + self.satisfied + self.not_satisfied

    def count(self, level: str) -> int:
        return int(getattr(self, level))

    def counts(self) -> dict[str, int]:
        return {level: self.count(level) for level in LEVELS}

    def __add__(self, other: Tally) -> Tally:
        return Tally(*(self.count(lv) + other.count(lv) for lv in LEVELS))


def summed(tallies: Iterable[Tally]) -> Tally:
    """Roll-up: a parent's tally is the sum of its children's counts, never a mean of shares."""
    total = Tally()
    for t in tallies:
        total = total + t
    return total


def share(tally: Tally, level: str) -> Fraction | None:
    """count(level) / valid votes; ``None`` when nobody voted."""
    if tally.total == 0:
        return None
    return Fraction(tally.count(level), tally.total)


def satisfaction_rate(tally: Tally) -> Fraction | None:
    """(very_satisfied + satisfied) / valid votes; ``None`` when nobody voted."""
    if tally.total == 0:
        return None
    return Fraction(sum(tally.count(lv) for lv in SATISFIED_LEVELS), tally.total)


def wilson_interval(
    successes: int, n: int, z: Decimal = Z95
) -> tuple[Decimal, Decimal] | None:
    """Wilson score interval for a proportion, as (low, high) in [0, 1]; ``None`` when n = 0.

    centre = (p + z²/2n) / (1 + z²/n), half-width = z / (1 + z²/n) · √(p(1−p)/n + z²/4n²).
    """
    if n < 0 or successes < 0 or successes > n:
        raise ValueError("need 0 <= successes <= n")
    if n == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 50
        p = Decimal(successes) / Decimal(n)
        nn = Decimal(n)
        z2 = z * z
        denom = 1 + z2 / nn
        centre = (p + z2 / (2 * nn)) / denom
        half = (z / denom) * (p * (1 - p) / nn + z2 / (4 * nn * nn)).sqrt()
        low = max(Decimal(0), centre - half)
        high = min(Decimal(1), centre + half)
        # Exact ends: no votes satisfied means the low end is exactly 0, all satisfied the high 1.
        if successes == 0:
            low = Decimal(0)
        if successes == n:
            high = Decimal(1)
        return +low, +high
