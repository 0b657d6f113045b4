"""Rounding on output only: round-half-up on exact values, never binary floats or banker's rounding.

Published figures name the rule they used (``RULE``), so a later change of rule is visible.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

#: Three-level shares as exact fractions; percentages one decimal, points two, half-up.
RULE = "share3-v1"


def round_half_up(value: Fraction | Decimal | int, places: int) -> Decimal:
    """Round an exact value to ``places`` decimals, ties away from zero (the school rule).

    ``round_half_up(Fraction(1, 16) * 100, 1)`` is ``Decimal('6.3')`` where ``round(6.25, 1)``
    gives 6.2.
    """
    exact = Fraction(value) if not isinstance(value, Fraction) else value
    scaled = abs(exact) * 10**places
    rounded = math.floor(scaled + Fraction(1, 2))
    if exact < 0:
        rounded = -rounded
    return Decimal(rounded).scaleb(-places)


def percent(share: Fraction | Decimal | None, places: int = 1) -> Decimal | None:
    """A share in [0, 1] as a percentage rounded half-up; ``None`` stays ``None``."""
    if share is None:
        return None
    return round_half_up(Fraction(share) * 100, places)


def points(value: Fraction | Decimal | int | None) -> Decimal | None:
    """Index points, two decimals, half-up."""
    if value is None:
        return None
    return round_half_up(Fraction(value), 2)
