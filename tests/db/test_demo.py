"""The demo a newcomer seeds with ``make run``: no vote from the future, flags each channel can
really get, a printout of what is stored (issue 15), and today's Đà Nẵng with the legacy wards
its phường were made from (issue 16)."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from survey_app.db import get_db
from survey_app.domain.periods import quarter
from survey_app.models import (
    Ballot,
    Counter,
    KioskDevice,
    PaperBatch,
    PaperSheet,
    Unit,
    UserAccount,
)
from survey_app.services.demo import seed_demo
from survey_app.services.figures import unit_figures
from survey_app.services.unit_changes import predecessors

#: Late in a month and mid-morning: the demo's last day is half over, its month not.
NOW = datetime(2026, 3, 31, 10, 15, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def _seed(app, **options) -> None:
    with get_db(app).transaction() as s:
        seed_demo(s, secret_key=app.config["SECRET_KEY"], timezone=app.config["TIMEZONE"],
                  **{"days": 40, "seed": 15, "per_counter_day": 3.0, **options})


def test_no_vote_is_later_than_now(app, session):
    _seed(app, now=NOW)
    latest = session.execute(select(func.max(Ballot.counted_at), func.max(Ballot.answered_at),
                                    func.max(Ballot.received_at))).one()
    assert all(moment <= NOW for moment in latest), latest
    assert session.scalar(select(func.max(PaperSheet.keyed_at))) <= NOW
    # the morning of the last day is there; its afternoon is not
    today = session.scalar(select(func.count()).where(Ballot.local_day == NOW.date()))
    assert today > 0


def test_flags_fit_their_channel(app, session):
    _seed(app, now=NOW)
    flags = session.execute(select(Ballot.channel, Ballot.flag_reason, func.count())
                            .where(Ballot.status == "flagged")
                            .group_by(Ballot.channel, Ballot.flag_reason)).all()
    # bursts come from one tablet, rate limits from one phone; receipts and paper are never
    # flagged (one vote per code, keyed by a clerk)
    assert {(channel, reason) for channel, reason, _ in flags} == {
        ("kiosk", "burst"), ("qr_counter", "rate_limit"), ("web", "rate_limit")}


def test_the_command_prints_what_is_stored(runner, session):
    r = runner.invoke(args=["demo", "--days", "20", "--per-counter-day", "2"])
    assert r.exit_code == 0, r.output
    printed = dict(re.findall(r"^  (\w+): (\d+)", r.output, re.M))
    stored = dict(session.execute(select(Ballot.channel, func.count())
                                  .group_by(Ballot.channel)).all())
    assert {channel: int(n) for channel, n in printed.items()} == stored
    flagged = dict(session.execute(select(Ballot.flag_reason, func.count())
                                   .where(Ballot.status == "flagged")
                                   .group_by(Ballot.flag_reason)).all())
    printed_flags: dict[str, int] = {}
    for n, reason in re.findall(r"(\d+) flagged (\w+)", r.output):
        printed_flags[reason] = printed_flags.get(reason, 0) + int(n)
    assert printed_flags == flagged
    units = session.scalar(select(func.count()).select_from(Unit))
    counters = session.scalar(select(func.count()).select_from(Counter))
    assert f"Stored: {units} units, {counters} counters," in r.output
    assert f"Ballots: {sum(stored.values())}," in r.output
    # every paper ballot was keyed from a sheet of a batch the clerk can open
    batches = session.scalar(select(func.count()).select_from(PaperBatch))
    assert batches > 0 and f"{batches} paper batches" in r.output
    assert session.scalar(select(func.count()).select_from(PaperSheet)) == stored["paper"]


#: Early April 2026 with the default 18 months: the history starts in October 2024.
APRIL = datetime(2026, 4, 6, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
CHANGE = date(2025, 7, 1)


def test_the_demo_is_todays_danang_with_the_legacy_wards_before_july_2025(app, session):
    _seed(app, now=APRIL, days=550, per_counter_day=1.0)
    in_force = {u.code: u for u in session.scalars(select(Unit)) if u.in_force(APRIL.date())}
    assert in_force["48"].name == "Thành phố Đà Nẵng"
    kinds = sorted({u.kind for u in in_force.values()})
    # no district is left: the city, its phường, departments, central agencies, the centre
    assert kinds == ["central_agency", "commune", "department", "province", "service_centre"]
    assert in_force["20242"].name == "Phường Hải Châu"
    assert in_force["TTPVHCC-CN1"].parent.code == "TTPVHCC"
    # every ballot was cast at a unit in force on its day: before 1 July 2025 at the legacy
    # wards (and the departments and the centre), after at the communes
    rows = session.execute(select(Unit.code, Unit.kind, Unit.valid_from, Unit.valid_to,
                                  Ballot.local_day).join(Unit, Ballot.unit_id == Unit.id)).all()
    assert all((vf is None or vf <= day) and (vt is None or day <= vt)
               for _, _, vf, vt, day in rows)
    before = {code for code, kind, _, _, day in rows if day < CHANGE and kind == "commune"}
    after = {code for code, kind, _, _, day in rows if day >= CHANGE and kind == "commune"}
    assert before and all(code.startswith("L-") for code in before)
    assert after == {c for c, u in in_force.items() if u.kind == "commune"}
    # a ward's counters closed and its tablets revoked at the end of 30 June 2025
    thach_thang = session.scalars(select(Unit).where(Unit.code == "L-20233")).one()
    assert (thach_thang.name, thach_thang.valid_to, thach_thang.successor.code) == (
        "Phường Thạch Thang", date(2025, 6, 30), "20242")
    assert [c.active for c in thach_thang.counters] == [False]
    devices = session.scalars(select(KioskDevice).where(
        KioskDevice.unit_id == thach_thang.id)).all()
    assert [d.revoked_at for d in devices] == [datetime(2025, 7, 1, tzinfo=APRIL.tzinfo)]
    new_devices = session.scalars(select(KioskDevice).where(
        KioskDevice.unit_id == in_force["20242"].id)).all()
    assert len(new_devices) == 3 and all(d.revoked_at is None for d in new_devices)
    # the merged phường's first quarter of 2025 is the sum of its five wards' counts
    q1 = quarter(2025, 1)
    figures = unit_figures(session, in_force["20242"], q1, min_n=30)
    wards = sorted(u.code for u in predecessors(session, in_force["20242"]))
    assert wards == ["L-20227", "L-20230", "L-20233", "L-20236", "L-20242"]
    by_hand = session.scalar(select(func.count()).select_from(Ballot).join(
        Unit, Ballot.unit_id == Unit.id).where(
        Unit.code.in_(wards), Ballot.status == "valid",
        Ballot.local_day.between(q1.start, q1.end)))
    assert figures.tally.total == by_hand > 0
    assert sorted(figures.predecessors) == wards
    # the users: an officer of the city, one of the merged phường, its clerk
    users = {u.username: (u.role, u.unit.code if u.unit else None)
             for u in session.scalars(select(UserAccount))}
    assert users == {"admin": ("admin", None), "canbo.danang": ("officer", "48"),
                     "canbo.haichau": ("officer", "20242"),
                     "nhapphieu.haichau": ("clerk", "20242")}
