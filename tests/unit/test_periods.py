"""Local-date periods and bounded answer times."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

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


def test_utc_bounds_cover_local_days():
    start, end = periods.utc_bounds(periods.month(2026, 11), HCM)
    assert start == datetime(2026, 10, 31, 17, 0, tzinfo=timezone.utc)
    assert end == datetime(2026, 11, 30, 17, 0, tzinfo=timezone.utc)


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
