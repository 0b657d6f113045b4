"""The dashboard's period form in a real browser: changing the kind shows only its fields and
the address carries only what applies (issue 15 §3)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.browser.test_officer_dashboard import sign_in


def test_the_period_form_follows_the_kind(app, world, live_server, browser, artifacts):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    sign_in(page, live_server.url, "officer.hc", "correct horse battery")
    page.goto(f"{live_server.url}/officer/dashboard?unit=HC&kind=year&year=2026")
    form = page.locator("form.period-form")
    assert form.get_by_label("Năm").is_visible()
    assert not page.locator("#part").is_visible() and not page.locator("#from").is_visible()
    page.screenshot(path=str(artifacts / "dashboard-period-year.png"))

    page.select_option("#kind", "custom")
    assert form.get_by_label("Từ ngày").is_visible() and form.get_by_label("Đến ngày").is_visible()
    assert not page.locator("#year").is_visible() and not page.locator("#part").is_visible()

    page.select_option("#kind", "month")
    assert form.get_by_label("Tháng").is_visible() and page.locator("#part").get_attribute(
        "max") == "12"
    assert page.locator("#kind option").all_inner_texts() == [
        "Tháng", "Quý", "6 tháng", "Năm", "Tùy chọn"]  # the script changed only the field
    assert page.locator("#part-hint").inner_text() == "Từ 1 đến 12."
    page.locator("#part").fill("11")
    page.screenshot(path=str(artifacts / "dashboard-period-month.png"))
    form.get_by_role("button", name="Xem").click()
    page.wait_for_url(lambda url: "kind=month" in url)
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"unit": ["HC"], "kind": ["month"], "year": ["2026"], "part": ["11"]}
    assert page.locator(".period-label").inner_text() == "Tháng 11/2026"

    page.select_option("#kind", "half")
    assert form.get_by_label("Nửa năm").is_visible()
    assert page.locator("#part").input_value() == "2"  # 11 is beyond a half: the last one
    page.close()
