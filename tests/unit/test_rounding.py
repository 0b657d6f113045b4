"""Half-up rounding on exact values, where floats and banker's rounding differ."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey_app.domain.rounding import percent, points, round_half_up


@pytest.mark.parametrize(
    ("share", "expected", "float_round", "bankers"),
    [
        # 1/16 = 6.25 %: half-up 6.3; round(6.25, 1) and banker's give 6.2.
        (Fraction(1, 16), "6.3", 6.2, "6.2"),
        # 3/16 = 18.75 %: banker's and float give 18.8 (both agree) — control case.
        (Fraction(3, 16), "18.8", 18.8, "18.8"),
        # 29/200 = 14.5 % exactly: already one decimal, nothing to round.
        (Fraction(29, 200), "14.5", 14.5, "14.5"),
        # 1/80 = 1.25 %: half-up 1.3, banker's 1.2.
        (Fraction(1, 80), "1.3", 1.2, "1.2"),
        # 2/3 = 66.666… %: 66.7 whatever the rule.
        (Fraction(2, 3), "66.7", 66.7, "66.7"),
    ],
)
def test_percent_rounds_half_up(share, expected, float_round, bankers):
    assert percent(share) == Decimal(expected)
    assert round(float(share) * 100, 1) == float_round  # what a float pipeline would publish
    bank = (Decimal(share.numerator) * 100 / Decimal(share.denominator)).quantize(Decimal("0.1"))
    assert bank == Decimal(bankers)


def test_float_representation_error_does_not_leak():
    # 1.005 is 1.00499999999999989… as a float, so round(1.005, 2) gives 1.0.
    assert round(1.005, 2) == 1.0
    assert round_half_up(Fraction(1005, 1000), 2) == Decimal("1.01")


def test_points_and_negative_values_round_away_from_zero():
    assert points(Fraction(80)) == Decimal("80.00")
    assert points(Fraction(-1, 8)) == Decimal("-0.13")
    assert points(None) is None
    assert percent(None) is None


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=10**6))
def test_percent_is_within_half_a_unit(k, n):
    k = min(k, n)
    exact = Fraction(k, n) * 100
    got = Fraction(percent(Fraction(k, n)))
    assert abs(got - exact) <= Fraction(1, 20)
    assert got == Fraction(round_half_up(exact, 1))
