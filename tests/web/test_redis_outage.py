"""Redis down: every vote is still stored, tablets still pair, officers still sign in; counters
fall back to process memory, the outage is logged at most once a minute, /healthz says
"degraded" with 200. Redis back: it is used again."""

from __future__ import annotations

import logging
import re
import time

import pytest
import redis
from sqlalchemy import select

from survey_app import create_app
from survey_app.db import get_db
from survey_app.models import Ballot
from survey_app.ratelimit import MemoryCounter, ResilientCounter
from tests.factories import login, vote
from tests.live import (
    CLOSED_REDIS_URL,
    forget_redis_keys,
    real_redis_or_skip,
    unique_redis_prefix,
)
from tests.settings import SECRET

LOGGER = "survey.ratelimit"


@pytest.fixture
def app(database_url, tmp_path):  # type: ignore[no-untyped-def]
    """The app with SURVEY_REDIS_URL pointing at a Redis that is down."""
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "REDIS_URL": CLOSED_REDIS_URL,
    })
    app.instance_path = str(tmp_path / "instance")
    yield app
    get_db(app).dispose()


@pytest.fixture
def outage_log(caplog, monkeypatch):
    """The rate-limit logger's records (an app built in production mode earlier in the run
    stops "survey" logs from propagating to pytest's handler)."""
    monkeypatch.setattr(logging.getLogger("survey"), "propagate", True)
    caplog.set_level(logging.INFO, logger=LOGGER)
    return caplog


def _vote_on_page(client, path, level="satisfied"):
    html = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    client_id = re.search(r'name="client_id" value="([^"]+)"', html).group(1)
    return client.post(path, data={"csrf_token": token, "client_id": client_id,
                                   "a.overall": level})


def _ballots(session):
    session.rollback()
    return [(b.channel, b.status, b.flag_reason)
            for b in session.scalars(select(Ballot).order_by(Ballot.id))]


def test_every_channel_works_while_redis_is_down(app, client, runner, world, session,
                                                 outage_log):
    started = time.monotonic()
    assert _vote_on_page(client, "/q/c/HC.Q1").status_code == 303  # counter poster
    assert _vote_on_page(client, "/w/HC").status_code == 303  # the unit's web link
    r = client.post("/api/v1/votes", json=vote("very_satisfied"),
                    headers=world.auth(world.device_token))  # a tablet's vote
    assert r.status_code == 201
    code = runner.invoke(args=["kiosk", "pair", "--unit", "HC"]).output.strip().splitlines()[-1]
    paired = client.post("/kiosk/api/pair", json={"code": code})
    assert paired.status_code == 201 and paired.json["token"]
    wrong = client.post("/login", data={"username": "officer.hc", "password": "sai",
                                        "csrf_token": _csrf(client)})
    assert wrong.status_code == 401
    login(client, "officer.hc")
    assert time.monotonic() - started < 10  # no request waited for a dead Redis for long
    assert _ballots(session) == [("qr_counter", "valid", None), ("web", "valid", None),
                                 ("kiosk", "valid", None)]
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json["status"] == "degraded"
    assert health.json["checks"] == {"database": "ok", "redis": "unavailable"}
    assert health.json["schema"]
    # logged once for all of these requests, and without keys, addresses or names
    lines = [r.getMessage() for r in outage_log.records
             if r.name == LOGGER and r.levelno >= logging.WARNING]
    assert len(lines) == 1, lines
    assert "Redis" in lines[0]
    for secret in ("vote:", "login:", "kiosk-pair", "officer.hc", "127.0.0.1", "HC"):
        assert secret not in lines[0]


def _csrf(client) -> str:
    html = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


def test_limits_still_apply_per_process_while_redis_is_down(app, client, world, session):
    app.config["QR_LIMIT_BROWSER"] = 2
    statuses = [_vote_on_page(client, "/w/HC").status_code for _ in range(3)]
    assert statuses == [303, 303, 303]
    assert _ballots(session) == [("web", "valid", None), ("web", "valid", None),
                                 ("web", "flagged", "rate_limit")]
    for _ in range(5):
        r = client.post("/login", data={"username": "admin", "password": "sai",
                                        "csrf_token": _csrf(client)})
        assert r.status_code == 401
    r = client.post("/login", data={"username": "admin", "password": "correct horse battery",
                                    "csrf_token": _csrf(client)})
    assert r.status_code == 429


