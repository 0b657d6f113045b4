"""Counter figures on the public pages (issue 18): off by default and then nowhere public (no
cell, figure or salt); an admin switches them on per unit (web or command line, audited, once);
switched on, the unit page shows each counter's n, rate and interval equal to a hand count, and
the open-data file verifies, with ``python -m survey_app.verify`` and with the script of
docs/open-data.md, and stops verifying when one counter count is changed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from survey_app.db import get_db
from survey_app.domain import snapshot_hash
from survey_app.models import AuditEvent, Ballot, Counter, SnapshotCounterSalt, Unit
from tests.factories import csrf_token, login, vote

Q3 = {"from": "2026-07-01", "to": "2026-09-30"}
DOC = Path(__file__).resolve().parents[2] / "docs/open-data.md"


def cast(client, world, unit, level, day, counter=None):
    body = vote(level, at=f"{day}T09:15:00+07:00", unit=unit, channel="paper",
                **({"counter": counter} if counter else {}))
    r = client.post("/api/v1/votes", json=body, headers=world.auth(world.admin_token))
    assert r.status_code == 201, r.get_json()
    return r.get_json()


@pytest.fixture
def counted(client, world, app, session):
    """Q3 2026 at Phường Thạch Thang (HC-TT): counter Q1 15 satisfied + 5 not satisfied,
    counter Q2 12 very satisfied (below the minimum of 30), one flagged vote at Q1, 4 votes
    without a counter; Quận Hải Châu's own counter Q1 3 votes. Closed and published."""
    from survey_app.services.ballots import set_ballot_status

    with get_db(app).transaction() as s:
        tt = s.scalar(select(Unit).where(Unit.code == "HC-TT"))
        s.add_all([Counter(unit=tt, code="Q1", name="Quầy số 1"),
                   Counter(unit=tt, code="Q2", name="Quầy tiếp nhận 2")])
    for i in range(20):
        cast(client, world, "HC-TT", "satisfied" if i < 15 else "not_satisfied",
             f"2026-07-{1 + i:02d}", "Q1")
    for i in range(12):
        cast(client, world, "HC-TT", "very_satisfied", f"2026-08-{1 + i:02d}", "Q2")
    for i in range(4):
        cast(client, world, "HC-TT", "satisfied", f"2026-09-{1 + i:02d}")
    for i in range(3):
        cast(client, world, "HC", "satisfied", f"2026-09-{10 + i:02d}", "Q1")
    flagged = cast(client, world, "HC-TT", "not_satisfied", "2026-08-20", "Q1")
    from zoneinfo import ZoneInfo
    with get_db(app).transaction() as s:
        b = s.get(Ballot, flagged["id"])
        b.flag_reason = "burst"
        set_ballot_status(s, b, "flagged", None, tz=ZoneInfo("Asia/Ho_Chi_Minh"))


def close_and_publish(runner):
    for cmd in ("close", "publish"):
        r = runner.invoke(args=["periods", cmd, "--unit", "DN", "--from", Q3["from"],
                                "--to", Q3["to"]])
        assert r.exit_code == 0, r.output


def salts(session):
    session.rollback()
    return list(session.scalars(select(SnapshotCounterSalt.salt)))


def everything_public(client):
    """The bodies a reader can fetch: unit pages, the JSON and CSV of 2026, the public API."""
    out = {path: client.get(path).get_data(as_text=True)
           for path in ("/cong-khai/", "/cong-khai/HC-TT", "/cong-khai/HC",
                        "/cong-khai/du-lieu/2026.json", "/cong-khai/du-lieu/2026.csv")}
    for unit in ("HC-TT", "HC"):
        out[f"api {unit}"] = client.get("/api/v1/public/figures",
                                        query_string={"unit": unit, **Q3}).get_data(as_text=True)
    return out


def run_verify(path):
    return subprocess.run([sys.executable, "-m", "survey_app.verify", str(path)],
                          capture_output=True, text=True)


def run_doc_script(path, tmp_path):
    code = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S).group(1)
    assert len(code.splitlines()) <= 12
    script = tmp_path / "check.py"
    script.write_text(code, encoding="utf-8")
    return subprocess.run([sys.executable, str(script), str(path)], capture_output=True,
                          text=True)


