"""The outbox and its worker against real local receivers (SQLite and PostgreSQL): signed
webhooks with retries and backoff, giving up after 24 hours, e-mail over SMTP, private URLs
refused, and two workers racing on one outbox sending each message once."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from survey_app.cli.worker import run_round
from survey_app.db import get_db
from survey_app.models import OutboxMessage
from survey_app.services import outbox
from tests.concurrency import fire
from tests.receivers import MailReceiver, WebhookReceiver

SECRET = "a-shared-secret-for-tests"
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _register(app, runner, url):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = 1
    r = runner.invoke(args=["webhooks", "add", "--url", url, "--secret", SECRET])
    assert r.exit_code == 0, r.output
    return int(r.output.split()[1])


def _event(app, hook_id, at=T0, **extra):
    event = {"id": str(uuid.uuid4()), "event": "alert.fired", "unit": "HC", **extra}
    with get_db(app).transaction() as s:
        message = outbox.enqueue_event(s, hook_id, event)
        message.created_at = message.next_at = at
    return event


def _status(session):
    session.rollback()
    return [(m.status, m.attempts) for m in session.scalars(select(OutboxMessage)
                                                            .order_by(OutboxMessage.id))]


def test_webhook_is_signed_and_retried_with_backoff_and_the_same_id(app, runner, session):
    with WebhookReceiver() as receiver:
        hook = _register(app, runner, receiver.url)
        event = _event(app, hook, share=40.0)
        receiver.answers.extend([500, 503])
        clock = Clock(T0)
        run_round(app, clock)
        assert _status(session) == [("pending", 1)]
        clock.at = T0 + timedelta(seconds=29)  # the first retry waits 30 s
        run_round(app, clock)
        assert len(receiver.received) == 1
        clock.at = T0 + timedelta(seconds=30)
        run_round(app, clock)
        assert _status(session) == [("pending", 2)]
        clock.at += timedelta(seconds=59)  # then 60 s
        run_round(app, clock)
        assert len(receiver.received) == 2
        clock.at += timedelta(seconds=1)
        run_round(app, clock)
        assert _status(session) == [("sent", 3)]
        run_round(app, Clock(clock.at + timedelta(days=1)))  # sent means sent once
    assert len(receiver.received) == 3
    for request in receiver.received:
        body = request["body"]
        assert request["headers"]["X-Survey-Event-Id"] == event["id"]
        expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert request["headers"]["X-Survey-Signature"] == f"sha256={expected}"
        assert json.loads(body) == event


def test_a_webhook_failing_for_24_hours_is_marked_failed(app, runner, session):
    with WebhookReceiver() as receiver:
        hook = _register(app, runner, receiver.url)
        _event(app, hook)
        receiver.answers.extend([500] * 100)
        clock = Clock(T0)
        for _ in range(60):
            run_round(app, clock)
            clock.at += timedelta(hours=1)
    statuses = _status(session)
    assert statuses[0][0] == "failed"
    # 30 s, 1, 2, 4, … 32 min, then hourly: about 29 attempts within the day, none after it
    attempts = statuses[0][1]
    assert 20 <= attempts <= 30
    assert len(receiver.received) == attempts
    assert all(r["headers"]["X-Survey-Signature"].startswith("sha256=")
               for r in receiver.received)


def test_private_and_loopback_urls_are_refused_unless_allowed(app, runner):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = 0
    for url in ("http://127.0.0.1:9/x", "http://10.1.2.3/x", "http://[::1]/x",
                "http://169.254.169.254/latest/meta-data", "http://localhost/x"):
        r = runner.invoke(args=["webhooks", "add", "--url", url, "--secret", SECRET])
        assert r.exit_code == 1, url
        assert "private or loopback" in r.output, r.output
    r = runner.invoke(args=["webhooks", "add", "--url", "ftp://example.org/x",
                            "--secret", SECRET])
    assert r.exit_code == 1 and "http:// or https://" in r.output
    r = runner.invoke(args=["webhooks", "add", "--url", "http://10.1.2.3/x", "--secret", "short"])
    assert r.exit_code == 1 and "at least 16 characters" in r.output
    app.config["WEBHOOK_ALLOW_PRIVATE"] = 1
    r = runner.invoke(args=["webhooks", "add", "--url", "http://10.1.2.3/x", "--secret", SECRET])
    assert r.exit_code == 0, r.output
    assert "http://10.1.2.3/x" in runner.invoke(args=["webhooks", "list"]).output


def test_email_goes_through_a_real_smtp_server(app, session):
    with MailReceiver() as smtp:
        app.config["SMTP_URL"] = smtp.url
        app.config["MAIL_FROM"] = "Khảo sát <khaosat@example.gov.vn>"
        with get_db(app).transaction() as s:
            outbox.enqueue_email(s, to="canbo@example.gov.vn",
                                 subject="Cảnh báo: tỷ lệ Chưa hài lòng cao — Quận Hải Châu",
                                 text="Tỷ lệ Chưa hài lòng 40%.",
                                 html="<p>Tỷ lệ <b>Chưa hài lòng</b> 40%.</p>")
        run_round(app)
    assert len(smtp.messages) == 1
    rcpt, message = smtp.messages[0]
    assert rcpt == ["canbo@example.gov.vn"]
    assert message["Subject"] == "Cảnh báo: tỷ lệ Chưa hài lòng cao — Quận Hải Châu"
    assert message.get_body(("plain",)).get_content().strip() == "Tỷ lệ Chưa hài lòng 40%."
    assert "<b>Chưa hài lòng</b>" in message.get_body(("html",)).get_content()
    assert _status(session) == [("sent", 1)]


def test_without_smtp_configured_mail_waits_and_is_retried(app, runner, session):
    app.config["SMTP_URL"] = None
    with get_db(app).transaction() as s:
        outbox.enqueue_email(s, to="a@example.org", subject="x", text="x", html="<p>x</p>")
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0 and "outbox: sent 0, retry 1, failed 0" in result.output
    session.rollback()
    message = session.scalars(select(OutboxMessage)).one()
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.last_error == "SURVEY_SMTP_URL is not set"


def test_two_workers_racing_send_each_message_once(app, runner, session):
    with WebhookReceiver() as receiver:
        hook = _register(app, runner, receiver.url)
        events = [_event(app, hook, at=T0 - timedelta(seconds=1))["id"] for _ in range(40)]
        settings = outbox.DeliverySettings(smtp_url=None, mail_from="x", allow_private=True)
        db = get_db(app)
        fire(3, lambda _i: [outbox.process_due(db.transaction, settings, Clock(T0), limit=5)
                            for _ in range(12)])
    ids = [r["headers"]["X-Survey-Event-Id"] for r in receiver.received]
    assert sorted(ids) == sorted(events)  # every one, none twice
    assert {s for s, _ in _status(session)} == {"sent"}


def test_admin_page_lists_rules_and_failed_deliveries(app, client, runner, world, session):
    from tests.factories import csrf_token, login

    with WebhookReceiver() as receiver:
        hook = _register(app, runner, receiver.url)
        _event(app, hook)
        receiver.answers.extend([500] * 100)
        clock = Clock(T0)
        for _ in range(30):
            run_round(app, clock)
            clock.at += timedelta(hours=1)
    login(client, "admin")
    html = client.get("/admin/alerts").get_data(as_text=True)
    assert "Gửi không thành công" in html and "HTTP 500" in html and f"webhook #{hook}" in html
    token = csrf_token(client, "/admin/alerts")
    bad = client.post("/admin/alerts", data={"csrf_token": token, "unit": "HC", "email": "x",
                                             "threshold": "150", "window_hours": "3",
                                             "min_n": "10"})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Địa chỉ e-mail không hợp lệ." in text and "Phải là số nguyên từ 1 đến 100." in text
    token = csrf_token(client, "/admin/alerts")
    ok = client.post("/admin/alerts", data={"csrf_token": token, "unit": "HC",
                                            "email": "a@haichau.gov.vn", "threshold": "30",
                                            "window_hours": "3", "min_n": "10"})
    assert ok.status_code == 303
    assert "a@haichau.gov.vn" in client.get("/admin/alerts").get_data(as_text=True)
    login(client, "officer.hc")
    assert client.get("/admin/alerts").status_code == 403
