"""Local-date periods and bounded answer times."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey_app.domain import periods

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def test_local_date_uses_vietnam_time():
    # 23:30 local on 30 November is 16:30 UTC the same day; 00:30 local on 1 December is
    # 17:30 UTC on 30 November, which belongs to December.
    assert periods.local_date(datetime(2026, 11, 30, 16, 30, tzinfo=timezone.utc), HCM) == \
        date(2026, 11, 30)
    assert periods.local_date(datetime(2026, 11, 30, 17, 30, tzinfo=timezone.utc), HCM) == \
        date(2026, 12, 1)


def test_period_kinds():
    assert periods.month(2024, 2) == periods.Period(date(2024, 2, 1), date(2024, 2, 29))
    assert periods.quarter(2026, 4) == periods.Period(date(2026, 10, 1), date(2026, 12, 31))
    assert periods.half_year(2026, 1) == periods.Period(date(2026, 1, 1), date(2026, 6, 30))
    assert periods.year(2026).days == 365
    assert periods.quarter(2026, 1).previous() == periods.quarter(2025, 4)
    assert periods.month(2026, 3).year_before() == periods.month(2025, 3)
    with pytest.raises(ValueError):
        periods.Period(date(2026, 2, 1), date(2026, 1, 1))


def test_counted_time_bounds_and_flags():
    received = datetime(2026, 11, 22, 3, 0, tzinfo=timezone.utc)
    ok = periods.counted_time(received - timedelta(days=3), received)
    assert ok.at == received - timedelta(days=3) and ok.flag is None
    skew = periods.counted_time(received + timedelta(minutes=2), received)
    assert skew.at == received and skew.flag is None
    ahead = periods.counted_time(received + timedelta(hours=2), received)
    assert ahead.at == received and ahead.flag == "clock_ahead"
    old = periods.counted_time(received - timedelta(days=400), received)
    assert old.at == received - timedelta(days=30) and old.flag == "clock_too_old"


def test_split_by_months():
    P = periods.Period
    whole = periods.split_by_months(periods.year(2026))
    assert whole.months == periods.year(2026) and whole.edges == ()
    ragged = periods.split_by_months(P(date(2026, 1, 15), date(2026, 4, 10)))
    assert ragged.months == P(date(2026, 2, 1), date(2026, 3, 31))
    assert ragged.edges == (P(date(2026, 1, 15), date(2026, 1, 31)),
                            P(date(2026, 4, 1), date(2026, 4, 10)))
    inside = periods.split_by_months(P(date(2026, 2, 3), date(2026, 2, 20)))
    assert inside.months is None and inside.edges == (P(date(2026, 2, 3), date(2026, 2, 20)),)
    across = periods.split_by_months(P(date(2026, 1, 20), date(2026, 2, 10)))
    assert across.months is None and across.edges == (P(date(2026, 1, 20), date(2026, 2, 10)),)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
       st.integers(min_value=0, max_value=800))
def test_split_by_months_covers_every_day_once(start, length):
    period = periods.Period(start, start + timedelta(days=length))
    split = periods.split_by_months(period)
    parts = [*split.edges, *([split.months] if split.months else [])]
    assert sum(p.days for p in parts) == period.days
    assert min(p.start for p in parts) == period.start and max(p.end for p in parts) == period.end
    if split.months:
        assert split.months.start.day == 1
        assert split.months.end == periods.month(split.months.end.year,
                                                 split.months.end.month).end
