"""Public results in a real browser: readable without JavaScript at 360 and 1366 px, no serious
axe violation, the widget framed by another page (and the other pages refused in a frame), the
waiting-room screen at 1920×1080."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.db.test_counter_publication import close_and_publish
from tests.db.test_counter_publication import counted as counted  # noqa: PLC0414  (the fixture)
from tests.db.test_public_results import close, publish
from tests.db.test_public_results import votes as votes  # noqa: PLC0414  (the fixture)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PAGES = ("/cong-khai/", "/cong-khai/HC", "/cong-khai/kiem-chung", "/cong-khai/HC/nhung",
         "/cong-khai/HC/man-hinh", "/cong-khai/HC?lang=en")


@pytest.fixture
def published(runner, world, votes):
    close(runner)
    publish(runner)


def serious_violations(page, skip: tuple[str, ...] = ()) -> list[str]:
    page.add_script_tag(path=str(AXE))
    rules = {rule: {"enabled": False} for rule in skip}
    result = page.evaluate("rules => axe.run(document, {resultTypes: ['violations'], rules})",
                           rules)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}×)" for v in result["violations"]
            if v["impact"] in ("serious", "critical")]


def test_public_pages_without_javascript(live_server, browser, artifacts, published):
    for name, viewport in (("360", {"width": 360, "height": 740}),
                           ("1366", {"width": 1366, "height": 900})):
        context = browser.new_context(viewport=viewport, java_script_enabled=False)
        page = context.new_page()
        page.set_default_timeout(10_000)
        response = page.goto(f"{live_server.url}/cong-khai/")
        assert response is not None and response.status == 200
        assert "set-cookie" not in response.headers
        assert page.get_by_role("row", name="Phường Thạch Thang").get_by_text("71,0 %").is_visible()
        assert page.get_by_text("chưa đủ số phiếu").first.is_visible()  # LC-HM: 5 votes
        # no horizontal scrolling of the page itself on a phone
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], width
        page.screenshot(path=str(artifacts / f"cong-khai-{name}.png"), full_page=True)
        # nor of the figures table inside its card: every column, the interval included, shows
        cut = page.evaluate("[...document.querySelectorAll('.table-wrap')]"
                            ".filter(w => w.scrollWidth > w.clientWidth)"
                            ".map(w => w.scrollWidth + '>' + w.clientWidth)")
        assert cut == [], cut
        # the period selector works without JavaScript (a GET form)
        page.get_by_role("button", name="Xem").click()
        assert "ky=" in page.url
        assert page.get_by_role("heading", name="Thành phố Đà Nẵng: Quý 3/2026").is_visible()
        if name == "1366":
            page.goto(f"{live_server.url}/cong-khai/HC")
            assert page.get_by_role("heading", name="Quận Hải Châu").is_visible()
            assert page.get_by_text("Đơn vị trực thuộc").first.is_visible()
            # the language link, without JavaScript: the same page in English, lang kept
            page.get_by_role("link", name="English").click()
            assert page.get_by_role("heading", name="Latest published period: Q3 2026") \
                .is_visible()
            page.get_by_role("link", name="Published results").click()
            assert page.url.endswith("/cong-khai/?lang=en")
            page.screenshot(path=str(artifacts / "cong-khai-unit-HC.png"), full_page=True)
        context.close()


def test_public_pages_pass_axe(live_server, browser, published):
    context = browser.new_context(bypass_csp=True, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    found = {}
    for path in PAGES:
        page.goto(f"{live_server.url}{path}")
        # The waiting-room screen is a passive display nobody operates; reloading itself is
        # its purpose (WCAG 2.2.1's real-time exception). Every other page keeps the rule.
        skip = ("meta-refresh",) if "/man-hinh" in path else ()
        found[path] = serious_violations(page, skip)
    context.close()
    assert found == {p: [] for p in PAGES}


def test_the_widget_frames_and_the_other_pages_do_not(live_server, browser, artifacts,
                                                      published):
    context = browser.new_context(viewport={"width": 900, "height": 600},
                                  java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    # the unit's own website, another origin, answered by the browser's request interception
    host = "<!doctype html><html lang='vi'><body><h1>Trang web của Quận Hải Châu</h1>"
    host += (f"<iframe id='w' title='Sự hài lòng' src='{live_server.url}/cong-khai/HC/nhung' "
             "width='380' height='230'></iframe>"
             f"<iframe id='x' title='Trang khác' src='{live_server.url}/cong-khai/HC' "
             "width='380' height='230'></iframe></body></html>")
    # Served under the app's own origin: 'none' refuses same-origin framing too, so the
    # difference between the two frames is the headers' doing. (A localhost page framing
    # 127.0.0.1 showed an error page in both frames in this sandboxed Chromium.)
    site = live_server.url + "/site-of-the-unit"
    page.route(site, lambda route: route.fulfill(body=host,
                                                 content_type="text/html; charset=utf-8"))
    page.goto(site)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "cong-khai-widget-iframe.png"))
    widget = page.frame_locator("#w")
    assert widget.get_by_text("hài lòng").first.is_visible()
    vote = widget.get_by_role("link", name="Đánh giá sự phục vụ")
    assert vote.is_visible()
    # the whole widget, its border included, fits the documented 380 × 230 frame
    frame_box, card_box = page.locator("#w").bounding_box(), widget.locator("main").bounding_box()
    assert card_box["y"] + card_box["height"] <= frame_box["y"] + frame_box["height"] - 2
    other = page.frame(url=f"{live_server.url}/cong-khai/HC")
    # Chromium refuses the framed page: its frame holds no content of the unit page
    assert other is None or "Quận Hải Châu" not in (other.content() or "")
    page.screenshot(path=str(artifacts / "cong-khai-widget-iframe.png"))
    context.close()


def test_the_waiting_room_screen(live_server, browser, artifacts, published):
    context = browser.new_context(viewport={"width": 1920, "height": 1080},
                                  java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/cong-khai/HC/man-hinh")
    assert page.get_by_text("Số liệu tạm thời").first.is_visible()
    assert page.get_by_text("Quý 3/2026 (đã công bố)").is_visible()
    # the rate digits are large enough to read from 5 m (≥ 100 px)
    size = page.locator(".rate").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 100
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    page.screenshot(path=str(artifacts / "cong-khai-man-hinh-1920.png"))
    context.close()


def test_published_counter_figures_read_at_360_px_in_both_languages(
        live_server, browser, artifacts, runner, counted):
    """A unit whose admin publishes its counters: the counter table fits a phone, reads in
    Vietnamese and English, and has no serious axe violation."""
    close_and_publish(runner)
    assert runner.invoke(args=["units", "publish-counters", "--unit", "HC-TT", "--on"]) \
        .exit_code == 0
    context = browser.new_context(viewport={"width": 360, "height": 740}, bypass_csp=True)
    page = context.new_page()
    for lang, heading, rate in (("", "Theo quầy, Quý 3/2026", "75,0 %"),
                                ("?lang=en", "By counter, Q3 2026", "75.0%")):
        page.goto(f"{live_server.url}/cong-khai/HC-TT{lang}")
        assert page.get_by_role("heading", name=heading).is_visible()
        row = page.locator("#counters").get_by_role("row", name="Quầy số 1 (Q1)")
        assert row.get_by_text(rate).is_visible()  # 15 of 20 satisfied at Q1
        cut = page.evaluate("[...document.querySelectorAll('.table-wrap')]"
                            ".filter(w => w.scrollWidth > w.clientWidth)"
                            ".map(w => w.parentNode.querySelector('h2').textContent + ': ' "
                            "+ w.scrollWidth + '>' + w.clientWidth)")
        page.screenshot(path=str(artifacts / f"cong-khai-counters-360{lang and '-en'}.png"),
                        full_page=True)
        assert cut == [], cut
        assert serious_violations(page) == []
    context.close()
