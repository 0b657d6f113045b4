"""Sending one e-mail over SMTP with the standard library.

``smtp://user:password@host:587`` speaks plain SMTP and upgrades with STARTTLS when the server
offers it; ``smtps://…:465`` uses implicit TLS. Credentials in the URL are percent-decoded.
Only the worker calls this; a request never sends mail.

TLS always verifies the server's certificate and host name, against the system's trusted
authorities or, with ``ca_file`` (``SURVEY_SMTP_CA_FILE``), against a private CA's certificate
(a province's own mail server); there is no setting that turns verification off.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit


class MailFailed(RuntimeError):
    """The server refused or could not be reached."""


def build_message(*, mail_from: str, to: str, subject: str, text: str, html: str,
                  message_id: str | None = None,
                  attachments: Sequence[tuple[str, str, bytes]] = ()) -> EmailMessage:
    """Plain text and HTML alternatives, then each ``(filename, content type, bytes)``."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="survey.local")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


def tls_context(ca_file: str | None = None) -> ssl.SSLContext:
    """A verifying client context: the system's authorities, or only ``ca_file``'s."""
    return ssl.create_default_context(cafile=ca_file or None)


def send_mail(smtp_url: str, message: EmailMessage, *, timeout: float = 30,
              ca_file: str | None = None) -> None:
    """Deliver ``message``; raises :class:`MailFailed` (and ValueError for a bad URL)."""
    parts = urlsplit(smtp_url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("SURVEY_SMTP_URL must be smtp://host[:port] or smtps://host[:port]")
    context = tls_context(ca_file)
    port = parts.port or (465 if parts.scheme == "smtps" else 25)
    try:
        if parts.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(parts.hostname, port, timeout=timeout,
                                                     context=context)
        else:
            client = smtplib.SMTP(parts.hostname, port, timeout=timeout)
        with client:
            client.ehlo()
            if parts.scheme == "smtp" and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailFailed(type(exc).__name__ + ": " + str(exc)[:200]) from None
