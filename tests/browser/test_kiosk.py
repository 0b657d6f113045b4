"""The counter tablet in a real Chromium: pairing, voting, offline, double taps, reasons,
revocation, and screenshots at tablet and phone sizes (issue 4).

Each test gets its own database and server, so every count below is the tablet's own doing.
Where a test casts several votes, the page's clock (Playwright's clock emulation) is moved on
between them as it would be between citizens; votes seconds apart from one tablet would rightly
be flagged as a burst.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from survey_app.db import get_db
from survey_app.models import Answer, Ballot, KioskDevice, QuestionnaireItem
from survey_app.services import kiosk as kiosk_service
from survey_app.services.units import counter_by_code, unit_by_code
from tests.factories import World, build_world

from .conftest import PHONE, TABLET_7, TABLET_10_LANDSCAPE, TABLET_10_PORTRAIT

#: Short test timings (ms): thank-you screen, no input lock (the double-tap test keeps the real
#: 1.5 s one), quick backoff; the idle timeout stays long.
FAST = "?thanks=400&lock=0&retry=200&cap=1000"
BETWEEN_CITIZENS = 20_000  # ms of page time moved on between two votes


@pytest.fixture
def world(app) -> World:
    with get_db(app).transaction() as s:
        return build_world(s)


@pytest.fixture
def tablet(browser) -> Iterator:
    """A fresh tablet: its own storage, touch input, Vietnamese system language."""
    context = browser.new_context(viewport=TABLET_10_PORTRAIT, has_touch=True, locale="vi-VN",
                                  service_workers="allow")
    context.set_default_timeout(10_000)
    yield context
    context.close()


def _new_code(app) -> str:
    """A pairing code for Quận Hải Châu, Quầy số 1 (as an officer would create)."""
    with get_db(app).transaction() as s:
        unit = unit_by_code(s, "HC")
        _, code = kiosk_service.create_pairing_code(
            s, unit, counter_by_code(s, unit, "Q1"), secret_key=app.config["SECRET_KEY"],
            now=datetime.now(timezone.utc))
    return code


def _pair(page, code: str) -> None:
    page.wait_for_selector('body[data-screen="pair"]')
    page.get_by_label("Mã ghép nối").fill(code)
    page.get_by_role("button", name="Ghép nối").click()
    page.wait_for_selector('body[data-screen="vote"]')


def _open_paired(app, context, query: str = FAST):
    page = context.new_page()
    page.goto(f"{app.config['LIVE_URL']}/kiosk/{query}")
    _pair(page, _new_code(app))
    return page


def _state(page) -> dict:
    return page.evaluate("window.kioskState()")


def _wait_sent(page) -> None:
    """Send now and wait until the tablet holds nothing (server answered 201/200 to each)."""
    page.evaluate("window.kioskFlush()")
    page.wait_for_function("async () => { const s = await window.kioskState();"
                           " return s.queued === 0 && s.pendingFollowup === 0; }", polling=100)


def _ballots(app) -> list[Ballot]:
    with get_db(app).transaction() as s:
        return list(s.scalars(select(Ballot).order_by(Ballot.id)))


def _figures(app, world: World) -> dict:
    today = date.today()
    r = app.test_client().get(
        f"/api/v1/figures?unit=HC&from={today - timedelta(days=1)}&to={today + timedelta(days=1)}",
        headers=world.auth(world.admin_token))
    assert r.status_code == 200
    return r.json


def _vote(page, level: str) -> None:
    page.locator(f'[data-level="{level}"]').tap()


def _no_callback(page) -> None:
    """After the reasons, the citizen declines to be called back."""
    page.wait_for_selector('body[data-screen="callback"]')
    page.get_by_role("button", name="Bỏ qua").tap()


@pytest.fixture(autouse=True)
def _live_url(app, live_server) -> None:
    app.config["LIVE_URL"] = live_server.url


# ---------------------------------------------------------------------------------------------


def test_officer_pairs_a_tablet_and_each_level_reaches_the_figures(app, world, browser, tablet,
                                                                   artifacts: Path):
    officer = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    desk = officer.new_page()
    desk.goto(f"{app.config['LIVE_URL']}/login?next=/officer/kiosks/")
    desk.get_by_label("Tên đăng nhập").fill("officer.hc")
    desk.get_by_label("Mật khẩu").fill("correct horse battery")
    desk.get_by_role("button", name="Đăng nhập").click()
    desk.get_by_label("Nơi đặt máy").select_option(label="Quận Hải Châu · Quầy số 1")
    desk.get_by_role("button", name="Tạo mã ghép nối").click()
    code = desk.locator("#new-code").inner_text()
    desk.screenshot(path=str(artifacts / "kiosk-officer-new-code.png"), full_page=True)
    assert len(code) == 9 and code[4] == "-"

    page = tablet.new_page()
    page.goto(f"{app.config['LIVE_URL']}/kiosk/{FAST}")
    page.wait_for_selector('body[data-screen="pair"]')
    page.get_by_label("Mã ghép nối").fill("SAIMA-000")  # a wrong code first
    page.get_by_role("button", name="Ghép nối").click()
    expect(page.get_by_role("alert")).to_have_text("Mã ghép nối gồm 8 ký tự chữ và số, "
                                                   "ví dụ ABCD-EFGH.")
    _pair(page, code.lower())
    expect(page.locator("#unit-name")).to_have_text("Quận Hải Châu")
    expect(page.locator("#counter-name")).to_have_text("Quầy số 1")
    for name in ("Rất hài lòng", "Hài lòng", "Chưa hài lòng"):
        assert page.get_by_role("button", name=name, exact=True).is_visible()

    for level in ("very_satisfied", "satisfied", "not_satisfied"):
        _vote(page, level)
        if level == "not_satisfied":
            page.get_by_role("button", name="Bỏ qua").tap()
            _no_callback(page)
        page.wait_for_selector('body[data-screen="vote"]')
    _wait_sent(page)

    figures = _figures(app, world)
    assert figures["counts"] == {"very_satisfied": 1, "satisfied": 1, "not_satisfied": 1}
    assert figures["n"] == 3 and figures["flagged"] == 0
    ballots = _ballots(app)
    assert {(b.channel, b.status) for b in ballots} == {("kiosk", "valid")}
    assert len({b.device_id for b in ballots}) == 1 and ballots[0].device_id != 1  # the new one

    desk.reload()
    row = desk.locator("tr", has_text="Quầy số 1").filter(has_text="Đang hoạt động").last
    assert row.is_visible()
    officer.close()


def test_offline_votes_survive_a_reload_and_arrive_once(app, world, tablet):
    tablet.clock.install(time=datetime.now() - timedelta(hours=1))
    page = _open_paired(app, tablet)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    _vote(page, "satisfied")
    _wait_sent(page)
    assert len(_ballots(app)) == 1

    tablet.set_offline(True)
    for level in ("very_satisfied", "satisfied", "not_satisfied", "satisfied", "very_satisfied"):
        page.clock.fast_forward(BETWEEN_CITIZENS)
        page.wait_for_selector('body[data-screen="vote"]')
        _vote(page, level)
        if level == "not_satisfied":
            page.get_by_role("button", name="Bỏ qua").tap()
            _no_callback(page)
    page.clock.fast_forward(BETWEEN_CITIZENS)
    page.evaluate("window.kioskFlush()")  # tries, and fails: no network
    assert _state(page)["queued"] == 5
    assert len(_ballots(app)) == 1

    response = page.reload()  # still offline: the shell comes from the service worker
    assert response is not None and response.from_service_worker
    page.wait_for_selector('body[data-screen="vote"]')
    expect(page.locator("#unit-name")).to_have_text("Quận Hải Châu")
    expect(page.locator("#counter-name")).to_have_text("Quầy số 1")
    state = _state(page)
    assert (state["queued"], state["online"]) == (5, False)
    status = page.locator("#status")
    assert status.get_attribute("aria-label") == "Ngoại tuyến · 5 phiếu chờ gửi"
    assert status.locator("#status-count").inner_text() == "5"
    waiting = set(page.evaluate("""async () => {
        const db = await new Promise((ok, ko) => {
            const r = indexedDB.open('kiosk'); r.onsuccess = () => ok(r.result); r.onerror = ko; });
        const all = await new Promise((ok) => {
            const r = db.transaction('votes').objectStore('votes').getAll();
            r.onsuccess = () => ok(r.result); });
        return all.map((v) => v.client_id); }"""))
    assert len(waiting) == 5

    tablet.set_offline(False)
    _wait_sent(page)
    page.evaluate("window.kioskFlush()")  # a second sweep sends nothing again
    ballots = _ballots(app)
    assert len(ballots) == 6 and {b.status for b in ballots} == {"valid"}
    assert {str(b.client_id) for b in ballots[1:]} == waiting
    assert status.get_attribute("aria-label") == "Trực tuyến · Đã gửi hết phiếu"


def test_a_double_tap_is_one_vote(app, world, tablet):
    page = _open_paired(app, tablet, "?thanks=400")  # the real 1.5 s input lock
    page.locator('[data-level="very_satisfied"]').dblclick()
    page.wait_for_selector('body[data-screen="thanks"]')
    assert page.get_by_role("status").inner_text() == "Cảm ơn Ông/Bà đã đánh giá!"
    _wait_sent(page)
    assert [(b.level, b.status) for b in _ballots(app)] == [("very_satisfied", "valid")]


def test_a_follow_up_reason_is_stored_with_the_vote(app, world, tablet):
    page = _open_paired(app, tablet)
    _vote(page, "not_satisfied")
    page.wait_for_selector('body[data-screen="reason"]')
    assert page.get_by_role("heading").inner_text() == "Ông/Bà chưa hài lòng về điều gì?"
    waiting = page.get_by_role("button", name="Thời gian chờ đợi")
    waiting.tap()
    page.get_by_role("button", name="Phí, lệ phí").tap()
    assert waiting.get_attribute("aria-pressed") == "true"
    page.get_by_label("Ý kiến thêm (không bắt buộc, tối đa 1000 ký tự)").fill(
        "Phải chờ hơn một giờ để được tiếp nhận hồ sơ.")
    page.get_by_role("button", name="Gửi").tap()
    _no_callback(page)
    page.wait_for_selector('body[data-screen="thanks"]')
    _wait_sent(page)
    with get_db(app).transaction() as s:
        ballot = s.scalars(select(Ballot)).one()
        answers = s.execute(select(QuestionnaireItem.code, Answer.value)
                            .join(Answer, Answer.item_id == QuestionnaireItem.id)
                            .where(Answer.ballot_id == ballot.id)).all()
    assert (ballot.level, ballot.status) == ("not_satisfied", "valid")
    assert sorted(answers) == [("comment", "Phải chờ hơn một giờ để được tiếp nhận hồ sơ."),
                               ("overall", "not_satisfied"), ("reasons", "fees"),
                               ("reasons", "waiting_time")]


def test_the_comment_stops_at_the_servers_limit(app, world, tablet):
    """The limit is the definition's (kiosk-3l.yaml, 1000), handed over by the server: typing on
    is refused at exactly that length, and the server accepts what the tablet let through."""
    page = _open_paired(app, tablet)
    _vote(page, "not_satisfied")
    page.wait_for_selector('body[data-screen="reason"]')
    comment = page.locator("#comment")
    assert comment.get_attribute("maxlength") == "1000"
    comment.fill("ô" * 995)
    comment.press_sequentially("abcdefghij")  # ten more keys, five too many
    assert comment.input_value() == "ô" * 995 + "abcde"
    page.get_by_role("button", name="Gửi").tap()
    _no_callback(page)
    page.wait_for_selector('body[data-screen="thanks"]')
    _wait_sent(page)
    with get_db(app).transaction() as s:
        ballot = s.scalars(select(Ballot)).one()
        comment_text = s.scalar(select(Answer.value)
                                .join(QuestionnaireItem, Answer.item_id == QuestionnaireItem.id)
                                .where(Answer.ballot_id == ballot.id,
                                       QuestionnaireItem.code == "comment"))
    assert (ballot.status, comment_text) == ("valid", "ô" * 995 + "abcde")
    assert _state(page)["rejected"] == 0


def test_no_test_hooks_outside_testing(app, world, tablet):
    """A production page (no TESTING) exposes nothing on window; the test build does."""
    app.config["TESTING"] = False
    try:
        page = tablet.new_page()
        page.goto(f"{app.config['LIVE_URL']}/kiosk/")
        page.wait_for_selector('body[data-screen="pair"]')
        assert page.evaluate("document.documentElement.hasAttribute('data-test-hooks')") is False
        assert page.evaluate("[typeof window.kioskState, typeof window.kioskFlush]") == [
            "undefined", "undefined"]
    finally:
        app.config["TESTING"] = True
    other = tablet.browser.new_context()
    try:
        test_page = other.new_page()
        test_page.goto(f"{app.config['LIVE_URL']}/kiosk/")
        test_page.wait_for_selector('body[data-screen="pair"]')
        assert test_page.evaluate("typeof window.kioskState") == "function"
    finally:
        other.close()


def test_a_revoked_tablet_is_refused_and_says_so(app, world, tablet):
    page = _open_paired(app, tablet)
    _vote(page, "satisfied")
    _wait_sent(page)
    with get_db(app).transaction() as s:
        device = s.scalar(select(KioskDevice).order_by(KioskDevice.id.desc()))
        kiosk_service.revoke_device(s, device, datetime.now(timezone.utc))

    _vote(page, "very_satisfied")
    page.evaluate("window.kioskFlush()")
    page.wait_for_selector('body[data-screen="revoked"]')
    assert page.get_by_role("heading").inner_text() == "Thiết bị đã bị thu hồi"
    assert page.locator("#revoked-detail").inner_text() == (
        "Thiết bị đã bị thu hồi; máy này không còn được phép gửi phiếu đánh giá.")
    assert page.locator("#revoked-kept").inner_text().startswith(
        "Phiếu chưa gửi vẫn được lưu trên máy: 1.")
    assert page.get_by_role("button", name="Ghép nối lại").is_visible()
    assert page.locator('[data-level="satisfied"]').is_hidden()  # no more voting
    assert _state(page)["queued"] == 1  # kept, not lost
    assert [b.level for b in _ballots(app)] == ["satisfied"]


SIZES = {"tablet7": TABLET_7, "tablet10-portrait": TABLET_10_PORTRAIT,
         "tablet10-landscape": TABLET_10_LANDSCAPE, "phone": PHONE}


def _fits(page) -> None:
    """Nothing is cut off sideways, and every face is a touch target of at least 2 cm
    (≈ 76 CSS px at the 96 px/inch CSS reference)."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for box in page.locator(".screen:not([hidden]) button").evaluate_all(
            "els => els.filter(e => e.offsetParent).map(e => e.getBoundingClientRect())"
            ".map(r => [r.width, r.height])"):
        assert min(box) >= 76, box


