"""Every state change has one effect under concurrent identical requests (issue 13).

Each test sends N identical requests at the same moment to the app served for real (a thread
per request, each with its own database connection), as a double click, a browser's "resend"
or a retry would. On PostgreSQL (``make test-pg``) the requests really overlap; on SQLite the
writers are serialised, and the same assertions hold. Forms are sent twice over: as the page
rendered them (with their ``once`` value) and without it, so the services' own guards
(conditional updates, row locks) are exercised too. Afterwards the rollups must equal a recount.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from survey_app.db import get_db
from survey_app.models import (
    Answer,
    Ballot,
    FollowupCase,
    IndexPublication,
    IndexScheme,
    KioskDevice,
    PaperBatch,
    PaperSheet,
    PeriodPublication,
    PeriodSnapshot,
    Questionnaire,
    ReceiptToken,
    Unit,
)
from survey_app.services import accounts, kiosk
from survey_app.services.ballots import set_ballot_status
from tests.concurrency import (
    Browser,
    assert_no_server_error,
    assert_rollups_match_recount,
    audit_count,
    fire,
    fresh,
)
from tests.factories import load_small_index, vote
from tests.live import LiveServer

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
N = 8
WITH_AND_WITHOUT_ONCE = pytest.mark.parametrize("once", [True, False],
                                                ids=["as-rendered", "without-once"])


@pytest.fixture
def server(app):
    with LiveServer(app) as live:
        yield live


@pytest.fixture
def browser(server):
    b = Browser(server.url)
    yield b
    b.close()


def _count(session, model, *where) -> int:
    fresh(session)
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _paper_vote(client, world, level="satisfied", day="2026-07-10", unit="HC-TT"):
    body = vote(level, at=f"{day}T09:00:00+07:00", unit=unit, channel="paper")
    r = client.post("/api/v1/votes", json=body, headers=world.auth(world.admin_token))
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _flagged(app, client, world, **kw) -> int:
    ballot_id = _paper_vote(client, world, **kw)
    with get_db(app).transaction() as s:  # as the burst check would
        b = s.get(Ballot, ballot_id)
        b.flag_reason = "burst"
        set_ballot_status(s, b, "flagged", None, tz=TZ)
    return ballot_id


def _form_data(fields: dict[str, str], once: bool, **extra: str) -> dict[str, str]:
    data = {**fields, **extra}
    if not once:
        data.pop("once", None)
    return data


def _figures_n(client, world, unit="HC") -> int:
    r = client.get("/api/v1/figures", query_string={"unit": unit, "from": "2026-07-01",
                                                     "to": "2026-09-30", "subtree": "1"},
                   headers=world.auth(world.admin_token))
    assert r.status_code == 200, r.get_json()
    return r.get_json()["n"]


# --- ballots: review ---------------------------------------------------------------------------

@WITH_AND_WITHOUT_ONCE
@pytest.mark.parametrize("action,status", [("reinstate", "valid"), ("void", "void")])
def test_a_double_review_changes_the_ballot_once(app, client, world, session, browser, once,
                                                 action, status):
    _paper_vote(client, world)
    target = _flagged(app, client, world)
    later = _flagged(app, client, world)  # same unit, day and level: the same rollup cells
    browser.login("officer.hc")
    page = "/officer/flagged?unit=HC&kind=quarter&year=2026&part=3"
    fields = browser.form(page, f"/officer/flagged/{target}")
    data = _form_data(fields, once, action=action, note="Đã xác minh")

    responses = browser.post_at_once(N, f"/officer/flagged/{target}", data)

    assert_no_server_error(responses)
    assert {r.status_code for r in responses} == {303}
    assert audit_count(session, f"ballot.{action}") == 1
    assert session.get(Ballot, target).status == status
    assert_rollups_match_recount(app, session)
    valid = _count(session, Ballot, Ballot.status == "valid")
    assert _figures_n(client, world) == valid == (2 if action == "reinstate" else 1)
    # a later, legitimate review in the same cell still works (it failed with a 500 before)
    fields = browser.form(page, f"/officer/flagged/{later}")
    r = browser.client.post(f"/officer/flagged/{later}",
                            data={**fields, "action": "void", "note": "Trùng phiếu"})
    assert r.status_code == 303
    assert fresh(session).get(Ballot, later).status == "void"
    assert_rollups_match_recount(app, session)


# --- periods -----------------------------------------------------------------------------------

@WITH_AND_WITHOUT_ONCE
def test_a_double_close_makes_one_snapshot_and_a_double_reopen_one_reopening(
        app, client, world, session, browser, once):
    _paper_vote(client, world)
    browser.login("admin")
    page = "/admin/periods?unit=HC&kind=quarter&year=2026&part=3"
    fields = browser.form(page, "/admin/periods/close")
    data = _form_data(fields, once, unit="HC", kind="quarter", year="2026", part="3",
                      note="Chốt quý III")

    responses = browser.post_at_once(N, "/admin/periods/close", data)

    assert_no_server_error(responses)
    assert _count(session, PeriodSnapshot) == 1
    assert audit_count(session, "period.close") == 1
    snapshot = session.scalars(select(PeriodSnapshot)).one()

    fields = browser.form(f"/admin/periods/{snapshot.id}", f"/admin/periods/{snapshot.id}/reopen")
    responses = browser.post_at_once(N, f"/admin/periods/{snapshot.id}/reopen",
                                     _form_data(fields, once, note="Nhập bổ sung phiếu giấy"))
    assert_no_server_error(responses)
    assert audit_count(session, "period.reopen") == 1
    assert fresh(session).get(PeriodSnapshot, snapshot.id).reopen_note == "Nhập bổ sung phiếu giấy"


@WITH_AND_WITHOUT_ONCE
def test_a_double_publish_publishes_once_and_a_double_withdraw_withdraws_once(
        app, client, world, session, browser, once):
    _paper_vote(client, world)
    browser.login("admin")
    page = "/admin/periods?unit=HC&kind=quarter&year=2026&part=3"
    fields = browser.form(page, "/admin/periods/close")
    browser.client.post("/admin/periods/close", data=_form_data(
        fields, True, unit="HC", kind="quarter", year="2026", part="3", note="Chốt quý III"))
    snapshot = session.scalars(select(PeriodSnapshot)).one()
    show = f"/admin/periods/{snapshot.id}"

    fields = browser.form(show, f"{show}/publish")
    responses = browser.post_at_once(N, f"{show}/publish", _form_data(fields, once))
    assert_no_server_error(responses)
    assert _count(session, PeriodPublication) == 1
    assert audit_count(session, "period.publish") == 1

    fields = browser.form(show, f"{show}/withdraw")
    responses = browser.post_at_once(N, f"{show}/withdraw",
                                     _form_data(fields, once, note="Sai sót phiếu giấy"))
    assert_no_server_error(responses)
    assert audit_count(session, "period.withdraw") == 1
    withdrawn = fresh(session).scalars(select(PeriodPublication)).one()
    assert withdrawn.withdrawn_at is not None and withdrawn.withdraw_note == "Sai sót phiếu giấy"


@WITH_AND_WITHOUT_ONCE
def test_a_double_counter_switch_changes_it_once(app, world, session, browser, once):
    browser.login("admin")
    fields = browser.form("/admin/periods", "/admin/units/counter-publication")
    for enabled in ("1", "0"):
        responses = browser.post_at_once(N, "/admin/units/counter-publication",
                                         _form_data(fields, once, unit="HC-TT", enabled=enabled))
        assert_no_server_error(responses)
        assert audit_count(session, "unit.publish_counters") == (1 if enabled == "1" else 2)
        assert fresh(session).scalar(select(Unit.publish_counters).where(
            Unit.code == "HC-TT")) is (enabled == "1")
        fields = browser.form("/admin/periods", "/admin/units/counter-publication")


@WITH_AND_WITHOUT_ONCE
def test_a_double_ranking_publish_publishes_once_and_a_double_withdraw_withdraws_once(
        app, world, session, browser, once):
    load_small_index(session)
    scheme_id = session.scalars(select(IndexScheme.id)).one()
    browser.login("admin")
    base = f"/admin/index-publication/{scheme_id}"

    fields = browser.form("/admin/periods", f"{base}/publish")
    responses = browser.post_at_once(N, f"{base}/publish", _form_data(fields, once))
    assert_no_server_error(responses)
    assert _count(session, IndexPublication) == 1
    assert audit_count(session, "index.publish") == 1

    fields = browser.form("/admin/periods", f"{base}/withdraw")
    responses = browser.post_at_once(N, f"{base}/withdraw",
                                     _form_data(fields, once, note="Sai điểm thẩm định"))
    assert_no_server_error(responses)
    assert audit_count(session, "index.withdraw") == 1
    withdrawn = fresh(session).scalars(select(IndexPublication)).one()
    assert withdrawn.withdrawn_at is not None and withdrawn.withdraw_note == "Sai điểm thẩm định"


# --- follow-up cases ----------------------------------------------------------------------------

def test_a_double_open_from_a_comment_makes_one_case_and_a_double_step_moves_it_once(
        app, client, world, session, browser):
    r = client.post("/api/v1/votes", headers=world.auth(world.device_token), json=vote(
        "not_satisfied", answers={"overall": "not_satisfied", "comment": "Thiếu ghế chờ"}))
    assert r.status_code == 201
    answer = session.scalars(select(Answer).where(Answer.value == "Thiếu ghế chờ")).one()
    browser.login("officer.hc")
    fields = browser.form("/officer/comments?kind=year", f"/officer/cases/from-comment/{answer.id}")
    responses = browser.post_at_once(N, f"/officer/cases/from-comment/{answer.id}", fields)
    assert_no_server_error(responses)
    assert _count(session, FollowupCase) == 1
    assert audit_count(session, "case.open") == 1

    case = fresh(session).scalars(select(FollowupCase)).one()
    fields = browser.form(f"/officer/cases/{case.id}", f"/officer/cases/{case.id}")
    responses = browser.post_at_once(N, f"/officer/cases/{case.id}",
                                     {**fields, "to": "in_progress", "note": "Đã gọi lại"})
    assert_no_server_error(responses)
    assert audit_count(session, "case.in_progress") == 1
    assert fresh(session).get(FollowupCase, case.id).status == "in_progress"


# --- paper batches and sheets --------------------------------------------------------------------

def _api_batch(client, world, issued=10, returned=10) -> int:
    r = client.post("/api/v1/paper-batches", json={
        "unit": "HC", "from": "2026-09-01", "to": "2026-09-30", "issued": issued,
        "returned": returned, "label": "Quý III"}, headers=world.auth(world.clerk_token))
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def test_a_double_submitted_batch_form_creates_one_batch(client, world, session, browser):
    browser.login("clerk.hc")
    fields = browser.form("/paper/", "/paper/")
    questionnaire = session.scalar(select(Questionnaire.id).where(Questionnaire.code == "KIOSK-3L"))
    data = {**fields, "unit": str(world.units["HC"].id), "from": "2026-09-01",
            "to": "2026-09-30", "questionnaire": str(questionnaire), "issued": "50",
            "returned": "40", "label": "Lô tháng 9"}

    responses = browser.post_at_once(N, "/paper/", data)

    assert_no_server_error(responses)
    assert _count(session, PaperBatch) == 1
    assert audit_count(session, "paper.batch.create") == 1
    batch = session.scalars(select(PaperBatch)).one()
    # every copy lands on the batch's page, the duplicates told it was done already
    assert {r.headers["Location"] for r in responses} == {f"/paper/{batch.id}"}


@WITH_AND_WITHOUT_ONCE
def test_a_double_edit_is_audited_once(client, world, session, browser, once):
    batch = _api_batch(client, world)
    browser.login("clerk.hc")
    fields = browser.form(f"/paper/{batch}", f"/paper/{batch}/edit")
    data = _form_data(fields, once, issued="12", returned="11", label="Quý III (sửa)")

    responses = browser.post_at_once(N, f"/paper/{batch}/edit", data)

    assert_no_server_error(responses)
    assert audit_count(session, "paper.batch.update") == 1
    stored = session.get(PaperBatch, batch)
    assert (stored.issued, stored.returned, stored.label) == (12, 11, "Quý III (sửa)")


@WITH_AND_WITHOUT_ONCE
def test_a_double_keyed_sheet_is_stored_once(app, client, world, session, browser, once):
    batch = _api_batch(client, world)
    browser.login("clerk.hc")
    fields = browser.form(f"/paper/{batch}/entry", f"/paper/{batch}/entry")
    data = _form_data(fields, once, serial="1", **{"k.overall": "3", "k.reasons": "1"})

    responses = browser.post_at_once(N, f"/paper/{batch}/entry", data)

    assert_no_server_error(responses)
    assert _count(session, PaperSheet) == 1
    assert _count(session, Ballot) == 1
    assert audit_count(session, "paper.sheet.enter") == 1
    assert_rollups_match_recount(app, session)


def test_a_double_undo_voids_one_sheet(app, client, world, session, browser):
    batch = _api_batch(client, world)
    browser.login("clerk.hc")
    for serial in (1, 2, 3):
        fields = browser.form(f"/paper/{batch}/entry", f"/paper/{batch}/entry")
        r = browser.client.post(f"/paper/{batch}/entry",
                                data={**fields, "serial": str(serial), "k.overall": "1"})
        assert r.status_code == 302, r.text[:300]
    fields = browser.form(f"/paper/{batch}/entry", f"/paper/{batch}/undo")

    responses = browser.post_at_once(N, f"/paper/{batch}/undo", fields)

    assert_no_server_error(responses)
    assert audit_count(session, "paper.sheet.undo") == 1
    assert sorted(session.scalars(select(PaperSheet.serial))) == [1, 2]
    assert _count(session, Ballot, Ballot.status == "void") == 1
    assert_rollups_match_recount(app, session)


@WITH_AND_WITHOUT_ONCE
def test_a_double_delete_voids_the_batch_once(app, client, world, session, browser, once):
    batch = _api_batch(client, world)
    for serial in (1, 2):
        r = client.post(f"/api/v1/paper-batches/{batch}/ballots",
                        json={"serial": serial, "answers": {"overall": "satisfied"}},
                        headers=world.auth(world.clerk_token))
        assert r.status_code == 201
    browser.login("clerk.hc")
    fields = browser.form(f"/paper/{batch}", f"/paper/{batch}/delete")

    responses = browser.post_at_once(N, f"/paper/{batch}/delete", _form_data(fields, once))

    assert_no_server_error(responses)
    assert audit_count(session, "paper.batch.delete") == 1
    assert audit_count(session, "paper.ballot.void") == 2
    assert _count(session, Ballot, Ballot.status == "void") == 2
    assert_rollups_match_recount(app, session)


# --- receipts, pairing codes, tablets -------------------------------------------------------------

def test_a_receipt_code_sent_from_two_tabs_at_once_counts_one_vote(client, world, session,
                                                                   server):
    issued = client.post("/api/v1/receipt-tokens", json={"unit": "HC", "dossier": "HS-000123"},
                         headers=world.auth(world.clerk_token))
    assert issued.status_code in (200, 201), issued.get_json()
    path = issued.get_json()["url"].removeprefix("http://localhost")
    tabs = [Browser(server.url) for _ in range(N)]
    forms = [tab.form(path, "") for tab in tabs]  # each tab: its own cookie, token, client id

    responses = fire(N, lambda i: tabs[i].client.post(
        path, data={**forms[i], "a.overall": "very_satisfied"}))

    for tab in tabs:
        tab.close()
    assert_no_server_error(responses)
    assert sorted(r.status_code for r in responses) == [303] + [409] * (N - 1)
    assert _count(session, Ballot) == 1
    receipt = session.scalars(select(ReceiptToken)).one()
    assert receipt.ballot_id == session.scalars(select(Ballot.id)).one()


def test_a_pairing_code_sent_twice_at_once_pairs_one_tablet(app, world, session, server):
    import httpx

    with get_db(app).transaction() as s:
        _row, code = kiosk.create_pairing_code(
            s, s.get(Unit, world.units["HC"].id), None, secret_key=app.config["SECRET_KEY"],
            now=datetime.now(timezone.utc))
    before = _count(session, KioskDevice)

    responses = fire(N, lambda i: httpx.post(f"{server.url}/kiosk/api/pair",
                                             json={"code": code}, timeout=60))

    assert_no_server_error(responses)
    assert sorted(r.status_code for r in responses)[0] == 201
    assert [r.status_code for r in responses].count(201) == 1
    assert _count(session, KioskDevice) == before + 1
    assert audit_count(session, "kiosk.pair") == 1


@WITH_AND_WITHOUT_ONCE
def test_a_double_revoke_is_audited_once(client, world, session, browser, once):
    device, _token = accounts.register_kiosk(session, world.units["HC"])
    session.commit()
    browser.login("officer.hc")
    fields = browser.form("/officer/kiosks/", f"/officer/kiosks/{device.id}/revoke")

    responses = browser.post_at_once(N, f"/officer/kiosks/{device.id}/revoke",
                                     _form_data(fields, once))

    assert_no_server_error(responses)
    assert audit_count(session, "kiosk.revoke") == 1
    assert session.get(KioskDevice, device.id).revoked_at is not None


def test_a_receipt_printed_twice_at_once_gets_one_code(world, session, server):
    """Two clerks (or a retried request) asking for the same dossier's code at once: one code,
    so the dossier keeps one vote."""
    import httpx

    warm = httpx.post(f"{server.url}/api/v1/receipt-tokens", json={"unit": "HC", "dossier": "X1"},
                      headers=world.auth(world.clerk_token), timeout=60)
    assert warm.status_code == 201  # and the token's last use is fresh: no row lock below
    body = {"unit": "HC", "dossier": "HS-2026-000777"}
    responses = fire(N, lambda i: httpx.post(f"{server.url}/api/v1/receipt-tokens", json=body,
                                             headers=world.auth(world.clerk_token), timeout=60))

    assert_no_server_error(responses)
    assert len({r.json()["token"] for r in responses}) == 1
    assert _count(session, ReceiptToken) == 2
    assert audit_count(session, "receipt.issue") == 2
