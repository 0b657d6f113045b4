"""The lean reference for bench/bench_votes.py: what storing a kiosk vote costs with nothing but
the essentials, served by the same gunicorn on the same PostgreSQL.

``POST /votes`` with a device bearer token: validates the JSON body (client_id, overall level,
answered_at), inserts the ballot idempotently (``ON CONFLICT (client_id) DO NOTHING``) and bumps
the unit's daily tally, in one transaction; 201, or 200 for a replay. Devices are read once at
start (no revocation check), no answers rows, no burst rule, no rollups beyond the day cell: a
ceiling for the real vote path, not a replacement. Outside the app on purpose.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from datetime import datetime, timezone
from typing import Any

import psycopg

LEVELS = ("very_satisfied", "satisfied", "not_satisfied")
INSERT = """
WITH b AS (
  INSERT INTO ballot (client_id, unit_id, counter_id, channel, questionnaire_id, answered_at,
                      received_at, counted_at, local_day, level, status, device_id, content_hash)
  VALUES (%(cid)s, %(unit)s, NULL, 'kiosk', %(q)s, %(at)s, %(now)s, %(at)s, %(day)s, %(level)s,
          'valid', %(device)s, %(hash)s)
  ON CONFLICT (client_id) DO NOTHING RETURNING id)
INSERT INTO daily_tally (unit_id, day, channel, status, level, count)
SELECT %(unit)s, %(day)s, 'kiosk', 'valid', %(level)s, 1 FROM b
ON CONFLICT (unit_id, day, channel, status, level) DO UPDATE SET count = daily_tally.count + 1
RETURNING 1
"""

_conn: psycopg.Connection[Any] | None = None
_devices: dict[str, tuple[int, int]] = {}
_questionnaire = 0


def _connection() -> psycopg.Connection[Any]:
    global _conn, _questionnaire
    if _conn is None:
        url = os.environ["LEAN_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        _conn = psycopg.connect(url)
        with _conn.cursor() as cur:
            cur.execute("SELECT token_hash, id, unit_id FROM kiosk_device")
            _devices.update({h: (i, u) for h, i, u in cur.fetchall()})
            cur.execute("SELECT max(id) FROM questionnaire WHERE code = 'KIOSK-3L'")
            _questionnaire = cur.fetchone()[0]
        _conn.commit()
    return _conn


def _answer(start: Any, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def app(environ: dict[str, Any], start: Any) -> list[bytes]:
    if environ["PATH_INFO"] == "/ping":
        return _answer(start, "200 OK", {"ok": True})
    conn = _connection()
    token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
    device = _devices.get(hashlib.sha256(token.encode()).hexdigest())
    if device is None:
        return _answer(start, "401 Unauthorized", {"error": "unauthorized"})
    try:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        payload = json.loads(environ["wsgi.input"].read(size))
        cid = uuid.UUID(payload["client_id"])
        level = payload["answers"]["overall"]
        at = datetime.fromisoformat(payload["answered_at"])
        if level not in LEVELS or at.tzinfo is None:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        return _answer(start, "422 Unprocessable Entity", {"error": "invalid"})
    now = datetime.now(timezone.utc)
    params = {"cid": cid, "unit": device[1], "q": _questionnaire, "at": at, "now": now,
              "day": at.date(), "level": level, "device": device[0],
              "hash": hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()}
    with conn.cursor() as cur:
        cur.execute(INSERT, params)
        created = cur.fetchone() is not None
    conn.commit()
    return _answer(start, "201 Created" if created else "200 OK", {"client_id": str(cid)})
