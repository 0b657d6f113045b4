"""Hostile and broken input: 4xx with clear messages, nothing stored, no 5xx; headers; logs;
the production check; a read-only or full SQLite answers 503 without corrupting the file."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from survey_app import create_app
from survey_app.models import Ballot, Unit
from tests.factories import build_world, vote
from tests.settings import SECRET


def _count(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(Ballot))


def test_security_headers_on_citizen_pages(client, world):
    r = client.get("/w/HC")
    csp = r.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["Cache-Control"] == "no-store"
    api = client.get("/api/v1/units")
    assert api.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xff\xfe\xfa", "application/json"),                      # invalid UTF-8
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),      # deep nesting
        (b'{"client_id": ', "application/json"),                     # truncated
        (b"client_id=1", "application/x-www-form-urlencoded"),       # not JSON at all
        (json.dumps([1, 2, 3]).encode(), "application/json"),        # wrong top-level type
    ],
)
def test_broken_bodies_are_422(client, world, session, body, content_type):
    r = client.post("/api/v1/votes", data=body, content_type=content_type,
                    headers=world.auth(world.device_token))
    assert r.status_code == 422
    assert r.json["errors"]
    assert _count(session) == 0


def test_oversized_body_is_413_json(client, world, session):
    big = vote(answers={"overall": "not_satisfied", "comment": "x" * 400_000})
    r = client.post("/api/v1/votes", json=big, headers=world.auth(world.device_token))
    assert r.status_code == 413
    assert r.json["error"] == "too_large"
    assert _count(session) == 0


def test_huge_strings_and_wrong_types_are_422(client, world, session):
    for mutation in ({"client_id": "0" * 10_000}, {"answers": {"overall": ["satisfied"]}},
                     {"answered_at": {"$date": 1}}, {"unit": 12}, {"version": 1.5},
                     {"answers": {"overall": "not_satisfied", "reasons": "fees"}}):
        r = client.post("/api/v1/votes", json={**vote(), **mutation},
                        headers=world.auth(world.device_token))
        assert r.status_code in (403, 422), mutation
    assert _count(session) == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
vote_like = st.fixed_dictionaries(
    {},
    optional={"client_id": st.uuids().map(str) | json_values,
              "answers": st.fixed_dictionaries({}, optional={
                  "overall": st.sampled_from(["satisfied", "not_satisfied", "x"]) | json_values,
                  "reasons": st.lists(st.sampled_from(["fees", "other", "zz"])) | json_values,
                  "comment": json_values}) | json_values,
              "answered_at": st.datetimes().map(lambda d: d.isoformat() + "+07:00")
              | json_values,
              "unit": st.sampled_from(["HC", "LC"]) | json_values,
              "channel": st.sampled_from(["kiosk", "paper", "fax"]) | json_values,
              "questionnaire": json_values, "version": json_values, "extra": json_values},
)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=vote_like)
def test_fuzzed_votes_never_fail_the_server(client, world, body):
    r = client.post("/api/v1/votes", json=body, headers=world.auth(world.device_token))
    assert r.status_code in (200, 201, 403, 409, 422), (r.status_code, body)
    assert r.is_json


@pytest.mark.parametrize("injection", [
    "HC' OR '1'='1", "HC; DROP TABLE ballot; --", "' UNION SELECT * FROM user_account --",
    "HC\x00", "%27%20OR%201=1",
])
def test_sql_injection_through_query_parameters_changes_nothing(client, world, session,
                                                                injection):
    client.post("/api/v1/votes", json=vote(), headers=world.auth(world.device_token))
    before = _count(session)
    for params in ({"unit": injection, "from": "2026-01-01", "to": "2026-12-31"},
                   {"unit": "HC", "from": injection, "to": "2026-12-31"},
                   {"unit": "HC", "from": "2026-01-01", "to": "2026-12-31",
                    "channel": injection},
                   {"unit": "HC", "from": "2026-01-01", "to": "2026-12-31",
                    "questionnaire": injection}):
        for path in ("/api/v1/figures", "/api/v1/figures/items"):
            r = client.get(path, query_string=params, headers=world.auth(world.admin_token))
            assert 400 <= r.status_code < 500 or r.status_code == 200
    assert _count(session) == before
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Unit)) == 5


def test_logs_hold_no_address_dossier_or_token(client, world, caplog):
    caplog.set_level(logging.INFO, logger="survey")
    receipt = client.post("/api/v1/receipt-tokens", json={"unit": "HC", "dossier": "HS-2026-777"},
                          headers=world.auth(world.clerk_token)).json
    client.get(f"/q/{receipt['token']}")
    client.post("/api/v1/votes", json=vote(unit="HC", dossier="HS-2026-777"),
                headers=world.auth(world.admin_token))
    text = "\n".join(f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records)
    assert "/q/<token>" in text  # requests are logged, by route pattern
    for secret in ("127.0.0.1", "HS-2026-777", receipt["token"], world.admin_token, SECRET):
        assert secret not in text


def _flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    flask = shutil.which("flask", path=str(Path(sys.executable).parent))
    assert flask
    return subprocess.run([flask, "--app", "survey_app", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)


def test_production_check_reports_and_exits_non_zero(tmp_path, database_url):
    env = {"SURVEY_ENV": "production", "SURVEY_DATABASE_URL": f"sqlite:///{tmp_path}/p.db",
           "SURVEY_SECRET_KEY": "", "SURVEY_WORKERS": "4", "FLASK_DEBUG": "1"}
    r = _flask(env, "check")
    assert r.returncode == 1
    assert "SURVEY_SECRET_KEY is not set" in r.stderr
    assert "SQLite" in r.stderr and "SURVEY_REDIS_URL is not set" in r.stderr
    assert "debug mode is on" in r.stderr
    # other commands refuse to load at all in production without a secret
    assert _flask(env, "routes").returncode != 0
    ok = _flask({"SURVEY_ENV": "development", "SURVEY_DATABASE_URL": database_url,
                 "SURVEY_SECRET_KEY": SECRET}, "check")
    assert ok.returncode == 0 and "Configuration OK" in ok.stdout


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_read_only_sqlite_answers_503_and_keeps_the_file(databases, tmp_path):
    if databases.dialect != "sqlite":
        pytest.skip("a SQLite file fault")
    url = databases.fresh()
    path = Path(url.removeprefix("sqlite:///"))
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET})
    from survey_app.db import get_db

    with get_db(app).transaction() as s:
        world = build_world(s)
    get_db(app).dispose()
    before = _sha(path)
    ro = create_app({"TESTING": True, "SECRET_KEY": SECRET,
                     "DATABASE_URL": f"sqlite:///file:{path}?mode=ro&uri=true"})
    r = ro.test_client().post("/api/v1/votes", json=vote(),
                              headers=world.auth(world.device_token))
    assert r.status_code == 503
    assert r.json["error"] == "unavailable"
    get_db(ro).dispose()
    assert _sha(path) == before
    import sqlite3

    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM ballot").fetchone()[0] == 0


def test_full_disk_answers_503_and_keeps_the_data(databases, tmp_path):
    if databases.dialect != "sqlite":
        pytest.skip("a SQLite file fault")
    url = databases.fresh()
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET})
    from survey_app.db import get_db

    with get_db(app).transaction() as s:
        world = build_world(s)
    client = app.test_client()
    assert client.post("/api/v1/votes", json=vote(),
                       headers=world.auth(world.device_token)).status_code == 201
    engine = get_db(app).engine

    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _tiny(dbapi_conn, _record):  # the "disk" has no room for another page
        cur = dbapi_conn.cursor()
        pages = cur.execute("PRAGMA page_count").fetchone()[0]
        cur.execute(f"PRAGMA max_page_count = {pages}")
        cur.close()

    engine.dispose()
    answers = {"overall": "not_satisfied", "comment": "x" * 900}
    statuses = {client.post("/api/v1/votes", json=vote(answers=answers),
                            headers=world.auth(world.device_token)).status_code
                for _ in range(40)}
    assert 503 in statuses and statuses <= {201, 503}
    r = client.get("/healthz")
    assert r.status_code == 200  # reading still works
    event.remove(engine, "connect", _tiny)
    engine.dispose()
    with get_db(app).transaction() as s:
        assert s.execute(select(func.count()).select_from(Ballot)).scalar() >= 1
        assert s.connection().exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    get_db(app).dispose()


def test_nul_characters_are_refused_everywhere(client, world, session):
    r = client.post("/api/v1/votes", json=vote(unit="HC\x00", channel="web"),
                    headers=world.auth(world.admin_token))
    assert r.status_code == 422
    assert client.get("/api/v1/figures?unit=HC%00&from=2026-01-01&to=2026-01-31",
                      headers=world.auth(world.admin_token)).status_code == 400
    assert client.get("/w/HC%00").status_code in (400, 404)
    assert _count(session) == 0


def test_csrf_is_enforced_on_every_form(app, client, world):
    """Every POST route outside the token-authenticated JSON APIs refuses a form without its
    CSRF token (400), whoever is signed in — including routes added later."""
    from flask import url_for

    posted = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith(("/api/", "/kiosk/api/")):
            continue
        values = {arg: ("HC" if "code" in arg else
                        "entry" if arg == "mode" else "csv" if arg == "kind" else 1)
                  for arg in rule.arguments}
        with app.test_request_context():
            path = url_for(rule.endpoint, **values)
        r = client.post(path, data={"a.overall": "satisfied", "username": "admin",
                                    "password": "correct horse battery"})
        posted.append(rule.rule)
        assert r.status_code == 400, (rule.rule, r.status_code)
    assert "/login" in posted and "/w/<unit_code>" in posted and "/paper/" in posted