def test_switched_off_no_counter_figure_or_salt_is_public(client, runner, world, counted,
                                                          session, tmp_path):
    close_and_publish(runner)
    stored = salts(session)
    assert len(stored) == 2  # HC-TT and HC have counter cells of their own counters
    bodies = everything_public(client)
    for where, body in bodies.items():
        for salt in stored:
            assert salt not in body, where
        assert "Quầy số 1" not in body and "Quầy tiếp nhận 2" not in body, where
    assert "Theo quầy" not in bodies["/cong-khai/HC-TT"]
    data = json.loads(bodies["/cong-khai/du-lieu/2026.json"])
    snap = data["snapshots"][0]
    assert snap["hash_rule"] == snapshot_hash.HASH_RULE_V3
    assert {c[1] for c in snap["cells"]} <= {"channel", "month", "own"}
    assert snap["counter_salts"] == {} and snap["counters"] == []
    assert set(snap["counter_digests"]) == {"HC", "HC-TT"}
    csv_rows = bodies["/cong-khai/du-lieu/2026.csv"].lstrip("\ufeff").splitlines()
    assert csv_rows[0].split(",")[3:5] == ["ma_quay", "ten_quay"]
    assert all(row.split(",")[3] == "" for row in csv_rows[1:])
    assert "counter" not in json.loads(bodies["api HC-TT"])
    file = tmp_path / "2026.json"
    file.write_text(bodies["/cong-khai/du-lieu/2026.json"], encoding="utf-8")
    assert run_verify(file).returncode == 0
    assert run_doc_script(file, tmp_path).stdout.startswith("OK ")


def test_switched_on_counters_equal_a_hand_count_and_the_file_verifies(
        client, runner, world, counted, session, tmp_path):
    close_and_publish(runner)
    r = runner.invoke(args=["units", "publish-counters", "--unit", "HC-TT", "--on"])
    assert r.exit_code == 0 and "published" in r.output, r.output
    page = client.get("/cong-khai/HC-TT").get_data(as_text=True)
    table = page[page.index('id="counters"'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", table)
    assert [r[0] for r in rows] == ["Quầy số 1 (Q1)", "Quầy tiếp nhận 2 (Q2)"]
    # Q1: 15 of 20 satisfied (the flagged vote does not count); Q2: 12 of 12, below 30
    assert ">20<" in rows[0][1] and "75,0\xa0%" in rows[0][1]
    assert "chưa đủ số phiếu" in rows[0][1]
    assert ">12<" in rows[1][1] and "100,0\xa0%" in rows[1][1]
    assert "chưa đủ số phiếu" in rows[1][1]
    assert "officer" not in table and "canbo" not in table
    # the district's own counter stays private: its switch is off
    assert "Theo quầy" not in client.get("/cong-khai/HC").get_data(as_text=True)
    data = json.loads(client.get("/cong-khai/du-lieu/2026.json").data)
    snap = data["snapshots"][0]
    assert list(snap["counter_salts"]) == ["HC-TT"]
    assert [(c["unit"], c["counter"], c["n"], c["counts"]) for c in snap["counters"]] == [
        ("HC-TT", "Q1", 20, {"very_satisfied": 0, "satisfied": 15, "not_satisfied": 5}),
        ("HC-TT", "Q2", 12, {"very_satisfied": 12, "satisfied": 0, "not_satisfied": 0})]
    assert {c[0] for c in snap["cells"] if c[1] == "counter"} == {"HC-TT"}
    assert all(c[3] == "valid" for c in snap["cells"])
    csv_text = client.get("/cong-khai/du-lieu/2026.csv").data.decode("utf-8-sig")
    q1 = next(line for line in csv_text.splitlines() if ",Q1,Quầy số 1," in line)
    assert q1.startswith("HC-TT,") and ",20,0,15,5,75.0," in q1
    assert "counter" not in client.get("/api/v1/public/figures", query_string={
        "unit": "HC-TT", **Q3}).get_json()
    file = tmp_path / "2026.json"
    file.write_text(json.dumps(data), encoding="utf-8")
    ok = run_verify(file)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert run_doc_script(file, tmp_path).stdout.startswith("OK ")
    # one counter count changed in the file: both checks say so
    cell = next(c for c in data["snapshots"][0]["cells"] if c[1] == "counter")
    cell[5] += 1
    file.write_text(json.dumps(data), encoding="utf-8")
    bad = run_verify(file)
    assert bad.returncode == 1 and "MISMATCH" in bad.stdout
    assert run_doc_script(file, tmp_path).stdout.startswith("BAD")
    # switched off again: gone from the page and the file
    r = runner.invoke(args=["units", "publish-counters", "--unit", "HC-TT", "--off"])
    assert r.exit_code == 0
    assert "Theo quầy" not in client.get("/cong-khai/HC-TT").get_data(as_text=True)
    for salt in salts(session):
        assert salt not in client.get("/cong-khai/du-lieu/2026.json").get_data(as_text=True)
    r = runner.invoke(args=["periods", "verify"])
    assert r.exit_code == 0, r.output


def test_a_published_counter_name_is_never_a_formula_or_markup(
        client, runner, app, counted):
    """Counter names are typed by officers; on the public page and in the open-data CSV they
    stay text: escaped in HTML, an apostrophe before a leading "=" in the CSV."""
    with get_db(app).transaction() as s:
        s.scalars(select(Counter).where(Counter.code == "Q2")).one().name = "=1+1 <b>x</b>"
    close_and_publish(runner)
    assert runner.invoke(args=["units", "publish-counters", "--unit", "HC-TT", "--on"]) \
        .exit_code == 0
    page = client.get("/cong-khai/HC-TT").get_data(as_text=True)
    assert "=1+1 &lt;b&gt;x&lt;/b&gt; (Q2)" in page and "<b>x</b>" not in page
    csv_text = client.get("/cong-khai/du-lieu/2026.csv").data.decode("utf-8-sig")
    q2 = next(line for line in csv_text.splitlines() if ",Q2," in line)
    assert ",Q2,'=1+1 <b>x</b>," in q2


def test_a_v2_snapshot_keeps_verifying_and_never_shows_counters(
        client, runner, world, counted, session, tmp_path, monkeypatch):
    monkeypatch.setattr(snapshot_hash, "HASH_RULE", snapshot_hash.HASH_RULE_V2)
    close_and_publish(runner)
    assert salts(session) == []
    r = runner.invoke(args=["units", "publish-counters", "--unit", "HC-TT", "--on"])
    assert r.exit_code == 0
    assert "Theo quầy" not in client.get("/cong-khai/HC-TT").get_data(as_text=True)
    data = json.loads(client.get("/cong-khai/du-lieu/2026.json").data)
    snap = data["snapshots"][0]
    assert snap["hash_rule"] == snapshot_hash.HASH_RULE_V2
    assert "counter_salts" not in snap and "counters" not in snap
    assert {c[1] for c in snap["cells"]} <= {"channel", "month", "own"}
    file = tmp_path / "2026.json"
    file.write_text(json.dumps(data), encoding="utf-8")
    assert run_verify(file).returncode == 0
    assert run_doc_script(file, tmp_path).stdout.startswith("OK ")
    assert runner.invoke(args=["periods", "verify"]).exit_code == 0
    login(client, "admin")
    from survey_app.models import PeriodSnapshot
    snap_id = session.scalar(select(PeriodSnapshot.id))
    page = client.get(f"/admin/periods/{snap_id}").get_data(as_text=True)
    assert "không công bố được số liệu theo quầy" in page


def audits(session):
    session.rollback()
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.action == "unit.publish_counters").order_by(AuditEvent.id)))


