"""Configuration: defaults in code, ``SURVEY_*`` environment overrides, a mapping from tests.

Nothing here reads the environment at import time; :func:`load_config` is called by the factory.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says which key and why."""


class DefaultConfig:
    """Defaults for development on one machine. Keys are read without the ``SURVEY_`` prefix."""

    ENV = "development"
    #: SQLAlchemy URL; ``None`` means ``sqlite:///<instance>/survey.sqlite3``.
    DATABASE_URL: str | None = None
    SECRET_KEY: str | None = None
    TIMEZONE = "Asia/Ho_Chi_Minh"
    REDIS_URL: str | None = None
    #: Prefix of every rate-limit key in Redis (several deployments may share one Redis).
    REDIS_KEY_PREFIX = "survey:rl:"
    #: Below this many valid votes a figure is marked insufficient and never ranked silently.
    MIN_N = 30
    #: A client clock this far ahead of the server flags the vote (seconds).
    CLOCK_SKEW_SECONDS = 300
    #: An answer time older than this before receipt is flagged and bounded (days). An offline
    #: kiosk may upload a week later; a month is implausible.
    MAX_ANSWER_AGE_DAYS = 30
    #: Public address of the service as printed in QR codes, e.g. https://danhgia.danang.gov.vn
    #: (default: the address the request came in on; commands need it or --base-url).
    PUBLIC_URL: str | None = None
    #: Counter-poster and web votes per window before further ones are stored flagged: per
    #: browser (signed cookie) and per keyed hash of the network address (an office behind one
    #: NAT address must not be silenced, so that limit is high).
    QR_LIMIT_BROWSER = 3
    QR_LIMIT_ADDRESS = 120
    QR_LIMIT_WINDOW_SECONDS = 3600
    #: Validity of a receipt code when the caller does not say.
    RECEIPT_DAYS = 30
    #: Reverse proxies in front of the app (nginx: 1); their X-Forwarded-For is trusted.
    TRUSTED_PROXIES = 0
    #: "json" (default in production) or "text".
    LOG_FORMAT: str | None = None
    LOG_LEVEL = "INFO"
    #: A counter tablet left alone this long returns to its first screen in Vietnamese, whatever
    #: screen and language the last citizen left it on (seconds; sent to the tablet with its
    #: questionnaire).
    KIOSK_IDLE_SECONDS = 30
    #: How long a worker process trusts its last look at what is published before the public
    #: pages (/cong-khai/) ask the database again (seconds; 0 = every request). A publication
    #: or withdrawal shows on every worker within this time.
    PUBLIC_STATE_SECONDS = 2.0
    #: Largest request body accepted (bytes). A vote is well under 4 KiB.
    MAX_CONTENT_LENGTH = 256 * 1024
    #: Outgoing mail for alerts and digests, sent by the worker only: ``smtp://user:pass@host:587``
    #: (STARTTLS when the server offers it) or ``smtps://…:465`` (implicit TLS).
    SMTP_URL: str | None = None
    #: A PEM file of the CA that signed the mail server's certificate, when it is a private CA;
    #: certificates are always verified (against the system's CAs without this).
    SMTP_CA_FILE: str | None = None
    MAIL_FROM = "Khảo sát hài lòng <no-reply@localhost>"
    #: 1: each unit's alert-rule addresses get last week's digest (figures, reasons, cases, the
    #: meeting report PDF) from the first worker round of every ISO week; 0: no digests.
    WEEKLY_DIGEST = 1
    #: Webhook URLs on loopback or private addresses are refused unless this is 1 (on-premise
    #: gateways, tests): a webhook must not become a way to reach internal services.
    WEBHOOK_ALLOW_PRIVATE = 0
    WEBHOOK_TIMEOUT_SECONDS = 10
    #: The worker's pause between rounds (seconds).
    WORKER_INTERVAL_SECONDS = 10
    #: A follow-up case is due this many working days (Monday–Friday) after it opens.
    CASE_DUE_DAYS = 5
    #: A closed case's callback number is erased this many days after closing.
    CASE_RETENTION_DAYS = 90


PROD = "production"


def load_config(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    """Fill ``app.config`` from defaults, ``SURVEY_*`` variables, then ``overrides``; validate."""
    app.config.from_object(DefaultConfig)
    app.config.from_prefixed_env("SURVEY")
    if overrides:
        app.config.update(overrides)
    _validate(app)


def _validate(app: Flask) -> None:
    cfg = app.config
    env = cfg["ENV"]
    if env not in ("development", PROD):
        raise ConfigError(f"SURVEY_ENV must be 'development' or 'production', not {env!r}")
    try:
        ZoneInfo(cfg["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"SURVEY_TIMEZONE {cfg['TIMEZONE']!r} is not a known time zone") from exc
    if not cfg.get("DATABASE_URL"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        cfg["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'survey.sqlite3'}"
    fatal: list[str] = []
    if not cfg.get("SECRET_KEY"):
        if env == PROD:
            fatal.append(
                "SURVEY_SECRET_KEY is not set: production mode refuses to start without a secret "
                "key from the environment (generate one with: python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')"
            )
        else:
            cfg["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    elif env == PROD and len(str(cfg["SECRET_KEY"])) < 32:
        fatal.append("SURVEY_SECRET_KEY is shorter than 32 characters")
    if fatal:
        if not _running_check_command():
            raise ConfigError("; ".join(fatal))
        # `flask check` must load the app to report everything; it exits non-zero itself.
        cfg["SECRET_KEY"] = secrets.token_urlsafe(48)
    try:
        idle = int(cfg["KIOSK_IDLE_SECONDS"])
    except (TypeError, ValueError):
        idle = 0
    if not 1 <= idle <= 3600:
        raise ConfigError(f"SURVEY_KIOSK_IDLE_SECONDS must be a whole number of seconds from 1 "
                          f"to 3600, not {cfg['KIOSK_IDLE_SECONDS']!r}")
    cfg["KIOSK_IDLE_SECONDS"] = idle
    cfg["CONFIG_ERRORS"] = fatal
    # Flask's own defaults exist for these keys, so they are set, not defaulted.
    if env == PROD:
        cfg["SESSION_COOKIE_SECURE"] = True
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    if not cfg.get("SESSION_COOKIE_SAMESITE"):
        cfg["SESSION_COOKIE_SAMESITE"] = "Lax"


def _running_check_command() -> bool:
    """True inside ``flask … check``, which reports fatal problems instead of refusing to load."""
    import sys

    args = sys.argv[1:]
    return Path(sys.argv[0]).name == "flask" and "check" in args


def _instance_secret(instance: Path) -> str:
    """Generate the development secret once and keep it in the instance folder (not in the repo)."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()
