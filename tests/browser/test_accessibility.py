"""axe-core over every screen a citizen, clerk, officer or index administrator uses (issue 15).

Each test walks one audience's pages in real Chromium, runs axe (WCAG 2.0/2.1 A and AA plus best
practices) on each and fails on any serious or critical violation, naming the page, the rule,
the element and axe's summary. The contexts bypass the app's CSP so axe can be injected; the app
itself is not relaxed (tests/browser/axe.py).
"""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from survey_app.db import get_db
from survey_app.domain.periods import Period
from survey_app.services import paper
from survey_app.services.demo import seed_demo
from survey_app.services.questionnaires import questionnaire_version
from survey_app.services.units import unit_by_code
from tests.factories import build_world
from tests.index_world import EXAMPLES, PASSWORD, build_index_world, cast_demo_votes

from .axe import Audit, new_context
from .conftest import PHONE, TABLET_10_LANDSCAPE, TABLET_10_PORTRAIT
from .test_kiosk import _new_code, _pair

DESKTOP = {"width": 1366, "height": 900}


def _sign_in(page, base_url: str, username: str, password: str, start: str) -> None:
    page.goto(f"{base_url}/login?next={start}")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"**{start}")


def test_kiosk_screens(app, live_server, browser):
    with get_db(app).transaction() as s:
        build_world(s)
    audit = Audit()
    context = new_context(browser, viewport=TABLET_10_PORTRAIT, has_touch=True, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{live_server.url}/kiosk/?thanks=60000&lock=0")
    page.wait_for_selector('body[data-screen="pair"]')
    audit.check(page, "kiosk: pairing panel")
    page.get_by_label("Mã ghép nối").fill("ABCD-EFGH")
    page.get_by_role("button", name="Ghép nối").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit.check(page, "kiosk: pairing panel with an error")
    _pair(page, _new_code(app))
    audit.check(page, "kiosk: first screen")
    page.locator('[data-level="not_satisfied"]').tap()
    page.wait_for_selector('body[data-screen="reason"]')
    page.get_by_role("button", name="Thời gian chờ đợi").tap()
    audit.check(page, "kiosk: why screen")
    page.get_by_role("button", name="Bỏ qua").tap()
    page.wait_for_selector('body[data-screen="callback"]')
    audit.check(page, "kiosk: callback screen")
    page.get_by_role("button", name="Tôi muốn được liên hệ lại").tap()  # empty: the message
    expect(page.get_by_role("alert")).to_have_text("Số điện thoại chưa đúng (10 hoặc 11 chữ số, "
                                                   "ví dụ 0905 123 456).")
    audit.check(page, "kiosk: callback screen with an error")
    page.get_by_role("button", name="Bỏ qua").tap()
    page.wait_for_selector('body[data-screen="thanks"]')
    audit.check(page, "kiosk: thanks screen")
    context.close()
    audit.assert_clean()


def test_phone_ballots(app, live_server, browser):
    with get_db(app).transaction() as s:
        world = build_world(s)
    issued = app.test_client().post(
        "/api/v1/receipt-tokens", json={"unit": "HC", "counter": "Q1", "dossier": "000.00.12.H17"},
        headers=world.auth(world.clerk_token))
    assert issued.status_code == 201
    receipt_path = issued.json["url"].removeprefix("http://localhost")
    audit = Audit()
    for lang, viewport in (("vi-VN", PHONE), ("en-GB", PHONE)):
        context = new_context(browser, viewport=viewport, locale=lang)
        page = context.new_page()
        for where, path in (("QR web ballot", "/w/HC"), ("receipt ballot", receipt_path)):
            assert page.goto(f"{live_server.url}{path}").status == 200
            audit.check(page, f"{where} ({lang})")
            # sent without an answer: the page comes back with the error summary
            page.locator("form button[type=submit]").last.click()
            expect(page.locator('[role="alert"]').first).to_be_visible()
            audit.check(page, f"{where} with a validation error ({lang})")
        context.close()
    audit.assert_clean()


def test_login_dashboard_and_paper_entry(app, live_server, browser, artifacts):
    with get_db(app).transaction() as s:
        password = seed_demo(s, days=60, seed=15, per_counter_day=1.0,
                             secret_key=app.config["SECRET_KEY"],
                             timezone=app.config["TIMEZONE"])[2]
        unit = unit_by_code(s, "20242")  # Phường Hải Châu, the clerk's
        batch = paper.create_batch(
            s, unit=unit, questionnaire=questionnaire_version(s, "KIOSK-3L"),
            period=Period(date(2026, 10, 1), date(2026, 10, 31)), issued=25, returned=20,
            label="Tháng 10", user=None)
        batch_id = batch.id
    audit = Audit()
    context = new_context(browser, viewport=DESKTOP, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    audit.check(page, "login")
    page.get_by_label("Tên đăng nhập").fill("canbo.haichau")
    page.get_by_label("Mật khẩu").fill("sai mật khẩu")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit.check(page, "login with a wrong password")
    _sign_in(page, live_server.url, "canbo.haichau", password, "/officer/dashboard")
    audit.check(page, "officer dashboard")
    context.close()

    context = new_context(browser, viewport=TABLET_10_LANDSCAPE, locale="vi-VN")
    page = context.new_page()
    _sign_in(page, live_server.url, "nhapphieu.haichau", password, "/paper/")
    audit.check(page, "paper: batch list")
    page.goto(f"{live_server.url}/paper/{batch_id}/entry")
    audit.check(page, "paper: keying form")
    # the follow-ups are greyed until "Chưa hài lòng" is keyed, and must stay readable
    page.screenshot(path=str(artifacts / "a11y-paper-entry-skipped.png"))
    page.locator("#k-serial").fill("1")
    page.locator("#k-overall").fill("7")  # not a key on the sheet
    with page.expect_navigation():
        page.keyboard.press("Enter")
    audit.check(page, "paper: keying form after a wrong key")
    context.close()
    audit.assert_clean()


def test_index_pages(app, live_server, browser):
    with app.app_context():
        session = get_db(app).session()
        cast_demo_votes(session, build_index_world(session))
        session.close()
    runner = app.test_cli_runner()
    for args in (["index", "load", str(EXAMPLES / "scheme-demo.yaml")],
                 ["index", "scores", "import", str(EXAMPLES / "scores-demo.csv")]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    audit = Audit()
    context = new_context(browser, viewport=DESKTOP, locale="vi-VN")
    page = context.new_page()
    _sign_in(page, live_server.url, "quantri", PASSWORD, "/index/")
    audit.check(page, "index: scheme list")
    page.goto(f"{live_server.url}/index/DEMO-QH/2024")
    audit.check(page, "index: ranking")
    page.goto(f"{live_server.url}/index/DEMO-QH/2024/scores?unit=HC")
    audit.check(page, "index: scoring page")
    context.close()
    audit.assert_clean()
