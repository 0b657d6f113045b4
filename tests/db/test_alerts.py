"""Alert rules on both databases: firing at exactly the threshold with exactly the minimum
number of votes, once per episode, then "back to normal"; through the worker, a real local SMTP
server and a real webhook receiver."""

from __future__ import annotations

import json

from sqlalchemy import select

from survey_app.cli.worker import run_round
from survey_app.db import get_db
from survey_app.models import AuditEvent
from tests.factories import vote
from tests.receivers import MailReceiver, WebhookReceiver

SECRET = "a-shared-secret-for-tests"


def _votes(client, world, level, n):
    for _ in range(n):
        # through an API token: a kiosk would flag so many taps in a row as a burst
        r = client.post("/api/v1/votes", json=vote(level, unit="HC", channel="web"),
                        headers=world.auth(world.admin_token))
        assert r.status_code == 201 and r.json["status"] == "valid"


def test_rule_fires_at_the_threshold_once_and_clears_below(app, client, runner, world):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = 1
    with WebhookReceiver() as hook, MailReceiver() as smtp:
        app.config["SMTP_URL"] = smtp.url
        assert runner.invoke(args=["webhooks", "add", "--url", hook.url,
                                   "--secret", SECRET]).exit_code == 0
        province = runner.invoke(args=[
            "alerts", "add", "--unit", "DN", "--email", "tinh@example.gov.vn",
            "--webhook", hook.url, "--threshold", "30", "--window-hours", "2", "--min-n", "10"])
        assert province.exit_code == 0, province.output
        stricter = runner.invoke(args=[
            "alerts", "add", "--unit", "HC", "--email", "quan@example.gov.vn",
            "--threshold", "31", "--window-hours", "2", "--min-n", "10"])
        assert stricter.exit_code == 0, stricter.output

        def sent_to(address):
            return [m["Subject"] for rcpt, m in smtp.messages if rcpt == [address]]

        _votes(client, world, "satisfied", 6)
        _votes(client, world, "not_satisfied", 3)
        run_round(app)  # 3 of 9 is 33 %, but 9 votes are fewer than the minimum 10
        assert smtp.messages == [] and hook.received == []

        _votes(client, world, "very_satisfied", 1)
        run_round(app)  # 3 of 10: exactly 30 % with exactly 10 votes
        assert sent_to("tinh@example.gov.vn") == [
            "Cảnh báo: tỷ lệ Chưa hài lòng 30,0% — Thành phố Đà Nẵng"]
        assert sent_to("quan@example.gov.vn") == []  # 30 % is below 31 %
        event = json.loads(hook.received[0]["body"])
        assert (event["event"], event["unit"], event["share"], event["n"]) == (
            "alert.fired", "DN", 30.0, 10)
        assert set(event) >= {"id", "rule", "window", "url"}

        run_round(app)  # still at 30 %: no repeat
        _votes(client, world, "not_satisfied", 1)
        run_round(app)  # 4 of 11 = 36.4 %: the province stays quiet, the district fires
        assert len(sent_to("tinh@example.gov.vn")) == 1
        assert sent_to("quan@example.gov.vn") == [
            "Cảnh báo: tỷ lệ Chưa hài lòng 36,4% — Quận Hải Châu"]
        assert "FIRING" in runner.invoke(args=["alerts", "list"]).output

        _votes(client, world, "satisfied", 3)
        run_round(app)  # 4 of 14 = 28.6 %: both back to normal
        assert sent_to("tinh@example.gov.vn")[1:] == [
            "Đã trở lại bình thường: tỷ lệ Chưa hài lòng 28,6% — Thành phố Đà Nẵng"]
        assert sent_to("quan@example.gov.vn")[1:] == [
            "Đã trở lại bình thường: tỷ lệ Chưa hài lòng 28,6% — Quận Hải Châu"]
        assert [json.loads(r["body"])["event"] for r in hook.received] == [
            "alert.fired", "alert.cleared"]
        run_round(app)
        assert len(smtp.messages) == 4 and len(hook.received) == 2
    body = smtp.messages[0][1].get_body(("plain",)).get_content()
    assert "10 phiếu hợp lệ, 3 phiếu Chưa hài lòng (30,0%)" in body
    # every fire and every clear is in the audit log, once, by the worker
    with get_db(app).transaction() as s:
        audited = [(e.action, e.actor, e.details["unit"], e.details["share"], e.details["n"])
                   for e in s.scalars(select(AuditEvent).where(AuditEvent.action.in_(
                       ["alert.fired", "alert.cleared"])).order_by(AuditEvent.id))]
    assert audited == [("alert.fired", "worker", "DN", 30.0, 10),
                       ("alert.fired", "worker", "HC", 36.4, 11),
                       ("alert.cleared", "worker", "DN", 28.6, 14),
                       ("alert.cleared", "worker", "HC", 28.6, 14)]


def test_alerts_cli_refuses_bad_rules_and_removes(runner, world):
    r = runner.invoke(args=["alerts", "add", "--unit", "HC", "--email", "not-an-address",
                            "--threshold", "0", "--window-hours", "2", "--min-n", "10"])
    assert r.exit_code == 1
    assert "--email: Not a valid e-mail address." in r.output
    assert "--threshold: Must be a whole number from 1 to 100." in r.output
    r = runner.invoke(args=["alerts", "add", "--unit", "HC", "--webhook", "https://x.example/h",
                            "--threshold", "30", "--window-hours", "2", "--min-n", "10"])
    assert r.exit_code == 1 and "register it with webhooks add first" in r.output
    r = runner.invoke(args=["alerts", "add", "--unit", "NOPE", "--email", "a@b.vn",
                            "--threshold", "30", "--window-hours", "2", "--min-n", "10"])
    assert r.exit_code == 1 and "no unit with code 'NOPE'" in r.output
    ok = runner.invoke(args=["alerts", "add", "--unit", "HC", "--email", "a@b.vn",
                             "--threshold", "30", "--window-hours", "2", "--min-n", "10"])
    assert ok.exit_code == 0
    rule_id = ok.output.split()[2]
    assert runner.invoke(args=["alerts", "remove", rule_id]).exit_code == 0
    assert runner.invoke(args=["alerts", "list"]).output.strip() == ""
    again = runner.invoke(args=["alerts", "remove", rule_id])
    assert again.exit_code == 1 and f"no alert rule {rule_id}" in again.output