@pytest.mark.parametrize("size", SIZES)
def test_screens_at_tablet_and_phone_sizes(app, world, browser, artifacts: Path, size):
    context = browser.new_context(viewport=SIZES[size], has_touch=True, locale="vi-VN")
    context.set_default_timeout(10_000)
    page = _open_paired(app, context, "?thanks=60000&lock=0")
    page.evaluate("document.fonts.ready")
    _fits(page)
    page.screenshot(path=str(artifacts / f"kiosk-start-{size}.png"))
    _vote(page, "not_satisfied")
    page.wait_for_selector('body[data-screen="reason"]')
    page.get_by_role("button", name="Thời gian chờ đợi").tap()
    _fits(page)
    page.screenshot(path=str(artifacts / f"kiosk-reason-{size}.png"))
    page.get_by_role("button", name="Bỏ qua").tap()
    page.wait_for_selector('body[data-screen="callback"]')
    page.get_by_role("textbox", name="Số điện thoại").fill("0905 123 456")
    _fits(page)
    page.screenshot(path=str(artifacts / f"kiosk-callback-{size}.png"))
    page.get_by_role("button", name="Bỏ qua").tap()
    page.wait_for_selector('body[data-screen="thanks"]')
    page.screenshot(path=str(artifacts / f"kiosk-thanks-{size}.png"))
    _wait_sent(page)
    assert [(b.level, b.status) for b in _ballots(app)] == [("not_satisfied", "valid")]
    context.close()


