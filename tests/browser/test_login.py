"""Signing in through a real browser: Vietnamese form, wrong password, success, sign-out."""

from __future__ import annotations

from survey_app.db import get_db
from survey_app.services import accounts

from .conftest import PHONE


def test_sign_in_and_out(app, live_server, browser, artifacts):
    with get_db(app).transaction() as s:
        accounts.create_user(s, "quantri", "admin", "mật khẩu đủ dài 123")
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{live_server.url}/login")
    assert page.get_by_label("Tên đăng nhập").is_visible()
    page.get_by_label("Tên đăng nhập").fill("quantri")
    page.get_by_label("Mật khẩu").fill("sai mật khẩu")
    page.get_by_role("button", name="Đăng nhập").click()
    assert page.get_by_role("alert").inner_text() == "Tên đăng nhập hoặc mật khẩu không đúng."
    page.screenshot(path=str(artifacts / "login-error-phone.png"), full_page=True)
    page.get_by_label("Mật khẩu").fill("mật khẩu đủ dài 123")
    page.get_by_role("button", name="Đăng nhập").click()
    assert page.get_by_text("Xin chào quantri.").is_visible()  # no units yet: the start page
    page.get_by_role("button", name="Đăng xuất").click()
    assert page.get_by_role("status").inner_text() == "Đã đăng xuất."
    page.close()
