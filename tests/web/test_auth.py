"""Sign-in over HTTP: CSRF, throttling per account with growing waits and per address,
roles, safe redirects."""

from __future__ import annotations

import re

import pytest

from survey_app.db import get_db
from survey_app.ratelimit import MemoryCounter
from survey_app.services import accounts
from survey_app.web import auth


@pytest.fixture
def user(app):
    with get_db(app).transaction() as s:
        accounts.create_user(s, "quantri", "admin", "mật khẩu đủ dài 123")
    return "quantri"


def _csrf(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


def _login(client, username, password, token=None, next_=None, environ=None):
    return client.post("/login" + (f"?next={next_}" if next_ else ""),
                       data={"username": username, "password": password,
                             "csrf_token": token or _csrf(client)},
                       environ_base=environ or {})


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
    assert "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 1 phút." in r.get_data(as_text=True)
    assert 0 < int(r.headers["Retry-After"]) <= 60
    with client.session_transaction() as s:
        assert "uid" not in s


@pytest.fixture
def clock(app):
    """A settable clock for the app's in-process counters (seconds since the epoch)."""
    now = [1_800_000_000.0]
    app.extensions["ratelimit"] = MemoryCounter(clock=lambda: now[0])
    return now


def test_one_persons_typos_do_not_lock_out_colleagues_behind_the_same_address(app, client,
                                                                            user):
    with get_db(app).transaction() as s:
        accounts.create_user(s, "dongnghiep", "admin", "mật khẩu khác đủ dài")
    office = {"REMOTE_ADDR": "203.0.113.7"}  # one NAT address for the whole office
    for _ in range(5):
        assert _login(client, user, "sai", environ=office).status_code == 401
    assert _login(client, user, "mật khẩu đủ dài 123", environ=office).status_code == 429
    colleague = app.test_client()
    r = _login(colleague, "dongnghiep", "mật khẩu khác đủ dài", environ=office)
    assert r.status_code == 302


def test_each_further_failure_doubles_the_wait(client, user, clock):
    for _ in range(5):
        assert _login(client, user, "sai").status_code == 401
    for minutes in (1, 2, 4, 8, 16, 30, 30):
        r = _login(client, user, "mật khẩu đủ dài 123")
        assert r.status_code == 429
        assert f"Vui lòng thử lại sau {minutes} phút." in r.get_data(as_text=True)
        assert int(r.headers["Retry-After"]) == minutes * 60
        clock[0] += minutes * 60 - 1
        assert _login(client, user, "sai").status_code == 429  # a second too early
        clock[0] += 1
        assert _login(client, user, "sai").status_code == 401  # one more try, wrong again
    clock[0] += 30 * 60
    assert _login(client, user, "mật khẩu đủ dài 123").status_code == 302
    client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    for _ in range(5):  # a successful sign-in forgets the failures
        assert _login(client, user, "sai").status_code == 401
    assert _login(client, user, "sai").status_code == 429


def test_failures_are_forgotten_after_an_hour_without_any(client, user, clock):
    for _ in range(4):
        assert _login(client, user, "sai").status_code == 401
    clock[0] += 3600
    for _ in range(5):
        assert _login(client, user, "sai").status_code == 401
    assert _login(client, user, "sai").status_code == 429


def test_password_spraying_from_one_address_is_stopped(client, user, monkeypatch):
    monkeypatch.setattr(auth, "ADDRESS_MAX_FAILURES", 8)
    for i in range(8):  # a few guesses each for many accounts
        assert _login(client, f"nguoidung{i}", "123456").status_code == 401
    r = _login(client, user, "mật khẩu đủ dài 123")
    assert r.status_code == 429
    page = r.get_data(as_text=True)
    assert "Có quá nhiều lần đăng nhập sai từ địa chỉ mạng này." in page
    assert re.search(r"Vui lòng thử lại sau \d+ phút\.", page)
    assert int(r.headers["Retry-After"]) > 0
    app_client = client.application.test_client()
    r = _login(app_client, user, "mật khẩu đủ dài 123",
               environ={"REMOTE_ADDR": "198.51.100.20"})
    assert r.status_code == 302


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