def test_pairing_screen_screenshot(app, world, browser, artifacts: Path):
    context = browser.new_context(viewport=TABLET_7, has_touch=True, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{app.config['LIVE_URL']}/kiosk/")
    page.wait_for_selector('body[data-screen="pair"]')
    page.get_by_label("Mã ghép nối").fill("ABCD-EFGH")
    page.get_by_role("button", name="Ghép nối").click()
    expect(page.get_by_role("alert")).to_have_text("Mã ghép nối không tồn tại. Vui lòng kiểm "
                                                   "tra lại từng ký tự.")
    page.screenshot(path=str(artifacts / "kiosk-pair-error-tablet7.png"))
    context.close()


VOTE_QUESTION_VI = "Ông/Bà có hài lòng với việc giải quyết thủ tục hành chính hôm nay không?"


def _back_to_vietnamese_faces(page) -> None:
    """The first screen, in Vietnamese, as the next citizen must find it."""
    page.wait_for_selector('body[data-screen="vote"]', timeout=8_000)
    expect(page.locator("#vote-title")).to_have_text(VOTE_QUESTION_VI)
    assert page.evaluate("document.documentElement.lang") == "vi"
    expect(page.get_by_role("button", name="Rất hài lòng", exact=True)).to_be_visible()


def test_an_idle_tablet_returns_to_the_vietnamese_faces_from_any_screen(app, world, tablet,
                                                                        artifacts: Path):
    """SURVEY_KIOSK_IDLE_SECONDS reaches the tablet with its pairing; after that long without a
    touch, the why-screen, the thank-you screen and the faces left in English all come back to
    the faces in Vietnamese (issue 15)."""
    app.config["KIOSK_IDLE_SECONDS"] = 2
    page = _open_paired(app, tablet, "?thanks=60000&lock=0&retry=200&cap=1000")

    # Why-screen in English with a reason ticked: the citizen walked away.
    page.get_by_role("button", name="EN – Switch to English").tap()
    _vote(page, "not_satisfied")
    page.wait_for_selector('body[data-screen="reason"]')
    expect(page.locator("#reason-title")).to_have_text("What were you not satisfied with?")
    page.locator("[data-reason]").first.tap()
    _back_to_vietnamese_faces(page)
    page.screenshot(path=str(artifacts / "kiosk-after-idle-reset.png"))

    # Thank-you screen in English (kept up for a minute by ?thanks=60000).
    page.get_by_role("button", name="EN – Switch to English").tap()
    _vote(page, "satisfied")
    page.wait_for_selector('body[data-screen="thanks"]')
    _back_to_vietnamese_faces(page)

    # The faces themselves, switched to English and left alone.
    page.get_by_role("button", name="EN – Switch to English").tap()
    expect(page.locator("#vote-title")).not_to_have_text(VOTE_QUESTION_VI)
    _back_to_vietnamese_faces(page)

    _wait_sent(page)
    # The walked-away vote counts, without the reason that was never sent.
    assert [(b.level, b.status) for b in _ballots(app)] == [
        ("not_satisfied", "valid"), ("satisfied", "valid")]
