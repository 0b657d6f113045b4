"""The kiosk's "Tôi muốn được liên hệ lại" screen in a real Chromium (issue 17): the tablet checks
the number with the server's rule, a request becomes a case with the number kept apart, and the
number stays on the tablet only while its vote waits to be sent; walking away forgets it."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from survey_app.db import get_db
from survey_app.models import Answer, Ballot, CaseContact, FollowupCase, QuestionnaireItem
from tests.factories import login

from . import test_kiosk
from .test_kiosk import (
    FAST,
    _back_to_vietnamese_faces,
    _ballots,
    _open_paired,
    _state,
    _vote,
    _wait_sent,
)

# the kiosk tests' fixtures: a built world, a fresh tablet, the live server's URL
world = test_kiosk.world
tablet = test_kiosk.tablet
_live_url = test_kiosk._live_url

VECTORS = json.loads((Path(__file__).parent.parent / "phone_numbers.json").read_text("utf-8"))

#: Everything the tablet keeps: every IndexedDB store of the kiosk, localStorage, sessionStorage.
DUMP_STORAGE = """async () => {
    const db = await new Promise((ok, ko) => {
        const r = indexedDB.open('kiosk'); r.onsuccess = () => ok(r.result); r.onerror = ko; });
    const out = {};
    for (const name of db.objectStoreNames) {
        out[name] = await new Promise((ok) => {
            const r = db.transaction(name).objectStore(name).getAll();
            r.onsuccess = () => ok(r.result); });
    }
    db.close();
    out.localStorage = { ...localStorage };
    out.sessionStorage = { ...sessionStorage };
    return JSON.stringify(out);
}"""


def _kept_on_tablet(page) -> str:
    return page.evaluate(DUMP_STORAGE)


def _digits_of(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def test_the_tablet_checks_numbers_with_the_servers_rule(app, world, tablet):
    page = tablet.new_page()
    page.goto(f"{app.config['LIVE_URL']}/kiosk/")
    page.wait_for_selector('body[data-screen="pair"]')
    results = page.evaluate("""async (vectors) => {
        const { callbackPhone } = await import('./phone.js');
        return {
            valid: vectors.valid.map(([typed]) => callbackPhone(typed)),
            invalid: vectors.invalid.map((typed) => callbackPhone(typed)),
        };
    }""", VECTORS)
    assert results["valid"] == [national for _, national in VECTORS["valid"]]
    assert results["invalid"] == [None] * len(VECTORS["invalid"])


def test_a_dissatisfied_citizen_asks_to_be_called_back(app, world, tablet, artifacts: Path):
    page = _open_paired(app, tablet)
    _vote(page, "not_satisfied")
    page.wait_for_selector('body[data-screen="reason"]')
    page.get_by_role("button", name="Thời gian chờ đợi").tap()
    page.get_by_role("button", name="Gửi").tap()
    page.wait_for_selector('body[data-screen="callback"]')
    expect(page.locator("#callback-title")).to_have_text("Ông/Bà có muốn được liên hệ lại không?")
    field = page.get_by_role("textbox", name="Số điện thoại")
    assert field.get_attribute("inputmode") == "tel" and field.get_attribute("type") == "tel"

    # A number the server would refuse is refused here, while the citizen is still at the counter.
    field.fill("0905 123 45")
    page.get_by_role("button", name="Tôi muốn được liên hệ lại").tap()
    expect(page.get_by_role("alert")).to_have_text(
        "Số điện thoại chưa đúng (10 hoặc 11 chữ số, ví dụ 0905 123 456).")
    assert field.get_attribute("aria-invalid") == "true"
    page.screenshot(path=str(artifacts / "kiosk-callback-error.png"))
    field.fill("0905 123 456")
    page.get_by_role("button", name="Tôi muốn được liên hệ lại").tap()
    expect(page.get_by_role("alert")).to_have_text(
        "Vui lòng đánh dấu đồng ý để cơ quan liên hệ lại.")
    assert _state(page)["pendingFollowup"] == 1  # nothing queued yet

    tablet.set_offline(True)  # the vote must wait on the tablet with its request
    page.get_by_label("Tôi đồng ý để cơ quan dùng số điện thoại này liên hệ lại với tôi về ý "
                      "kiến trên.").check()
    page.screenshot(path=str(artifacts / "kiosk-callback-filled.png"))
    page.get_by_role("button", name="Tôi muốn được liên hệ lại").tap()
    page.wait_for_selector('body[data-screen="thanks"]')
    page.evaluate("window.kioskFlush()")
    assert _state(page)["queued"] == 1
    assert "0905123456" in _kept_on_tablet(page)  # kept only while it waits …

    tablet.set_offline(False)
    _wait_sent(page)
    kept = _kept_on_tablet(page)
    assert "0905123456" not in _digits_of(kept) and "123456" not in _digits_of(kept)  # … not after

    with get_db(app).transaction() as s:
        ballot = s.scalars(select(Ballot)).one()
        case = s.scalars(select(FollowupCase)).one()
        assert (case.ballot_id, case.source, case.status) == (ballot.id, "citizen", "new")
        assert s.get(CaseContact, case.id).phone == "0905123456"
        answers = s.execute(select(QuestionnaireItem.code, Answer.value)
                            .join(Answer, Answer.item_id == QuestionnaireItem.id)
                            .where(Answer.ballot_id == ballot.id)).all()
    # the reasons sent before the callback screen are with the vote; the number is not
    assert sorted(answers) == [("overall", "not_satisfied"), ("reasons", "waiting_time")]

    # The unit's officer sees the case with the number to call.
    desk = app.test_client()
    login(desk, "officer.hc")
    html = desk.get(f"/officer/cases/{case.id}").get_data(as_text=True)
    assert "0905123456" in html and "Phản ánh #" in html


def test_walking_away_from_the_callback_screen_forgets_the_number(app, world, tablet,
                                                                  artifacts: Path):
    app.config["KIOSK_IDLE_SECONDS"] = 2
    page = _open_paired(app, tablet, "?thanks=60000&lock=0&retry=200&cap=1000")
    page.get_by_role("button", name="EN – Switch to English").tap()
    _vote(page, "not_satisfied")
    page.wait_for_selector('body[data-screen="reason"]')
    page.get_by_role("button", name="Skip").tap()
    page.wait_for_selector('body[data-screen="callback"]')
    page.get_by_role("textbox", name="Phone number").fill("0905 123 456")
    page.get_by_label("I agree that the office may use this number to contact me about my "
                      "answers.").check()
    _back_to_vietnamese_faces(page)
    page.screenshot(path=str(artifacts / "kiosk-after-idle-on-callback.png"))

    assert page.locator("#callback-phone").input_value() == ""
    assert page.locator("#callback-consent").is_checked() is False
    _wait_sent(page)
    kept = _kept_on_tablet(page)
    assert "123456" not in _digits_of(kept) and "0905" not in kept
    # The walked-away vote counts, without a case.
    assert [(b.level, b.status) for b in _ballots(app)] == [("not_satisfied", "valid")]
    with get_db(app).transaction() as s:
        assert s.scalars(select(FollowupCase)).all() == []

    # The next citizen finds the callback screen empty.
    _vote(page, "not_satisfied")
    page.wait_for_selector('body[data-screen="reason"]')
    page.get_by_role("button", name="Bỏ qua").tap()
    page.wait_for_selector('body[data-screen="callback"]')
    assert page.get_by_role("textbox", name="Số điện thoại").input_value() == ""


def test_a_number_never_outlives_its_vote_on_the_tablet(app, world, tablet):
    """A vote the server refuses is kept for the officer without the number, and a number that
    waited a week for the network is dropped while its vote is still sent."""
    page = _open_paired(app, tablet, FAST)
    now = datetime.now(timezone.utc)
    page.evaluate("""async ({ now, week }) => {
        const unit = JSON.parse(localStorage.getItem('kiosk.unit')).code;
        const counter = JSON.parse(localStorage.getItem('kiosk.counter')).code;
        const record = (id, created, overall) => ({
            client_id: id, status: 'queued', created_ms: created, unit, counter, attempts: 0,
            body: { client_id: id, questionnaire: 'KIOSK-3L', version: 1,
                    answers: { overall }, answered_at: now,
                    callback: { phone: '0905123456', consent: true } } });
        const db = await new Promise((ok, ko) => {
            const r = indexedDB.open('kiosk'); r.onsuccess = () => ok(r.result); r.onerror = ko; });
        await new Promise((ok, ko) => {
            const tx = db.transaction('votes', 'readwrite');
            tx.objectStore('votes').put(record(crypto.randomUUID(), Date.now(), 'so-so'));
            tx.objectStore('votes').put(
                record(crypto.randomUUID(), Date.now() - week - 60000, 'not_satisfied'));
            tx.oncomplete = ok; tx.onerror = ko; });
        db.close();
    }""", {"now": now.isoformat(), "week": 7 * 24 * 3600 * 1000})
    page.evaluate("window.kioskFlush()")
    page.wait_for_function("async () => (await window.kioskState()).queued === 0", polling=100)
    assert _state(page)["rejected"] == 1
    kept = json.loads(_kept_on_tablet(page))
    assert "0905123456" not in json.dumps(kept)
    assert kept["rejected"][0]["had_callback"] is True
    assert [(b.level, b.status) for b in _ballots(app)] == [("not_satisfied", "valid")]
    with get_db(app).transaction() as s:
        assert s.scalars(select(FollowupCase)).all() == []
