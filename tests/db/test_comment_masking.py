"""A phone or ID number typed into a comment never reaches the database, on any channel."""

from __future__ import annotations

import re

from sqlalchemy import inspect, select, text

from survey_app.models import Answer
from tests.factories import vote

PHONE = "0905 123 456"
CCCD = "001099012345"


def _everything(session) -> str:
    session.rollback()
    conn = session.connection()
    rows = []
    for table in inspect(conn).get_table_names():
        for row in conn.execute(text(f'SELECT * FROM "{table}"')):
            rows.append(" ".join(str(v) for v in row))
    return "\n".join(rows)


def _digits_only(dump: str) -> str:
    return re.sub(r"[ .\-+]", "", dump)


def test_kiosk_phone_ballot_and_api_comments_are_stored_masked(client, world, session):
    kiosk = client.post("/api/v1/votes", headers=world.auth(world.device_token), json=vote(
        "not_satisfied", answers={"overall": "not_satisfied",
                                  "comment": f"Gọi tôi {PHONE}, CCCD {CCCD}"}))
    assert kiosk.status_code == 201
    api = client.post("/api/v1/votes", headers=world.auth(world.admin_token), json=vote(
        "not_satisfied", unit="HC", channel="web",
        answers={"overall": "not_satisfied", "comment": "số +84 905.123.456"}))
    assert api.status_code == 201
    html = client.get("/q/c/HC.Q1").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    client_id = re.search(r'name="client_id" value="([^"]+)"', html).group(1)
    phone = client.post("/q/c/HC.Q1", data={
        "csrf_token": token, "client_id": client_id, "a.overall": "not_satisfied",
        "a.comment": "Liên hệ 0905.123.456 giúp"})
    assert phone.status_code == 303

    session.rollback()
    comments = sorted(session.scalars(select(Answer.value).where(Answer.value.like("%•%"))))
    assert comments == ["Gọi tôi •••••••456, CCCD •••••••345", "Liên hệ •••••••456 giúp",
                        "số •••••••456"]
    dump = _digits_only(_everything(session))
    assert "0905123456" not in dump and "905123456" not in dump
    assert CCCD not in dump
