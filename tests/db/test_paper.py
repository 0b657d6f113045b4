"""Paper ballots on both databases: batches, sheets, limits, undo, second keying, import,
figures that merge paper with kiosk votes, printing, and the audit trail."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from survey_app.models import AuditEvent, Ballot, PaperBatch, PaperSheet
from tests.factories import csrf_token, login, vote


def _batch(client, world, token=None, **body):
    payload = {"unit": "HC", "from": "2026-09-01", "to": "2026-10-31", "issued": 240,
               "returned": 206, "label": "Quý IV", **body}
    return client.post("/api/v1/paper-batches", json=payload,
                       headers=world.auth(token or world.clerk_token))


def _sheet(client, world, batch_id, serial, overall="satisfied", token=None, **extra):
    body = {"serial": serial, "answers": {"overall": overall}, **extra}
    return client.post(f"/api/v1/paper-batches/{batch_id}/ballots", json=body,
                       headers=world.auth(token or world.clerk_token))


def test_batch_with_response_rate(client, world, session):
    r = _batch(client, world)
    assert r.status_code == 201
    assert (r.json["issued"], r.json["returned"], r.json["entered"], r.json["remaining"]) == \
        (240, 206, 0, 206)
    assert r.json["response_rate"] == 85.8  # 206 / 240 = 85.833… -> 85.8
    assert r.json["questionnaire"] == "KIOSK-3L"
    shown = client.get(f"/api/v1/paper-batches/{r.json['id']}",
                       headers=world.auth(world.clerk_token))
    assert shown.status_code == 200 and shown.json["label"] == "Quý IV"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"returned": 241}, "returned"), ({"issued": 0}, "issued"), ({"issued": "240"}, "issued"),
     ({"from": "2026-11-01"}, "to"), ({"unit": "XX"}, "unit"), ({"colour": 1}, "colour"),
     ({"questionnaire": "NOPE"}, "questionnaire")],
)
def test_bad_batches_are_422(client, world, session, body, field):
    r = _batch(client, world, **body)
    assert r.status_code == 422 and field in r.json["errors"]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(PaperBatch)) == 0


def test_batch_scope_and_roles(client, world):
    assert _batch(client, world, unit="LC").status_code == 403
    assert _batch(client, world, world.officer_token).status_code == 403
    assert _batch(client, world, world.admin_token, unit="LC").status_code == 201


def test_sheets_duplicate_serial_409_and_beyond_returned_422(client, world, session):
    batch = _batch(client, world, issued=5, returned=3).json["id"]
    assert _sheet(client, world, batch, 1).status_code == 201
    dup = _sheet(client, world, batch, 1, "not_satisfied")
    assert dup.status_code == 409 and "serial" in dup.json["errors"]
    assert _sheet(client, world, batch, 2).status_code == 201
    assert _sheet(client, world, batch, 6).status_code == 422  # no sheet 6 was printed
    assert _sheet(client, world, batch, 3, answered_on="2025-01-01").status_code == 422
    assert _sheet(client, world, batch, 3).status_code == 201
    full = _sheet(client, world, batch, 4)
    assert full.status_code == 422
    assert full.json["errors"]["serial"] == "Đã nhập đủ 3 phiếu thu về; không nhập thêm được."
    invalid = _sheet(client, world, batch, 4, "meh")
    assert invalid.status_code == 422
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Ballot)) == 3
    ballot = session.scalars(select(Ballot)).first()
    assert ballot.channel == "paper"
    assert ballot.local_day.isoformat() == "2026-10-31"  # answered_on defaults to the last day
    other = client.post(f"/api/v1/paper-batches/{batch}/ballots",
                        json={"serial": 4, "answers": {"overall": "satisfied"}},
                        headers=world.auth(world.officer_token))
    assert other.status_code == 403


def test_paper_and_kiosk_figures_combine(client, world):
    today = date.today()
    start, end = (today - timedelta(days=20)).isoformat(), today.isoformat()
    batch = _batch(client, world, issued=10, returned=8, **{"from": start, "to": end}).json["id"]
    for serial, level in enumerate(["very_satisfied", "satisfied", "not_satisfied"], start=1):
        assert _sheet(client, world, batch, serial, level, answered_on=start).status_code == 201
    for level in ("very_satisfied", "very_satisfied"):  # the counter tablet, today
        assert client.post("/api/v1/votes", json=vote(level),
                           headers=world.auth(world.device_token)).status_code == 201
    window = {"unit": "HC", "from": (today - timedelta(days=30)).isoformat(),
              "to": (today + timedelta(days=1)).isoformat()}
    f = client.get("/api/v1/figures", query_string=window,
                   headers=world.auth(world.admin_token)).json
    assert f["n"] == 5
    assert f["counts"] == {"very_satisfied": 3, "satisfied": 1, "not_satisfied": 1}
    assert f["satisfaction_rate"] == 80.0
    assert f["paper"] == {"batches": 1, "issued": 10, "returned": 8, "entered": 3,
                          "response_rate": 80.0}
    only_paper = client.get("/api/v1/figures", query_string={**window, "channel": "paper"},
                            headers=world.auth(world.admin_token)).json
    assert only_paper["n"] == 3
    kiosk_only = client.get("/api/v1/figures", query_string={**window, "channel": "kiosk"},
                            headers=world.auth(world.admin_token)).json
    assert kiosk_only["n"] == 2 and "paper" not in kiosk_only
    # a range that does not contain the whole survey period has no paper block
    part = client.get("/api/v1/figures", query_string={**window, "from": end},
                      headers=world.auth(world.admin_token)).json
    assert "paper" not in part


def test_entry_screen_keys_undo_and_audit(client, world, session):
    batch = _batch(client, world, issued=20, returned=20).json["id"]
    login(client, "clerk.hc")
    page = client.get(f"/paper/{batch}/entry")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="1"' in html  # the first free serial is proposed
    assert "<kbd>3</kbd> Chưa hài lòng" in html
    token = csrf_token(client, f"/paper/{batch}/entry")
    r = client.post(f"/paper/{batch}/entry", data={"csrf_token": token, "serial": "1",
                                                    "k.overall": "3", "k.reasons": "15"})
    assert r.status_code == 302 and r.headers["Location"].endswith("last=1")
    nxt = client.get(r.headers["Location"]).get_data(as_text=True)
    assert 'id="k-serial" name="serial" inputmode="numeric" value="2"' in nxt
    assert "Đã lưu phiếu số 1." in nxt
    again = client.post(f"/paper/{batch}/entry", data={"csrf_token": token, "serial": "1",
                                                        "k.overall": "1"})
    assert again.status_code == 409
    assert "Phiếu số 1 đã được nhập trong lô này." in again.get_data(as_text=True)
    bad_key = client.post(f"/paper/{batch}/entry", data={"csrf_token": token, "serial": "2",
                                                          "k.overall": "7"})
    assert bad_key.status_code == 422
    hidden = client.post(f"/paper/{batch}/entry", data={"csrf_token": token, "serial": "2",
                                                         "k.overall": "1", "k.reasons": "2"})
    assert hidden.status_code == 422  # reasons only after "Chưa hài lòng", as on every channel
    session.rollback()
    ballot = session.scalars(select(Ballot)).one()
    assert sorted(a.value for a in ballot.answers) == ["facilities", "not_satisfied",
                                                       "waiting_time"]
    # undo the last sheet: the ballot is voided, not erased, and the serial is free again
    r = client.post(f"/paper/{batch}/undo", data={"csrf_token": token})
    assert r.status_code == 302
    session.rollback()
    assert session.get(Ballot, ballot.id).status == "void"
    assert session.scalar(select(func.count()).select_from(PaperSheet)) == 0
    r = client.post(f"/paper/{batch}/entry", data={"csrf_token": token, "serial": "1",
                                                    "k.overall": "2"})
    assert r.status_code == 302
    session.rollback()
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["paper.batch.create", "paper.sheet.enter", "paper.ballot.void",
                       "paper.sheet.undo", "paper.sheet.enter"]
    f = client.get("/api/v1/figures", query_string={"unit": "HC", "from": "2026-09-01",
                                                     "to": "2026-12-31"},
                   headers=world.auth(world.admin_token)).json
    assert f["counts"] == {"very_satisfied": 0, "satisfied": 1, "not_satisfied": 0}


def test_second_keying_lists_disagreements(app, client, world, session):
    from survey_app.db import get_db
    from survey_app.services import accounts

    with get_db(app).transaction() as s:
        accounts.create_user(s, "clerk2.hc", "clerk", "correct horse battery",
                             s.get(type(world.units["HC"]), world.units["HC"].id))
    batch = _batch(client, world, issued=5, returned=5).json["id"]
    for serial, level in [(1, "very_satisfied"), (2, "satisfied"), (3, "not_satisfied")]:
        assert _sheet(client, world, batch, serial, level).status_code == 201
    login(client, "clerk.hc")
    token = csrf_token(client, f"/paper/{batch}/check")
    same = client.post(f"/paper/{batch}/check", data={"csrf_token": token, "serial": "1",
                                                       "k.overall": "1"})
    assert same.status_code == 409  # the first keyer may not check their own sheets
    client.post("/logout", data={"csrf_token": token})
    login(client, "clerk2.hc")
    token = csrf_token(client, f"/paper/{batch}/check")
    for serial, key in [("1", "1"), ("2", "3"), ("4", "2")]:
        assert client.post(f"/paper/{batch}/check", data={
            "csrf_token": token, "serial": serial, "k.overall": key}).status_code == 302
    page = client.get(f"/paper/{batch}").get_data(as_text=True)
    # Only sheet 2 was keyed twice with different answers; 3 was keyed once, 4 only second.
    assert "Phiếu nhập hai lần không khớp (1)" in page
    rows = re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]+)</td></tr>', page)
    assert rows == [("2", "Câu 1")]
    assert re.search(r"Phiếu chưa nhập lần hai \(1\)</h3>\s*<p[^>]*>Số phiếu: 3</p>", page)
    assert re.search(r"Phiếu chỉ có lần nhập thứ hai \(1\)</h3>\s*<p[^>]*>Số phiếu: 4 ", page)


def test_sheets_keyed_once_are_not_called_mismatched(client, world):
    batch = _batch(client, world, issued=9, returned=9).json["id"]
    for serial in (1, 2, 3, 5, 8, 9):
        assert _sheet(client, world, batch, serial).status_code == 201
    login(client, "clerk.hc")
    page = client.get(f"/paper/{batch}").get_data(as_text=True)
    assert "không khớp (" not in page
    assert "Không có phiếu nào nhập hai lần mà không khớp." in page
    assert "Phiếu chưa nhập lần hai (6)" in page and "Số phiếu: 1–3, 5, 8–9" in page


def test_a_wrong_key_is_pointed_out_beside_its_field(client, world):
    batch = _batch(client, world, issued=9, returned=9).json["id"]
    login(client, "clerk.hc")
    token = csrf_token(client, f"/paper/{batch}/entry")
    r = client.post(f"/paper/{batch}/entry", data={"csrf_token": token, "serial": "1",
                                                    "k.overall": "7"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    field = re.search(r'<input id="k-overall"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field
    described = re.search(r'aria-describedby="([^"]+)"', field).group(1).split()
    assert "e-overall" in described and "h-overall" in described
    hint = re.search(r'<p class="error" id="e-overall">([^<]*)</p>', html)
    assert hint and hint.group(1) == "Phím không hợp lệ; dùng: 1, 2, 3."
    # The summary at the top names the question, not its code, and links to the field.
    assert '<a href="#k-overall">Câu 1</a>: Phím không hợp lệ' in html
    assert "<li>overall:" not in html


def _xlsx(rows) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_import_is_all_or_nothing_with_row_numbers(client, world, session):
    batch = _batch(client, world, issued=10, returned=10).json["id"]
    login(client, "clerk.hc")
    template = client.get(f"/paper/{batch}/template.xlsx")
    headers = [c.value for c in next(load_workbook(io.BytesIO(template.data)).active.rows)]
    assert headers[:3] == ["Số phiếu", "Ngày trả lời",
                           "overall – Ông/Bà có hài lòng với việc giải quyết thủ tục hành chính "
                           "hôm nay không?"]
    csv_template = client.get(f"/paper/{batch}/template.csv")
    assert csv_template.data.startswith("\ufeffSố phiếu".encode())
    token = csrf_token(client, f"/paper/{batch}")
    bad = _xlsx([headers, [1, "2026-10-01", "1", "", ""], [2, "2026-10-02", "9", "", ""],
                 [3, "2026-10-03", "1", "2", ""], [4, "2027-01-01", "2", "", ""]])
    r = client.post(f"/paper/{batch}/import", data={
        "csrf_token": token, "file": (io.BytesIO(bad), "lo.xlsx")},
        content_type="multipart/form-data")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "row 3: overall" in page and "row 4: reasons" in page and "row 5: answered_on" in page
    assert "row 2" not in page
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Ballot)) == 0
    good = _xlsx([headers, [1, "2026-10-01", "1", "", ""], [2, None, "3", "14", "Chờ lâu"],
                  [3, "2026-10-03", "satisfied", "", ""]])
    r = client.post(f"/paper/{batch}/import", data={
        "csrf_token": token, "file": (io.BytesIO(good), "lo.xlsx")},
        content_type="multipart/form-data")
    assert r.status_code == 302
    session.rollback()
    levels = session.scalars(select(Ballot.level).order_by(Ballot.id)).all()
    assert levels == ["very_satisfied", "not_satisfied", "satisfied"]
    csv_bad = "\ufeffSố phiếu,Ngày trả lời,overall\n1,,2\n".encode()
    r = client.post(f"/paper/{batch}/import", data={
        "csrf_token": token, "file": (io.BytesIO(csv_bad), "lo.csv")},
        content_type="multipart/form-data")
    assert r.status_code == 422 and "row 2: serial" in r.get_data(as_text=True)


def test_printed_ballots_keep_their_serials(client, world, tmp_path):
    batch = _batch(client, world, issued=3, returned=3).json["id"]
    login(client, "clerk.hc")
    first = client.get(f"/paper/{batch}/ballots.pdf?size=A5")
    again = client.get(f"/paper/{batch}/ballots.pdf?size=A5")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    pdf = tmp_path / "b.pdf"
    texts = []
    for data in (first.data, again.data):
        pdf.write_bytes(data)
        texts.append(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                    text=True).stdout)
    for text in texts:
        assert re.findall(r"Số phiếu: (\d)", text) == ["1", "2", "3"]
        assert "Quận Hải Châu" in text and "01/09/2026 – 31/10/2026" in text
        assert "Chưa hài lòng" in text
    assert client.get(f"/paper/{batch}/ballots.pdf?size=B5").status_code == 400


@pytest.mark.parametrize("size", ["A4", "A5"])
def test_printed_ballots_one_page_per_serial_read_back(client, world, size):
    """The three-level form: one page per serial, the serial printed on it, no word overlapping
    another (read back with pdfplumber)."""
    from tests import pdfcheck

    batch = _batch(client, world, issued=12, returned=0).json["id"]
    login(client, "clerk.hc")
    r = client.get(f"/paper/{batch}/ballots.pdf?size={size}")
    assert r.status_code == 200
    pages = pdfcheck.pages_text(r.data)
    assert len(pages) == 12
    for serial, text in enumerate(pages, start=1):
        assert f"Số phiếu: {serial:02d}" in text and "Quận Hải Châu" in text
        assert "1. Rất hài lòng" in text and "3. Chưa hài lòng" in text
    assert pdfcheck.overlaps(r.data) == []
    pdfcheck.save_pngs(r.data, f"db-ballots-{size}")


def test_delete_batch_voids_its_ballots(client, world, session):
    batch = _batch(client, world, issued=3, returned=3).json["id"]
    assert _sheet(client, world, batch, 1).status_code == 201
    login(client, "clerk.hc")
    token = csrf_token(client, f"/paper/{batch}")
    assert client.post(f"/paper/{batch}/delete", data={"csrf_token": token}).status_code == 302
    session.rollback()
    assert session.scalars(select(Ballot.status)).all() == ["void"]
    assert session.get(PaperBatch, batch).deleted_at is not None
    assert client.get(f"/paper/{batch}").status_code == 404
    f = client.get("/api/v1/figures", query_string={"unit": "HC", "from": "2026-09-01",
                                                     "to": "2026-12-31"},
                   headers=world.auth(world.admin_token)).json
    assert f["n"] == 0 and "paper" not in f


def test_other_subtree_sees_no_batch(client, world):
    batch = _batch(client, world, world.admin_token, unit="LC").json["id"]
    login(client, "clerk.hc")
    assert client.get(f"/paper/{batch}").status_code == 404
    assert client.get(f"/paper/{batch}/entry").status_code == 404
    assert client.get(f"/api/v1/paper-batches/{batch}",
                      headers=world.auth(world.clerk_token)).status_code == 404
