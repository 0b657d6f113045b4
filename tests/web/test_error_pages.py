"""Error pages (403, 404, 405, 410, 429, 500, CSRF) are Vietnamese pages with a way back in every
blueprint: officers' pages keep their navigation, citizens' pages their own plain layout, the
APIs their JSON (issue 15 §3)."""

from __future__ import annotations

import pytest
from flask import abort

from tests.factories import login

#: one page per blueprint that renders HTML: (blueprint, endpoint, address)
STAFF = [
    ("auth", "auth.password", "/account/password"),
    ("officer", "officer.dashboard", "/officer/dashboard"),
    ("kiosk_devices", "kiosk_devices.index", "/officer/kiosks/"),
    ("paper", "paper.index", "/paper/"),
    ("index", "index.schemes", "/index/"),
    ("items", "items.show", "/items/"),
    ("periods", "periods.index", "/admin/periods"),
    ("qr", "qr.poster_pdf", "/qr/posters/HC.pdf"),
]
CITIZEN = [
    ("public", "public.thanks", "/cam-on"),
    ("kiosk", "kiosk.shell", "/kiosk/"),
]
HEADINGS = {403: "Không có quyền truy cập", 404: "Không tìm thấy trang",
            405: "Phương thức không được hỗ trợ", 410: "Trang không còn hiệu lực",
            429: "Quá nhiều yêu cầu", 500: "Lỗi hệ thống"}


def _failing(status):
    def view(*args, **kwargs):
        if status == 500:
            raise RuntimeError("a bug")
        abort(status)
    return view


def _html(r) -> str:
    assert r.mimetype == "text/html", r.mimetype
    html = r.get_data(as_text=True)
    assert "Traceback" not in html and "Werkzeug" not in html
    return html


def _has_navigation(html: str, signed_in: bool = True) -> bool:
    nav = 'aria-label="Điều hướng chính"' in html and 'class="brand" href="/"' in html
    if signed_in:
        return nav and "Số liệu</a>" in html and "Đăng xuất" in html
    return nav and 'href="/login"' in html


@pytest.mark.parametrize("status", sorted(HEADINGS))
@pytest.mark.parametrize(("blueprint", "endpoint", "path"), STAFF + CITIZEN,
                         ids=[b for b, _, _ in STAFF + CITIZEN])
def test_every_blueprints_errors_are_vietnamese_pages_with_a_way_back(
        app, world, status, blueprint, endpoint, path):
    app.view_functions[endpoint] = _failing(status)
    app.testing = False  # a bug is a 500 page, as in production, not an exception in the test
    client = app.test_client()
    login(client, "admin")
    r = client.get(path, headers={"Referer": "http://localhost/officer/flagged?unit=HC"})
    assert r.status_code == status
    html = _html(r)
    assert f"<h1>{HEADINGS[status]}</h1>" in html and f"Mã lỗi {status}" in html
    assert 'lang="vi"' in html
    assert 'href="/officer/flagged?unit=HC">Quay lại</a>' in html
    if (blueprint, endpoint, path) in CITIZEN:
        assert "public.css" in html and not _has_navigation(html)
        assert "style=" not in html
    else:
        assert "officer.css" in html and _has_navigation(html)
        assert 'href="/">Về trang chủ</a>' in html


def test_real_errors_of_officer_pages_keep_the_navigation(app, client, world):
    login(client, "clerk.hc")
    r = client.get("/officer/dashboard")  # a clerk on an officer page
    assert r.status_code == 403 and "Không có quyền truy cập" in _html(r)
    assert "Phiếu giấy</a>" in _html(r) and "Đăng xuất" in _html(r)
    r = client.get("/paper/999999")
    assert r.status_code == 404 and "Không tìm thấy trang" in _html(r)
    assert "Phiếu giấy</a>" in _html(r)
    r = client.delete("/paper/")
    assert r.status_code == 405 and "Phương thức không được hỗ trợ" in _html(r)
    assert r.headers["Allow"] and "Phiếu giấy</a>" in _html(r)
    r = client.post("/logout", data={})  # no CSRF token
    assert r.status_code == 400 and "Phiên làm việc đã hết hạn" in _html(r)
    assert "Phiếu giấy</a>" in _html(r)


def test_an_unknown_address_shows_the_sites_navigation(app, client, world):
    r = client.get("/khong-co-trang-nay")
    assert r.status_code == 404 and _has_navigation(_html(r), signed_in=False)
    login(client, "officer.hc")
    r = client.get("/khong-co-trang-nay")
    assert r.status_code == 404 and _has_navigation(_html(r))
    assert "officer.hc · Quận Hải Châu" in _html(r)
    # citizens' addresses keep their own layout
    r = client.get("/kiosk/khong-co.js")
    assert r.status_code == 404 and "public.css" in _html(r) and not _has_navigation(_html(r))


def test_a_database_outage_page_does_not_look_the_user_up(app, client, world, monkeypatch):
    from sqlalchemy.exc import OperationalError

    login(client, "officer.hc")

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    app.view_functions["officer.flagged"] = down
    monkeypatch.setattr("survey_app.errors.current_user", lambda: pytest.fail("looked up"))
    r = client.get("/officer/flagged")
    assert r.status_code == 503 and "Dịch vụ tạm thời gián đoạn" in _html(r)
    assert _has_navigation(_html(r), signed_in=False)


def test_the_apis_keep_json(client, world):
    r = client.get("/api/v1/khong-co")
    assert r.status_code == 404 and r.json["error"] == "not_found"
    r = client.delete("/api/v1/votes")
    assert r.status_code == 405 and r.json["error"] == "method_not_allowed"
    r = client.get("/kiosk/api/device")
    assert r.status_code == 401 and r.is_json
