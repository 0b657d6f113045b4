"""The demo a newcomer seeds with ``make run``: no vote from the future, flags each channel can
really get, and a printout of what is stored (issue 15)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from survey_app.db import get_db
from survey_app.models import Ballot, Counter, PaperBatch, PaperSheet, Unit
from survey_app.services.demo import seed_demo

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