def test_the_outage_is_logged_at_most_once_a_minute(app, client, world, outage_log):
    limiter = app.extensions["ratelimit"]
    assert isinstance(limiter, ResilientCounter)
    limiter.retry_seconds = 0  # retry Redis on every request: each retry fails again
    for _ in range(6):
        assert _vote_on_page(client, "/w/HC").status_code == 303
        assert client.get("/healthz").json["status"] == "degraded"
    lines = [r for r in outage_log.records if r.name == LOGGER and r.levelno >= logging.WARNING]
    assert len(lines) == 1


def test_healthz_ok_with_real_redis(database_url):
    url = real_redis_or_skip()
    prefix = unique_redis_prefix()
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": SECRET,
                      "REDIS_URL": url, "REDIS_KEY_PREFIX": prefix})
    try:
        r = app.test_client().get("/healthz")
        assert r.status_code == 200
        assert r.json["status"] == "ok"
        assert r.json["checks"] == {"database": "ok", "redis": "ok"}
        assert r.json["schema"]
    finally:
        get_db(app).dispose()
        forget_redis_keys(url, prefix)


def test_healthz_without_redis_and_without_database(database_url, tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": SECRET})
    r = app.test_client().get("/healthz")
    assert r.status_code == 200
    assert r.json["status"] == "ok"
    assert r.json["checks"] == {"database": "ok", "redis": "not_configured"}
    get_db(app).dispose()
    missing = f"sqlite:///{tmp_path / 'no-such-dir' / 'survey.sqlite3'}"
    down = create_app({"TESTING": True, "DATABASE_URL": missing, "SECRET_KEY": SECRET,
                       "REDIS_URL": CLOSED_REDIS_URL})
    r = down.test_client().get("/healthz")
    assert r.status_code == 503
    assert r.json["checks"] == {"database": "unavailable", "redis": "unavailable"}
    get_db(down).dispose()


# --- the fallback itself, with a Redis that fails on command ---------------------------------


class FlakyRedis:
    """Stands in for RedisCounter: answers like a MemoryCounter unless ``down``."""

    def __init__(self) -> None:
        self.down = False
        self.calls = 0
        self._memory = MemoryCounter()

    def __getattr__(self, name):  # type: ignore[no-untyped-def]
        def call(*args):  # type: ignore[no-untyped-def]
            self.calls += 1
            if self.down:
                raise redis.ConnectionError("Connection refused")
            return getattr(self._memory, name)(*args) if name != "ping" else True

        return call


def test_fallback_while_down_and_redis_used_again_when_back(outage_log):
    caplog = outage_log
    now = [1000.0]
    flaky = FlakyRedis()
    limiter = ResilientCounter(flaky, retry_seconds=5, log_interval=60, clock=lambda: now[0])
    assert limiter.hit("k", 60) == 1 and limiter.status() == "ok"
    flaky.down = True
    assert limiter.hit("k", 60) == 1  # counted in memory, which starts from nothing
    assert limiter.hit("k", 60) == 2
    assert limiter.status() == "unavailable"
    calls = flaky.calls
    now[0] += 3  # within the retry interval: Redis is not asked at all
    assert limiter.hit("k", 60) == 3 and flaky.calls == calls
    now[0] += 3  # retried once, still down; no second log line within the minute
    assert limiter.hit("k", 60) == 4 and flaky.calls == calls + 1
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    flaky.down = False
    now[0] += 6
    assert limiter.hit("k", 60) == 2  # Redis again, with its own count
    assert limiter.status() == "ok"
    assert any("again" in r.getMessage() for r in caplog.records)
    flaky.down = True
    now[0] += 61  # a new outage more than a minute after the last line is logged again
    limiter.hit("k", 60)
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 2
