"""The five-element form on a 360 px phone in real Chromium: fill, miss an item, fix, send."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select

from survey_app.db import get_db
from survey_app.models import Ballot, Unit
from survey_app.services.questionnaires import assign_questionnaire, load_questionnaire

from .conftest import PHONE

SIPAS = Path(__file__).resolve().parents[2] / "survey_app/definitions/sipas-5e.yaml"


def _setup(app) -> None:
    from datetime import date

    with get_db(app).transaction() as s:
        unit = Unit(code="HC", name="Quận Hải Châu", kind="district")
        s.add(unit)
        s.flush()
        q = load_questionnaire(s, yaml.safe_load(SIPAS.read_text(encoding="utf-8")))
        assign_questionnaire(s, unit, "web", q.questionnaire, date(2020, 1, 1))


def test_fill_the_five_element_form_on_a_phone(app, live_server, browser, artifacts):
    _setup(app)
    page = browser.new_page(viewport=PHONE)
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/w/HC")
    assert page.locator("h1").inner_text() == \
        "Phiếu khảo sát sự hài lòng về dịch vụ hành chính công"
    # nothing overflows sideways at 360 px
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("group", name="Ông/Bà là").get_by_label("Người dân").check()
    page.get_by_role("group", name="Giới tính").get_by_label("Nữ").check()
    items = page.locator("fieldset.kind-five_level")
    assert items.count() == 20  # 19 element items and the overall question
    for i in range(items.count() - 1):
        items.nth(i).get_by_role("radio", name="4 Hài lòng", exact=True).check()
    page.screenshot(path=str(artifacts / "sipas-phone-filled.png"), full_page=False)
    page.get_by_role("button", name="Gửi đánh giá").click()
    # the overall question was left out: the page says so and keeps the answers
    alert = page.get_by_role("alert")
    assert "Phiếu chưa gửi được" in alert.inner_text()
    assert page.locator("#e-overall").inner_text() == "Bắt buộc phải có."
    assert page.locator('input[name="a.tc1"][value="4"]').is_checked()
    page.screenshot(path=str(artifacts / "sipas-phone-error.png"), full_page=False)
    page.locator("#q-overall").get_by_role("radio", name="5 Rất hài lòng").check()
    page.get_by_role("button", name="Gửi đánh giá").click()
    assert page.get_by_role("heading").inner_text() == "Cảm ơn Ông/Bà!"
    page.screenshot(path=str(artifacts / "sipas-phone-thanks.png"))
    with get_db(app).transaction() as s:
        ballot = s.scalars(select(Ballot)).one()
        assert (ballot.channel, ballot.level, ballot.respondent_group) == \
            ("web", "very_satisfied", "citizen")
        assert len(ballot.answers) == 22  # 19 items, overall, group, gender
    page.close()


def test_condition_hides_reasons_until_not_satisfied(app, live_server, browser, artifacts):
    with get_db(app).transaction() as s:
        s.add(Unit(code="LC", name="Quận Liên Chiểu", kind="district"))
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{live_server.url}/w/LC")
    reasons = page.locator("#q-reasons")
    assert reasons.is_hidden()
    page.get_by_label("Chưa hài lòng").check()
    assert reasons.is_visible()
    page.get_by_label("Thời gian chờ đợi").check()
    page.screenshot(path=str(artifacts / "kiosk3l-web-phone-reasons.png"))
    page.get_by_role("button", name="Gửi đánh giá").click()
    assert page.get_by_role("heading").inner_text() == "Cảm ơn Ông/Bà!"
    with get_db(app).transaction() as s:
        values = sorted(a.value for a in s.scalars(select(Ballot)).one().answers)
    assert values == ["not_satisfied", "waiting_time"]
    page.close()


def _boxes_overlap(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_phone_ballot_in_english_at_360px_post_redirect_get(app, live_server, browser,
                                                           artifacts):
    """Issue 15: the unit line and the language link do not overlap at 360 px in English;
    option labels are at least 16 px; the error summary has no doubled punctuation; every POST
    ends on a GET page, so going Back never asks to send the form again."""
    _setup(app)
    with get_db(app).transaction() as s:
        s.scalars(select(Unit)).one().name = "Ủy ban nhân dân phường Hòa Cường Bắc, quận Hải Châu"
    page = browser.new_page(viewport=PHONE)
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/w/HC?lang=en")
    unit_box = page.locator(".ballot-head .unit").bounding_box()
    lang_box = page.locator(".ballot-head .lang").bounding_box()
    assert not _boxes_overlap(unit_box, lang_box), (unit_box, lang_box)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    sizes = page.locator(".option .text").evaluate_all(
        "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes and min(sizes) >= 16, min(sizes)
    page.screenshot(path=str(artifacts / "ballot-phone-360-en.png"), full_page=False)

    page.get_by_role("button", name="Send").click()  # nothing answered
    alert = page.get_by_role("alert")
    text = alert.inner_text()
    assert "Your answers were not sent" in text
    for doubled in ("?:", "..", ".:", ":.", "::"):
        assert doubled not in text, (doubled, text)
    # The refused POST answered with a redirect: the page on screen came from a GET.
    assert page.evaluate("performance.getEntriesByType('navigation')[0].type") == "navigate"
    assert page.url == f"{live_server.url}/w/HC?lang=en"
    page.screenshot(path=str(artifacts / "ballot-phone-360-en-errors.png"), full_page=False)

    items = page.locator("fieldset.kind-five_level")
    for i in range(items.count()):
        items.nth(i).locator('input[type="radio"][value="4"]').check()
    page.get_by_role("group", name="You are").locator("input").first.check()
    page.get_by_role("group", name="Gender").locator("input").first.check()
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="Send").click()
    final = nav.value
    assert final.request.method == "GET" and final.url.endswith("/cam-on?lang=en")
    assert final.request.redirected_from is not None
    assert final.request.redirected_from.method == "POST"
    assert page.get_by_role("heading").inner_text() == "Thank you!"

    back = page.go_back()  # the form again, fetched with GET: no "Confirm form resubmission"
    assert back is None or back.request.method == "GET"
    assert page.url == f"{live_server.url}/w/HC?lang=en"
    assert page.locator("form").count() == 1
    with get_db(app).transaction() as s:
        assert len(s.scalars(select(Ballot)).all()) == 1
