"""Signing in lands each role where its work is; every user changes their own password, which
ends the account's other sessions (issue 15 §3)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from survey_app.models import AuditEvent
from tests.factories import csrf_token, login

PASSWORD = "correct horse battery"
NEW = "một mật khẩu mới đủ dài"
FORM = "/account/password"


def _sign_in(client, username, password=PASSWORD, next_=None):
    return client.post("/login" + (f"?next={next_}" if next_ else ""),
                       data={"username": username, "password": password,
                             "csrf_token": csrf_token(client)})


@pytest.mark.parametrize(("username", "lands"), [
    ("officer.hc", "/officer/dashboard"), ("admin", "/officer/dashboard"),
    ("clerk.hc", "/paper/"),
])
def test_each_role_lands_where_its_work_is(client, world, username, lands):
    r = _sign_in(client, username)
    assert r.status_code == 302 and r.headers["Location"] == lands
    assert client.get(lands).status_code == 200


@pytest.mark.parametrize(("username", "next_", "lands"), [
    ("officer.hc", "/officer/flagged?unit=HC", "/officer/flagged?unit=HC"),
    ("clerk.hc", "/paper/?page=2", "/paper/?page=2"),
    ("admin", "/admin/periods", "/admin/periods"),
    # another site, a scheme-relative or backslash address: never followed
    ("officer.hc", "https://evil.example/officer/dashboard", "/officer/dashboard"),
    ("officer.hc", "//evil.example/x", "/officer/dashboard"),
    ("officer.hc", "/\\evil.example", "/officer/dashboard"),
    # a page the role may not open (it would only answer 403), or no page at all
    ("clerk.hc", "/officer/dashboard", "/paper/"),
    ("officer.hc", "/admin/periods", "/officer/dashboard"),
    ("clerk.hc", "/khong-co-trang-nay", "/paper/"),
])
def test_a_safe_next_is_honoured_and_an_unsafe_one_is_not(client, world, username, next_,
                                                          lands):
    r = _sign_in(client, username, next_=next_)
    assert r.status_code == 302 and r.headers["Location"] == lands


def test_an_admin_of_an_empty_service_lands_on_the_start_page(client, app):
    from survey_app.db import get_db
    from survey_app.services import accounts

    with get_db(app).transaction() as s:
        accounts.create_user(s, "quantri", "admin", "mật khẩu đủ dài 123")
    r = _sign_in(client, "quantri", "mật khẩu đủ dài 123")
    assert r.status_code == 302 and r.headers["Location"] == "/"  # no unit, no dashboard yet
    assert "Xin chào quantri." in client.get("/").get_data(as_text=True)


def test_the_login_redirect_brings_the_user_back_to_the_page_asked_for(client, world):
    r = client.get("/officer/flagged?unit=HC")
    assert r.status_code == 302
    r = client.post(r.headers["Location"], data={
        "username": "officer.hc", "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert r.headers["Location"] == "/officer/flagged?unit=HC"


def _signed_in(app, username="officer.hc"):
    client = app.test_client()
    login(client, username)
    return client


def _opens_dashboard(client) -> bool:
    r = client.get("/officer/dashboard")
    assert r.status_code in (200, 302)
    return r.status_code == 200


def _change(client, current=PASSWORD, new=NEW, confirm=None, once=True):
    html = client.get(FORM).get_data(as_text=True)
    data = {"csrf_token": re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1),
            "current": current, "new": new, "confirm": new if confirm is None else confirm}
    if once:
        data["once"] = re.search(r'name="once" value="([^"]+)"', html).group(1)
    return client.post(FORM, data=data)


def test_every_role_finds_the_password_form_in_the_navigation(app, world):
    for username in ("admin", "officer.hc", "clerk.hc"):
        client = _signed_in(app, username)
        home = client.get("/").get_data(as_text=True)
        assert f'href="{FORM}"' in home and "Đổi mật khẩu" in home
        page = client.get(FORM)
        assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
        html = page.get_data(as_text=True)
        for label in ("Mật khẩu hiện tại", "Mật khẩu mới", "Nhập lại mật khẩu mới"):
            assert f">{label}</label>" in html
    anonymous = app.test_client().get(FORM)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(app, world, session):
    office, phone = _signed_in(app), _signed_in(app)
    colleague = _signed_in(app, "admin")
    r = _change(office)
    assert r.status_code == 302 and r.headers["Location"] == "/officer/dashboard"
    page = office.get(r.headers["Location"]).get_data(as_text=True)
    assert "Đã đổi mật khẩu." in page
    assert _opens_dashboard(office)
    assert not _opens_dashboard(phone)  # the other device is signed out
    assert _opens_dashboard(colleague)  # another user is untouched
    fresh = app.test_client()
    assert _sign_in(fresh, "officer.hc", PASSWORD).status_code == 401
    assert _sign_in(fresh, "officer.hc", NEW).status_code == 302
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.password")).all()
    assert [(e.actor, e.details.get("by")) for e in events] == [("officer.hc", "self")]
    assert NEW not in str(events[0].details) and PASSWORD not in str(events[0].details)


@pytest.mark.parametrize(("current", "new", "confirm", "field", "message"), [
    ("sai mật khẩu rồi", NEW, None, "current", "Mật khẩu hiện tại không đúng."),
    ("", NEW, None, "current", "Nhập mật khẩu hiện tại."),
    (PASSWORD, "ngắn", None, "new", "Mật khẩu mới cần từ 10 đến 200 ký tự."),
    (PASSWORD, NEW, "khác hẳn đi rồi", "confirm", "Hai lần nhập mật khẩu mới không giống nhau."),
    (PASSWORD, PASSWORD, None, "new", "Mật khẩu mới phải khác mật khẩu hiện tại."),
])
def test_a_refused_change_says_why_in_vietnamese_and_changes_nothing(app, world, current, new,
                                                                    confirm, field, message):
    client, phone = _signed_in(app), _signed_in(app)
    r = _change(client, current, new, confirm)
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert f'<p class="error" id="{field}-error">{message}</p>' in html
    assert f'name="{field}"' in html and 'aria-invalid="true"' in html
    assert _opens_dashboard(client) and _opens_dashboard(phone)
    assert _sign_in(app.test_client(), "officer.hc", PASSWORD).status_code == 302


def test_guessing_the_current_password_is_throttled_like_signing_in(app, world):
    client = _signed_in(app)
    for _ in range(5):
        assert _change(client, "đoán sai lần nữa").status_code == 400
    r = _change(client, PASSWORD)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 1 phút." in r.get_data(as_text=True)
    assert _sign_in(app.test_client(), "officer.hc", NEW).status_code in (401, 429)


def test_a_resent_password_form_changes_it_once(app, world, session):
    client = _signed_in(app)
    html = client.get(FORM).get_data(as_text=True)
    data = {"csrf_token": re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1),
            "once": re.search(r'name="once" value="([^"]+)"', html).group(1),
            "current": PASSWORD, "new": NEW, "confirm": NEW}
    assert client.post(FORM, data=data).status_code == 302
    again = client.post(FORM, data=data)  # the browser's "resend form" after Back
    assert again.status_code in (302, 303)
    assert len(session.scalars(select(AuditEvent)
                               .where(AuditEvent.action == "user.password")).all()) == 1
    assert _opens_dashboard(client)