def test_the_switch_is_audited_and_two_identical_requests_change_it_once(
        client, runner, world, session):
    login(client, "admin")
    for _ in range(2):  # a double click: two forms (two once values), same request
        token = csrf_token(client, "/admin/periods")
        r = client.post("/admin/units/counter-publication",
                        data={"unit": "HC-TT", "enabled": "1", "csrf_token": token})
        assert r.status_code == 303
    events = audits(session)
    assert len(events) == 1 and events[0].details["unit"] == "HC-TT"
    assert events[0].details["enabled"] is True
    page = client.get("/admin/periods").get_data(as_text=True)
    assert "không có gì thay đổi" in page
    assert 'id="counter-units"' in page and "Phường Thạch Thang (HC-TT)" in page
    for _ in range(2):
        r = runner.invoke(args=["units", "publish-counters", "--unit", "HC-TT", "--off"])
        assert r.exit_code == 0
    assert "already so" in r.output
    assert [e.details["enabled"] for e in audits(session)] == [True, False]
    session.rollback()
    assert session.scalar(select(Unit.publish_counters).where(Unit.code == "HC-TT")) is False


def test_bad_input_is_refused(client, runner, world, session):
    r = runner.invoke(args=["units", "publish-counters", "--unit", "NOPE", "--on"])
    assert r.exit_code == 1 and "no unit with code 'NOPE'" in r.output
    r = runner.invoke(args=["units", "publish-counters", "--unit", "HC-TT"])
    assert r.exit_code != 0
    login(client, "admin")
    token = csrf_token(client, "/admin/periods")
    r = client.post("/admin/units/counter-publication",
                    data={"unit": "NOPE", "enabled": "1", "csrf_token": token})
    assert r.status_code == 400
    assert "Không có đơn vị mã “NOPE”" in r.get_data(as_text=True)
    r = client.post("/admin/units/counter-publication",
                    data={"unit": "HC-TT", "enabled": "yes", "csrf_token": token})
    assert r.status_code == 400
    assert "Chọn bật hoặc tắt công bố số liệu theo quầy." in r.get_data(as_text=True)
    assert audits(session) == []
    # officers may not switch it
    client.post("/logout", data={"csrf_token": token})
    login(client, "officer.hc")
    r = client.post("/admin/units/counter-publication",
                    data={"unit": "HC", "enabled": "1",
                          "csrf_token": csrf_token(client, "/officer/dashboard")})
    assert r.status_code in (403, 404)
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "unit.publish_counters")) == 0
