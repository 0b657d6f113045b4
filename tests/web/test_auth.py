"""Sign-in over HTTP: CSRF, throttling, roles, safe redirects."""

from __future__ import annotations

import re

import pytest

from survey_app.db import get_db
from survey_app.services import accounts


@pytest.fixture
def user(app):
    with get_db(app).transaction() as s:
        accounts.create_user(s, "quantri", "admin", "mật khẩu đủ dài 123")
    return "quantri"


def _csrf(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


def _login(client, username, password, token=None, next_=None):
    return client.post("/login" + (f"?next={next_}" if next_ else ""),
                       data={"username": username, "password": password,
                             "csrf_token": token or _csrf(client)})


def test_login_form_is_vietnamese_and_needs_csrf(client, user):
    page = client.get("/login").get_data(as_text=True)
    assert "Tên đăng nhập" in page and "Mật khẩu" in page
    r = client.post("/login", data={"username": user, "password": "mật khẩu đủ dài 123"})
    assert r.status_code == 400
    with client.session_transaction() as s:
        assert "uid" not in s


def test_wrong_password_then_success(client, user):
    r = _login(client, user, "sai")
    assert r.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in r.get_data(as_text=True)
    r = _login(client, user, "mật khẩu đủ dài 123")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert "Xin chào quantri." in client.get("/").get_data(as_text=True)


def test_throttle_after_five_failures_even_with_the_right_password(client, user):
    for _ in range(5):
        assert _login(client, user, "sai").status_code == 401
    r = _login(client, user, "mật khẩu đủ dài 123")
    assert r.status_code == 429
    assert "thử lại sau 15 phút" in r.get_data(as_text=True)
    with client.session_transaction() as s:
        assert "uid" not in s


def test_next_only_redirects_inside_the_site(client, user):
    r = _login(client, user, "mật khẩu đủ dài 123", next_="https://evil.example/x")
    assert r.headers["Location"] == "/"
    client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    r = _login(client, user, "mật khẩu đủ dài 123", next_="/api/v1/units")
    assert r.headers["Location"] == "/api/v1/units"


def test_production_session_cookie_is_secure_httponly_samesite(monkeypatch, database_url):
    from survey_app import create_app

    monkeypatch.setenv("SURVEY_ENV", "production")
    monkeypatch.setenv("SURVEY_SECRET_KEY", "p" * 40)
    monkeypatch.setenv("SURVEY_DATABASE_URL", database_url)
    app = create_app()
    with get_db(app).transaction() as s:
        accounts.create_user(s, "quantri", "admin", "mật khẩu đủ dài 123")
    client = app.test_client()
    page = client.get("/login", base_url="https://hailong.example.gov.vn")
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page.get_data(as_text=True))
    r = client.post("/login", base_url="https://hailong.example.gov.vn",
                    data={"username": "quantri", "password": "mật khẩu đủ dài 123",
                          "csrf_token": token.group(1)},
                    headers={"Referer": "https://hailong.example.gov.vn/login"})
    assert r.status_code == 302
    cookie = r.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    get_db(app).dispose()
