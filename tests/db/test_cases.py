"""Follow-up cases on both databases: a citizen's callback request on the phone ballot, the
officer's steps (audited, safe against a repeat), opening a case from a comment, the overdue
list, the callback number's scope and its erasure after the retention time."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from survey_app.cli.worker import run_round
from survey_app.domain.cases import add_working_days, callback_phone
from survey_app.models import Answer, AuditEvent, CaseContact, FollowupCase
from tests.factories import csrf_token, login, vote


def _ballot_form(client, path="/q/c/HC.Q1"):
    html = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    client_id = re.search(r'name="client_id" value="([^"]+)"', html).group(1)
    return html, {"csrf_token": token, "client_id": client_id}


def _case(session):
    session.rollback()
    return session.scalars(select(FollowupCase)).one()


def _step(client, case_id, to, **fields):
    token = csrf_token(client, f"/officer/cases/{case_id}")
    return client.post(f"/officer/cases/{case_id}", data={"csrf_token": token, "to": to,
                                                          **fields})


def test_citizen_asks_to_be_called_back_and_an_officer_handles_the_case(app, client, world,
                                                                        session):
    html, form = _ballot_form(client)
    assert "Tôi muốn được liên hệ lại" in html
    r = client.post("/q/c/HC.Q1", data={
        **form, "a.overall": "not_satisfied", "a.reasons": "waiting_time",
        "a.comment": "Chờ 2 tiếng", "callback": "1", "callback_phone": "0905 123 456",
        "callback_consent": "1"})
    assert r.status_code == 303
    case = _case(session)
    assert (case.source, case.status) == ("citizen", "new")
    assert session.get(CaseContact, case.id).phone == "0905123456"
    # the number is not with the ballot
    values = session.scalars(select(Answer.value).where(Answer.ballot_id == case.ballot_id))
    assert not any("0905" in v or "123456" in v for v in values)

    login(client, "officer.hc")
    page = client.get(f"/officer/cases/{case.id}").get_data(as_text=True)
    assert "0905123456" in page and "Chờ 2 tiếng" in page and ">Mới<" in page
    listed = client.get("/officer/cases").get_data(as_text=True)
    assert f"#{case.id}" in listed

    assert _step(client, case.id, "in_progress").status_code == 303
    repeat = _step(client, case.id, "in_progress")  # a second click on the same button
    assert repeat.status_code == 303
    assert "Phản ánh đã chuyển sang bước khác; tải lại trang." in client.get(
        f"/officer/cases/{case.id}").get_data(as_text=True)
    empty = _step(client, case.id, "answered", answer="  ")
    assert "Cần ghi nội dung đã trả lời người dân." in client.get(
        f"/officer/cases/{case.id}").get_data(as_text=True)
    assert empty.status_code == 303 and _case(session).status == "in_progress"
    _step(client, case.id, "answered", answer="Đã gọi điện xin lỗi, bố trí thêm quầy.",
          note="Gọi lúc 9 giờ")
    _step(client, case.id, "closed")
    case = _case(session)
    assert case.status == "closed" and case.answer.startswith("Đã gọi điện")
    assert case.started_at and case.answered_at and case.closed_at
    assert "Gọi lúc 9 giờ" in case.notes
    actions = session.scalars(select(AuditEvent.action).where(
        AuditEvent.target_type == "followup_case").order_by(AuditEvent.id)).all()
    assert actions == ["case.open", "case.in_progress", "case.answered", "case.closed"]

    # another district's officer cannot see the case or its number
    client.get("/logout")
    from survey_app.services import accounts
    session.rollback()
    accounts.create_user(session, "officer.lc", "officer", "correct horse battery",
                         world.units["LC"])
    session.commit()
    login(client, "officer.lc")
    assert client.get(f"/officer/cases/{case.id}").status_code == 404


def test_callback_needs_a_phone_number_and_consent(client, world, session):
    _, form = _ballot_form(client)
    # refused like any wrong answer: back to the form (POST-redirect-GET) with the message
    r = client.post("/q/c/HC.Q1", data={**form, "a.overall": "not_satisfied", "callback": "1",
                                        "callback_phone": "0905 123 456"})
    assert r.status_code == 303
    r = client.get(r.headers["Location"])
    assert "Vui lòng đánh dấu đồng ý để cơ quan liên hệ lại." in r.get_data(as_text=True)
    r = client.post("/q/c/HC.Q1", data={**form, "a.overall": "not_satisfied", "callback": "1",
                                        "callback_phone": "12345", "callback_consent": "1"})
    assert r.status_code == 303
    r = client.get(r.headers["Location"])
    assert "Số điện thoại chưa đúng" in r.get_data(as_text=True)
    session.rollback()
    assert session.scalars(select(FollowupCase)).all() == []
    # a satisfied citizen's stray callback fields open nothing
    r = client.post("/q/c/HC.Q1", data={**form, "a.overall": "satisfied", "callback": "1",
                                        "callback_phone": "0905123456", "callback_consent": "1"})
    assert r.status_code == 303
    session.rollback()
    assert session.scalars(select(FollowupCase)).all() == []


def test_officer_opens_a_case_from_a_comment_once(client, world, session):
    r = client.post("/api/v1/votes", headers=world.auth(world.device_token), json=vote(
        "not_satisfied", answers={"overall": "not_satisfied", "comment": "Thiếu ghế chờ"}))
    assert r.status_code == 201
    login(client, "officer.hc")
    html = client.get("/officer/comments", query_string={"kind": "year"}).get_data(as_text=True)
    action = re.search(r'action="(/officer/cases/from-comment/\d+)"', html).group(1)
    token = csrf_token(client, "/officer/comments?kind=year")
    first = client.post(action, data={"csrf_token": token})
    second = client.post(action, data={"csrf_token": token})
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    case = _case(session)
    assert case.source == "officer" and session.get(CaseContact, case.id) is None
    listed = client.get("/officer/comments", query_string={"kind": "year"}).get_data(
        as_text=True)
    assert f'href="/officer/cases/{case.id}"' in listed
    today = date.today()
    body = client.get("/api/v1/comments", query_string={
        "unit": "HC", "from": (today - timedelta(days=2)).isoformat(),
        "to": (today + timedelta(days=2)).isoformat()}, headers=world.auth(world.officer_token))
    assert body.json["comments"][0]["case"] == case.id


def test_overdue_list_and_retention_erase(app, client, world, session):
    _, form = _ballot_form(client)
    client.post("/q/c/HC.Q1", data={**form, "a.overall": "not_satisfied", "callback": "1",
                                    "callback_phone": "+84 905 123 456",
                                    "callback_consent": "1"})
    case = _case(session)
    case.due_on = date.today() - timedelta(days=1)
    session.commit()
    login(client, "officer.hc")
    overdue = client.get("/officer/cases", query_string={"view": "overdue"}).get_data(
        as_text=True)
    assert f"#{case.id}" in overdue and "Quá hạn" in overdue
    case = _case(session)
    case.status, case.closed_at = "closed", datetime.now(timezone.utc) - timedelta(days=89)
    session.commit()
    run_round(app)
    assert session.get(CaseContact, case.id) is not None  # 89 days: still kept
    case = _case(session)
    case.closed_at = datetime.now(timezone.utc) - timedelta(days=91)
    session.commit()
    run_round(app)
    session.rollback()
    assert session.get(CaseContact, case.id) is None
    assert "Đã xóa theo thời hạn lưu giữ" in client.get(
        f"/officer/cases/{case.id}").get_data(as_text=True)


def test_due_dates_skip_weekends_and_phone_numbers_are_normalised():
    friday = date(2026, 11, 27)
    assert add_working_days(friday, 5) == date(2026, 12, 4)
    assert add_working_days(date(2026, 11, 23), 5) == date(2026, 11, 30)
    assert callback_phone("0905.123.456") == "0905123456"
    assert callback_phone("+84 905 123 456") == "0905123456"
    assert callback_phone("84905123456") == "0905123456"
    assert callback_phone("0236 3822 111") == "02363822111"
    for bad in ("12345", "0005123456", "09051234567890", "090512345a", "٠٩٠٥١٢٣٤٥٦"):
        assert callback_phone(bad) is None, bad


def test_dashboard_and_cli_count_cases_and_rules_hear_of_new_ones(app, client, runner, world,
                                                                  session):
    import json

    from tests.receivers import WebhookReceiver

    app.config["WEBHOOK_ALLOW_PRIVATE"] = 1
    with WebhookReceiver() as hook:
        runner.invoke(args=["webhooks", "add", "--url", hook.url, "--secret", "x" * 20])
        assert runner.invoke(args=["alerts", "add", "--unit", "DN", "--webhook", hook.url,
                                   "--threshold", "50", "--window-hours", "1",
                                   "--min-n", "100"]).exit_code == 0
        for _ in range(3):
            _, form = _ballot_form(client)
            assert client.post("/q/c/HC.Q1", data={
                **form, "a.overall": "not_satisfied", "callback": "1",
                "callback_phone": "0905123456", "callback_consent": "1"}).status_code == 303
        run_round(app)
    events = [json.loads(r["body"]) for r in hook.received]
    assert [e["event"] for e in events] == ["case.opened"] * 3
    assert all(e["unit"] == "HC" and e["url"].startswith("/officer/cases/") for e in events)
    session.rollback()
    first, second, third = session.scalars(select(FollowupCase).order_by(FollowupCase.id))
    now = datetime.now(timezone.utc)
    first.status, first.answered_at = "answered", now  # answered by its due date
    second.due_on = date.today() - timedelta(days=1)  # open past its due date
    session.commit()
    login(client, "officer.hc")
    html = client.get("/officer/dashboard", query_string={"kind": "year"}).get_data(
        as_text=True)
    table = html[html.index('id="case-counts"'):]
    cells = re.findall(r'<td class="num">(?:<a [^>]*>)?(\d+)', table)[:3]
    assert cells == ["3", "1", "1"]
    today = date.today()
    out = runner.invoke(args=["cases", "counts", "--unit", "DN", "--from",
                              today.replace(month=1, day=1).isoformat(), "--to",
                              today.replace(month=12, day=31).isoformat()]).output
    assert out.splitlines()[1].endswith(",3,1,1")


def test_a_kiosk_vote_can_carry_a_callback_request(client, world, session):
    auth = world.auth(world.device_token)
    # A refused callback never costs the vote: stored, and only the callback is refused.
    for callback, key in (({"phone": "0905123456", "consent": False}, "callback_needs_consent"),
                          ({"phone": "12345", "consent": True}, "callback_bad_phone"),
                          ("0905123456", "callback_bad_phone")):
        bad = client.post("/api/v1/votes", headers=auth, json=vote(
            "not_satisfied", answers={"overall": "not_satisfied"}, callback=callback))
        assert bad.status_code == 201, bad.json
        assert bad.json["status"] == "valid"
        assert bad.json["callback"]["status"] == "refused"
        assert bad.json["callback"]["error"] == key
        assert bad.json["callback"]["message"].startswith(("Số điện thoại", "Vui lòng"))
    session.rollback()
    assert session.scalars(select(FollowupCase)).all() == []
    # a satisfied citizen's callback is ignored, and said so
    happy = client.post("/api/v1/votes", headers=auth, json=vote(
        "satisfied", answers={"overall": "satisfied"},
        callback={"phone": "0905123456", "consent": True}))
    assert (happy.status_code, happy.json["callback"]) == (201, {"status": "ignored"})
    # an invalid vote is still refused whole, whatever the callback
    broken = client.post("/api/v1/votes", headers=auth, json=vote(
        "not_satisfied", answers={"overall": "so-so"},
        callback={"phone": "0905123456", "consent": True}))
    assert broken.status_code == 422
    body = vote("not_satisfied", answers={"overall": "not_satisfied", "comment": "Lâu"},
                callback={"phone": "+84 905 123 456", "consent": True})
    r = client.post("/api/v1/votes", headers=auth, json=body)
    assert (r.status_code, r.json["callback"]) == (201, {"status": "opened"})
    again = client.post("/api/v1/votes", headers=auth, json=body)  # the queue's retry
    assert (again.status_code, again.json["callback"]) == (200, {"status": "opened"})
    without = dict(body)
    del without["callback"]
    assert "callback" not in client.post("/api/v1/votes", headers=auth, json=without).json
    case = _case(session)
    assert case.ballot_id == r.json["id"] and case.source == "citizen"
    assert session.get(CaseContact, case.id).phone == "0905123456"
