"""Shares, satisfaction rate and Wilson intervals against hand-computed values."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey_app.domain.rounding import percent
from survey_app.domain.shares import Tally, satisfaction_rate, share, summed, wilson_interval


def test_shares_are_exact_fractions():
    t = Tally(very_satisfied=120, satisfied=60, not_satisfied=20)
    assert t.total == 200
    assert share(t, "very_satisfied") == Fraction(3, 5)
    assert share(t, "not_satisfied") == Fraction(1, 10)
    assert satisfaction_rate(t) == Fraction(9, 10)


def test_no_votes_means_no_share():
    assert satisfaction_rate(Tally()) is None
    assert share(Tally(), "satisfied") is None
    assert wilson_interval(0, 0) is None


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # x = 0: high = z²/(n + z²) = 3.8415/13.8415 = 0.27753 -> 27.8 %
        (0, 10, "0.0", "27.8"),
        # x = n: low = n/(n + z²) = 10/13.8415 = 0.72247 -> 72.2 %
        (10, 10, "72.2", "100.0"),
        # 5/10: centre 0.5, half = 1.96/1.38415 · √(0.025 + 0.0096) = 0.26340 -> 23.7 … 76.3
        (5, 10, "23.7", "76.3"),
        # 180/200 (90 %): centre 0.9096/1.01921 = 0.89246, half 1.92306 · √0.00047401
        # = 0.04187 -> 0.85059 … 0.93433 -> 85.1 … 93.4
        (180, 200, "85.1", "93.4"),
    ],
)
def test_wilson_interval_matches_hand_values(successes, n, low, high):
    lo, hi = wilson_interval(successes, n)
    assert percent(lo) == Decimal(low)
    assert percent(hi) == Decimal(high)


def _wilson_float(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@given(st.integers(min_value=1, max_value=100_000), st.data())
def test_wilson_contains_the_estimate_and_agrees_with_floats(n, data):
    k = data.draw(st.integers(min_value=0, max_value=n))
    lo, hi = wilson_interval(k, n)
    p = Decimal(k) / Decimal(n)
    assert Decimal(0) <= lo <= p <= hi <= Decimal(1)
    flo, fhi = _wilson_float(k, n)
    assert abs(float(lo) - max(0.0, flo)) < 1e-9
    assert abs(float(hi) - min(1.0, fhi)) < 1e-9


@given(st.integers(min_value=1, max_value=5000), st.data())
def test_wilson_narrows_as_n_grows(n, data):
    k = data.draw(st.integers(min_value=0, max_value=n))
    lo1, hi1 = wilson_interval(k, n)
    lo4, hi4 = wilson_interval(4 * k, 4 * n)
    assert hi4 - lo4 < hi1 - lo1


counts = st.integers(min_value=0, max_value=10**6)


@given(st.lists(st.tuples(counts, counts, counts), min_size=1, max_size=12))
def test_rollup_sums_counts_not_shares(children):
    tallies = [Tally(*c) for c in children]
    parent = summed(tallies)
    assert parent.total == sum(t.total for t in tallies)
    if parent.total:
        expected = Fraction(sum(t.very_satisfied + t.satisfied for t in tallies), parent.total)
        assert satisfaction_rate(parent) == expected
        assert sum(share(parent, lv) for lv in ("very_satisfied", "satisfied",
                                                "not_satisfied")) == 1
