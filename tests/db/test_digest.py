"""The weekly digest on both databases, through the worker and a real local SMTP server: one
mail per unit and address of its alert rules, once per ISO week, Vietnamese text and HTML with
the figures the figures API gives, and the meeting report PDF attached."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from survey_app.cli.worker import run_round
from survey_app.services.digest import last_week
from tests.factories import login, vote
from tests.pdfcheck import pages_text
from tests.receivers import MailReceiver


def _votes(client, world, level, n, **extra):
    for _ in range(n):
        r = client.post("/api/v1/votes", json=vote(level, unit="HC", channel="web", **extra),
                        headers=world.auth(world.admin_token))
        assert r.status_code == 201 and r.json["status"] == "valid"


def _pct(value) -> str:
    return f"{value:.1f}%".replace(".", ",")


def test_each_subscriber_gets_last_weeks_digest_once(app, client, runner, world):
    app.config["WEEKLY_DIGEST"] = 1
    for unit, email in (("HC", "quan@example.gov.vn"), ("HC", "quan@example.gov.vn"),
                        ("DN", "tinh@example.gov.vn")):
        assert runner.invoke(args=["alerts", "add", "--unit", unit, "--email", email,
                                   "--threshold", "90", "--window-hours", "1",
                                   "--min-n", "1000"]).exit_code == 0
    listed = runner.invoke(args=["alerts", "digests"]).output
    assert listed.splitlines() == ["DN\ttinh@example.gov.vn", "HC\tquan@example.gov.vn"]
    login(client, "admin")
    page = client.get("/admin/alerts").get_data(as_text=True)
    assert "Quận Hải Châu (HC): quan@example.gov.vn" in page

    _votes(client, world, "very_satisfied", 4)
    _votes(client, world, "satisfied", 3)
    _votes(client, world, "not_satisfied", 2, answers={"overall": "not_satisfied",
                                                      "reasons": ["waiting_time"]})
    _votes(client, world, "not_satisfied", 1, answers={"overall": "not_satisfied",
                                                      "reasons": ["waiting_time", "fees"]},
           callback={"phone": "0905123456", "consent": True})

    # The worker runs a week later: "last week" is the week these votes were cast in.
    later = datetime.now(timezone.utc) + timedelta(days=7)
    week = last_week((later + timedelta(hours=7)).date())
    with MailReceiver() as smtp:
        app.config["SMTP_URL"] = smtp.url
        run_round(app, clock=lambda: later)
        run_round(app, clock=lambda: later + timedelta(minutes=5))  # same week: nothing more
    # (the rules are also told of the new case; the digests are the "Báo cáo" ones)
    digests = [(rcpt, m) for rcpt, m in smtp.messages if m["Subject"].startswith("Báo cáo")]
    assert sorted(rcpt[0] for rcpt, _m in digests) == ["quan@example.gov.vn",
                                                        "tinh@example.gov.vn"]
    mail = next(m for rcpt, m in digests if rcpt == ["quan@example.gov.vn"])
    assert mail["Subject"] == f"Báo cáo tuần {week.number}/{week.year}: Quận Hải Châu"

    figures = client.get(f"/api/v1/figures?unit=HC&from={week.period.start}"
                         f"&to={week.period.end}", headers=world.auth(world.admin_token)).json
    assert figures["n"] == 10
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    ci = figures["interval95"]
    assert f"Số phiếu hợp lệ: {figures['n']}" in text
    assert (f"Tỷ lệ hài lòng: {_pct(figures['satisfaction_rate'])} (khoảng tin cậy 95%: "
            f"{_pct(ci['low'])} – {_pct(ci['high'])})") in text
    assert "So với tuần trước (0 phiếu): không so sánh được" in text
    assert "Lý do chưa hài lòng nhiều nhất: Thời gian chờ đợi (3); Phí, lệ phí (1)" in text
    assert "Phản ánh đang mở: 1;" in text
    assert "Thời gian chờ đợi (3)" in html and "<p>" in html

    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"bao-cao-HC-{week.year}-W{week.number:02d}.pdf"
    pdf = "\n".join(pages_text(attachment.get_content()))
    assert "Quận Hải Châu" in pdf
    assert "số phiếu hợp lệ n = 10." in pdf
    assert f"Từ {week.period.start:%d/%m/%Y} đến {week.period.end:%d/%m/%Y}" in pdf

    province = next(m for rcpt, m in digests if rcpt == ["tinh@example.gov.vn"])
    assert "Thành phố Đà Nẵng" in province["Subject"]
    assert "Số phiếu hợp lệ: 10" in province.get_body(("plain",)).get_content()
