"""GET /api/v1/comments on SQLite and PostgreSQL: scope, filters, void and flagged ballots, and
pages that stay stable while new comments arrive."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from survey_app.models import Ballot
from survey_app.services.ballots import set_ballot_status
from tests.factories import vote

TODAY = datetime.now(timezone.utc)
DAY = TODAY.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def _comment(client, world, text, *, minutes_ago=0, level="not_satisfied", reasons=None):
    answers = {"overall": level}
    if level == "not_satisfied":
        answers["comment"] = text
        if reasons:
            answers["reasons"] = reasons
    at = (TODAY - timedelta(minutes=minutes_ago)).isoformat()
    r = client.post("/api/v1/votes", json=vote(level, at=at, answers=answers),
                    headers=world.auth(world.device_token))
    assert r.status_code == 201, r.json
    return r.json["id"]


def _get(client, world, token=None, **params):
    query = {"unit": "HC", "from": (DAY - timedelta(days=1)).isoformat(),
             "to": (DAY + timedelta(days=1)).isoformat(), **params}
    return client.get("/api/v1/comments", query_string=query,
                      headers=world.auth(token or world.officer_token))


def test_officer_reads_the_comments_of_their_unit_newest_first(client, world):
    _comment(client, world, "Chờ quá lâu", minutes_ago=30, reasons=["waiting_time"])
    _comment(client, world, "Gọi 0905 123 456", minutes_ago=10, reasons=["fees", "other"])
    _comment(client, world, "", level="satisfied")
    r = _get(client, world)
    assert r.status_code == 200
    body = r.json
    assert body["next"] is None
    assert [c["text"] for c in body["comments"]] == ["Gọi •••••••456", "Chờ quá lâu"]
    first = body["comments"][0]
    assert {k: first[k] for k in ("unit", "unit_name", "counter", "channel", "level", "reasons",
                                  "status", "flag_reason", "case")} == {
        "unit": "HC", "unit_name": "Quận Hải Châu", "counter": "Q1", "channel": "kiosk",
        "level": "not_satisfied", "reasons": ["fees", "other"], "status": "valid",
        "flag_reason": None, "case": None}
    assert datetime.fromisoformat(first["counted_at"]) > datetime.fromisoformat(
        body["comments"][1]["counted_at"])


def test_scope_is_that_of_the_figures(client, world):
    _comment(client, world, "Chờ lâu")
    # an officer of HC may not read its sibling nor its parent province
    assert _get(client, world, unit="LC").status_code == 403
    assert _get(client, world, unit="DN").status_code == 403
    assert _get(client, world, unit="DN", subtree="1").status_code == 403
    # a kiosk token is no reader at all
    assert _get(client, world, token=world.device_token).status_code == 403
    # the admin reads the province's subtree, which holds HC's comment
    province = _get(client, world, token=world.admin_token, unit="DN", subtree="1")
    assert [c["text"] for c in province.json["comments"]] == ["Chờ lâu"]
    # without subtree=1 the province's own (empty) list
    assert _get(client, world, token=world.admin_token, unit="DN").json["comments"] == []
    assert _get(client, world, unit="NOPE").status_code == 404


def test_pages_are_stable_while_comments_arrive(client, world):
    for i in range(5):
        _comment(client, world, f"ý kiến {i}", minutes_ago=50 - i)
    first = _get(client, world, limit="2").json
    assert [c["text"] for c in first["comments"]] == ["ý kiến 4", "ý kiến 3"]
    # meanwhile a comment newer than everything, and an offline kiosk's older one arrive:
    # an offset-based page would now repeat "ý kiến 3"
    _comment(client, world, "mới nhất")
    _comment(client, world, "cũ", minutes_ago=90)
    second = _get(client, world, limit="2", cursor=first["next"]).json
    third = _get(client, world, limit="2", cursor=second["next"]).json
    assert [c["text"] for c in second["comments"]] == ["ý kiến 2", "ý kiến 1"]
    assert [c["text"] for c in third["comments"]] == ["ý kiến 0", "cũ"]
    assert third["next"] is None


def test_void_ballots_hidden_unless_asked_flagged_shown_with_their_flag(app, client, world,
                                                                        session):
    voided = _comment(client, world, "phiếu hủy", minutes_ago=20)
    flagged = _comment(client, world, "phiếu cần xem xét", minutes_ago=10)
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    session.rollback()
    set_ballot_status(session, session.get(Ballot, voided), "void", None, tz=tz)
    ballot = session.get(Ballot, flagged)
    ballot.flag_reason = "burst"
    set_ballot_status(session, ballot, "flagged", None, tz=tz)
    session.commit()
    shown = _get(client, world).json["comments"]
    assert [(c["text"], c["status"], c["flag_reason"]) for c in shown] == [
        ("phiếu cần xem xét", "flagged", "burst")]
    everything = _get(client, world, include_void="1").json["comments"]
    assert [c["status"] for c in everything] == ["flagged", "void"]


def test_filters_and_bad_parameters(client, world):
    _comment(client, world, "lâu")
    assert _get(client, world, level="satisfied").json["comments"] == []
    assert len(_get(client, world, level="not_satisfied").json["comments"]) == 1
    assert _get(client, world, channel="paper").json["comments"] == []
    for params, field in [({"cursor": "bm90IGEgY3Vyc29y"}, "cursor"), ({"limit": "201"}, "limit"),
                          ({"limit": "0"}, "limit"), ({"level": "angry"}, "level"),
                          ({"include_void": "yes"}, "include_void")]:
        r = _get(client, world, **params)
        assert r.status_code == 422, params
        assert field in r.json["errors"], r.json
    assert _get(client, world, **{"from": date(2026, 2, 1).isoformat(),
                                  "to": "2026-01-01"}).status_code == 422
