"""The dashboard of a phường created on 1 July 2025 compares a 2026 quarter with the same
quarter of 2025, whose figures are the sum of the wards it was made from (issue 16): on votes
cast by hand, and in the demo (Phường Hải Châu, made from five wards)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from survey_app.db import get_db
from survey_app.domain.periods import quarter
from survey_app.models import Ballot, Unit
from survey_app.services import accounts, votes
from survey_app.services.demo import seed_demo
from survey_app.services.figures import unit_figures
from survey_app.services.official_units import import_official
from survey_app.services.unit_changes import predecessors
from survey_app.services.units import unit_by_code
from tests.factories import vote
from tests.settings import SECRET

from .test_officer_dashboard import sign_in

PASSWORD = "correct horse battery"
#: Phường Liên Chiểu (GSO 20197) since 1 July 2025; its wards' Q1 2025 votes (very, sat, not)
#: (the converter: Phường Hòa Khánh Bắc, and Xã Hòa Liên whose larger part went to Liên Chiểu)
Q1_2025 = {"L-20197": (30, 40, 10), "L-20296": (5, 10, 5)}
Q1_2026 = (50, 30, 8)


def _cast(session, admin, unit: str, counts: tuple[int, int, int], day: str) -> None:
    policy = votes.VotePolicy(timezone=ZoneInfo("Asia/Ho_Chi_Minh"), secret_key=SECRET)
    received = datetime.now(timezone.utc) + timedelta(seconds=1)
    for level, n in zip(("very_satisfied", "satisfied", "not_satisfied"), counts, strict=True):
        for _ in range(n):
            body = vote(level, at=f"{day}T09:30:00+07:00", unit=unit, channel="paper")
            parsed = votes.parse_vote(session, body, votes.Principal(user=admin), policy)
            votes.record_vote(session, parsed, received_at=received, policy=policy)


@pytest.fixture
def merged_city(app):
    """Đà Nẵng from the official tables with its legacy wards; votes at two old wards in
    Q1 2025 and at the new phường in Q1 2026. Returns the predecessors' names."""
    with get_db(app).transaction() as s:
        import_official(s, "48", legacy=True)
        admin = accounts.create_user(s, "quantri", "admin", PASSWORD)
        for code, counts in Q1_2025.items():
            _cast(s, admin, code, counts, "2025-02-12")
        _cast(s, admin, "20197", Q1_2026, "2026-02-11")
        names = {p.code: p.name for p in predecessors(s, unit_by_code(s, "20197"))}
    return names


def test_merged_ward_dashboard_compares_with_its_predecessors(live_server, browser, artifacts,
                                                              merged_city):
    assert merged_city == {"L-20197": "Phường Hòa Khánh Bắc", "L-20296": "Xã Hòa Liên"}
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN").new_page()
    start = "/officer/dashboard"
    sign_in(page, live_server.url, "quantri", PASSWORD, start)
    page.goto(f"{live_server.url}{start}?unit=20197&kind=quarter&year=2026&part=1")
    assert page.locator(".period-label").inner_text() == "Quý I/2026"
    assert page.get_by_test_id("n").inner_text() == "88"
    row = page.locator("table.compare tbody tr", has_text="Cùng kỳ năm trước")
    # by hand: (30+5, 40+10, 10+5) = 35, 50, 15 → n 100, rate 85/100 = 85,0%
    assert row.locator("td").nth(0).inner_text() == "100"
    assert row.locator("td").nth(1).inner_text() == "85,0\u00a0%"  # a Vietnamese percent
    # 2026: (50 + 30) / 88 = 90.909 → 90,9%; change 90.9 − 85.0 = +5.9 points
    assert row.locator("td").nth(2).inner_text() in ("+5,9", "+5,9 điểm")
    note = page.get_by_test_id("predecessor-note").inner_text()
    assert note.startswith("Số liệu trước 01/07/2025 cộng từ: ")
    assert "Phường Hòa Khánh Bắc" in note and "Xã Hòa Liên" in note
    page.locator("table.compare").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "merged-ward-dashboard.png"))  # summary and comparison


#: The demo seeded early in April 2026: Q1 2026 is complete, and its history (18 months) starts
#: in October 2024, so Q1 2025 was cast at the legacy wards.
APRIL = datetime(2026, 4, 6, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def test_demo_merged_phuong_compares_2026_with_its_wards_of_2025(app, live_server, browser,
                                                                 artifacts):
    with get_db(app).transaction() as s:
        password = seed_demo(s, days=550, seed=16, per_counter_day=1.5, now=APRIL,
                             secret_key=app.config["SECRET_KEY"],
                             timezone=app.config["TIMEZONE"])[2]
        phuong = unit_by_code(s, "20242")
        wards = {p.code: p.name for p in predecessors(s, phuong)}
        q1_2025 = quarter(2025, 1)
        # by hand: the valid ballots of the five old wards in Q1 2025
        by_hand = s.scalar(select(func.count()).select_from(Ballot).join(
            Unit, Ballot.unit_id == Unit.id).where(
            Unit.code.in_(wards), Ballot.status == "valid",
            Ballot.local_day.between(q1_2025.start, q1_2025.end)))
        now_n = unit_figures(s, phuong, quarter(2026, 1), min_n=30).tally.total
    assert sorted(wards.values()) == ["Phường Hải Châu", "Phường Phước Ninh", "Phường Thanh Bình",
                                      "Phường Thuận Phước", "Phường Thạch Thang"]
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN").new_page()
    start = "/officer/dashboard"
    sign_in(page, live_server.url, "canbo.haichau", password, start)  # the phường's officer
    page.goto(f"{live_server.url}{start}?unit=20242&kind=quarter&year=2026&part=1")
    assert page.locator(".period-label").inner_text() == "Quý I/2026"
    assert page.get_by_test_id("n").inner_text() == f"{now_n:,}".replace(",", ".")
    row = page.locator("table.compare tbody tr", has_text="Cùng kỳ năm trước")
    assert row.locator("td").nth(0).inner_text() == f"{by_hand:,}".replace(",", ".")
    assert by_hand > 100  # a real quarter of five wards, not an empty comparison
    note = page.get_by_test_id("predecessor-note").inner_text()
    assert note.startswith("Số liệu trước 01/07/2025 cộng từ: ")
    assert all(name in note for name in wards.values())
    page.locator("table.compare").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "demo-merged-phuong-dashboard.png"))
