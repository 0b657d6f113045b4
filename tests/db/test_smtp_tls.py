"""E-mail over TLS against a real aiosmtpd server with a certificate made in the test: smtp://
upgrades with STARTTLS when offered, smtps:// is TLS from the first byte, credentials in the URL
are sent only over TLS, and a certificate the client cannot verify stops the mail (it waits in
the outbox) until the private CA is named in SURVEY_SMTP_CA_FILE."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from survey_app.cli.worker import run_round
from survey_app.db import get_db
from survey_app.models import OutboxMessage
from survey_app.services import outbox
from tests.receivers import MailReceiver, certificates

USERS = {"canhbao@haichau.gov.vn": "mat-khau 1/2"}


def _queue_mail(app, subject: str) -> None:
    with get_db(app).transaction() as s:
        outbox.enqueue_email(s, to="tiepnhan@haichau.gov.vn", subject=subject,
                             text="Nội dung thử", html="<p>Nội dung thử</p>")


def _with_login(url: str) -> str:
    scheme, rest = url.split("://")
    return f"{scheme}://canhbao%40haichau.gov.vn:mat-khau%201%2F2@{rest}"


def _outbox(app) -> list[tuple[str, str | None]]:
    with get_db(app).transaction() as s:
        return [(m.status, m.last_error) for m in s.scalars(select(OutboxMessage))]


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_mail_goes_over_verified_tls_with_a_private_ca(app, tmp_path, tls):
    certs = certificates(tmp_path)
    with MailReceiver(tls=tls, certificate=certs, users=USERS) as smtp:
        app.config["SMTP_URL"] = _with_login(smtp.url)
        assert smtp.url.startswith("smtps://" if tls == "implicit" else "smtp://")

        # By default the system's authorities decide: a private CA's certificate is refused.
        _queue_mail(app, "Thư thử qua TLS")
        run_round(app)
        [(status, error)] = _outbox(app)
        assert status == "pending" and "CERTIFICATE_VERIFY_FAILED" in error
        assert smtp.messages == []

        # Naming the private CA lets it through, verified, logged in over TLS.
        app.config["SMTP_CA_FILE"] = certs.ca_file
        with get_db(app).transaction() as s:  # the retry is due now, not in 30 s
            s.execute(OutboxMessage.__table__.update().values(next_at=datetime.now(timezone.utc)))
        run_round(app)
    assert _outbox(app) == [("sent", None)]
    [(rcpt, message)] = smtp.messages
    assert rcpt == ["tiepnhan@haichau.gov.vn"] and message["Subject"] == "Thư thử qua TLS"
    assert smtp.sessions == [{"tls": True, "login": "canhbao@haichau.gov.vn"}]


def test_the_host_name_is_verified_too(app, tmp_path):
    """A certificate for 127.0.0.1 and localhost does not pass for another name."""
    certs = certificates(tmp_path)
    with MailReceiver(tls="implicit", certificate=certs) as smtp:
        app.config["SMTP_URL"] = smtp.url.replace("127.0.0.1", "127.0.0.2")
        app.config["SMTP_CA_FILE"] = certs.ca_file
        _queue_mail(app, "Sai tên máy chủ")
        run_round(app)
    [(status, error)] = _outbox(app)
    assert status == "pending" and error and smtp.messages == []


def test_plain_smtp_without_starttls_still_delivers(app):
    """smtp:// to a server that offers no STARTTLS sends in the clear (a local relay)."""
    with MailReceiver() as smtp:
        app.config["SMTP_URL"] = smtp.url
        _queue_mail(app, "Thư nội bộ")
        run_round(app)
    assert _outbox(app) == [("sent", None)]
    assert smtp.sessions == [{"tls": False, "login": None}]

