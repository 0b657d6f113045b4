"""POST /api/v1/votes on SQLite and PostgreSQL: every status, idempotency, integrity."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from survey_app.models import Answer, Ballot, DailyTally, KioskDevice
from survey_app.services.tallies import counted_tallies, live_tallies
from tests.factories import vote


def _ballots(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(Ballot))


def _tally_sum(session) -> int:
    session.rollback()
    return session.scalar(select(func.coalesce(func.sum(DailyTally.count), 0)))


def test_kiosk_vote_is_stored_with_its_unit_counter_and_answers(client, world, session):
    body = vote("not_satisfied", answers={"overall": "not_satisfied",
                                          "reasons": ["fees", "waiting_time"], "comment": "Lâu"})
    r = client.post("/api/v1/votes", json=body, headers=world.auth(world.device_token))
    assert r.status_code == 201
    assert r.json == {"id": r.json["id"], "client_id": body["client_id"], "status": "valid",
                      "flag_reason": None}
    ballot = session.get(Ballot, r.json["id"])
    assert ballot.channel == "kiosk"
    assert ballot.unit_id == world.units["HC"].id
    assert ballot.counter_id == world.counters["HC/Q1"].id
    assert ballot.level == "not_satisfied"
    values = sorted(session.scalars(select(Answer.value).where(Answer.ballot_id == ballot.id)))
    # reasons are stored in the scale's canonical order, one row each
    assert values == ["Lâu", "fees", "not_satisfied", "waiting_time"]
    assert _tally_sum(session) == 1


def test_identical_replay_answers_200_and_stores_nothing(client, world, session):
    body = vote("very_satisfied")
    first = client.post("/api/v1/votes", json=body, headers=world.auth(world.device_token))
    again = client.post("/api/v1/votes", json=body, headers=world.auth(world.device_token))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json
    assert _ballots(session) == 1
    assert _tally_sum(session) == 1


def test_same_client_id_with_other_content_is_a_conflict(client, world, session):
    body = vote("very_satisfied")
    assert client.post("/api/v1/votes", json=body,
                       headers=world.auth(world.device_token)).status_code == 201
    body["answers"] = {"overall": "not_satisfied"}
    r = client.post("/api/v1/votes", json=body, headers=world.auth(world.device_token))
    assert r.status_code == 409
    assert r.json["error"] == "conflict"
    assert _ballots(session) == 1
    session.rollback()
    cells = session.execute(select(DailyTally.level, DailyTally.count)).all()
    assert cells == [("very_satisfied", 1)]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.update(client_id="not-a-uuid"), "client_id"),
        (lambda b: b.pop("client_id"), "client_id"),
        (lambda b: b.update(answered_at="2026-11-22 09:30"), "answered_at"),  # no offset
        (lambda b: b.update(answered_at=12345), "answered_at"),
        (lambda b: b.update(answers={"overall": "meh"}), "answers.overall"),
        (lambda b: b.update(answers={}), "answers.overall"),
        (lambda b: b.update(answers={"overall": "satisfied", "reasons": ["fees"]}),
         "answers.reasons"),  # reasons only after not_satisfied
        (lambda b: b.update(answers={"overall": "not_satisfied", "reasons": ["bribes"]}),
         "answers.reasons"),
        (lambda b: b.update(answers={"overall": "not_satisfied", "comment": "x" * 1001}),
         "answers.comment"),
        (lambda b: b.update(answers={"overall": "satisfied", "mood": 3}), "answers.mood"),
        (lambda b: b.update(answers=["satisfied"]), "answers"),
        (lambda b: b.update(colour="blue"), "colour"),
        (lambda b: b.update(questionnaire="NOPE"), "questionnaire"),
        (lambda b: b.update(version="1"), "version"),
        (lambda b: b.update(respondent_group="alien"), "respondent_group"),
    ],
)
def test_invalid_input_is_422_with_field_messages(client, world, session, mutate, field):
    body = vote()
    mutate(body)
    r = client.post("/api/v1/votes", json=body, headers=world.auth(world.device_token))
    assert r.status_code == 422
    assert field in r.json["errors"]
    assert r.json["errors"][field]  # a human message, Vietnamese by default
    assert _ballots(session) == 0


def test_error_messages_are_vietnamese_by_default_and_english_on_request(client, world):
    body = vote()
    body["client_id"] = "nope"
    vi = client.post("/api/v1/votes", json=body, headers=world.auth(world.device_token))
    en = client.post("/api/v1/votes?lang=en", json=body, headers=world.auth(world.device_token))
    assert vi.json["errors"]["client_id"] == "Phải là UUID."
    assert en.json["errors"]["client_id"] == "Must be a UUID."


def test_body_that_is_not_json_is_422(client, world):
    r = client.post("/api/v1/votes", data=b"\xff\xfe{", content_type="application/json",
                    headers=world.auth(world.device_token))
    assert r.status_code == 422
    assert "body" in r.json["errors"]


def test_missing_or_bad_token_is_401(client, world, session):
    assert client.post("/api/v1/votes", json=vote()).status_code == 401
    r = client.post("/api/v1/votes", json=vote(), headers={"Authorization": "Bearer sk_forged"})
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert _ballots(session) == 0


def test_revoked_device_is_401(client, world, session):
    device = session.scalars(select(KioskDevice)).one()
    device.revoked_at = datetime.now(timezone.utc)
    session.commit()
    r = client.post("/api/v1/votes", json=vote(), headers=world.auth(world.device_token))
    assert r.status_code == 401
    assert _ballots(session) == 0


def test_kiosk_may_not_vote_for_another_unit_or_channel(client, world, session):
    r = client.post("/api/v1/votes", json=vote(unit="LC"), headers=world.auth(world.device_token))
    assert r.status_code == 403
    r = client.post("/api/v1/votes", json=vote(channel="paper"),
                    headers=world.auth(world.device_token))
    assert r.status_code == 403
    # naming its own unit is fine
    r = client.post("/api/v1/votes", json=vote(unit="HC"), headers=world.auth(world.device_token))
    assert r.status_code == 201
    assert _ballots(session) == 1


def test_user_tokens_follow_roles_and_scope(client, world, session):
    # a clerk keys paper ballots for their own subtree only
    assert client.post("/api/v1/votes", json=vote(unit="HC-TT"),
                       headers=world.auth(world.clerk_token)).status_code == 201
    assert client.post("/api/v1/votes", json=vote(unit="LC"),
                       headers=world.auth(world.clerk_token)).status_code == 403
    assert client.post("/api/v1/votes", json=vote(unit="HC", channel="web"),
                       headers=world.auth(world.clerk_token)).status_code == 403
    # officers read figures; they do not vote
    assert client.post("/api/v1/votes", json=vote(unit="HC"),
                       headers=world.auth(world.officer_token)).status_code == 403
    # nobody but a registered device votes on the kiosk channel
    assert client.post("/api/v1/votes", json=vote(unit="HC", channel="kiosk"),
                       headers=world.auth(world.admin_token)).status_code == 403
    r = client.post("/api/v1/votes", json=vote(unit="LC", channel="web"),
                    headers=world.auth(world.admin_token))
    assert r.status_code == 201
    assert session.get(Ballot, r.json["id"]).channel == "web"
    assert _ballots(session) == 2


def test_user_vote_needs_a_known_unit(client, world):
    r = client.post("/api/v1/votes", json=vote(), headers=world.auth(world.admin_token))
    assert r.status_code == 422 and "unit" in r.json["errors"]
    r = client.post("/api/v1/votes", json=vote(unit="XX"), headers=world.auth(world.admin_token))
    assert r.status_code == 422 and "unit" in r.json["errors"]
    r = client.post("/api/v1/votes", json=vote(unit="HC", counter="Q9"),
                    headers=world.auth(world.admin_token))
    assert r.status_code == 422 and "counter" in r.json["errors"]


def test_clock_ahead_or_too_old_is_flagged_not_rejected(client, world, session):
    future = (datetime.now(timezone.utc) + timedelta(hours=3)).isoformat()
    ancient = (datetime.now(timezone.utc) - timedelta(days=365)).isoformat()
    a = client.post("/api/v1/votes", json=vote(at=future), headers=world.auth(world.device_token))
    b = client.post("/api/v1/votes", json=vote(at=ancient),
                    headers=world.auth(world.device_token))
    assert (a.status_code, a.json["status"], a.json["flag_reason"]) == (201, "flagged",
                                                                          "clock_ahead")
    assert (b.status_code, b.json["flag_reason"]) == (201, "clock_too_old")
    session.rollback()
    statuses = session.scalars(select(DailyTally.status)).all()
    assert statuses and set(statuses) == {"flagged"}


def test_offline_kiosk_uploading_days_later_counts_on_the_answer_day(client, world, session):
    three_days_ago = datetime.now(timezone.utc) - timedelta(days=3)
    r = client.post("/api/v1/votes", json=vote(at=three_days_ago.isoformat()),
                    headers=world.auth(world.device_token))
    assert r.status_code == 201 and r.json["status"] == "valid"
    ballot = session.get(Ballot, r.json["id"])
    assert ballot.counted_at == three_days_ago
    assert ballot.received_at > three_days_ago


def test_dossier_reference_is_stored_only_as_a_keyed_hash(client, world, session):
    r = client.post("/api/v1/votes", json=vote(unit="HC", dossier="000.00.12.H17-261122-0001"),
                    headers=world.auth(world.admin_token))
    assert r.status_code == 201
    ballot = session.get(Ballot, r.json["id"])
    assert ballot.dossier_hash and len(ballot.dossier_hash) == 64
    assert "H17" not in ballot.dossier_hash


def test_concurrent_submissions_of_one_client_id_store_one_ballot(app, world, session):
    body = vote("satisfied")
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def submit() -> None:
        client = app.test_client()
        barrier.wait()
        r = client.post("/api/v1/votes", json=body, headers=world.auth(world.device_token))
        statuses.append(r.status_code)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 7 + [201]
    assert _ballots(session) == 1
    assert _tally_sum(session) == 1


def test_concurrent_distinct_votes_all_count(app, world, session):
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def submit(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        for _ in range(5):
            r = client.post("/api/v1/votes", json=vote(("satisfied", "not_satisfied")[i % 2]),
                            headers=world.auth(world.device_token))
            statuses.append(r.status_code)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [201] * 30
    assert _ballots(session) == 30
    assert live_tallies(session) == counted_tallies(session)
    assert _tally_sum(session) == 30


def test_unknown_client_id_types_do_not_crash(client, world):
    for bad in (None, 5, [], {}, "0" * 200, str(uuid.uuid4()) + "x"):
        body = vote()
        body["client_id"] = bad
        r = client.post("/api/v1/votes", json=body, headers=world.auth(world.device_token))
        assert r.status_code == 422, bad


def test_kiosk_offline_for_a_day_uploads_its_queue(client, world, session):
    """A tablet that lost its network for a day sends its queue at once: every vote is
    stored once, none is flagged for arriving in a burst, and each counts on the local day it
    was cast (a retry of the whole queue changes nothing)."""
    now = datetime.now(timezone.utc)
    queue = [vote(("very_satisfied", "satisfied", "not_satisfied")[i % 3],
                  at=(now - timedelta(hours=24) + timedelta(minutes=4 * i)).isoformat())
             for i in range(300)]  # one vote every four minutes for twenty hours
    statuses = [client.post("/api/v1/votes", json=v, headers=world.auth(world.device_token))
                .status_code for v in queue]
    assert statuses == [201] * 300
    again = [client.post("/api/v1/votes", json=v, headers=world.auth(world.device_token))
             .status_code for v in queue[:50]]
    assert again == [200] * 50
    session.rollback()
    rows = session.execute(select(Ballot.status, func.count()).group_by(Ballot.status)).all()
    assert rows == [("valid", 300)]
    days = dict(session.execute(select(DailyTally.day, func.sum(DailyTally.count))
                                .group_by(DailyTally.day)).all())
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    expected: dict = {}
    for v in queue:
        day = datetime.fromisoformat(v["answered_at"]).astimezone(tz).date()
        expected[day] = expected.get(day, 0) + 1
    assert days == expected
