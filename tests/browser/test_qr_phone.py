"""A citizen on a cheap phone with JavaScript off votes through a counter poster's URL."""

from __future__ import annotations

from sqlalchemy import select

from survey_app.db import get_db
from survey_app.models import Ballot, Counter, Unit

from .conftest import PHONE


def test_vote_through_a_poster_without_javascript(app, live_server, browser, artifacts):
    with get_db(app).transaction() as s:
        unit = Unit(code="HC", name="Quận Hải Châu", kind="district")
        s.add_all([unit, Counter(unit=unit, code="Q1", name="Quầy số 1")])
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    response = page.goto(f"{live_server.url}/q/c/HC.Q1")
    assert response is not None and response.status == 200
    assert page.get_by_text("Quận Hải Châu · Quầy số 1").is_visible()
    # form.js would hide the follow-up; with JavaScript off it is shown, with a hint
    assert page.locator("#q-reasons").is_visible()
    assert page.get_by_text("Chỉ trả lời nếu câu trên chọn “Chưa hài lòng”.").first.is_visible()
    page.screenshot(path=str(artifacts / "qr-ballot-phone-nojs.png"), full_page=True)
    page.get_by_role("radio", name="Hài lòng", exact=True).check()
    page.get_by_role("button", name="Gửi đánh giá").click()
    assert page.get_by_role("heading").inner_text() == "Cảm ơn Ông/Bà!"
    page.screenshot(path=str(artifacts / "qr-thanks-phone-nojs.png"))
    with get_db(app).transaction() as s:
        ballot = s.scalars(select(Ballot)).one()
        assert (ballot.channel, ballot.level, ballot.status) == ("qr_counter", "satisfied",
                                                                 "valid")
    context.close()
