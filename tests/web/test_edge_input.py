"""Edge input gets a clear 4xx, never a 500: a JSON ``{"error", "message", "errors"}`` answer on
/api/*, a Vietnamese page or form error on HTML pages. One test per defect found."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from sqlalchemy import func, select
from werkzeug.http import parse_options_header

from survey_app.models import Ballot, Counter, PaperBatch, Questionnaire, Unit
from survey_app.services.index_imports import parse_points
from tests.factories import csrf_token, login, vote
from tests.index_world import EXAMPLES, PASSWORD, build_index_world


def _count(session, model=Ballot) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def _html(r) -> str:
    assert r.mimetype == "text/html", (r.status_code, r.mimetype, r.get_data(as_text=True)[:300])
    return r.get_data(as_text=True)


# --- 1. download names with Vietnamese letters ------------------------------------------------

def test_download_names_with_vietnamese_letters_are_rfc6266(client, world, session):
    hc = session.scalar(select(Unit).where(Unit.code == "HC"))
    session.add(Counter(unit=hc, code="Q2", name='Quầy Đất đai "số 2"/A'))
    session.commit()
    login(client, "admin")

    r = client.get("/qr/posters/HC.png")  # the first counter: Quầy số 1
    assert r.status_code == 200 and r.data.startswith(b"\x89PNG")
    header = r.headers["Content-Disposition"]
    assert header.isascii()
    assert header == ("attachment; filename=\"ma-qr-HC-Quay so 1.png\"; "
                      "filename*=UTF-8''" + quote("ma-qr-HC-Quầy số 1.png", safe=""))
    assert parse_options_header(header) == ("attachment", {"filename": "ma-qr-HC-Quầy số 1.png"})

    r = client.get("/qr/posters/HC.png?counter=Q2")
    assert r.status_code == 200
    header = r.headers["Content-Disposition"]
    assert header.isascii() and 'filename="ma-qr-HC-Quay Dat dai _so 2__A.png"' in header
    kind, options = parse_options_header(header)
    assert options["filename"] == "ma-qr-HC-Quầy Đất đai _số 2__A.png"  # no quote, no slash

    r = client.get("/qr/posters/HC.pdf?size=A5")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    assert r.headers["Content-Disposition"] == 'attachment; filename="ma-qr-HC-A5.pdf"'

    from survey_app.web.downloads import content_disposition

    # the one helper: ASCII names unchanged, others with an ASCII fallback and filename*
    assert content_disposition("phieu-lo-3-A4.pdf") == 'attachment; filename="phieu-lo-3-A4.pdf"'
    header = content_disposition("Đơn vị\r\n\x00:ĐĂK LĂK\\.csv")
    assert header.isascii() and "\r" not in header and "\n" not in header
    assert 'filename="Don vi____DAK LAK_.csv"' in header
    assert content_disposition("\ud800x.pdf").isascii()  # a lone surrogate does not raise


# --- 2. lone surrogates in JSON text ----------------------------------------------------------

def test_lone_surrogates_in_json_text_are_422_with_a_field(client, world, session):
    kiosk = world.auth(world.device_token)
    admin = world.auth(world.admin_token)
    cases = [
        (kiosk, vote("not_satisfied", answers={"overall": "not_satisfied",
                                               "comment": "Chờ lâu \ud800"}), "answers.comment"),
        (kiosk, vote(procedure_field="Đất đai \udfff"), "procedure_field"),
        (kiosk, vote(procedure_code="\ud800"), "procedure_code"),
        (admin, vote(unit="HC", channel="paper", procedure_code="1.\ud83d"), "procedure_code"),
        (admin, vote(unit="HC\ud800", channel="paper"), "unit"),
        (admin, vote(unit="HC", channel="paper", questionnaire="KIOSK\ud800"), "questionnaire"),
        (kiosk, {**vote(), "\ud800": 1}, "\ufffd"),
    ]
    for headers, body, field in cases:
        r = client.post("/api/v1/votes", json=body, headers=headers)
        assert r.status_code == 422, (field, r.status_code, r.get_data(as_text=True)[:300])
        assert r.json["error"] == "invalid" and field in r.json["errors"], (field, r.json)
        assert r.json["errors"][field]
    assert _count(session) == 0

    for body, field in (({"unit": "HC", "dossier": "000.00.12.H17-\ud800"}, "dossier"),
                        ({"unit": "HC", "counter": "Q\ud800", "dossier": "1"}, "counter")):
        r = client.post("/api/v1/receipt-tokens", json=body,
                        headers=world.auth(world.clerk_token))
        assert r.status_code == 422, r.get_data(as_text=True)[:300]
        assert field in r.json["errors"]

    r = client.post("/api/v1/paper-batches", headers=world.auth(world.clerk_token), json={
        "unit": "HC", "from": "2026-09-01", "to": "2026-10-31", "issued": 10, "returned": 5,
        "label": "Quý IV \ud800"})
    assert r.status_code == 422 and "label" in r.json["errors"]
    assert _count(session, PaperBatch) == 0


# --- 3. answered_at that overflows when converted to UTC -------------------------------------

def test_answered_at_overflowing_utc_is_422(client, world, session):
    for moment in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
                   "9999-12-31T23:59:59.999999-00:01"):
        r = client.post("/api/v1/votes", json=vote(at=moment),
                        headers=world.auth(world.device_token))
        assert r.status_code == 422, (moment, r.get_data(as_text=True)[:300])
        assert "answered_at" in r.json["errors"]
    assert _count(session) == 0


# --- 4. unicode digits where an integer is expected ------------------------------------------

def test_unicode_digits_are_not_integers(client, world):
    base = "/api/v1/figures/items?unit=HC&from=2026-01-01&to=2026-12-31&questionnaire=KIOSK-3L"
    for version in ("²", "٣", "1²", "9" * 5000):
        r = client.get(f"{base}&version={quote(version)}", headers=world.auth(world.admin_token))
        assert r.status_code == 422, (version[:10], r.get_data(as_text=True)[:300])
        assert r.json["errors"]["version"]
    login(client, "officer.hc")
    r = client.post("/officer/kiosks/codes", data={
        "csrf_token": csrf_token(client, "/officer/kiosks/"), "place": "u:²", "minutes": "¹⁵"})
    assert r.status_code == 422
    html = _html(r)
    assert "Chọn đơn vị hoặc quầy đặt máy tính bảng." in html
    assert "Thời hạn phải là số phút" in html


# --- 5. dashboard periods in year 0001 --------------------------------------------------------

def test_dashboard_and_exports_refuse_years_far_outside_2000_2100(client, world):
    login(client, "admin")
    for query in ("kind=custom&from=0001-01-01&to=0001-01-31",
                  "kind=custom&from=9999-12-01&to=9999-12-31",
                  "kind=custom&from=1999-12-31&to=2000-01-31"):
        r = client.get(f"/officer/dashboard?unit=HC&{query}")
        assert r.status_code == 400, (query, r.status_code)
        assert "Ngày phải trong khoảng 01/01/2000 – 31/12/2100." in _html(r)
        for path in ("/officer/dashboard/export.csv", "/officer/dashboard/chart/trend.svg",
                     "/admin/ballots.csv"):
            r = client.get(f"{path}?unit=HC&{query}")
            assert r.status_code == 400, (path, query, r.status_code)
            assert "2000" in r.get_data(as_text=True)
        r = client.get(f"/officer/flagged?unit=HC&{query}")
        assert r.status_code == 400 and "01/01/2000" in _html(r)
        r = client.get(f"/items/?unit=HC&{query}")
        assert r.status_code == 400 and "2000" in _html(r)
    # the JSON API names the field
    for path in ("/api/v1/figures?", "/api/v1/figures/items?questionnaire=KIOSK-3L&"):
        r = client.get(f"{path}unit=HC&from=0001-01-01&to=0001-01-31",
                       headers=world.auth(world.admin_token))
        assert r.status_code == 422 and set(r.json["errors"]) == {"from", "to"}, r.json
    r = client.post("/api/v1/paper-batches", headers=world.auth(world.clerk_token), json={
        "unit": "HC", "from": "9999-12-01", "to": "9999-12-31", "issued": 10, "returned": 5})
    assert r.status_code == 422 and set(r.json["errors"]) == {"from", "to"}, r.json
    # the edges themselves are fine
    r = client.get("/officer/dashboard?unit=HC&kind=custom&from=2000-01-01&to=2000-01-31")
    assert r.status_code == 200
    r = client.get("/officer/dashboard?unit=HC&kind=custom&from=2100-12-01&to=2100-12-31")
    assert r.status_code == 200


# --- 6. paper forms with numbers that are not numbers -----------------------------------------

def test_paper_forms_with_non_numbers_are_form_errors(client, world, session):
    login(client, "clerk.hc")
    token = csrf_token(client, "/paper/")
    qid = session.scalar(select(Questionnaire.id).where(Questionnaire.code == "KIOSK-3L"))
    good = {"csrf_token": token, "unit": str(world.units["HC"].id), "from": "2026-09-01",
            "to": "2026-10-31", "questionnaire": str(qid), "issued": "10", "returned": "5"}
    required, count = "Bắt buộc phải có.", "Phải là số nguyên từ 0 đến"
    for field, value, text in (
            ("questionnaire", "abc", required), ("questionnaire", "1.5", required),
            ("questionnaire", "99999999999999999999", required), ("questionnaire", "²", required),
            ("issued", "²", count), ("returned", "9" * 5000, count), ("unit", "²", required),
            ("from", "0001-01-01", "Ngày phải trong khoảng 01/01/2000 – 31/12/2100.")):
        r = client.post("/paper/", data={**good, field: value})
        assert r.status_code == 422, (field, value[:10], r.status_code)
        assert f'<p class="error">{text}' in _html(r), (field, value[:10])
    assert _count(session, PaperBatch) == 0
    r = client.post("/paper/", data=good)
    assert r.status_code == 302
    session.rollback()
    batch = session.scalar(select(PaperBatch.id))

    entry = f"/paper/{batch}/entry"
    for serial in ("²", "9" * 5000, "-1", "1.0"):
        r = client.post(entry, data={"csrf_token": token, "serial": serial, "k.overall": "1"})
        assert r.status_code == 422, (serial[:10], r.status_code)
        assert "Số phiếu phải từ 1 đến 10." in _html(r)
    assert client.get(f"{entry}?last=99999999999999999999").status_code == 200
    assert client.get(f"{entry}?last=²").status_code == 200
    r = client.post(f"/paper/{batch}/edit", data={"csrf_token": token, "issued": "²",
                                                  "returned": "9" * 5000})
    assert r.status_code == 302
    assert _count(session) == 0


# --- 7. an infinite index bonus ---------------------------------------------------------------

def test_index_bonus_of_1e999_is_a_form_error(app, client, session, tmp_path):
    build_index_world(session)
    result = app.test_cli_runner().invoke(args=["index", "load",
                                                str(EXAMPLES / "scheme-demo.yaml")])
    assert result.exit_code == 0, result.output
    login(client, "quantri", PASSWORD)
    page = client.get("/index/DEMO-QH/2024/scores?unit=ST")
    token = re.search(r'csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    url = "/index/DEMO-QH/2024/scores/ST"
    for points in ("1e999", "-1E+999", "1e-999", "Infinity", "NaN", "sNaN", "1e5"):
        r = client.post(url + "/bonus", data={"csrf_token": token.group(1), "points": points,
                                              "note": "Thử"})
        assert r.status_code == 422, (points, r.status_code)
        assert "Nhập một số" in _html(r)
        r = client.post(url, data={"component": "chi_dao", "chi_dao-csrf_token": token.group(1),
                                   "chi_dao-component": "chi_dao",
                                   "chi_dao-appraised_score": points})
        assert r.status_code == 422, (points, r.status_code)
    for text in ("1e999", "-1e999", "1e-999", "1E+30"):
        with pytest.raises(ValueError):
            parse_points(text)
    # the same rule for a score file (index scores import): reported by row, nothing stored
    scores = tmp_path / "scores.csv"
    scores.write_text("scheme,year,unit,component,self_score,appraised_score,note\n"
                      "DEMO-QH,2024,ST,bonus,,1e999,Thử\n"
                      "DEMO-QH,²,ST,chi_dao,1,1,\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["index", "scores", "import", str(scores)])
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "1e999" in result.output and "is too large" in result.output
    assert "year '²' is not loaded" in result.output


# --- 8. HTML pages answer HTML for out-of-range parameters ------------------------------------

def test_out_of_range_page_numbers_answer_html(client, world):
    login(client, "admin")
    for page in ("1e20", "99999999999999999999", "-5", "²", "9" * 5000):
        r = client.get(f"/officer/flagged?unit=HC&page={page}")
        assert r.status_code in (200, 400), (page[:10], r.status_code)
        assert "Phiếu cần xem xét" in _html(r)
    # a value the database cannot hold that slipped past a form is a Vietnamese page too
    r = client.get("/officer/flagged/99999999999999999999")
    assert r.status_code in (404, 405)
    _html(r)


# --- 9. CSRF failures and other errors: a Vietnamese page with a way back ---------------------

def test_csrf_failure_on_a_ballot_is_a_vietnamese_page_back_to_the_ballot(client, world, session):
    from survey_app.services import receipts  # noqa: F401  (receipt codes come from the API)

    r = client.post("/api/v1/receipt-tokens", json={"unit": "HC", "dossier": "H17-0042"},
                    headers=world.auth(world.clerk_token))
    receipt = "/q/" + r.json["token"]
    for path in ("/w/HC", "/q/c/HC.Q1", receipt):
        for data in ({"a.overall": "satisfied"},
                     {"a.overall": "satisfied", "csrf_token": "forged"}):
            r = client.post(path, data=data)
            assert r.status_code == 400, path
            html = _html(r)
            assert "Phiên làm việc đã hết hạn" in html and "Bad Request" not in html
            assert f'href="{path}"' in html
            assert 'lang="vi"' in html and "public.css" in html
            assert "style=" not in html
            assert "'unsafe-inline'" not in r.headers["Content-Security-Policy"]
    assert _count(session) == 0


def test_error_pages_are_vietnamese_html_off_the_api(client, world):
    r = client.get("/khong-co-trang-nay")
    assert r.status_code == 404
    html = _html(r)
    assert "Không tìm thấy trang" in html and "Page not found" in html and 'href="/"' in html
    r = client.get("/w/HC", headers={"Referer": "http://localhost/officer/dashboard?x=1"})
    r = client.get("/khong-co", headers={"Referer": "http://localhost/w/HC?lang=en"})
    assert 'href="/w/HC?lang=en"' in _html(r)
    r = client.get("/khong-co", headers={"Referer": "https://evil.example/w/HC"})
    assert 'href="/"' in _html(r) and "evil" not in _html(r)
    r = client.delete("/w/HC")
    assert r.status_code == 405 and "Phương thức không được hỗ trợ" in _html(r)
    r = client.post("/w/HC", data={"comment": "x" * 300_000})
    assert r.status_code == 413 and "quá lớn" in _html(r)
    r = client.get("/officer/dashboard?unit=HC&x=%00")
    assert r.status_code == 400 and "Yêu cầu không hợp lệ" in _html(r)
    login(client, "clerk.hc")
    r = client.get("/officer/dashboard")
    assert r.status_code == 403 and "Không có quyền" in _html(r)
    # the API keeps its JSON answers exactly as before
    r = client.get("/api/v1/khong-co")
    assert r.status_code == 404 and r.json["error"] == "not_found"
    r = client.delete("/api/v1/votes")
    assert r.status_code == 405 and r.json["error"] == "method_not_allowed"
    # pages with their own 404 keep it
    r = client.get("/w/KHONG-CO")
    assert r.status_code == 404 and "Không tìm thấy đường dẫn đánh giá này." in _html(r)
