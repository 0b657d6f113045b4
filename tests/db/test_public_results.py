"""Public results and open data (issue 18): only published closed periods are public, publishing
is an audited decision, public numbers equal the authenticated ones and verify against the hash,
only the widget may be framed, public pages set no cookie and are cached."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select

from survey_app.db import get_db
from survey_app.models import (
    AuditEvent,
    Ballot,
    IndexPublication,
    IndexScheme,
    PeriodPublication,
    PeriodSnapshot,
    Unit,
)
from survey_app.services.index.hand_scores import set_hand_score
from tests.concurrency import form_fields
from tests.factories import csrf_token, load_small_index, login, vote

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
Q3 = {"from": "2026-07-01", "to": "2026-09-30"}


def cast(client, world, unit, level, day):
    body = vote(level, at=f"{day}T09:15:00+07:00", unit=unit, channel="paper")
    r = client.post("/api/v1/votes", json=body, headers=world.auth(world.admin_token))
    assert r.status_code == 201, r.get_json()
    return r.get_json()


@pytest.fixture
def votes(client, world, app):
    """Q3 2026: HC-TT 31 (9 not satisfied), LC-HM 5, one flagged vote at HC-TT; October 7 votes
    (an open period) at HC-TT."""
    from survey_app.db import get_db
    from survey_app.services.ballots import set_ballot_status

    for i in range(31):
        cast(client, world, "HC-TT", "not_satisfied" if i < 9 else "satisfied",
             f"2026-07-{1 + i % 28:02d}")
    for i in range(5):
        cast(client, world, "LC-HM", "very_satisfied", f"2026-08-{3 + i:02d}")
    flagged = cast(client, world, "HC-TT", "satisfied", "2026-08-20")
    with get_db(app).transaction() as s:  # as the burst check would
        b = s.get(Ballot, flagged["id"])
        b.flag_reason = "burst"
        set_ballot_status(s, b, "flagged", None, tz=TZ)
    for _ in range(7):
        cast(client, world, "HC-TT", "not_satisfied", "2026-10-05")


def close(runner, unit="DN", start="2026-07-01", end="2026-09-30"):
    r = runner.invoke(args=["periods", "close", "--unit", unit, "--from", start, "--to", end])
    assert r.exit_code == 0, r.output


def publish(runner, unit="DN", start="2026-07-01", end="2026-09-30"):
    r = runner.invoke(args=["periods", "publish", "--unit", unit, "--from", start, "--to", end])
    assert r.exit_code == 0, r.output
    return r


def public_api(client, unit, **extra):
    return client.get("/api/v1/public/figures", query_string={"unit": unit, **Q3, **extra})


def test_an_open_or_unpublished_period_is_never_public(client, runner, world, votes):
    # open: nothing anywhere
    assert public_api(client, "HC").status_code == 404
    assert public_api(client, "HC").get_json()["error"] == "not_published"
    oct_ = client.get("/api/v1/public/figures?unit=HC-TT&from=2026-10-01&to=2026-10-31")
    assert oct_.status_code == 404
    assert "Chưa có kỳ số liệu nào được công bố" in client.get("/cong-khai/").get_data(
        as_text=True)
    # closed but not published: still nothing
    close(runner)
    assert public_api(client, "HC").status_code == 404
    for path in ("/cong-khai/", "/cong-khai/HC-TT", "/cong-khai/HC-TT/nhung"):
        page = client.get(path).get_data(as_text=True)
        assert "31" not in page.replace("2031", ""), path
    assert json.loads(client.get("/cong-khai/du-lieu/2026.json").data)["snapshots"] == []
    # published: Q3 only; October's open votes never show
    publish(runner)
    body = public_api(client, "HC-TT").get_json()
    assert body["n"] == 31 and body["counts"]["not_satisfied"] == 9
    assert "flagged" not in body
    page = client.get("/cong-khai/HC-TT").get_data(as_text=True)
    assert "Quý 3/2026" in page and "71,0\xa0%" in page and "Tháng 10" not in page
    assert public_api(client, "HC-TT", **{"from": "2026-10-01", "to": "2026-10-31"}) \
        .status_code == 404
    # a part of the closed range is not "exactly that range"
    assert public_api(client, "HC-TT", to="2026-08-31").status_code == 404
    data = json.loads(client.get("/cong-khai/du-lieu/2026.json").data)
    assert [(s["from"], s["to"]) for s in data["snapshots"]] == [("2026-07-01", "2026-09-30")]
    # nothing restricted in the open data: no counter, field, hour, reason or flagged cell
    cells = data["snapshots"][0]["cells"]
    assert {c[1] for c in cells} <= {"channel", "month", "own"}
    assert {c[3] for c in cells} == {"valid"}


def test_public_numbers_equal_the_authenticated_ones_and_the_file_verifies(
        client, runner, world, votes, tmp_path):
    close(runner)
    publish(runner)
    for unit in ("DN", "HC", "HC-TT", "LC-HM"):
        for subtree in ("0", "1"):
            public = public_api(client, unit, subtree=subtree).get_json()
            private = client.get("/api/v1/figures", query_string={
                "unit": unit, "subtree": subtree, **Q3},
                headers=world.auth(world.admin_token)).get_json()
            assert private["source"] == "snapshot"
            assert private.pop("flagged") == (1 if unit != "LC-HM" and subtree == "1"
                                              or unit == "HC-TT" else 0)
            assert public == private
    page = client.get("/cong-khai/").get_data(as_text=True)
    assert private["snapshot_hash"] in page and "share3-v1" in page
    file = tmp_path / "2026.json"
    file.write_bytes(client.get("/cong-khai/du-lieu/2026.json").data)
    ok = subprocess.run([sys.executable, "-m", "survey_app.verify", str(file)],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert private["snapshot_hash"] in ok.stdout
    # one count changed in the file: the hash no longer matches
    data = json.loads(file.read_text())
    cell = next(c for c in data["snapshots"][0]["cells"] if c[1] == "channel")
    cell[5] += 1
    file.write_text(json.dumps(data))
    bad = subprocess.run([sys.executable, "-m", "survey_app.verify", str(file)],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and "MISMATCH" in bad.stdout
    # the CSV has the same figures
    csv_text = client.get("/cong-khai/du-lieu/2026.csv").data.decode("utf-8-sig")
    row = next(line for line in csv_text.splitlines() if line.startswith("HC-TT,"))
    assert ",31,0,22,9,71.0," in row and row.endswith(private["snapshot_hash"])


def test_publish_and_withdraw_are_audited_once_and_the_reason_stays(client, world, votes,
                                                                     runner, session):
    close(runner)
    login(client, "admin")
    snap_id = session.scalar(select(PeriodSnapshot.id))
    token = csrf_token(client, f"/admin/periods/{snap_id}")
    for _ in range(2):  # a double click
        r = client.post(f"/admin/periods/{snap_id}/publish", data={"csrf_token": token},
                        follow_redirects=True)
    assert "đã được công bố" in r.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(PeriodPublication)) == 1
    events = list(session.scalars(select(AuditEvent).where(
        AuditEvent.action == "period.publish")))
    assert len(events) == 1 and events[0].actor == "admin"
    assert public_api(client, "HC").status_code == 200
    # withdrawing needs a reason: the period page again, the error beside the reason field
    r = client.post(f"/admin/periods/{snap_id}/withdraw", data={"note": " ", "csrf_token": token})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'id="withdraw-error"' in html and "Cần ghi lý do rút lại" in html
    assert 'aria-describedby="withdraw-error"' in html
    assert public_api(client, "HC").status_code == 200
    for _ in range(2):
        r = client.post(f"/admin/periods/{snap_id}/withdraw",
                        data={"note": "Sai sót khi nhập phiếu giấy", "csrf_token": token},
                        follow_redirects=True)
    assert "đã được rút lại trước đó" in r.get_data(as_text=True) or \
        "không đang được công bố" in r.get_data(as_text=True)
    session.rollback()
    events = list(session.scalars(select(AuditEvent).where(
        AuditEvent.action == "period.withdraw")))
    assert len(events) == 1 and events[0].details["note"] == "Sai sót khi nhập phiếu giấy"
    assert public_api(client, "HC").status_code == 404
    client.get("/logout")
    page = client.get("/cong-khai/").get_data(as_text=True)
    assert "Đã rút lại ngày" in page and "vì Sai sót khi nhập phiếu giấy" in page
    assert "Đã rút lại ngày" in client.get("/cong-khai/HC-TT").get_data(as_text=True)
    # publishing again is a new decision, audited again
    publish(runner)
    assert public_api(client, "HC").status_code == 200
    # reopening a published period takes it off the public pages, with the reopen note
    r = runner.invoke(args=["periods", "reopen", str(snap_id), "--note", "phiếu nhập muộn"])
    assert r.exit_code == 0, r.output
    assert public_api(client, "HC").status_code == 404
    assert "phiếu nhập muộn" in client.get("/cong-khai/").get_data(as_text=True)


def test_the_command_line_refuses_what_cannot_be_published(runner, world, votes, session):
    bad = runner.invoke(args=["periods", "publish", "--unit", "DN", "--from", "2026-07-01",
                              "--to", "2026-09-30"])
    assert bad.exit_code == 1 and "chưa được khóa" in bad.output
    close(runner)
    publish(runner)
    again = runner.invoke(args=["periods", "publish", "--unit", "DN", "--from", "2026-07-01",
                                "--to", "2026-09-30"])
    assert again.exit_code == 1 and "đã được công bố" in again.output
    no_note = runner.invoke(args=["periods", "withdraw", "--unit", "DN", "--from",
                                  "2026-07-01", "--to", "2026-09-30", "--note", " "])
    assert no_note.exit_code == 1 and "Cần ghi lý do" in no_note.output
    ok = runner.invoke(args=["periods", "withdraw", "--unit", "DN", "--from", "2026-07-01",
                             "--to", "2026-09-30", "--note", "kiểm tra lại"])
    assert ok.exit_code == 0, ok.output
    # a snapshot closed before the v2 hash rule cannot be verified by the public: refused
    with session.get_bind().begin() as conn:
        conn.execute(PeriodSnapshot.__table__.update().values(hash_rule="survey-snapshot-v1"))
    old = runner.invoke(args=["periods", "publish", "--unit", "DN", "--from", "2026-07-01",
                              "--to", "2026-09-30"])
    assert old.exit_code == 1 and "quy tắc băm cũ" in old.output


def test_only_the_widget_may_be_framed(client, runner, world, votes):
    close(runner)
    publish(runner)
    embed = client.get("/cong-khai/HC-TT/nhung")
    assert embed.status_code == 200
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers
    assert len(embed.data) < 15_000 and b"<script" not in embed.data
    page = embed.get_data(as_text=True)
    assert "71,0\xa0%" in page and "/w/HC-TT" in page
    for path in ("/cong-khai/", "/cong-khai/HC-TT", "/cong-khai/HC-TT/man-hinh",
                 "/cong-khai/kiem-chung", "/login", "/w/HC", "/api/v1/public/figures?unit=HC"):
        r = client.get(path)
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"], path
        assert r.headers["X-Frame-Options"] == "DENY", path


def test_public_pages_set_no_cookie_and_are_cached(client, runner, world, votes):
    close(runner)
    publish(runner)
    paths = ("/cong-khai/", "/cong-khai/HC", "/cong-khai/HC/nhung", "/cong-khai/HC/man-hinh",
             "/cong-khai/kiem-chung", "/cong-khai/du-lieu/2026.csv",
             "/cong-khai/du-lieu/2026.json")
    for path in paths:
        r = client.get(path)
        assert r.status_code == 200, path
        assert "Set-Cookie" not in r.headers, path
        assert r.headers["Cache-Control"].startswith("public"), path
        again = client.get(path, headers={"If-None-Match": r.headers["ETag"]})
        assert again.status_code == 304, path
    # the login page, by contrast, does set its session cookie (the check can fail)
    assert "Set-Cookie" in client.get("/login").headers
    # a change of publication changes the ETag
    etag = client.get("/cong-khai/").headers["ETag"]
    runner.invoke(args=["periods", "withdraw", "--unit", "DN", "--from", "2026-07-01",
                        "--to", "2026-09-30", "--note", "thử"])
    assert client.get("/cong-khai/", headers={"If-None-Match": etag}).status_code == 200


def test_bad_public_input_is_a_clear_4xx(client, world):
    assert client.get("/cong-khai/NOPE").status_code == 404
    assert client.get("/cong-khai/du-lieu/abcd.json").status_code == 404
    assert client.get("/cong-khai/du-lieu/2026.xml").status_code == 404
    assert client.get("/cong-khai/?ky=999").status_code == 200
    nope = client.get("/api/v1/public/figures?unit=NOPE&from=2026-07-01&to=2026-09-30")
    assert nope.status_code == 404 and "NOPE" in nope.get_json()["errors"]["unit"]
    assert client.get("/api/v1/public/figures?unit=HC&from=2026-13-01").status_code == 422


def test_the_screen_shows_provisional_live_counts_and_the_published_quarter(
        client, runner, world, votes):
    today = cast(client, world, "HC-TT", "satisfied", "2026-12-01")
    assert today
    page = client.get("/cong-khai/HC/man-hinh").get_data(as_text=True)
    assert "Số liệu tạm thời" in page and 'http-equiv="refresh"' in page
    assert "Chưa có quý nào được công bố" in page
    close(runner)
    publish(runner)
    page = client.get("/cong-khai/HC/man-hinh").get_data(as_text=True)
    assert "Quý 3/2026 (đã công bố)" in page and "71,0\xa0%" in page


def test_an_index_ranking_is_published_separately(runner, world):
    r = runner.invoke(args=["index", "publish", "NOPE", "--year", "2026"])
    assert r.exit_code == 1 and "no scheme" in r.output


def _index_state(session) -> tuple:
    session.rollback()
    return (tuple(session.execute(select(IndexPublication.id, IndexPublication.withdrawn_at,
                                         IndexPublication.withdraw_note)).all()),
            session.scalar(select(func.count()).select_from(AuditEvent)))


def test_an_admin_publishes_and_withdraws_a_ranking_on_the_page(client, world, session):
    load_small_index(session)
    scheme = session.scalars(select(IndexScheme)).one()
    hc = session.scalars(select(Unit).where(Unit.code == "HC")).one()
    set_hand_score(session, scheme, hc, "chi_dao", None, Decimal("66.25"), None, None)
    session.commit()
    publish_url = f"/admin/index-publication/{scheme.id}/publish"
    withdraw_url = f"/admin/index-publication/{scheme.id}/withdraw"
    login(client, "admin")
    page = client.get("/admin/periods").get_data(as_text=True)
    fields = form_fields(page, publish_url)
    assert {"csrf_token", "once"} <= fields.keys()
    # an unknown scheme: a Vietnamese message on the page, 404, nothing stored
    before = _index_state(session)
    r = client.post("/admin/index-publication/999999/publish", data=fields)
    assert r.status_code == 404 and "Không có Bộ chỉ số này" in r.get_data(as_text=True)
    assert _index_state(session) == before
    # published through the form as rendered: one publication, one audit row
    r = client.post(publish_url, data=fields, follow_redirects=True)
    assert r.status_code == 200
    assert "Đã công bố bảng xếp hạng DN-PAR năm 2026" in r.get_data(as_text=True)
    session.rollback()
    pub = session.scalars(select(IndexPublication)).one()
    (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "index.publish"))
    assert event.actor == "admin" and event.target_id == str(pub.id)
    assert event.details["scheme"] == "DN-PAR" and event.details["year"] == 2026
    assert event.details["document_hash"] == pub.document_hash
    public = client.get("/cong-khai/HC").get_data(as_text=True)
    assert "Xếp hạng Chỉ số cải cách hành chính năm 2026" in public
    assert pub.document_hash[:16] in public
    # totals are written in each language: 66,25 on the Vietnamese page, 66.25 in English,
    totals = [Decimal(u["total"]) for b in pub.document["blocks"]
              if any(u["unit"] == "HC" for u in b["units"]) for u in b["units"] if u["total"]]
    # and a total with a part not yet scored says it is provisional (HC has no votes)
    assert totals == [Decimal("66.25")]
    assert '<td class="num">66,25 <span class="small">(tạm tính, chưa đủ điểm thẩm định)' \
        in public
    english = client.get("/cong-khai/HC?lang=en").get_data(as_text=True)
    assert '<td class="num">66.25 <span class="small">(provisional, not every part scored)' \
        in english
    # withdrawing without a reason: a Vietnamese form error, 422, nothing changes
    page = client.get("/admin/periods").get_data(as_text=True)
    fields = form_fields(page, withdraw_url)
    before = _index_state(session)
    for note in ("", "   "):
        r = client.post(withdraw_url, data={**fields, "note": note})
        assert r.status_code == 422, note
        text = r.get_data(as_text=True)
        assert "Cần ghi lý do rút lại" in text and 'role="alert"' in text
    assert _index_state(session) == before
    assert "Xếp hạng Chỉ số" in client.get("/cong-khai/HC").get_data(as_text=True)
    # withdrawn with a reason (the same form, its once value not yet used)
    r = client.post(withdraw_url, data={**fields, "note": "Sai điểm thẩm định"},
                    follow_redirects=True)
    assert "Đã rút lại bảng xếp hạng DN-PAR năm 2026" in r.get_data(as_text=True)
    session.rollback()
    (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "index.withdraw"))
    assert event.actor == "admin" and event.details["note"] == "Sai điểm thẩm định"
    client.get("/logout")
    public = client.get("/cong-khai/HC").get_data(as_text=True)
    assert '<h2 id="rank-' not in public  # the ranking's table is gone, its withdrawal stays
    assert re.search(r"Đã rút lại ngày \d\d/\d\d/\d{4} \d\d:\d\d vì Sai điểm thẩm định",
                     public), public
    english = client.get("/cong-khai/HC?lang=en").get_data(as_text=True)
    assert "because: Sai điểm thẩm định" in english
    # an unknown scheme cannot be withdrawn either
    before = _index_state(session)
    login(client, "admin")
    r = client.post("/admin/index-publication/999999/withdraw",
                    data={"csrf_token": csrf_token(client, "/admin/periods"), "note": "x"})
    assert r.status_code == 404 and "Không có Bộ chỉ số này" in r.get_data(as_text=True)
    assert _index_state(session) == before


def test_a_burst_of_public_readers_costs_no_query(app, client, runner, world, votes):
    """Within PUBLIC_STATE_SECONDS a worker answers /cong-khai/ from memory: no SQL at all, so
    public traffic does not compete with votes for the database (bench/bench_public.py)."""
    close(runner)
    publish(runner)
    app.config["PUBLIC_STATE_SECONDS"] = 60
    first = client.get("/cong-khai/")
    assert first.status_code == 200
    statements: list[str] = []
    engine = get_db(app).engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731  (the statement text)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        again = client.get("/cong-khai/")
        revalidated = client.get("/cong-khai/", headers={"If-None-Match": first.headers["ETag"]})
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert again.status_code == 200 and again.data == first.data
    assert revalidated.status_code == 304
    assert statements == []


# --- English (Vietnamese first, English when asked with ?lang=en) ----------------------------

def test_public_pages_in_english_only_when_asked(client, runner, world, votes):
    close(runner)
    publish(runner)
    vi = client.get("/cong-khai/HC-TT")
    en = client.get("/cong-khai/HC-TT?lang=en")
    vi_page, en_page = vi.get_data(as_text=True), en.get_data(as_text=True)
    # Vietnamese by default, unchanged: headings, "71,0 %" with a non-breaking space
    assert '<html lang="vi">' in vi_page and "Kỳ công bố gần nhất: Quý 3/2026" in vi_page
    assert "71,0\xa0%" in vi_page and 'href="/cong-khai/HC-TT?lang=en"' in vi_page
    # English when asked: headings, "71.0%", chart labels, links between pages keep lang=en
    assert '<html lang="en">' in en_page
    assert "Latest published period: Q3 2026" in en_page and "71.0%" in en_page
    assert "71,0" not in en_page and "Kỳ công bố" not in en_page
    assert "Satisfaction rate of Phường Thạch Thang over the periods" in en_page
    assert 'href="/cong-khai/?lang=en"' in en_page and 'href="/cong-khai/HC-TT"' in en_page
    assert "/w/HC-TT?lang=en" in en_page
    index = client.get("/cong-khai/?lang=en").get_data(as_text=True)
    assert "Citizen and business satisfaction results" in index
    assert 'name="lang" value="en"' in index  # the period selector keeps the language
    assert "/cong-khai/HC?lang=en" in index and "Units under" in index
    assert "How to verify the figures" in client.get(
        "/cong-khai/kiem-chung?lang=en").get_data(as_text=True)
    embed = client.get("/cong-khai/HC-TT/nhung?lang=en")
    assert len(embed.data) < 15_000 and b"71.0%" in embed.data and b"Rate this office" in embed.data
    screen = client.get("/cong-khai/HC/man-hinh?lang=en").get_data(as_text=True)
    assert "Provisional figures" in screen and "Q3 2026 (published)" in screen
    # only the explicit parameter selects English: a browser set to English, or a lang cookie,
    # gets the Vietnamese page (shared caches need no Vary)
    client.set_cookie("lang", "en")
    negotiated = client.get("/cong-khai/HC-TT", headers={"Accept-Language": "en-US,en"})
    assert negotiated.data == vi.data and negotiated.headers["ETag"] == vi.headers["ETag"]
    assert "Vary" not in negotiated.headers


def test_each_language_has_its_own_etag_and_neither_sets_a_cookie(client, runner, world, votes):
    close(runner)
    publish(runner)
    for path in ("/cong-khai/", "/cong-khai/HC", "/cong-khai/HC/nhung", "/cong-khai/HC/man-hinh",
                 "/cong-khai/kiem-chung"):
        vi, en = client.get(path), client.get(path, query_string={"lang": "en"})
        assert vi.status_code == en.status_code == 200, path
        assert vi.headers["ETag"] != en.headers["ETag"], path
        for r, query in ((vi, {}), (en, {"lang": "en"})):
            assert "Set-Cookie" not in r.headers, path
            again = client.get(path, query_string=query,
                               headers={"If-None-Match": r.headers["ETag"]})
            assert again.status_code == 304, path
        # the other language's ETag does not answer 304
        other = client.get(path, query_string={"lang": "en"},
                           headers={"If-None-Match": vi.headers["ETag"]})
        assert other.status_code == 200 and other.data == en.data, path
