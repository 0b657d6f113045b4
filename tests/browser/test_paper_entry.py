"""A clerk keys a batch of 20 sheets with the keyboard only, in real Chromium."""

from __future__ import annotations

import subprocess
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import func, select

from survey_app.db import get_db
from survey_app.domain.periods import Period
from survey_app.models import Ballot, Unit
from survey_app.services import accounts, paper
from survey_app.services.questionnaires import questionnaire_version

from .conftest import TABLET_10_LANDSCAPE

# serial -> keys: overall (1/2/3) and, after a 3, reasons (several digits)
SHEETS = [("1", ""), ("2", ""), ("3", "13"), ("1", ""), ("2", ""), ("2", ""), ("1", ""),
          ("3", ""), ("1", ""), ("1", ""), ("2", ""), ("3", "2"), ("1", ""), ("2", ""),
          ("1", ""), ("1", ""), ("2", ""), ("1", ""), ("3", "456"), ("2", "")]


def test_key_twenty_sheets_without_a_mouse(app, live_server, browser, artifacts, tmp_path):
    with get_db(app).transaction() as s:
        unit = Unit(code="HC", name="Quận Hải Châu", kind="district")
        s.add(unit)
        s.flush()
        clerk = accounts.create_user(s, "nhapphieu", "clerk", "mật khẩu đủ dài 123", unit)
        batch = paper.create_batch(s, unit=unit, questionnaire=questionnaire_version(
            s, "KIOSK-3L"), period=Period(date(2026, 10, 1), date(2026, 10, 31)), issued=25,
            returned=20, label="Tháng 10", user=clerk)
        batch_id = batch.id
    page = browser.new_page(viewport=TABLET_10_LANDSCAPE)
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/login?next=/paper/{batch_id}/entry")
    # the form focuses the user name itself; typing before it has would lose the keys
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")
    page.keyboard.type("nhapphieu")
    page.keyboard.press("Tab")
    page.keyboard.type("mật khẩu đủ dài 123")
    page.keyboard.press("Enter")
    # the login page's own address ends in ?next=/paper/…/entry: match the path, not the URL
    page.wait_for_url(lambda url: urlsplit(url).path == f"/paper/{batch_id}/entry")
    for n, (overall, reasons) in enumerate(SHEETS, start=1):
        # the serial is proposed and the cursor waits on the first answer
        assert page.locator("#k-serial").input_value() == str(n)
        assert page.evaluate("document.activeElement.id") == "k-overall"
        page.keyboard.type(overall)  # a valid key moves on by itself
        if overall == "3":
            assert page.evaluate("document.activeElement.id") == "k-reasons"
            page.keyboard.type(reasons)
        if n == 3:
            page.screenshot(path=str(artifacts / "paper-entry-tablet.png"))
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/entry?last={n}")
    assert page.locator("#tally-entered").inner_text() == "20 / 20"
    assert page.locator("#tally-not_satisfied").inner_text() == "4"
    page.screenshot(path=str(artifacts / "paper-entry-done-tablet.png"))
    # A wrong key is pointed out beside its field at once (issue 15); skipped follow-ups are
    # greyed without losing contrast.
    page.locator("#k-serial").fill("21")
    page.locator("#k-overall").fill("7")
    hint = page.locator("#e-overall")
    assert hint.is_visible() and hint.inner_text() == "Phím không hợp lệ; dùng: 1, 2, 3."
    assert "e-overall" in page.locator("#k-overall").get_attribute("aria-describedby").split()
    assert page.locator("#k-overall").get_attribute("aria-invalid") == "true"
    page.screenshot(path=str(artifacts / "paper-entry-wrong-key-tablet.png"))
    page.locator("#k-overall").fill("1")
    assert hint.is_hidden()
    with get_db(app).transaction() as s:
        counts = dict(s.execute(select(Ballot.level, func.count()).where(
            Ballot.channel == "paper", Ballot.status == "valid").group_by(Ballot.level)).all())
    assert counts == {"very_satisfied": 9, "satisfied": 7, "not_satisfied": 4}
    # the printed ballot, rendered to PNG for a person to look at
    response = page.request.get(f"{live_server.url}/paper/{batch_id}/ballots.pdf?size=A5")
    assert response.status == 200
    pdf = tmp_path / "ballots.pdf"
    pdf.write_bytes(response.body())
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf),
                    str(artifacts / "paper-ballot-a5")], check=True)
    page.close()
